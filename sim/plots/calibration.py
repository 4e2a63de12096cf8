"""Calibration charts: the data against the posterior predictive band, and the forecast."""

from __future__ import annotations

import math

import matplotlib.pyplot as plt
import numpy as np
import pandas as pd

from sim.calibration.posterior import predictive_band
from sim.plots.style import FUNCTION_COLORS

__all__ = ["plot_forecast", "plot_predictive"]

BAND = "#9ecae1"


def _grid(count: int, title: str) -> tuple[plt.Figure, np.ndarray]:
    cols = min(4, max(1, count))
    rows = math.ceil(count / cols)
    fig, axes = plt.subplots(rows, cols, figsize=(3.6 * cols, 2.6 * rows), squeeze=False)
    fig.suptitle(title)
    for ax in axes.flat[count:]:
        ax.set_visible(False)
    return fig, axes


def _band(ax, months: list[str], values: pd.DataFrame, color: str, label: str) -> None:
    """Median and 90% band over draws (:func:`predictive_band`); ``values``: rows = draws, columns = months."""
    x = np.arange(len(months))
    low, mid, high = predictive_band(values.reindex(columns=months).to_numpy(dtype=float))
    ax.fill_between(x, low, high, color=color, alpha=0.45, linewidth=0, label=f"{label} 90%")
    ax.plot(x, mid, color=color, linewidth=1.2)


def _months_axis(ax, months: list[str]) -> None:
    step = max(1, len(months) // 4)
    ax.set_xticks(range(0, len(months), step))
    ax.set_xticklabels(months[::step], fontsize=7)
    ax.tick_params(axis="y", labelsize=7)
    ax.grid(alpha=0.3)


def plot_predictive(predictive: pd.DataFrame, data: pd.DataFrame, title: str = "") -> plt.Figure:
    """Each monthly metric: the data (dots) against the posterior predictive band (5-95%, median).

    ``predictive``: long ``draw, month, metric, value`` (the posterior predictive runs).
    """
    metrics = [m for m in predictive["metric"].unique() if data[m].notna().any()]
    fig, axes = _grid(len(metrics), title or "data against the posterior predictive")
    months = data["month"].tolist()
    for ax, metric in zip(axes.flat, metrics):
        wide = predictive.loc[predictive["metric"] == metric].pivot(index="draw", columns="month", values="value")
        _band(ax, months, wide, BAND, "posterior predictive")
        ax.plot(np.arange(len(months)), data[metric].to_numpy(dtype=float), "o", color="#222", markersize=3,
                label="data")
        ax.set_title(metric, fontsize=9)
        _months_axis(ax, months)
    axes.flat[0].legend(fontsize=7, loc="best")
    fig.tight_layout()
    return fig


def plot_forecast(runs: pd.DataFrame, data: pd.DataFrame, first: str, metrics: list[str] | None = None,
                  title: str = "") -> plt.Figure:
    """History and forecast per metric: the data, the as-is band and (with a what-if) its band.

    ``runs``: long ``scenario, draw, month, metric, value`` (history months included).
    """
    chosen = metrics or [m for m in ("leads", "opportunities", "new_customers", "customers", "new_arr_usd",
                                     "arr_usd", "deals_won", "churned_customers") if m in set(runs["metric"])]
    fig, axes = _grid(len(chosen), title or "forecast")
    months = sorted(runs["month"].unique())
    colors = {"as_is": BAND, "what_if": FUNCTION_COLORS["sales"]}
    for ax, metric in zip(axes.flat, chosen):
        mine = runs.loc[(runs["metric"] == metric) & runs["scenario"].isin(colors)]
        for scenario, color in colors.items():
            part = mine.loc[mine["scenario"] == scenario]
            if not part.empty:
                _band(ax, months, part.pivot(index="draw", columns="month", values="value"), color,
                      scenario.replace("_", " "))
        if metric in data:
            observed = data.set_index("month")[metric].reindex(months).to_numpy(dtype=float)
            ax.plot(np.arange(len(months)), observed, "o", color="#222", markersize=3, label="data")
        ax.axvline(months.index(first) - 0.5, color="#888", linestyle="--", linewidth=0.8)
        ax.set_title(metric, fontsize=9)
        _months_axis(ax, months)
    axes.flat[0].legend(fontsize=7, loc="best")
    fig.tight_layout()
    return fig
