"""Property-based tests (hypothesis): what must hold for every scenario, not just the shipped ones.

Populations are small and horizons short so each example runs in milliseconds; the
settings fix ``max_examples`` and ``derandomize`` so a run is reproducible.
"""

from __future__ import annotations

import math
import tomllib

import numpy as np
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from sim import Scenario, ScenarioError, run
from sim.cli import main
from sim.engine.marketing import daily_budget
from sim.engine.ledger import OPTIONAL_SALES_COLUMNS
from sim.engine.negotiation import settle
from sim.scenario.keys import scenario_keys
from sim.engine.response import geometric_adstock, impressions_from_spend

from .conftest import SCENARIOS

FAST = settings(max_examples=25, deadline=None, derandomize=True,
                suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large])

probability = st.floats(0.0, 1.0, allow_nan=False)
small_rate = st.floats(0.0, 0.2, allow_nan=False)


@st.composite
def scenarios(draw, max_population: int = 400, max_days: int = 60) -> Scenario:
    """Valid scenarios over the whole schema: segments, channels, reps, networks, plans."""
    n_segments = draw(st.integers(1, 3))
    names = [f"s{i}" for i in range(n_segments)]
    weights = draw(st.lists(st.integers(1, 10), min_size=n_segments, max_size=n_segments))
    shares = [w / sum(weights) for w in weights]
    shares[-1] = 1.0 - sum(shares[:-1])
    segments = {}
    for name, share in zip(names, shares):
        segments[name] = {
            "share": share,
            "list_price_usd": draw(st.floats(100, 100_000)),
            "buying": draw(st.sampled_from(["self_serve", "rep_only", "hybrid"])),
            "purchase": draw(st.sampled_from(["subscription", "repeat"])),
            "reservation_price_usd": draw(st.floats(100, 100_000)),
            "reservation_price_sigma": draw(st.floats(0, 1)),
            "consider_rate": draw(small_rate), "lead_rate": draw(small_rate),
            "lose_interest_rate": draw(small_rate), "forget_rate": draw(small_rate),
            "qualification_rate": draw(probability), "outbound_response_rate": draw(probability),
            "self_serve_rate": draw(probability), "discovery_days": draw(st.floats(0, 60)),
            "negotiation_days": draw(st.integers(1, 60)), "competitor_rate": draw(small_rate),
            "monthly_churn": draw(probability), "repeat_interval_days": draw(st.floats(1, 400)),
            "winback_rate": draw(small_rate),
        }
    channels = {}
    for i in range(draw(st.integers(0, 3))):
        channels[f"c{i}"] = {
            "monthly_budget_usd": draw(st.floats(0, 50_000)),
            "cpm_usd": draw(st.floats(1, 500)),
            "carryover": draw(st.floats(0, 0.95)),
            "brand_effect": draw(small_rate), "memory_gain": draw(probability),
            "ctr": draw(small_rate), "click_to_lead": draw(probability),
            "start_month": draw(st.integers(0, 2)),
            "targets": draw(st.lists(st.sampled_from(names), min_size=1, max_size=n_segments, unique=True)),
        }
        if draw(st.booleans()):
            channels[f"c{i}"]["saturation_spend_usd_per_day"] = draw(st.floats(1, 5000))
    plan = sorted(
        draw(st.lists(st.tuples(st.integers(0, 2), st.integers(0, 6)), max_size=2, unique_by=lambda t: t[0]))
    )
    data = {
        "time": {"horizon_days": draw(st.integers(1, max_days))},
        "market": {
            "population": draw(st.integers(1, max_population)),
            "list_price_usd": 10_000,
            "brand_price_premium": draw(st.floats(0, 1)),
            "brand_loyalty": draw(probability),
            "discount_churn": draw(st.floats(0, 5)),
            "initial_customers": draw(st.floats(0, 0.3)),
            "initial_awareness": draw(st.floats(0, 0.5)),
            "word_of_mouth": {
                "network": draw(st.sampled_from(["small_world", "mixed", "none"])),
                "degree": draw(st.sampled_from([2, 4, 10])),
                "rewire": draw(probability), "awareness_rate": draw(small_rate),
                "consider_rate": draw(small_rate), "brand_effect": draw(probability),
            },
            "segments": segments,
        },
        "channels": channels,
        "marketing": {"team_monthly_cost_usd": draw(st.floats(0, 50_000))},
        "sales": {
            "headcount": draw(st.integers(0, 6)),
            "plan": [{"month": m, "headcount": h} for m, h in plan],
            "ramp_days": draw(st.integers(0, 120)),
            "capacity": draw(st.integers(1, 20)),
            "leads_per_day": draw(st.floats(0, 10)),
            "outbound_calls_per_day": draw(st.floats(0, 20)),
            "max_discount": draw(probability),
            "buyer_opening": draw(probability),
            "tactic": draw(st.sampled_from(["boulware", "linear", "conceder"])),
            "commission_rate": draw(probability),
            "lead_stale_days": draw(st.integers(1, 30)),
        },
    }
    return Scenario.from_dict(data)


