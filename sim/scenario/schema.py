"""Scenario files: load, validate, override, round-trip.

A scenario is one frozen, typed object (:class:`Scenario`). Raw dictionaries stop at the
loader: TOML is read, ``extends`` is resolved, ``--set`` overrides are applied, and the
result is validated as a whole. Any mistake raises :class:`ScenarioError`, whose message
names the key, the value and what is allowed.
"""

from __future__ import annotations

import copy
import datetime as dt
import tomllib
from pathlib import Path
from typing import Annotated, Any, Mapping

from pydantic import Field, ValidationError, model_validator

from sim.scenario.base import (
    Buying, ChannelKind, Frozen, NetworkKind, NonNegative, Probability, Purchase, Renewal, ScenarioError, Tactic,
)
from sim.scenario.management import Management
from sim.scenario.market import Market, Segment, WordOfMouth
from sim.scenario.sales import HeadcountChange, Sales

__all__ = [
    "Buying",
    "Channel",
    "ChannelKind",
    "Economics",
    "Frozen",
    "HeadcountChange",
    "Management",
    "Market",
    "Marketing",
    "NetworkKind",
    "Purchase",
    "Renewal",
    "Sales",
    "Scenario",
    "ScenarioError",
    "Segment",
    "Tactic",
    "Time",
    "WordOfMouth",
    "parse_override",
]

class Time(Frozen):
    horizon_days: int = Field(730, gt=0, le=36500, description="Number of daily steps simulated.")
    start_date: dt.date = Field(dt.date(2026, 1, 1), description="Calendar date of step 0.")


class Channel(Frozen):
    kind: ChannelKind = Field(ChannelKind.PERFORMANCE, description="brand or performance (a label).")
    monthly_budget_usd: NonNegative = Field(description="Spend per calendar month.")
    schedule_usd: list[Annotated[float, Field(ge=0)]] | None = Field(
        None, description="Spend per month from month 0, overriding monthly_budget_usd for the months it covers."
    )
    start_month: int = Field(0, ge=0, description="First month with spend (flight start).")
    end_month: int | None = Field(None, ge=0, description="Month from which spend stops (flight end); none: never.")
    cpm_usd: float = Field(gt=0, description="Cost per thousand impressions.")
    saturation_spend_usd_per_day: float | None = Field(
        None, gt=0, description="Daily spend at which delivered impressions are half of linear (Hill, shape 1); none: linear."
    )
    carryover: Annotated[float, Field(ge=0.0, lt=1.0)] = Field(
        0.0, description="Geometric adstock of delivered impressions (0: all on the day of spend)."
    )
    targets: list[str] | None = Field(None, description="Segments reached; none: all segments.")
    brand_effect: Probability = Field(
        0.01, description="Probability that an impression is noticed (a touch): an unaware customer becomes aware."
    )
    memory_gain: Probability = Field(
        0.3, description="Brand memory added by a noticed impression (m <- 1 - (1 - m)(1 - gain))."
    )
    ctr: Probability = Field(0.002, description="Click-through rate of an impression on an aware or considering customer.")
    click_to_lead: Probability = Field(
        0.1, description="Probability that a click from a considering customer becomes an inbound lead."
    )


class Marketing(Frozen):
    team_monthly_cost_usd: NonNegative = Field(0.0, description="Marketing team cost per month (not channel spend).")
    end_month: int | None = Field(None, ge=0, description="Month from which all marketing stops; none: never.")


class Economics(Frozen):
    gross_margin: Probability = Field(0.8, description="Gross margin on revenue.")


