"""Known answers the model is checked against.

- :func:`engine_agreement`: the fast engine and the one-agent-per-customer reference model
  (:mod:`sim.engine.reference`) run the same scenario over many seeds; per metric, the
  difference of the two means in standard errors.
- :func:`bass_scenario`: the Bass (1969) diffusion limit written with ordinary scenario keys
  (no reps, advertising as a constant adoption hazard ``p``, fully mixed word of mouth as
  imitation ``q``), and :func:`bass_cumulative` / :func:`bass_peak_time`, its closed form.
"""

from __future__ import annotations

import calendar
import datetime as dt
import math
from typing import Sequence

import numpy as np
import pandas as pd

from sim.engine.customers import STAGES
from sim.scenario.schema import Scenario

__all__ = [
    "bass_cumulative",
    "bass_peak_time",
    "bass_scenario",
    "adoption_curve",
    "engine_agreement",
    "engine_metrics",
    "PUBLISHED_BASS",
]

#: Published Bass coefficients (per year; literature averages, see docs/anchors).
PUBLISHED_BASS = {
    "cable_tv": (0.021, 0.270),
    "calculator": (0.0014, 0.438),
    "cd_player": (0.0017, 0.399),
    "cell_phone": (0.0047, 0.506),
    "radio": (0.0103, 0.454),
    "telephone": (0.0075, 0.082),
    "tractor": (0.0072, 0.118),
}


# ---------------------------------------------------------------------- engine agreement
def engine_metrics(timeseries: pd.DataFrame, deals: pd.DataFrame, checkpoints: Sequence[int]) -> pd.DataFrame:
    """One row per replication: stage counts at ``checkpoints``, and totals over the run."""
    rows = []
    for rep, ts in timeseries.groupby("replication", sort=True):
        ts = ts.set_index("step")
        row: dict[str, float] = {"replication": rep}
        for day in checkpoints:
            for stage in STAGES:
                row[f"{stage}@{day}"] = float(ts.at[day, stage])
        for column in ("noticed", "clicks", "leads", "opportunities", "deals_won", "deals_won_sales",
                       "deals_won_self_serve", "deals_lost", "churned_customers", "win_backs", "revenue"):
            row[f"total_{column}"] = float(ts[column].sum())
        mine = deals[deals["replication"] == rep]
        row["average_price_usd"] = float(mine["price_usd"].mean()) if len(mine) else np.nan
        rows.append(row)
    return pd.DataFrame(rows).set_index("replication")


