"""The ledger: each day's costs and revenue per function.

Every amount is in USD and never negative; totals are the sums of their parts
(``marketing_cost = sum of spend_<channel> + marketing_team_cost``, ``sales_cost =
sales_salaries + sales_commissions``, ``revenue = revenue_subscription + revenue_orders``).
``contribution`` (gross profit minus both functions' costs) is the one signed figure.
"""

from __future__ import annotations

from dataclasses import dataclass, field

__all__ = ["DayLedger", "LEDGER_COLUMNS"]

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


@dataclass
class DayLedger:
    """One day's accounts, filled by the phases and closed by the model."""

    channel_spend: dict[str, float] = field(default_factory=dict)
    marketing_team_cost: float = 0.0
    sales_salaries: float = 0.0
    sales_commissions: float = 0.0
    revenue_subscription: float = 0.0
    revenue_orders: float = 0.0
    gross_margin: float = 1.0

    @property
    def marketing_cost(self) -> float:
        return sum(self.channel_spend.values()) + self.marketing_team_cost

    @property
    def sales_cost(self) -> float:
        return self.sales_salaries + self.sales_commissions

    @property
    def revenue(self) -> float:
        return self.revenue_subscription + self.revenue_orders

    @property
    def gross_profit(self) -> float:
        return self.revenue * self.gross_margin

    def row(self) -> dict[str, float]:
        out = {f"spend_{name}": value for name, value in self.channel_spend.items()}
        for column in LEDGER_COLUMNS:
            out[column] = float(getattr(self, column))
        out["contribution"] = self.gross_profit - self.marketing_cost - self.sales_cost
        return out
