"""The market section of a scenario: the population, its segments and word of mouth."""

from __future__ import annotations

from pydantic import Field, model_validator

from sim.scenario.base import Buying, Frozen, NetworkKind, NonNegative, Probability, Purchase, Renewal

__all__ = ["Market", "Segment", "WordOfMouth"]


class Segment(Frozen):
    share: Probability = Field(description="Share of the population in this segment (shares sum to 1).")
    list_price_usd: float | None = Field(
        None, gt=0, description="List price of a deal in this segment; none: market.list_price_usd."
    )
    buying: Buying = Field(Buying.REP_ONLY, description="self_serve, rep_only or hybrid.")
    purchase: Purchase = Field(Purchase.SUBSCRIPTION, description="subscription or repeat.")
    reservation_price_usd: float = Field(
        gt=0, description="Median of the most a customer will pay per deal (lognormal across customers)."
    )
    reservation_price_sigma: NonNegative = Field(
        0.35, le=3.0, description="Log-scale spread of reservation prices across customers."
    )
    consider_rate: Probability = Field(
        0.01, description="Daily probability that an aware customer with full brand memory starts considering."
    )
    lead_rate: Probability = Field(
        0.01, description="Daily probability that a considering customer with full brand memory becomes an inbound lead."
    )
    lose_interest_rate: Probability = Field(
        0.005, description="Daily probability that a considering customer drops back to aware."
    )
    forget_rate: Probability = Field(
        0.005, description="Daily probability that an aware customer with no brand memory left forgets the brand."
    )
    qualification_rate: Probability = Field(
        0.6, description="Probability that a lead worked by a rep qualifies as an opportunity (else back to aware)."
    )
    outbound_response_rate: Probability = Field(
        0.03, description="Probability that an outbound call to this segment opens an opportunity (before brand lift)."
    )
    self_serve_rate: Probability = Field(
        0.1, description="Daily probability that a self-serve lead who accepts the list price buys online."
    )
    discovery_days: float = Field(
        14, ge=0, le=3650, description="Mean days from opportunity to negotiation (demo, discovery)."
    )
    negotiation_days: int = Field(
        30, ge=1, le=3650, description="Deadline of a negotiation in days; no agreement by then loses the deal."
    )
    stall_rate: Probability = Field(
        0.0,
        description="Daily probability that a buyer in negotiation goes quiet; a buyer who goes quiet before "
        "agreeing makes no decision and the deal is lost at the deadline (0: buyers never stall).",
    )
    competitor_rate: Probability = Field(
        0.005, description="Daily probability that a competitor takes an open opportunity or negotiation."
    )
    monthly_churn: Probability = Field(
        0.02, description="Monthly probability that a customer won at list price with no brand memory churns."
    )
    renewal: Renewal = Field(
        Renewal.DAILY,
        description="When a customer can churn: daily (any day, at the daily equivalent of monthly_churn) "
        "or annual (only at each yearly anniversary of the win, with probability 1 - (1 - monthly_churn)^12; "
        "the same discount, brand and care factors apply). annual needs purchase = subscription.",
    )
    account_care_effect: Probability = Field(
        0.0,
        description="Cut in churn (the daily hazard, or the probability at a renewal) for a customer whose "
        "account got full care from its rep (care runs 0-1 per customer).",
    )
    expansion_rate: Probability = Field(
        0.0, description="Probability that a customer who renews expands its contract (renewal = annual only)."
    )
    expansion_size: NonNegative = Field(
        0.2, le=10, description="Price increase of an expanding contract, as a fraction of its price (renewal = annual only)."
    )
    repeat_interval_days: float = Field(
        90, gt=0, le=36500, description="Mean days between repeat orders (purchase = repeat)."
    )
    winback_rate: Probability = Field(
        0.002, description="Daily probability that a lost or churned customer becomes aware again."
    )


class WordOfMouth(Frozen):
    network: NetworkKind = Field(NetworkKind.SMALL_WORLD, description="small_world, mixed or none.")
    degree: int = Field(10, ge=2, le=200, description="Neighbours per customer (small_world; even).")
    rewire: Probability = Field(0.1, description="Share of small-world links rewired at random.")
    awareness_rate: Probability = Field(
        0.02,
        description="Daily probability that an unaware customer whose neighbours are all customers hears of the brand.",
    )
    consider_rate: Probability = Field(
        0.01,
        description="Daily probability that an aware customer whose neighbours are all customers starts considering.",
    )
    brand_effect: Probability = Field(
        0.5, description="Brand memory given by hearing of the brand from a neighbour (0-1)."
    )


class Market(Frozen):
    population: int = Field(gt=0, le=100_000_000, description="Number of customers (businesses) in the market.")
    list_price_usd: float = Field(gt=0, description="List price of a deal (a yearly contract for subscriptions).")
    brand_memory_half_life_days: float = Field(
        90, gt=0, description="Half-life of a customer's brand memory (carryover of marketing)."
    )
    brand_price_premium: NonNegative = Field(
        0.15, le=10, description="Raise of the reservation price at full brand memory (brand trust)."
    )
    brand_loyalty: Probability = Field(
        0.5, description="Cut in churn for a customer won with full brand memory."
    )
    discount_churn: NonNegative = Field(
        2.0, le=100, description="Extra churn per unit of discount (a 20% discount with 2.0 gives +40% churn)."
    )
    segments: dict[str, Segment] = Field(description="Customer segments by name.")
    word_of_mouth: WordOfMouth = Field(default_factory=WordOfMouth)
    initial_customers: Probability = Field(0.0, description="Share of each segment that is a customer at step 0.")
    initial_awareness: Probability = Field(0.0, description="Share of each segment that is aware at step 0.")

    @model_validator(mode="after")
    def _shares_sum_to_one(self) -> "Market":
        if not self.segments:
            raise ValueError("market.segments: at least one segment is needed")
        total = sum(s.share for s in self.segments.values())
        if abs(total - 1.0) > 1e-6:
            shares = ", ".join(f"{k}={v.share:g}" for k, v in self.segments.items())
            raise ValueError(f"market.segments: shares must sum to 1, got {total:g} ({shares})")
        return self

    @model_validator(mode="after")
    def _renewals_need_subscriptions(self) -> "Market":
        for name, seg in self.segments.items():
            key = f"market.segments.{name}"
            if seg.renewal is Renewal.ANNUAL and seg.purchase is not Purchase.SUBSCRIPTION:
                raise ValueError(
                    f"{key}.renewal: 'annual' is not allowed with purchase = {seg.purchase.value!r}: "
                    "annual renewals need purchase = 'subscription' (or use renewal = 'daily')"
                )
            if seg.expansion_rate > 0 and seg.renewal is not Renewal.ANNUAL:
                raise ValueError(
                    f"{key}.expansion_rate: {seg.expansion_rate:g} is not allowed with renewal = "
                    f"{seg.renewal.value!r}: customers expand at renewals, which need renewal = 'annual' "
                    "(or set expansion_rate = 0)"
                )
        return self
