"""Unit tests of the pure array functions (negotiation, response curves, sampling, attribution)
and of the engine's small containers (lead queue, pipeline, calendar, day rows)."""

from __future__ import annotations

import numpy as np
import pytest

from sim.engine.attribution import Attribution, attribution_shares
from sim.engine.collector import RowCollector
from sim.engine.dates import month_blocks
from sim.engine.lead_queue import LeadQueue
from sim.engine.negotiation import settle
from sim.engine.network import small_world
from sim.engine.pipeline import Pipeline
from sim.engine.response import geometric_adstock, hill_saturation, impressions_from_spend
from sim.engine.sampling import bernoulli_indices


def test_settle_prices_lie_between_floor_and_reservation():
    rng = np.random.default_rng(0)
    n = 2000
    list_price = np.full(n, 100.0)
    floor = rng.uniform(50, 100, n)
    reservation = rng.uniform(30, 160, n)
    deadline = rng.integers(1, 90, n)
    for e in (0.2, 1.0, 5.0):
        day, price = settle(list_price, floor, reservation, deadline, e, 0.6)
        ok = day >= 0
        assert (price[ok] >= floor[ok] - 1e-9).all()
        assert (price[ok] <= reservation[ok] + 1e-9).all()
        assert (day[ok] <= deadline[ok]).all()
        assert not ok[floor > reservation].any(), "no deal without a zone of agreement"


def test_boulware_settles_later_and_higher_than_conceder():
    n = 500
    list_price = np.full(n, 100.0)
    floor = np.full(n, 70.0)
    reservation = np.linspace(75, 99, n)
    deadline = np.full(n, 30)
    day_b, price_b = settle(list_price, floor, reservation, deadline, 0.2, 0.6)
    day_c, price_c = settle(list_price, floor, reservation, deadline, 5.0, 0.6)
    assert np.nanmean(price_b) > np.nanmean(price_c)
    assert day_b.mean() > day_c.mean()


def test_adstock_keeps_totals_and_carries_over():
    x = np.zeros(400)
    x[:10] = 1.0
    y = geometric_adstock(x, 0.9)
    assert y.sum() == pytest.approx(10.0, rel=1e-12)
    assert y[50] > 0
    with pytest.raises(ValueError, match="alpha"):
        geometric_adstock(x, 1.0)


def test_hill_and_impressions():
    assert hill_saturation(2.0, 2.0) == pytest.approx(0.5)
    linear = impressions_from_spend(np.array([100.0]), 20.0)
    assert linear[0] == pytest.approx(5000.0)
    saturated = impressions_from_spend(np.array([100.0, 200.0, 10_000.0]), 20.0, saturation_spend_usd=100.0)
    assert saturated[0] == pytest.approx(2500.0)
    assert saturated[2] < 5000.0 * 1.0001


@pytest.mark.parametrize("p", [1e-4, 0.01, 0.1, 0.5])
def test_bernoulli_indices_has_the_right_rate(p):
    """Mean count over 200 draws of n=20,000 is within 4 standard errors of n p."""
    rng = np.random.default_rng(1)
    n, draws = 20_000, 200
    counts = np.array([bernoulli_indices(rng, n, p).size for _ in range(draws)])
    se = np.sqrt(n * p * (1 - p) / draws)
    assert abs(counts.mean() - n * p) < 4 * se
    idx = bernoulli_indices(rng, n, p)
    assert (np.diff(idx) > 0).all() and (idx < n).all() and (idx >= 0).all()


