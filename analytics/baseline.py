"""The healthy-water baseline: a day/night mean and a shrunk residual covariance.

μ(t) is a few harmonics of the time of day per sensor, fitted by least squares
on a reference period; Σ is the covariance of the residuals, shrunk toward its
diagonal by the Ledoit–Wolf formula so that a short history is still well
conditioned.  Everything here is a pure function of arrays.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
from numpy.typing import NDArray

Array = NDArray[np.float64]
DAY_S = 86400.0


def harmonic_design(t_s: Array, harmonics: int) -> Array:
    """Design matrix [1, cos(2πk·τ), sin(2πk·τ)]_{k=1..K}, τ = time of day as a fraction.

    >>> harmonic_design(np.array([0.0, 21600.0]), 1).round(6)
    array([[1., 1., 0.],
           [1., 0., 1.]])
    """
    tau = (np.asarray(t_s, dtype=np.float64) % DAY_S) / DAY_S
    cols = [np.ones_like(tau)]
    for k in range(1, harmonics + 1):
        cols += [np.cos(2 * np.pi * k * tau), np.sin(2 * np.pi * k * tau)]
    return np.stack(cols, axis=-1)


def ledoit_wolf(residuals: Array) -> tuple[Array, float | Array]:
    """Ledoit–Wolf shrinkage of the covariance of ``residuals`` (..., n, d), batched.

    Shrinks the correlation matrix toward the identity (so the target is the
    diagonal of sample variances, fair to sensors in different units), with the
    optimal intensity of Ledoit & Wolf (2004).  Returns (covariance, intensity);
    leading dimensions are batch dimensions.

    >>> rng = np.random.default_rng(0)
    >>> cov, s = ledoit_wolf(rng.normal(size=(500, 3)))
    >>> bool(0 <= s <= 1), np.allclose(cov, cov.T)
    (True, True)
    """
    X = np.asarray(residuals, dtype=np.float64)
    n, d = X.shape[-2:]
    if n < 2:
        raise ValueError("need at least 2 residual rows to estimate a covariance")
    X = X - X.mean(axis=-2, keepdims=True)
    sd = np.sqrt(np.mean(X * X, axis=-2))
    sd = np.where(sd > 0, sd, 1.0)
    Z = X / sd[..., None, :]
    S = np.swapaxes(Z, -1, -2) @ Z / n
    eye = np.eye(d)
    delta = np.sum((S - eye) ** 2, axis=(-2, -1))
    # Σ_k ‖z_k z_kᵀ − S‖²_F = Σ_k ‖z_k‖⁴ − n‖S‖²_F  (no n×d×d array needed)
    beta = (np.sum(np.sum(Z * Z, axis=-1) ** 2, axis=-1) - n * np.sum(S * S, axis=(-2, -1))) / n**2
    beta = np.clip(beta, 0.0, delta)
    shrink = np.where(delta > 0, beta / np.where(delta > 0, delta, 1.0), 1.0)
    R = shrink[..., None, None] * eye + (1 - shrink[..., None, None]) * S
    cov = R * sd[..., :, None] * sd[..., None, :]
    return cov, (float(shrink) if np.ndim(shrink) == 0 else shrink)


@dataclass
class DayNightBaseline:
    """A fitted baseline: per-sensor harmonic coefficients and a residual covariance.

    Examples
    --------
    >>> t = np.arange(0, 3 * DAY_S, 60.0)
    >>> rng = np.random.default_rng(1)
    >>> X = np.stack([25 + 0.3 * np.sin(2 * np.pi * t / DAY_S), 7.2 + 0 * t], axis=1)
    >>> X = X + rng.normal(scale=[0.02, 0.01], size=X.shape)
    >>> b = DayNightBaseline.fit(t, X, harmonics=2)
    >>> np.round(b.mean_at(np.array([DAY_S / 4])), 1)
    array([[25.3,  7.2]])
    """

    harmonics: int
    coef: Array  # (1 + 2K [+ 1 trend], d)
    cov: Array  # (d, d)
    shrinkage: float
    n: int
    lag1: float  # mean lag-1 autocorrelation of the residuals (for effective sample size)
    trend_origin_s: float | None = None  # with a linear trend: its time origin (end of the reference)

    def design(self, t_s: Array) -> Array:
        """The regression design at times ``t_s``: harmonics of the day, plus the trend column if fitted."""
        A = harmonic_design(t_s, self.harmonics)
        if self.trend_origin_s is None:
            return A
        # slow drift (evaporation, waste) is the forecast's business; the drift score
        # measures departure from the extrapolated recent trend, in units of days
        return np.column_stack([A, (np.asarray(t_s, dtype=np.float64) - self.trend_origin_s) / DAY_S])

    @classmethod
    def fit(cls, t_s: Array, X: Array, harmonics: int = 2, trend: bool = False) -> "DayNightBaseline":
        """Least-squares harmonics (and an optional linear trend) per sensor; Ledoit–Wolf residual covariance.

        Rows with any non-finite value are left out.  Raises ``ValueError`` when
        fewer than max(10, 3 × parameters) complete rows remain.
        """
        t_s = np.asarray(t_s, dtype=np.float64)
        X = np.asarray(X, dtype=np.float64)
        ok = np.all(np.isfinite(X), axis=1)
        t_s, X = t_s[ok], X[ok]
        p = 1 + 2 * harmonics + int(trend)
        if len(X) < max(10, 3 * p):
            raise ValueError(f"need at least {max(10, 3 * p)} complete readings to fit a baseline, got {len(X)}")
        shell = cls(harmonics, np.zeros((p, X.shape[1])), np.eye(X.shape[1]), 0.0, 0, 0.0,
                    float(t_s.max()) if trend else None)
        A = shell.design(t_s)
        coef, *_ = np.linalg.lstsq(A, X, rcond=None)
        R = X - A @ coef
        cov, shrink = ledoit_wolf(R)
        # a floor per sensor: a perfectly constant channel must not give a singular Σ
        floor = np.maximum(1e-9, 1e-6 * np.abs(coef[0]) ** 2)
        cov = cov + np.diag(np.maximum(floor - np.diag(cov), 0.0))
        return cls(harmonics, np.asarray(coef, dtype=np.float64), cov, float(shrink), len(X),
                   lag1_autocorrelation(R), shell.trend_origin_s)

    def mean_at(self, t_s: Array) -> Array:
        """The healthy mean μ(t) at each time in ``t_s`` (epoch seconds): ``(n, d)``."""
        return self.design(t_s) @ self.coef

    def residuals(self, t_s: Array, X: Array) -> Array:
        """Readings minus the healthy mean at their times."""
        return np.asarray(X, dtype=np.float64) - self.mean_at(t_s)

    def hold_trend(self, col: int, at_s: float) -> None:
        """Stop sensor ``col``'s linear trend at ``at_s`` (epoch seconds): its value there becomes the level.

        A line fitted over the reference days is a forecast for the hours until the next fit, not for
        weeks: a baseline only re-levelled after each water change, never refit, would carry it on.

        >>> t = np.arange(0, 3 * DAY_S, 600.0)
        >>> b = DayNightBaseline.fit(t, np.column_stack([25.0 - 0.1 * t / DAY_S]), harmonics=1, trend=True)
        >>> b.hold_trend(0, 3 * DAY_S)
        >>> np.round(b.mean_at(np.array([3 * DAY_S, 20 * DAY_S]))[:, 0], 2)
        array([24.7, 24.7])
        """
        if self.trend_origin_s is None:
            return
        self.coef[0, col] += self.coef[-1, col] * (at_s - self.trend_origin_s) / DAY_S
        self.coef[-1, col] = 0.0

    @property
    def std(self) -> Array:
        """Per-sensor standard deviation of the residuals (square root of the covariance diagonal)."""
        return np.sqrt(np.diag(self.cov))


def lag1_autocorrelation(R: Array) -> float:
    """Mean over columns of the lag-1 autocorrelation of residual rows, clipped to [0, 0.99] (0 if undefined).

    >>> x = np.zeros((100, 1)); x[::2] = 1.0   # alternating: negative autocorrelation, clipped
    >>> lag1_autocorrelation(x)
    0.0
    >>> round(lag1_autocorrelation(np.arange(100.0)[:, None]), 2)  # a ramp: strongly persistent
    0.97
    """
    R = np.asarray(R, dtype=np.float64)
    if len(R) < 3:
        return 0.0
    Z = R - R.mean(axis=0)
    num = np.sum(Z[1:] * Z[:-1], axis=0)
    den = np.sum(Z * Z, axis=0)
    rho = np.where(den > 0, num / np.where(den > 0, den, 1.0), 0.0)
    return float(np.clip(np.mean(rho), 0.0, 0.99))
