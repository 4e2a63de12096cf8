"""Charts of the strategists' analyses: ROI timelines, attribution against the truth,
scenario comparisons and the optimiser's response curve.

Each function takes results (and optionally a figure), returns the figure, never calls ``show()``.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Mapping

import matplotlib.pyplot as plt
import numpy as np
import pandas as pd

from sim.formatting import day
from sim.plots.style import FUNCTION_COLORS, money_axis, monthly_totals, plot_monthly, time_axis

if TYPE_CHECKING:
    from sim.analysis.optimize import SplitResult
    from sim.analysis.roi import RoiResult

__all__ = ["plot_roi", "plot_attribution", "plot_funnel_comparison", "plot_economics_comparison", "plot_response_curve"]

SCENARIO_COLORS = ("#3182bd", "#e6550d", "#31a354", "#756bb1", "#636363", "#d6616b", "#8c6d31", "#17becf")
WINDOW = 30


def _colors(names) -> dict[str, str]:
    return {name: SCENARIO_COLORS[i % len(SCENARIO_COLORS)] for i, name in enumerate(names)}


def _series(result: "RoiResult", function: str, quantity: str) -> pd.DataFrame:
    tl = result.timeline
    return tl[(tl["function"] == function) & (tl["quantity"] == quantity)]


def plot_roi(results: Mapping[str, "RoiResult"], fig: plt.Figure | None = None) -> plt.Figure:
    """Incremental ROI of each function over time (mean and 95% band, payback day marked),
    and each function's incremental gross profit per calendar month: how long a
    function's contribution lasts, e.g. after its spend stops."""
    fig = fig or plt.figure(figsize=(13, 8))
    axes = fig.subplots(2, 2, sharex=True)
    colors = _colors(results)
    for col, function in enumerate(("marketing", "sales")):
        ax = axes[0, col]
        for name, result in results.items():
            s = _series(result, function, "roi")
            color = colors[name]
            if s["mean"].isna().all():
                ax.plot([], [], color=color, label=f"{name}: no {function} cost (ROI absent)")
                continue
            pay = result.payback[function]
            # The payback day goes in the legend: labels beside close markers would overlap.
            ax.plot(s["date"], s["mean"], color=color, lw=2, label=f"{name}: payback "
                    + (f"day {day(pay['mean'])}" if pay["mean"] is not None else "never"))
            ax.fill_between(s["date"], s["low"], s["high"], color=color, alpha=0.18, lw=0)
            if pay["mean"] is not None:
                when = s["date"].iloc[pay["mean"]]
                ax.axvline(when, color=color, ls=":", lw=1.2)
                ax.plot([when], [0], marker="o", color=color, ms=7)
        ax.axhline(0, color="black", lw=0.8)
        ax.set_title(f"{function}: incremental ROI (cumulative)")
        ax.set_ylabel("(incremental gross profit - cost) / cost")
        ax.legend(loc="upper left", frameon=False, fontsize=8)
        time_axis(ax)
        ax = axes[1, col]
        for name, result in results.items():
            s = _series(result, function, "daily_incremental_gross_profit_usd")
            color = colors[name]
            # Calendar-month totals of the mean over replications.
            plot_monthly(ax, monthly_totals(s["date"], s["mean"]), color=color, lw=2, label=name)
            cost = _series(result, function, "cost_usd")
            plot_monthly(ax, monthly_totals(cost["date"], cost["mean"].diff().fillna(cost["mean"].iloc[0])),
                         color=color, lw=1, ls="--")
        ax.axhline(0, color="black", lw=0.8)
        ax.set_title(f"{function}: incremental gross profit (solid) and cost (dashed) per month", fontsize=10)
        ax.set_ylabel("per calendar month (mean of replications)")
        money_axis(ax)
        time_axis(ax)
    fig.tight_layout()
    return fig


def plot_attribution(result: "RoiResult", fig: plt.Figure | None = None) -> plt.Figure:
    """Gross profit credited to each function by each heuristic, beside the incremental truth."""
    fig = fig or plt.figure(figsize=(11, 4.8))
    axes = fig.subplots(1, 2)
    table = result.attribution
    for ax, function in zip(axes, ("marketing", "sales")):
        rows = table[table["function"] == function].reset_index(drop=True)
        x = np.arange(len(rows))
        colors = ["black" if m == "incremental" else FUNCTION_COLORS[function] for m in rows["method"]]
        err = np.vstack([rows["gross_profit_usd"] - rows["gross_profit_usd_low"],
                         rows["gross_profit_usd_high"] - rows["gross_profit_usd"]])
        ax.bar(x, rows["gross_profit_usd"], color=colors, alpha=0.85, yerr=err, capsize=4)
        cost = result.kpi(f"{function}_cost_usd")["mean"] or 0.0
        ax.axhline(cost, color="grey", ls="--", lw=1, label=f"{function} cost")
        for i, r in rows.iterrows():
            if r["method"] != "incremental" and np.isfinite(r["credit_vs_incremental"]):
                ax.annotate(f"x{r['credit_vs_incremental']:.2f}", (i, 0), ha="center", va="bottom",
                            xytext=(0, 3), textcoords="offset points", fontsize=9, color="white", weight="bold")
        ax.set_xticks(x, [m.replace("_", "\n") for m in rows["method"]])
        ax.set_title(f"{function}: gross profit credited\n(x = multiple of the incremental truth)", fontsize=10)
        money_axis(ax)
        ax.legend(loc="upper right", frameon=False, fontsize=8)
        ax.grid(axis="y", alpha=0.3)
    fig.suptitle(f"Attribution heuristics vs incremental truth — {result.scenario.name} "
                 f"({result.replications} replications, 95% intervals)")
    fig.tight_layout()
    return fig


