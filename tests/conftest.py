from __future__ import annotations

from pathlib import Path

import pytest

from sim import Scenario

ROOT = Path(__file__).resolve().parents[1]
SCENARIOS = ROOT / "scenarios"


@pytest.fixture(scope="session")
def baseline() -> Scenario:
    return Scenario.from_toml(SCENARIOS / "baseline.toml")


@pytest.fixture(scope="session")
def small_baseline(baseline) -> Scenario:
    """The baseline at 2,000 customers over 240 days: quick, and still has every mechanism."""
    return baseline.with_overrides({"market.population": 2000, "time.horizon_days": 240})
