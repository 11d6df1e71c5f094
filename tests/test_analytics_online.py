"""Online estimators: exponentially weighted mean/covariance, adaptive forgetting, whitening, window score."""

from __future__ import annotations

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from analytics import kl_divergence, ledoit_wolf
from analytics.baseline import DayNightBaseline
from benchmarks.lab.adaptive import AdaptiveEWMeanCov
from benchmarks.lab.ewcov import EWMeanCov
from benchmarks.lab.whiten import Whitener, whiten
from benchmarks.lab.window import window_score

NAMES = ("a", "b", "c")


def as_reading(v) -> dict[str, float]:
    return dict(zip(NAMES, map(float, v)))


def correlated(rng: np.random.Generator, n: int, scale=(1.0, 2.0, 0.5)) -> np.ndarray:
    A = np.array([[1.0, 0, 0], [0.6, 0.8, 0], [0.3, -0.2, 0.9]]) * np.array(scale)[:, None]
    return rng.normal(size=(n, 3)) @ A.T + [25.0, 7.2, 300.0]


# --- EWMeanCov ------------------------------------------------------------------------------------


def test_warm_up_gives_the_plain_mean_and_covariance():
    rng = np.random.default_rng(0)
    X = correlated(rng, 50)
    det = EWMeanCov(alpha=1e-6, grace_period=0)  # 1/n > α for all 50 readings
    for i, x in enumerate(X):
        det.learn_one(as_reading(x), 60.0 * i)
    np.testing.assert_allclose(det.mean, X.mean(axis=0), rtol=1e-12)
    np.testing.assert_allclose(det.cov, np.cov(X.T, ddof=0), rtol=1e-9)


def test_forgets_at_the_stated_rate():
    det = EWMeanCov(alpha=0.01, grace_period=0, features=["a"])
    for _ in range(1000):
        det.learn_one({"a": 0.0}, 0.0)
    for _ in range(69):  # (1 − 0.01)^69 ≈ ½: the half-life of α = 0.01
        det.learn_one({"a": 1.0}, 0.0)
    assert det.mean[0] == pytest.approx(1 - 0.99**69, rel=1e-12)
    assert det.mean[0] == pytest.approx(0.5, abs=0.01)


def test_healthy_scores_average_the_degrees_of_freedom():
    rng = np.random.default_rng(1)
    det = EWMeanCov(alpha=1e-3, grace_period=100)
    for i, x in enumerate(correlated(rng, 3000)):
        det.learn_one(as_reading(x), i)
    scores = [det.score_one(as_reading(x), 0.0) for x in correlated(rng, 3000)]
    assert np.mean(scores) == pytest.approx(3.0, rel=0.1)  # χ²₃ has mean 3


def test_incomplete_readings_are_counted_not_learned():
    det = EWMeanCov(grace_period=0, features=NAMES)
    det.learn_one({"a": 1.0, "b": 2.0}, 0.0)
    det.learn_one({"a": 1.0, "b": float("inf"), "c": 3.0}, 0.0)
    assert det.n == 0 and det.skipped == 2


def test_score_on_a_subset_of_sensors_is_the_marginal():
    rng = np.random.default_rng(2)
    det = EWMeanCov(alpha=1e-6, grace_period=0)
    for i, x in enumerate(correlated(rng, 500)):
        det.learn_one(as_reading(x), i)
    x = {"a": 27.0, "c": 301.0}
    idx = [0, 2]
    sub = det.cov[np.ix_(idx, idx)]
    r = np.array([27.0, 301.0]) - det.mean[idx]
    assert det.score_one(x, 0.0) == pytest.approx(float(r @ np.linalg.solve(sub, r)), rel=1e-6)


# --- adaptive forgetting --------------------------------------------------------------------------------


def regime_stream(rng: np.random.Generator, n: int, every: int) -> np.ndarray:
    """Water whose level and spread jump every ``every`` readings."""
    X = correlated(rng, n)
    for k in range(0, n, every):
        X[k:k + every] = (X[k:k + every] - X[k:k + every].mean(0)) * rng.uniform(0.3, 3) + rng.normal(0, 5, 3)
    return X