def _per_step_band(ts: pd.DataFrame, column: str, cumulative: bool = False, window: int = 1):
    wide = ts.pivot_table(index="step", columns="replication", values=column)
    if cumulative:
        wide = wide.cumsum()
    if window > 1:
        wide = wide.rolling(window, min_periods=1).mean()
    return wide.mean(axis=1), wide.quantile(0.025, axis=1), wide.quantile(0.975, axis=1)


def _compare_panels(results, panels, title, fig) -> plt.Figure:
    fig = fig or plt.figure(figsize=(13, 8))
    axes = fig.subplots(2, 2, sharex=True).ravel()
    colors = _colors(results)
    for ax, (column, label, cumulative, window, money) in zip(axes, panels):
        for name, result in results.items():
            ts = result.timeseries
            dates = pd.to_datetime(ts.groupby("step")["date"].first())
            mean, low, high = _per_step_band(ts, column, cumulative, window)
            ax.plot(dates, mean.to_numpy(), color=colors[name], lw=2, label=name)
            ax.fill_between(dates, low.to_numpy(), high.to_numpy(), color=colors[name], alpha=0.15, lw=0)
        ax.set_title(label)
        if money:
            money_axis(ax)
        time_axis(ax)
    axes[0].legend(loc="upper left", frameon=False, fontsize=8)
    fig.suptitle(title + " (mean, 2.5-97.5% of replications)")
    fig.tight_layout()
    return fig


def plot_funnel_comparison(results: Mapping[str, "RoiResult"], fig: plt.Figure | None = None) -> plt.Figure:
    """Customers, new leads, stale leads and deals won per day, one line per scenario."""
    panels = [
        ("customer", "customers", False, 1, False),
        ("leads", f"new leads per day ({WINDOW}-day average)", False, WINDOW, False),
        ("stale_leads", f"leads gone stale per day ({WINDOW}-day average)", False, WINDOW, False),
        ("deals_won", f"deals won per day ({WINDOW}-day average)", False, WINDOW, False),
    ]
    return _compare_panels(results, panels, "Funnel", fig)


def plot_economics_comparison(results: Mapping[str, "RoiResult"], fig: plt.Figure | None = None) -> plt.Figure:
    """Cumulative marketing cost, sales cost, gross profit and contribution per scenario."""
    panels = [
        ("marketing_cost", "cumulative marketing cost", True, 1, True),
        ("sales_cost", "cumulative sales cost", True, 1, True),
        ("gross_profit", "cumulative gross profit", True, 1, True),
        ("contribution", "cumulative contribution (gross profit - both costs)", True, 1, True),
    ]
    return _compare_panels(results, panels, "Economics", fig)


def plot_response_curve(split: "SplitResult", fig: plt.Figure | None = None) -> plt.Figure:
    """Expected profit (cumulative gross profit - all costs) against the marketing share of the budget."""
    fig = fig or plt.figure(figsize=(10, 5.5))
    ax = fig.subplots()
    c = split.curve
    ax.plot(c["marketing_share"], c["profit_mean"], marker="o", color=FUNCTION_COLORS["profit"], lw=2,
            label="expected profit (mean over replications)")
    ax.fill_between(c["marketing_share"], c["profit_low"], c["profit_high"], color=FUNCTION_COLORS["profit"],
                    alpha=0.2, lw=0, label="95% interval")
    best = split.best
    ax.errorbar([best["marketing_share"]], [best["profit_mean"]],
                yerr=[[best["profit_mean"] - best["profit_low"]], [best["profit_high"] - best["profit_mean"]]],
                fmt="*", ms=16, color="black", capsize=5, label=f"best: {best['reps']} reps, "
                f"{best['marketing_share']:.0%} to marketing")
    for _, row in c.iterrows():
        # The star covers the point's own label: move that one to the right of the star.
        at_best = row["marketing_share"] == best["marketing_share"]
        ax.annotate(f"{int(row['reps'])}", (row["marketing_share"], row["profit_mean"]),
                    xytext=(12, -4) if at_best else (0, -14), textcoords="offset points",
                    ha="left" if at_best else "center", fontsize=7, color="black" if at_best else "grey",
                    gid="reps-label")
    ax.set_xlabel("share of the budget spent on marketing channels (grey numbers: reps)")
    ax.set_ylabel("cumulative gross profit - all costs")
    ax.set_title(f"Budget split response — {split.scenario.name}: ${split.total_budget_usd:,.0f} over "
                 f"{split.scenario.time.horizon_days} days, {split.replications} replications on common seeds")
    money_axis(ax)
    ax.grid(alpha=0.3)
    ax.legend(loc="best", frameon=False, fontsize=8)
    fig.tight_layout()
    return fig
