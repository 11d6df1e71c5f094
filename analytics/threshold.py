"""Thresholds with a stated false-alarm rate.

Under the healthy model, 2n·KL(N(m,S) ‖ N(0,Σ)) of a window of n independent
readings is asymptotically χ² with d + d(d+1)/2 degrees of freedom (the
likelihood-ratio statistic for mean and covariance).  Readings are
autocorrelated, so n is replaced by the effective sample size
n·(1−ρ)/(1+ρ) of an AR(1) process with lag-1 autocorrelation ρ, and windows
that overlap are not independent tests: a day holds about 1440/W of them.

The mean and the covariance of an autocorrelated window lose different
amounts of information, so :func:`kl_test_statistic` scales the two parts of
the KL apart (the mean by the exact finite-window AR(1) variance factor, the
covariance by n(1−ρ²)/(1+ρ²)) and applies Bartlett's correction; against
:func:`chi2_threshold` it keeps the stated per-window false-alarm probability
within a factor 2 on simulated healthy AR(1) water for ρ ≤ 0.5, and errs on
the quiet side (fewer alarms) for stronger autocorrelation
(tests/test_analytics_threshold.py).  :func:`kl_threshold` (one n for both
parts) is kept for callers that have only the total.
"""

from __future__ import annotations

import numpy as np
from numpy.typing import ArrayLike
from scipy.stats import chi2


def effective_sample_size(n: int, lag1: float) -> float:
    """n·(1−ρ)/(1+ρ), at least 2.

    >>> effective_sample_size(60, 0.0), round(effective_sample_size(60, 0.5), 1)
    (60.0, 20.0)
    """
    rho = min(max(lag1, 0.0), 0.99)
    return max(2.0, n * (1.0 - rho) / (1.0 + rho))


def mean_effective_sample_size(n: int, lag1: float) -> float:
    """n / [1 + 2 Σₖ (1 − k/n) ρᵏ]: the exact n_eff of a window mean of an AR(1) series.

    Examples
    --------
    >>> mean_effective_sample_size(60, 0.0)
    60.0
    >>> round(mean_effective_sample_size(60, 0.5), 1)  # the asymptotic n(1−ρ)/(1+ρ) says 20.0
    20.5
    """
    rho = min(max(float(lag1), 0.0), 0.99)
    k = np.arange(1, int(n))
    return float(n / (1.0 + 2.0 * np.sum((1.0 - k / n) * rho**k)))


def cov_effective_sample_size(n: int, lag1: float) -> float:
    """n(1−ρ²)/(1+ρ²): the n_eff of a window covariance of an AR(1) series (variance of s²).

    Examples
    --------
    >>> round(cov_effective_sample_size(60, 0.5), 1)
    36.0
    """
    rho = min(max(float(lag1), 0.0), 0.99)
    return max(2.0, n * (1.0 - rho * rho) / (1.0 + rho * rho))


def kl_test_statistic(kl_mean: ArrayLike, kl_cov: ArrayLike, d: int, n: int, lag1: float) -> float | np.ndarray:
    """Turn the two parts of KL(N(m,S) ‖ N(0,Σ)) of an n-reading window into a χ² statistic.

    T = (2 n_m · KL_mean + 2 n_c · KL_cov) / b, with n_m and n_c the effective
    sample sizes of a window mean and covariance under AR(1) autocorrelation
    ``lag1``, and b = 1 + (2d² + 9d + 11) / (6 n_c (d + 3)) Bartlett's
    correction of the likelihood-ratio test of (μ, Σ) = (0, Σ₀).  Under the
    healthy model T is approximately χ² with d + d(d+1)/2 degrees of freedom
    (compare with :func:`chi2_threshold`).  ``S`` should be the plain
    (maximum-likelihood) window covariance.

    Examples
    --------
    >>> round(kl_test_statistic(0.1, 0.05, d=4, n=60, lag1=0.0), 2)
    17.45
    """
    n_m = mean_effective_sample_size(n, lag1)
    n_c = cov_effective_sample_size(n, lag1)
    bartlett = 1.0 + (2 * d * d + 9 * d + 11) / (6.0 * n_c * (d + 3))
    t = (2.0 * n_m * np.asarray(kl_mean, dtype=np.float64) + 2.0 * n_c * np.asarray(kl_cov, dtype=np.float64))
    t = t / bartlett
    return float(t) if t.ndim == 0 else t


