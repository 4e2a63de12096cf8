"""ROI per function, comparison report and budget-split optimiser (small populations, short horizons)."""

from __future__ import annotations

import base64
import io
from html.parser import HTMLParser

import numpy as np
import pandas as pd
import pytest

from sim import Scenario
from sim.engine.attribution import Attribution, attribution_shares
from sim.cli import main
from sim.analysis.optimize import budget_splits, channel_spend_usd, optimize_split
from sim.analysis.roi import analyse, incremental_roi, payback_day, roi_analysis, run_variants, simulate, variants_of
from sim.running.statistics import interval
from sim.scenario.variants import add_reps, marginal_reps, scale_marketing

from .conftest import SCENARIOS


@pytest.fixture(scope="module")
def tiny(baseline) -> Scenario:
    """The baseline at 1,500 customers over 120 days (about 0.2 s a run)."""
    return baseline.with_overrides({"market.population": 1500, "time.horizon_days": 120})


# ---------------------------------------------------------------------- pure functions
def test_incremental_roi_is_absent_where_cost_is_zero():
    roi = incremental_roi(np.array([0.0, 5.0, 30.0]), np.array([0.0, 10.0, 10.0]))
    assert np.isnan(roi[0])
    assert roi[1:].tolist() == [-0.5, 2.0]


def test_payback_day_is_first_day_at_or_above_zero_and_none_if_never():
    assert payback_day(np.array([np.nan, -1.0, -0.2, 0.0, 0.3, -0.1])) == 3
    assert payback_day(np.array([np.nan, -1.0, -0.5])) is None
    assert payback_day(np.array([np.nan, np.nan])) is None


def test_band_is_the_student_t_interval_of_the_mean():
    x = np.array([[1.0, 0.0], [3.0, 0.0]])
    mean, low, high = interval(x)
    # t(0.975, 1 dof) = 12.706; sd = sqrt(2); half width = 12.706 * sqrt(2) / sqrt(2).
    assert mean.tolist() == [2.0, 0.0]
    assert high[0] - mean[0] == pytest.approx(12.7062, rel=1e-4)
    assert low[1] == high[1] == 0.0


@pytest.mark.parametrize("method", list(Attribution))
def test_attributed_shares_of_every_deal_sum_to_one(method):
    rng = np.random.default_rng(3)
    touches = rng.poisson(0.8, size=(5, 400)).astype(float)
    first = np.where(touches.sum(axis=0) > 0, np.argmax(touches > 0, axis=0), -1)
    last = np.where(touches.sum(axis=0) > 0, 4 - np.argmax(touches[::-1] > 0, axis=0), -1)
    shares = attribution_shares(touches, first, last, method)
    assert np.allclose(shares.sum(axis=1), 1.0, atol=1e-12)
    assert (shares >= 0).all()


def test_attribution_by_function_splits_the_whole_revenue(tiny):
    outcome = simulate(tiny, seed=2, replication=0, detail=True)
    revenue = outcome.timeseries["revenue"].to_numpy()
    assert revenue.sum() > 0
    for method, table in outcome.attributed.items():
        # Every method distributes exactly the day's revenue over marketing, sales and organic.
        assert np.allclose(table.sum(axis=1), revenue, rtol=1e-9, atol=1e-6), method


# ---------------------------------------------------------------------- budget changes
def test_scale_marketing_multiplies_channel_spend_and_schedules(tiny):
    scheduled = tiny.with_overrides({"channels.search.schedule_usd": [1000.0, 2000.0, 3000.0]})
    plus = scale_marketing(scheduled, 1.1)
    assert plus.channels["search"].schedule_usd == pytest.approx([1100.0, 2200.0, 3300.0])
    assert channel_spend_usd(plus) == pytest.approx(1.1 * channel_spend_usd(scheduled), rel=1e-12)
    assert plus.marketing.team_monthly_cost_usd == scheduled.marketing.team_monthly_cost_usd


def test_add_reps_raises_headcount_and_plan(tiny):
    planned = tiny.with_overrides({"sales.plan": [{"month": 2, "headcount": 10}, {"month": 3, "headcount": 0}]})
    assert marginal_reps(planned) == 1  # 10% of 10 reps
    plus = add_reps(planned, 2)
    assert plus.sales.headcount == planned.sales.headcount + 2
    assert [(c.month, c.headcount) for c in plus.sales.plan] == [(2, 12), (3, 0)]


# ---------------------------------------------------------------------- incremental ROI
def test_roi_of_a_function_with_zero_budget_is_absent(tiny):
    no_marketing = tiny.with_overrides({"marketing.end_month": 0})
    result = analyse(no_marketing, seed=1, replications=2, marginal=False, workers=1)
    assert result.kpi("marketing_roi") == {"mean": None, "low": None, "high": None}
    assert result.payback["marketing"] == {"mean": None, "low": None, "high": None, "absent": True}
    roi = result.timeline.query("function == 'marketing' and quantity == 'roi'")
    assert roi["mean"].isna().all()
    # Identical scenarios (full and no-marketing are the same here): the incremental effect is exactly 0.
    gp = result.timeline.query("function == 'marketing' and quantity == 'incremental_gross_profit_usd'")
    assert (gp["mean"] == 0).all() and (gp["low"] == 0).all() and (gp["high"] == 0).all()
    assert result.kpi("sales_roi")["mean"] is not None


