"""The CRM monthly format: one row per calendar month of a company's history.

Columns: ``month`` (YYYY-MM), the inputs ``headcount`` and ``spend_<channel>``, and the
outcomes in :data:`METRICS`; optional ``<metric>_<segment>`` columns for the metrics in
:data:`SEGMENT_METRICS`. Missing optional columns are fine; empty cells are missing values.

- :func:`crm_from_run` turns a run's daily timeseries and deals into this table (what a
  simulated company's CRM would show; ``marketsim export-crm`` writes it);
- :func:`read_crm` reads and validates a file; every mistake (an unknown or malformed
  column, a month that is not the next calendar month, a negative count) raises
  :class:`CrmError` naming the column and the row;
- :func:`drive` puts the data's inputs (spend per channel and month, headcount per month)
  into a scenario: they drive the simulation and are never fitted.
"""

from __future__ import annotations

import datetime as dt
import math
from pathlib import Path
from typing import Sequence

import numpy as np
import pandas as pd

from sim.scenario.schema import Scenario, ScenarioError, apply_overrides

__all__ = [
    "CrmError", "FLOW_METRICS", "INPUTS", "METRICS", "RATIO_METRICS", "SEGMENT_METRICS", "STOCK_METRICS",
    "check_against", "crm_from_run", "drive", "metric_columns", "month_labels", "read_crm", "write_crm",
]

#: Counts and money per month (summed over a period).
FLOW_METRICS = (
    "leads", "marketing_leads", "opportunities", "deals_won", "deals_lost", "new_customers",
    "churned_customers", "new_arr_usd",
)
#: Values at the end of the month.
STOCK_METRICS = ("customers", "arr_usd")
#: Averages over the month's deals (missing in a month without deals).
RATIO_METRICS = ("avg_deal_usd", "median_cycle_days")
METRICS = FLOW_METRICS + STOCK_METRICS + RATIO_METRICS
#: Metrics that may also come per segment, as ``<metric>_<segment>``.
SEGMENT_METRICS = ("new_customers", "new_arr_usd")
#: Inputs: they drive the simulation (``spend_<channel>`` as well).
INPUTS = ("headcount",)
_INTEGER = {"headcount", "leads", "marketing_leads", "opportunities", "deals_won", "deals_lost", "new_customers",
            "churned_customers", "customers"}


class CrmError(ScenarioError):
    """A CRM file that cannot be used; the message names the column and the row (exit status 2)."""


# ---------------------------------------------------------------------- from a run
def month_labels(start: dt.date, months: int) -> list[str]:
    """``YYYY-MM`` of ``months`` calendar months from ``start``'s month."""
    year, month = start.year, start.month
    out = []
    for _ in range(months):
        out.append(f"{year:04d}-{month:02d}")
        year, month = (year + 1, 1) if month == 12 else (year, month + 1)
    return out


