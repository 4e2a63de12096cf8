"""The management section of a scenario (``[management]``): who re-decides the levers, how often, by what rule.

Without the section nobody manages: budgets and headcount are the scenario's. With it, a
chief marketing officer (``[management.marketing]``) re-splits the channel budget and a head
of sales (``[management.sales]``) hires or lets go at every review, each by its own policy
and within its limits; a joint planner (``[management.joint]``) may instead split one budget
between the two functions. A policy ``fixed`` (the default) leaves that lever alone.
"""

from __future__ import annotations

import enum

from pydantic import Field, model_validator

from sim.scenario.base import Frozen, NonNegative, Probability

__all__ = [
    "AttributionBasis", "JointManagement", "JointPolicy", "Management", "MarketingManagement", "MarketingPolicy",
    "SalesManagement", "SalesPolicy",
]


class MarketingPolicy(str, enum.Enum):
    """How the chief marketing officer re-splits the channel budget at a review."""

    FIXED = "fixed"  # the scenario's budgets, untouched
    COST_PER_LEAD = "cost_per_lead"  # toward the channels whose leads were cheapest
    ATTRIBUTED_PIPELINE = "attributed_pipeline"  # toward the channels credited with the most won value per dollar
    INCREMENTAL = "incremental"  # toward the channels whose spend moved total leads most (a designed test)


class AttributionBasis(str, enum.Enum):
    """The heuristic that credits won value to channels (``attributed_pipeline``, the joint planner)."""

    LAST_TOUCH = "last_touch"
    LINEAR = "linear"


class SalesPolicy(str, enum.Enum):
    """How the head of sales sets the headcount at a review."""

    FIXED = "fixed"  # the scenario's headcount and plan, untouched
    ATTAINMENT = "attainment"  # hire when quota attainment is high, freeze (or let go) when it is low
    PIPELINE_COVERAGE = "pipeline_coverage"  # hire when the pipeline covers the team's quota many times over


class JointPolicy(str, enum.Enum):
    """Whether one planner splits one budget between marketing and sales."""

    NONE = "none"  # each function keeps its own budget
    CONTRIBUTION = "contribution"  # toward the function credited with more won value per dollar


def _ordered(section: Frozen, prefix: str, *pairs: tuple[str, str]) -> None:
    """Refuse a pair of keys of ``section`` whose low end is above its high end (naming both and their values)."""
    for low_name, high_name in pairs:
        low, high = getattr(section, low_name), getattr(section, high_name)
        if low > high:
            raise ValueError(f"{prefix}.{low_name}: {low} is above {high_name} {high}; must be at most it")


class MarketingManagement(Frozen):
    """The chief marketing officer: the channel budget and its split (``[management.marketing]``)."""

    policy: MarketingPolicy = Field(
        MarketingPolicy.FIXED,
        description="fixed, cost_per_lead, attributed_pipeline or incremental: each channel's next share of the "
        "budget is its share of the leads, of the credited won value, or of the estimated extra leads.",
    )
    attribution: AttributionBasis = Field(
        AttributionBasis.LAST_TOUCH,
        description="attributed_pipeline: the heuristic crediting won value (new and expanded contracts, orders) "
        "to channels: last_touch or linear.",
    )
    budget_usd: float | None = Field(
        None, ge=0,
        description="Monthly channel budget the CMO splits (all channels together); none: the channels' month-0 "
        "budgets. The joint planner, when on, sets it instead.",
    )
    min_channel_share: Probability = Field(
        0.05, description="Least share of the budget any channel keeps (a floor, so that each stays measurable)."
    )
    max_channel_share: Probability = Field(0.6, description="Largest share of the budget one channel may get.")
    max_shift: Probability = Field(
        0.5,
        description="Share of the way from the current split to the policy's split moved at one review "
        "(1: all the way at once).",
    )
    test_amplitude: float = Field(
        0.3, ge=0, lt=1,
        description="incremental: each channel's spend is raised or cut by this share in a balanced monthly "
        "pattern (a designed test), so that a regression of total leads on spend can separate the channels.",
    )

    @model_validator(mode="after")
    def _shares(self) -> "MarketingManagement":
        _ordered(self, "management.marketing", ("min_channel_share", "max_channel_share"))
        return self


