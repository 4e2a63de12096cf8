"""Charts for the classroom notebooks: each takes a table from :mod:`sim.analysis.teaching`
(and optionally an ``ax``), returns the figure, and never calls ``show()``."""

from __future__ import annotations

import matplotlib.pyplot as plt
import numpy as np
import pandas as pd

from sim.engine.customers import STAGES
from sim.plots.style import FUNCTION_COLORS, money_axis, time_axis

__all__ = [
    "plot_touches_by_stage",
    "plot_journey",
    "plot_function_outputs",
    "plot_contacts",
    "plot_tactics",
    "plot_switch_off",
    "plot_churn_by_acquisition",
    "plot_first_and_last_touch",
    "plot_lead_handling",
    "plot_cost_composition",
]

WHO_COLORS = {"marketing": FUNCTION_COLORS["marketing"], "sales": FUNCTION_COLORS["sales"], "organic": "#bdbdbd"}


def _ax(ax, figsize):
    if ax is None:
        fig, ax = plt.subplots(figsize=figsize)
    return ax.figure, ax


def plot_touches_by_stage(table: pd.DataFrame, ax=None) -> plt.Figure:
    """Where each function acts: touches by the stage the customer was in."""
    fig, ax = _ax(ax, (9, 4.5))
    stages = [s for s in table.index if table.loc[s].sum() > 0]
    y = np.arange(len(stages))
    share = table.loc[stages] / table.sum()
    ax.barh(y - 0.2, share["marketing"] * 100, 0.4, color=WHO_COLORS["marketing"], label="marketing touches")
    ax.barh(y + 0.2, share["sales"] * 100, 0.4, color=WHO_COLORS["sales"], label="sales touches")
    ax.set_yticks(y, stages)
    ax.invert_yaxis()
    ax.set_xlabel("% of the function's touches")
    ax.set_title("Where each function acts: the stage a customer is in when touched", loc="left")
    ax.legend(frameon=False)
    ax.grid(axis="x", alpha=0.3)
    fig.tight_layout()
    return fig


def plot_journey(journey: pd.DataFrame, title: str = "", ax=None) -> plt.Figure:
    """One customer's path through the stages, with every marketing and sales touch."""
    fig, ax = _ax(ax, (11, 4.5))
    order = {s: i for i, s in enumerate(STAGES)}
    dates = pd.to_datetime(journey["date"])
    path_x, path_y = [], []
    moves = journey["event"] == "stage"
    for d, a, b in zip(dates[moves], journey.loc[moves, "from_stage"], journey.loc[moves, "to_stage"]):
        if not path_x:
            path_x.append(d)
            path_y.append(order[a])
        path_x += [d, d]
        path_y += [path_y[-1], order[b]]
    if path_x:
        path_x.append(dates.max() + pd.Timedelta(days=20))
        path_y.append(path_y[-1])
        ax.plot(path_x, path_y, color="#444444", lw=1.5, zorder=1, label="stage")
    for who, event, marker in (("marketing", "marketing_touch", "o"), ("sales", "sales_touch", "s")):
        rows = journey[journey["event"] == event]
        if rows.empty:
            continue
        stage = [order[s] for s in rows["from_stage"]]
        ax.scatter(pd.to_datetime(rows["date"]), stage, s=60, marker=marker, color=WHO_COLORS[who],
                   zorder=2, label=f"{who} touch")
    deals = journey[journey["event"] == "deal"]
    if not deals.empty:
        ax.scatter(pd.to_datetime(deals["date"]), [order["customer"]] * len(deals), s=160, marker="*",
                   color=FUNCTION_COLORS["revenue"], zorder=3, label="deal")
    ax.set_yticks(range(len(STAGES)), STAGES)
    ax.set_ylim(-0.5, len(STAGES) - 0.5)
    ax.set_title(title or "One customer's journey", loc="left")
    ax.legend(loc="upper left", frameon=False, fontsize=9)
    time_axis(ax)
    fig.tight_layout()
    return fig


