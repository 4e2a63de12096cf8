"""Calibration by emulation: a space-filling design, a Gaussian-process emulator, MCMC on it.

A simulation costs about a second, so the method spends a fixed, small budget of them:

1. wave 1 (60% of the budget): a Latin hypercube over the prior (the unit cube); each run
   is the scenario driven by the data's inputs at that point, with its own replication;
2. fit the emulator (:mod:`sim.calibration.emulator`) on the runs' summaries and sample the
   posterior by MCMC on it (:mod:`sim.calibration.posterior`);
3. wave 2 (the other 40%): 80% of the points drawn from that posterior, 20% new points of
   the prior; before they join, they test the wave-1 emulator on runs it has not seen;
4. refit the emulator on both waves, sample the final posterior;
5. check: ``check`` runs at posterior draws give the posterior predictive band of every
   monthly metric (predictive.png) and test the final emulator on runs it has not seen.

This is history matching followed by Bayesian calibration on an emulator (Kennedy &
O'Hagan 2001; Higdon et al. 2008; Vernon, Goldstein & Bower 2010 for the waves), chosen
over ABC-SMC (which needs 10^4-10^5 runs for 5-8 parameters) and neural posterior
estimation (thousands of runs and torch).
"""

from __future__ import annotations

import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from sim.calibration.crm import drive, metric_columns
from sim.calibration.emulator import fit_emulator
from sim.calibration.fit import FitError, FitSpec
from sim.calibration.posterior import (
    IDENTIFIED_RULE, band_coverage, draws_table, predictive_band, sample_posterior, summary_table,
)
from sim.calibration.store import SimulationStore, fingerprint
from sim.calibration.summaries import Summaries, simulate
from sim.running.executors import Executor, local_executor, run_tasks
from sim.scenario.schema import Scenario

__all__ = ["CalibrationResult", "DEFAULT_CHECK", "DEFAULT_DRAWS", "DEFAULT_SIMULATIONS", "METHOD", "calibrate"]

DEFAULT_SIMULATIONS = 400
DEFAULT_CHECK = 40
DEFAULT_DRAWS = 1000
FIRST_WAVE = 0.6
FROM_POSTERIOR = 0.8
BATCH = 16
METHOD = "gp-emulator-mcmc/1"


@dataclass
class CalibrationResult:
    """What ``calibrate`` found.

    scenario: the scenario driven by the data's inputs (what every simulation ran);
    calibrated: the same at the posterior median; posterior: one row per draw, one column
    per key; summary: see :func:`sim.calibration.posterior.summary_table`; predictive: the
    check runs' monthly CRM values (long: ``draw, month, metric, value``); info: run.json.
    """

    fit: FitSpec
    data: pd.DataFrame
    scenario: Scenario
    calibrated: Scenario
    posterior: pd.DataFrame
    summary: pd.DataFrame
    predictive: pd.DataFrame
    info: dict[str, Any] = field(default_factory=dict)


