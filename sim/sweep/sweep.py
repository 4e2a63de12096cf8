"""Parameter sweeps: a design of scenario variants, run on local processes or a Dask cluster.

A sweep file (TOML) names a base scenario, the factors to vary (any dotted scenario key),
the design (a full grid, a Latin hypercube, Saltelli/Sobol' or Morris sampling), the
replications per design point, what to record and a root seed::

    from sim.sweep.sweep import Sweep, LocalExecutor, DaskExecutor
    sweep = Sweep.from_toml("scenarios/sweeps/budget_split.toml")
    sweep.run("results/split", executor=LocalExecutor(workers=2))
    kpis = pandas.read_parquet("results/split/results")      # one row per run

Every run has a stable ``run_id`` (a hash of its parameter values and replication) and its
own seed derived from the root seed. Finished runs are written as Parquet files, one per
chunk of runs, each written to a temporary file and then renamed, so a killed sweep never
leaves a half-written file; the same command again skips the runs already on disk.

The model is the pure function :func:`evaluate_chunk` (runs in, tables out); how the chunks
execute is the :class:`Executor`'s business (EMA Workbench's split), so local processes and
a Dask cluster give identical results.
"""

from __future__ import annotations

import contextlib
import datetime as dt
import enum
import hashlib
import itertools
import json
import math
import os
import shutil
import time
import tomllib
from abc import ABC, abstractmethod
from concurrent.futures import FIRST_COMPLETED, ProcessPoolExecutor, wait
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Callable, Iterable, Iterator, Mapping, Sequence

import numpy as np
import pandas as pd
from pydantic import BaseModel, ConfigDict, Field, ValidationError, model_validator

from sim.scenario.schema import Scenario, ScenarioError, apply_overrides, format_validation_errors, load_toml_dict

__all__ = [
    "Design",
    "Record",
    "Factor",
    "SweepSpec",
    "Sweep",
    "SweepError",
    "Executor",
    "LocalExecutor",
    "DaskExecutor",
    "evaluate_chunk",
    "read_results",
    "read_manifest",
    "kpi_row",
    "register",
]

MANIFEST = "sweep.json"
RESULTS = "results"  # one row per run: parameters and end-of-run KPIs
SERIES = "series"  # one row per run and step
DESIGN_FILE = "design.parquet"
_TMP = ".tmp"

DEFAULT_SERIES = [
    "customer", "revenue", "gross_profit", "marketing_cost", "sales_cost", "contribution",
    "leads", "deals_won",
]
DEFAULT_OUTCOMES = [
    "total_contribution_usd", "total_revenue_usd", "total_roi", "marketing_roi_attributed",
    "sales_roi_attributed", "payback_day",
]


class SweepError(ScenarioError):
    """A sweep specification or output folder that cannot be used (exit status 2 on the CLI)."""


