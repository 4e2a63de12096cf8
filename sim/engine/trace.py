"""Journeys of a sample of customers: every stage change, touch, price paid and renewal.

Off by default; ``run(..., trace=20)`` or ``marketsim run ... --trace 20`` follows 20
customers drawn at random. Recording costs work proportional to the events of the traced
customers only (a boolean mask tells whether a batch contains any).
"""

from __future__ import annotations

from typing import TYPE_CHECKING

import numpy as np

from sim.engine.customers import STAGES

if TYPE_CHECKING:
    from sim.engine.model import MarketModel

__all__ = ["Journeys", "JOURNEY_COLUMNS"]

JOURNEY_COLUMNS = ["customer", "segment", "step", "date", "event", "from_stage", "to_stage", "detail", "price_usd"]


class Journeys:
    def __init__(self, model: "MarketModel", count: int, rng: np.random.Generator) -> None:
        n = model.customers.n
        self.model = model
        self.ids = np.sort(rng.choice(n, size=min(count, n), replace=False))
        self.mask = np.zeros(n, dtype=bool)
        self.mask[self.ids] = True
        self.rows: list[tuple] = []

    def _hits(self, idx: np.ndarray) -> np.ndarray:
        return np.flatnonzero(self.mask[idx])

    def _base(self, customer: int, day: int) -> tuple:
        model = self.model
        segment = model.segments.names[int(model.customers.segment_of(np.array([customer]))[0])]
        return customer, segment, day, model.date_of(day).isoformat()

    def stage_change(self, idx: np.ndarray, old: np.ndarray, to: int, day: int, cause: str) -> None:
        for k in self._hits(idx):
            customer = int(idx[k])
            self.rows.append((*self._base(customer, day), "stage", STAGES[int(old[k])], STAGES[int(to)], cause, np.nan))

    def touch(self, idx: np.ndarray, touchpoint: int, day: int, counts) -> None:
        names = self.model.touchpoints
        for k in self._hits(idx):
            customer = int(idx[k])
            n = int(counts if np.isscalar(counts) else counts[k])
            kind = "sales_touch" if names[touchpoint] == "sales" else "marketing_touch"
            stage = STAGES[int(self.model.customers.stage[customer])]
            detail = names[touchpoint] + (f" x{n}" if n > 1 else "")
            self.rows.append((*self._base(customer, day), kind, stage, stage, detail, np.nan))

    def deal(self, idx: np.ndarray, price: np.ndarray, day: int) -> None:
        for k in self._hits(idx):
            customer = int(idx[k])
            self.rows.append((*self._base(customer, day), "deal", "", "customer", "price paid", float(price[k])))

    def renewal(self, renewed: np.ndarray, expanded: np.ndarray, price: np.ndarray, day: int) -> None:
        """Customers who renewed their contract today (``expanded``: at a higher price)."""
        grew = set(expanded[self._hits(expanded)].tolist())
        for k in self._hits(renewed):
            customer = int(renewed[k])
            detail = "expanded" if customer in grew else "renewed"
            self.rows.append((*self._base(customer, day), "renewal", "customer", "customer", detail,
                              float(price[customer])))

    def frame(self):
        import pandas as pd

        return pd.DataFrame(self.rows, columns=JOURNEY_COLUMNS)
