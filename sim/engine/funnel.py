"""The organic checks at each customer's alarm clock, compiled: word of mouth, interest and
forgetting, leads and lost interest, churn and repeat orders, win-back.

Each phase is one call. It takes the customers due today (:meth:`Customers.due_today`), keeps
those in the phase's stage whose alarm still rings, decides each one's move with the keyed
uniform of its check (thinning: ``u * bound < p``, as :meth:`MarketModel._alarm_bounds`
explains), re-arms those who stay (snooze), and makes the moves that need nothing else (a
stage change, brand memory); it returns the customers who moved, and those the model still
has to handle (new leads for sales, churn and orders for the books, who comes back). The
arithmetic is the numpy expressions' own, dtype for dtype (see :mod:`sim.engine.kernels`).

A day of a small market checks a few dozen customers, so what a phase costs is its number of
calls from Python: hence one per phase, with the moves inside. Moves of different customers
commute, so making them inside the call before the model's own (sales' leads) changes
nothing; journeys, when recorded, get their rows afterwards in the order of the phase's moves.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

import numpy as np
from numba import njit

from sim.engine.customers import Stage
from sim.engine.kernels import _arm_one, _memory, _segment, add_memory, due, move, word_of_mouth_term
from sim.engine.renewals import care_factor
from sim.engine.workload import lead_arrivals
from sim.scenario.schema import NetworkKind

if TYPE_CHECKING:
    from sim.engine.model import MarketModel

__all__ = ["hear", "progress", "come_back", "stay_or_go", "word_of_mouth_args"]

_AWARE_ROW, _CONSIDERING_ROW = int(Stage.AWARE), int(Stage.CONSIDERING)  # rows of the alarm bounds
_CUSTOMER_ROW, _LOST_ROW = int(Stage.CUSTOMER), int(Stage.LOST)
_UNAWARE, _AWARE, _CONSIDERING = 1 << int(Stage.UNAWARE), 1 << _AWARE_ROW, 1 << _CONSIDERING_ROW  # due masks
_CUSTOMER, _GONE = 1 << _CUSTOMER_ROW, (1 << _LOST_ROW) | (1 << int(Stage.CHURNED))
_TO_UNAWARE, _TO_AWARE, _TO_CONSIDERING = int(Stage.UNAWARE), _AWARE_ROW, _CONSIDERING_ROW


def word_of_mouth_args(model: "MarketModel") -> tuple:
    """What :func:`sim.engine.kernels.word_of_mouth_term` needs to read the share of a customer's neighbours who
    are customers, after the neighbour counts of :meth:`Customers.state_arrays`: mode (0 none, 1 well mixed,
    2 network), the well-mixed share, degrees."""
    c = model.customers
    kind = model.config.market.word_of_mouth.network
    if kind is NetworkKind.MIXED:
        return 1, c.counts[Stage.CUSTOMER] / c.n, _NO_DEGREE
    if kind is NetworkKind.NONE or model._degree is None:
        return 0, 0.0, _NO_DEGREE
    return 2, 0.0, model._degree


def _record(model: "MarketModel", idx: np.ndarray, old: Stage, to: Stage, cause: str) -> None:
    """Journey rows of moves a compiled phase made (when journeys are recorded)."""
    trace = model.customers.trace
    if trace is not None and idx.size:
        trace.stage_change(idx, np.full(idx.size, old), to, model.day, cause)


# ---------------------------------------------------------------------------- word of mouth
@njit(cache=True)
def _hear(candidates, day, rate, brand_effect, mode, mixed, degree, memory, memory_day, decay, base,
          stage, stage_day, moves, counts, indptr, indices, neighbours, has_network, armed, root, segment_start,
          clocks, horizon, alarm, out):
    idx, u = due(candidates, day, _UNAWARE, alarm, stage, moves, stage_day, root)
    k = 0
    for i in range(idx.size):
        c = idx[i]
        if u[i] * rate < word_of_mouth_term(c, rate, mode, mixed, degree, neighbours):
            out[k] = c
            k += 1
        else:
            _arm_one(root, c, np.int64(day - stage_day[c]), day, moves, stage, segment_start, clocks, horizon, alarm)
    heard = out[:k]
    move(heard, _TO_AWARE, day, stage, stage_day, moves, counts, indptr, indices, neighbours, has_network, armed,
         root, segment_start, clocks, horizon, alarm)
    add_memory(heard, brand_effect, day, memory, memory_day, decay, base)
    return k


def hear(model: "MarketModel", rate: float, brand_effect: float) -> np.ndarray:
    """Unaware customers due today who hear of the brand from neighbours: made aware, with
    ``brand_effect`` of brand memory (the others snoozed)."""
    c, day = model.customers, model.day
    candidates = c.due_today(day)
    out = np.empty(candidates.size, dtype=np.int64)
    heard = out[:_hear(candidates, day, rate, brand_effect, *word_of_mouth_args(model), *c.memory_args(day),
                       *c.state_arrays(), out)]
    _record(model, heard, Stage.UNAWARE, Stage.AWARE, "word_of_mouth")
    return heard


# ---------------------------------------------------------------------------- interest, leads
@njit(cache=True)
def _progress(candidates, day, consider_rate, forget_rate, wom_rate, lead_rate, lose_interest_rate, mode, mixed,
              degree, list_price, premium, reservation, memory, memory_day, decay, base, stage, stage_day, moves,
              counts, indptr, indices, neighbours, has_network, armed, root, segment_start, clocks, horizon, alarm,
              out):
    """Aware customers start considering or forget, then considering ones become leads or lose
    interest (all moved): ``out`` rows consider, forget, lead, drop; returns their numbers and
    the leads' scores (:func:`sim.engine.workload.lead_arrivals`)."""
    state = (stage, stage_day, moves, counts, indptr, indices, neighbours, has_network, armed, root, segment_start,
             clocks, horizon, alarm)
    idx, u = due(candidates, day, _AWARE, alarm, stage, moves, stage_day, root)
    n_consider = n_forget = 0
    for i in range(idx.size):
        c = idx[i]
        s = _segment(c, segment_start)
        m = _memory(c, day, memory, memory_day, decay, base)
        x = u[i] * clocks[0, _AWARE_ROW, s]
        p_consider = consider_rate[s] * m + word_of_mouth_term(c, wom_rate, mode, mixed, degree, neighbours)
        p_forget = forget_rate[s] * (1.0 - m)
        if x < p_consider:
            out[0, n_consider] = c
            n_consider += 1
        elif x < p_consider + p_forget:
            out[1, n_forget] = c
            n_forget += 1
        else:
            _arm_one(root, c, np.int64(day - stage_day[c]), day, moves, stage, segment_start, clocks, horizon, alarm)
    move(out[0, :n_consider], _TO_CONSIDERING, day, *state)
    move(out[1, :n_forget], _TO_UNAWARE, day, *state)
    idx, u = due(candidates, day, _CONSIDERING, alarm, stage, moves, stage_day, root)
    n_lead = n_drop = 0
    for i in range(idx.size):
        c = idx[i]
        s = _segment(c, segment_start)
        x = u[i] * clocks[0, _CONSIDERING_ROW, s]
        p_lead = lead_rate[s] * _memory(c, day, memory, memory_day, decay, base)
        if x < p_lead:
            out[2, n_lead] = c
            n_lead += 1
        elif x < p_lead + lose_interest_rate[s]:
            out[3, n_drop] = c
            n_drop += 1
        else:
            _arm_one(root, c, np.int64(day - stage_day[c]), day, moves, stage, segment_start, clocks, horizon, alarm)
    move(out[3, :n_drop], _TO_AWARE, day, *state)
    scores = lead_arrivals(out[2, :n_lead], day, premium, reservation, memory, memory_day, decay, base, list_price,
                           *state)
    return n_consider, n_forget, n_lead, n_drop, scores