def test_marketing_only_sales_increment_is_exactly_zero():
    self_serve = Scenario.from_toml(SCENARIOS / "self_serve.toml").with_overrides(
        {"market.population": 2000, "time.horizon_days": 120}
    )
    assert self_serve.sales.headcount == 0
    result = analyse(self_serve, seed=4, replications=2, marginal=False, workers=1)
    sales_gp = result.timeline.query("function == 'sales' and quantity == 'incremental_gross_profit_usd'")
    assert (sales_gp[["mean", "low", "high"]].to_numpy() == 0).all()
    assert result.kpi("sales_roi")["mean"] is None
    assert result.kpi("sales_incremental_gross_profit_usd")["mean"] == 0.0
    # Marketing is what sells here: its increment is positive.
    assert result.kpi("marketing_incremental_gross_profit_usd")["mean"] > 0


def test_identical_scenarios_have_zero_incremental_effect_and_any_worker_count_agrees(tiny):
    variants = variants_of(tiny)[0]
    serial = run_variants({**variants, "twin": tiny}, seed=5, replications=2, workers=1)
    for a, b in zip(serial["full"], serial["twin"]):
        assert np.array_equal(a.gross_profit, b.gross_profit)
        assert np.array_equal(a.marketing_cost, b.marketing_cost)
    twin_runs = {**serial, "no_marketing": serial["twin"]}
    result = roi_analysis(tiny, twin_runs, seed=5)
    assert result.kpi("marketing_incremental_gross_profit_usd")["mean"] == 0.0
    parallel = run_variants(variants, seed=5, replications=2, workers=2)
    for label in variants:
        for a, b in zip(serial[label], parallel[label]):
            assert np.array_equal(a.gross_profit, b.gross_profit), label


def test_interaction_term_is_the_double_difference(tiny):
    runs = run_variants(variants_of(tiny)[0], seed=6, replications=2, workers=1)
    result = roi_analysis(tiny, runs, seed=6)
    gp = {k: np.vstack([o.gross_profit for o in v]).sum(axis=1) for k, v in runs.items()}
    expected = (gp["full"] - gp["no_marketing"] - gp["no_sales"] + gp["neither"]).mean()
    assert result.kpi("interaction_gross_profit_usd")["mean"] == pytest.approx(expected, rel=1e-9, abs=1e-6)


def test_attributed_roi_sits_beside_the_incremental_truth(tiny):
    result = analyse(tiny, seed=7, replications=2, workers=1)
    table = result.attribution
    assert set(table["method"]) == {"incremental", *(m.value for m in Attribution)}
    for method in Attribution:
        # Each heuristic credits all revenue: marketing + sales (+ organic) = total gross profit.
        credited = table[(table["method"] == method.value)]["gross_profit_usd"].sum()
        total = result.summary["total"]["gross_profit_usd"]["mean"]
        assert credited <= total * (1 + 1e-9)
    assert {"marketing_marginal_roi", "sales_marginal_roi"} <= set(result.kpis["kpi"])
    assert result.marginal["sales"]["change"] == "+1 rep"


# ---------------------------------------------------------------------- optimiser
def _one_segment_market(buying: str) -> dict:
    return {
        "time": {"horizon_days": 120},
        "market": {
            "population": 3000, "list_price_usd": 20000, "initial_awareness": 0.05,
            "word_of_mouth": {"network": "none"},
            "segments": {"only": {"share": 1.0, "buying": buying, "reservation_price_usd": 30000,
                                  "reservation_price_sigma": 0.1, "consider_rate": 0.05, "lead_rate": 0.05,
                                  "self_serve_rate": 0.3, "qualification_rate": 0.8, "outbound_response_rate": 0.2,
                                  "discovery_days": 5, "negotiation_days": 10, "competitor_rate": 0.0,
                                  "monthly_churn": 0.0}},
        },
        "channels": {"search": {"monthly_budget_usd": 10000, "cpm_usd": 20, "brand_effect": 0.02, "ctr": 0.01,
                                "click_to_lead": 0.5, "memory_gain": 0.5}},
        "sales": {"headcount": 1, "annual_salary_usd": 365000, "commission_rate": 0.0, "ramp_days": 0,
                  "capacity": 30, "leads_per_day": 5, "outbound_calls_per_day": 40},
        "economics": {"gross_margin": 1.0},
    }


def test_optimiser_puts_everything_in_marketing_when_reps_do_nothing():
    data = _one_segment_market("self_serve")  # reps cannot sell to self-serve buyers: zero effect
    scenario = Scenario.from_dict(data)
    result = optimize_split(scenario, total_budget_usd=480_000, seed=0, replications=3, workers=1)
    assert result.curve["reps"].tolist() == [0, 1, 2, 3, 4]  # 120k a rep over 120 days
    assert result.best["reps"] == 0 and result.best["marketing_share"] == 1.0
    # All budget on useless reps is clearly worse than the best (paired interval excludes 0).
    assert result.curve.iloc[-1]["diff_to_best_high"] < 0


