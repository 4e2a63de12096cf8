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
        "timeseries": "060aa2b19235c0eef773b9e1afb473bb1ba9d404cbb43aff94d65c95846061fb",
        "deals": "9e02a73a9ec8e4bbe33704661083665bc8953ef59d3aad30fbf6cf6b1b13ff8b",
    },
    "reference": {
        "timeseries": "d48f6042bdb8e9567536fc5fdeeed0b607b69b7c05900e9fe5df2c482cd38b90",
        "deals": "6bae93b0985fc158a2cdb0a77c79b9b5ee217481bf1c244a07ac782e8846d5b0",
    },
}


def _digest(frame) -> str:
    return hashlib.sha256(frame.to_csv(index=False).encode()).hexdigest()


@pytest.mark.parametrize("engine", sorted(PINNED))
def test_small_run_is_byte_identical_to_the_pinned_digest(small_baseline, engine):
    result = run(small_baseline, seed=11, engine=engine)
    assert _digest(result.timeseries) == PINNED[engine]["timeseries"]
    assert _digest(result.deals) == PINNED[engine]["deals"]
