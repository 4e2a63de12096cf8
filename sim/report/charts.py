"""Chart files: figures drawn from result tables and written as PNG (a step apart from the results)."""

from __future__ import annotations

import io
from pathlib import Path
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from sim.running.results import RunResult

__all__ = ["LEVERS_CHART", "RUN_CHARTS", "figure_png", "write_run_charts"]

#: The charts of one run, by file name.
RUN_CHARTS = ("funnel.png", "economics.png")
#: The chart of the levers and the decisions (scenarios with management agents).
LEVERS_CHART = "levers.png"


def figure_png(fig) -> bytes:
    """The figure as PNG bytes (the figure is closed)."""
    import matplotlib.pyplot as plt

    buffer = io.BytesIO()
    fig.savefig(buffer, format="png", dpi=100, bbox_inches="tight")
    plt.close(fig)
    return buffer.getvalue()


def write_run_charts(result: "RunResult", out: str | Path) -> list[str]:
    """Draw funnel.png and economics.png of a run from its timeseries into ``out`` (and levers.png
    when the scenario has management agents); returns the file names."""
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    from sim.plots.run import plot_economics, plot_funnel

    out = Path(out)
    out.mkdir(parents=True, exist_ok=True)
    for name, plot in zip(RUN_CHARTS, (plot_funnel, plot_economics)):
        fig = plot(result.timeseries, title=result.scenario.name)
        fig.savefig(out / name, dpi=110, bbox_inches="tight")
        plt.close(fig)
    if result.decisions is None:
        return list(RUN_CHARTS)
    from sim.plots.management import plot_levers

    fig = plot_levers(result.timeseries, result.decisions, title=result.scenario.name)
    fig.savefig(out / LEVERS_CHART, dpi=110, bbox_inches="tight")
    plt.close(fig)
    return [*RUN_CHARTS, LEVERS_CHART]
