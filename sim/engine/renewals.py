"""Annual renewals: the renewal calendar, the churn and expansion decision at a renewal.

A subscription customer of a segment with ``renewal = "annual"`` can churn only at the
anniversaries of its win (day won + 365, + 730, ...). At each one it leaves with the yearly
equivalent of the segment's ``monthly_churn``, times its churn multiplier (discount and brand
memory at signature) and its account-care factor; a customer who stays may expand its
contract (``expansion_rate``, ``expansion_size``).

The calendar is a bucket queue: for each day, the customers whose renewal falls on it, filled
at the win and again one year on at each renewal. A day's work is proportional to the day's
renewals; a customer who churned (or was won again) since it was queued is skipped when its
old day comes, because its ``next_day`` no longer matches.

Draws are keyed (:class:`sim.engine.keyed.Kind` ``RENEWAL``) by the customer, its contract
(its number of stage changes at the win) and the renewal's number in that contract: a
counterfactual run redraws only the renewals it changes.
"""

from __future__ import annotations

import numpy as np
from numba import njit

from sim.engine.customers import Stage
from sim.engine.kernels import _segment, unique
from sim.engine.keyed import Kind, _uniform

__all__ = ["COLUMNS", "YEAR_DAYS", "Renewals", "care_factor", "renewal_churn_probability", "yearly_probability"]

#: Days between renewals.
YEAR_DAYS = 365

#: The day's renewal columns of the time series (present only when a segment renews annually).
COLUMNS = ("renewals", "renewal_churned", "expansions", "renewal_arr", "renewed_arr", "expansion_arr")

# Which draw of a renewal: the keyed uniform's second counter is 4 x renewal number + purpose.
_FIRST_DATE, _CHURN, _EXPAND = 0, 1, 2


def yearly_probability(monthly: np.ndarray | float) -> np.ndarray | float:
    """Probability over twelve months of an event of probability ``monthly`` each month."""
    return 1.0 - (1.0 - np.asarray(monthly, dtype=float)) ** 12


@njit(cache=True)
def care_factor(effect, care):
    """What account care leaves of churn: ``1 - effect x care`` (care and effect in [0, 1])."""
    return 1.0 - effect * care


@njit(cache=True)
def renewal_churn_probability(yearly, multiplier, effect, care):
    """Churn probability at a renewal: ``yearly x multiplier x (1 - effect x care)``, in [0, 1]."""
    return min(max(yearly * multiplier * care_factor(effect, care), 0.0), 1.0)


