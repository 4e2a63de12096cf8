"""Small runs against large ones, and the fast engine against the reference, side by side.

    python benchmarks/small_runs.py

Prints CPU seconds (``time.process_time``, each run in a fresh process after a warm-up run
of the same size) and nanoseconds per customer-step for the baseline at 10k x 730 and at
1M x 365 (issue 13's target: the small run's cost per customer-step at most 3x the large
one's), and for the fast and the reference engines at 10k x 365 (target: 100x). The fast
runs also say how much of their time the sales phase (``SalesTeam.step``) took, and the last
line gives the 10k x 730 ratio without it.
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
sales = [0.0]
if engine == "fast":
    from sim.engine.sales import SalesTeam
    step = SalesTeam.step
    def timed(self, *a, **k):
        start = time.process_time()
        try:
            return step(self, *a, **k)
        finally:
            sales[0] += time.process_time() - start
    SalesTeam.step = timed
cpu = time.process_time()
run(scenario, seed=1, engine=engine)
print(json.dumps({"cpu": time.process_time() - cpu, "sales": sales[0]}))
"""


def cpu_seconds(size: int, days: int, engine: str = "fast") -> tuple[float, float]:
    """CPU seconds of one run, and of its sales phase (0 for the reference engine)."""
    out = subprocess.run([sys.executable, "-c", CHILD, str(size), str(days), engine, "1"],
                         capture_output=True, text=True, check=True, cwd=ROOT)
    figures = json.loads(out.stdout.strip().splitlines()[-1])
    return figures["cpu"], figures["sales"]


def main() -> None:
    rows = []
    for size, days, engine in ((10_000, 730, "fast"), (1_000_000, 365, "fast"), (10_000, 365, "fast"),
                               (10_000, 365, "reference")):
        cpu, sales = cpu_seconds(size, days, engine)
        steps = size * days
        rows.append((size, days, engine, cpu, cpu / steps * 1e9, (cpu - sales) / steps * 1e9))
        of_which = f"  (sales {sales:5.2f} s, {100 * sales / cpu:4.1f}%)" if engine == "fast" else ""
        print(f"{size:>10,} x {days:>3} {engine:<9} {cpu:7.2f} CPU s {rows[-1][4]:8.1f} ns/customer-step{of_which}",
              flush=True)
    print(f"10k x 730 per customer-step / 1M x 365: {rows[0][4] / rows[1][4]:.1f}x (target <= 3x)")
    print(f"  the same without the sales phase: {rows[0][5] / rows[1][5]:.1f}x")
    print(f"reference / fast at 10k x 365: {rows[3][3] / rows[2][3]:.1f}x (target >= 100x)")


if __name__ == "__main__":
    main()
