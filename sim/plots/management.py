"""The levers over time, with the management agents' decisions marked.

Each function takes tables (a run's timeseries and its decisions), draws on a new or given
figure, returns it and never calls ``show()``.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Mapping

import matplotlib.pyplot as plt
import pandas as pd

from sim.plots.style import FUNCTION_COLORS, money_axis, monthly_totals, per_step, plot_monthly, time_axis

if TYPE_CHECKING:
    from sim.analysis.roi import RoiResult

__all__ = ["lever_moves", "plot_levers", "plot_levers_comparison"]

_CHANNEL_COLORS = ("#3182bd", "#6baed6", "#756bb1", "#9e9ac8", "#31a354", "#74c476", "#636363", "#bdbdbd")


def lever_moves(decisions: pd.DataFrame | None) -> pd.DataFrame:
    """The decisions of the first replication (one run's story) that changed a lever."""
    if decisions is None or decisions.empty:
        return pd.DataFrame(columns=["date", "function", "lever", "before", "after", "reason"])
    first = decisions[decisions["replication"] == decisions["replication"].min()] if "replication" in decisions \
        else decisions
    return first[first["after"] != first["before"]]


def _whole_months(dates: pd.Series, values: pd.Series) -> pd.Series:
    """Monthly totals of the calendar months the run covers entirely (a partial month would read as a cut)."""
    totals = monthly_totals(dates, values)
    first, last = dates.iloc[0], dates.iloc[-1]
    if first.day != 1:
        totals = totals.iloc[1:]
    if not last.is_month_end:
        totals = totals.iloc[:-1]
    return totals


def _mark(ax, moves: pd.DataFrame, color: str, scale: float = 1.0) -> None:
    for up, marker in ((True, "^"), (False, "v")):
        rows = moves[(moves["after"] > moves["before"]) == up]
        if len(rows):
            ax.scatter(rows["date"], rows["after"] * scale, marker=marker, s=42, color=color, edgecolor="black",
                       linewidth=0.6, zorder=5)


def plot_levers(
    timeseries: pd.DataFrame, decisions: pd.DataFrame | None, title: str = "", axes=None, fig: plt.Figure | None = None,
) -> plt.Figure:
    """Channel spend per calendar month and the sales headcount, with each decision that moved a lever.

    Lines are what happened (the mean over replications when there are several); triangles
    are the decisions of the first replication (up: raised, down: cut), at the lever's new
    value: a channel's new monthly budget, the planned headcount (hires start after the lag,
    so the line follows later). Dotted verticals mark the joint planner's reviews.
    """
    spend_columns = [c for c in timeseries if c.startswith("spend_")]
    mean, _, _ = per_step(timeseries, spend_columns + ["headcount"])
    if axes is None:
        fig = fig or plt.figure(figsize=(11, 6.5))
        axes = fig.subplots(2, 1, sharex=True, gridspec_kw={"height_ratios": [1.4, 1]})
    ax_spend, ax_heads = axes
    fig = ax_spend.figure
    dates = pd.to_datetime(mean["date"])
    moves = lever_moves(decisions)
    moves = moves.assign(date=pd.to_datetime(moves["date"]))
    for i, column in enumerate(spend_columns):
        name = column.removeprefix("spend_")
        color = _CHANNEL_COLORS[i % len(_CHANNEL_COLORS)]
        totals = _whole_months(dates, mean[column])
        if len(totals):
            plot_monthly(ax_spend, totals, label=name, color=color, lw=2)
        _mark(ax_spend, moves[moves["lever"] == f"budget_{name}"], color)
    if spend_columns and len(_whole_months(dates, mean[spend_columns[0]])):
        total = _whole_months(dates, mean[spend_columns].sum(axis=1))
        plot_monthly(ax_spend, total, label="all channels", color="black", lw=1.2, ls="--")
    for date in moves.loc[moves["function"] == "joint", "date"].unique():
        for ax in axes:
            ax.axvline(date, color=FUNCTION_COLORS["profit"], lw=0.8, ls=":")
    ax_spend.set_ylabel("channel spend per month")
    ax_spend.set_ylim(bottom=0)
    money_axis(ax_spend)
    ax_spend.set_title("Levers and decisions" + (f" — {title}" if title else ""))
    if ax_spend.get_legend_handles_labels()[0]:
        ax_spend.legend(loc="center left", bbox_to_anchor=(1.0, 0.5), frameon=False)
    ax_heads.plot(dates, mean["headcount"], color=FUNCTION_COLORS["sales"], lw=2, label="reps employed")
    _mark(ax_heads, moves[moves["lever"] == "headcount"], FUNCTION_COLORS["sales"])
    ax_heads.scatter([], [], marker="^", color="white", edgecolor="black", label="decision: raised (new value)")
    ax_heads.scatter([], [], marker="v", color="white", edgecolor="black", label="decision: cut (new value)")
    ax_heads.set_ylabel("sales headcount")
    ax_heads.set_ylim(bottom=0)
    ax_heads.legend(loc="center left", bbox_to_anchor=(1.0, 0.5), frameon=False)
    for ax in axes:
        time_axis(ax)
    fig.tight_layout()
    return fig


def plot_levers_comparison(results: Mapping[str, "RoiResult"], fig: plt.Figure | None = None) -> plt.Figure:
    """:func:`plot_levers` for each compared scenario, one above the other (the full runs)."""
    shown = {name: r for name, r in results.items() if r.timeseries is not None}
    fig = fig or plt.figure(figsize=(11, 4.8 * max(len(shown), 1)))
    if not shown:
        return fig
    grid = fig.add_gridspec(2 * len(shown), 1, height_ratios=[1.4, 1] * len(shown))
    for k, (name, result) in enumerate(shown.items()):
        ax_spend = fig.add_subplot(grid[2 * k])
        ax_heads = fig.add_subplot(grid[2 * k + 1], sharex=ax_spend)
        plot_levers(result.timeseries, result.decisions, title=name, axes=(ax_spend, ax_heads))
    return fig
