"""What every scenario section is built from: the error type, the frozen base model, the enums."""

from __future__ import annotations

import enum
from typing import Annotated

from pydantic import BaseModel, ConfigDict, Field

__all__ = [
    "Buying", "ChannelKind", "Frozen", "NetworkKind", "NonNegative", "Probability", "Purchase",
    "Renewal", "ScenarioError", "Tactic",
]

Probability = Annotated[float, Field(ge=0.0, le=1.0)]
NonNegative = Annotated[float, Field(ge=0.0)]


class ScenarioError(ValueError):
    """A scenario (file, dictionary or override) that cannot be used.

    The message names the key, the offending value and what is allowed.
    """


class Frozen(BaseModel):
    """Base of every specification model: unknown keys are refused, instances are immutable."""

    model_config = ConfigDict(extra="forbid", frozen=True, use_enum_values=False)


class Buying(str, enum.Enum):
    """How a segment buys."""

    SELF_SERVE = "self_serve"  # buys online at list price, no rep needed (or possible)
    REP_ONLY = "rep_only"  # buys only through a sales rep
    HYBRID = "hybrid"  # buys online when list price is acceptable, else waits for a rep


class Purchase(str, enum.Enum):
    """How a won customer pays."""

    SUBSCRIPTION = "subscription"  # the deal price is a yearly contract, billed daily
    REPEAT = "repeat"  # the deal price is paid at once; repeat orders follow


class Renewal(str, enum.Enum):
    """When a subscription customer can churn."""

    DAILY = "daily"  # any day, by the daily equivalent of monthly_churn
    ANNUAL = "annual"  # only at each yearly anniversary of the win (the renewal date)


class ChannelKind(str, enum.Enum):
    """What a marketing channel is for (a label; effects come from its parameters)."""

    BRAND = "brand"
    PERFORMANCE = "performance"


class Tactic(str, enum.Enum):
    """Time-dependent concession tactic of the seller (Faratin, Sierra & Jennings 1998)."""

    BOULWARE = "boulware"  # holds out, concedes late (e = 0.2)
    LINEAR = "linear"  # e = 1
    CONCEDER = "conceder"  # concedes early (e = 5)

    @property
    def exponent(self) -> float:
        return {"boulware": 0.2, "linear": 1.0, "conceder": 5.0}[self.value]


class NetworkKind(str, enum.Enum):
    """Who talks to whom for word of mouth."""

    SMALL_WORLD = "small_world"  # Watts-Strogatz ring with rewiring, seeded
    MIXED = "mixed"  # everybody hears from everybody (the Bass limit)
    NONE = "none"  # no word of mouth
