"""Window score: the recent W minutes as N(m, S) against the healthy baseline N(0, Σ).

Residuals (readings minus the baseline's mean at their time of day) of the
last W minutes give a mean m and a covariance S.  The score is the divergence
of N(m, S) from N(0, Σ): KL (judging the window against the baseline),
Bhattacharyya and W2 beside it, each split into a mean part (the water moved)
and a covariance part (the readings became noisier or steadier: a failing or
stuck probe).  Per-sensor contributions say which sensors carry the score.

:class:`WindowDetector` is the same score as an online detector: it keeps the
last W readings and an exponentially weighted baseline fed by the readings
that leave the window, so the window is never compared with itself.
"""

from __future__ import annotations

from collections import deque
from dataclasses import dataclass
from typing import Iterable

import numpy as np
from numpy.typing import ArrayLike, NDArray

from analytics.base import AnomalyDetector, Reading
from analytics.baseline import ledoit_wolf
from analytics.divergence import (
    Parts,
    _check_finite,
    bhattacharyya_distance,
    kl_divergence,
    mahalanobis_contributions,
    wasserstein2_distance,
)
from benchmarks.lab.ewcov import MAX_SCORE, EWMeanCov, reading_vector

Array = NDArray[np.float64]


@dataclass
class WindowScore:
    """Divergences of one window (or a batch of windows) from the baseline, with attribution.

    Attributes
    ----------
    kl, bhattacharyya, w2
        :class:`~analytics.divergence.Parts` (total, mean part, covariance part).
    mean_contributions
        ``(..., d)`` shares of the KL mean part per sensor, ½ mᵢ(Σ⁻¹m)ᵢ; they
        sum to ``kl.mean`` and do not depend on the order of the sensors.
    cov_contributions
        ``(..., d)`` each sensor's own 1-D KL covariance term
        ½(sᵢᵢ/σᵢᵢ − 1 − ln(sᵢᵢ/σᵢᵢ)): which sensor's spread changed.  They do
        not sum to ``kl.cov`` (that also counts changed correlations).
    mean, cov
        The window's m and S.
    n
        Readings in the window.

    Examples
    --------
    >>> s = window_score(np.random.default_rng(0).normal(size=(60, 2)), np.eye(2))
    >>> s.n, s.mean_contributions.shape, bool(s.kl.total >= 0)
    (60, (2,), True)
    """

    kl: Parts
    bhattacharyya: Parts
    w2: Parts
    mean_contributions: Array
    cov_contributions: Array
    mean: Array
    cov: Array
    n: int


def window_score(residuals: ArrayLike, cov: ArrayLike, *, shrink: bool = True,
                 floor: float = 1e-6) -> WindowScore:
    """Score the window(s) of ``residuals`` against the baseline N(0, ``cov``).

    Parameters
    ----------
    residuals
        ``(n, d)`` one window, or ``(..., n, d)`` a batch of windows of equal
        length.  For one window, rows with a missing (non-finite) value are
        dropped; a batch must be complete.
    cov
        Baseline covariance Σ, ``(d, d)`` or one per window ``(..., d, d)``.
    shrink
        Estimate S with Ledoit–Wolf shrinkage (steadier for short windows, as
        the monitor does); ``False`` gives the plain maximum-likelihood S,
        which the χ² threshold (:func:`analytics.threshold.kl_test_statistic`)
        assumes.
    floor
        Added to S's diagonal as this fraction of Σ's: a stuck sensor has zero
        window variance, which would make S singular.

    Examples
    --------
    >>> rng = np.random.default_rng(0)
    >>> R = rng.normal(size=(60, 2)) * [0.1, 0.02]
    >>> R[:, 1] -= 0.1                      # pH five s.d. low for the whole hour
    >>> s = window_score(R, np.diag([0.01, 0.0004]))
    >>> s.kl.mean > 10 * s.kl.cov, int(np.argmax(s.mean_contributions))  # a mean shift, in pH
    (True, 1)
    """
    R = np.asarray(residuals, dtype=np.float64)
    if R.ndim < 2:
        raise ValueError(f"residuals must be (n, d) or (..., n, d), got shape {R.shape}")
    if R.ndim == 2:
        R = R[np.all(np.isfinite(R), axis=1)]
    else:
        _check_finite("residuals", R)
    n, d = R.shape[-2:]
    if n < 2:
        raise ValueError(f"a window needs at least 2 complete readings, got {n}")
    C = np.asarray(cov, dtype=np.float64)
    m = R.mean(axis=-2)
    if shrink:
        S, _ = ledoit_wolf(R)
    else:
        Z = R - m[..., None, :]
        S = np.swapaxes(Z, -1, -2) @ Z / n
    diag_base = np.diagonal(C, axis1=-2, axis2=-1)
    S = S + floor * diag_base[..., None, :] * np.eye(d)
    zero = np.zeros(d)
    kl = kl_divergence(m, S, zero, C, return_parts=True)
    assert isinstance(kl, Parts)
    bh = bhattacharyya_distance(m, S, zero, C, return_parts=True)
    w2 = wasserstein2_distance(m, S, zero, C, return_parts=True)
    assert isinstance(bh, Parts) and isinstance(w2, Parts)
    mean_contrib = 0.5 * mahalanobis_contributions(m, C)
    ratio = np.diagonal(S, axis1=-2, axis2=-1) / diag_base
    cov_contrib = 0.5 * (ratio - 1.0 - np.log(ratio))
    return WindowScore(kl, bh, w2, mean_contrib, cov_contrib, m, S, n)


