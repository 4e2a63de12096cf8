"""KPIs per function, as named functions in one place.

``summarize`` turns one replication's tables into a nested dict ``{marketing, sales,
total, relationship}``; ``aggregate`` turns several into mean and 95% interval of the mean
(Student t over replications).
"""

from __future__ import annotations

from collections import Counter
from typing import Any, Sequence

import numpy as np

import pandas as pd

from sim.running.statistics import mean_interval

__all__ = [
    "LOSS_REASONS", "QUARTER_DAYS", "YEAR_DAYS", "aggregate", "annual_logo_churn", "loss_reasons", "magic_number",
    "revenue_retention", "summarize",
]

QUARTER_DAYS = 91
YEAR_DAYS = 365


def _ratio(num: float, den: float) -> float | None:
    return float(num) / float(den) if den else None


#: Engine loss causes (``losses.csv``) by the reported reason. ``price``: the negotiation
#: ended without a deal, which happens exactly when the seller's floor is above the buyer's
#: reservation price (no zone of agreement). ``no_decision``: the buyer went quiet before
#: agreeing (``stall_rate``) and the deal ran out at the deadline. ``stale`` leads are counted
#: apart (they never became opportunities).
LOSS_REASONS = {"competitor": "competitor", "no_agreement": "price", "no_decision": "no_decision", "rep_left": "rep_left"}


def loss_reasons(losses: pd.DataFrame, stale_by_segment: dict[str, int]) -> dict[str, float | None]:
    """Losses per reason (competitor, price, no_decision, rep_left, stale): count and share of all losses,
    overall and per segment (``losses_<reason>``, ``losses_<reason>_share``,
    ``losses_<reason>_<segment>``, ``losses_<reason>_share_<segment>``).

    Shares are of the losses (stale leads included) in the same scope; ``None`` where there
    were none. An unknown cause raises: a new cause needs a reported reason.
    """
    segment, cause = (losses[column].to_numpy(dtype=object) for column in ("segment", "cause"))  # (plain strings: faster to count)
    unknown = set(cause) - set(LOSS_REASONS)
    if unknown:
        raise ValueError(f"loss causes without a reported reason: {sorted(unknown)}")
    reasons = [*dict.fromkeys(LOSS_REASONS.values()), "stale"]
    segments = list(stale_by_segment)
    counts = {seg: dict.fromkeys(reasons, 0) for seg in segments}
    for (seg, how), n in Counter(zip(segment, cause)).items():
        counts[seg][LOSS_REASONS[how]] += n
    for seg, n in stale_by_segment.items():
        counts[seg]["stale"] = int(n)
    out: dict[str, float | None] = {}
    total = {r: sum(counts[seg][r] for seg in segments) for r in reasons}
    all_losses = sum(total.values())
    for r in reasons:
        out[f"losses_{r}"] = float(total[r])
        out[f"losses_{r}_share"] = _ratio(total[r], all_losses)
    for seg in segments:
        seg_losses = sum(counts[seg].values())
        for r in reasons:
            out[f"losses_{r}_{seg}"] = float(counts[seg][r])
            out[f"losses_{r}_share_{seg}"] = _ratio(counts[seg][r], seg_losses)
    return out


def annual_logo_churn(timeseries: pd.DataFrame) -> float | None:
    """Mean over whole years of the run of customers lost in the year / customers at its start
    (the published definition); ``None`` for a run shorter than a year or with no customers."""
    years = len(timeseries) // YEAR_DAYS
    customers = timeseries["customer"].to_numpy(dtype=float)
    churned = timeseries["churned_customers"].to_numpy(dtype=float)
    rates = [
        churned[k * YEAR_DAYS:(k + 1) * YEAR_DAYS].sum() / customers[k * YEAR_DAYS]
        for k in range(years)
        if customers[k * YEAR_DAYS] > 0
    ]
    return float(np.mean(rates)) if rates else None


def magic_number(timeseries: pd.DataFrame) -> float | None:
    """Mean over quarters of the net new ARR of the quarter / S&M cost of the quarter before.

    The usual definition, (change in quarterly revenue x 4) / S&M of the prior quarter, with
    quarterly revenue = ARR / 4: the x 4 and the / 4 cancel. Quarters are 91-day blocks from
    the start; the first has no quarter before it. ``None`` with fewer than two whole quarters.
    """
    quarters = len(timeseries) // QUARTER_DAYS
    if quarters < 2:
        return None
    arr = timeseries["annual_recurring_revenue"].to_numpy(dtype=float)[: quarters * QUARTER_DAYS]
    cost = (timeseries["marketing_cost"] + timeseries["sales_cost"]).to_numpy(dtype=float)
    cost = cost[: quarters * QUARTER_DAYS].reshape(quarters, QUARTER_DAYS).sum(axis=1)
    arr_end = arr.reshape(quarters, QUARTER_DAYS)[:, -1]
    net_new = np.diff(arr_end)
    ratios = [n / c for n, c in zip(net_new, cost[:-1]) if c > 0]
    return float(np.mean(ratios)) if ratios else None


