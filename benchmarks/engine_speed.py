"""Engine speed and memory: the baseline scenario at several population sizes.

Prints seconds, nanoseconds per customer-step and peak memory per customer for
``run(scenario, seed)`` end to end (set-up, network build and result tables included).
Each size runs in a fresh process so peak memory is its own.

    python benchmarks/engine_speed.py                 # 10k, 100k, 1M customers x 365 days
    python benchmarks/engine_speed.py --sizes 10000 --days 730
    python benchmarks/engine_speed.py --sizes 1000000 10000000    # the 10M target: < 60 s, < 2 GB

"cpu s" is the process's CPU time: on a shared machine it moves less than wall time.
"""

from __future__ import annotations

import argparse
import json
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]

CHILD = r"""
import json, resource, sys, time
from sim import Scenario, run
size, days, scenario_path, engine = int(sys.argv[1]), int(sys.argv[2]), sys.argv[3], sys.argv[4]
scenario = Scenario.from_toml(scenario_path, {"market.population": size, "time.horizon_days": days})
before = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
start, cpu = time.perf_counter(), time.process_time()
run(scenario, seed=1, engine=engine)
seconds, cpu = time.perf_counter() - start, time.process_time() - cpu
peak_kb = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
print(json.dumps({"seconds": seconds, "cpu_seconds": cpu, "peak_kb": peak_kb, "baseline_kb": before}))
"""


def measure(size: int, days: int, scenario: str, engine: str = "fast") -> dict:
    """Run one size in a fresh process; wall and CPU seconds, peak memory."""
    out = subprocess.run(
        [sys.executable, "-c", CHILD, str(size), str(days), scenario, engine],
        capture_output=True, text=True, check=True, cwd=ROOT,
    )
    return json.loads(out.stdout.strip().splitlines()[-1])


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--sizes", type=int, nargs="+", default=[10_000, 100_000, 1_000_000])
    parser.add_argument("--days", type=int, default=365)
    parser.add_argument("--scenario", default=str(ROOT / "scenarios" / "baseline.toml"))
    parser.add_argument("--engine", choices=["fast", "reference"], default="fast")
    args = parser.parse_args()
    print(f"{'customers':>10} {'days':>5} {'seconds':>8} {'cpu s':>7} {'ns/customer-step':>17} "
          f"{'peak bytes/customer':>20}")
    for size in args.sizes:
        m = measure(size, args.days, args.scenario, args.engine)
        ns = m["seconds"] / (size * args.days) * 1e9
        # Peak resident memory above the interpreter with its imports, per customer.
        per_customer = (m["peak_kb"] - m["baseline_kb"]) * 1024 / size
        print(f"{size:>10,} {args.days:>5} {m['seconds']:>8.2f} {m['cpu_seconds']:>7.2f} {ns:>17.1f} "
              f"{per_customer:>20.0f}", flush=True)


if __name__ == "__main__":
    main()
