"""Adaptive forgetting: the rate of an exponentially weighted model tuned online.

A fixed forgetting rate α is a guess about how fast healthy water changes.
Here α follows the data: after each reading, ln α takes an exponentiated-
gradient step on the one-step predictive log-likelihood

    ℓₜ(α) = ln N(xₜ; μₜ₋₁(α), Σₜ₋₁(α)),

i.e. α ← α · exp(η · gₜ/rmsₜ) with gₜ = α ∂ℓₜ/∂α and rmsₜ its running root mean
square, so α stays positive by construction and η is a step in ln α.
The derivative flows through the whole recursion: the sensitivities
∂μ/∂α and ∂Σ/∂α are carried forward alongside μ and Σ (forward-mode
differentiation, as in online "hypergradient" tuning), and
∂ℓ/∂α = −½ tr(Σ⁻¹∂Σ) + ∂μᵀΣ⁻¹e + ½ eᵀΣ⁻¹ ∂Σ Σ⁻¹e with e = x − μ, all
through Cholesky solves.  Stationary water drives α down (longer memory,
steadier estimates); water whose level or spread keeps shifting drives it up.

References
----------
Kivinen & Warmuth (1997) for exponentiated gradient; Haykin, *Adaptive Filter
Theory*, on variable forgetting factors.
"""

from __future__ import annotations

import math
from typing import Iterable

import numpy as np

from analytics.base import Reading
from analytics.divergence import cholesky, solve_lower
from benchmarks.lab.ewcov import EWMeanCov, reading_vector

_LOG_2PI = math.log(2 * math.pi)


