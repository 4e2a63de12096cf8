"""Compiled updates of the customer arrays: one call per batch instead of a dozen numpy calls.

A day of a small market touches a few dozen customers per phase, so its cost is the number
of calls, not the work per customer: :class:`sim.engine.customers.Customers` hands each
batch (a stage change, a touch, a check of the alarm clocks) to one of these functions.
Each does exactly the arithmetic of the numpy expressions it replaces, in the same dtypes
(float32 where those are float32), so results are the same to the bit. Brand memory decays
by a table of ``decay ** age`` that numpy itself computes (numpy's ``power`` and the C
library's ``pow`` differ in the last bit for some ages).

Indices are gathered before anything is written, as numpy's fancy indexing does, so a batch
that names a customer twice has the same effect as the numpy expressions.
"""

from __future__ import annotations

import numpy as np
from numba import njit

from sim.engine.keyed import Kind, _uniform

__all__ = [
    "kernels_cached", "add_memory", "clock_table", "due", "due_into", "due_scan", "memory_now", "move", "reservation_now", "segment_of", "snooze", "touch", "unique",
    "word_of_mouth_term",
]

_CUSTOMER = 6  # Stage.CUSTOMER
_ALARM_GAP = Kind.ALARM_GAP
_ALARM_CHECK = Kind.ALARM_CHECK
_TOUCH_MAX = np.uint16(np.iinfo(np.uint16).max)


def kernels_cached() -> bool:
    """Whether the compiled kernels are in numba's on-disk cache beside the engine's modules (so
    this process loads them instead of compiling them, which takes about 20 s once per
    installation); true when the cache lives elsewhere (``NUMBA_CACHE_DIR``), where it is not looked for."""
    import os
    from pathlib import Path

    if os.environ.get("NUMBA_CACHE_DIR"):
        return True
    cache = Path(__file__).resolve().parent / "__pycache__"
    return all(any(cache.glob(f"{name}-*.nbi")) for name in ("kernels.move", "workload._lead_day"))


@njit(cache=True)
def _segment(c, segment_start):
    """``searchsorted(segment_start, c, side="right") - 1`` for one customer."""
    s = 0
    while s + 1 < segment_start.size and segment_start[s + 1] <= c:
        s += 1
    return s


@njit(cache=True)
def _arm_one(root, c, days_in_stage, day, moves, stage, segment_start, clocks, horizon, alarm):
    """The body of :func:`sim.engine.keyed.arm` for one customer (the same draw, the same day).

    ``clocks[0]`` holds the check probabilities ``q`` per (stage, segment), ``clocks[1]`` their
    ``log1p(-q)`` (:func:`clock_table`: the same number the body of ``arm`` computes).
    """
    s, g = stage[c], _segment(c, segment_start)
    q = clocks[0, s, g]
    if q <= 0.0:
        alarm[c] = -1
        return
    if q >= 1.0:
        gap = 0.0
    else:
        u = _uniform(root, _ALARM_GAP, c, moves[c], days_in_stage)
        gap = 1.0 + np.floor(np.log1p(-u) / clocks[1, s, g])
    when = day + gap
    alarm[c] = when if when < horizon else -1


@njit(cache=True)
def clock_table(bound):
    """``bound`` (check probability per stage and segment) and ``log1p(-bound)``, stacked."""
    out = np.zeros((2, bound.shape[0], bound.shape[1]))
    for s in range(bound.shape[0]):
        for g in range(bound.shape[1]):
            q = bound[s, g]
            out[0, s, g] = q
            if 0.0 < q < 1.0:
                out[1, s, g] = np.log1p(-q)
    return out


@njit(cache=True)
def segment_of(idx, segment_start, out):
    for i in range(idx.size):
        out[i] = _segment(idx[i], segment_start)


@njit(cache=True)
def move(idx, to, day, stage, stage_day, moves, counts, indptr, indices, neighbours, has_network,
         armed, root, segment_start, clocks, horizon, alarm):
    """Move ``idx`` to stage ``to``: counts, customer neighbours, stage, day, moves, alarm."""
    n = idx.size
    old = np.empty(n, dtype=stage.dtype)
    moved = np.empty(n, dtype=moves.dtype)
    for i in range(n):
        old[i] = stage[idx[i]]
        moved[i] = moves[idx[i]] + 1
    for i in range(n):
        o = old[i]
        counts[o] -= 1
        counts[to] += 1
        if has_network and (to == _CUSTOMER) != (o == _CUSTOMER):
            c = idx[i]
            for k in range(indptr[c], indptr[c + 1]):
                j = indices[k]
                if to == _CUSTOMER:
                    neighbours[j] += np.uint16(1)
                else:
                    neighbours[j] -= np.uint16(1)
    for i in range(n):
        c = idx[i]
        stage[c] = to
        stage_day[c] = day
        moves[c] = moved[i]
    if armed:
        for i in range(n):
            _arm_one(root, idx[i], np.int64(0), day, moves, stage, segment_start, clocks, horizon, alarm)


@njit(cache=True)
def snooze(idx, day, stage_day, moves, stage, root, segment_start, clocks, horizon, alarm):
    """Re-arm ``idx`` in their stage, ``day - stage_day`` days into it."""
    for i in range(idx.size):
        c = idx[i]
        _arm_one(root, c, np.int64(day - stage_day[c]), day, moves, stage, segment_start, clocks, horizon, alarm)


