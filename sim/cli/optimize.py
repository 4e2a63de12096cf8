"""``marketsim optimize``: the best split of a fixed budget between channels and reps."""

from __future__ import annotations

import argparse

from sim.cli.options import UsageError, add_run_options, load_scenario, positive_int, prepare_out_dir
from sim.formatting import plural

__all__ = ["register"]


def _cmd_optimize(args: argparse.Namespace) -> int:
    import json

    import matplotlib

    matplotlib.use("Agg")
    from sim.report.html import figure_png
    from sim.analysis.optimize import optimize_split
    from sim.plots.roi import plot_response_curve
    from sim.report.text import format_split

    from sim.analysis.optimize import split_headcounts

    scenario = load_scenario(args.scenario, args.overrides)
    if args.max_splits < 2:
        raise UsageError(f"--max-splits {args.max_splits}: must be >= 2 (the two ends of the range)")
    out = prepare_out_dir(args.out)
    try:
        heads, how = split_headcounts(scenario, args.total_budget, args.min_marketing_share,
                                      args.max_marketing_share, args.max_splits)
    except ValueError as exc:
        raise UsageError(f"--total-budget {args.total_budget:g}: {exc}") from None
    if not args.quiet:
        if scenario.sales.plan:
            print("note: the headcount plan is replaced by a constant headcount in every split")
        print(f"optimize: {plural(len(heads), 'split')} ({how}) x {plural(args.replications, 'replication')} = "
              f"{plural(len(heads) * args.replications, 'run')}")
    try:
        result = optimize_split(
            scenario, args.total_budget, seed=args.seed, replications=args.replications,
            min_share=args.min_marketing_share, max_share=args.max_marketing_share,
            workers=args.workers, progress=not args.quiet, max_splits=args.max_splits,
        )
    except ValueError as exc:
        raise UsageError(str(exc)) from None
    result.curve.to_csv(out / "response_curve.csv", index=False)
    (out / "response_curve.png").write_bytes(figure_png(plot_response_curve(result)))
    best = {k: (v.item() if hasattr(v, "item") else v) for k, v in result.best.items()}
    (out / "best_split.json").write_text(json.dumps(
        {"scenario": scenario.name, "total_budget_usd": args.total_budget, "seed": args.seed,
         "replications": args.replications, "best": best}, indent=2) + "\n")
    if not args.quiet:
        print(format_split(result))
        print(f"\nwrote {out}/: response_curve.csv, response_curve.png, best_split.json")
    return 0


def _share(text: str) -> float:
    try:
        value = float(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"{text!r} is not a number") from None
    if not 0.0 <= value <= 1.0:
        raise argparse.ArgumentTypeError(f"{value} is not allowed: must be between 0 and 1")
    return value


def _budget(text: str) -> float:
    try:
        value = float(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"{text!r} is not a number") from None
    if not value > 0:
        raise argparse.ArgumentTypeError(f"{value} is not allowed: must be > 0")
    return value


def register(subparsers) -> None:
    p = subparsers.add_parser(
        "optimize", help="best split of a fixed budget between marketing channels and reps",
        description="Evaluate every whole-headcount split of a fixed budget (channels in the scenario's proportions, "
                    "the rest as reps) on common seeds; print and plot expected profit against the marketing share.",
    )
    p.add_argument("scenario", help="scenario file (TOML)")
    p.add_argument("--total-budget", type=_budget, required=True, metavar="USD",
                   help="channel spend + rep salaries over the whole horizon")
    p.add_argument("--min-marketing-share", type=_share, default=0.0, help="lower bound of the marketing share (0-1)")
    p.add_argument("--max-marketing-share", type=_share, default=1.0, help="upper bound of the marketing share (0-1)")
    p.add_argument("--out", default="reports/split", help="output folder (default reports/split)")
    p.add_argument("--max-splits", type=positive_int, default=41,
                   help="most headcounts evaluated (default 41); with more feasible ones, evenly spaced "
                        "headcounts from the smallest to the largest are run")
    add_run_options(p, replications=10)
    p.set_defaults(func=_cmd_optimize)
