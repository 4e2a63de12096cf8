"""Split a fixed budget between marketing and sales to maximise expected profit.

The budget over the horizon pays for marketing channels and rep base salaries (the
marketing team's cost, the reps' loaded overhead, managers and commissions are outside it:
the team is a fixed overhead, the same in every split, overhead and managers follow the
headcount, and commissions are paid out of deals; all of them count in the profit). Headcount is whole, so the candidate
splits are exactly the feasible headcounts ``n = 0, 1, ...``: ``n`` reps for the whole horizon
cost ``n x annual salary x horizon / 365``, and the rest goes to the channels in the
scenario's proportions (every channel budget and schedule scaled by one factor). Every split
is searched (no interpolation between headcounts) and every split runs on the same
replications of the same seed (common random numbers), so differences between splits are
not sampling noise in the populations, and the best split is compared with each other
split by a paired interval.

Objective: expected profit = cumulative gross profit - marketing cost - sales cost at the
horizon (mean over replications, 95% Student-t interval).
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from typing import Any

import numpy as np
import pandas as pd

from sim.running.executors import Executor
from sim.running.statistics import interval
from sim.scenario.variants import scale_marketing
from sim.scenario.schema import Scenario

__all__ = ["MAX_SPLITS", "SplitResult", "budget_splits", "split_headcounts", "channel_spend_usd", "optimize_split"]


def channel_spend_usd(scenario: Scenario) -> float:
    """Channel spend over the horizon (all channels), as the scenario's schedules imply."""
    from sim.engine.marketing import daily_budget

    return float(
        sum(
            daily_budget(c, scenario.time.start_date, scenario.time.horizon_days, scenario.marketing.end_month).sum()
            for c in scenario.channels.values()
        )
    )


def rep_cost_usd(scenario: Scenario) -> float:
    """Salary of one rep over the horizon."""
    return scenario.sales.annual_salary_usd * scenario.time.horizon_days / 365.0


#: Default most splits evaluated; more feasible headcounts are coarsened to evenly spaced ones.
MAX_SPLITS = 41
#: The largest headcount a scenario allows (``sales.headcount``).
MAX_HEADCOUNT = 100_000


def split_headcounts(
    scenario: Scenario, total_budget_usd: float, min_share: float = 0.0, max_share: float = 1.0,
    max_splits: int = MAX_SPLITS,
) -> tuple[list[int], str]:
    """The headcounts to evaluate and a sentence saying how they were chosen.

    Every feasible whole headcount when there are at most ``max_splits``; otherwise
    ``max_splits`` evenly spaced ones from the smallest to the largest feasible (both kept).
    Raises ``ValueError`` (naming the parameter) when no split is possible.
    """
    if not total_budget_usd > 0:
        raise ValueError(f"total budget: {total_budget_usd!r} is not allowed: must be > 0")
    if not 0.0 <= min_share <= max_share <= 1.0:
        raise ValueError(f"marketing share bounds: [{min_share}, {max_share}] is not allowed: need 0 <= min <= max <= 1")
    if max_splits < 2:
        raise ValueError(f"max splits: {max_splits!r} is not allowed: must be >= 2")
    per_rep = rep_cost_usd(scenario)
    if per_rep <= 0:
        raise ValueError("sales.annual_salary_usd: 0 is not allowed here: reps must cost something to be budgeted")
    # share = 1 - reps x per_rep / budget, so the share bounds are bounds on the headcount.
    most = int(math.floor(total_budget_usd / per_rep + 1e-9))
    high = min(most, int(math.floor((1.0 - min_share) * total_budget_usd / per_rep + 1e-9)))
    low = max(0, int(math.ceil((1.0 - max_share) * total_budget_usd / per_rep - 1e-9)))
    if low > high:
        raise ValueError(
            f"marketing share bounds [{min_share}, {max_share}]: no whole headcount fits; one rep costs "
            f"${per_rep:,.0f} over the horizon ({per_rep / total_budget_usd:.1%} of the budget)"
        )
    if low > MAX_HEADCOUNT:
        raise ValueError(
            f"total budget: ${total_budget_usd:,.0f} needs at least {low:,} reps at these share bounds, more than "
            f"the {MAX_HEADCOUNT:,} a scenario allows (sales.headcount); give a smaller budget or raise "
            "--max-marketing-share")
    notes = []
    if high > MAX_HEADCOUNT:
        notes.append(f"headcounts above {MAX_HEADCOUNT:,} (the limit of sales.headcount) are left out")
        high = MAX_HEADCOUNT
    count = high - low + 1
    if count <= max_splits:
        heads = list(range(low, high + 1))
        how = f"every whole headcount from {low:,} to {high:,}"
    else:
        heads = sorted({int(round(low + i * (high - low) / (max_splits - 1))) for i in range(max_splits)})
        how = (f"{len(heads)} evenly spaced headcounts from {low:,} to {high:,} (of {count:,} feasible; "
               f"--max-splits sets how many)")
    return heads, "; ".join([how, *notes])


