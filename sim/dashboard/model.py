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
from sim.scenario.schema import ChannelKind, Scenario, Tactic

__all__ = [
    "DashboardModel",
    "COUNTERFACTUALS",
    "apply_levers",
    "lever_defaults",
    "incremental_roi",
    "DEFAULT_MAX_POPULATION",
]

#: The default market size shown: large enough for smooth curves, small enough to stay fast.
DEFAULT_MAX_POPULATION = 20_000

#: Scenario changes that remove a function (ordinary scenario keys).
COUNTERFACTUALS: dict[str, dict] = {
    "no_marketing": {"marketing.end_month": 0},
    "no_sales": {"sales.headcount": 0, "sales.plan": []},
    "neither": {"marketing.end_month": 0, "sales.headcount": 0, "sales.plan": []},
}

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


def apply_levers(
    scenario: Scenario,
    *,
    marketing_budget_usd: float,
    brand_share: float,
    headcount: int,
    tactic: str,
    population: int,
) -> Scenario:
    """``scenario`` with the dashboard's levers applied (validated like any override).

    The monthly channel budget is split between brand and performance channels by
    ``brand_share``; within each kind, channels keep the scenario's proportions (equal
    shares when the scenario gives them no budget). A kind without channels gets nothing,
    and its share goes to the other kind. The sales team is ``headcount`` reps throughout
    (the scenario's hiring plan is replaced).
    """
    if not 0.0 <= brand_share <= 1.0:
        raise ValueError(f"brand_share: {brand_share!r} is not allowed: must be between 0 and 1")
    if marketing_budget_usd < 0:
        raise ValueError(f"marketing_budget_usd: {marketing_budget_usd!r} is not allowed: must be >= 0")
    kinds = {kind: [n for n, ch in scenario.channels.items() if ch.kind is kind] for kind in ChannelKind}
    share = {ChannelKind.BRAND: brand_share, ChannelKind.PERFORMANCE: 1.0 - brand_share}
    if not kinds[ChannelKind.BRAND]:
        share = {ChannelKind.BRAND: 0.0, ChannelKind.PERFORMANCE: 1.0}
    elif not kinds[ChannelKind.PERFORMANCE]:
        share = {ChannelKind.BRAND: 1.0, ChannelKind.PERFORMANCE: 0.0}
    overrides: dict = {
        "sales.headcount": int(headcount),
        "sales.plan": [],
        "sales.tactic": str(tactic),
        "market.population": int(population),
    }
    for kind, names in kinds.items():
        if not names:
            continue
        base = np.array([scenario.channels[n].monthly_budget_usd for n in names], dtype=float)
        weights = base / base.sum() if base.sum() > 0 else np.full(len(names), 1.0 / len(names))
        for name, weight in zip(names, weights):
            budget = float(marketing_budget_usd * share[kind] * weight)
            overrides[f"channels.{name}.monthly_budget_usd"] = budget
            schedule = scenario.channels[name].schedule_usd
            if schedule is not None:
                # A dated plan keeps its shape, scaled to the new monthly level.
                old = scenario.channels[name].monthly_budget_usd
                factor = budget / old if old else 0.0
                overrides[f"channels.{name}.schedule_usd"] = [x * factor for x in schedule]
    return scenario.with_overrides(overrides)


def incremental_roi(cum_gross_profit: np.ndarray, cum_gross_profit_without: np.ndarray, cum_cost: np.ndarray) -> np.ndarray:
    """Cumulative incremental ROI of a function, per step.

    ``(cum GP full - cum GP without the function - cum cost of the function) / cum cost``;
    NaN while the function has cost nothing yet (no ROI is defined then).
    """
    gp = np.asarray(cum_gross_profit, dtype=float)
    without = np.asarray(cum_gross_profit_without, dtype=float)
    cost = np.asarray(cum_cost, dtype=float)
    out = np.full(cost.shape, np.nan)
    paid = cost > 0
    out[paid] = (gp[paid] - without[paid] - cost[paid]) / cost[paid]
    return out


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
        self.variants: dict[str, MarketModel] = {"full": MarketModel(self.market_scenario, seed=self.seed)}
        for name, overrides in COUNTERFACTUALS.items():
            self.variants[name] = MarketModel(self.market_scenario.with_overrides(overrides), seed=self.seed)
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
        df["roi_marketing"] = incremental_roi(cum_gp["full"], cum_gp["no_marketing"], df["cum_marketing_cost"])
        df["roi_sales"] = incremental_roi(cum_gp["full"], cum_gp["no_sales"], df["cum_sales_cost"])
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
