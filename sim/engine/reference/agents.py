"""The reference model's agents: customers, marketing channels, sales reps.

A customer's day reads like the funnel: brand memory fades, ads land, word of mouth
spreads, interest grows or fades; later in the day sales works the leads and the
pipeline, and at the end of the day customers stay, buy again or leave. Every random event
is one ``random() < p`` on the model's random stream.
"""

from __future__ import annotations

import math
from typing import TYPE_CHECKING

import mesa

from sim.engine.customers import Stage
from sim.engine.marketing import daily_budget
from sim.engine.response import geometric_adstock, impressions_from_spend
from sim.engine.workload import ramp_share
from sim.scenario.schema import Buying, NetworkKind, Purchase, Renewal
from sim.scenario.schema import Channel as ChannelConfig

if TYPE_CHECKING:
    from sim.engine.reference.model import ReferenceModel

__all__ = ["Customer", "Channel", "SalesRep", "Opportunity"]


class Customer(mesa.Agent):
    """One business in the market, in exactly one funnel stage."""

    model: "ReferenceModel"

    def __init__(self, model: "ReferenceModel", segment: int, reservation_usd: float) -> None:
        super().__init__(model)
        self.segment = segment
        self.config = model.segment_configs[segment]
        self.stage = Stage.UNAWARE
        self.memory = 0.0  # brand memory in [0, 1]; fades with the scenario's half-life
        self.reservation_usd = reservation_usd  # the most it pays per deal before brand trust
        self.price_usd = 0.0  # price of its current or last deal
        self.churn_multiplier = 1.0
        self.account_care = 0.0  # care received from its rep, 0-1 (cuts churn)
        self.owner = None  # the rep that owns the account
        self.lead_score = 0.0  # marketing's score when it last became a lead
        self.renewal_day = -1  # next renewal (renewal = "annual")
        self.won_by = "none"
        self.touches = [0] * model.n_touchpoints  # per channel, then sales (before converting)
        self.first_touch = -1
        self.last_touch = -1
        self.neighbours: list[Customer] = []

    # ------------------------------------------------------------------ the morning
    def step(self) -> None:
        """Memory fades, ads land, word of mouth spreads, interest grows or fades."""
        self.memory *= self.model.memory_fade_today
        self.see_ads()
        self.hear_word_of_mouth()
        self.think_it_over()

    def see_ads(self) -> None:
        """Each channel's impressions today: noticed (a touch, memory, awareness) or clicked."""
        random = self.model.random
        for channel, p_notice, p_click in self.model.ads_today[self.segment]:
            if random() < p_notice:
                channel.noticed += 1
                self.touch(channel.index)
                self.remember(channel.config.memory_gain)
                if self.stage == Stage.UNAWARE:
                    self.stage = Stage.AWARE
            if random() < p_click and self.stage in (Stage.AWARE, Stage.CONSIDERING):
                channel.clicks += 1
                self.touch(channel.index)
                if random() < channel.config.click_to_lead:
                    channel.leads += 1
                    self.model.sales.receive_lead(self, source=channel.index)
                elif self.stage == Stage.AWARE:
                    self.stage = Stage.CONSIDERING

    def hear_word_of_mouth(self) -> None:
        """An unaware customer hears of the brand from customers it talks to."""
        wom = self.model.config.market.word_of_mouth
        if self.stage != Stage.UNAWARE or wom.network is NetworkKind.NONE:
            return
        if self.model.random() < wom.awareness_rate * self.share_of_contacts_who_are_customers():
            self.stage = Stage.AWARE
            self.remember(wom.brand_effect)

    def think_it_over(self) -> None:
        """Aware: start considering, or forget. Considering: ask for contact, or lose interest."""
        random = self.model.random
        cfg = self.config
        if self.stage == Stage.AWARE:
            wom = self.model.config.market.word_of_mouth
            p_consider = cfg.consider_rate * self.memory + wom.consider_rate * self.share_of_contacts_who_are_customers()
            p_forget = cfg.forget_rate * (1.0 - self.memory)
            u = random()
            if u < p_consider:
                self.stage = Stage.CONSIDERING
            elif u < p_consider + p_forget:
                self.stage = Stage.UNAWARE
        if self.stage == Stage.CONSIDERING:
            p_lead = cfg.lead_rate * self.memory
            u = random()
            if u < p_lead:
                self.model.sales.receive_lead(self, source=None)
            elif u < p_lead + cfg.lose_interest_rate:
                self.stage = Stage.AWARE

    # ------------------------------------------------------------------ the evening
    def stay_or_go(self) -> None:
        """A customer churns or orders again; a lost or churned one may come back."""
        random = self.model.random
        model = self.model
        if self.stage == Stage.CUSTOMER:
            care = 1.0 - self.config.account_care_effect * self.account_care
            if self.config.renewal is Renewal.ANNUAL:  # churns at renewal dates only
                if model.day == self.renewal_day:
                    model.renew(self)
            elif random() < model.churn_daily[self.segment] * self.churn_multiplier * care:
                model.churn(self)
            elif self.config.purchase is Purchase.REPEAT and random() < 1.0 / self.config.repeat_interval_days:
                model.repeat_order(self)
        if self.stage in (Stage.LOST, Stage.CHURNED):
            if random() < self.config.winback_rate:
                self.stage = Stage.AWARE
                model.win_backs_today += 1

    # ------------------------------------------------------------------ helpers
    def share_of_contacts_who_are_customers(self) -> float:
        """Word of mouth: share of the people it talks to who are customers."""
        kind = self.model.config.market.word_of_mouth.network
        if kind is NetworkKind.MIXED:
            return self.model.customers_this_morning / self.model.population
        if not self.neighbours:
            return 0.0
        return sum(n.stage == Stage.CUSTOMER for n in self.neighbours) / len(self.neighbours)

    def remember(self, gain: float) -> None:
        self.memory = 1.0 - (1.0 - self.memory) * (1.0 - gain)

    def touch(self, touchpoint: int) -> None:
        """Record a marketing or sales touch (only before becoming a customer)."""
        if self.stage >= Stage.CUSTOMER:
            return
        self.touches[touchpoint] += 1
        if self.first_touch < 0:
            self.first_touch = touchpoint
        self.last_touch = touchpoint

    def reservation_now(self) -> float:
        """What it would pay today: brand trust raises the reservation price."""
        return self.reservation_usd * (1.0 + self.model.config.market.brand_price_premium * self.memory)

    @property
    def buys_online(self) -> bool:
        return self.config.buying is not Buying.REP_ONLY

    @property
    def needs_a_rep(self) -> bool:
        return self.config.buying is not Buying.SELF_SERVE


