"""Classroom experiments: the article's sales-versus-marketing table as simulation runs.

Each function runs (or reads) the simulation and returns a small tidy table that a chart in
:mod:`sim.plots.teaching` draws. The notebooks in ``notebooks/`` call these functions and
hold no model code. Every run goes through :func:`sim.run` with an explicit seed, so the
same seed gives the same tables; variants of one scenario share common random numbers.
"""

from __future__ import annotations

from typing import Any

import numpy as np
import pandas as pd

from sim.engine.customers import STAGES
from sim.running.statistics import mean_interval
from sim.running.run import RunResult, run
from sim.scenario.schema import Scenario

__all__ = [
    "function_of",
    "touches_by_stage",
    "touch_coverage",
    "channel_table",
    "pick_journey",
    "journey_table",
    "run_variants",
    "monthly",
    "what_each_function_moves",
    "contacts",
    "tactic_comparison",
    "switch_off_at",
    "churn_by_acquisition",
    "first_and_last_touch",
    "kpi_tables",
    "lead_handling",
    "cost_composition",
]

#: Switches with ordinary scenario keys: all channel spend and the marketing team stop / no reps.

#: Stages before a customer becomes a lead (marketing's ground) and from the lead on (sales').
PRE_LEAD = ("unaware", "aware", "considering")


def function_of(touchpoint: str) -> str:
    """'sales', 'organic' or 'marketing' (any channel)."""
    return touchpoint if touchpoint in ("sales", "organic") else "marketing"


# ---------------------------------------------------------------------- journeys (notebook 1)
def touches_by_stage(journeys: pd.DataFrame) -> pd.DataFrame:
    """Marketing and sales touches of the traced customers, by the stage they were in.

    Rows: stages in funnel order; columns: ``marketing``, ``sales`` (counts of touch events).
    """
    touches = journeys[journeys["event"].isin(["marketing_touch", "sales_touch"])]
    table = pd.crosstab(touches["from_stage"], touches["event"].str.replace("_touch", "", regex=False))
    table = table.reindex(index=[s for s in STAGES], columns=["marketing", "sales"], fill_value=0).fillna(0)
    table.index.name = "stage when touched"
    return table.astype(int)


def touch_coverage(journeys: pd.DataFrame) -> pd.DataFrame:
    """Focus: of the traced customers, how many each function touched at all, and how often.

    Rows: marketing, sales; columns: share of traced customers touched at least once, and
    touch events per customer touched.
    """
    keys = ["replication", "customer"] if "replication" in journeys else ["customer"]
    n = len(journeys[keys].drop_duplicates()) if len(journeys) else 0
    rows = {}
    for who in ("marketing", "sales"):
        t = journeys[journeys["event"] == f"{who}_touch"]
        touched = len(t[keys].drop_duplicates())
        rows[who] = {
            "share_of_customers_touched": touched / n if n else np.nan,
            "touch_events_per_customer_touched": len(t) / touched if touched else np.nan,
        }
    return pd.DataFrame(rows).T


def channel_table(result: RunResult) -> pd.DataFrame:
    """Activities: marketing's channels, what kind of work each is, spend and leads."""
    s = _plain(result.summary)["marketing"]
    rows = {}
    for name, ch in result.scenario.channels.items():
        rows[name] = {
            "kind": ch.kind.value,
            "spend_usd": s.get(f"spend_{name}_usd"),
            "leads": s.get(f"leads_{name}"),
            "cost_per_lead_usd": s[f"spend_{name}_usd"] / s[f"leads_{name}"] if s.get(f"leads_{name}") else np.nan,
        }
    return pd.DataFrame(rows).T


