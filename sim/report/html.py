"""Write the strategists' outputs: CSV tables, PNG charts and a self-contained HTML report.

The HTML report embeds its charts (base64 PNG) and needs nothing else: it can be mailed.
"""

from __future__ import annotations

import base64
import datetime as dt
import html
import json
from pathlib import Path
from typing import TYPE_CHECKING, Any, Sequence

import pandas as pd

from sim.formatting import ABSENT, MISSING, number
from sim.report.text import payback_text
from sim.report.charts import figure_png

if TYPE_CHECKING:
    from sim.analysis.roi import RoiResult

__all__ = ["html_image", "html_report", "html_table", "write_comparison", "write_roi"]


def _fmt(value: Any) -> str:
    if isinstance(value, str):
        return html.escape(value)
    return html.escape(number(value, missing="—"))


class _Html:
    """Text that is already HTML (inserted into tables as is).

    Not a ``str`` subclass on purpose: pandas may store strings as its own string type and
    drop a subclass, while other objects are kept as they are.
    """

    __slots__ = ("markup",)

    def __init__(self, markup: str) -> None:
        self.markup = markup

    def __str__(self) -> str:
        return self.markup


def _kpi_cell(mean, low, high, kpi: str = "", result: "RoiResult | None" = None) -> str | _Html:
    """A KPI with its interval; a payback day reads "never" when not reached (bounds too),
    "absent" when the function cost nothing; an interval of one replication reads n/a."""
    if result is not None and kpi.endswith("_payback_day"):
        text = payback_text(result.payback[kpi.removesuffix("_payback_day")], result.replications)
        head, _, bounds = text.partition(" [")
        return _Html(html.escape(head) + (f"<br><small>[{html.escape(bounds)}</small>" if bounds else ""))
    if mean is None or pd.isna(mean):
        return ABSENT
    if result is not None and result.replications == 1:
        return _Html(f"{_fmt(mean)}<br><small>[{MISSING}]</small>")
    if low is None or pd.isna(low) or (low == mean and high == mean):
        return _fmt(mean)
    return _Html(f"{_fmt(mean)}<br><small>[{_fmt(low)}, {_fmt(high)}]</small>")


def html_table(frame: pd.DataFrame) -> str:
    """A table of the report (money and counts formatted as everywhere else)."""
    head = "".join(f"<th>{html.escape(str(c))}</th>" for c in frame.columns)
    body = "".join(
        "<tr>" + "".join(f"<td>{v.markup if isinstance(v, _Html) else _fmt(v)}</td>"
                         for v in row) + "</tr>"
        for row in frame.itertuples(index=False)
    )
    return f"<table><thead><tr>{head}</tr></thead><tbody>{body}</tbody></table>"


_STYLE = """
body{font-family:system-ui,-apple-system,Segoe UI,Helvetica,Arial,sans-serif;margin:2em auto;max-width:1200px;color:#222}
h1{font-size:1.6em}h2{font-size:1.25em;margin-top:1.6em;border-bottom:1px solid #ddd}
table{border-collapse:collapse;font-size:.85em;margin:.5em 0}
td,th{border:1px solid #ddd;padding:.3em .6em;text-align:right;vertical-align:top}
th{background:#f3f3f3}td:first-child,th:first-child{text-align:left}
img{max-width:100%;border:1px solid #eee;margin:.5em 0}
.note{color:#555;font-size:.9em}code{background:#f5f5f5;padding:0 .2em}
"""


def html_report(title: str, sections: Sequence[tuple[str, str]]) -> str:
    """A complete HTML page from (heading, HTML body) sections."""
    parts = [f"<h2>{html.escape(h)}</h2>\n{body}" if h else body for h, body in sections]
    return (
        "<!DOCTYPE html>\n<html lang=\"en\"><head><meta charset=\"utf-8\">"
        f"<title>{html.escape(title)}</title><style>{_STYLE}</style></head>\n<body>\n"
        f"<h1>{html.escape(title)}</h1>\n" + "\n".join(parts) + "\n</body></html>\n"
    )


