"""Plain-text summaries printed by the commands: KPIs of a run, ROI, comparisons, budget splits."""

from __future__ import annotations

from typing import TYPE_CHECKING

from sim.analysis.roi import FUNCTIONS, METHODS
from sim.formatting import ABSENT, MISSING, NEVER, day, number, plural, signed

if TYPE_CHECKING:
    from sim.analysis.optimize import SplitResult
    from sim.analysis.roi import RoiResult

__all__ = ["format_benchmarks", "format_comparison", "format_roi", "format_split", "format_summary", "interval_text", "payback_text"]


def interval_text(mean, low, high, fmt=number, missing: str = MISSING, bound_missing: str = MISSING) -> str:
    """``mean [low, high]``; ``missing`` without a mean, ``mean [n/a]`` without bounds (one replication)."""
    if mean is None:
        return missing
    if low is None and high is None and bound_missing == MISSING:
        return f"{fmt(mean)} [{MISSING}]"
    return f"{fmt(mean)} [{fmt(low) if low is not None else bound_missing}, " \
           f"{fmt(high) if high is not None else bound_missing}]"


def payback_text(pay: dict, replications: int) -> str:
    """``day 267 [207, never]``; ``never [201, never]``; ``absent`` (the function cost nothing);
    ``day 267 [n/a]`` (one replication, no interval)."""
    if pay.get("absent"):
        return ABSENT
    head = NEVER if pay["mean"] is None else f"day {day(pay['mean'])}"
    if replications == 1:
        return f"{head} [{MISSING}]"
    return f"{head} [{day(pay['low'])}, {day(pay['high'])}]"


def format_summary(summary: dict, name: str, replications: int) -> str:
    """A short text table of the main KPIs per function."""
    picks = {
        "marketing": ["cost_usd", "impressions", "clicks", "leads", "cost_per_lead_usd", "awareness_share"],
        "sales": ["cost_usd", "opportunities", "deals_won", "win_rate", "avg_deal_size_usd", "avg_discount",
                  "cycle_days", "stale_leads", "quota_attainment"],
        "total": ["revenue_usd", "gross_profit_usd", "contribution_usd", "new_customers", "customers", "cac_usd",
                  "ltv_to_cac"],
    }

    def fmt(value) -> str:
        if isinstance(value, dict):
            if value.get("mean") is None:
                return "n/a"
            return interval_text(value["mean"], value["low"], value["high"])
        return number(value)

    title = f"{name}" + (f" ({plural(replications, 'replication')}: mean [95% interval])" if replications > 1 else "")
    lines = [title, "=" * len(title)]
    for section, keys in picks.items():
        lines.append(section)
        for key in keys:
            if key in summary[section]:
                lines.append(f"  {key:<22} {fmt(summary[section][key])}")
    return "\n".join(lines)


def format_roi(result: "RoiResult") -> str:
    """Text summary: ROI, payback, marginal and attributed ROI per function."""
    def cell(kpi: str, fmt=signed) -> str:
        try:
            k = result.kpi(kpi)
        except KeyError:
            return MISSING
        return interval_text(k["mean"], k["low"], k["high"], fmt, missing=ABSENT)

    title = (f"{result.scenario.name}: ROI per function ({plural(result.replications, 'replication')}, "
             f"seed {result.seed})")
    lines = [title, "=" * len(title)]
    for f in FUNCTIONS:
        lines.append(f"{f}")
        lines.append(f"  incremental ROI at horizon     {cell(f'{f}_roi')}")
        lines.append(f"  payback                        {payback_text(result.payback[f], result.replications)}")
        if f"{f}_marginal_roi" in set(result.kpis["kpi"]):
            lines.append(f"  marginal ROI                   {cell(f'{f}_marginal_roi')}")
        for method in METHODS:
            lines.append(f"  attributed ROI {method:<16}{cell(f'{f}_attributed_roi_{method}')}")
    lines.append(f"interaction (gross profit)       {cell('interaction_gross_profit_usd', lambda v: f'{v:,.0f}')}")
    return "\n".join(lines)


