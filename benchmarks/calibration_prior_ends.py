"""How much does each candidate fit parameter move the CRM totals? One key at a time, at the
two ends of its prior (scenarios/calibration/screen.toml), same seed, 2,000 customers, six
months of the baseline: the ratio high-end / low-end of each six-month total.

    PYTHONPATH=. python benchmarks/calibration_prior_ends.py

A quick companion of the Morris screen (which also measures interactions): a key whose
ratios are all near 1 cannot be learnt from CRM data of that length.
"""

from __future__ import annotations

import tomllib
from pathlib import Path

from sim.calibration.summaries import simulate
from sim.scenario.schema import Scenario

ROOT = Path(__file__).resolve().parents[1]
COLUMNS = ["leads", "marketing_leads", "opportunities", "deals_won", "deals_lost", "new_customers", "new_arr_usd"]


def main() -> None:
    base = Scenario.from_toml(ROOT / "scenarios" / "baseline.toml",
                              {"market.population": 2000, "time.horizon_days": 181})
    spec = tomllib.loads((ROOT / "scenarios" / "calibration" / "screen.toml").read_text())
    print("| key | " + " | ".join(COLUMNS) + " |")
    print("|---" * (len(COLUMNS) + 1) + "|")
    for factor in spec["factors"]:
        low, high = (simulate(base.with_overrides({factor["key"]: v}), 1, 0)[COLUMNS].sum()
                     for v in (factor["low"], factor["high"]))
        print(f"| `{factor['key']}` | " + " | ".join(f"{h / l:.2f}" if l else "-" for h, l in zip(high, low)) + " |",
              flush=True)


if __name__ == "__main__":
    main()
