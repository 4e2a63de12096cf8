"""The fast engine against the reference model (one Mesa agent per customer), side by side.

Both run the baseline scenario end to end as a user calls ``run()`` (set-up and network
build included), each size and engine in a fresh process, one after the other:

    python benchmarks/reference_speed.py                      # 10k and 100k customers x 365 days
    python benchmarks/reference_speed.py --sizes 10000 --days 90

The fast engine is timed ``--repeat`` times (best counts), the reference once.
"""

from __future__ import annotations

import argparse

from engine_speed import ROOT, measure


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--sizes", type=int, nargs="+", default=[10_000, 100_000])
    parser.add_argument("--days", type=int, default=365)
    parser.add_argument("--scenario", default=str(ROOT / "scenarios" / "baseline.toml"))
    parser.add_argument("--repeat", type=int, default=3,
                        help="fast-engine runs per size; the quickest counts (a short run on a shared "
                             "machine is easily delayed; the reference runs for minutes, once)")
    args = parser.parse_args()
    print(f"{'customers':>10} {'days':>5} {'engine':>9} {'seconds':>8} {'cpu s':>7} {'us/customer-step':>17} "
          f"{'x faster (wall)':>16} {'x faster (cpu)':>15}")
    for size in args.sizes:
        fast = min((measure(size, args.days, args.scenario, "fast") for _ in range(args.repeat)),
                   key=lambda m: m["seconds"])
        ref = measure(size, args.days, args.scenario, "reference")
        for name, m in (("fast", fast), ("reference", ref)):
            us = m["seconds"] / (size * args.days) * 1e6
            ratio = ref["seconds"] / fast["seconds"] if name == "fast" else 1.0
            cpu_ratio = ref["cpu_seconds"] / fast["cpu_seconds"] if name == "fast" else 1.0
            print(f"{size:>10,} {args.days:>5} {name:>9} {m['seconds']:>8.2f} {m['cpu_seconds']:>7.2f} {us:>17.3f} "
                  f"{ratio:>16.0f} {cpu_ratio:>15.0f}", flush=True)


if __name__ == "__main__":
    main()
