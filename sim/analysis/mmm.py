"""Synthetic marketing-mix-model (MMM) data with the ground truth MMMs try to recover.

``marketsim export-mmm RUN_OR_SCENARIO --out data.csv`` writes

- ``data.csv``: one row per complete week (``date``: the Monday starting it): ``spend_<channel>``
  and ``impressions_<channel>`` (media); the target ``new_bookings_usd`` (a flow: the yearly
  contract value of subscriptions won that week plus the week's order revenue), beside
  ``revenue`` (recognised revenue, mostly a stock of running subscriptions that no adstock can
  represent: not a good MMM target); ``sales_headcount`` and the mediators ``sales_cost`` and
  ``outbound_calls`` (both move with the leads marketing brings: not controls);
- ``data.json``: ``date_column``, ``target_column``, ``channel_columns``, ``control_columns``
  (only columns that vary and that marketing does not cause; may be empty) and the other
  columns labelled (``mediator_columns``, ``other_columns``); with replications, ``truth_precision``
  (per channel, the expected ROAS's 95% half-width relative to it and the realizations a +-25%
  interval would need);
- ``data_truth.csv``: per channel (and ``all_channels``), from counterfactual runs without it
  on common random numbers, over the CSV's own window of complete weeks: ``spend_usd``,
  ``incremental_bookings_usd``, ``roas`` (incremental bookings / spend) and ``roi``; the
  long-run truth ``long_run_incremental_revenue_usd`` / ``long_run_roas`` (expected lifetime
  revenue of the extra subscriptions, ARR / 12 / monthly churn, plus the extra orders in the
  window); ``incremental_revenue_usd`` (recognised revenue over the whole horizon). With
  ``replications`` R: ``expected_roas``, ``expected_roas_low``, ``expected_roas_high`` (the mean
  over R realizations and its 95% interval), ``roas_realization_sd`` (how far one
  realization's own truth scatters around it) and the same for ``long_run_roas``;
  ``expected_roas_relative_half_width`` and ``replications_for_25pct``;
- ``data_truth_weekly.csv``: the weekly incremental bookings and revenue of each channel.

One-channel-off contributions need not add up to ``all_channels``: channels interact
(saturation of the same customers, brand memory feeding clicks).
"""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import pandas as pd

from sim.running.executors import Executor
from sim.scenario.schema import Purchase, Scenario, ScenarioError
from sim.scenario.variants import without_channel

__all__ = ["TARGET", "TRUTH_PRECISION", "channel_truth", "complete_weeks", "daily_bookings", "export_mmm",
           "replications_for", "truth_precision", "weekly_table"]

#: The MMM target column: a flow that marketing moves week by week.
TARGET = "new_bookings_usd"
#: The relative half-width of the expected ROAS's 95% interval that the truth aims at.
TRUTH_PRECISION = 0.25
#: Columns that follow the leads marketing brings (commissions, calls): mediators, not controls.
MEDIATORS = ("sales_cost", "outbound_calls")

CONTROLS = {"headcount": "sales_headcount", "sales_cost": "sales_cost", "outbound_calls": "outbound_calls"}


def _week_start(dates: pd.Series) -> pd.Series:
    d = pd.to_datetime(dates)
    return (d - pd.to_timedelta(d.dt.day_of_week, unit="D")).dt.normalize()


