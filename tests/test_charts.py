"""The charts read as they should: calendar-month totals, legend order, labels that do not collide."""

from __future__ import annotations

from types import SimpleNamespace

import matplotlib

matplotlib.use("Agg")
import numpy as np
import pandas as pd
import pytest

from sim.engine.customers import STAGES
from sim.plots.roi import plot_response_curve, plot_roi
from sim.plots.run import plot_economics, plot_funnel
from sim.plots.style import monthly_totals

DAYS = 120  # 1 Jan 2026 to 30 Apr 2026


def _timeseries() -> pd.DataFrame:
    steps = np.arange(DAYS)
    ts = pd.DataFrame({"step": steps, "date": pd.date_range("2026-01-01", periods=DAYS, freq="D")})
    for i, stage in enumerate(STAGES):
        ts[stage] = 100.0 + i
    for column in ("leads", "opportunities", "deals_won", "stale_leads"):
        ts[column] = 1.0
    ts["marketing_cost"] = 1000.0   # per day: each month's total is 1000 x its days
    ts["sales_cost"] = 500.0
    ts["revenue"] = 10.0 * steps
    ts["gross_profit"] = 8.0 * steps
    ts["contribution"] = ts["gross_profit"] - 1500.0
    return ts


def test_monthly_totals_have_one_value_per_calendar_month():
    dates = pd.date_range("2026-01-15", "2026-04-10", freq="D")
    totals = monthly_totals(dates, np.ones(len(dates)))
    assert [str(p) for p in totals.index] == ["2026-01", "2026-02", "2026-03", "2026-04"]
    assert totals.tolist() == [17, 28, 31, 10]


def test_economics_cost_per_month_is_calendar_month_totals():
    fig = plot_economics(_timeseries())
    ax_cost = fig.axes[0]
    steps = [p for p in ax_cost.patches if p.get_label().startswith("marketing")]
    assert len(steps) == 1
    data = steps[0].get_data()
    values, edges = data.values, data.edges
    # January, February, March, April: no rolling window, no bump.
    assert values.tolist() == [31_000, 28_000, 31_000, 30_000]
    assert len(edges) == 5 and matplotlib.dates.num2date(edges[2]).strftime("%d %b") == "01 Mar"
    assert ax_cost.get_ylabel() == "cost per calendar month"


def test_funnel_legend_lists_the_top_of_the_stack_first():
    fig = plot_funnel(_timeseries())
    labels = [t.get_text() for t in fig.axes[0].get_legend().get_texts()]
    assert labels == [s.replace("_", " ") for s in reversed(STAGES)]


def _no_overlap(fig, texts) -> None:
    fig.canvas.draw()
    renderer = fig.canvas.get_renderer()
    boxes = [t.get_window_extent(renderer) for t in texts]
    for i in range(len(boxes)):
        for j in range(i + 1, len(boxes)):
            assert not boxes[i].overlaps(boxes[j]), (texts[i].get_text(), texts[j].get_text())


def _roi_result(payback: dict) -> SimpleNamespace:
    dates = pd.date_range("2026-01-01", periods=DAYS, freq="D")
    rows = []
    for function in ("marketing", "sales"):
        roi = np.linspace(-1, 0.5, DAYS)
        for quantity, values in (("roi", roi), ("daily_incremental_gross_profit_usd", np.full(DAYS, 100.0)),
                                 ("cost_usd", np.cumsum(np.full(DAYS, 50.0)))):
            rows.append(pd.DataFrame({"function": function, "quantity": quantity, "date": dates,
                                      "mean": values, "low": values, "high": values}))
    return SimpleNamespace(timeline=pd.concat(rows, ignore_index=True), payback=payback)


def test_roi_payback_days_are_in_the_legend_not_overlapping_labels():
    results = {
        "a": _roi_result({"marketing": {"mean": 80}, "sales": {"mean": 81}}),
        "b": _roi_result({"marketing": {"mean": 82}, "sales": {"mean": None}}),
    }
    fig = plot_roi(results)
    top = fig.axes[0]
    assert [t.get_text() for t in top.get_legend().get_texts()] == ["a: payback day 80", "b: payback day 82"]
    assert [t.get_text() for t in fig.axes[1].get_legend().get_texts()] == ["a: payback day 81", "b: payback never"]
    for ax in fig.axes:
        _no_overlap(fig, [t for t in ax.texts if t.get_text()])
    # The bottom row: one step per calendar month (January to April).
    values = fig.axes[2].patches[0].get_data().values
    assert values.tolist() == [3100, 2800, 3100, 3000]


def test_response_curve_star_does_not_hide_a_reps_label():
    shares = np.linspace(0, 1, 11)
    profit = 1e6 - 2e6 * (shares - 0.4) ** 2
    curve = pd.DataFrame({"marketing_share": shares, "profit_mean": profit, "profit_low": profit - 2e5,
                          "profit_high": profit + 2e5, "reps": np.arange(10, -1, -1)})
    best = curve.iloc[4].to_dict()
    split = SimpleNamespace(curve=curve, best=best, total_budget_usd=1.2e6, replications=2,
                            scenario=SimpleNamespace(name="baseline", time=SimpleNamespace(horizon_days=365)))
    fig = plot_response_curve(split)
    ax = fig.axes[0]
    fig.canvas.draw()
    renderer = fig.canvas.get_renderer()
    labels = [t for t in ax.texts if t.get_gid() == "reps-label"]
    assert len(labels) == len(curve)
    # The star: 16 points across, centred on the best point.
    x, y = ax.transData.transform((best["marketing_share"], best["profit_mean"]))
    half = 16 / 2 * fig.dpi / 72
    star = matplotlib.transforms.Bbox.from_extents(x - half, y - half, x + half, y + half)
    for label in labels:
        assert not label.get_window_extent(renderer).overlaps(star), label.get_text()
