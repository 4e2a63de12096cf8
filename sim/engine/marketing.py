"""Marketing channel agents: spend, impressions, brand memory, clicks and inbound leads.

Each channel is a ``mesa.Agent``. Its daily spend comes from a monthly budget (or a
schedule, or a flight between two months); spend buys impressions at a CPM, with optional
Hill saturation, spread over the following days by geometric adstock (carryover).
Impressions land on random customers of the targeted segments; only their effects (noticed,
clicked) are drawn, by Poisson splitting, so work is proportional to those events. Proactive, broad, standardised: a channel never looks at
an individual customer before it reaches them.
"""

from __future__ import annotations

import datetime as dt
from typing import TYPE_CHECKING

import mesa
import numpy as np
from numba import njit

from sim.engine.customers import Stage
from sim.engine.dates import month_blocks
from sim.engine.response import geometric_adstock, impressions_from_spend
from sim.scenario.schema import Channel as ChannelConfig
from sim.engine import kernels as _k
from sim.engine.keyed import Kind, _poisson_counts, _uniform
from sim.engine.workload import lead_arrivals

if TYPE_CHECKING:
    from sim.engine.model import MarketModel

__all__ = ["MarketingChannel", "daily_budget"]


def daily_budget(
    config: ChannelConfig, start_date: dt.date, horizon_days: int, stop_month: int | None = None
) -> np.ndarray:
    """Spend per day (USD) over the horizon: each month's budget spread over its days."""
    out = np.zeros(horizon_days)
    end = config.end_month
    if stop_month is not None:
        end = stop_month if end is None else min(end, stop_month)
    for month, day, stop, days_in_month in month_blocks(start_date, horizon_days):
        if month >= config.start_month and (end is None or month < end):
            budget = config.monthly_budget_usd
            if config.schedule_usd is not None and month < len(config.schedule_usd):
                budget = config.schedule_usd[month]
            out[day:stop] = budget / days_in_month
    return out


