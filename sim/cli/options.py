"""What commands share: the user-error type, argument types, scenario and run options."""

from __future__ import annotations

import argparse
from typing import Any, Sequence

from sim.scenario.schema import Scenario, parse_override

__all__ = [
    "UsageError",
    "add_run_options",
    "add_scenario_options",
    "load_scenario",
    "nonnegative_int",
    "options_text",
    "parse_overrides",
    "positive_int",
    "WORKERS_HELP",
]

#: What ``--workers`` means in every command.
WORKERS_HELP = ("local worker processes to start (default: one per CPU; 1 runs in this process); "
                "results are identical on any number")


class UsageError(Exception):
    """A mistake in the user's input: reported in one line, exit status 2."""


def _integer(text: str) -> int:
    try:
        return int(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"{text!r} is not an integer") from None


def positive_int(text: str) -> int:
    """An argument type: an integer >= 1."""
    value = _integer(text)
    if value < 1:
        raise argparse.ArgumentTypeError(f"{value} is not allowed: must be >= 1")
    return value


def nonnegative_int(text: str) -> int:
    """An argument type: an integer >= 0."""
    value = _integer(text)
    if value < 0:
        raise argparse.ArgumentTypeError(f"{value} is not allowed: must be >= 0")
    return value


def add_scenario_options(parser: argparse.ArgumentParser, seed: bool = True) -> None:
    """``--set KEY=VALUE`` (repeatable) and ``--seed``."""
    parser.add_argument(
        "--set", dest="overrides", action="append", default=[], metavar="KEY=VALUE",
        help="override a scenario key, e.g. --set sales.headcount=12 (repeatable; the value is read as TOML)",
    )
    if seed:
        parser.add_argument("--seed", type=int, default=0, help="root random seed (default 0)")


def add_run_options(parser: argparse.ArgumentParser, replications: int) -> None:
    """--replications, --workers, --quiet (and the scenario options --set, --seed)."""
    add_scenario_options(parser)
    parser.add_argument("--replications", type=positive_int, default=replications,
                        help=f"replications per scenario and variant (default {replications})")
    parser.add_argument("--workers", type=positive_int, default=None, help=WORKERS_HELP)
    parser.add_argument("--quiet", action="store_true", help="no progress bar or printed summary")


def parse_overrides(items: Sequence[str]) -> dict[str, Any]:
    return dict(parse_override(item) for item in items)


def load_scenario(path: str, overrides: Sequence[str] = ()) -> Scenario:
    """Read, override and validate a scenario file; raises ScenarioError on any mistake."""
    return Scenario.from_toml(path, parse_overrides(overrides))


def options_text(args: argparse.Namespace) -> str:
    """The run options of a command line, to repeat it in a report."""
    parts = [f" --replications {args.replications}", f" --seed {args.seed}"]
    parts += [f" --set {o}" for o in args.overrides]
    return "".join(parts) + f" --out {args.out}"