class Channel(mesa.Agent):
    """A marketing channel: spends its budget on impressions spread over its target segments.

    Impressions land at random, so a customer of a targeted segment receives a Poisson
    number of them per day with mean ``impressions / (customers targeted)``; it notices at
    least one with probability ``1 - exp(-mean * brand_effect)`` and clicks at least one
    with probability ``1 - exp(-mean * ctr)``.
    """

    def __init__(self, model: "ReferenceModel", name: str, index: int, config: ChannelConfig,
                 targets: list[int]) -> None:
        super().__init__(model)
        self.name = name
        self.index = index
        self.config = config
        self.targets = targets
        scenario = model.config
        self.spend_per_day = daily_budget(
            config, scenario.time.start_date, scenario.time.horizon_days, scenario.marketing.end_month
        )
        bought = impressions_from_spend(self.spend_per_day, config.cpm_usd, config.saturation_spend_usd_per_day)
        self.expected_impressions = geometric_adstock(bought, config.carryover) if config.carryover else bought
        self.customers_targeted = sum(model.segment_sizes[s] for s in targets)
        self.impressions_per_customer_so_far = 0.0
        self.spend = 0.0
        self.impressions = self.noticed = self.clicks = self.leads = 0
        self._fraction_left = 0.0
        self.p_notice = self.p_click = 0.0

    def step(self) -> None:
        """Buy today's impressions (whole impressions; fractions carry to tomorrow)."""
        day = self.model.day
        self.spend = float(self.spend_per_day[day])
        expected = self.expected_impressions[day] + self._fraction_left
        self.impressions = int(expected)
        self._fraction_left = expected - self.impressions
        self.noticed = self.clicks = self.leads = 0
        self.p_notice = self.p_click = 0.0
        if self.impressions == 0 or self.customers_targeted == 0:
            return
        per_customer = self.impressions / self.customers_targeted
        self.impressions_per_customer_so_far += per_customer
        self.p_notice = -math.expm1(-per_customer * self.config.brand_effect)
        self.p_click = -math.expm1(-per_customer * self.config.ctr)


class SalesRep(mesa.Agent):
    """A sales rep: ramps up after hiring, carries a limited number of open opportunities."""

    def __init__(self, model: "ReferenceModel", hire_day: int, skill: float) -> None:
        super().__init__(model)
        self.hire_day = hire_day
        self.leave_day: int | None = None
        self.skill = skill
        self.opportunities: list[Opportunity] = []
        self.accounts = 0  # customers it won that are still customers
        self.deals_won = 0
        self.deals_lost = 0
        self.won_value_usd = 0.0
        self.commission_usd = 0.0
        self.quota_usd = 0.0

    def productivity(self, day: int) -> float:
        return ramp_share(day, self.hire_day, self.model.config.sales.ramp_days)

    def free_capacity(self, day: int) -> int:
        capacity = max(1, round(self.model.config.sales.capacity * self.productivity(day)))
        return max(capacity - len(self.opportunities), 0)

    def step(self) -> None:
        """Accrue today's quota, prorated by ramp."""
        sales = self.model.config.sales
        self.quota_usd += sales.annual_quota_usd / 365.0 * self.productivity(self.model.day)


class Opportunity:
    """An open deal: discovery, then a negotiation, unless a competitor takes the buyer."""

    START_NEGOTIATION, WIN, LOST_TO_COMPETITOR, NO_AGREEMENT, NO_DECISION = range(5)

    def __init__(self, customer: Customer, rep: SalesRep, open_day: int, outbound: bool) -> None:
        self.customer = customer
        self.rep = rep
        self.open_day = open_day
        self.outbound = outbound
        self.next_event = Opportunity.START_NEGOTIATION
        self.event_day = open_day
        self.price_usd = math.nan
