"""What commands share: the user-error type, argument types, scenario and run options."""

from __future__ import annotations

import argparse
import errno
import os
from pathlib import Path
from typing import Any, Iterable, Sequence

from sim.scenario.schema import Scenario, parse_override

__all__ = [
    "UsageError",
    "check_out_file",
    "clear_stale",
    "prepare_out_dir",
    "add_posterior_option",
    "add_run_options",
    "add_scenario_options",
    "load_scenario",
    "nonnegative_int",
    "options_text",
    "parse_overrides",
    "posterior_draws",
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
        parser.add_argument("--seed", type=nonnegative_int, default=0, help="root random seed, >= 0 (default 0)")


def add_run_options(parser: argparse.ArgumentParser, replications: int) -> None:
    """--replications, --workers, --quiet (and the scenario options --set, --seed)."""
    add_scenario_options(parser)
    parser.add_argument("--replications", type=positive_int, default=replications,
                        help=f"replications per scenario and variant (default {replications})")
    parser.add_argument("--workers", type=positive_int, default=None, help=WORKERS_HELP)
    parser.add_argument("--quiet", action="store_true", help="no progress bar or printed summary")


def add_posterior_option(parser: argparse.ArgumentParser) -> None:
    """``--posterior posterior.csv``: run over posterior draws instead of one parameter set."""
    parser.add_argument(
        "--posterior", metavar="CSV", default=None,
        help="posterior.csv of `marketsim calibrate`: replication r runs with draw r's values "
             "(--replications draws, evenly spaced over the file)",
    )


def posterior_draws(args: argparse.Namespace) -> list[dict[str, Any]] | None:
    """The draws ``--posterior`` names (``--replications`` of them), or ``None``."""
    if not getattr(args, "posterior", None):
        return None
    from sim.calibration.posterior import read_posterior

    return read_posterior(args.posterior, args.replications)


def parse_overrides(items: Sequence[str]) -> dict[str, Any]:
    return dict(parse_override(item) for item in items)


def load_scenario(path: str, overrides: Sequence[str] = ()) -> Scenario:
    """Read, override and validate a scenario file; raises ScenarioError on any mistake."""
    return Scenario.from_toml(path, parse_overrides(overrides))


def options_text(args: argparse.Namespace) -> str:
    """The run options of a command line, to repeat it in a report."""
    parts = [f" --replications {args.replications}", f" --seed {args.seed}"]
    parts += [f" --set {o}" for o in args.overrides]
    if getattr(args, "posterior", None):
        parts.append(f" --posterior {args.posterior}")
    return "".join(parts) + f" --out {args.out}"


def _writable_dir(folder: Path, option: str, shown: Path) -> None:
    """Create ``folder`` (and parents) and write a probe file in it; a user error if impossible."""
    for parent in (folder, *folder.parents):
        if parent.exists():
            if not parent.is_dir():
                raise UsageError(f"{option} {shown}: {parent} is a file, not a folder; give a folder path")
            break
    try:
        folder.mkdir(parents=True, exist_ok=True)
        probe = folder / f".marketsim-write-check-{os.getpid()}"
        probe.write_bytes(b"")
        probe.unlink()
    except OSError as exc:
        reason = {errno.EACCES: "permission denied", errno.EPERM: "permission denied",
                  errno.EROFS: "read-only file system"}.get(exc.errno, exc.strerror or str(exc))
        raise UsageError(f"{option} {shown}: cannot write there ({reason}); give a folder you can write to") from None


def prepare_out_dir(out: str | Path, option: str = "--out") -> Path:
    """Check an output folder before any work: it is a folder (or can be created) and writable.

    Called before running, so a bad ``--out`` fails in a second with exit status 2 instead of
    losing the results after every simulation ran.
    """
    path = Path(out)
    if path.exists() and not path.is_dir():
        raise UsageError(f"{option} {path}: is an existing file; give a folder (it is created if needed)")
    _writable_dir(path, option, path)
    return path


def check_out_file(out: str | Path, option: str = "--out", suffix: str | None = None) -> Path:
    """Check an output file before any work: not a folder, its folder creatable and writable."""
    path = Path(out)
    if suffix and path.suffix != suffix:
        raise UsageError(f"{option} {path}: must end in {suffix}")
    if path.is_dir():
        raise UsageError(f"{option} {path}: is a folder; give a file name, e.g. {path / ('data' + (suffix or ''))}")
    _writable_dir(path.parent if str(path.parent) else Path("."), option, path)
    return path


def clear_stale(out: Path, owned: Iterable[str], written: Iterable[str]) -> list[str]:
    """Remove the files this command owns in ``out`` that this run did not write (left by an
    earlier run with other options, e.g. journeys.csv or charts); return their names.

    Called after the new files are written, so nothing is lost if the run fails; files the
    command does not own are never touched.
    """
    keep = set(written)
    removed = []
    for name in owned:
        target = out / name
        if name not in keep and target.is_file():
            target.unlink()
            removed.append(name)
    return removed