def html_image(png: bytes, alt: str) -> str:
    """A chart embedded in the report (PNG bytes as a data URL)."""
    return f'<img alt="{html.escape(alt)}" src="data:image/png;base64,{base64.b64encode(png).decode("ascii")}">'


_DEFINITIONS = """
<p class="note">Incremental ROI of a function at day t = (cumulative gross profit of the scenario - that of the same
scenario without the function, on the same random numbers - the function's cumulative cost) / its cumulative cost.
Marketing cost = channel spend + marketing team; sales cost = salaries, loaded overhead, managers and commissions. Payback = first day the mean
ROI reaches 0 (interval: first days the upper and lower 95% bands reach 0); "never" = not within the horizon.
Interaction = full - no marketing - no sales + neither (cumulative gross profit): positive when the functions make each
other more productive. Intervals: 95% Student-t intervals of the mean over replications.</p>
"""


def _run_info(results: dict[str, "RoiResult"], command: str, sources: Sequence[str] | None) -> str:
    from sim.running.results import versions

    first = next(iter(results.values()))
    info = {
        "command": command,
        "created (UTC)": dt.datetime.now(dt.timezone.utc).strftime("%Y-%m-%d %H:%M"),
        "root seed": first.seed,
        "replications": f"{first.replications} (replication r uses the streams of (seed, r) in every scenario "
                        "and counterfactual: common random numbers)",
        "scenario files": ", ".join(sources) if sources else "",
        **{f"version of {k}": v for k, v in versions().items()},
    }
    rows = "".join(f"<tr><th>{html.escape(k)}</th><td>{html.escape(str(v))}</td></tr>" for k, v in info.items())
    return f"<table>{rows}</table>"


def _payback_text(results: dict[str, "RoiResult"]) -> str:
    items = []
    for name, r in results.items():
        parts = []
        for f in ("marketing", "sales"):
            p = r.payback[f]
            roi = r.kpi(f"{f}_roi")
            if roi["mean"] is None:
                parts.append(f"{f}: no cost, ROI absent")
                continue
            text = payback_text(p, r.replications)
            when = f"does not pay back within the horizon ({text})" if p["mean"] is None else (
                f"pays back on {text} ({r.timeline['date'].iloc[p['mean']]:%Y-%m-%d})")
            parts.append(f"{f} {when}, ROI at the horizon {roi['mean']:+.2f}")
        items.append(f"<li><b>{html.escape(name)}</b>: " + "; ".join(parts) + "</li>")
    return "<ul>" + "".join(items) + "</ul>"


#: Decisions listed in a report (the first replication's moves); the CSV has them all.
_DECISIONS_SHOWN = 40


def _decisions_section(results: dict[str, "RoiResult"], png: bytes) -> str:
    """The levers chart and the first replication's decisions that moved a lever."""
    from sim.plots.management import lever_moves

    rows = []
    for name, result in results.items():
        if result.decisions is None:
            continue
        moved = lever_moves(result.decisions)
        rows.append(moved.assign(scenario=name)[["scenario", "date", "function", "lever", "before", "after", "reason"]])
    table = pd.concat(rows, ignore_index=True) if rows else pd.DataFrame()
    shown = table.head(_DECISIONS_SHOWN)
    more = f" (the first {_DECISIONS_SHOWN} of {len(table)}; decisions.csv has every replication's)" \
        if len(table) > _DECISIONS_SHOWN else " (decisions.csv has every replication's, with the reviews that held)"
    return (html_image(png, "levers and decisions")
            + f"<p class=\"note\">Decisions of replication 0 that moved a lever{more}.</p>"
            + (html_table(shown) if len(shown) else "<p>No decision moved a lever.</p>"))


def _write_decisions(out: Path, results: dict[str, "RoiResult"]) -> list[str]:
    """decisions.csv (every scenario with management agents) and levers.png; the file names, and the
    report section (empty when no scenario has management)."""
    from sim.plots.management import plot_levers_comparison

    managed = {name: r for name, r in results.items() if r.decisions is not None}
    if not managed:
        return []
    frame = pd.concat([r.decisions.assign(scenario=name) for name, r in managed.items()], ignore_index=True)
    frame[["scenario", *next(iter(managed.values())).decisions.columns]].to_csv(out / "decisions.csv", index=False)
    (out / "levers.png").write_bytes(figure_png(plot_levers_comparison(managed)))
    return ["decisions.csv", "levers.png"]