class WindowDetector(AnomalyDetector):
    """KL of the last ``window`` readings against an exponentially weighted baseline, online.

    Parameters
    ----------
    window
        Readings in the window (W minutes at one reading a minute).
    alpha
        Forgetting rate of the baseline (see :class:`~benchmarks.lab.ewcov.EWMeanCov`).
    grace_period
        Readings learned before scores leave 0.0; at least ``window`` plus
        enough for the baseline (``window + 2·d`` is the minimum honoured).
    features
        Sensor names; ``None``: those of the first reading.

    Examples
    --------
    >>> rng = np.random.default_rng(1)
    >>> det = WindowDetector(window=30, alpha=0.01, grace_period=200)
    >>> for i in range(600):
    ...     det.learn_one({"ph": 7.2 + rng.normal(0, 0.02), "temp_c": 25 + rng.normal(0, 0.1)}, 60.0 * i)
    >>> healthy = det.score_one({"ph": 7.2, "temp_c": 25.0}, 0.0)
    >>> for i in range(30):                              # pH falls 0.1 (5 s.d.)
    ...     det.learn_one({"ph": 7.1 + rng.normal(0, 0.02), "temp_c": 25 + rng.normal(0, 0.1)}, 0.0)
    >>> det.score_one({"ph": 7.1, "temp_c": 25.0}, 0.0) > 20 * healthy
    True
    """

    def __init__(self, window: int = 60, alpha: float = 1 / 1440, grace_period: int = 240,
                 features: Iterable[str] | None = None) -> None:
        if window < 2:
            raise ValueError("window must be at least 2 readings")
        self.window = int(window)
        self.baseline = EWMeanCov(alpha=alpha, grace_period=0, features=features)
        self.grace_period = max(int(grace_period), self.window + 2)
        self.recent: deque[np.ndarray] = deque()
        self.n = 0
        self.skipped = 0

    def learn_one(self, x: Reading, t: float) -> None:
        """Push ``x`` into the window; the reading that leaves it goes into the baseline."""
        if self.baseline.mean is None:
            self.baseline._init(x)
        features = self.baseline.features
        assert features is not None
        v = reading_vector(x, features)
        if not np.all(np.isfinite(v)):
            self.skipped += 1
            return
        self.recent.append(v)
        if len(self.recent) > self.window:
            old = self.recent.popleft()
            self.baseline.learn_one(dict(zip(features, old.tolist())), t)
        self.n += 1

    def score_one(self, x: Reading, t: float) -> float:
        """KL(N(m, S) ‖ baseline) of the window ending with ``x`` (0.0 during warm-up)."""
        features = self.baseline.features
        b = self.baseline
        if (self.n < self.grace_period or features is None or b.mean is None or b.cov is None
                or b.n < 2 * len(features)):
            return 0.0
        v = reading_vector(x, features)
        rows = list(self.recent)[1:] if np.all(np.isfinite(v)) else list(self.recent)
        if np.all(np.isfinite(v)):
            rows.append(v)
        R = np.array(rows) - b.mean
        d = len(features)
        cov = b.cov + (1e-9 * float(np.trace(b.cov)) / d + 1e-300) * np.eye(d)
        with np.errstate(over="ignore", invalid="ignore", divide="ignore"):
            try:  # only the KL of window_score (W2's eigen-decompositions would triple the cost)
                S, _ = ledoit_wolf(R)
                S = S + 1e-6 * np.diag(np.diag(cov))
                score = float(kl_divergence(R.mean(axis=0), S, np.zeros(d), cov))  # type: ignore[arg-type]
            except ValueError:
                return MAX_SCORE
        return score if score < MAX_SCORE else MAX_SCORE
