"""Sweeps: specification checks, identical results on any executor, resume after kill -9,
a Dask worker killed mid-sweep, a Sobol' known answer, analysis and MMM export.

Dask runs use a real LocalCluster and a real ``dask scheduler`` / ``dask worker`` pair
started here on loopback and stopped afterwards. Populations and horizons are small so the
whole file stays within about two minutes.
"""

from __future__ import annotations

import os
import signal
import socket
import subprocess
import sys
import threading
import time
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

pytest.importorskip("distributed")
pytest.importorskip("SALib")

from sim.plots.sweep import write_charts  # noqa: E402
from sim.sweep.sensitivity import analyze  # noqa: E402
from sim.cli import main  # noqa: E402
from sim.scenario import ScenarioError  # noqa: E402
from sim.sweep import DaskExecutor, LocalExecutor, Sweep, SweepError, read_results  # noqa: E402

ROOT = Path(__file__).resolve().parents[1]
BASELINE = ROOT / "scenarios" / "baseline.toml"
BIN = Path(sys.executable).parent

SMALL = f"""
name = "small"
base = "{BASELINE}"
design = "grid"
replications = 2
seed = 5
record = "both"
series_columns = ["customer", "revenue", "contribution"]

[overrides]
"market.population" = 300
"time.horizon_days" = 30

[[factors]]
key = "sales.headcount"
values = [2, 6]

[[factors]]
name = "marketing_scale"
scale = ["channels.search.monthly_budget_usd", "channels.events.monthly_budget_usd"]
values = [0.5, 1.0, 2.0]
"""


def write(tmp_path: Path, text: str, name: str = "sweep.toml") -> Path:
    path = tmp_path / name
    path.write_text(text)
    return path


def sorted_frame(frame: pd.DataFrame) -> pd.DataFrame:
    keys = ["run_id"] + (["step"] if "step" in frame.columns else [])
    return frame.sort_values(keys).reset_index(drop=True)


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


class DaskPair:
    """``dask scheduler`` and N ``dask worker`` processes on loopback."""

    def __init__(self, workers: int = 2):
        self.port = free_port()
        self.address = f"tcp://127.0.0.1:{self.port}"
        env = {**os.environ, "PYTHONPATH": str(ROOT)}
        quiet = dict(stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, cwd=ROOT, env=env)
        self.scheduler = subprocess.Popen(
            [str(BIN / "dask"), "scheduler", "--host", "127.0.0.1", "--port", str(self.port),
             "--no-dashboard"], **quiet)
        self.workers = [
            subprocess.Popen([str(BIN / "dask"), "worker", self.address, "--nworkers", "1", "--nthreads", "1",
                              "--no-nanny", "--no-dashboard", "--host", "127.0.0.1"], **quiet)
            for _ in range(workers)
        ]
        from distributed import Client

        client = Client(self.address, timeout=60)
        try:
            client.wait_for_workers(workers, timeout=60)
        finally:
            client.close()

    def stop(self) -> None:
        for process in [*self.workers, self.scheduler]:
            if process.poll() is None:
                process.terminate()
        for process in [*self.workers, self.scheduler]:
            try:
                process.wait(timeout=10)
            except subprocess.TimeoutExpired:
                process.kill()
                process.wait()


@pytest.fixture
def dask_pair():
    pair = DaskPair(workers=2)
    try:
        yield pair
    finally:
        pair.stop()


# ---------------------------------------------------------------------- specification
@pytest.mark.parametrize(
    "change, message",
    [
        ("seed = 5\nreplicatons = 3", "replicatons: unknown key"),
        ('"time.horizon_days" = 30\n"sales.tactic" = "sneaky"', "sales.tactic: 'sneaky' is not allowed"),
        ('\n[[factors]]\nkey = "sales.capacity"\nlow = 1\nhigh = 4\n', "needs values"),
        ('\n[[factors]]\nkey = "sales.headcount"\nvalues = [1]\n', "sales.headcount"),
        ('\n[[factors]]\nkey = "sales.headcout"\nvalues = [1, 2]\n', "headcout: unknown key"),
        ('\n[[factors]]\nkey = "sales.max_discount"\nvalues = [0.1, 1.5]\n', "max_discount: 1.5"),
    ],
)
def test_bad_specifications_name_the_key_and_value(tmp_path, change, message):
    if change.startswith("\n"):  # a new table at the end
        text = SMALL + change
    else:  # a key added at the top level or to the overrides
        text = SMALL.replace(change.split("\n")[0], change)
    with pytest.raises(ScenarioError, match=message):
        Sweep.from_toml(write(tmp_path, text))