class MarketingChannel(mesa.Agent):
    """One marketing channel (search, social, content, events, ...).

    Impressions land on random customers of the targeted segments, so over a day a
    customer of segment ``s`` receives a Poisson number of impressions with mean
    ``lambda_s = impressions_s / size_s``. Only what an impression *does* is simulated per
    customer: it is noticed with probability ``brand_effect`` (a touch: the customer
    becomes aware and gains brand memory) or clicked with probability ``ctr`` (a touch that
    may turn into an inbound lead). Those events are drawn for all targeted segments at once
    (see :meth:`_exposure`), so a day's work is proportional to the events, not to the
    impressions or the population. Reach and frequency follow from the Poisson model exactly
    (``reach = size (1 - exp(-cumulative lambda))``).
    """

    def __init__(
        self,
        model: "MarketModel",
        name: str,
        index: int,
        config: ChannelConfig,
        target_segments: np.ndarray,
        rng: np.random.Generator,
    ) -> None:
        super().__init__(model)
        self.name = name
        self.impressions_column, self.leads_column = f"impressions_{name}", f"leads_{name}"  # (in the day's row)
        self.index = index  # touch-point index
        self.config = config
        self.stream = rng
        scenario = model.config
        self.spend_per_day = daily_budget(
            config, scenario.time.start_date, scenario.time.horizon_days, scenario.marketing.end_month
        )
        self._buy()
        customers = model.customers
        self.target_segments = target_segments
        sizes = customers.segment_size[target_segments].astype(float)
        self._segment_weights = sizes / sizes.sum() if sizes.sum() > 0 else sizes
        self._target_sizes = sizes
        self._target_starts = customers.segment_start[target_segments].astype(np.int64)
        self._target_size = float(sizes.sum())
        # Blocks of the exposure draw: (segment, noticed) for each target, then (segment, clicked).
        self._block_key = 64 * index  # keys of this channel's exposure blocks: 64 index + block
        n_segments = customers.segment_size.size
        # Cumulative impressions per customer of each segment (for reach).
        self.cumulative_per_capita = np.zeros(n_segments)
        # Today's figures, read by the model's accounting.
        self.spend = 0.0
        self.impressions = 0
        self.noticed = 0
        self.clicks = 0
        self.leads = 0
        self._remainder = 0.0

    def _buy(self) -> None:
        """Impressions each day's spend delivers (saturation, then carryover)."""
        config = self.config
        bought = impressions_from_spend(self.spend_per_day, config.cpm_usd, config.saturation_spend_usd_per_day)
        self.expected_impressions = geometric_adstock(bought, config.carryover) if config.carryover else bought

    def set_monthly_budget(self, day: int, monthly_usd: float) -> None:
        """Spend ``monthly_usd`` per calendar month from ``day`` on (the channel's flight and the end of
        marketing still apply); the days before keep their spend, so their carryover is unchanged."""
        scenario = self.model.config
        plan = self.config.model_copy(update={"monthly_budget_usd": float(monthly_usd), "schedule_usd": None})
        future = daily_budget(plan, scenario.time.start_date, scenario.time.horizon_days, scenario.marketing.end_month)
        self.spend_per_day[day:] = future[day:]
        self._buy()

    def reach(self) -> np.ndarray:
        """Expected customers reached at least once so far, per segment."""
        sizes = self.model.customers.segment_size
        return sizes * -np.expm1(-self.cumulative_per_capita)

    def step(self) -> None:
        model = self.model
        day = model.day
        self.spend = float(self.spend_per_day[day])
        expected = self.expected_impressions[day] + self._remainder
        count = int(expected)
        self._remainder = expected - count  # carry fractions: totals match the budget
        self.impressions = count
        self.noticed = self.clicks = self.leads = 0
        if count == 0 or self._target_size == 0:
            return
        # Impressions spread evenly over the targeted customers: lambda per customer.
        per_capita = count / self._target_size
        if model.customers.trace is None:
            self._expose(per_capita, day)  # (cumulative_per_capita included)
            return
        # (journeys record each touch and move as it happens, so one by one)
        self.cumulative_per_capita[self.target_segments] += per_capita
        noticed, clicked = self._exposure(per_capita)
        self._notice(noticed, day)
        self._click(clicked, day)

    def _exposure(self, per_capita: float) -> tuple[np.ndarray, np.ndarray]:
        """Who notices and who clicks at least one impression today (one draw for all segments).

        A customer's noticed impressions are Poisson(``lambda brand_effect``), so the noticed
        impressions of a segment are Poisson(``size lambda brand_effect``) in total, each on a
        uniformly random customer (Poisson splitting); the customers hit at least once are
        exactly those who notice (probability ``1 - exp(-lambda brand_effect)``, independently).
        Likewise for clicks with ``ctr``. Work is proportional to the events.
        """
        model = self.model
        return _hits(model.keys.root, self._block_key, model.day, per_capita, self.config.brand_effect,
                     self.config.ctr, self._target_starts, self._target_sizes)

    def _expose(self, per_capita: float, day: int) -> None:
        """:meth:`_exposure`, :meth:`_notice` and :meth:`_click` in one compiled call (the leads, moved
        and scored there, go to the sales queue)."""
        model = self.model
        c, cfg = model.customers, self.config
        self.noticed, self.clicks, leads, scores = _exposure_effects(
            day, per_capita, self.cumulative_per_capita, self.target_segments, self._block_key, cfg.brand_effect,
            cfg.ctr, self._target_starts, self._target_sizes, self.index, cfg.memory_gain, cfg.click_to_lead,
            model.segments.list_price, *c.price_args(day, model.config.market.brand_price_premium),
            c.touches, c.first_touch, c.last_touch,
            *c.state_arrays(),
        )
        if leads.size:
            self.leads = leads.size
            model.sales.queue_leads(leads, scores, day, self.name)

    def _notice(self, idx: np.ndarray, day: int) -> None:
        """Customers who notice at least one impression today: a touch, brand memory, awareness."""
        self.noticed = idx.size
        if idx.size == 0:
            return
        customers = self.model.customers
        stage = customers.stage[idx]
        customers.touch(idx, self.index, day)
        customers.add_memory(idx, self.config.memory_gain, day)
        customers.move(idx[stage == Stage.UNAWARE], Stage.AWARE, day, self.name)

    def _click(self, idx: np.ndarray, day: int) -> None:
        """Aware or considering customers who click today: a touch; some become leads."""
        if idx.size == 0:
            return
        customers = self.model.customers
        u = self.model.keys.uniform(Kind.CLICK_LEAD, idx, customers.moves[idx], day * 64 + self.index)
        stage = customers.stage[idx]
        can_click = (stage == Stage.AWARE) | (stage == Stage.CONSIDERING)
        idx, u, stage = idx[can_click], u[can_click], stage[can_click]
        self.clicks = idx.size
        if idx.size == 0:
            return
        customers.touch(idx, self.index, day)
        converts = u < self.config.click_to_lead
        self.leads = int(converts.sum())
        self.model.sales.add_leads(idx[converts], day, self.name)
        customers.move(idx[~converts & (stage == Stage.AWARE)], Stage.CONSIDERING, day, self.name)


