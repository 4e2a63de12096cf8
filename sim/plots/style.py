"""What every chart shares: colours per stage and per function, time and money axes."""

from __future__ import annotations

import matplotlib.dates as mdates
import numpy as np
import pandas as pd
from matplotlib.ticker import FuncFormatter

from sim.formatting import money

__all__ = ["FUNCTION_COLORS", "STAGE_COLORS", "money_axis", "monthly_totals", "per_step", "plot_monthly", "time_axis"]

STAGE_COLORS = {
    "unaware": "#d9d9d9",
    "aware": "#c6dbef",
    "considering": "#6baed6",
    "lead": "#2171b5",
    "opportunity": "#fdae6b",
    "negotiation": "#e6550d",
    "customer": "#31a354",
    "lost": "#969696",
    "churned": "#636363",
}
FUNCTION_COLORS = {"marketing": "#3182bd", "sales": "#e6550d", "revenue": "#31a354", "profit": "#756bb1"}


def time_axis(ax) -> None:
    """Quarterly date ticks (month and year) and a light grid."""
    ax.xaxis.set_major_locator(mdates.MonthLocator(bymonth=(1, 4, 7, 10)))
    ax.xaxis.set_major_formatter(mdates.DateFormatter("%b\n%Y"))
    ax.grid(alpha=0.3)


def money_axis(ax, axis: str = "y") -> None:
    """Dollar ticks on ``axis``: ``$500k``, ``-$1.2M``."""
    target = ax.yaxis if axis == "y" else ax.xaxis
    target.set_major_formatter(FuncFormatter(lambda x, _pos: money(x)))


def monthly_totals(dates, values) -> pd.Series:
    """Daily ``values`` summed per calendar month (index: ``Period('2026-03', 'M')``).

    The first and last months hold only the days simulated in them (partial totals)."""
    series = pd.Series(np.asarray(values, dtype=float), index=pd.DatetimeIndex(pd.to_datetime(dates)))
    return series.groupby(series.index.to_period("M")).sum()


def plot_monthly(ax, totals: pd.Series, **kwargs):
    """Draw monthly ``totals`` as one flat step per calendar month, from its first to its last day."""
    edges = [p.start_time for p in totals.index] + [totals.index[-1].end_time.normalize() + pd.Timedelta(days=1)]
    return ax.stairs(totals.to_numpy(), mdates.date2num(pd.DatetimeIndex(edges).to_pydatetime()), baseline=None, **kwargs)


def per_step(ts: pd.DataFrame, columns: list[str]) -> tuple[pd.DataFrame, pd.DataFrame | None, pd.DataFrame | None]:
    """Mean over replications per step, and the 2.5/97.5 percentiles when there are several."""
    if "replication" not in ts or ts["replication"].nunique() == 1:
        return ts.reset_index(drop=True), None, None
    grouped = ts.groupby("step")
    mean = grouped[columns].mean()
    mean["date"] = grouped["date"].first()
    return mean.reset_index(), grouped[columns].quantile(0.025).reset_index(), grouped[columns].quantile(0.975).reset_index()
