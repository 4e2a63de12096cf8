"""A rep's day: the hours it has, what its open work costs, and which leads it gets.

Each piece of arithmetic is a small function that can be tested on its own, and compiled, so
that the sales team's day is a couple of compiled calls (:func:`rep_day`, :func:`lead_day`)
whatever the number of reps and leads; the per-agent reference model calls the same pieces:

- :func:`rep_hours` splits each rep's hours of the day between committed work (open deals,
  its accounts), leads and outbound prospecting, by the outbound policy;
- :func:`route` gives leads to reps by a keyed preference (rendezvous hashing): a lead goes to
  its most preferred rep that still has room, so a change in one rep's workload moves only the
  leads that rep would have taken, not every later assignment of the day;
- :func:`lead_order` is the routing policy (oldest, newest or by lead score);
- :func:`speed_to_lead` is the share of a lead's chance to qualify left after waiting.
"""

from __future__ import annotations

from typing import NamedTuple

import numpy as np
from numba import njit

from sim.engine.customers import Stage
from sim.engine.kernels import _memory, _segment, move, reservation_now
from sim.engine.keyed import Kind, _uniform
from sim.scenario.sales import OutboundPolicy, RepTime, Routing, SDRTeam
from sim.scenario.schema import Buying

__all__ = [
    "BUYING_CODE", "DAYS_PER_MONTH", "LeadDay", "ROUTING_CODE", "RepHours", "lead_arrivals", "lead_day", "lead_order", "lead_score",
    "lead_scores", "lead_slots",
    "ramp_share", "rep_day", "rep_hours", "route", "sdr_slots", "speed_to_lead", "time_args",
]

DAYS_PER_MONTH = 365.0 / 12.0
_UNLIMITED = 2**40
ROUTING_CODE = {Routing.OLDEST: 0, Routing.NEWEST: 1, Routing.SCORE: 2}
_LEAD, _OPPORTUNITY, _NEGOTIATION = int(Stage.LEAD), int(Stage.OPPORTUNITY), int(Stage.NEGOTIATION)
_SELF_SERVE, _REP_ONLY, _HYBRID = 0, 1, 2
#: How a segment buys, as the compiled functions take it.
BUYING_CODE = {Buying.SELF_SERVE: _SELF_SERVE, Buying.REP_ONLY: _REP_ONLY, Buying.HYBRID: _HYBRID}
_ROUTE, _LEAD_SLOTS, _SDR_SLOTS = Kind.ROUTE, Kind.LEAD_SLOTS, Kind.SDR_SLOTS
_SELF_SERVE_DRAW, _QUALIFY = Kind.SELF_SERVE, Kind.QUALIFY


class RepHours:
    """Hours of each rep today: ``available``, ``deals``, ``accounts`` (committed), ``leads`` (the
    most leads may take) and ``outbound`` (reserved for prospecting under ``share``; under
    ``spare`` outbound gets what leads leave, see :meth:`after_leads`)."""

    def __init__(self, available, deals, accounts, leads, outbound, policy: OutboundPolicy) -> None:
        self.available, self.deals, self.accounts = available, deals, accounts
        self.leads, self.outbound, self.policy = leads, outbound, policy

    def after_leads(self, lead_hours_used: np.ndarray) -> np.ndarray:
        """Hours each rep has for outbound once it has worked its leads."""
        if self.policy is OutboundPolicy.SHARE:
            return self.outbound
        return np.maximum(self.leads - lead_hours_used, 0.0)


def time_args(time: RepTime) -> tuple:
    """The time budget as the compiled functions take it (NaN hours: no budget)."""
    hours = np.nan if time.hours_per_week is None else float(time.hours_per_week)
    return (hours, float(time.discovery_hours_per_week), float(time.negotiation_hours_per_week),
            float(time.account_hours_per_month), time.outbound is OutboundPolicy.SHARE, float(time.outbound_share))


