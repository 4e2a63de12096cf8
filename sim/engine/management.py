"""Management agents: a CMO, a head of sales and a joint planner who re-decide the levers at reviews.

Each is a ``mesa.Agent``. They see only what a company's dashboards show (:class:`Books`:
spend, leads per channel, won value credited by an attribution heuristic, quota and won
value of the reps, the open pipeline), never the simulation's hidden state. At the first
day of a review month (``first_review_month``, then every ``review_months``) they decide on
the ``lookback_months`` before; budgets change from that day (the month's budget), hires
start ``hiring_lag_months`` later and ramp through the sales team's own plan (:meth:`SalesTeam.replan`). Every decision is a row of
``decisions``: ``date, function, lever, before, after, reason``.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

import mesa
import numpy as np
import pandas as pd

from sim.engine.attribution import Attribution
from sim.formatting import money as _money
from sim.engine.ledger import sales_cost_lines
from sim.engine.policies import (
    EXTRA_PERIODS, allocate, attainment_target, coverage_target, move_toward, response_slopes, spend_test_signs,
)
from sim.scenario.management import JointPolicy, MarketingPolicy, SalesPolicy

if TYPE_CHECKING:
    from sim.engine.model import MarketModel

__all__ = ["Books", "ChiefMarketingOfficer", "DECISION_COLUMNS", "HeadOfSales", "JointPlanner", "Management"]

DECISION_COLUMNS = ("date", "function", "lever", "before", "after", "reason")
_METHODS = tuple(Attribution)
_DAYS_PER_BUDGET_MONTH = 31  # the planner counts salaries for the longest month, so no month overspends


class Books:
    """The company's monthly figures: cumulative totals of the day rows, read at each month's start."""

    def __init__(self, model: "MarketModel") -> None:
        self.model = model
        names = [ch.name for ch in model.channels]
        self.spend_columns = [f"spend_{n}" for n in names]
        self.lead_columns = [f"leads_{n}" for n in names]
        self.columns = [*self.spend_columns, *self.lead_columns, "leads", "leads_worked", "opportunities",
                        "outbound_opportunities", "sales_cost", "sales_commissions"]
        self._index = {c: i for i, c in enumerate(self.columns)}
        self._total = np.zeros(len(self.columns))
        self._months: list[np.ndarray] = []  # cumulative totals at the start of month m
        self._bookings: list[np.ndarray] = []  # won value credited per (method, touch point), same
        self._quota: list[float] = []  # quota accrued by every rep so far, same
        self._won: list[float] = []  # won value of every rep so far, same

    def absorb(self, row: dict[str, float]) -> None:
        self._total += np.array([row[c] for c in self.columns])

    def open_month(self) -> None:
        sales = self.model.sales
        reps = sales.reps + sales.former_reps
        self._months.append(self._total.copy())
        self._bookings.append(self.model.bookings_attributed.copy())
        self._quota.append(sum(r.quota_usd for r in reps))
        self._won.append(sum(r.won_value_usd for r in reps))

    def window(self, start: int, end: int) -> dict[str, np.ndarray | float]:
        """Totals over months ``start`` (inclusive) to ``end`` (exclusive), both already opened."""
        start = max(start, 0)
        delta = self._months[end] - self._months[start]
        out: dict[str, np.ndarray | float] = {c: float(delta[i]) for c, i in self._index.items()}
        n = len(self.spend_columns)
        out["spend"], out["channel_leads"] = delta[:n], delta[n : 2 * n]
        out["bookings"] = self._bookings[end] - self._bookings[start]
        out["quota"] = self._quota[end] - self._quota[start]
        out["won"] = self._won[end] - self._won[start]
        return out

    def monthly(self, end: int) -> tuple[np.ndarray, np.ndarray]:
        """Spend per channel (months x channels) and total leads per month, months 0 .. end - 1."""
        cumulative = np.array(self._months[: end + 1])
        per_month = np.diff(cumulative, axis=0)
        n = len(self.spend_columns)
        return per_month[:, :n], per_month[:, self._index["leads"]]


class _Manager(mesa.Agent):
    """A manager: records its decisions in the model's management log."""

    function = ""

    def __init__(self, model: "MarketModel", log: list[dict]) -> None:
        super().__init__(model)
        self.log = log

    def record(self, day: int, lever: str, before: float, after: float, reason: str) -> None:
        self.log.append({"date": self.model.date_of(day).isoformat(), "function": self.function, "lever": lever,
                         "before": round(float(before), 2), "after": round(float(after), 2), "reason": reason})


