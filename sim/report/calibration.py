"""What ``calibrate`` and ``forecast`` write besides their tables: charts and report.html."""

from __future__ import annotations

import html
import json
import os
from pathlib import Path
from typing import TYPE_CHECKING

import pandas as pd

from sim.report.charts import figure_png
from sim.report.html import html_image, html_report, html_table

if TYPE_CHECKING:
    from sim.calibration.forecast import ForecastResult
    from sim.calibration.method import CalibrationResult

__all__ = ["write_calibration_report", "write_forecast"]


def _replace(path: Path, data: bytes) -> None:
    tmp = path.with_name(path.name + ".tmp")
    tmp.write_bytes(data)
    os.replace(tmp, path)


def write_calibration_report(out: str | Path, result: "CalibrationResult", command: str = "") -> list[str]:
    """predictive.png and a self-contained report.html of a calibration; returns the file names."""
    import matplotlib

    matplotlib.use("Agg")
    from sim.plots.calibration import plot_predictive

    out = Path(out)
    png = figure_png(plot_predictive(result.predictive, result.data, f"{result.scenario.name}: data against the "
                                     "posterior predictive (5-95% band, median)"))
    _replace(out / "predictive.png", png)
    info = result.info
    sims = info["simulations"]
    checks = info["emulator_check"]
    method = (
        f"<p>{html.escape(info['method_description'])}. Simulations: {sims['wave_1']} (wave 1, Latin hypercube "
        f"over the prior) + {sims['wave_2']} (wave 2, mostly from the wave-1 posterior) + {sims['check']} "
        f"(posterior predictive check); {info['seconds']} s on {info['workers']} worker(s). "
        f"Emulator: {info['emulator']['components']} principal components keeping "
        f"{info['emulator']['explained_variance']:.0%} of the summaries' variance.</p>"
        f"<p class=\"note\">{html.escape(info['identified_rule'])}.</p>"
    )
    check_rows = pd.DataFrame([
        {"check": "wave-1 emulator on the wave-2 runs", **(checks["wave_1_emulator_on_wave_2"] or {})},
        {"check": "final emulator on the check runs", **checks["final_emulator_on_check_runs"]},
    ])
    expected = info.get("predictive_band_coverage", 0.9)
    coverage = pd.DataFrame(sorted(info["data_inside_predictive_90"].items()),
                            columns=["metric", f"share of data months inside the 90% band (expected {expected:.2f})"])
    sections = [
        ("", f"<p class=\"note\"><code>{html.escape(command)}</code></p>" if command else ""),
        ("Method and budget", method),
        ("Posterior (90% intervals)", html_table(result.summary)),
        ("Data against the posterior predictive", html_image(png, "posterior predictive") + html_table(coverage)),
        ("Emulator check (runs it was not fitted on; a right emulator has inside_90 near 0.9, rmse_z near 1)",
         html_table(check_rows)),
        ("Sampler", f"<pre>{html.escape(json.dumps(info['sampler'], indent=1))}</pre>"),
    ]
    _replace(out / "report.html", html_report(f"Calibration of {result.scenario.name}", sections).encode())
    return ["predictive.png", "report.html"]


def write_forecast(out: str | Path, result: "ForecastResult") -> list[str]:
    """forecast.csv and forecast.png; returns the file names."""
    import matplotlib

    matplotlib.use("Agg")
    from sim.plots.calibration import plot_forecast

    out = Path(out)
    out.mkdir(parents=True, exist_ok=True)
    _replace(out / "forecast.csv", result.table.to_csv(index=False).encode())
    what = ", ".join(f"{k}={v}" for k, v in result.what_if.items())
    title = f"forecast from {result.first}" + (f": as is and with {what}" if what else "") + " (5-95% band)"
    _replace(out / "forecast.png", figure_png(plot_forecast(result.runs, result.data, result.first, title=title)))
    return ["forecast.csv", "forecast.png"]
