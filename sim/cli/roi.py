"""``marketsim roi``: incremental, marginal and attributed ROI of each function over time."""

from __future__ import annotations


from sim.cli.options import add_posterior_option, posterior_draws, add_run_options, load_scenario, options_text, prepare_out_dir

__all__ = ["register"]


def _cmd_roi(args) -> int:
    from sim.analysis.roi import analyse
    from sim.report.html import write_roi
    from sim.report.text import format_roi

    scenario = load_scenario(args.scenario, args.overrides)
    draws = posterior_draws(args)
    out = prepare_out_dir(args.out)
    result = analyse(scenario, seed=args.seed, replications=args.replications, marginal=not args.no_marginal,
                     workers=args.workers, progress=not args.quiet, draws=draws)
    written = write_roi(out, result, command=f"marketsim roi {args.scenario}" + options_text(args),
                        source=args.scenario)
    if not args.quiet:
        print(format_roi(result))
        print(f"\nwrote {out}/: " + ", ".join(written))
    return 0


def register(subparsers) -> None:
    p = subparsers.add_parser(
        "roi", help="incremental, marginal and attributed ROI of marketing and sales over time",
        description="Run a scenario with and without each function (and with +10% of each) on common seeds; "
                    "write ROI timelines, payback days, attribution vs incremental truth and report.html.",
    )
    p.add_argument("scenario", help="scenario file (TOML)")
    p.add_argument("--out", default="reports/roi", help="output folder (default reports/roi)")
    add_run_options(p, replications=10)
    add_posterior_option(p)
    p.add_argument("--no-marginal", action="store_true", help="skip the +10%% runs (marginal ROI)")
    p.set_defaults(func=_cmd_roi)
