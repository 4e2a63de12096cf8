"""``marketsim forecast``: posterior draws of a calibration run past the data, as is and with a what-if."""

from __future__ import annotations

import argparse
import sys

from sim.cli.options import WORKERS_HELP, add_scenario_options, parse_overrides, positive_int, prepare_out_dir

__all__ = ["register"]


def _cmd_forecast(args: argparse.Namespace) -> int:
    from sim.calibration.files import load_calibration
    from sim.calibration.forecast import forecast
    from sim.calibration.posterior import BAND_LEVEL, MIN_BAND_DRAWS
    from sim.report.calibration import write_forecast

    calibration = load_calibration(args.calibration)
    what_if = list(parse_overrides(args.what_if).items())
    out = prepare_out_dir(args.out)
    result = forecast(calibration, args.months, what_if, overrides=parse_overrides(args.overrides), seed=args.seed,
                      draws=args.draws, workers=args.workers, progress=not args.quiet)
    written = write_forecast(out, result)
    if result.coverage < BAND_LEVEL:
        print(f"note: --draws {args.draws}: the bands of so few draws hold a new run about "
              f"{result.coverage:.0%} of the time, not {BAND_LEVEL:.0%}; give --draws {MIN_BAND_DRAWS} or more",
              file=sys.stderr)
    if not args.quiet:
        totals = result.table.loc[result.table["month"] == "total"]
        print(totals.to_string(index=False))
        print(f"\nwrote {out}/: " + ", ".join(written))
    return 0


def register(subparsers) -> None:
    from sim.calibration.forecast import DEFAULT_FORECAST_DRAWS

    p = subparsers.add_parser(
        "forecast", help="run a calibration's posterior draws past the data, as is and with a what-if",
        description="Run posterior draws from the data's start through --months more months (spend and headcount "
                    "stay at the last month's, unless a --what-if changes them from the first forecast month); "
                    "write forecast.csv (as_is, what_if, effect: the paired difference) and forecast.png.",
    )
    p.add_argument("calibration", help="a folder `marketsim calibrate` wrote")
    p.add_argument("--months", type=positive_int, required=True, help="months to forecast past the data")
    p.add_argument("--what-if", dest="what_if", action="append", default=[], metavar="KEY=VALUE",
                   help="sales.headcount=N or channels.NAME.monthly_budget_usd=USD from the first forecast month "
                        "(repeatable)")
    p.add_argument("--out", required=True, help="output folder")
    add_scenario_options(p)
    p.add_argument("--draws", type=positive_int, default=DEFAULT_FORECAST_DRAWS,
                   help=f"posterior draws to run (default {DEFAULT_FORECAST_DRAWS}; 19 or more for a 90%% band)")
    p.add_argument("--workers", type=positive_int, default=None, help=WORKERS_HELP)
    p.add_argument("--quiet", action="store_true", help="no progress bar or printed summary")
    p.set_defaults(func=_cmd_forecast)
