"""The posterior: sampled by MCMC on the emulator, summarised, and read back for other commands.

- :func:`sample_posterior`: an affine-invariant ensemble sampler (emcee; Goodman & Weare
  2010) on the unit cube, prior uniform, likelihood the emulator's;
- :func:`summary_table`: ``key, median, low, high`` (90% interval), the prior's range and
  ``identified`` by the rule of :data:`IDENTIFIED_RULE`;
- :func:`predictive_band`: the 90% prediction interval and median of simulated values (a
  forecast's or the posterior predictive check's runs);
- :func:`read_posterior`: ``posterior.csv`` -> one dict of scenario overrides per draw, for
  ``compare --posterior`` and ``roi --posterior``.
"""

from __future__ import annotations

import warnings
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from sim.calibration.emulator import Emulator
from sim.calibration.fit import FitError, FitSpec

__all__ = [
    "BAND_LEVEL", "IDENTIFIED_RULE", "IDENTIFIED_SHARE", "MIN_BAND_DRAWS", "band_coverage", "draws_table",
    "overrides_of", "predictive_band", "read_posterior", "sample_posterior", "summary_table",
]

#: A parameter is identified when its 90% posterior interval is at most this share of the
#: prior's 90% interval, both on the scale the prior is uniform on (log for log priors).
IDENTIFIED_SHARE = 0.5
IDENTIFIED_RULE = (f"identified = the 90% posterior interval is at most {IDENTIFIED_SHARE:g} times as wide as "
                   "the prior's 90% interval, on the scale the prior is uniform on (log scale for log = true)")
#: The central interval of forecasts and predictive bands.
BAND_LEVEL = 0.9
#: Fewest runs whose range can hold a new run with probability BAND_LEVEL: (n - 1) / (n + 1) >= 0.9.
MIN_BAND_DRAWS = 19
BURN_STEPS = 500
KEPT_STEPS = 1000


def sample_posterior(emulator: Emulator, observed: np.ndarray, dimensions: int, draws: int, seed: int
                     ) -> tuple[np.ndarray, dict[str, float]]:
    """``draws`` points of the unit cube from the posterior, and the sampler's diagnostics."""
    from scipy.stats import qmc

    try:
        import emcee
    except ImportError:  # pragma: no cover - the calibrate extra is missing
        raise FitError("calibration needs scikit-learn and emcee: pip install 'marketsim[calibrate]'") from None

    def log_prob(unit: np.ndarray) -> np.ndarray:
        out = np.full(len(unit), -np.inf)
        inside = np.all((unit >= 0) & (unit <= 1), axis=1)
        if inside.any():
            out[inside] = emulator.log_likelihood(unit[inside], observed)
        return out

    walkers = max(24, 4 * dimensions + (4 * dimensions) % 2)
    rng = np.random.default_rng(seed)
    # Start where the emulator already fits best (the best of a space-filling sample), jittered.
    candidates = qmc.Sobol(dimensions, scramble=True, seed=rng).random(2048)
    best = candidates[np.argsort(log_prob(candidates))[::-1][: 2 * walkers]]
    start = np.clip(best[rng.choice(len(best), walkers, replace=False)]
                    + rng.normal(0, 0.01, (walkers, dimensions)), 0.0, 1.0)
    # Differential-evolution moves mix better than the default stretch move on narrow ridges.
    moves = [(emcee.moves.DEMove(), 0.8), (emcee.moves.DESnookerMove(), 0.2)]
    sampler = emcee.EnsembleSampler(walkers, dimensions, log_prob, vectorize=True, moves=moves)
    sampler.random_state = np.random.RandomState(int(rng.integers(2**31))).get_state()
    from threadpoolctl import threadpool_limits

    with threadpool_limits(1):
        sampler.run_mcmc(start, BURN_STEPS + KEPT_STEPS, progress=False)
    chain = sampler.get_chain(discard=BURN_STEPS, flat=True)
    pick = np.linspace(0, len(chain) - 1, draws).round().astype(int)
    try:
        autocorrelation = float(np.max(sampler.get_autocorr_time(discard=BURN_STEPS, quiet=True)))
    except Exception:  # noqa: BLE001 - an estimate only; too short a chain warns and may fail
        autocorrelation = float("nan")
    info = {"walkers": walkers, "burn_steps": BURN_STEPS, "kept_steps": KEPT_STEPS,
            "acceptance": float(np.mean(sampler.acceptance_fraction)),
            "autocorrelation_steps": autocorrelation}
    return chain[pick], info


