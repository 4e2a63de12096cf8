"""The arithmetic of the management policies: pure functions on numbers and arrays.

The agents in :mod:`sim.engine.management` gather what a company's dashboards show and call
these to decide: how to split a budget within limits, how far to move at one review, the
signs of a balanced spend test, the slopes of a response regression, and the headcount rules.
"""

from __future__ import annotations

import numpy as np

__all__ = [
    "EXTRA_PERIODS", "allocate", "attainment_target", "coverage_target", "move_toward", "response_slopes",
    "spend_test_signs",
]


def allocate(weights: np.ndarray, total: float, low: np.ndarray, high: np.ndarray) -> np.ndarray:
    """Split ``total`` in proportion to ``weights`` within per-item bounds ``low <= x <= high``.

    ``x_i = clip(lambda w_i, low_i, high_i)`` with the ``lambda`` that makes ``sum x = total``
    (found by bisection; the sum is monotone in ``lambda``). Items of weight 0 get their floor
    unless the others cannot take the rest at their ceilings. Requires
    ``sum low <= total <= sum high``.
    """
    weights = np.maximum(np.asarray(weights, dtype=float), 0.0)
    low, high = np.asarray(low, dtype=float), np.asarray(high, dtype=float)
    if total < low.sum() - 1e-9 or total > high.sum() + 1e-9:
        raise ValueError(f"total: {total} cannot be split within bounds summing to {low.sum()}..{high.sum()}")
    if weights.sum() == 0:
        weights = np.ones_like(weights)
    # A tiny weight for the zeros, so that a large enough lambda reaches every ceiling.
    weights = weights + 1e-12 * weights.max()
    lo, hi = -60.0, 60.0  # log10 of lambda

    def split(log_lambda: float) -> np.ndarray:
        return np.clip(10.0**log_lambda * weights, low, high)

    for _ in range(200):
        mid = 0.5 * (lo + hi)
        if split(mid).sum() < total:
            lo = mid
        else:
            hi = mid
    x = split(hi)
    # The bisection leaves an error far below a cent; put it where there is room.
    room = np.flatnonzero((x > low) & (x < high))
    if room.size:
        x[room] += (total - x.sum()) / room.size
    return np.clip(x, low, high)


def move_toward(current: np.ndarray, target: np.ndarray, step: float) -> np.ndarray:
    """``step`` of the way from ``current`` to ``target`` (a convex mix: bounds and totals both hold)."""
    current, target = np.asarray(current, dtype=float), np.asarray(target, dtype=float)
    return (1.0 - step) * current + step * target


def spend_test_signs(items: int, month: int) -> np.ndarray:
    """+1 or -1 per item for ``month``: Walsh functions 1..items of the month number.

    Item ``i`` follows ``(-1)^popcount((i + 1) & month)``: item 0 alternates every month, item 1
    every two months, item 2 is the product of both, ... Over any aligned block of ``2^k``
    months the patterns are orthogonal to each other and to a constant, so a regression of an
    outcome on the spends separates the items.
    """
    return np.array([-1.0 if bin((i + 1) & month).count("1") % 2 else 1.0 for i in range(items)])


#: Periods a response regression needs beyond one per item (intercept, trend, one degree of freedom).
EXTRA_PERIODS = 3


def response_slopes(spend: np.ndarray, outcome: np.ndarray) -> tuple[np.ndarray, float] | None:
    """Least-squares slopes of ``outcome`` (one value per period) on ``spend`` (periods x items), with an
    intercept and a linear trend (the market grows whatever the spend), and the R^2 of the fit;
    None when there are fewer than items + :data:`EXTRA_PERIODS` periods or the spends do not
    vary independently (rank deficient)."""
    spend, outcome = np.asarray(spend, dtype=float), np.asarray(outcome, dtype=float)
    periods, items = spend.shape
    if periods < items + EXTRA_PERIODS:
        return None
    design = np.column_stack([np.ones(periods), np.arange(periods, dtype=float), spend])
    coef, _, rank, _ = np.linalg.lstsq(design, outcome, rcond=None)
    if rank < items + 2:
        return None
    fitted = design @ coef
    spread = ((outcome - outcome.mean()) ** 2).sum()
    r2 = 1.0 - ((outcome - fitted) ** 2).sum() / spread if spread > 0 else 0.0
    return coef[2:], float(r2)


def _step(planned: int, current: int, up: bool, down: bool, freeze: bool, max_change: int,
          low: int, high: int) -> int:
    if up:
        target = planned + max_change
    elif down:
        target = min(planned, current) - max_change
    elif freeze:
        target = min(planned, current)
    else:
        target = planned
    return int(min(max(target, low), high))


def attainment_target(
    attainment: float, planned: int, current: int, *, hire_above: float, freeze_below: float,
    release_below: float, max_change: int, low: int, high: int,
) -> int:
    """Headcount to plan under the attainment policy.

    ``planned`` counts hires not started yet, ``current`` the reps employed. At or above
    ``hire_above``: ``max_change`` more than planned; below ``release_below`` (when it is above
    0): pending hires cancelled and ``max_change`` fewer than employed; below ``freeze_below``:
    pending hires cancelled; otherwise the plan stands. Always within ``[low, high]``.
    """
    return _step(planned, current, up=attainment >= hire_above, down=release_below > 0 and attainment < release_below,
                 freeze=attainment < freeze_below, max_change=max_change, low=low, high=high)


def coverage_target(
    coverage: float, planned: int, current: int, *, target: float, floor: float, max_change: int, low: int, high: int,
) -> int:
    """Headcount to plan under the pipeline-coverage policy: ``max_change`` more when the pipeline covers
    the team's quota at least ``target`` times, ``max_change`` fewer than employed (pending hires
    cancelled) below ``floor``, else the plan stands. Always within ``[low, high]``."""
    return _step(planned, current, up=coverage >= target, down=coverage < floor, freeze=False,
                 max_change=max_change, low=low, high=high)
