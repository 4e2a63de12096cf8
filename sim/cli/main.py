"""The ``marketsim`` command: the registry of subcommands and the exit status.

A user's mistake (a bad scenario, a bad ``--set``, a missing file) prints one clear message
naming the key, the value and what is allowed, and exits with status 2; no traceback.
"""

from __future__ import annotations

import argparse
import importlib
import os
import sys
from typing import Sequence

from sim.cli.options import UsageError, add_scenario_options, load_scenario, parse_overrides
from sim.scenario.schema import ScenarioError

__all__ = ["main", "build_parser", "load_scenario", "add_scenario_options", "parse_overrides", "UsageError"]

#: Modules that add subcommands, in the order of ``--help``: each has ``register(subparsers)``.
COMMAND_MODULES: list[str] = [
    "sim.cli.run",
    "sim.cli.roi",
    "sim.cli.compare",
    "sim.cli.optimize",
    "sim.cli.benchmark",
    "sim.cli.sweep",
    "sim.cli.analyze",
    "sim.cli.mmm",
    "sim.cli.calibrate",
    "sim.cli.forecast",
    "sim.cli.dashboard",
]

#: Subcommands that run simulations (the first one after installing compiles the kernels).
SIMULATING = frozenset({"run", "roi", "compare", "optimize", "benchmark", "sweep", "export-mmm",
                        "calibrate", "forecast", "dashboard"})


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="marketsim",
        description="Agent-based market simulation: sales versus marketing, budgets and ROI timelines.",
    )
    from sim import __version__

    parser.add_argument("--version", action="version", version=f"marketsim {__version__}")
    sub = parser.add_subparsers(dest="command", required=True, metavar="COMMAND")
    for module in COMMAND_MODULES:
        importlib.import_module(module).register(sub)
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    parser = build_parser()
    argv = sys.argv[1:] if argv is None else list(argv)
    if not argv:
        parser.print_help()
        return 0
    args = parser.parse_args(argv)
    if args.command in SIMULATING and not getattr(args, "quiet", False):
        from sim.engine.kernels import kernels_cached

        if not kernels_cached():
            print("marketsim: compiling the simulation kernels (once per installation, about 20 s)", file=sys.stderr)
    try:
        status = int(args.func(args) or 0)
        sys.stdout.flush()  # a closed pipe shows here, not at exit
        return status
    except BrokenPipeError:
        # The reader went away (`marketsim keys --json | head`): not an error of ours.
        devnull = os.open(os.devnull, os.O_WRONLY)
        os.dup2(devnull, sys.stdout.fileno())
        return 0
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
