"""Where a day's time goes: CPU seconds per phase of ``MarketModel.step`` (and set-up).

    python benchmarks/profile_phases.py --size 100000 --days 365

Each phase method is wrapped with a CPU-time counter (``time.process_time``); the table
lists set-up, each phase, the day's accounting, its row of figures, the rest of ``step``
and the result tables built by ``run_one``. A small warm-up run first loads the compiled
kernels (``--no-warm-up`` to include that). For a line-level view use cProfile:
``python -m cProfile -s tottime benchmarks/profile_phases.py``.
"""

from __future__ import annotations

import argparse
import time
from collections import defaultdict
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--size", type=int, default=100_000)
    parser.add_argument("--days", type=int, default=365)
    parser.add_argument("--scenario", default=str(ROOT / "scenarios" / "baseline.toml"))
    parser.add_argument("--no-warm-up", dest="warm_up", action="store_false")
    args = parser.parse_args()

    from sim import Scenario
    from sim.engine.marketing import MarketingChannel
    from sim.engine.model import MarketModel
    from sim.running.run import run_one
    from sim.engine.sales import SalesTeam

    scenario = Scenario.from_toml(args.scenario, {"market.population": args.size, "time.horizon_days": args.days})
    if args.warm_up:
        run_one(scenario.with_overrides({"market.population": min(args.size, 2000), "time.horizon_days": 30}), seed=0)

    spent: dict[str, float] = defaultdict(float)

    def timed(cls, name, label):
        original = getattr(cls, name)

        def wrapper(*a, **k):
            start = time.process_time()
            try:
                return original(*a, **k)
            finally:
                spent[label] += time.process_time() - start

        setattr(cls, name, wrapper)

    timed(MarketModel, "__init__", "set-up (population, network, agents)")
    timed(MarketingChannel, "step", "marketing: exposure, notice, click")
    timed(MarketModel, "word_of_mouth", "word of mouth")
    timed(MarketModel, "progression", "progression (interest, leads, forgetting)")
    timed(SalesTeam, "step", "sales: staffing, pipeline, leads, outbound")
    timed(MarketModel, "retention", "retention (churn, repeat, win-back)")
    timed(MarketModel, "account", "accounting (ledger)")
    timed(MarketModel, "_collect_row", "row of figures")
    timed(MarketModel, "step", "step (total)")

    start = time.process_time()
    run_one(scenario, seed=1)
    total = time.process_time() - start
    step_total = spent.pop("step (total)")
    set_up = spent["set-up (population, network, agents)"]
    phases = sum(v for k, v in spent.items() if not k.startswith("set-up"))
    spent["rest of step (ledger reset, collector)"] = max(0.0, step_total - phases)
    spent["result tables (run_one)"] = total - step_total - set_up
    print(f"{args.size:,} customers x {args.days} days: {total:.3f} CPU s "
          f"({total / (args.size * args.days) * 1e9:.1f} ns per customer-step, {1e3 * step_total / args.days:.3f} ms per day)")
    for label, seconds in sorted(spent.items(), key=lambda kv: -kv[1]):
        print(f"  {label:<45} {seconds:7.3f} s  {100 * seconds / total:5.1f}%")


if __name__ == "__main__":
    main()
