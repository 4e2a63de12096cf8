"""What a new user hit (issue 10): payback bounds, absent vs never, early checks of the
command line, readable numbers, the MMM export. Small populations and short horizons."""

from __future__ import annotations

import json
import subprocess
import sys

import numpy as np
import pandas as pd
import pytest

from sim import Scenario
from sim.analysis.optimize import split_headcounts
from sim.analysis.roi import Outcome, roi_analysis
from sim.cli import main
from sim.formatting import day, plural
from sim.report.html import _kpi_cell
from sim.report.text import format_comparison, format_roi, payback_text
from sim.scenario.schema import ScenarioError

from .conftest import ROOT, SCENARIOS

BASELINE = SCENARIOS / "baseline.toml"
TINY = ["--set", "market.population=300", "--set", "time.horizon_days=20"]


def _outcomes(incremental: np.ndarray, cost: float) -> dict[str, list[Outcome]]:
    """Synthetic runs: marketing's daily incremental gross profit per replication, a daily cost."""
    reps, steps = incremental.shape
    summary = {"marketing": {}, "sales": {}, "total": {}, "relationship": {}}

    def outcome(gp, mc):
        return Outcome(marketing_cost=np.full(steps, mc), sales_cost=np.full(steps, 1.0), gross_profit=gp,
                       summary=summary)

    base = np.full(steps, 10.0)
    return {
        "full": [outcome(base + incremental[r], cost) for r in range(reps)],
        "no_marketing": [outcome(base, 0.0) for _ in range(reps)],
        "no_sales": [outcome(base + incremental[r], cost) for r in range(reps)],
        "neither": [outcome(base, 0.0) for _ in range(reps)],
    }


@pytest.fixture(scope="module")
def crossing(baseline):
    """Marketing's mean ROI reaches 0 on day 4 while its lower band never does."""
    steps = 10
    incremental = np.array([[0, 0, 0, 0, 5, 5, 5, 5, 5, 5], [0, 0, 0, 0, 0, 0, 0, 0, 0, 0],
                            [0, 0, 0, 0, 10, 10, 10, 10, 10, 10]], dtype=float)
    scenario = baseline.with_overrides({"time.horizon_days": steps})
    return roi_analysis(scenario, _outcomes(incremental, 1.0), seed=0)


def test_a_payback_bound_not_reached_stays_empty_and_reads_never(crossing, tmp_path):
    pay = crossing.payback["marketing"]
    assert pay["mean"] is not None and pay["high"] is None
    row = crossing.kpis.set_index("kpi").loc["marketing_payback_day"]
    assert row["mean"] == pay["mean"] and pd.isna(row["high"])  # not replaced by the mean
    crossing.kpis.to_csv(tmp_path / "roi_kpis.csv", index=False)  # as write_roi writes it
    csv = pd.read_csv(tmp_path / "roi_kpis.csv").set_index("kpi")
    assert pd.isna(csv.loc["marketing_payback_day", "high"])
    assert f"day {pay['mean']} [" in format_roi(crossing) and "never]" in format_roi(crossing)
    cell = _kpi_cell(row["mean"], row["low"], row["high"], "marketing_payback_day", crossing)
    assert "never]" in str(cell)


def test_absent_and_never_are_distinct_and_the_known_bound_is_kept(crossing, baseline):
    steps = 10
    never = roi_analysis(baseline.with_overrides({"time.horizon_days": steps}),
                         _outcomes(np.zeros((3, steps)), 1.0), seed=0)
    absent = roi_analysis(baseline.with_overrides({"time.horizon_days": steps}),
                          _outcomes(np.zeros((3, steps)), 0.0), seed=0)
    assert payback_text(never.payback["marketing"], 3) == "never [never, never]"
    assert payback_text(absent.payback["marketing"], 3) == "absent"
    table = format_comparison({"never": never, "absent": absent, "crossing": crossing})
    assert "never [never, never]" in table and "absent" in table
    assert f"day {crossing.payback['marketing']['mean']} [" in table


def test_one_replication_has_no_interval_and_counts_are_singular(baseline):
    result = roi_analysis(baseline.with_overrides({"time.horizon_days": 10}),
                          _outcomes(np.ones((1, 10)) * 5, 1.0), seed=0)
    assert result.kpis["low"].isna().all() and result.kpis["high"].isna().all()
    text = format_roi(result)
    assert "1 replication," in text and "[n/a]" in text
    assert plural(1, "segment") == "1 segment" and plural(3, "segment") == "3 segments"
    assert day(267.0) == "267" and day(None) == "never"