def write_comparison(
    out: str | Path, results: dict[str, "RoiResult"], command: str = "", sources: Sequence[str] | None = None
) -> list[str]:
    """comparison.csv, roi_timeline.csv, roi.png, funnel.png, economics.png and report.html into ``out``
    (and decisions.csv, levers.png when a scenario has management agents)."""
    import matplotlib

    matplotlib.use("Agg")
    from sim.analysis.compare import comparison_table, scenario_differences
    from sim.plots.roi import plot_economics_comparison, plot_funnel_comparison, plot_roi

    out = Path(out)
    out.mkdir(parents=True, exist_ok=True)
    table = comparison_table(results)
    table.to_csv(out / "comparison.csv", index=False)
    timeline = pd.concat([r.timeline.assign(scenario=name) for name, r in results.items()], ignore_index=True)
    timeline[["scenario", *results[next(iter(results))].timeline.columns]].to_csv(out / "roi_timeline.csv", index=False)
    pngs = {
        "roi.png": figure_png(plot_roi(results)),
        "funnel.png": figure_png(plot_funnel_comparison(results)),
        "economics.png": figure_png(plot_economics_comparison(results)),
    }
    for name, png in pngs.items():
        (out / name).write_bytes(png)
    managed = _write_decisions(out, results)
    wide = table.assign(cell=[_kpi_cell(m, lo, hi, k, results[name]) for name, k, m, lo, hi in
                              zip(table["scenario"], table["kpi"], table["mean"], table["low"], table["high"])])
    wide = wide.pivot(index="kpi", columns="scenario", values="cell").reindex(table["kpi"].unique())
    wide = wide[list(results)].reset_index()
    diffs = scenario_differences({name: r.scenario for name, r in results.items()})
    sections = [
        ("", f"<p>{len(results)} scenarios, each run with and without each function. {_DEFINITIONS}</p>"),
        ("Payback and ROI", _payback_text(results)),
        ("ROI timelines", html_image(pngs["roi.png"], "ROI timelines")),
        ("KPIs (mean, [95% interval])", html_table(wide)),
        ("Scenario differences, key by key", html_table(diffs) if len(diffs) else "<p>The scenarios are identical.</p>"),
        ("Funnel", html_image(pngs["funnel.png"], "funnel")),
        ("Economics", html_image(pngs["economics.png"], "economics")),
        *([("Levers and management decisions",
            _decisions_section(results, (out / "levers.png").read_bytes()))] if managed else []),
        ("Seeds and versions", _run_info(results, command, sources)),
    ]
    (out / "report.html").write_text(html_report("marketsim: scenario comparison", sections), encoding="utf-8")
    return ["comparison.csv", "roi_timeline.csv", *pngs, *managed, "report.html"]


def _benchmarks(summary: dict) -> str:
    """The benchmark table of the full scenario's runs (``sim.analysis.benchmarks``)."""
    from sim.analysis.benchmarks import benchmark_table

    table = benchmark_table(summary)
    table["value"] = [_kpi_cell(m, lo, hi) for m, lo, hi in zip(table["mean"], table["low"], table["high"])]
    table["range"] = [f"{lo:g}-{hi:g}" for lo, hi in zip(table["range_low"], table["range_high"])]
    inside = int((table["verdict"] == "inside").sum())
    return (html_table(table[["kpi", "value", "range", "verdict", "published", "source"]])
            + f"<p class=\"note\">{inside} of {len(table)} inside their published range "
              "(mid-market B2B SaaS, ACV about $25k).</p>")


