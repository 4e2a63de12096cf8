"""Compare scenarios on common random numbers: ROI of each function, payback, business KPIs.

``marketsim compare A.toml B.toml ... --replications 30 --out reports/q3`` runs every
scenario with its counterfactuals (without marketing, without reps, without both) on the
same seeds, in one batch with one progress bar, and writes ``comparison.csv``, ``roi.png``,
``funnel.png``, ``economics.png`` and a self-contained ``report.html``.
"""

from __future__ import annotations

from typing import Any, Mapping, Sequence

import pandas as pd

from sim.analysis.roi import RoiResult, roi_analysis, run_variants, variants_of, variants_over_draws
from sim.running.executors import Executor
from sim.scenario.schema import Scenario

__all__ = ["compare", "comparison_table", "scenario_differences"]

#: Business KPIs taken from the run summaries: (section, key, name in comparison.csv).
SUMMARY_KPIS = (
    ("total", "revenue_usd", "revenue"),
    ("total", "gross_profit_usd", "gross_profit"),
    ("total", "contribution_usd", "contribution"),
    ("total", "cac_usd", "cac"),
    ("total", "new_customers", "new_customers"),
    ("marketing", "cost_usd", "marketing_cost"),
    ("sales", "cost_usd", "sales_cost"),
    ("marketing", "leads", "marketing_leads"),
    ("sales", "stale_leads", "stale_leads"),
    ("sales", "win_rate", "win_rate"),
)
#: KPIs taken from the ROI analysis (name in RoiResult.kpis -> name in comparison.csv).
ROI_KPIS = (
    "marketing_roi",
    "sales_roi",
    "marketing_payback_day",
    "sales_payback_day",
    "marketing_incremental_gross_profit_usd",
    "sales_incremental_gross_profit_usd",
    "marketing_incremental_gross_profit_last_90_days_usd",
    "sales_incremental_gross_profit_last_90_days_usd",
    "interaction_gross_profit_usd",
)


def _unique_names(scenarios: Sequence[Scenario]) -> list[str]:
    names: list[str] = []
    for s in scenarios:
        name, k = s.name, 2
        while name in names:
            name, k = f"{s.name}_{k}", k + 1
        names.append(name)
    return names


def compare(
    scenarios: Sequence[Scenario],
    seed: int = 0,
    replications: int = 10,
    *,
    workers: int | None = None,
    progress: bool = False,
    executor: Executor | None = None,
    draws: Sequence[Mapping[str, Any]] | None = None,
) -> dict[str, RoiResult]:
    """ROI analysis of each scenario; every run of every scenario uses replications 0..R-1 of ``seed``.

    ``draws`` (e.g. posterior draws): replication ``r`` of every scenario runs with draw ``r``'s
    overrides applied; ``replications`` is then the number of draws.
    """
    if not scenarios:
        raise ValueError("scenarios: at least one scenario is needed")
    if draws:
        replications = len(draws)
    names = _unique_names(scenarios)
    variants: dict[str, Scenario | list[Scenario]] = {}
    for name, scenario in zip(names, scenarios):
        labelled = variants_over_draws(scenario, draws)[0] if draws else variants_of(scenario)[0]
        for label, variant in labelled.items():
            variants[f"{name}/{label}"] = variant
    runs = run_variants(
        variants, seed, replications, detail=[f"{n}/full" for n in names], workers=workers, progress=progress,
        executor=executor,
    )
    out = {}
    for name, scenario in zip(names, scenarios):
        mine = {label.split("/", 1)[1]: value for label, value in runs.items() if label.split("/", 1)[0] == name}
        out[name] = roi_analysis(scenario, mine, seed)
    return out


def comparison_table(results: dict[str, RoiResult]) -> pd.DataFrame:
    """One row per scenario and KPI: ``scenario, kpi, mean, low, high`` (95% interval of the mean)."""
    rows: list[dict[str, Any]] = []
    for name, result in results.items():
        for kpi in ROI_KPIS:
            rows.append({"scenario": name, "kpi": kpi, **result.kpi(kpi)})
        for section, key, label in SUMMARY_KPIS:
            value = result.summary.get(section, {}).get(key)
            if isinstance(value, dict):
                rows.append({"scenario": name, "kpi": label, "mean": value["mean"], "low": value["low"],
                             "high": value["high"]})
            else:
                rows.append({"scenario": name, "kpi": label, "mean": value, "low": value, "high": value})
    return pd.DataFrame(rows, columns=["scenario", "kpi", "mean", "low", "high"])


def _flatten(data: Any, prefix: str = "") -> dict[str, Any]:
    if isinstance(data, dict):
        out: dict[str, Any] = {}
        for key, value in data.items():
            out.update(_flatten(value, f"{prefix}.{key}" if prefix else str(key)))
        return out
    return {prefix: data}


def scenario_differences(scenarios: dict[str, Scenario]) -> pd.DataFrame:
    """Every scenario key whose value differs between the scenarios: one row per key, one column per scenario."""
    flat = {name: _flatten(s.to_dict()) for name, s in scenarios.items()}
    keys = sorted(set().union(*flat.values()))
    rows = []
    for key in keys:
        if key in ("name", "description"):
            continue
        values = [flat[name].get(key) for name in scenarios]
        if any(v != values[0] for v in values[1:]):
            rows.append({"key": key, **{name: flat[name].get(key) for name in scenarios}})
    return pd.DataFrame(rows, columns=["key", *scenarios])