class ChiefMarketingOfficer(_Manager):
    """Splits the channel budget among the channels by a policy, within share limits."""

    function = "marketing"

    def __init__(self, model: "MarketModel", log: list[dict], budget: float | None) -> None:
        super().__init__(model, log)
        self.config = model.config.management.marketing
        nominal = np.array([ch.config.schedule_usd[0] if ch.config.schedule_usd else ch.config.monthly_budget_usd
                            for ch in model.channels], dtype=float)
        self.budget = float(nominal.sum() if budget is None else budget)
        low, high = self.config.min_channel_share * self.budget, self.config.max_channel_share * self.budget
        within = budget is None and bool(((nominal >= low) & (nominal <= high)).all())
        # The decided split (before any spend test): the scenario's, unless it breaks the limits or the budget.
        self.budgets = nominal.copy() if within else self._within_limits(nominal, self.budget)
        self._spent_plan = nominal.copy()  # what each channel is set to spend this month
        self._before: np.ndarray | None = None  # the split before the planner's new total, until the review

    def _within_limits(self, weights: np.ndarray, budget: float) -> np.ndarray:
        if budget <= 0 or not len(weights):
            return np.zeros(len(weights))
        n = len(weights)
        low, high = np.full(n, self.config.min_channel_share * budget), np.full(n, self.config.max_channel_share * budget)
        return allocate(weights, budget, low, high)

    def set_budget(self, day: int, budget: float, reason: str) -> None:
        """A new total (the joint planner's): today's split, scaled to it and held within the limits
        (the review that follows records each channel's change)."""
        self.record(day, "marketing_budget", self.budget, budget, reason)
        self._before = self.budgets.copy()
        self.budget = float(budget)
        self.budgets = self._within_limits(self.budgets, self.budget)

    def open_month(self, day: int, month: int) -> None:
        """Set this month's spend: the decided split, with the spend test's cuts under ``incremental``.

        The test keeps a channel at its budget in the months its sign is +1 and cuts it by
        ``test_amplitude`` (not below its floor) when it is -1, so spend never exceeds the budget
        and the total varies, which lets a regression separate the channels from the baseline.
        """
        plan = self.budgets
        if self.config.policy is MarketingPolicy.INCREMENTAL and self.config.test_amplitude > 0 and self.budget > 0:
            cut = np.where(spend_test_signs(plan.size, month) < 0, 1.0 - self.config.test_amplitude, 1.0)
            plan = np.maximum(plan * cut, np.minimum(plan, self.config.min_channel_share * self.budget))
        plan = np.floor(plan * 100.0) / 100.0  # whole cents, never above the budget
        for channel, old, new in zip(self.model.channels, self._spent_plan, plan):
            if new != old:
                channel.set_monthly_budget(day, new)
        self._spent_plan = plan

    def review(self, day: int, month: int, books: Books, window: int) -> None:
        before, self._before = (self.budgets if self._before is None else self._before), None
        names = [ch.name for ch in self.model.channels]
        if self.config.policy is MarketingPolicy.FIXED or self.budget <= 0:
            if not np.array_equal(before, self.budgets):  # (the planner's new total, split as before)
                for i, name in enumerate(names):
                    self.record(day, f"budget_{name}", before[i], self.budgets[i], "the planner's budget, split as before")
            return
        data = books.window(month - window, month)
        score, how = self._scores(data, books, month)
        if score is None:
            for i, name in enumerate(names):
                self.record(day, f"budget_{name}", before[i], self.budgets[i], how)
            return
        known = np.isfinite(score)
        target = self.budgets.copy()
        if known.any():
            others = self.budgets[~known].sum()
            n = int(known.sum())
            low = np.full(n, self.config.min_channel_share * self.budget)
            high = np.full(n, self.config.max_channel_share * self.budget)
            rest = self.budget - others
            if low.sum() <= rest <= high.sum():
                # Each channel's budget times its value per dollar: above-average channels gain,
                # below-average ones lose, equal ones keep their split.
                target[known] = allocate(self.budgets[known] * np.maximum(score[known], 0.0), rest, low, high)
        new = move_toward(self.budgets, target, self.config.max_shift)
        for i, name in enumerate(names):
            detail = how(i) if callable(how) else how
            share = f"{self.budgets[i] / self.budget:.0%} -> {new[i] / self.budget:.0%} of ${self.budget:,.0f}"
            self.record(day, f"budget_{name}", before[i], new[i], f"{detail}: {share}")
        self.budgets = new

    def _scores(self, data, books: Books, month: int):
        """Value per dollar of each channel by the policy (NaN: no spend to judge), and how it reads."""
        spend = data["spend"]
        window = f"{self.model.config.management.window_months} months"
        with np.errstate(divide="ignore", invalid="ignore"):
            if self.config.policy is MarketingPolicy.COST_PER_LEAD:
                leads = data["channel_leads"]
                per_dollar = np.where(spend > 0, leads / spend, np.nan)
                average = leads.sum() / spend.sum() if spend.sum() > 0 else np.nan
                return per_dollar, lambda i: (
                    f"cost per lead {_money(spend[i] / leads[i]) if leads[i] else 'none (no leads)'} over {window} "
                    f"(all channels {_money(1 / average) if average else 'none'})")
            if self.config.policy is MarketingPolicy.ATTRIBUTED_PIPELINE:
                method = _METHODS.index(Attribution(self.config.attribution.value))
                credited = data["bookings"][method, : spend.size]
                per_dollar = np.where(spend > 0, credited / spend, np.nan)
                average = credited.sum() / spend.sum() if spend.sum() > 0 else np.nan
                return per_dollar, lambda i: (
                    f"won value per $ by {self.config.attribution.value} {per_dollar[i]:.2f} over {window} "
                    f"(all channels {average:.2f})")
        # incremental: slopes of total leads on spend over every month so far (the spend test's data)
        spend_by_month, leads_by_month = books.monthly(month)
        fit = response_slopes(spend_by_month, leads_by_month)
        if fit is None:
            return None, f"too few months of spend tests to estimate ({month}; need {spend.size + EXTRA_PERIODS}): hold"
        slopes, r2 = fit
        return slopes, lambda i: (
            f"estimated {1000 * slopes[i]:+.2f} leads per extra $1k from {month} months of spend tests (R2 {r2:.2f})")


