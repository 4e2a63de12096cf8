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
