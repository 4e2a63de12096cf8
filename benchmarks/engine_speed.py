"""Engine speed and memory: the baseline scenario at several population sizes.

Prints seconds, nanoseconds per customer-step and peak memory per customer for
``run(scenario, seed)`` end to end (set-up, network build and result tables included).
Each size runs in a fresh process so peak memory is its own.

    python benchmarks/engine_speed.py                 # 10k, 100k, 1M customers x 365 days
    python benchmarks/engine_speed.py --sizes 10000 --days 730
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
size, days, scenario_path = int(sys.argv[1]), int(sys.argv[2]), sys.argv[3]
scenario = Scenario.from_toml(scenario_path, {"market.population": size, "time.horizon_days": days})
before = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
start = time.perf_counter()
run(scenario, seed=1)
seconds = time.perf_counter() - start
peak_kb = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
print(json.dumps({"seconds": seconds, "peak_kb": peak_kb, "baseline_kb": before}))
"""


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--sizes", type=int, nargs="+", default=[10_000, 100_000, 1_000_000])
    parser.add_argument("--days", type=int, default=365)
    parser.add_argument("--scenario", default=str(ROOT / "scenarios" / "baseline.toml"))
    args = parser.parse_args()
    print(f"{'customers':>10} {'days':>5} {'seconds':>8} {'ns/customer-step':>17} {'peak bytes/customer':>20}")
    for size in args.sizes:
        out = subprocess.run(
            [sys.executable, "-c", CHILD, str(size), str(args.days), args.scenario],
            capture_output=True, text=True, check=True, cwd=ROOT,
        )
        m = json.loads(out.stdout.strip().splitlines()[-1])
        ns = m["seconds"] / (size * args.days) * 1e9
        # Peak resident memory above the interpreter with its imports, per customer.
        per_customer = (m["peak_kb"] - m["baseline_kb"]) * 1024 / size
        print(f"{size:>10,} {args.days:>5} {m['seconds']:>8.2f} {ns:>17.1f} {per_customer:>20.0f}")


if __name__ == "__main__":
    main()
