"""A sweep file: the validated specification (factors, design, replications, what to record).

A sweep file (TOML) names a base scenario, the factors to vary (any dotted scenario key),
the design (a full grid, a Latin hypercube, Saltelli/Sobol' or Morris sampling), the
replications per design point, what to record and a root seed. :func:`read_sweep_file` and
:func:`load_sweep` turn one into a :class:`SweepSpec` and the base scenario it varies.
"""

from __future__ import annotations

import enum
import tomllib
from pathlib import Path
from typing import Any, Mapping

from pydantic import Field, ValidationError, model_validator

from sim.scenario.schema import (
    Frozen,
    Scenario,
    ScenarioError,
    apply_overrides,
    format_validation_errors,
    load_toml_dict,
)
from sim.scenario.ranges import Range, check_range

__all__ = [
    "DEFAULT_OUTCOMES",
    "DEFAULT_SERIES",
    "Design",
    "Factor",
    "Record",
    "SweepError",
    "SweepSpec",
    "load_sweep",
    "read_sweep_file",
]

DEFAULT_SERIES = [
    "customer", "revenue", "gross_profit", "marketing_cost", "sales_cost", "contribution",
    "leads", "deals_won",
]
DEFAULT_OUTCOMES = [
    "total_contribution_usd", "total_revenue_usd", "total_roi", "marketing_roi_attributed",
    "sales_roi_attributed", "payback_day",
]


class SweepError(ScenarioError):
    """A sweep specification or output folder that cannot be used (exit status 2 on the CLI)."""



class Design(str, enum.Enum):
    """How design points are chosen."""

    GRID = "grid"  # every combination of each factor's values
    LHS = "lhs"  # Latin hypercube over each factor's [low, high] (scipy.stats.qmc)
    SOBOL = "sobol"  # Saltelli's scheme for Sobol' indices: N (D + 2) points (SALib)
    MORRIS = "morris"  # Morris trajectories: N (D + 1) points (SALib)


class Record(str, enum.Enum):
    """What each run writes."""

    KPIS = "kpis"  # one row per run with end-of-run KPIs (results/)
    SERIES = "series"  # one row per run and step (series/)
    BOTH = "both"


class Factor(Frozen):
    """One thing that varies: a scenario key, or a multiplier applied to several keys."""

    key: str | None = Field(None, description="Dotted scenario key set to the factor's value, e.g. sales.headcount.")
    scale: list[str] | None = Field(
        None, description="Dotted scenario keys multiplied by the factor's value (their base values times it)."
    )
    name: str | None = Field(None, description="Column name of the factor; default: the key.")
    values: list[Any] | None = Field(None, description="Values taken (grid designs).")
    low: float | None = Field(None, description="Lower end of the range (lhs, sobol, morris).")
    high: float | None = Field(None, description="Upper end of the range (lhs, sobol, morris).")
    integer: bool = Field(False, description="Round sampled values to integers.")
    log: bool = Field(False, description="Sample the range uniformly on a log scale (low > 0).")

    @model_validator(mode="after")
    def _check(self) -> "Factor":
        if (self.key is None) == (self.scale is None):
            raise ValueError(f"factor {self.label}: give exactly one of key = \"dotted.key\" or scale = [keys]")
        if self.scale is not None and not self.scale:
            raise ValueError(f"factor {self.label}: scale = [] names no key")
        if self.scale is not None and self.name is None:
            raise ValueError(f"factor with scale = {self.scale}: a name is required (the column name)")
        if self.name is not None and (not self.name or any(c in self.name for c in " \t\n")):
            raise ValueError(f"factor name {self.name!r}: must be non-empty without spaces")
        has_values = self.values is not None
        has_range = self.low is not None or self.high is not None
        if has_values == has_range:
            raise ValueError(f"factor {self.label}: give either values = [...] or low and high")
        if has_values and not self.values:
            raise ValueError(f"factor {self.label}: values = [] is empty")
        if has_range:
            if self.low is None or self.high is None:
                raise ValueError(f"factor {self.label}: both low and high are needed (low={self.low}, high={self.high})")
            check_range(f"factor {self.label}", self.low, self.high, self.log)
        return self

    @property
    def range(self) -> Range:
        """The sampled range (lhs, sobol, morris designs); only for a factor with low and high."""
        if self.low is None or self.high is None:
            raise ValueError(f"factor {self.label}: values = [...], not a range")
        return Range(self.low, self.high, self.log, self.integer)

    @property
    def label(self) -> str:
        return self.name or self.key or ",".join(self.scale or [])

    @property
    def column(self) -> str:
        return self.name or self.key  # type: ignore[return-value]


