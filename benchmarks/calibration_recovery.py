"""Does calibration recover hidden companies? The full protocol.

For each of ``--companies`` hidden companies: draw the fit file's parameters from their
priors (not the baseline's values), run the company for 24 months (its own seed), export
its CRM history, calibrate on months 1-12 only, then

- coverage: is each parameter's truth inside its 90% posterior interval (reported for the
  identified parameters and for all)?
- forecast: run months 13-24 from the posterior; share of the hidden company's monthly
  values (and of its 12-month totals) inside the forecast's 90% interval, per metric;
  with ``--oracle-draws N`` also inside the band of N runs at the hidden company's own
  parameters (what a perfect posterior would give: the simulation's randomness only);
- what-if: +2 reps from month 13; is the hidden company's true effect (the mean over
  ``--truth-seeds`` paired seeds of its 12-month total new customers and new ARR) inside
  the forecast's ``effect`` interval?

    PYTHONPATH=. python benchmarks/calibration_recovery.py --companies 20 --out results/recovery

Writes ``companies.csv`` (one row per company and parameter), ``checks.csv`` (forecast and
effect checks per company), ``forecast_checks.csv`` (one row per company, metric and
forecast month or ``total``: the actual value, the band, inside or not) and prints the
figures the README quotes.
"""

from __future__ import annotations

import argparse
import json
import time
from pathlib import Path

import numpy as np
import pandas as pd

from sim.calibration.crm import FLOW_METRICS, crm_from_run, drive
from sim.calibration.files import load_calibration, save_calibration
from sim.calibration.fit import read_fit_file
from sim.calibration.forecast import DEFAULT_FORECAST_DRAWS, forecast
from sim.calibration.posterior import predictive_band
from sim.calibration.method import calibrate
from sim.calibration.summaries import simulate
from sim.running.executors import local_executor, run_tasks
from sim.running.run import run_one
from sim.scenario.schema import Scenario

ROOT = Path(__file__).resolve().parents[1]
EFFECT_METRICS = ("new_customers", "new_arr_usd", "deals_won")


