"""The dashboard's model: one scenario run in lockstep with its three counterfactuals.

:class:`DashboardModel` is a ``mesa.Model`` whose ``__init__`` takes every dashboard lever
by name (SolaraViz rebuilds it on Reset as ``DashboardModel(**params)``). It steps four
:class:`~sim.engine.model.MarketModel` copies of the same scenario with the same seed: as built,
without marketing, without reps, and without both. Every phase draws from its own stream
keyed by name, so the four share common random numbers and their differences are the
functions' contributions (incremental, causal), day by day.
"""

from __future__ import annotations

from pathlib import Path

import mesa
import numpy as np
import pandas as pd

from sim.engine.customers import STAGES
from sim.engine.model import MarketModel
from sim.analysis.roi import incremental_roi
from sim.scenario.schema import ChannelKind, Scenario, Tactic
from sim.scenario.variants import apply_levers, counterfactuals

__all__ = [
    "DashboardModel",
    "lever_defaults",
    "DEFAULT_MAX_POPULATION",
]

#: The default market size shown: large enough for smooth curves, small enough to stay fast.
DEFAULT_MAX_POPULATION = 20_000

TACTICS = tuple(t.value for t in Tactic)


def lever_defaults(scenario: Scenario) -> dict:
    """The levers' values that reproduce ``scenario`` (population capped for speed)."""
    budgets = {name: ch.monthly_budget_usd for name, ch in scenario.channels.items()}
    total = float(sum(budgets.values()))
    brand = float(sum(b for name, b in budgets.items() if scenario.channels[name].kind is ChannelKind.BRAND))
    return {
        "marketing_budget_usd": total,
        "brand_share": brand / total if total else 0.0,
        "headcount": scenario.sales.headcount,
        "tactic": scenario.sales.tactic.value,
        "population": min(scenario.market.population, DEFAULT_MAX_POPULATION),
    }


def _grid_side(n: int, cap: int = 400) -> int:
    return int(np.floor(np.sqrt(min(n, cap))))


