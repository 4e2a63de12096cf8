"""Small runs against large ones, and the fast engine against the reference, side by side.

    python benchmarks/small_runs.py                  # this tree
    python benchmarks/small_runs.py --against main   # and a git revision (or a directory), side by side

Prints CPU seconds (``time.process_time``, each size in a fresh process after a warm-up run,
the least of ``--repeat`` runs) and nanoseconds per customer-step for the baseline at 10k x
730 and at 1M x 365 (target: the small run's cost per customer-step at most 3x the large
one's), and for the fast and the reference engines at 10k x 365 (target: 100x). The fast
runs also say how much of their time went to the sales function's code (``SalesTeam.step``,
and ``add_leads``, ``queue_leads``, ``reset_counters`` and ``disown``, which the marketing and
model phases call), and a line gives the 10k x 730 ratio without it. That share comes from
up to two runs more with those methods timed (the timers' own cost would otherwise be in the
CPU seconds); it is applied to the untimed runs' figure.

Compiled kernels are cached on disk (numba ``cache=True``), so a user pays their compile time
once per installation and a small load time per process; the last lines measure both apart
from the runs: the first 2,000 x 30 run in a new process with an empty cache (compile), with
the cache filled (load), and again in the same process (the run itself).

``--against REV`` exports that revision of the repository (``git archive``) to a temporary
directory (or takes REV as a directory holding such a copy) and runs the same measurements there, each case right after this tree's, so that
a loaded machine slows both alike. The reference engine is timed in this tree only.
"""

from __future__ import annotations

import argparse
import json
import os
import subprocess
import sys
import tarfile
import tempfile
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]

CHILD = r"""
import json, sys, time
start = time.process_time()
from sim import Scenario, run
size, days, engine, repeat = int(sys.argv[1]), int(sys.argv[2]), sys.argv[3], int(sys.argv[4])
scenario = Scenario.from_toml("scenarios/baseline.toml", {"market.population": size, "time.horizon_days": days})
warm = scenario.with_overrides({"market.population": min(size, 2000), "time.horizon_days": 30})
imported = time.process_time()
run(warm, seed=0, engine=engine)
first = time.process_time()
run(warm, seed=0, engine=engine)
again = time.process_time()
best = None
for _ in range(repeat):
    cpu = time.process_time()
    run(scenario, seed=1, engine=engine)
    cpu = time.process_time() - cpu
    best = cpu if best is None else min(best, cpu)
sales = [0.0]
share = 0.0
if engine == "fast" and repeat:  # then the share of the sales function's code, from runs timed apart
    from sim.engine.sales import SalesTeam
    depth = [0]
    def timed(method):
        def wrapper(*a, **k):
            depth[0] += 1
            start = time.process_time()
            try:
                return method(*a, **k)
            finally:
                depth[0] -= 1
                if not depth[0]:
                    sales[0] += time.process_time() - start
        return wrapper
    for name in ("step", "add_leads", "queue_leads", "reset_counters", "disown"):
        if hasattr(SalesTeam, name):
            setattr(SalesTeam, name, timed(getattr(SalesTeam, name)))
    shares = []
    for _ in range(min(repeat, 2)):
        sales[0] = 0.0
        cpu = time.process_time()
        run(scenario, seed=1, engine=engine)
        shares.append(sales[0] / (time.process_time() - cpu))
    share = min(shares)
cpu = best or 0.0
spent = share * cpu
print(json.dumps({"cpu": cpu, "sales": spent, "import": imported - start, "first": first - imported,
                  "again": again - first}))
"""


def measure(tree: Path, size: int, days: int, engine: str = "fast", repeat: int = 1, env: dict | None = None) -> dict:
    """CPU seconds of the least of ``repeat`` runs in a new process at ``tree``, of its sales phase, and of the
    process's import and first and second warm-up runs."""
    environment = {**os.environ, "PYTHONPATH": str(tree), **(env or {})}
    out = subprocess.run([sys.executable, "-c", CHILD, str(size), str(days), engine, str(repeat)],
                         capture_output=True, text=True, check=True, cwd=tree, env=environment)
    return json.loads(out.stdout.strip().splitlines()[-1])


def export(revision: str, into: Path) -> Path:
    """The repository at ``revision`` in ``into`` (its own copy: its compiled-kernel cache is its own)."""
    archive = into / "tree.tar"
    subprocess.run(["git", "archive", "--format=tar", "-o", str(archive), revision], cwd=ROOT, check=True)
    tree = into / "tree"
    with tarfile.open(archive) as tar:
        tar.extractall(tree, filter="data")
    return tree


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--against", metavar="REV", help="also measure this git revision, side by side")
    parser.add_argument("--repeat", type=int, default=3, help="runs per case (the least counts); at most 3 at 1M")
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as scratch:
        trees = {"now": ROOT}
        if args.against:
            tree = Path(args.against) if Path(args.against).is_dir() else export(args.against, Path(scratch))
            trees = {args.against: tree, "now": ROOT}
        cases = ((10_000, 730, "fast", args.repeat), (1_000_000, 365, "fast", min(args.repeat, 3)),
                 (10_000, 365, "fast", args.repeat))
        figures: dict[str, list[dict]] = {name: [] for name in trees}
        header = "".join(f"{name:>34}" for name in trees)
        print(f"{'':<26}{header}\n{'':<26}" + "".join(f"{'CPU s':>10}{'ns/step':>10}{'sales':>14}" for _ in trees))
        for size, days, engine, repeat in cases:
            line = f"{size:>10,} x {days:>3} {engine:<9}"
            for name, tree in trees.items():
                f = measure(tree, size, days, engine, repeat)
                f["ns"] = f["cpu"] / (size * days) * 1e9
                f["ns_without_sales"] = (f["cpu"] - f["sales"]) / (size * days) * 1e9
                figures[name].append(f)
                line += f"{f['cpu']:10.3f}{f['ns']:10.1f}{f['sales']:8.3f} {100 * f['sales'] / f['cpu']:3.0f}% "
            print(line, flush=True)
        reference = measure(ROOT, 10_000, 365, "reference")
        print(f"{10_000:>10,} x {365:>3} {'reference':<9}{reference['cpu']:10.3f}"
              f"{reference['cpu'] / (10_000 * 365) * 1e9:10.1f}   (this tree)")
        for name in trees:
            small, large, year = figures[name]
            print(f"[{name}] 10k x 730 per customer-step / 1M x 365: {small['ns'] / large['ns']:.1f}x (target <= 3x); "
                  f"without the sales phase {small['ns_without_sales'] / large['ns_without_sales']:.1f}x; "
                  f"reference / fast at 10k x 365: {reference['cpu'] / year['cpu']:.1f}x (target >= 100x)")
        for name, tree in trees.items():
            with tempfile.TemporaryDirectory() as cache:
                cold = measure(tree, 2000, 30, repeat=0, env={"NUMBA_CACHE_DIR": cache})
                warm = measure(tree, 2000, 30, repeat=0, env={"NUMBA_CACHE_DIR": cache})
            print(f"[{name}] compiled kernels, 2,000 x 30 run: {cold['first']:.2f} CPU s with an empty cache "
                  f"(compiling), {warm['first']:.2f} s with it filled (loading), {warm['again']:.3f} s once loaded; "
                  f"import {warm['import']:.2f} s")


if __name__ == "__main__":
    main()