def crm_from_run(timeseries: pd.DataFrame, deals: pd.DataFrame, scenario: Scenario) -> pd.DataFrame:
    """What the CRM of a simulated company shows, month by month (one replication).

    leads, marketing_leads, opportunities, deals_lost, churned_customers: the run's daily
    counters summed; deals_won: deals won by reps; new_customers: every deal won (self-serve
    too); new_arr_usd: the yearly price of deals won in subscription segments;
    customers, arr_usd, headcount: the last day of the month; avg_deal_usd: mean price of the
    month's deals; median_cycle_days: median days from lead to won of the reps' deals;
    spend_<channel>: the channel's spend. Only whole months of the run are kept.
    """
    start = scenario.time.start_date
    dates = pd.to_datetime(timeseries["date"])
    month_index = ((dates.dt.year - start.year) * 12 + dates.dt.month - start.month).to_numpy()
    n_months = int(month_index.max()) + 1 if len(month_index) else 0
    last_day = dates.iloc[-1].date() if len(dates) else start
    if n_months and (last_day + dt.timedelta(days=1)).day != 1:
        n_months -= 1  # the last month is cut by the horizon
    if n_months < 1:
        raise CrmError("the run is shorter than one calendar month: nothing to export")
    keep = month_index < n_months
    ts = timeseries.loc[keep]
    idx = month_index[keep]
    table = pd.DataFrame({"month": month_labels(start, n_months)})

    def flow(column: str) -> np.ndarray:
        return np.bincount(idx, weights=ts[column].to_numpy(dtype=float), minlength=n_months)

    def last(column: str) -> np.ndarray:
        values = ts[column].to_numpy(dtype=float)
        ends = np.searchsorted(idx, np.arange(n_months), side="right") - 1
        return values[ends]

    table["headcount"] = last("headcount").round().astype(int)
    for channel in scenario.channels:
        table[f"spend_{channel}"] = flow(f"spend_{channel}").round(2)
    for name, column in (("leads", "leads"), ("marketing_leads", "marketing_leads"),
                         ("opportunities", "opportunities"), ("deals_won", "deals_won_sales"),
                         ("deals_lost", "deals_lost"), ("new_customers", "deals_won"),
                         ("churned_customers", "churned_customers")):
        table[name] = flow(column).round().astype(int)
    table["customers"] = last("customer").round().astype(int)
    table["arr_usd"] = last("annual_recurring_revenue").round(2)

    day_month = month_index[np.clip(deals["day"].to_numpy(dtype=int), 0, len(month_index) - 1)] if len(deals) else []
    won = deals.assign(month=day_month)
    won = won.loc[won["month"] < n_months]
    subscription = {name for name, seg in scenario.market.segments.items() if seg.purchase.value == "subscription"}
    arr = won["price_usd"].where(won["segment"].isin(subscription), 0.0)
    table["new_arr_usd"] = np.bincount(won["month"], weights=arr, minlength=n_months).round(2)
    by_month = won.groupby("month")
    table["avg_deal_usd"] = by_month["price_usd"].mean().reindex(range(n_months)).round(2).to_numpy()
    reps = won.loc[won["won_by"] != "self_serve"]
    table["median_cycle_days"] = reps.groupby("month")["cycle_days"].median().reindex(range(n_months)).to_numpy()
    for segment in scenario.market.segments:
        mine = won["segment"] == segment
        table[f"new_customers_{segment}"] = np.bincount(won["month"][mine], minlength=n_months)
        table[f"new_arr_usd_{segment}"] = np.bincount(
            won["month"][mine], weights=arr[mine], minlength=n_months).round(2)
    return table


def write_crm(table: pd.DataFrame, path: str | Path) -> Path:
    """Write a CRM table (empty cells for missing values); atomically (a temporary file renamed)."""
    path = Path(path)
    tmp = path.with_name(path.name + ".tmp")
    table.to_csv(tmp, index=False)
    tmp.replace(path)
    return path


# ---------------------------------------------------------------------- reading
def metric_columns(table: pd.DataFrame) -> list[str]:
    """The outcome columns of a CRM table (neither the month nor an input)."""
    return [c for c in table.columns if c != "month" and c not in INPUTS and not c.startswith("spend_")]


def _kind(column: str) -> str:
    """``month``, ``input``, ``metric``, ``segment`` (a ``<metric>_<segment>``), or ``unknown``."""
    if column == "month":
        return "month"
    if column in INPUTS or (column.startswith("spend_") and column.removeprefix("spend_").isidentifier()):
        return "input"
    if column in METRICS:
        return "metric"
    for metric in SEGMENT_METRICS:
        if column.startswith(metric + "_") and column.removeprefix(metric + "_").isidentifier():
            return "segment"
    return "unknown"


def _base_metric(column: str) -> str:
    if column.startswith("spend_"):
        return "spend"
    for metric in sorted(SEGMENT_METRICS, key=len, reverse=True):
        if column.startswith(metric + "_") and column not in METRICS:
            return metric
    return column


