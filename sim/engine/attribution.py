"""Attribution heuristics over the touches each customer received before converting.

Pure functions: given touch counts per touch point (marketing channels, then sales) of a
set of converting customers, and their first and last touch, return each customer's
credit shares per touch point. A customer with no touch at all is credited to "organic"
(the last column), so the shares of every deal sum to 1.
"""

from __future__ import annotations

import enum

import numpy as np

__all__ = ["Attribution", "attribution_shares"]


class Attribution(str, enum.Enum):
    FIRST_TOUCH = "first_touch"
    LAST_TOUCH = "last_touch"
    LINEAR = "linear"
    POSITION_BASED = "position_based"  # 40% first, 40% last, 20% spread over the middle


def attribution_shares(
    touches: np.ndarray, first: np.ndarray, last: np.ndarray, method: Attribution | str
) -> np.ndarray:
    """Credit shares, shape ``(customers, touch_points + 1)``; each row sums to 1.

    ``touches`` has shape ``(touch_points, customers)``; ``first``/``last`` hold touch-point
    indices (``-1`` for none).
    """
    method = Attribution(method)
    touches = np.asarray(touches, dtype=float)
    n_tp, n = touches.shape
    shares = np.zeros((n, n_tp + 1))
    rows = np.arange(n)
    total = touches.sum(axis=0)
    none = total == 0
    shares[none, n_tp] = 1.0
    some = ~none
    if method is Attribution.FIRST_TOUCH:
        shares[rows[some], first[some]] = 1.0
    elif method is Attribution.LAST_TOUCH:
        shares[rows[some], last[some]] = 1.0
    elif method is Attribution.LINEAR:
        shares[some, :n_tp] = (touches[:, some] / total[some]).T
    else:
        one = some & (total == 1)
        shares[rows[one], first[one]] = 1.0
        two = some & (total == 2)
        np.add.at(shares, (rows[two], first[two]), 0.5)
        np.add.at(shares, (rows[two], last[two]), 0.5)
        many = some & (total > 2)
        if many.any():
            middle = touches[:, many].T.copy()
            r = np.arange(middle.shape[0])
            middle[r, first[many]] -= 1.0
            middle[r, last[many]] -= 1.0
            middle_total = (total[many] - 2.0)[:, None]
            block = 0.2 * middle / middle_total
            block[r, first[many]] += 0.4
            block[r, last[many]] += 0.4
            shares[many, :n_tp] = block
    return shares
