"""The calibration of the quality watch's statistics on healthy history: what is ordinary, and how rare.

:func:`winsorise` keeps outliers out of the healthy covariance, :func:`step_scale`
sizes an ordinary reading-to-reading step, :class:`TailModel` states how many
healthy excursions a day go above any score, and :func:`holdout_ratio` checks
that such a statement holds out of sample.  Used by
:class:`analytics.detector.WaterQualityDetector`; pure functions of arrays.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np
from numpy.typing import NDArray

from analytics.medians import flat_median

Array = NDArray[np.float64]
BoolArray = NDArray[np.bool_]


def winsorise(R: Array, k: float = 4.0, rare: float = 0.0) -> Array:
    """Clip each column at median ± k robust standard deviations (1.4826·MAD), never inside its ``rare`` tails.

    The healthy covariance must describe ordinary noise; outliers (not events,
    per the GECCO rules, and present in any real log) would otherwise inflate
    it and hide real changes.  Outliers are rare: with ``rare`` > 0 no value
    between the ``rare`` and 1 − ``rare`` quantiles is clipped.  A coarsely
    quantised probe (SKAB's flow sits on 32 or 33 l/min, ±0.03) has a MAD of
    its sub-step jitter, and 4 MADs would clip its ordinary steps as outliers.

    >>> winsorise(np.array([[0.0], [1.0], [-1.0], [100.0]]), k=2.0).ravel()
    array([ 0.    ,  1.    , -1.    ,  3.4652])
    >>> probe = np.array([[0.0]] * 30 + [[0.03]] * 30 + [[1.0]] * 40 + [[9.0]])  # two steps, jitter, an outlier
    >>> round(float(winsorise(probe).max()), 3), float(winsorise(probe, rare=0.01).max())
    (0.208, 1.0)
    """
    med = np.median(R, axis=0)
    mad = 1.4826 * np.median(np.abs(R - med), axis=0)
    mad = np.where(mad > 0, mad, np.std(R, axis=0) + 1e-12)
    lo, hi = med - k * mad, med + k * mad
    if rare > 0:
        lo = np.minimum(lo, np.quantile(R, rare, axis=0))
        hi = np.maximum(hi, np.quantile(R, 1.0 - rare, axis=0))
    return np.clip(R, lo, hi)


def excursions_per_day(scores: Array, healthy: BoolArray, level: float, days: float) -> float:
    """Runs of consecutive healthy rows with score above ``level``, per day."""
    above = healthy & (np.nan_to_num(scores, nan=-np.inf) > level)
    return float(np.sum(above[1:] & ~above[:-1]) + above[0]) / days


def holdout_ratio(scores: Array, healthy: BoolArray, dt_days: float, rate_per_day: float) -> float:
    """How far a calibration holds out of sample: the worse of the two half-splits of the healthy rows.

    The tail is fitted on one half, the level for ``rate_per_day`` is taken from it,
    and the excursions above that level are counted on the other half; the
    result is the larger observed / stated ratio of the two directions (1: as
    stated; 0: no excursion in either held-out half).

    >>> rng = np.random.default_rng(1)
    >>> s = rng.exponential(size=60 * 1440)
    >>> bool(0.5 < holdout_ratio(s, np.ones(len(s), dtype=bool), 1 / 1440, 2.0) < 2.0)
    True
    """
    ok = healthy & np.isfinite(scores)
    idx = np.flatnonzero(ok)
    if len(idx) < 400:
        return float("inf")
    cut = idx[len(idx) // 2]
    first, second = ok.copy(), ok.copy()
    first[cut:] = False
    second[:cut] = False
    worst = 0.0
    for fit_on, count_on in ((first, second), (second, first)):
        level = TailModel.fit(scores, fit_on, dt_days).value_at(rate_per_day)
        seen = excursions_per_day(scores, count_on, level, count_on.sum() * dt_days)
        worst = max(worst, seen / rate_per_day)
    return worst


def channel_lag1(R: Array, use: BoolArray) -> Array:
    """Per column, the lag-1 autocorrelation of ``R`` over consecutive ``use`` rows, clipped to [0, 1).

    The ρ of each channel's AR(1) model of its healthy residual (a negative one is no forecast worth making);
    per channel and over gaps, unlike :func:`analytics.baseline.lag1_autocorrelation` (one mean over columns).

    >>> walk = np.cumsum(np.random.default_rng(0).normal(size=(2000, 1)), axis=0)
    >>> bool(channel_lag1(walk, np.ones(2000, dtype=bool))[0] > 0.9)
    True
    """
    both = use[1:] & use[:-1]
    a, b = R[1:][both], R[:-1][both]
    a, b = a - a.mean(axis=0), b - b.mean(axis=0)
    rho = np.sum(a * b, axis=0) / np.sqrt(np.sum(a * a, axis=0) * np.sum(b * b, axis=0) + 1e-300)
    return np.clip(np.nan_to_num(rho), 0.0, 0.999)


def step_scale(Q: Array, healthy: BoolArray) -> Array:
    """Per channel, the healthy size of a reading-to-reading step: the 95 % quantile of |step| / 1.96.

    Quantised probes step by 0 most of the time, so a MAD would be 0; the
    95 % quantile is the size of an ordinary step, and is untouched by the few
    huge jumps (outliers, shifts) in any log.

    >>> step_scale(np.array([[0.0], [0.01], [0.0], [0.0], [0.01]]), np.ones(5, dtype=bool)).round(4)
    array([0.0051])
    """
    both = healthy[1:] & healthy[:-1]
    out = np.empty(Q.shape[1])
    for j in range(Q.shape[1]):
        d = np.abs(np.diff(Q[:, j]))[both]
        d = d[np.isfinite(d)]
        q = float(np.quantile(d, 0.95)) if len(d) else 0.0
        if q <= 0:
            nz = d[d > 0]
            q = float(np.min(nz)) if len(nz) else 1.0
        out[j] = q / 1.96
    return out


@dataclass
class TailModel:
    """Healthy excursions per day above a score: counted where the data hold them, extrapolated beyond.

    Below ``u`` (the ``quantile`` of the healthy scores) the rate is counted
    on a grid of levels; above it, the peaks of the excursions over ``u`` (one
    per excursion: declustered) are modelled as exponential (generalised
    Pareto with shape 0, as in SPOT), so rates far rarer than the history
    holds can be stated.

    >>> rng = np.random.default_rng(0)
    >>> s = rng.exponential(size=144_000)  # 100 days of independent minutes
    >>> tm = TailModel.fit(s, np.ones(len(s), dtype=bool), 1 / 1440)
    >>> round(tm.value_at(0.1), 1)  # exact: ln(1440 / 0.1) = 9.57
    9.5
    """

    u: float
    rate_u: float  # excursions per day above u
    scale: float  # mean excess of the excursion peaks over u
    grid: Array  # levels below u, increasing
    grid_rate: Array  # excursions per day above each

    @classmethod
    def fit(cls, scores: Array, healthy: BoolArray, dt_days: float, quantile: float = 0.98) -> "TailModel":
        s = np.where(healthy, scores, np.nan)
        ok = np.isfinite(s)
        if ok.sum() < 100:
            raise ValueError(f"need at least 100 healthy scored rows to calibrate, got {int(ok.sum())}")
        days = ok.sum() * dt_days
        grid = np.quantile(s[ok], np.linspace(0.5, quantile, 25))
        grid_rate = np.array([excursions_per_day(s, ok, g, days) for g in grid])
        u = float(grid[-1])
        above = np.nan_to_num(s, nan=-np.inf) > u
        d = np.diff(np.concatenate([[0], above.astype(np.int8), [0]]))
        peaks = np.array([np.max(s[a:b]) for a, b in zip(np.flatnonzero(d == 1), np.flatnonzero(d == -1))])
        if len(peaks) == 0:
            return cls(u, 1.0 / days, max(float(np.std(s[ok])), 1e-12), grid, grid_rate)
        # the exponential's scale from the median excess (scale = median / ln 2): a few gross
        # excursions (sensor faults, outliers) must not set the rate of ordinary ones
        return cls(u, len(peaks) / days, max(float(flat_median(peaks - u)) / math.log(2.0), 1e-12), grid, grid_rate)

    def rate(self, score: float) -> float:
        """Healthy excursions per day above ``score``."""
        if score >= self.u:
            return self.rate_u * math.exp(-(score - self.u) / self.scale)
        # counted rates; not monotone in general (a low level merges excursions), so take the running max
        r = np.maximum.accumulate(self.grid_rate[::-1])[::-1]
        return float(np.interp(score, self.grid, r, left=max(float(r[0]), 1440.0)))

    def value_at(self, rate_per_day: float) -> float:
        """The score whose healthy excursion rate is ``rate_per_day``."""
        if rate_per_day <= self.rate_u:
            return self.u + self.scale * math.log(self.rate_u / rate_per_day)
        r = np.maximum.accumulate(self.grid_rate[::-1])[::-1]
        i = np.flatnonzero(r >= rate_per_day)
        return float(self.grid[i[-1]]) if len(i) else float(self.grid[0])