def band_coverage(runs: int) -> float:
    """How often the :func:`predictive_band` of ``runs`` runs holds one more run of the same kind.

    Exactly :data:`BAND_LEVEL` from :data:`MIN_BAND_DRAWS` runs on; fewer give at best their range,
    which holds a new run with probability (n - 1) / (n + 1) (n = 8: 0.78).
    """
    return min(BAND_LEVEL, (runs - 1) / (runs + 1)) if runs >= 1 else 0.0


def predictive_band(values: np.ndarray, axis: int = 0) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """``low, median, high`` of ``values`` (runs along ``axis``): a 90% prediction interval.

    The question a band answers is whether one more run (the company's own next year) falls
    inside it. The k-th smallest of n exchangeable runs lies below a new one with probability
    k / (n + 1), so the 5% and 95% points sit at ranks 0.05 (n + 1) and 0.95 (n + 1)
    (Hyndman & Fan 1996, definition 6; numpy's ``weibull``). The usual sample quantile (numpy's
    default, ranks 1 + 0.05 (n - 1)) is narrower: its band of 8 runs holds a new run about 70%
    of the time, of 40 runs about 86%. NaNs are ignored.
    """
    values = np.asarray(values, dtype=float)
    with warnings.catch_warnings():  # all-NaN slices (no deals in a month) give NaN, as they should
        warnings.simplefilter("ignore", RuntimeWarning)
        low, mid, high = np.nanquantile(values, [(1 - BAND_LEVEL) / 2, 0.5, (1 + BAND_LEVEL) / 2], axis=axis,
                                        method="weibull")
    return low, mid, high


def draws_table(fit: FitSpec, unit: np.ndarray) -> pd.DataFrame:
    """Posterior draws (unit cube) as scenario values: one row per draw, one column per key."""
    return pd.DataFrame([fit.from_unit(u) for u in unit], columns=fit.keys)


def summary_table(fit: FitSpec, unit: np.ndarray) -> pd.DataFrame:
    """``key, median, low, high, prior_low, prior_high, interval_vs_prior, identified``."""
    rows = []
    for j, p in enumerate(fit.parameters):
        lo, mid, hi = np.quantile(unit[:, j], [0.05, 0.5, 0.95])
        ratio = (hi - lo) / 0.9
        rows.append({"key": p.key, "median": p.value(mid), "low": p.value(lo), "high": p.value(hi),
                     "prior_low": p.low, "prior_high": p.high, "interval_vs_prior": round(float(ratio), 4),
                     "identified": bool(ratio <= IDENTIFIED_SHARE)})
    return pd.DataFrame(rows)


def read_posterior(path: str | Path, count: int | None = None) -> list[dict[str, Any]]:
    """The draws of ``posterior.csv`` as scenario overrides; ``count``: that many, evenly spaced."""
    path = Path(path)
    if not path.is_file():
        raise FitError(f"--posterior {path}: no such file (calibrate writes posterior.csv)")
    try:
        table = pd.read_csv(path)
    except (pd.errors.ParserError, pd.errors.EmptyDataError, UnicodeDecodeError) as exc:
        raise FitError(f"--posterior {path}: not a CSV file ({exc})") from None
    if table.empty or not len(table.columns):
        raise FitError(f"--posterior {path}: no draws")
    for column in table.columns:
        if "." not in column:
            raise FitError(f"--posterior {path}: column {column!r} is not a dotted scenario key")
        if not pd.api.types.is_numeric_dtype(table[column]) or table[column].isna().any():
            raise FitError(f"--posterior {path}: column {column!r} must hold a number in every row")
    if count is not None and count > len(table):
        raise FitError(f"--posterior {path}: {count} draws asked for, the file has {len(table)}")
    return overrides_of(table, count)


def overrides_of(table: pd.DataFrame, count: int | None = None) -> list[dict[str, Any]]:
    """Rows of a posterior table as scenario overrides; ``count``: that many rows, evenly spaced."""
    if count is not None:
        table = table.iloc[np.linspace(0, len(table) - 1, count).round().astype(int)]
    integer = {k: pd.api.types.is_integer_dtype(table[k]) for k in table.columns}
    return [{k: (int(v) if integer[k] else float(v)) for k, v in row.items()} for _, row in table.iterrows()]
