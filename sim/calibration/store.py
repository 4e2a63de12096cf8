"""Where a calibration keeps its finished simulations, so an interrupted one resumes.

``OUT/simulations/`` holds ``manifest.json`` (a fingerprint of everything the simulations
depend on: the driven scenario, the data, the fit, the seed and the budget) and one
``.npz`` file per finished batch (its run indices, points of the unit cube and monthly CRM
values). Each file is written under a temporary name and renamed, so a file that exists is
complete. Run again with the same inputs, the finished batches are loaded and only the rest
is simulated; with other inputs the folder is cleared and the calibration starts over.
"""

from __future__ import annotations

import hashlib
import json
import os
import shutil
from pathlib import Path
from typing import Any

import numpy as np

__all__ = ["SimulationStore", "fingerprint"]


def fingerprint(parts: dict[str, Any]) -> str:
    """SHA-256 (16 hex digits) of a JSON-serialisable description."""
    return hashlib.sha256(json.dumps(parts, sort_keys=True, default=str).encode()).hexdigest()[:16]


class SimulationStore:
    """Finished batches of simulations in one folder."""

    def __init__(self, folder: str | Path, key: str, columns: list[str]):
        self.folder = Path(folder)
        self.key = key
        self.columns = list(columns)
        self.resumed = 0
        manifest = self.folder / "manifest.json"
        current = None
        if manifest.is_file():
            try:
                current = json.loads(manifest.read_text())
            except (json.JSONDecodeError, OSError):
                current = None
        if not current or current.get("fingerprint") != key or current.get("columns") != self.columns:
            if self.folder.exists():
                shutil.rmtree(self.folder)
            self.folder.mkdir(parents=True)
            _atomic_write(manifest, json.dumps({"fingerprint": key, "columns": self.columns}, indent=1).encode())
        for stale in self.folder.glob("*.tmp"):
            stale.unlink()

    def load(self, batch: str) -> tuple[np.ndarray, np.ndarray] | None:
        """``(unit points, values (runs, months, columns))`` of a finished batch, or ``None``."""
        path = self.folder / f"{batch}.npz"
        if not path.is_file():
            return None
        try:
            with np.load(path) as data:
                found = data["unit"], data["values"]
        except (OSError, ValueError, KeyError):
            path.unlink()
            return None
        self.resumed += len(found[0])
        return found

    def save(self, batch: str, unit: np.ndarray, values: np.ndarray) -> None:
        path = self.folder / f"{batch}.npz"
        tmp = path.with_name(path.name + ".tmp")
        with open(tmp, "wb") as handle:
            np.savez(handle, unit=unit, values=values)
        os.replace(tmp, path)


def _atomic_write(path: Path, data: bytes) -> None:
    tmp = path.with_name(path.name + ".tmp")
    tmp.write_bytes(data)
    os.replace(tmp, path)
