"""How many draws does a forecast band need, and is the posterior or the band estimate at fault?

Reads the calibrations ``benchmarks/calibration_recovery.py`` wrote (``--calibrations``, one
``company_NN`` folder each) and, for each company, runs ``--draws`` forecast draws of months
13-24 from its posterior and as many runs at the hidden company's own parameters (the band a
perfect posterior would give: the simulation's randomness only). Then, for the first 8, 20,
40, ... of them, the share of the hidden company's monthly values (and 12-month totals) of
months 13-24 inside the 90% band, with the band's ends as the sample quantile (numpy's
default) and as the prediction interval ``forecast`` uses
(:func:`sim.calibration.posterior.predictive_band`); and per metric at the full count.

    PYTHONPATH=. python benchmarks/calibration_recovery.py --companies 8 --population 3000 \\
        --simulations 80 --check 12 --truth-seeds 4 --out results/recovery
    PYTHONPATH=. python benchmarks/calibration_forecast_bands.py --calibrations results/recovery \\
        --companies 8 --population 3000 --draws 160

The hidden companies are those of the recovery benchmark (same ``--seed``, ``--population``
and fit file).
"""

from __future__ import annotations

import argparse
from pathlib import Path

import numpy as np
import pandas as pd

from sim.calibration.crm import FLOW_METRICS, crm_from_run, drive
from sim.calibration.files import load_calibration
from sim.calibration.fit import read_fit_file
from sim.calibration.forecast import forecast
from sim.calibration.posterior import predictive_band
from sim.calibration.summaries import simulate
from sim.running.executors import local_executor, run_tasks
from sim.running.run import run_one
from sim.scenario.schema import Scenario

ROOT = Path(__file__).resolve().parents[1]
METRICS = (*FLOW_METRICS, "customers", "arr_usd")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--calibrations", default="results/recovery")
    parser.add_argument("--scenario", default=str(ROOT / "scenarios" / "baseline.toml"))
    parser.add_argument("--fit", default=str(ROOT / "scenarios" / "calibration" / "fit.toml"))
    parser.add_argument("--companies", type=int, default=8)
    parser.add_argument("--population", type=int, default=10_000)
    parser.add_argument("--draws", type=int, default=160)
    parser.add_argument("--workers", type=int, default=None)
    parser.add_argument("--seed", type=int, default=0)
    args = parser.parse_args()

    fit = read_fit_file(args.fit)
    base = Scenario.from_toml(args.scenario, {"market.population": args.population, "time.horizon_days": 365})
    rows = []  # one per company, metric and month (or total): actual, then the posterior's and the truth's runs
    with local_executor(args.workers) as executor:
        for company in range(args.companies):
            # The hidden company exactly as calibration_recovery.py makes it.
            truth = fit.from_unit(np.random.default_rng([args.seed, company]).random(len(fit.parameters)))
            hidden = base.with_overrides({**truth, "time.horizon_days": 730})
            part = run_one(hidden, 10_000 + company)
            history = crm_from_run(part.timeseries, part.deals, hidden)
            data, future = history.iloc[:12].reset_index(drop=True), history.iloc[12:24]
            calibration = load_calibration(Path(args.calibrations) / f"company_{company:02d}")
            outlook = forecast(calibration, 12, seed=args.seed, draws=args.draws, executor=executor)
            posterior = outlook.runs[outlook.runs["scenario"] == "as_is"]
            own = drive(base, data, 12).with_overrides(truth)
            tables = run_tasks(simulate, [dict(scenario=own, seed=777, replication=r) for r in range(args.draws)],
                               executor=executor)
            months = list(future["month"])
            for metric in METRICS:
                post = posterior[posterior["metric"] == metric].pivot(index="draw", columns="month", values="value")
                post = post[months].to_numpy(dtype=float)  # (draws, 12)
                true = np.stack([t[metric].to_numpy(dtype=float)[12:24] for t in tables])
                for m, month in enumerate(months):
                    rows.append((company, metric, month, float(future[metric].iloc[m]), post[:, m], true[:, m]))
                if metric in FLOW_METRICS:
                    rows.append((company, metric, "total", float(future[metric].sum()), post.sum(axis=1),
                                 true.sum(axis=1)))
            print(f"company {company} done", flush=True)

    actual = np.array([r[3] for r in rows])
    runs = {"posterior": np.stack([r[4] for r in rows]), "truth's parameters": np.stack([r[5] for r in rows])}
    monthly = np.array([r[2] != "total" for r in rows])
    counts = [n for n in (8, 20, 40, 80, 160, 320) if n < args.draws] + [args.draws]
    print(f"\n{args.companies} companies; share inside the 90% band of months 13-24: monthly values (totals)")
    for label, values in runs.items():
        for n in counts:
            sample = np.quantile(values[:, :n], [0.05, 0.95], axis=1)
            low, _, high = predictive_band(values[:, :n], axis=1)
            inside_sample = (actual >= sample[0]) & (actual <= sample[1])
            inside = (actual >= low) & (actual <= high)
            print(f"  {label:18s} {n:4d} draws: sample quantile {inside_sample[monthly].mean():.2f} "
                  f"({inside_sample[~monthly].mean():.2f}), prediction interval {inside[monthly].mean():.2f} "
                  f"({inside[~monthly].mean():.2f})")
    table = pd.DataFrame({"metric": [r[1] for r in rows], "monthly": monthly})
    for label, values in runs.items():
        low, _, high = predictive_band(values, axis=1)
        table[label] = (actual >= low) & (actual <= high)
        table[f"{label} below"] = actual < low
    print(f"\nper metric, monthly values, {args.draws} draws (prediction interval):")
    print(table[table["monthly"]].groupby("metric").mean(numeric_only=True).drop(columns="monthly").round(2)
          .to_string())


if __name__ == "__main__":
    main()