class HeadOfSales(_Manager):
    """Plans the headcount by a policy within a range; hires start after a lag and ramp."""

    function = "sales"

    def __init__(self, model: "MarketModel", log: list[dict]) -> None:
        super().__init__(model, log)
        self.config = model.config.management.sales

    @property
    def planned(self) -> int:
        """Reps the current plan ends at (employed plus hires not started, minus planned departures)."""
        sales = self.model.sales
        return sales.plan[-1].headcount if sales.plan else sales.config.headcount

    def staffed(self, month: int) -> int:
        """Reps the plan gives for ``month`` (what the team staffs to today, after a review)."""
        sales = self.model.sales
        target = sales.config.headcount
        for change in sales.plan:
            if change.month <= month:
                target = change.headcount
        return target

    def apply(self, day: int, month: int, target: int, reason: str) -> None:
        """Plan ``target`` reps: hires start after the lag, departures (and cancelled hires) now."""
        sales, before = self.model.sales, self.planned
        current = self.staffed(month)
        if target > before:
            start = month + self.config.hiring_lag_months
            sales.replan(start, target)
            reason += f": hire {target - before} (start in month {start})"
        elif target < before:
            pending = [c.month for c in sales.plan if c.month > month]
            if target >= current and pending:
                sales.replan(min(pending), target)
                reason += f": cancel {before - target} hire(s) not yet started"
            else:
                sales.replan(month, target)
                reason += f": let {current - target} go" if target < current else ""
        else:
            reason += ": hold"
        self.record(day, "headcount", before, target, reason)

    def review(self, day: int, month: int, books: Books, window: int) -> None:
        cfg = self.config
        if cfg.policy is SalesPolicy.FIXED:
            return
        data = books.window(month - window, month)
        planned, current = self.planned, self.staffed(month)
        limits = dict(max_change=cfg.max_change, low=cfg.min_headcount, high=cfg.max_headcount)
        if cfg.policy is SalesPolicy.ATTAINMENT:
            if data["quota"] <= 0:
                self.apply(day, month, min(max(planned, cfg.min_headcount), cfg.max_headcount), "no quota in the window")
                return
            attainment = data["won"] / data["quota"]
            target = attainment_target(attainment, planned, current, hire_above=cfg.hire_above,
                                       freeze_below=cfg.freeze_below, release_below=cfg.release_below, **limits)
            self.apply(day, month, target, f"quota attainment {attainment:.2f} over {window} months "
                       f"(hire at {cfg.hire_above:g}, freeze below {cfg.freeze_below:g}, let go below {cfg.release_below:g})")
            return
        coverage, pipeline, quota = self._coverage(data)
        target = coverage_target(coverage, planned, current, target=cfg.coverage_target, floor=cfg.coverage_floor,
                                 **limits)
        self.apply(day, month, target, f"pipeline {_money(pipeline)} = {coverage:.1f}x the next "
                   f"{self.model.config.management.review_months} months' quota {_money(quota)} "
                   f"(hire at {cfg.coverage_target:g}x, let go below {cfg.coverage_floor:g}x)")

    def _coverage(self, data) -> tuple[float, float, float]:
        """Open pipeline at list price (waiting leads at the window's lead-to-opportunity rate) / next period's quota."""
        model, sales = self.model, self.model.sales
        list_price = model.segments.list_price
        customers = model.customers
        opportunities = float(list_price[customers.segment_of(sales.open_opportunities())].sum())
        waiting = sales.waiting_leads()
        inbound = data["opportunities"] - data["outbound_opportunities"]
        rate = inbound / data["leads_worked"] if data["leads_worked"] > 0 else 0.0
        pipeline = opportunities + rate * float(list_price[customers.segment_of(waiting)].sum())
        months = model.config.management.review_months
        quota = sales.headcount * sales.config.annual_quota_usd * months / 12.0
        coverage = pipeline / quota if quota > 0 else (np.inf if pipeline > 0 else 0.0)
        return coverage, pipeline, quota


