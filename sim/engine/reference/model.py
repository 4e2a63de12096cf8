"""ReferenceModel: the plain Mesa model, one agent per customer.

Its ``step()`` is the same schedule as :class:`sim.engine.model.MarketModel`: channels buy
impressions, customers live their morning (ads, word of mouth, interest), sales works,
customers stay or go, the books close. It exposes what :func:`sim.running.run.run_one` reads
(a DataCollector with the same columns, deals, losses, reps, attribution), so
``run(scenario, seed, engine="reference")`` gives a :class:`~sim.running.run.RunResult` of the
same shape as the fast engine.
"""

from __future__ import annotations

import calendar
import datetime as dt
import random as _random
from functools import partial

import mesa
import numpy as np

from sim.engine.attribution import Attribution, attribution_shares
from sim.engine.customers import STAGES, WON_BY, Stage
from sim.engine.ledger import DayLedger
from sim.engine.segments import segment_sizes, stream
from sim.engine.network import small_world
from sim.engine.renewals import renewal_churn_probability, yearly_probability
from sim.engine.sampling import daily_probability
from sim.scenario.schema import NetworkKind, Renewal, Scenario
from sim.engine.reference.agents import Channel, Customer, SalesRep
from sim.engine.reference.sales import SalesDepartment

__all__ = ["ReferenceModel"]

METHODS = tuple(Attribution)


