"""The SolaraViz page: ``solara run sim/dashboard/app.py`` (``marketsim dashboard`` does it).

The scenario comes from the environment, set by ``marketsim dashboard``:
``MARKETSIM_DASHBOARD_SCENARIO`` (a scenario file), ``MARKETSIM_DASHBOARD_OVERRIDES`` (a
JSON object of ``--set`` overrides) and ``MARKETSIM_DASHBOARD_SEED``.
"""

from __future__ import annotations

import json
import os

from sim.dashboard.page import make_page

page = make_page(
    os.environ.get("MARKETSIM_DASHBOARD_SCENARIO", "scenarios/baseline.toml"),
    json.loads(os.environ.get("MARKETSIM_DASHBOARD_OVERRIDES", "{}")),
    int(os.environ.get("MARKETSIM_DASHBOARD_SEED", "0")),
)