def test_optimiser_puts_everything_in_reps_when_marketing_does_nothing():
    data = _one_segment_market("rep_only")
    data["channels"]["search"].update(brand_effect=0.0, ctr=0.0, memory_gain=0.0)  # zero effect
    data["market"]["segments"]["only"].update(consider_rate=0.0, lead_rate=0.0)
    scenario = Scenario.from_dict(data)
    result = optimize_split(scenario, total_budget_usd=480_000, seed=0, replications=3, workers=1)
    assert result.best["reps"] == 4 and result.best["marketing_share"] == pytest.approx(0.0)
    assert result.curve.iloc[0]["diff_to_best_high"] < 0


def test_budget_splits_respect_bounds_and_refuse_impossible_ones(tiny):
    splits = budget_splits(tiny, 1_000_000, min_share=0.5, max_share=0.9)
    assert splits and all(0.5 <= s["marketing_share"] <= 0.9 for s in splits)
    assert all(s["scenario"].sales.headcount == s["reps"] for s in splits)
    with pytest.raises(ValueError, match="marketing share bounds"):
        budget_splits(tiny, 1_000_000, min_share=0.2, max_share=0.2001)


# ---------------------------------------------------------------------- CLI and report
class _Images(HTMLParser):
    def __init__(self):
        super().__init__()
        self.sources: list[str] = []

    def handle_starttag(self, tag, attrs):
        if tag == "img":
            self.sources.append(dict(attrs)["src"])


def _decoded_images(path) -> list[np.ndarray]:
    import matplotlib.image as mpimg

    parser = _Images()
    parser.feed(path.read_text(encoding="utf-8"))
    parser.close()
    images = []
    for src in parser.sources:
        head, data = src.split(",", 1)
        assert head == "data:image/png;base64"
        images.append(mpimg.imread(io.BytesIO(base64.b64decode(data, validate=True)), format="png"))
    return images


SMALL = ["--set", "market.population=1000", "--set", "time.horizon_days=90", "--replications", "2",
         "--workers", "1", "--quiet"]


def test_compare_writes_table_charts_and_a_self_contained_report(tmp_path):
    out = tmp_path / "q3"
    files = [str(SCENARIOS / f) for f in ("baseline.toml", "marketing_heavy.toml", "sales_heavy.toml")]
    assert main(["compare", *files, *SMALL, "--out", str(out)]) == 0
    table = pd.read_csv(out / "comparison.csv")
    assert list(table.columns) == ["scenario", "kpi", "mean", "low", "high"]
    assert set(table["scenario"]) == {"baseline", "marketing_heavy", "sales_heavy"}
    needed = {"marketing_roi", "sales_roi", "marketing_payback_day", "sales_payback_day", "revenue",
              "gross_profit", "cac"}
    assert needed <= set(table["kpi"])
    for name in ("roi.png", "funnel.png", "economics.png"):
        assert (out / name).stat().st_size > 10_000
    images = _decoded_images(out / "report.html")
    assert len(images) == 3 and all(img.ndim == 3 and img.shape[0] > 200 for img in images)
    text = (out / "report.html").read_text()
    assert "channels.search.monthly_budget_usd" in text and "sales.headcount" in text  # differences key by key
    assert "root seed" in text and "mesa" in text
    assert "&lt;br&gt;" not in text  # intervals are rendered, not escaped


def test_roi_command_writes_report_with_decodable_images(tmp_path):
    out = tmp_path / "roi"
    assert main(["roi", str(SCENARIOS / "baseline.toml"), *SMALL, "--out", str(out)]) == 0
    assert len(_decoded_images(out / "report.html")) == 4
    kpis = pd.read_csv(out / "roi_kpis.csv")
    assert {"marketing_roi", "sales_marginal_roi", "marketing_attributed_roi_linear"} <= set(kpis["kpi"])


def test_optimize_command_and_its_errors(tmp_path, capsys):
    out = tmp_path / "split"
    args = ["optimize", str(SCENARIOS / "baseline.toml"), "--total-budget", "300000", *SMALL, "--out", str(out)]
    assert main(args) == 0
    curve = pd.read_csv(out / "response_curve.csv")
    assert curve["reps"].tolist() == list(range(len(curve)))
    assert (out / "response_curve.png").stat().st_size > 10_000
    assert main(["optimize", str(SCENARIOS / "baseline.toml"), "--total-budget", "300000",
                 "--min-marketing-share", "0.5", "--max-marketing-share", "0.4", *SMALL, "--out", str(out)]) == 2
    assert "marketing share bounds" in capsys.readouterr().err
    with pytest.raises(SystemExit) as exc:
        main(["optimize", str(SCENARIOS / "baseline.toml"), "--total-budget", "-5"])
    assert exc.value.code == 2
    assert main(["compare", str(tmp_path / "missing.toml"), "--out", str(out)]) == 2