def hidden_values(fit, rng) -> dict[str, float]:
    return fit.from_unit(rng.random(len(fit.parameters)))


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--scenario", default=str(ROOT / "scenarios" / "baseline.toml"))
    parser.add_argument("--fit", default=str(ROOT / "scenarios" / "calibration" / "fit.toml"))
    parser.add_argument("--companies", type=int, default=20)
    parser.add_argument("--first", type=int, default=0, help="index of the first hidden company")
    parser.add_argument("--population", type=int, default=10_000)
    parser.add_argument("--simulations", type=int, default=400)
    parser.add_argument("--check", type=int, default=40)
    parser.add_argument("--forecast-draws", type=int, default=DEFAULT_FORECAST_DRAWS)
    parser.add_argument("--oracle-draws", type=int, default=0,
                        help="runs at the hidden company's own parameters for a reference band (0: none)")
    parser.add_argument("--truth-seeds", type=int, default=8)
    parser.add_argument("--workers", type=int, default=None)
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--out", default="results/recovery")
    args = parser.parse_args()

    out = Path(args.out)
    out.mkdir(parents=True, exist_ok=True)
    fit = read_fit_file(args.fit)
    base = Scenario.from_toml(args.scenario, {"market.population": args.population, "time.horizon_days": 365})
    rows, checks, bands = [], [], []
    started = time.time()
    with local_executor(args.workers) as executor:
        for company in range(args.first, args.first + args.companies):
            rng = np.random.default_rng([args.seed, company])
            truth = hidden_values(fit, rng)
            hidden = base.with_overrides({**truth, "time.horizon_days": 730})
            part = run_one(hidden, 10_000 + company)
            history = crm_from_run(part.timeseries, part.deals, hidden)
            data, future = history.iloc[:12].reset_index(drop=True), history.iloc[12:24]
            folder = out / f"company_{company:02d}"
            result = calibrate(base, data, fit, seed=args.seed + company, simulations=args.simulations,
                               check=args.check, store=folder / "simulations", executor=executor, progress=True)
            save_calibration(result, folder)
            for _, row in result.summary.iterrows():
                value = truth[row["key"]]
                rows.append({"company": company, "key": row["key"], "truth": value, "median": row["median"],
                             "low": row["low"], "high": row["high"], "identified": row["identified"],
                             "inside_90": bool(row["low"] <= value <= row["high"])})
            # Forecast months 13-24 as is and with +2 reps from month 13, on the same draws.
            reps = int(data["headcount"].iloc[-1]) + 2
            outlook = forecast(load_calibration(folder), 12, [("sales.headcount", reps)], seed=args.seed,
                               draws=args.forecast_draws, executor=executor)
            table = outlook.table.set_index(["scenario", "month", "metric"])
            oracle = None
            if args.oracle_draws:
                own = drive(base, data, 12).with_overrides(truth)
                oracle = run_tasks(simulate, [dict(scenario=own, seed=30_000 + company, replication=r)
                                              for r in range(args.oracle_draws)], executor=executor)
            mine = []
            for metric in FLOW_METRICS + ("customers", "arr_usd"):
                for month, (_, actual) in enumerate(future.iterrows()):
                    mine.append(_band_row(company, metric, actual["month"], actual[metric],
                                          table.loc[("as_is", actual["month"], metric)],
                                          [t[metric].iloc[12 + month] for t in oracle] if oracle else None))
                if metric in FLOW_METRICS:
                    mine.append(_band_row(company, metric, "total", future[metric].sum(),
                                          table.loc[("as_is", "total", metric)],
                                          [t[metric].iloc[12:24].sum() for t in oracle] if oracle else None))
            bands += mine
            monthly = [b for b in mine if b["month"] != "total"]
            inside_months = [b["inside_90"] for b in monthly]
            inside_totals = {b["metric"]: b["inside_90"] for b in mine if b["month"] == "total"}
            # The hidden company's true effect of +2 reps: mean over paired seeds.
            as_is = drive(hidden, data, 12)
            what_if = drive(hidden, data, 12, changes=[("sales.headcount", reps)])
            tasks = [dict(scenario=s, seed=20_000 + company, replication=r)
                     for s in (as_is, what_if) for r in range(args.truth_seeds)]
            tables = run_tasks(simulate, tasks, executor=executor)
            effects = {}
            for metric in EFFECT_METRICS:
                totals = np.array([t[metric].iloc[12:24].sum() for t in tables])
                true_effect = float(np.mean(totals[args.truth_seeds:] - totals[: args.truth_seeds]))
                band = table.loc[("effect", "total", metric)]
                effects[metric] = {"true": true_effect, "low": float(band["low"]), "median": float(band["median"]),
                                   "high": float(band["high"]),
                                   "inside": bool(band["low"] <= true_effect <= band["high"])}
            checks.append({"company": company, "forecast_months_inside_90": float(np.mean(inside_months)),
                           **({"oracle_months_inside_90": float(np.mean([b["oracle_inside_90"] for b in monthly]))}
                              if oracle else {}),
                           **{f"total_{m}_inside_90": v for m, v in inside_totals.items()},
                           **{f"effect_{m}_{k}": v for m, e in effects.items() for k, v in e.items()},
                           "calibration_seconds": result.info["seconds"]})
            pd.DataFrame(rows).to_csv(out / "companies.csv", index=False)
            pd.DataFrame(checks).to_csv(out / "checks.csv", index=False)
            pd.DataFrame(bands).to_csv(out / "forecast_checks.csv", index=False)
            print(f"company {company}: {time.time() - started:.0f} s so far", flush=True)

    params = pd.DataFrame(rows)
    band_table = pd.DataFrame(bands)
    monthly_bands, total_bands = band_table[band_table["month"] != "total"], band_table[band_table["month"] == "total"]

    def by_metric(frame: pd.DataFrame, column: str) -> dict[str, float]:
        return frame.groupby("metric")[column].mean().round(2).to_dict()

    report = {
        "companies": args.companies, "population": args.population, "simulations": args.simulations,
        "check": args.check,
        "coverage_identified": float(params.loc[params["identified"], "inside_90"].mean()),
        "identified_count": int(params["identified"].sum()),
        "coverage_all": float(params["inside_90"].mean()),
        "identified_share_by_key": params.groupby("key")["identified"].mean().round(2).to_dict(),
        "coverage_by_key": params.groupby("key")["inside_90"].mean().round(2).to_dict(),
        "forecast_draws": args.forecast_draws, "band_holds_new_run": outlook.coverage,
        "forecast_months_inside_90": float(pd.DataFrame(checks)["forecast_months_inside_90"].mean()),
        "forecast_months_inside_90_by_metric": by_metric(monthly_bands, "inside_90"),
        "forecast_totals_inside_90_by_metric": by_metric(total_bands, "inside_90"),
        "forecast_months_below_band_by_metric": by_metric(monthly_bands, "below"),
        **({"oracle_draws": args.oracle_draws,
            "oracle_months_inside_90": float(monthly_bands["oracle_inside_90"].mean()),
            "oracle_months_inside_90_by_metric": by_metric(monthly_bands, "oracle_inside_90")}
           if args.oracle_draws else {}),
        "effect_inside": {m: float(pd.DataFrame(checks)[f"effect_{m}_inside"].mean()) for m in EFFECT_METRICS},
        "seconds": round(time.time() - started),
    }
    (out / "report.json").write_text(json.dumps(report, indent=2) + "\n")
    print(json.dumps(report, indent=2))


def _band_row(company: int, metric: str, month: str, actual: float, band: pd.Series,
              oracle: list[float] | None) -> dict:
    row = {"company": company, "metric": metric, "month": month, "actual": float(actual), "low": float(band["low"]),
           "median": float(band["median"]), "high": float(band["high"]),
           "inside_90": bool(band["low"] <= actual <= band["high"]), "below": bool(actual < band["low"])}
    if oracle is not None:
        low, _, high = predictive_band(np.array(oracle, dtype=float))
        row.update(oracle_low=float(low), oracle_high=float(high), oracle_inside_90=bool(low <= actual <= high))
    return row


if __name__ == "__main__":
    main()