class JointPlanner(_Manager):
    """Splits one budget (channel spend + the reps' fixed cost) toward the function credited with more per dollar."""

    function = "joint"

    def __init__(self, model: "MarketModel", log: list[dict], cmo: ChiefMarketingOfficer, head: HeadOfSales) -> None:
        super().__init__(model, log)
        self.config = model.config.management.joint
        self.cmo, self.head = cmo, head
        start = cmo.budget + self.reps_cost(model.sales.config.headcount)
        self.budget = float(start if self.config.budget_usd is None else self.config.budget_usd)

    def reps_cost(self, reps: int) -> float:
        """The fixed monthly cost of ``reps`` reps (salaries, overhead, managers) for a 31-day month."""
        cfg = self.model.config.sales
        daily = sum(sales_cost_lines(reps, cfg.annual_salary_usd, cfg.loaded_cost_multiplier, cfg.reps_per_manager,
                                     cfg.manager_annual_salary_usd))
        return daily * _DAYS_PER_BUDGET_MONTH

    def split(self, marketing_share: float) -> tuple[int, float]:
        """The whole number of reps whose cost is nearest the sales share (within the head of sales'
        range, leaving marketing at least its least share), and the channel budget left."""
        sales_cfg = self.head.config
        most = (1.0 - self.config.min_marketing_share) * self.budget
        aim = (1.0 - marketing_share) * self.budget
        options = [h for h in range(sales_cfg.min_headcount, sales_cfg.max_headcount + 1) if self.reps_cost(h) <= most]
        reps = min(options, key=lambda h: abs(self.reps_cost(h) - aim)) if options else sales_cfg.min_headcount
        marketing = max(0.0, min(self.budget - self.reps_cost(reps), self.config.max_marketing_share * self.budget))
        return reps, marketing

    def review(self, day: int, month: int, books: Books, window: int) -> None:
        data = books.window(month - window, month)
        method = _METHODS.index(Attribution(self.config.attribution.value))
        n = len(self.model.channels)
        spend = float(data["spend"].sum())
        fixed_sales = data["sales_cost"] - data["sales_commissions"]
        credited_marketing = float(data["bookings"][method, :n].sum())
        credited_sales = float(data["bookings"][method, n])
        share = self.cmo.budget / self.budget if self.budget > 0 else 0.0
        if spend <= 0 or fixed_sales <= 0:
            self.record(day, "marketing_share", share, share, "a function spent nothing in the window: hold")
            return
        r_marketing, r_sales = credited_marketing / spend, credited_sales / fixed_sales
        # Each function's budget times its value per dollar: the better one gains, equal ones keep the split.
        weighted = share * r_marketing + (1.0 - share) * r_sales
        target = share * r_marketing / weighted if weighted > 0 else share
        target = min(max(target, self.config.min_marketing_share), self.config.max_marketing_share)
        new = share + float(np.clip(target - share, -self.config.max_shift, self.config.max_shift))
        reps, marketing = self.split(new)
        reason = (f"won value per $ by {self.config.attribution.value} over {window} months: marketing "
                  f"{r_marketing:.2f}, sales {r_sales:.2f}; channel share {share:.0%} -> {marketing / self.budget:.0%} "
                  f"of {_money(self.budget)}")
        self.record(day, "marketing_share", share, marketing / self.budget, reason)
        self.head.apply(day, month, reps, f"the planner's sales share pays for {reps} reps")
        self.cmo.set_budget(day, marketing, "the planner's channel budget")