@njit(cache=True)
def _hits(root, block_key, day, per_capita, brand_effect, ctr, starts, sizes):
    """Customers hit by at least one noticed, and by at least one clicked, impression today (sorted).

    Keyed and nested: block j's count (blocks 0..n-1: noticed impressions per target segment,
    n..2n-1: clicks) is an inverse-CDF Poisson draw (monotone in the mean) and its k-th event
    lands on a customer keyed by (block, day, k), so a larger budget only adds events at the
    end of each block's list.
    """
    n = sizes.size
    means = np.empty(2 * n)
    noticed_mean, clicked_mean = per_capita * brand_effect, per_capita * ctr
    for j in range(n):
        means[j] = sizes[j] * noticed_mean
        means[n + j] = sizes[j] * clicked_mean
    counts = np.empty(2 * n, dtype=np.int64)
    _poisson_counts(root, _EXPOSURE_COUNT, block_key, day, means, counts)
    hits = np.empty(counts.sum(), dtype=np.int64)
    k = 0
    for j in range(2 * n):
        start, size = starts[j % n], sizes[j % n]
        for e in range(counts[j]):
            hits[k] = start + np.int64(_uniform(root, _EXPOSURE_HIT, block_key + j, day, e) * size)
            k += 1
    split = counts[:n].sum()
    return _k.unique(hits[:split]), _k.unique(hits[split:])


@njit(cache=True)
def _exposure_effects(day, per_capita, cumulative, targets, block_key, brand_effect, ctr, starts, sizes, touchpoint,
                      memory_gain, click_to_lead, list_price, premium, reservation, memory, memory_day, decay, base,
                      touches, first_touch, last_touch, stage, stage_day, moves, counts, indptr, indices, neighbours,
                      has_network, armed, root, segment_start, clocks, horizon, alarm):
    """The day's exposure and its effects (:meth:`MarketingChannel._notice`, ``_click``), after
    adding ``per_capita`` to the targets' ``cumulative`` impressions per customer.

    Returns how many customers noticed and how many clicked, and the new leads with their lead
    scores (:func:`sim.engine.workload.lead_arrivals`: moved, for the caller to queue); the
    aware clickers who do not become leads start considering.
    """
    added = np.empty(targets.size)  # (gathered before written, as numpy's cumulative[targets] += per_capita)
    for i in range(targets.size):
        added[i] = cumulative[targets[i]] + per_capita
    for i in range(targets.size):
        cumulative[targets[i]] = added[i]
    noticed, clicked = _hits(root, block_key, day, per_capita, brand_effect, ctr, starts, sizes)
    if noticed.size:
        unaware = np.empty(noticed.size, dtype=np.int64)
        n_unaware = 0
        for c in noticed:
            if stage[c] == _UNAWARE:
                unaware[n_unaware] = c
                n_unaware += 1
        _k.touch(noticed, touchpoint, stage, touches, first_touch, last_touch)
        _k.add_memory(noticed, memory_gain, day, memory, memory_day, decay, base)
        if n_unaware:
            _k.move(unaware[:n_unaware], _AWARE, day, stage, stage_day, moves, counts, indptr, indices, neighbours,
                    has_network, armed, root, segment_start, clocks, horizon, alarm)
    # Aware or considering clickers: a touch; a keyed uniform decides who becomes a lead.
    clickers = np.empty(clicked.size, dtype=np.int64)
    converts = np.empty(clicked.size, dtype=np.bool_)
    aware = np.empty(clicked.size, dtype=np.bool_)
    clicks = 0
    for c in clicked:
        if stage[c] == _AWARE or stage[c] == _CONSIDERING:
            clickers[clicks] = c
            converts[clicks] = _uniform(root, _CLICK_LEAD, c, np.int64(moves[c]), day * 64 + touchpoint) < click_to_lead
            aware[clicks] = stage[c] == _AWARE
            clicks += 1
    leads = np.empty(clicks, dtype=np.int64)
    starts = np.empty(clicks, dtype=np.int64)  # aware clickers who are not leads start considering
    n_leads = n_starts = 0
    if clicks:
        _k.touch(clickers[:clicks], touchpoint, stage, touches, first_touch, last_touch)
        for i in range(clicks):
            if converts[i]:
                leads[n_leads] = clickers[i]
                n_leads += 1
            elif aware[i]:
                starts[n_starts] = clickers[i]
                n_starts += 1
        # (before sales moves the leads: moves of different customers commute)
        _k.move(starts[:n_starts], _CONSIDERING, day, stage, stage_day, moves, counts, indptr, indices, neighbours,
                has_network, armed, root, segment_start, clocks, horizon, alarm)
    leads = leads[:n_leads]
    scores = lead_arrivals(leads, day, premium, reservation, memory, memory_day, decay, base, list_price, stage,
                           stage_day, moves, counts, indptr, indices, neighbours, has_network, armed, root,
                           segment_start, clocks, horizon, alarm)
    return noticed.size, clicks, leads, scores


_UNAWARE, _AWARE, _CONSIDERING = int(Stage.UNAWARE), int(Stage.AWARE), int(Stage.CONSIDERING)
_EXPOSURE_COUNT, _EXPOSURE_HIT, _CLICK_LEAD = Kind.EXPOSURE_COUNT, Kind.EXPOSURE_HIT, Kind.CLICK_LEAD