@njit(cache=True)
def due_scan(alarm, day):
    """``flatnonzero((alarm >= 0) & (alarm <= day))`` (as unsigned, -1 is above every day).

    Without a branch per customer (each index is written, the count moves on when it is due):
    which customers are due is random, so a branch would be mispredicted half the time.
    """
    due = alarm.view(np.uint32)
    today = np.uint32(day)
    count = 0
    for c in range(due.size):
        count += np.int64(due[c] <= today)
    out = np.empty(count + 1, dtype=np.int64)  # (+1: the slot the indices after the last due one land in)
    k = 0
    for c in range(due.size):
        out[k] = c
        k += np.int64(due[c] <= today)
    return out[:count]


@njit(cache=True)
def due_into(candidates, day, stages, alarm, stage, moves, stage_day, root, idx, u):
    """Candidates still due today and in one of ``stages`` (a bit mask) into ``idx``, each one's
    check uniform into ``u``; returns how many."""
    k = 0
    for i in range(candidates.size):
        c = candidates[i]
        if 0 <= alarm[c] <= day and (stages >> np.int64(stage[c])) & 1 == 1:
            idx[k] = c
            u[k] = _uniform(root, _ALARM_CHECK, c, np.int64(moves[c]), np.int64(day - stage_day[c]))
            k += 1
    return k


@njit(cache=True)
def due(candidates, day, stages, alarm, stage, moves, stage_day, root):
    """:func:`due_into` into new arrays (for the compiled phases: a first pass that only filters
    is faster than filtering and deciding in one pass)."""
    idx = np.empty(candidates.size, dtype=np.int64)
    u = np.empty(candidates.size)
    k = due_into(candidates, day, stages, alarm, stage, moves, stage_day, root, idx, u)
    return idx[:k], u[:k]


@njit(cache=True)
def touch(idx, touchpoint, stage, touches, first_touch, last_touch):
    """One touch on each of ``idx`` not yet a customer (saturating at uint16)."""
    row = touches[touchpoint]
    new = np.empty(idx.size, dtype=touches.dtype)
    first = np.empty(idx.size, dtype=np.bool_)
    for i in range(idx.size):
        c = idx[i]
        new[i] = min(row[c], _TOUCH_MAX - np.uint16(1)) + np.uint16(1)
        first[i] = first_touch[c] < 0
    for i in range(idx.size):
        c = idx[i]
        if stage[c] < _CUSTOMER:
            row[c] = new[i]
            if first[i]:
                first_touch[c] = touchpoint
            last_touch[c] = touchpoint


@njit(cache=True)
def _memory(c, day, memory, memory_day, decay, base):
    """Brand memory of ``c`` on ``day``: ``memory[c] * decay[age]`` (``base ** age`` outside the table)."""
    age = day - memory_day[c]
    if 0 <= age < decay.size:
        return np.float64(memory[c]) * decay[age]
    return np.float64(memory[c]) * base ** np.float64(age)


@njit(cache=True)
def memory_now(idx, day, memory, memory_day, decay, base, out):
    for i in range(idx.size):
        out[i] = _memory(idx[i], day, memory, memory_day, decay, base)


@njit(cache=True)
def reservation_now(idx, day, premium, reservation, memory, memory_day, decay, base, out):
    """Reservation price of ``idx`` on ``day``: ``reservation * (1 + premium * memory)`` (float64)."""
    for i in range(idx.size):
        c = idx[i]
        out[i] = np.float64(reservation[c]) * (1.0 + premium * _memory(c, day, memory, memory_day, decay, base))


@njit(cache=True)
def add_memory(idx, effect, day, memory, memory_day, decay, base):
    """``m <- 1 - (1 - m)(1 - effect)`` at ``day``, for a scalar ``effect``."""
    m = np.empty(idx.size)
    memory_now(idx, day, memory, memory_day, decay, base, m)
    keep = 1.0 - effect
    for i in range(idx.size):
        memory[idx[i]] = 1.0 - (1.0 - m[i]) * keep
        memory_day[idx[i]] = day


@njit(cache=True)
def word_of_mouth_term(c, rate, mode, mixed, degree, neighbours):
    """``rate * share`` of ``c``'s neighbours who are customers (the one place the share is computed).

    ``mode`` 0: no network (0); 1: well mixed (``mixed``, float64); 2: the network, where the
    numpy expression is float32 (``uint16 / float32``, then ``rate * share`` in float32).
    """
    if mode == 2:
        d = degree[c]
        share = np.float32(neighbours[c]) / max(d, np.float32(1.0)) if d > 0 else np.float32(0.0)
        return np.float64(np.float32(rate) * share)
    if mode == 1:
        return rate * mixed
    return rate * 0.0


@njit(cache=True)
def unique(a):
    """``np.unique`` of an integer array: sorted, each value once (a merge sort: numba's
    ``np.sort`` takes seconds to compile)."""
    n = a.size
    b, tmp = a.copy(), np.empty_like(a)
    width = 1
    while width < n:
        for lo in range(0, n, 2 * width):
            mid, hi = min(lo + width, n), min(lo + 2 * width, n)
            i, j = lo, mid
            for k in range(lo, hi):
                if j >= hi or (i < mid and b[i] <= b[j]):
                    tmp[k] = b[i]
                    i += 1
                else:
                    tmp[k] = b[j]
                    j += 1
        b, tmp = tmp, b
        width *= 2
    k = 0
    for i in range(n):
        if i == 0 or b[i] != b[k - 1]:
            b[k] = b[i]
            k += 1
    return b[:k]
