"""What every chart shares: colours per stage and per function, time and money axes."""

from __future__ import annotations

import matplotlib.dates as mdates
from matplotlib.ticker import FuncFormatter

from sim.formatting import money

__all__ = ["FUNCTION_COLORS", "STAGE_COLORS", "money_axis", "time_axis"]

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
