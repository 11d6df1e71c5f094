"""Properties of the Gaussian divergences (hypothesis), each a test that fails when the property breaks."""

from __future__ import annotations

import numpy as np
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from scipy.stats import multivariate_normal

from analytics import bhattacharyya_distance, kl_divergence, wasserstein2_distance
from analytics.divergence import cholesky, mahalanobis_contributions, solve_lower

FAST = settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.too_slow])
DIVERGENCES = [kl_divergence, bhattacharyya_distance, wasserstein2_distance]


def random_spd(rng: np.random.Generator, d: int, cond: float = 100.0) -> np.ndarray:
    """A random covariance with a chosen condition number and overall scale."""
    Q, _ = np.linalg.qr(rng.normal(size=(d, d)))
    eig = np.geomspace(1.0, cond, d) if d > 1 else np.array([1.0])
    scale = 10.0 ** rng.uniform(-3, 3)
    return scale * (Q * eig) @ Q.T


@st.composite
def gaussian_pair(draw, max_d: int = 5):
    seed = draw(st.integers(0, 2**32 - 1))
    d = draw(st.integers(1, max_d))
    rng = np.random.default_rng(seed)
    c0 = random_spd(rng, d, 10.0 ** rng.uniform(0, 4))
    c1 = random_spd(rng, d, 10.0 ** rng.uniform(0, 4))
    scale = np.sqrt(np.trace(c1) / d)
    return rng.normal(size=d) * scale, c0, rng.normal(size=d) * scale, c1, rng


def as_float(x) -> float:
    return float(x)


# --- basic properties -------------------------------------------------------------------------


@FAST
@given(gaussian_pair())
def test_non_negative_and_parts_add_up(pair):
    m0, c0, m1, c1, _ = pair
    for f in DIVERGENCES:
        p = f(m0, c0, m1, c1, return_parts=True)
        assert p.total >= 0 and p.mean >= 0 and p.cov >= 0, f.__name__
        if f is wasserstein2_distance:
            assert p.total == pytest.approx(np.sqrt(p.mean + p.cov), rel=1e-12)
        else:
            assert p.total == pytest.approx(p.mean + p.cov, rel=1e-12)


@FAST
@given(gaussian_pair())
def test_zero_for_identical_inputs(pair):
    m0, c0, _, _, _ = pair
    assert kl_divergence(m0, c0, m0, c0) == pytest.approx(0.0, abs=1e-9)
    assert bhattacharyya_distance(m0, c0, m0, c0) == pytest.approx(0.0, abs=1e-9)
    # W2 has units: zero up to rounding relative to the spread (no √ε loss from cancellation)
    assert wasserstein2_distance(m0, c0, m0, c0) <= 1e-12 * np.sqrt(np.trace(c0))


@FAST
@given(gaussian_pair())
def test_bhattacharyya_and_w2_symmetric(pair):
    m0, c0, m1, c1, _ = pair
    for f in (bhattacharyya_distance, wasserstein2_distance):
        a, b = f(m0, c0, m1, c1), f(m1, c1, m0, c0)
        assert a == pytest.approx(b, rel=1e-7, abs=1e-9 * np.sqrt(np.trace(c0) + np.trace(c1))), f.__name__


def test_kl_not_symmetric():
    assert kl_divergence([0.0], [[1.0]], [0.0], [[4.0]]) != pytest.approx(kl_divergence([0.0], [[4.0]], [0.0], [[1.0]]))


@FAST
@given(st.floats(-50, 50), st.floats(-50, 50), st.floats(1e-3, 1e3), st.floats(1e-3, 1e3))
def test_agree_with_one_dimensional_closed_forms(mu0, mu1, var0, var1):
    s0, s1 = np.sqrt(var0), np.sqrt(var1)
    kl = np.log(s1 / s0) + (var0 + (mu0 - mu1) ** 2) / (2 * var1) - 0.5
    bh = (mu0 - mu1) ** 2 / (4 * (var0 + var1)) + 0.5 * np.log((var0 + var1) / (2 * s0 * s1))
    w2 = np.sqrt((mu0 - mu1) ** 2 + (s0 - s1) ** 2)
    args = ([mu0], [[var0]], [mu1], [[var1]])
    assert kl_divergence(*args) == pytest.approx(kl, rel=1e-9, abs=1e-12)
    assert bhattacharyya_distance(*args) == pytest.approx(bh, rel=1e-9, abs=1e-12)
    assert wasserstein2_distance(*args) == pytest.approx(w2, rel=1e-7, abs=1e-12)


