"""Synthetic marketing-mix-model (MMM) data with the ground truth MMMs try to recover.

``marketsim export-mmm RUN_OR_SCENARIO --out data.csv`` writes

- ``data.csv``: one row per week: ``date`` (the Monday starting the week), ``spend_<channel>``
  and ``impressions_<channel>`` (media), ``revenue`` (the target), controls
  (``sales_headcount``, ``sales_cost``, ``outbound_calls``); the wide shape PyMC-Marketing's
  MMM (``date_column="date"``, ``channel_columns=[spend_...]``, ``control_columns=[...]``)
  and Robyn (``date_var``, ``paid_media_spends``, ``dep_var``, ``context_vars``) read;
- ``data_truth.csv``: per channel, the incremental revenue and gross profit it caused, its
  spend, ROAS (incremental revenue / spend) and ROI ((incremental gross profit - spend) /
  spend), from a counterfactual run without that channel (``monthly_budget_usd = 0``, no
  ``schedule_usd``) with common random numbers (same seed and replication, so every other
  random draw is the same); a row ``all_channels`` switches every channel off at once;
  with ``--replications R``, ``expected_*`` columns give the mean and 95% interval over R
  realizations: one realization's single-channel contribution is noisy (removing a channel
  shifts later random draws), so compare MMM estimates with the expectation;
- ``data_truth_weekly.csv``: the weekly incremental revenue of each channel.

One-channel-off contributions need not add up to ``all_channels``: channels interact
(saturation of the same customers, brand memory feeding clicks).
"""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pandas as pd

from sim.running.executors import Executor
from sim.scenario.schema import Scenario, ScenarioError
from sim.scenario.variants import without_channel

__all__ = ["weekly_table", "channel_truth", "export_mmm"]

CONTROLS = {"headcount": "sales_headcount", "sales_cost": "sales_cost", "outbound_calls": "outbound_calls"}


def _week_start(dates: pd.Series) -> pd.Series:
    d = pd.to_datetime(dates)
    return (d - pd.to_timedelta(d.dt.day_of_week, unit="D")).dt.normalize()


def weekly_table(timeseries: pd.DataFrame, channels: list[str]) -> pd.DataFrame:
    """Weekly MMM input from one replication's daily timeseries (only complete weeks)."""
    ts = timeseries.copy()
    ts["week"] = _week_start(ts["date"])
    sums = {f"spend_{c}": "sum" for c in channels}
    sums.update({f"impressions_{c}": "sum" for c in channels})
    sums.update({"revenue": "sum", "sales_cost": "sum", "outbound_calls": "sum", "headcount": "mean",
                 "step": "count"})
    weekly = ts.groupby("week", sort=True).agg(sums)
    weekly = weekly[weekly["step"] == 7].drop(columns="step")
    weekly = weekly.rename(columns={"headcount": "sales_headcount"})
    weekly.index.name = "date"
    out = weekly.reset_index()
    out["date"] = out["date"].dt.date.astype(str)
    order = (["date"] + [f"spend_{c}" for c in channels] + [f"impressions_{c}" for c in channels]
             + ["revenue", "sales_headcount", "sales_cost", "outbound_calls"])
    return out[order]


