"""The run's calendar: the months a horizon covers, counted from its start date."""

from __future__ import annotations

import calendar
import datetime as dt
from collections.abc import Iterator

__all__ = ["month_blocks"]


def month_blocks(start_date: dt.date, horizon_days: int) -> Iterator[tuple[int, int, int, int]]:
    """The calendar months the horizon covers: ``(month, first day, stop day, days in the month)``
    for each, ``month`` counted from the start month (0) and days from the start date (0)."""
    year, month_of_year, first_day = start_date.year, start_date.month, start_date.day
    day = month = 0
    while day < horizon_days:
        days_in_month = calendar.monthrange(year, month_of_year)[1]
        stop = min(day + days_in_month - first_day + 1, horizon_days)
        yield month, day, stop, days_in_month
        day, month, first_day = stop, month + 1, 1
        year, month_of_year = (year + 1, 1) if month_of_year == 12 else (year, month_of_year + 1)
