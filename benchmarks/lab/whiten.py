"""Whitening: z = L⁻¹(x − μ) with Σ = LLᵀ, for per-reading Mahalanobis scores.

Under the healthy model z is standard normal, so ‖z‖² is χ² with d degrees of
freedom: a single spike (a probe knocked, a bubble on the pH glass) shows up
as one large score, while the window divergence looks for lasting change.
The factor is computed once per model and reused for every reading; scoring
is one batched triangular solve.
"""

from __future__ import annotations

import numpy as np
from numpy.typing import ArrayLike, NDArray
from scipy.stats import chi2

from analytics.divergence import _check_finite, cholesky, solve_lower

Array = NDArray[np.float64]


class Whitener:
    """The whitening map of one Gaussian model N(mean, cov).

    Parameters
    ----------
    mean
        ``(d,)`` model mean (e.g. a baseline's mean at this time of day), or
        ``(n, d)`` to give each row of the data its own mean.
    cov
        ``(d, d)`` model covariance; factorised once.
    ridge
        Added to the diagonal of ``cov``, only when asked for.

    Examples
    --------
    >>> w = Whitener([25.0, 7.2], [[0.04, 0.0], [0.0, 0.0025]])
    >>> w.transform([[25.2, 7.1]])
    array([[ 1., -2.]])
    >>> w.score([[25.2, 7.1]])  # squared Mahalanobis distance
    array([5.])
    >>> w.p_value([[25.2, 7.1]]).round(3)  # χ²₂ tail: unusual, not alarming
    array([0.082])
    """

    def __init__(self, mean: ArrayLike, cov: ArrayLike, ridge: float = 0.0) -> None:
        self.mean = np.asarray(mean, dtype=np.float64)
        c = np.asarray(cov, dtype=np.float64)
        _check_finite("mean", self.mean)
        if c.ndim != 2 or c.shape[0] != c.shape[1] or c.shape[0] != self.mean.shape[-1]:
            raise ValueError(f"cov must be ({self.mean.shape[-1]}, {self.mean.shape[-1]}) to match mean, "
                             f"got {c.shape}")
        self.L = cholesky(c, "cov", ridge)
        self.d = c.shape[0]

    def transform(self, X: ArrayLike) -> Array:
        """z = L⁻¹(x − μ) for each row of ``X`` (..., d); NaN in gives a ValueError."""
        X = np.asarray(X, dtype=np.float64)
        if X.shape[-1] != self.d:
            raise ValueError(f"readings must have {self.d} sensors in the last axis, got shape {X.shape}")
        _check_finite("X", X)
        R = X - self.mean
        flat = R.reshape(-1, self.d)
        # one solve with many right-hand sides: L Zᵀ = Rᵀ
        return solve_lower(self.L, flat.T).T.reshape(R.shape)

    def score(self, X: ArrayLike) -> Array:
        """Squared Mahalanobis distance ‖z‖² of each row (χ²_d when healthy)."""
        Z = self.transform(X)
        return np.einsum("...i,...i->...", Z, Z)

    def p_value(self, X: ArrayLike) -> Array:
        """Probability that a healthy reading scores at least this much (χ²_d upper tail)."""
        return chi2.sf(self.score(X), self.d)


def whiten(X: ArrayLike, mean: ArrayLike, cov: ArrayLike, ridge: float = 0.0) -> Array:
    """L⁻¹(x − μ) for each row of ``X``: shorthand for ``Whitener(mean, cov).transform(X)``.

    Examples
    --------
    >>> whiten([[2.0, 3.0]], [0.0, 0.0], [[4.0, 0.0], [0.0, 9.0]])
    array([[1., 1.]])
    """
    return Whitener(mean, cov, ridge).transform(X)
