"""Charts of one run. Each function takes data (and optionally an ``ax``/figure), returns the figure,
and never calls ``show()``."""

from __future__ import annotations

import matplotlib.pyplot as plt
import pandas as pd

from sim.engine.customers import STAGES
from sim.plots.style import (
    FUNCTION_COLORS, STAGE_COLORS, money_axis, monthly_totals, per_step, plot_monthly, time_axis,
)

__all__ = ["plot_funnel", "plot_economics"]

def _dates(ts: pd.DataFrame) -> pd.DatetimeIndex:
    return pd.to_datetime(ts["date"])


def plot_funnel(ts: pd.DataFrame, title: str = "", fig: plt.Figure | None = None) -> plt.Figure:
    """Stages over time (stacked), and the daily flow of leads, opportunities and deals."""
    flows = ["leads", "opportunities", "deals_won", "stale_leads"]
    if "nurtured_leads" in ts and ts["nurtured_leads"].any():
        flows.append("nurtured_leads")
    mean, _, _ = per_step(ts, list(STAGES) + flows)
    fig = fig or plt.figure(figsize=(11, 7.5))
    ax1, ax2 = fig.subplots(2, 1, sharex=True, gridspec_kw={"height_ratios": [2, 1]})
    dates = _dates(mean)
    population = mean[list(STAGES)].sum(axis=1).iloc[0]
    shares = [mean[s] / population * 100 for s in STAGES]
    ax1.stackplot(dates, shares, labels=[s.replace("_", " ") for s in STAGES], colors=[STAGE_COLORS[s] for s in STAGES])
    ax1.set_ylim(0, 100)
    ax1.set_ylabel("share of the market (%)")
    ax1.set_title(f"Funnel: where the {int(population):,} customers are" + (f" — {title}" if title else ""))
    # The legend lists the stages as the stack shows them: top of the stack first.
    handles, labels = ax1.get_legend_handles_labels()
    ax1.legend(handles[::-1], labels[::-1], loc="center left", bbox_to_anchor=(1.0, 0.5), frameon=False, title="stage")
    time_axis(ax1)
    # Marketing acts on the top of the funnel, sales on the bottom: show both flows.
    window = 30
    for column, label, color in (
        ("leads", "new leads (marketing + organic)", FUNCTION_COLORS["marketing"]),
        ("nurtured_leads", "leads kept by marketing (below the MQL score)", "#9e9ac8"),
        ("stale_leads", "leads gone stale", "#9ecae1"),
        ("opportunities", "new opportunities (sales)", FUNCTION_COLORS["sales"]),
        ("deals_won", "deals won", FUNCTION_COLORS["revenue"]),
    ):
        if column not in mean:
            continue
        ax2.plot(dates, mean[column].rolling(window, min_periods=1).mean(), label=label, color=color, lw=2)
    ax2.set_ylabel(f"per day ({window}-day average)")
    ax2.legend(loc="center left", bbox_to_anchor=(1.0, 0.5), frameon=False)
    time_axis(ax2)
    fig.tight_layout()
    return fig


def plot_economics(ts: pd.DataFrame, title: str = "", fig: plt.Figure | None = None) -> plt.Figure:
    """Monthly cost per function, monthly revenue, and cumulative costs, gross profit and contribution."""
    cols = ["marketing_cost", "sales_cost", "revenue", "gross_profit", "contribution"]
    mean, low, _ = per_step(ts, cols)
    fig = fig or plt.figure(figsize=(11, 9))
    ax_cost, ax_rev, ax_cum = fig.subplots(3, 1, sharex=True, gridspec_kw={"height_ratios": [1, 1, 1.4]})
    dates = _dates(mean)
    # Calendar-month totals (not a rolling window): one flat step per month.
    monthly = {c: monthly_totals(dates, mean[c]) for c in ("marketing_cost", "sales_cost", "revenue")}
    plot_monthly(ax_cost, monthly["marketing_cost"], label="marketing (channels + team)", color=FUNCTION_COLORS["marketing"], lw=2)
    plot_monthly(ax_cost, monthly["sales_cost"], label="sales (salaries, overhead, managers, commissions)", color=FUNCTION_COLORS["sales"], lw=2)
    ax_cost.set_ylabel("cost per calendar month")
    ax_cost.set_ylim(bottom=0)
    ax_cost.set_title("Economics per function" + (f" — {title}" if title else ""))
    ax_cost.legend(loc="lower right", frameon=True, framealpha=0.9)
    plot_monthly(ax_rev, monthly["revenue"], label="revenue", color=FUNCTION_COLORS["revenue"], lw=2)
    ax_rev.set_ylabel("revenue per calendar month")
    ax_rev.set_ylim(bottom=0)
    ax_rev.legend(loc="upper left", frameon=False)
    for ax in (ax_cost, ax_rev):
        money_axis(ax)
        time_axis(ax)
    for column, label, color, style in (
        ("marketing_cost", "marketing cost", FUNCTION_COLORS["marketing"], "-"),
        ("sales_cost", "sales cost", FUNCTION_COLORS["sales"], "-"),
        ("gross_profit", "gross profit", FUNCTION_COLORS["revenue"], "-"),
        ("contribution", "contribution (gross profit - both costs)", FUNCTION_COLORS["profit"], "--"),
    ):
        ax_cum.plot(dates, mean[column].cumsum(), label=label, color=color, lw=2, ls=style)
        if low is not None:
            # Band of cumulative values across replications.
            per_rep = ts.pivot_table(index="step", columns="replication", values=column).cumsum()
            ax_cum.fill_between(dates, per_rep.quantile(0.025, axis=1), per_rep.quantile(0.975, axis=1), color=color, alpha=0.15)
    ax_cum.axhline(0, color="black", lw=0.8)
    ax_cum.set_ylabel("cumulative since day 0")
    ax_cum.legend(loc="upper left", frameon=False)
    money_axis(ax_cum)
    time_axis(ax_cum)
    fig.tight_layout()
    return fig