def test_sampled_designs_check_their_own_rules(tmp_path):
    sobol = SMALL.replace('design = "grid"', 'design = "sobol"\nsamples = 48')
    sobol = sobol.replace('key = "sales.headcount"\nvalues = [2, 6]', 'key = "sales.leads_per_day"\nlow = 1\nhigh = 6').replace("values = [0.5, 1.0, 2.0]",
                                                                          "low = 0.5\nhigh = 2")
    with pytest.raises(SweepError, match="samples = 48: sobol needs a power of 2"):
        Sweep.from_toml(write(tmp_path, sobol))
    sweep = Sweep.from_toml(write(tmp_path, sobol.replace("samples = 48", "samples = 8")))
    assert len(sweep.points) == 8 * (2 + 2)
    lhs = sobol.replace('design = "sobol"\nsamples = 48', 'design = "lhs"\nsamples = 10')
    sweep = Sweep.from_toml(write(tmp_path, lhs))
    values = np.array([p["sales.leads_per_day"] for p in sweep.points])
    # a Latin hypercube puts exactly one point in each tenth of every range
    assert sorted(np.floor((values - 1) / 0.5).astype(int)) == list(range(10))


def test_run_ids_are_stable_and_seeds_follow_the_root_seed(tmp_path):
    a = Sweep.from_toml(write(tmp_path, SMALL))
    b = Sweep.from_toml(write(tmp_path, SMALL, "copy.toml"))
    assert [r.run_id for r in a.runs] == [r.run_id for r in b.runs]
    assert len({r.run_id for r in a.runs}) == len(a.runs) == 12
    # common random numbers (the default): replication r of every point shares seed and streams
    assert {(r.replication, r.seed) for r in a.runs} == {(0, 5), (1, 5)}
    independent = Sweep.from_toml(write(tmp_path, SMALL.replace("seed = 5", "seed = 5\ncommon_random_numbers = false"), "ind.toml"))
    assert len({r.seed for r in independent.runs}) == 12
    other_root = Sweep.from_toml(write(tmp_path, SMALL.replace("seed = 5", "seed = 6\ncommon_random_numbers = false"),
                                       "root.toml"))
    assert not {r.seed for r in independent.runs} & {r.seed for r in other_root.runs}


# ---------------------------------------------------------------------- executors
def test_identical_results_on_one_and_two_processes_and_dask(tmp_path, dask_pair):
    spec = write(tmp_path, SMALL)
    sweep = Sweep.from_toml(spec)
    outputs = {}
    with LocalExecutor(workers=1) as one:
        sweep.run(tmp_path / "one", executor=one, progress=False)
    outputs["one"] = tmp_path / "one"
    with LocalExecutor(workers=2) as two:
        sweep.run(tmp_path / "two", executor=two, progress=False, chunk_size=1)
    outputs["two"] = tmp_path / "two"
    with DaskExecutor(workers=2) as local_cluster:
        sweep.run(tmp_path / "local_cluster", executor=local_cluster, progress=False, chunk_size=2)
    outputs["local_cluster"] = tmp_path / "local_cluster"
    assert main(["sweep", str(spec), "--out", str(tmp_path / "scheduler"), "--scheduler", dask_pair.address,
                 "--quiet"]) == 0
    outputs["scheduler"] = tmp_path / "scheduler"

    reference = sorted_frame(pd.read_parquet(outputs["one"] / "results"))
    reference_series = sorted_frame(pd.read_parquet(outputs["one"] / "series"))
    assert len(reference) == 12 and reference["run_id"].is_unique
    assert len(reference_series) == 12 * 30
    assert reference["total_revenue_usd"].nunique() > 6  # the runs really differ
    for name, out in outputs.items():
        pd.testing.assert_frame_equal(sorted_frame(pd.read_parquet(out / "results")), reference, obj=name)
        pd.testing.assert_frame_equal(sorted_frame(pd.read_parquet(out / "series")), reference_series, obj=name)


