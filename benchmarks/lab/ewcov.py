"""Exponentially weighted mean and covariance, online (River style).

μₜ = μₜ₋₁ + α eₜ and Σₜ = (1 − α)(Σₜ₋₁ + α eₜeₜᵀ) with eₜ = xₜ − μₜ₋₁: the
weights of past readings decay as (1 − α)ᵏ, so the model follows slow change in
healthy water (evaporation, a new stock of fish) while a reading is scored
against what the tank looked like lately.  During warm-up the rate is
max(α, 1/n): the first readings get the plain running mean and covariance
(no bias toward a zero start), and the decay takes over after 1/α readings.

The score of a reading is its squared Mahalanobis distance ‖L⁻¹(x − μ)‖² with
Σ = LLᵀ (χ² with d degrees of freedom if the tank is healthy and Gaussian),
computed on the sensors the reading has (the marginal of a Gaussian is the
sub-vector and sub-matrix).
"""

from __future__ import annotations

import math
from typing import Iterable

import numpy as np
from numpy.typing import NDArray

from analytics.base import AnomalyDetector, Reading
from analytics.divergence import cholesky, solve_lower

Array = NDArray[np.float64]
#: scores are clipped here: finite for any finite input, and far above any threshold
MAX_SCORE = 1e300


def reading_vector(x: Reading, features: Iterable[str]) -> Array:
    """The values of ``features`` from reading ``x`` as a float vector, NaN where missing or not finite.

    Examples
    --------
    >>> reading_vector({"ph": 7.2, "temp_c": 25.0}, ["temp_c", "ph", "tds_ppm"])
    array([25. ,  7.2,  nan])
    """
    out = []
    for f in features:
        v = x.get(f)
        try:
            v = float(v)  # type: ignore[arg-type]
        except (TypeError, ValueError):
            v = math.nan
        out.append(v if math.isfinite(v) else math.nan)
    return np.array(out, dtype=np.float64)


def mahalanobis_sq(v: Array, mean: Array, cov: Array, ridge_rel: float = 1e-9) -> float:
    """‖L⁻¹(v − μ)‖² on the finite entries of ``v``, with a tiny relative ridge; clipped finite.

    The ridge (``ridge_rel`` times the mean variance, plus the smallest
    positive float scale) keeps a sensor that has been perfectly constant
    scorable: any change of it is then very anomalous, but finite.

    Examples
    --------
    >>> round(mahalanobis_sq(np.array([2.0, np.nan]), np.zeros(2), np.diag([4.0, 1.0])), 6)
    1.0
    """
    ok = np.isfinite(v)
    if not ok.any():
        return 0.0
    idx = np.flatnonzero(ok)
    c = cov[np.ix_(idx, idx)]
    scale = float(np.trace(c)) / len(idx)
    c = c + (ridge_rel * scale + 1e-300) * np.eye(len(idx))
    with np.errstate(over="ignore", invalid="ignore"):
        try:
            z = solve_lower(cholesky(c, "the estimated covariance"), v[idx] - mean[idx])
        except ValueError:
            return MAX_SCORE
        s = float(np.dot(z, z))
    return s if s < MAX_SCORE else MAX_SCORE  # also maps NaN from overflow to the cap


class EWMeanCov(AnomalyDetector):
    """Exponentially weighted mean and covariance of a tank's sensors; scores readings by Mahalanobis².

    Parameters
    ----------
    alpha
        Forgetting rate per reading (the weight of the newest reading); the
        memory is about 1/α readings (α = 1/1440: about a day of minutes).
    grace_period
        Readings learned before scores leave 0.0 (the explicit warm-up).
    features
        Sensor names to use, in any order (they are sorted, so the model does
        not depend on the order of a reading's keys).  ``None``: the keys of
        the first reading learned.

    Attributes
    ----------
    n : int
        Readings learned.
    skipped : int
        Readings not learned because a sensor was missing or not finite.
    overflowed : int
        Readings not learned because they were so extreme (≳ 1e150) that the
        update would overflow.

    Examples
    --------
    >>> rng = np.random.default_rng(0)
    >>> det = EWMeanCov(alpha=0.01, grace_period=50)
    >>> for i in range(500):
    ...     det.learn_one({"temp_c": 25 + rng.normal(0, 0.1), "ph": 7.2 + rng.normal(0, 0.02)}, 60.0 * i)
    >>> det.score_one({"temp_c": 25.0, "ph": 7.2}, 0.0) < 1.0  # typical: about 0 to d
    True
    >>> det.score_one({"temp_c": 25.0, "ph": 6.8}, 0.0) > 100  # pH 20 s.d. off
    True
    """

    def __init__(self, alpha: float = 1 / 1440, grace_period: int = 60,
                 features: Iterable[str] | None = None) -> None:
        if not 0 < alpha <= 1:
            raise ValueError(f"alpha must be in (0, 1], got {alpha}")
        if grace_period < 0:
            raise ValueError("grace_period must be ≥ 0")
        self.alpha = float(alpha)
        self.grace_period = int(grace_period)
        self.features: tuple[str, ...] | None = tuple(sorted(features)) if features is not None else None
        self.n = 0
        self.skipped = 0
        self.overflowed = 0
        self.mean: Array | None = None
        self.cov: Array | None = None

    def _init(self, x: Reading) -> None:
        if self.features is None:
            self.features = tuple(sorted(x))
        d = len(self.features)
        self.mean = np.zeros(d)
        self.cov = np.zeros((d, d))

    def rate(self) -> float:
        """The rate the next update uses: max(α, 1/(n+1)) (the plain mean during warm-up)."""
        return max(self.alpha, 1.0 / (self.n + 1))

    def learn_one(self, x: Reading, t: float) -> None:
        """Update mean and covariance with a complete reading; incomplete ones are counted and skipped."""
        if self.mean is None:
            self._init(x)
        assert self.mean is not None and self.cov is not None and self.features is not None
        v = reading_vector(x, self.features)
        if not np.all(np.isfinite(v)):
            self.skipped += 1
            return
        a = self.rate()
        with np.errstate(over="ignore", invalid="ignore"):
            e = v - self.mean
            mean = self.mean + a * e
            cov = (1.0 - a) * (self.cov + a * np.outer(e, e))
        if not (np.all(np.isfinite(mean)) and np.all(np.isfinite(cov))):
            self.overflowed += 1  # a value so extreme the update overflows: refuse it, keep the model
            return
        self.mean, self.cov = mean, cov
        self.n += 1

    def score_one(self, x: Reading, t: float) -> float:
        """Squared Mahalanobis distance of ``x`` from the current mean (0.0 during warm-up)."""
        if self.n < max(self.grace_period, 2) or self.mean is None or self.cov is None or self.features is None:
            return 0.0
        return mahalanobis_sq(reading_vector(x, self.features), self.mean, self.cov)
