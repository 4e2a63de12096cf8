"""marketsim: an agent-based market simulation of sales versus marketing.

>>> from sim import Scenario, run
>>> scenario = Scenario.from_toml("scenarios/baseline.toml")
>>> result = run(scenario.with_overrides({"sales.headcount": 12}), seed=7)
>>> result.timeseries.head()   # one row per step
>>> result.summary["sales"]     # KPIs per function
"""

__version__ = "0.1.0"

from sim.engine.customers import STAGES, Stage
from sim.engine.model import MarketModel
from sim.running.run import RunResult, run
from sim.scenario.schema import Scenario, ScenarioError

__all__ = ["MarketModel", "RunResult", "STAGES", "Scenario", "ScenarioError", "Stage", "__version__", "run"]
