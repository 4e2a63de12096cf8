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

__all__ = ["seller_ask", "buyer_offer", "settle"]


def seller_ask(day: np.ndarray, deadline: np.ndarray, list_price, floor, exponent: float) -> np.ndarray:
    """Seller's ask on ``day`` of a negotiation with the given deadline."""
    frac = np.clip(np.asarray(day, float) / np.asarray(deadline, float), 0.0, 1.0)
    conceded = np.power(frac, 1.0 / exponent)
    return floor + (list_price - floor) * (1.0 - conceded)


def buyer_offer(day: np.ndarray, deadline: np.ndarray, reservation, opening: float) -> np.ndarray:
    """Buyer's offer on ``day``: from ``opening * reservation`` up to ``reservation``."""
    frac = np.clip(np.asarray(day, float) / np.asarray(deadline, float), 0.0, 1.0)
    return reservation * (opening + (1.0 - opening) * frac)


def settle(
    list_price: np.ndarray,
    floor: np.ndarray,
    reservation: np.ndarray,
    deadline: np.ndarray,
    exponent: float,
    opening: float,
) -> tuple[np.ndarray, np.ndarray]:
    """Outcome of negotiations (one per element) on a daily grid.

    Returns ``(close_day, price)``: the first day ``0..deadline`` where ask <= offer and the
    ask on that day; ``close_day = -1`` and ``price = nan`` where no agreement is reached.
    """
    list_price = np.asarray(list_price, float)
    n = list_price.shape[0]
    close_day = np.full(n, -1, dtype=np.int64)
    price = np.full(n, np.nan)
    if n == 0:
        return close_day, price
    deadline = np.asarray(deadline, np.int64)
    days = np.arange(int(deadline.max()) + 1)[None, :]
    T = deadline[:, None]
    ask = seller_ask(days, T, list_price[:, None], np.asarray(floor, float)[:, None], exponent)
    offer = buyer_offer(days, T, np.asarray(reservation, float)[:, None], opening)
    agree = (ask <= offer) & (days <= T)
    any_agree = agree.any(axis=1)
    first = np.argmax(agree, axis=1)
    close_day[any_agree] = first[any_agree]
    price[any_agree] = ask[np.flatnonzero(any_agree), first[any_agree]]
    return close_day, price