class DashboardModel(mesa.Model):
    """A scenario with the dashboard's levers, stepped in lockstep with its counterfactuals.

    Parameters
    ----------
    base_scenario : Scenario or path
        The scenario the levers modify.
    marketing_budget_usd : float
        Channel budget per month, all channels together.
    brand_share : float
        Share of that budget on brand channels (the rest on performance channels).
    headcount : int
        Sales reps throughout the run.
    tactic : str
        Reps' concession tactic: boulware, linear or conceder.
    population : int
        Customers in the market.
    seed : int
        Root seed, shared by the four runs (common random numbers).
    sample_size : int
        Customers shown in the grid view (a fixed random sample).
    """

    def __init__(
        self,
        base_scenario: Scenario | str | Path = "scenarios/baseline.toml",
        marketing_budget_usd: float | None = None,
        brand_share: float | None = None,
        headcount: int | None = None,
        tactic: str | None = None,
        population: int | None = None,
        seed: int = 0,
        sample_size: int = 400,
    ) -> None:
        super().__init__(rng=int(seed))
        if not isinstance(base_scenario, Scenario):
            base_scenario = Scenario.from_toml(base_scenario)
        defaults = lever_defaults(base_scenario)
        levers = {
            "marketing_budget_usd": defaults["marketing_budget_usd"] if marketing_budget_usd is None else float(marketing_budget_usd),
            "brand_share": defaults["brand_share"] if brand_share is None else float(brand_share),
            "headcount": defaults["headcount"] if headcount is None else int(headcount),
            "tactic": defaults["tactic"] if tactic is None else str(tactic),
            "population": defaults["population"] if population is None else int(population),
        }
        self.levers = levers
        self.base_scenario = base_scenario
        self.market_scenario = apply_levers(base_scenario, **levers)
        self.seed = int(seed)
        self.variants: dict[str, MarketModel] = {
            name: MarketModel(variant, seed=self.seed) for name, variant in counterfactuals(self.market_scenario).items()
        }
        self.full = self.variants["full"]
        self.horizon = self.full.horizon
        n = self.full.customers.n
        side = _grid_side(n, sample_size)
        self.sample = np.sort(self.rng.choice(n, size=side * side, replace=False)) if side else np.zeros(0, np.int64)
        self.grid_shape = (side, side)
        self._rows: list[dict] = []
        self._gross_profit = {name: [] for name in self.variants}
        self._frame: pd.DataFrame | None = None
        self.running = True

    # ------------------------------------------------------------------ schedule
    def step(self) -> None:
        """One day in all four markets."""
        if not self.running:
            return
        for name, model in self.variants.items():
            model.step()
            self._gross_profit[name].append(model.today["gross_profit"])
        self._rows.append(dict(self.full.today))
        self._frame = None
        self.running = self.full.running

    # ------------------------------------------------------------------ views
    @property
    def day(self) -> int:
        return self.full.day

    def date(self):
        return self.full.date_of(max(self.full.day - 1, 0)) if self.full.day else self.full.date_of(0)

    def frame(self) -> pd.DataFrame:
        """The full run's rows so far, with cumulative money and both functions' incremental ROI."""
        if self._frame is not None:
            return self._frame
        if not self._rows:
            columns = ["step", "date", *STAGES, "marketing_cost", "sales_cost", "revenue", "gross_profit", "roi_marketing", "roi_sales"]
            self._frame = pd.DataFrame(columns=columns)
            return self._frame
        df = pd.DataFrame(self._rows)
        df["date"] = pd.Timestamp(self.full.date_of(0)) + pd.to_timedelta(df["step"], unit="D")
        for column in ("marketing_cost", "sales_cost", "revenue", "gross_profit", "contribution"):
            df[f"cum_{column}"] = df[column].cumsum()
        cum_gp = {name: np.cumsum(values) for name, values in self._gross_profit.items()}
        df["cum_gross_profit_no_marketing"] = cum_gp["no_marketing"]
        df["cum_gross_profit_no_sales"] = cum_gp["no_sales"]
        df["cum_gross_profit_neither"] = cum_gp["neither"]
        df["roi_marketing"] = incremental_roi(cum_gp["full"] - cum_gp["no_marketing"], df["cum_marketing_cost"])
        df["roi_sales"] = incremental_roi(cum_gp["full"] - cum_gp["no_sales"], df["cum_sales_cost"])
        # Alignment: what the two functions earn together beyond the sum of their separate effects.
        df["cum_gross_profit_interaction"] = cum_gp["full"] - cum_gp["no_marketing"] - cum_gp["no_sales"] + cum_gp["neither"]
        self._frame = df
        return df

    def sample_stages(self) -> np.ndarray:
        """Stage codes of the sampled customers, as a grid (row-major)."""
        return self.full.customers.stage[self.sample].reshape(self.grid_shape)

    def kpis(self) -> dict[str, float | None]:
        """Headline figures so far (None where not defined yet)."""
        df = self.frame()
        if df.empty:
            last = {}
        else:
            last = df.iloc[-1]
        won = float(df["deals_won_sales"].sum()) if not df.empty else 0.0
        lost = float(df["deals_lost"].sum()) if not df.empty else 0.0

        def get(key):
            value = last.get(key) if len(last) else None
            return None if value is None or pd.isna(value) else float(value)

        return {
            "day": self.full.day,
            "customers": float(self.full.customers.counts[STAGES.index("customer")]),
            "revenue_usd": get("cum_revenue") or 0.0,
            "contribution_usd": get("cum_contribution") or 0.0,
            "marketing_cost_usd": get("cum_marketing_cost") or 0.0,
            "sales_cost_usd": get("cum_sales_cost") or 0.0,
            "roi_marketing": get("roi_marketing"),
            "roi_sales": get("roi_sales"),
            "leads": float(df["leads"].sum()) if not df.empty else 0.0,
            "stale_leads": float(df["stale_leads"].sum()) if not df.empty else 0.0,
            "win_rate": won / (won + lost) if won + lost else None,
            "interaction_gross_profit_usd": get("cum_gross_profit_interaction"),
        }
