"""``marketsim sweep``: run a sweep file into resumable Parquet files, locally or on Dask."""

from __future__ import annotations

import argparse
import time
from pathlib import Path

from sim.cli.options import WORKERS_HELP, UsageError, add_scenario_options, parse_overrides, positive_int
from sim.running.executors import DaskExecutor, Executor, ExecutorError, LocalExecutor
from sim.sweep.spec import SweepError
from sim.sweep.store import DESIGN_FILE, MANIFEST, RESULTS, SERIES
from sim.sweep.sweep import Sweep

__all__ = ["register"]

def _executor(args: argparse.Namespace) -> Executor:
    chosen = [flag for flag, value in (("--workers", args.workers), ("--scheduler", args.scheduler),
                                       ("--dask-workers", args.dask_workers)) if value is not None]
    if len(chosen) > 1:
        raise UsageError(f"{' and '.join(chosen)}: choose one (local processes, a Dask cluster or a Dask "
                         "LocalCluster)")
    try:
        if args.scheduler is not None or args.dask_workers is not None:
            return DaskExecutor(scheduler=args.scheduler, workers=args.dask_workers)
        return LocalExecutor(workers=args.workers)
    except ExecutorError as exc:
        raise UsageError(str(exc)) from None


def _cmd_sweep(args: argparse.Namespace) -> int:
    sweep = Sweep.from_toml(args.spec, parse_overrides(args.overrides))
    out = Path(args.out)
    started = time.perf_counter()
    executor = _executor(args)
    with executor:
        try:
            sweep.run(out, executor=executor, progress=not args.quiet, chunk_size=args.chunk_size)
        except KeyboardInterrupt:
            raise
        except Exception as exc:
            if type(exc).__name__ not in ("KilledWorker", "CommClosedError", "FutureCancelledError"):
                raise
            raise SweepError(f"the Dask cluster lost a task ({type(exc).__name__}: {exc}); finished runs are "
                             "kept: run the same command again to resume") from None
    before = sweep.already_done
    elapsed = time.perf_counter() - started
    total = len(sweep.unique_runs)
    if not args.quiet:
        ran = total - before
        rate = f", {ran / elapsed:.2f} runs/s" if ran else ""
        print(f"{sweep.spec.name}: {total} runs complete ({ran} run now, {before} already on disk) in "
              f"{elapsed:.1f} s{rate}")
        tables = [t for t in (RESULTS, SERIES) if (out / t).is_dir()]
        print(f"wrote {out}/: {MANIFEST}, {DESIGN_FILE}, " + ", ".join(f"{t}/" for t in tables))
        print(f"read with: pandas.read_parquet({str(out / tables[0])!r})")
    return 0


def register(subparsers) -> None:
    p = subparsers.add_parser(
        "sweep", help="run a parameter sweep (grid, LHS, Sobol, Morris) into resumable Parquet files",
        description="Run every run of a sweep file; re-running the same command resumes. Default: local "
        "processes, one per CPU; --scheduler or --dask-workers run it on Dask instead.",
    )
    p.add_argument("spec", help="sweep file (TOML), e.g. scenarios/sweeps/budget_split.toml")
    p.add_argument("--out", required=True, help="output folder (results/ holds one row per run)")
    p.add_argument("--workers", type=positive_int, default=None, help=WORKERS_HELP)
    p.add_argument("--scheduler", metavar="ADDRESS", help="connect to a running Dask scheduler, e.g. tcp://host:8786")
    p.add_argument("--dask-workers", type=positive_int, default=None, metavar="N",
                   help="start a Dask LocalCluster with N worker processes on this machine")
    p.add_argument("--chunk-size", type=positive_int, default=None, help="runs per task (default: automatic)")
    p.add_argument("--quiet", action="store_true", help="no progress bar or summary")
    add_scenario_options(p, seed=False)
    p.set_defaults(func=_cmd_sweep)
