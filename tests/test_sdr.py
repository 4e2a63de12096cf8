"""Sales development reps: they work the lead queue, reps meet only the leads that qualify.

Unit tests check the arithmetic; model-level tests check exact bookkeeping identities (no
tolerance needed) and one direction, on small runs.
"""

from __future__ import annotations

import numpy as np
import pytest

from sim import run
from sim.engine.workload import sdr_slots
from sim.scenario.sales import SDRTeam


def test_sdr_slots_are_the_team_hours_in_whole_leads():
    team = SDRTeam(headcount=2, hours_per_week=35, lead_hours=0.5)  # 5 hours a day each: 10 leads
    assert sdr_slots(team, np.zeros(2)) == 20
    odd = SDRTeam(headcount=2, hours_per_week=7, lead_hours=0.4)  # 2.5 leads a day each
    assert sdr_slots(odd, np.array([0.4, 0.6])) == 2 + 3  # the half rounds up when u >= 0.5


@pytest.fixture(scope="module")
def with_sdrs(small_baseline):
    return small_baseline.with_overrides({"sales.sdr.headcount": 2, "sales.sdr.annual_salary_usd": 73_000})


@pytest.mark.parametrize("engine", ["fast", "reference"])
def test_reps_spend_lead_time_only_on_the_leads_sdrs_qualify(with_sdrs, engine):
    ts = run(with_sdrs, seed=3, engine=engine).timeseries
    lead_time = with_sdrs.sales.time.lead_hours
    inbound_opportunities = ts["opportunities"] - ts["outbound_opportunities"]
    assert ts["leads_worked"].sum() > inbound_opportunities.sum() > 0  # SDRs also disqualify leads
    np.testing.assert_allclose(ts["rep_hours_leads"], inbound_opportunities * lead_time)


def test_sdrs_are_a_sales_cost_line_loaded_and_managed_like_reps(with_sdrs):
    ts = run(with_sdrs, seed=3).timeseries
    sales = with_sdrs.sales
    np.testing.assert_allclose(ts["sales_sdrs"], 2 * 73_000 / 365)
    managers = np.ceil((ts["headcount"] + 2) / sales.reps_per_manager)
    np.testing.assert_allclose(ts["sales_managers"], managers * sales.manager_annual_salary_usd / 365)
    loaded = (sales.loaded_cost_multiplier - 1) * (ts["sales_salaries"] + ts["sales_sdrs"] + ts["sales_managers"])
    np.testing.assert_allclose(ts["sales_overhead"], loaded)
    parts = ts[["sales_salaries", "sales_overhead", "sales_managers", "sales_sdrs", "sales_commissions"]].sum(axis=1)
    np.testing.assert_allclose(ts["sales_cost"], parts)


def test_sdrs_work_the_leads_reps_left_waiting(small_baseline):
    """With more leads than the reps can work, SDRs take the queue: fewer stale leads and
    more leads worked. Over 3 seeds the baseline's stale leads are well above zero (tens)."""
    crowded = small_baseline.with_overrides({"sales.headcount": 3})
    for seed in range(3):
        base = run(crowded, seed=seed).summary["sales"]
        sdr = run(crowded.with_overrides({"sales.sdr.headcount": 3}), seed=seed).summary["sales"]
        assert base["stale_leads"] > 0
        assert sdr["stale_leads"] < base["stale_leads"]
        assert sdr["leads_worked"] > base["leads_worked"]
