"""Losses reported per reason and per segment in summary.json."""

from __future__ import annotations

import pandas as pd
import pytest

from sim import run
from sim.running.metrics import loss_reasons


def test_loss_reasons_arithmetic():
    losses = pd.DataFrame({"segment": ["a", "a", "b", "b", "b"],
                           "cause": ["competitor", "no_agreement", "competitor", "competitor", "rep_left"]})
    out = loss_reasons(losses, {"a": 2, "b": 0, "c": 0})
    assert out["losses_competitor"] == 3 and out["losses_price"] == 1
    assert out["losses_rep_left"] == 1 and out["losses_stale"] == 2
    assert out["losses_competitor_share"] == pytest.approx(3 / 7)
    assert out["losses_stale_share_a"] == pytest.approx(2 / 4)
    assert out["losses_competitor_b"] == 2 and out["losses_competitor_share_b"] == pytest.approx(2 / 3)
    assert out["losses_competitor_share_c"] is None and out["losses_price_c"] == 0
    assert "losses_no_decision" not in out  # the engine has no such cause


def test_an_unknown_cause_is_an_error():
    with pytest.raises(ValueError, match="without a reported reason"):
        loss_reasons(pd.DataFrame({"segment": ["a"], "cause": ["mystery"]}), {"a": 0})


@pytest.fixture(scope="module")
def tiny(small_baseline):
    return small_baseline.with_overrides({"market.population": 1000, "time.horizon_days": 150})


@pytest.mark.parametrize("engine", ["fast", "reference"])
def test_reasons_add_up_to_the_lost_deals_and_stale_leads(tiny, engine):
    result = run(tiny, seed=5, engine=engine)
    s = result.summary["sales"]
    assert s["losses_competitor"] + s["losses_price"] + s["losses_rep_left"] == s["deals_lost"]
    assert s["losses_stale"] == s["stale_leads"]
    for reason in ("competitor", "price", "rep_left", "stale"):
        assert s[f"losses_{reason}"] == sum(s[f"losses_{reason}_{seg}"] for seg in tiny.market.segments)
    shares = [s[f"losses_{r}_share"] for r in ("competitor", "price", "rep_left", "stale")]
    assert sum(shares) == pytest.approx(1.0)


def test_no_floor_means_no_price_losses_and_no_competitor_means_no_competitor_losses(tiny):
    base = run(tiny, seed=5).summary["sales"]
    assert base["losses_price"] > 0 and base["losses_competitor"] > 0
    no_floor = run(tiny.with_overrides({"sales.max_discount": 1.0}), seed=5).summary["sales"]
    assert no_floor["losses_price"] == 0
    calm = {f"market.segments.{seg}.competitor_rate": 0.0 for seg in tiny.market.segments}
    no_rival = run(tiny.with_overrides(calm), seed=5).summary["sales"]
    assert no_rival["losses_competitor"] == 0
