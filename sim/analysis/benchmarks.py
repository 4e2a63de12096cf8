"""Published B2B SaaS ranges a believable company falls in, and a run's KPIs beside them.

The ranges are those of a mid-market B2B SaaS company (ACV about $25k, a few hundred to a few
thousand customers, 5-15 reps); each row names its source. A verdict says whether the mean
over replications is inside, below or above the range.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any, Mapping

import pandas as pd

__all__ = ["BENCHMARKS", "Benchmark", "benchmark_table"]


@dataclass(frozen=True)
class Benchmark:
    """One published KPI range; ``key`` is ``section.name`` in ``summary.json``."""

    key: str
    definition: str
    low: float
    high: float
    published: str
    source: str


BENCHMARKS: tuple[Benchmark, ...] = (
    Benchmark("sales.quota_attainment", "rep-won deal value / quota accrued by ramped rep-time", 0.40, 0.85,
              "average attainment about 43-47%; 50-60% for ramped reps", "Forrester; CSO Insights"),
    Benchmark("sales.win_rate", "rep-won / (rep-won + rep-lost) opportunities", 0.15, 0.35,
              "15-30% B2B averages; 20-30% SQL-to-close", "SiriusDecisions waterfall"),
    Benchmark("sales.cycle_days", "median days from opportunity to signature, rep-won deals", 40, 120,
              "about 60-72 days at $25k ACV; 90-180 enterprise", "Bridge Group 2017"),
    Benchmark("total.cac_payback_months", "CAC / (monthly revenue per customer x gross margin)", 8, 30,
              "median about 16 months; healthy < 12-18", "Benchmarkit 2024-26"),
    Benchmark("total.ltv_to_cac", "LTV / CAC", 2, 8, ">= 3 called healthy; many companies 2-5", "industry surveys"),
    Benchmark("total.sm_cost_per_new_arr", "S&M cost / new ARR won (new CAC ratio)", 0.8, 2.5,
              "median about $1.76 per $1 of new ARR; best quartile about $1", "Benchmarkit 2024"),
    Benchmark("total.annual_logo_churn", "customers lost in a year / customers at its start", 0.08, 0.35,
              "about 10%/yr median; mid-market 8-12%; SMB 30-50%", "Pacific Crest 2016"),
    Benchmark("sales.stale_lead_share", "leads nobody worked in time / all leads", 0.0, 0.25,
              "23% of firms never responded to a web lead", "Oldroyd, HBR 2011"),
    Benchmark("marketing.sourced_pipeline_share", "opportunities from marketing leads / all opportunities", 0.2, 0.7,
              "marketing sources 20-60% of pipeline", "CSO Insights 2019"),
    Benchmark("total.magic_number", "net new ARR of a quarter / S&M cost of the quarter before", 0.7, 1.0,
              "median about 0.9; 0.7-1.0 typical", "Benchmarkit 2024"),
)


def _value(summary: Mapping[str, Any], key: str) -> dict[str, float | None]:
    section, name = key.split(".", 1)
    value = summary.get(section, {}).get(name)
    if isinstance(value, Mapping):  # several replications: {mean, low, high, n}
        return {"mean": value.get("mean"), "low": value.get("low"), "high": value.get("high"), "n": value.get("n")}
    return {"mean": value, "low": None, "high": None, "n": 1 if value is not None else 0}


def benchmark_table(summary: Mapping[str, Any]) -> pd.DataFrame:
    """Each benchmark KPI of ``summary`` (a run's or the mean over replications) beside its range.

    Columns: ``kpi, mean, low, high`` (95% interval of the mean, empty for one replication),
    ``range_low, range_high, verdict`` (inside, below, above, or n/a when the run has no
    value), ``published, source, definition``.
    """
    rows = []
    for b in BENCHMARKS:
        v = _value(summary, b.key)
        mean = v["mean"]
        verdict = "n/a" if mean is None else "below" if mean < b.low else "above" if mean > b.high else "inside"
        rows.append({"kpi": b.key, "mean": mean, "low": v["low"], "high": v["high"], "range_low": b.low,
                     "range_high": b.high, "verdict": verdict, "published": b.published, "source": b.source,
                     "definition": b.definition})
    return pd.DataFrame(rows)