@njit(cache=True)
def _split_hours(time, productivity, in_discovery, in_negotiation, accounts):
    hours_per_week, discovery, negotiation, account_hours, share, outbound_share = time
    n = productivity.size
    available, deals, account = np.empty(n), np.zeros(n), np.zeros(n)
    leads, outbound = np.empty(n), np.zeros(n)
    for i in range(n):
        if np.isnan(hours_per_week):
            available[i] = leads[i] = outbound[i] = np.inf
            continue
        available[i] = hours_per_week / 7.0 * productivity[i]
        deals[i] = (in_discovery[i] * discovery + in_negotiation[i] * negotiation) / 7.0
        account[i] = accounts[i] * (account_hours / DAYS_PER_MONTH)
        free = max(available[i] - deals[i] - account[i], 0.0)
        if share:
            outbound[i] = min(outbound_share * available[i], free)
        leads[i] = free - outbound[i]
    return available, deals, account, leads, outbound


def rep_hours(
    time: RepTime,
    productivity: np.ndarray,
    in_discovery: np.ndarray,
    in_negotiation: np.ndarray,
    accounts: np.ndarray,
) -> RepHours:
    """Split each rep's hours of the day.

    A ramped rep has ``hours_per_week / 7`` hours a day; a ramping one that times its
    productivity. Open deals and account work are done first (they are commitments);
    ``share`` then keeps ``outbound_share`` of the hours for prospecting and leaves the rest
    to leads; ``spare`` gives leads everything left and outbound what leads do not use.
    Without a time budget every rep has unlimited hours.
    """
    parts = _split_hours(time_args(time), np.asarray(productivity, dtype=float), np.asarray(in_discovery),
                         np.asarray(in_negotiation), np.asarray(accounts))
    return RepHours(*parts, time.outbound)


@njit(cache=True)
def _lead_slot(hours, lead_hours, u):
    if lead_hours <= 0:
        return _UNLIMITED
    return np.int64(np.floor(min(hours / lead_hours + u, _UNLIMITED)))


@njit(cache=True)
def _lead_slots(hours, lead_hours, u):
    out = np.empty(hours.size, dtype=np.int64)
    for i in range(hours.size):
        out[i] = _lead_slot(hours[i], lead_hours, u[i])
    return out


def lead_slots(hours: np.ndarray, lead_hours: float, u: np.ndarray) -> np.ndarray:
    """Whole leads that fit in ``hours``, the fraction rounded up with probability equal to it
    (uniforms ``u``), so that a rep with a little time each day works a lead some days;
    unlimited when a lead costs no time or there is no time budget."""
    return _lead_slots(np.asarray(hours, dtype=float), float(lead_hours), np.asarray(u, dtype=float))


def sdr_slots(sdr: SDRTeam, u: np.ndarray) -> int:
    """Leads the SDR team works today: each SDR's daily hours in whole leads, the fraction
    rounded up with probability equal to it (one uniform of ``u`` per SDR)."""
    return int(lead_slots(np.full(sdr.headcount, sdr.hours_per_week / 7.0), sdr.lead_hours, u).sum())


@njit(cache=True)
def route(preference, slots):
    """Give lead ``i`` (rows, in priority order) to the rep (column) it prefers most among those
    with a slot left; -1 when no rep has one. ``slots`` is not modified."""
    n, r = preference.shape
    left = slots.copy()
    out = np.full(n, -1, dtype=np.int64)
    for i in range(n):
        best = -1
        best_v = -1.0
        for j in range(r):
            if left[j] > 0 and preference[i, j] > best_v:
                best_v = preference[i, j]
                best = j
        if best >= 0:
            out[i] = best
            left[best] -= 1
    return out


@njit(cache=True)
def lead_score(reservation, list_price, memory):
    """Marketing's lead score, fit x intent in [0, 1]: fit is how far the buyer's budget
    covers the list price (capped at 1), intent its brand memory (one lead)."""
    return min(max(reservation / list_price, 0.0), 1.0) * min(max(memory, 0.0), 1.0)


