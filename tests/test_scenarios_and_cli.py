"""Scenario files, overrides and the command line, including a dozen kinds of mistakes."""

from __future__ import annotations

import json
import subprocess
import sys

import pytest

from sim import Scenario, ScenarioError
from sim.cli import main
from sim.scenario.keys import reference_markdown

from .conftest import ROOT, SCENARIOS

SHIPPED = sorted(SCENARIOS.glob("*.toml"))


@pytest.mark.parametrize("path", SHIPPED, ids=[p.stem for p in SHIPPED])
def test_every_shipped_scenario_validates_and_runs(path, tmp_path):
    scenario = Scenario.from_toml(path)
    short = {"time.horizon_days": 90}
    if scenario.market.population > 20_000:
        short["market.population"] = 20_000
    code = main(["run", str(path), "--out", str(tmp_path), "--quiet", "--no-plots"]
                + [f"--set={k}={v}" for k, v in short.items()])
    assert code == 0
    assert (tmp_path / "timeseries.csv").exists()


def test_cli_run_writes_the_output_contract(tmp_path, capsys):
    out = tmp_path / "base"
    code = main(["run", str(SCENARIOS / "baseline.toml"), "--out", str(out), "--seed", "7", "--trace", "5",
                 "--set", "time.horizon_days=120", "--set", "market.population=3000"])
    assert code == 0
    for name in ("timeseries.csv", "summary.json", "run.json", "funnel.png", "economics.png", "journeys.csv"):
        assert (out / name).stat().st_size > 0, name
    run_info = json.loads((out / "run.json").read_text())
    assert run_info["seed"] == 7
    assert run_info["scenario"]["time"]["horizon_days"] == 120
    assert {"marketsim", "mesa", "numpy"} <= set(run_info["versions"])
    summary = json.loads((out / "summary.json").read_text())
    assert {"marketing", "sales", "total"} <= set(summary)
    assert "cost_per_lead_usd" in summary["marketing"] and "win_rate" in summary["sales"]
    printed = capsys.readouterr().out
    assert "win_rate" in printed


def test_a_first_run_says_it_is_compiling_the_kernels(tmp_path, capsys, monkeypatch):
    import sim.engine.kernels

    monkeypatch.setattr(sim.engine.kernels, "kernels_cached", lambda: False)  # a fresh installation
    args = ["--set", "time.horizon_days=5", "--set", "market.population=300", "--no-plots"]
    assert main(["run", str(SCENARIOS / "baseline.toml"), "--out", str(tmp_path / "a"), *args]) == 0
    assert "compiling the simulation kernels" in capsys.readouterr().err
    assert main(["run", str(SCENARIOS / "baseline.toml"), "--out", str(tmp_path / "b"), "--quiet", *args]) == 0
    assert main(["validate", str(SCENARIOS / "baseline.toml")]) == 0  # (no simulation)
    assert "compiling" not in capsys.readouterr().err


def test_cli_replications_give_intervals(tmp_path):
    out = tmp_path / "reps"
    code = main(["run", str(SCENARIOS / "baseline.toml"), "--out", str(out), "--replications", "3", "--quiet",
                 "--no-plots", "--set", "time.horizon_days=60", "--set", "market.population=2000"])
    assert code == 0
    summary = json.loads((out / "summary.json").read_text())
    revenue = summary["total"]["revenue_usd"]
    assert revenue["low"] <= revenue["mean"] <= revenue["high"]
    import pandas as pd

    ts = pd.read_csv(out / "timeseries.csv")
    assert sorted(ts["replication"].unique()) == [0, 1, 2]


def test_extends_and_round_trip(tmp_path):
    heavy = Scenario.from_toml(SCENARIOS / "marketing_heavy.toml")
    base = Scenario.from_toml(SCENARIOS / "baseline.toml")
    assert heavy.sales.headcount == 4 and base.sales.headcount == 6
    assert heavy.market == base.market
    text = heavy.to_toml()
    (tmp_path / "copy.toml").write_text(text)
    assert Scenario.from_toml(tmp_path / "copy.toml") == heavy


