"""A numeric range of a scenario key: what a sweep factor samples and a calibration prior spans.

A :class:`Range` is ``[low, high]``, uniform on a linear or (``log = true``) a log scale,
optionally rounded to whole numbers. Its *scale* is the one it is uniform on (``log(x)``
for a log range); :meth:`Range.value` maps a point of the unit interval to a value and
:meth:`Range.unit` back; :attr:`Range.bounds` gives the ends on its scale (what SALib and a
Latin hypercube sample). :func:`check_range` is the one check of the ends, for the models
that carry ``low``, ``high`` and ``log`` as their own fields (a sweep's factor, a fit file's
parameter): its message names the owner, the field and the value.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np

__all__ = ["Range", "check_range"]


def check_range(owner: str, low: float, high: float, log: bool) -> None:
    """Raise ``ValueError`` naming ``owner`` unless ``low < high`` (and ``low > 0`` for a log range)."""
    if not low < high:
        raise ValueError(f"{owner}: low = {low:g} must be below high = {high:g}")
    if log and low <= 0:
        raise ValueError(f"{owner}: log = true needs low > 0, got low = {low:g}")


@dataclass(frozen=True)
class Range:
    """``[low, high]``, uniform on a log scale when ``log``; values rounded when ``integer``."""

    low: float
    high: float
    log: bool = False
    integer: bool = False

    def __post_init__(self) -> None:
        check_range("range", self.low, self.high, self.log)

    @property
    def bounds(self) -> tuple[float, float]:
        """The ends on the range's scale (``log`` of them for a log range)."""
        if self.log:
            return math.log(self.low), math.log(self.high)
        return float(self.low), float(self.high)

    def from_scale(self, x: float) -> float | int:
        """A point on the range's scale (between :attr:`bounds`) -> the value."""
        # numpy's exp, not math's: they differ in the last bit for some arguments, and sweeps
        # have always mapped their samples with numpy's.
        value = float(np.exp(x)) if self.log else float(x)
        return int(round(value)) if self.integer else float(value)

    def value(self, unit: float) -> float | int:
        """The value at ``unit`` in [0, 1] of the range, on its scale."""
        low, high = self.bounds
        return self.from_scale(low + unit * (high - low))

    def unit(self, value: float) -> float:
        """Where ``value`` lies in the range, in [0, 1] on its scale."""
        low, high = self.bounds
        return ((math.log(value) if self.log else float(value)) - low) / (high - low)
