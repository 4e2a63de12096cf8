"""The one formatter of money and counts, for terminals, reports, chart ticks and the dashboard.

    money(-125_500)   -> "-$126k"       number(6.0)    -> "6"
    money(2.5e6)      -> "$2.5M"        number(0.3612) -> "0.361"
    money(None)       -> "n/a"          number(12_345.6) -> "12,346"
    day(267.0)        -> "267"          day(None)      -> "never"
    plural(1, "replication") -> "1 replication"

Missing values keep their meaning: ``n/a`` (no value, e.g. the interval of one replication),
``never`` (a day not reached within the horizon), ``absent`` (a ROI whose function cost nothing).

Imports nothing of marketsim, so every layer may use it.
"""

from __future__ import annotations

import math
from typing import Any

__all__ = ["ABSENT", "MISSING", "NEVER", "compact", "day", "money", "number", "plural", "signed"]

#: What a missing value (None or NaN) reads as.
MISSING = "n/a"
#: A day (payback) not reached within the horizon.
NEVER = "never"
#: A quantity that does not exist (the ROI of a function that cost nothing).
ABSENT = "absent"
_UNITS = ((1e9, "B"), (1e6, "M"), (1e3, "k"))


def _missing(value: Any) -> bool:
    if value is None:
        return True
    try:
        return math.isnan(float(value))
    except (TypeError, ValueError):
        return False


def compact(value: float | None, digits: int = 3, symbol: str = "", missing: str = MISSING) -> str:
    """``value`` in k/M/B with ``digits`` significant digits, the sign before ``symbol``: ``-$1.26M``."""
    if _missing(value):
        return missing
    value = float(value)
    sign = "-" if value < 0 else ""
    size = abs(value)
    for div, unit in _UNITS:
        if size >= div:
            return f"{sign}{symbol}{size / div:.{digits}g}{unit}"
    if size == 0:
        return f"{symbol}0"
    text = f"{size:.{digits}g}" if size < 1 else f"{size:.0f}" if size >= 10 ** (digits - 1) else f"{size:.{digits}g}"
    return f"{sign}{symbol}{text}"


def money(value: float | None, digits: int = 3, missing: str = MISSING) -> str:
    """US dollars, compact: ``$2.5M``, ``-$126k``, ``$12``."""
    return compact(value, digits, "$", missing)


def number(value: Any, missing: str = MISSING) -> str:
    """A count or a ratio: whole numbers with thousands separators, others to a sensible precision."""
    if _missing(value):
        return missing
    if isinstance(value, bool) or not isinstance(value, (int, float)) and not hasattr(value, "__float__"):
        return str(value)
    value = float(value)
    if not math.isfinite(value):
        return "inf" if value > 0 else "-inf"
    if value.is_integer():
        return f"{int(value):,}"
    if abs(value) >= 1000:
        return f"{value:,.0f}"
    if abs(value) < 10:
        return f"{value:.3f}"
    return f"{value:.1f}"


def day(value: Any, missing: str = NEVER) -> str:
    """A day number as a whole number (``267``, never ``267.0``); ``missing`` when not reached."""
    if _missing(value):
        return missing
    return f"{int(round(float(value))):,}"


def signed(value: Any, digits: int = 2, missing: str = MISSING) -> str:
    """A ratio with its sign: ``+1.07``, ``-0.30``."""
    if _missing(value):
        return missing
    return f"{float(value):+.{digits}f}"


def plural(count: int, noun: str, plural_form: str | None = None) -> str:
    """``1 replication``, ``3 replications``, ``1,200 runs``."""
    word = noun if count == 1 else (plural_form or f"{noun}s")
    return f"{number(count)} {word}"