def test_runs_and_roi_give_identical_results_on_dask(small_baseline, dask_pair):
    from sim.analysis.roi import run_variants
    from sim.running.run import run

    scenario = small_baseline.with_overrides({"time.horizon_days": 60})
    local = run(scenario, seed=3, replications=3, workers=1)
    with DaskExecutor(scheduler=dask_pair.address) as dask:
        remote = run(scenario, seed=3, replications=3, executor=dask)
        variants = {"full": scenario, "more_reps": scenario.with_overrides({"sales.headcount": 9})}
        on_dask = run_variants(variants, seed=4, replications=2, executor=dask)
    pd.testing.assert_frame_equal(local.timeseries, remote.timeseries)
    pd.testing.assert_frame_equal(local.deals, remote.deals)
    serial = run_variants(variants, seed=4, replications=2, workers=1)
    for label in variants:
        for a, b in zip(serial[label], on_dask[label]):
            np.testing.assert_array_equal(a.gross_profit, b.gross_profit)
            assert a.summary == b.summary


def test_workers_means_local_processes_and_dask_is_chosen_by_its_own_options(tmp_path, capsys):
    spec = write(tmp_path, SMALL)
    with pytest.raises(SystemExit):
        main(["sweep", "--help"])
    assert "local worker processes" in " ".join(capsys.readouterr().out.split())
    assert main(["sweep", str(spec), "--out", str(tmp_path / "out"), "--workers", "2",
                 "--scheduler", "tcp://127.0.0.1:1", "--quiet"]) == 2
    assert "--workers and --scheduler: choose one" in capsys.readouterr().err