def budget_splits(
    scenario: Scenario, total_budget_usd: float, min_share: float = 0.0, max_share: float = 1.0,
    max_splits: int = MAX_SPLITS,
) -> list[dict[str, Any]]:
    """The splits to evaluate (:func:`split_headcounts`): ``reps``, ``marketing_share``, budgets
    and the scenario to run.

    Raises ``ValueError`` (naming the parameter) when no split is possible.
    """
    heads, _ = split_headcounts(scenario, total_budget_usd, min_share, max_share, max_splits)
    base_spend = channel_spend_usd(scenario)
    if base_spend <= 0:
        raise ValueError(
            f"{scenario.name}: the channels spend nothing over the horizon, so there are no marketing proportions "
            "to scale; give the channels a budget"
        )
    per_rep = rep_cost_usd(scenario)
    splits = []
    for reps in heads:
        sales_usd = reps * per_rep
        marketing_usd = total_budget_usd - sales_usd
        variant = scale_marketing(scenario, marketing_usd / base_spend).with_overrides(
            {"sales.headcount": reps, "sales.plan": []}
        )
        splits.append({"reps": reps, "marketing_share": marketing_usd / total_budget_usd,
                       "marketing_budget_usd": marketing_usd, "sales_budget_usd": sales_usd, "scenario": variant})
    return splits


def profit_of_run(scenario: Scenario, seed: int, replication: int) -> dict[str, float]:
    """One replication's cumulative gross profit, costs and profit at the horizon."""
    from sim.running.run import run_one

    ts = run_one(scenario, seed, replication).timeseries
    gp, mc, sc = (float(ts[c].sum()) for c in ("gross_profit", "marketing_cost", "sales_cost"))
    return {"gross_profit_usd": gp, "marketing_cost_usd": mc, "sales_cost_usd": sc, "profit_usd": gp - mc - sc}


@dataclass
class SplitResult:
    """The response curve (one row per split) and the best split.

    ``curve`` columns: reps, marketing_share, marketing_budget_usd, sales_budget_usd,
    profit_mean/low/high, gross_profit_mean, marketing_cost_mean, sales_cost_mean,
    diff_to_best_mean/low/high (paired, on common seeds), indistinguishable (the paired
    interval contains 0).
    """

    scenario: Scenario
    total_budget_usd: float
    seed: int
    replications: int
    curve: pd.DataFrame
    profits: np.ndarray  # (splits, replications)

    @property
    def best(self) -> dict[str, Any]:
        return self.curve.loc[self.curve["profit_mean"].idxmax()].to_dict()


def optimize_split(
    scenario: Scenario,
    total_budget_usd: float,
    *,
    seed: int = 0,
    replications: int = 10,
    min_share: float = 0.0,
    max_share: float = 1.0,
    workers: int | None = None,
    progress: bool = False,
    executor: Executor | None = None,
    max_splits: int = MAX_SPLITS,
) -> SplitResult:
    """Evaluate every feasible split on common seeds and pick the one with the highest expected profit."""
    from sim.running.executors import run_tasks

    if replications < 1:
        raise ValueError(f"replications: {replications!r} is not allowed: must be >= 1")
    splits = budget_splits(scenario, total_budget_usd, min_share, max_share, max_splits)
    tasks = [dict(scenario=s["scenario"], seed=seed, replication=r) for s in splits for r in range(replications)]
    runs = run_tasks(profit_of_run, tasks, workers=workers, executor=executor, progress=progress,
                     desc="splits x replications")
    table = {k: np.array([x[k] for x in runs]).reshape(len(splits), replications) for k in runs[0]}
    profit = table["profit_usd"]
    mean, low, high = interval(profit.T)
    best = int(np.argmax(mean))
    d_mean, d_low, d_high = interval((profit - profit[best]).T)
    curve = pd.DataFrame(
        {
            "reps": [s["reps"] for s in splits],
            "marketing_share": [s["marketing_share"] for s in splits],
            "marketing_budget_usd": [s["marketing_budget_usd"] for s in splits],
            "sales_budget_usd": [s["sales_budget_usd"] for s in splits],
            "profit_mean": mean, "profit_low": low, "profit_high": high,
            "gross_profit_mean": table["gross_profit_usd"].mean(axis=1),
            "marketing_cost_mean": table["marketing_cost_usd"].mean(axis=1),
            "sales_cost_mean": table["sales_cost_usd"].mean(axis=1),
            "diff_to_best_mean": d_mean, "diff_to_best_low": d_low, "diff_to_best_high": d_high,
        }
    )
    curve["indistinguishable"] = (curve["diff_to_best_high"] >= 0) & (np.arange(len(curve)) != best)
    return SplitResult(scenario, float(total_budget_usd), int(seed), replications, curve, profit)