class SalesManagement(Frozen):
    """The head of sales: the headcount (``[management.sales]``)."""

    policy: SalesPolicy = Field(SalesPolicy.FIXED, description="fixed, attainment or pipeline_coverage.")
    min_headcount: int = Field(1, ge=0, le=100_000, description="Fewest reps the head of sales (or the planner) keeps.")
    max_headcount: int = Field(30, ge=0, le=100_000, description="Most reps the head of sales (or the planner) plans.")
    max_change: int = Field(2, ge=1, le=100_000, description="Most reps hired or let go at one review.")
    hiring_lag_months: int = Field(
        2, ge=0, le=60,
        description="Months from the decision to hire to the hire's first day (recruiting); hires then ramp over "
        "sales.ramp_days. Letting go takes effect at the review.",
    )
    hire_above: NonNegative = Field(
        0.7, description="attainment: hire when the window's quota attainment (won value / quota accrued, ramp "
        "prorated) is at least this (published average attainment: 0.43-0.47).",
    )
    freeze_below: NonNegative = Field(
        0.5, description="attainment: below this, hiring stops (hires not yet started are cancelled)."
    )
    release_below: NonNegative = Field(0.3, description="attainment: below this, reps are let go (0: never).")
    coverage_target: float = Field(
        3.0, gt=0,
        description="pipeline_coverage: hire when open pipeline (at list price, waiting leads at the window's "
        "lead-to-opportunity rate) is at least this many times the team's quota for the next review period.",
    )
    coverage_floor: NonNegative = Field(
        1.0, description="pipeline_coverage: let reps go when the coverage is below this."
    )

    @model_validator(mode="after")
    def _ranges(self) -> "SalesManagement":
        _ordered(self, "management.sales", ("min_headcount", "max_headcount"), ("release_below", "freeze_below"),
                 ("freeze_below", "hire_above"), ("coverage_floor", "coverage_target"))
        return self


class JointManagement(Frozen):
    """One planner splitting one budget between the functions (``[management.joint]``)."""

    policy: JointPolicy = Field(
        JointPolicy.NONE,
        description="none or contribution: the channels' next share of the budget is marketing's share of the won "
        "value credited to both functions.",
    )
    budget_usd: float | None = Field(
        None, ge=0,
        description="Monthly budget for channel spend plus the reps' fixed cost (salaries, overhead, managers, "
        "counted for a 31-day month; commissions are variable and outside); none: the scenario's month-0 levels.",
    )
    attribution: AttributionBasis = Field(
        AttributionBasis.LINEAR, description="The heuristic crediting won value to marketing (its channels) and to sales."
    )
    min_marketing_share: Probability = Field(0.1, description="Least share of the budget for channel spend.")
    max_marketing_share: Probability = Field(0.9, description="Largest share of the budget for channel spend.")
    max_shift: Probability = Field(
        0.1, description="Most of the budget (as a share) moved from one function to the other at one review."
    )

    @model_validator(mode="after")
    def _shares(self) -> "JointManagement":
        _ordered(self, "management.joint", ("min_marketing_share", "max_marketing_share"))
        return self


class Management(Frozen):
    """Management agents and their reviews (``[management]``)."""

    review_months: int = Field(3, ge=1, le=120, description="Months between reviews.")
    first_review_month: int | None = Field(
        None, ge=1, le=1200,
        description="Month of the first review; none: review_months. Later ones follow every review_months "
        "(a later start lets the pipeline fill: day 0 has no open deals).",
    )
    lookback_months: int | None = Field(
        None, ge=1, le=120, description="Months of data each review looks at; none: review_months."
    )
    marketing: MarketingManagement = Field(default_factory=MarketingManagement, description="The CMO.")
    sales: SalesManagement = Field(default_factory=SalesManagement, description="The head of sales.")
    joint: JointManagement = Field(default_factory=JointManagement, description="The joint planner.")

    @model_validator(mode="after")
    def _joint(self) -> "Management":
        if self.joint.policy is not JointPolicy.NONE and self.sales.policy is not SalesPolicy.FIXED:
            raise ValueError(
                f"management.sales.policy: {self.sales.policy.value!r} cannot be combined with "
                f"management.joint.policy = {self.joint.policy.value!r} (the joint planner sets the headcount); "
                "use 'fixed'")
        if self.joint.policy is not JointPolicy.NONE and self.marketing.budget_usd is not None:
            raise ValueError(
                "management.marketing.budget_usd: the joint planner sets the channel budget; leave it out "
                "(set management.joint.budget_usd instead)")
        return self

    def reviews_at(self, month: int) -> bool:
        """Whether a review happens at the start of ``month``."""
        first = self.first_review_month or self.review_months
        return month >= first and (month - first) % self.review_months == 0

    @property
    def window_months(self) -> int:
        return self.lookback_months or self.review_months

    @property
    def manages_marketing(self) -> bool:
        return self.marketing.policy is not MarketingPolicy.FIXED or self.joint.policy is not JointPolicy.NONE

    @property
    def manages_sales(self) -> bool:
        return self.sales.policy is not SalesPolicy.FIXED or self.joint.policy is not JointPolicy.NONE
