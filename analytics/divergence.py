"""Divergences between multivariate normal distributions.

Each function is called as ``f(mean0, cov0, mean1, cov1)`` and accepts leading
batch dimensions (``mean``: ``(..., d)``, ``cov``: ``(..., d, d)``).  All work
goes through Cholesky factors and triangular solves; log-determinants come
from the factors' diagonals; no explicit inverse is ever formed.

With ``return_parts=True`` each returns a :class:`Parts` of the total, the part
due to the means and the part due to the covariances, for attribution: a mean
shift is the water changing, a covariance change is a probe misbehaving.

References
----------
Kullback & Leibler (1951); Bhattacharyya (1943); Dowson & Landau (1982),
Olkin & Pukelsheim (1982) for the 2-Wasserstein distance between Gaussians.
"""

from __future__ import annotations

from typing import NamedTuple

import numpy as np
from numpy.typing import ArrayLike, NDArray

Array = NDArray[np.float64]


class Parts(NamedTuple):
    """A divergence split into the part due to the means and the part due to the covariances.

    For KL and Bhattacharyya ``total == mean + cov``.  For the 2-Wasserstein
    distance the parts are the *squared* contributions and
    ``total == sqrt(mean + cov)``.
    """

    total: float | Array
    mean: float | Array
    cov: float | Array


def _as_inputs(mean0: ArrayLike, cov0: ArrayLike, mean1: ArrayLike, cov1: ArrayLike
               ) -> tuple[Array, Array, Array, Array]:
    arrays = []
    for name, a, extra in (("mean0", mean0, 1), ("cov0", cov0, 2), ("mean1", mean1, 1), ("cov1", cov1, 2)):
        x = np.asarray(a, dtype=np.float64)
        if x.ndim < extra:
            raise ValueError(f"{name} must have at least {extra} dimension(s), got shape {x.shape}")
        if not np.all(np.isfinite(x)):
            raise ValueError(f"{name} contains NaN or infinite values")
        arrays.append(x)
    m0, c0, m1, c1 = arrays
    d = m0.shape[-1]
    for name, c in (("cov0", c0), ("cov1", c1)):
        if c.shape[-2:] != (d, d):
            raise ValueError(f"{name} must have shape (..., {d}, {d}) to match the means, got {c.shape}")
    if m1.shape[-1] != d:
        raise ValueError(f"mean1 has dimension {m1.shape[-1]}, mean0 has {d}")
    batch = np.broadcast_shapes(m0.shape[:-1], c0.shape[:-2], m1.shape[:-1], c1.shape[:-2])
    return (np.broadcast_to(m0, batch + (d,)), np.broadcast_to(c0, batch + (d, d)),
            np.broadcast_to(m1, batch + (d,)), np.broadcast_to(c1, batch + (d, d)))


def cholesky(cov: Array, name: str = "cov", ridge: float = 0.0) -> Array:
    """Lower Cholesky factor of a (stack of) covariance matrices, with a clear error.

    >>> cholesky(np.array([[4.0, 2.0], [2.0, 3.0]]))
    array([[2.        , 0.        ],
           [1.        , 1.41421356]])
    >>> cholesky(np.array([[1.0, 2.0], [2.0, 1.0]]), name="cov1")
    Traceback (most recent call last):
    ...
    ValueError: cov1 is not positive definite; pass ridge=<small positive number> to regularise it
    """
    c = 0.5 * (cov + np.swapaxes(cov, -1, -2))  # symmetrise: inputs may carry rounding asymmetry
    if ridge:
        if ridge < 0:
            raise ValueError("ridge must be non-negative")
        c = c + ridge * np.eye(c.shape[-1])
    try:
        return np.linalg.cholesky(c)
    except np.linalg.LinAlgError:
        where = ""
        if c.ndim > 2:
            bad = [i for i, ci in np.ndenumerate(np.zeros(c.shape[:-2]))
                   if np.linalg.eigvalsh(c[i]).min() <= 0]
            if bad:
                where = f" at batch index {bad[0] if len(bad[0]) > 1 else bad[0][0]}"
        raise ValueError(f"{name} is not positive definite{where}; "
                         "pass ridge=<small positive number> to regularise it") from None


def solve_lower(L: Array, B: Array) -> Array:
    """Solve ``L X = B`` for lower-triangular ``L`` by forward substitution, batched.

    ``B`` is ``(..., d)`` or ``(..., d, k)``.  Vectorised over the batch, so a
    thousand 6x6 systems cost six numpy steps.

    >>> L = np.array([[2.0, 0.0], [1.0, 1.0]])
    >>> solve_lower(L, np.array([2.0, 3.0]))
    array([1., 2.])
    """
    vector = B.ndim == L.ndim - 1
    X = np.array(B[..., None] if vector else B, dtype=np.float64, copy=True)
    d = L.shape[-1]
    for i in range(d):
        if i:
            X[..., i, :] -= np.einsum("...j,...jk->...k", L[..., i, :i], X[..., :i, :])
        X[..., i, :] /= L[..., i, i][..., None]
    return X[..., 0] if vector else X


def logdet_from_cholesky(L: Array) -> Array:
    return 2.0 * np.sum(np.log(np.diagonal(L, axis1=-2, axis2=-1)), axis=-1)


def _out(total: Array, mean: Array, cov: Array, return_parts: bool) -> float | Array | Parts:
    def scalar(x: Array) -> float | Array:
        return float(x) if np.ndim(x) == 0 else x

    if return_parts:
        return Parts(scalar(total), scalar(mean), scalar(cov))
    return scalar(total)


