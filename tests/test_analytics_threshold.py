"""Thresholds keep their stated false-alarm rate on simulated healthy water.

Healthy water here is a stationary Gaussian AR(1) process per sensor with
correlated sensors; windows are scored exactly as the monitor scores them
(KL of the window's N(m, S) against the healthy N(0, Σ)).  Tolerances are
stated per test: the achieved per-window rate must lie within the factor given
of the setting.  Sampling error is small next to them (tens of thousands of
windows, ≥ 100 expected exceedances).
"""

from __future__ import annotations

import numpy as np
import pytest

from analytics import kl_divergence
from analytics.threshold import (
    chi2_threshold,
    effective_sample_size,
    kl_test_statistic,
    kl_threshold,
    per_test_probability,
    pot_threshold,
)

D, N = 4, 60  # four sensors, one-hour windows of 1-minute readings


def healthy_windows(rng: np.random.Generator, k: int, rho: float) -> tuple[np.ndarray, np.ndarray]:
    """k independent windows of N readings from a healthy tank, and its true covariance."""
    A = np.linalg.cholesky(0.6 * np.eye(D) + 0.4)  # correlated sensors
    e = rng.normal(size=(k, N, D))
    x = np.empty_like(e)
    x[:, 0] = e[:, 0]
    for t in range(1, N):
        x[:, t] = rho * x[:, t - 1] + np.sqrt(1 - rho**2) * e[:, t]
    return x @ A.T, A @ A.T


def window_kl(X: np.ndarray, cov: np.ndarray):
    m = X.mean(axis=1)
    R = X - m[:, None]
    S = np.einsum("kni,knj->kij", R, R) / X.shape[1]
    return kl_divergence(m, S, np.zeros(X.shape[2]), cov, return_parts=True)


@pytest.mark.parametrize("rho", [0.0, 0.3, 0.5])
@pytest.mark.parametrize("p", [0.05, 0.005])
def test_chi2_route_achieves_the_stated_rate_within_a_factor_of_2(rho, p):
    rng = np.random.default_rng(int(100 * rho) + int(1e4 * p))
    X, cov = healthy_windows(rng, int(max(15_000, 100 / p)), rho)
    parts = window_kl(X, cov)
    t = kl_test_statistic(parts.mean, parts.cov, D, N, rho)  # ρ known here; the baseline estimates it
    achieved = float(np.mean(t > chi2_threshold(D, p)))
    assert p / 2 <= achieved <= 2 * p, f"ρ={rho}: set {p}, achieved {achieved}"


def test_chi2_route_errs_on_the_quiet_side_under_strong_autocorrelation():
    rng = np.random.default_rng(8)
    X, cov = healthy_windows(rng, 20_000, 0.8)
    parts = window_kl(X, cov)
    achieved = float(np.mean(kl_test_statistic(parts.mean, parts.cov, D, N, 0.8) > chi2_threshold(D, 0.05)))
    assert achieved <= 1.5 * 0.05


def test_single_n_threshold_holds_its_rate_without_autocorrelation():
    # kl_threshold (one n for both parts; used where only the total is at hand) at ρ = 0
    rng = np.random.default_rng(9)
    X, cov = healthy_windows(rng, 30_000, 0.0)
    kl = window_kl(X, cov).total
    p = per_test_probability(false_alarms_per_30_days=300.0, window_minutes=N)  # 0.0139 per window
    thr = kl_threshold(D, effective_sample_size(N, 0.0), 300.0, N)
    achieved = float(np.mean(kl > thr))
    assert p / 1.5 <= achieved <= 1.5 * p


@pytest.mark.parametrize("p", [1e-2, 1e-3])
def test_pot_route_from_healthy_history_achieves_the_stated_rate_within_a_factor_of_2(p):
    # calibrate on 5,000 healthy windows, then count exceedances on 60,000 fresh ones;
    # at p = 1e-3 the threshold is extrapolated beyond most of the history's tail
    rng = np.random.default_rng(int(1 / p))
    hist, cov = healthy_windows(rng, 5_000, 0.5)
    thr = pot_threshold(window_kl(hist, cov).total, p)
    fresh, _ = healthy_windows(rng, 60_000, 0.5)
    achieved = float(np.mean(window_kl(fresh, cov).total > thr))
    assert p / 2 <= achieved <= 2 * p, f"set {p}, achieved {achieved}"


def test_pot_rejects_too_little_history():
    with pytest.raises(ValueError, match="at least 10 healthy scores"):
        pot_threshold(np.ones(5), 0.01)


def test_per_test_probability_counts_independent_windows_a_day():
    # one false alarm per 30 days with 1-hour windows: 24 windows a day, 720 in 30 days
    assert per_test_probability(1.0, 60) == pytest.approx(1 / 720)