def engine_agreement(
    scenario: Scenario,
    replications: int = 40,
    seed: int = 0,
    checkpoints: Sequence[int] | None = None,
    workers: int | None = 1,
) -> pd.DataFrame:
    """Run ``scenario`` on both engines (``replications`` seeds each) and compare the means.

    Returns one row per metric: ``fast``, ``reference`` (means), ``standard_error`` of their
    difference (Welch: ``sqrt(s_f^2/n_f + s_r^2/n_r)``) and ``z`` (difference / standard
    error; 0 when both are constant and equal, inf when constant and different).
    """
    from sim.running.run import run

    horizon = scenario.time.horizon_days
    if checkpoints is None:
        checkpoints = sorted({horizon // 6, horizon // 2, horizon - 1})
    tables = {}
    for engine in ("fast", "reference"):
        result = run(scenario, seed=seed, replications=replications, engine=engine, workers=workers)
        tables[engine] = engine_metrics(result.timeseries, result.deals, checkpoints)
    fast, ref = tables["fast"], tables["reference"]
    rows = []
    for metric in fast.columns:
        a, b = fast[metric].dropna(), ref[metric].dropna()
        if len(a) < 2 or len(b) < 2:
            continue
        se = math.sqrt(a.var(ddof=1) / len(a) + b.var(ddof=1) / len(b))
        diff = a.mean() - b.mean()
        z = diff / se if se > 0 else (0.0 if diff == 0 else math.inf)
        rows.append({"metric": metric, "fast": a.mean(), "reference": b.mean(), "standard_error": se, "z": z,
                     "n_fast": len(a), "n_reference": len(b)})
    return pd.DataFrame(rows).set_index("metric")


# ---------------------------------------------------------------------- the Bass limit
def bass_cumulative(t: np.ndarray | float, p: float, q: float) -> np.ndarray:
    """Bass cumulative adoption ``F(t) = (1 - e^{-(p+q)t}) / (1 + (q/p) e^{-(p+q)t})`` (t in years)."""
    t = np.asarray(t, dtype=float)
    e = np.exp(-(p + q) * t)
    return (1.0 - e) / (1.0 + (q / p) * e)


def bass_peak_time(p: float, q: float) -> float:
    """Peak of the adoption rate, ``t* = ln(q/p) / (p+q)`` years (0 when q <= p)."""
    return math.log(q / p) / (p + q) if q > p else 0.0


def bass_scenario(
    p: float,
    q: float,
    population: int = 100_000,
    years: float = 10.0,
    start_date: dt.date = dt.date(2026, 1, 1),
    network: str = "mixed",
) -> Scenario:
    """The Bass diffusion model as an ordinary marketsim scenario.

    - innovation ``p`` (per year): one channel whose impressions give every unaware customer
      the daily hazard ``p/365`` of noticing (and with ``memory_gain = 1``, full memory);
      its schedule spends ``days in month x daily spend``, so the daily spend is constant;
    - imitation ``q``: word of mouth ``network = "mixed"`` (everybody hears from everybody)
      with ``awareness_rate = q/365`` and ``brand_effect = 1``: an unaware customer's daily
      hazard is ``q/365 x customers / population``;
    - an aware customer with full memory considers, asks for contact and buys online at list
      price the next moments of the same day (all rates 1, reservation far above list), so
      adoption is awareness; no reps, no churn, no forgetting, no win-back.

    ``network = "small_world"`` keeps everything else and puts word of mouth on a sparse
    network (degree 10), where diffusion is slower.
    """
    if not (p > 0 and q >= 0):
        raise ValueError(f"p, q: ({p!r}, {q!r}) are not allowed: need p > 0 and q >= 0")
    horizon = int(round(years * 365))
    # Exposure: lambda impressions per customer per day, noticed with brand_effect = 1:
    # P(notice) = 1 - exp(-lambda) = p/365  =>  lambda = -ln(1 - p/365).
    per_customer = -math.log1p(-p / 365.0)
    cpm = 10.0
    daily_spend = per_customer * population * cpm / 1000.0
    months = math.ceil(years * 12) + 1
    schedule = []
    for m in range(months):
        year, month = start_date.year + (start_date.month - 1 + m) // 12, (start_date.month - 1 + m) % 12 + 1
        schedule.append(daily_spend * calendar.monthrange(year, month)[1])
    data = {
        "name": f"bass_p{p:g}_q{q:g}",
        "description": f"Bass diffusion limit: innovation p={p:g}/year by advertising, imitation q={q:g}/year "
                       f"by fully mixed word of mouth; no reps, no churn.",
        "time": {"horizon_days": horizon, "start_date": start_date.isoformat()},
        "market": {
            "population": population,
            "list_price_usd": 1000.0,
            "brand_memory_half_life_days": 1e9,
            "brand_price_premium": 0.0,
            "brand_loyalty": 0.0,
            "discount_churn": 0.0,
            "word_of_mouth": {"network": network, "degree": 10, "rewire": 0.1, "awareness_rate": q / 365.0,
                              "consider_rate": 0.0, "brand_effect": 1.0},
            "segments": {
                "everyone": {
                    "share": 1.0, "buying": "self_serve", "purchase": "subscription",
                    "reservation_price_usd": 1e9, "reservation_price_sigma": 0.0,
                    "consider_rate": 1.0, "lead_rate": 1.0, "lose_interest_rate": 0.0, "forget_rate": 0.0,
                    "self_serve_rate": 1.0, "monthly_churn": 0.0, "winback_rate": 0.0,
                }
            },
            "initial_customers": 0.0,
            "initial_awareness": 0.0,
        },
        "channels": {
            "advertising": {
                "kind": "brand", "monthly_budget_usd": 0.0, "schedule_usd": schedule, "cpm_usd": cpm,
                "brand_effect": 1.0, "memory_gain": 1.0, "ctr": 0.0, "click_to_lead": 0.0,
            }
        },
        "marketing": {"team_monthly_cost_usd": 0.0},
        "sales": {"headcount": 0, "outbound_calls_per_day": 0.0, "annual_salary_usd": 0.0},
        "economics": {"gross_margin": 1.0},
    }
    return Scenario.from_dict(data, source="bass_scenario")


def adoption_curve(timeseries: pd.DataFrame, population: int) -> pd.DataFrame:
    """Cumulative adoption (share of the population that are customers) per day, per replication."""
    out = timeseries[["replication", "step", "customer"]].copy()
    out["adoption"] = out["customer"] / population
    out["years"] = (out["step"] + 1) / 365.0  # the state after day ``step``
    return out[["replication", "step", "years", "adoption"]]


def plot_bass_fit(curves: dict[str, tuple[float, float, pd.DataFrame]], sparse: tuple[str, pd.DataFrame] | None = None,
                  fig=None):
    """Simulated cumulative adoption (dots) against the closed form F(t) (lines), one colour per (p, q).

    ``curves`` maps a label to ``(p, q, adoption_curve(...))``; ``sparse`` optionally adds one
    small-world run ``(label of its (p, q), curve)`` against the same closed form.
    """
    import matplotlib.pyplot as plt

    fig = fig or plt.figure(figsize=(8, 4.8))
    ax = fig.add_subplot(1, 1, 1) if not fig.axes else fig.axes[0]
    colors = plt.rcParams["axes.prop_cycle"].by_key()["color"]
    for k, (label, (p, q, curve)) in enumerate(curves.items()):
        t = curve["years"].to_numpy()
        closed = bass_cumulative(t, p, q)
        gap = float(np.abs(curve["adoption"].to_numpy() - closed).max())
        ax.plot(t, closed, color=colors[k], lw=1.5, label=f"{label} (p={p:g}, q={q:g}): F(t)")
        step = max(1, len(t) // 60)
        ax.plot(t[::step], curve["adoption"].to_numpy()[::step], "o", ms=3, color=colors[k],
                label=f"  simulated, mixed; largest gap {gap:.4f}")
        ax.axvline(bass_peak_time(p, q), color=colors[k], ls=":", lw=0.8)
    if sparse is not None:
        label, curve = sparse
        p, q, _ = curves[label]
        ax.plot(curve["years"], curve["adoption"], "--", color="black", lw=1.2,
                label=f"  {label} on a small-world network (degree 10): slower")
    ax.set_xlabel("years")
    ax.set_ylabel("cumulative adoption (share of the market)")
    ax.set_title("The Bass limit: marketsim (100k customers, daily steps) vs the closed form")
    ax.set_ylim(0, 1)
    ax.legend(fontsize=7, loc="lower right")
    ax.grid(alpha=0.3)
    return fig
