"""The reference model's sales department: staffing, the lead queue, outbound, the pipeline.

Plain loops over reps, leads and opportunities, in the same order as the fast engine:
first the day's due pipeline events, then the lead queue (self-serve purchases, stale
leads, reps qualifying the oldest leads), then outbound calls by reps with free capacity.
"""

from __future__ import annotations

import math
from typing import TYPE_CHECKING

import numpy as np

from sim.engine.customers import Stage
from sim.engine.reference.agents import Customer, Opportunity, SalesRep
from sim.engine.workload import lead_order, lead_score, lead_slots, rep_hours, sdr_slots, speed_to_lead

if TYPE_CHECKING:
    from sim.engine.reference.model import ReferenceModel

__all__ = ["SalesDepartment", "negotiate"]

NEVER = 2**31 - 1


def negotiate(list_price: float, floor: float, reservation: float, deadline: int,
              exponent: float, opening: float) -> tuple[int, float]:
    """Day by day: the seller's ask concedes from list price toward the floor, the buyer's
    offer rises toward its reservation price; the first day the ask is at or below the
    offer, they agree at the ask. Returns ``(day, price)``, or ``(-1, nan)`` without a deal."""
    for day in range(deadline + 1):
        elapsed = day / deadline
        ask = floor + (list_price - floor) * (1.0 - elapsed ** (1.0 / exponent))
        offer = reservation * (opening + (1.0 - opening) * elapsed)
        if ask <= offer:
            return day, ask
    return -1, math.nan


