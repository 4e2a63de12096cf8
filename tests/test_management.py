"""Management agents: the rules move their levers the documented way, within limits and budget, reproducibly."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from sim import run
from sim.engine.attribution import Attribution
from sim.engine.model import MarketModel
from sim.engine.policies import allocate, attainment_target, coverage_target, response_slopes, spend_test_signs
from sim.scenario.schema import ScenarioError

CHANNELS = ("search", "social", "content", "events")
METHODS = tuple(m.value for m in Attribution)


@pytest.fixture(scope="module")
def small(small_baseline):
    """2,000 customers, 240 days; monthly reviews from month 2 so that a short run has several."""
    return small_baseline.with_overrides({"management.review_months": 1, "management.first_review_month": 2})


class FakeBooks:
    """Books with constructed figures (what the dashboards would show), for one review."""

    def __init__(self, channels: int = 4, **figures) -> None:
        self.data = {
            "spend": np.full(channels, 30_000.0), "channel_leads": np.full(channels, 30.0),
            "bookings": np.zeros((len(METHODS), channels + 2)), "quota": 0.0, "won": 0.0, "leads_worked": 0.0,
            "opportunities": 0.0, "outbound_opportunities": 0.0, "sales_cost": 0.0, "sales_commissions": 0.0,
            "leads": 0.0,
        }
        self.data.update(figures)
        self.spend_by_month = self.leads_by_month = None

    def window(self, start: int, end: int):
        return self.data

    def monthly(self, end: int):
        return self.spend_by_month[:end], self.leads_by_month[:end]


def _model(scenario, **overrides) -> MarketModel:
    return MarketModel(scenario.with_overrides(overrides), seed=5)


def _budgets(decisions: pd.DataFrame) -> pd.DataFrame:
    rows = decisions[decisions["lever"].str.startswith("budget_")]
    return rows.assign(channel=rows["lever"].str.removeprefix("budget_"))


# ---------------------------------------------------------------------- no management
def test_fixed_policies_reproduce_the_run_without_management_exactly(small_baseline):
    plain = run(small_baseline, seed=11)
    managed = run(small_baseline.with_overrides({"management.review_months": 1}), seed=11)
    pd.testing.assert_frame_equal(plain.timeseries, managed.timeseries)
    pd.testing.assert_frame_equal(plain.deals, managed.deals)
    assert plain.decisions is None and managed.decisions is not None and managed.decisions.empty


# ---------------------------------------------------------------------- pure arithmetic
def test_allocate_is_proportional_inside_the_bounds_and_exact_at_them():
    x = allocate(np.array([1.0, 1.0, 2.0]), 400.0, np.zeros(3), np.full(3, 400.0))
    np.testing.assert_allclose(x, [100, 100, 200])
    x = allocate(np.array([1.0, 0.0, 9.0]), 100.0, np.full(3, 10.0), np.full(3, 60.0))
    np.testing.assert_allclose(x, [30, 10, 60])  # 60 capped, the zero at its floor, the rest to the other
    assert x.sum() == pytest.approx(100.0, abs=1e-9)
    with pytest.raises(ValueError, match="total"):
        allocate(np.ones(2), 100.0, np.full(2, 60.0), np.full(2, 90.0))


def test_response_slopes_recover_known_slopes_and_test_signs_are_orthogonal():
    months = 16
    signs = np.array([spend_test_signs(3, m) for m in range(months)])
    assert np.allclose(signs.T @ signs, months * np.eye(3))  # orthogonal over an aligned block
    assert np.allclose(signs.sum(axis=0), 0)  # and to a constant
    spend = 1000.0 * np.where(signs < 0, 0.7, 1.0)
    leads = 50 + 2.0 * np.arange(months) + spend @ np.array([0.01, 0.0, 0.03])
    slopes, r2 = response_slopes(spend, leads)
    np.testing.assert_allclose(slopes, [0.01, 0.0, 0.03], atol=1e-9)  # exact data: exact answer
    assert r2 == pytest.approx(1.0)
    assert response_slopes(spend[:4], leads[:4]) is None  # fewer months than items + 3


def test_headcount_rules_move_the_documented_way_within_the_range():
    rule = dict(hire_above=0.7, freeze_below=0.5, release_below=0.3, max_change=2, low=2, high=9)
    assert attainment_target(0.9, 6, 6, **rule) == 8  # hire
    assert attainment_target(0.9, 8, 6, **rule) == 9  # hire, capped
    assert attainment_target(0.6, 8, 6, **rule) == 8  # hold
    assert attainment_target(0.4, 8, 6, **rule) == 6  # freeze: pending hires cancelled
    assert attainment_target(0.1, 8, 3, **rule) == 2  # let go, floored
    cover = dict(target=3.0, floor=1.0, max_change=1, low=2, high=9)
    assert coverage_target(4.0, 6, 6, **cover) == 7
    assert coverage_target(2.0, 6, 6, **cover) == 6
    assert coverage_target(0.5, 6, 6, **cover) == 5


# ---------------------------------------------------------------------- each policy's direction
def test_cost_per_lead_moves_budget_to_the_cheapest_leads(small):
    model = _model(small, **{"management.marketing.policy": "cost_per_lead"})
    books = FakeBooks(channel_leads=np.array([10.0, 10.0, 60.0, 10.0]))  # content: the cheapest leads
    before = model.management.cmo.budgets.copy()
    model.management.cmo.review(31, 1, books, 3)
    after = model.management.cmo.budgets
    assert after[2] > before[2] and all(after[i] < before[i] for i in (0, 1, 3))
    assert after.sum() == pytest.approx(before.sum())


def test_channels_with_equal_value_per_dollar_keep_their_split(small):
    model = _model(small, **{"management.marketing.policy": "cost_per_lead"})
    cmo = model.management.cmo
    before = cmo.budgets.copy()
    cmo.review(31, 1, FakeBooks(spend=before * 3, channel_leads=before / 100), 3)  # the same cost per lead
    np.testing.assert_allclose(cmo.budgets, before)


@pytest.mark.parametrize("attribution", ["last_touch", "linear"])
def test_attributed_pipeline_moves_budget_to_the_most_credited_channel(small, attribution):
    model = _model(small, **{"management.marketing.policy": "attributed_pipeline",
                             "management.marketing.attribution": attribution})
    bookings = np.zeros((len(METHODS), 6))
    bookings[METHODS.index(attribution)] = [10_000, 200_000, 10_000, 10_000, 0, 0]  # social
    bookings[METHODS.index("first_touch")] = [900_000, 0, 0, 0, 0, 0]  # (another method: ignored)
    before = model.management.cmo.budgets.copy()
    model.management.cmo.review(31, 1, FakeBooks(bookings=bookings), 3)
    after = model.management.cmo.budgets
    assert after[1] > before[1] and after[0] < before[0]


def test_incremental_moves_budget_to_the_channel_whose_spend_moves_total_leads(small):
    model = _model(small, **{"management.marketing.policy": "incremental"})
    months = 9
    spend = np.array([[20_000, 12_000, 8_000, 15_000] * np.where(spend_test_signs(4, m) < 0, 0.7, 1.0)
                      for m in range(months)])
    books = FakeBooks()
    books.spend_by_month = spend
    books.leads_by_month = 300 + 5 * np.arange(months) + spend @ np.array([0.0, 0.0, 0.02, 0.0])  # content works
    cmo = model.management.cmo
    before = cmo.budgets.copy()
    cmo.review(0, 4, books, 3)  # four months: too few to estimate, hold
    assert np.array_equal(cmo.budgets, before)
    cmo.review(0, months, books, 3)
    assert cmo.budgets[2] > before[2] and all(cmo.budgets[i] <= before[i] for i in (0, 1, 3))


def test_attainment_hires_after_the_lag_and_hires_ramp(small):
    model = _model(small, **{"management.sales.policy": "attainment", "management.sales.hiring_lag_months": 2})
    head = model.management.head
    head.review(0, 2, FakeBooks(quota=100_000.0, won=90_000.0), 3)  # 0.9: hire two
    assert [(c.month, c.headcount) for c in model.sales.plan] == [(4, 8)]
    head.review(0, 3, FakeBooks(quota=100_000.0, won=20_000.0), 3)  # 0.2: cancel the hires, let two go
    assert [(c.month, c.headcount) for c in model.sales.plan] == [(3, 4)]


def test_hires_start_after_the_lag_and_ramp(small):
    scenario = small.with_overrides({"management.sales.policy": "attainment", "management.sales.hire_above": 0.0,
                                     "management.sales.freeze_below": 0.0, "management.sales.release_below": 0.0,
                                     "management.sales.hiring_lag_months": 1, "management.sales.max_headcount": 8})
    model = MarketModel(scenario, seed=5)
    while model.month_of(model.day) < 3:  # first review at month 2 (a hire), the hires arrive at month 3
        assert model.sales.headcount == 6
        model.step()
    model.step()
    assert model.sales.headcount == 8
    assert model.sales.productivities(model.day)[-1] < 0.05  # a new hire starts unramped


def test_pipeline_coverage_hires_on_a_full_pipeline_and_lets_go_on_an_empty_one(small):
    for quota, expected in ((1.0, 7), (1e12, 5)):
        model = _model(small, **{"management.sales.policy": "pipeline_coverage", "management.sales.max_change": 1,
                                 "sales.annual_quota_usd": quota})
        for _ in range(50):  # (a pipeline to measure; the first review is on day 59)
            model.step()
        model.management.head.review(50, 1, FakeBooks(leads_worked=10.0, opportunities=5.0), 3)
        assert model.management.head.planned == expected


def test_joint_planner_moves_budget_to_the_function_credited_more_per_dollar(small):
    model = _model(small, **{"management.joint.policy": "contribution", "management.joint.max_shift": 0.2})
    planner = model.management.planner
    bookings = np.zeros((len(METHODS), 6))
    bookings[METHODS.index("linear")] = [1_000, 1_000, 1_000, 1_000, 900_000, 0]  # sales credited far more
    books = FakeBooks(bookings=bookings, sales_cost=300_000.0, sales_commissions=20_000.0)
    share = model.management.cmo.budget / planner.budget
    planner.review(0, 2, books, 3)
    assert model.management.cmo.budget / planner.budget < share
    assert model.management.head.planned > 6


# ---------------------------------------------------------------------- limits, budget, determinism
def _monthly(ts: pd.DataFrame, columns) -> pd.DataFrame:
    month = pd.to_datetime(ts["date"]).dt.to_period("M")
    return ts.groupby(month)[list(columns)].sum()


@pytest.mark.parametrize("policy", ["cost_per_lead", "incremental"])
def test_limits_are_never_crossed_and_spend_stays_within_the_budget(small, policy):
    scenario = small.with_overrides({
        "management.marketing.policy": policy, "management.marketing.min_channel_share": 0.15,
        "management.marketing.max_channel_share": 0.35, "management.marketing.max_shift": 1.0,
        "management.marketing.budget_usd": 50_000.0, "management.sales.policy": "attainment",
        "management.sales.min_headcount": 4, "management.sales.max_headcount": 7,
        "management.sales.hire_above": 0.3, "management.sales.freeze_below": 0.2, "management.sales.release_below": 0.1,
    })
    result = run(scenario, seed=3)
    budgets = _budgets(result.decisions)
    assert len(budgets) and budgets["after"].between(0.15 * 50_000 - 0.01, 0.35 * 50_000 + 0.01).all()
    spend = _monthly(result.timeseries, [f"spend_{c}" for c in CHANNELS]).iloc[1:-1]  # whole months after month 0
    assert (spend.sum(axis=1) <= 50_000 + 0.01).all()
    assert ((spend >= 0.15 * 50_000 - 0.05) & (spend <= 0.35 * 50_000 + 0.05)).all().all()
    headcount = result.timeseries["headcount"]
    assert headcount.between(4, 7).all()
    planned = result.decisions[result.decisions["lever"] == "headcount"]["after"]
    assert len(planned) and planned.between(4, 7).all()


def test_joint_planner_keeps_channel_spend_and_rep_cost_within_its_budget(small):
    scenario = small.with_overrides({"management.joint.policy": "contribution", "management.joint.max_shift": 0.3,
                                     "management.joint.budget_usd": 160_000.0})
    result = run(scenario, seed=4)
    assert (result.decisions["function"] == "joint").any()
    ts = result.timeseries
    fixed = ts["sales_cost"] - ts["sales_commissions"]
    monthly = _monthly(ts.assign(fixed=fixed), [f"spend_{c}" for c in CHANNELS] + ["fixed"])
    total = monthly.sum(axis=1).iloc[:-1]  # (the last month is partial)
    assert (total <= 160_000 + 0.01).all(), total.max()


def test_decisions_are_deterministic_for_a_seed(small):
    scenario = small.with_overrides({"management.marketing.policy": "attributed_pipeline",
                                     "management.sales.policy": "pipeline_coverage"})
    first, again = run(scenario, seed=8), run(scenario, seed=8)
    assert len(first.decisions) > 0
    pd.testing.assert_frame_equal(first.decisions, again.decisions)
    pd.testing.assert_frame_equal(first.timeseries, again.timeseries)


# ---------------------------------------------------------------------- errors
@pytest.mark.parametrize("override, message", [
    ({"management.marketing.policy": "cheapest"}, "management.marketing.policy: 'cheapest' is not allowed"),
    ({"management.sales.min_headcount": 9, "management.sales.max_headcount": 3},
     "management.sales.min_headcount: 9 is above max_headcount 3"),
    ({"management.marketing.policy": "cost_per_lead", "management.marketing.max_channel_share": 0.2},
     "need min_channel_share <= 0.25 <= max_channel_share"),
    ({"management.joint.policy": "contribution", "management.sales.policy": "attainment"},
     "cannot be combined with management.joint.policy"),
    ({"management.review_months": 0}, "management.review_months: 0 is not allowed"),
])
def test_bad_management_keys_name_the_key_and_what_is_allowed(small_baseline, override, message):
    with pytest.raises(ScenarioError, match=message.replace("(", r"\(").replace(")", r"\)")):
        small_baseline.with_overrides(override)


def test_the_reference_engine_refuses_management(small):
    with pytest.raises(ValueError, match="reference"):
        run(small, seed=1, engine="reference")


# ---------------------------------------------------------------------- outputs
def test_run_writes_decisions_and_the_levers_chart_and_compare_reports_them(small, tmp_path, capsys):
    from sim.analysis.compare import compare
    from sim.cli.main import main
    from sim.report.html import write_comparison

    managed = small.with_overrides({"management.marketing.policy": "cost_per_lead", "time.horizon_days": 120})
    path = tmp_path / "managed.toml"
    path.write_text(managed.to_toml())
    assert main(["run", str(path), "--out", str(tmp_path / "run"), "--quiet"]) == 0
    decisions = pd.read_csv(tmp_path / "run" / "decisions.csv")
    assert list(decisions.columns) == ["replication", "date", "function", "lever", "before", "after", "reason"]
    assert len(decisions) == 4 * 2  # four channels, reviews at months 2 and 3
    assert (tmp_path / "run" / "levers.png").stat().st_size > 10_000
    assert main(["run", str(path), "--engine", "reference", "--out", str(tmp_path / "ref")]) == 2
    assert "reference" in capsys.readouterr().err

    results = compare([managed], seed=1, replications=1, workers=1)
    written = write_comparison(tmp_path / "cmp", results)
    assert "decisions.csv" in written and "levers.png" in written
    report = (tmp_path / "cmp" / "report.html").read_text()
    assert "Levers and management decisions" in report and "cost per lead" in report
