"""Run many independent jobs on local processes, in order, with a progress bar.

Used by everything that makes many runs (replications, comparisons, ROI counterfactuals,
the optimiser). Results come back in the order of the tasks whatever the number of workers,
and each task carries its own seed, so 1 or N workers give identical results.
"""

from __future__ import annotations

import multiprocessing
import os
import warnings
from concurrent.futures import ProcessPoolExecutor
from concurrent.futures.process import BrokenProcessPool
from typing import Any, Callable, Iterable, Sequence

__all__ = ["default_workers", "run_tasks"]


def default_workers() -> int:
    """Worker processes to use by default: the CPUs this process may run on."""
    try:
        return max(1, len(os.sched_getaffinity(0)))
    except AttributeError:  # not on Linux
        return max(1, os.cpu_count() or 1)


def _call(task: tuple[Callable, tuple, dict]) -> Any:
    fn, args, kwargs = task
    return fn(*args, **kwargs)


def run_tasks(
    fn: Callable,
    arguments: Iterable[tuple | dict],
    *,
    workers: int | None = None,
    progress: bool = False,
    desc: str = "runs",
    unit: str = "run",
) -> list[Any]:
    """``[fn(*a) for a in arguments]`` (dicts are passed as keyword arguments) on ``workers`` processes.

    ``workers=1`` runs in this process (no pickling, easiest to debug); ``None`` uses
    :func:`default_workers`. ``fn`` must be importable (a module-level function).
    """
    from tqdm.auto import tqdm

    tasks: Sequence[tuple[Callable, tuple, dict]] = [
        (fn, (), dict(a)) if isinstance(a, dict) else (fn, tuple(a), {}) for a in arguments
    ]
    workers = default_workers() if workers is None else workers
    if workers < 1:
        raise ValueError(f"workers: {workers!r} is not allowed: must be >= 1")
    bar = tqdm(total=len(tasks), desc=desc, unit=unit, disable=not progress, delay=0.5)
    try:
        if workers == 1 or len(tasks) <= 1:
            out = []
            for task in tasks:
                out.append(_call(task))
                bar.update(1)
            return out
        context = multiprocessing.get_context("forkserver")
        out = []
        try:
            with ProcessPoolExecutor(max_workers=min(workers, len(tasks)), mp_context=context) as pool:
                for result in pool.map(_call, tasks, chunksize=1):
                    out.append(result)
                    bar.update(1)
            return out
        except BrokenProcessPool:
            # The workers died while starting: most often a plain script that calls the library
            # at its top level without `if __name__ == "__main__":` (each worker imports the
            # script again). The results do not depend on the workers, so finish here.
            warnings.warn(
                "worker processes could not start (a script without `if __name__ == \"__main__\":`?); "
                f"running the remaining {len(tasks) - len(out)} tasks in this process",
                RuntimeWarning, stacklevel=2,
            )
            for task in tasks[len(out):]:
                out.append(_call(task))
                bar.update(1)
            return out
    finally:
        bar.close()
