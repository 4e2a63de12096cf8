"""The one confidence interval: the mean over replications and its two-sided Student-t interval."""

from __future__ import annotations

import math
from typing import Sequence

import numpy as np

__all__ = ["interval", "mean_interval"]


def interval(values: np.ndarray, level: float = 0.95) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Mean over replications (axis 0) and the two-sided Student-t interval of that mean.

    A column with any NaN (the quantity is absent in some replication) is NaN. With one
    replication the bounds equal the mean.
    """
    x = np.asarray(values, dtype=float)
    n = x.shape[0]
    mean = x.mean(axis=0)
    if n == 1:
        return mean, mean.copy(), mean.copy()
    from scipy import stats

    half = stats.t.ppf(0.5 + level / 2, n - 1) * x.std(axis=0, ddof=1) / math.sqrt(n)
    return mean, mean - half, mean + half


def mean_interval(values: Sequence[float | None], level: float = 0.95) -> dict[str, float | None]:
    """:func:`interval` of a list of scalars as ``{mean, low, high, n}``; ``None`` and NaN values ignored."""
    x = np.array([v for v in values if v is not None and np.isfinite(v)], dtype=float)
    if x.size == 0:
        return {"mean": None, "low": None, "high": None, "n": 0}
    mean, low, high = (float(v) for v in interval(x, level))
    return {"mean": mean, "low": low, "high": high, "n": int(x.size)}
