"""Negotiation between a rep and a buyer, as pure functions on arrays.

The seller's ask concedes from list price toward a floor with a time-dependent tactic
(Faratin, Sierra & Jennings 1998): ``f(t) = (t/T)^(1/e)``, ``ask = floor + (list - floor)(1 - f)``.
``e < 1`` is Boulware (holds out), ``e = 1`` linear, ``e > 1`` Conceder. The buyer's offer
rises linearly from an opening share of its reservation price to the reservation price.
A deal closes on the first day the ask is at or below the offer, at the ask; if that day
never comes before the deadline ``T``, there is no deal. Since the ask never goes below the
floor and the offer never above the reservation price, the price lies between them, and
there is no deal when the floor is above the reservation price.
"""

from __future__ import annotations

import numpy as np
from numba import njit

__all__ = ["buyer_offer", "concession", "seller_ask", "settle"]


def seller_ask(day: np.ndarray, deadline: np.ndarray, list_price, floor, exponent: float) -> np.ndarray:
    """Seller's ask on ``day`` of a negotiation with the given deadline."""
    frac = np.clip(np.asarray(day, float) / np.asarray(deadline, float), 0.0, 1.0)
    conceded = np.power(frac, 1.0 / exponent)
    return floor + (list_price - floor) * (1.0 - conceded)


def buyer_offer(day: np.ndarray, deadline: np.ndarray, reservation, opening: float) -> np.ndarray:
    """Buyer's offer on ``day``: from ``opening * reservation`` up to ``reservation``."""
    frac = np.clip(np.asarray(day, float) / np.asarray(deadline, float), 0.0, 1.0)
    return reservation * (opening + (1.0 - opening) * frac)


@njit(cache=True)
def _settle(list_price, floor, reservation, deadline, conceded, opening):
    n = list_price.size
    close_day = np.full(n, -1, dtype=np.int64)
    price = np.full(n, np.nan)
    for i in range(n):
        T = np.float64(deadline[i])
        for t in range(deadline[i] + 1):  # the ask falls and the offer rises: the first day they cross
            frac = min(max(t / T, 0.0), 1.0)
            ask = floor[i] + (list_price[i] - floor[i]) * (1.0 - (frac if conceded.size == 0 else conceded[i, t]))
            if ask <= reservation[i] * (opening + (1.0 - opening) * frac):
                close_day[i] = t
                price[i] = ask
                break
    return close_day, price


def settle(
    list_price: np.ndarray,
    floor: np.ndarray,
    reservation: np.ndarray,
    deadline: np.ndarray,
    exponent: float,
    opening: float,
) -> tuple[np.ndarray, np.ndarray]:
    """Outcome of negotiations (one per element) on a daily grid: the arithmetic of
    :func:`seller_ask` and :func:`buyer_offer`, compiled, one negotiation at a time (numpy
    raises to the tactic's power, outside the compiled loop, so that the numbers are numpy's;
    the linear tactic needs no power).

    Returns ``(close_day, price)``: the first day ``0..deadline`` where ask <= offer and the
    ask on that day; ``close_day = -1`` and ``price = nan`` where no agreement is reached.
    """
    def arr(x):
        return np.ascontiguousarray(x, dtype=float)

    deadline = np.ascontiguousarray(deadline, dtype=np.int64)
    return _settle(arr(list_price), arr(floor), arr(reservation), deadline, concession(deadline, exponent),
                   float(opening))


def concession(deadline: np.ndarray, exponent: float) -> np.ndarray:
    """The tactic's concession ``f(t) = (t/T)^(1/e)`` for each negotiation (rows) and day, as
    :func:`seller_ask` computes it; empty for the linear tactic (``f(t) = t/T``, no power)."""
    if exponent == 1.0 or deadline.size == 0:
        return np.empty((0, 0))
    days = np.arange(int(deadline.max()) + 1)[None, :]
    return np.power(np.clip(days / deadline[:, None].astype(float), 0.0, 1.0), 1.0 / exponent)
