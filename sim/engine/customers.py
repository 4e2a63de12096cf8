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
_ONE_TOUCH = np.uint16(1)

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
    def arm_alarms(self, keys, bound: np.ndarray, horizon: int) -> None:
        """Start the alarm clocks: ``bound[stage, segment]`` is each stage's daily check probability."""
        self.keys = keys
        self._alarm_bound = np.ascontiguousarray(bound, dtype=np.float64)
        self._horizon = int(horizon)
        self._schedule(np.arange(self.n, dtype=np.int64), 0, np.zeros(self.n, dtype=np.int64))

    def _schedule(self, idx: np.ndarray, day: int, days_in_stage) -> None:
        """Next check of ``idx`` in their current stage: a keyed geometric gap (>= 1 day)."""
        if idx.size == 0 or self._alarm_bound is None:
            return
        from sim.engine.keyed import Kind, arm

        days_in_stage = np.broadcast_to(np.asarray(days_in_stage, dtype=np.int64), idx.shape)
        arm(self.keys.root, Kind.ALARM_GAP, np.ascontiguousarray(idx, dtype=np.int64), self.moves,
            np.ascontiguousarray(days_in_stage), day, self.stage, self.segment_start, self._alarm_bound,
            self._horizon, self.alarm)

    def due(self, day: int, *stages) -> tuple[np.ndarray, np.ndarray]:
        """Customers in ``stages`` whose alarm rings today, and a keyed uniform in [0, 1) each.

        The due list is one scan of the alarm array per day (about 0.5 ns per customer: less
        than keeping a calendar of due days at every size this engine runs). Call
        :meth:`snooze` for those whose check changed nothing (a move re-arms by itself).
        """
        if self._due_day != day:
            # (<= day: an alarm set for today after its phase ran today rings tomorrow)
            self._due = np.flatnonzero((self.alarm >= 0) & (self.alarm <= day))
            self._due_day = day
        idx = self._due
        alarm = self.alarm[idx]
        idx = idx[(alarm >= 0) & (alarm <= day) & self.in_stage(idx, *stages)]
        from sim.engine.keyed import Kind

        u = self.keys.uniform(Kind.ALARM_CHECK, idx, self.moves[idx], day - self.stage_day[idx])
        return idx, u

    def snooze(self, idx: np.ndarray, day: int) -> None:
        """Re-arm customers whose check today left them in their stage."""
        self._schedule(idx, day, day - self.stage_day[idx])

    # ------------------------------------------------------------------ lookups
    def segment_of(self, idx: np.ndarray) -> np.ndarray:
        return np.searchsorted(self.segment_start, idx, side="right") - 1

    def memory_now(self, idx: np.ndarray, day: int) -> np.ndarray:
        """Brand memory of ``idx`` today (stored lazily, decayed on read)."""
        age = day - self.memory_day[idx]
        return self.memory[idx] * np.power(self._decay_per_day, age, dtype=np.float64)

    def add_memory(self, idx: np.ndarray, effect: np.ndarray | float, day: int) -> None:
        """``m <- 1 - (1 - m)(1 - effect)`` for unique ``idx``."""
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
    def move(self, idx: np.ndarray, to: Stage, day: int, cause: str = "") -> None:
        """Move unique customers ``idx`` to stage ``to``, keeping every count in step."""
        if idx.size == 0:
            return
        old = self.stage[idx]
        self.counts -= np.bincount(old, minlength=len(Stage))
        self.counts[to] += idx.size
        if self.customer_neighbours is not None:
            if to == Stage.CUSTOMER:
                self._neighbour_delta(idx[old != Stage.CUSTOMER], +1)
            else:
                self._neighbour_delta(idx[old == Stage.CUSTOMER], -1)
        self.stage[idx] = to
        self.stage_day[idx] = day
        self.moves[idx] += 1
        if self._alarm_bound is not None:
            self._schedule(idx, day, 0)
        if self.trace is not None:
            self.trace.stage_change(idx, old, to, day, cause)

    def touch(self, idx: np.ndarray, touchpoint: int, day: int, counts: np.ndarray | int = 1) -> None:
        """Record marketing or sales touches on unique ``idx`` (before they convert)."""
        if idx.size == 0:
            return
        pre = self.stage[idx] < Stage.CUSTOMER
        idx = idx[pre]
        if idx.size == 0:
            return
        if not np.isscalar(counts):
            counts = np.asarray(counts)[pre]
        row = self.touches[touchpoint]
        if np.isscalar(counts) and counts == 1:
            row[idx] = np.minimum(row[idx], _TOUCH_MAX - 1) + _ONE_TOUCH  # saturates, stays uint16
        else:
            row[idx] = np.minimum(row[idx].astype(np.int64) + counts, _TOUCH_MAX)
        first = self.first_touch[idx] < 0
        self.first_touch[idx[first]] = touchpoint
        self.last_touch[idx] = touchpoint
        if self.trace is not None:
            self.trace.touch(idx, touchpoint, day, counts)

    def _neighbour_delta(self, idx: np.ndarray, sign: int) -> None:
        if idx.size == 0:
            return
        nbrs = self.network.neighbours_of(idx)
        if nbrs.size == 0:
            return
        # (a value of the array's dtype keeps ufunc.at on its fast path)
        if sign > 0:
            np.add.at(self.customer_neighbours, nbrs, _ONE_TOUCH)
        else:
            np.subtract.at(self.customer_neighbours, nbrs, _ONE_TOUCH)