def _check_conservation(scenario: Scenario, result) -> None:
    ts = result.timeseries
    stages = ["unaware", "aware", "considering", "lead", "opportunity", "negotiation", "customer", "lost", "churned"]
    # Customers: every customer is in exactly one stage, every day.
    assert (ts[stages].sum(axis=1) == scenario.market.population).all()
    assert (ts[stages] >= 0).all().all()
    # Customers: today's customers = yesterday's + deals won - churned.
    change = ts["customer"].diff().to_numpy()[1:]
    flow = (ts["deals_won"] - ts["churned_customers"]).to_numpy()[1:]
    assert (change == flow).all()
    assert ts["deals_won"].sum() == len(result.deals)
    # Money: totals are the sums of their parts, nothing negative, commissions follow deals.
    channels = list(scenario.channels)
    spend = ts[[f"spend_{c}" for c in channels]].sum(axis=1) if channels else 0.0
    assert np.allclose(ts["marketing_cost"], spend + ts["marketing_team_cost"])
    optional = [c for c in OPTIONAL_SALES_COLUMNS if c in ts]
    assert np.allclose(ts["sales_cost"], ts["sales_salaries"] + ts["sales_commissions"] + ts[optional].sum(axis=1))
    assert np.allclose(ts["revenue"], ts["revenue_subscription"] + ts["revenue_orders"])
    assert np.allclose(ts["gross_profit"], ts["revenue"] * scenario.economics.gross_margin)
    money = ["marketing_cost", "sales_cost", "revenue", "annual_recurring_revenue"]
    assert (ts[money] >= -1e-9).all().all()
    rep_deals = result.deals[result.deals["won_by"].isin(["inbound_rep", "outbound_rep"])]
    assert math.isclose(ts["sales_commissions"].sum(), scenario.sales.commission_rate * rep_deals["price_usd"].sum(),
                        rel_tol=1e-9, abs_tol=1e-6)
    for c in channels:
        expected = daily_budget(scenario.channels[c], scenario.time.start_date, scenario.time.horizon_days,
                                scenario.marketing.end_month)
        assert np.allclose(ts[f"spend_{c}"], expected)
    # Attribution hands out exactly the revenue, for every method.
    per_method = result.attribution.groupby("method")["revenue_usd"].sum()
    assert np.allclose(per_method, ts["revenue"].sum(), rtol=1e-6, atol=1e-3)


@FAST
@given(scenario=scenarios(), seed=st.integers(0, 2**32 - 1))
def test_valid_scenarios_run_and_conserve_customers_and_money(scenario, seed):
    _check_conservation(scenario, run(scenario, seed=seed))


@settings(max_examples=8, deadline=None, derandomize=True, suppress_health_check=[HealthCheck.too_slow])
@given(scenario=scenarios(max_population=150, max_days=40), seed=st.integers(0, 2**32 - 1))
def test_reference_engine_conserves_customers_and_money(scenario, seed):
    _check_conservation(scenario, run(scenario, seed=seed, engine="reference"))


@FAST
@given(scenario=scenarios())
def test_toml_round_trips_to_the_same_scenario(scenario):
    again = Scenario.from_dict(tomllib.loads(scenario.to_toml()))
    assert again == scenario


# ---------------------------------------------------------------------- invalid scenarios
BASE = Scenario.from_toml(SCENARIOS / "baseline.toml")
_NAMES = {"market.segments.NAME.": "market.segments.small.", "channels.NAME.": "channels.search."}


def _bounded_keys() -> list[tuple[str, str, bool]]:
    """(dotted key, constraint, is integer) for every numeric key of the schema with a bound."""
    out = []
    for row in scenario_keys():
        key = row["key"]
        if "[]" in key or not row["allowed"]:
            continue
        for placeholder, name in _NAMES.items():
            key = key.replace(placeholder, name)
        for constraint in row["allowed"].split(", "):
            out.append((key, constraint, row["type"].startswith("int")))
    return out


BOUNDED = _bounded_keys()