def run_adaptive(X: np.ndarray, alpha: float, learning_rate: float) -> AdaptiveEWMeanCov:
    det = AdaptiveEWMeanCov(alpha=alpha, learning_rate=learning_rate, grace_period=20, alpha_min=1e-4,
                            alpha_max=0.9)
    for i, x in enumerate(X):
        det.learn_one(as_reading(x), i)
    return det


@pytest.mark.parametrize("alpha", [0.013, 0.043, 0.21])  # away from the warm-up kinks at 1/n
def test_adaptive_gradient_matches_finite_differences(alpha):
    X = regime_stream(np.random.default_rng(3), 300, 100)
    exact = run_adaptive(X, alpha, 0.0).grad_total  # learning_rate 0: α fixed, derivative still computed
    h = 1e-6 * alpha
    numeric = (run_adaptive(X, alpha + h, 0.0).loglik_total - run_adaptive(X, alpha - h, 0.0).loglik_total) / (2 * h)
    assert exact == pytest.approx(numeric, rel=1e-5)


def test_adaptive_rate_falls_on_steady_water_and_rises_on_shifting_water():
    rng = np.random.default_rng(4)
    steady = run_adaptive(correlated(rng, 2000), 0.05, 0.02)
    shifting = run_adaptive(regime_stream(rng, 2000, 60), 0.05, 0.02)
    assert steady.alpha < 0.05 < shifting.alpha


def test_adaptive_rate_predicts_shifting_water_better_than_a_fixed_slow_rate():
    X = regime_stream(np.random.default_rng(5), 2000, 60)
    fixed = run_adaptive(X, 0.002, 0.0).loglik_total
    adaptive = run_adaptive(X, 0.002, 0.01).loglik_total
    assert adaptive > fixed


def test_adaptive_rate_stays_positive_and_bounded():
    X = regime_stream(np.random.default_rng(6), 600, 10)
    det = run_adaptive(X, 0.5, 1.0)  # a violent learning rate
    assert 1e-4 <= det.alpha <= 0.9


# --- whitening --------------------------------------------------------------------------------------


def test_whitened_healthy_readings_are_standard_normal():
    rng = np.random.default_rng(7)
    cov = np.array([[1.0, 0.6, 0.3], [0.6, 2.0, -0.2], [0.3, -0.2, 0.5]])
    X = rng.multivariate_normal([25.0, 7.2, 300.0], cov, size=40_000)
    Z = whiten(X, [25.0, 7.2, 300.0], cov)
    np.testing.assert_allclose(np.cov(Z.T), np.eye(3), atol=0.03)
    np.testing.assert_allclose(Z.mean(axis=0), 0.0, atol=0.03)


@settings(max_examples=40, deadline=None)
@given(st.integers(0, 2**32 - 1), st.integers(1, 6))
def test_whitened_score_is_the_mahalanobis_distance_whatever_the_sensor_order(seed, d):
    rng = np.random.default_rng(seed)
    A = rng.normal(size=(d, d))
    cov = A @ A.T + 0.1 * np.eye(d)
    mean, X = rng.normal(size=d), rng.normal(size=(5, d)) * 3
    w = Whitener(mean, cov)
    R = X - mean
    expected = np.einsum("ni,ni->n", R, np.linalg.solve(cov, R.T).T)
    np.testing.assert_allclose(w.score(X), expected, rtol=1e-8)
    p = rng.permutation(d)
    np.testing.assert_allclose(Whitener(mean[p], cov[np.ix_(p, p)]).score(X[:, p]), expected, rtol=1e-8)


def test_whitener_rejects_nan_and_wrong_width():
    w = Whitener([0.0, 0.0], np.eye(2))
    with pytest.raises(ValueError, match="X contains NaN"):
        w.transform([[np.nan, 0.0]])
    with pytest.raises(ValueError, match="2 sensors"):
        w.transform([[0.0, 0.0, 0.0]])


