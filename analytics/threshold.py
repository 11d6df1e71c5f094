"""Thresholds with a stated false-alarm rate.

Under the healthy model, 2n·KL(N(m,S) ‖ N(0,Σ)) of a window of n independent
readings is asymptotically χ² with d + d(d+1)/2 degrees of freedom (the
likelihood-ratio statistic for mean and covariance).  Readings are
autocorrelated, so n is replaced by the effective sample size
n·(1−ρ)/(1+ρ) of an AR(1) process with lag-1 autocorrelation ρ, and windows
that overlap are not independent tests: a day holds about 1440/W of them.
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
    """Probability per window that gives the stated rate, counting 1440/W independent windows a day."""
    return min(0.5, false_alarms_per_30_days / (30 * 1440.0 / window_minutes))