def calibrate(
    scenario: Scenario,
    data: pd.DataFrame,
    fit: FitSpec,
    *,
    seed: int = 0,
    simulations: int = DEFAULT_SIMULATIONS,
    check: int = DEFAULT_CHECK,
    draws: int = DEFAULT_DRAWS,
    store: str | Path | None = None,
    workers: int | None = None,
    executor: Executor | None = None,
    progress: bool = False,
) -> CalibrationResult:
    """Fit ``fit``'s parameters of ``scenario`` to the CRM ``data`` (see the module docstring).

    ``store``: a folder for finished simulations (an interrupted calibration resumes there).
    The same inputs and seed give the same result on any number of workers.
    """
    started = time.time()
    d = len(fit.parameters)
    if simulations < max(10, 2 * d + 2):
        raise FitError(f"simulations: {simulations} is too few for {d} parameters; give at least {max(10, 2 * d + 2)}")
    if check < 2:
        raise FitError(f"check: {check} is too few; give at least 2 posterior predictive runs")
    driven = drive(scenario, data)
    fit.check(driven)
    summaries = Summaries.of_data(data, fit.metrics)
    if not summaries.columns:
        raise FitError("the data have no metric to compare with (every metric column is empty or left out)")
    columns = metric_columns(data)
    months = len(data)
    n1 = int(round(simulations * FIRST_WAVE))
    n2 = simulations - n1
    key = fingerprint({"scenario": driven.to_dict(), "data": data.to_csv(index=False), "fit": fit.model_dump(),
                       "seed": seed, "simulations": simulations, "check": check, "draws": draws, "method": METHOD})
    runs = SimulationStore(store, key, columns) if store is not None else None
    owned = executor is None
    executor = executor or local_executor(workers, simulations)
    from scipy.stats import qmc
    from tqdm.auto import tqdm

    bar = tqdm(total=simulations + check, desc="calibration", unit="run", disable=not progress, delay=0.5)
    rng = np.random.default_rng(seed)

    def run_points(name: str, points: np.ndarray, first: int) -> tuple[np.ndarray, np.ndarray]:
        units, values = [], []
        for b, start in enumerate(range(0, len(points), BATCH)):
            batch = f"{name}-{b:04d}"
            found = runs.load(batch) if runs is not None else None
            if found is None:
                part = points[start : start + BATCH]
                tasks = [dict(scenario=driven.with_overrides(fit.from_unit(u)), seed=seed, replication=first + start + i)
                         for i, u in enumerate(part)]
                tables = run_tasks(simulate, tasks, executor=executor)
                found = part, np.stack([t[columns].to_numpy(dtype=float)[:months] for t in tables])
                if runs is not None:
                    runs.save(batch, *found)
            units.append(found[0])
            values.append(found[1])
            bar.update(len(found[0]))
        return np.concatenate(units), np.concatenate(values)

    def vectors(values: np.ndarray) -> np.ndarray:
        return np.stack([summaries.vector(pd.DataFrame(v, columns=columns)) for v in values])

    observed = summaries.vector(data)
    try:
        bar.set_postfix_str("wave 1")
        design = qmc.LatinHypercube(d, optimization="random-cd", seed=rng).random(n1)
        unit1, values1 = run_points("wave1", design, 0)
        y1 = vectors(values1)
        bar.set_postfix_str("emulator 1")
        emulator = fit_emulator(unit1, y1, seed)
        first_posterior, _ = sample_posterior(emulator, emulator.project(observed)[0], d, 2000, seed)
        take = int(round(n2 * FROM_POSTERIOR))
        wave2 = np.concatenate([first_posterior[rng.choice(len(first_posterior), take, replace=False)],
                                qmc.LatinHypercube(d, seed=rng).random(n2 - take)]) if n2 else np.empty((0, d))
        bar.set_postfix_str("wave 2")
        unit2, values2 = run_points("wave2", wave2, n1)
        y2 = vectors(values2)
        first_check = emulator.coverage(unit2, y2) if n2 else None
        bar.set_postfix_str("emulator 2")
        unit_all, y_all = np.concatenate([unit1, unit2]), np.concatenate([y1, y2])
        emulator = fit_emulator(unit_all, y_all, seed)
        observed_scores = emulator.project(observed)[0]
        unit, sampler = sample_posterior(emulator, observed_scores, d, draws, seed + 1)
        bar.set_postfix_str("check")
        picks = unit[np.linspace(0, len(unit) - 1, check).round().astype(int)]
        unit_check, values_check = run_points("check", picks, simulations)
        final_check = emulator.coverage(unit_check, vectors(values_check))
    finally:
        bar.close()
        if owned:
            executor.close()

    posterior = draws_table(fit, unit)
    summary = summary_table(fit, unit)
    calibrated = driven.with_overrides(dict(zip(summary["key"], summary["median"])))
    predictive = _long(values_check, columns, data["month"].tolist())
    inside = _inside_band(predictive, data)
    info = {
        "method": METHOD,
        "method_description": "Gaussian-process emulator of standardised CRM summaries (principal components), "
                              "posterior by MCMC (emcee) on the emulator, two waves of simulations",
        "seed": seed,
        "simulations": {"wave_1": n1, "wave_2": n2, "check": check, "total": simulations + check,
                        "resumed": runs.resumed if runs is not None else 0},
        "replications": "run i of the calibration uses (seed, replication i): wave 1 from 0, wave 2 from "
                        f"{n1}, the check from {simulations}",
        "draws": draws,
        "parameters": [p.model_dump() for p in fit.parameters],
        "summaries": summaries.names,
        "emulator": {"components": emulator.components, "explained_variance": emulator.explained,
                     "design_runs": int(len(unit_all))},
        "emulator_check": {"wave_1_emulator_on_wave_2": first_check, "final_emulator_on_check_runs": final_check,
                           "expected_inside_90": 0.9},
        "sampler": sampler,
        "data_inside_predictive_90": inside,
        "predictive_band_coverage": band_coverage(check),
        "identified_rule": IDENTIFIED_RULE,
        "months": months,
        "first_month": data["month"].iloc[0],
        "fingerprint": key,
        "seconds": round(time.time() - started, 1),
        "workers": executor.workers,
    }
    return CalibrationResult(fit, data, driven, calibrated, posterior, summary, predictive, info)


def _long(values: np.ndarray, columns: list[str], months: list[str]) -> pd.DataFrame:
    runs, n_months, n_columns = values.shape
    return pd.DataFrame({
        "draw": np.repeat(np.arange(runs), n_months * n_columns),
        "month": np.tile(np.repeat(months, n_columns), runs),
        "metric": np.tile(columns, runs * n_months),
        "value": values.reshape(-1),
    })


def _inside_band(predictive: pd.DataFrame, data: pd.DataFrame) -> dict[str, float]:
    """Share of the data's monthly values inside the 90% posterior predictive band, per metric."""
    out = {}
    for metric in predictive["metric"].unique():
        observed = data.set_index("month")[metric].dropna()
        if observed.empty:
            continue
        wide = predictive.loc[predictive["metric"] == metric].pivot(index="draw", columns="month", values="value")
        low, _, high = predictive_band(wide.reindex(columns=observed.index).to_numpy(dtype=float))
        out[metric] = round(float(np.mean((observed.to_numpy() >= low) & (observed.to_numpy() <= high))), 3)
    return out
