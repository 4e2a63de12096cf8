"""``marketsim benchmark``: a scenario's KPIs beside published B2B SaaS ranges, with a verdict."""

from __future__ import annotations

import argparse

from sim.cli.options import WORKERS_HELP, add_scenario_options, load_scenario, positive_int

__all__ = ["register"]


def _cmd_benchmark(args: argparse.Namespace) -> int:
    from sim.analysis.benchmarks import benchmark_table
    from sim.report.text import format_benchmarks
    from sim.running.run import run

    scenario = load_scenario(args.scenario, args.overrides)
    result = run(scenario, seed=args.seed, replications=args.replications, workers=args.workers,
                 progress=not args.quiet)
    print(format_benchmarks(benchmark_table(result.summary), scenario.name, args.replications))
    return 0


def register(subparsers) -> None:
    p = subparsers.add_parser(
        "benchmark", help="a scenario's KPIs beside published B2B SaaS ranges (inside, below, above)",
        description="Run a scenario and print each KPI that benchmark surveys publish (quota attainment, win "
                    "rate, cycle, CAC payback, LTV/CAC, S&M per new ARR, churn, stale leads, marketing-sourced "
                    "pipeline, magic number) beside its published range, with a verdict and the source.",
    )
    p.add_argument("scenario", help="scenario file (TOML)")
    add_scenario_options(p)
    p.add_argument("--replications", type=positive_int, default=4, help="replications (default 4)")
    p.add_argument("--workers", type=positive_int, default=None, help=WORKERS_HELP)
    p.add_argument("--quiet", action="store_true", help="no progress bar")
    p.set_defaults(func=_cmd_benchmark)
