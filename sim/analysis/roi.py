"""ROI per function: incremental (causal) from counterfactual runs, marginal, and attributed.

Incremental ROI compares the scenario with itself run without a function, on common random
numbers (every phase draws from its own stream keyed by name, so the same seed and
replication give the same draws whatever the other functions do):

- counterfactuals: ``no_marketing`` = ``{"marketing.end_month": 0}`` (no channel spend and no
  marketing team); ``no_sales`` = ``{"sales.headcount": 0, "sales.plan": [], "sales.sdr.headcount": 0}``; ``neither``;
- per replication and day ``t``: ``cost_f(t)`` = the function's cumulative cost in the full
  run (marketing: channel spend + team; sales: salaries, loaded overhead, managers, commissions), ``incremental
  gross profit_f(t)`` = cumulative gross profit of the full run minus that of the run
  without ``f``, ``ROI_f(t) = (incremental gross profit_f(t) - cost_f(t)) / cost_f(t)``;
  absent (NaN, never a number) while ``cost_f(t) = 0``;
- payback day: the first day the mean ROI curve reaches 0 (its interval: the first days the
  upper and the lower 95% band reach 0); ``None`` = not within the horizon;
- interaction (alignment) term: ``full - no_marketing - no_sales + neither`` (cumulative
  gross profit); positive when each function makes the other more productive;
- marginal ROI: the same with +10% of one function's budget against the full run
  (``sim.scenario.variants``: ``scale_marketing``, ``add_reps``);
- attributed ROI: gross profit credited to each function by the first-touch, last-touch,
  linear and position-based heuristics over the touches each customer received
  (``RunResult.attribution``), with the same costs, set beside the incremental truth.

Means and 95% intervals (Student t over replications) everywhere; replication ``r`` of the
root seed is the same in every variant and every scenario compared.
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field
from typing import Any, Mapping, Sequence

import numpy as np
import pandas as pd

from sim.engine.attribution import Attribution
from sim.running.executors import Executor
from sim.running.statistics import interval
from sim.scenario.schema import Scenario
from sim.scenario.variants import MARGINAL_STEP, add_reps, counterfactuals, marginal_reps, scale_marketing

__all__ = [
    "FUNCTIONS",
    "Outcome",
    "RoiResult",
    "analyse",
    "attributed_by_function",
    "incremental_roi",
    "payback_day",
    "roi_analysis",
    "run_variants",
    "simulate",
    "variants_of",
    "variants_over_draws",
]

FUNCTIONS = ("marketing", "sales")
METHODS = tuple(m.value for m in Attribution)
#: Columns of the full run kept for the funnel and economics charts.
KEPT_COLUMNS = (
    "step", "date", "unaware", "aware", "considering", "lead", "opportunity", "negotiation", "customer", "lost",
    "churned", "leads", "marketing_leads", "stale_leads", "opportunities", "deals_won", "marketing_cost",
    "sales_cost", "revenue", "gross_profit", "contribution", "headcount",
)
LAST_DAYS = 90


# ---------------------------------------------------------------------- one run, reduced
@dataclass
class Outcome:
    """What one replication of one variant contributes to the ROI analysis (daily arrays)."""

    marketing_cost: np.ndarray
    sales_cost: np.ndarray
    gross_profit: np.ndarray
    summary: dict[str, Any]
    attributed: dict[str, np.ndarray] | None = None  # method -> (steps, 3): marketing, sales, organic revenue
    timeseries: pd.DataFrame | None = None
    decisions: pd.DataFrame | None = None  # the management agents' decisions (scenarios with [management])


def attributed_by_function(attribution: pd.DataFrame, channels: Sequence[str], steps: int) -> dict[str, np.ndarray]:
    """Attributed revenue per method, day and function (marketing = all channels, sales, organic).

    ``attribution`` is the long table of ``RunResult.attribution`` for one replication.
    Returns ``{method: array (steps, 3)}``; the three columns sum to the revenue credited on the day.
    """
    function_of = {c: 0 for c in channels} | {"sales": 1, "organic": 2}
    unknown = set(attribution["touchpoint"].unique()) - set(function_of)
    if unknown:
        raise ValueError(f"attribution: unknown touch points {sorted(unknown)}")
    column = attribution["touchpoint"].map(function_of).to_numpy()
    step = attribution["step"].to_numpy()
    value = attribution["revenue_usd"].to_numpy()
    out = {}
    for method in METHODS:
        mask = (attribution["method"] == method).to_numpy()
        table = np.zeros((steps, 3))
        np.add.at(table, (step[mask], column[mask]), value[mask])
        out[method] = table
    return out


def simulate(scenario: Scenario, seed: int, replication: int, detail: bool = False) -> Outcome:
    """One replication, reduced to the daily costs and gross profit (and, with ``detail``,
    the attribution per function and the columns the charts need)."""
    from sim.running.run import run_one

    part = run_one(scenario, seed, replication)
    ts = part.timeseries
    outcome = Outcome(
        marketing_cost=ts["marketing_cost"].to_numpy(dtype=float),
        sales_cost=ts["sales_cost"].to_numpy(dtype=float),
        gross_profit=ts["gross_profit"].to_numpy(dtype=float),
        summary=part.summary,
    )
    if detail:
        outcome.attributed = attributed_by_function(part.attribution, list(scenario.channels), len(ts))
        spend = [c for c in ts if c.startswith("spend_")]  # (the levers chart)
        outcome.timeseries = ts[[c for c in KEPT_COLUMNS if c in ts] + spend].assign(replication=replication)
        outcome.decisions = part.decisions
    return outcome


def run_variants(
    variants: Mapping[str, Scenario | Sequence[Scenario]],
    seed: int,
    replications: int,
    *,
    detail: Sequence[str] = ("full",),
    workers: int | None = None,
    progress: bool = False,
    executor: Executor | None = None,
) -> dict[str, list[Outcome]]:
    """Every variant x replication in one batch (one progress bar), on the same seeds.

    Replication ``r`` of every variant uses the streams of (``seed``, ``r``): common random numbers.
    A variant given as a sequence runs its entry ``r`` as replication ``r`` (posterior draws).
    ``executor`` (e.g. a ``DaskExecutor``) runs them instead of ``workers`` local processes.
    """
    from sim.running.executors import run_tasks

    if replications < 1:
        raise ValueError(f"replications: {replications!r} is not allowed: must be >= 1")
    labels = list(variants)
    tasks = [
        dict(scenario=variants[label] if isinstance(variants[label], Scenario) else variants[label][r],
             seed=seed, replication=r, detail=label in detail)
        for label in labels
        for r in range(replications)
    ]
    results = run_tasks(simulate, tasks, workers=workers, executor=executor, progress=progress, desc="runs")
    return {label: results[i * replications : (i + 1) * replications] for i, label in enumerate(labels)}


# ---------------------------------------------------------------------- pure functions
def incremental_roi(incremental_gross_profit: np.ndarray, cost: np.ndarray) -> np.ndarray:
    """``(incremental gross profit - cost) / cost``, NaN (absent) where the cost is 0."""
    gp = np.asarray(incremental_gross_profit, dtype=float)
    cost = np.asarray(cost, dtype=float)
    out = np.full(np.broadcast(gp, cost).shape, np.nan)
    np.divide(gp - cost, cost, out=out, where=cost > 0)
    return out


def payback_day(roi: np.ndarray) -> int | None:
    """First day with ROI >= 0 (absent days never pay back); ``None``: not within the horizon."""
    hit = np.flatnonzero(np.nan_to_num(np.asarray(roi, dtype=float), nan=-np.inf) >= 0)
    return int(hit[0]) if hit.size else None


_SAME = object()


def _kpi(mean: Any, low: Any = _SAME, high: Any = _SAME) -> dict[str, float | None]:
    """A KPI row; bounds not given equal the mean, bounds given as ``None`` stay missing."""
    def clean(v):
        if v is None:
            return None
        v = float(v)
        return v if math.isfinite(v) else None

    m = clean(mean)
    return {"mean": m, "low": m if low is _SAME else clean(low), "high": m if high is _SAME else clean(high)}


# ---------------------------------------------------------------------- the analysis
@dataclass
class RoiResult:
    """ROI of both functions for one scenario.

    Attributes
    ----------
    timeline : long table ``step, date, function, quantity, mean, low, high``; quantities
        ``cost_usd``, ``incremental_gross_profit_usd``, ``roi``, ``daily_incremental_gross_profit_usd``
        (functions ``marketing``, ``sales``) and ``interaction_gross_profit_usd`` (function ``both``).
    kpis : ``kpi, mean, low, high`` at the horizon (ROI, payback days, marginal ROI, interaction, ...).
    attribution : ``function, method, gross_profit_usd_*, roi_*, credit_vs_incremental``: each
        heuristic beside the incremental truth (method ``incremental``).
    payback : function -> ``{mean, low, high, absent}`` payback day (``None``: not within the horizon,
        or, for the bounds of one replication, no interval); ``absent``: the function cost nothing,
        so it has no ROI and no payback.
    decisions : the management agents' decisions in the full runs (``replication, date, function,
        lever, before, after, reason``), or ``None`` when the scenario has no ``[management]``.
    """

    scenario: Scenario
    seed: int
    replications: int
    timeline: pd.DataFrame
    kpis: pd.DataFrame
    attribution: pd.DataFrame
    payback: dict[str, dict[str, int | None]]
    timeseries: pd.DataFrame | None = None
    summary: dict[str, Any] = field(default_factory=dict)
    marginal: dict[str, Any] = field(default_factory=dict)
    decisions: pd.DataFrame | None = None

    def kpi(self, name: str) -> dict[str, float | None]:
        row = self.kpis.loc[self.kpis["kpi"] == name]
        if row.empty:
            raise KeyError(name)
        return {k: (None if pd.isna(row.iloc[0][k]) else float(row.iloc[0][k])) for k in ("mean", "low", "high")}


def _stack(outcomes: list[Outcome], name: str) -> np.ndarray:
    return np.vstack([getattr(o, name) for o in outcomes])


def _cumulative(outcomes: list[Outcome], name: str) -> np.ndarray:
    return np.cumsum(_stack(outcomes, name), axis=1)


def roi_analysis(
    scenario: Scenario,
    runs: Mapping[str, list[Outcome]],
    seed: int,
    marginal: Mapping[str, tuple[str, float]] | None = None,
) -> RoiResult:
    """Turn the runs of :func:`run_variants` (variants ``full``, ``no_marketing``, ``no_sales``,
    ``neither``, optionally ``marketing_plus`` and ``sales_plus``) into ROI timelines and KPIs.

    ``marginal`` maps a function to ``(variant, budget change)`` described in the KPIs.
    """
    full = runs["full"]
    replications = len(full)
    steps = full[0].gross_profit.size
    dates = pd.date_range(scenario.time.start_date, periods=steps, freq="D")
    gp = {label: _cumulative(outs, "gross_profit") for label, outs in runs.items()}
    costs = {f: _cumulative(full, f"{f}_cost") for f in FUNCTIONS}
    incremental = {"marketing": gp["full"] - gp["no_marketing"], "sales": gp["full"] - gp["no_sales"]}
    interaction = gp["full"] - gp["no_marketing"] - gp["no_sales"] + gp["neither"]

    frames = []
    kpis: list[dict[str, Any]] = []
    payback: dict[str, dict[str, int | None]] = {}

    def add(function: str, quantity: str, per_rep: np.ndarray) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
        mean, low, high = interval(per_rep)
        frames.append(
            pd.DataFrame(
                {"step": np.arange(steps), "date": dates, "function": function, "quantity": quantity,
                 "mean": mean, "low": low, "high": high}
            )
        )
        return mean, low, high

    for f in FUNCTIONS:
        add(f, "cost_usd", costs[f])
        add(f, "incremental_gross_profit_usd", incremental[f])
        daily = np.diff(incremental[f], axis=1, prepend=0.0)
        add(f, "daily_incremental_gross_profit_usd", daily)
        roi = incremental_roi(incremental[f], costs[f])
        mean, low, high = add(f, "roi", roi)
        # A bound that is not reached stays None ("never"), it is not replaced by the mean; with
        # one replication there are no bands (None, "n/a"); a function that never cost anything
        # has no ROI at all ("absent", not "never").
        absent = bool(np.isnan(mean).all())
        single = replications == 1
        payback[f] = {"mean": payback_day(mean), "low": None if single else payback_day(high),
                      "high": None if single else payback_day(low), "absent": absent}
        kpis.append({"kpi": f"{f}_roi", **_kpi(mean[-1], low[-1], high[-1])})
        kpis.append({"kpi": f"{f}_payback_day", **_kpi(*(payback[f][k] for k in ("mean", "low", "high")))})
        kpis.append({"kpi": f"{f}_cost_usd", **_kpi(*(v[-1] for v in interval(costs[f])))})
        kpis.append({"kpi": f"{f}_incremental_gross_profit_usd", **_kpi(*(v[-1] for v in interval(incremental[f])))})
        # What the function still brings in at the end (e.g. long after its spend stopped).
        before = incremental[f][:, -LAST_DAYS - 1] if steps > LAST_DAYS else 0.0
        last = incremental[f][:, -1] - before
        kpis.append({"kpi": f"{f}_incremental_gross_profit_last_{LAST_DAYS}_days_usd", **_kpi(*interval(last))})
    mean, low, high = add("both", "interaction_gross_profit_usd", interaction)
    kpis.append({"kpi": "interaction_gross_profit_usd", **_kpi(mean[-1], low[-1], high[-1])})
    kpis.append({"kpi": "baseline_gross_profit_usd", **_kpi(*(v[-1] for v in interval(gp["neither"])))})

    marginal_info: dict[str, Any] = {}
    for f, (label, change) in (marginal or {}).items():
        if label not in runs:
            continue
        plus = runs[label]
        extra_cost = _cumulative(plus, f"{f}_cost") - costs[f]
        extra_gp = gp[label] - gp["full"]
        mroi = incremental_roi(extra_gp, extra_cost)
        mean, low, high = interval(mroi[:, -1:])
        kpis.append({"kpi": f"{f}_marginal_roi", **_kpi(mean[0], low[0], high[0])})
        extra = interval(extra_cost[:, -1:])[0][0]
        base = interval(costs[f][:, -1:])[0][0]
        kpis.append({"kpi": f"{f}_marginal_extra_cost_usd", **_kpi(extra)})
        marginal_info[f] = {"change": change, "extra_cost_usd": float(extra),
                            "extra_cost_share": float(extra / base) if base else None}

    # Attributed ROI: each heuristic's credit (as gross profit) against the same costs.
    margin = scenario.economics.gross_margin
    rows = []
    attributed = [o.attributed for o in full]
    for i, f in enumerate(FUNCTIONS):
        truth = interval(incremental[f][:, -1])
        truth_roi = interval(incremental_roi(incremental[f][:, -1], costs[f][:, -1]))
        rows.append({"function": f, "method": "incremental", **_money_roi(truth, truth_roi), "credit_vs_incremental": 1.0})
        if attributed[0] is None:
            continue
        for method in METHODS:
            credited = np.array([a[method][:, i].sum() for a in attributed]) * margin
            value = interval(credited)
            roi = interval(incremental_roi(credited, costs[f][:, -1]))
            ratio = value[0] / truth[0] if truth[0] else np.nan
            rows.append({"function": f, "method": method, **_money_roi(value, roi), "credit_vs_incremental": ratio})
            kpis.append({"kpi": f"{f}_attributed_roi_{method}", **_kpi(roi[0], roi[1], roi[2])})
    attribution = pd.DataFrame(rows)
    kpi_table = pd.DataFrame(kpis, columns=["kpi", "mean", "low", "high"])
    timeline = pd.concat(frames, ignore_index=True)
    if replications == 1:
        # One replication has no interval: n/a, never a zero-width "95% interval".
        for table, columns in ((kpi_table, ["low", "high"]), (timeline, ["low", "high"]),
                               (attribution, [c for c in attribution if c.endswith(("_low", "_high"))])):
            table[columns] = np.nan

    timeseries = None
    if full[0].timeseries is not None:
        timeseries = pd.concat([o.timeseries for o in full], ignore_index=True)
    decisions = [o.decisions for o in full if o.decisions is not None]
    from sim.running.metrics import aggregate

    summary = full[0].summary if replications == 1 else aggregate([o.summary for o in full])
    return RoiResult(
        scenario=scenario,
        seed=int(seed),
        replications=replications,
        timeline=timeline,
        kpis=kpi_table,
        attribution=attribution,
        payback=payback,
        timeseries=timeseries,
        summary=summary,
        marginal=marginal_info,
        decisions=pd.concat(decisions, ignore_index=True) if decisions else None,
    )


def _money_roi(value, roi) -> dict[str, float]:
    return {
        "gross_profit_usd": float(np.asarray(value[0])), "gross_profit_usd_low": float(np.asarray(value[1])),
        "gross_profit_usd_high": float(np.asarray(value[2])),
        "roi": float(np.asarray(roi[0])), "roi_low": float(np.asarray(roi[1])), "roi_high": float(np.asarray(roi[2])),
    }


def variants_of(scenario: Scenario, marginal: bool = False) -> tuple[dict[str, Scenario], dict[str, tuple[str, str]]]:
    """The counterfactual variants of ``scenario`` (and the +10% ones when ``marginal``)."""
    variants = counterfactuals(scenario)
    described: dict[str, tuple[str, str]] = {}
    if marginal:
        if scenario.channels and any(c.monthly_budget_usd > 0 or c.schedule_usd for c in scenario.channels.values()):
            variants["marketing_plus"] = scale_marketing(scenario, 1.0 + MARGINAL_STEP)
            described["marketing"] = ("marketing_plus", f"channel budgets x{1 + MARGINAL_STEP:g}")
        if scenario.sales.headcount > 0 or any(c.headcount > 0 for c in scenario.sales.plan):
            extra = marginal_reps(scenario)
            variants["sales_plus"] = add_reps(scenario, extra)
            described["sales"] = ("sales_plus", f"+{extra} rep{'s' if extra > 1 else ''}")
    return variants, described


def variants_over_draws(scenario: Scenario, draws: Sequence[Mapping[str, Any]], marginal: bool = False
                        ) -> tuple[dict[str, list[Scenario]], dict[str, tuple[str, str]]]:
    """The variants of ``scenario`` with each draw's overrides (e.g. posterior draws) applied first:
    ``{label: [variant at draw 0, draw 1, ...]}``."""
    per_draw = [variants_of(scenario.with_overrides(draw), marginal)[0] for draw in draws]
    return {label: [v[label] for v in per_draw] for label in per_draw[0]}, variants_of(scenario, marginal)[1]


def analyse(
    scenario: Scenario,
    seed: int = 0,
    replications: int = 10,
    *,
    marginal: bool = True,
    workers: int | None = None,
    progress: bool = False,
    executor: Executor | None = None,
    draws: Sequence[Mapping[str, Any]] | None = None,
) -> RoiResult:
    """Run the counterfactuals (and the +10% variants) of ``scenario`` and analyse them.

    ``draws`` (overrides per replication, e.g. posterior draws): replication ``r`` runs with
    draw ``r`` applied; ``replications`` is then the number of draws.
    """
    if draws:
        variants, described = variants_over_draws(scenario, draws, marginal)
        replications = len(draws)
    else:
        variants, described = variants_of(scenario, marginal)
    runs = run_variants(variants, seed, replications, workers=workers, progress=progress, executor=executor)
    return roi_analysis(scenario, runs, seed, marginal=described)
