"""The sales function: rep agents, their lead work, outbound prospecting and pipeline events.

Reps are ``mesa.Agent`` objects (identity, hire date, skill, their own results); the team
works on small arrays of them at once. Leads wait in a queue ordered by arrival; a lead
nobody works within ``lead_stale_days`` is lost (stale): that is where marketing producing
more than sales can handle shows. Reps with free capacity prospect outbound. Opportunities
go through discovery, then a negotiation (see :mod:`sim.engine.negotiation`) with a deadline and a
competitor who may take the buyer first. Reactive, personal, adaptable per customer.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

import mesa
import numpy as np

from sim.engine.customers import Stage
from sim.engine.lead_queue import LeadQueue
from sim.engine.deals import negotiation_events, open_events
from sim.engine.outbound import calls_day
from sim.engine.pipeline import Pipeline, any_due, due_events
from sim.engine.workload import (
    BUYING_CODE, ROUTING_CODE, RepHours, lead_arrivals, lead_day, lead_scores, ramp_share, rep_day, speed_to_lead,
    time_args,
)
from sim.scenario.schema import Buying, HeadcountChange

if TYPE_CHECKING:
    from sim.engine.model import MarketModel

__all__ = ["SalesRep", "SalesTeam"]



class SalesRep(mesa.Agent):
    """A sales representative."""

    def __init__(self, model: "MarketModel", hire_day: int, skill: float) -> None:
        super().__init__(model)
        self.hire_day = hire_day
        self.leave_day: int | None = None
        self.skill = skill
        self.deals_won = 0
        self.deals_lost = 0
        self.won_value_usd = 0.0
        self.commission_usd = 0.0
        self.quota_usd = 0.0  # quota accrued so far, prorated by ramp

    def productivity(self, day: int) -> float:
        """Share of full productivity reached ``day`` days into the run (linear ramp)."""
        return ramp_share(day, self.hire_day, self.model.config.sales.ramp_days)

    def accrue_quota(self, productivity: float) -> None:
        """Accrue this day's quota, prorated by today's :meth:`productivity` (while employed)."""
        self.quota_usd += self.model.config.sales.annual_quota_usd / 365.0 * productivity


class SalesTeam:
    """Vectorised work of all reps: staffing, lead queue, outbound, pipeline."""

    def __init__(self, model: "MarketModel", rng: np.random.Generator, skill_rng: np.random.Generator) -> None:
        self.model = model
        self.config = model.config.sales
        self.stream = rng
        self.skill_rng = skill_rng
        self.reps: list[SalesRep] = []  # active reps, in hiring order
        self.former_reps: list[SalesRep] = []
        segs = model.segments
        self._buying = np.array([BUYING_CODE[s.buying] for s in segs.configs], dtype=np.int8)
        self._rep_segments = np.flatnonzero(self._buying != BUYING_CODE[Buying.SELF_SERVE])
        cfg = self.config
        self._time = time_args(cfg.time)
        self._segment_rules = (self._buying, segs.list_price, segs.self_serve_rate, segs.qualification_rate)
        self._rules = (cfg.lead_stale_days, float(cfg.mql_threshold), ROUTING_CODE[cfg.routing], float(cfg.leads_per_day),
                       float(cfg.time.lead_hours))
        self._speed = speed_to_lead(np.arange(cfg.lead_stale_days + 1), cfg.lead_half_life_days)
        self.stale_by_segment = np.zeros(len(segs.configs), dtype=np.int64)  # whole run, per segment
        # Lead queue (arrival order) and pipeline (one row per open opportunity).
        self.queue = LeadQueue()
        self.accounts = np.zeros(0, dtype=np.int64)  # customers each rep (by serial) owns now
        self.pipe = Pipeline()
        self.reset_counters()
        self.plan = list(self.config.plan)  # the headcount plan (a head of sales may replan it)
        self._hired = 0  # reps hired so far: a rep's serial number keys its draws
        self._hire(self.config.headcount, day=0, ramped=True)

    # ------------------------------------------------------------------ counters
    def reset_counters(self) -> None:
        self.leads = 0
        self.marketing_leads = 0
        self.stale_leads = 0
        self.leads_worked = 0
        self.opportunities = 0
        self.outbound_calls = 0
        self.outbound_opportunities = 0
        self.deals_won = 0
        self.deals_lost = 0
        self.self_serve_wins = 0
        self.nurtured_leads = 0
        self.commission_usd = 0.0
        self.hours = dict.fromkeys(("available", "deals", "accounts", "leads", "outbound"), 0.0)

    # ------------------------------------------------------------------ staffing
    @property
    def headcount(self) -> int:
        return len(self.reps)

    def _hire(self, count: int, day: int, ramped: bool) -> None:
        cfg = self.config
        skills = np.clip(self.skill_rng.normal(cfg.skill_mean, cfg.skill_sd, size=count), 0.0, 1.0)
        hire_day = day - cfg.ramp_days if ramped else day
        for skill in skills:
            rep = SalesRep(self.model, hire_day, float(skill))
            rep.serial = self._hired
            self._hired += 1
            self.reps.append(rep)
        self.accounts = np.concatenate([self.accounts, np.zeros(count, dtype=np.int64)])
        self._rep_arrays()

    def _release(self, count: int, day: int) -> None:
        """The most recent hires leave first; their open deals are lost."""
        leaving = list(range(len(self.reps) - count, len(self.reps)))
        gone = np.isin(self.pipe.rep, leaving)
        if gone.any():
            self._lose(np.flatnonzero(gone), day, "rep_left")
            self.pipe.drop(gone)
        customers = self.model.customers
        for pos in reversed(leaving):
            rep = self.reps.pop(pos)
            if self.accounts[rep.serial]:  # its customers lose their account owner and care
                orphans = customers.owner == rep.serial
                customers.owner[orphans] = -1
                customers.account_care[orphans] = 0.0
                self.accounts[rep.serial] = 0
            rep.leave_day = day
            self.former_reps.append(rep)
            rep.remove()
        self._rep_arrays()

    def staff(self, day: int) -> None:
        """Apply the headcount plan for this day's month."""
        month = self.model.month_of(day)
        target = self.config.headcount
        for change in self.plan:
            if change.month <= month:
                target = change.headcount
        if target > self.headcount:
            self._hire(target - self.headcount, day, ramped=False)
        elif target < self.headcount:
            self._release(self.headcount - target, day)

    def _rep_arrays(self) -> None:
        """Hire days and skills of the active reps as arrays (for the vectorised phases)."""
        self._hire_days = np.array([rep.hire_day for rep in self.reps], dtype=float)
        self._skills = np.array([rep.skill for rep in self.reps], dtype=float)
        self._serials = np.array([rep.serial for rep in self.reps], dtype=np.int64)

    def productivities(self, day: int) -> np.ndarray:
        """Each active rep's share of full productivity (the same linear ramp as :meth:`SalesRep.productivity`)."""
        return self._rep_day(day)[0]

    def _rep_day(self, day: int) -> tuple:
        """Productivity, free capacity and the hours of :func:`rep_hours` of each active rep (one compiled call)."""
        cfg = self.config
        return rep_day(day, cfg.ramp_days, self._hire_days, cfg.capacity, self.pipe.rep, self.pipe.cust,
                       self.model.customers.stage, self.accounts[self._serials], self._time)

    # ------------------------------------------------------------------ leads
    def add_leads(self, idx: np.ndarray, day: int, source: str) -> None:
        """Turn customers into leads and queue them (marketing calls this)."""
        if idx.size == 0:
            return
        customers = self.model.customers
        price_args = customers.price_args(day, self.model.config.market.brand_price_premium)
        if customers.trace is None:
            score = lead_arrivals(idx, day, *price_args, self.model.segments.list_price, *customers.state_arrays())
        else:  # (journeys record the move)
            customers.move(idx, Stage.LEAD, day, source)
            score = lead_scores(idx, day, *price_args, customers.segment_start, self.model.segments.list_price)
        self.queue_leads(idx, score, day, source)

    def queue_leads(self, idx: np.ndarray, score: np.ndarray, day: int, source: str) -> None:
        """Queue new leads already moved to the lead stage, with their lead ``score`` (what a
        compiled phase that makes leads hands over; :meth:`add_leads` does both)."""
        if idx.size == 0:
            return
        self.queue.add(idx, day, score)
        self.leads += idx.size
        if source != "organic":
            self.marketing_leads += idx.size

    def _plan_hours(self, day: int) -> None:
        """Each rep's productivity, free capacity and hours today after its committed work (open
        deals, accounts)."""
        self._prod, self._free, *hours = self._rep_day(day)
        self._hours = RepHours(*hours, self.config.time.outbound)
        if self.config.time.hours_per_week is not None:
            for name in ("available", "deals", "accounts"):
                self.hours[name] = float(np.add.reduce(getattr(self._hours, name)))

    def work_leads(self, day: int) -> None:
        """Self-serve purchases, stale leads, nurture below the MQL threshold, and reps working
        leads in the routing policy's order within their hours (decided in one compiled call,
        :func:`sim.engine.workload.lead_day`, then applied here in that order)."""
        ids, arrived, score = self.queue.flush()
        self._plan_hours(day)
        model = self.model
        customers = model.customers
        cfg = self.config
        work = lead_day(model.keys.root, day, (ids, arrived, score), customers, model.config.market.brand_price_premium,
                        self._segment_rules, self._rules, self._speed, cfg.sdr, self._serials, self._prod, self._free,
                        self._hours.leads)
        if work.live.size == 0:
            self._outbound_hours = self._hours.after_leads(np.zeros(len(self.reps)))
            self.queue.keep(ids[:0], arrived[:0], score[:0])
            return
        if work.online.size:  # self-serve: buy online at list price when it is acceptable
            model.win(ids[work.online], work.online_price, day, "self_serve", rep=None)
            self.self_serve_wins += work.online.size
        if work.stale.size:  # nobody worked it in time
            customers.move(ids[work.stale], Stage.LOST, day, "stale_lead")
            self.stale_leads += work.stale.size
            self.stale_by_segment += work.stale_by_segment
        if work.nurture.size:  # below the MQL threshold marketing keeps the lead to nurture
            customers.move(ids[work.nurture], Stage.CONSIDERING, day, "nurture")
            self.nurtured_leads += work.nurture.size
        if work.picked.size:
            lead_ids = ids[work.picked]
            self.leads_worked += lead_ids.size
            customers.touch(lead_ids, customers.sales_touch, day)
            customers.move(lead_ids[~work.qualifies], Stage.AWARE, day, "disqualified")
            self._open(lead_ids[work.qualifies], work.reps, day, outbound=False)
        self._free = work.free
        self._outbound_hours = self._hours.after_leads(work.lead_hours)
        if cfg.time.hours_per_week is not None:
            self.hours["leads"] = float(np.add.reduce(work.lead_hours))
        self.queue.keep(ids[work.waiting], arrived[work.waiting], score[work.waiting])

    # ------------------------------------------------------------------ outbound
    def prospect(self, day: int) -> None:
        """Reps call random prospects of the rep-served segments: as many calls as their
        outbound hours allow (and no more than ``outbound_calls_per_day``), while they have
        room for another deal (decided by :func:`sim.engine.outbound.calls_day`)."""
        if not self.reps or self._rep_segments.size == 0 or self.config.outbound_calls_per_day == 0:
            return
        model = self.model
        customers = model.customers
        total, reached, targets, callers = calls_day(
            model.keys.root, day, self.config, self._prod, self._free, self._outbound_hours, self._serials,
            self._rep_segments, customers, model.segments.outbound_response_rate,
        )
        if total == 0:
            return
        self.outbound_calls += total
        if self.config.time.hours_per_week is not None:
            self.hours["outbound"] = total * self.config.time.call_hours
        customers.touch(reached, customers.sales_touch, day)
        if targets.size:
            self.outbound_opportunities += targets.size
            self._open(targets, callers, day, outbound=True)

    # ------------------------------------------------------------------ pipeline
    def _open(self, idx: np.ndarray, reps: np.ndarray, day: int, outbound: bool) -> None:
        """New opportunities: discovery, unless a competitor takes the buyer first."""
        if idx.size == 0:
            return
        model = self.model
        model.customers.move(idx, Stage.OPPORTUNITY, day, "outbound" if outbound else "qualified")
        self.opportunities += idx.size
        event, when = open_events(model.keys.root, day, idx, reps, model.customers, model.segments, self._skills)
        self.pipe.append(idx, reps, event, when, np.nan, day, outbound)

    def close_due(self, day: int) -> None:
        """Handle every pipeline event due today (a negotiation may settle on its first day)."""
        for _ in range(3):
            if not any_due(self.pipe.day, day):
                return
            due, start, won, competitor, no_deal, no_decision, keep = due_events(self.pipe.day, self.pipe.event, day)
            self._negotiate(start, day)
            self._close_won(won, day)
            self._lose(competitor, day, "competitor")
            self._lose(no_deal, day, "no_agreement")
            self._lose(no_decision, day, "no_decision")
            if due > start.size:
                self.pipe.drop(~keep)

    def _negotiate(self, rows: np.ndarray, day: int) -> None:
        if rows.size == 0:
            return
        model = self.model
        customers = model.customers
        idx = self.pipe.cust[rows]
        customers.move(idx, Stage.NEGOTIATION, day, "negotiation")
        customers.touch(idx, customers.sales_touch, day)
        negotiation_events(model.keys.root, day, rows, self.pipe, customers, model.segments,
                           model.config.market.brand_price_premium, self.config, self._skills)

    def _close_won(self, rows: np.ndarray, day: int) -> None:
        if rows.size == 0:
            return
        idx = self.pipe.cust[rows]
        price = self.pipe.price[rows]
        reps = self.pipe.rep[rows]
        outbound = self.pipe.outbound[rows]
        commission = price * self.config.commission_rate
        for r, value, fee in zip(reps.tolist(), price.tolist(), commission.tolist()):
            rep = self.reps[r]
            rep.deals_won += 1
            rep.won_value_usd += value
            rep.commission_usd += fee
        self.commission_usd += float(commission.sum())
        self.deals_won += idx.size
        self._own(idx, reps)
        open_day = self.pipe.open_day[rows]
        for how, group in (("inbound_rep", ~outbound), ("outbound_rep", outbound)):
            if group.any():
                self.model.win(idx[group], price[group], day, how, rep=reps[group], open_day=open_day[group])

    def _own(self, idx: np.ndarray, reps: np.ndarray) -> None:
        """The winning rep owns its new customers' accounts (their account work is its time, and
        they get full account care while both stay)."""
        serials = self._serials[reps]
        customers = self.model.customers
        customers.owner[idx] = serials
        customers.account_care[idx] = 1.0 if self.config.time.account_hours_per_month > 0 else 0.0
        self.accounts += np.bincount(serials, minlength=self.accounts.size)

    def disown(self, idx: np.ndarray) -> None:
        """Customers who leave stop costing their rep account time."""
        customers = self.model.customers
        owner = customers.owner[idx]
        owned = owner >= 0
        self.accounts -= np.bincount(owner[owned], minlength=self.accounts.size)
        customers.owner[idx] = -1
        customers.account_care[idx] = 0.0

    def _lose(self, rows: np.ndarray, day: int, cause: str) -> None:
        if rows.size == 0:
            return
        for r in self.pipe.rep[rows].tolist():
            self.reps[r].deals_lost += 1
        self.deals_lost += rows.size
        self.model.customers.move(self.pipe.cust[rows], Stage.LOST, day, cause)
        self.model.record_loss(self.pipe.cust[rows], day, cause)

    # ------------------------------------------------------------------ schedule
    def step(self, day: int) -> None:
        self.staff(day)
        self.close_due(day)
        self.work_leads(day)
        self.prospect(day)
        for rep, productivity in zip(self.reps, self._prod.tolist()):
            rep.accrue_quota(productivity)

    def waiting_leads(self) -> np.ndarray:
        """Customers whose lead waits for a rep (a head of sales' view of the queue)."""
        ids = self.queue.ids
        return ids[self.model.customers.stage[ids] == Stage.LEAD]

    def open_opportunities(self) -> np.ndarray:
        """Customers with an open opportunity (in discovery or negotiation)."""
        return self.pipe.cust

    def replan(self, month: int, headcount: int) -> None:
        """Aim for ``headcount`` reps from ``month`` on, replacing the plan's changes from that month
        (hires start then and ramp; departures lose their open deals)."""
        self.plan = [c for c in self.plan if c.month < month] + [HeadcountChange(month=month, headcount=headcount)]