# ============================================================================ specification
class _Frozen(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


class Design(str, enum.Enum):
    """How design points are chosen."""

    GRID = "grid"  # every combination of each factor's values
    LHS = "lhs"  # Latin hypercube over each factor's [low, high] (scipy.stats.qmc)
    SOBOL = "sobol"  # Saltelli's scheme for Sobol' indices: N (D + 2) points (SALib)
    MORRIS = "morris"  # Morris trajectories: N (D + 1) points (SALib)


class Record(str, enum.Enum):
    """What each run writes."""

    KPIS = "kpis"  # one row per run with end-of-run KPIs (results/)
    SERIES = "series"  # one row per run and step (series/)
    BOTH = "both"


class Factor(_Frozen):
    """One thing that varies: a scenario key, or a multiplier applied to several keys."""

    key: str | None = Field(None, description="Dotted scenario key set to the factor's value, e.g. sales.headcount.")
    scale: list[str] | None = Field(
        None, description="Dotted scenario keys multiplied by the factor's value (their base values times it)."
    )
    name: str | None = Field(None, description="Column name of the factor; default: the key.")
    values: list[Any] | None = Field(None, description="Values taken (grid designs).")
    low: float | None = Field(None, description="Lower end of the range (lhs, sobol, morris).")
    high: float | None = Field(None, description="Upper end of the range (lhs, sobol, morris).")
    integer: bool = Field(False, description="Round sampled values to integers.")
    log: bool = Field(False, description="Sample the range uniformly on a log scale (low > 0).")

    @model_validator(mode="after")
    def _check(self) -> "Factor":
        if (self.key is None) == (self.scale is None):
            raise ValueError(f"factor {self.label}: give exactly one of key = \"dotted.key\" or scale = [keys]")
        if self.scale is not None and not self.scale:
            raise ValueError(f"factor {self.label}: scale = [] names no key")
        if self.scale is not None and self.name is None:
            raise ValueError(f"factor with scale = {self.scale}: a name is required (the column name)")
        if self.name is not None and (not self.name or any(c in self.name for c in " \t\n")):
            raise ValueError(f"factor name {self.name!r}: must be non-empty without spaces")
        has_values = self.values is not None
        has_range = self.low is not None or self.high is not None
        if has_values == has_range:
            raise ValueError(f"factor {self.label}: give either values = [...] or low and high")
        if has_values and not self.values:
            raise ValueError(f"factor {self.label}: values = [] is empty")
        if has_range:
            if self.low is None or self.high is None:
                raise ValueError(f"factor {self.label}: both low and high are needed (low={self.low}, high={self.high})")
            if not self.low < self.high:
                raise ValueError(f"factor {self.label}: low={self.low:g} must be below high={self.high:g}")
            if self.log and self.low <= 0:
                raise ValueError(f"factor {self.label}: log = true needs low > 0, got low={self.low:g}")
        return self

    @property
    def label(self) -> str:
        return self.name or self.key or ",".join(self.scale or [])

    @property
    def column(self) -> str:
        return self.name or self.key  # type: ignore[return-value]


class SweepSpec(_Frozen):
    """A validated sweep file. Build with :meth:`Sweep.from_toml`."""

    name: str = Field("sweep", description="Short name used in reports.")
    description: str = Field("", description="What the sweep asks.")
    base: str = Field(description="Base scenario file, relative to the sweep file.")
    overrides: dict[str, Any] = Field(
        default_factory=dict, description="Dotted scenario keys set on the base scenario for every run."
    )
    factors: list[Factor] = Field(description="What varies ([[factors]] tables).")
    design: Design = Field(Design.GRID, description="grid, lhs, sobol or morris.")
    samples: int | None = Field(
        None, ge=1, le=1_000_000,
        description="lhs: design points; sobol: base samples N (a power of 2; N (D+2) points); "
        "morris: trajectories (N (D+1) points).",
    )
    morris_levels: int = Field(4, ge=2, le=100, description="Grid levels of Morris sampling (even).")
    replications: int = Field(1, ge=1, le=100_000, description="Runs per design point, each with its own seed.")
    seed: int = Field(0, ge=0, description="Root seed: every run's seed and the sampling derive from it.")
    common_random_numbers: bool = Field(
        True,
        description="true: replication r of every design point uses the same random streams (seed = root seed, "
        "replication r), so differences between points are due to the factors; false: each run gets its own "
        "seed derived from the root seed and its run_id.",
    )
    record: Record = Field(Record.KPIS, description="kpis, series or both.")
    series_columns: list[str] = Field(
        default_factory=lambda: list(DEFAULT_SERIES), description="Timeseries columns kept when recording series."
    )
    outcomes: list[str] = Field(
        default_factory=lambda: list(DEFAULT_OUTCOMES), description="KPI columns `marketsim analyze` reports."
    )
    chunk_size: int | None = Field(
        None, ge=1, le=100_000, description="Runs per task and per Parquet file; none: chosen from the run length."
    )

    @model_validator(mode="after")
    def _check(self) -> "SweepSpec":
        if not self.factors:
            raise ValueError("factors: at least one [[factors]] table is needed")
        columns = [f.column for f in self.factors]
        duplicates = sorted({c for c in columns if columns.count(c) > 1})
        if duplicates:
            raise ValueError(f"factors: the names {duplicates} appear more than once; each factor needs its own")
        keys = [k for f in self.factors for k in ([f.key] if f.key else f.scale or [])]
        repeated = sorted({k for k in keys if keys.count(k) > 1})
        if repeated:
            raise ValueError(f"factors: the keys {repeated} are set by more than one factor")
        if self.design == Design.GRID:
            ranged = [f.label for f in self.factors if f.values is None]
            if ranged:
                raise ValueError(f"factors {ranged}: design = \"grid\" needs values = [...] (got low/high)")
            if self.samples is not None:
                raise ValueError(f"samples = {self.samples}: not used by design = \"grid\" (remove it)")
        else:
            listed = [f.label for f in self.factors if f.values is not None]
            if listed:
                raise ValueError(
                    f"factors {listed}: design = \"{self.design.value}\" samples ranges; give low and high, not values"
                )
            if self.samples is None:
                raise ValueError(f"samples: required by design = \"{self.design.value}\"")
            if self.design == Design.SOBOL and self.samples & (self.samples - 1):
                raise ValueError(f"samples = {self.samples}: sobol needs a power of 2 (e.g. 64, 128, 256)")
            if self.design == Design.MORRIS and self.morris_levels % 2:
                raise ValueError(f"morris_levels = {self.morris_levels}: must be even")
        if self.design in (Design.SOBOL, Design.MORRIS) and len(self.factors) < 2:
            raise ValueError(f"factors: design = \"{self.design.value}\" needs at least two factors")
        return self


# ============================================================================ runs
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


def _get_dotted(data: Mapping[str, Any], dotted: str) -> Any:
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
    bounds = [[math.log(f.low), math.log(f.high)] if f.log else [f.low, f.high] for f in factors]  # type: ignore
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
    values = np.array(raw, dtype=float)
    for j, f in enumerate(factors):
        if f.log:
            values[:, j] = np.exp(values[:, j])
    points = []
    for row in values:
        point = {}
        for f, v in zip(factors, row):
            point[f.column] = int(round(v)) if f.integer else float(v)
        points.append(point)
    return points, np.asarray(raw, dtype=float)


# ============================================================================ the model
def _payback_day(cumulative: np.ndarray) -> float:
    """First day from which a cumulative series stays >= 0 to the end; NaN if it ends below 0."""
    if len(cumulative) == 0 or cumulative[-1] < 0:
        return float("nan")
    negative = np.flatnonzero(cumulative < 0)
    return float(negative[-1] + 1) if len(negative) else 0.0


def kpi_row(replication: Any, scenario: Scenario) -> dict[str, float]:
    """End-of-run KPIs of one replication (``run_one``'s result) as flat, always-present columns.

    Sections of the run summary become prefixes (``total_revenue_usd``, ``sales_win_rate``);
    missing values are NaN so every run has the same columns. Added from the run's ledger:

    - ``payback_day``: first day from which cumulative contribution (gross profit minus all
      costs) stays >= 0 until the horizon (NaN if it ends negative);
    - ``marketing_roi_attributed`` / ``sales_roi_attributed``: (gross profit on revenue the
      linear multi-touch rule credits to the function's touches - the function's cost) /
      its cost; ``marketing_payback_day`` / ``sales_payback_day`` likewise on cumulative
      attributed gross profit minus cost.
    """
    from sim.engine.customers import WON_BY

    summary = replication.summary
    row: dict[str, float] = {}
    for section in ("marketing", "sales", "total"):
        for key, value in summary[section].items():
            row[f"{section}_{key}"] = np.nan if value is None else float(value)
    relationship = summary.get("relationship", {})
    for how in WON_BY:
        if how == "none":
            continue
        for key in (f"won_{how}", f"churn_share_{how}"):
            row[f"relationship_{key}"] = float(relationship.get(key, np.nan))
    ts = replication.timeseries
    margin = scenario.economics.gross_margin
    row["payback_day"] = _payback_day(np.cumsum(ts["contribution"].to_numpy()))
    att = replication.attribution
    linear = att[att["method"] == "linear"]
    steps = len(ts)
    by_touch = linear.pivot_table(index="step", columns="touchpoint", values="revenue_usd", aggfunc="sum")
    by_touch = by_touch.reindex(range(steps)).fillna(0.0)
    channels = [c for c in scenario.channels if c in by_touch.columns]
    credited = {
        "marketing": by_touch[channels].sum(axis=1).to_numpy() if channels else np.zeros(steps),
        "sales": by_touch["sales"].to_numpy() if "sales" in by_touch.columns else np.zeros(steps),
    }
    for function, cost_column in (("marketing", "marketing_cost"), ("sales", "sales_cost")):
        cost = ts[cost_column].to_numpy()
        net = np.cumsum(credited[function] * margin - cost)
        total_cost = float(cost.sum())
        row[f"{function}_attributed_revenue_usd"] = float(credited[function].sum())
        row[f"{function}_roi_attributed"] = float(net[-1] / total_cost) if total_cost else np.nan
        row[f"{function}_payback_day"] = _payback_day(net) if total_cost else np.nan
    return row


def evaluate_chunk(
    base: Scenario, runs: Sequence[RunSpec], record: Record, series_columns: Sequence[str]
) -> tuple[list[str], pd.DataFrame | None, pd.DataFrame | None]:
    """Run each run of a chunk; return its run ids, its KPI rows and its series rows.

    A pure function of its arguments (each run carries its seed), so where it executes does
    not change what it returns.
    """
    from sim.running.run import run_one

    kpis, series = [], []
    for run in runs:
        scenario = base.with_overrides(run.overrides) if run.overrides else base
        result = run_one(scenario, seed=run.seed, replication=run.replication)
        ids = {"run_id": run.run_id, "point": run.point, "replication": run.replication, "seed": run.seed}
        if record in (Record.KPIS, Record.BOTH):
            kpis.append({**ids, **run.params, **kpi_row(result, scenario)})
        if record in (Record.SERIES, Record.BOTH):
            ts = result.timeseries
            frame = pd.DataFrame({"step": ts["step"].to_numpy(), "date": ts["date"].to_numpy()})
            for column in series_columns:
                frame[column] = ts[column].to_numpy()
            for key, value in reversed(list({**ids, **run.params}.items())):
                frame.insert(0, key, value)
            series.append(frame)
    ids = [r.run_id for r in runs]
    kpi_frame = pd.DataFrame(kpis) if kpis else None
    series_frame = pd.concat(series, ignore_index=True) if series else None
    return ids, kpi_frame, series_frame


def _evaluate_task(task: tuple) -> tuple[list[str], pd.DataFrame | None, pd.DataFrame | None, float, float]:
    """``evaluate_chunk`` plus the CPU and wall seconds it took where it ran (for throughput figures)."""
    cpu, wall = time.process_time(), time.perf_counter()
    ids, kpis, series = evaluate_chunk(*task)
    return ids, kpis, series, time.process_time() - cpu, time.perf_counter() - wall


# ============================================================================ executors
class Executor(ABC):
    """Runs independent tasks somewhere and yields their results as they finish.

    ``fn`` is a module-level function of one argument; results may arrive in any order
    (each carries its own identity). Use as a context manager.
    """

    workers: int = 1

    @abstractmethod
    def imap_unordered(self, fn: Callable[[Any], Any], tasks: Sequence[Any]) -> Iterator[Any]:
        ...

    def close(self) -> None:  # noqa: B027 - optional
        pass

    def describe(self) -> str:
        return type(self).__name__

    def __enter__(self) -> "Executor":
        return self

    def __exit__(self, *exc: Any) -> None:
        self.close()


class LocalExecutor(Executor):
    """Local processes (``workers=1``: in this process). Default: one per available CPU."""

    def __init__(self, workers: int | None = None):
        from sim.running.executors import default_workers

        self.workers = default_workers() if workers is None else int(workers)
        if self.workers < 1:
            raise SweepError(f"workers: {workers!r} is not allowed: must be >= 1")
        self._pool: ProcessPoolExecutor | None = None

    def describe(self) -> str:
        return f"local pool, {self.workers} process{'es' if self.workers > 1 else ''}"

    def imap_unordered(self, fn, tasks):
        if self.workers == 1 or len(tasks) <= 1:
            for task in tasks:
                yield fn(task)
            return
        import multiprocessing

        if self._pool is None:
            self._pool = ProcessPoolExecutor(
                max_workers=self.workers, mp_context=multiprocessing.get_context("forkserver")
            )
        pending = {self._pool.submit(fn, task) for task in tasks}
        try:
            while pending:
                done, pending = wait(pending, return_when=FIRST_COMPLETED)
                for future in done:
                    yield future.result()
        finally:
            for future in pending:
                future.cancel()

    def close(self) -> None:
        if self._pool is not None:
            self._pool.shutdown(wait=True, cancel_futures=True)
            self._pool = None


class DaskExecutor(Executor):
    """A Dask cluster: an existing one (``scheduler="tcp://host:8786"``) or a LocalCluster.

    Tasks are submitted with ``pure=False`` and a key naming the chunk, so identical
    arguments are never merged; a task whose worker dies is recomputed elsewhere.
    """

    def __init__(self, scheduler: str | None = None, workers: int | None = None, timeout: float = 30):
        try:
            from distributed import Client, LocalCluster
        except ImportError:  # pragma: no cover - the sweep extra is missing
            raise SweepError("Dask is not installed: pip install 'marketsim[sweep]'") from None
        self._cluster = None
        if scheduler:
            try:
                self._client = Client(scheduler, timeout=timeout)
            except OSError as exc:
                raise SweepError(f"--scheduler {scheduler}: cannot connect ({exc})") from None
        else:
            from sim.running.executors import default_workers

            n = default_workers() if workers is None else int(workers)
            if n < 1:
                raise SweepError(f"workers: {workers!r} is not allowed: must be >= 1")
            self._cluster = LocalCluster(
                n_workers=n, threads_per_worker=1, processes=True, dashboard_address=None,
                silence_logs=40,  # logging.ERROR
            )
            self._client = Client(self._cluster)
        self.scheduler = scheduler or self._cluster.scheduler_address  # type: ignore[union-attr]
        self.workers = max(1, len(self._client.scheduler_info().get("workers", {})))

    @property
    def client(self):
        return self._client

    def describe(self) -> str:
        kind = "Dask LocalCluster" if self._cluster is not None else "Dask cluster"
        return f"{kind} at {self.scheduler}, {self.workers} worker{'s' if self.workers > 1 else ''}"

    def imap_unordered(self, fn, tasks):
        from distributed import as_completed

        futures = [
            self._client.submit(fn, task, pure=False, key=f"marketsim-chunk-{i}-{os.urandom(4).hex()}")
            for i, task in enumerate(tasks)
        ]
        try:
            for future in as_completed(futures):
                yield future.result()
        finally:
            for future in futures:
                if not future.done():
                    future.cancel()

    def close(self) -> None:
        with contextlib.suppress(Exception):
            self._client.close()
        if self._cluster is not None:
            with contextlib.suppress(Exception):
                self._cluster.close()


# ============================================================================ files
def _write_parquet_atomic(frame: pd.DataFrame, path: Path, tmp_dir: Path) -> None:
    """Write to a temporary file beside the target, flush it to disk, then rename (atomic)."""
    tmp = tmp_dir / f"{path.name}.{os.getpid()}.{os.urandom(4).hex()}"
    frame.to_parquet(tmp, index=False)
    with open(tmp, "rb") as handle:
        os.fsync(handle.fileno())
    os.replace(tmp, path)


def _run_ids_in(folder: Path) -> dict[Path, list[str]]:
    """Run ids of every readable Parquet file in ``folder``; unreadable files are set aside."""
    import pyarrow.parquet as pq

    found: dict[Path, list[str]] = {}
    if not folder.is_dir():
        return found
    for path in sorted(folder.glob("*.parquet")):
        if path.name.startswith(("_", ".")):  # set aside earlier; pandas and pyarrow skip these too
            continue
        try:
            ids = pq.read_table(path, columns=["run_id"]).column("run_id").to_pylist()
        except Exception:  # a foreign or damaged file: keep it out of the results
            broken = path.with_name(f"_broken-{path.name}")
            os.replace(path, broken)
            continue
        found[path] = sorted(set(ids))
    return found


def read_manifest(out: str | Path) -> dict[str, Any]:
    """The ``sweep.json`` of an output folder."""
    path = Path(out) / MANIFEST
    if not path.exists():
        raise SweepError(f"{out}: no {MANIFEST} here; not a sweep output folder")
    return json.loads(path.read_text())


def read_results(out: str | Path, table: str = RESULTS) -> pd.DataFrame:
    """All finished runs of a sweep folder, sorted by design point and replication.

    ``table="results"``: one row per run (KPIs); ``table="series"``: one row per run and
    step. The same as ``pandas.read_parquet(out / table)`` apart from the row order.
    """
    folder = Path(out) / table
    if not folder.is_dir() or not any(folder.glob("*.parquet")):
        raise SweepError(f"{folder}: no results yet (run the sweep first, with record including {table!r})")
    frame = pd.read_parquet(folder)
    keys = ["point", "replication"] + (["step"] if "step" in frame.columns else [])
    return frame.sort_values(keys, kind="stable").reset_index(drop=True)


def read_design(out: str | Path) -> pd.DataFrame:
    """One row per run of the design (finished or not): point, replication, run_id, seed, parameters."""
    return pd.read_parquet(Path(out) / DESIGN_FILE)


# ============================================================================ the sweep
def _canonical(value: Any) -> str:
    return json.dumps(value, sort_keys=True, default=str, separators=(",", ":"))


def _estimated_seconds_per_run(scenario: Scenario) -> float:
    # A run costs a fixed ~1-2 ms per simulated day plus ~20-40 ns per customer-day
    # (README "Performance"); only used to size chunks.
    return scenario.time.horizon_days * (1.5e-3 + 3e-8 * scenario.market.population) + 0.05


class Sweep:
    """A sweep ready to run: the validated spec, the base scenario and the planned runs."""

    def __init__(self, spec: SweepSpec, base: Scenario, *, source: str = "sweep", base_path: str | None = None,
                 set_overrides: Mapping[str, Any] | None = None):
        self.spec = spec
        self.base = base
        self.source = source
        self.base_path = base_path
        self.set_overrides = dict(set_overrides or {})
        self.points, self.samples = design_matrix(spec)
        self._check_factor_keys()
        self.runs = self._plan()
        self.already_done = 0
        self.stats: dict[str, float] = {}

    # ------------------------------------------------------------------ loading
    @classmethod
    def from_dict(cls, data: Mapping[str, Any], *, root: str | Path = ".", source: str = "sweep",
                  overrides: Mapping[str, Any] | None = None) -> "Sweep":
        """Validate a sweep dictionary; ``base`` is read relative to ``root``; ``overrides``
        are extra dotted keys for the base scenario (``--set``), applied after the spec's own."""
        try:
            spec = SweepSpec.model_validate(dict(data))
        except ValidationError as exc:
            raise SweepError(format_validation_errors(exc, source, "sweep")) from None
        base_path = Path(root) / spec.base
        if not base_path.exists():
            raise SweepError(f"{source}: base = {spec.base!r}: no such scenario file ({base_path})")
        raw = load_toml_dict(base_path)
        merged = {**spec.overrides, **dict(overrides or {})}
        if merged:
            raw = apply_overrides(raw, merged)
        base = Scenario.from_dict(raw, source=f"{base_path} with the sweep's overrides")
        return cls(spec, base, source=source, base_path=str(base_path), set_overrides=overrides)

    @classmethod
    def from_toml(cls, path: str | Path, overrides: Mapping[str, Any] | None = None) -> "Sweep":
        """Read a sweep file; ``overrides`` (dotted key -> value) are applied to the base scenario."""
        path = Path(path)
        if not path.exists():
            raise SweepError(f"{path}: no such sweep file")
        try:
            data = tomllib.loads(path.read_text(encoding="utf-8"))
        except tomllib.TOMLDecodeError as exc:
            raise SweepError(f"{path}: not valid TOML: {exc}") from None
        return cls.from_dict(data, root=path.parent, source=str(path), overrides=overrides)

    # ------------------------------------------------------------------ planning
    def _check_factor_keys(self) -> None:
        base = self.base.to_dict()
        for factor in self.spec.factors:
            for key in [factor.key] if factor.key else factor.scale or []:
                try:
                    current = _get_dotted(base, key)
                except KeyError:
                    if factor.scale is not None:
                        raise SweepError(
                            f"{self.source}: factor {factor.label}: scale key {key!r} has no value in the base "
                            "scenario to multiply"
                        ) from None
                    continue  # a key left at its default may still be valid: checked with the points
                if factor.scale is not None and (isinstance(current, bool) or not isinstance(current, (int, float))):
                    raise SweepError(
                        f"{self.source}: factor {factor.label}: scale key {key!r} is {current!r}, not a number"
                    )

    def _overrides_of(self, point: Mapping[str, Any]) -> dict[str, Any]:
        base = self.base.to_dict()
        out: dict[str, Any] = {}
        for factor in self.spec.factors:
            value = point[factor.column]
            if factor.key:
                out[factor.key] = value
            else:
                for key in factor.scale or []:
                    current = _get_dotted(base, key)
                    scaled = current * value
                    out[key] = int(round(scaled)) if isinstance(current, int) else float(scaled)
        return out

    def _plan(self) -> list[RunSpec]:
        runs: list[RunSpec] = []
        checked: set[str] = set()
        for index, point in enumerate(self.points):
            overrides = self._overrides_of(point)
            signature = _canonical(overrides)
            if signature not in checked:
                try:
                    self.base.with_overrides(overrides)
                except ScenarioError as exc:
                    values = ", ".join(f"{k}={v!r}" for k, v in point.items())
                    detail = str(exc).split("\n", 1)[-1].strip()
                    raise SweepError(f"{self.source}: design point {index} ({values}) is not a valid scenario: "
                                     f"{detail}") from None
                checked.add(signature)
            for replication in range(self.spec.replications):
                run_id = run_id_of(point, replication)
                if self.spec.common_random_numbers:
                    seed = int(self.spec.seed)
                else:
                    seed = seed_of(self.spec.seed, int(run_id, 16))
                runs.append(RunSpec(run_id, index, replication, seed, dict(point), overrides))
        return runs

    @property
    def unique_runs(self) -> list[RunSpec]:
        """The runs to execute: a design point that repeats an earlier one is the same run."""
        seen: dict[str, RunSpec] = {}
        for run in self.runs:
            seen.setdefault(run.run_id, run)
        return list(seen.values())

    def design_frame(self) -> pd.DataFrame:
        """One row per design point and replication (finished or not)."""
        rows = []
        for run in self.runs:
            row = {"point": run.point, "replication": run.replication, "run_id": run.run_id, "seed": run.seed}
            row.update(run.params)
            if self.samples is not None:
                for j, factor in enumerate(self.spec.factors):
                    row[f"sample.{factor.column}"] = float(self.samples[run.point, j])
            rows.append(row)
        return pd.DataFrame(rows)

    def manifest(self) -> dict[str, Any]:
        from sim.running.run import versions

        spec = self.spec.model_dump(mode="json", exclude={"chunk_size"})
        identity = {"spec": spec, "base_scenario": self.base.to_dict()}
        return {
            "format": 1,
            "spec_hash": hashlib.sha256(_canonical(identity).encode()).hexdigest()[:16],
            "name": self.spec.name,
            "source": self.source,
            "base_path": self.base_path,
            "set": {k: v for k, v in self.set_overrides.items()},
            "spec": spec,
            "base_scenario": self.base.to_dict(),
            "design_points": len(self.points),
            "runs": len(self.unique_runs),
            "factors": [f.column for f in self.spec.factors],
            "created": dt.datetime.now(dt.timezone.utc).isoformat(timespec="seconds"),
            "versions": versions(),
        }

    def chunk_size_for(self, workers: int, remaining: int) -> int:
        """Runs per task: chunks of about a second of work, but at least 4 chunks per worker."""
        if self.spec.chunk_size:
            return self.spec.chunk_size
        per_run = _estimated_seconds_per_run(self.base)
        by_time = max(1, math.ceil(1.0 / per_run))
        by_balance = max(1, remaining // max(1, 4 * workers))
        return max(1, min(by_time, by_balance))

    # ------------------------------------------------------------------ running
    def _prepare_folder(self, out: Path) -> dict[str, Any]:
        manifest = self.manifest()
        path = out / MANIFEST
        if path.exists():
            try:
                old = json.loads(path.read_text())
            except ValueError:
                raise SweepError(f"{path}: not a readable sweep manifest; use another --out folder") from None
            if old.get("spec_hash") != manifest["spec_hash"]:
                raise SweepError(_describe_change(out, old, manifest))
            return old
        if out.exists() and any(p for p in out.iterdir() if p.name != _TMP):
            raise SweepError(f"--out {out}: the folder exists and is not a sweep output folder; choose another")
        out.mkdir(parents=True, exist_ok=True)
        (out / _TMP).mkdir(exist_ok=True)
        tmp = out / _TMP / f"{MANIFEST}.{os.getpid()}"
        self.design_frame().to_parquet(tmp.with_suffix(".design"), index=False)
        os.replace(tmp.with_suffix(".design"), out / DESIGN_FILE)
        tmp.write_text(json.dumps(manifest, indent=2, default=str) + "\n")
        os.replace(tmp, path)  # written last: its presence means the folder is set up
        return manifest

    def finished_run_ids(self, out: str | Path) -> set[str]:
        """Run ids whose results are complete on disk (in every recorded table).

        With ``record = "both"`` a chunk writes its series file first and its KPI file last;
        a series file whose KPI file never arrived (the sweep was killed in between) is
        removed, so its runs are redone without duplicates.
        """
        out = Path(out)
        kpi_files = _run_ids_in(out / RESULTS)
        series_files = _run_ids_in(out / SERIES)
        if self.spec.record == Record.SERIES:
            return {i for ids in series_files.values() for i in ids}
        done = {i for ids in kpi_files.values() for i in ids}
        if self.spec.record == Record.BOTH:
            for path, ids in series_files.items():
                if not set(ids) <= done:
                    path.unlink()
        return done

    def run(
        self,
        out: str | Path,
        executor: Executor | None = None,
        *,
        progress: bool = True,
        chunk_size: int | None = None,
    ) -> pd.DataFrame | None:
        """Run every run not yet finished in ``out``; return the KPI table (``None`` if only series).

        ``executor``: :class:`LocalExecutor` (default: all CPUs) or :class:`DaskExecutor`.
        Re-running on the same folder resumes; a different specification is refused.
        """
        from tqdm.auto import tqdm

        try:
            import pyarrow  # noqa: F401 - Parquet files
        except ImportError:  # pragma: no cover - the sweep extra is missing
            raise SweepError("sweeps write Parquet files: pip install 'marketsim[sweep]'") from None
        out = Path(out)
        self._prepare_folder(out)
        tmp_dir = out / _TMP
        shutil.rmtree(tmp_dir, ignore_errors=True)  # leftovers of a killed writer
        tmp_dir.mkdir(parents=True, exist_ok=True)
        record = self.spec.record
        for table in ([RESULTS] if record != Record.SERIES else []) + ([SERIES] if record != Record.KPIS else []):
            (out / table).mkdir(exist_ok=True)
        done = self.finished_run_ids(out)
        todo = [r for r in self.unique_runs if r.run_id not in done]
        total = len(self.unique_runs)
        self.already_done = total - len(todo)
        # this call's throughput: runs, wall time, and CPU and task seconds on the workers
        self.stats = {"runs": 0, "wall_seconds": 0.0, "worker_cpu_seconds": 0.0, "task_seconds": 0.0}
        owns_executor = executor is None
        executor = executor or LocalExecutor()
        try:
            if todo:
                size = chunk_size or self.chunk_size_for(executor.workers, len(todo))
                chunks = [todo[i:i + size] for i in range(0, len(todo), size)]
                tasks = [(self.base, chunk, record, list(self.spec.series_columns)) for chunk in chunks]
                bar = tqdm(total=total, initial=total - len(todo), desc=self.spec.name, unit="run",
                           disable=not progress, dynamic_ncols=True, smoothing=0.1)
                if progress:
                    bar.write(f"{self.spec.name}: {len(todo)} of {total} runs to do, {len(chunks)} chunks of "
                              f"<= {size}, on {executor.describe()}")
                started = time.perf_counter()
                try:
                    for ids, kpis, series, cpu, wall in executor.imap_unordered(_evaluate_task, tasks):
                        self.stats["runs"] += len(ids)
                        self.stats["worker_cpu_seconds"] += cpu
                        self.stats["task_seconds"] += wall
                        name = f"chunk-{hashlib.sha256(','.join(ids).encode()).hexdigest()[:16]}.parquet"
                        if series is not None:
                            _write_parquet_atomic(series, out / SERIES / name, tmp_dir)
                        if kpis is not None:
                            _write_parquet_atomic(kpis, out / RESULTS / name, tmp_dir)
                        bar.update(len(ids))
                finally:
                    self.stats["wall_seconds"] = time.perf_counter() - started
                    bar.close()
        finally:
            if owns_executor:
                executor.close()
        missing = total - len(self.finished_run_ids(out))
        if missing:
            raise SweepError(f"{out}: {missing} runs did not finish; run the same command again to resume")
        return read_results(out) if record != Record.SERIES else None


def _changed_keys(a: Any, b: Any, prefix: str) -> list[str]:
    if isinstance(a, dict) and isinstance(b, dict):
        out: list[str] = []
        for key in sorted(set(a) | set(b), key=str):
            out += _changed_keys(a.get(key), b.get(key), f"{prefix}.{key}" if prefix else str(key))
        return out
    return [] if _canonical(a) == _canonical(b) else [prefix]


def _describe_change(out: Path, old: Mapping[str, Any], new: Mapping[str, Any]) -> str:
    changed = [f"spec.{k}" for k in _changed_keys(old.get("spec", {}), new.get("spec", {}), "")]
    changed += [f"base scenario {k}" for k in _changed_keys(old.get("base_scenario", {}),
                                                            new.get("base_scenario", {}), "")]
    what = ", ".join(changed[:8]) + (f" and {len(changed) - 8} more" if len(changed) > 8 else "")
    return (f"--out {out} holds results of a different sweep ({old.get('name')!r}, spec {old.get('spec_hash')}; "
            f"this one is spec {new['spec_hash']}): changed: {what or 'the specification'}. Use a new --out "
            f"folder, or delete {out} to start over")


# ============================================================================ command line
def _cmd_sweep(args) -> int:
    from sim.cli.main import UsageError, parse_overrides

    if args.scheduler and args.processes:
        raise UsageError("--scheduler and --processes: choose one (a Dask cluster or the local pool)")
    if args.workers is not None and args.processes is not None:
        raise UsageError("--workers (Dask LocalCluster) and --processes (local pool): choose one")
    sweep = Sweep.from_toml(args.spec, parse_overrides(args.overrides))
    out = Path(args.out)
    started = time.perf_counter()
    if args.scheduler or args.workers is not None:
        executor: Executor = DaskExecutor(scheduler=args.scheduler, workers=args.workers)
    else:
        executor = LocalExecutor(workers=args.processes)
    with executor:
        try:
            sweep.run(out, executor=executor, progress=not args.quiet, chunk_size=args.chunk_size)
        except KeyboardInterrupt:
            raise
        except Exception as exc:
            if type(exc).__name__ not in ("KilledWorker", "CommClosedError", "FutureCancelledError"):
                raise
            raise SweepError(f"the Dask cluster lost a task ({type(exc).__name__}: {exc}); finished runs are "
                             "kept: run the same command again to resume") from None
    before = sweep.already_done
    elapsed = time.perf_counter() - started
    total = len(sweep.unique_runs)
    if not args.quiet:
        ran = total - before
        rate = f", {ran / elapsed:.2f} runs/s" if ran else ""
        print(f"{sweep.spec.name}: {total} runs complete ({ran} run now, {before} already on disk) in "
              f"{elapsed:.1f} s{rate}")
        tables = [t for t in (RESULTS, SERIES) if (out / t).is_dir()]
        print(f"wrote {out}/: {MANIFEST}, {DESIGN_FILE}, " + ", ".join(f"{t}/" for t in tables))
        print(f"read with: pandas.read_parquet({str(out / tables[0])!r})")
    return 0


def _positive_int(text: str) -> int:
    import argparse

    value = int(text)
    if value < 1:
        raise argparse.ArgumentTypeError(f"{value} is not allowed: must be >= 1")
    return value


def register(subparsers) -> None:
    from sim.cli.main import add_scenario_options

    p = subparsers.add_parser(
        "sweep", help="run a parameter sweep (grid, LHS, Sobol, Morris) into resumable Parquet files",
        description="Run every run of a sweep file; re-running the same command resumes. Default: local "
        "processes, one per CPU.",
    )
    p.add_argument("spec", help="sweep file (TOML), e.g. scenarios/sweeps/budget_split.toml")
    p.add_argument("--out", required=True, help="output folder (results/ holds one row per run)")
    p.add_argument("--workers", type=_positive_int, default=None,
                   help="start a Dask LocalCluster with N worker processes")
    p.add_argument("--scheduler", metavar="ADDRESS", help="connect to a running Dask scheduler, e.g. tcp://host:8786")
    p.add_argument("--processes", type=_positive_int, default=None,
                   help="local process pool size (default: all CPUs; 1: in this process)")
    p.add_argument("--chunk-size", type=_positive_int, default=None, help="runs per task (default: automatic)")
    p.add_argument("--quiet", action="store_true", help="no progress bar or summary")
    add_scenario_options(p, seed=False)
    p.set_defaults(func=_cmd_sweep)
