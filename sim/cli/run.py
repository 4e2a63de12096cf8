"""``marketsim run | validate | keys``: run a scenario, check scenario files, list every key."""

from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path

from sim.cli.options import (
    WORKERS_HELP,
    UsageError,
    add_scenario_options,
    clear_stale,
    prepare_out_dir,
    load_scenario,
    nonnegative_int,
    positive_int,
)
from sim.scenario.schema import ScenarioError

__all__ = ["register"]


def _cmd_run(args: argparse.Namespace) -> int:
    from sim.report.text import format_summary
    from sim.running.run import run

    scenario = load_scenario(args.scenario, args.overrides)
    if args.engine == "reference" and args.trace:
        raise UsageError("--trace: journeys are recorded by the fast engine only; drop --trace or use --engine fast")
    if args.engine == "reference" and scenario.management is not None:
        raise UsageError("--engine reference: the reference engine does not simulate [management]; use --engine fast")
    out = prepare_out_dir(Path(args.out) if args.out else Path("runs") / Path(args.scenario).stem)
    result = run(
        scenario, seed=args.seed, replications=args.replications, trace=args.trace,
        progress=not args.quiet, engine=args.engine, workers=args.workers,
    )
    result.save(out)
    written = ["timeseries.csv", "summary.json", "run.json", "deals.csv"]
    if args.trace:
        written.append("journeys.csv")
    if result.decisions is not None:
        written.append("decisions.csv")
    if not args.no_plots:
        from sim.report.charts import write_run_charts

        written += write_run_charts(result, out)
    removed = clear_stale(out, RUN_FILES, written)
    if not args.quiet:
        print(format_summary(result.summary, scenario.name, args.replications))
        print(f"\nwrote {out}/: " + ", ".join(written))
        if removed:
            print(f"removed from an earlier run: {', '.join(removed)}")
    return 0


#: Every file ``marketsim run`` may write: a reused --out keeps none of them from an earlier run.
RUN_FILES = ("timeseries.csv", "summary.json", "run.json", "deals.csv", "journeys.csv", "decisions.csv", "funnel.png",
             "economics.png", "levers.png")


def _register_run(sub) -> None:
    p = sub.add_parser("run", help="run a scenario and write tables and charts",
                       description="Run a scenario; write timeseries.csv, summary.json, run.json, deals.csv, charts "
                                   "(and decisions.csv, levers.png with [management]).")
    p.add_argument("scenario", help="scenario file (TOML)")
    p.add_argument("--out", help="output folder (default runs/<scenario file name>)")
    add_scenario_options(p)
    p.add_argument("--replications", type=positive_int, default=1, help="replications (default 1)")
    p.add_argument("--trace", type=nonnegative_int, default=0, metavar="N",
                   help="record the journeys of N random customers to journeys.csv")
    p.add_argument("--engine", choices=["fast", "reference"], default="fast",
                   help="simulation engine: fast (vectorised) or reference (one agent per customer; slow)")
    p.add_argument("--workers", type=positive_int, default=None, help=WORKERS_HELP)
    p.add_argument("--no-plots", action="store_true", help="skip the PNG charts")
    p.add_argument("--quiet", action="store_true", help="no progress bar or summary")
    p.set_defaults(func=_cmd_run)


def _cmd_validate(args: argparse.Namespace) -> int:
    failed = 0
    for path in args.scenarios:
        try:
            s = load_scenario(path, args.overrides)
        except ScenarioError as exc:
            print(f"error: {exc}", file=sys.stderr)
            failed += 1
            continue
        print(
            f"ok: {path}: {s.name!r}, {s.market.population:,} customers in {len(s.market.segments)} segments, "
            f"{s.time.horizon_days} days, {len(s.channels)} channels, {s.sales.headcount} reps"
        )
    return 2 if failed else 0


def _register_validate(sub) -> None:
    p = sub.add_parser("validate", help="check scenario files without running them",
                       description="Read and validate each scenario file (all of them, even after one fails); "
                                   "print a one-line summary per good file and every problem of a bad one. "
                                   "Exit status 2 if any file is invalid.")
    p.add_argument("scenarios", nargs="+", help="scenario files (TOML)")
    add_scenario_options(p, seed=False)
    p.set_defaults(func=_cmd_validate)


def _cmd_keys(args: argparse.Namespace) -> int:
    from sim.scenario.keys import reference_markdown, scenario_keys

    if args.json:
        # Plain values in JSON: the backticks are Markdown for the table only.
        rows = [{k: v.replace("`", "") if isinstance(v, str) else v for k, v in row.items()}
                for row in scenario_keys()]
        print(json.dumps(rows, indent=1))
    else:
        print(reference_markdown(), end="")
    return 0


def _register_keys(sub) -> None:
    p = sub.add_parser("keys", help="print every scenario key with its type, default and meaning",
                       description="Print every scenario key with its type, default, allowed range and meaning "
                                   "(the table of docs/scenario-reference.md), or as JSON.")
    p.add_argument("--json", action="store_true", help="as JSON instead of a Markdown table")
    p.set_defaults(func=_cmd_keys)




def register(sub) -> None:
    _register_run(sub)
    _register_validate(sub)
    _register_keys(sub)
