"""Common random numbers: draws keyed by the decision they make couple counterfactual runs.

(Same scenario and seed on one or two workers: tests/test_engine.py,
``test_replications_are_identical_on_one_and_two_workers``.)
"""

from __future__ import annotations

import numpy as np

from sim import Scenario
from sim.engine.customers import Stage
from sim.engine.model import MarketModel
from sim.running.run import run_one

from .conftest import SCENARIOS


def _gross_profit(scenario: Scenario, seed: int) -> float:
    return float(run_one(scenario, seed).timeseries["gross_profit"].sum())


# 8 seeds at 2,000 customers x 365 days, the keyed draws on their own: no rep time budget
# and no rep limit (``sales.capacity`` lifted), no MQL threshold. Those two are the
# amplifiers left (a lead scored just above or below the threshold, a rep with one slot more
# or less on a day, sends a customer down another path; see README, "Common random
# numbers"): as shipped the ratios are about 0.55. Measured here: 0.19 (+10% channels) and
# 0.38 (+1 rep); independent runs would give about 1.4. The sd of a ratio from 8 pairs is
# about +-30% of itself, so 0.5 leaves room for that and still fails for any scheme that
# does not couple.
PAIRED_TOLERANCE = 0.5


def test_paired_difference_is_much_less_noisy_than_the_level():
    base = Scenario.from_toml(
        SCENARIOS / "baseline.toml",
        {
            "market.population": 2000,
            "time.horizon_days": 365,
            "sales.capacity": 10_000,
            "sales.time.hours_per_week": None,
            "sales.mql_threshold": 0.0,
        },
    )
    more_budget = base.with_overrides(
        {f"channels.{n}.monthly_budget_usd": c.monthly_budget_usd * 1.1 for n, c in base.channels.items()}
    )
    one_more_rep = base.with_overrides({"sales.headcount": base.sales.headcount + 1})
    seeds = range(8)
    level = np.array([_gross_profit(base, s) for s in seeds])
    for variant in (more_budget, one_more_rep):
        diff = np.array([_gross_profit(variant, s) for s in seeds]) - level
        ratio = diff.std(ddof=1) / level.std(ddof=1)
        assert ratio < PAIRED_TOLERANCE, ratio


def test_a_mid_only_channel_leaves_small_customers_out_of_reach_unchanged():
    """Doubling a channel that targets only `mid` changes no `small` customer who never met a
    rep (no sales touch in either run); word of mouth and outbound calls are off, so that no
    contact carries the change and most small customers never meet a rep."""
    base = Scenario.from_toml(
        SCENARIOS / "baseline.toml",
        {
            "market.population": 3000,
            "time.horizon_days": 365,
            "market.word_of_mouth.network": "none",
            "channels.events.targets": ["mid"],
            "sales.outbound_calls_per_day": 0,
        },
    )
    doubled = base.with_overrides({"channels.events.monthly_budget_usd": base.channels["events"].monthly_budget_usd * 2})
    runs = []
    for scenario in (base, doubled):
        model = MarketModel(scenario, seed=4)
        model.run()
        runs.append(model.customers)
    a, b = runs
    small = slice(int(a.segment_start[0]), int(a.segment_start[0] + a.segment_size[0]))
    untouched = (a.touches[a.sales_touch, small] == 0) & (b.touches[b.sales_touch, small] == 0)
    assert untouched.sum() > 0.5 * a.segment_size[0]
    for name in ("stage", "stage_day", "moves", "memory", "memory_day", "price", "first_touch", "last_touch"):
        assert np.array_equal(getattr(a, name)[small][untouched], getattr(b, name)[small][untouched]), name
    assert np.array_equal(a.touches[:, small][:, untouched], b.touches[:, small][:, untouched])
    # ... while the change did reach mid customers.
    mid = slice(int(a.segment_start[1]), int(a.segment_start[1] + a.segment_size[1]))
    assert not np.array_equal(a.touches[3, mid], b.touches[3, mid])
    # and some small customers did move (the test is not vacuous).
    assert (a.stage[small][untouched] != Stage.UNAWARE).sum() > 100