def revenue_retention(timeseries: pd.DataFrame) -> tuple[float | None, float | None]:
    """Net and gross revenue retention over the run, from the annual renewals.

    NRR = (ARR renewed + ARR added by expansions) / ARR that came up for renewal; GRR = ARR
    renewed / ARR that came up (churned contracts lost, expansions not counted). ``(None,
    None)`` when nothing came up for renewal: no segment renews annually (the columns are
    absent) or no renewal fell within the run (e.g. shorter than a year).
    """
    if "renewal_arr" not in timeseries:
        return None, None
    due = float(timeseries["renewal_arr"].sum())
    renewed = float(timeseries["renewed_arr"].sum())
    return _ratio(renewed + float(timeseries["expansion_arr"].sum()), due), _ratio(renewed, due)


def summarize(
    timeseries: pd.DataFrame,
    deals: pd.DataFrame,
    *,
    population: int,
    channels: list[str],
    quota_usd: float,
    won_value_by_reps_usd: float,
    won_by_count: dict[str, int],
    churned_by_won: dict[str, int],
    gross_margin: float,
    subscription_segments: Sequence[str] = (),
    losses: pd.DataFrame | None = None,
    stale_by_segment: dict[str, int] | None = None,
) -> dict[str, dict[str, Any]]:
    """KPIs of one replication, by function.

    ``subscription_segments``: segments whose deal price is a yearly contract (new ARR).
    The keys ``sales.quota_attainment``, ``sales.win_rate``, ``sales.cycle_days``,
    ``sales.stale_lead_share``, ``marketing.sourced_pipeline_share``,
    ``total.cac_payback_months``, ``total.ltv_to_cac``, ``total.sm_cost_per_new_arr``,
    ``total.annual_logo_churn`` and ``total.magic_number`` are the ones published B2B SaaS
    benchmarks report (``sim.analysis.benchmarks``); ``total.net_revenue_retention`` and
    ``total.gross_revenue_retention`` come from annual renewals (:func:`revenue_retention`). With ``losses`` (one row per lost
    opportunity: segment, cause) and ``stale_by_segment``, ``sales`` also has the losses per
    reason and segment (:func:`loss_reasons`).
    """
    ts = timeseries
    last = ts.iloc[-1]
    spend = float(sum(ts[f"spend_{c}"].sum() for c in channels))
    marketing_cost = float(ts["marketing_cost"].sum())
    impressions = float(ts["impressions"].sum())
    reach = float(last["reach"])
    clicks = float(ts["clicks"].sum())
    marketing_leads = float(ts["marketing_leads"].sum())
    leads = float(ts["leads"].sum())
    marketing = {
        "spend_usd": spend,
        "cost_usd": marketing_cost,
        "impressions": impressions,
        "reach": reach,
        "frequency": _ratio(impressions, reach),
        "clicks": clicks,
        "ctr": _ratio(clicks, impressions),
        "leads": marketing_leads,
        "organic_leads": leads - marketing_leads,
        "cost_per_lead_usd": _ratio(marketing_cost, marketing_leads),
        "awareness_share": 1.0 - float(last["unaware"]) / population,
        "inbound_opportunities": float(ts["opportunities"].sum() - ts["outbound_opportunities"].sum()),
    }
    # Opportunities from inbound leads, in the proportion marketing's leads are of all leads.
    opportunities = float(ts["opportunities"].sum())
    marketing_share_of_leads = _ratio(marketing_leads, leads) or 0.0
    marketing["sourced_pipeline_share"] = _ratio(
        marketing["inbound_opportunities"] * marketing_share_of_leads, opportunities
    )
    for c in channels:
        marketing[f"spend_{c}_usd"] = float(ts[f"spend_{c}"].sum())
        marketing[f"leads_{c}"] = float(ts[f"leads_{c}"].sum())

    won_by = deals["won_by"].to_numpy(dtype=object)  # (plain strings: faster to compare than the column)
    rep_deals = deals[(won_by == "inbound_rep") | (won_by == "outbound_rep")]
    won = float(ts["deals_won_sales"].sum())
    lost = float(ts["deals_lost"].sum())
    sales = {
        "cost_usd": float(ts["sales_cost"].sum()),
        "salaries_usd": float(ts["sales_salaries"].sum()),
        "commissions_usd": float(ts["sales_commissions"].sum()),
        # Optional ledger lines (absent from the timeseries when the scenario has none): 0.
        "overhead_usd": float(ts["sales_overhead"].sum()) if "sales_overhead" in ts else 0.0,
        "managers_usd": float(ts["sales_managers"].sum()) if "sales_managers" in ts else 0.0,
        "sdrs_usd": float(ts["sales_sdrs"].sum()) if "sales_sdrs" in ts else 0.0,
        "headcount_end": float(last["headcount"]),
        "leads_worked": float(ts["leads_worked"].sum()),
        "stale_leads": float(ts["stale_leads"].sum()),
        "outbound_calls": float(ts["outbound_calls"].sum()),
        "opportunities": float(ts["opportunities"].sum()),
        "outbound_opportunities": float(ts["outbound_opportunities"].sum()),
        "deals_won": won,
        "deals_lost": lost,
        "win_rate": _ratio(won, won + lost),
        "avg_deal_size_usd": float(rep_deals["price_usd"].mean()) if len(rep_deals) else None,
        "avg_discount": float(rep_deals["discount"].mean()) if len(rep_deals) else None,
        "cycle_days": float(rep_deals["cycle_days"].median()) if len(rep_deals) else None,  # median
        "quota_attainment": _ratio(won_value_by_reps_usd, quota_usd),
        "stale_lead_share": _ratio(float(ts["stale_leads"].sum()), leads),
        "self_serve_deals": float(ts["deals_won_self_serve"].sum()),
        "lead_to_customer": _ratio(
            float(np.count_nonzero((won_by == "inbound_rep") | (won_by == "self_serve"))), leads
        ),
    }

    if losses is not None and stale_by_segment is not None:
        sales.update(loss_reasons(losses, stale_by_segment))

    revenue = float(ts["revenue"].sum())
    gross_profit = float(ts["gross_profit"].sum())
    cost = marketing_cost + sales["cost_usd"]
    new_customers = float(len(deals))
    customer_days = float(ts["customer"].sum())
    churned = float(ts["churned_customers"].sum())
    monthly_revenue_per_customer = _ratio(revenue, customer_days / 30.4375)
    logo_churn = annual_logo_churn(ts)
    # Monthly churn for LTV: from the yearly logo churn when the run has a whole year (with
    # annual renewals customers in their first contract year cannot churn, so churn per
    # customer-month would understate it); per customer-month otherwise.
    monthly_churn = logo_churn / 12.0 if logo_churn is not None else _ratio(churned, customer_days / 30.4375)
    cac = _ratio(cost, new_customers)
    subscribed = np.isin(deals["segment"].to_numpy(dtype=object), list(subscription_segments))
    new_arr = float(deals["price_usd"][subscribed].sum())
    nrr, grr = revenue_retention(ts)
    ltv = None
    if monthly_revenue_per_customer is not None and monthly_churn:
        ltv = monthly_revenue_per_customer * gross_margin / monthly_churn
    total = {
        "revenue_usd": revenue,
        "gross_profit_usd": gross_profit,
        "cost_usd": cost,
        "contribution_usd": gross_profit - cost,
        "roi": _ratio(gross_profit - cost, cost),
        "customers": float(last["customer"]),
        "new_customers": new_customers,
        "churned_customers": churned,
        "monthly_churn": monthly_churn,
        "cac_usd": cac,
        "ltv_usd": ltv,
        "ltv_to_cac": _ratio(ltv, cac) if ltv is not None and cac else None,
        "cac_payback_months": _ratio(cac, monthly_revenue_per_customer * gross_margin)
        if cac is not None and monthly_revenue_per_customer
        else None,
        "annual_recurring_revenue_usd": float(last["annual_recurring_revenue"]),
        "new_arr_usd": new_arr,
        "sm_cost_per_new_arr": _ratio(cost, new_arr),
        "annual_logo_churn": logo_churn if logo_churn is not None else _ratio(churned, customer_days / 365.0),
        "magic_number": magic_number(ts),
        "net_revenue_retention": nrr,
        "gross_revenue_retention": grr,
    }
    relationship = {}
    for how, count in won_by_count.items():
        if how == "none" or not count:
            continue
        relationship[f"won_{how}"] = float(count)
        relationship[f"churn_share_{how}"] = churned_by_won.get(how, 0) / count
    return {"marketing": marketing, "sales": sales, "total": total, "relationship": relationship}


def aggregate(summaries: list[dict[str, dict[str, Any]]]) -> dict[str, dict[str, Any]]:
    """Per KPI, mean and 95% interval over replications."""
    out: dict[str, dict[str, Any]] = {}
    for section in summaries[0]:
        keys = dict.fromkeys(k for s in summaries for k in s[section])
        out[section] = {k: mean_interval([s[section].get(k) for s in summaries]) for k in keys}
    return out
