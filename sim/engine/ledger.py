"""The ledger: each day's costs and revenue per function.

Every amount is in USD and never negative; totals are the sums of their parts
(``marketing_cost = sum of spend_<channel> + marketing_team_cost``, ``sales_cost =
sales_salaries + sales_overhead + sales_managers + sales_sdrs + sales_commissions``, ``revenue =
revenue_subscription + revenue_orders``). ``contribution`` (gross profit minus both
functions' costs) is the one signed figure.

``sales_overhead`` (the loaded cost above base salary), ``sales_managers`` (managers'
base salaries) and ``sales_sdrs`` (SDRs' base salaries) are optional lines: a scenario that
leaves ``sales.loaded_cost_multiplier`` at 1, ``sales.reps_per_manager`` and
``sales.sdr.headcount`` at 0 has none of these columns, so its output is the same, byte
for byte, as before the lines existed. :func:`sales_cost_lines` is the arithmetic.
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field

__all__ = ["DayLedger", "LEDGER_COLUMNS", "OPTIONAL_SALES_COLUMNS", "managers_for", "sales_cost_lines"]

LEDGER_COLUMNS = (
    "marketing_team_cost",
    "marketing_cost",
    "sales_salaries",
    "sales_commissions",
    "sales_cost",
    "revenue_subscription",
    "revenue_orders",
    "revenue",
    "gross_profit",
)

#: Ledger lines a scenario has only when it turns them on (written just before ``sales_cost``).
OPTIONAL_SALES_COLUMNS = ("sales_overhead", "sales_managers", "sales_sdrs")


def managers_for(reps: int, reps_per_manager: int) -> int:
    """First-line managers for ``reps`` reps at one per ``reps_per_manager`` (0: none)."""
    if reps_per_manager <= 0 or reps <= 0:
        return 0
    return math.ceil(reps / reps_per_manager)


def sales_cost_lines(
    reps: int,
    annual_salary_usd: float,
    multiplier: float = 1.0,
    reps_per_manager: int = 0,
    manager_annual_salary_usd: float = 0.0,
    sdrs: int = 0,
    sdr_annual_salary_usd: float = 0.0,
) -> tuple[float, float, float, float]:
    """One day's ``(salaries, overhead, managers, sdrs)`` in USD.

    ``salaries`` = reps x base salary / 365; ``sdrs`` = SDRs x their base salary / 365;
    ``managers`` = managers for reps and SDRs together x their base salary / 365;
    ``overhead`` = (multiplier - 1) x (salaries + sdrs + managers): benefits, tools and
    travel on all. With multiplier 1, no managers and no SDRs the last three are 0.
    """
    salaries = reps * annual_salary_usd / 365.0
    sdr_salaries = sdrs * sdr_annual_salary_usd / 365.0
    managers = managers_for(reps + sdrs, reps_per_manager) * manager_annual_salary_usd / 365.0
    overhead = (multiplier - 1.0) * (salaries + sdr_salaries + managers)
    return salaries, overhead, managers, sdr_salaries


@dataclass
class DayLedger:
    """One day's accounts, filled by the phases and closed by the model."""

    channel_spend: dict[str, float] = field(default_factory=dict)
    marketing_team_cost: float = 0.0
    sales_salaries: float = 0.0
    sales_commissions: float = 0.0
    sales_overhead: float | None = None  # None: the scenario has no such line (no column)
    sales_managers: float | None = None
    sales_sdrs: float | None = None
    revenue_subscription: float = 0.0
    revenue_orders: float = 0.0
    gross_margin: float = 1.0

    @property
    def marketing_cost(self) -> float:
        return sum(self.channel_spend.values()) + self.marketing_team_cost

    @property
    def sales_cost(self) -> float:
        cost = self.sales_salaries + self.sales_commissions
        for line in (self.sales_overhead, self.sales_managers, self.sales_sdrs):
            if line is not None:
                cost += line
        return cost

    @property
    def revenue(self) -> float:
        return self.revenue_subscription + self.revenue_orders

    @property
    def gross_profit(self) -> float:
        return self.revenue * self.gross_margin

    @classmethod
    def for_scenario(cls, scenario) -> "DayLedger":
        """An empty day for ``scenario``: its gross margin, and 0 on each optional line it has."""
        sales = scenario.sales
        return cls(
            gross_margin=scenario.economics.gross_margin,
            sales_overhead=0.0 if sales.loaded_cost_multiplier != 1.0 else None,
            sales_managers=0.0 if sales.reps_per_manager > 0 else None,
            sales_sdrs=0.0 if sales.sdr.headcount > 0 else None,
        )

    def book_sales(self, config, reps: int, commissions: float) -> None:
        """Book the day's sales costs for ``reps`` reps under the scenario's ``sales`` section."""
        salaries, overhead, managers, sdrs = sales_cost_lines(
            reps, config.annual_salary_usd, config.loaded_cost_multiplier,
            config.reps_per_manager, config.manager_annual_salary_usd,
            config.sdr.headcount, config.sdr.annual_salary_usd,
        )
        self.sales_salaries = salaries
        self.sales_commissions = commissions
        if config.loaded_cost_multiplier != 1.0:
            self.sales_overhead = overhead
        if config.reps_per_manager > 0:
            self.sales_managers = managers
        if config.sdr.headcount > 0:
            self.sales_sdrs = sdrs

    def fresh(self) -> "DayLedger":
        """An empty day with the same gross margin and the same optional lines (what ``for_scenario`` gives)."""
        return DayLedger(
            gross_margin=self.gross_margin,
            sales_overhead=None if self.sales_overhead is None else 0.0,
            sales_managers=None if self.sales_managers is None else 0.0,
            sales_sdrs=None if self.sales_sdrs is None else 0.0,
        )

    def row(self) -> dict[str, float]:
        """The day's columns: spend per channel, then :data:`LEDGER_COLUMNS` (with the optional
        lines this scenario has just before ``sales_cost``), then ``contribution``."""
        out = {_spend_column(name): value for name, value in self.channel_spend.items()}
        revenue = self.revenue
        totals = {"marketing_cost": self.marketing_cost, "sales_cost": self.sales_cost, "revenue": revenue,
                  "gross_profit": revenue * self.gross_margin}  # (each property once)
        for column in LEDGER_COLUMNS:
            if column == "sales_cost":
                for optional in OPTIONAL_SALES_COLUMNS:
                    line = getattr(self, optional)
                    if line is not None:
                        out[optional] = float(line)
            value = totals.get(column)
            out[column] = float(getattr(self, column) if value is None else value)
        out["contribution"] = totals["gross_profit"] - totals["marketing_cost"] - totals["sales_cost"]
        return out


_SPEND_COLUMNS: dict[str, str] = {}


def _spend_column(name: str) -> str:
    column = _SPEND_COLUMNS.get(name)
    if column is None:
        column = _SPEND_COLUMNS[name] = f"spend_{name}"
    return column