def test_bernoulli_indices_is_uniform_over_positions():
    rng = np.random.default_rng(2)
    hits = np.concatenate([bernoulli_indices(rng, 1000, 0.02) for _ in range(3000)])
    counts = np.bincount(hits // 100, minlength=10)
    expected = hits.size / 10
    chi2 = ((counts - expected) ** 2 / expected).sum()
    assert chi2 < 27.9  # 99.9% quantile of chi-square with 9 degrees of freedom


def test_small_world_is_symmetric_seeded_and_has_the_mean_degree():
    a = small_world(2000, 10, 0.1, np.random.default_rng(3))
    b = small_world(2000, 10, 0.1, np.random.default_rng(3))
    np.testing.assert_array_equal(a.indices, b.indices)
    graph = a.to_networkx()
    assert graph.number_of_nodes() == 2000
    assert abs(a.degree().mean() - 10) < 0.2
    nbrs = a.neighbours_of(np.array([0, 5]))
    assert nbrs.size == a.degree()[0] + a.degree()[5]


@pytest.mark.parametrize("method", list(Attribution))
def test_attribution_shares_sum_to_one(method):
    rng = np.random.default_rng(4)
    touches = rng.integers(0, 4, size=(5, 300)).astype(np.uint16)
    touches[:, :20] = 0
    first = np.array([np.flatnonzero(t)[0] if t.any() else -1 for t in touches.T])
    last = np.array([np.flatnonzero(t)[-1] if t.any() else -1 for t in touches.T])
    shares = attribution_shares(touches, first, last, method)
    np.testing.assert_allclose(shares.sum(axis=1), 1.0)
    assert (shares >= -1e-12).all()
    assert (shares[:20, -1] == 1.0).all()


def _square_plus(x, y=0):
    return x * x + y


def test_run_tasks_keeps_order_on_one_and_two_workers():
    from sim.running.executors import run_tasks

    args = [(i,) for i in range(7)] + [{"x": 2, "y": 1}]
    one = run_tasks(_square_plus, args, workers=1)
    two = run_tasks(_square_plus, args, workers=2)
    assert one == two == [i * i for i in range(7)] + [5]


def test_run_tasks_on_a_given_executor_keeps_order_and_leaves_it_open():
    from sim.running.executors import LocalExecutor, SerialExecutor, local_executor, run_tasks

    args = [(i,) for i in range(7)]
    with LocalExecutor(workers=2) as pool:
        first = run_tasks(_square_plus, args, executor=pool)
        again = run_tasks(_square_plus, args[::-1], executor=pool)  # the pool is reused
    assert first == again[::-1] == run_tasks(_square_plus, args, executor=SerialExecutor())
    # --workers N: N local processes, 1 in this process, never more processes than tasks
    assert isinstance(local_executor(1), SerialExecutor)
    assert isinstance(local_executor(4, tasks=1), SerialExecutor)
    assert local_executor(4, tasks=3).workers == 3


def test_importing_the_executors_does_not_import_dask():
    import subprocess
    import sys

    code = ("import sys, sim.running.executors, sim.sweep; "
            "print(sorted(m for m in ('dask', 'distributed', 'matplotlib', 'sim.cli.main') if m in sys.modules))")
    assert subprocess.run([sys.executable, "-c", code], capture_output=True, text=True,
                          check=True).stdout.strip() == "[]"


def test_lead_queue_keeps_each_batch_arrival_day_in_order():
    queue = LeadQueue()
    queue.add(np.array([5, 2]), 3, np.array([0.1, 0.2]))
    queue.add(np.array([7], dtype=np.int32), 4, np.array([0.3]))
    ids, arrived, score = queue.flush()
    assert ids.tolist() == [5, 2, 7] and ids.dtype == np.int64
    assert arrived.tolist() == [3, 3, 4] and arrived.dtype == np.int32
    assert score.tolist() == [0.1, 0.2, 0.3]
    queue.add(np.array([9, 1]), 5, np.array([0.4, 0.5]))  # (one day: the usual case)
    ids, arrived, _ = queue.flush()
    assert ids.tolist() == [5, 2, 7, 9, 1] and arrived.tolist() == [3, 3, 4, 5, 5]


def test_pipeline_appends_one_value_for_all_rows_as_a_column_of_it():
    one, each = Pipeline(), Pipeline()
    cust, rep, event, when = np.array([4, 8]), np.array([0, 1]), np.array([0, 0]), np.array([10, 12])
    one.append(cust, rep, event, when, np.nan, 3, True)
    each.append(cust, rep, event, when, np.full(2, np.nan), np.full(2, 3), np.full(2, True))
    one.append(cust[:0], rep[:0], event[:0], when[:0], np.nan, 4, False)  # nothing to add
    for name in Pipeline.COLUMNS:
        a, b = getattr(one, name), getattr(each, name)
        assert a.dtype == b.dtype and np.array_equal(a, b, equal_nan=True), name


@pytest.mark.parametrize("start", ["2026-01-01", "2026-01-15", "2024-02-29", "2026-12-31"])
def test_month_blocks_cover_the_horizon_month_by_month(start):
    import calendar
    import datetime as dt

    first = dt.date.fromisoformat(start)
    blocks = list(month_blocks(first, 800))
    assert [b[0] for b in blocks] == list(range(len(blocks)))
    assert blocks[0][1] == 0 and blocks[-1][2] == 800
    assert all(a[2] == b[1] for a, b in zip(blocks, blocks[1:]))
    for month, begin, stop, days in blocks:
        date = first + dt.timedelta(days=begin)
        assert days == calendar.monthrange(date.year, date.month)[1]
        assert (date.year - first.year) * 12 + date.month - first.month == month
        assert begin == 0 or date.day == 1
        assert stop == 800 or (first + dt.timedelta(days=stop)).day == 1


def test_row_collector_types_columns_as_pandas_would():
    import pandas as pd

    class Day:
        today: dict

    def frame(rows, columns):
        collector, day = RowCollector(columns), Day()
        for row in rows:
            day.today = row
            collector.collect(day)
        return collector.get_model_vars_dataframe()

    rows = [{"step": 0, "n": 1, "x": 1}, {"step": 1, "n": 2, "x": 2.5}]
    got = frame(rows, ["step", "n", "x"])
    pd.testing.assert_frame_equal(got, pd.DataFrame(rows, columns=["step", "n", "x"]))
    assert got.dtypes.tolist() == [np.int64, np.int64, np.float64]
    odd = [{"step": 0, "flag": None}, {"flag": "a", "step": 1}]  # other types, another key order
    pd.testing.assert_frame_equal(frame(odd, ["step", "flag"]), pd.DataFrame(odd, columns=["step", "flag"]))
    missing = [{"step": 0, "x": 1.0}, {"step": 1}]
    pd.testing.assert_frame_equal(frame(missing, ["step", "x"]), pd.DataFrame(missing, columns=["step", "x"]))