class ReferenceModel(mesa.Model):
    """The market with one ``mesa.Agent`` per customer (slow, plain, the specification)."""

    def __init__(self, scenario: Scenario, seed: int = 0, replication: int = 0, trace: int = 0) -> None:
        if trace:
            raise ValueError("trace: journeys are recorded by the fast engine only; use engine='fast' or trace=0")
        super().__init__(rng=stream(seed, replication, "reference"))
        self.random = _random.Random(int(self.rng.integers(2**63))).random  # plain draws: random() < p
        self.random_choices = _random.Random(int(self.rng.integers(2**63))).choices
        self.config = scenario
        self.day = 0
        self.horizon = scenario.time.horizon_days
        market = scenario.market
        self.population = market.population
        self.segment_names = tuple(market.segments)
        self.segment_configs = tuple(market.segments.values())
        self.segment_sizes = [int(s) for s in segment_sizes([s.share for s in self.segment_configs], self.population)]
        self.list_price = [s.list_price_usd or market.list_price_usd for s in self.segment_configs]
        self.churn_daily = [daily_probability(s.monthly_churn, 30.0) for s in self.segment_configs]
        self.n_touchpoints = len(scenario.channels) + 1
        self.sales_touchpoint = len(scenario.channels)
        self.touchpoints = (*scenario.channels, "sales", "organic")
        self.memory_fade_today = 1.0
        self.decay_per_day = 0.5 ** (1.0 / market.brand_memory_half_life_days)

        # Customers, segment by segment, each with its own reservation price.
        self.customers: list[Customer] = []
        self.segment_members: list[list[Customer]] = []
        for s, (cfg, size) in enumerate(zip(self.segment_configs, self.segment_sizes)):
            prices = cfg.reservation_price_usd * np.exp(cfg.reservation_price_sigma * self.rng.standard_normal(size))
            members = [Customer(self, s, float(p)) for p in prices]
            self.segment_members.append(members)
            self.customers.extend(members)
        wom = market.word_of_mouth
        if wom.network is NetworkKind.SMALL_WORLD and self.population >= 3:
            graph = small_world(self.population, wom.degree, wom.rewire, self.rng)
            for i, customer in enumerate(self.customers):
                customer.neighbours = [self.customers[j] for j in graph.indices[graph.indptr[i]:graph.indptr[i + 1]]]
        self.customers_this_morning = 0

        # The books.
        self.annual_recurring_revenue = 0.0
        self.ledger = DayLedger.for_scenario(scenario)
        self._arr_attributed = np.zeros((len(METHODS), self.n_touchpoints + 1))
        self._orders_attributed = np.zeros((len(METHODS), self.n_touchpoints + 1))
        self.attributed_revenue = np.zeros((self.horizon, len(METHODS), self.n_touchpoints + 1))
        self.won_by_count = np.zeros(len(WON_BY), dtype=np.int64)
        self.churned_by_won = np.zeros(len(WON_BY), dtype=np.int64)
        self._deals: list[dict] = []
        self._losses: list[dict] = []
        self.churned_today = self.win_backs_today = 0
        self.annual_renewals = any(s.renewal is Renewal.ANNUAL for s in self.segment_configs)
        self._reset_renewals()

        # Marketing channels and the sales department.
        self.channels = []
        for i, (name, cfg) in enumerate(scenario.channels.items()):
            targets = [self.segment_names.index(t) for t in (cfg.targets or self.segment_names)]
            self.channels.append(Channel(self, name, i, cfg, targets))
        self.ads_today: list[list[tuple[Channel, float, float]]] = [[] for _ in self.segment_configs]
        self.sales = SalesDepartment(self)
        self.trace = None
        self._initial_state()

        self.today: dict[str, float] = {}
        self.datacollector = mesa.DataCollector(
            model_reporters={name: partial(_today_value, column=name) for name in self._columns()}
        )
        self.running = True

    def _initial_state(self) -> None:
        """A share of each segment starts as customers (at list price), another as aware."""
        market = self.config.market
        for s, members in enumerate(self.segment_members):
            order = self.rng.permutation(len(members))
            n_customers = int(round(market.initial_customers * len(members)))
            n_aware = int(round(market.initial_awareness * len(members)))
            for k in order[n_customers : n_customers + n_aware]:
                members[k].stage = Stage.AWARE
                members[k].memory = 0.5
            for k in order[:n_customers]:
                self.win(members[k], self.list_price[s], 0, "initial", record=False)

    # ------------------------------------------------------------------ the day
    def step(self) -> None:
        """Channels buy impressions; customers' morning; sales; customers stay or go; the books."""
        self.ledger = DayLedger.for_scenario(self.config)
        self._orders_attributed[:] = 0.0
        self.sales.reset_counters()
        self.churned_today = self.win_backs_today = 0
        self._reset_renewals()
        for channel in self.channels:
            channel.step()
        self.ads_today = [
            [(ch, ch.p_notice, ch.p_click) for ch in self.channels if s in ch.targets and ch.impressions]
            for s in range(len(self.segment_configs))
        ]
        self.customers_this_morning = sum(c.stage == Stage.CUSTOMER for c in self.customers)
        self.memory_fade_today = self.decay_per_day if self.day > 0 else 1.0
        for customer in self.customers:
            customer.step()
        self.sales.step(self.day)
        for customer in self.customers:
            customer.stay_or_go()
        self.account()
        self.collect()
        self.datacollector.collect(self)
        self.day += 1
        if self.day >= self.horizon:
            self.running = False

    def run(self, progress: bool = False) -> None:
        from tqdm.auto import tqdm

        with tqdm(total=self.horizon, desc="days", unit="day", delay=1.0, disable=not progress, leave=False) as bar:
            while self.running:
                self.step()
                bar.update(1)

    # ------------------------------------------------------------------ deals, churn, orders
    def win(self, customer: Customer, price: float, day: int, how: str, rep: SalesRep | None = None,
            open_day: int | None = None, record: bool = True) -> None:
        """The customer signs at ``price``: revenue, churn propensity, attribution, the deal record."""
        market = self.config.market
        list_price = self.list_price[customer.segment]
        discount = min(1.0, max(0.0, 1.0 - price / list_price))
        customer.stage = Stage.CUSTOMER
        customer.price_usd = price
        customer.won_by = how
        self.won_by_count[WON_BY.index(how)] += 1
        customer.churn_multiplier = (1.0 + market.discount_churn * discount) * (1.0 - market.brand_loyalty * customer.memory)
        if rep is not None:  # the winning rep owns the account
            customer.owner = rep
            rep.accounts += 1
            customer.account_care = 1.0 if self.config.sales.time.account_hours_per_month > 0 else 0.0
        if customer.config.renewal is Renewal.ANNUAL:  # initial customers signed in the year before
            customer.renewal_day = day + (1 + min(int(self.random() * 365), 364) if how == "initial" else 365)
        credit = self.credit(customer, price)
        if customer.config.purchase.value == "subscription":
            self.annual_recurring_revenue += price
            self._arr_attributed += credit
        else:
            self.ledger.revenue_orders += price
            self._orders_attributed += credit
        if record:
            self._deals.append(dict(
                day=day, customer=customer.unique_id - 1, segment=self.segment_names[customer.segment], won_by=how,
                rep=rep.unique_id if rep is not None else -1, list_price_usd=list_price, price_usd=price,
                discount=discount, cycle_days=day - open_day if open_day is not None else 0,
            ))

    def churn(self, customer: Customer) -> None:
        if customer.config.purchase.value == "subscription":
            self.annual_recurring_revenue = max(0.0, self.annual_recurring_revenue - customer.price_usd)
            self._arr_attributed -= self.credit(customer, customer.price_usd)
            np.maximum(self._arr_attributed, 0.0, out=self._arr_attributed)
        self.churned_by_won[WON_BY.index(customer.won_by)] += 1
        self.churned_today += 1
        customer.stage = Stage.CHURNED
        if customer.owner is not None:
            customer.owner.accounts -= 1
            customer.owner, customer.account_care = None, 0.0

    def renew(self, customer: Customer) -> None:
        """A renewal date: the customer leaves, or renews for a year (perhaps at a higher price)."""
        cfg = customer.config
        p = renewal_churn_probability(float(yearly_probability(cfg.monthly_churn)), float(customer.churn_multiplier),
                                      float(cfg.account_care_effect), float(customer.account_care))
        self.renewals_today += 1
        self.renewal_arr_today += customer.price_usd
        if self.random() < p:
            self.renewal_churned_today += 1
            self.churn(customer)
            return
        self.renewed_arr_today += customer.price_usd
        if cfg.expansion_rate > 0 and self.random() < cfg.expansion_rate:
            added = customer.price_usd * cfg.expansion_size
            customer.price_usd += added
            self.annual_recurring_revenue += added
            self._arr_attributed += self.credit(customer, added)
            self.expansions_today += 1
            self.expansion_arr_today += added
        customer.renewal_day += 365

    def _reset_renewals(self) -> None:
        self.renewals_today = self.renewal_churned_today = self.expansions_today = 0
        self.renewal_arr_today = self.renewed_arr_today = self.expansion_arr_today = 0.0

    def repeat_order(self, customer: Customer) -> None:
        self.ledger.revenue_orders += customer.price_usd
        self._orders_attributed += self.credit(customer, customer.price_usd)

    def credit(self, customer: Customer, price: float) -> np.ndarray:
        """Attributed value per method and touch point of one deal (shape: methods x touch points)."""
        touches = np.array(customer.touches, dtype=float)[:, None]
        first, last = np.array([customer.first_touch]), np.array([customer.last_touch])
        return np.stack([attribution_shares(touches, first, last, m)[0] * price for m in METHODS])

    def record_loss(self, customer: Customer, day: int, cause: str) -> None:
        self._losses.append(dict(day=day, customer=customer.unique_id - 1,
                                 segment=self.segment_names[customer.segment], cause=cause))

    # ------------------------------------------------------------------ books and records
    def month_of(self, day: int) -> int:
        start = self.config.time.start_date
        date = start + dt.timedelta(days=day)
        return (date.year - start.year) * 12 + date.month - start.month

    def date_of(self, day: int) -> dt.date:
        return self.config.time.start_date + dt.timedelta(days=day)

    def account(self) -> None:
        date = self.date_of(self.day)
        ledger = self.ledger
        ledger.channel_spend = {ch.name: ch.spend for ch in self.channels}
        marketing = self.config.marketing
        ended = marketing.end_month is not None and self.month_of(self.day) >= marketing.end_month
        ledger.marketing_team_cost = 0.0 if ended else marketing.team_monthly_cost_usd / calendar.monthrange(date.year, date.month)[1]
        ledger.book_sales(self.config.sales, self.sales.headcount, self.sales.commission_usd)
        ledger.revenue_subscription = self.annual_recurring_revenue / 365.0
        self.attributed_revenue[self.day] = self._arr_attributed / 365.0 + self._orders_attributed

    def reach(self) -> float:
        """Expected customers reached by at least one impression so far (Poisson exposure)."""
        exposure = [0.0] * len(self.segment_configs)
        for ch in self.channels:
            for s in ch.targets:
                exposure[s] += ch.impressions_per_customer_so_far
        return float(sum(size * -np.expm1(-x) for size, x in zip(self.segment_sizes, exposure)))

    def _columns(self) -> list[str]:
        self.ledger.channel_spend = {ch.name: 0.0 for ch in self.channels}
        self.collect()
        return list(self.today)

    def collect(self) -> None:
        counts = [0] * len(STAGES)
        for customer in self.customers:
            counts[customer.stage] += 1
        sales = self.sales
        row: dict[str, float] = {"step": self.day}
        row.update(zip(STAGES, counts))
        row.update(self.ledger.row())
        row.update(
            impressions=sum(ch.impressions for ch in self.channels),
            clicks=sum(ch.clicks for ch in self.channels),
            leads=sales.leads,
            marketing_leads=sales.marketing_leads,
            leads_worked=sales.leads_worked,
            stale_leads=sales.stale_leads,
            nurtured_leads=sales.nurtured_leads,
            outbound_calls=sales.outbound_calls,
            opportunities=sales.opportunities,
            outbound_opportunities=sales.outbound_opportunities,
            deals_won=sales.deals_won + sales.self_serve_wins,
            deals_won_sales=sales.deals_won,
            deals_won_self_serve=sales.self_serve_wins,
            deals_lost=sales.deals_lost,
            churned_customers=self.churned_today,
            win_backs=self.win_backs_today,
            headcount=sales.headcount,
            reach=self.reach(),
            noticed=sum(ch.noticed for ch in self.channels),
            annual_recurring_revenue=self.annual_recurring_revenue,
        )
        row.update({f"rep_hours_{name}": hours for name, hours in sales.hours.items()})
        if self.annual_renewals:
            row.update(renewals=self.renewals_today, renewal_churned=self.renewal_churned_today,
                       expansions=self.expansions_today, renewal_arr=self.renewal_arr_today,
                       renewed_arr=self.renewed_arr_today, expansion_arr=self.expansion_arr_today)
        for ch in self.channels:
            row[f"impressions_{ch.name}"] = ch.impressions
            row[f"leads_{ch.name}"] = ch.leads
        self.today = row

    def deals(self):
        import pandas as pd

        columns = ["day", "customer", "segment", "won_by", "rep", "list_price_usd", "price_usd", "discount", "cycle_days"]
        return pd.DataFrame(self._deals, columns=columns)

    def losses(self):
        import pandas as pd

        return pd.DataFrame(self._losses, columns=["day", "customer", "segment", "cause"])


def _today_value(model: ReferenceModel, column: str) -> float:
    return model.today[column]
