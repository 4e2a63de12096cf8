"""A rep's day: the hours it has, what its open work costs, and which leads it gets.

Pure functions of arrays, so each piece of arithmetic can be tested on its own:

- :func:`rep_hours` splits each rep's hours of the day between committed work (open deals,
  its accounts), leads and outbound prospecting, by the outbound policy;
- :func:`route` gives leads to reps by a keyed preference (rendezvous hashing): a lead goes to
  its most preferred rep that still has room, so a change in one rep's workload moves only the
  leads that rep would have taken, not every later assignment of the day;
- :func:`lead_order` is the routing policy (oldest, newest or by lead score);
- :func:`speed_to_lead` is the share of a lead's chance to qualify left after waiting.
"""

from __future__ import annotations

import numpy as np
from numba import njit

from sim.scenario.sales import OutboundPolicy, RepTime, Routing, SDRTeam

__all__ = [
    "DAYS_PER_MONTH", "RepHours", "lead_order", "lead_score", "lead_slots", "rep_hours", "route", "sdr_slots",
    "speed_to_lead",
]

DAYS_PER_MONTH = 365.0 / 12.0
_UNLIMITED = 2**40


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
    n = productivity.size
    if time.hours_per_week is None:
        inf = np.full(n, np.inf)
        zero = np.zeros(n)
        return RepHours(inf, zero, zero, inf, inf, time.outbound)
    available = time.hours_per_week / 7.0 * productivity
    deals = (in_discovery * time.discovery_hours_per_week + in_negotiation * time.negotiation_hours_per_week) / 7.0
    account = accounts * (time.account_hours_per_month / DAYS_PER_MONTH)
    free = np.maximum(available - deals - account, 0.0)
    if time.outbound is OutboundPolicy.SHARE:
        outbound = np.minimum(time.outbound_share * available, free)
        return RepHours(available, deals, account, free - outbound, outbound, time.outbound)
    return RepHours(available, deals, account, free, np.zeros(n), time.outbound)


def lead_slots(hours: np.ndarray, lead_hours: float, u: np.ndarray) -> np.ndarray:
    """Whole leads that fit in ``hours``, the fraction rounded up with probability equal to it
    (uniforms ``u``), so that a rep with a little time each day works a lead some days;
    unlimited when a lead costs no time or there is no time budget."""
    if lead_hours <= 0:
        return np.full(hours.size, _UNLIMITED, dtype=np.int64)
    return np.floor(np.minimum(hours / lead_hours + u, _UNLIMITED)).astype(np.int64)


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


def lead_score(reservation: np.ndarray, list_price: np.ndarray, memory: np.ndarray) -> np.ndarray:
    """Marketing's lead score, fit x intent in [0, 1]: fit is how far the buyer's budget
    covers the list price (capped at 1), intent its brand memory."""
    fit = np.clip(reservation / list_price, 0.0, 1.0)
    return fit * np.clip(memory, 0.0, 1.0)


def lead_order(routing: Routing, arrived: np.ndarray, score: np.ndarray) -> np.ndarray:
    """Positions of the waiting leads (held in arrival order) in the order reps work them."""
    n = arrived.size
    if routing is Routing.OLDEST:
        return np.arange(n)
    if routing is Routing.NEWEST:
        return np.lexsort((np.arange(n), -arrived.astype(np.int64)))
    return np.lexsort((np.arange(n), -score))


def speed_to_lead(wait_days: np.ndarray, half_life_days: float | None) -> np.ndarray:
    """Share of a lead's chance to qualify left after ``wait_days`` (halves every half-life)."""
    if half_life_days is None:
        return np.ones(np.shape(wait_days))
    return 0.5 ** (np.asarray(wait_days, dtype=float) / half_life_days)