class Renewals:
    """The renewal calendar of one run and the day's renewal counters.

    Parameters
    ----------
    n : number of customers.
    horizon : days simulated (renewals on or after it are not queued).
    keys : the run's keyed draws (:class:`sim.engine.keyed.Keys`).
    """

    def __init__(self, n: int, horizon: int, keys) -> None:
        self.horizon = int(horizon)
        self.keys = keys
        self.next_day = np.full(n, -1, dtype=np.int32)  # next renewal day (-1: none queued)
        self.number = np.zeros(n, dtype=np.int32)  # renewals so far in the current contract
        self._buckets: dict[int, list[np.ndarray]] = {}
        self._reset()

    def _reset(self) -> None:
        self.renewals = self.churned = self.expansions = 0
        self.renewal_arr = self.renewed_arr = self.expansion_arr = 0.0

    def row(self) -> dict[str, float]:
        """The day's renewal columns (:data:`COLUMNS`)."""
        values = (self.renewals, self.churned, self.expansions, self.renewal_arr, self.renewed_arr, self.expansion_arr)
        return dict(zip(COLUMNS, values))

    # ------------------------------------------------------------------ the calendar
    def start(self, idx: np.ndarray, day: int, moves: np.ndarray, initial: bool = False) -> None:
        """Contracts of ``idx`` signed on ``day``: the first renewal one year later.

        Initial customers (``initial``) signed at some time in the year before the run: their
        first renewal is a keyed day spread uniformly over ``day + 1 .. day + 365``.
        """
        if idx.size == 0:
            return
        idx = np.asarray(idx, dtype=np.int64)
        self.number[idx] = 0
        if initial:
            u = self.keys.uniform(Kind.RENEWAL, idx, moves[idx], _FIRST_DATE)
            self._queue(idx, day + 1 + np.minimum(np.floor(u * YEAR_DAYS).astype(np.int64), YEAR_DAYS - 1))
        else:
            self._queue_on(idx, day + YEAR_DAYS)

    def _queue_on(self, idx: np.ndarray, day: int) -> None:
        """Queue the next renewal of ``idx`` on ``day`` (what :meth:`_queue` does when all fall on one day)."""
        if day >= self.horizon:
            self.next_day[idx] = -1
            return
        self.next_day[idx] = day
        if idx.size:
            self._buckets.setdefault(day, []).append(idx)

    def _queue(self, idx: np.ndarray, when: np.ndarray) -> None:
        inside = when < self.horizon
        self.next_day[idx] = np.where(inside, when, -1)
        idx, when = idx[inside], when[inside]
        if idx.size == 0:
            return
        if when[0] == when[-1] and (when == when[0]).all():
            self._buckets.setdefault(int(when[0]), []).append(idx)
            return
        order = np.argsort(when, kind="stable")
        idx, when = idx[order], when[order]
        days, first = np.unique(when, return_index=True)
        for d, part in zip(days.tolist(), np.split(idx, first[1:])):
            self._buckets.setdefault(d, []).append(part)

    def due(self, day: int, stage: np.ndarray) -> np.ndarray:
        """Customers whose renewal is today and who are still customers (sorted, unique)."""
        parts = self._buckets.pop(day, None)
        if not parts:
            return np.empty(0, dtype=np.int64)
        return _due(parts[0] if len(parts) == 1 else np.concatenate(parts), day, self.next_day, stage)

    # ------------------------------------------------------------------ the decision
    def step(self, day: int, customers, segments) -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray]:
        """Today's renewals: who comes up, who churns, who expands and to what price.

        Counts the day's renewals (and the ARR that came up, renewed and was added) and queues
        the next renewal of those who stay. Returns ``(due, churns, expanding, new_price)``
        (``churns``: a mask over ``due``); the model books them (ARR, attribution, stage).
        """
        self._reset()
        idx = self.due(day, customers.stage)
        if idx.size == 0:
            empty = np.empty(0, dtype=np.int64)
            return empty, np.empty(0, dtype=bool), empty, np.empty(0, dtype=np.float32)
        churn = np.empty(idx.size, dtype=np.bool_)
        grow = np.empty(idx.size, dtype=np.bool_)
        grown_price = np.empty(idx.size, dtype=np.float32)
        _decide(idx, self.keys.root, customers.moves, self.number, customers.churn_multiplier, customers.account_care,
                customers.price, customers.segment_start, segments.churn_yearly, segments.care_effect,
                segments.expansion_rate, segments.expansion_size, churn, grow, grown_price)
        price = customers.price[idx].astype(float)
        stay = ~churn
        self.renewals = int(idx.size)
        self.churned = int(idx.size - np.count_nonzero(stay))
        self.renewal_arr = float(price.sum())
        self.renewed_arr = float(price[stay].sum())
        kept = idx[stay]
        expanding = idx[grow]
        old = customers.price[expanding]
        new = grown_price[grow]
        self.expansions = int(expanding.size)
        self.expansion_arr = float(new.astype(float).sum() - old.astype(float).sum())
        self.number[kept] += 1
        self._queue_on(kept, day + YEAR_DAYS)
        return idx, churn, expanding, new


@njit(cache=True)
def _due(queued, day, next_day, stage):
    """The customers of ``queued`` (sorted, each once) whose renewal is still ``day`` and who are still customers."""
    idx = unique(queued)
    k = 0
    for i in range(idx.size):
        c = idx[i]
        if next_day[c] == day and stage[c] == _CUSTOMER:
            idx[k] = c
            k += 1
    return idx[:k]


@njit(cache=True)
def _decide(idx, root, moves, number, churn_multiplier, account_care, price, segment_start, churn_yearly,
            care_effect, expansion_rate, expansion_size, churn, grow, grown_price):
    """Each renewal's draws, compiled: churn at :func:`renewal_churn_probability`, else expand
    at the segment's ``expansion_rate`` to ``price x (1 + expansion_size)`` (float32), keyed by
    the customer, its contract (stage changes at the win) and the renewal's number in it."""
    for i in range(idx.size):
        c = idx[i]
        s = _segment(c, segment_start)
        contract = np.int64(moves[c])
        occasion = 4 * (np.int64(number[c]) + 1)
        p = renewal_churn_probability(churn_yearly[s], np.float64(churn_multiplier[c]), care_effect[s],
                                      np.float64(account_care[c]))
        churn[i] = _uniform(root, _RENEWAL, c, contract, occasion + _CHURN) < p
        grow[i] = not churn[i] and _uniform(root, _RENEWAL, c, contract, occasion + _EXPAND) < expansion_rate[s]
        grown_price[i] = np.float32(np.float64(price[c]) * (1.0 + expansion_size[s]))


_RENEWAL = Kind.RENEWAL
_CUSTOMER = int(Stage.CUSTOMER)
