"""What ``calibrate`` writes into its folder, and how ``forecast`` reads it back.

Tables and scenarios: ``posterior.csv``, ``summary.csv``, ``calibrated.toml`` (the scenario at
the posterior median, driven by the data), ``inputs.toml`` (the same before fitting: what
every simulation started from), ``data.csv`` (the CRM data fitted), ``predictive.csv`` (the
posterior predictive runs, long) and ``run.json``. Every file is written under a temporary
name and renamed, so an interrupted write never leaves a half file. Charts and the report
are drawn by ``sim.plots.calibration`` and ``sim.report.calibration``.
"""

from __future__ import annotations

import json
import os
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pandas as pd

from sim.calibration.crm import CrmError, read_crm, write_crm
from sim.calibration.method import CalibrationResult
from sim.running.results import versions
from sim.scenario.schema import Scenario

__all__ = ["CALIBRATION_FILES", "Calibrated", "load_calibration", "save_calibration"]

#: The tables ``save_calibration`` writes (charts and report.html are added by the CLI).
CALIBRATION_FILES = ("posterior.csv", "summary.csv", "calibrated.toml", "inputs.toml", "data.csv",
                     "predictive.csv", "run.json")


def _write_text(path: Path, text: str) -> None:
    tmp = path.with_name(path.name + ".tmp")
    tmp.write_text(text, encoding="utf-8")
    os.replace(tmp, path)


def _write_csv(path: Path, table: pd.DataFrame) -> None:
    _write_text(path, table.to_csv(index=False))


def library_versions() -> dict[str, str]:
    """marketsim's versions plus the calibration's libraries."""
    from importlib.metadata import PackageNotFoundError, version

    found = versions()
    for name in ("scikit-learn", "emcee", "scipy"):
        try:
            found[name] = version(name)
        except PackageNotFoundError:
            found[name] = "not installed"
    return found


def save_calibration(result: CalibrationResult, out: str | Path, command: str = "") -> list[str]:
    """Write the tables of ``result`` into ``out``; returns the file names."""
    out = Path(out)
    out.mkdir(parents=True, exist_ok=True)
    _write_csv(out / "posterior.csv", result.posterior)
    _write_csv(out / "summary.csv", result.summary)
    _write_text(out / "calibrated.toml", result.calibrated.to_toml())
    _write_text(out / "inputs.toml", result.scenario.to_toml())
    write_crm(result.data, out / "data.csv")
    _write_csv(out / "predictive.csv", result.predictive)
    info = dict(result.info, command=command, versions=library_versions())
    _write_text(out / "run.json", json.dumps(info, indent=2, default=str) + "\n")
    return list(CALIBRATION_FILES)


@dataclass
class Calibrated:
    """A calibration folder, read back: what ``forecast`` needs."""

    folder: Path
    inputs: Scenario
    data: pd.DataFrame
    posterior: pd.DataFrame
    info: dict[str, Any]


def load_calibration(folder: str | Path) -> Calibrated:
    """Read a folder ``calibrate`` wrote; a missing or broken file is a :class:`CrmError`."""
    folder = Path(folder)
    if not folder.is_dir():
        raise CrmError(f"{folder}: no such calibration folder (calibrate --out writes one)")
    for name in ("inputs.toml", "data.csv", "posterior.csv", "run.json"):
        if not (folder / name).is_file():
            raise CrmError(f"{folder}: {name} is missing; is this a folder calibrate wrote?")
    try:
        info = json.loads((folder / "run.json").read_text())
    except json.JSONDecodeError as exc:
        raise CrmError(f"{folder / 'run.json'}: not valid JSON ({exc})") from None
    inputs = Scenario.from_toml(folder / "inputs.toml")
    data = read_crm(folder / "data.csv")
    posterior = pd.read_csv(folder / "posterior.csv")
    return Calibrated(folder, inputs, data, posterior, info)
