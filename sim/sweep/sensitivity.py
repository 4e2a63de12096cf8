"""Analysis of a sweep folder: means and intervals per design point, Sobol' and Morris indices.

::

    from sim.sweep.sensitivity import analyze
    report = analyze("results/sobol")           # writes results/sobol/analysis/points.csv, indices.csv
    report.points      # one row per design point: factors, <outcome>_mean/_low/_high, n
    report.indices     # Sobol: outcome, factor, S1, S1_conf, ST, ST_conf (Morris: mu_star, sigma, ...)

Its charts are drawn by :func:`sim.plots.sweep.write_charts`.

Replications of a design point are averaged before Sobol' or Morris analysis (SALib), so the
indices describe the mean response; with common random numbers (the sweep default) the
replications share streams across points and the noise in that mean is small.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Sequence

import numpy as np
import pandas as pd

from sim.formatting import number
from sim.running.statistics import mean_interval
from sim.scenario.ranges import Range
from sim.sweep.spec import Design, SweepError
from sim.sweep.store import RESULTS, read_design, read_manifest, read_results

__all__ = [
    "SweepAnalysis",
    "analyze",
    "point_summary",
    "sobol_indices",
    "morris_indices",
    "format_report",
]


@dataclass
class SweepAnalysis:
    """What :func:`analyze` found; ``notes`` lists outcomes skipped and why.

    ``runs``: the design joined with each finished run's KPIs; ``folder``: where the tables
    (and the charts of :func:`sim.plots.sweep.write_charts`) go; ``files``: what was written.
    """

    design: str
    factors: list[str]
    outcomes: list[str]
    points: pd.DataFrame
    indices: pd.DataFrame | None = None
    notes: list[str] = field(default_factory=list)
    files: list[Path] = field(default_factory=list)
    runs: pd.DataFrame | None = None
    folder: Path | None = None


# ---------------------------------------------------------------------- tables
def _joined(out: Path) -> tuple[dict[str, Any], pd.DataFrame]:
    """The design (one row per point and replication) with each run's KPIs joined by run_id."""
    manifest = read_manifest(out)
    design = read_design(out)
    kpis = read_results(out, RESULTS)
    factors = manifest["factors"]
    kpis = kpis.drop(columns=[c for c in ["point", "replication", "seed", *factors] if c in kpis.columns])
    joined = design.merge(kpis.drop_duplicates("run_id"), on="run_id", how="left", validate="many_to_one")
    return manifest, joined


def point_summary(runs: pd.DataFrame, factors: Sequence[str], outcomes: Sequence[str],
                  level: float = 0.95) -> pd.DataFrame:
    """Per design point: the factor values, and for each outcome the mean over replications
    with its ``level`` confidence interval (Student t; ``_low``/``_high``) and ``n`` runs."""
    rows = []
    for point, group in runs.groupby("point", sort=True):
        row: dict[str, Any] = {"point": int(point)}
        for factor in factors:
            row[factor] = group[factor].iloc[0]
        row["n"] = int(group[outcomes[0]].notna().sum()) if outcomes else len(group)
        for outcome in outcomes:
            stats = mean_interval(group[outcome].tolist(), level=level)
            row[f"{outcome}_mean"] = stats["mean"]
            row[f"{outcome}_low"] = stats["low"]
            row[f"{outcome}_high"] = stats["high"]
        rows.append(row)
    return pd.DataFrame(rows)


def _problem(manifest: dict[str, Any]) -> dict[str, Any]:
    factors = manifest["spec"]["factors"]
    names = [f.get("name") or f.get("key") for f in factors]
    bounds = [list(Range(f["low"], f["high"], bool(f.get("log"))).bounds) for f in factors]
    return {"num_vars": len(names), "names": names, "bounds": bounds}


def _mean_by_point(runs: pd.DataFrame, outcome: str) -> np.ndarray:
    return runs.groupby("point", sort=True)[outcome].mean().to_numpy(dtype=float)


def sobol_indices(manifest: dict[str, Any], runs: pd.DataFrame, outcomes: Sequence[str],
                  seed: int = 0, notes: list[str] | None = None) -> pd.DataFrame:
    """First-order (S1) and total (ST) Sobol' indices with 95% bootstrap half-widths (SALib)."""
    from SALib.analyze import sobol

    problem = _problem(manifest)
    rows = []
    for outcome in outcomes:
        y = _mean_by_point(runs, outcome)
        if not np.all(np.isfinite(y)) or np.ptp(y) == 0:
            if notes is not None:
                why = "has missing values (e.g. never paid back)" if not np.all(np.isfinite(y)) else "never varies"
                notes.append(f"{outcome}: {why}; no Sobol' indices")
            continue
        result = sobol.analyze(problem, y, calc_second_order=False, conf_level=0.95, seed=seed)
        for j, name in enumerate(problem["names"]):
            rows.append({"outcome": outcome, "factor": name, "S1": result["S1"][j], "S1_conf": result["S1_conf"][j],
                         "ST": result["ST"][j], "ST_conf": result["ST_conf"][j]})
    return pd.DataFrame(rows, columns=["outcome", "factor", "S1", "S1_conf", "ST", "ST_conf"])