def kl_divergence(mean0: ArrayLike, cov0: ArrayLike, mean1: ArrayLike, cov1: ArrayLike, *,
                  ridge: float = 0.0, return_parts: bool = False) -> float | Array | Parts:
    """KL(N(mean0, cov0) ‖ N(mean1, cov1)) in nats.

    Parameters
    ----------
    mean0, cov0
        The distribution being judged (e.g. the recent window), ``(..., d)`` and ``(..., d, d)``.
    mean1, cov1
        The reference (e.g. the healthy baseline).
    ridge
        Added to both covariance diagonals, only when asked for.
    return_parts
        Return :class:`Parts` (total, mean term ½δᵀΣ₁⁻¹δ, covariance term).

    Examples
    --------
    >>> round(kl_divergence([1.0], [[1.0]], [0.0], [[1.0]]), 6)
    0.5
    >>> p = kl_divergence([0.0, 0.0], np.eye(2), [0.0, 0.0], 2 * np.eye(2), return_parts=True)
    >>> round(p.total, 6), round(p.mean, 6), round(p.cov, 6)
    (0.193147, 0.0, 0.193147)
    """
    m0, c0, m1, c1 = _as_inputs(mean0, cov0, mean1, cov1)
    d = m0.shape[-1]
    L0 = cholesky(c0, "cov0", ridge)
    L1 = cholesky(c1, "cov1", ridge)
    A = solve_lower(L1, L0)  # L1⁻¹ L0, so tr(Σ1⁻¹Σ0) = ‖A‖_F²
    z = solve_lower(L1, m1 - m0)
    trace = np.sum(A * A, axis=(-2, -1))
    mean_term = 0.5 * np.sum(z * z, axis=-1)
    cov_term = 0.5 * (trace - d + logdet_from_cholesky(L1) - logdet_from_cholesky(L0))
    cov_term = np.maximum(cov_term, 0.0)  # ≥ 0 in exact arithmetic; clip rounding
    return _out(mean_term + cov_term, mean_term, cov_term, return_parts)


def bhattacharyya_distance(mean0: ArrayLike, cov0: ArrayLike, mean1: ArrayLike, cov1: ArrayLike, *,
                           ridge: float = 0.0, return_parts: bool = False) -> float | Array | Parts:
    """Bhattacharyya distance between two normals (symmetric), with the averaged covariance.

    D_B = ⅛ δᵀΣ⁻¹δ + ½ ln(det Σ / √(det Σ₀ det Σ₁)),  Σ = (Σ₀ + Σ₁)/2.

    Examples
    --------
    >>> round(bhattacharyya_distance([1.0], [[1.0]], [0.0], [[1.0]]), 6)
    0.125
    """
    m0, c0, m1, c1 = _as_inputs(mean0, cov0, mean1, cov1)
    L0 = cholesky(c0, "cov0", ridge)
    L1 = cholesky(c1, "cov1", ridge)
    Lm = cholesky(0.5 * (c0 + c1), "the averaged covariance", ridge)
    z = solve_lower(Lm, m1 - m0)
    mean_term = 0.125 * np.sum(z * z, axis=-1)
    cov_term = 0.5 * (logdet_from_cholesky(Lm) - 0.5 * (logdet_from_cholesky(L0) + logdet_from_cholesky(L1)))
    cov_term = np.maximum(cov_term, 0.0)
    return _out(mean_term + cov_term, mean_term, cov_term, return_parts)


def sqrtm_psd(cov: Array) -> Array:
    """Symmetric square root of a (stack of) positive semi-definite matrices via eigh."""
    w, V = np.linalg.eigh(0.5 * (cov + np.swapaxes(cov, -1, -2)))
    return (V * np.sqrt(np.clip(w, 0.0, None))[..., None, :]) @ np.swapaxes(V, -1, -2)


def wasserstein2_distance(mean0: ArrayLike, cov0: ArrayLike, mean1: ArrayLike, cov1: ArrayLike, *,
                          return_parts: bool = False) -> float | Array | Parts:
    """The 2-Wasserstein distance (not squared) between two normals.

    W₂² = ‖μ₀ − μ₁‖² + tr(Σ₀ + Σ₁ − 2 (Σ₁^½ Σ₀ Σ₁^½)^½), the second term being
    the squared Bures distance, computed with symmetric square roots.  It stays
    finite when a covariance collapses (a stuck sensor), where KL does not.
    Positive semi-definite covariances are accepted.

    Examples
    --------
    >>> round(wasserstein2_distance([3.0], [[1.0]], [0.0], [[4.0]]), 6)  # √(3² + (1−2)²)
    3.162278
    """
    m0, c0, m1, c1 = _as_inputs(mean0, cov0, mean1, cov1)
    for name, c in (("cov0", c0), ("cov1", c1)):
        w = np.linalg.eigvalsh(0.5 * (c + np.swapaxes(c, -1, -2)))
        scale = np.maximum(np.abs(w).max(axis=-1), 1e-300)
        if np.any(w.min(axis=-1) < -1e-8 * scale):
            raise ValueError(f"{name} is not positive semi-definite")
    r1 = sqrtm_psd(c1)
    cross = sqrtm_psd(r1 @ c0 @ r1)
    diff = m0 - m1
    mean_term = np.sum(diff * diff, axis=-1)
    cov_term = np.trace(c0, axis1=-2, axis2=-1) + np.trace(c1, axis1=-2, axis2=-1) \
        - 2.0 * np.trace(cross, axis1=-2, axis2=-1)
    cov_term = np.maximum(cov_term, 0.0)
    return _out(np.sqrt(mean_term + cov_term), mean_term, cov_term, return_parts)
