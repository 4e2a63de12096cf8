"""What the dashboard shows: one function per panel, each taking the model.

SolaraViz wraps plain functions so they redraw after every step (or every render interval).
Only ``solara.Text``-free HTML and PNG figures are used: they need no JavaScript from a CDN.
"""

from __future__ import annotations

import html

import solara

from sim.formatting import money
from sim.plots.style import FUNCTION_COLORS
from sim.dashboard import charts
from sim.dashboard.model import DashboardModel

__all__ = ["PANELS", "kpi_panel", "guide_panel", "funnel_panel", "customers_panel", "money_panel", "roi_panel"]

_DPI = 90


def _figure(model: DashboardModel, chart) -> solara.Element:
    fig = chart(model)
    return solara.FigureMatplotlib(fig, dependencies=[id(model), model.day], format="png", dpi=_DPI)


def _percent(value: float | None) -> str:
    return "–" if value is None else f"{value * 100:+.0f}%"


def _tile(label: str, value: str, color: str, test_id: str) -> str:
    return (
        f'<div data-testid="{test_id}" style="border-left:5px solid {color};padding:4px 10px;margin:4px;'
        f'background:#fafafa;min-width:118px;flex:1 1 118px">'
        f'<div style="font-size:12px;color:#555">{html.escape(label)}</div>'
        f'<div class="kpi-value" style="font-size:20px;font-weight:600;color:#222">{html.escape(value)}</div></div>'
    )


def kpi_panel(model: DashboardModel) -> solara.Element:
    """Headline figures so far."""
    k = model.kpis()
    date = model.date().strftime("%d %b %Y")
    m, s, r, p = (FUNCTION_COLORS[x] for x in ("marketing", "sales", "revenue", "profit"))
    grey = "#888888"
    tiles = [
        _tile("day", f"{k['day']} ({date})", grey, "kpi-day"),
        _tile("customers now", f"{k['customers']:,.0f}", r, "kpi-customers"),
        _tile("revenue so far", money(k["revenue_usd"]), r, "kpi-revenue"),
        _tile("contribution so far", money(k["contribution_usd"]), p, "kpi-contribution"),
        _tile("marketing cost so far", money(k["marketing_cost_usd"]), m, "kpi-marketing-cost"),
        _tile("sales cost so far", money(k["sales_cost_usd"]), s, "kpi-sales-cost"),
        _tile("marketing ROI (incremental)", _percent(k["roi_marketing"]), m, "kpi-roi-marketing"),
        _tile("sales ROI (incremental)", _percent(k["roi_sales"]), s, "kpi-roi-sales"),
        _tile("leads (gone stale)", f"{k['leads']:,.0f} ({k['stale_leads']:,.0f})", m, "kpi-leads"),
        _tile("win rate of reps", _percent(k["win_rate"]).lstrip("+"), s, "kpi-win-rate"),
    ]
    levers = model.levers
    setting = (
        f"{model.market_scenario.name}: {levers['population']:,} customers, "
        f"marketing {money(levers['marketing_budget_usd'])}/month ({levers['brand_share']:.0%} brand), "
        f"{levers['headcount']} reps ({levers['tactic']})"
    )
    body = (
        f'<div data-testid="kpis" style="font-family:sans-serif">'
        f'<div data-testid="kpi-setting" style="font-size:13px;color:#333;margin:2px 4px 6px">{html.escape(setting)}</div>'
        f'<div style="display:flex;flex-wrap:wrap">{"".join(tiles)}</div></div>'
    )
    return solara.HTML(tag="div", unsafe_innerHTML=body)


# Vuetify shows a slider's value only while it is dragged; a class needs to read it at a glance.
# Mesa's SolaraViz also shows developer controls a class does not need: a "Page 0" tab bar (the
# dashboard has one page), a "Use Threads" checkbox, and "Render Interval (steps)" where a step
# is a day. Mesa 3.5 has no option for these, so the page's CSS hides or relabels them.
ALWAYS_SHOW_SLIDER_VALUES = """
<style>
.v-tabs { display: none !important; }
.v-navigation-drawer .v-input--checkbox { display: none !important; }
.v-input__slider:has([aria-label="Render Interval (steps)"]) .v-label { font-size: 0 !important; }
.v-input__slider:has([aria-label="Render Interval (steps)"]) .v-label::after {
  content: "Render Interval (days)"; font-size: 16px; }
.v-slider__thumb-label-container { display: block !important; }
.v-slider__thumb-label { transform: translateY(-24px) translateX(-50%) !important; border-radius: 4px !important;
  width: auto !important; min-width: 26px; height: 18px !important; padding: 0 5px; font-size: 11px; }
.v-slider__thumb-label > * { transform: none !important; }
.v-input__slider { margin-top: 16px !important; }
</style>
"""

GUIDE = ALWAYS_SHOW_SLIDER_VALUES + """
<div data-testid="guide" style="font-family:sans-serif;font-size:13px;line-height:1.45;color:#222">
<b>How to read this page</b>
<ul style="margin:4px 0 0 0;padding-left:18px">
<li><b>Funnel</b>: every customer is in one stage. Marketing moves people from
<i>unaware</i> to <i>aware</i>, <i>considering</i> and <i>lead</i>; sales works
<i>opportunity</i> and <i>negotiation</i> and closes <i>customers</i>.</li>
<li><b>Customers</b>: the same stages for a fixed sample, one square per business.</li>
<li><b>Money so far</b>: what each function has cost, the revenue, and the contribution
(gross profit minus both costs).</li>
<li><b>Incremental ROI</b>: the same market is also run, with the same random numbers,
without marketing and without reps. ROI = (extra gross profit the function brings &minus; its cost)
&divide; its cost. Below 0 it has not paid for itself yet.</li>
</ul>
<p style="margin:6px 0 0 0">Move the sliders on the left, then press <b>Reset</b> to restart with them;
<b>Step</b> advances one week, <b>&#9654;</b> plays.</p>
</div>
"""


def guide_panel(model: DashboardModel) -> solara.Element:
    """A short legend for a class."""
    return solara.HTML(tag="div", unsafe_innerHTML=GUIDE)


def funnel_panel(model: DashboardModel) -> solara.Element:
    return _figure(model, charts.funnel_chart)


def customers_panel(model: DashboardModel) -> solara.Element:
    return _figure(model, charts.customer_grid)


def money_panel(model: DashboardModel) -> solara.Element:
    return _figure(model, charts.money_chart)


def roi_panel(model: DashboardModel) -> solara.Element:
    return _figure(model, charts.roi_chart)


#: Panels in page order (SolaraViz lays them out two per row).
PANELS = [kpi_panel, guide_panel, funnel_panel, customers_panel, money_panel, roi_panel]
