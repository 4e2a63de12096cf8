"""The customer population as a structure of numpy arrays.

One element per customer; segments are contiguous blocks, so "a random customer of segment
s" is ``start[s] + randint(size[s])`` and a customer's segment is a ``searchsorted`` away.
Every stage change goes through :meth:`Customers.move`, which keeps the stage counts, the
word-of-mouth neighbour counts and the journey trace up to date incrementally: no phase ever
recounts the whole population.
"""

from __future__ import annotations

import enum

import numpy as np

from sim.engine import kernels as _k
from sim.engine.network import Network

__all__ = ["Stage", "STAGES", "Customers", "WON_BY"]


class Stage(enum.IntEnum):
    UNAWARE = 0
    AWARE = 1
    CONSIDERING = 2
    LEAD = 3
    OPPORTUNITY = 4
    NEGOTIATION = 5
    CUSTOMER = 6
    LOST = 7
    CHURNED = 8


_TOUCH_MAX = np.uint16(np.iinfo(np.uint16).max)

STAGES: tuple[str, ...] = tuple(s.name.lower() for s in Stage)

#: How a customer was won (``won_by`` array).
WON_BY = ("none", "self_serve", "inbound_rep", "outbound_rep", "initial")



class Customers:
    """State of every customer; arrays are indexed by customer id ``0..n-1``."""

    def __init__(
        self,
        segment_sizes: np.ndarray,
        n_channels: int,
        memory_half_life_days: float,
        network: Network | None,
    ) -> None:
        sizes = np.asarray(segment_sizes, dtype=np.int64)
        self.n = int(sizes.sum())
        self.segment_start = np.concatenate([[0], np.cumsum(sizes)[:-1]]).astype(np.int64)
        self.segment_size = sizes
        n = self.n
        self.stage = np.zeros(n, dtype=np.int8)
        self.stage_day = np.zeros(n, dtype=np.int32)
        self.memory = np.zeros(n, dtype=np.float32)  # brand memory at ``memory_day``
        self.memory_day = np.zeros(n, dtype=np.int32)
        self.reservation = np.zeros(n, dtype=np.float32)  # base reservation price, USD
        self.price = np.zeros(n, dtype=np.float32)  # price of the current/last deal, USD
        self.churn_multiplier = np.ones(n, dtype=np.float32)
        # Account care received from the customer's rep, 0-1 (cuts churn by account_care_effect x care).
        self.account_care = np.zeros(n, dtype=np.float32)
        self.won_by = np.zeros(n, dtype=np.int8)
        self.owner = np.full(n, -1, dtype=np.int32)  # serial number of the rep owning the account
        # Touch counts before conversion: one row per channel, then one for sales.
        self.n_touchpoints = n_channels + 1
        self.sales_touch = n_channels
        self.touches = np.zeros((self.n_touchpoints, n), dtype=np.uint16)
        self.first_touch = np.full(n, -1, dtype=np.int8)
        self.last_touch = np.full(n, -1, dtype=np.int8)
        self.network = network
        self.customer_neighbours = (
            np.zeros(n, dtype=np.uint16) if network is not None else None
        )
        self.counts = np.zeros(len(Stage), dtype=np.int64)
        self.counts[Stage.UNAWARE] = n
        self._decay_per_day = 0.5 ** (1.0 / memory_half_life_days)
        self.trace = None  # set by the model when journeys are recorded
        # Keyed draws: a customer's own progress (stage changes so far, days in stage) keys them.
        self.moves = np.zeros(n, dtype=np.int32)
        # Alarm clocks: each customer's next check day in its stage (-1: none).
        # Set by :meth:`arm_alarms` (the model gives the rates).
        self.alarm = np.full(n, -1, dtype=np.int32)
        self.keys = None
        self._alarm_bound = None  # (stage, segment) -> check probability per day
        self._horizon = 0
        self._due_day = -1
        self._due = np.empty(0, dtype=np.int64)

    # ------------------------------------------------------------------ alarm clocks
    # (Each batch is one call of a compiled function of :mod:`sim.engine.kernels`.)
    _decay = None  # decay[age] = decay per day ** age, computed by numpy (see memory_now)

    def arm_alarms(self, keys, bound: np.ndarray, horizon: int) -> None:
        """Start the alarm clocks: ``bound[stage, segment]`` is each stage's daily check probability."""
        self.keys = keys
        self._alarm_bound = np.ascontiguousarray(bound, dtype=np.float64)
        self._horizon = int(horizon)
        self._schedule(np.arange(self.n, dtype=np.int64), 0, np.zeros(self.n, dtype=np.int64))
        self._clocks = _k.clock_table(self._alarm_bound)
        self._move_args = None

    def _schedule(self, idx: np.ndarray, day: int, days_in_stage) -> None:
        """Next check of ``idx`` in their current stage: a keyed geometric gap (>= 1 day)."""
        if idx.size == 0 or self._alarm_bound is None:
            return
        from sim.engine.keyed import Kind, arm

        days_in_stage = np.broadcast_to(np.asarray(days_in_stage, dtype=np.int64), idx.shape)
        arm(self.keys.root, Kind.ALARM_GAP, np.ascontiguousarray(idx, dtype=np.int64), self.moves,
            np.ascontiguousarray(days_in_stage), day, self.stage, self.segment_start, self._alarm_bound,
            self._horizon, self.alarm)

    def clock(self) -> tuple:
        """The alarm clocks' arguments of the compiled kernels: root, segment starts, the check
        probabilities with their logarithms (:func:`sim.engine.kernels.clock_table`), horizon, alarms."""
        if self._alarm_bound is None:
            return np.uint64(0), self.segment_start, _NO_CLOCKS, self._horizon, self.alarm
        return self.keys.root, self.segment_start, self._clocks, self._horizon, self.alarm

    def due_today(self, day: int) -> np.ndarray:
        """Customers whose alarm rang by ``day`` at the first look today (one scan of the alarms a day).

        (<= day: an alarm set for today after its phase ran today rings tomorrow.)
        """
        if self._due_day != day:
            self._due = _k.due_scan(self.alarm, day)
            self._due_day = day
        return self._due

    def due(self, day: int, *stages) -> tuple[np.ndarray, np.ndarray]:
        """Customers in ``stages`` whose alarm rings today, and a keyed uniform in [0, 1) each.

        The due list is one scan of the alarm array per day (about 0.5 ns per customer: less
        than keeping a calendar of due days at every size this engine runs). Call
        :meth:`snooze` for those whose check changed nothing (a move re-arms by itself).
        """
        mask = 0
        for s in stages:
            mask |= 1 << int(s)
        candidates = self.due_today(day)
        idx, u = np.empty(candidates.size, dtype=np.int64), np.empty(candidates.size)
        k = _k.due_into(candidates, day, mask, self.alarm, self.stage, self.moves, self.stage_day, self.keys.root,
                        idx, u)
        return idx[:k], u[:k]

    def snooze(self, idx: np.ndarray, day: int) -> None:
        """Re-arm customers whose check today left them in their stage."""
        if idx.size and self._alarm_bound is not None:
            _k.snooze(idx, day, self.stage_day, self.moves, self.stage, *self.clock())

    # ------------------------------------------------------------------ lookups
    def segment_of(self, idx: np.ndarray) -> np.ndarray:
        out = np.empty(idx.size, dtype=np.int64)
        _k.segment_of(idx, self.segment_start, out)
        return out

    def decay(self, day: int) -> np.ndarray:
        """``decay per day ** age`` for ages 0..``day`` at least, by numpy's ``power`` (the numbers
        of ``np.power(decay, age)``, which are not always the C library's ``pow``)."""
        table = self._decay
        if table is None or day >= table.size:
            ages = np.arange(max(day, self._horizon) + 1, dtype=np.int32)
            table = self._decay = np.power(self._decay_per_day, ages, dtype=np.float64)
        return table

    def memory_now(self, idx: np.ndarray, day: int) -> np.ndarray:
        """Brand memory of ``idx`` today (stored lazily, decayed on read)."""
        out = np.empty(idx.size)
        _k.memory_now(idx, day, self.memory, self.memory_day, self.decay(day), self._decay_per_day, out)
        return out

    def reservation_now(self, idx: np.ndarray, day: int, premium: float) -> np.ndarray:
        """Reservation price of ``idx`` today: brand trust (memory) raises it by up to ``premium``."""
        out = np.empty(idx.size)
        _k.reservation_now(idx, day, float(premium), self.reservation, self.memory, self.memory_day, self.decay(day),
                           self._decay_per_day, out)
        return out

    def memory_args(self, day: int) -> tuple:
        """What the compiled functions need for :meth:`memory_now` on ``day``: memory, the day it was
        stored, the decay table and the decay per day."""
        return self.memory, self.memory_day, self.decay(day), self._decay_per_day

    def price_args(self, day: int, premium: float) -> tuple:
        """What the compiled functions need for :meth:`reservation_now` (and :meth:`memory_now`) on ``day``."""
        return (float(premium), self.reservation, *self.memory_args(day))

    def add_memory(self, idx: np.ndarray, effect: np.ndarray | float, day: int) -> None:
        """``m <- 1 - (1 - m)(1 - effect)`` for unique ``idx``."""
        if isinstance(effect, (float, int, np.floating)):
            _k.add_memory(idx, float(effect), day, self.memory, self.memory_day, self.decay(day),
                          self._decay_per_day)
            return
        m = self.memory_now(idx, day)
        self.memory[idx] = 1.0 - (1.0 - m) * (1.0 - effect)
        self.memory_day[idx] = day

    def in_stage(self, idx: np.ndarray, *stages: Stage) -> np.ndarray:
        """Boolean mask: is each of ``idx`` in one of ``stages``."""
        s = self.stage[idx]
        if len(stages) == 1:
            return s == stages[0]
        return np.isin(s, np.asarray(stages, dtype=np.int8))

    # ------------------------------------------------------------------ transitions
    def network_arrays(self) -> tuple:
        """The network's arrays for the compiled kernels: indptr, indices, customer neighbours, whether any."""
        if self.customer_neighbours is None:
            return _NO_INDPTR, _NO_INDICES, _NO_NEIGHBOURS, False
        return self.network.indptr, self.network.indices, self.customer_neighbours, True

    _move_args = None  # the arrays move() hands to its kernel (fixed once the alarms are armed)

    def state_arrays(self) -> tuple:
        """What :func:`sim.engine.kernels.move` takes after ``idx, to, day``: stage, stage day, moves,
        counts, the network's arrays, whether the alarms are armed, and the alarm clocks."""
        args = self._move_args
        if args is None:
            args = (self.stage, self.stage_day, self.moves, self.counts, *self.network_arrays(),
                    self._alarm_bound is not None, *self.clock())
            if self._alarm_bound is not None:
                self._move_args = args
        return args

    def move(self, idx: np.ndarray, to: Stage, day: int, cause: str = "") -> None:
        """Move unique customers ``idx`` to stage ``to``, keeping every count in step."""
        if idx.size == 0:
            return
        trace = self.trace
        old = self.stage[idx] if trace is not None else None
        _k.move(idx, int(to), day, *self.state_arrays())
        if trace is not None:
            trace.stage_change(idx, old, to, day, cause)

    def touch(self, idx: np.ndarray, touchpoint: int, day: int, counts: np.ndarray | int = 1) -> None:
        """Record marketing or sales touches on unique ``idx`` (before they convert)."""
        if idx.size == 0:
            return
        if type(counts) is int and counts == 1 or np.isscalar(counts) and counts == 1:
            _k.touch(idx, int(touchpoint), self.stage, self.touches, self.first_touch, self.last_touch)
            if self.trace is not None:
                idx = idx[self.stage[idx] < Stage.CUSTOMER]
                if idx.size:
                    self.trace.touch(idx, touchpoint, day, counts)
            return
        pre = self.stage[idx] < Stage.CUSTOMER
        idx = idx[pre]
        if idx.size == 0:
            return
        if not np.isscalar(counts):
            counts = np.asarray(counts)[pre]
        row = self.touches[touchpoint]
        row[idx] = np.minimum(row[idx].astype(np.int64) + counts, _TOUCH_MAX)
        first = self.first_touch[idx] < 0
        self.first_touch[idx[first]] = touchpoint
        self.last_touch[idx] = touchpoint
        if self.trace is not None:
            self.trace.touch(idx, touchpoint, day, counts)


_NO_CLOCKS = np.zeros((2, 1, 1))
_NO_INDPTR = np.zeros(1, dtype=np.int32)
_NO_INDICES = np.empty(0, dtype=np.int32)
_NO_NEIGHBOURS = np.empty(0, dtype=np.uint16)
