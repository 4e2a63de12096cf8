"""Sparse random sampling: draw rare events without touching every customer.

A daily event of probability ``p`` among ``n`` customers happens to about ``n p`` of them.
Drawing the gaps between successes (geometric skipping) costs work proportional to the
successes, not to ``n``; a uniform draw per customer would cost ``n`` every step.
"""

from __future__ import annotations

import numpy as np

__all__ = ["bernoulli_indices", "daily_probability"]

_DENSE_ABOVE = 0.15  # above this, one uniform per customer is cheaper than skipping
_TINY = 1e-12  # below this, geometric gaps can overflow int64


def bernoulli_indices(rng: np.random.Generator, n: int, p: float) -> np.ndarray:
    """Indices in ``range(n)`` that succeed in independent Bernoulli(p) trials, sorted.

    Exact in distribution. The number of random numbers drawn depends only on ``n``, ``p``
    and the stream, not on any model state, which keeps counterfactual runs aligned.
    """
    if n <= 0 or p <= 0.0:
        return np.empty(0, dtype=np.int64)
    if p >= 1.0:
        return np.arange(n, dtype=np.int64)
    if p > _DENSE_ABOVE:
        return np.flatnonzero(rng.random(n) < p)
    if p < _TINY:
        # Gaps would overflow int64: draw how many succeed, then which ones.
        k = int(rng.binomial(n, p))
        return np.sort(rng.choice(n, size=k, replace=False)) if k else np.empty(0, dtype=np.int64)
    expected = n * p
    size = int(expected + 6.0 * np.sqrt(expected) + 16)
    positions = np.cumsum(rng.geometric(p, size=size)) - 1
    while positions[-1] < n - 1:  # rare: the first batch fell short of n
        more = np.cumsum(rng.geometric(p, size=size)) + positions[-1]
        positions = np.concatenate([positions, more])
    return positions[: np.searchsorted(positions, n)]


def daily_probability(rate: float, days: float) -> float:
    """Per-day probability equivalent to probability ``rate`` over ``days`` days."""
    if rate >= 1.0:
        return 1.0
    return float(1.0 - (1.0 - rate) ** (1.0 / days))
