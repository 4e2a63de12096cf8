"""Invariants and promised behaviour of the engine (the issue's must-hold list)."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from sim import STAGES, MarketModel, run
from sim.engine.ledger import LEDGER_COLUMNS, OPTIONAL_SALES_COLUMNS


@pytest.fixture(scope="module")
def result(small_baseline):
    return run(small_baseline, seed=11)


def test_every_customer_is_in_exactly_one_stage_every_step(result, small_baseline):
    counts = result.timeseries[list(STAGES)]
    assert (counts.sum(axis=1) == small_baseline.market.population).all()
    assert (counts >= 0).all().all()


def test_stage_counts_match_the_arrays_at_the_end(small_baseline):
    model = MarketModel(small_baseline, seed=3)
    model.run()
    recount = np.bincount(model.customers.stage, minlength=len(STAGES))
    assert recount.tolist() == model.customers.counts.tolist()


def test_run_and_mesa_step_give_the_same_days_and_clock(small_baseline):
    """``run()`` calls the day's schedule directly; stepping through Mesa gives the same rows and clock."""
    short = small_baseline.with_overrides({"market.population": 1000, "time.horizon_days": 40})
    ran, stepped = MarketModel(short, seed=5), MarketModel(short, seed=5)
    ran.run()
    while stepped.running:
        stepped.step()
    assert (ran.steps, ran.time, ran.day) == (stepped.steps, stepped.time, stepped.day) == (40, 40.0, 40)
    assert ran.datacollector.rows == stepped.datacollector.rows


def test_ledger_is_never_negative_and_totals_are_sums_of_parts(result, small_baseline):
    ts = result.timeseries
    assert (ts[list(LEDGER_COLUMNS)] >= 0).all().all()
    spend = sum(ts[f"spend_{c}"] for c in small_baseline.channels)
    np.testing.assert_allclose(ts["marketing_cost"], spend + ts["marketing_team_cost"], rtol=1e-12)
    lines = ["sales_salaries", *OPTIONAL_SALES_COLUMNS, "sales_commissions"]
    np.testing.assert_allclose(ts["sales_cost"], ts[[c for c in lines if c in ts]].sum(axis=1), rtol=1e-12)
    np.testing.assert_allclose(ts["revenue"], ts["revenue_subscription"] + ts["revenue_orders"], rtol=1e-12)
    np.testing.assert_allclose(ts["gross_profit"], ts["revenue"] * small_baseline.economics.gross_margin, rtol=1e-12)
    np.testing.assert_allclose(
        ts["contribution"], ts["gross_profit"] - ts["marketing_cost"] - ts["sales_cost"], rtol=1e-9, atol=1e-6
    )


def test_monthly_budgets_are_spent_exactly(result, small_baseline):
    ts = result.timeseries.assign(month=pd.to_datetime(result.timeseries["date"]).dt.to_period("M"))
    full_months = ts.groupby("month").filter(lambda g: len(g) == g["month"].iloc[0].days_in_month)
    for name, channel in small_baseline.channels.items():
        monthly = full_months.groupby("month")[f"spend_{name}"].sum()
        np.testing.assert_allclose(monthly, channel.monthly_budget_usd, rtol=1e-9)


def test_output_columns(result, small_baseline):
    required = ["replication", "step", "date", *STAGES, "marketing_cost", "sales_cost", "revenue", "gross_profit",
                "impressions", "leads", "opportunities", "deals_won", "deals_lost"]
    required += [f"spend_{c}" for c in small_baseline.channels]
    missing = [c for c in required if c not in result.timeseries.columns]
    assert not missing
    assert len(result.timeseries) == small_baseline.time.horizon_days
    for section in ("marketing", "sales", "total"):
        assert section in result.summary


def test_same_seed_same_results_different_seed_different(small_baseline):
    a = run(small_baseline, seed=5).timeseries
    b = run(small_baseline, seed=5).timeseries
    c = run(small_baseline, seed=6).timeseries
    pd.testing.assert_frame_equal(a, b)
    assert not a[list(STAGES)].equals(c[list(STAGES)])


def test_replications_reuse_the_root_seed_for_replication_zero(small_baseline):
    single = run(small_baseline, seed=5).timeseries
    many = run(small_baseline, seed=5, replications=2).timeseries
    first = many[many["replication"] == 0].reset_index(drop=True)
    pd.testing.assert_frame_equal(single, first)
    second = many[many["replication"] == 1].reset_index(drop=True)
    assert not first["customer"].equals(second["customer"])


def _no_marketing(scenario):
    overrides = {f"channels.{name}.monthly_budget_usd": 0 for name in scenario.channels}
    overrides.update({"marketing.team_monthly_cost_usd": 0, "market.word_of_mouth.network": "none",
                      "market.initial_awareness": 0.0})
    return scenario.with_overrides(overrides)


