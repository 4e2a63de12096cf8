"""The full sales cost base: loaded cost above salary and first-line managers, as ledger lines."""

from __future__ import annotations

import numpy as np
import pytest

from sim import run
from sim.engine.ledger import DayLedger, managers_for, sales_cost_lines


def test_managers_are_one_per_n_reps_rounded_up():
    assert managers_for(0, 8) == 0
    assert managers_for(5, 0) == 0
    assert managers_for(1, 8) == 1
    assert managers_for(8, 8) == 1
    assert managers_for(9, 8) == 2


def test_cost_lines_arithmetic():
    salaries, overhead, managers, sdrs = sales_cost_lines(10, 73_000, 1.4, 6, 146_000)
    assert salaries == pytest.approx(10 * 200.0)
    assert managers == pytest.approx(2 * 400.0)
    assert overhead == pytest.approx(0.4 * (2000.0 + 800.0))
    assert sdrs == 0.0
    assert sales_cost_lines(10, 73_000) == (2000.0, 0.0, 0.0, 0.0)
    # SDRs: their salaries, loaded, and counted with the reps for managers (12 people: 2 managers).
    salaries, overhead, managers, sdrs = sales_cost_lines(10, 73_000, 1.4, 6, 146_000, 2, 36_500)
    assert sdrs == pytest.approx(2 * 100.0) and managers == pytest.approx(2 * 400.0)
    assert overhead == pytest.approx(0.4 * (2000.0 + 200.0 + 800.0))


def test_day_ledger_adds_optional_lines_and_writes_their_columns_only_when_set():
    plain = DayLedger(sales_salaries=100.0, sales_commissions=5.0)
    assert plain.sales_cost == 105.0
    assert "sales_overhead" not in plain.row() and "sales_managers" not in plain.row()
    full = DayLedger(sales_salaries=100.0, sales_commissions=5.0, sales_overhead=40.0, sales_managers=20.0)
    row = full.row()
    assert row["sales_cost"] == 165.0
    columns = list(row)
    assert columns.index("sales_overhead") < columns.index("sales_managers") < columns.index("sales_cost")
    assert row["contribution"] == pytest.approx(-165.0)


@pytest.fixture(scope="module")
def tiny(small_baseline):
    """Salary and commission only: no loaded cost, no managers."""
    return small_baseline.with_overrides({"market.population": 1000, "time.horizon_days": 120,
                                          "sales.loaded_cost_multiplier": 1.0, "sales.reps_per_manager": 0})


@pytest.fixture(scope="module")
def plain(tiny):
    return run(tiny, seed=3)


@pytest.mark.parametrize("engine", ["fast", "reference"])
def test_sales_cost_is_the_sum_of_its_lines_every_day_and_money_balances(tiny, engine):
    scenario = tiny.with_overrides({"sales.loaded_cost_multiplier": 1.35, "sales.reps_per_manager": 4,
                                    "sales.manager_annual_salary_usd": 160_000})
    ts = run(scenario, seed=3, engine=engine).timeseries
    parts = ts["sales_salaries"] + ts["sales_overhead"] + ts["sales_managers"] + ts["sales_commissions"]
    assert np.allclose(ts["sales_cost"], parts, rtol=0, atol=1e-9)
    managers = np.ceil(ts["headcount"] / 4)
    assert np.allclose(ts["sales_managers"], managers * 160_000 / 365)
    assert np.allclose(ts["sales_overhead"], 0.35 * (ts["sales_salaries"] + ts["sales_managers"]))
    assert np.allclose(ts["contribution"], ts["gross_profit"] - ts["marketing_cost"] - ts["sales_cost"])
    assert (ts[["sales_overhead", "sales_managers"]] >= 0).all().all()


def test_multiplier_raises_sales_cost_by_its_share_of_salaries_and_changes_nothing_else(tiny, plain):
    loaded = run(tiny.with_overrides({"sales.loaded_cost_multiplier": 1.4}), seed=3)
    a, b = plain.timeseries, loaded.timeseries
    assert np.allclose(b["sales_cost"] - a["sales_cost"], 0.4 * a["sales_salaries"])
    assert b["sales_cost"].sum() > a["sales_cost"].sum()
    untouched = [c for c in a.columns if c not in ("sales_cost", "contribution")]
    assert a[untouched].equals(b[untouched])
    assert a["contribution"].sum() - b["contribution"].sum() == pytest.approx(0.4 * a["sales_salaries"].sum())
    assert plain.deals.equals(loaded.deals)
    assert plain.summary["sales"]["overhead_usd"] == 0.0
    assert loaded.summary["sales"]["overhead_usd"] == pytest.approx(0.4 * a["sales_salaries"].sum())


def test_managers_add_cost_and_change_nothing_else(tiny, plain):
    managed = run(tiny.with_overrides({"sales.reps_per_manager": 8}), seed=3)
    a, b = plain.timeseries, managed.timeseries
    assert (b["sales_managers"] > 0).any()
    assert np.allclose(b["sales_cost"] - a["sales_cost"], b["sales_managers"])
    untouched = [c for c in a.columns if c not in ("sales_cost", "contribution")]
    assert a[untouched].equals(b[untouched])
    assert plain.deals.equals(managed.deals)
