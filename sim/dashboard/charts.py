"""The dashboard's charts: matplotlib figures drawn from a :class:`DashboardModel`.

Figures are built with ``matplotlib.figure.Figure`` (no pyplot state), so the server can
draw them from several sessions at once and nothing leaks between redraws.
"""

from __future__ import annotations

import matplotlib.dates as mdates
import numpy as np
from matplotlib.colors import ListedColormap
from matplotlib.figure import Figure
from matplotlib.patches import Patch
from matplotlib.ticker import FuncFormatter

from sim.engine.customers import STAGES
from sim.formatting import money
from sim.plots.style import FUNCTION_COLORS, STAGE_COLORS
from sim.dashboard.model import DashboardModel

__all__ = ["funnel_chart", "money_chart", "roi_chart", "customer_grid", "FIGSIZE"]

FIGSIZE = (6.4, 3.6)


def _time_axis(ax, model: DashboardModel) -> None:
    start = np.datetime64(model.full.date_of(0))
    ax.set_xlim(start, start + np.timedelta64(model.horizon, "D"))
    ax.xaxis.set_major_locator(mdates.MonthLocator(bymonth=(1, 4, 7, 10)))
    ax.xaxis.set_major_formatter(mdates.DateFormatter("%b\n%Y"))
    ax.grid(alpha=0.3)


def _figure(right: float = 0.76) -> tuple[Figure, object]:
    # Fixed margins (legend on the right): a constrained layout would double the drawing time.
    fig = Figure(figsize=FIGSIZE)
    fig.subplots_adjust(left=0.12, right=right, top=0.9, bottom=0.15)
    return fig, fig.add_subplot()


def funnel_chart(model: DashboardModel) -> Figure:
    """Where the customers are: share of the market in each funnel stage, day by day."""
    fig, ax = _figure()
    df = model.frame()
    population = model.full.customers.n
    if not df.empty:
        shares = [df[s].to_numpy() / population * 100 for s in STAGES]
        ax.stackplot(df["date"].to_numpy(), shares, colors=[STAGE_COLORS[s] for s in STAGES])
    ax.set_ylim(0, 100)
    ax.set_ylabel("% of the market")
    ax.set_title("Funnel: where the customers are", loc="left", fontsize=11)
    # Top of the stack first, as the stack reads.
    handles = [Patch(color=STAGE_COLORS[s], label=s) for s in reversed(STAGES)]
    ax.legend(handles=handles, loc="center left", bbox_to_anchor=(1.0, 0.5), frameon=False, fontsize=8)
    _time_axis(ax, model)
    return fig


def money_chart(model: DashboardModel) -> Figure:
    """Cumulative cost of each function, revenue and contribution so far."""
    fig, ax = _figure()
    df = model.frame()
    lines = (
        ("cum_marketing_cost", "marketing cost", FUNCTION_COLORS["marketing"], "-"),
        ("cum_sales_cost", "sales cost", FUNCTION_COLORS["sales"], "-"),
        ("cum_revenue", "revenue", FUNCTION_COLORS["revenue"], "-"),
        ("cum_contribution", "contribution\n(gross profit\n- both costs)", FUNCTION_COLORS["profit"], "--"),
    )
    for column, label, color, style in lines:
        values = df[column].to_numpy() if not df.empty else []
        ax.plot(df["date"].to_numpy() if not df.empty else [], values, color=color, ls=style, lw=2, label=label)
    ax.axhline(0, color="black", lw=0.8)
    ax.yaxis.set_major_formatter(FuncFormatter(lambda x, _pos: money(x)))
    ax.set_title("Money so far: costs per function and revenue", loc="left", fontsize=11)
    ax.legend(loc="center left", bbox_to_anchor=(1.0, 0.5), frameon=False, fontsize=8)
    _time_axis(ax, model)
    return fig


def roi_chart(model: DashboardModel) -> Figure:
    """Cumulative incremental ROI of each function (counterfactual runs, same random numbers)."""
    fig, ax = _figure(right=0.9)
    df = model.frame()
    for column, label, color in (
        ("roi_marketing", "marketing", FUNCTION_COLORS["marketing"]),
        ("roi_sales", "sales", FUNCTION_COLORS["sales"]),
    ):
        if df.empty:
            ax.plot([], [], color=color, lw=2, label=label)
            continue
        values = df[column].to_numpy(dtype=float) * 100
        ax.plot(df["date"].to_numpy(), values, color=color, lw=2, label=label)
        finite = np.flatnonzero(np.isfinite(values))
        if finite.size:
            k = finite[-1]
            ax.annotate(f"{values[k]:+.0f}%", (df["date"].iloc[k], values[k]), xytext=(4, 0),
                        textcoords="offset points", color=color, fontsize=9, va="center", fontweight="bold")
    ax.axhline(0, color="black", lw=1)
    # Just above the zero line on the left, where the curves (starting at -100%) never are.
    ax.text(0.01, 0, " above 0: paid for itself", transform=ax.get_yaxis_transform(), fontsize=8,
            color="#555555", ha="left", va="bottom")
    ax.set_ylabel("ROI so far (%)")
    ax.set_title("Incremental ROI of each function", loc="left", fontsize=11)
    ax.legend(loc="lower right", bbox_to_anchor=(1.0, 1.0), ncol=2, frameon=False, fontsize=9, borderaxespad=0.2)
    _time_axis(ax, model)
    lo, hi = ax.get_ylim()
    ax.set_ylim(min(lo, -100), max(hi, 50))
    return fig


def customer_grid(model: DashboardModel) -> Figure:
    """A fixed random sample of customers, one square each, coloured by stage."""
    fig, ax = _figure(right=0.7)
    stages = model.sample_stages()
    cmap = ListedColormap([STAGE_COLORS[s] for s in STAGES])
    ax.imshow(stages, cmap=cmap, vmin=-0.5, vmax=len(STAGES) - 0.5, interpolation="nearest")
    ax.set_xticks([])
    ax.set_yticks([])
    n_sample = stages.size
    counts = np.bincount(stages.reshape(-1), minlength=len(STAGES))
    handles = [Patch(color=STAGE_COLORS[s], label=f"{s} ({c})") for s, c in zip(STAGES, counts)]
    ax.legend(handles=handles, loc="center left", bbox_to_anchor=(1.02, 0.5), frameon=False, fontsize=8)
    title = f"{n_sample} customers" + (f" (a sample of {model.full.customers.n:,})" if n_sample < model.full.customers.n else "")
    ax.set_title(title, loc="left", fontsize=11)
    return fig
