"""Marketing response curves as pure functions on arrays.

The same forms as the media-mix literature (see PyMC-Marketing, Meridian, Robyn):
geometric adstock for carryover, Hill saturation for diminishing returns, and
exponential decay of each customer's brand memory.
"""

from __future__ import annotations

import numpy as np

__all__ = ["geometric_adstock", "hill_saturation", "impressions_from_spend", "memory_decay_factor"]


def geometric_adstock(x: np.ndarray, alpha: float, *, normalize: bool = True) -> np.ndarray:
    """Carryover ``y_t = x_t + alpha y_{t-1}``; normalised by ``1 - alpha`` so totals match."""
    x = np.asarray(x, dtype=float)
    if not 0.0 <= alpha < 1.0:
        raise ValueError(f"alpha: {alpha!r} is not allowed: must be in [0, 1)")
    out = np.empty_like(x)
    carry = 0.0
    for t, value in enumerate(x):  # short series (days), not customers
        carry = value + alpha * carry
        out[t] = carry
    return out * (1.0 - alpha) if normalize else out


def hill_saturation(x: np.ndarray | float, half: float, shape: float = 1.0) -> np.ndarray:
    """Hill curve ``x^s / (x^s + half^s)`` in [0, 1)."""
    x = np.asarray(x, dtype=float)
    xs = np.power(np.maximum(x, 0.0), shape)
    return xs / (xs + half**shape)


def impressions_from_spend(
    spend_usd: np.ndarray, cpm_usd: float, saturation_spend_usd: float | None = None
) -> np.ndarray:
    """Impressions bought by a daily spend, with optional Hill (shape 1) saturation.

    Without saturation, ``1000 spend / cpm``. With a half-saturation spend ``k``, impressions
    are ``1000 k / cpm * x / (x + k)``: linear for small spend, half of linear at ``x = k``,
    never more than ``1000 k / cpm``.
    """
    spend = np.asarray(spend_usd, dtype=float)
    linear_rate = 1000.0 / cpm_usd
    if saturation_spend_usd is None:
        return spend * linear_rate
    k = saturation_spend_usd
    return linear_rate * k * hill_saturation(spend, k)


def memory_decay_factor(half_life_days: float, days: np.ndarray | float) -> np.ndarray:
    """Share of brand memory left after ``days`` with the given half-life."""
    return np.power(0.5, np.asarray(days, dtype=float) / half_life_days)
