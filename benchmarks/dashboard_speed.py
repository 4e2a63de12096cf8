"""Dashboard speed: one simulated day of the four lockstep markets, and one redraw of the page's
four charts, at a few population sizes.

    .venv/bin/python benchmarks/dashboard_speed.py
"""

from __future__ import annotations

import io
import time

from sim import Scenario
from sim.dashboard import charts
from sim.dashboard.model import DashboardModel

DAYS = 180


def main() -> None:
    scenario = Scenario.from_toml("scenarios/baseline.toml")
    print(f"{'customers':>10} {'ms per day (4 markets)':>24} {'ms per redraw (4 PNG charts)':>30}")
    for population in (2_000, 10_000, 50_000):
        model = DashboardModel(scenario, population=population)
        start = time.perf_counter()
        for _ in range(DAYS):
            model.step()
        per_day = (time.perf_counter() - start) / DAYS * 1000
        start = time.perf_counter()
        for chart in (charts.funnel_chart, charts.money_chart, charts.roi_chart, charts.customer_grid):
            chart(model).savefig(io.BytesIO(), format="png", dpi=90)
        redraw = (time.perf_counter() - start) * 1000
        print(f"{population:>10,} {per_day:>24.1f} {redraw:>30.0f}")


if __name__ == "__main__":
    main()
