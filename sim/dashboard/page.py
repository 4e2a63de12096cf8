"""Build the SolaraViz page: the model, its sliders and its panels."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import solara
from mesa.visualization import Slider, SolaraViz, solara_viz
from mesa.visualization.utils import update_counter

from sim.scenario.schema import Scenario
from sim.dashboard.model import TACTICS, DashboardModel, lever_defaults
from sim.dashboard.views import PANELS

__all__ = ["make_page", "model_params", "initial_values"]

#: Days per click of Step (and per redraw while playing): a week keeps the page responsive.
DAYS_PER_RENDER = 7


def _round_up(value: float, step: float) -> float:
    return step * max(1, -(-value // step))


def model_params(scenario: Scenario, seed: int = 0) -> dict[str, Any]:
    """SolaraViz parameters: the levers as sliders (defaults from the scenario), the rest fixed."""
    d = lever_defaults(scenario)
    budget_max = _round_up(max(3 * d["marketing_budget_usd"], 100_000), 10_000)
    population_max = int(_round_up(max(2 * scenario.market.population, 20_000), 1000))
    return {
        "base_scenario": scenario,
        "seed": seed,
        "marketing_budget_usd": Slider(
            "Marketing $ per month", value=int(d["marketing_budget_usd"]), min=0, max=int(budget_max), step=5000
        ),
        "brand_share": Slider("Brand share", value=round(float(d["brand_share"]) * 20) / 20,
                              min=0.0, max=1.0, step=0.05),
        "headcount": Slider("Sales reps", value=int(d["headcount"]), min=0, max=max(30, 2 * d["headcount"]), step=1),
        "tactic": {"type": "Select", "value": d["tactic"], "values": list(TACTICS), "label": "Negotiation tactic"},
        "population": Slider("Customers", value=int(d["population"]), min=1000, max=population_max,
                             step=1000),
    }


def initial_values(params: dict[str, Any]) -> dict[str, Any]:
    """The keyword arguments SolaraViz passes on Reset before any slider moves."""
    return {k: v.value if isinstance(v, Slider) else v["value"] if isinstance(v, dict) else v for k, v in params.items()}


@solara.component
def ShowDay(model):
    """The sidebar's "Information" as a day and a date (Mesa's default reads "Time: 378.0")."""
    update_counter.get()
    text = f"Day {model.day} ({model.date().strftime('%d %b %Y')})"
    return solara.HTML(tag="div", unsafe_innerHTML=f'<span data-testid="info-day">{text}</span>')


def make_page(scenario: Scenario | str | Path, overrides: dict | None = None, seed: int = 0):
    """The SolaraViz page for ``scenario`` (a Scenario or a scenario file, with overrides)."""
    if not isinstance(scenario, Scenario):
        scenario = Scenario.from_toml(scenario, overrides or {})
    elif overrides:
        scenario = scenario.with_overrides(overrides)
    params = model_params(scenario, seed)
    # SolaraViz looks ShowSteps up in its module when it renders: show the day instead.
    solara_viz.ShowSteps = ShowDay
    # Start from the sliders' values, so that Reset without touching a slider repeats the run.
    model = DashboardModel(**initial_values(params))
    return SolaraViz(
        model,
        components=[(panel, 0) for panel in PANELS],
        model_params=params,
        name=f"marketsim: sales vs marketing — {scenario.name}",
        play_interval=50,
        render_interval=DAYS_PER_RENDER,
    )
