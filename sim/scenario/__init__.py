"""Scenarios: the frozen, validated description of a market (schema, loading, key reference)."""

from sim.scenario.schema import (
    Buying,
    Channel,
    ChannelKind,
    NetworkKind,
    Purchase,
    Renewal,
    Scenario,
    ScenarioError,
    Segment,
    Tactic,
    apply_overrides,
    format_validation_errors,
    load_toml_dict,
    parse_override,
)

__all__ = [
    "Buying", "Channel", "ChannelKind", "NetworkKind", "Purchase", "Renewal", "Scenario", "ScenarioError", "Segment",
    "Tactic", "apply_overrides", "format_validation_errors", "load_toml_dict", "parse_override",
]