# --- invariances ------------------------------------------------------------------------------


@FAST
@given(gaussian_pair())
def test_kl_and_bhattacharyya_invariant_under_invertible_affine_maps(pair):
    m0, c0, m1, c1, rng = pair
    d = len(m0)
    A = rng.normal(size=(d, d)) + 0.5 * np.eye(d)
    while np.linalg.cond(A) > 1e3:
        A = rng.normal(size=(d, d)) + 0.5 * np.eye(d)
    b = rng.normal(size=d) * 100
    mapped = (A @ m0 + b, A @ c0 @ A.T, A @ m1 + b, A @ c1 @ A.T)
    for f in (kl_divergence, bhattacharyya_distance):
        assert f(*mapped) == pytest.approx(f(m0, c0, m1, c1), rel=1e-6, abs=1e-8), f.__name__


@FAST
@given(gaussian_pair())
def test_w2_invariant_under_rotations_and_translations(pair):
    m0, c0, m1, c1, rng = pair
    d = len(m0)
    Q, _ = np.linalg.qr(rng.normal(size=(d, d)))
    b = rng.normal(size=d) * 100
    w = wasserstein2_distance(m0, c0, m1, c1)
    moved = wasserstein2_distance(Q @ m0 + b, Q @ c0 @ Q.T, Q @ m1 + b, Q @ c1 @ Q.T)
    assert moved == pytest.approx(w, rel=1e-6, abs=1e-7 * np.sqrt(np.trace(c0) + np.trace(c1)))


def test_w2_not_invariant_under_scaling_a_sensor():
    # the counterpart of the affine-invariance property: W2 has units, KL does not
    S = np.diag([1.0, 10.0])
    args = ([1.0, 0.0], np.eye(2), [0.0, 0.0], 2 * np.eye(2))
    scaled = (S @ args[0], S @ args[1] @ S, S @ args[2], S @ args[3] @ S)
    assert wasserstein2_distance(*scaled) != pytest.approx(wasserstein2_distance(*args))
    assert kl_divergence(*scaled) == pytest.approx(kl_divergence(*args))


@FAST
@given(st.integers(0, 2**32 - 1), st.integers(1, 4))
def test_w2_triangle_inequality(seed, d):
    rng = np.random.default_rng(seed)
    g = [(rng.normal(size=d) * 3, random_spd(rng, d, 10.0 ** rng.uniform(0, 3))) for _ in range(3)]
    ab = wasserstein2_distance(*g[0], *g[1])
    bc = wasserstein2_distance(*g[1], *g[2])
    ac = wasserstein2_distance(*g[0], *g[2])
    assert ac <= ab + bc + 1e-9 * (1 + ac)


# --- against independent computations ----------------------------------------------------------


@pytest.mark.parametrize("seed", [0, 1, 2])
def test_kl_agrees_with_monte_carlo(seed):
    rng = np.random.default_rng(seed)
    d = 4
    m0, m1 = rng.normal(size=d), rng.normal(size=d)
    c0, c1 = random_spd(rng, d, 20.0), random_spd(rng, d, 20.0)
    scale = np.trace(c1) / np.trace(c0)
    c0 = c0 * scale  # comparable spreads, so the estimate's variance is moderate
    x = rng.multivariate_normal(m0, c0, size=200_000)
    log_ratio = multivariate_normal(m0, c0).logpdf(x) - multivariate_normal(m1, c1).logpdf(x)
    estimate, stderr = log_ratio.mean(), log_ratio.std() / np.sqrt(len(x))
    assert abs(kl_divergence(m0, c0, m1, c1) - estimate) < 4 * stderr


