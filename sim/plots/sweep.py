"""Charts of a sweep's analysis: Sobol'/Morris indices, response surfaces of a grid, scatter plots.

::

    from sim.sweep.sensitivity import analyze
    from sim.plots.sweep import write_charts
    report = analyze("results/sobol")     # tables: results/sobol/analysis/points.csv, indices.csv
    write_charts(report)                  # PNG charts beside them

Each ``plot_*`` function takes tables (and optionally axes), returns the figure, never calls ``show()``.
"""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING, Sequence

import numpy as np
import pandas as pd
from matplotlib.ticker import FuncFormatter

from sim.formatting import compact
from sim.sweep.spec import Design

if TYPE_CHECKING:
    from sim.sweep.sensitivity import SweepAnalysis

__all__ = ["plot_indices", "plot_response", "plot_scatter", "write_charts"]


def plot_indices(indices: pd.DataFrame, outcome: str, ax=None):
    """Bar chart of one outcome's Sobol' (S1, ST) or Morris (mu*, sigma) indices with intervals."""
    import matplotlib.pyplot as plt

    data = indices[indices["outcome"] == outcome]
    if ax is None:
        fig, ax = plt.subplots(figsize=(7, 1.2 + 0.6 * max(2, len(data))))
    else:
        fig = ax.figure
    y = np.arange(len(data))
    if "ST" in data.columns:
        ax.barh(y - 0.2, data["S1"], 0.4, xerr=data["S1_conf"], label="first order (S1)", color="#4c72b0",
                capsize=3)
        ax.barh(y + 0.2, data["ST"], 0.4, xerr=data["ST_conf"], label="total (ST)", color="#dd8452", capsize=3)
        ax.set_xlabel("Sobol' index (share of variance), 95% bootstrap interval")
        ax.axvline(0, color="black", lw=0.8)
    else:
        ax.barh(y - 0.2, data["mu_star"], 0.4, xerr=data["mu_star_conf"], label="mu* (mean |effect|)",
                color="#4c72b0", capsize=3)
        ax.barh(y + 0.2, data["sigma"], 0.4, label="sigma (non-linearity, interactions)", color="#dd8452")
        ax.set_xlabel(f"Morris elementary effect on {outcome}")
    ax.set_yticks(y, data["factor"])
    ax.invert_yaxis()
    ax.set_title(outcome)
    ax.legend(loc="best", fontsize=8)
    fig.tight_layout()
    return fig


def _varying(points: pd.DataFrame, factors: Sequence[str]) -> list[str]:
    return [f for f in factors if points[f].nunique() > 1 and pd.api.types.is_numeric_dtype(points[f])]


def plot_response(points: pd.DataFrame, factors: Sequence[str], outcome: str, ax=None):
    """Response of an outcome's mean to the factors of a grid.

    Two or more varying numeric factors: a heat map over the first two (averaged over the
    others), with the mean in each cell. One: the mean with its 95% interval as a band.
    """
    import matplotlib.pyplot as plt

    varying = _varying(points, factors)
    if ax is None:
        fig, ax = plt.subplots(figsize=(7, 5))
    else:
        fig = ax.figure
    mean = f"{outcome}_mean"
    if len(varying) >= 2:
        fx, fy = varying[:2]
        table = points.groupby([fy, fx])[mean].mean().unstack(fx).sort_index()
        image = ax.imshow(table.to_numpy(dtype=float), origin="lower", aspect="auto", cmap="viridis")
        ax.set_xticks(range(table.shape[1]), [f"{v:g}" for v in table.columns])
        ax.set_yticks(range(table.shape[0]), [f"{v:g}" for v in table.index])
        values = table.to_numpy(dtype=float)
        finite = values[np.isfinite(values)]
        middle = (finite.min() + finite.max()) / 2 if finite.size else 0
        for i in range(values.shape[0]):
            for j in range(values.shape[1]):
                if np.isfinite(values[i, j]):
                    ax.text(j, i, compact(values[i, j]), ha="center", va="center", fontsize=8,
                            color="white" if values[i, j] < middle else "black")
        ax.set_xlabel(fx)
        ax.set_ylabel(fy)
        others = [f for f in varying[2:]]
        ax.set_title(f"{outcome} (mean over replications" + (f", averaged over {', '.join(others)})" if others
                                                              else ")"))
        bar = fig.colorbar(image, ax=ax, label=outcome)
        bar.formatter = FuncFormatter(lambda x, _pos: compact(x))  # the same units as the cells
        bar.update_ticks()
    elif len(varying) == 1:
        fx = varying[0]
        data = points.sort_values(fx)
        ax.plot(data[fx], data[mean], marker="o", color="#4c72b0")
        ax.fill_between(data[fx], data[f"{outcome}_low"].astype(float), data[f"{outcome}_high"].astype(float),
                        alpha=0.25, color="#4c72b0", label="95% interval of the mean")
        ax.set_xlabel(fx)
        ax.set_ylabel(outcome)
        ax.legend(fontsize=8)
        ax.set_title(outcome)
    else:
        ax.text(0.5, 0.5, "no numeric factor varies", ha="center", va="center", transform=ax.transAxes)
    fig.tight_layout()
    return fig


def plot_scatter(runs: pd.DataFrame, factors: Sequence[str], outcome: str, fig=None):
    """One panel per factor: each design point's mean outcome against the factor (sampled designs)."""
    import matplotlib.pyplot as plt

    means = runs.groupby("point").agg({**{f: "first" for f in factors}, outcome: "mean"})
    n = len(factors)
    if fig is None:
        fig = plt.figure(figsize=(3.2 * n, 3.2))
    axes = fig.subplots(1, n, sharey=True, squeeze=False)[0]
    for ax, factor in zip(axes, factors):
        ax.scatter(means[factor], means[outcome], s=10, alpha=0.7, color="#4c72b0")
        ax.set_xlabel(factor, fontsize=8)
    axes[0].set_ylabel(outcome)
    fig.suptitle(f"{outcome}: mean per design point")
    fig.tight_layout()
    return fig


def write_charts(report: "SweepAnalysis", folder: str | Path | None = None) -> list[Path]:
    """Draw each outcome's chart of an analysis into ``folder`` (default: the analysis folder).

    Sobol'/Morris designs: the indices; grids: the response of the mean to the factors;
    Latin hypercubes: each point's mean against each factor. The PNG files are added to
    ``report.files`` and returned.
    """
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    folder = Path(folder) if folder is not None else report.folder
    if folder is None:
        raise ValueError("write_charts: the analysis has no folder; pass folder=")
    folder.mkdir(parents=True, exist_ok=True)
    design = Design(report.design)
    factors, finished = report.factors, report.runs
    written: list[Path] = []
    for outcome in report.outcomes:
        figure = None
        if report.indices is not None and (report.indices["outcome"] == outcome).any():
            figure, name = plot_indices(report.indices, outcome), f"indices_{outcome}.png"
        elif design == Design.GRID and _varying(report.points, factors):
            if report.points[f"{outcome}_mean"].notna().any():
                figure, name = plot_response(report.points, factors, outcome), f"response_{outcome}.png"
        elif design == Design.LHS:
            if finished[outcome].notna().any():  # nothing to draw when no run has a value
                figure, name = plot_scatter(finished, factors, outcome), f"scatter_{outcome}.png"
        if figure is not None:
            figure.savefig(folder / name, dpi=110, bbox_inches="tight")
            plt.close(figure)
            written.append(folder / name)
    report.files.extend(written)
    return written
