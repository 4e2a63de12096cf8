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
    assert out["losses_no_decision"] == 0 and out["losses_no_decision_share"] == 0


def test_an_unknown_cause_is_an_error():
    with pytest.raises(ValueError, match="without a reported reason"):
        loss_reasons(pd.DataFrame({"segment": ["a"], "cause": ["mystery"]}), {"a": 0})


@pytest.fixture(scope="module")
def tiny(small_baseline):
    return small_baseline.with_overrides({"market.population": 1000, "time.horizon_days": 150})


REASONS = ("competitor", "price", "no_decision", "rep_left", "stale")


@pytest.mark.parametrize("engine", ["fast", "reference"])
def test_reasons_add_up_to_the_lost_deals_and_stale_leads(tiny, engine):
    stalling = {f"market.segments.{seg}.stall_rate": 0.02 for seg in tiny.market.segments}
    result = run(tiny.with_overrides(stalling), seed=5, engine=engine)
    s = result.summary["sales"]
    assert s["losses_no_decision"] > 0
    assert sum(s[f"losses_{r}"] for r in REASONS if r != "stale") == s["deals_lost"]
    assert s["losses_stale"] == s["stale_leads"]
    for reason in REASONS:
        assert s[f"losses_{reason}"] == sum(s[f"losses_{reason}_{seg}"] for seg in tiny.market.segments)
    assert sum(s[f"losses_{r}_share"] for r in REASONS) == pytest.approx(1.0)


def test_buyers_who_stall_lose_deals_to_no_decision_at_the_deadline(tiny):
    """Without stalling there is no "no decision" loss; with it, deals that would have closed
    are lost at the negotiation deadline, so the win rate falls."""
    base = run(tiny, seed=5)
    assert base.summary["sales"]["losses_no_decision"] == 0
    stalling = {f"market.segments.{seg}.stall_rate": 0.05 for seg in tiny.market.segments}
    quiet = run(tiny.with_overrides(stalling), seed=5)
    assert quiet.summary["sales"]["losses_no_decision"] > 0
    assert quiet.summary["sales"]["win_rate"] < base.summary["sales"]["win_rate"]
    lost = quiet.losses[quiet.losses["cause"] == "no_decision"]
    assert len(lost) == quiet.summary["sales"]["losses_no_decision"]


def test_no_floor_means_no_price_losses_and_no_competitor_means_no_competitor_losses(tiny):
    base = run(tiny, seed=5).summary["sales"]
    assert base["losses_price"] > 0 and base["losses_competitor"] > 0
    no_floor = run(tiny.with_overrides({"sales.max_discount": 1.0}), seed=5).summary["sales"]
    assert no_floor["losses_price"] == 0
    calm = {f"market.segments.{seg}.competitor_rate": 0.0 for seg in tiny.market.segments}
    no_rival = run(tiny.with_overrides(calm), seed=5).summary["sales"]
    assert no_rival["losses_competitor"] == 0