def morris_indices(manifest: dict[str, Any], runs: pd.DataFrame, outcomes: Sequence[str],
                   seed: int = 0, notes: list[str] | None = None) -> pd.DataFrame:
    """Morris elementary effects: mu, mu* (with its 95% bootstrap half-width) and sigma (SALib)."""
    from SALib.analyze import morris

    problem = _problem(manifest)
    names = problem["names"]
    first = runs.sort_values(["point", "replication"]).drop_duplicates("point")
    x = first[[f"sample.{n}" for n in names]].to_numpy(dtype=float)
    levels = manifest["spec"]["morris_levels"]
    rows = []
    for outcome in outcomes:
        y = _mean_by_point(runs, outcome)
        if not np.all(np.isfinite(y)):
            if notes is not None:
                notes.append(f"{outcome}: has missing values (e.g. never paid back); no Morris indices")
            continue
        result = morris.analyze(problem, x, y, num_levels=levels, conf_level=0.95, seed=seed)
        for j, name in enumerate(names):
            rows.append({"outcome": outcome, "factor": name, "mu": result["mu"][j], "mu_star": result["mu_star"][j],
                         "mu_star_conf": result["mu_star_conf"][j], "sigma": result["sigma"][j]})
    return pd.DataFrame(rows, columns=["outcome", "factor", "mu", "mu_star", "mu_star_conf", "sigma"])


# ---------------------------------------------------------------------- the whole analysis
def analyze(out: str | Path, outcomes: Sequence[str] | None = None, *, seed: int = 0) -> SweepAnalysis:
    """Analyse a sweep folder; write ``analysis/points.csv`` and ``indices.csv`` (Sobol'/Morris).

    ``outcomes``: KPI columns of ``results/`` (default: the sweep file's ``outcomes``).
    Sobol' and Morris analyses need every run of the design; means per point work on
    whatever has finished.
    """
    out = Path(out)
    manifest, runs = _joined(out)
    spec = manifest["spec"]
    factors = manifest["factors"]
    outcomes = list(outcomes or spec["outcomes"])
    unknown = [o for o in outcomes if o not in runs.columns]
    if unknown:
        allowed = ", ".join(c for c in runs.columns if c not in ("run_id", "point", "replication", "seed")
                            and not c.startswith("sample.") and c not in factors)
        raise SweepError(f"outcome {unknown[0]!r} is not a column of {out / RESULTS}; allowed: {allowed}")
    finished = runs.dropna(subset=["run_id"])
    missing = int(runs[outcomes[0]].isna().sum()) if outcomes else 0
    missing_runs = int(runs["total_revenue_usd"].isna().sum()) if "total_revenue_usd" in runs else missing
    design = Design(spec["design"])
    report = SweepAnalysis(design=design.value, factors=factors, outcomes=outcomes,
                           points=point_summary(finished, factors, outcomes), runs=finished,
                           folder=out / "analysis")
    if missing_runs:
        report.notes.append(f"{missing_runs} runs of the design are not finished; per-point means use the rest")
    if design in (Design.SOBOL, Design.MORRIS):
        if missing_runs:
            report.notes.append(f"{design.value} indices need every run: resume the sweep first")
        elif design == Design.SOBOL:
            report.indices = sobol_indices(manifest, runs, outcomes, seed=seed, notes=report.notes)
        else:
            report.indices = morris_indices(manifest, runs, outcomes, seed=seed, notes=report.notes)
    folder = report.folder
    folder.mkdir(exist_ok=True)
    report.points.to_csv(folder / "points.csv", index=False)
    report.files.append(folder / "points.csv")
    if report.indices is not None:
        report.indices.to_csv(folder / "indices.csv", index=False)
        report.files.append(folder / "indices.csv")
    return report


def format_report(report: SweepAnalysis, max_points: int = 30) -> str:
    """A short text summary: each outcome per design point (in design order) and the index table."""
    lines = [f"design: {report.design}, {len(report.points)} points, factors: {', '.join(report.factors)}"]
    with pd.option_context("display.width", 160, "display.max_columns", 20, "display.float_format",
                           number):
        for outcome in report.outcomes if report.indices is None else []:  # sampled designs: indices only
            column = f"{outcome}_mean"
            table = report.points.dropna(subset=[column])
            if table.empty:
                lines.append(f"\n{outcome}: no finished run has a value"
                             + (" (no run pays back within the horizon)" if "payback" in outcome else ""))
                continue
            shown_note = f"first {max_points} of {len(table)}; all in points.csv" if len(table) > max_points else ""
            lines.append(f"\n{outcome}: mean [95% interval] per design point" + (f" ({shown_note})" if shown_note
                                                                                   else ""))
            shown = table.head(max_points)[[*report.factors, column, f"{outcome}_low", f"{outcome}_high", "n"]]
            lines.append(shown.to_string(index=False))
        if report.indices is not None and len(report.indices):
            lines.append(f"\n{report.design} indices (95% bootstrap half-widths)")
            lines.append(report.indices.to_string(index=False))
    for note in report.notes:
        lines.append(f"note: {note}")
    return "\n".join(lines)