class Management:
    """The managers of one model and their reviews (None from :meth:`for_model` when nobody manages)."""

    def __init__(self, model: "MarketModel") -> None:
        config = model.config.management
        self.model = model
        self.config, self.window = config, config.window_months
        self.log: list[dict] = []
        self.books = Books(model)
        marketing_on = bool(model.channels) and model.config.marketing.end_month != 0
        sales_on = model.config.sales.headcount > 0 or bool(model.config.sales.plan)
        joint = config.joint.policy is JointPolicy.CONTRIBUTION and marketing_on and sales_on
        self.cmo = ChiefMarketingOfficer(model, self.log, config.marketing.budget_usd) if marketing_on and (
            config.marketing.policy is not MarketingPolicy.FIXED or joint) else None
        self.head = HeadOfSales(model, self.log) if sales_on and (
            config.sales.policy is not SalesPolicy.FIXED or joint) else None
        self.planner = JointPlanner(model, self.log, self.cmo, self.head) if joint else None
        self._month = -1

    @classmethod
    def for_model(cls, model: "MarketModel") -> "Management | None":
        config = model.config.management
        if config is None or not (config.manages_marketing or config.manages_sales):
            return None
        management = cls(model)
        if management.cmo is None and management.head is None:
            return None  # (the managed functions are switched off in this scenario)
        return management

    def step(self, day: int) -> None:
        """Book yesterday; on a month's first day, review (every ``review_months``) and set the month's spend."""
        model = self.model
        if day > 0:
            self.books.absorb(model.today)
        month = model.month_of(day)
        if month == self._month:
            return
        self._month = month
        self.books.open_month()
        if self.config.reviews_at(month):
            if self.planner is not None:
                self.planner.review(day, month, self.books, self.window)
            elif self.head is not None:
                self.head.review(day, month, self.books, self.window)
            if self.cmo is not None:
                self.cmo.review(day, month, self.books, self.window)
        if self.cmo is not None:
            self.cmo.open_month(day, month)

    def decisions(self) -> pd.DataFrame:
        return pd.DataFrame(self.log, columns=list(DECISION_COLUMNS))
