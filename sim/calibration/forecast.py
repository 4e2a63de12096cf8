"""Forecast: posterior draws run from the data's start through more months, as is and with a what-if.

Each of ``draws`` posterior draws (evenly spaced rows of ``posterior.csv``) runs twice on
the same seed and replication: as is (spend and headcount stay at the data's last month)
and with the what-if from the first forecast month (``sales.headcount=8`` becomes a hiring
plan entry, ``channels.search.monthly_budget_usd=30000`` a schedule change). The table
gives per month and metric the median and 90% interval over the draws of ``as_is``,
``what_if`` and ``effect`` (the paired difference on the same draw and seed), plus a row
``total`` per flow metric summing the forecast months.

Each draw runs with its own replication, so the spread over draws is the posterior
predictive: parameter uncertainty and the simulation's own randomness. The interval is a
prediction interval (:func:`sim.calibration.posterior.predictive_band`): with at least
:data:`~sim.calibration.posterior.MIN_BAND_DRAWS` draws it holds a new run 90% of the time;
fewer draws cannot give a 90% band (``ForecastResult.coverage`` says what they give).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any, Sequence

import numpy as np
import pandas as pd

from sim.calibration.crm import FLOW_METRICS, SEGMENT_METRICS, drive, metric_columns, month_labels
from sim.calibration.files import Calibrated
from sim.calibration.fit import FitError
from sim.calibration.posterior import BAND_LEVEL, band_coverage, overrides_of, predictive_band
from sim.calibration.summaries import simulate
from sim.running.executors import Executor, run_tasks

__all__ = ["DEFAULT_FORECAST_DRAWS", "FORECAST_COLUMNS", "ForecastResult", "forecast", "what_if_key"]

DEFAULT_FORECAST_DRAWS = 40
FORECAST_COLUMNS = ["scenario", "month", "metric", "median", "low", "high"]


def what_if_key(key: str) -> bool:
    """Keys a what-if may change from the first forecast month."""
    parts = key.split(".")
    return key == "sales.headcount" or (len(parts) == 3 and parts[0] == "channels" and parts[2] == "monthly_budget_usd")


@dataclass
class ForecastResult:
    """table: forecast.csv; runs: every draw's monthly values (long: ``scenario, draw, month, metric,
    value``, history months too); data: the CRM data; first: the first forecast month;
    coverage: how often a band of this many draws holds one more run (:func:`band_coverage`)."""

    table: pd.DataFrame
    runs: pd.DataFrame
    data: pd.DataFrame
    first: str
    what_if: dict[str, Any]
    coverage: float = BAND_LEVEL


def _flow(metric: str) -> bool:
    return metric in FLOW_METRICS or any(metric.startswith(m + "_") for m in SEGMENT_METRICS)


def forecast(
    calibration: Calibrated,
    months: int,
    what_if: Sequence[tuple[str, Any]] = (),
    *,
    overrides: dict[str, Any] | None = None,
    seed: int = 0,
    draws: int = DEFAULT_FORECAST_DRAWS,
    workers: int | None = None,
    executor: Executor | None = None,
    progress: bool = False,
) -> ForecastResult:
    """Run ``draws`` posterior draws through ``months`` more months (see the module docstring)."""
    if months < 1:
        raise FitError(f"--months: {months} is not allowed: must be >= 1")
    for key, _ in what_if:
        if not what_if_key(key):
            raise FitError(f"--what-if {key}: only sales.headcount and channels.<name>.monthly_budget_usd can "
                           "change from the first forecast month")
    posterior = calibration.posterior
    if draws > len(posterior):
        raise FitError(f"--draws: {draws} asked for, {calibration.folder / 'posterior.csv'} has {len(posterior)}")
    base = calibration.inputs.with_overrides(overrides) if overrides else calibration.inputs
    variants = {"as_is": drive(base, calibration.data, months)}
    if what_if:
        variants["what_if"] = drive(base, calibration.data, months, changes=list(what_if))
    points = overrides_of(posterior, draws)
    tasks = [dict(scenario=scenario.with_overrides(point), seed=seed, replication=i)
             for scenario in variants.values() for i, point in enumerate(points)]
    tables = run_tasks(simulate, tasks, workers=workers, executor=executor, progress=progress, desc="forecast")
    history = len(calibration.data)
    labels = month_labels(variants["as_is"].time.start_date, history + months)
    columns = [c for c in metric_columns(tables[0]) if c in tables[0]]
    values = {name: np.stack([t[columns].to_numpy(dtype=float) for t in tables[k * draws : (k + 1) * draws]])
              for k, name in enumerate(variants)}
    if what_if:
        values["effect"] = values["what_if"] - values["as_is"]
    frames = []
    for name, array in values.items():
        n_draws, n_months, n_columns = array.shape
        frames.append(pd.DataFrame({
            "scenario": name,
            "draw": np.repeat(np.arange(n_draws), n_months * n_columns),
            "month": np.tile(np.repeat(labels, n_columns), n_draws),
            "metric": np.tile(columns, n_draws * n_months),
            "value": array.reshape(-1),
        }))
    runs = pd.concat(frames, ignore_index=True)
    rows_out = []
    for name, array in values.items():
        future = array[:, history:, :]
        for j, metric in enumerate(columns):
            for m in range(months):
                rows_out.append(_row(name, labels[history + m], metric, future[:, m, j]))
            if _flow(metric):
                rows_out.append(_row(name, "total", metric, future[:, :, j].sum(axis=1)))
    table = pd.DataFrame(rows_out, columns=FORECAST_COLUMNS)
    return ForecastResult(table, runs, calibration.data, labels[history], dict(what_if), band_coverage(draws))


def _row(scenario: str, month: str, metric: str, values: np.ndarray) -> dict[str, Any]:
    values = np.where(np.isfinite(values), values, np.nan)
    low, mid, high = (float(v) for v in predictive_band(values))
    return {"scenario": scenario, "month": month, "metric": metric, "median": mid, "low": low, "high": high}