# --- window score ------------------------------------------------------------------------------------


def test_window_score_is_the_kl_of_the_window_gaussian():
    rng = np.random.default_rng(8)
    sd = np.array([0.1, 0.02, 2.0])
    cov = np.array([[1.0, 0.5, 0.2], [0.5, 1.0, -0.3], [0.2, -0.3, 1.0]]) * np.outer(sd, sd)  # correlated
    R = rng.multivariate_normal([0.05, 0.0, 1.0], cov, size=60)
    s = window_score(R, cov, shrink=False, floor=0.0)
    m = R.mean(0)
    S = np.cov(R.T, ddof=0)
    assert s.kl.total == pytest.approx(kl_divergence(m, S, np.zeros(3), cov), rel=1e-10)
    assert s.mean_contributions.sum() == pytest.approx(s.kl.mean, rel=1e-10)
    s_lw = window_score(R, cov, floor=0.0)
    np.testing.assert_allclose(s_lw.cov, ledoit_wolf(R)[0], rtol=1e-12)


def test_window_attribution_names_the_sensor_that_moved_or_stuck():
    rng = np.random.default_rng(9)
    sd = np.array([0.1, 0.02, 2.0])
    cov = np.diag(sd**2)
    shifted = rng.normal(size=(60, 3)) * sd + [0.0, -0.1, 0.0]  # pH 5 s.d. low
    s = window_score(shifted, cov)
    assert s.kl.mean > s.kl.cov and int(np.argmax(s.mean_contributions)) == 1
    stuck = rng.normal(size=(60, 3)) * sd
    stuck[:, 2] = 0.0  # the TDS probe stuck: no variance at all
    s = window_score(stuck, cov)
    assert s.kl.cov > s.kl.mean and int(np.argmax(s.cov_contributions)) == 2
    assert np.isfinite(s.w2.total)


def test_window_batch_equals_loop_and_single_window_drops_incomplete_rows():
    rng = np.random.default_rng(10)
    cov = np.eye(3)
    R = rng.normal(size=(4, 30, 3))
    batch = window_score(R, cov)
    for i in range(4):
        one = window_score(R[i], cov)
        assert batch.kl.total[i] == pytest.approx(one.kl.total, rel=1e-10)
        assert batch.w2.total[i] == pytest.approx(one.w2.total, rel=1e-10)
        np.testing.assert_allclose(batch.mean_contributions[i], one.mean_contributions, rtol=1e-10)
    holey = R[0].copy()
    holey[3, 1] = np.nan
    assert window_score(holey, cov).n == 29
    with pytest.raises(ValueError, match="residuals contains NaN"):
        window_score(np.where(np.isnan(holey), np.nan, R), cov)


# --- the day/night baseline ------------------------------------------------------------------------------------


def test_baseline_recovers_the_daily_cycle_and_ledoit_wolf_batches():
    rng = np.random.default_rng(11)
    t = np.arange(0, 4 * 86400, 60.0)
    cycle = np.stack([25 + 0.4 * np.sin(2 * np.pi * t / 86400), 7.2 - 0.1 * np.cos(2 * np.pi * t / 86400)], 1)
    X = cycle + rng.normal(size=cycle.shape) * [0.05, 0.01]
    b = DayNightBaseline.fit(t, X, harmonics=2)
    np.testing.assert_allclose(b.mean_at(t), cycle, atol=0.01)
    np.testing.assert_allclose(b.std, [0.05, 0.01], rtol=0.05)
    R = rng.normal(size=(3, 40, 4))
    covs, shrink = ledoit_wolf(R)
    for i in range(3):
        c, s = ledoit_wolf(R[i])
        np.testing.assert_allclose(covs[i], c, rtol=1e-12)
        assert shrink[i] == pytest.approx(s) and 0 <= s <= 1
