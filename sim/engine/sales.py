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
from sim.engine.keyed import Kind
from sim.engine.lead_queue import LeadQueue
from sim.engine.negotiation import settle
from sim.engine.pipeline import Pipeline
from sim.engine.workload import lead_order, lead_score, lead_slots, rep_hours, route, sdr_slots, speed_to_lead
from sim.scenario.schema import Buying, HeadcountChange

if TYPE_CHECKING:
    from sim.engine.model import MarketModel

__all__ = ["SalesRep", "SalesTeam"]

# Pipeline event kinds.
_START_NEGOTIATION, _WIN, _LOST_COMPETITOR, _LOST_NO_DEAL, _NO_DECISION = 0, 1, 2, 3, 4
_SELF_SERVE, _REP_ONLY, _HYBRID = 0, 1, 2
_BUYING_CODE = {Buying.SELF_SERVE: _SELF_SERVE, Buying.REP_ONLY: _REP_ONLY, Buying.HYBRID: _HYBRID}


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
        ramp = self.model.config.sales.ramp_days
        if ramp == 0:
            return 1.0
        return min(1.0, max(0.0, (day - self.hire_day) / ramp))

    def step(self) -> None:
        """Accrue this day's quota (prorated by ramp) while employed."""
        sales = self.model.config.sales
        self.quota_usd += sales.annual_quota_usd / 365.0 * self.productivity(self.model.day)


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
        self._buying = np.array([_BUYING_CODE[s.buying] for s in segs.configs], dtype=np.int8)
        self._rep_segments = np.flatnonzero(self._buying != _SELF_SERVE)
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
        ramp = self.config.ramp_days
        if ramp == 0:
            return np.ones(len(self.reps))
        return np.clip((day - self._hire_days) / ramp, 0.0, 1.0)

    def free_capacity(self, day: int) -> np.ndarray:
        if not self.reps:
            return np.zeros(0, dtype=np.int64)
        prod = self.productivities(day)
        capacity = np.maximum(1, np.round(self.config.capacity * prod)).astype(np.int64)
        open_now = np.bincount(self.pipe.rep, minlength=len(self.reps))
        return np.maximum(capacity - open_now, 0)

    # ------------------------------------------------------------------ leads
    def add_leads(self, idx: np.ndarray, day: int, source: str) -> None:
        """Turn customers into leads and queue them (marketing calls this)."""
        if idx.size == 0:
            return
        self.model.customers.move(idx, Stage.LEAD, day, source)
        model = self.model
        seg = model.customers.segment_of(idx)
        score = lead_score(model.reservation_now(idx, day), model.segments.list_price[seg], model.customers.memory_now(idx, day))
        self.queue.add(idx, day, score)
        self.leads += idx.size
        if source != "organic":
            self.marketing_leads += idx.size

    def _plan_hours(self, day: int) -> None:
        """Each rep's hours today after its committed work (open deals, accounts)."""
        n = len(self.reps)
        stage = self.model.customers.stage[self.pipe.cust]
        in_discovery = np.bincount(self.pipe.rep[stage == Stage.OPPORTUNITY], minlength=n)
        in_negotiation = np.bincount(self.pipe.rep[stage == Stage.NEGOTIATION], minlength=n)
        self._hours = rep_hours(
            self.config.time, self.productivities(day), in_discovery, in_negotiation, self.accounts[self._serials]
        )
        self._outbound_hours = self._hours.after_leads(np.zeros(n))
        if self.config.time.hours_per_week is not None:
            for name in ("available", "deals", "accounts"):
                self.hours[name] = float(getattr(self._hours, name).sum())

    def _route(self, lead_ids: np.ndarray, slots: np.ndarray) -> np.ndarray:
        """The rep (position) each lead goes to: its most preferred rep with room, by a
        preference keyed by the lead and the rep's serial number."""
        n, r = lead_ids.size, len(self.reps)
        moves = self.model.customers.moves[lead_ids]
        preference = self.model.keys.uniform(
            Kind.ROUTE, np.repeat(lead_ids, r), np.repeat(moves, r), np.tile(self._serials, n)
        )
        return route(preference.reshape(n, r), slots)

    def work_leads(self, day: int) -> None:
        """Self-serve purchases, stale leads, nurture below the MQL threshold, and reps working
        leads in the routing policy's order within their hours."""
        ids, arrived, score = self.queue.flush()
        self._plan_hours(day)
        model = self.model
        customers = model.customers
        cfg = self.config
        still = customers.stage[ids] == Stage.LEAD
        ids, arrived, score = ids[still], arrived[still], score[still]
        if ids.size == 0:
            self.queue.keep(ids, arrived, score)
            return
        seg = customers.segment_of(ids)
        buying = self._buying[seg]
        keys = model.keys
        u = keys.uniform(Kind.SELF_SERVE, ids, customers.moves[ids], day - customers.stage_day[ids])
        # Self-serve: buy online at list price when it is acceptable.
        list_price = model.segments.list_price[seg]
        willing = model.reservation_now(ids, day) >= list_price
        online = (buying != _REP_ONLY) & willing & (u < model.segments.self_serve_rate[seg])
        if online.any():
            model.win(ids[online], list_price[online], day, "self_serve", rep=None)
            self.self_serve_wins += int(online.sum())
        # Stale: nobody worked it in time.
        stale = ~online & (arrived <= day - cfg.lead_stale_days)
        if stale.any():
            customers.move(ids[stale], Stage.LOST, day, "stale_lead")
            self.stale_leads += int(stale.sum())
            self.stale_by_segment += np.bincount(seg[stale], minlength=self.stale_by_segment.size)
        # Below the MQL threshold, marketing keeps the lead to nurture: it is not passed to sales.
        nurture = ~online & ~stale & (buying != _SELF_SERVE) & (score < cfg.mql_threshold)
        if nurture.any():
            customers.move(ids[nurture], Stage.CONSIDERING, day, "nurture")
            self.nurtured_leads += int(nurture.sum())
        waiting = ~online & ~stale & ~nurture
        ids, arrived, score, seg, buying = ids[waiting], arrived[waiting], score[waiting], seg[waiting], buying[waiting]
        order = lead_order(cfg.routing, arrived, score)
        order = order[buying[order] != _SELF_SERVE]
        taken = np.zeros(ids.size, dtype=bool)
        lead_hours_used = np.zeros(len(self.reps))
        sdrs = cfg.sdr.headcount
        if order.size and self.reps:
            prod = self.productivities(day)
            slots = np.minimum(np.floor(cfg.leads_per_day * prod).astype(np.int64), self.free_capacity(day))
            u = keys.uniform(Kind.LEAD_SLOTS, self._serials, day, 0)
            slots = np.minimum(slots, lead_slots(self._hours.leads, cfg.time.lead_hours, u))
            n_take = int(min(slots.sum(), order.size))
            if sdrs:  # SDRs work the leads; reps meet only those that qualify
                n_take = min(sdr_slots(cfg.sdr, keys.uniform(Kind.SDR_SLOTS, np.arange(sdrs), day, 0)), order.size)
            pick = order[:n_take]
            u = keys.uniform(Kind.QUALIFY, ids[pick], customers.moves[ids[pick]], 0)
            qualifies = u < model.segments.qualification_rate[seg[pick]] * speed_to_lead(day - arrived[pick], cfg.lead_half_life_days)
            if sdrs:  # and book meetings only while the reps have slots for them
                pick = pick[np.cumsum(qualifies) <= slots.sum()]
                qualifies = qualifies[: pick.size]
            if pick.size:
                lead_ids = ids[pick]
                reps = self._route(lead_ids[qualifies] if sdrs else lead_ids, slots)
                taken[pick] = True
                self.leads_worked += pick.size
                lead_hours_used = np.bincount(reps, minlength=len(self.reps)) * cfg.time.lead_hours
                customers.touch(lead_ids, customers.sales_touch, day)
                customers.move(lead_ids[~qualifies], Stage.AWARE, day, "disqualified")
                self._open(lead_ids[qualifies], reps if sdrs else reps[qualifies], day, outbound=False)
        self._outbound_hours = self._hours.after_leads(lead_hours_used)
        if cfg.time.hours_per_week is not None:
            self.hours["leads"] = float(lead_hours_used.sum())
        self.queue.keep(ids[~taken], arrived[~taken], score[~taken])

    # ------------------------------------------------------------------ outbound
    def prospect(self, day: int) -> None:
        """Reps call random prospects of the rep-served segments: as many calls as their
        outbound hours allow (and no more than ``outbound_calls_per_day``), while they have
        room for another deal."""
        if not self.reps or self._rep_segments.size == 0 or self.config.outbound_calls_per_day == 0:
            return
        model = self.model
        customers = model.customers
        cfg = self.config
        free = self.free_capacity(day)
        expected = cfg.outbound_calls_per_day * self.productivities(day) * (free > 0)
        expected = np.minimum(expected, self._outbound_hours / cfg.time.call_hours)
        keys = model.keys
        calls = np.floor(expected + keys.uniform(Kind.CALLS, self._serials, day, 0)).astype(np.int64)
        total = int(calls.sum())
        if total == 0:
            return
        self.outbound_calls += total
        if cfg.time.hours_per_week is not None:
            self.hours["outbound"] = total * cfg.time.call_hours
        caller = np.repeat(np.arange(len(self.reps)), calls)
        # A uniform prospect among all customers of the rep-served segments: one draw places
        # each call on the segments laid end to end (so segments are hit in proportion to size).
        sizes = customers.segment_size[self._rep_segments]
        before = np.cumsum(sizes) - sizes
        # Call k of rep r on day d reaches a prospect keyed by (r, d, k): who a rep calls does
        # not depend on what the other reps do.
        nth = np.arange(total) - np.repeat(np.cumsum(calls) - calls, calls)
        u_target = keys.uniform(Kind.CALL_TARGET, self._serials[caller], day, nth)
        position = (u_target * float(sizes.sum())).astype(np.int64)
        k = np.searchsorted(before, position, side="right") - 1
        seg_of_call = self._rep_segments[k]
        target = customers.segment_start[seg_of_call] + (position - before[k])
        u = keys.uniform(Kind.CALL_RESPONSE, target, customers.moves[target], day)
        # One call per prospect per day; prospects already in the funnel's later stages decline.
        _, first = np.unique(target, return_index=True)
        once = np.zeros(total, dtype=bool)
        once[first] = True
        open_stage = customers.stage[target] <= Stage.CONSIDERING
        reached = once & open_stage
        customers.touch(target[reached], customers.sales_touch, day)
        memory = customers.memory_now(target, day)
        p = model.segments.outbound_response_rate[seg_of_call] * (1.0 + self.config.brand_outbound_lift * memory)
        success = reached & (u < p)
        # A rep opens no more opportunities than it has free capacity for.
        chosen = np.flatnonzero(success)
        if chosen.size:
            callers = caller[chosen]  # sorted, since calls are grouped by caller
            order_in_rep = np.arange(chosen.size) - np.searchsorted(callers, callers)
            keep = order_in_rep < free[callers]
            chosen, callers = chosen[keep], callers[keep]
            self.outbound_opportunities += chosen.size
            self._open(target[chosen], callers, day, outbound=True)

    # ------------------------------------------------------------------ pipeline
    def _open(self, idx: np.ndarray, reps: np.ndarray, day: int, outbound: bool) -> None:
        """New opportunities: discovery, unless a competitor takes the buyer first."""
        if idx.size == 0:
            return
        model = self.model
        customers = model.customers
        customers.move(idx, Stage.OPPORTUNITY, day, "outbound" if outbound else "qualified")
        self.opportunities += idx.size
        seg = customers.segment_of(idx)
        discovery = model.segments.discovery_days[seg]
        to_negotiation = model.keys.geometric(Kind.DISCOVERY, idx, customers.moves[idx], 0, 1.0 / np.maximum(discovery, 1.0))
        to_negotiation = np.where(discovery <= 0, 0, to_negotiation)
        competitor = self._competitor_days(idx, seg, reps, Kind.COMPETITOR_OPEN)
        lost = competitor <= to_negotiation
        self.pipe.append(
            idx,
            reps,
            np.where(lost, _LOST_COMPETITOR, _START_NEGOTIATION),
            day + np.where(lost, competitor, to_negotiation),
            np.full(idx.size, np.nan),
            np.full(idx.size, day),
            np.full(idx.size, outbound),
        )

    def _competitor_days(self, idx: np.ndarray, seg: np.ndarray, reps: np.ndarray, kind: int) -> np.ndarray:
        """Days until a competitor takes each buyer: keyed by the buyer's progress (capped at int32)."""
        skill = self._skills[reps]
        rate = self.model.segments.competitor_rate[seg] * (1.0 - 0.5 * skill)
        return self.model.keys.geometric(kind, idx, self.model.customers.moves[idx], 0, rate)

    def close_due(self, day: int) -> None:
        """Handle every pipeline event due today (a negotiation may settle on its first day)."""
        for _ in range(3):
            due = self.pipe.day <= day
            if not due.any():
                return
            rows = np.flatnonzero(due)
            event = self.pipe.event[rows]
            self._negotiate(rows[event == _START_NEGOTIATION], day)
            self._close_won(rows[event == _WIN], day)
            self._lose(rows[(event == _LOST_COMPETITOR)], day, "competitor")
            self._lose(rows[(event == _LOST_NO_DEAL)], day, "no_agreement")
            self._lose(rows[(event == _NO_DECISION)], day, "no_decision")
            finished = due & (self.pipe.event != _START_NEGOTIATION)
            finished[rows[event == _START_NEGOTIATION]] = False
            self.pipe.drop(finished)

    def _negotiate(self, rows: np.ndarray, day: int) -> None:
        if rows.size == 0:
            return
        model = self.model
        customers = model.customers
        cfg = self.config
        idx = self.pipe.cust[rows]
        customers.move(idx, Stage.NEGOTIATION, day, "negotiation")
        customers.touch(idx, customers.sales_touch, day)
        seg = customers.segment_of(idx)
        reps = self.pipe.rep[rows]
        skill = self._skills[reps]
        list_price = model.segments.list_price[seg]
        floor = list_price * (1.0 - cfg.max_discount)
        reservation = model.reservation_now(idx, day) * (1.0 + cfg.value_selling * skill)
        deadline = model.segments.negotiation_days[seg]
        close_day, price = settle(list_price, floor, reservation, deadline, cfg.tactic.exponent, cfg.buyer_opening)
        competitor = self._competitor_days(idx, seg, reps, Kind.COMPETITOR_NEGOTIATION)
        stall = model.keys.geometric(Kind.STALL, idx, customers.moves[idx], 0, model.segments.stall_rate[seg])
        agreed = close_day >= 0
        quiet = agreed & (stall <= close_day)  # the buyer went quiet before agreeing: no decision
        ends = np.where(agreed & ~quiet, close_day, deadline)
        lost_to_competitor = competitor <= ends
        event = np.select([lost_to_competitor, quiet, agreed], [_LOST_COMPETITOR, _NO_DECISION, _WIN], _LOST_NO_DEAL)
        self.pipe.event[rows] = event
        self.pipe.day[rows] = day + np.where(lost_to_competitor, competitor, ends)
        self.pipe.price[rows] = price

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
        np.add.at(self.accounts, serials, 1)

    def disown(self, idx: np.ndarray) -> None:
        """Customers who leave stop costing their rep account time."""
        customers = self.model.customers
        owner = customers.owner[idx]
        owned = owner >= 0
        np.subtract.at(self.accounts, owner[owned], 1)
        customers.owner[idx] = -1
        customers.account_care[idx] = 0.0

    def _lose(self, rows: np.ndarray, day: int, cause: str) -> None:
        if rows.size == 0:
            return
        for r in self.pipe.rep[rows].tolist():
            self.reps[r].deals_lost += 1
        self.deals_lost += rows.size
        self.model.customers.move(self.pipe.cust[rows], Stage.LOST, day, cause)
        self.model.record_loss(self.pipe.cust[rows], day, cause, self.pipe.rep[rows])

    # ------------------------------------------------------------------ schedule
    def step(self, day: int) -> None:
        self.staff(day)
        self.close_due(day)
        self.work_leads(day)
        self.prospect(day)
        for rep in self.reps:
            rep.step()

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