def test_killed_sweep_resumes_to_exactly_the_full_set(tmp_path):
    spec = write(tmp_path, SMALL.replace("replications = 2", "replications = 6"))  # 36 runs
    out = tmp_path / "out"
    command = [str(BIN / "marketsim"), "sweep", str(spec), "--out", str(out), "--workers", "2",
               "--chunk-size", "1", "--quiet"]
    process = subprocess.Popen(command, cwd=ROOT, start_new_session=True,
                               stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    deadline = time.monotonic() + 120
    while time.monotonic() < deadline:
        done = list((out / "results").glob("*.parquet")) if (out / "results").is_dir() else []
        if len(done) >= 5:
            break
        time.sleep(0.02)
    os.killpg(process.pid, signal.SIGKILL)  # the sweep and its worker processes
    process.wait()
    partial = pd.read_parquet(out / "results")  # whatever is on disk reads cleanly
    assert 5 <= len(partial) < 36, "the sweep must be killed part-way for this test to mean anything"
    assert partial["run_id"].is_unique

    assert main(["sweep", str(spec), "--out", str(out), "--workers", "2", "--quiet"]) == 0
    sweep = Sweep.from_toml(spec)
    kpis = pd.read_parquet(out / "results")
    series = pd.read_parquet(out / "series")
    expected = {r.run_id for r in sweep.unique_runs}
    assert len(kpis) == 36 and set(kpis["run_id"]) == expected
    assert len(series) == 36 * 30 and not series.duplicated(["run_id", "step"]).any()
    # the runs finished before the kill are the same as the ones an uninterrupted sweep makes
    finished = set(partial["run_id"])
    with LocalExecutor(workers=1) as one:
        sweep.run(tmp_path / "clean", executor=one, progress=False)
    clean = sorted_frame(read_results(tmp_path / "clean"))
    pd.testing.assert_frame_equal(sorted_frame(kpis), clean)
    assert finished <= set(clean["run_id"])


def test_changed_specification_in_the_same_folder_is_refused(tmp_path, capsys):
    spec = write(tmp_path, SMALL.replace('values = [0.5, 1.0, 2.0]', 'values = [1.0]'))
    out = tmp_path / "out"
    assert main(["sweep", str(spec), "--out", str(out), "--workers", "1", "--quiet"]) == 0
    assert main(["sweep", str(spec), "--out", str(out), "--workers", "1", "--quiet"]) == 0  # resume: nothing to do
    assert main(["sweep", str(spec), "--out", str(out), "--workers", "1", "--quiet",
                 "--set", "sales.capacity=5"]) == 2
    err = capsys.readouterr().err
    assert "holds results of a different sweep" in err and "base scenario sales.capacity" in err
    spec.write_text(spec.read_text().replace("replications = 2", "replications = 3"))
    assert main(["sweep", str(spec), "--out", str(out), "--quiet"]) == 2
    assert "spec.replications" in capsys.readouterr().err


def test_a_killed_dask_worker_does_not_stop_the_sweep(tmp_path, dask_pair):
    spec = write(tmp_path, SMALL.replace("replications = 2", "replications = 6"))  # 36 runs
    sweep = Sweep.from_toml(spec)
    out = tmp_path / "out"
    errors: list[BaseException] = []

    def drive():
        try:
            with DaskExecutor(scheduler=dask_pair.address) as executor:
                sweep.run(out, executor=executor, progress=False, chunk_size=1)
        except BaseException as exc:  # noqa: BLE001 - reported below
            errors.append(exc)

    thread = threading.Thread(target=drive)
    thread.start()
    deadline = time.monotonic() + 120
    while time.monotonic() < deadline and len(list((out / "results").glob("*.parquet"))
                                               if (out / "results").is_dir() else []) < 4:
        time.sleep(0.02)
    victim = dask_pair.workers[0]
    victim.send_signal(signal.SIGKILL)
    victim.wait()
    finished_at_kill = len(list((out / "results").glob("*.parquet")))
    thread.join(timeout=180)
    assert not thread.is_alive() and not errors, errors
    assert finished_at_kill < 36, "the worker must die mid-sweep for this test to mean anything"
    kpis = pd.read_parquet(out / "results")
    assert len(kpis) == 36 and set(kpis["run_id"]) == {r.run_id for r in sweep.unique_runs}


# ---------------------------------------------------------------------- analysis
SOBOL = f"""
name = "one_factor"
base = "{BASELINE}"
design = "sobol"
samples = 64
seed = 11
outcomes = ["total_revenue_usd"]

[overrides]
"market.population" = 2000
"time.horizon_days" = 30

# Revenue depends on the search budget; the sales quota and the marketing team's cost are
# accounting only, so with common random numbers they cannot change revenue at all.
[[factors]]
key = "channels.search.monthly_budget_usd"
low = 0
high = 120000

[[factors]]
key = "sales.annual_quota_usd"
low = 300000
high = 1000000

[[factors]]
key = "marketing.team_monthly_cost_usd"
low = 0
high = 50000
"""


def test_sobol_indices_find_the_only_factor_that_matters(tmp_path):
    sweep = Sweep.from_toml(write(tmp_path, SOBOL))
    assert len(sweep.points) == 64 * 5
    with LocalExecutor(workers=2) as pool:
        sweep.run(tmp_path / "out", executor=pool, progress=False)
    report = analyze(tmp_path / "out")
    write_charts(report)
    indices = report.indices.set_index("factor")
    budget = indices.loc["channels.search.monthly_budget_usd"]

    # Tolerance: 3 standard errors of each estimator (a mean over the 64 base samples, so
    # the central limit theorem applies), computed from the runs themselves. With N = 64
    # this is about +-0.5 (SALib's bootstrap 95% half-width is about 0.2-0.5 here too);
    # the estimators' error shrinks as 1/sqrt(N).
    # Saltelli's layout: per base sample, rows A, AB_1, AB_2, AB_3, B.
    # SALib standardises the outcome first; so do we.
    y = report.points.sort_values("point")["total_revenue_usd_mean"].to_numpy()
    assert y.std() > 0
    y = ((y - y.mean()) / y.std()).reshape(64, 5)
    f_a, f_ab, f_b = y[:, 0], y[:, 1], y[:, 4]
    variance = np.var(np.concatenate([f_a, f_b]))
    total_terms = (f_a - f_ab) ** 2 / (2 * variance)  # Jansen: ST = mean of these
    first_terms = f_b * (f_ab - f_a) / variance  # Saltelli 2010: S1 = mean of these
    se_total = total_terms.std(ddof=1) / np.sqrt(64)
    se_first = first_terms.std(ddof=1) / np.sqrt(64)
    assert abs(budget["ST"] - 1) <= 3 * se_total, (budget["ST"], se_total)
    assert abs(budget["S1"] - 1) <= 3 * se_first, (budget["S1"], se_first)
    # The inert factors: their AB rows reproduce A exactly, so both estimators are 0 exactly
    # (up to floating point), with no sampling error at all.
    for inert in ("sales.annual_quota_usd", "marketing.team_monthly_cost_usd"):
        assert abs(indices.loc[inert, "ST"]) < 1e-9 and abs(indices.loc[inert, "S1"]) < 1e-9
    assert (tmp_path / "out" / "analysis" / "indices_total_revenue_usd.png").exists()


def test_analyze_command_on_a_grid_writes_means_and_surfaces(tmp_path, capsys):
    spec = write(tmp_path, SMALL.replace('record = "both"', 'record = "kpis"'))
    out = tmp_path / "out"
    assert main(["sweep", str(spec), "--out", str(out), "--workers", "1", "--quiet"]) == 0
    assert main(["analyze", str(out), "--outcome", "total_revenue_usd", "--outcome", "total_contribution_usd"]) == 0
    text = capsys.readouterr().out
    assert "total_revenue_usd: mean [95% interval]" in text
    points = pd.read_csv(out / "analysis" / "points.csv")
    assert len(points) == 6 and (points["n"] == 2).all()
    kpis = read_results(out)
    first = kpis[kpis["point"] == 0]["total_revenue_usd"]
    assert points.loc[0, "total_revenue_usd_mean"] == pytest.approx(first.mean())
    assert points.loc[0, "total_revenue_usd_low"] <= first.mean() <= points.loc[0, "total_revenue_usd_high"]
    assert (out / "analysis" / "response_total_revenue_usd.png").exists()
    assert main(["analyze", str(out), "--outcome", "revenue_typo"]) == 2
    assert "revenue_typo" in capsys.readouterr().err


# ---------------------------------------------------------------------- MMM export
def test_export_mmm_gives_weekly_data_and_a_ground_truth(tmp_path):
    scenario = tmp_path / "mmm.toml"
    scenario.write_text(
        f'extends = "{BASELINE}"\n[market]\npopulation = 400\n[time]\nhorizon_days = 70\n'
        "[channels.search]\nschedule_usd = [0, 30000, 5000]\n"
        "[channels.social]\nmonthly_budget_usd = 0\n"
    )
    out = tmp_path / "mmm" / "data.csv"
    assert main(["export-mmm", str(scenario), "--out", str(out), "--seed", "3", "--workers", "1", "--quiet"]) == 0
    data = pd.read_csv(out)
    truth = pd.read_csv(tmp_path / "mmm" / "data_truth.csv").set_index("channel")
    weekly = pd.read_csv(tmp_path / "mmm" / "data_truth_weekly.csv")
    assert len(data) == 9  # complete Monday-Sunday weeks in 70 days from a Thursday
    assert list(data.columns[:5]) == ["date", "spend_search", "spend_social", "spend_content",
                                                          "spend_events"]
    assert pd.to_datetime(data["date"]).dt.day_of_week.eq(0).all()
    assert data["spend_search"].nunique() > 2  # the schedule shows week to week
    assert set(truth.index) == {"search", "social", "content", "events", "all_channels"}
    # a channel that spends nothing changes nothing: with common random numbers its
    # counterfactual is the same run, so its contribution is exactly zero
    assert truth.loc["social", "spend_usd"] == 0 and truth.loc["social", "incremental_revenue_usd"] == 0
    assert (weekly["incremental_revenue_social"] == 0).all()
    # the truth covers the CSV's own window of complete weeks, as the weekly table does
    assert truth.loc["search", "spend_usd"] == pytest.approx(data["spend_search"].sum(), rel=1e-12)
    assert data["spend_search"].sum() > 0
    assert truth.loc["all_channels", "spend_usd"] == pytest.approx(truth["spend_usd"].drop("all_channels").sum())


def test_morris_and_lhs_designs_run_and_analyse(tmp_path):
    morris = SOBOL.replace('design = "sobol"\nsamples = 64', 'design = "morris"\nsamples = 4')
    morris = morris.replace('"market.population" = 2000', '"market.population" = 300')
    out = tmp_path / "morris"
    sweep = Sweep.from_toml(write(tmp_path, morris))
    assert len(sweep.points) == 4 * (3 + 1)
    with LocalExecutor(workers=2) as pool:
        sweep.run(out, executor=pool, progress=False)
    report = analyze(out)
    write_charts(report)
    indices = report.indices.set_index("factor")
    # elementary effects of accounting-only factors are exactly zero under common random numbers
    for inert in ("sales.annual_quota_usd", "marketing.team_monthly_cost_usd"):
        assert indices.loc[inert, "mu_star"] == 0 and indices.loc[inert, "sigma"] == 0
    assert indices.loc["channels.search.monthly_budget_usd", "mu_star"] > 0
    assert (out / "analysis" / "indices_total_revenue_usd.png").exists()

    lhs = morris.replace('design = "morris"\nsamples = 4', 'design = "lhs"\nsamples = 6')
    out = tmp_path / "lhs"
    assert main(["sweep", str(write(tmp_path, lhs, "lhs.toml")), "--out", str(out), "--workers", "2",
                 "--quiet"]) == 0
    report = analyze(out)
    write_charts(report)
    assert report.indices is None and len(report.points) == 6
    assert (out / "analysis" / "scatter_total_revenue_usd.png").exists()


def test_grid_columns_have_one_type_so_every_parquet_file_shares_a_schema(tmp_path):
    sweep = Sweep.from_toml(write(tmp_path, SMALL.replace("values = [0.5, 1.0, 2.0]", "values = [0.5, 1, 2]")))
    assert {type(p["marketing_scale"]) for p in sweep.points} == {float}
    assert {type(p["sales.headcount"]) for p in sweep.points} == {int}
    assert sweep.runs[2].overrides["channels.search.monthly_budget_usd"] == 20000 * 1.0


def test_a_misspelt_outcome_is_refused_before_any_run(tmp_path):
    text = SMALL.replace('seed = 5\n', 'seed = 5\noutcomes = ["total_contribution_usd", "sales_win_rat"]\n')
    with pytest.raises(SweepError, match="outcomes: 'sales_win_rat' is not a KPI column.*did you mean 'sales_win_rate'"):
        Sweep.from_toml(write(tmp_path, text))
    assert not (tmp_path / "out").exists()
    fine = SMALL.replace('seed = 5\n', 'seed = 5\noutcomes = ["total_contribution_usd", "sales_win_rate"]\n')
    assert Sweep.from_toml(write(tmp_path, fine)).spec.outcomes[1] == "sales_win_rate"


def test_analyze_says_when_no_run_has_a_value(tmp_path, capsys):
    # 30 days of a small market: no run's contribution pays back, so payback_day is empty everywhere.
    out = tmp_path / "grid"
    Sweep.from_toml(write(tmp_path, SMALL)).run(out, executor=LocalExecutor(workers=1), progress=False)
    assert main(["analyze", str(out), "--outcome", "payback_day", "--no-plots"]) == 0
    printed = capsys.readouterr().out
    assert "payback_day: no finished run has a value (no run pays back within the horizon)" in printed