def test_with_overrides_returns_a_new_validated_scenario(baseline):
    changed = baseline.with_overrides({"sales.headcount": 12, "sales.tactic": "boulware"})
    assert changed.sales.headcount == 12 and baseline.sales.headcount == 6
    with pytest.raises(ScenarioError, match="sales.headcount"):
        baseline.with_overrides({"sales.headcount": -1})


def test_reference_doc_is_up_to_date():
    doc = ROOT / "docs" / "scenario-reference.md"
    assert doc.read_text() == reference_markdown(), "regenerate with: marketsim keys > docs/scenario-reference.md"


BAD_FILES = {
    "unknown_key": ("[market]\npopulaton = 5\n", "market.populaton"),
    "negative_budget": ("[channels.search]\nmonthly_budget_usd = -5\n", "channels.search.monthly_budget_usd"),
    "share_out_of_range": ("[market.segments.small]\nshare = 1.5\n", "market.segments.small.share"),
    "shares_not_summing": ("[market.segments.small]\nshare = 0.5\n", "shares must sum to 1"),
    "zero_population": ("[market]\npopulation = 0\n", "market.population"),
    "wrong_type": ("[sales]\nheadcount = \"six\"\n", "sales.headcount"),
    "bad_enum": ("[sales]\ntactic = \"stubborn\"\n", "sales.tactic"),
    "unknown_target": ("[channels.search]\ntargets = [\"nobody\"]\n", "channels.search.targets"),
    "bad_toml": ("[sales\nheadcount = 3\n", "not valid TOML"),
    "negative_horizon": ("[time]\nhorizon_days = -3\n", "time.horizon_days"),
    "bad_date": ("[time]\nstart_date = \"yesterday\"\n", "time.start_date"),
    "probability_above_one": ("[market.segments.mid]\nmonthly_churn = 2\n", "market.segments.mid.monthly_churn"),
    "missing_parent": (None, "no such scenario file"),
}


@pytest.mark.parametrize("kind", sorted(BAD_FILES))
def test_bad_scenario_files_are_refused_with_exit_2(kind, tmp_path, capsys):
    body, expected = BAD_FILES[kind]
    path = tmp_path / "draft.toml"
    if body is None:
        path.write_text('extends = "nowhere.toml"\n')
    else:
        path.write_text(f'extends = "{SCENARIOS / "baseline.toml"}"\n{body}')
    for command in (["validate", str(path)], ["run", str(path), "--out", str(tmp_path / "out")]):
        assert main(command) == 2
        err = capsys.readouterr().err
        assert expected in err
        assert "Traceback" not in err
    assert not (tmp_path / "out").exists(), "nothing is written for a refused scenario"


BAD_SETS = {
    "sales.headcount=-2": "sales.headcount",
    "sales.headcont=3": "sales.headcont",
    "market.population=lots": "market.population",
    "channels.search.ctr=1.5": "channels.search.ctr",
    "sales.tactic=stubborn": "sales.tactic",
    "novalue": "expected dotted.key=value",
    "market.population.x=3": "market.population is a value",
    "market.segments.mid.share=0.9": "shares must sum to 1",
}


@pytest.mark.parametrize("override", sorted(BAD_SETS))
def test_bad_set_values_are_refused_with_exit_2(override, capsys, tmp_path):
    code = main(["run", str(SCENARIOS / "baseline.toml"), "--set", override, "--out", str(tmp_path / "o")])
    assert code == 2
    err = capsys.readouterr().err
    assert BAD_SETS[override] in err
    assert "Traceback" not in err


def test_validate_accepts_all_shipped_files(capsys):
    assert main(["validate", *map(str, SHIPPED)]) == 0
    assert capsys.readouterr().out.count("ok:") == len(SHIPPED)


def test_console_script_exit_status_on_a_bad_argument():
    proc = subprocess.run(
        [sys.executable, "-m", "sim", "run", str(SCENARIOS / "baseline.toml"), "--replications", "0"],
        capture_output=True, text=True,
    )
    assert proc.returncode == 2
    assert "replications" in proc.stderr and "Traceback" not in proc.stderr