class Scenario(Frozen):
    """A complete, validated scenario. Build with :meth:`from_toml` or :meth:`from_dict`."""

    name: str = Field("scenario", description="Short name used in reports.")
    description: str = Field("", description="What the scenario shows.")
    time: Time = Field(default_factory=Time)
    market: Market
    channels: dict[str, Channel] = Field(default_factory=dict, description="Marketing channels by name.")
    marketing: Marketing = Field(default_factory=Marketing)
    sales: Sales
    economics: Economics = Field(default_factory=Economics)
    management: Management | None = Field(
        None, description="Management agents that re-decide budgets and headcount; none: nobody does."
    )

    @model_validator(mode="after")
    def _cross_checks(self) -> "Scenario":
        for name, channel in self.channels.items():
            if not name.isidentifier():
                raise ValueError(f"channels.{name}: channel names must be identifiers (letters, digits, _)")
            for target in channel.targets or []:
                if target not in self.market.segments:
                    allowed = ", ".join(self.market.segments)
                    raise ValueError(
                        f"channels.{name}.targets: unknown segment {target!r}; allowed: {allowed}"
                    )
        for name in self.market.segments:
            if not name.isidentifier():
                raise ValueError(f"market.segments.{name}: segment names must be identifiers")
        if self.market.word_of_mouth.degree % 2:
            raise ValueError(
                f"market.word_of_mouth.degree: {self.market.word_of_mouth.degree} is odd; must be even"
            )
        months = [c.month for c in self.sales.plan]
        if months != sorted(months):
            raise ValueError(f"sales.plan: months must be in increasing order, got {months}")
        if self.management is not None and self.management.manages_marketing and self.channels:
            n, shares = len(self.channels), self.management.marketing
            if shares.min_channel_share * n > 1 or shares.max_channel_share * n < 1:
                raise ValueError(
                    f"management.marketing: channel shares between {shares.min_channel_share} and "
                    f"{shares.max_channel_share} cannot add up to the budget over {n} channels; need "
                    f"min_channel_share <= {1 / n:.3g} <= max_channel_share")
        return self

    # ----------------------------------------------------------------- construction
    @classmethod
    def from_dict(cls, data: Mapping[str, Any], *, source: str = "scenario") -> "Scenario":
        """Validate a plain dictionary (as read from TOML) into a Scenario."""
        data = dict(data)
        data.pop("extends", None)
        try:
            return cls.model_validate(data)
        except ValidationError as exc:
            raise ScenarioError(format_validation_errors(exc, source)) from None

    @classmethod
    def from_toml(cls, path: str | Path, overrides: Mapping[str, Any] | None = None) -> "Scenario":
        """Read a scenario file (resolving ``extends``), apply dotted overrides, validate."""
        data = load_toml_dict(path)
        if overrides:
            data = apply_overrides(data, overrides)
        return cls.from_dict(data, source=str(path))

    def with_overrides(self, overrides: Mapping[str, Any]) -> "Scenario":
        """A new scenario with dotted keys replaced (``{"sales.headcount": 12}``), validated."""
        data = apply_overrides(self.to_dict(), overrides)
        return type(self).from_dict(data, source="override")

    # ----------------------------------------------------------------- export
    def to_dict(self) -> dict[str, Any]:
        """Plain, TOML-compatible dictionary (None values left out)."""
        return _drop_none(self.model_dump(mode="json"))

    def to_toml(self) -> str:
        import tomli_w

        return tomli_w.dumps(self.to_dict())

    # ----------------------------------------------------------------- helpers
    @property
    def segment_names(self) -> list[str]:
        return list(self.market.segments)

    @property
    def channel_names(self) -> list[str]:
        return list(self.channels)


# ---------------------------------------------------------------------- loading helpers
def load_toml_dict(path: str | Path, _seen: tuple[Path, ...] = ()) -> dict[str, Any]:
    """Read a TOML scenario into a dict, merging the file it ``extends`` (recursively)."""
    path = Path(path)
    if not path.exists():
        raise ScenarioError(f"{path}: no such scenario file")
    if path.is_dir():
        raise ScenarioError(f"{path}: is a folder; give a scenario file (TOML)")
    resolved = path.resolve()
    if resolved in _seen:
        chain = " -> ".join(str(p) for p in (*_seen, resolved))
        raise ScenarioError(f"{path}: extends forms a cycle ({chain})")
    try:
        data = tomllib.loads(path.read_text(encoding="utf-8"))
    except tomllib.TOMLDecodeError as exc:
        raise ScenarioError(f"{path}: not valid TOML: {exc}") from None
    except UnicodeDecodeError:
        raise ScenarioError(f"{path}: not a text file (not UTF-8); give a scenario file (TOML)") from None
    except OSError as exc:
        raise ScenarioError(f"{path}: cannot be read ({exc.strerror or exc})") from None
    parent = data.pop("extends", None)
    if parent is None:
        return data
    if not isinstance(parent, str):
        raise ScenarioError(f"{path}: extends = {parent!r} must be a file name (a string)")
    base = load_toml_dict(path.parent / parent, (*_seen, resolved))
    return _deep_merge(base, data)


