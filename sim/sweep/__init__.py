"""Parameter sweeps: spec, design, per-run outcomes, the Parquet store, sensitivity analysis.

    from sim.sweep import Sweep, LocalExecutor, DaskExecutor, read_results

``spec`` (the sweep file), ``design`` (design points, run ids, seeds), ``outcomes`` (each
run's KPIs), ``store`` (Parquet chunks, manifest, resume), ``sweep`` (the orchestration),
``sensitivity`` (means per point, Sobol'/Morris indices). The executors are the ones every
command uses (:mod:`sim.running.executors`); Dask is imported only when one is made.
"""

from sim.running.executors import DaskExecutor, Executor, LocalExecutor, SerialExecutor
from sim.sweep.spec import SweepError, SweepSpec
from sim.sweep.store import read_results
from sim.sweep.sweep import Sweep

__all__ = [
    "DaskExecutor", "Executor", "LocalExecutor", "SerialExecutor", "Sweep", "SweepError", "SweepSpec",
    "read_results",
]
