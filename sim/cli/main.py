"""Command line: ``marketsim run | validate | keys`` (and the commands other modules add).

A user's mistake (a bad scenario, a bad ``--set``, a missing file) prints one clear message
naming the key, the value and what is allowed, and exits with status 2; no traceback.
"""

from __future__ import annotations

import argparse
import importlib
import json
import sys
from pathlib import Path
from typing import Any, Callable, Sequence

from sim.scenario.schema import Scenario, ScenarioError, parse_override

__all__ = ["main", "build_parser", "load_scenario", "add_scenario_options", "UsageError"]

#: Modules that add subcommands: each has ``register(subparsers)``.
COMMAND_MODULES: list[str] = [
    "sim.analysis.roi",
    "sim.analysis.compare",
    "sim.analysis.optimize",
    "sim.cli.sweep",
    "sim.cli.analyze",
    "sim.analysis.mmm",
    "sim.cli.dashboard",
]


class UsageError(Exception):
    """A mistake in the user's input: reported in one line, exit status 2."""


# ---------------------------------------------------------------------- shared options
def add_scenario_options(parser: argparse.ArgumentParser, seed: bool = True) -> None:
    parser.add_argument(
        "--set", dest="overrides", action="append", default=[], metavar="KEY=VALUE",
        help="override a scenario key, e.g. --set sales.headcount=12 (repeatable; the value is read as TOML)",
    )
    if seed:
        parser.add_argument("--seed", type=int, default=0, help="root random seed (default 0)")


def parse_overrides(items: Sequence[str]) -> dict[str, Any]:
    return dict(parse_override(item) for item in items)


def load_scenario(path: str, overrides: Sequence[str] = ()) -> Scenario:
    """Read, override and validate a scenario file; raises ScenarioError on any mistake."""
    return Scenario.from_toml(path, parse_overrides(overrides))


def _nonnegative_int(text: str) -> int:
    value = int(text)
    if value < 0:
        raise argparse.ArgumentTypeError(f"{value} is not allowed: must be >= 0")
    return value


def _positive_int(text: str) -> int:
    value = int(text)
    if value < 1:
        raise argparse.ArgumentTypeError(f"{value} is not allowed: must be >= 1")
    return value


# ---------------------------------------------------------------------- run
def _cmd_run(args: argparse.Namespace) -> int:
    from sim.running.run import run

    scenario = load_scenario(args.scenario, args.overrides)
    if args.engine == "reference" and args.trace:
        raise UsageError("--trace: journeys are recorded by the fast engine only; drop --trace or use --engine fast")
    out = Path(args.out) if args.out else Path("runs") / Path(args.scenario).stem
    result = run(
        scenario, seed=args.seed, replications=args.replications, trace=args.trace,
        progress=not args.quiet, engine=args.engine, workers=args.workers,
    )
    result.save(out, plots=not args.no_plots)
    if not args.quiet:
        print(format_summary(result.summary, scenario.name, args.replications))
        written = ["timeseries.csv", "summary.json", "run.json", "deals.csv"]
        if args.trace:
            written.append("journeys.csv")
        if not args.no_plots:
            written += ["funnel.png", "economics.png"]
        print(f"\nwrote {out}/: " + ", ".join(written))
    return 0


def format_summary(summary: dict, name: str, replications: int) -> str:
    """A short text table of the main KPIs per function."""
    picks = {
        "marketing": ["cost_usd", "impressions", "clicks", "leads", "cost_per_lead_usd", "awareness_share"],
        "sales": ["cost_usd", "opportunities", "deals_won", "win_rate", "avg_deal_size_usd", "avg_discount",
                  "cycle_days", "stale_leads", "quota_attainment"],
        "total": ["revenue_usd", "gross_profit_usd", "contribution_usd", "new_customers", "customers", "cac_usd",
                  "ltv_to_cac"],
    }

    def fmt(value) -> str:
        if isinstance(value, dict):
            if value.get("mean") is None:
                return "n/a"
            return f"{fmt(value['mean'])}  [{fmt(value['low'])}, {fmt(value['high'])}]"
        if value is None:
            return "n/a"
        if float(value).is_integer():
            return f"{int(value):,}"
        if abs(value) >= 1000:
            return f"{value:,.0f}"
        if abs(value) < 10:
            return f"{value:.3f}"
        return f"{value:.1f}"

    title = f"{name}" + (f" ({replications} replications: mean [95% interval])" if replications > 1 else "")
    lines = [title, "=" * len(title)]
    for section, keys in picks.items():
        lines.append(section)
        for key in keys:
            if key in summary[section]:
                lines.append(f"  {key:<22} {fmt(summary[section][key])}")
    return "\n".join(lines)


def _register_run(sub) -> None:
    p = sub.add_parser("run", help="run a scenario and write tables and charts",
                       description="Run a scenario; write timeseries.csv, summary.json, run.json, charts.")
    p.add_argument("scenario", help="scenario file (TOML)")
    p.add_argument("--out", help="output folder (default runs/<scenario file name>)")
    add_scenario_options(p)
    p.add_argument("--replications", type=_positive_int, default=1, help="replications (default 1)")
    p.add_argument("--trace", type=_nonnegative_int, default=0, metavar="N",
                   help="record the journeys of N random customers to journeys.csv")
    p.add_argument("--engine", choices=["fast", "reference"], default="fast",
                   help="simulation engine: fast (vectorised) or reference (one agent per customer; slow)")
    p.add_argument("--workers", type=_positive_int, default=None,
                   help="local processes for replications (default: all CPUs)")
    p.add_argument("--no-plots", action="store_true", help="skip the PNG charts")
    p.add_argument("--quiet", action="store_true", help="no progress bar or summary")
    p.set_defaults(func=_cmd_run)


# ---------------------------------------------------------------------- validate, keys
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
    p = sub.add_parser("validate", help="check scenario files without running them")
    p.add_argument("scenarios", nargs="+", help="scenario files (TOML)")
    add_scenario_options(p, seed=False)
    p.set_defaults(func=_cmd_validate)


def _cmd_keys(args: argparse.Namespace) -> int:
    from sim.scenario.keys import reference_markdown, scenario_keys

    if args.json:
        print(json.dumps(scenario_keys(), indent=1))
    else:
        print(reference_markdown(), end="")
    return 0


def _register_keys(sub) -> None:
    p = sub.add_parser("keys", help="print every scenario key with its type, default and meaning")
    p.add_argument("--json", action="store_true", help="as JSON instead of a Markdown table")
    p.set_defaults(func=_cmd_keys)


# ---------------------------------------------------------------------- entry point
def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="marketsim",
        description="Agent-based market simulation: sales versus marketing, budgets and ROI timelines.",
    )
    from sim import __version__

    parser.add_argument("--version", action="version", version=f"marketsim {__version__}")
    sub = parser.add_subparsers(dest="command", required=True, metavar="COMMAND")
    registrars: list[Callable] = [_register_run, _register_validate, _register_keys]
    for module in COMMAND_MODULES:
        registrars.append(importlib.import_module(module).register)
    for register in registrars:
        register(sub)
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    parser = build_parser()
    args = parser.parse_args(argv)
    try:
        return int(args.func(args) or 0)
    except (ScenarioError, UsageError) as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 2
    except FileNotFoundError as exc:
        print(f"error: {exc.filename or exc}: no such file", file=sys.stderr)
        return 2
    except KeyboardInterrupt:
        print("interrupted", file=sys.stderr)
        return 130


if __name__ == "__main__":
    sys.exit(main())