@njit(cache=True)
def lead_scores(idx, day, premium, reservation, memory, memory_day, decay, base, segment_start, list_price):
    """:func:`lead_score` of customers ``idx`` on ``day`` (their reservation price and memory today)."""
    res = np.empty(idx.size)
    reservation_now(idx, day, premium, reservation, memory, memory_day, decay, base, res)
    out = np.empty(idx.size)
    for i in range(idx.size):
        c = idx[i]
        m = _memory(c, day, memory, memory_day, decay, base)
        out[i] = lead_score(res[i], list_price[_segment(c, segment_start)], m)
    return out


@njit(cache=True)
def lead_arrivals(idx, day, premium, reservation, memory, memory_day, decay, base, list_price, stage, stage_day, moves,
                  counts, indptr, indices, neighbours, has_network, armed, root, segment_start, clocks, horizon, alarm):
    """Customers ``idx`` become leads (moved to the lead stage, the arguments after ``list_price``
    being :meth:`Customers.state_arrays`); returns their :func:`lead_scores`, for the queue."""
    move(idx, _LEAD, day, stage, stage_day, moves, counts, indptr, indices, neighbours, has_network, armed, root,
         segment_start, clocks, horizon, alarm)
    return lead_scores(idx, day, premium, reservation, memory, memory_day, decay, base, segment_start, list_price)


@njit(cache=True)
def _order(routing, arrived, score):
    n = arrived.size
    if routing == 1:
        return np.argsort(-arrived.astype(np.int64), kind="mergesort")
    if routing == 2:
        return np.argsort(-score, kind="mergesort")
    return np.arange(n)


def lead_order(routing: Routing, arrived: np.ndarray, score: np.ndarray) -> np.ndarray:
    """Positions of the waiting leads (held in arrival order) in the order reps work them
    (ties keep arrival order)."""
    return _order(ROUTING_CODE[routing], np.asarray(arrived), np.asarray(score, dtype=float))


def speed_to_lead(wait_days: np.ndarray, half_life_days: float | None) -> np.ndarray:
    """Share of a lead's chance to qualify left after ``wait_days`` (halves every half-life)."""
    if half_life_days is None:
        return np.ones(np.shape(wait_days))
    return 0.5 ** (np.asarray(wait_days, dtype=float) / half_life_days)


# ---------------------------------------------------------------------------- the team's day
@njit(cache=True)
def ramp_share(day, hire_day, ramp_days):
    """A rep's share of full productivity on ``day``: a linear ramp over ``ramp_days`` from its hire day."""
    if ramp_days == 0:
        return 1.0
    return min(max((day - hire_day) / ramp_days, 0.0), 1.0)


@njit(cache=True)
def rep_day(day, ramp_days, hire_days, capacity, pipe_rep, pipe_cust, stage, accounts, time):
    """The reps' state at the start of their lead work: productivity (a linear ramp), free
    capacity (open deals below ``capacity`` times productivity, at least one), and the hours
    of :func:`rep_hours` (``time`` as :func:`time_args` gives it)."""
    n = hire_days.size
    open_now = np.zeros(n, dtype=np.int64)
    in_discovery = np.zeros(n, dtype=np.int64)
    in_negotiation = np.zeros(n, dtype=np.int64)
    for k in range(pipe_rep.size):
        r = pipe_rep[k]
        open_now[r] += 1
        s = stage[pipe_cust[k]]
        if s == _OPPORTUNITY:
            in_discovery[r] += 1
        elif s == _NEGOTIATION:
            in_negotiation[r] += 1
    productivity = np.empty(n)
    free = np.empty(n, dtype=np.int64)
    for i in range(n):
        productivity[i] = ramp_share(day, hire_days[i], ramp_days)
        cap = np.int64(max(1.0, np.round(capacity * productivity[i])))
        free[i] = max(cap - open_now[i], 0)
    return (productivity, free, *_split_hours(time, productivity, in_discovery, in_negotiation, accounts))


