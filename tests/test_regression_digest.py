"""Pinned output of small runs: a move or refactor of the code must not change a single byte.

A change that is meant to change the model's numbers updates these digests in a commit of
its own that says why.
"""

from __future__ import annotations

import hashlib

import pytest

from sim import run

#: sha256 of timeseries.csv (and deals.csv) for the small baseline, seed 11, by engine.
PINNED = {
    "fast": {
        "timeseries": "c7fa589976599b89135ad1d8182c236a314b15fed71644b3c7d3ea9efb0e5c7a",
        "deals": "202027600bc05e31ae169425dad67cb4d24e1c8585cd1a5411db019ca2c8aff1",
    },
    "reference": {
        "timeseries": "b8fa3c5aa8e53bae4d030af840789402ede24b10471ee4d4e5fd34941234762f",
        "deals": "a94288d396ccd04b0e5e6dc11527a01705daf6ce231156b05774f0b09e99dd27",
    },
}


def _digest(frame) -> str:
    return hashlib.sha256(frame.to_csv(index=False).encode()).hexdigest()


@pytest.mark.parametrize("engine", sorted(PINNED))
def test_small_run_is_byte_identical_to_the_pinned_digest(small_baseline, engine):
    result = run(small_baseline, seed=11, engine=engine)
    assert _digest(result.timeseries) == PINNED[engine]["timeseries"]
    assert _digest(result.deals) == PINNED[engine]["deals"]
