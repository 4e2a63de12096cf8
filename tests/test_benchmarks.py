"""Believability KPIs: their arithmetic on constructed tables, and the benchmark command."""

from __future__ import annotations

import numpy as np
import pandas as pd

from sim.analysis.benchmarks import BENCHMARKS, benchmark_table
from sim.cli import main
from sim.running.metrics import QUARTER_DAYS, magic_number


def test_magic_number_is_net_new_arr_over_prior_quarter_cost():
    # ARR grows by 100 a quarter; S&M costs 1 a day (91 a quarter): magic number 100 / 91.
    days = 3 * QUARTER_DAYS
    arr = np.repeat([100.0, 200.0, 300.0], QUARTER_DAYS)
    ts = pd.DataFrame({"annual_recurring_revenue": arr, "marketing_cost": np.full(days, 0.5),
                       "sales_cost": np.full(days, 0.5)})
    assert abs(magic_number(ts) - 100.0 / QUARTER_DAYS) < 1e-12
    assert magic_number(ts.iloc[: QUARTER_DAYS + 10]) is None  # one whole quarter: nothing before it


def test_verdicts_inside_below_above_and_missing():
    lows = {b.key: b.low for b in BENCHMARKS}
    summary = {"sales": {"quota_attainment": lows["sales.quota_attainment"] - 0.01,
                         "win_rate": {"mean": 0.25, "low": 0.2, "high": 0.3, "n": 4},
                         "cycle_days": 1000.0},
               "total": {}, "marketing": {}}
    table = benchmark_table(summary).set_index("kpi")
    assert table.loc["sales.quota_attainment", "verdict"] == "below"
    assert table.loc["sales.win_rate", "verdict"] == "inside"
    assert table.loc["sales.win_rate", "low"] == 0.2
    assert table.loc["sales.cycle_days", "verdict"] == "above"
    assert table.loc["total.ltv_to_cac", "verdict"] == "n/a"


def test_every_benchmark_key_is_in_a_run_summary(small_baseline):
    from sim import run

    summary = run(small_baseline, seed=2).summary
    for b in BENCHMARKS:
        section, name = b.key.split(".", 1)
        assert name in summary[section], b.key


def test_benchmark_command_prints_each_kpi_with_a_verdict(tmp_path, capsys):
    from tests.conftest import SCENARIOS

    path = tmp_path / "small.toml"
    path.write_text(f'extends = "{(SCENARIOS / "baseline.toml").as_posix()}"\n'
                    "[market]\npopulation = 1500\n[time]\nhorizon_days = 200\n")
    assert main(["benchmark", str(path), "--replications", "2", "--workers", "1", "--quiet"]) == 0
    out = capsys.readouterr().out
    for b in BENCHMARKS:
        assert b.key in out
    assert "inside their published range" in out
