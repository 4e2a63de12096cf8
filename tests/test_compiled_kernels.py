"""The engine's compiled batch operations give the numpy expressions' numbers, to the bit.

Each compiled kernel replaces a handful of numpy calls on small arrays (what a small market's
day is made of); these tests feed both the same awkward inputs (repeated touch points, a
first touch of -1, totals of 1 and 2, masks of zeros) and compare every bit, since the
pinned digests of whole runs only see the inputs those runs happen to produce.
"""

from __future__ import annotations

import numpy as np
import pytest

from sim.engine.attribution import Attribution, attribution_shares, credit_totals


def _touch_table(rng, n_tp: int, n: int):
    touches = rng.integers(0, 4, size=(n_tp, n)).astype(np.uint16)
    touches[:, : n // 10] = 0  # no touch: organic
    touches[:, n // 10 : n // 5] = 0
    touches[rng.integers(0, n_tp, size=n // 10), np.arange(n // 10, n // 5)] = rng.integers(1, 3, size=n // 10)
    first = np.array([np.flatnonzero(t)[0] if t.any() else -1 for t in touches.T], dtype=np.int8)
    last = np.array([np.flatnonzero(t)[-1] if t.any() else -1 for t in touches.T], dtype=np.int8)
    odd = rng.random(n) < 0.05  # first touch unknown although touched (numpy reads -1 as the last column)
    first[odd] = -1
    return touches, first, last


@pytest.mark.parametrize("n_tp", [2, 6])
def test_credit_totals_are_the_numpy_credit_sums_bit_for_bit(n_tp):
    rng = np.random.default_rng(n_tp)
    touches, first, last = _touch_table(rng, n_tp, 400)
    for size in (1, 2, 7, 60):
        idx = np.sort(rng.choice(400, size=size, replace=False)).astype(np.int64)
        price = rng.lognormal(9.0, 1.0, size=size)
        mask = rng.random(size) < 0.5
        credit = np.stack([attribution_shares(touches[:, idx], first[idx], last[idx], m) * price[:, None]
                           for m in Attribution])
        want = np.stack([(credit * mask[None, :, None]).sum(axis=1), (credit * ~mask[None, :, None]).sum(axis=1),
                         credit.sum(axis=1)])
        got = np.zeros((3, len(Attribution), n_tp + 1))
        credit_totals(touches, first, last, idx, price, np.array([mask, ~mask, np.ones(size, bool)], dtype=float), got)
        assert got.tobytes() == want.tobytes()


def test_renewal_draws_are_the_numpy_expressions_bit_for_bit():
    from sim.engine.keyed import Keys, Kind
    from sim.engine.renewals import _decide

    rng = np.random.default_rng(7)
    n, keys = 500, Keys(3, 1)
    starts = np.array([0, 200, 450], dtype=np.int64)
    yearly, effect = np.array([0.3, 0.1, 0.9]), np.array([0.0, 0.3, 0.5])
    rate, size = np.array([0.0, 0.4, 1.0]), np.array([0.1, 0.25, 0.0])
    moves = rng.integers(0, 40, n).astype(np.int32)
    number = rng.integers(0, 5, n).astype(np.int32)
    multiplier = rng.uniform(0.2, 3.0, n).astype(np.float32)  # (above 1: clipped at 1)
    care = rng.choice([0.0, 0.5, 1.0], n).astype(np.float32)
    price = rng.lognormal(9.0, 1.0, n).astype(np.float32)
    idx = np.sort(rng.choice(n, 300, replace=False)).astype(np.int64)
    churn, grow, grown = np.empty(300, bool), np.empty(300, bool), np.empty(300, np.float32)
    _decide(idx, keys.root, moves, number, multiplier, care, price, starts, yearly, effect, rate, size, churn, grow, grown)

    seg = np.searchsorted(starts, idx, side="right") - 1
    occasion = 4 * (number[idx].astype(np.int64) + 1)
    p = np.clip(yearly[seg] * multiplier[idx] * (1.0 - effect[seg] * care[idx]), 0.0, 1.0)
    want_churn = keys.uniform(Kind.RENEWAL, idx, moves[idx], occasion + 1) < p
    want_grow = ~want_churn & (keys.uniform(Kind.RENEWAL, idx, moves[idx], occasion + 2) < rate[seg])
    assert want_churn.any() and want_grow.any() and not want_churn.all()
    np.testing.assert_array_equal(churn, want_churn)
    np.testing.assert_array_equal(grow, want_grow)
    want_price = (price[idx].astype(float) * (1.0 + size[seg])).astype(np.float32)
    assert grown[grow].tobytes() == want_price[want_grow].tobytes()


@pytest.mark.parametrize("exponent", [0.2, 1.0, 5.0])
def test_settle_is_the_first_crossing_of_seller_ask_and_buyer_offer_bit_for_bit(exponent):
    """The compiled negotiation against the grid of :func:`seller_ask` and :func:`buyer_offer`."""
    from sim.engine.negotiation import buyer_offer, seller_ask, settle

    rng = np.random.default_rng(7)
    n = 3000
    list_price = rng.uniform(1_000, 50_000, n)
    floor = list_price * rng.uniform(0.5, 1.0, n)
    reservation = rng.uniform(500, 70_000, n)
    deadline = rng.integers(1, 90, n)
    days = np.arange(int(deadline.max()) + 1)[None, :]
    ask = seller_ask(days, deadline[:, None], list_price[:, None], floor[:, None], exponent)
    agree = (ask <= buyer_offer(days, deadline[:, None], reservation[:, None], 0.6)) & (days <= deadline[:, None])
    want_day = np.where(agree.any(axis=1), np.argmax(agree, axis=1), -1)
    want_price = np.where(want_day >= 0, ask[np.arange(n), np.maximum(want_day, 0)], np.nan)
    day, price = settle(list_price, floor, reservation, deadline, exponent, 0.6)
    assert np.array_equal(day, want_day)
    assert np.array_equal(price, want_price, equal_nan=True)


def test_a_changed_kernel_source_empties_the_kernel_cache(tmp_path, monkeypatch):
    """numba checks a cached kernel against its own file only; the engine's stamp of all the
    compiled sources drops the whole cache when any of them changes, and only then."""
    from sim.engine import _drop_stale_kernels

    monkeypatch.delenv("NUMBA_CACHE_DIR", raising=False)
    (tmp_path / "a.py").write_text("from numba import njit\n")
    (tmp_path / "plain.py").write_text("x = 1\n")
    cache = tmp_path / "__pycache__"
    _drop_stale_kernels(tmp_path)
    (cache / "a.f-1.py312.nbi").write_text("")
    (cache / "a.f-1.py312.1.nbc").write_text("")
    _drop_stale_kernels(tmp_path)  # nothing changed: the cache stays
    assert sorted(p.name for p in cache.glob("*.nb?")) == ["a.f-1.py312.1.nbc", "a.f-1.py312.nbi"]
    (tmp_path / "plain.py").write_text("x = 2\n")  # no kernel in it
    _drop_stale_kernels(tmp_path)
    assert len(list(cache.glob("*.nb?"))) == 2
    (tmp_path / "a.py").write_text("from numba import njit  # changed\n")
    _drop_stale_kernels(tmp_path)
    assert not list(cache.glob("*.nb?"))