def progress(model: "MarketModel") -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray, np.ndarray]:
    """The aware customers due today who start considering and those who forget, then the
    considering ones who become inbound leads and those who lose interest, all moved (and the
    others snoozed); with the leads' scores, for sales to queue. Journeys get the lost-interest
    rows after the leads' (see :func:`record_drops`)."""
    c, day, seg = model.customers, model.day, model.segments
    candidates = c.due_today(day)
    out = np.empty((4, candidates.size), dtype=np.int64)
    *n, scores = _progress(candidates, day, seg.consider_rate, seg.forget_rate,
                           model.config.market.word_of_mouth.consider_rate, seg.lead_rate, seg.lose_interest_rate,
                           *word_of_mouth_args(model), seg.list_price,
                           *c.price_args(day, model.config.market.brand_price_premium), *c.state_arrays(), out)
    consider, forget, lead, drop = (out[row, : n[row]] for row in range(4))
    _record(model, consider, Stage.AWARE, Stage.CONSIDERING, "interest")
    _record(model, forget, Stage.AWARE, Stage.UNAWARE, "forgot")
    _record(model, lead, Stage.CONSIDERING, Stage.LEAD, "organic")
    return consider, forget, lead, drop, scores


def record_drops(model: "MarketModel", drop: np.ndarray) -> None:
    """Journey rows of the customers :func:`progress` moved back to aware (after the new leads')."""
    _record(model, drop, Stage.CONSIDERING, Stage.AWARE, "lost_interest")


