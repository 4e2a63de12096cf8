"""What a run produced, as tables: ``RunResult`` (one or more replications) and ``Replication``."""

from __future__ import annotations

import functools
import json
import platform
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from sim.scenario.schema import Scenario

__all__ = ["Replication", "RunResult", "versions"]


def versions() -> dict[str, str]:
    """Versions of marketsim and the libraries that shape its results (read without importing them)."""
    return dict(_versions())


@functools.cache
def _versions() -> tuple[tuple[str, str], ...]:
    """(Read once a process: reading a package's metadata costs more than a small run's tables.)"""
    from importlib.metadata import PackageNotFoundError, version

    from sim import __version__

    found = {"marketsim": __version__, "python": platform.python_version()}
    for name in ("mesa", "numpy", "pandas", "matplotlib"):
        try:
            found[name] = version(name)
        except PackageNotFoundError:
            found[name] = "not installed"
    return tuple(found.items())


@dataclass
class RunResult:
    """Everything one run (one or more replications) produced.

    Attributes
    ----------
    timeseries : one row per replication and step (stage counts, ledger, funnel counters).
    summary : KPIs per function; with several replications each KPI is
        ``{"mean", "low", "high", "n"}`` (95% interval of the mean).
    replication_summaries : the plain summary of each replication.
    deals : one row per deal won (price, discount, cycle, how it was won).
    losses : one row per opportunity lost (cause).
    attribution : revenue credited per step, method and touch point (long format).
    journeys : traced customers' events, or ``None``.
    decisions : the management agents' decisions (``replication, date, function, lever, before,
        after, reason``), or ``None`` when the scenario has no ``[management]``.
    """

    scenario: Scenario
    seed: int
    replications: int
    timeseries: pd.DataFrame
    summary: dict[str, Any]
    replication_summaries: list[dict[str, Any]]
    deals: pd.DataFrame
    losses: pd.DataFrame
    attribution: pd.DataFrame
    journeys: pd.DataFrame | None = None
    decisions: pd.DataFrame | None = None
    versions: dict[str, str] = field(default_factory=versions)

    def save(self, out: str | Path) -> Path:
        """Write the tables: timeseries.csv, summary.json, run.json, deals.csv (and journeys.csv, decisions.csv).

        Charts are a separate step: ``sim.report.charts.write_run_charts(result, out)``.
        """
        out = Path(out)
        out.mkdir(parents=True, exist_ok=True)
        self.timeseries.to_csv(out / "timeseries.csv", index=False)
        self.deals.to_csv(out / "deals.csv", index=False)
        (out / "summary.json").write_text(json.dumps(self.summary, indent=2, default=_json_default) + "\n")
        run_info = {
            "scenario": self.scenario.to_dict(),
            "seed": self.seed,
            "replications": self.replications,
            "versions": self.versions,
        }
        (out / "run.json").write_text(json.dumps(run_info, indent=2, default=_json_default) + "\n")
        if self.journeys is not None:
            self.journeys.to_csv(out / "journeys.csv", index=False)
        if self.decisions is not None:
            self.decisions.to_csv(out / "decisions.csv", index=False)
        return out


def _json_default(value: Any) -> Any:
    if isinstance(value, (np.integer,)):
        return int(value)
    if isinstance(value, (np.floating,)):
        return float(value)
    raise TypeError(f"cannot serialise {type(value).__name__}")


@dataclass
class Replication:
    """The tables of one replication of one scenario (what ``run_one`` returns)."""

    timeseries: pd.DataFrame
    summary: dict[str, Any]
    deals: pd.DataFrame
    losses: pd.DataFrame
    attribution: pd.DataFrame
    journeys: pd.DataFrame | None
    decisions: pd.DataFrame | None = None
