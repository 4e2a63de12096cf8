"""``marketsim export-crm | calibrate``: a run's history as CRM data; a scenario fitted to CRM data."""

from __future__ import annotations

import argparse
import json
from pathlib import Path

from sim.cli.options import (
    WORKERS_HELP, UsageError, add_scenario_options, check_out_file, clear_stale, load_scenario, nonnegative_int,
    positive_int, prepare_out_dir,
)

__all__ = ["register"]


def _cmd_export_crm(args: argparse.Namespace) -> int:
    import pandas as pd

    from sim.calibration.crm import crm_from_run, write_crm
    from sim.scenario.schema import Scenario

    folder = Path(args.run_dir)
    for name in ("timeseries.csv", "deals.csv", "run.json"):
        if not (folder / name).is_file():
            raise UsageError(f"{folder}: {name} is missing; give a folder `marketsim run` wrote")
    out = check_out_file(args.out, suffix=".csv")
    scenario = Scenario.from_dict(json.loads((folder / "run.json").read_text())["scenario"],
                                  source=str(folder / "run.json"))
    timeseries = pd.read_csv(folder / "timeseries.csv")
    deals = pd.read_csv(folder / "deals.csv")
    replications = sorted(timeseries["replication"].unique())
    if args.replication not in replications:
        raise UsageError(f"--replication {args.replication}: the run has replications {replications[0]}-"
                         f"{replications[-1]}")
    table = crm_from_run(timeseries.loc[timeseries["replication"] == args.replication].reset_index(drop=True),
                         deals.loc[deals["replication"] == args.replication], scenario)
    write_crm(table, out)
    if not args.quiet:
        print(f"wrote {out}: {len(table)} months ({table['month'].iloc[0]} to {table['month'].iloc[-1]}), "
              f"{len(table.columns) - 1} columns")
    return 0


def _cmd_calibrate(args: argparse.Namespace) -> int:
    from sim.calibration.crm import read_crm
    from sim.calibration.files import CALIBRATION_FILES, save_calibration
    from sim.calibration.fit import read_fit_file
    from sim.calibration.method import calibrate
    from sim.report.calibration import write_calibration_report

    scenario = load_scenario(args.scenario, args.overrides)
    data = read_crm(args.crm)
    fit = read_fit_file(args.fit)
    out = prepare_out_dir(args.out)
    command = (f"marketsim calibrate {args.scenario} {args.crm} --fit {args.fit} --seed {args.seed}"
               f" --simulations {args.simulations} --check {args.check}"
               + "".join(f" --set {o}" for o in args.overrides) + f" --out {args.out}")
    result = calibrate(scenario, data, fit, seed=args.seed, simulations=args.simulations, check=args.check,
                       draws=args.draws, store=out / "simulations", workers=args.workers, progress=not args.quiet)
    written = save_calibration(result, out, command=command)
    written += write_calibration_report(out, result, command=command)
    clear_stale(out, (*CALIBRATION_FILES, "predictive.png", "report.html"), written)
    if not args.quiet:
        print(result.summary.to_string(index=False))
        print(f"\nwrote {out}/: " + ", ".join(written))
    return 0


def register(subparsers) -> None:
    from sim.calibration.method import DEFAULT_CHECK, DEFAULT_DRAWS, DEFAULT_SIMULATIONS

    p = subparsers.add_parser(
        "export-crm", help="a run's history as CRM monthly data (the format calibrate reads)",
        description="Write one row per calendar month of a run: headcount, spend per channel, leads, "
                    "opportunities, deals, customers, ARR, average deal, median cycle (and per segment).",
    )
    p.add_argument("run_dir", help="a folder `marketsim run` wrote")
    p.add_argument("--out", required=True, help="CRM file to write (.csv)")
    p.add_argument("--replication", type=nonnegative_int, default=0, help="which replication (default 0)")
    p.add_argument("--quiet", action="store_true", help="print nothing")
    p.set_defaults(func=_cmd_export_crm)

    p = subparsers.add_parser(
        "calibrate", help="fit scenario keys to a company's CRM data: posterior, identified keys, report",
        description="Fit the keys of a fit file to CRM monthly data (the data's spend and headcount drive every "
                    "simulation). Write posterior.csv, summary.csv, predictive.png, calibrated.toml, "
                    "report.html and run.json. Interrupted and run again with the same arguments, it resumes.",
    )
    p.add_argument("scenario", help="scenario file (TOML): segments, channels, prices")
    p.add_argument("crm", help="CRM data (CSV, one row per month; see `marketsim export-crm`)")
    p.add_argument("--fit", required=True, help="fit file: the keys to fit and their priors (TOML)")
    p.add_argument("--out", required=True, help="output folder")
    add_scenario_options(p)
    p.add_argument("--simulations", type=positive_int, default=DEFAULT_SIMULATIONS,
                   help=f"simulations of the design, both waves (default {DEFAULT_SIMULATIONS})")
    p.add_argument("--check", type=positive_int, default=DEFAULT_CHECK,
                   help=f"posterior predictive simulations (default {DEFAULT_CHECK})")
    p.add_argument("--draws", type=positive_int, default=DEFAULT_DRAWS,
                   help=f"rows of posterior.csv (default {DEFAULT_DRAWS})")
    p.add_argument("--workers", type=positive_int, default=None, help=WORKERS_HELP)
    p.add_argument("--quiet", action="store_true", help="no progress bar or printed summary")
    p.set_defaults(func=_cmd_calibrate)