class AdaptiveEWMeanCov(EWMeanCov):
    """:class:`~benchmarks.lab.ewcov.EWMeanCov` whose forgetting rate is tuned online.

    Parameters
    ----------
    alpha
        Starting forgetting rate.
    learning_rate
        η of the exponentiated-gradient step on ln α (per reading, in units of
        the gradient's running RMS, capped at 10: a step changes α by at most
        a factor e^(10η)).
    alpha_min, alpha_max
        Bounds of α (memory between 1/alpha_max and 1/alpha_min readings).
    grace_period
        Readings learned before scores leave 0.0 and before α is tuned.
    features
        As for :class:`~benchmarks.lab.ewcov.EWMeanCov`.

    Attributes
    ----------
    loglik_total : float
        Sum of the one-step predictive log-likelihoods since the warm-up.
    grad_total : float
        Sum of their derivatives with respect to α (for checking).

    Examples
    --------
    On steady water α drifts down from its start (a longer memory):

    >>> rng = np.random.default_rng(0)
    >>> det = AdaptiveEWMeanCov(alpha=0.05, learning_rate=0.05, grace_period=30)
    >>> for i in range(2000):
    ...     det.learn_one({"ph": 7.2 + rng.normal(0, 0.02), "temp_c": 25 + rng.normal(0, 0.1)}, 60.0 * i)
    >>> det.alpha < 0.05
    True
    """

    def __init__(self, alpha: float = 0.01, learning_rate: float = 0.01, alpha_min: float = 1e-4,
                 alpha_max: float = 0.5, grace_period: int = 60, features: Iterable[str] | None = None) -> None:
        super().__init__(alpha=alpha, grace_period=grace_period, features=features)
        if not 0 < alpha_min <= alpha <= alpha_max <= 1:
            raise ValueError(f"need 0 < alpha_min ≤ alpha ≤ alpha_max ≤ 1, got {alpha_min}, {alpha}, {alpha_max}")
        if learning_rate < 0:
            raise ValueError("learning_rate must be ≥ 0")
        self.learning_rate = float(learning_rate)
        self.alpha_min = float(alpha_min)
        self.alpha_max = float(alpha_max)
        self.loglik_total = 0.0
        self.grad_total = 0.0
        self.grad_sq = 0.0  # running mean of the squared gradient in ln α (scales the steps)
        self.dmean: np.ndarray | None = None
        self.dcov: np.ndarray | None = None

    def _init(self, x: Reading) -> None:
        super()._init(x)
        assert self.features is not None
        d = len(self.features)
        self.dmean = np.zeros(d)
        self.dcov = np.zeros((d, d))

    def _loglik_and_grad(self, e: np.ndarray) -> tuple[float, float] | None:
        """ℓ and ∂ℓ/∂α of the residual ``e`` = x − μ under the current Σ (None if Σ is singular)."""
        assert self.cov is not None and self.dcov is not None and self.dmean is not None
        d = len(e)
        try:
            L = cholesky(self.cov, "the estimated covariance")
        except ValueError:
            return None
        z = solve_lower(L, e)
        y = solve_lower(L.T[::-1, ::-1], z[::-1])[::-1]  # Lᵀy = z by reversing into a lower system
        W = solve_lower(L, self.dcov)
        trace = float(np.trace(solve_lower(L, W.T)))  # tr(L⁻¹ ∂Σ L⁻ᵀ) = tr(Σ⁻¹∂Σ)
        logdet = 2.0 * float(np.sum(np.log(np.diag(L))))
        ll = -0.5 * (logdet + float(z @ z) + d * _LOG_2PI)
        grad = -0.5 * trace + float(self.dmean @ y) + 0.5 * float(y @ self.dcov @ y)
        return ll, grad

    def learn_one(self, x: Reading, t: float) -> None:
        """Tune α on this reading's predictive log-likelihood, then update the model with it."""
        if self.mean is None:
            self._init(x)
        assert self.mean is not None and self.cov is not None and self.features is not None
        assert self.dmean is not None and self.dcov is not None
        v = reading_vector(x, self.features)
        if not np.all(np.isfinite(v)):
            self.skipped += 1
            return
        with np.errstate(over="ignore", invalid="ignore"):
            e = v - self.mean
            outer = np.outer(e, e)
        if not np.all(np.isfinite(outer)):
            self.overflowed += 1  # refuse a reading so extreme the update would overflow
            return
        alpha = self.alpha
        if self.n >= max(self.grace_period, len(e) + 1):
            with np.errstate(over="ignore", invalid="ignore", divide="ignore"):
                out = self._loglik_and_grad(e)
            if out is not None and math.isfinite(out[0]) and math.isfinite(out[1]):
                ll, grad = out
                self.loglik_total += ll
                self.grad_total += grad
                g = alpha * grad  # the gradient in ln α
                # scaled by its running RMS (not clipped: a regime change makes rare, huge negative
                # gradients, and clipping them biased α upward, 0.15 where 0.03 was best)
                self.grad_sq = g * g if self.grad_sq == 0.0 else 0.99 * self.grad_sq + 0.01 * g * g
                step = max(-10.0, min(10.0, g / math.sqrt(self.grad_sq))) if self.grad_sq > 0 else 0.0
                alpha = min(self.alpha_max, max(self.alpha_min, alpha * math.exp(self.learning_rate * step)))
        a = max(alpha, 1.0 / (self.n + 1))
        da = 1.0 if alpha >= 1.0 / (self.n + 1) else 0.0  # in warm-up the rate is 1/n, not α
        de = -self.dmean
        cross = np.outer(de, e)
        with np.errstate(over="ignore", invalid="ignore"):
            dcov = (-da * (self.cov + a * outer)
                    + (1.0 - a) * (self.dcov + da * outer + a * (cross + cross.T)))
            dmean = (1.0 - a) * self.dmean + da * e
            mean = self.mean + a * e
            cov = (1.0 - a) * (self.cov + a * outer)
        if not all(np.all(np.isfinite(z)) for z in (dcov, dmean, mean, cov)):
            self.overflowed += 1
            return
        self.alpha, self.dcov, self.dmean, self.mean, self.cov = alpha, dcov, dmean, mean, cov
        self.n += 1