# ---------------------------------------------------------------------- early checks
@pytest.mark.parametrize("where", ["a_file", "a_file/sub", "/proc/marketsim-x"])  # a file, under a file, unwritable
def test_a_bad_out_is_refused_before_any_run(tmp_path, capsys, where):
    (tmp_path / "a_file").write_text("x")
    out = tmp_path / where
    assert main(["run", str(BASELINE), "--out", str(out), "--quiet", *TINY]) == 2
    err = capsys.readouterr().err
    assert "--out" in err and "Traceback" not in err and "no such file" not in err


@pytest.mark.parametrize("command", [["run", str(BASELINE)], ["roi", str(BASELINE)], ["compare", str(BASELINE)],
                                     ["optimize", str(BASELINE), "--total-budget", "1e6"],
                                     ["export-mmm", str(BASELINE), "--out", "x.csv"]])
def test_a_negative_seed_is_refused_naming_the_option(command, capsys):
    with pytest.raises(SystemExit) as exc:
        main([*command, "--seed", "-1"])
    assert exc.value.code == 2 and "--seed" in capsys.readouterr().err


def test_binary_files_and_folders_are_refused_and_validate_checks_every_file(tmp_path, capsys):
    binary = tmp_path / "binary.toml"
    binary.write_bytes(b"\x00\xff\xfe\x00")
    assert main(["validate", str(binary), str(tmp_path), str(BASELINE)]) == 2
    captured = capsys.readouterr()
    assert "not a text file" in captured.err and "is a folder" in captured.err
    assert "ok: " in captured.out  # the third file was still checked


def test_a_misspelt_channel_or_segment_names_the_unknown_name_and_the_known_ones():
    with pytest.raises(ScenarioError, match="unknown channel 'serach'.*search, social, content, events"):
        Scenario.from_toml(BASELINE, {"channels.serach.monthly_budget_usd": 1000})
    with pytest.raises(ScenarioError, match="unknown segment 'smal'"):
        Scenario.from_toml(BASELINE, {"market.segments.smal.share": 0.5})


def test_optimize_coarsens_a_huge_grid_and_says_what_it_will_run(baseline):
    heads, how = split_headcounts(baseline, 5e8)
    assert len(heads) <= 41 and heads[0] == 0 and "evenly spaced" in how
    heads, how = split_headcounts(baseline, 1e12)
    assert max(heads) == 100_000 and "limit of sales.headcount" in how


def test_keys_json_is_plain_and_survives_a_closed_pipe_and_bare_command_prints_help():
    env = {"PYTHONPATH": str(ROOT)}
    keys = subprocess.run(f"{sys.executable} -m sim keys --json | head -1", shell=True, capture_output=True,
                          text=True, env=env)
    assert "BrokenPipeError" not in keys.stderr
    rows = json.loads(subprocess.run([sys.executable, "-m", "sim", "keys", "--json"], capture_output=True,
                                     text=True, env=env).stdout)
    assert not any("`" in str(v) for row in rows for v in row.values())
    bare = subprocess.run([sys.executable, "-m", "sim"], capture_output=True, text=True, env=env)
    assert bare.returncode == 0 and "usage: marketsim" in bare.stdout and "COMMAND" in bare.stdout


def test_help_texts(capsys):
    for command in (["roi", "--help"], ["validate", "--help"], ["keys", "--help"], ["export-mmm", "--help"]):
        with pytest.raises(SystemExit):
            main(command)
    out = capsys.readouterr().out
    assert "%%" not in out and "Read and validate each scenario file" in out and "Print every scenario key" in out
    assert "--realization" in out
    assert 'license = "MIT"' in (ROOT / "pyproject.toml").read_text()


def test_a_plain_script_with_workers_runs_without_the_main_guard(tmp_path):
    script = tmp_path / "script.py"
    script.write_text(
        "from sim import Scenario, run\n"
        f"s = Scenario.from_toml({str(BASELINE)!r}).with_overrides({{'market.population': 200, "
        "'time.horizon_days': 10})\n"
        "print('rows', len(run(s, replications=2, workers=2).timeseries))\n")
    done = subprocess.run([sys.executable, str(script)], capture_output=True, text=True, cwd=tmp_path,
                          env={"PYTHONPATH": str(ROOT)}, timeout=300)
    assert done.returncode == 0, done.stderr[-2000:]
    assert "rows 20" in done.stdout