@st.composite
def invalid_overrides(draw) -> tuple[str, object]:
    """A key of the baseline set to a value outside its bound, of the wrong type, or an unknown key."""
    kind = draw(st.sampled_from(["bound", "type", "unknown"]))
    if kind == "bound":
        key, constraint, integer = draw(st.sampled_from(BOUNDED))
        symbol, limit = constraint.split(" ")
        limit = float(limit)
        # Strict bounds exclude the limit itself; inclusive ones need a step past it.
        step = draw(st.floats(0, 1e6) if symbol in ("<", ">") else st.floats(1e-6, 1e6))
        if integer:
            step = max(math.ceil(step), 0 if symbol in ("<", ">") else 1)
        value = limit - step if symbol in (">", ">=") else limit + step
        return key, int(value) if integer else value
    if kind == "type":
        key, _, _ = draw(st.sampled_from(BOUNDED))
        return key, draw(st.sampled_from(["lots", "", "1e3x", "[1, 2]"]))
    section = draw(st.sampled_from(["market", "sales", "time", "market.segments.small", "channels.search", "economics"]))
    word = draw(st.text("abcdefghijklmnopqrstuvwxyz_", min_size=3, max_size=12))
    return f"{section}.zz_{word}", draw(st.integers(0, 10))


@settings(max_examples=200, deadline=None, derandomize=True)
@given(override=invalid_overrides())
def test_invalid_scenarios_are_refused_naming_the_key(override):
    key, value = override
    with pytest.raises(ScenarioError) as err:
        BASE.with_overrides({key: value})
    assert key in str(err.value)


@settings(max_examples=15, deadline=None, derandomize=True,
          suppress_health_check=[HealthCheck.function_scoped_fixture])  # capsys is read (and reset) per example
@given(override=invalid_overrides())
def test_cli_refuses_invalid_scenarios_without_a_traceback(override, capsys):
    key, value = override
    shown = value if not isinstance(value, str) else f'"{value}"'
    code = main(["validate", str(SCENARIOS / "baseline.toml"), "--set", f"{key}={shown}"])
    captured = capsys.readouterr()
    assert code == 2
    assert "Traceback" not in captured.err
    assert key in captured.err + captured.out


# ---------------------------------------------------------------------- negotiation
@settings(max_examples=300, deadline=None, derandomize=True)
@given(
    list_price=st.floats(1, 1e6), discount=probability, reservation=st.floats(0.01, 2e6),
    deadline=st.integers(1, 120), exponent=st.sampled_from([0.2, 1.0, 5.0]) | st.floats(0.05, 20),
    opening=probability,
)
def test_negotiated_prices_lie_between_floor_and_reservation(list_price, discount, reservation, deadline,
                                                              exponent, opening):
    floor = list_price * (1 - discount)
    day, price = settle(np.array([list_price]), np.array([floor]), np.array([reservation]), np.array([deadline]),
                        exponent, opening)
    if floor > reservation:
        assert day[0] == -1 and np.isnan(price[0])
    if day[0] >= 0:
        assert 0 <= day[0] <= deadline
        tolerance = 1e-9 * list_price
        assert floor - tolerance <= price[0] <= reservation + tolerance
        assert price[0] <= list_price + tolerance


# ---------------------------------------------------------------------- monotonicity
@settings(max_examples=200, deadline=None, derandomize=True)
@given(spend=st.lists(st.floats(0, 1e5), min_size=1, max_size=30), extra=st.floats(0, 1e5),
       cpm=st.floats(0.5, 500), half=st.none() | st.floats(1, 1e4), carryover=st.floats(0, 0.99))
def test_more_budget_buys_more_impressions(spend, extra, cpm, half, carryover):
    spend = np.array(spend)
    more = spend + extra
    low = geometric_adstock(impressions_from_spend(spend, cpm, half), carryover)
    high = geometric_adstock(impressions_from_spend(more, cpm, half), carryover)
    assert (high >= low - 1e-9 * np.maximum(1.0, low)).all()


@settings(max_examples=10, deadline=None, derandomize=True, suppress_health_check=[HealthCheck.too_slow])
@given(scenario=scenarios(max_population=200, max_days=45), factor=st.floats(1.0, 10.0), seed=st.integers(0, 1000))
def test_more_budget_gives_more_impressions_and_reach_in_a_run(scenario, factor, seed):
    richer = scenario.with_overrides(
        {f"channels.{c}.monthly_budget_usd": cfg.monthly_budget_usd * factor for c, cfg in scenario.channels.items()}
    )
    a = run(scenario, seed=seed).timeseries
    b = run(richer, seed=seed).timeseries
    for c in scenario.channels:
        assert (b[f"impressions_{c}"].cumsum() >= a[f"impressions_{c}"].cumsum() - 1).all()
    assert (b["reach"] >= a["reach"] - 1e-6).all()