def write_roi(out: str | Path, result: "RoiResult", command: str = "", source: str | None = None) -> list[str]:
    """roi_timeline.csv, roi_kpis.csv, attribution.csv, roi.png, attribution.png, funnel.png,
    economics.png and report.html into ``out`` (and decisions.csv, levers.png with management agents)."""
    import matplotlib

    matplotlib.use("Agg")
    from sim.plots.run import plot_economics, plot_funnel
    from sim.plots.roi import plot_attribution, plot_roi

    out = Path(out)
    out.mkdir(parents=True, exist_ok=True)
    result.timeline.to_csv(out / "roi_timeline.csv", index=False)
    result.kpis.to_csv(out / "roi_kpis.csv", index=False)
    result.attribution.to_csv(out / "attribution.csv", index=False)
    name = result.scenario.name
    pngs = {
        "roi.png": figure_png(plot_roi({name: result})),
        "attribution.png": figure_png(plot_attribution(result)),
        "funnel.png": figure_png(plot_funnel(result.timeseries, title=name)),
        "economics.png": figure_png(plot_economics(result.timeseries, title=name)),
    }
    for file, png in pngs.items():
        (out / file).write_bytes(png)
    managed = _write_decisions(out, {name: result})
    kpis = result.kpis.assign(value=[_kpi_cell(m, lo, hi, k, result) for k, m, lo, hi in
                                     zip(result.kpis["kpi"], result.kpis["mean"], result.kpis["low"],
                                         result.kpis["high"])])
    marginal = "".join(
        f"<li>{f}: {html.escape(m['change'])} = +${m['extra_cost_usd']:,.0f} of {f} cost "
        f"({(m['extra_cost_share'] or 0):.1%})</li>" for f, m in result.marginal.items()
    )
    attribution = result.attribution.copy()
    attribution["gross_profit_usd"] = [
        _kpi_cell(m, lo, hi, result=result) for m, lo, hi in
        zip(attribution["gross_profit_usd"], attribution["gross_profit_usd_low"], attribution["gross_profit_usd_high"])
    ]
    attribution["roi"] = [_kpi_cell(m, lo, hi, result=result) for m, lo, hi in
                          zip(attribution["roi"], attribution["roi_low"], attribution["roi_high"])]
    attribution = attribution[["function", "method", "gross_profit_usd", "roi", "credit_vs_incremental"]]
    sections = [
        ("", f"<p>Scenario <b>{html.escape(name)}</b>: {html.escape(result.scenario.description)}</p>{_DEFINITIONS}"),
        ("Payback and ROI", _payback_text({name: result})),
        ("ROI timelines", html_image(pngs["roi.png"], "ROI timelines")),
        ("KPIs at the horizon (mean, [95% interval])", html_table(kpis[["kpi", "value"]])),
        *([("Marginal ROI: what the next increment buys",
            f"<p>Each function's budget raised against the full scenario, on the same seeds:</p><ul>{marginal}</ul>"
            "<p class=\"note\">Marginal ROI = (extra gross profit - extra cost of the function) / extra cost of the "
            "function. A headcount is whole: +10% of reps is rounded to whole reps (at least one); a fractional "
            "headcount would be a mix of the two neighbouring headcounts and give the same ratio.</p>")]
          if result.marginal else []),
        ("Attributed vs incremental", html_image(pngs["attribution.png"], "attribution") + html_table(attribution)
         + "<p class=\"note\">credit_vs_incremental = gross profit a heuristic credits to the function / its "
           "incremental gross profit (above 1: the heuristic over-credits).</p>"),
        ("Is this a company that could exist? KPIs beside published ranges", _benchmarks(result.summary)),
        ("Funnel", html_image(pngs["funnel.png"], "funnel")),
        ("Economics", html_image(pngs["economics.png"], "economics")),
        *([("Levers and management decisions",
            _decisions_section({name: result}, (out / "levers.png").read_bytes()))] if managed else []),
        ("Seeds and versions", _run_info({name: result}, command, [source] if source else None)),
    ]
    (out / "report.html").write_text(html_report(f"marketsim: ROI of marketing and sales — {name}", sections),
                                     encoding="utf-8")
    (out / "run.json").write_text(json.dumps({"scenario": result.scenario.to_dict(), "seed": result.seed,
                                              "replications": result.replications, "command": command},
                                             indent=2, default=str) + "\n")
    return ["roi_timeline.csv", "roi_kpis.csv", "attribution.csv", *pngs, *managed, "report.html", "run.json"]