def parse_override(text: str) -> tuple[str, Any]:
    """Parse ``dotted.key=value`` as given to ``--set``; the value is read as TOML.

    A value that is not valid TOML is taken as a string, so ``sales.tactic=boulware``
    works without quotes.
    """
    if "=" not in text:
        raise ScenarioError(f"--set {text!r}: expected dotted.key=value (e.g. sales.headcount=12)")
    key, raw = text.split("=", 1)
    key, raw = key.strip(), raw.strip()
    if not key:
        raise ScenarioError(f"--set {text!r}: the key is empty")
    try:
        value = tomllib.loads(f"v = {raw}")["v"]
    except tomllib.TOMLDecodeError:
        value = raw
    return key, value


def apply_overrides(data: Mapping[str, Any], overrides: Mapping[str, Any]) -> dict[str, Any]:
    """Return a copy of ``data`` with each dotted key set; unknown tables are refused later."""
    out = copy.deepcopy(dict(data))
    for dotted, value in overrides.items():
        parts = dotted.split(".")
        if any(not p for p in parts):
            raise ScenarioError(f"{dotted}: not a valid dotted key")
        _check_named_entry(out, dotted, parts)
        node = out
        for i, part in enumerate(parts[:-1]):
            child = node.get(part)
            if child is None:
                child = node[part] = {}
            if not isinstance(child, dict):
                where = ".".join(parts[: i + 1])
                raise ScenarioError(f"{dotted}: {where} is a value ({child!r}), not a table")
            node = child
        node[parts[-1]] = value
    return out


#: Tables whose keys are names the scenario chooses: (path, what one entry is).
_NAMED_TABLES = ((("channels",), "channel"), (("market", "segments"), "segment"))


def _check_named_entry(data: Mapping[str, Any], dotted: str, parts: list[str]) -> None:
    """An override of ``channels.NAME.key`` or ``market.segments.NAME.key`` must name an entry
    that exists: a misspelt name would otherwise create a new, incomplete entry and the error
    would blame one of its missing keys."""
    for table, what in _NAMED_TABLES:
        n = len(table)
        if tuple(parts[:n]) != table or len(parts) <= n + 1:
            continue
        node: Any = data
        for part in table:
            node = node.get(part) if isinstance(node, Mapping) else None
        names = list(node) if isinstance(node, Mapping) else []
        if parts[n] not in names:
            known = ", ".join(names) if names else "none"
            raise ScenarioError(
                f"{dotted}: unknown {what} {parts[n]!r}; the scenario's {what}s are: {known} "
                f"(a new {what} goes in the scenario file)")


def _deep_merge(base: dict[str, Any], top: Mapping[str, Any]) -> dict[str, Any]:
    out = copy.deepcopy(base)
    for key, value in top.items():
        if isinstance(value, Mapping) and isinstance(out.get(key), dict):
            out[key] = _deep_merge(out[key], value)
        else:
            out[key] = copy.deepcopy(value)
    return out


def _drop_none(value: Any) -> Any:
    if isinstance(value, dict):
        return {k: _drop_none(v) for k, v in value.items() if v is not None}
    if isinstance(value, list):
        return [_drop_none(v) for v in value]
    return value


def format_validation_errors(exc: ValidationError, source: str, what: str = "scenario") -> str:
    """One line per problem, each naming the key, the value and what is allowed."""
    lines = []
    for err in exc.errors():
        loc = ".".join(str(p) for p in err["loc"])
        msg = err["msg"]
        if msg.startswith("Value error, "):
            # Our own cross-checks already name the key and the value.
            lines.append(msg.removeprefix("Value error, "))
            continue
        if err["type"] == "extra_forbidden":
            lines.append(f"{loc}: unknown key (value {err['input']!r}); check the spelling")
        elif err["type"] == "missing":
            lines.append(f"{loc}: missing; this key is required")
        else:
            lines.append(f"{loc}: {err['input']!r} is not allowed: {msg.lower()}")
    head = f"{source}: invalid {what}" + (" (1 problem)" if len(lines) == 1 else f" ({len(lines)} problems)")
    return head + "\n  " + "\n  ".join(lines)
