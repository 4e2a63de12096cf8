"""The sweep's output folder: atomic Parquet chunks, the manifest, the design, resume.

Finished runs are written as Parquet files, one per chunk of runs, each written to a
temporary file and then renamed, so a killed sweep never leaves a half-written file; the
runs already on disk are found again (:func:`finished_run_ids`) and skipped.

    DIR/sweep.json       the manifest (spec, resolved base scenario, its hash, versions)
    DIR/design.parquet   every run of the design, finished or not
    DIR/results/         one row per run: parameters and end-of-run KPIs
    DIR/series/          one row per run and step
"""

from __future__ import annotations

import json
import os
from pathlib import Path
from typing import Any, Mapping

import pandas as pd

from sim.sweep.design import canonical_json
from sim.sweep.spec import Record, SweepError

__all__ = [
    "DESIGN_FILE",
    "MANIFEST",
    "RESULTS",
    "SERIES",
    "TMP",
    "finished_run_ids",
    "prepare_folder",
    "read_design",
    "read_manifest",
    "read_results",
    "write_parquet_atomic",
]

MANIFEST = "sweep.json"
RESULTS = "results"  # one row per run: parameters and end-of-run KPIs
SERIES = "series"  # one row per run and step
DESIGN_FILE = "design.parquet"
TMP = ".tmp"


def write_parquet_atomic(frame: pd.DataFrame, path: Path, tmp_dir: Path) -> None:
    """Write to a temporary file beside the target, flush it to disk, then rename (atomic)."""
    tmp = tmp_dir / f"{path.name}.{os.getpid()}.{os.urandom(4).hex()}"
    frame.to_parquet(tmp, index=False)
    with open(tmp, "rb") as handle:
        os.fsync(handle.fileno())
    os.replace(tmp, path)


def _run_ids_in(folder: Path) -> dict[Path, list[str]]:
    """Run ids of every readable Parquet file in ``folder``; unreadable files are set aside."""
    import pyarrow.parquet as pq

    found: dict[Path, list[str]] = {}
    if not folder.is_dir():
        return found
    for path in sorted(folder.glob("*.parquet")):
        if path.name.startswith(("_", ".")):  # set aside earlier; pandas and pyarrow skip these too
            continue
        try:
            ids = pq.read_table(path, columns=["run_id"]).column("run_id").to_pylist()
        except Exception:  # a foreign or damaged file: keep it out of the results
            broken = path.with_name(f"_broken-{path.name}")
            os.replace(path, broken)
            continue
        found[path] = sorted(set(ids))
    return found


def read_manifest(out: str | Path) -> dict[str, Any]:
    """The ``sweep.json`` of an output folder."""
    path = Path(out) / MANIFEST
    if not path.exists():
        raise SweepError(f"{out}: no {MANIFEST} here; not a sweep output folder")
    return json.loads(path.read_text())


def read_results(out: str | Path, table: str = RESULTS) -> pd.DataFrame:
    """All finished runs of a sweep folder, sorted by design point and replication.

    ``table="results"``: one row per run (KPIs); ``table="series"``: one row per run and
    step. The same as ``pandas.read_parquet(out / table)`` apart from the row order.
    """
    folder = Path(out) / table
    if not folder.is_dir() or not any(folder.glob("*.parquet")):
        raise SweepError(f"{folder}: no results yet (run the sweep first, with record including {table!r})")
    frame = pd.read_parquet(folder)
    keys = ["point", "replication"] + (["step"] if "step" in frame.columns else [])
    return frame.sort_values(keys, kind="stable").reset_index(drop=True)


def read_design(out: str | Path) -> pd.DataFrame:
    """One row per run of the design (finished or not): point, replication, run_id, seed, parameters."""
    return pd.read_parquet(Path(out) / DESIGN_FILE)


def prepare_folder(out: Path, manifest: dict[str, Any], design: pd.DataFrame) -> dict[str, Any]:
    """Set up ``out`` for a sweep (manifest and design) or check it holds the same sweep.

    Returns the manifest on disk; a folder of another sweep, or of something else, is refused.
    """
    path = out / MANIFEST
    if path.exists():
        try:
            old = json.loads(path.read_text())
        except ValueError:
            raise SweepError(f"{path}: not a readable sweep manifest; use another --out folder") from None
        if old.get("spec_hash") != manifest["spec_hash"]:
            raise SweepError(_describe_change(out, old, manifest))
        return old
    if out.exists() and any(p for p in out.iterdir() if p.name != TMP):
        raise SweepError(f"--out {out}: the folder exists and is not a sweep output folder; choose another")
    out.mkdir(parents=True, exist_ok=True)
    (out / TMP).mkdir(exist_ok=True)
    tmp = out / TMP / f"{MANIFEST}.{os.getpid()}"
    design.to_parquet(tmp.with_suffix(".design"), index=False)
    os.replace(tmp.with_suffix(".design"), out / DESIGN_FILE)
    tmp.write_text(json.dumps(manifest, indent=2, default=str) + "\n")
    os.replace(tmp, path)  # written last: its presence means the folder is set up
    return manifest


def finished_run_ids(out: str | Path, record: Record) -> set[str]:
    """Run ids whose results are complete on disk (in every recorded table).

    With ``record = "both"`` a chunk writes its series file first and its KPI file last;
    a series file whose KPI file never arrived (the sweep was killed in between) is
    removed, so its runs are redone without duplicates.
    """
    out = Path(out)
    kpi_files = _run_ids_in(out / RESULTS)
    series_files = _run_ids_in(out / SERIES)
    if record == Record.SERIES:
        return {i for ids in series_files.values() for i in ids}
    done = {i for ids in kpi_files.values() for i in ids}
    if record == Record.BOTH:
        for path, ids in series_files.items():
            if not set(ids) <= done:
                path.unlink()
    return done


def _changed_keys(a: Any, b: Any, prefix: str) -> list[str]:
    if isinstance(a, dict) and isinstance(b, dict):
        out: list[str] = []
        for key in sorted(set(a) | set(b), key=str):
            out += _changed_keys(a.get(key), b.get(key), f"{prefix}.{key}" if prefix else str(key))
        return out
    return [] if canonical_json(a) == canonical_json(b) else [prefix]


def _describe_change(out: Path, old: Mapping[str, Any], new: Mapping[str, Any]) -> str:
    changed = [f"spec.{k}" for k in _changed_keys(old.get("spec", {}), new.get("spec", {}), "")]
    changed += [f"base scenario {k}" for k in _changed_keys(old.get("base_scenario", {}),
                                                            new.get("base_scenario", {}), "")]
    what = ", ".join(changed[:8]) + (f" and {len(changed) - 8} more" if len(changed) > 8 else "")
    return (f"--out {out} holds results of a different sweep ({old.get('name')!r}, spec {old.get('spec_hash')}; "
            f"this one is spec {new['spec_hash']}): changed: {what or 'the specification'}. Use a new --out "
            f"folder, or delete {out} to start over")