def test_without_marketing_and_word_of_mouth_only_outbound_leaves_unaware(small_baseline):
    scenario = _no_marketing(small_baseline).with_overrides({"market.population": 600})
    population = scenario.market.population
    result = run(scenario, seed=2, trace=population)
    journeys = result.journeys
    stage_changes = journeys[(journeys["event"] == "stage") & (journeys["detail"] != "initial")]
    leaving = stage_changes[stage_changes["from_stage"] == "unaware"]
    assert len(leaving) > 0, "outbound prospecting should reach some unaware customers"
    assert set(leaving["detail"]) == {"outbound"}
    assert (result.timeseries["impressions"] == 0).all()


def test_without_marketing_word_of_mouth_or_reps_nobody_leaves_unaware(small_baseline):
    scenario = _no_marketing(small_baseline).with_overrides({"sales.headcount": 0})
    ts = run(scenario, seed=4).timeseries
    initial_customers = ts["customer"].iloc[0]
    assert (ts["unaware"] == scenario.market.population - initial_customers).all()


def test_no_reps_and_no_self_serve_means_no_deals(small_baseline):
    overrides = {"sales.headcount": 0}
    overrides.update({f"market.segments.{s}.buying": "rep_only" for s in small_baseline.market.segments})
    ts = run(small_baseline.with_overrides(overrides), seed=1).timeseries
    assert ts["deals_won"].sum() == 0
    assert ts["customer"].max() == ts["customer"].iloc[0]


def test_raising_a_channel_budget_raises_its_impressions(small_baseline):
    base = run(small_baseline, seed=1).timeseries["impressions_search"].sum()
    more = run(small_baseline.with_overrides({"channels.search.monthly_budget_usd": 40000}), seed=1)
    assert more.timeseries["impressions_search"].sum() > base


def test_boulware_closes_at_higher_average_price_than_conceder(small_baseline):
    """With hundreds of deals per tactic, the gap in mean price is many standard errors wide."""
    prices = {}
    for tactic in ("boulware", "conceder"):
        scenario = small_baseline.with_overrides({"sales.tactic": tactic, "time.horizon_days": 365})
        deals = run(scenario, seed=9, replications=2).deals
        rep_deals = deals[deals["won_by"] != "self_serve"]
        prices[tactic] = (rep_deals["price_usd"] / rep_deals["list_price_usd"]).to_numpy()
    b, c = prices["boulware"], prices["conceder"]
    se = np.sqrt(b.var(ddof=1) / b.size + c.var(ddof=1) / c.size)
    assert b.mean() - c.mean() > 3 * se


def test_trace_records_stage_changes_touches_and_prices(small_baseline):
    result = run(small_baseline, seed=3, trace=200)
    journeys = result.journeys
    assert journeys["customer"].nunique() <= 200
    assert {"stage", "marketing_touch", "sales_touch", "deal"} <= set(journeys["event"])
    deals = journeys[journeys["event"] == "deal"]
    assert (deals["price_usd"] > 0).all()
    # Journeys are ordered in time for each customer.
    for _, rows in journeys.groupby("customer"):
        assert rows["step"].is_monotonic_increasing


def test_trace_does_not_change_results(small_baseline):
    plain = run(small_baseline, seed=8).timeseries
    traced = run(small_baseline, seed=8, trace=50).timeseries
    pd.testing.assert_frame_equal(plain, traced)


def test_headcount_plan_hires_and_releases(small_baseline):
    scenario = small_baseline.with_overrides({"sales.plan": [{"month": 2, "headcount": 10}, {"month": 5, "headcount": 0}]})
    ts = run(scenario, seed=1).timeseries
    months = pd.to_datetime(ts["date"]).dt.month
    assert ts.loc[months == 1, "headcount"].eq(6).all()
    assert ts.loc[months == 3, "headcount"].eq(10).all()
    assert ts.loc[months == 7, "headcount"].eq(0).all()
    assert ts.loc[months == 7, "sales_salaries"].eq(0).all()


def test_marketing_end_month_stops_all_spend(small_baseline):
    ts = run(small_baseline.with_overrides({"marketing.end_month": 3}), seed=1).timeseries
    months = pd.to_datetime(ts["date"]).dt.month
    assert ts.loc[months >= 4, "marketing_cost"].eq(0).all()
    assert ts.loc[months < 4, "marketing_cost"].gt(0).all()


def test_replications_are_identical_on_one_and_two_workers(small_baseline):
    scenario = small_baseline.with_overrides({"time.horizon_days": 60})
    one = run(scenario, seed=3, replications=3, workers=1)
    two = run(scenario, seed=3, replications=3, workers=2)
    pd.testing.assert_frame_equal(one.timeseries, two.timeseries)
    assert one.summary == two.summary
