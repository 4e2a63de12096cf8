"""``marketsim analyze``: means per design point, Sobol'/Morris indices and charts of a sweep folder."""

from __future__ import annotations

import argparse
from pathlib import Path

from sim.sweep.sensitivity import analyze, format_report

__all__ = ["register"]


def _cmd_analyze(args: argparse.Namespace) -> int:
    report = analyze(args.folder, outcomes=args.outcomes or None)
    if not args.no_plots:
        from sim.plots.sweep import write_charts

        write_charts(report)
    print(format_report(report))
    print(f"\nwrote {Path(args.folder) / 'analysis'}/: " + ", ".join(p.name for p in report.files))
    return 0


def register(subparsers) -> None:
    p = subparsers.add_parser(
        "analyze", help="means and intervals per design point, Sobol'/Morris indices and charts of a sweep",
        description="Analyse a sweep output folder; writes DIR/analysis/.",
    )
    p.add_argument("folder", help="sweep output folder (the --out of marketsim sweep)")
    p.add_argument("--outcome", dest="outcomes", action="append", default=[], metavar="COLUMN",
                   help="KPI column to analyse (repeatable; default: the sweep file's outcomes)")
    p.add_argument("--no-plots", action="store_true", help="skip the PNG charts")
    p.set_defaults(func=_cmd_analyze)