def plot_function_outputs(table: pd.DataFrame, fig=None) -> plt.Figure:
    """Goal: awareness, leads, deals and revenue with both functions, and without each."""
    fig = fig or plt.figure(figsize=(12, 3.6))
    panels = (
        ("awareness_share", "share of the market aware", lambda v: v * 100, "%"),
        ("leads", "leads (2 years)", lambda v: v, ""),
        ("deals_won_by_reps", "deals closed by reps", lambda v: v, ""),
        ("revenue_usd", "revenue (2 years)", lambda v: v, "$"),
    )
    axes = fig.subplots(1, len(panels))
    colors = ["#31a354", FUNCTION_COLORS["sales"], FUNCTION_COLORS["marketing"], "#969696"]
    for ax, (column, label, scale, unit) in zip(axes, panels):
        values = scale(table[column].astype(float))
        ax.bar(range(len(table)), values, color=colors[: len(table)])
        ax.set_xticks(range(len(table)), [n.replace(" ", "\n") for n in table.index], fontsize=9)
        ax.set_title(label, fontsize=10)
        if unit == "$":
            money_axis(ax)
        ax.grid(axis="y", alpha=0.3)
    fig.tight_layout()
    return fig


def plot_contacts(table: pd.DataFrame, fig=None) -> plt.Figure:
    """Focus and communication: many cheap, indirect contacts versus few costly, direct ones."""
    fig = fig or plt.figure(figsize=(12, 3.6))
    axes = fig.subplots(1, 3)
    colors = [FUNCTION_COLORS["marketing"], FUNCTION_COLORS["sales"]]
    for ax, row, title in zip(
        axes,
        ("contacts", "cost per contact (USD)", "contacts per lead or deal"),
        ("contacts in two years", "cost per contact (USD)", "contacts per marketing lead / per deal won"),
    ):
        values = table.loc[row].astype(float)
        ax.bar(table.columns, values, color=colors)
        ax.set_yscale("log")
        ax.set_title(title, fontsize=10)
        for i, v in enumerate(values):
            ax.annotate(f"{v:,.2f}" if v < 10 else f"{v:,.0f}", (i, v), ha="center", va="bottom", fontsize=9)
        ax.grid(axis="y", alpha=0.3)
    fig.tight_layout()
    return fig


def plot_tactics(table: pd.DataFrame, deals: pd.DataFrame, fig=None) -> plt.Figure:
    """Activities: the negotiation tactic changes discounts and the win rate."""
    fig = fig or plt.figure(figsize=(12, 3.8))
    ax1, ax2, ax3 = fig.subplots(1, 3)
    tactics = list(table.index)
    colors = plt.cm.Oranges(np.linspace(0.45, 0.9, len(tactics)))
    bins = np.linspace(0, max(0.01, deals["discount"].max()), 16)
    for t, c in zip(tactics, colors):
        ax1.hist(deals.loc[deals["tactic"] == t, "discount"] * 100, bins=bins * 100, histtype="step", lw=2, color=c, label=t)
    ax1.set_xlabel("discount off list price (%)")
    ax1.set_ylabel("deals won by reps")
    ax1.set_title("discounts given", fontsize=10)
    ax1.legend(frameon=False)
    ax2.bar(tactics, table["win_rate"].astype(float) * 100, color=colors)
    ax2.set_title("win rate (%)", fontsize=10)
    ax3.bar(tactics, table["revenue_usd"].astype(float), color=colors)
    ax3.set_title("revenue (2 years)", fontsize=10)
    money_axis(ax3)
    for ax in (ax2, ax3):
        ax.grid(axis="y", alpha=0.3)
    fig.tight_layout()
    return fig


def plot_switch_off(monthly_revenue: pd.DataFrame, month_start, ax=None) -> plt.Figure:
    """Scope: monthly revenue when each function is switched off (columns: variants)."""
    fig, ax = _ax(ax, (11, 4.5))
    styles = [("#31a354", "-"), (FUNCTION_COLORS["marketing"], "--"), (FUNCTION_COLORS["sales"], "--")]
    for (name, series), (color, ls) in zip(monthly_revenue.items(), styles):
        ax.plot(series.index, series.to_numpy(), color=color, ls=ls, lw=2.2, label=name)
    ax.axvline(pd.Timestamp(month_start), color="black", lw=1)
    ax.annotate("switch-off", (pd.Timestamp(month_start), ax.get_ylim()[1]), xytext=(4, -12),
                textcoords="offset points", fontsize=9)
    ax.set_ylabel("revenue per month")
    money_axis(ax)
    ax.set_title("Scope: what happens to revenue when a function stops", loc="left")
    ax.legend(frameon=False, loc="upper left")
    time_axis(ax)
    fig.tight_layout()
    return fig