def format_comparison(results: dict[str, "RoiResult"]) -> str:
    """Short text table: ROI at the horizon and payback day of each function, per scenario."""
    lines = [f"{'scenario':<24}{'marketing ROI':>24}{'payback':>24}{'sales ROI':>24}{'payback':>24}"]

    def roi(result, f):
        k = result.kpi(f"{f}_roi")
        return interval_text(k["mean"], k["low"], k["high"], signed, missing=ABSENT)

    for name, result in results.items():
        pay = {f: payback_text(result.payback[f], result.replications) for f in FUNCTIONS}
        lines.append(f"{name:<24}{roi(result, 'marketing'):>24}{pay['marketing']:>24}"
                     f"{roi(result, 'sales'):>24}{pay['sales']:>24}")
    return "\n".join(lines)


def format_split(result: "SplitResult") -> str:
    c = result.curve
    lines = [
        f"{result.scenario.name}: ${result.total_budget_usd:,.0f} over {result.scenario.time.horizon_days} days "
        f"between channels and reps ({result.replications} replications, seed {result.seed})",
        f"{'reps':>5} {'mkt share':>10} {'marketing $':>13} {'profit mean [95% interval]':>40} {'vs best':>28}",
    ]
    for _, r in c.iterrows():
        diff = "best" if r["diff_to_best_mean"] == 0 and not r["indistinguishable"] else (
            f"{r['diff_to_best_mean']:+,.0f} [{r['diff_to_best_low']:+,.0f}, {r['diff_to_best_high']:+,.0f}]")
        lines.append(f"{int(r['reps']):>5} {r['marketing_share']:>10.1%} {r['marketing_budget_usd']:>13,.0f} "
                     f"{r['profit_mean']:>14,.0f} [{r['profit_low']:,.0f}, {r['profit_high']:,.0f}]".ljust(72)
                     + f" {diff:>28}")
    b = result.best
    ties = c.loc[c["indistinguishable"], "reps"].astype(int).tolist()
    lines.append(
        f"\nbest split: {int(b['reps'])} reps (${b['sales_budget_usd']:,.0f}) and ${b['marketing_budget_usd']:,.0f} "
        f"to marketing ({b['marketing_share']:.1%}); expected profit ${b['profit_mean']:,.0f} "
        f"[{b['profit_low']:,.0f}, {b['profit_high']:,.0f}]"
    )
    lines.append(
        "splits not distinguishable from it (paired 95% interval of the difference contains 0): "
        + (", ".join(f"{n} rep{'' if n == 1 else 's'}" for n in ties) if ties else "none")
    )
    return "\n".join(lines)


def format_benchmarks(table, name: str, replications: int) -> str:
    """The benchmark table (``sim.analysis.benchmarks.benchmark_table``) as aligned text."""
    reps = f"{replications} replication{'s' if replications != 1 else ''}"
    title = f"{name}: KPIs beside published B2B SaaS ranges ({reps}: mean" + (
        " [95% interval])" if replications > 1 else ")")
    lines = [title, "=" * len(title),
             f"{'kpi':<34}{'value':>26}  {'range':>13}  {'verdict':<8} source"]
    for _, r in table.iterrows():
        value = number(r["mean"])
        if replications > 1 and r["low"] is not None and r["mean"] is not None:
            value += f" [{number(r['low'])}, {number(r['high'])}]"
        rng = f"{r['range_low']:g}-{r['range_high']:g}"
        lines.append(f"{r['kpi']:<34}{value:>26}  {rng:>13}  {r['verdict']:<8} {r['source']}")
    inside = int((table["verdict"] == "inside").sum())
    lines.append(f"\n{inside} of {len(table)} inside their published range")
    return "\n".join(lines)
