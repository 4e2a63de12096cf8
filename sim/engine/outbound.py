"""Outbound prospecting: how many calls each rep makes today, whom they reach, who says yes.

One compiled call decides a day of calls (:func:`calls_day`); the sales team then records the
touches and opens the opportunities. Every draw is keyed: rep ``r``'s ``k``-th call on day
``d`` reaches a prospect keyed by ``(r, d, k)``, so whom a rep calls does not depend on what
the other reps do, and the prospect's answer is keyed by its own progress.
"""

from __future__ import annotations

import numpy as np
from numba import njit

from sim.engine.customers import Stage
from sim.engine.kernels import _memory
from sim.engine.keyed import Kind, _uniform

__all__ = ["calls_day"]

_CONSIDERING = int(Stage.CONSIDERING)  # later stages decline a call
_CALLS, _CALL_TARGET, _CALL_RESPONSE = Kind.CALLS, Kind.CALL_TARGET, Kind.CALL_RESPONSE


@njit(cache=True)
def _calls_day(root, day, calls_per_day, call_hours, productivity, free, outbound_hours, serials, rep_segments,
               segment_size, segment_start, stage, moves, memory_args, response_rate, brand_lift):
    memory, memory_day, decay, base = memory_args
    r = serials.size
    calls = np.empty(r, dtype=np.int64)
    total = 0
    for q in range(r):
        expected = calls_per_day * productivity[q] * (1.0 if free[q] > 0 else 0.0)
        expected = min(expected, outbound_hours[q] / call_hours)
        calls[q] = np.int64(np.floor(expected + _uniform(root, _CALLS, serials[q], np.int64(day), np.int64(0))))
        total += calls[q]
    caller = np.empty(total, dtype=np.int64)
    target = np.empty(total, dtype=np.int64)
    seg_of_call = np.empty(total, dtype=np.int64)
    n_seg = rep_segments.size
    before = np.empty(n_seg, dtype=np.int64)  # the rep-served segments laid end to end
    size = 0
    for k in range(n_seg):
        before[k] = size
        size += segment_size[rep_segments[k]]
    i = 0
    for q in range(r):
        for nth in range(calls[q]):
            u = _uniform(root, _CALL_TARGET, serials[q], np.int64(day), np.int64(nth))
            position = np.int64(u * np.float64(size))
            k = n_seg - 1
            while before[k] > position:
                k -= 1
            caller[i] = q
            seg_of_call[i] = rep_segments[k]
            target[i] = segment_start[rep_segments[k]] + (position - before[k])
            i += 1
    # One call per prospect per day (the first); prospects already past considering decline.
    order = np.argsort(target, kind="mergesort")
    reached = np.empty(total, dtype=np.bool_)
    for j in range(total):
        first = j == 0 or target[order[j]] != target[order[j - 1]]
        reached[order[j]] = first and stage[target[order[j]]] <= _CONSIDERING
    chosen = np.empty(total, dtype=np.int64)
    n_chosen = 0
    taken = np.zeros(r, dtype=np.int64)  # a rep opens no more opportunities than it has room for
    for j in range(total):
        c = target[j]
        u = _uniform(root, _CALL_RESPONSE, c, np.int64(moves[c]), np.int64(day))
        p = response_rate[seg_of_call[j]] * (1.0 + brand_lift * _memory(c, day, memory, memory_day, decay, base))
        if reached[j] and u < p:
            q = caller[j]
            if taken[q] < free[q]:
                chosen[n_chosen] = j
                n_chosen += 1
            taken[q] += 1
    chosen = chosen[:n_chosen]
    return total, target[reached], target[chosen], caller[chosen]


def calls_day(root, day: int, config, productivity: np.ndarray, free: np.ndarray, outbound_hours: np.ndarray,
              serials: np.ndarray, rep_segments: np.ndarray, customers, response_rate: np.ndarray) -> tuple:
    """The day's outbound calls of the reps (``config`` is the sales configuration): returns the
    number of calls, the prospects reached (each once, in call order), and the prospects who
    open an opportunity with the rep (position) who called them."""
    return _calls_day(root, day, float(config.outbound_calls_per_day), float(config.time.call_hours), productivity,
                      free, outbound_hours, serials, rep_segments, customers.segment_size, customers.segment_start,
                      customers.stage, customers.moves, customers.memory_args(day), response_rate, float(config.brand_outbound_lift))