class SalesDepartment:
    """The reps (agents), the queue of leads and the open opportunities."""

    def __init__(self, model: "ReferenceModel") -> None:
        self.model = model
        self.config = model.config.sales
        self.reps: list[SalesRep] = []
        self.former_reps: list[SalesRep] = []
        self.lead_queue: list[tuple[Customer, int]] = []  # (customer, arrival day), oldest first
        # Today's new leads by source (channels in order, then organic), queued at the end of the morning.
        self.new_leads: list[list[Customer]] = [[] for _ in range(model.n_touchpoints)]
        self.rep_segments = [s for s, cfg in enumerate(model.segment_configs) if cfg.buying.value != "self_serve"]
        self.stale_by_segment = [0] * len(model.segment_configs)  # whole run, per segment
        self.reset_counters()
        self.hire(self.config.headcount, day=0, ramped=True)

    def reset_counters(self) -> None:
        self.leads = self.marketing_leads = self.stale_leads = self.leads_worked = 0
        self.opportunities = self.outbound_calls = self.outbound_opportunities = 0
        self.deals_won = self.deals_lost = self.self_serve_wins = 0
        self.commission_usd = 0.0
        self.nurtured_leads = 0
        self.hours = dict.fromkeys(("available", "deals", "accounts", "leads", "outbound"), 0.0)

    @property
    def headcount(self) -> int:
        return len(self.reps)

    # ------------------------------------------------------------------ the day
    def step(self, day: int) -> None:
        self.staff(day)
        self.handle_due_events(day)
        self.work_leads(day)
        self.prospect(day)
        for rep in self.reps:
            rep.step()

    def receive_lead(self, customer: Customer, source: int | None) -> None:
        """A customer asks for contact (source: a channel's index, or None for organic)."""
        customer.stage = Stage.LEAD
        customer.lead_score = lead_score(customer.reservation_now(), self.model.list_price[customer.segment], customer.memory)
        self.new_leads[self.model.n_touchpoints - 1 if source is None else source].append(customer)
        self.leads += 1
        if source is not None:
            self.marketing_leads += 1

    # ------------------------------------------------------------------ staffing
    def hire(self, count: int, day: int, ramped: bool) -> None:
        cfg = self.config
        for _ in range(count):
            skill = min(1.0, max(0.0, float(self.model.rng.normal(cfg.skill_mean, cfg.skill_sd))))
            self.reps.append(SalesRep(self.model, day - cfg.ramp_days if ramped else day, skill))

    def staff(self, day: int) -> None:
        """Follow the headcount plan; the most recent hires leave first and lose their deals."""
        month = self.model.month_of(day)
        target = self.config.headcount
        for change in self.config.plan:
            if change.month <= month:
                target = change.headcount
        if target > self.headcount:
            self.hire(target - self.headcount, day, ramped=False)
        while self.headcount > target:
            rep = self.reps.pop()
            for customer in self.model.customers:
                if customer.owner is rep:  # its customers lose their account owner and care
                    customer.owner, customer.account_care = None, 0.0
            for opportunity in list(rep.opportunities):
                self.lose(opportunity, day, "rep_left")
            rep.leave_day = day
            self.former_reps.append(rep)
            rep.remove()

    # ------------------------------------------------------------------ pipeline
    def open(self, customer: Customer, rep: SalesRep, day: int, outbound: bool) -> None:
        """Discovery takes a geometric number of days; a competitor may take the buyer first."""
        customer.stage = Stage.OPPORTUNITY
        self.opportunities += 1
        opportunity = Opportunity(customer, rep, day, outbound)
        discovery = customer.config.discovery_days
        to_negotiation = int(self.model.rng.geometric(1.0 / max(discovery, 1.0))) if discovery > 0 else 0
        competitor = self.competitor_days(customer, rep)
        if competitor <= to_negotiation:
            opportunity.next_event, opportunity.event_day = Opportunity.LOST_TO_COMPETITOR, day + competitor
        else:
            opportunity.next_event, opportunity.event_day = Opportunity.START_NEGOTIATION, day + to_negotiation
        rep.opportunities.append(opportunity)

    def competitor_days(self, customer: Customer, rep: SalesRep) -> int:
        rate = customer.config.competitor_rate * (1.0 - 0.5 * rep.skill)
        return int(self.model.rng.geometric(rate)) if rate > 0 else NEVER

    def handle_due_events(self, day: int) -> None:
        """Start negotiations, close deals, lose deals: every event due today."""
        for _ in range(3):  # a negotiation may settle on the day it starts
            due = [o for rep in self.reps for o in rep.opportunities if o.event_day <= day]
            if not due:
                return
            for opportunity in due:
                if opportunity.next_event == Opportunity.START_NEGOTIATION:
                    self.start_negotiation(opportunity, day)
                elif opportunity.next_event == Opportunity.WIN:
                    self.close_won(opportunity, day)
                elif opportunity.next_event == Opportunity.LOST_TO_COMPETITOR:
                    self.lose(opportunity, day, "competitor")
                elif opportunity.next_event == Opportunity.NO_DECISION:
                    self.lose(opportunity, day, "no_decision")
                else:
                    self.lose(opportunity, day, "no_agreement")

    def start_negotiation(self, opportunity: Opportunity, day: int) -> None:
        customer, rep, cfg = opportunity.customer, opportunity.rep, self.config
        customer.stage = Stage.NEGOTIATION
        customer.touch(self.model.sales_touchpoint)
        list_price = self.model.list_price[customer.segment]
        floor = list_price * (1.0 - cfg.max_discount)
        reservation = customer.reservation_now() * (1.0 + cfg.value_selling * rep.skill)
        deadline = customer.config.negotiation_days
        close_day, price = negotiate(list_price, floor, reservation, deadline, cfg.tactic.exponent, cfg.buyer_opening)
        competitor = self.competitor_days(customer, rep)
        stall_rate = customer.config.stall_rate
        stall = int(self.model.rng.geometric(stall_rate)) if stall_rate > 0 else NEVER
        quiet = 0 <= close_day and stall <= close_day  # the buyer went quiet before agreeing
        ends = close_day if close_day >= 0 and not quiet else deadline
        if competitor <= ends:
            opportunity.next_event, opportunity.event_day = Opportunity.LOST_TO_COMPETITOR, day + competitor
        elif quiet:
            opportunity.next_event, opportunity.event_day = Opportunity.NO_DECISION, day + deadline
        elif close_day >= 0:
            opportunity.next_event, opportunity.event_day = Opportunity.WIN, day + close_day
        else:
            opportunity.next_event, opportunity.event_day = Opportunity.NO_AGREEMENT, day + deadline
        opportunity.price_usd = price

    def close_won(self, opportunity: Opportunity, day: int) -> None:
        rep, price = opportunity.rep, opportunity.price_usd
        rep.opportunities.remove(opportunity)
        commission = price * self.config.commission_rate
        rep.deals_won += 1
        rep.won_value_usd += price
        rep.commission_usd += commission
        self.commission_usd += commission
        self.deals_won += 1
        how = "outbound_rep" if opportunity.outbound else "inbound_rep"
        self.model.win(opportunity.customer, price, day, how, rep=rep, open_day=opportunity.open_day)

    def lose(self, opportunity: Opportunity, day: int, cause: str) -> None:
        opportunity.rep.opportunities.remove(opportunity)
        opportunity.rep.deals_lost += 1
        self.deals_lost += 1
        opportunity.customer.stage = Stage.LOST
        self.model.record_loss(opportunity.customer, day, cause)

    # ------------------------------------------------------------------ leads
    def work_leads(self, day: int) -> None:
        """Self-serve purchases, stale leads, then each rep qualifies the oldest leads it has room for."""
        model = self.model
        for source_leads in self.new_leads:
            self.lead_queue.extend((customer, day) for customer in source_leads)
            source_leads.clear()
        waiting = []
        for customer, arrived in self.lead_queue:
            if customer.stage != Stage.LEAD:
                continue
            list_price = model.list_price[customer.segment]
            if (customer.buys_online and customer.reservation_now() >= list_price
                    and model.random() < customer.config.self_serve_rate):
                model.win(customer, list_price, day, "self_serve")
                self.self_serve_wins += 1
            elif arrived <= day - self.config.lead_stale_days:
                customer.stage = Stage.LOST
                self.stale_leads += 1
                self.stale_by_segment[customer.segment] += 1
            else:
                waiting.append((customer, arrived))
        cfg = self.config
        kept = []
        for customer, arrived in waiting:  # below the MQL threshold: marketing nurtures it
            if customer.needs_a_rep and customer.lead_score < cfg.mql_threshold:
                customer.stage = Stage.CONSIDERING
                self.nurtured_leads += 1
            else:
                kept.append((customer, arrived))
        waiting = kept
        workable = [lead for lead in waiting if lead[0].needs_a_rep]
        order = lead_order(cfg.routing, np.array([a for _, a in workable], dtype=np.int64),
                           np.array([c.lead_score for c, _ in workable], dtype=float))
        workable = [workable[i] for i in order]
        self._plan_hours(day)
        slots = [
            min(math.floor(cfg.leads_per_day * rep.productivity(day)), rep.free_capacity(day),
                int(lead_slots(np.array([hours]), cfg.time.lead_hours, np.array([model.random()]))[0]))
            for rep, hours in zip(self.reps, self._lead_hours)
        ]
        sdrs = cfg.sdr.headcount
        if sdrs:  # SDRs work the leads; reps meet only those that qualify
            workable = workable[:sdr_slots(cfg.sdr, np.array([model.random() for _ in range(sdrs)]))]
        worked = set()
        used = [0] * len(self.reps)

        def meet(room: list[int]) -> int:  # routing: any rep with room, at random
            i = room[int(model.random() * len(room))]
            slots[i] -= 1
            used[i] += 1
            return i

        for customer, arrived in workable:
            room = [i for i, left in enumerate(slots) if left > 0]
            if not room and (not sdrs or not self.reps):
                break
            i = -1 if sdrs else meet(room)  # without SDRs a rep works every lead
            p = customer.config.qualification_rate * float(speed_to_lead(np.array([day - arrived]), cfg.lead_half_life_days)[0])
            qualifies = model.random() < p
            if sdrs and qualifies:  # SDRs book meetings only while the reps have slots for them
                if not room:
                    break
                i = meet(room)
            worked.add(id(customer))
            self.leads_worked += 1
            customer.touch(model.sales_touchpoint)
            if qualifies:
                self.open(customer, self.reps[i], day, outbound=False)
            else:
                customer.stage = Stage.AWARE
        lead_hours_used = np.array(used, dtype=float) * cfg.time.lead_hours
        self._outbound_hours = self._rep_hours.after_leads(lead_hours_used)
        if cfg.time.hours_per_week is not None:
            self.hours["leads"] = float(lead_hours_used.sum())
        self.lead_queue = [lead for lead in waiting if id(lead[0]) not in worked]

    def _plan_hours(self, day: int) -> None:
        """Each rep's hours today after its open deals and accounts (as the fast engine)."""
        in_discovery = np.array([sum(o.customer.stage == Stage.OPPORTUNITY for o in rep.opportunities) for rep in self.reps])
        in_negotiation = np.array([sum(o.customer.stage == Stage.NEGOTIATION for o in rep.opportunities) for rep in self.reps])
        self._rep_hours = rep_hours(self.config.time, np.array([rep.productivity(day) for rep in self.reps], dtype=float),
                                    in_discovery, in_negotiation, np.array([rep.accounts for rep in self.reps]))
        self._lead_hours = self._rep_hours.leads
        if self.config.time.hours_per_week is not None:
            for name in ("available", "deals", "accounts"):
                self.hours[name] = float(getattr(self._rep_hours, name).sum())

    def prospect(self, day: int) -> None:
        """Reps with free capacity call random prospects of the segments that buy through reps."""
        cfg, model = self.config, self.model
        if not self.reps or not self.rep_segments or cfg.outbound_calls_per_day == 0:
            return
        free = [rep.free_capacity(day) for rep in self.reps]
        sizes = [model.segment_sizes[s] for s in self.rep_segments]
        called_today: set[int] = set()
        for rep, room, hours in zip(self.reps, free, self._outbound_hours):
            expected = cfg.outbound_calls_per_day * rep.productivity(day) if room > 0 else 0.0
            expected = min(expected, hours / cfg.time.call_hours)
            calls = math.floor(expected + model.random())
            opened = 0
            for _ in range(calls):
                self.outbound_calls += 1
                segment = model.random_choices(self.rep_segments, weights=sizes)[0]
                prospect = model.segment_members[segment][int(model.random() * model.segment_sizes[segment])]
                if prospect.unique_id in called_today:
                    continue  # one call per prospect per day
                called_today.add(prospect.unique_id)
                if prospect.stage > Stage.CONSIDERING:
                    continue  # already in the funnel's later stages: declines
                prospect.touch(model.sales_touchpoint)
                p = prospect.config.outbound_response_rate * (1.0 + cfg.brand_outbound_lift * prospect.memory)
                if model.random() < p and opened < room:
                    opened += 1
                    self.outbound_opportunities += 1
                    self.open(prospect, rep, day, outbound=True)
            if cfg.time.hours_per_week is not None:
                self.hours["outbound"] += calls * cfg.time.call_hours