# ---------------------------------------------------------------------------- retention
@njit(cache=True)
def _stay_or_go(candidates, day, churn_daily, repeat_daily, care_effect, churn_multiplier, account_care,
                alarm, stage, moves, stage_day, root, segment_start, clocks, horizon, out):
    idx, u = due(candidates, day, _CUSTOMER, alarm, stage, moves, stage_day, root)
    n_churn = n_order = 0
    for i in range(idx.size):
        c = idx[i]
        s = _segment(c, segment_start)
        x = u[i] * clocks[0, _CUSTOMER_ROW, s]
        care = care_factor(care_effect[s], np.float64(account_care[c]))
        p_churn = churn_daily[s] * np.float64(churn_multiplier[c]) * care
        if x < p_churn:
            out[0, n_churn] = c
            n_churn += 1
            continue
        if x < p_churn + repeat_daily[s]:
            out[1, n_order] = c
            n_order += 1
        _arm_one(root, c, np.int64(day - stage_day[c]), day, moves, stage, segment_start, clocks, horizon, alarm)
    return n_churn, n_order


def stay_or_go(model: "MarketModel") -> tuple[np.ndarray, np.ndarray]:
    """Customers due today who churn, and those who stay and place a repeat order (the stayers
    snoozed; the model books both)."""
    c, day, seg = model.customers, model.day, model.segments
    candidates = c.due_today(day)
    out = np.empty((2, candidates.size), dtype=np.int64)
    n_churn, n_order = _stay_or_go(candidates, day, seg.churn_daily, seg.repeat_daily, seg.care_effect,
                                   c.churn_multiplier, c.account_care, *_check_args(c), out)
    return out[0, :n_churn], out[1, :n_order]


@njit(cache=True)
def _come_back(candidates, day, winback_rate, alarm, stage, moves, stage_day, root, segment_start, clocks, horizon,
               out):
    idx, u = due(candidates, day, _GONE, alarm, stage, moves, stage_day, root)
    k = 0
    for i in range(idx.size):
        c = idx[i]
        s = _segment(c, segment_start)
        if u[i] * clocks[0, _LOST_ROW, s] < winback_rate[s]:
            out[k] = c
            k += 1
        else:
            _arm_one(root, c, np.int64(day - stage_day[c]), day, moves, stage, segment_start, clocks, horizon, alarm)
    return k


def come_back(model: "MarketModel") -> np.ndarray:
    """Lost or churned customers due today who come back (for the model to move; the others snoozed)."""
    c, day = model.customers, model.day
    candidates = c.due_today(day)
    out = np.empty(candidates.size, dtype=np.int64)
    return out[:_come_back(candidates, day, model.segments.winback_rate, *_check_args(c), out)]


def _check_args(c) -> tuple:
    return (c.alarm, c.stage, c.moves, c.stage_day, *c.clock()[:4])


_NO_DEGREE = np.empty(0, dtype=np.float32)
