"""Runs per second of a 200-run sweep of the baseline (10,000 customers) on each executor.

    python benchmarks/sweep_speed.py                 # 365-day horizon, about 5-8 minutes on 2 cores
    python benchmarks/sweep_speed.py --horizon 180   # quicker

Executors: the local process pool with 1 and 2 processes, and a Dask LocalCluster with 2
worker processes. Each executor is started and warmed up (a 2-run sweep) before the clock
starts, so the figures are steady-state throughput; start-up times are printed apart. Each
sweep writes its Parquet files to a fresh temporary folder. Goals: >= 1.7x from 1 to 2
processes; Dask within 15% of the local pool.
"""

from __future__ import annotations

import argparse
import os
import tempfile
import time
from pathlib import Path

from sim.running.executors import DaskExecutor, LocalExecutor
from sim.sweep import Sweep

ROOT = Path(__file__).resolve().parents[1]


def spec(runs: int, horizon: int, population: int) -> dict:
    return {
        "name": "speed",
        "base": str(ROOT / "scenarios" / "baseline.toml"),
        "design": "grid",
        "replications": runs,
        "seed": 1,
        "overrides": {"time.horizon_days": horizon, "market.population": population},
        "factors": [{"key": "sales.headcount", "values": [6]}],
    }


def timed_sweep(executor, runs: int, horizon: int, population: int, folder: Path) -> tuple[float, dict]:
    warm = Sweep.from_dict(spec(2, horizon, population), source="warm-up")
    warm.run(folder / "warm", executor=executor, progress=False)
    sweep = Sweep.from_dict(spec(runs, horizon, population), source="benchmark")
    started = time.perf_counter()
    sweep.run(folder / "sweep", executor=executor, progress=False)
    return time.perf_counter() - started, sweep.stats


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--runs", type=int, default=200)
    parser.add_argument("--horizon", type=int, default=365, help="days per run (default 365)")
    parser.add_argument("--population", type=int, default=10_000)
    args = parser.parse_args()
    print(f"{args.runs} runs of the baseline, {args.population:,} customers, {args.horizon} days; "
          f"{os.cpu_count()} CPUs; load average before: {os.getloadavg()[0]:.2f}")
    results = {}
    for label, make in [
        ("local pool, 1 process", lambda: LocalExecutor(workers=1)),
        ("local pool, 2 processes", lambda: LocalExecutor(workers=2)),
        ("Dask LocalCluster, 2 workers", lambda: DaskExecutor(workers=2)),
    ]:
        started = time.perf_counter()
        with make() as executor, tempfile.TemporaryDirectory() as folder:
            startup = time.perf_counter() - started
            seconds, stats = timed_sweep(executor, args.runs, args.horizon, args.population, Path(folder))
            workers = executor.workers
        results[label] = args.runs / seconds
        # CPU seconds per run on the workers shows the per-run cost of each executor; the CPU
        # share (worker CPU / (wall x workers)) shows how much of its cores the sweep obtained:
        # below 1 means idle workers or, on a shared machine, other programs' load.
        cpu_per_run = stats["worker_cpu_seconds"] / max(1, stats["runs"])
        share = stats["worker_cpu_seconds"] / (seconds * workers)
        print(f"{label:<30} {seconds:7.1f} s  {results[label]:6.2f} runs/s  worker CPU {cpu_per_run:.3f} s/run  "
              f"CPU share {share:.0%}  (executor start {startup:.1f} s)", flush=True)
    one, two, dask = results.values()
    print(f"speed-up 1 -> 2 processes: {two / one:.2f}x (goal >= 1.7x)")
    print(f"Dask / local pool (2 workers): {dask / two:.2f} (goal >= 0.85)")
    print(f"load average after: {os.getloadavg()[0]:.2f}")


if __name__ == "__main__":
    main()
