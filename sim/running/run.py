"""``run(scenario, seed)``: the pure factory from a scenario to its results.

Sweeps, comparisons and the CLI all go through here. Replication ``r`` of root seed ``s``
draws its streams from ``SeedSequence(s, spawn_key=(r, ...))``, so replication 0 is the
plain run with seed ``s`` and every replication is reproducible on its own.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from sim.engine.attribution import Attribution
from sim.running.executors import Executor
from sim.running.metrics import aggregate, summarize
from sim.running.results import Replication, RunResult
from sim.engine.model import MarketModel
from sim.scenario.schema import Purchase, Scenario

__all__ = ["ENGINES", "Replication", "RunResult", "run", "run_one"]

#: Simulation engines: the vectorised one, and the one-agent-per-customer reference model.
ENGINES = ("fast", "reference")


def run_one(
    scenario: Scenario, seed: int, replication: int = 0, trace: int = 0, progress: bool = False, engine: str = "fast"
) -> Replication:
    """One replication of one scenario."""
    if engine not in ENGINES:
        raise ValueError(f"engine: {engine!r} is not allowed: must be one of {', '.join(map(repr, ENGINES))}")
    if engine == "reference":
        if scenario.management is not None:
            raise ValueError("engine: 'reference' does not simulate [management]; use engine 'fast'")
        from sim.engine.reference import ReferenceModel

        model = ReferenceModel(scenario, seed=seed, replication=replication, trace=trace)
    else:
        model = MarketModel(scenario, seed=seed, replication=replication, trace=trace)
    model.run(progress=progress)
    ts = model.datacollector.get_model_vars_dataframe().reset_index(drop=True)
    ts.insert(0, "replication", replication)
    ts.insert(2, "date", (np.datetime64(scenario.time.start_date, "D") + ts["step"].to_numpy()).astype(str))  # (model.date_of)
    deals = model.deals()
    deals.insert(0, "replication", replication)
    losses = model.losses()
    losses.insert(0, "replication", replication)
    reps = model.sales.reps + model.sales.former_reps
    from sim.engine.customers import WON_BY

    summary = summarize(
        ts,
        deals,
        population=scenario.market.population,
        channels=list(scenario.channels),
        quota_usd=sum(r.quota_usd for r in reps),
        won_value_by_reps_usd=sum(r.won_value_usd for r in reps),
        won_by_count=dict(zip(WON_BY, model.won_by_count.tolist())),
        churned_by_won=dict(zip(WON_BY, model.churned_by_won.tolist())),
        gross_margin=scenario.economics.gross_margin,
        subscription_segments=[name for name, seg in scenario.market.segments.items()
                               if seg.purchase is Purchase.SUBSCRIPTION],
        losses=losses,
        stale_by_segment=dict(zip(scenario.market.segments, (int(n) for n in model.sales.stale_by_segment))),
    )
    steps, n_methods, n_tp = model.attributed_revenue.shape
    attribution = pd.DataFrame(
        {
            "replication": replication,
            "step": np.repeat(np.arange(steps), n_methods * n_tp),
            "method": np.tile(np.repeat([m.value for m in Attribution], n_tp), steps),
            "touchpoint": np.tile(np.array(model.touchpoints, dtype=object), steps * n_methods),
            "revenue_usd": model.attributed_revenue.reshape(-1),
        }
    )
    journeys = model.trace.frame() if model.trace is not None else None
    if journeys is not None:
        journeys.insert(0, "replication", replication)
    decisions = None
    if scenario.management is not None:
        from sim.engine.management import DECISION_COLUMNS

        management = getattr(model, "management", None)
        decisions = management.decisions() if management is not None else pd.DataFrame(columns=list(DECISION_COLUMNS))
        decisions.insert(0, "replication", replication)
    return Replication(ts, summary, deals, losses, attribution, journeys, decisions)


def run(
    scenario: Scenario,
    seed: int = 0,
    *,
    replications: int = 1,
    trace: int = 0,
    progress: bool = False,
    engine: str = "fast",
    workers: int = 1,
    executor: Executor | None = None,
) -> RunResult:
    """Run ``scenario`` with root ``seed`` for ``replications`` replications.

    The same scenario and seed always give identical results, on 1 or N ``workers``
    (local processes; ``None``: all CPUs) or on any ``executor`` (e.g. a ``DaskExecutor``,
    which then replaces ``workers``).
    """
    if not isinstance(scenario, Scenario):
        raise TypeError(f"scenario: expected a Scenario, got {type(scenario).__name__}")
    if replications < 1:
        raise ValueError(f"replications: {replications!r} is not allowed: must be >= 1")
    if trace < 0:
        raise ValueError(f"trace: {trace!r} is not allowed: must be >= 0")
    if engine not in ENGINES:
        raise ValueError(f"engine: {engine!r} is not allowed: must be one of {', '.join(map(repr, ENGINES))}")
    from sim.running.executors import run_tasks

    show_reps = progress and replications > 1
    parts = run_tasks(
        run_one,
        [dict(scenario=scenario, seed=seed, replication=r, trace=trace, progress=progress and not show_reps,
              engine=engine) for r in range(replications)],
        workers=workers,
        executor=executor,
        progress=show_reps,
        desc="replications",
    )
    summaries = [p.summary for p in parts]
    journeys = [p.journeys for p in parts if p.journeys is not None]
    decisions = [p.decisions for p in parts if p.decisions is not None]
    return RunResult(
        scenario=scenario,
        seed=int(seed),
        replications=replications,
        timeseries=pd.concat([p.timeseries for p in parts], ignore_index=True),
        summary=summaries[0] if replications == 1 else aggregate(summaries),
        replication_summaries=summaries,
        deals=pd.concat([p.deals for p in parts], ignore_index=True),
        losses=pd.concat([p.losses for p in parts], ignore_index=True),
        attribution=pd.concat([p.attribution for p in parts], ignore_index=True),
        journeys=pd.concat(journeys, ignore_index=True) if journeys else None,
        decisions=pd.concat(decisions, ignore_index=True) if decisions else None,
    )