def chi2_threshold(d: int, p: float) -> float:
    """Value of :func:`kl_test_statistic` exceeded with probability ``p`` per window on healthy water.

    Examples
    --------
    >>> round(chi2_threshold(4, 0.01), 2)  # χ² with 4 + 10 degrees of freedom
    29.14
    """
    if not 0 < p < 1:
        raise ValueError(f"p must be a probability in (0, 1), got {p}")
    return float(chi2.isf(p, d + d * (d + 1) / 2))


def kl_threshold(d: int, n_eff: float, false_alarms_per_30_days: float, window_minutes: float) -> float:
    """KL value above which a window is called drift, for the stated false-alarm rate.

    >>> round(kl_threshold(6, 60, 1.0, 60), 3)
    0.453
    """
    df = d + d * (d + 1) / 2
    p = per_test_probability(false_alarms_per_30_days, window_minutes)
    return float(chi2.isf(p, df) / (2.0 * n_eff))


def pot_threshold(healthy_scores: ArrayLike, p: float, tail_quantile: float = 0.8) -> float:
    """Score exceeded with probability ``p`` per test, from healthy scores (peaks over threshold).

    The tail above the ``tail_quantile`` quantile u is modelled as exponential
    (a generalised Pareto with shape 0, as in SPOT, Siffer et al. 2017), so a
    rate far rarer than the history holds can still be set:
    z = u + σ̂ ln(P(S > u) / p), σ̂ the mean excess over u.

    >>> rng = np.random.default_rng(0)
    >>> round(pot_threshold(rng.exponential(size=100_000), 1e-3), 1)  # exact: ln(1000) = 6.9
    6.9
    """
    s = np.sort(np.asarray(healthy_scores, dtype=np.float64))
    s = s[np.isfinite(s)]
    if len(s) < 10:
        raise ValueError(f"need at least 10 healthy scores to calibrate, got {len(s)}")
    u = float(np.quantile(s, tail_quantile))
    excess = s[s > u] - u
    if len(excess) == 0 or excess.mean() <= 0:
        return u
    p_u = len(excess) / len(s)
    if p >= p_u:
        return float(np.quantile(s, 1 - p))
    return u + float(excess.mean()) * float(np.log(p_u / p))


def per_test_probability(false_alarms_per_30_days: float, window_minutes: float) -> float:
    """Probability per window that gives the stated rate, counting 1440/W independent windows a day.

    >>> per_test_probability(1.0, 60) * 720  # one in the 720 hour-long windows of 30 days
    1.0
    """
    return min(0.5, false_alarms_per_30_days / (30 * 1440.0 / window_minutes))


#: the share of the range a keeper keeps a reading in within which a departure is not worth a warning
INDIFFERENCE_SHARE = 0.05


def indifference_zone(low: float | None, high: float | None, resolution: float,
                      share: float = INDIFFERENCE_SHARE) -> float:
    """The smallest departure from usual worth a keeper's warning (the indifference zone of process control).

    A change is statistically real long before it matters: a reference of a few
    days says TDS moves ±2 ppm at this hour, a top-up moves it by 13.  What
    matters is set by the keeper: the range ``low``–``high`` they keep the
    reading in.  A departure smaller than ``share`` of that range (a twentieth)
    is within what their own care moves the water by, and never smaller than
    what a test kit resolves (``resolution``).  Without both ends of a range
    only the resolution counts.

    Examples
    --------
    >>> indifference_zone(3000.0, 4200.0, 10.0)  # a brackish tank's salt: 3000-4200 ppm
    60.0
    >>> indifference_zone(22.0, 29.0, 0.3), indifference_zone(None, 29.0, 0.3)
    (0.35, 0.3)
    """
    if low is None or high is None or not high > low:
        return resolution
    return max(resolution, round(share * (high - low), 12))