def read_crm(path: str | Path) -> pd.DataFrame:
    """Read and validate a CRM file (see the module docstring); rows keep the file's order.

    Rows are numbered as in the file (the header is row 1), so a message points at the line.
    """
    path = Path(path)
    if not path.is_file():
        raise CrmError(f"{path}: no such CRM file")
    try:
        raw = pd.read_csv(path, dtype=str, keep_default_na=False, skipinitialspace=True)
    except (pd.errors.ParserError, UnicodeDecodeError, pd.errors.EmptyDataError) as exc:
        raise CrmError(f"{path}: not a CSV file ({str(exc).strip() or type(exc).__name__})") from None
    raw.columns = [str(c).strip() for c in raw.columns]
    if "month" not in raw.columns:
        raise CrmError(f"{path}: no column 'month' (YYYY-MM); the columns are: {', '.join(raw.columns)}")
    if len(raw) == 0:
        raise CrmError(f"{path}: no rows; give one row per calendar month")
    seen = set()
    for column in raw.columns:
        if column in seen:
            raise CrmError(f"{path}: column {column!r} appears twice")
        seen.add(column)
        if _kind(column) == "unknown":
            allowed = ", ".join(("month", *INPUTS, "spend_<channel>", *METRICS,
                                 *(f"{m}_<segment>" for m in SEGMENT_METRICS)))
            raise CrmError(f"{path}: column {column!r} is unknown; allowed: {allowed}")
    table = pd.DataFrame({"month": _months(raw["month"], path)})
    for column in (c for c in raw.columns if c != "month"):
        table[column] = _numbers(raw[column], column, path)
    return table


def _months(cells: pd.Series, path: Path) -> list[str]:
    months = []
    previous = None
    for i, text in enumerate(cells, start=2):
        text = text.strip()
        try:
            if len(text) != 7 or text[4] != "-":
                raise ValueError
            value = dt.date(int(text[:4]), int(text[5:]), 1)
        except ValueError:
            raise CrmError(f"{path}: row {i}, column 'month': {text!r} is not a month; write YYYY-MM, "
                           "e.g. 2026-01") from None
        if previous is not None:
            expected = (previous.replace(day=28) + dt.timedelta(days=4)).replace(day=1)
            if value != expected:
                raise CrmError(f"{path}: row {i}, column 'month': {text!r} does not follow "
                               f"{previous:%Y-%m}; rows must be consecutive calendar months "
                               f"(expected {expected:%Y-%m})")
        months.append(text)
        previous = value
    return months


def _numbers(cells: pd.Series, column: str, path: Path) -> np.ndarray:
    out = np.full(len(cells), np.nan)
    integer = _base_metric(column) in _INTEGER
    for i, text in enumerate(cells):
        text = text.strip()
        if text == "":
            continue
        row = f"{path}: row {i + 2}, column {column!r}"
        try:
            value = float(text)
        except ValueError:
            raise CrmError(f"{row}: {text!r} is not a number") from None
        if not math.isfinite(value):
            raise CrmError(f"{row}: {text!r} is not a finite number")
        if value < 0:
            raise CrmError(f"{row}: {text} is negative; counts, money and days must be >= 0")
        if integer and value != round(value):
            raise CrmError(f"{row}: {text} is not a whole number; {_base_metric(column)} is a count")
        out[i] = value
    if column == "headcount" and np.isnan(out).any():
        first = int(np.flatnonzero(np.isnan(out))[0]) + 2
        raise CrmError(f"{path}: row {first}, column 'headcount': empty; headcount drives the simulation, "
                       "give it for every month (or leave the column out)")
    if column.startswith("spend_") and np.isnan(out).any():
        first = int(np.flatnonzero(np.isnan(out))[0]) + 2
        raise CrmError(f"{path}: row {first}, column {column!r}: empty; spend drives the simulation, "
                       "give it for every month (0 for none) or leave the column out")
    return out