def test_a_reused_out_keeps_no_stale_files_of_the_command(tmp_path):
    out = tmp_path / "run"
    assert main(["run", str(BASELINE), "--out", str(out), "--quiet", "--trace", "3", *TINY]) == 0
    (out / "notes.txt").write_text("mine")
    assert (out / "journeys.csv").exists() and (out / "funnel.png").exists()
    assert main(["run", str(BASELINE), "--out", str(out), "--quiet", "--no-plots", *TINY]) == 0
    assert not (out / "journeys.csv").exists() and not (out / "funnel.png").exists()
    assert (out / "notes.txt").read_text() == "mine"  # not the command's: untouched


# ---------------------------------------------------------------------- MMM export
MMM = (f'extends = "{BASELINE}"\n[market]\npopulation = 400\n[time]\nhorizon_days = 70\n'
       "[channels.search]\nschedule_usd = [0, 30000, 5000]\n[channels.social]\nmonthly_budget_usd = 0\n")


def test_export_mmm_refuses_a_horizon_without_a_complete_week(tmp_path, capsys):
    scenario = tmp_path / "mmm.toml"
    scenario.write_text(MMM)
    out = tmp_path / "d.csv"
    assert main(["export-mmm", str(scenario), "--out", str(out), "--set", "time.horizon_days=6", "--quiet"]) == 2
    assert "time.horizon_days" in capsys.readouterr().err and not out.exists()


def test_export_mmm_has_a_flow_target_a_column_description_and_expected_roas(tmp_path):
    scenario = tmp_path / "mmm.toml"
    scenario.write_text(MMM)
    out = tmp_path / "mmm" / "data.csv"
    assert main(["export-mmm", str(scenario), "--out", str(out), "--replications", "3", "--workers", "1",
                 "--quiet"]) == 0
    data = pd.read_csv(out)
    truth = pd.read_csv(tmp_path / "mmm" / "data_truth.csv").set_index("channel")
    columns = json.loads((tmp_path / "mmm" / "data.json").read_text())
    assert columns["target_column"] == "new_bookings_usd" and columns["date_column"] == "date"
    assert set(columns["channel_columns"]) <= set(data.columns)
    for control in columns["control_columns"]:
        assert data[control].nunique() > 1 and control not in ("sales_cost", "outbound_calls")
    assert "sales_headcount" in columns["constant_columns"]  # constant here, so not a control
    # the truth is on the CSV's own window: spend equals the CSV's spend
    assert truth.loc["search", "spend_usd"] == pytest.approx(data["spend_search"].sum())
    for c in ("expected_roas", "expected_roas_low", "expected_roas_high", "roas_realization_sd", "long_run_roas"):
        assert c in truth
    s = truth.loc["search"]
    assert s["expected_roas_low"] <= s["expected_roas"] <= s["expected_roas_high"]
    assert truth.loc["social", "incremental_bookings_usd"] == 0
    # bookings are a flow: the sum of the weekly target equals the truth's total over the window
    weekly = pd.read_csv(tmp_path / "mmm" / "data_truth_weekly.csv")
    assert weekly["incremental_bookings_search"].sum() == pytest.approx(s["incremental_bookings_usd"])
    # how sure the truth is: the relative half-width of each channel's interval, in the truth and data.json
    half = (s["expected_roas_high"] - s["expected_roas_low"]) / 2 / abs(s["expected_roas"])
    assert s["expected_roas_relative_half_width"] == pytest.approx(half)
    precision = columns["truth_precision"]
    assert precision["replications"] == 3
    assert precision["expected_roas_relative_half_width"]["search"] == pytest.approx(half)
    assert precision["expected_roas_relative_half_width"]["social"] is None  # spent nothing
    needed = precision["replications_for_25pct"]["search"]
    assert needed == s["replications_for_25pct"] >= 2


def test_replications_for_a_relative_interval_is_the_smallest_that_reaches_it():
    from scipy import stats

    from sim.analysis.mmm import replications_for

    def half(n, sd=1.0):
        return stats.t.ppf(0.975, n - 1) * sd / n ** 0.5

    n = int(replications_for(1.0, 1.0, 0.25))
    assert half(n) <= 0.25 < half(n - 1)
    assert replications_for(4.0, -4.0, 0.25) == n  # the sign of the ROAS does not matter
    assert np.isnan(replications_for(1.0, 0.0, 0.25)) and np.isnan(replications_for(float("nan"), 1.0, 0.25))
