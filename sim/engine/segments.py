"""Segment parameters as arrays, segment sizes, and the named random stream of each phase."""

from __future__ import annotations

import zlib
from dataclasses import dataclass

import numpy as np

from sim.engine.renewals import yearly_probability
from sim.engine.sampling import daily_probability
from sim.scenario.schema import Purchase, Renewal, Scenario, Segment

__all__ = ["SegmentTable", "segment_sizes", "stream"]


def stream(seed: int, replication: int, name: str) -> np.random.Generator:
    """Independent random stream of one phase, keyed by name (not by creation order).

    Keying by name keeps counterfactual runs (the same scenario without a channel or without
    reps) on common random numbers: a phase draws the same numbers whatever others do.
    """
    key = (int(replication), zlib.crc32(name.encode()))
    return np.random.default_rng(np.random.SeedSequence(entropy=int(seed), spawn_key=key))


@dataclass(frozen=True)
class SegmentTable:
    """Segment parameters as arrays indexed by segment number (for vectorised look-ups)."""

    names: tuple[str, ...]
    configs: tuple[Segment, ...]
    list_price: np.ndarray
    consider_rate: np.ndarray
    lead_rate: np.ndarray
    lose_interest_rate: np.ndarray
    forget_rate: np.ndarray
    qualification_rate: np.ndarray
    outbound_response_rate: np.ndarray
    self_serve_rate: np.ndarray
    discovery_days: np.ndarray
    negotiation_days: np.ndarray
    stall_rate: np.ndarray
    competitor_rate: np.ndarray
    churn_daily: np.ndarray
    repeat_daily: np.ndarray
    winback_rate: np.ndarray
    subscription: np.ndarray
    annual: np.ndarray  # renewal = "annual": churn only at renewals
    churn_yearly: np.ndarray  # churn probability at a renewal, before the customer's factors
    care_effect: np.ndarray
    expansion_rate: np.ndarray
    expansion_size: np.ndarray

    @classmethod
    def from_scenario(cls, scenario: Scenario) -> "SegmentTable":
        segs = scenario.market.segments
        configs = tuple(segs.values())

        def arr(get, dtype=float):
            return np.array([get(s) for s in configs], dtype=dtype)

        return cls(
            names=tuple(segs),
            configs=configs,
            list_price=arr(lambda s: s.list_price_usd or scenario.market.list_price_usd),
            consider_rate=arr(lambda s: s.consider_rate),
            lead_rate=arr(lambda s: s.lead_rate),
            lose_interest_rate=arr(lambda s: s.lose_interest_rate),
            forget_rate=arr(lambda s: s.forget_rate),
            qualification_rate=arr(lambda s: s.qualification_rate),
            outbound_response_rate=arr(lambda s: s.outbound_response_rate),
            self_serve_rate=arr(lambda s: s.self_serve_rate),
            discovery_days=arr(lambda s: s.discovery_days),
            negotiation_days=arr(lambda s: s.negotiation_days, np.int64),
            stall_rate=arr(lambda s: s.stall_rate, float),
            competitor_rate=arr(lambda s: s.competitor_rate),
            churn_daily=arr(lambda s: daily_probability(s.monthly_churn, 30.0)),
            repeat_daily=arr(lambda s: 1.0 / s.repeat_interval_days if s.purchase is Purchase.REPEAT else 0.0),
            winback_rate=arr(lambda s: s.winback_rate),
            subscription=arr(lambda s: s.purchase is Purchase.SUBSCRIPTION, bool),
            annual=arr(lambda s: s.renewal is Renewal.ANNUAL, bool),
            churn_yearly=arr(lambda s: yearly_probability(s.monthly_churn)),
            care_effect=arr(lambda s: s.account_care_effect),
            expansion_rate=arr(lambda s: s.expansion_rate),
            expansion_size=arr(lambda s: s.expansion_size),
        )


def segment_sizes(shares: list[float], population: int) -> np.ndarray:
    """Split ``population`` by ``shares`` (largest remainders; sums exactly)."""
    raw = np.asarray(shares) * population
    sizes = np.floor(raw).astype(np.int64)
    short = population - sizes.sum()
    sizes[np.argsort(-(raw - sizes), kind="stable")[:short]] += 1
    return sizes