class SweepSpec(Frozen):
    """A validated sweep file. Build with :meth:`Sweep.from_toml`."""

    name: str = Field("sweep", description="Short name used in reports.")
    description: str = Field("", description="What the sweep asks.")
    base: str = Field(description="Base scenario file, relative to the sweep file.")
    overrides: dict[str, Any] = Field(
        default_factory=dict, description="Dotted scenario keys set on the base scenario for every run."
    )
    factors: list[Factor] = Field(description="What varies ([[factors]] tables).")
    design: Design = Field(Design.GRID, description="grid, lhs, sobol or morris.")
    samples: int | None = Field(
        None, ge=1, le=1_000_000,
        description="lhs: design points; sobol: base samples N (a power of 2; N (D+2) points); "
        "morris: trajectories (N (D+1) points).",
    )
    morris_levels: int = Field(4, ge=2, le=100, description="Grid levels of Morris sampling (even).")
    replications: int = Field(1, ge=1, le=100_000, description="Runs per design point, each with its own seed.")
    seed: int = Field(0, ge=0, description="Root seed: every run's seed and the sampling derive from it.")
    common_random_numbers: bool = Field(
        True,
        description="true: replication r of every design point uses the same random streams (seed = root seed, "
        "replication r), so differences between points are due to the factors; false: each run gets its own "
        "seed derived from the root seed and its run_id.",
    )
    record: Record = Field(Record.KPIS, description="kpis, series or both.")
    series_columns: list[str] = Field(
        default_factory=lambda: list(DEFAULT_SERIES), description="Timeseries columns kept when recording series."
    )
    outcomes: list[str] = Field(
        default_factory=lambda: list(DEFAULT_OUTCOMES), description="KPI columns `marketsim analyze` reports."
    )
    chunk_size: int | None = Field(
        None, ge=1, le=100_000, description="Runs per task and per Parquet file; none: chosen from the run length."
    )

    @model_validator(mode="after")
    def _check(self) -> "SweepSpec":
        if not self.factors:
            raise ValueError("factors: at least one [[factors]] table is needed")
        columns = [f.column for f in self.factors]
        duplicates = sorted({c for c in columns if columns.count(c) > 1})
        if duplicates:
            raise ValueError(f"factors: the names {duplicates} appear more than once; each factor needs its own")
        keys = [k for f in self.factors for k in ([f.key] if f.key else f.scale or [])]
        repeated = sorted({k for k in keys if keys.count(k) > 1})
        if repeated:
            raise ValueError(f"factors: the keys {repeated} are set by more than one factor")
        if self.design == Design.GRID:
            ranged = [f.label for f in self.factors if f.values is None]
            if ranged:
                raise ValueError(f"factors {ranged}: design = \"grid\" needs values = [...] (got low/high)")
            if self.samples is not None:
                raise ValueError(f"samples = {self.samples}: not used by design = \"grid\" (remove it)")
        else:
            listed = [f.label for f in self.factors if f.values is not None]
            if listed:
                raise ValueError(
                    f"factors {listed}: design = \"{self.design.value}\" samples ranges; give low and high, not values"
                )
            if self.samples is None:
                raise ValueError(f"samples: required by design = \"{self.design.value}\"")
            if self.design == Design.SOBOL and self.samples & (self.samples - 1):
                raise ValueError(f"samples = {self.samples}: sobol needs a power of 2 (e.g. 64, 128, 256)")
            if self.design == Design.MORRIS and self.morris_levels % 2:
                raise ValueError(f"morris_levels = {self.morris_levels}: must be even")
        if self.design in (Design.SOBOL, Design.MORRIS) and len(self.factors) < 2:
            raise ValueError(f"factors: design = \"{self.design.value}\" needs at least two factors")
        return self


# ============================================================================ loading
def read_sweep_file(path: str | Path) -> dict[str, Any]:
    """The parsed TOML of a sweep file; a missing or unreadable file is a :class:`SweepError`."""
    path = Path(path)
    if not path.exists():
        raise SweepError(f"{path}: no such sweep file")
    try:
        data = tomllib.loads(path.read_text(encoding="utf-8"))
    except tomllib.TOMLDecodeError as exc:
        raise SweepError(f"{path}: not valid TOML: {exc}") from None
    return data


def load_sweep(data: Mapping[str, Any], *, root: str | Path = ".", source: str = "sweep",
               overrides: Mapping[str, Any] | None = None) -> tuple[SweepSpec, Scenario, Path]:
    """Validate a sweep dictionary and build its base scenario: (spec, base scenario, base path).

    ``base`` is read relative to ``root``; ``overrides`` are extra dotted keys for the base
    scenario (``--set``), applied after the spec's own.
    """
    try:
        spec = SweepSpec.model_validate(dict(data))
    except ValidationError as exc:
        raise SweepError(format_validation_errors(exc, source, "sweep")) from None
    base_path = Path(root) / spec.base
    if not base_path.exists():
        raise SweepError(f"{source}: base = {spec.base!r}: no such scenario file ({base_path})")
    raw = load_toml_dict(base_path)
    merged = {**spec.overrides, **dict(overrides or {})}
    if merged:
        raw = apply_overrides(raw, merged)
    base = Scenario.from_dict(raw, source=f"{base_path} with the sweep's overrides")
    return spec, base, base_path
