"""What each run of a sweep yields: end-of-run KPIs (:func:`kpi_row`) and its series rows.

The model is the pure function :func:`evaluate_chunk` (runs in, tables out); where the
chunks execute is an executor's business (:mod:`sim.running.executors`), so local processes
and a Dask cluster give identical results.
"""

from __future__ import annotations

import time
from typing import Any, Sequence

import numpy as np
import pandas as pd

from sim.scenario.schema import Scenario
from sim.sweep.design import RunSpec
from sim.sweep.spec import Record

__all__ = ["evaluate_chunk", "evaluate_task", "kpi_row"]


def _payback_day(cumulative: np.ndarray) -> float:
    """First day from which a cumulative series stays >= 0 to the end; NaN if it ends below 0."""
    if len(cumulative) == 0 or cumulative[-1] < 0:
        return float("nan")
    negative = np.flatnonzero(cumulative < 0)
    return float(negative[-1] + 1) if len(negative) else 0.0


def kpi_row(replication: Any, scenario: Scenario) -> dict[str, float]:
    """End-of-run KPIs of one replication (``run_one``'s result) as flat, always-present columns.

    Sections of the run summary become prefixes (``total_revenue_usd``, ``sales_win_rate``);
    missing values are NaN so every run has the same columns. Added from the run's ledger:

    - ``payback_day``: first day from which cumulative contribution (gross profit minus all
      costs) stays >= 0 until the horizon (NaN if it ends negative);
    - ``marketing_roi_attributed`` / ``sales_roi_attributed``: (gross profit on revenue the
      linear multi-touch rule credits to the function's touches - the function's cost) /
      its cost; ``marketing_attributed_payback_day`` / ``sales_attributed_payback_day``:
      first day from which cumulative attributed gross profit minus cost stays >= 0 (not the
      incremental payback of ``marketsim roi``, which compares runs without the function).
    """
    from sim.engine.customers import WON_BY

    summary = replication.summary
    row: dict[str, float] = {}
    for section in ("marketing", "sales", "total"):
        for key, value in summary[section].items():
            row[f"{section}_{key}"] = np.nan if value is None else float(value)
    relationship = summary.get("relationship", {})
    for how in WON_BY:
        if how == "none":
            continue
        for key in (f"won_{how}", f"churn_share_{how}"):
            row[f"relationship_{key}"] = float(relationship.get(key, np.nan))
    ts = replication.timeseries
    margin = scenario.economics.gross_margin
    row["payback_day"] = _payback_day(np.cumsum(ts["contribution"].to_numpy()))
    att = replication.attribution
    linear = att[att["method"] == "linear"]
    steps = len(ts)
    by_touch = linear.pivot_table(index="step", columns="touchpoint", values="revenue_usd", aggfunc="sum")
    by_touch = by_touch.reindex(range(steps)).fillna(0.0)
    channels = [c for c in scenario.channels if c in by_touch.columns]
    credited = {
        "marketing": by_touch[channels].sum(axis=1).to_numpy() if channels else np.zeros(steps),
        "sales": by_touch["sales"].to_numpy() if "sales" in by_touch.columns else np.zeros(steps),
    }
    for function, cost_column in (("marketing", "marketing_cost"), ("sales", "sales_cost")):
        cost = ts[cost_column].to_numpy()
        net = np.cumsum(credited[function] * margin - cost)
        total_cost = float(cost.sum())
        row[f"{function}_attributed_revenue_usd"] = float(credited[function].sum())
        row[f"{function}_roi_attributed"] = float(net[-1] / total_cost) if total_cost else np.nan
        row[f"{function}_attributed_payback_day"] = _payback_day(net) if total_cost else np.nan
    return row


def evaluate_chunk(
    base: Scenario, runs: Sequence[RunSpec], record: Record, series_columns: Sequence[str]
) -> tuple[list[str], pd.DataFrame | None, pd.DataFrame | None]:
    """Run each run of a chunk; return its run ids, its KPI rows and its series rows.

    A pure function of its arguments (each run carries its seed), so where it executes does
    not change what it returns.
    """
    from sim.running.run import run_one

    kpis, series = [], []
    for run in runs:
        scenario = base.with_overrides(run.overrides) if run.overrides else base
        result = run_one(scenario, seed=run.seed, replication=run.replication)
        ids = {"run_id": run.run_id, "point": run.point, "replication": run.replication, "seed": run.seed}
        if record in (Record.KPIS, Record.BOTH):
            kpis.append({**ids, **run.params, **kpi_row(result, scenario)})
        if record in (Record.SERIES, Record.BOTH):
            ts = result.timeseries
            frame = pd.DataFrame({"step": ts["step"].to_numpy(), "date": ts["date"].to_numpy()})
            for column in series_columns:
                frame[column] = ts[column].to_numpy()
            for key, value in reversed(list({**ids, **run.params}.items())):
                frame.insert(0, key, value)
            series.append(frame)
    ids = [r.run_id for r in runs]
    kpi_frame = pd.DataFrame(kpis) if kpis else None
    series_frame = pd.concat(series, ignore_index=True) if series else None
    return ids, kpi_frame, series_frame


def evaluate_task(task: tuple) -> tuple[list[str], pd.DataFrame | None, pd.DataFrame | None, float, float]:
    """``evaluate_chunk`` plus the CPU and wall seconds it took where it ran (for throughput figures)."""
    cpu, wall = time.process_time(), time.perf_counter()
    ids, kpis, series = evaluate_chunk(*task)
    return ids, kpis, series, time.process_time() - cpu, time.perf_counter() - wall


def outcome_columns(scenario: Scenario) -> list[str]:
    """The KPI columns :func:`kpi_row` gives for runs of ``scenario``.

    They depend on the channels and segments, not on the market's size, so a one-week run of
    200 customers tells them (about 50 ms).
    """
    from sim.running.run import run_one

    tiny = scenario.with_overrides({"market.population": 200, "time.horizon_days": 7})
    return list(kpi_row(run_one(tiny, 0), tiny))