def pick_journey(journeys: pd.DataFrame) -> int:
    """A traced customer whose journey shows both functions: touched by marketing and by
    sales and won, if there is one; else the customer with the most events (first replication)."""
    journeys = _first_replication(journeys)
    per = journeys.groupby("customer")["event"]
    has = per.agg(lambda e: {"marketing_touch", "sales_touch", "deal"} <= set(e))
    candidates = has[has].index
    if len(candidates) == 0:
        has = per.agg(lambda e: {"marketing_touch", "sales_touch"} <= set(e))
        candidates = has[has].index
    if len(candidates) == 0:
        return int(per.size().idxmax())
    sizes = per.size().loc[candidates]
    return int(sizes.idxmax())


def journey_table(journeys: pd.DataFrame, customer: int) -> pd.DataFrame:
    """One customer's journey as a readable table: date, who acted, what happened (first replication).

    ``who`` and ``what`` are for reading; ``event``, ``from_stage``, ``to_stage`` and ``price_usd``
    carry the same events as data.
    """
    journeys = _first_replication(journeys)
    j = journeys[journeys["customer"] == customer].copy()

    def who(row) -> str:
        if row["event"] == "marketing_touch":
            return "marketing"
        if row["event"] == "sales_touch":
            return "sales"
        if row["event"] == "deal":
            return "sales" if "rep" in str(row.get("detail", "")) else "deal"
        return ""

    def what(row) -> str:
        if row["event"] == "stage":
            return f"{row['from_stage']} -> {row['to_stage']} ({row['detail']})"
        if row["event"] == "deal":
            return f"buys for ${row['price_usd']:,.0f}"
        return f"touch: {row['detail']} (while {row['from_stage']})"

    return pd.DataFrame(
        {
            "day": j["step"].to_numpy(),
            "date": j["date"].to_numpy(),
            "who": [who(r) for _, r in j.iterrows()],
            "what": [what(r) for _, r in j.iterrows()],
            # The same events as data, for charts: never parse the display strings.
            "event": j["event"].to_numpy(),
            "from_stage": j["from_stage"].to_numpy(),
            "to_stage": j["to_stage"].to_numpy(),
            "price_usd": j["price_usd"].to_numpy(),
        }
    )


# ---------------------------------------------------------------------- running variants
def run_variants(
    scenario: Scenario, variants: dict[str, dict[str, Any]], seed: int = 0, replications: int = 1, workers: int = 1
) -> dict[str, RunResult]:
    """Run ``scenario`` with each dict of overrides (an empty dict: as is), same seed."""
    return {
        name: run(scenario.with_overrides(overrides) if overrides else scenario, seed=seed,
                  replications=replications, workers=workers)
        for name, overrides in variants.items()
    }


def monthly(ts: pd.DataFrame, columns: list[str]) -> pd.DataFrame:
    """Monthly sums of ``columns`` (mean over replications), indexed by month start."""
    df = ts.copy()
    df["month"] = pd.to_datetime(df["date"]).dt.to_period("M").dt.to_timestamp()
    per_rep = df.groupby(["replication", "month"])[columns].sum()
    return per_rep.groupby("month").mean()


# ---------------------------------------------------------------------- the table, row by row
def what_each_function_moves(results: dict[str, RunResult]) -> pd.DataFrame:
    """Goal: the outputs each function is responsible for, with and without it.

    ``results`` maps variant names (e.g. 'both', 'no marketing', 'no sales') to runs.
    Rows: variants; columns: awareness share, leads, opportunities, deals won by reps, self-serve
    deals, revenue.
    """
    rows = {}
    for name, r in results.items():
        s = _plain(r.summary)
        rows[name] = {
            "awareness_share": s["marketing"]["awareness_share"],
            "leads": s["marketing"]["leads"] + s["marketing"]["organic_leads"],
            "marketing_leads": s["marketing"]["leads"],
            "opportunities": s["sales"]["opportunities"],
            "deals_won_by_reps": s["sales"]["deals_won"],
            "self_serve_deals": s["sales"]["self_serve_deals"],
            "revenue_usd": s["total"]["revenue_usd"],
        }
    return pd.DataFrame(rows).T