def complete_weeks(scenario: Scenario) -> int:
    """Monday-to-Sunday weeks wholly inside the horizon (the rows of the export)."""
    start = pd.Timestamp(scenario.time.start_date)
    first_monday = (7 - start.day_of_week) % 7
    return max(0, (scenario.time.horizon_days - first_monday) // 7)


def daily_bookings(timeseries: pd.DataFrame, deals: pd.DataFrame, scenario: Scenario) -> np.ndarray:
    """Daily new bookings: the contract value of subscriptions won that day plus order revenue."""
    subscription = {name: seg.purchase is Purchase.SUBSCRIPTION for name, seg in scenario.market.segments.items()}
    steps = len(timeseries)
    booked = np.zeros(steps)
    if len(deals):
        mask = deals["segment"].map(subscription).to_numpy(dtype=bool)
        np.add.at(booked, deals["day"].to_numpy(dtype=int)[mask], deals["price_usd"].to_numpy(dtype=float)[mask])
    return booked + timeseries["revenue_orders"].to_numpy(dtype=float)


def _long_run_revenue(deals: pd.DataFrame, timeseries: pd.DataFrame, scenario: Scenario, window: np.ndarray) -> float:
    """Expected lifetime revenue of the subscriptions won in the window (ARR / 12 / monthly
    churn per segment) plus the window's order revenue (later repeat orders not counted)."""
    total = float(timeseries["revenue_orders"].to_numpy(dtype=float)[window].sum())
    if len(deals):
        in_window = window[deals["day"].to_numpy(dtype=int)]
        for name, seg in scenario.market.segments.items():
            if seg.purchase is not Purchase.SUBSCRIPTION:
                continue
            arr = float(deals.loc[in_window & (deals["segment"] == name).to_numpy(), "price_usd"].sum())
            months = 1.0 / seg.monthly_churn if seg.monthly_churn > 0 else scenario.time.horizon_days / 30.0
            total += arr / 12.0 * months
    return total


def weekly_table(timeseries: pd.DataFrame, channels: list[str], bookings: np.ndarray | None = None) -> pd.DataFrame:
    """Weekly MMM input from one replication's daily timeseries (only complete weeks)."""
    ts = timeseries.copy()
    ts["week"] = _week_start(ts["date"])
    if bookings is not None:
        ts[TARGET] = bookings
    sums = {f"spend_{c}": "sum" for c in channels}
    sums.update({f"impressions_{c}": "sum" for c in channels})
    if bookings is not None:
        sums[TARGET] = "sum"
    sums.update({"revenue": "sum", "sales_cost": "sum", "outbound_calls": "sum", "headcount": "mean",
                 "step": "count"})
    weekly = ts.groupby("week", sort=True).agg(sums)
    weekly = weekly[weekly["step"] == 7].drop(columns="step")
    weekly = weekly.rename(columns={"headcount": "sales_headcount"})
    weekly.index.name = "date"
    out = weekly.reset_index()
    out["date"] = out["date"].dt.date.astype(str)
    order = (["date"] + [f"spend_{c}" for c in channels] + [f"impressions_{c}" for c in channels]
             + ([TARGET] if bookings is not None else []) + ["revenue", "sales_headcount", "sales_cost",
                                                             "outbound_calls"])
    return out[order]


def _variants(scenario: Scenario) -> list[Scenario]:
    channels = list(scenario.channels)
    all_off = scenario.with_overrides({k: v for c in channels for k, v in
                                       {f"channels.{c}.monthly_budget_usd": 0.0,
                                        f"channels.{c}.schedule_usd": None}.items()})
    return [scenario] + [without_channel(scenario, c) for c in channels] + [all_off]


def _truth_of(scenario: Scenario, results: list) -> tuple[pd.DataFrame, pd.DataFrame, pd.DataFrame]:
    """Weekly data, per-channel truth and weekly truth from one realization's runs (full first)."""
    channels = list(scenario.channels)
    full = results[0].timeseries
    bookings = [daily_bookings(r.timeseries, r.deals, scenario) for r in results]
    weeks = _week_start(full["date"])
    days_in_week = weeks.map(weeks.value_counts())
    window = (days_in_week == 7).to_numpy()
    data = weekly_table(full, channels, bookings[0])
    margin = scenario.economics.gross_margin
    long_full = _long_run_revenue(results[0].deals, full, scenario, window)
    target_total = float(bookings[0][window].sum())
    rows, weekly_truth = [], {}
    for name, result, booked in zip(channels + ["all_channels"], results[1:], bookings[1:]):
        names = channels if name == "all_channels" else [name]
        spend = float(full[[f"spend_{c}" for c in names]].to_numpy()[window].sum())
        incremental = bookings[0] - booked
        value = float(incremental[window].sum())
        revenue = full["revenue"].to_numpy() - result.timeseries["revenue"].to_numpy()
        long_run = long_full - _long_run_revenue(result.deals, result.timeseries, scenario, window)
        rows.append({
            "channel": name,
            "spend_usd": spend,
            "incremental_bookings_usd": value,
            "roas": value / spend if spend else np.nan,
            "roi": (value * margin - spend) / spend if spend else np.nan,
            "share_of_target": value / target_total if target_total else np.nan,
            "long_run_incremental_revenue_usd": long_run,
            "long_run_roas": long_run / spend if spend else np.nan,
            "incremental_revenue_usd": float(revenue.sum()),
        })
        weekly_truth[f"incremental_bookings_{name}"] = incremental
        weekly_truth[f"incremental_revenue_{name}"] = revenue
    daily = pd.DataFrame(weekly_truth)
    daily["week"] = weeks.to_numpy()
    daily["days"] = 1
    weekly = daily.groupby("week", sort=True).sum()
    weekly = weekly[weekly["days"] == 7].drop(columns="days")
    weekly.index.name = "date"
    weekly = weekly.reset_index()
    weekly["date"] = weekly["date"].dt.date.astype(str)
    return data, pd.DataFrame(rows), weekly


def channel_truth(scenario: Scenario, seed: int, replication: int = 0, workers: int | None = 1,
                  progress: bool = False, replications: int = 1, executor: Executor | None = None,
                  ) -> tuple[pd.DataFrame, pd.DataFrame, pd.DataFrame]:
    """Run the scenario and its counterfactuals (each channel off; all channels off) with common
    random numbers, for replications ``replication .. replication + replications - 1`` in one
    batch (one progress bar); return (weekly data, per-channel truth, weekly truth) of the first,
    the truth with ``expected_*`` columns when ``replications`` > 1."""
    from sim.running.executors import run_tasks
    from sim.running.run import run_one
    from sim.running.statistics import mean_interval

    if not scenario.channels:
        raise ScenarioError(f"{scenario.name}: has no marketing channels; nothing to export")
    if complete_weeks(scenario) < 1:
        raise ScenarioError(
            f"time.horizon_days: {scenario.time.horizon_days} holds no complete Monday-Sunday week from "
            f"{scenario.time.start_date}; an MMM needs weeks (at least 7 days from a Monday, ideally 2 years)")
    variants = _variants(scenario)
    reps = list(range(replication, replication + replications))
    tasks = [dict(scenario=v, seed=seed, replication=r) for r in reps for v in variants]
    results = run_tasks(run_one, tasks, workers=workers, executor=executor, progress=progress,
                        desc="counterfactuals")
    n = len(variants)
    realizations = [_truth_of(scenario, results[i * n:(i + 1) * n]) for i in range(len(reps))]
    data, truth, weekly = realizations[0]
    if replications > 1:
        truth = truth.copy()
        for column in ("roas", "long_run_roas"):
            values = np.array([t[column].to_numpy() for _, t, _ in realizations], dtype=float)
            stats = [mean_interval(list(values[:, i])) for i in range(values.shape[1])]
            truth[f"expected_{column}"] = [s["mean"] for s in stats]
            truth[f"expected_{column}_low"] = [s["low"] for s in stats]
            truth[f"expected_{column}_high"] = [s["high"] for s in stats]
            truth[f"{column}_realization_sd"] = pd.DataFrame(values).std(ddof=1).to_numpy()
        truth["expected_roas_relative_half_width"] = _relative_half_width(truth)
        truth["replications_for_25pct"] = [replications_for(sd, mean, TRUTH_PRECISION) for sd, mean in
                                           zip(truth["roas_realization_sd"], truth["expected_roas"])]
        truth["replications"] = replications
    return data, truth, weekly


def _relative_half_width(truth: pd.DataFrame) -> np.ndarray:
    """Half the expected ROAS's 95% interval over its absolute value (NaN where the mean is 0)."""
    half = (truth["expected_roas_high"] - truth["expected_roas_low"]).to_numpy(dtype=float) / 2
    mean = truth["expected_roas"].abs().to_numpy(dtype=float)
    with np.errstate(divide="ignore", invalid="ignore"):
        return np.where(mean > 0, half / mean, np.nan)


def replications_for(sd: float, mean: float, relative: float, level: float = 0.95) -> float:
    """Realizations whose mean has a ``level`` interval within +-``relative`` of ``mean``, given
    one realization's standard deviation ``sd`` (Student-t); NaN where the mean or sd is unknown
    or zero."""
    from scipy import stats

    if not (np.isfinite(sd) and np.isfinite(mean)) or mean == 0:
        return np.nan
    target = relative * abs(mean)
    n = max(2, int(np.ceil((stats.norm.ppf(0.5 + level / 2) * sd / target) ** 2)))
    while stats.t.ppf(0.5 + level / 2, n - 1) * sd / np.sqrt(n) > target:
        n += 1
    return float(n)


def truth_precision(truth: pd.DataFrame) -> dict:
    """How sure the expected ROAS is, per channel: the 95% half-width relative to the ROAS and the
    realizations a +-25% interval would need (empty without ``expected_roas``)."""
    if "expected_roas" not in truth:
        return {}
    rows = truth.set_index("channel")
    return {
        "replications": int(rows["replications"].iloc[0]),
        "expected_roas_relative_half_width": {c: _finite(v) for c, v in
                                              rows["expected_roas_relative_half_width"].items()},
        "replications_for_25pct": {c: _finite(v) for c, v in rows["replications_for_25pct"].items()},
    }


def _finite(value: float) -> float | None:
    return float(value) if np.isfinite(value) else None


def mmm_columns(data: pd.DataFrame, channels: list[str]) -> dict:
    """What an MMM should read from the export: target, channels, controls (varying and not
    caused by marketing), and the rest labelled."""
    constant = [c for c in data.columns if c != "date" and data[c].nunique() <= 1]
    controls = [c for c in ("sales_headcount",) if c not in constant]
    return {
        "date_column": "date",
        "target_column": TARGET,
        "channel_columns": [f"spend_{c}" for c in channels],
        "control_columns": controls,
        "impression_columns": [f"impressions_{c}" for c in channels],
        "mediator_columns": list(MEDIATORS),
        "constant_columns": constant,
        "other_columns": ["revenue"],
        "notes": {
            "new_bookings_usd": "yearly contract value of subscriptions won in the week + the week's order revenue",
            "revenue": "recognised revenue: mostly running subscriptions (a stock), not a target for adstock models",
            "mediator_columns": "move with the leads marketing brings (commissions, calls): not controls",
            "constant_columns": "no variation in this export: carry no information for a model",
        },
    }


def export_mmm(scenario: Scenario, out: str | Path, seed: int = 0, replication: int = 0,
               workers: int | None = None, progress: bool = False, replications: int = 1,
               executor: Executor | None = None) -> list[Path]:
    """Write the weekly MMM table, its column description and its ground truth next to it;
    return the paths written (data.csv, data_truth.csv, data_truth_weekly.csv, data.json).

    The ``roas`` columns describe the exported realization (its own counterfactuals). With
    ``replications`` > 1, ``expected_*`` columns add the mean and 95% interval over that many
    realizations (replications ``replication`` onward): one realization's contribution of a
    single channel is noisy, because removing a channel changes later random draws.
    """
    out = Path(out)
    if out.suffix != ".csv":
        raise ScenarioError(f"--out {out}: must end in .csv (the truth goes to <name>_truth.csv beside it)")
    data, truth, weekly = channel_truth(scenario, seed, replication, workers=workers, progress=progress,
                                        replications=replications, executor=executor)
    out.parent.mkdir(parents=True, exist_ok=True)
    paths = [out, out.with_name(f"{out.stem}_truth.csv"), out.with_name(f"{out.stem}_truth_weekly.csv"),
             out.with_suffix(".json")]
    data.to_csv(paths[0], index=False)
    truth.to_csv(paths[1], index=False)
    weekly.to_csv(paths[2], index=False)
    columns = mmm_columns(data, list(scenario.channels))
    precision = truth_precision(truth)
    if precision:
        columns["truth_precision"] = precision
    paths[3].write_text(json.dumps(columns, indent=2) + "\n")
    return paths