def check_against(table: pd.DataFrame, scenario: Scenario, source: str = "crm") -> None:
    """Refuse spend columns for channels the scenario lacks and segment columns for unknown segments."""
    for column in table.columns:
        if column.startswith("spend_"):
            channel = column.removeprefix("spend_")
            if channel not in scenario.channels:
                raise CrmError(f"{source}: column {column!r}: the scenario has no channel {channel!r}; "
                               f"its channels are: {', '.join(scenario.channels) or 'none'}")
        elif _kind(column) == "segment":
            segment = column.removeprefix(_base_metric(column) + "_")
            if segment not in scenario.market.segments:
                raise CrmError(f"{source}: column {column!r}: the scenario has no segment {segment!r}; "
                               f"its segments are: {', '.join(scenario.market.segments)}")


# ---------------------------------------------------------------------- the data drive a scenario
def drive(scenario: Scenario, table: pd.DataFrame, extra_months: int = 0,
          changes: Sequence[tuple[str, float]] = ()) -> Scenario:
    """``scenario`` over the data's months (plus ``extra_months``), its inputs taken from the data.

    The run starts on the first day of the first month and ends with the last; each
    ``spend_<channel>`` becomes that channel's monthly schedule and ``headcount`` the
    starting headcount and hiring plan. In the extra months spend and headcount stay at the
    last month's values, unless ``changes`` (``sales.headcount`` or
    ``channels.<name>.monthly_budget_usd``) set them from the first extra month.
    """
    check_against(table, scenario)
    first = dt.date.fromisoformat(table["month"].iloc[0] + "-01")
    months = len(table) + extra_months
    end = first
    for _ in range(months):
        end = (end.replace(day=28) + dt.timedelta(days=4)).replace(day=1)
    overrides: dict[str, object] = {"time.start_date": first, "time.horizon_days": (end - first).days}
    planned = {key: value for key, value in changes}
    for column in table.columns:
        if column.startswith("spend_"):
            channel = column.removeprefix("spend_")
            spend = [float(v) for v in table[column]]
            later = planned.pop(f"channels.{channel}.monthly_budget_usd", spend[-1])
            overrides[f"channels.{channel}.schedule_usd"] = spend + [float(later)] * extra_months
            overrides[f"channels.{channel}.start_month"] = 0
    for key in list(planned):
        if key.startswith("channels.") and key.endswith(".monthly_budget_usd"):
            channel = key.split(".")[1]
            if channel not in scenario.channels:
                raise ScenarioError(f"{key}: unknown channel {channel!r}; the scenario's channels are: "
                                    f"{', '.join(scenario.channels) or 'none'}")
            base = scenario.channels[channel]
            history = [base.schedule_usd[m] if base.schedule_usd and m < len(base.schedule_usd)
                       else base.monthly_budget_usd for m in range(len(table))]
            overrides[f"channels.{channel}.schedule_usd"] = history + [float(planned.pop(key))] * extra_months
    if "headcount" in table:
        counts = [int(v) for v in table["headcount"]]
        plan = [{"month": m, "headcount": counts[m]} for m in range(1, len(counts)) if counts[m] != counts[m - 1]]
        overrides["sales.headcount"] = counts[0]
        overrides["sales.plan"] = plan
    if "sales.headcount" in planned:
        value = planned.pop("sales.headcount")
        plan = list(overrides.get("sales.plan", [c.model_dump() for c in scenario.sales.plan]))
        plan = [c for c in plan if c["month"] < len(table)]
        plan.append({"month": len(table), "headcount": int(value)})
        overrides["sales.plan"] = plan
        overrides.setdefault("sales.headcount", scenario.sales.headcount)
    if planned:
        raise ScenarioError(f"what-if {', '.join(planned)}: only sales.headcount and "
                            "channels.<name>.monthly_budget_usd can change from the first forecast month")
    data = apply_overrides(scenario.to_dict(), {k: v for k, v in overrides.items() if v is not None})
    for column in table.columns:
        if column.startswith("spend_"):
            data["channels"][column.removeprefix("spend_")].pop("end_month", None)
    return Scenario.from_dict(data, source="scenario driven by the CRM data")
