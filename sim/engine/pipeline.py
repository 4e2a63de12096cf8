"""Open opportunities, one row each, as aligned arrays.

Columns: ``cust`` (customer), ``rep`` (position in the team's active reps), ``event`` (the
next pipeline event), ``day`` (when it is due), ``price`` (agreed price, once negotiated),
``open_day`` and ``outbound`` (how the opportunity was opened).
"""

from __future__ import annotations

import numpy as np
from numba import njit

__all__ = ["Pipeline", "any_due", "due_events"]

#: Pipeline event kinds.
START_NEGOTIATION, WIN, LOST_COMPETITOR, LOST_NO_DEAL, NO_DECISION = 0, 1, 2, 3, 4


class Pipeline:
    """The sales team's open opportunities."""

    COLUMNS = ("cust", "rep", "event", "day", "price", "open_day", "outbound")

    def __init__(self) -> None:
        self.cust = np.empty(0, dtype=np.int64)
        self.rep = np.empty(0, dtype=np.int64)
        self.event = np.empty(0, dtype=np.int8)
        self.day = np.empty(0, dtype=np.int64)
        self.price = np.empty(0, dtype=np.float64)
        self.open_day = np.empty(0, dtype=np.int64)
        self.outbound = np.empty(0, dtype=bool)

    def append(self, cust, rep, event, when, price, open_day, outbound) -> None:
        """Add opportunities: one value per row in each argument, or one for all rows in ``price``,
        ``open_day`` and ``outbound``."""
        n = cust.size
        if n == 0:
            return
        self.cust = np.concatenate([self.cust, cust])
        self.rep = np.concatenate([self.rep, rep])
        self.event = np.concatenate([self.event, event.astype(np.int8)])
        self.day = np.concatenate([self.day, when])
        self.price = np.concatenate([self.price, price if isinstance(price, np.ndarray) else [float(price)] * n])
        self.open_day = np.concatenate([self.open_day, open_day if isinstance(open_day, np.ndarray) else [int(open_day)] * n])
        self.outbound = np.concatenate([self.outbound, outbound if isinstance(outbound, np.ndarray) else [bool(outbound)] * n])

    def drop(self, mask: np.ndarray) -> None:
        """Remove the rows where ``mask`` is true."""
        keep = ~mask
        for name in self.COLUMNS:
            setattr(self, name, getattr(self, name)[keep])


@njit(cache=True)
def any_due(when, day):
    """Whether any row is due by ``day`` (a cheaper look than :func:`due_events` on days with nothing due)."""
    for i in range(when.size):
        if when[i] <= day:
            return True
    return False


@njit(cache=True)
def due_events(when, event, day):
    """Rows due by ``day``, grouped by event kind (one array per kind, rows in order) and a
    mask of the rows that stay open (all but the due ones whose event ends the opportunity);
    ``None`` for the mask when nothing is due."""
    n = when.size
    counts = np.zeros(5, dtype=np.int64)
    for i in range(n):
        if when[i] <= day:
            counts[event[i]] += 1
    groups = [np.empty(counts[k], dtype=np.int64) for k in range(5)]
    filled = np.zeros(5, dtype=np.int64)
    keep = np.ones(n, dtype=np.bool_)
    for i in range(n):
        if when[i] <= day:
            k = event[i]
            groups[k][filled[k]] = i
            filled[k] += 1
            keep[i] = k == START_NEGOTIATION
    return counts.sum(), groups[0], groups[1], groups[2], groups[3], groups[4], keep
