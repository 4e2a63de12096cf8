"""A Gaussian-process emulator of a simulator's summaries (Higdon et al. 2008, JASA 103:570).

The summaries of the design runs are standardised and reduced to their principal
components (those explaining 99% of the variance, at most :data:`MAX_COMPONENTS` and one per
five design runs); one
Gaussian process per component (constant x anisotropic RBF kernel + white noise,
hyperparameters by maximum marginal likelihood, scikit-learn) maps a point of the unit cube
to the component's score. The white-noise term learns the simulator's own randomness, so a
prediction's variance is emulator uncertainty + simulation noise: the spread of one new
simulation at that point. That is the synthetic likelihood of the data
(:meth:`Emulator.log_likelihood`): Gaussian in the component scores, independent across them.
"""

from __future__ import annotations

import warnings
from dataclasses import dataclass, field

import numpy as np
from scipy.linalg import solve_triangular

__all__ = ["Emulator", "MAX_COMPONENTS", "fit_emulator"]

MAX_COMPONENTS = 10
EXPLAINED = 0.99
#: z of a central 90% interval of a normal.
Z90 = 1.6448536269514722


def _import_sklearn():
    try:
        from sklearn.gaussian_process import GaussianProcessRegressor
        from sklearn.exceptions import ConvergenceWarning
        from sklearn.gaussian_process.kernels import RBF, ConstantKernel, WhiteKernel
    except ImportError:  # pragma: no cover - the calibrate extra is missing
        from sim.calibration.fit import FitError

        raise FitError("calibration needs scikit-learn and emcee: pip install 'marketsim[calibrate]'") from None
    return GaussianProcessRegressor, RBF, ConstantKernel, WhiteKernel, ConvergenceWarning


@dataclass
class Emulator:
    """Predicts the principal-component scores of the summaries at points of the unit cube."""

    mean: np.ndarray  # of each kept summary over the design
    scale: np.ndarray  # sd of each kept summary
    kept: np.ndarray  # indices of summaries that vary over the design
    basis: np.ndarray  # (summaries kept, components)
    score_scale: np.ndarray  # sd of each component's score
    gps: list  # fitted GaussianProcessRegressor per component
    explained: float  # share of the standardised variance the components keep
    _parts: tuple | None = field(default=None, repr=False)

    @property
    def components(self) -> int:
        return self.basis.shape[1]

    def project(self, y: np.ndarray) -> np.ndarray:
        """Summaries (n, p) or (p,) -> standardised component scores."""
        y = np.atleast_2d(y)[:, self.kept]
        return ((y - self.mean) / self.scale) @ self.basis / self.score_scale

    def predict(self, unit: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        """Mean and variance (each (m, components)) of one simulation's scores at ``unit`` (m, d)."""
        train, inverse_length, alpha, inverse_factor, amplitude, noise = self._compiled()
        scaled = np.atleast_2d(unit)[None, :, :] * inverse_length[:, None, :]  # (k, m, d)
        distance = (np.sum(scaled**2, axis=2)[:, :, None] + np.sum(train**2, axis=2)[:, None, :]
                    - 2.0 * scaled @ train.transpose(0, 2, 1))
        cross = amplitude[:, None, None] * np.exp(-0.5 * np.maximum(distance, 0.0))  # (k, m, n)
        means = np.einsum("kmn,kn->mk", cross, alpha)
        v = cross @ inverse_factor.transpose(0, 2, 1)
        variances = np.maximum((amplitude + noise)[None, :] - np.sum(v * v, axis=2).T, 1e-10)
        return means, variances

    def _compiled(self) -> tuple[np.ndarray, ...]:
        """The fitted kernels' parts stacked over components, so a prediction is a few batched
        matrix products (each kernel is amplitude exp(-|x - x'|^2 / 2 l^2) + noise where x = x')."""
        if self._parts is None:
            parts = []
            for gp in self.gps:
                params = gp.kernel_.get_params()
                inverse_length = np.broadcast_to(1.0 / np.atleast_1d(params["k1__k2__length_scale"]),
                                                 gp.X_train_.shape[1])
                inverse_factor = solve_triangular(gp.L_, np.eye(len(gp.L_)), lower=True)
                parts.append((gp.X_train_ * inverse_length, inverse_length, gp.alpha_, inverse_factor,
                              float(params["k1__k1__constant_value"]), float(params["k2__noise_level"])))
            self._parts = tuple(np.array(list(column)) for column in zip(*parts))
        return self._parts

    def log_likelihood(self, unit: np.ndarray, observed: np.ndarray) -> np.ndarray:
        """Gaussian log likelihood of the observed scores (components,) at each row of ``unit``."""
        mean, var = self.predict(unit)
        return -0.5 * np.sum((observed - mean) ** 2 / var + np.log(var), axis=1)

    def coverage(self, unit: np.ndarray, y: np.ndarray) -> dict[str, float]:
        """How well the emulator predicts simulations it was not fitted on.

        ``inside_90``: share of (run, component) scores inside the predicted 90% interval (0.90
        if the emulator's uncertainty is right); ``rmse_z``: root mean square of the
        standardised errors (1 if right).
        """
        mean, var = self.predict(unit)
        z = (self.project(y) - mean) / np.sqrt(var)
        return {"runs": int(len(unit)), "inside_90": float(np.mean(np.abs(z) <= Z90)),
                "rmse_z": float(np.sqrt(np.mean(z**2)))}


def fit_emulator(unit: np.ndarray, y: np.ndarray, seed: int = 0) -> Emulator:
    """Fit the emulator on design points ``unit`` (n, d) and their summaries ``y`` (n, p)."""
    GaussianProcessRegressor, RBF, ConstantKernel, WhiteKernel, ConvergenceWarning = _import_sklearn()
    unit = np.asarray(unit, dtype=float)
    y = np.asarray(y, dtype=float)
    sd = y.std(axis=0)
    kept = np.flatnonzero(sd > 1e-9 * (1 + np.abs(y).max(axis=0)))
    if kept.size == 0:
        raise ValueError("the summaries do not vary over the design: nothing to fit")
    mean, scale = y[:, kept].mean(axis=0), sd[kept]
    standard = (y[:, kept] - mean) / scale
    _, singular, vt = np.linalg.svd(standard, full_matrices=False)
    share = np.cumsum(singular**2) / np.sum(singular**2)
    # No more components than the design can fit: each needs its own kernel hyperparameters.
    k = int(min(MAX_COMPONENTS, max(2, len(unit) // 5), np.searchsorted(share, EXPLAINED) + 1, len(singular)))
    basis = vt[:k].T
    scores = standard @ basis
    score_scale = scores.std(axis=0)
    scores = scores / score_scale
    d = unit.shape[1]
    gps = []
    from threadpoolctl import threadpool_limits

    with threadpool_limits(1), warnings.catch_warnings():
        # A length scale at its bound only says the component barely depends on that parameter.
        warnings.simplefilter("ignore", ConvergenceWarning)
        for j in range(k):
            kernel = (ConstantKernel(1.0, (1e-2, 1e2)) * RBF(np.full(d, 0.5), (0.02, 50.0))
                      + WhiteKernel(0.1, (1e-6, 2.0)))
            gp = GaussianProcessRegressor(kernel, normalize_y=False, n_restarts_optimizer=1, random_state=seed + j)
            gp.fit(unit, scores[:, j])
            gps.append(gp)
    return Emulator(mean, scale, kept, basis, score_scale, gps, float(share[k - 1]))
