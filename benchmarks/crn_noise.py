"""Do common random numbers couple? Paired-difference noise of two-year gross profit.

    python benchmarks/crn_noise.py                       # 16 seeds, 10k x 730, baseline
    python benchmarks/crn_noise.py --lift-capacity       # the same with `sales.capacity` lifted
    python benchmarks/crn_noise.py --seeds 8 --size 5000 --days 365
    python benchmarks/crn_noise.py --set sales.mql_threshold=0  # any key, as --set elsewhere

For each seed, the baseline and each variant run with the same seed; the table prints the
sd over seeds of the paired difference (variant - baseline) of cumulative gross profit, and
its ratio to the sd of the baseline's own level. A ratio near 1.41 means the pair is as noisy
as two independent runs; near 0 means the common random numbers couple. Targets (issue 13):
<= 0.25 for small changes, <= 0.5 for large ones.
"""

from __future__ import annotations

import argparse
import time
from concurrent.futures import ProcessPoolExecutor
from pathlib import Path

import numpy as np

ROOT = Path(__file__).resolve().parents[1]

#: (label, size class, overrides as a function of the scenario)
VARIANTS = [
    ("all channels +10%", "small", lambda s: _scale_channels(s, 1.1)),
    ("+1 rep", "small", lambda s: {"sales.headcount": s.sales.headcount + 1}),
    ("-1 rep", "small", lambda s: {"sales.headcount": s.sales.headcount - 1}),
    ("all channels +1%", "small", lambda s: _scale_channels(s, 1.01)),
    ("search off", "large", lambda s: {"channels.search.monthly_budget_usd": 0.0}),
    ("search +30%", "large", lambda s: _scale_channels(s, 1.3, only="search")),
]


def _scale_channels(scenario, factor: float, only: str | None = None) -> dict:
    return {
        f"channels.{name}.monthly_budget_usd": ch.monthly_budget_usd * factor
        for name, ch in scenario.channels.items()
        if only is None or name == only
    }


def gross_profit(args: tuple) -> float:
    path, overrides, seed = args
    from sim import Scenario
    from sim.running.run import run_one

    return float(run_one(Scenario.from_toml(path, overrides), seed).timeseries["gross_profit"].sum())


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--scenario", default=str(ROOT / "scenarios" / "baseline.toml"))
    parser.add_argument("--seeds", type=int, default=16)
    parser.add_argument("--size", type=int, default=10_000)
    parser.add_argument("--days", type=int, default=730)
    parser.add_argument("--lift-capacity", action="store_true", help="set sales.capacity to 10000 (no rep limit)")
    parser.add_argument("--workers", type=int, default=2)
    parser.add_argument("--only", nargs="*", help="labels of the variants to run (default: all)")
    parser.add_argument("--set", action="append", default=[], metavar="KEY=VALUE",
                        help="override a scenario key in every run (repeatable)")
    args = parser.parse_args()

    from sim import Scenario
    from sim.scenario.schema import parse_override

    base = {"market.population": args.size, "time.horizon_days": args.days}
    if args.lift_capacity:
        base["sales.capacity"] = 10_000
    base.update(parse_override(text) for text in args.set)
    scenario = Scenario.from_toml(args.scenario, base)
    variants = [v for v in VARIANTS if not args.only or v[0] in args.only]
    jobs = [("baseline", {})] + [(label, {**base, **make(scenario)}) for label, _, make in variants]
    tasks = [(args.scenario, {**base, **ov}, seed) for _, ov in jobs for seed in range(args.seeds)]
    start = time.perf_counter()
    with ProcessPoolExecutor(args.workers) as pool:
        values = np.array(list(pool.map(gross_profit, tasks, chunksize=1))).reshape(len(jobs), args.seeds)
    level = values[0]
    sd_level = level.std(ddof=1)
    print(f"{args.seeds} seeds, {args.size:,} customers x {args.days} days"
          f"{', sales.capacity lifted' if args.lift_capacity else ''}{''.join(', ' + t for t in args.set)}: "
          f"two-year gross profit "
          f"mean {level.mean() / 1e6:.2f}M, sd {sd_level / 1e6:.3f}M ({time.perf_counter() - start:.0f} s)")
    print(f"{'change':<20} {'size':<6} {'mean diff':>10} {'sd diff':>9} {'ratio':>6} {'target':>6}")
    for (label, kind, _), row in zip(variants, values[1:]):
        diff = row - level
        ratio = diff.std(ddof=1) / sd_level
        target = 0.25 if kind == "small" else 0.5
        mark = "ok" if ratio <= target else "--"
        print(f"{label:<20} {kind:<6} {diff.mean() / 1e6:>9.3f}M {diff.std(ddof=1) / 1e6:>8.3f}M {ratio:>6.2f} "
              f"{target:>6.2f} {mark}")


if __name__ == "__main__":
    main()
