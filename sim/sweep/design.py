"""The runs of a sweep: design points (grid, LHS, Sobol', Morris), run ids and seeds.

Every run has a stable ``run_id`` (a hash of its parameter values and replication) and its
own seed derived from the root seed.
"""

from __future__ import annotations

import hashlib
import itertools
import json
from dataclasses import dataclass
from typing import Any, Mapping

import numpy as np

from sim.sweep.spec import Design, SweepSpec

__all__ = ["RunSpec", "canonical_json", "design_matrix", "get_dotted", "run_id_of", "seed_of"]


@dataclass(frozen=True)
class RunSpec:
    """One run: a design point's parameter values, a replication, its id and its seed."""

    run_id: str
    point: int
    replication: int
    seed: int
    params: dict[str, Any]  # factor column -> value (the columns of the results)
    overrides: dict[str, Any]  # dotted scenario key -> value


def run_id_of(params: Mapping[str, Any], replication: int) -> str:
    """Stable id of a run: 16 hex digits of SHA-256 over its parameter values and replication."""
    text = json.dumps({"params": dict(params), "replication": int(replication)}, sort_keys=True, default=str)
    return hashlib.sha256(text.encode()).hexdigest()[:16]


def seed_of(root_seed: int, key: int) -> int:
    """A 63-bit seed derived from the root seed and an integer key (numpy SeedSequence)."""
    state = np.random.SeedSequence(root_seed, spawn_key=(key,)).generate_state(2, np.uint32)
    return int((int(state[0]) << 31) ^ int(state[1])) & (2**63 - 1)


def _python_value(value: Any) -> Any:
    if isinstance(value, np.integer):
        return int(value)
    if isinstance(value, np.floating):
        return float(value)
    return value


def get_dotted(data: Mapping[str, Any], dotted: str) -> Any:
    node: Any = data
    for part in dotted.split("."):
        if not isinstance(node, Mapping) or part not in node:
            raise KeyError(dotted)
        node = node[part]
    return node


def design_matrix(spec: SweepSpec) -> tuple[list[dict[str, Any]], np.ndarray | None]:
    """The design points (factor column -> value) and, for sampled designs, the raw sample matrix."""
    factors = spec.factors
    if spec.design == Design.GRID:
        # one type per column: [0.5, 1, 2] becomes floats, so every Parquet file has the same schema
        columns = []
        for f in factors:
            values = [_python_value(v) for v in f.values or []]
            numbers = all(isinstance(v, (int, float)) and not isinstance(v, bool) for v in values)
            if numbers and any(isinstance(v, float) for v in values):
                values = [float(v) for v in values]
            columns.append(values)
        combos = itertools.product(*columns)
        return [{f.column: v for f, v in zip(factors, combo)} for combo in combos], None
    d = len(factors)
    ranges = [f.range for f in factors]
    bounds = [list(r.bounds) for r in ranges]
    if spec.design == Design.LHS:
        from scipy.stats import qmc

        unit = qmc.LatinHypercube(d=d, seed=np.random.default_rng(spec.seed)).random(spec.samples)  # type: ignore
        low, high = np.array(bounds).T
        raw = low + unit * (high - low)
    else:
        problem = {"num_vars": d, "names": [f.column for f in factors], "bounds": bounds}
        if spec.design == Design.SOBOL:
            from SALib.sample import sobol

            raw = sobol.sample(problem, spec.samples, calc_second_order=False, scramble=True, seed=spec.seed)
        else:
            from SALib.sample import morris

            raw = morris.sample(problem, spec.samples, num_levels=spec.morris_levels, seed=spec.seed)
    points = [{f.column: r.from_scale(float(v)) for f, r, v in zip(factors, ranges, row)}
              for row in np.asarray(raw, dtype=float)]
    return points, np.asarray(raw, dtype=float)


def canonical_json(value: Any) -> str:
    """One text per value (sorted keys, no spaces): for hashes and comparisons."""
    return json.dumps(value, sort_keys=True, default=str, separators=(",", ":"))
