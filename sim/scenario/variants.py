"""Changes to a scenario that analyses compare: counterfactuals and lever changes.

The only copy of each. Every variant is an ordinary, validated scenario (built with
``Scenario.with_overrides``), so a variant can be written to TOML and run on its own.
"""

from __future__ import annotations

from typing import Any

import numpy as np

from sim.scenario.schema import ChannelKind, Scenario, ScenarioError

__all__ = [
    "COUNTERFACTUALS",
    "MARGINAL_STEP",
    "NO_MARKETING",
    "NO_SALES",
    "add_reps",
    "apply_levers",
    "counterfactuals",
    "marginal_reps",
    "scale_marketing",
    "with_campaign_burst",
    "without_channel",
]

#: No channel spend and no marketing team from day 0.
NO_MARKETING: dict[str, Any] = {"marketing.end_month": 0}
#: No reps (no hiring plan, no SDRs).
NO_SALES: dict[str, Any] = {"sales.headcount": 0, "sales.plan": [], "sales.sdr.headcount": 0}
#: The counterfactual variants of a scenario, as ordinary scenario overrides.
COUNTERFACTUALS: dict[str, dict[str, Any]] = {
    "full": {},
    "no_marketing": NO_MARKETING,
    "no_sales": NO_SALES,
    "neither": {**NO_MARKETING, **NO_SALES},
}
#: The size of a marginal change (+10%).
MARGINAL_STEP = 0.10


def counterfactuals(scenario: Scenario) -> dict[str, Scenario]:
    """``full``, ``no_marketing``, ``no_sales`` and ``neither`` variants of ``scenario``."""
    return {label: scenario.with_overrides(o) if o else scenario for label, o in COUNTERFACTUALS.items()}


def scale_marketing(scenario: Scenario, factor: float) -> Scenario:
    """Every channel's monthly budget and schedule multiplied by ``factor`` (team cost unchanged)."""
    if factor < 0:
        raise ValueError(f"factor: {factor!r} is not allowed: must be >= 0")
    overrides: dict[str, Any] = {}
    for name, channel in scenario.channels.items():
        overrides[f"channels.{name}.monthly_budget_usd"] = channel.monthly_budget_usd * factor
        if channel.schedule_usd is not None:
            overrides[f"channels.{name}.schedule_usd"] = [v * factor for v in channel.schedule_usd]
    return scenario.with_overrides(overrides) if overrides else scenario


def add_reps(scenario: Scenario, extra: int) -> Scenario:
    """``extra`` more reps from day 0 and in every step of the headcount plan that has reps."""
    plan = [
        {"month": c.month, "headcount": c.headcount + extra if c.headcount > 0 else 0} for c in scenario.sales.plan
    ]
    return scenario.with_overrides({"sales.headcount": scenario.sales.headcount + extra, "sales.plan": plan})


def marginal_reps(scenario: Scenario, step: float = MARGINAL_STEP) -> int:
    """Whole reps standing for ``+step`` of the sales headcount.

    A headcount is an integer. A fractional ``+10%`` (6.6 reps) would be a mix of runs with 6
    and 7 reps; its extra profit and extra cost are both that mix's share of the +1-rep
    change, so its marginal ROI, a ratio, is that of +1 rep. We therefore add
    ``max(1, round(step x headcount))`` reps and report the budget increase actually made.
    """
    base = max([scenario.sales.headcount] + [c.headcount for c in scenario.sales.plan])
    return max(1, int(round(step * base)))


def without_channel(scenario: Scenario, channel: str) -> Scenario:
    """The scenario with one channel's spend removed (budget 0, no schedule)."""
    if channel not in scenario.channels:
        raise ScenarioError(f"channel {channel!r}: not in the scenario; allowed: {', '.join(scenario.channels)}")
    return scenario.with_overrides({f"channels.{channel}.monthly_budget_usd": 0.0,
                                    f"channels.{channel}.schedule_usd": None})


def with_campaign_burst(scenario: Scenario, start_month: int, months: int, factor: float) -> Scenario:
    """A campaign that multiplies every channel's budget by ``factor`` for ``months`` months
    from ``start_month`` (a dated budget plan), validated."""
    horizon_months = scenario.time.horizon_days // 28 + 1
    overrides = {}
    for name, ch in scenario.channels.items():
        base = list(ch.schedule_usd or []) + [ch.monthly_budget_usd] * horizon_months
        base = base[:horizon_months]
        plan = [b * factor if start_month <= i < start_month + months else b for i, b in enumerate(base)]
        overrides[f"channels.{name}.schedule_usd"] = plan
    return scenario.with_overrides(overrides)


def apply_levers(
    scenario: Scenario,
    *,
    marketing_budget_usd: float,
    brand_share: float,
    headcount: int,
    tactic: str,
    population: int,
) -> Scenario:
    """``scenario`` with the dashboard's levers applied (validated like any override).

    The monthly channel budget is split between brand and performance channels by
    ``brand_share``; within each kind, channels keep the scenario's proportions (equal
    shares when the scenario gives them no budget). A kind without channels gets nothing,
    and its share goes to the other kind. The sales team is ``headcount`` reps throughout
    (the scenario's hiring plan is replaced).
    """
    if not 0.0 <= brand_share <= 1.0:
        raise ValueError(f"brand_share: {brand_share!r} is not allowed: must be between 0 and 1")
    if marketing_budget_usd < 0:
        raise ValueError(f"marketing_budget_usd: {marketing_budget_usd!r} is not allowed: must be >= 0")
    kinds = {kind: [n for n, ch in scenario.channels.items() if ch.kind is kind] for kind in ChannelKind}
    share = {ChannelKind.BRAND: brand_share, ChannelKind.PERFORMANCE: 1.0 - brand_share}
    if not kinds[ChannelKind.BRAND]:
        share = {ChannelKind.BRAND: 0.0, ChannelKind.PERFORMANCE: 1.0}
    elif not kinds[ChannelKind.PERFORMANCE]:
        share = {ChannelKind.BRAND: 1.0, ChannelKind.PERFORMANCE: 0.0}
    overrides: dict = {
        "sales.headcount": int(headcount),
        "sales.plan": [],
        "sales.tactic": str(tactic),
        "market.population": int(population),
    }
    for kind, names in kinds.items():
        if not names:
            continue
        base = np.array([scenario.channels[n].monthly_budget_usd for n in names], dtype=float)
        weights = base / base.sum() if base.sum() > 0 else np.full(len(names), 1.0 / len(names))
        for name, weight in zip(names, weights):
            budget = float(marketing_budget_usd * share[kind] * weight)
            overrides[f"channels.{name}.monthly_budget_usd"] = budget
            schedule = scenario.channels[name].schedule_usd
            if schedule is not None:
                # A dated plan keeps its shape, scaled to the new monthly level.
                old = scenario.channels[name].monthly_budget_usd
                factor = budget / old if old else 0.0
                overrides[f"channels.{name}.schedule_usd"] = [x * factor for x in schedule]
    return scenario.with_overrides(overrides)
