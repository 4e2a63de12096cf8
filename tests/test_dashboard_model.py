"""The dashboard's model without a browser: levers, lockstep counterfactuals, ROI, CLI errors."""

from __future__ import annotations

import socket

import numpy as np
import pandas as pd
import pytest

from sim import Scenario
from sim.cli import main
from sim.analysis.roi import incremental_roi
from sim.dashboard.model import DashboardModel, lever_defaults
from sim.scenario.variants import COUNTERFACTUALS, apply_levers
from sim.running.run import run_one
from sim.scenario import ChannelKind

BASELINE = "scenarios/baseline.toml"


@pytest.fixture(scope="module")
def baseline() -> Scenario:
    return Scenario.from_toml(BASELINE).with_overrides({"market.population": 2000, "time.horizon_days": 120})


def test_incremental_roi_known_answer_and_absent_while_no_cost():
    roi = incremental_roi(np.subtract([0.0, 30.0, 60.0], [0.0, 5.0, 10.0]), [0.0, 10.0, 20.0])
    assert np.isnan(roi[0])
    np.testing.assert_allclose(roi[1:], [1.5, 1.5])


def test_lever_defaults_reproduce_the_scenario(baseline):
    levers = lever_defaults(baseline)
    again = apply_levers(baseline, **levers)
    for name, channel in baseline.channels.items():
        assert again.channels[name].monthly_budget_usd == pytest.approx(channel.monthly_budget_usd)
    assert again.sales.headcount == baseline.sales.headcount
    assert again.sales.tactic == baseline.sales.tactic


def test_budget_split_between_brand_and_performance(baseline):
    s = apply_levers(baseline, marketing_budget_usd=100_000, brand_share=0.3, headcount=9, tactic="boulware",
                     population=3000)
    by_kind = {kind: sum(c.monthly_budget_usd for c in s.channels.values() if c.kind is kind) for kind in ChannelKind}
    assert by_kind[ChannelKind.BRAND] == pytest.approx(30_000)
    assert by_kind[ChannelKind.PERFORMANCE] == pytest.approx(70_000)
    # Within a kind the scenario's proportions are kept (search:social = 20:12 in the baseline).
    assert s.channels["search"].monthly_budget_usd / s.channels["social"].monthly_budget_usd == pytest.approx(20 / 12)
    assert (s.sales.headcount, s.sales.tactic.value, s.market.population) == (9, "boulware", 3000)
    with pytest.raises(ValueError, match="brand_share"):
        apply_levers(baseline, marketing_budget_usd=1, brand_share=1.5, headcount=1, tactic="linear", population=1000)


def test_lockstep_runs_equal_separate_runs(baseline):
    """The four markets are the plain runs of each variant (same seed: common random numbers)."""
    model = DashboardModel(baseline, seed=3, population=2000)
    for _ in range(baseline.time.horizon_days):
        model.step()
    assert not model.running
    frame = model.frame()
    alone = run_one(model.market_scenario, seed=3).timeseries
    pd.testing.assert_series_equal(frame["revenue"], alone["revenue"], check_names=False)
    pd.testing.assert_series_equal(frame["customer"], alone["customer"], check_names=False)
    no_marketing = run_one(model.market_scenario.with_overrides(COUNTERFACTUALS["no_marketing"]), seed=3).timeseries
    np.testing.assert_allclose(frame["cum_gross_profit_no_marketing"], no_marketing["gross_profit"].cumsum())
    assert no_marketing["marketing_cost"].sum() == 0
    # ROI from the definition, and the interaction term from its parts.
    expected = (frame["cum_gross_profit"] - frame["cum_gross_profit_no_sales"] - frame["cum_sales_cost"]) / frame["cum_sales_cost"]
    np.testing.assert_allclose(frame["roi_sales"], expected)
    kpis = model.kpis()
    assert kpis["day"] == baseline.time.horizon_days
    assert kpis["roi_marketing"] == pytest.approx(frame["roi_marketing"].iloc[-1])


def test_every_slider_is_accepted_by_name(baseline):
    """SolaraViz's Reset rebuilds the model as type(model)(**params)."""
    pytest.importorskip("solara")
    from mesa.visualization import Slider

    from sim.dashboard.page import initial_values, model_params

    params = model_params(baseline, seed=5)
    kwargs = initial_values(params)
    kwargs["headcount"] = 11
    model = DashboardModel(**kwargs)
    assert model.levers["headcount"] == 11
    assert model.market_scenario.sales.headcount == 11
    sliders = {k for k, v in params.items() if isinstance(v, (Slider, dict))}
    assert sliders == {"marketing_budget_usd", "brand_share", "headcount", "tactic", "population"}


def test_dashboard_command_refuses_bad_input(capsys):
    assert main(["dashboard", "no/such/scenario.toml"]) == 2
    assert "no such scenario file" in capsys.readouterr().err
    assert main(["dashboard", BASELINE, "--set", "sales.headcount=-3"]) == 2
    assert "sales.headcount" in capsys.readouterr().err
    with socket.socket() as busy:
        busy.bind(("127.0.0.1", 0))
        busy.listen()
        port = busy.getsockname()[1]
        if pytest.importorskip("solara"):
            assert main(["dashboard", BASELINE, "--port", str(port)]) == 2
            assert f"--port {port}" in capsys.readouterr().err


def test_funnel_chart_legend_lists_the_top_of_the_stack_first(baseline):
    from sim.dashboard.charts import funnel_chart
    from sim.engine.customers import STAGES

    model = DashboardModel(baseline, seed=0, population=1000)
    model.step()
    labels = [t.get_text() for t in funnel_chart(model).axes[0].get_legend().get_texts()]
    assert labels == list(reversed(STAGES))
