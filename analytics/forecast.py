"""Slow drift: a Kalman local-linear-trend filter on daily means.

The state is (level, slope per day).  Between two observations ``Δ`` days apart
the level moves by ``slope·Δ`` plus noise and the slope itself wanders a little
(an integrated random walk), so the filter follows a TDS that climbs faster in
summer, and handles missing days by taking a longer step.

All noise variances are given as *ratios* to the observation variance σ², and σ²
is estimated online from the standardised one-step innovations (the
"concentrated" Kalman filter): the filter is then scale-free, the same defaults
serve TDS in ppm and pH in units, and the interval reflects the noise the tank
actually shows.  The filter is started diffusely: the first two days fix level
and slope; from the third day on, innovations estimate σ².

References
----------
Harvey, *Forecasting, structural time series models and the Kalman filter*
(1989), ch. 2 and 3.4 (the local linear trend, concentrating σ² out of the
likelihood); Fieller (1954) for the interval of a ratio (the crossing time).
"""

from __future__ import annotations

import math

import numpy as np
from scipy.stats import t as student_t


class LocalLinearTrend:
    """Level and rate per day of one sensor's daily means, and days until a limit.

    Parameters
    ----------
    level_noise
        Variance of the level's own day-to-day wandering, as a ratio to the
        observation noise variance (per day).
    slope_noise
        Variance of the slope's day-to-day wandering, as a ratio to the
        observation noise variance (per day).  Small: the rate changes slowly.
    confidence
        Coverage of the intervals returned by :meth:`days_until` and
        :attr:`rate_interval`.

    Attributes
    ----------
    n : int
        Observations used.
    skipped : int
        Non-finite values given to :meth:`update` and ignored.

    Examples
    --------
    TDS rising 10 ppm a day from 300 ppm, with ±2 ppm noise on the daily mean:

    >>> rng = np.random.default_rng(0)
    >>> f = LocalLinearTrend()
    >>> for day in range(14):
    ...     f.update(day, 300 + 10 * day + rng.normal(scale=2.0))
    >>> round(f.rate_per_day)
    10
    >>> est, low, high = f.days_until(500.0)  # from day 13: about 7 days left
    >>> round(est), bool(low < est < high)
    (7, True)

    Before three days of data there is nothing to extrapolate:

    >>> LocalLinearTrend().days_until(500.0)
    (nan, nan, nan)
    """

    def __init__(self, level_noise: float = 0.01, slope_noise: float = 1e-4, confidence: float = 0.9) -> None:
        if not (level_noise >= 0 and slope_noise >= 0):
            raise ValueError("level_noise and slope_noise must be non-negative variance ratios")
        if not 0 < confidence < 1:
            raise ValueError(f"confidence must be in (0, 1), got {confidence}")
        self.level_noise = float(level_noise)
        self.slope_noise = float(slope_noise)
        self.confidence = float(confidence)
        self.reset()

    def reset(self) -> None:
        """Forget everything (e.g. after a water change moved the level on purpose)."""
        self.day: float | None = None
        self.state = np.zeros(2)
        self.P = np.eye(2)  # relative to σ²; set properly by the first two days
        self.n = 0
        self.skipped = 0
        self._sum_sq = 0.0  # Σ v²/F over non-diffuse innovations
        self._n_innov = 0

    def update(self, day: float, value: float) -> None:
        """Take one daily mean ``value`` for ``day`` (days, increasing; gaps allowed).

        A non-finite ``value`` is ignored and counted in :attr:`skipped`.

        Examples
        --------
        >>> f = LocalLinearTrend()
        >>> f.update(0, 7.2); f.update(1, float("nan")); f.update(2, 7.1)
        >>> f.n, f.skipped
        (2, 1)
        """
        day = float(day)
        if not math.isfinite(value):
            self.skipped += 1
            return
        if self.day is not None and not day > self.day:
            raise ValueError(f"days must increase: got day {day} after day {self.day}")
        if self.n < 2:
            self._start(day, float(value))
            return
        assert self.day is not None
        self._predict(day - self.day)
        self.day = day
        # observe the level: y = level + ε, Var ε = 1 (relative)
        v = float(value) - float(self.state[0])
        F = float(self.P[0, 0]) + 1.0
        K = self.P[:, 0] / F
        self._sum_sq += v * v / F
        self._n_innov += 1
        self.state = self.state + K * v
        self.P = self.P - np.outer(K, self.P[0, :])
        self.P = 0.5 * (self.P + self.P.T)
        self.n += 1

    def _start(self, day: float, value: float) -> None:
        """The exact diffuse start: level and slope through the first two days, with their covariance."""
        if self.n == 0:
            self.state = np.array([value, 0.0])
        else:
            assert self.day is not None
            dt = day - self.day
            Q = self._process_noise(dt)
            y1 = float(self.state[0])
            self.state = np.array([value, (value - y1) / dt])
            # errors: level ε₂; slope (ξ + ε₂ − ε₁)/Δ − ζ with (ξ, ζ) the process noise over Δ
            var_slope = (Q[0, 0] + 2.0) / dt**2 - 2.0 * Q[0, 1] / dt + Q[1, 1]
            self.P = np.array([[1.0, 1.0 / dt], [1.0 / dt, var_slope]])
        self.day = day
        self.n += 1

    def _process_noise(self, dt: float) -> np.ndarray:
        Q = self.slope_noise * np.array([[dt**3 / 3, dt**2 / 2], [dt**2 / 2, dt]])
        Q[0, 0] += self.level_noise * dt
        return Q

    def _predict(self, dt: float) -> None:
        T = np.array([[1.0, dt], [0.0, 1.0]])
        # integrated random walk for the slope, plus the level's own random walk
        Q = self._process_noise(dt)
        self.state = T @ self.state
        self.P = T @ self.P @ T.T + Q

    @property
    def sigma2(self) -> float:
        """Estimated observation noise variance σ² (NaN before the third day)."""
        return float(self._sum_sq / self._n_innov) if self._n_innov else float("nan")

    @property
    def level(self) -> float:
        """Filtered level at the last observed day (NaN before any data)."""
        return float(self.state[0]) if self.n else float("nan")

    @property
    def rate_per_day(self) -> float:
        """Filtered slope: change per day (NaN before two days of data)."""
        return float(self.state[1]) if self.n >= 2 else float("nan")

    def _quantile(self) -> float:
        return float(student_t.ppf(0.5 + self.confidence / 2, df=max(self._n_innov, 1)))

    @property
    def rate_interval(self) -> tuple[float, float]:
        """(low, high) interval of the rate per day at :attr:`confidence`.

        Examples
        --------
        >>> f = LocalLinearTrend()
        >>> for day, v in enumerate([1.0, 2.1, 2.9, 4.0, 5.1, 5.9]):
        ...     f.update(day, v)
        >>> low, high = f.rate_interval
        >>> bool(low < 1.0 < high)
        True
        """
        if self.n < 3:
            return (float("nan"), float("nan"))
        half = self._quantile() * math.sqrt(self.sigma2 * self.P[1, 1])
        return (self.rate_per_day - half, self.rate_per_day + half)

    def days_until(self, limit: float, upper: bool | None = None) -> tuple[float, float, float]:
        """Days after the last observed day until the trend reaches ``limit``: (estimate, low, high).

        The estimate is where the filtered line level + rate·h meets the limit.
        The interval is Fieller's: the h at which the limit leaves the line's
        confidence band, so it is asymmetric, and ``high`` is ``inf`` when the
        rate is not clearly heading toward the limit.  A limit the trend moves
        away from gives ``(inf, low, inf)``.  NaNs before three days of data.

        Parameters
        ----------
        limit
            The value that matters (e.g. TDS 500 ppm).
        upper
            ``True`` if ``limit`` is a ceiling, ``False`` if a floor: a level
            already past it then gives ``(0.0, 0.0, 0.0)`` (overdue) rather than
            ``inf``.  ``None``: judge only by where the trend heads.

        Examples
        --------
        >>> f = LocalLinearTrend()
        >>> for day in range(10):
        ...     f.update(day, 7.5 - 0.05 * day)  # pH falling 0.05 a day, noiseless
        >>> est, low, high = f.days_until(6.8)
        >>> round(est, 3), round(low, 3), round(high, 3)
        (5.0, 5.0, 5.0)
        >>> f.days_until(7.2, upper=False)  # already below the floor: overdue
        (0.0, 0.0, 0.0)
        """
        nan = float("nan")
        if self.n < 3 or not math.isfinite(limit):
            return (nan, nan, nan)
        a, b = float(self.state[0]), float(self.state[1])
        gap = float(limit) - a
        if gap == 0 or (upper is True and gap < 0) or (upper is False and gap > 0):
            return (0.0, 0.0, 0.0)
        towards = gap * b > 0
        est = gap / b if towards else math.inf
        z2 = self._quantile() ** 2 * max(self.sigma2, 0.0)
        Paa, Pab, Pbb = float(self.P[0, 0]), float(self.P[0, 1]), float(self.P[1, 1])
        # q(h) = (gap − b h)² − z²(Paa + 2h Pab + h² Pbb) ≤ 0  ⇔  the limit is inside the band at h
        qa = b * b - z2 * Pbb
        qb = -2.0 * (gap * b + z2 * Pab)
        qc = gap * gap - z2 * Paa
        disc = qb * qb - 4.0 * qa * qc
        if towards and qa > 0:
            disc = max(disc, 0.0)  # q(est) ≤ 0, so real roots exist; a negative disc is rounding
        roots: list[float] = []
        if qa != 0 and disc >= 0:
            r = math.sqrt(disc)
            roots = sorted(((-qb - r) / (2 * qa), (-qb + r) / (2 * qa)))
        elif qa == 0 and qb != 0:
            roots = [-qc / qb]
        if qa > 0:  # the rate is clearly nonzero: q ≤ 0 between the roots, if any
            if not roots or roots[1] < 0:
                return (est, math.inf, math.inf)
            return (est, max(roots[0], 0.0), roots[1])
        # the rate is not clearly nonzero: the band widens past the limit for good at the last root
        later = [x for x in roots if x > 0]
        low = 0.0 if qc <= 0 else (max(later) if later else math.inf)
        return (est, low, math.inf)
