"""Leads waiting for sales: customer, arrival day and marketing's lead score, in arrival order.

Leads arriving during a day are buffered and joined once, when the day's lead work starts.
"""

from __future__ import annotations

import numpy as np

__all__ = ["LeadQueue"]


class LeadQueue:
    """The waiting leads as three aligned arrays (``ids``, ``arrived``, ``score``)."""

    def __init__(self) -> None:
        self.ids = np.empty(0, dtype=np.int64)
        self.arrived = np.empty(0, dtype=np.int32)
        self.score = np.empty(0, dtype=np.float64)
        self._new: list[tuple[np.ndarray, int, np.ndarray]] = []

    def add(self, idx: np.ndarray, day: int, score: np.ndarray) -> None:
        """Queue new leads (joined at the next :meth:`flush`)."""
        self._new.append((np.asarray(idx, dtype=np.int64), day, score))

    def flush(self) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
        """Join the leads added since the last flush; return ``(ids, arrived, score)``."""
        if self._new:
            ids, days, score = zip(*self._new)
            self.ids = np.concatenate([self.ids, *ids])
            sizes = [part.size for part in ids]
            if days.count(days[0]) == len(days):  # (the usual case: all from one day)
                arrived = np.full(sum(sizes), days[0], dtype=np.int32)
            else:
                arrived = np.repeat(np.array(days, dtype=np.int32), sizes)
            self.arrived = np.concatenate([self.arrived, arrived])
            self.score = np.concatenate([self.score, *score])
            self._new.clear()
        return self.ids, self.arrived, self.score

    def keep(self, ids: np.ndarray, arrived: np.ndarray, score: np.ndarray) -> None:
        """Replace the queue by the leads still waiting (a subset, in the same order)."""
        self.ids, self.arrived, self.score = ids, arrived, score
