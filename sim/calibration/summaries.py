"""What a simulation is compared on: its CRM table, reduced to a vector of summaries.

:func:`simulate` is the task every calibration run executes (a scenario, a seed, a
replication -> the CRM table the run's company would show). :class:`Summaries` turns a CRM
table into a vector the emulator learns:

- flow metrics (leads, deals, new ARR, ...): sums over consecutive blocks of months
  (``block``, default 3: quarters), which keeps the trend and averages the monthly noise;
- stock metrics (customers, ARR): the value at the end of each block;
- ratio metrics (average deal, median cycle): one value over the whole window (deals pooled);
- everything on ``log1p`` scale, where counts' noise is roughly the same at every level.

Months with missing data are left out of a block's sum in the data and in the simulation
alike (the same months), so the two stay comparable.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pandas as pd

from sim.calibration.crm import FLOW_METRICS, RATIO_METRICS, STOCK_METRICS, crm_from_run, metric_columns
from sim.scenario.schema import Scenario

__all__ = ["Summaries", "simulate"]


def simulate(scenario: Scenario, seed: int, replication: int) -> pd.DataFrame:
    """One run of ``scenario``, as the CRM table of its company (every month of the run)."""
    from sim.running.run import run_one

    part = run_one(scenario, seed, replication)
    return crm_from_run(part.timeseries, part.deals, scenario)


def _base(column: str) -> str:
    for metric in FLOW_METRICS + STOCK_METRICS + RATIO_METRICS:
        if column == metric or column.startswith(metric + "_"):
            return metric
    raise KeyError(column)


@dataclass(frozen=True)
class Summaries:
    """The summaries of a CRM table over the first ``months`` months, for ``columns``."""

    columns: tuple[str, ...]
    months: int
    missing: tuple[tuple[bool, ...], ...]  # per column, per month: the data lack that value
    block: int = 3

    @classmethod
    def of_data(cls, data: pd.DataFrame, metrics: list[str] | None = None, block: int = 3) -> "Summaries":
        """The summaries a data table supports: its metric columns (``metrics``: only those)."""
        columns = [c for c in metric_columns(data) if metrics is None or _base(c) in metrics]
        columns = [c for c in columns if data[c].notna().any()]
        missing = tuple(tuple(bool(v) for v in data[c].isna()) for c in columns)
        return cls(tuple(columns), len(data), missing, block)

    @property
    def names(self) -> list[str]:
        """One name per entry of :meth:`vector`."""
        out = []
        for column in self.columns:
            if _base(column) in RATIO_METRICS:
                out.append(f"{column}:all")
            else:
                out += [f"{column}:{start + 1}-{min(start + self.block, self.months)}"
                        for start in range(0, self.months, self.block)]
        return out

    def vector(self, table: pd.DataFrame) -> np.ndarray:
        """The summaries of ``table`` (at least ``months`` rows; later rows are ignored)."""
        out: list[float] = []
        for column, missing in zip(self.columns, self.missing):
            values = table[column].to_numpy(dtype=float)[: self.months].copy()
            values[np.array(missing)] = np.nan
            kind = _base(column)
            if kind in RATIO_METRICS:
                if kind == "avg_deal_usd" and "new_customers" in table:
                    weights = table["new_customers"].to_numpy(dtype=float)[: self.months]
                    ok = ~np.isnan(values) & (weights > 0)
                    pooled = np.sum(values[ok] * weights[ok]) / np.sum(weights[ok]) if ok.any() else 0.0
                else:
                    pooled = float(np.nanmedian(values)) if np.isfinite(values).any() else 0.0
                out.append(np.log1p(pooled))
                continue
            for start in range(0, self.months, self.block):
                part = values[start : start + self.block]
                if kind in STOCK_METRICS:
                    seen = part[~np.isnan(part)]
                    value = seen[-1] if seen.size else 0.0
                else:
                    value = np.nansum(part)
                out.append(np.log1p(max(float(value), 0.0)))
        return np.array(out)
