"""Small runs against large ones, and the fast engine against the reference, side by side.

    python benchmarks/small_runs.py

Prints CPU seconds (``time.process_time``, each run in a fresh process after a warm-up run
of the same size) and nanoseconds per customer-step for the baseline at 10k x 730 and at
1M x 365 (issue 13's target: the small run's cost per customer-step at most 3x the large
one's), and for the fast and the reference engines at 10k x 365 (target: 100x).
"""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]

CHILD = r"""
import json, sys, time
from sim import Scenario, run
size, days, engine, warm = int(sys.argv[1]), int(sys.argv[2]), sys.argv[3], sys.argv[4] == "1"
scenario = Scenario.from_toml("scenarios/baseline.toml", {"market.population": size, "time.horizon_days": days})
if warm:
    run(scenario.with_overrides({"market.population": min(size, 2000), "time.horizon_days": 30}), seed=0, engine=engine)
cpu = time.process_time()
run(scenario, seed=1, engine=engine)
print(json.dumps({"cpu": time.process_time() - cpu}))
"""


def cpu_seconds(size: int, days: int, engine: str = "fast") -> float:
    out = subprocess.run([sys.executable, "-c", CHILD, str(size), str(days), engine, "1"],
                         capture_output=True, text=True, check=True, cwd=ROOT)
    return json.loads(out.stdout.strip().splitlines()[-1])["cpu"]


def main() -> None:
    rows = []
    for size, days, engine in ((10_000, 730, "fast"), (1_000_000, 365, "fast"), (10_000, 365, "fast"),
                               (10_000, 365, "reference")):
        cpu = cpu_seconds(size, days, engine)
        rows.append((size, days, engine, cpu, cpu / (size * days) * 1e9))
        print(f"{size:>10,} x {days:>3} {engine:<9} {cpu:7.2f} CPU s {rows[-1][4]:8.1f} ns/customer-step", flush=True)
    print(f"10k x 730 per customer-step / 1M x 365: {rows[0][4] / rows[1][4]:.1f}x (target <= 3x)")
    print(f"reference / fast at 10k x 365: {rows[3][3] / rows[2][3]:.1f}x (target >= 100x)")


if __name__ == "__main__":
    main()