def contacts(result: RunResult) -> pd.DataFrame:
    """Communication: each function's contacts, what they cost and how many make a result.

    Marketing's contacts are impressions (mass, indirect); sales' are conversations with one
    buyer (leads worked and outbound calls). Results: marketing leads; deals won by reps.
    """
    s = _plain(result.summary)
    m, sa = s["marketing"], s["sales"]
    conversations = sa["leads_worked"] + sa["outbound_calls"]
    rows = {
        "marketing": {
            "contacts": m["impressions"],
            "kind of contact": "impression (one ad, seen by one person)",
            "cost_usd": m["cost_usd"],
            "cost per contact (USD)": m["cost_usd"] / m["impressions"] if m["impressions"] else np.nan,
            "leads or deals": m["leads"],
            "contacts per lead or deal": m["impressions"] / m["leads"] if m["leads"] else np.nan,
        },
        "sales": {
            "contacts": conversations,
            "kind of contact": "conversation (one rep, one buyer)",
            "cost_usd": sa["cost_usd"],
            "cost per contact (USD)": sa["cost_usd"] / conversations if conversations else np.nan,
            "leads or deals": sa["deals_won"],
            "contacts per lead or deal": conversations / sa["deals_won"] if sa["deals_won"] else np.nan,
        },
    }
    return pd.DataFrame(rows)


def tactic_comparison(scenario: Scenario, seed: int = 0, tactics=("boulware", "linear", "conceder"),
                      replications: int = 1, workers: int = 1) -> tuple[pd.DataFrame, pd.DataFrame]:
    """Activities: the reps' negotiation tactic changes price, discount and win rate.

    Returns (one row per tactic: win rate, average discount, deal size, revenue; all deals
    won by reps with their tactic, for a distribution of discounts).
    """
    results = run_variants(scenario, {t: {"sales.tactic": t} for t in tactics}, seed, replications, workers)
    rows, deals = {}, []
    for t, r in results.items():
        s = _plain(r.summary)
        rows[t] = {
            "win_rate": s["sales"]["win_rate"],
            "avg_discount": s["sales"]["avg_discount"],
            "avg_deal_size_usd": s["sales"]["avg_deal_size_usd"],
            "cycle_days": s["sales"]["cycle_days"],
            "deals_won_by_reps": s["sales"]["deals_won"],
            "revenue_usd": s["total"]["revenue_usd"],
        }
        d = r.deals[r.deals["won_by"].isin(["inbound_rep", "outbound_rep"])][["discount", "price_usd", "segment"]].copy()
        d["tactic"] = t
        deals.append(d)
    return pd.DataFrame(rows).T, pd.concat(deals, ignore_index=True)


def switch_off_at(scenario: Scenario, month: int, seed: int = 0, replications: int = 1,
                  workers: int = 1) -> dict[str, RunResult]:
    """Scope: the same market with marketing, or the sales team, switched off at ``month``."""
    return run_variants(
        scenario,
        {
            "both functions": {},
            f"marketing off from month {month}": {"marketing.end_month": month},
            f"sales off from month {month}": {"sales.plan": [{"month": month, "headcount": 0}]},
        },
        seed, replications, workers,
    )


def churn_by_acquisition(result: RunResult) -> pd.DataFrame:
    """Relationship: share of customers who churned, by how they were won.

    With several replications: mean and 95% interval over replications. Customers won at
    the start of the run (``initial``) are left out: they were not won by either function.
    """
    rows = {}
    for how in ("self_serve", "inbound_rep", "outbound_rep"):
        shares = [s["relationship"].get(f"churn_share_{how}") for s in result.replication_summaries]
        won = [s["relationship"].get(f"won_{how}", 0.0) for s in result.replication_summaries]
        interval = mean_interval(shares)
        deals = result.deals[result.deals["won_by"] == how]
        rows[how] = {
            "customers_won": float(np.mean(won)),
            "churn_share": interval["mean"],
            "low": interval["low"],
            "high": interval["high"],
            "avg_discount": float(deals["discount"].mean()) if len(deals) else np.nan,
            "avg_day_won": float(deals["day"].mean()) if len(deals) else np.nan,
        }
    table = pd.DataFrame(rows).T
    table.index.name = "won by"
    return table