def channel_truth(scenario: Scenario, seed: int, replication: int = 0, workers: int | None = 1,
                  progress: bool = False, executor: Executor | None = None,
                  ) -> tuple[pd.DataFrame, pd.DataFrame, pd.DataFrame]:
    """Run the scenario and its counterfactuals (each channel off; all channels off) with common
    random numbers; return (weekly data, per-channel truth, weekly incremental revenue)."""
    from sim.running.executors import run_tasks
    from sim.running.run import run_one

    channels = list(scenario.channels)
    if not channels:
        raise ScenarioError(f"{scenario.name}: has no marketing channels; nothing to export")
    all_off = scenario.with_overrides({k: v for c in channels for k, v in
                                       {f"channels.{c}.monthly_budget_usd": 0.0,
                                        f"channels.{c}.schedule_usd": None}.items()})
    variants = [scenario] + [without_channel(scenario, c) for c in channels] + [all_off]
    results = run_tasks(run_one, [dict(scenario=v, seed=seed, replication=replication) for v in variants],
                        workers=workers, executor=executor, progress=progress, desc="counterfactuals")
    full = results[0].timeseries
    data = weekly_table(full, channels)
    margin = scenario.economics.gross_margin
    rows, weekly_truth = [], {}
    for name, result in zip(channels + ["all_channels"], results[1:]):
        incremental = full["revenue"].to_numpy() - result.timeseries["revenue"].to_numpy()
        spend = float(full[[f"spend_{c}" for c in (channels if name == "all_channels" else [name])]].to_numpy().sum())
        revenue = float(incremental.sum())
        rows.append({
            "channel": name,
            "spend_usd": spend,
            "incremental_revenue_usd": revenue,
            "incremental_gross_profit_usd": revenue * margin,
            "roas": revenue / spend if spend else np.nan,
            "roi": (revenue * margin - spend) / spend if spend else np.nan,
            "share_of_revenue": revenue / float(full["revenue"].sum()) if full["revenue"].sum() else np.nan,
        })
        weekly_truth[f"incremental_revenue_{name}"] = incremental
    daily = pd.DataFrame(weekly_truth)
    daily["week"] = _week_start(full["date"]).to_numpy()
    daily["days"] = 1
    weekly = daily.groupby("week", sort=True).sum()
    weekly = weekly[weekly["days"] == 7].drop(columns="days")
    weekly.index.name = "date"
    weekly = weekly.reset_index()
    weekly["date"] = weekly["date"].dt.date.astype(str)
    return data, pd.DataFrame(rows), weekly


def _with_expectation(scenario: Scenario, truth: pd.DataFrame, seed: int, replication: int, replications: int,
                      workers: int | None, progress: bool, executor: Executor | None = None) -> pd.DataFrame:
    """Add the expected contribution over ``replications`` realizations (mean and 95% interval)."""
    from sim.running.statistics import mean_interval

    frames = [truth] + [channel_truth(scenario, seed, r, workers=workers, progress=progress, executor=executor)[1]
                        for r in range(replication + 1, replication + replications)]
    out = truth.copy()
    for column in ("incremental_revenue_usd", "roi"):
        values = np.array([f[column].to_numpy() for f in frames], dtype=float)
        stats = [mean_interval(list(values[:, i])) for i in range(values.shape[1])]
        out[f"expected_{column}"] = [s["mean"] for s in stats]
        out[f"expected_{column}_low"] = [s["low"] for s in stats]
        out[f"expected_{column}_high"] = [s["high"] for s in stats]
    out["replications"] = replications
    return out


def export_mmm(scenario: Scenario, out: str | Path, seed: int = 0, replication: int = 0,
               workers: int | None = None, progress: bool = False, replications: int = 1,
               executor: Executor | None = None) -> list[Path]:
    """Write the weekly MMM table and its ground truth next to it; return the paths written.

    The truth columns describe the exported realization (its own counterfactuals). With
    ``replications`` > 1, ``expected_*`` columns add the mean and 95% interval over that many
    realizations (replications ``replication`` onward): one realization's contribution of a
    single channel is noisy, because removing a channel changes later random draws.
    """
    out = Path(out)
    if out.suffix != ".csv":
        raise ScenarioError(f"--out {out}: must end in .csv (the truth goes to <name>_truth.csv beside it)")
    out.parent.mkdir(parents=True, exist_ok=True)
    data, truth, weekly = channel_truth(scenario, seed, replication, workers=workers, progress=progress,
                                        executor=executor)
    if replications > 1:
        truth = _with_expectation(scenario, truth, seed, replication, replications, workers, progress, executor)
    paths = [out, out.with_name(f"{out.stem}_truth.csv"), out.with_name(f"{out.stem}_truth_weekly.csv")]
    data.to_csv(paths[0], index=False)
    truth.to_csv(paths[1], index=False)
    weekly.to_csv(paths[2], index=False)
    return paths


