"""Plain-text summaries printed by the commands: KPIs of a run, ROI, comparisons, budget splits."""

from __future__ import annotations

from typing import TYPE_CHECKING

from sim.analysis.roi import FUNCTIONS, METHODS
from sim.formatting import number

if TYPE_CHECKING:
    from sim.analysis.optimize import SplitResult
    from sim.analysis.roi import RoiResult

__all__ = ["format_benchmarks", "format_comparison", "format_roi", "format_split", "format_summary"]


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
            return f"{number(value['mean'])}  [{number(value['low'])}, {number(value['high'])}]"
        return number(value)

    title = f"{name}" + (f" ({replications} replications: mean [95% interval])" if replications > 1 else "")
    lines = [title, "=" * len(title)]
    for section, keys in picks.items():
        lines.append(section)
        for key in keys:
            if key in summary[section]:
                lines.append(f"  {key:<22} {fmt(summary[section][key])}")
    return "\n".join(lines)


def format_roi(result: "RoiResult") -> str:
    """Text summary: ROI, payback, marginal and attributed ROI per function."""
    def cell(kpi: str, fmt: str = "{:+.2f}") -> str:
        try:
            k = result.kpi(kpi)
        except KeyError:
            return "n/a"
        if k["mean"] is None:
            return "absent"
        return f"{fmt.format(k['mean'])} [{fmt.format(k['low'])}, {fmt.format(k['high'])}]"

    title = f"{result.scenario.name}: ROI per function ({result.replications} replications, seed {result.seed})"
    lines = [title, "=" * len(title)]
    for f in FUNCTIONS:
        pay = result.payback[f]
        when = "not within horizon" if pay["mean"] is None else (
            f"day {pay['mean']} [{pay['low']}, {pay['high'] if pay['high'] is not None else 'never'}]")
        lines.append(f"{f}")
        lines.append(f"  incremental ROI at horizon     {cell(f'{f}_roi')}")
        lines.append(f"  payback                        {when}")
        lines.append(f"  marginal ROI                   {cell(f'{f}_marginal_roi')}")
        for method in METHODS:
            lines.append(f"  attributed ROI {method:<16}{cell(f'{f}_attributed_roi_{method}')}")
    lines.append(f"interaction (gross profit)       {cell('interaction_gross_profit_usd', '{:,.0f}')}")
    return "\n".join(lines)


def format_comparison(results: dict[str, "RoiResult"]) -> str:
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