@FAST
@given(st.integers(0, 2**32 - 1), st.integers(1, 6), st.integers(1, 7))
def test_batch_equals_loop(seed, d, n):
    rng = np.random.default_rng(seed)
    m0, m1 = rng.normal(size=(n, d)), rng.normal(size=(n, d))
    c0 = np.stack([random_spd(rng, d) for _ in range(n)])
    c1 = np.stack([random_spd(rng, d) for _ in range(n)])
    for f in DIVERGENCES:
        batched = f(m0, c0, m1, c1, return_parts=True)
        for i in range(n):
            one = f(m0[i], c0[i], m1[i], c1[i], return_parts=True)
            for part in ("total", "mean", "cov"):
                assert getattr(batched, part)[i] == pytest.approx(getattr(one, part), rel=1e-10, abs=1e-12)


def test_large_batches_are_scored_in_chunks_without_seams():
    # 1,200 problems at d = 6 span three internal chunks (512 each): check across the seams
    rng = np.random.default_rng(12)
    n, d = 1200, 6
    A = rng.normal(size=(n, d, d))
    c0 = A @ np.swapaxes(A, -1, -2) + d * np.eye(d)
    m0 = rng.normal(size=(n, d))
    base_m, base_c = np.zeros(d), random_spd(rng, d)
    for f in (kl_divergence, bhattacharyya_distance):
        batched = f(m0, c0, base_m, base_c)
        for i in (0, 511, 512, 1023, 1024, 1199):
            assert batched[i] == pytest.approx(f(m0[i], c0[i], base_m, base_c), rel=1e-10)
    c0[1100] = -np.eye(d)
    c0[1150] = -np.eye(d)
    with pytest.raises(ValueError, match=r"cov0 is not positive definite at batch index 1100 \(2 of 1200"):
        kl_divergence(m0, c0, base_m, base_c)


def test_batch_dimensions_broadcast_and_keep_their_shape():
    rng = np.random.default_rng(5)
    m0 = rng.normal(size=(2, 3, 4))
    c0 = np.stack([[random_spd(rng, 4) for _ in range(3)] for _ in range(2)])
    base_m, base_c = np.zeros(4), np.eye(4)  # one baseline shared by the whole batch
    for f in DIVERGENCES:
        out = f(m0, c0, base_m, base_c)
        assert out.shape == (2, 3)
        assert out[1, 2] == pytest.approx(f(m0[1, 2], c0[1, 2], base_m, base_c), rel=1e-10)


@pytest.mark.parametrize("cond", [1e2, 1e5, 1e8])
def test_stable_for_condition_numbers_up_to_1e8(cond):
    # same eigenvectors, so the exact answer is a sum of 1-D closed forms along them
    rng = np.random.default_rng(int(np.log10(cond)))
    d = 6
    Q, _ = np.linalg.qr(rng.normal(size=(d, d)))
    lam0 = np.geomspace(1.0, cond, d) * rng.uniform(0.5, 2.0, d)
    lam1 = np.geomspace(1.0, cond, d)
    shift = rng.normal(size=d) * np.sqrt(lam1)  # a shift of about one s.d. along each direction
    m0, m1 = Q @ shift, np.zeros(d)
    c0, c1 = (Q * lam0) @ Q.T, (Q * lam1) @ Q.T
    kl = 0.5 * np.sum(lam0 / lam1 + shift**2 / lam1 - 1 + np.log(lam1 / lam0))
    lam = 0.5 * (lam0 + lam1)
    bh = np.sum(shift**2 / (8 * lam) + 0.5 * np.log(lam / np.sqrt(lam0 * lam1)))
    w2 = np.sqrt(np.sum(shift**2) + np.sum((np.sqrt(lam0) - np.sqrt(lam1)) ** 2))
    assert kl_divergence(m0, c0, m1, c1) == pytest.approx(kl, rel=1e-6)
    assert bhattacharyya_distance(m0, c0, m1, c1) == pytest.approx(bh, rel=1e-6)
    assert wasserstein2_distance(m0, c0, m1, c1) == pytest.approx(w2, rel=1e-6)


