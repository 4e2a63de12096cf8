"""MarketModel: the Mesa model that wires customers, marketing and sales together.

``step()`` is the day's schedule; each phase is a method a few lines long that touches
only the customers it concerns (drawn by sparse sampling or held in small queues).
"""

from __future__ import annotations

import datetime as dt

import mesa
import numpy as np

from sim.engine import funnel
from sim.engine.attribution import Attribution, credit_totals
from sim.engine.collector import RowCollector
from sim.engine.customers import STAGES, WON_BY, Customers, Stage
from sim.engine.dates import month_blocks
from sim.engine.ledger import DayLedger
from sim.engine.management import Management
from sim.engine.marketing import MarketingChannel
from sim.engine.network import small_world
from sim.engine.renewals import Renewals
from sim.engine.sales import SalesTeam
from sim.engine.segments import SegmentTable, segment_sizes, stream
from sim.scenario.schema import NetworkKind, Scenario

__all__ = ["MarketModel"]

METHODS = tuple(Attribution)


class MarketModel(mesa.Model):
    """Agent-based market: a customer population, marketing channels and sales reps.

    Parameters
    ----------
    scenario : Scenario
        The validated scenario.
    seed : int
        Root seed; the same scenario and seed give identical results.
    replication : int
        Replication number; each has its own streams derived from ``seed``.
    trace : int
        Number of customers whose journeys are recorded (0: none).
    """

    def __init__(self, scenario: Scenario, seed: int = 0, replication: int = 0, trace: int = 0) -> None:
        super().__init__(rng=stream(seed, replication, "model"))
        self.config = scenario  # (Mesa reserves `scenario` for its own parameter holder)
        self.seed = int(seed)
        self.replication = int(replication)
        self.day = 0
        self.horizon = scenario.time.horizon_days
        market = scenario.market
        self.segments = SegmentTable.from_scenario(scenario)
        self._streams = {
            name: stream(seed, replication, name)
            for name in ("population", "network", "word_of_mouth", "progression", "retention", "trace")
        }
        wom = market.word_of_mouth
        sizes = segment_sizes([s.share for s in market.segments.values()], market.population)
        network = None
        if wom.network is NetworkKind.SMALL_WORLD and market.population >= 3:
            network = small_world(market.population, wom.degree, wom.rewire, self._streams["network"])
        self.customers = Customers(sizes, len(scenario.channels), market.brand_memory_half_life_days, network)
        self._degree = network.degree().astype(np.float32) if network is not None else None
        self._init_population()

        # Ledger state and per-day counters.
        self.annual_recurring_revenue = 0.0
        self.ledger = DayLedger.for_scenario(scenario)
        self._months, self._team_cost = self._calendar()  # (month_of is read daily)
        n_tp = self.customers.n_touchpoints + 1  # + organic
        self.touchpoints = (*scenario.channels, "sales", "organic")
        self._arr_attributed = np.zeros((len(METHODS), n_tp))
        self._orders_attributed = np.zeros((len(METHODS), n_tp))
        self.bookings_attributed = np.zeros((len(METHODS), n_tp))  # won value of new deals, cumulative
        self.attributed_revenue = np.zeros((self.horizon, len(METHODS), n_tp))
        self.won_by_count = np.zeros(len(WON_BY), dtype=np.int64)
        self.churned_by_won = np.zeros(len(WON_BY), dtype=np.int64)
        self._deals: list[dict[str, np.ndarray]] = []
        self._losses: list[tuple[int, np.ndarray, np.ndarray, str]] = []  # (day, customers, segments, cause)
        self.churned_today = 0
        self.winbacks_today = 0
        from sim.engine.keyed import Keys

        self.keys = Keys(seed, replication)
        # Annual renewals: a calendar of renewal days (None: every segment churns daily).
        self.renewals = Renewals(self.customers.n, self.horizon, self.keys) if self.segments.annual.any() else None

        # Agents: channels first (their order is the touch-point order), then the sales team.
        self.channels: list[MarketingChannel] = []
        seg_index = {name: i for i, name in enumerate(self.segments.names)}
        for i, (name, cfg) in enumerate(scenario.channels.items()):
            targets = np.array(
                [seg_index[t] for t in (cfg.targets or self.segments.names)], dtype=np.int64
            )
            self.channels.append(
                MarketingChannel(self, name, i, cfg, targets, stream(seed, replication, f"channel:{name}"))
            )
        self.sales = SalesTeam(self, stream(seed, replication, "sales"), stream(seed, replication, "reps"))
        self.trace = None
        if trace:
            from sim.engine.trace import Journeys

            self.trace = Journeys(self, trace, self._streams["trace"])
            self.customers.trace = self.trace
        self._init_customers()
        self.customers.arm_alarms(self.keys, self._alarm_bounds(), self.horizon)
        self.management = Management.for_model(self)  # (None: nobody re-decides the levers)

        self.today: dict[str, float] = {}
        self.datacollector = RowCollector(self._columns())
        self.running = True

    # ------------------------------------------------------------------ set-up
    def _init_population(self) -> None:
        rng = self._streams["population"]
        customers = self.customers
        for s, cfg in enumerate(self.segments.configs):
            start, size = customers.segment_start[s], customers.segment_size[s]
            block = slice(start, start + size)
            customers.reservation[block] = cfg.reservation_price_usd * np.exp(
                cfg.reservation_price_sigma * rng.standard_normal(size)
            )

    def _init_customers(self) -> None:
        """Initial customers and initial awareness, drawn per segment."""
        market = self.config.market
        rng = self._streams["population"]
        customers = self.customers
        for s in range(len(self.segments.names)):
            start, size = int(customers.segment_start[s]), int(customers.segment_size[s])
            order = start + rng.permutation(size)
            n_cust = int(round(market.initial_customers * size))
            n_aware = int(round(market.initial_awareness * size))
            won = np.sort(order[:n_cust])
            aware = np.sort(order[n_cust : n_cust + n_aware])
            customers.move(aware, Stage.AWARE, 0, "initial")
            customers.memory[aware] = 0.5
            if won.size:
                price = np.full(won.size, self.segments.list_price[s])
                self.win(won, price, 0, "initial", record=False)

    def _alarm_bounds(self) -> np.ndarray:
        """Daily check probability per (stage, segment): an upper bound of every hazard of that stage.

        A customer's alarm rings after a keyed geometric gap at this probability; at the check,
        a keyed uniform in [0, bound) decides what happens (thinning: the same hazards as a
        check every day, with work proportional to the checks).
        """
        seg_t = self.segments
        market = self.config.market
        wom = market.word_of_mouth
        bound = np.zeros((len(Stage), len(seg_t.names)))
        if wom.network is not NetworkKind.NONE:
            bound[Stage.UNAWARE] = wom.awareness_rate
        bound[Stage.AWARE] = seg_t.consider_rate + seg_t.forget_rate + wom.consider_rate
        bound[Stage.CONSIDERING] = seg_t.lead_rate + seg_t.lose_interest_rate
        bound[Stage.CUSTOMER] = seg_t.churn_daily * (1.0 + market.discount_churn) + seg_t.repeat_daily
        bound[Stage.CUSTOMER, seg_t.annual] = 0.0  # they churn at renewals only (subscriptions: no orders)
        bound[Stage.LOST] = bound[Stage.CHURNED] = seg_t.winback_rate
        return np.minimum(bound, 1.0)

    def _columns(self) -> list[str]:
        self.ledger.channel_spend = {ch.name: 0.0 for ch in self.channels}
        self._collect_row()
        return list(self.today)

    # ------------------------------------------------------------------ helpers
    def month_of(self, day: int) -> int:
        """Months since the start month on ``day`` (0 in the first calendar month)."""
        return self._months[day] if 0 <= day < self.horizon else self._month_of(day)

    def _month_of(self, day: int) -> int:
        start = self.config.time.start_date
        date = start + dt.timedelta(days=day)
        return (date.year - start.year) * 12 + date.month - start.month

    def _calendar(self) -> tuple[list[int], list[float]]:
        """Each day's month (:meth:`month_of`) and the marketing team's cost that day: its monthly
        cost over the days of that month (0 from ``marketing.end_month`` on)."""
        marketing = self.config.marketing
        months: list[int] = []
        cost: list[float] = []
        for month, start, stop, days_in_month in month_blocks(self.config.time.start_date, self.horizon):
            ended = marketing.end_month is not None and month >= marketing.end_month
            months += [month] * (stop - start)
            cost += [0.0 if ended else marketing.team_monthly_cost_usd / days_in_month] * (stop - start)
        return months, cost

    def date_of(self, day: int) -> dt.date:
        return self.config.time.start_date + dt.timedelta(days=day)

    def reservation_now(self, idx: np.ndarray, day: int) -> np.ndarray:
        """Reservation price today: brand trust raises it."""
        return self.customers.reservation_now(idx, day, self.config.market.brand_price_premium)

    def marketing_reach(self) -> float:
        """Expected customers reached by at least one impression so far (Poisson exposure)."""
        if not self.channels:
            return 0.0
        exposure = self.channels[0].cumulative_per_capita
        for ch in self.channels[1:]:
            exposure = exposure + ch.cumulative_per_capita
        return float(np.add.reduce(self.customers.segment_size * -np.expm1(-exposure)))

    # ------------------------------------------------------------------ wins and losses
    def win(
        self,
        idx: np.ndarray,
        price: np.ndarray,
        day: int,
        how: str,
        rep: np.ndarray | None = None,
        open_day: np.ndarray | None = None,
        record: bool = True,
    ) -> None:
        """Make ``idx`` customers at ``price``: revenue, churn propensity, attribution, records."""
        if idx.size == 0:
            return
        customers = self.customers
        market = self.config.market
        price = np.asarray(price, dtype=float)
        seg = customers.segment_of(idx)
        list_price = self.segments.list_price[seg]
        discount = np.minimum(np.maximum(1.0 - price / list_price, 0.0), 1.0)  # (np.clip's numbers, for less)
        memory = customers.memory_now(idx, day)
        customers.move(idx, Stage.CUSTOMER, day, how)
        customers.price[idx] = price
        code = WON_BY.index(how)
        customers.won_by[idx] = code
        self.won_by_count[code] += idx.size
        customers.churn_multiplier[idx] = (1.0 + market.discount_churn * discount) * (
            1.0 - market.brand_loyalty * memory
        )
        subscription = self.segments.subscription[seg]
        self.annual_recurring_revenue += float(price[subscription].sum())
        self.ledger.revenue_orders += float(price[~subscription].sum())
        arr_credit, orders_credit = self._attributed(idx, price, subscription, ~subscription)
        self.bookings_attributed += arr_credit + orders_credit
        self._arr_attributed += arr_credit
        self._orders_attributed += orders_credit
        if self.renewals is not None:
            annual = self.segments.annual[seg]
            self.renewals.start(idx[annual], day, customers.moves, initial=how == "initial")
        if self.trace is not None:
            self.trace.deal(idx, price, day)
        if record:
            self._deals.append(
                {
                    "day": np.full(idx.size, day),
                    "customer": idx,
                    "segment": seg,
                    "won_by": np.full(idx.size, code),
                    "rep": np.array([self.sales.reps[r].unique_id for r in rep]) if rep is not None else np.full(idx.size, -1),
                    "list_price_usd": list_price,
                    "price_usd": price,
                    "discount": discount,
                    "cycle_days": day - open_day if open_day is not None else np.zeros(idx.size, dtype=np.int64),
                }
            )

    def record_loss(self, idx: np.ndarray, day: int, cause: str) -> None:
        """Opportunities of customers ``idx`` lost on ``day`` for ``cause`` (rows of :meth:`losses`)."""
        self._losses.append((day, idx, self.customers.segment_of(idx), cause))

    def _attributed(self, idx: np.ndarray, price: np.ndarray, *masks: np.ndarray) -> np.ndarray:
        """Value ``price`` of customers ``idx`` attributed per method and touch point, summed over
        them: shape (1, methods, touch points), or one such sum per boolean mask over ``idx``
        (:func:`sim.engine.attribution.credit_totals`)."""
        c = self.customers
        weights = np.array(masks, dtype=np.float64) if masks else np.ones((1, idx.size))
        out = np.zeros((weights.shape[0], len(METHODS), c.n_touchpoints + 1))
        credit_totals(c.touches, c.first_touch, c.last_touch, np.asarray(idx, dtype=np.int64),
                      np.asarray(price, dtype=np.float64), weights, out)
        return out

    # ------------------------------------------------------------------ phases
    def word_of_mouth(self) -> None:
        """Unaware customers hear of the brand from customers among their neighbours."""
        wom = self.config.market.word_of_mouth
        if wom.network is NetworkKind.NONE or wom.awareness_rate == 0:
            return
        funnel.hear(self, wom.awareness_rate, wom.brand_effect)  # (made aware; the others snoozed)

    def progression(self) -> None:
        """Organic moves through the funnel, and forgetting (at each customer's alarm clock):
        aware -> considering (brand memory, word of mouth) or -> unaware (forgetting), then
        considering -> lead (inbound, organic) or -> aware (lost interest)."""
        consider, forget, lead, drop, score = funnel.progress(self)
        self.sales.queue_leads(lead, score, self.day, "organic")
        funnel.record_drops(self, drop)

    def retention(self) -> None:
        """Churn, repeat orders, and lost or churned customers coming back."""
        c = self.customers
        self.churned_today = 0
        churn, orders = funnel.stay_or_go(self)  # (the others snoozed)
        if orders.size:
            self.ledger.revenue_orders += float(c.price[orders].sum())
            self._orders_attributed += self._attributed(orders, c.price[orders].astype(float))[0]
        if churn.size:
            self._churn(churn)
        if self.renewals is not None:
            self.renew()
        back = funnel.come_back(self)  # (the others snoozed)
        self.winbacks_today = int(back.size)
        c.move(back, Stage.AWARE, self.day, "win_back")

    def renew(self) -> None:
        """Annual renewals due today: each customer churns, renews, or renews and expands."""
        c = self.customers
        due, churns, expanding, new_price = self.renewals.step(self.day, c, self.segments)
        if expanding.size:
            # An expansion is more of the same contract: its ARR is credited like the deal's.
            old = c.price[expanding].astype(float)
            c.price[expanding] = new_price
            added = new_price.astype(float) - old
            self.annual_recurring_revenue += float(added.sum())
            self._arr_attributed += self._attributed(expanding, added)[0]
        if self.trace is not None:
            self.trace.renewal(due[~churns], expanding, c.price, self.day)
        if churns.size and churns.any():
            self._churn(due[churns])

    def _churn(self, idx: np.ndarray) -> None:
        c = self.customers
        seg = c.segment_of(idx)
        subscription = self.segments.subscription[seg]
        price = c.price[idx].astype(float)
        self.annual_recurring_revenue = max(0.0, self.annual_recurring_revenue - float(price[subscription].sum()))
        self._arr_attributed -= self._attributed(idx, price, subscription)[0]
        np.maximum(self._arr_attributed, 0.0, out=self._arr_attributed)
        self.churned_by_won += np.bincount(c.won_by[idx], minlength=len(WON_BY))
        self.churned_today += idx.size
        self.sales.disown(idx)
        c.move(idx, Stage.CHURNED, self.day, "churn")

    def account(self) -> None:
        """Close the day's ledger."""
        ledger = self.ledger
        ledger.channel_spend = {ch.name: ch.spend for ch in self.channels}
        ledger.marketing_team_cost = self._team_cost[self.day]
        ledger.book_sales(self.config.sales, self.sales.headcount, self.sales.commission_usd)
        ledger.revenue_subscription = self.annual_recurring_revenue / 365.0
        today = self.attributed_revenue[self.day]  # = ARR attributed / 365 + orders attributed
        np.divide(self._arr_attributed, 365.0, out=today)
        today += self._orders_attributed

    # ------------------------------------------------------------------ schedule
    def step(self) -> None:
        """One day: managers review, marketing reaches customers, word spreads, the funnel moves, sales works, customers stay or go."""
        self.ledger = self.ledger.fresh()  # (what DayLedger.for_scenario gives)
        self._orders_attributed.fill(0.0)
        self.sales.reset_counters()
        if self.management is not None:
            self.management.step(self.day)  # reviews at a month's start, on the data up to yesterday
        for channel in self.channels:
            channel.step()
        self.word_of_mouth()
        self.progression()
        self.sales.step(self.day)
        self.retention()
        self.account()
        self._collect_row()
        self.datacollector.collect(self)
        self.day += 1
        if self.day >= self.horizon:
            self.running = False

    def _collect_row(self) -> None:
        c = self.customers
        sales = self.sales
        channels = self.channels
        impressions = clicks = noticed = 0
        for ch in channels:
            impressions += ch.impressions
            clicks += ch.clicks
            noticed += ch.noticed
        row: dict[str, float] = {"step": self.day}
        row.update(zip(STAGES, c.counts.tolist()))
        row.update(self.ledger.row())
        row.update(
            impressions=impressions,
            clicks=clicks,
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
            win_backs=self.winbacks_today,
            headcount=sales.headcount,
            reach=self.marketing_reach(),
            noticed=noticed,
            annual_recurring_revenue=self.annual_recurring_revenue,
        )
        row.update({f"rep_hours_{name}": hours for name, hours in sales.hours.items()})
        if self.renewals is not None:
            row.update(self.renewals.row())
        for ch in channels:
            row[ch.impressions_column] = ch.impressions
            row[ch.leads_column] = ch.leads
        self.today = row

    def run(self, progress: bool = False) -> None:
        """Step to the horizon (with a progress bar if asked and the run is long).

        The day's schedule is called directly, not through Mesa's event loop (what
        ``model.step()`` does), whose bookkeeping costs about as much as a small market's day;
        ``steps`` and ``time`` end where that loop would leave them.
        """
        from tqdm.auto import tqdm

        day = type(self).step
        steps = 0
        if progress and self.running:  # (the first day loads the compiled kernels, or compiles them: not a day's pace)
            day(self)
            steps = 1
        with tqdm(total=self.horizon, initial=steps, desc="days", unit="day", delay=1.0, disable=not progress,
                  leave=False) as bar:
            while self.running:
                day(self)
                steps += 1
                bar.update(1)
        self.steps += steps
        self.time += steps

    # ------------------------------------------------------------------ results
    def deals(self):
        import pandas as pd

        if not self._deals:
            return pd.DataFrame(
                columns=["day", "customer", "segment", "won_by", "rep", "list_price_usd", "price_usd", "discount", "cycle_days"]
            )
        df = pd.DataFrame({k: np.concatenate([d[k] for d in self._deals]) for k in self._deals[0]})
        df["segment"] = np.asarray(self.segments.names, dtype=object)[df["segment"].to_numpy()]
        df["won_by"] = np.asarray(WON_BY, dtype=object)[df["won_by"].to_numpy()]
        return df

    def losses(self):
        import pandas as pd

        if not self._losses:
            return pd.DataFrame(columns=["day", "customer", "segment", "cause"])
        days, customers, segments, causes = zip(*self._losses)
        sizes = [part.size for part in customers]
        df = pd.DataFrame({"day": np.repeat(np.array(days, dtype=np.int64), sizes), "customer": np.concatenate(customers),
                           "segment": np.concatenate(segments),
                           "cause": np.repeat(np.array(causes, dtype=object), sizes)})
        df["segment"] = np.asarray(self.segments.names, dtype=object)[df["segment"].to_numpy()]
        return df
