"""Attribution heuristics over the touches each customer received before converting.

Pure functions: given touch counts per touch point (marketing channels, then sales) of a
set of converting customers, and their first and last touch, return each customer's
credit shares per touch point. A customer with no touch at all is credited to "organic"
(the last column), so the shares of every deal sum to 1.
"""

from __future__ import annotations

import enum

import numpy as np
from numba import njit

__all__ = ["Attribution", "attribution_shares", "credit_totals"]


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


@njit(cache=True)
def credit_totals(touches, first_touch, last_touch, idx, price, weights, out):
    """Attributed value of the customers ``idx`` summed over them, compiled: ``out[w, m, t]`` is
    ``(attribution_shares(touches[:, idx], first, last, METHODS[m]) * price[:, None] * weights[w][:, None]).sum(axis=0)[t]``.

    ``touches`` is the population's (touch points, customers) array, ``first_touch`` and
    ``last_touch`` its first and last touch points, ``weights`` one row of per-customer factors
    (1 or 0) per sum wanted; methods in :class:`Attribution` order. The arithmetic is the
    numpy expressions' own, step for step (touch counts are whole numbers, so their totals are
    exact; the sum over customers runs in their order, as numpy's reduction over that axis).
    """
    n_tp = touches.shape[0]
    width = n_tp + 1
    share = np.zeros((4, width))
    middle = np.empty(n_tp)
    for k in range(idx.size):
        c = idx[k]
        share[:] = 0.0
        total = 0.0
        for i in range(n_tp):
            total += np.float64(touches[i, c])
        if total == 0.0:
            for m in range(4):
                share[m, n_tp] = 1.0
        else:
            first, last = np.int64(first_touch[c]), np.int64(last_touch[c])
            first_col = first if first >= 0 else first + width  # (numpy's negative indices)
            last_col = last if last >= 0 else last + width
            share[0, first_col] = 1.0
            share[1, last_col] = 1.0
            for i in range(n_tp):
                share[2, i] = np.float64(touches[i, c]) / total
            if total == 1.0:
                share[3, first_col] = 1.0
            elif total == 2.0:
                share[3, first_col] += 0.5
                share[3, last_col] += 0.5
            else:
                first_mid = first if first >= 0 else first + n_tp
                last_mid = last if last >= 0 else last + n_tp
                for i in range(n_tp):
                    middle[i] = np.float64(touches[i, c])
                middle[first_mid] -= 1.0
                middle[last_mid] -= 1.0
                middle_total = total - 2.0
                for i in range(n_tp):
                    middle[i] = 0.2 * middle[i] / middle_total
                middle[first_mid] += 0.4
                middle[last_mid] += 0.4
                for i in range(n_tp):
                    share[3, i] = middle[i]
        p = price[k]
        for w in range(weights.shape[0]):
            factor = weights[w, k]
            for m in range(4):
                for t in range(width):
                    value = share[m, t] * p * factor
                    if k == 0:
                        out[w, m, t] = value
                    else:
                        out[w, m, t] += value