def test_never_forms_an_explicit_inverse(monkeypatch):
    def forbidden(*a, **k):
        raise AssertionError("explicit inverse used")

    monkeypatch.setattr(np.linalg, "inv", forbidden)
    monkeypatch.setattr(np.linalg, "pinv", forbidden)
    rng = np.random.default_rng(0)
    c = random_spd(rng, 3)
    for f in DIVERGENCES:
        f(np.ones(3), c, np.zeros(3), c)
    mahalanobis_contributions(np.ones(3), c)


# --- bad input ----------------------------------------------------------------------------------


@pytest.mark.parametrize("f", [kl_divergence, bhattacharyya_distance])
@pytest.mark.parametrize("which", ["cov0", "cov1"])
def test_not_positive_definite_is_a_clear_error_naming_the_input(f, which):
    singular = np.array([[1.0, 1.0], [1.0, 1.0]])
    args = {"mean0": np.zeros(2), "cov0": np.eye(2), "mean1": np.zeros(2), "cov1": np.eye(2), which: singular}
    with pytest.raises(ValueError, match=f"{which} is not positive definite.*ridge"):
        f(**args)
    assert np.isfinite(f(**args, ridge=1e-6))  # the ridge, only when asked for


def test_not_positive_definite_in_a_batch_names_the_index():
    covs = np.stack([np.eye(2), np.eye(2), -np.eye(2)])
    with pytest.raises(ValueError, match="cov1 is not positive definite at batch index 2"):
        kl_divergence(np.zeros(2), np.eye(2), np.zeros(2), covs)


def test_w2_accepts_semi_definite_but_rejects_indefinite():
    stuck = np.diag([1.0, 0.0])  # a stuck sensor: zero variance
    assert np.isfinite(wasserstein2_distance(np.zeros(2), stuck, np.zeros(2), np.eye(2)))
    with pytest.raises(ValueError, match="cov0 is not positive semi-definite"):
        wasserstein2_distance(np.zeros(2), -np.eye(2), np.zeros(2), np.eye(2))


@pytest.mark.parametrize("f", DIVERGENCES)
@pytest.mark.parametrize("which", ["mean0", "cov0", "mean1", "cov1"])
def test_nan_in_is_a_clear_error(f, which):
    args = {"mean0": np.zeros(2), "cov0": np.eye(2), "mean1": np.zeros(2), "cov1": np.eye(2)}
    bad = args[which].copy()
    bad.flat[0] = np.nan
    args[which] = bad
    with pytest.raises(ValueError, match=f"{which} contains NaN"):
        f(**args)


def test_shape_mismatch_is_a_clear_error():
    with pytest.raises(ValueError, match="cov1 must have shape"):
        kl_divergence(np.zeros(2), np.eye(2), np.zeros(2), np.eye(3))


# --- helpers ----------------------------------------------------------------------------------------


@FAST
@given(st.integers(0, 2**32 - 1), st.integers(1, 6))
def test_cholesky_and_solve_lower_match_numpy(seed, d):
    rng = np.random.default_rng(seed)
    c = random_spd(rng, d, 1e4)
    L = cholesky(c)
    np.testing.assert_allclose(L, np.linalg.cholesky(c), rtol=1e-8, atol=1e-12 * np.abs(L).max())
    b = rng.normal(size=(d, 3))
    np.testing.assert_allclose(L @ solve_lower(L, b), b, rtol=1e-8, atol=1e-8 * np.abs(b).max())


@FAST
@given(st.integers(0, 2**32 - 1), st.integers(1, 6))
def test_contributions_sum_to_the_mahalanobis_distance_and_follow_column_order(seed, d):
    rng = np.random.default_rng(seed)
    c = random_spd(rng, d)
    delta = rng.normal(size=d) * np.sqrt(np.diag(c))
    contrib = mahalanobis_contributions(delta, c)
    assert contrib.sum() == pytest.approx(2 * kl_divergence(delta, c, np.zeros(d), c), rel=1e-8)
    perm = rng.permutation(d)
    np.testing.assert_allclose(mahalanobis_contributions(delta[perm], c[np.ix_(perm, perm)]), contrib[perm],
                               rtol=1e-8, atol=1e-10 * np.abs(contrib).max())
