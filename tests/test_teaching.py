"""The classroom experiments (sim.analysis.teaching): tables add up and follow their definitions."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from sim import Scenario, run
from sim.analysis import teaching
from sim.scenario import variants

matplotlib = pytest.importorskip("matplotlib")
matplotlib.use("Agg")


@pytest.fixture(scope="module")
def small() -> Scenario:
    return Scenario.from_toml("scenarios/baseline.toml").with_overrides(
        {"market.population": 3000, "time.horizon_days": 240}
    )


@pytest.fixture(scope="module")
def result(small):
    return run(small, seed=2, replications=2, trace=150)


def test_touches_by_stage_counts_every_touch(result):
    table = teaching.touches_by_stage(result.journeys)
    j = result.journeys
    assert table["marketing"].sum() == (j["event"] == "marketing_touch").sum()
    assert table["sales"].sum() == (j["event"] == "sales_touch").sum()
    assert list(table.index) == ["unaware", "aware", "considering", "lead", "opportunity", "negotiation",
                                 "customer", "lost", "churned"]


def test_journey_of_a_picked_customer(result):
    j = result.journeys[result.journeys["replication"] == 0]
    customer = teaching.pick_journey(j)
    table = teaching.journey_table(j, customer)
    assert len(table) == (j["customer"] == customer).sum()
    assert table["day"].is_monotonic_increasing


def test_first_and_last_touch_shares_sum_to_one(result):
    table = teaching.first_and_last_touch(result)
    np.testing.assert_allclose(table.sum(axis=1), 1.0)
    # Customers with no touch at all count as organic under both rules.
    assert table.loc["first_touch", "organic"] == pytest.approx(table.loc["last_touch", "organic"])


def test_cost_composition_adds_up_to_each_function_cost(result):
    table = teaching.cost_composition(result)
    s = teaching._plain(result.summary)
    assert table.loc["marketing"].sum() == pytest.approx(s["marketing"]["cost_usd"])
    assert table.loc["sales"].sum() == pytest.approx(s["sales"]["cost_usd"])


def test_churn_by_acquisition_interval_contains_mean(result):
    table = teaching.churn_by_acquisition(result)
    ok = table.dropna(subset=["churn_share"])
    assert ((ok["low"] <= ok["churn_share"]) & (ok["churn_share"] <= ok["high"])).all()


def test_campaign_burst_multiplies_only_its_months(small):
    burst = variants.with_campaign_burst(small, start_month=2, months=3, factor=3.0)
    for name, ch in small.channels.items():
        plan = burst.channels[name].schedule_usd
        assert plan[1] == pytest.approx(ch.monthly_budget_usd)
        assert plan[2] == plan[4] == pytest.approx(3 * ch.monthly_budget_usd)
        assert plan[5] == pytest.approx(ch.monthly_budget_usd)


def test_switching_a_function_off_stops_its_cost(small):
    runs = teaching.switch_off_at(small, 3, seed=2)
    names = list(runs)
    ts_m, ts_s = runs[names[1]].timeseries, runs[names[2]].timeseries
    late = pd.to_datetime(ts_m["date"]) >= pd.Timestamp("2026-04-01")
    assert ts_m.loc[late, "marketing_cost"].sum() == 0
    assert ts_s.loc[late, "sales_salaries"].sum() == 0
    assert (ts_m.loc[~late, "marketing_cost"] > 0).all()


def test_every_teaching_chart_draws(result, small):
    import matplotlib.pyplot as plt

    from sim.plots import teaching as charts

    tactics, deals = teaching.tactic_comparison(small, seed=2, tactics=("boulware", "conceder"))
    month = teaching.monthly(result.timeseries, ["revenue"])
    figs = [
        charts.plot_touches_by_stage(teaching.touches_by_stage(result.journeys)),
        charts.plot_journey(teaching.journey_table(result.journeys, teaching.pick_journey(result.journeys))),
        charts.plot_function_outputs(teaching.what_each_function_moves({"both": result})),
        charts.plot_contacts(teaching.contacts(result)),
        charts.plot_tactics(tactics, deals),
        charts.plot_switch_off(pd.DataFrame({"both functions": month["revenue"]}), month.index[3]),
        charts.plot_churn_by_acquisition(teaching.churn_by_acquisition(result)),
        charts.plot_first_and_last_touch(teaching.first_and_last_touch(result)),
        charts.plot_lead_handling(teaching.lead_handling({"a": result, "b": result}), (month.index[1], month.index[2])),
        charts.plot_cost_composition(teaching.cost_composition(result)),
    ]
    for fig in figs:
        assert fig.axes
        plt.close(fig)