def plot_churn_by_acquisition(table: pd.DataFrame, ax=None) -> plt.Figure:
    """Relationship: churn share of customers by how they were won (95% interval)."""
    fig, ax = _ax(ax, (7, 4))
    colors = {"self_serve": WHO_COLORS["marketing"], "inbound_rep": "#fd8d3c", "outbound_rep": FUNCTION_COLORS["sales"]}
    x = np.arange(len(table))
    mean = table["churn_share"].astype(float) * 100
    err = np.vstack([mean - table["low"].astype(float) * 100, table["high"].astype(float) * 100 - mean])
    ax.bar(x, mean, yerr=err, capsize=6, color=[colors.get(i, "#999") for i in table.index])
    labels = {"self_serve": "bought online\n(marketing + product)", "inbound_rep": "inbound lead\nclosed by a rep",
              "outbound_rep": "found and closed\nby a rep (outbound)"}
    ax.set_xticks(x, [labels.get(i, i) for i in table.index])
    ax.set_ylabel("% of those customers who churned")
    ax.set_title("Relationship: who stays?", loc="left")
    ax.grid(axis="y", alpha=0.3)
    fig.tight_layout()
    return fig


def plot_first_and_last_touch(table: pd.DataFrame, ax=None) -> plt.Figure:
    """Timing: share of revenue whose first / last touch was marketing, sales or none."""
    fig, ax = _ax(ax, (9, 2.8))
    labels = {"first_touch": "first touch", "last_touch": "last touch before buying"}
    left = np.zeros(len(table))
    for column in table.columns:
        values = table[column].to_numpy() * 100
        ax.barh([labels.get(i, i) for i in table.index], values, left=left, color=WHO_COLORS[column], label=column)
        for y, (lft, v) in enumerate(zip(left, values)):
            if v > 6:
                ax.text(lft + v / 2, y, f"{v:.0f}%", ha="center", va="center", color="white", fontweight="bold")
        left += values
    ax.invert_yaxis()
    ax.set_xlim(0, 100)
    ax.set_xlabel("% of revenue")
    ax.set_title("Timing: who comes first, who comes last", loc="left")
    ax.legend(frameon=False, ncol=3, loc="lower center", bbox_to_anchor=(0.5, 1.08))
    fig.tight_layout()
    return fig


def plot_lead_handling(long: pd.DataFrame, burst: tuple, fig=None) -> plt.Figure:
    """Approach: leads a campaign creates, and what the sales team does with them."""
    fig = fig or plt.figure(figsize=(12, 4))
    axes = fig.subplots(1, 2, sharey=True)
    measures = (
        ("leads", "new leads", FUNCTION_COLORS["marketing"]),
        ("leads_worked", "leads worked by reps", FUNCTION_COLORS["sales"]),
        ("stale_leads", "leads gone stale (nobody called)", "#969696"),
    )
    for ax, variant in zip(axes, long["variant"].unique()):
        part = long[long["variant"] == variant]
        for measure, label, color in measures:
            series = part[part["measure"] == measure].set_index("month")["value"]
            ax.plot(series.index, series.to_numpy(), color=color, lw=2, label=label)
        ax.set_title(variant, fontsize=10, loc="left")
        time_axis(ax)
    axes[1].axvspan(pd.Timestamp(burst[0]), pd.Timestamp(burst[1]), color=FUNCTION_COLORS["marketing"], alpha=0.1)
    axes[0].set_ylabel("per month")
    axes[0].legend(frameon=False, loc="upper left")
    fig.tight_layout()
    return fig


def plot_cost_composition(table: pd.DataFrame, ax=None) -> plt.Figure:
    """Personnel: what each function's money pays for."""
    fig, ax = _ax(ax, (9, 2.8))
    colors = {"people (salaries, team)": "#756bb1", "overhead (benefits, tools)": "#bcbddc", "commissions": "#fdae6b",
              "media (channel spend)": "#9ecae1"}
    left = np.zeros(len(table))
    for column in table.columns:
        values = table[column].to_numpy(dtype=float)
        ax.barh(table.index, values, left=left, color=colors.get(column), label=column)
        left += values
    ax.invert_yaxis()
    ax.xaxis.set_major_formatter(plt.FuncFormatter(lambda x, _: f"${x / 1e6:.1f}M"))
    ax.set_title("Personnel: what each function's budget pays for (2 years)", loc="left")
    ax.legend(frameon=False, ncol=4, loc="lower center", bbox_to_anchor=(0.5, 1.1))
    fig.tight_layout()
    return fig
