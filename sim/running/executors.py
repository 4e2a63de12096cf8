"""Where many independent runs execute: in this process, on local processes, or on Dask.

One interface for everything that makes many runs (replications, comparisons, ROI
counterfactuals, the optimiser, the MMM export and sweeps). The model is a pure function of
each task (every task carries its own seed); an :class:`Executor` only decides where tasks
run (EMA Workbench's split), so 1 process, N processes and a Dask cluster give identical
results::

    from sim.running.executors import DaskExecutor, LocalExecutor, SerialExecutor, run_tasks
    run_tasks(run_one, tasks, workers=4)                     # a local pool of 4 processes
    with DaskExecutor(scheduler="tcp://host:8786") as dask:  # or DaskExecutor(workers=4): a LocalCluster
        run_tasks(run_one, tasks, executor=dask)

Dask is an optional extra (``pip install 'marketsim[sweep]'``): it is imported only when a
:class:`DaskExecutor` is made.
"""

from __future__ import annotations

import contextlib
import multiprocessing
import os
import warnings
from abc import ABC, abstractmethod
from concurrent.futures import FIRST_COMPLETED, ProcessPoolExecutor, wait
from concurrent.futures.process import BrokenProcessPool
from typing import Any, Callable, Iterable, Iterator, Sequence

__all__ = [
    "Executor",
    "ExecutorError",
    "SerialExecutor",
    "LocalExecutor",
    "DaskExecutor",
    "default_workers",
    "local_executor",
    "run_tasks",
]


class ExecutorError(ValueError):
    """An executor that cannot be made: a bad worker count, Dask missing, a scheduler out of reach."""


def default_workers() -> int:
    """Worker processes to use by default: the CPUs this process may run on."""
    try:
        return max(1, len(os.sched_getaffinity(0)))
    except AttributeError:  # not on Linux
        return max(1, os.cpu_count() or 1)


def _checked_workers(workers: int | None) -> int:
    n = default_workers() if workers is None else int(workers)
    if n < 1:
        raise ExecutorError(f"workers: {workers!r} is not allowed: must be >= 1")
    return n


class Executor(ABC):
    """Runs independent tasks somewhere and yields their results as they finish.

    ``fn`` is a module-level function of one argument; results may arrive in any order
    (each carries its own identity; :func:`run_tasks` puts them back in task order). Use as
    a context manager.
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


class SerialExecutor(Executor):
    """In this process, one task after another (no pickling; easiest to debug)."""

    def describe(self) -> str:
        return "this process"

    def imap_unordered(self, fn, tasks):
        for task in tasks:
            yield fn(task)


class LocalExecutor(Executor):
    """Local processes (``workers=1``: in this process). Default: one per available CPU."""

    def __init__(self, workers: int | None = None):
        self.workers = _checked_workers(workers)
        self._pool: ProcessPoolExecutor | None = None

    def describe(self) -> str:
        return f"local pool, {self.workers} process{'es' if self.workers > 1 else ''}"

    def imap_unordered(self, fn, tasks):
        if self.workers == 1 or len(tasks) <= 1:
            for task in tasks:
                yield fn(task)
            return
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

    Tasks are submitted with ``pure=False`` and a key naming the task, so identical
    arguments are never merged; a task whose worker dies is recomputed elsewhere.
    """

    def __init__(self, scheduler: str | None = None, workers: int | None = None, timeout: float = 30):
        try:
            from distributed import Client, LocalCluster
        except ImportError:  # pragma: no cover - the sweep extra is missing
            raise ExecutorError("Dask is not installed: pip install 'marketsim[sweep]'") from None
        self._cluster = None
        if scheduler:
            try:
                self._client = Client(scheduler, timeout=timeout)
            except OSError as exc:
                raise ExecutorError(f"--scheduler {scheduler}: cannot connect ({exc})") from None
        else:
            n = _checked_workers(workers)
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
            self._client.submit(fn, task, pure=False, key=f"marketsim-task-{i}-{os.urandom(4).hex()}")
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


def local_executor(workers: int | None = None, tasks: int | None = None) -> Executor:
    """The executor ``--workers N`` means in every command: N local processes (1: this process).

    ``None``: one per available CPU; never more processes than ``tasks``.
    """
    n = _checked_workers(workers)
    if tasks is not None:
        n = min(n, max(1, tasks))
    return SerialExecutor() if n == 1 else LocalExecutor(n)


def _call(task: tuple[int, Callable, tuple, dict]) -> tuple[int, Any]:
    index, fn, args, kwargs = task
    return index, fn(*args, **kwargs)


def run_tasks(
    fn: Callable,
    arguments: Iterable[tuple | dict],
    *,
    workers: int | None = None,
    executor: Executor | None = None,
    progress: bool = False,
    desc: str = "runs",
    unit: str = "run",
) -> list[Any]:
    """``[fn(*a) for a in arguments]`` (dicts are passed as keyword arguments), in task order.

    ``executor``: where the tasks run (left open for the caller to reuse). Without one,
    ``workers`` local processes are used for this call: ``1`` runs in this process (no
    pickling, easiest to debug); ``None`` uses :func:`default_workers`. ``fn`` must be
    importable (a module-level function).
    """
    from tqdm.auto import tqdm

    tasks: Sequence[tuple[int, Callable, tuple, dict]] = [
        (i, fn, (), dict(a)) if isinstance(a, dict) else (i, fn, tuple(a), {}) for i, a in enumerate(arguments)
    ]
    owned = executor is None
    if executor is None:
        executor = local_executor(workers, len(tasks))
    out: list[Any] = [None] * len(tasks)
    finished = [False] * len(tasks)
    bar = tqdm(total=len(tasks), desc=desc, unit=unit, disable=not progress, delay=0.5)
    try:
        done = 0
        try:
            for index, result in executor.imap_unordered(_call, tasks):
                out[index] = result
                finished[index] = True
                done += 1
                bar.update(1)
        except BrokenProcessPool:
            # The workers died while starting: most often a plain script that calls the library
            # at its top level without `if __name__ == "__main__":` (each worker imports the
            # script again). The results do not depend on where a task runs, so finish here.
            warnings.warn(
                "worker processes could not start (a script without `if __name__ == \"__main__\":`?); "
                f"running the remaining {len(tasks) - done} tasks in this process",
                RuntimeWarning, stacklevel=2,
            )
            for task in tasks:
                if not finished[task[0]]:
                    out[task[0]] = _call(task)[1]
                    bar.update(1)
        return out
    finally:
        bar.close()
        if owned:
            executor.close()