def first_and_last_touch(result: RunResult) -> pd.DataFrame:
    """Timing: who touched the customers first, who touched them last before they bought.

    Share of revenue credited to marketing, sales and organic (no touch) by the first-touch
    and by the last-touch rule.
    """
    a = result.attribution[result.attribution["method"].isin(["first_touch", "last_touch"])].copy()
    a["function"] = a["touchpoint"].map(function_of)
    table = a.pivot_table(index="method", columns="function", values="revenue_usd", aggfunc="sum").fillna(0.0)
    table = table.div(table.sum(axis=1), axis=0)
    return table.reindex(columns=["marketing", "sales", "organic"], fill_value=0.0)


def kpi_tables(result: RunResult) -> dict[str, pd.Series]:
    """Metrics: each function's own KPIs, as the function itself would report them."""
    s = _plain(result.summary)
    m, sa = s["marketing"], s["sales"]
    marketing = pd.Series(
        {
            "impressions": m["impressions"],
            "businesses reached": m["reach"],
            "click-through rate": m["ctr"],
            "clicks": m["clicks"],
            "marketing leads": m["leads"],
            "cost per lead (USD)": m["cost_per_lead_usd"],
            "share of the market aware": m["awareness_share"],
        },
        name="marketing",
    )
    sales = pd.Series(
        {
            "opportunities": sa["opportunities"],
            "deals won": sa["deals_won"],
            "win rate": sa["win_rate"],
            "lead-to-customer conversion": sa["lead_to_customer"],
            "average deal size (USD)": sa["avg_deal_size_usd"],
            "average discount": sa["avg_discount"],
            "sales cycle (days)": sa["cycle_days"],
            "quota attainment": sa["quota_attainment"],
            "revenue (USD, all)": s["total"]["revenue_usd"],
        },
        name="sales",
    )
    return {"marketing": marketing, "sales": sales}


def lead_handling(results: dict[str, RunResult]) -> pd.DataFrame:
    """Approach: monthly leads created, leads worked by reps, leads gone stale, outbound
    opportunities, per variant (long table: month, variant, measure, value)."""
    frames = []
    for name, r in results.items():
        m = monthly(r.timeseries, ["marketing_cost", "leads", "leads_worked", "stale_leads", "opportunities",
                                   "outbound_opportunities", "deals_won_sales"])
        m = m.reset_index().melt(id_vars="month", var_name="measure", value_name="value")
        m["variant"] = name
        frames.append(m)
    return pd.concat(frames, ignore_index=True)


def cost_composition(result: RunResult) -> pd.DataFrame:
    """Personnel: what each function's money pays for (people versus media)."""
    s = _plain(result.summary)
    team = s["marketing"]["cost_usd"] - s["marketing"]["spend_usd"]
    table = pd.DataFrame(
        {
            "people (salaries, team)": [team, s["sales"]["salaries_usd"] + s["sales"]["managers_usd"]],
            "overhead (benefits, tools)": [0.0, s["sales"]["overhead_usd"]],
            "commissions": [0.0, s["sales"]["commissions_usd"]],
            "media (channel spend)": [s["marketing"]["spend_usd"], 0.0],
        },
        index=["marketing", "sales"],
    )
    return table


def _first_replication(journeys: pd.DataFrame) -> pd.DataFrame:
    if "replication" not in journeys or journeys.empty:
        return journeys
    return journeys[journeys["replication"] == journeys["replication"].min()]


def _plain(summary: dict) -> dict:
    """A summary with plain numbers (the mean when there are several replications)."""
    return {
        section: {k: (v["mean"] if isinstance(v, dict) else v) for k, v in values.items()}
        for section, values in summary.items()
    }
