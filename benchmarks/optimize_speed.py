"""Time the budget-split optimiser on the bundled baseline (10,000 customers, 730 days).

    python benchmarks/optimize_speed.py [--replications 10] [--workers 2]

Prints the wall time, the number of runs and the time per run. The CLI equivalent is
``marketsim optimize scenarios/baseline.toml --total-budget 2400000 --out reports/split``.
"""

from __future__ import annotations

import argparse
import os
import time
from pathlib import Path

from sim import Scenario
from sim.analysis.optimize import optimize_split
from sim.report.text import format_split


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--replications", type=int, default=10)
    parser.add_argument("--workers", type=int, default=2)
    parser.add_argument("--total-budget", type=float, default=2_400_000)
    args = parser.parse_args()
    scenario = Scenario.from_toml(Path(__file__).resolve().parents[1] / "scenarios" / "baseline.toml")
    load = os.getloadavg()[0]
    start = time.perf_counter()
    result = optimize_split(scenario, args.total_budget, replications=args.replications, workers=args.workers,
                            progress=True)
    seconds = time.perf_counter() - start
    runs = len(result.curve) * args.replications
    print(format_split(result))
    print(f"\n{runs} runs ({len(result.curve)} splits x {args.replications} replications) of "
          f"{scenario.market.population:,} customers x {scenario.time.horizon_days} days on {args.workers} workers: "
          f"{seconds:.1f} s wall, {seconds / runs * args.workers:.2f} s per run per worker "
          f"(load average before the start: {load:.1f})")


if __name__ == "__main__":
    main()
