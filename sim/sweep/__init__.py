"""Parameter sweeps: spec, design, per-run outcomes, the Parquet store, sensitivity analysis.

    from sim.sweep import Sweep, LocalExecutor, DaskExecutor, read_results
"""

from sim.sweep.sweep import DaskExecutor, LocalExecutor, Sweep, SweepError, SweepSpec, read_results

__all__ = ["DaskExecutor", "LocalExecutor", "Sweep", "SweepError", "SweepSpec", "read_results"]