class LeadDay(NamedTuple):
    """What the day's lead work decided, as positions in the queue (in the order acted on):
    ``online`` (buy self-serve, at ``online_price``), ``stale``, ``nurture``, ``picked`` (worked,
    with ``qualifies``; the qualified ones open with ``reps``), ``waiting`` (stay queued);
    ``stale_by_segment``, ``lead_hours`` used per rep and ``free`` capacity left per rep."""

    live: np.ndarray
    online: np.ndarray
    online_price: np.ndarray
    stale: np.ndarray
    stale_by_segment: np.ndarray
    nurture: np.ndarray
    picked: np.ndarray
    qualifies: np.ndarray
    reps: np.ndarray
    lead_hours: np.ndarray
    free: np.ndarray
    waiting: np.ndarray


@njit(cache=True)
def _lead_day(root, day, ids, arrived, score, stage, moves, stage_day, segment_start, price_args, segments,
              rules, speed, sdr, serials, productivity, free, hours_leads):
    premium, reservation, memory, memory_day, decay, base = price_args
    buying, list_price, self_serve_rate, qualification_rate = segments
    stale_days, mql, routing, leads_per_day, lead_hours = rules
    n_sdr, sdr_daily_hours, sdr_lead_hours = sdr
    n, r = ids.size, serials.size
    live = np.empty(n, dtype=np.int64)
    n_live = 0
    for i in range(n):
        if stage[ids[i]] == _LEAD:
            live[n_live] = i
            n_live += 1
    live = live[:n_live]
    res = np.empty(n_live)
    reservation_now(ids[live], day, premium, reservation, memory, memory_day, decay, base, res)
    kind = np.zeros(n_live, dtype=np.int8)  # 0 waiting, 1 online, 2 stale, 3 nurture
    seg = np.empty(n_live, dtype=np.int64)
    online_price = np.empty(n_live)
    stale_by_segment = np.zeros(list_price.size, dtype=np.int64)
    n_online = n_stale = n_nurture = n_wait = 0
    for j in range(n_live):
        i = live[j]
        c = ids[i]
        g = _segment(c, segment_start)
        seg[j] = g
        u = _uniform(root, _SELF_SERVE_DRAW, c, np.int64(moves[c]), np.int64(day - stage_day[c]))
        if buying[g] != _REP_ONLY and res[j] >= list_price[g] and u < self_serve_rate[g]:
            kind[j] = 1
            online_price[n_online] = list_price[g]
            n_online += 1
        elif arrived[i] <= day - stale_days:
            kind[j] = 2
            stale_by_segment[g] += 1
            n_stale += 1
        elif buying[g] != _SELF_SERVE and score[i] < mql:
            kind[j] = 3
            n_nurture += 1
        else:
            n_wait += 1
    online = np.empty(n_online, dtype=np.int64)
    stale = np.empty(n_stale, dtype=np.int64)
    nurture = np.empty(n_nurture, dtype=np.int64)
    waiting = np.empty(n_wait, dtype=np.int64)  # positions into live
    a = b = d = e = 0
    for j in range(n_live):
        if kind[j] == 1:
            online[a] = live[j]
            a += 1
        elif kind[j] == 2:
            stale[b] = live[j]
            b += 1
        elif kind[j] == 3:
            nurture[d] = live[j]
            d += 1
        else:
            waiting[e] = j
            e += 1
    order = _order(routing, arrived[live[waiting]], score[live[waiting]])
    workable = np.empty(order.size, dtype=np.int64)  # positions into live, in working order
    n_workable = 0
    for k in range(order.size):
        j = waiting[order[k]]
        if buying[seg[j]] != _SELF_SERVE:
            workable[n_workable] = j
            n_workable += 1
    picked = np.empty(0, dtype=np.int64)
    qualifies = np.empty(0, dtype=np.bool_)
    reps = np.empty(0, dtype=np.int64)
    lead_hours_used = np.zeros(r)
    if n_workable and r:
        slots = np.empty(r, dtype=np.int64)
        total = 0
        for q in range(r):
            s = min(np.int64(np.floor(leads_per_day * productivity[q])), free[q])
            u = _uniform(root, _LEAD_SLOTS, serials[q], np.int64(day), np.int64(0))
            slots[q] = min(s, _lead_slot(hours_leads[q], lead_hours, u))
            total += slots[q]
        n_take = min(total, n_workable)
        if n_sdr:
            team = 0
            for q in range(n_sdr):
                team += _lead_slot(sdr_daily_hours, sdr_lead_hours, _uniform(root, _SDR_SLOTS, q, np.int64(day), np.int64(0)))
            n_take = min(team, n_workable)
        picked = workable[:n_take]
        qualifies = np.empty(n_take, dtype=np.bool_)
        n_keep, n_qual = n_take, 0
        for k in range(n_take):
            j = picked[k]
            c = ids[live[j]]
            u = _uniform(root, _QUALIFY, c, np.int64(moves[c]), np.int64(0))
            qualifies[k] = u < qualification_rate[seg[j]] * speed[day - arrived[live[j]]]
            n_qual += qualifies[k]
            if n_sdr and n_qual > total:  # SDRs book meetings only while the reps have slots
                n_keep = k
                break
        picked, qualifies = picked[:n_keep], qualifies[:n_keep]
        routed = picked[qualifies] if n_sdr else picked
        preference = np.empty((routed.size, r))
        for k in range(routed.size):
            c = ids[live[routed[k]]]
            for q in range(r):
                preference[k, q] = _uniform(root, _ROUTE, c, np.int64(moves[c]), serials[q])
        to = route(preference, slots)
        reps = to if n_sdr else to[qualifies]
        for k in range(to.size):
            lead_hours_used[to[k]] += 1.0
        for q in range(r):
            lead_hours_used[q] *= lead_hours
        free = free.copy()
        for k in range(reps.size):
            free[reps[k]] -= 1
    taken = np.zeros(n_live, dtype=np.bool_)
    for k in range(picked.size):
        taken[picked[k]] = True
    left = np.empty(n_wait - picked.size, dtype=np.int64)
    k = 0
    for w in range(n_wait):
        if not taken[waiting[w]]:
            left[k] = live[waiting[w]]
            k += 1
    picked_pos = live[picked]
    return (live, online, online_price[:n_online], stale, stale_by_segment, nurture, picked_pos, qualifies, reps,
            lead_hours_used, free, left)


def lead_day(root, day: int, queue: tuple, customers, premium: float, segments: tuple, rules: tuple,
             speed: np.ndarray, sdr: SDRTeam, serials: np.ndarray, productivity: np.ndarray, free: np.ndarray,
             hours_leads: np.ndarray) -> LeadDay:
    """Decide the day's lead work in one compiled call (see :class:`LeadDay`); nothing is changed.

    ``segments`` holds per segment the buying code, list price, self-serve and qualification
    rates; ``rules`` the stale days, MQL threshold, routing code, leads per day and hours per
    lead; ``speed[w]`` is :func:`speed_to_lead` of a wait of ``w`` days.
    """
    ids, arrived, score = queue
    parts = _lead_day(
        root, day, ids, arrived, score, customers.stage, customers.moves, customers.stage_day,
        customers.segment_start, customers.price_args(day, premium), segments, rules, speed,
        (sdr.headcount, sdr.hours_per_week / 7.0, float(sdr.lead_hours)), serials, productivity, free, hours_leads,
    )
    return LeadDay(*parts)
