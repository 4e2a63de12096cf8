"""Annual renewals: churn only at renewal dates, expansion, account care, net revenue retention."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from sim import Scenario, ScenarioError, run
from sim.engine.customers import Stage
from sim.engine.keyed import Keys
from sim.engine.model import MarketModel
from sim.engine.renewals import (
    YEAR_DAYS,
    Renewals,
    care_factor,
    renewal_churn_probability,
    yearly_probability,
)
from sim.engine.segments import SegmentTable
from sim.running.metrics import revenue_retention


def _annual(scenario: Scenario, **segment_keys) -> Scenario:
    overrides = {}
    for name in scenario.market.segments:
        overrides[f"market.segments.{name}.renewal"] = "annual"
        for key, value in segment_keys.items():
            overrides[f"market.segments.{name}.{key}"] = value
    return scenario.with_overrides(overrides)


@pytest.fixture(scope="module")
def small(baseline) -> Scenario:
    """1,200 customers, 20% of them customers at the start, over 760 days (two renewal rounds);
    daily churn, no expansion and no account care (the defaults) unless a test sets them."""
    defaults = {"sales.time.account_hours_per_month": 0.0}
    for name in baseline.market.segments:
        defaults |= {f"market.segments.{name}.renewal": "daily", f"market.segments.{name}.expansion_rate": 0.0,
                     f"market.segments.{name}.account_care_effect": 0.0}
    return baseline.with_overrides(
        {"market.population": 1200, "time.horizon_days": 760, "market.initial_customers": 0.2, **defaults}
    )


@pytest.fixture(scope="module")
def year(small) -> Scenario:
    """The same over 400 days: every initial customer comes up for renewal once."""
    return small.with_overrides({"time.horizon_days": 400})


def _model(scenario: Scenario, seed: int = 5, care: float | None = None) -> MarketModel:
    model = MarketModel(scenario, seed=seed)
    if care is not None:
        model.customers.account_care[:] = care
    model.run()
    return model


# ---------------------------------------------------------------------- arithmetic
def test_yearly_probability_is_twelve_months_of_monthly_churn():
    assert yearly_probability(0.02) == pytest.approx(1 - 0.98**12)
    assert yearly_probability(0.0) == 0.0
    assert yearly_probability(1.0) == 1.0
    np.testing.assert_allclose(yearly_probability(np.array([0.01, 0.1])), 1 - (1 - np.array([0.01, 0.1])) ** 12)


def test_renewal_churn_probability_multiplies_the_factors_and_clips():
    assert care_factor(0.5, 1.0) == pytest.approx(0.5)
    assert care_factor(0.5, 0.0) == 1.0
    assert care_factor(0.0, 1.0) == 1.0
    assert renewal_churn_probability(0.2, 1.5, 0.5, 1.0) == pytest.approx(0.2 * 1.5 * 0.5)
    assert renewal_churn_probability(0.2, 1.5, 0.5, 0.4) == pytest.approx(0.2 * 1.5 * 0.8)
    assert renewal_churn_probability(0.8, 2.0, 0.0, 0.0) == 1.0  # clipped
    assert renewal_churn_probability(0.2, 1.0, 1.0, 1.0) == 0.0  # full care, full effect


def test_segment_table_has_the_yearly_churn(small):
    table = SegmentTable.from_scenario(_annual(small))
    monthly = np.array([s.monthly_churn for s in small.market.segments.values()])
    np.testing.assert_allclose(table.churn_yearly, 1 - (1 - monthly) ** 12)
    assert table.annual.all() and not SegmentTable.from_scenario(small).annual.any()


# ---------------------------------------------------------------------- validation
def test_annual_renewal_needs_a_subscription(small):
    with pytest.raises(ScenarioError, match=r"market\.segments\.small\.renewal: 'annual' is not allowed with purchase"):
        small.with_overrides({"market.segments.small.purchase": "repeat", "market.segments.small.renewal": "annual"})


def test_expansion_needs_annual_renewals(small):
    with pytest.raises(ScenarioError, match=r"market\.segments\.mid\.expansion_rate: 0\.3 is not allowed with renewal"):
        small.with_overrides({"market.segments.mid.expansion_rate": 0.3})


def test_defaults_are_daily_renewal_without_care_or_expansion(small):
    for seg in small.market.segments.values():
        assert (seg.renewal.value, seg.account_care_effect, seg.expansion_rate, seg.expansion_size) == (
            "daily", 0.0, 0.0, 0.2)


# ---------------------------------------------------------------------- the calendar
def test_calendar_queues_a_year_on_and_skips_those_no_longer_customers():
    stage = np.full(10, Stage.CUSTOMER, dtype=np.int8)
    book = Renewals(10, 800, Keys(1, 0))
    moves = np.ones(10, dtype=np.int32)
    book.start(np.array([1, 2, 3]), 10, moves)
    book.start(np.array([4]), 500, moves)  # renewal beyond the horizon: not queued
    assert book.next_day[[1, 2, 3, 4]].tolist() == [375, 375, 375, -1]
    stage[2] = Stage.CHURNED  # churned ...
    book.start(np.array([3]), 100, moves)  # ... or won again since: skipped on the old day
    assert book.due(374, stage).size == 0
    assert book.due(375, stage).tolist() == [1]
    assert book.due(465, stage).tolist() == [3]


def test_initial_customers_renew_on_days_spread_over_the_first_year(small):
    model = MarketModel(_annual(small), seed=2)
    initial = np.flatnonzero(model.customers.stage == Stage.CUSTOMER)
    days = model.renewals.next_day[initial]
    assert initial.size == 240 and days.min() >= 1 and days.max() <= YEAR_DAYS
    counts, _ = np.histogram(days, bins=4, range=(1, YEAR_DAYS + 1))
    assert counts.min() > 35  # about 60 a quarter


# ---------------------------------------------------------------------- the model
def test_annual_churn_happens_only_at_renewals_on_anniversaries_of_the_win(small):
    scenario = _annual(small).with_overrides({"market.initial_customers": 0.0, "market.segments.small.winback_rate": 0.02})
    result = run(scenario, seed=4, trace=600)
    ts = result.timeseries
    assert ts["renewal_churned"].sum() > 10
    assert (ts["churned_customers"] == ts["renewal_churned"]).all()
    assert (ts.loc[ts["renewals"] == 0, "churned_customers"] == 0).all()
    j = result.journeys
    checked = 0
    for _, rows in j[j["event"].isin(["deal", "stage"])].groupby("customer"):
        won_day = None
        for row in rows.itertuples():
            if row.event == "deal":
                won_day = row.step
            elif row.to_stage == "churned":
                assert won_day is not None and row.step > won_day and (row.step - won_day) % YEAR_DAYS == 0
                checked += 1
    assert checked > 5
    renewed = j[j["event"] == "renewal"]
    assert len(renewed) and set(renewed["detail"]) == {"renewed"}


def test_won_back_customers_start_a_new_contract_calendar(small):
    model = _model(_annual(small, winback_rate=0.05), seed=4)
    deals = model.deals()
    wins = deals.groupby("customer")["day"].agg(["size", "max"])
    c, book, horizon = model.customers, model.renewals, small.time.horizon_days
    now = np.flatnonzero(c.stage == Stage.CUSTOMER)
    now = now[np.isin(now, wins.index)]
    last = wins.loc[now, "max"].to_numpy()
    assert (wins.loc[now, "size"] > 1).sum() > 5  # churned at a renewal, came back, bought again
    queued = book.next_day[now] >= 0
    # The next renewal is an anniversary of the latest win, or would fall after the horizon.
    assert ((book.next_day[now][queued] - last[queued]) % YEAR_DAYS == 0).all()
    assert (last[~queued] + YEAR_DAYS * (book.number[now][~queued] + 1) >= horizon).all()


def test_daily_and_annual_segments_side_by_side(year):
    mixed = year.with_overrides({"market.segments.small.renewal": "annual"})
    ts = _model(mixed).datacollector.get_model_vars_dataframe()
    assert ts["renewal_churned"].sum() > 0
    daily_churn = ts["churned_customers"] - ts["renewal_churned"]
    assert (daily_churn >= 0).all() and (daily_churn[ts["renewals"] == 0] > 0).any()


def test_annual_renewals_with_initial_customers_churn_only_on_renewal_days(year):
    model = _model(_annual(year))
    ts = model.datacollector.get_model_vars_dataframe()
    assert ts["renewals"].iloc[:YEAR_DAYS + 1].sum() > 200  # every initial customer comes up in year one
    assert (ts["churned_customers"] == ts["renewal_churned"]).all()
    assert ts["renewal_arr"].sum() > ts["renewed_arr"].sum() > 0
    assert ts["expansions"].sum() == 0 and ts["expansion_arr"].sum() == 0


def test_daily_renewal_has_no_renewal_columns_and_no_retention_kpi(year):
    result = run(year.with_overrides({"time.horizon_days": 120}), seed=1)
    assert "renewals" not in result.timeseries
    assert result.summary["total"]["net_revenue_retention"] is None
    assert result.summary["total"]["gross_revenue_retention"] is None


def test_nothing_up_for_renewal_gives_no_retention_kpi(year):
    scenario = _annual(year).with_overrides({"market.initial_customers": 0.0, "time.horizon_days": 200})
    result = run(scenario, seed=1)
    assert result.timeseries["renewals"].sum() == 0
    assert result.summary["total"]["net_revenue_retention"] is None


def test_expansion_raises_net_above_gross_revenue_retention(year):
    plain = run(_annual(year), seed=6).summary["total"]
    grown = run(_annual(year, expansion_rate=0.5, expansion_size=0.3), seed=6)
    total = grown.summary["total"]
    assert plain["net_revenue_retention"] == pytest.approx(plain["gross_revenue_retention"])
    assert total["net_revenue_retention"] > total["gross_revenue_retention"] + 0.05
    ts = grown.timeseries
    assert ts["expansions"].sum() > 0
    # NRR - GRR is the expansion ARR: 30% of the expanding contracts.
    nrr, grr = revenue_retention(ts)
    assert nrr - grr == pytest.approx(ts["expansion_arr"].sum() / ts["renewal_arr"].sum())


def test_expansion_raises_arr_and_attributed_arr_in_step(year):
    model = _model(_annual(year, expansion_rate=1.0, expansion_size=0.5), seed=3)
    c = model.customers
    customers = c.stage == Stage.CUSTOMER
    # ARR is the sum of the customers' current (expanded) prices, and the attribution holds it all.
    assert model.annual_recurring_revenue == pytest.approx(float(c.price[customers].astype(float).sum()), rel=1e-4)
    for m in range(model._arr_attributed.shape[0]):
        assert model._arr_attributed[m].sum() == pytest.approx(model.annual_recurring_revenue, rel=1e-4)


def test_account_care_cuts_renewal_churn(year):
    scenario = _annual(year, account_care_effect=0.8)
    none = _model(scenario, care=0.0).datacollector.get_model_vars_dataframe()
    full = _model(scenario, care=1.0).datacollector.get_model_vars_dataframe()
    rate_none = none["renewal_churned"].sum() / none["renewals"].sum()
    rate_full = full["renewal_churned"].sum() / full["renewals"].sum()
    assert rate_full < 0.4 * rate_none


def test_account_care_effect_without_care_changes_nothing(small):
    daily = small.with_overrides({"time.horizon_days": 150})
    cared = daily.with_overrides({f"market.segments.{s}.account_care_effect": 0.7 for s in daily.market.segments})
    pd.testing.assert_frame_equal(run(daily, seed=2).timeseries, run(cared, seed=2).timeseries)


def test_account_care_cuts_daily_churn_too(year):
    daily = year.with_overrides(
        {"time.horizon_days": 250, **{f"market.segments.{s}.account_care_effect": 1.0 for s in year.market.segments}})
    none = _model(daily, care=0.0).datacollector.get_model_vars_dataframe()
    full = _model(daily, care=1.0).datacollector.get_model_vars_dataframe()
    # Only the customers present at the start get care here; those won later (no account
    # hours in this scenario: no care) still churn.
    assert none["churned_customers"].sum() > 20
    assert full["churned_customers"].sum() < 0.5 * none["churned_customers"].sum()


def test_reps_with_account_hours_give_their_customers_care_while_both_stay(year):
    scenario = year.with_overrides({"time.horizon_days": 250, "sales.time.account_hours_per_month": 1.0})
    model = _model(scenario)
    c = model.customers
    owned = c.owner >= 0
    assert owned.sum() > 10
    assert (c.stage[owned] == Stage.CUSTOMER).all()
    np.testing.assert_array_equal(c.account_care, owned.astype(np.float32))
    counts = np.bincount(c.owner[owned], minlength=model.sales.accounts.size)
    np.testing.assert_array_equal(counts, model.sales.accounts)


def test_a_renewal_decided_differently_does_not_shift_other_customers_draws(year):
    # Full care for one initial customer (effect 1: it cannot churn) leaves every other initial
    # customer's first renewal as it was.
    scenario = _annual(year, account_care_effect=1.0)
    models = []
    for cared in (None, 0):
        model = MarketModel(scenario, seed=9)
        initial = np.flatnonzero(model.customers.stage == Stage.CUSTOMER)
        if cared is not None:
            model.customers.account_care[initial[cared]] = 1.0
        for _ in range(YEAR_DAYS + 1):
            model.step()
        models.append((model, initial))
    (base, initial), (other, _) = models
    kept = [(m.customers.moves[initial] == 1) & (m.customers.stage[initial] == Stage.CUSTOMER) for m in (base, other)]
    assert kept[1][0] and kept[0][1:].sum() > 100
    np.testing.assert_array_equal(kept[0][1:], kept[1][1:])


def test_same_seed_same_results(year):
    scenario = _annual(year, expansion_rate=0.3).with_overrides({"time.horizon_days": 300})
    a, b = run(scenario, seed=12), run(scenario, seed=12)
    pd.testing.assert_frame_equal(a.timeseries, b.timeseries)
    pd.testing.assert_frame_equal(a.deals, b.deals)
    assert a.summary == b.summary
    assert not run(scenario, seed=13).timeseries.equals(a.timeseries)


def test_the_reference_engine_renews_annually_too(year):
    scenario = _annual(year, expansion_rate=0.5).with_overrides({"market.population": 400})
    ts = run(scenario, seed=1, engine="reference").timeseries
    assert ts["renewals"].sum() > 50 and ts["expansions"].sum() > 0
    assert (ts["churned_customers"] == ts["renewal_churned"]).all()
    fast = run(scenario, seed=1).timeseries
    assert list(ts.columns) == list(fast.columns)


def test_annual_logo_churn_is_lost_in_a_year_over_customers_at_its_start():
    import pandas as pd

    from sim.running.metrics import annual_logo_churn

    days = 2 * 365 + 10
    customers = np.r_[np.full(365, 100.0), np.full(365, 200.0), np.full(10, 300.0)]
    churned = np.zeros(days)
    churned[[10, 20]] = [5, 5]  # 10 of 100 in year one
    churned[400] = 50  # 50 of 200 in year two; the partial third year is left out
    ts = pd.DataFrame({"customer": customers, "churned_customers": churned})
    assert annual_logo_churn(ts) == pytest.approx((0.10 + 0.25) / 2)
    assert annual_logo_churn(ts.iloc[:300]) is None
