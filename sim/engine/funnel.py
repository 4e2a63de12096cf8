"""The funnel's organic checks, compiled: word of mouth, interest and forgetting, leads and lost interest.

Each function takes the customers due today (:meth:`Customers.due_today`), keeps those in
the phase's stage whose alarm still rings, decides each one's move with the keyed uniform of
its check (thinning: ``u * bound < p``, as :meth:`MarketModel._alarm_bounds` explains),
re-arms those who stay (snooze) and returns those who move, for the model to move them. The
arithmetic is the numpy expressions' own, dtype for dtype (see :mod:`sim.engine.kernels`).
"""

from __future__ import annotations

from typing import TYPE_CHECKING

import numpy as np
from numba import njit

from sim.engine.customers import Stage
from sim.engine.kernels import _arm_one, _memory, _segment, due, word_of_mouth_term
from sim.scenario.schema import NetworkKind

if TYPE_CHECKING:
    from sim.engine.model import MarketModel

__all__ = ["hear", "interest", "lead_or_drop", "word_of_mouth_args"]

_AWARE_ROW, _CONSIDERING_ROW = int(Stage.AWARE), int(Stage.CONSIDERING)  # rows of the alarm bounds
_UNAWARE, _AWARE, _CONSIDERING = 1 << int(Stage.UNAWARE), 1 << _AWARE_ROW, 1 << _CONSIDERING_ROW  # due masks


def word_of_mouth_args(model: "MarketModel") -> tuple:
    """What :func:`sim.engine.kernels.word_of_mouth_term` needs to read the share of a customer's neighbours who
    are customers: mode (0 none, 1 well mixed, 2 network), the well-mixed share, degrees, customer neighbours."""
    c = model.customers
    kind = model.config.market.word_of_mouth.network
    if kind is NetworkKind.MIXED:
        return 1, c.counts[Stage.CUSTOMER] / c.n, _NO_DEGREE, _NO_NEIGHBOURS
    if kind is NetworkKind.NONE or model._degree is None:
        return 0, 0.0, _NO_DEGREE, _NO_NEIGHBOURS
    return 2, 0.0, model._degree, c.customer_neighbours


def _state(model: "MarketModel") -> tuple:
    c = model.customers
    return (c.alarm, c.stage, c.moves, c.stage_day, *c.clock()[:4])


@njit(cache=True)
def _hear(candidates, day, rate, mode, mixed, degree, neighbours, alarm, stage, moves, stage_day,
          root, segment_start, clocks, horizon, out):
    idx, u = due(candidates, day, _UNAWARE, alarm, stage, moves, stage_day, root)
    k = 0
    for i in range(idx.size):
        c = idx[i]
        if u[i] * rate < word_of_mouth_term(c, rate, mode, mixed, degree, neighbours):
            out[k] = c
            k += 1
        else:
            _arm_one(root, c, np.int64(day - stage_day[c]), day, moves, stage, segment_start, clocks, horizon, alarm)
    return k


def hear(model: "MarketModel", rate: float) -> np.ndarray:
    """Unaware customers due today who hear of the brand from neighbours (the others snoozed)."""
    c, day = model.customers, model.day
    candidates = c.due_today(day)
    out = np.empty(candidates.size, dtype=np.int64)
    return out[:_hear(candidates, day, rate, *word_of_mouth_args(model), *_state(model), out)]


@njit(cache=True)
def _interest(candidates, day, consider_rate, forget_rate, wom_rate, mode, mixed, degree, neighbours,
              memory, memory_day, decay, base, alarm, stage, moves, stage_day, root, segment_start, clocks, horizon, out):
    idx, u = due(candidates, day, _AWARE, alarm, stage, moves, stage_day, root)
    half = candidates.size
    n_consider = n_forget = 0
    for i in range(idx.size):
        c = idx[i]
        s = _segment(c, segment_start)
        m = _memory(c, day, memory, memory_day, decay, base)
        x = u[i] * clocks[0, _AWARE_ROW, s]
        p_consider = consider_rate[s] * m + word_of_mouth_term(c, wom_rate, mode, mixed, degree, neighbours)
        p_forget = forget_rate[s] * (1.0 - m)
        if x < p_consider:
            out[n_consider] = c
            n_consider += 1
        elif x < p_consider + p_forget:
            out[half + n_forget] = c
            n_forget += 1
        else:
            _arm_one(root, c, np.int64(day - stage_day[c]), day, moves, stage, segment_start, clocks, horizon, alarm)
    return n_consider, n_forget


def interest(model: "MarketModel") -> tuple[np.ndarray, np.ndarray]:
    """Aware customers due today who start considering, and those who forget (the others snoozed)."""
    c, day, seg = model.customers, model.day, model.segments
    candidates = c.due_today(day)
    out = np.empty(2 * candidates.size, dtype=np.int64)
    n1, n2 = _interest(candidates, day, seg.consider_rate, seg.forget_rate,
                       model.config.market.word_of_mouth.consider_rate, *word_of_mouth_args(model),
                       c.memory, c.memory_day, c.decay(day), c._decay_per_day, *_state(model), out)
    return out[:n1], out[candidates.size : candidates.size + n2]


@njit(cache=True)
def _lead_or_drop(candidates, day, lead_rate, lose_interest_rate, memory, memory_day, decay, base,
                  alarm, stage, moves, stage_day, root, segment_start, clocks, horizon, out):
    idx, u = due(candidates, day, _CONSIDERING, alarm, stage, moves, stage_day, root)
    half = candidates.size
    n_lead = n_drop = 0
    for i in range(idx.size):
        c = idx[i]
        s = _segment(c, segment_start)
        x = u[i] * clocks[0, _CONSIDERING_ROW, s]
        p_lead = lead_rate[s] * _memory(c, day, memory, memory_day, decay, base)
        if x < p_lead:
            out[n_lead] = c
            n_lead += 1
        elif x < p_lead + lose_interest_rate[s]:
            out[half + n_drop] = c
            n_drop += 1
        else:
            _arm_one(root, c, np.int64(day - stage_day[c]), day, moves, stage, segment_start, clocks, horizon, alarm)
    return n_lead, n_drop


def lead_or_drop(model: "MarketModel") -> tuple[np.ndarray, np.ndarray]:
    """Considering customers due today who become inbound leads, and those who lose interest (the others snoozed)."""
    c, day, seg = model.customers, model.day, model.segments
    candidates = c.due_today(day)
    out = np.empty(2 * candidates.size, dtype=np.int64)
    n1, n2 = _lead_or_drop(candidates, day, seg.lead_rate, seg.lose_interest_rate,
                           c.memory, c.memory_day, c.decay(day), c._decay_per_day, *_state(model), out)
    return out[:n1], out[candidates.size : candidates.size + n2]


_NO_DEGREE = np.empty(0, dtype=np.float32)
_NO_NEIGHBOURS = np.empty(0, dtype=np.uint16)
