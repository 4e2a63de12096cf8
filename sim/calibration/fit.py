"""A fit file: which scenario keys to fit and their priors (``[[parameters]]`` tables).

::

    [[parameters]]
    key = "market.segments.small.lead_rate"
    low = 0.002
    high = 0.05
    log = true          # uniform on a log scale (low > 0)

    [[parameters]]
    key = "sales.capacity"
    low = 5
    high = 40
    integer = true      # rounded to a whole number

The prior is uniform on ``[low, high]`` (on ``log`` scale when ``log = true``). Every method
works on the unit cube: :meth:`FitSpec.from_unit` maps a point of ``[0, 1]^d`` to values.
Inputs the CRM data give (headcount, spend) cannot be fitted: they drive the simulation.
"""

from __future__ import annotations

import tomllib
from pathlib import Path
from typing import Any

import numpy as np
from pydantic import Field, ValidationError, model_validator

from sim.calibration.crm import METRICS
from sim.sweep.design import get_dotted
from sim.scenario.ranges import Range, check_range
from sim.scenario.schema import Frozen, Scenario, ScenarioError, format_validation_errors

__all__ = ["FitError", "FitSpec", "Parameter", "read_fit_file"]

#: Keys the data set (the inputs): never fitted.
_INPUT_KEYS = ("sales.headcount", "sales.plan", "time.")


class FitError(ScenarioError):
    """A fit file that cannot be used (exit status 2 on the CLI)."""


class Parameter(Frozen):
    key: str = Field(description="Dotted scenario key to fit, e.g. market.segments.small.lead_rate.")
    low: float = Field(description="Lower end of the uniform prior.")
    high: float = Field(description="Upper end of the uniform prior.")
    log: bool = Field(False, description="Uniform on a log scale (low > 0).")
    integer: bool = Field(False, description="Round to a whole number (counts).")

    @model_validator(mode="after")
    def _check(self) -> "Parameter":
        check_range(f"parameter {self.key}", self.low, self.high, self.log)
        if self.key.startswith(_INPUT_KEYS) or (self.key.startswith("channels.") and "budget" in self.key) \
                or self.key.endswith(".schedule_usd"):
            raise ValueError(f"parameter {self.key}: an input the CRM data give (headcount, spend, dates) "
                             "drives the simulation and cannot be fitted")
        return self

    @property
    def range(self) -> Range:
        """The prior's range."""
        return Range(self.low, self.high, self.log, self.integer)

    def value(self, unit: float) -> float | int:
        """The value at ``unit`` in [0, 1] of the prior's range (on its scale)."""
        return self.range.value(unit)

    def unit(self, value: float) -> float:
        """Where ``value`` lies in the prior's range, in [0, 1] (on its scale)."""
        return self.range.unit(value)


class FitSpec(Frozen):
    """A validated fit file."""

    parameters: list[Parameter] = Field(description="The keys to fit ([[parameters]] tables).")
    metrics: list[str] | None = Field(
        None, description="CRM metrics compared with the data; none: every metric the data have."
    )

    @model_validator(mode="after")
    def _check(self) -> "FitSpec":
        if not self.parameters:
            raise ValueError("parameters: at least one [[parameters]] table is needed")
        keys = [p.key for p in self.parameters]
        twice = sorted({k for k in keys if keys.count(k) > 1})
        if twice:
            raise ValueError(f"parameters: {', '.join(twice)} appear more than once")
        for metric in self.metrics or []:
            if metric not in METRICS:
                raise ValueError(f"metrics: {metric!r} is not a CRM metric; allowed: {', '.join(METRICS)}")
        return self

    @property
    def keys(self) -> list[str]:
        return [p.key for p in self.parameters]

    def from_unit(self, unit: np.ndarray) -> dict[str, Any]:
        """Scenario overrides at a point of the unit cube."""
        return {p.key: p.value(float(u)) for p, u in zip(self.parameters, unit)}

    def to_unit(self, values: dict[str, float]) -> np.ndarray:
        return np.array([p.unit(float(values[p.key])) for p in self.parameters])

    def check(self, scenario: Scenario, source: str = "fit") -> None:
        """Every key must be a number in ``scenario``, and every prior a valid value of it."""
        data = scenario.to_dict()
        for p in self.parameters:
            try:
                current = get_dotted(data, p.key)
            except KeyError:
                current = None
                if not _optional_key(scenario, p.key):
                    raise FitError(f"{source}: parameter {p.key}: not a key of the scenario {scenario.name!r} "
                                   "(see `marketsim keys`)") from None
            if current is not None and (isinstance(current, bool) or not isinstance(current, (int, float))):
                raise FitError(f"{source}: parameter {p.key}: the scenario's value {current!r} is not a number")
            for end in (p.low, p.high):
                try:
                    scenario.with_overrides({p.key: int(round(end)) if p.integer else end})
                except ScenarioError as exc:
                    raise FitError(f"{source}: parameter {p.key}: the prior's end {end:g} is not a valid value: "
                                   f"{str(exc).splitlines()[-1].strip()}") from None


def _optional_key(scenario: Scenario, key: str) -> bool:
    """A key whose value is unset (None) in the scenario but valid to set."""
    try:
        scenario.with_overrides({key: 1.0})
    except ScenarioError:
        return False
    return True


def read_fit_file(path: str | Path) -> FitSpec:
    """Read and validate a fit file; a mistake raises :class:`FitError` naming the key."""
    path = Path(path)
    if not path.is_file():
        raise FitError(f"{path}: no such fit file")
    try:
        data = tomllib.loads(path.read_text(encoding="utf-8"))
    except tomllib.TOMLDecodeError as exc:
        raise FitError(f"{path}: not valid TOML: {exc}") from None
    try:
        return FitSpec.model_validate(data)
    except ValidationError as exc:
        raise FitError(format_validation_errors(exc, str(path), what="fit file")) from None
