"""Compare scenarios on common random numbers: ROI of each function, payback, business KPIs.

``marketsim compare A.toml B.toml ... --replications 30 --out reports/q3`` runs every
scenario with its counterfactuals (without marketing, without reps, without both) on the
same seeds, in one batch with one progress bar, and writes ``comparison.csv``, ``roi.png``,
``funnel.png``, ``economics.png`` and a self-contained ``report.html``.
"""

from __future__ import annotations

import argparse
from pathlib import Path
from typing import Any, Sequence

import pandas as pd

from sim.analysis.roi import RoiResult, roi_analysis, run_variants, variants_of
from sim.running.executors import Executor
from sim.scenario.schema import Scenario

__all__ = ["compare", "comparison_table", "scenario_differences", "register"]

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
) -> dict[str, RoiResult]:
    """ROI analysis of each scenario; every run of every scenario uses replications 0..R-1 of ``seed``."""
    if not scenarios:
        raise ValueError("scenarios: at least one scenario is needed")
    names = _unique_names(scenarios)
    variants: dict[str, Scenario] = {}
    for name, scenario in zip(names, scenarios):
        for label, variant in variants_of(scenario)[0].items():
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


# ---------------------------------------------------------------------- CLI
def _cmd_compare(args: argparse.Namespace) -> int:
    from sim.cli.main import UsageError, load_scenario
    from sim.report.html import write_comparison

    if len(args.scenarios) < 1:
        raise UsageError("compare: give at least one scenario file")
    scenarios = [load_scenario(path, args.overrides) for path in args.scenarios]
    out = Path(args.out)
    results = compare(scenarios, seed=args.seed, replications=args.replications, workers=args.workers,
                      progress=not args.quiet)
    command = "marketsim compare " + " ".join(args.scenarios) + _options_text(args)
    written = write_comparison(out, results, command=command, sources=args.scenarios)
    if not args.quiet:
        print(format_comparison(results))
        print(f"\nwrote {out}/: " + ", ".join(written))
    return 0


def _options_text(args: argparse.Namespace) -> str:
    parts = [f" --replications {args.replications}", f" --seed {args.seed}"]
    parts += [f" --set {o}" for o in args.overrides]
    return "".join(parts) + f" --out {args.out}"


def format_comparison(results: dict[str, RoiResult]) -> str:
    """Short text table: ROI at the horizon and payback day of each function, per scenario."""
    lines = [f"{'scenario':<24}{'marketing ROI':>24}{'payback':>10}{'sales ROI':>24}{'payback':>10}"]

    def roi(result, f):
        k = result.kpi(f"{f}_roi")
        if k["mean"] is None:
            return "absent"
        return f"{k['mean']:+.2f} [{k['low']:+.2f}, {k['high']:+.2f}]"

    def pay(result, f):
        day = result.payback[f]["mean"]
        return "never" if day is None else f"day {day}"

    for name, result in results.items():
        lines.append(f"{name:<24}{roi(result, 'marketing'):>24}{pay(result, 'marketing'):>10}"
                     f"{roi(result, 'sales'):>24}{pay(result, 'sales'):>10}")
    return "\n".join(lines)


def _positive_int(text: str) -> int:
    try:
        value = int(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"{text!r} is not an integer") from None
    if value < 1:
        raise argparse.ArgumentTypeError(f"{value} is not allowed: must be >= 1")
    return value


def add_run_options(parser: argparse.ArgumentParser, replications: int) -> None:
    """--replications, --workers, --quiet (and the scenario options --set, --seed)."""
    from sim.cli.main import add_scenario_options

    add_scenario_options(parser)
    parser.add_argument("--replications", type=_positive_int, default=replications,
                        help=f"replications per scenario and variant (default {replications})")
    parser.add_argument("--workers", type=_positive_int, default=None,
                        help="local processes (default: all CPUs); results are identical on any number")
    parser.add_argument("--quiet", action="store_true", help="no progress bar or printed summary")


def register(subparsers) -> None:
    p = subparsers.add_parser(
        "compare", help="compare scenarios: ROI of each function, payback, KPIs, report.html",
        description="Run each scenario with and without each function on common seeds; write comparison.csv, "
                    "roi.png, funnel.png, economics.png and a self-contained report.html.",
    )
    p.add_argument("scenarios", nargs="+", help="scenario files (TOML)")
    p.add_argument("--out", default="reports/compare", help="output folder (default reports/compare)")
    add_run_options(p, replications=10)
    p.set_defaults(func=_cmd_compare)
