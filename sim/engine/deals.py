"""An opportunity's course, decided in one compiled call per batch: when discovery ends or a
competitor takes the buyer first (:func:`open_events`), and how the negotiation ends
(:func:`negotiation_events`: agreement, no agreement by the deadline, a buyer who goes quiet,
or a competitor). Every draw is keyed by the buyer's progress (:mod:`sim.engine.keyed`).
"""

from __future__ import annotations

import numpy as np
from numba import njit

from sim.engine.kernels import _segment, reservation_now
from sim.engine.keyed import Kind, _geometric
from sim.engine.negotiation import _settle, concession
from sim.engine.pipeline import LOST_COMPETITOR, LOST_NO_DEAL, NO_DECISION, START_NEGOTIATION, WIN

__all__ = ["negotiation_events", "open_events"]

_DISCOVERY, _COMPETITOR_OPEN = Kind.DISCOVERY, Kind.COMPETITOR_OPEN
_COMPETITOR_NEGOTIATION, _STALL = Kind.COMPETITOR_NEGOTIATION, Kind.STALL


@njit(cache=True, inline="always")
def _competitor_days(root, kind, c, moves, rate, skill):
    """Days until a competitor takes buyer ``c`` from a rep of ``skill`` (better reps hold on longer)."""
    return _geometric(root, kind, c, np.int64(moves[c]), 0, rate * (1.0 - 0.5 * skill))


@njit(cache=True)
def _open_events(root, day, idx, reps, moves, segment_start, discovery_days, competitor_rate, skills):
    n = idx.size
    event = np.empty(n, dtype=np.int8)
    when = np.empty(n, dtype=np.int64)
    for i in range(n):
        c = idx[i]
        g = _segment(c, segment_start)
        discovery = discovery_days[g]
        to_negotiation = _geometric(root, _DISCOVERY, c, np.int64(moves[c]), 0, 1.0 / max(discovery, 1.0))
        if discovery <= 0:
            to_negotiation = 0
        competitor = _competitor_days(root, _COMPETITOR_OPEN, c, moves, competitor_rate[g], skills[reps[i]])
        lost = competitor <= to_negotiation
        event[i] = LOST_COMPETITOR if lost else START_NEGOTIATION
        when[i] = day + (competitor if lost else to_negotiation)
    return event, when


def open_events(root, day: int, idx: np.ndarray, reps: np.ndarray, customers, segments, skills: np.ndarray):
    """New opportunities' first event: ``(event, day)`` of the start of negotiation, or of a
    competitor taking the buyer during discovery."""
    return _open_events(root, day, idx, reps, customers.moves, customers.segment_start, segments.discovery_days,
                        segments.competitor_rate, skills)


@njit(cache=True)
def _negotiation_events(root, day, idx, reps, moves, segment_start, price_args, segment_terms, terms, conceded,
                        skills, pipe_rows, pipe_event, pipe_day, pipe_price):
    premium, reservation, memory, memory_day, decay, base = price_args
    list_prices, negotiation_days, competitor_rate, stall_rate = segment_terms
    max_discount, value_selling, opening = terms
    n = idx.size
    res = np.empty(n)
    reservation_now(idx, day, premium, reservation, memory, memory_day, decay, base, res)
    seg = np.empty(n, dtype=np.int64)
    list_price, floor, deadline = np.empty(n), np.empty(n), np.empty(n, dtype=np.int64)
    for i in range(n):
        g = _segment(idx[i], segment_start)
        seg[i] = g
        list_price[i] = list_prices[g]
        floor[i] = list_price[i] * (1.0 - max_discount)
        res[i] = res[i] * (1.0 + value_selling * skills[reps[i]])
        deadline[i] = negotiation_days[g]
    close_day, price = _settle(list_price, floor, res, deadline, conceded, opening)
    for i in range(n):
        c, g = idx[i], seg[i]
        competitor = _competitor_days(root, _COMPETITOR_NEGOTIATION, c, moves, competitor_rate[g], skills[reps[i]])
        stall = _geometric(root, _STALL, c, np.int64(moves[c]), 0, stall_rate[g])
        agreed = close_day[i] >= 0
        quiet = agreed and stall <= close_day[i]  # the buyer went quiet before agreeing: no decision
        ends = close_day[i] if agreed and not quiet else deadline[i]
        if competitor <= ends:
            event, ends = LOST_COMPETITOR, competitor
        elif quiet:
            event = NO_DECISION
        elif agreed:
            event = WIN
        else:
            event = LOST_NO_DEAL
        row = pipe_rows[i]
        pipe_event[row] = event
        pipe_day[row] = day + ends
        pipe_price[row] = price[i]


def negotiation_events(root, day: int, rows: np.ndarray, pipe, customers, segments, premium: float, config,
                       skills: np.ndarray) -> None:
    """Negotiate the opportunities in pipeline ``rows`` (``config`` is the sales configuration):
    each row's next event, its day and the agreed price are written into ``pipe``."""
    idx, reps = pipe.cust[rows], pipe.rep[rows]
    deadline = segments.negotiation_days[customers.segment_of(idx)] if config.tactic.exponent != 1.0 else idx[:0]
    _negotiation_events(
        root, day, idx, reps, customers.moves, customers.segment_start, customers.price_args(day, premium),
        (segments.list_price, segments.negotiation_days, segments.competitor_rate, segments.stall_rate),
        (float(config.max_discount), float(config.value_selling), float(config.buyer_opening)),
        concession(np.asarray(deadline, dtype=np.int64), config.tactic.exponent), skills, rows, pipe.event, pipe.day,
        pipe.price,
    )
