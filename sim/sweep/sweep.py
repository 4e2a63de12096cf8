"""Parameter sweeps: a design of scenario variants, run on local processes or a Dask cluster.

    from sim.sweep import Sweep, LocalExecutor, DaskExecutor
    sweep = Sweep.from_toml("scenarios/sweeps/budget_split.toml")
    sweep.run("results/split", executor=LocalExecutor(workers=2))
    kpis = pandas.read_parquet("results/split/results")      # one row per run

A :class:`Sweep` plans the runs of a sweep file (:mod:`sim.sweep.spec`, :mod:`sim.sweep.design`),
sends them in chunks to an executor (:mod:`sim.running.executors`), which evaluates each
chunk (:mod:`sim.sweep.outcomes`), and writes the finished chunks to the output folder
(:mod:`sim.sweep.store`); the same command again skips the runs already on disk.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import math
import shutil
import time
from pathlib import Path
from typing import Any, Mapping

import pandas as pd

from sim.running.executors import Executor, LocalExecutor
from sim.scenario.schema import Scenario, ScenarioError
from sim.sweep.design import RunSpec, canonical_json, design_matrix, get_dotted, run_id_of, seed_of
from sim.sweep.outcomes import evaluate_task
from sim.sweep.spec import Record, SweepError, SweepSpec, load_sweep, read_sweep_file
from sim.sweep.store import (
    RESULTS,
    SERIES,
    TMP,
    finished_run_ids,
    prepare_folder,
    read_results,
    write_parquet_atomic,
)

__all__ = ["Sweep"]


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
        self._check_outcomes()
        self.runs = self._plan()
        self.already_done = 0
        self.stats: dict[str, float] = {}

    def _check_outcomes(self) -> None:
        """Refuse a misspelt ``outcomes`` entry before any run (not only at ``analyze``)."""
        import difflib

        from sim.sweep.outcomes import outcome_columns

        known = outcome_columns(self.base)
        for outcome in self.spec.outcomes:
            if outcome not in known:
                close = difflib.get_close_matches(outcome, known, n=3)
                hint = f"; did you mean {', '.join(map(repr, close))}?" if close else ""
                raise SweepError(f"{self.source}: outcomes: {outcome!r} is not a KPI column of these runs{hint} "
                                 "(`marketsim analyze` lists them; e.g. total_contribution_usd, sales_win_rate)")

    # ------------------------------------------------------------------ loading
    @classmethod
    def from_dict(cls, data: Mapping[str, Any], *, root: str | Path = ".", source: str = "sweep",
                  overrides: Mapping[str, Any] | None = None) -> "Sweep":
        """Validate a sweep dictionary; ``base`` is read relative to ``root``; ``overrides``
        are extra dotted keys for the base scenario (``--set``), applied after the spec's own."""
        spec, base, base_path = load_sweep(data, root=root, source=source, overrides=overrides)
        return cls(spec, base, source=source, base_path=str(base_path), set_overrides=overrides)

    @classmethod
    def from_toml(cls, path: str | Path, overrides: Mapping[str, Any] | None = None) -> "Sweep":
        """Read a sweep file; ``overrides`` (dotted key -> value) are applied to the base scenario."""
        path = Path(path)
        data = read_sweep_file(path)
        return cls.from_dict(data, root=path.parent, source=str(path), overrides=overrides)

    # ------------------------------------------------------------------ planning
    def _check_factor_keys(self) -> None:
        base = self.base.to_dict()
        for factor in self.spec.factors:
            for key in [factor.key] if factor.key else factor.scale or []:
                try:
                    current = get_dotted(base, key)
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
                    current = get_dotted(base, key)
                    scaled = current * value
                    out[key] = int(round(scaled)) if isinstance(current, int) else float(scaled)
        return out

    def _plan(self) -> list[RunSpec]:
        runs: list[RunSpec] = []
        checked: set[str] = set()
        for index, point in enumerate(self.points):
            overrides = self._overrides_of(point)
            signature = canonical_json(overrides)
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
        from sim.running.results import versions

        spec = self.spec.model_dump(mode="json", exclude={"chunk_size"})
        identity = {"spec": spec, "base_scenario": self.base.to_dict()}
        return {
            "format": 1,
            "spec_hash": hashlib.sha256(canonical_json(identity).encode()).hexdigest()[:16],
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
    def finished_run_ids(self, out: str | Path) -> set[str]:
        """Run ids whose results are complete on disk (in every recorded table)."""
        return finished_run_ids(out, self.spec.record)

    def run(
        self,
        out: str | Path,
        executor: Executor | None = None,
        *,
        progress: bool = True,
        chunk_size: int | None = None,
    ) -> pd.DataFrame | None:
        """Run every run not yet finished in ``out``; return the KPI table (``None`` if only series).

        ``executor``: any :class:`~sim.running.executors.Executor`, e.g. ``LocalExecutor`` (default:
        all CPUs) or ``DaskExecutor``.
        Re-running on the same folder resumes; a different specification is refused.
        """
        from tqdm.auto import tqdm

        try:
            import pyarrow  # noqa: F401 - Parquet files
        except ImportError:  # pragma: no cover - the sweep extra is missing
            raise SweepError("sweeps write Parquet files: pip install 'marketsim[sweep]'") from None
        out = Path(out)
        prepare_folder(out, self.manifest(), self.design_frame())
        tmp_dir = out / TMP
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
                    for ids, kpis, series, cpu, wall in executor.imap_unordered(evaluate_task, tasks):
                        self.stats["runs"] += len(ids)
                        self.stats["worker_cpu_seconds"] += cpu
                        self.stats["task_seconds"] += wall
                        name = f"chunk-{hashlib.sha256(','.join(ids).encode()).hexdigest()[:16]}.parquet"
                        if series is not None:
                            write_parquet_atomic(series, out / SERIES / name, tmp_dir)
                        if kpis is not None:
                            write_parquet_atomic(kpis, out / RESULTS / name, tmp_dir)
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
