"""``marketsim compare``: scenarios side by side: ROI of each function, payback, KPIs, report.html."""

from __future__ import annotations

import argparse

from sim.cli.options import add_posterior_option, posterior_draws, UsageError, add_run_options, load_scenario, options_text, prepare_out_dir

__all__ = ["register"]


def _cmd_compare(args: argparse.Namespace) -> int:
    from sim.analysis.compare import compare
    from sim.report.html import write_comparison
    from sim.report.text import format_comparison

    if len(args.scenarios) < 1:
        raise UsageError("compare: give at least one scenario file")
    scenarios = [load_scenario(path, args.overrides) for path in args.scenarios]
    draws = posterior_draws(args)
    out = prepare_out_dir(args.out)
    results = compare(scenarios, seed=args.seed, replications=args.replications, workers=args.workers,
                      progress=not args.quiet, draws=draws)
    command = "marketsim compare " + " ".join(args.scenarios) + options_text(args)
    written = write_comparison(out, results, command=command, sources=args.scenarios)
    if not args.quiet:
        print(format_comparison(results))
        print(f"\nwrote {out}/: " + ", ".join(written))
    return 0


def register(subparsers) -> None:
    p = subparsers.add_parser(
        "compare", help="compare scenarios: ROI of each function, payback, KPIs, report.html",
        description="Run each scenario with and without each function on common seeds; write comparison.csv, "
                    "roi.png, funnel.png, economics.png (decisions.csv and levers.png for scenarios with "
                    "[management]) and a self-contained report.html.",
    )
    p.add_argument("scenarios", nargs="+", help="scenario files (TOML)")
    p.add_argument("--out", default="reports/compare", help="output folder (default reports/compare)")
    add_run_options(p, replications=10)
    add_posterior_option(p)
    p.set_defaults(func=_cmd_compare)
