"""Divergences between multivariate normal distributions.

Each function is called as ``f(mean0, cov0, mean1, cov1)`` and accepts leading
batch dimensions (``mean``: ``(..., d)``, ``cov``: ``(..., d, d)``) that
broadcast against each other.  All work goes through Cholesky factors and
triangular solves; log-determinants come from the factors' diagonals; no
explicit inverse is ever formed.

With ``return_parts=True`` each returns a :class:`Parts` of the total, the part
due to the means and the part due to the covariances, for attribution: a mean
shift is the water changing, a covariance change is a probe misbehaving.

Speed: the kernels here work in a *batch-last* layout, ``(d, d, N)``, so that
one numpy operation handles the same matrix entry of all N problems at once
(contiguous in memory) and a whole batch costs O(d) numpy calls.  For the sizes
that matter (d ≤ 10 sensors, thousands of tanks) this beats calling LAPACK once
per matrix, which is what numpy's stacked ``cholesky`` does; see
``benchmarks/bench_divergence.py`` and docs/decisions.md.

References
----------
Kullback & Leibler (1951); Bhattacharyya (1943); Dowson & Landau (1982),
Olkin & Pukelsheim (1982) for the 2-Wasserstein distance between Gaussians.
"""

from __future__ import annotations

from typing import Callable, NamedTuple

import numpy as np
from numpy.typing import ArrayLike, NDArray

Array = NDArray[np.float64]

# a pivot below this fraction of its diagonal entry means "numerically singular":
# far below 1/cond for any covariance we support (cond ≤ 1e8 is tested), far above rounding
_PIVOT_RTOL = 1e-13


class Parts(NamedTuple):
    """A divergence split into the part due to the means and the part due to the covariances.

    For KL and Bhattacharyya ``total == mean + cov``.  For the 2-Wasserstein
    distance the parts are the *squared* contributions and
    ``total == sqrt(mean + cov)``.

    Examples
    --------
    >>> p = kl_divergence([1.0], [[2.0]], [0.0], [[1.0]], return_parts=True)
    >>> round(p.total, 6) == round(p.mean + p.cov, 6)
    True
    """

    total: float | Array
    mean: float | Array
    cov: float | Array


# --------------------------------------------------------------------------- input checks


def _check_finite(name: str, x: Array) -> None:
    if not np.all(np.isfinite(x)):
        bad = np.argwhere(~np.isfinite(x))[0]
        raise ValueError(f"{name} contains NaN or infinite values (first at index {tuple(int(i) for i in bad)}); "
                         "drop or fill missing readings before computing a divergence")


def _as_inputs(mean0: ArrayLike, cov0: ArrayLike, mean1: ArrayLike, cov1: ArrayLike
               ) -> tuple[Array, Array, Array, Array, tuple[int, ...]]:
    """Check, then return the four inputs broadcast to one batch shape, and that shape."""
    arrays = []
    for name, a, extra in (("mean0", mean0, 1), ("cov0", cov0, 2), ("mean1", mean1, 1), ("cov1", cov1, 2)):
        x = np.asarray(a, dtype=np.float64)
        if x.ndim < extra:
            raise ValueError(f"{name} must have at least {extra} dimension(s), got shape {x.shape}")
        _check_finite(name, x)
        arrays.append(x)
    m0, c0, m1, c1 = arrays
    d = m0.shape[-1]
    if d == 0:
        raise ValueError("the distributions have dimension 0; give at least one sensor")
    for name, c in (("cov0", c0), ("cov1", c1)):
        if c.shape[-2:] != (d, d):
            raise ValueError(f"{name} must have shape (..., {d}, {d}) to match the means, got {c.shape}")
    if m1.shape[-1] != d:
        raise ValueError(f"mean1 has dimension {m1.shape[-1]}, mean0 has {d}")
    try:
        batch = np.broadcast_shapes(m0.shape[:-1], c0.shape[:-2], m1.shape[:-1], c1.shape[:-2])
    except ValueError:
        raise ValueError(f"batch shapes do not broadcast: mean0 {m0.shape}, cov0 {c0.shape}, "
                         f"mean1 {m1.shape}, cov1 {c1.shape}") from None
    return m0, c0, m1, c1, batch


# --------------------------------------------------------------------------- batch-last kernels


def _vec_last(m: Array, batch: tuple[int, ...]) -> Array:
    """(..., d) → (d, N) contiguous, broadcast to ``batch``."""
    d = m.shape[-1]
    return np.ascontiguousarray(np.broadcast_to(m, batch + (d,)).reshape(-1, d).T)


def _mat_last(c: Array, batch: tuple[int, ...]) -> Array:
    """(..., d, d) → (d, d, N) contiguous, broadcast to ``batch`` (the kernels symmetrise as they read)."""
    d = c.shape[-1]
    flat = np.broadcast_to(c, batch + (d, d)).reshape(-1, d, d)
    out = np.empty((d, d, flat.shape[0]))
    _sym_last_into(flat, out)
    return out


def _sym_last_into(flat: Array, out: Array) -> None:
    """Copy the (n, d, d) stack into ``out`` (d, d, n).

    The kernels symmetrise column by column as they read (cheaper than a full
    pass here); a (n, d²) → (d², n) copy is far quicker than gathering through
    a strided 3-D view.
    """
    n, d = flat.shape[0], flat.shape[-1]
    out[...] = flat.reshape(n, d * d).T.reshape(d, d, n)


def _chol_last_raw(C: Array, ridge: float) -> tuple[Array, NDArray[np.bool_]]:
    """Lower Cholesky factors of each C[:, :, n] (Cholesky–Crout, column by column), batch-last.

    Returns the factors and a mask of the matrices that are not (numerically)
    positive definite; their factors are garbage but finite.
    """
    if ridge:
        if not ridge > 0:
            raise ValueError(f"ridge must be a positive number, got {ridge}")
        C = C + ridge * np.eye(C.shape[0])[:, :, None]
    d = C.shape[0]
    L = np.zeros_like(C)
    # no per-column checks (they would double the numpy calls): a bad pivot turns into
    # NaN/0 on the diagonal, silenced here and caught once at the end
    with np.errstate(invalid="ignore", divide="ignore"):
        for j in range(d):
            col = 0.5 * (C[j:, j] + C[j, j:])  # symmetrise as we go: inputs may carry rounding asymmetry
            v = col - np.einsum("ikn,kn->in", L[j:, :j], L[j, :j]) if j else col
            s = np.sqrt(v[0])
            L[j, j] = s
            L[j + 1:, j] = v[1:] / s
    idx = np.arange(d)
    # pivot = L[j, j]²; NaN-safe: NaN > x is False
    bad = ~np.all(L[idx, idx] ** 2 > _PIVOT_RTOL * np.abs(C[idx, idx]), axis=0)
    return L, bad


def _raise_not_pd(name: str, bad: NDArray[np.bool_], batch: tuple[int, ...]) -> None:
    if not bad.any():
        return
    first = int(np.flatnonzero(bad)[0])
    where = f" at batch index {np.unravel_index(first, batch) if len(batch) > 1 else first}" if batch else ""
    raise ValueError(f"{name} is not positive definite{where} ({int(bad.sum())} of {bad.size} matrices); "
                     "a sensor may be constant or two sensors identical. "
                     "Pass ridge=<small positive number> to regularise it")


def _chol_last(C: Array, name: str, ridge: float, batch: tuple[int, ...]) -> Array:
    """Lower Cholesky factor of each C[:, :, n], batch-last; a clear ValueError naming ``name`` if one fails."""
    L, bad = _chol_last_raw(C, ridge)
    _raise_not_pd(name, bad, batch)
    return L


def _solve_lower_last(L: Array, B: Array, lower_rhs: bool = False) -> Array:
    """Solve L X = B by forward substitution, batch-last: L (d, d, N), B (d, k, N) or (d, N).

    ``lower_rhs``: B is [b | lower-triangular d×d] (k = d + 1), so X is too and
    row i needs only its first i + 2 columns (half the work for L₁⁻¹L₀).
    """
    vector = B.ndim == 2
    Bk = B[:, None] if vector else B
    X = np.zeros_like(Bk) if lower_rhs else np.empty_like(Bk)
    for i in range(L.shape[0]):
        cols = slice(0, i + 2) if lower_rhs else slice(None)
        acc = Bk[i, cols] - np.einsum("jn,jkn->kn", L[i, :i], X[:i, cols]) if i else Bk[i, cols]
        X[i, cols] = acc / L[i, i]
    return X[:, 0] if vector else X


def _solve_upper_t_last(L: Array, b: Array) -> Array:
    """Solve Lᵀ x = b by back substitution, batch-last: L (d, d, N), b (d, N)."""
    d = L.shape[0]
    x = np.empty_like(b)
    for i in range(d - 1, -1, -1):
        acc = b[i] - np.einsum("jn,jn->n", L[i + 1:, i], x[i + 1:]) if i < d - 1 else b[i]
        x[i] = acc / L[i, i]
    return x


def _logdet_last(L: Array) -> Array:
    d = L.shape[0]
    return 2.0 * np.log(L[np.arange(d), np.arange(d)]).sum(axis=0)


def _out(total: Array, mean: Array, cov: Array, batch: tuple[int, ...], return_parts: bool
         ) -> float | Array | Parts:
    def shaped(x: Array) -> float | Array:
        return float(x.reshape(())) if not batch else x.reshape(batch)

    if return_parts:
        return Parts(shaped(total), shaped(mean), shaped(cov))
    return shaped(total)


def chunk_size(d: int) -> int:
    """Problems per chunk: keeps each work array a few hundred KB.

    Larger arrays made the allocator hand out fresh pages on every call in some
    heap states (330 page faults per call, KL 1.0 ms instead of 0.6 ms for
    1,000 tanks); chunks of this size measured the same in every state.
    """
    return max(16, 18432 // (d * d))


_Core = Callable[[Array, Array, Array, Array, float], tuple[Array, Array, dict[str, NDArray[np.bool_]]]]


def _by_chunks(core: _Core, m0: Array, c0: Array, m1: Array, c1: Array, batch: tuple[int, ...],
               ridge: float) -> tuple[Array, Array]:
    """Run ``core`` over chunks of the flattened batch; raise for any matrix that is not positive definite."""
    d = m0.shape[-1]
    n = int(np.prod(batch, dtype=np.int64)) if batch else 1
    M0 = np.broadcast_to(m0, batch + (d,)).reshape(n, d)
    M1 = np.broadcast_to(m1, batch + (d,)).reshape(n, d)
    C0 = np.broadcast_to(c0, batch + (d, d)).reshape(n, d, d)
    C1 = np.broadcast_to(c1, batch + (d, d)).reshape(n, d, d)
    mean_term, cov_term = np.empty(n), np.empty(n)
    bad: dict[str, NDArray[np.bool_]] = {}
    step = chunk_size(d)
    # a failed factor gives NaN/inf downstream: silenced here, reported below by name and index
    with np.errstate(divide="ignore", invalid="ignore", over="ignore"):
        for lo in range(0, n, step):
            part = slice(lo, lo + step)
            mean_term[part], cov_term[part], bad_part = core(M0[part], C0[part], M1[part], C1[part], ridge)
            for name, mask in bad_part.items():
                bad.setdefault(name, np.zeros(n, dtype=bool))[part] = mask
    for name, mask in bad.items():
        _raise_not_pd(name, mask, batch)
    return mean_term, cov_term


# --------------------------------------------------------------------------- public helpers


def cholesky(cov: ArrayLike, name: str = "cov", ridge: float = 0.0) -> Array:
    """Lower Cholesky factor of a (stack of) covariance matrices, with a clear error.

    Parameters
    ----------
    cov
        ``(..., d, d)`` symmetric positive definite matrices (symmetrised first).
    name
        What to call the input in an error message.
    ridge
        Added to the diagonal before factorising, only when asked for.

    Examples
    --------
    >>> cholesky(np.array([[4.0, 2.0], [2.0, 3.0]]))
    array([[2.        , 0.        ],
           [1.        , 1.41421356]])
    >>> cholesky(np.array([[1.0, 2.0], [2.0, 1.0]]), name="cov1")
    Traceback (most recent call last):
    ...
    ValueError: cov1 is not positive definite (1 of 1 matrices); a sensor may be constant or two sensors identical. Pass ridge=<small positive number> to regularise it
    """
    c = np.asarray(cov, dtype=np.float64)
    if c.ndim < 2 or c.shape[-1] != c.shape[-2]:
        raise ValueError(f"{name} must have shape (..., d, d), got {c.shape}")
    _check_finite(name, c)
    batch = c.shape[:-2]
    if not batch:  # one small matrix: LAPACK directly is quicker than the batch-last kernel
        c = 0.5 * (c + c.T)
        if ridge:
            if not ridge > 0:
                raise ValueError(f"ridge must be a positive number, got {ridge}")
            c = c + ridge * np.eye(c.shape[0])
        try:
            L1 = np.linalg.cholesky(c)
            ok = bool(np.all(np.diag(L1) ** 2 > _PIVOT_RTOL * np.abs(np.diag(c))))
        except np.linalg.LinAlgError:
            L1, ok = c, False
        _raise_not_pd(name, np.array([not ok]), batch)
        return np.asarray(L1, dtype=np.float64)
    L = _chol_last(_mat_last(c, batch), name, ridge, batch)
    return np.ascontiguousarray(L.transpose(2, 0, 1).reshape(batch + c.shape[-2:]))


def solve_lower(L: Array, B: Array) -> Array:
    """Solve ``L X = B`` for lower-triangular ``L`` by forward substitution, batched.

    ``L`` is ``(..., d, d)``; ``B`` is ``(..., d)`` or ``(..., d, k)``, with
    batch dimensions that broadcast against ``L``'s.

    Examples
    --------
    >>> L = np.array([[2.0, 0.0], [1.0, 1.0]])
    >>> solve_lower(L, np.array([2.0, 3.0]))
    array([1., 2.])
    """
    L = np.asarray(L, dtype=np.float64)
    B = np.asarray(B, dtype=np.float64)
    d = L.shape[-1]
    if L.ndim == 2 and B.ndim <= 2:  # one system: a plain loop over rows is quickest
        X = np.empty_like(B)
        for i in range(d):
            X[i] = (B[i] - L[i, :i] @ X[:i]) / L[i, i]
        return X
    vector = B.ndim == L.ndim - 1 or (B.ndim == 1)
    Bm = B[..., None] if vector else B
    batch = np.broadcast_shapes(L.shape[:-2], Bm.shape[:-2])
    k = Bm.shape[-1]
    Lb = np.ascontiguousarray(np.broadcast_to(L, batch + (d, d)).reshape(-1, d, d).transpose(1, 2, 0))
    Bb = np.ascontiguousarray(np.broadcast_to(Bm, batch + (d, k)).reshape(-1, d, k).transpose(1, 2, 0))
    X = _solve_lower_last(Lb, Bb).transpose(2, 0, 1).reshape(batch + (d, k))
    return X[..., 0] if vector else X


def logdet_from_cholesky(L: Array) -> Array:
    """log det(L Lᵀ) from the diagonal of the lower factor ``L`` (..., d, d).

    Examples
    --------
    >>> float(logdet_from_cholesky(np.diag([2.0, 3.0])))  # log(4 · 9)
    3.58351893845611
    """
    return 2.0 * np.sum(np.log(np.diagonal(L, axis1=-2, axis2=-1)), axis=-1)


# --------------------------------------------------------------------------- divergences


def kl_divergence(mean0: ArrayLike, cov0: ArrayLike, mean1: ArrayLike, cov1: ArrayLike, *,
                  ridge: float = 0.0, return_parts: bool = False) -> float | Array | Parts:
    """KL(N(mean0, cov0) ‖ N(mean1, cov1)) in nats.

    ½[tr(Σ₁⁻¹Σ₀) + δᵀΣ₁⁻¹δ − d + ln det Σ₁ − ln det Σ₀], δ = μ₁ − μ₀, computed as
    ‖L₁⁻¹L₀‖²_F and ‖L₁⁻¹δ‖² with Σ = LLᵀ.  Not symmetric: the first argument is
    the distribution being judged, the second the reference.

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

    Returns
    -------
    float or ndarray or Parts
        A float for unbatched input, else an array of the broadcast batch shape.

    Raises
    ------
    ValueError
        On NaN/inf input, mismatched shapes, or a covariance that is not
        positive definite (naming it and its batch index).

    Examples
    --------
    >>> round(kl_divergence([1.0], [[1.0]], [0.0], [[1.0]]), 6)
    0.5
    >>> p = kl_divergence([0.0, 0.0], np.eye(2), [0.0, 0.0], 2 * np.eye(2), return_parts=True)
    >>> round(p.total, 6), round(p.mean, 6), round(p.cov, 6)
    (0.193147, 0.0, 0.193147)
    >>> kl_divergence(np.zeros((3, 2)), np.eye(2), [0.0, 0.0], np.eye(2)).shape  # a batch of 3
    (3,)
    """
    m0, c0, m1, c1, batch = _as_inputs(mean0, cov0, mean1, cov1)
    mean_term, cov_term = _by_chunks(_kl_core, m0, c0, m1, c1, batch, ridge)
    return _out(mean_term + cov_term, mean_term, cov_term, batch, return_parts)


def _kl_core(m0: Array, c0: Array, m1: Array, c1: Array, ridge: float
             ) -> tuple[Array, Array, dict[str, NDArray[np.bool_]]]:
    """KL mean and covariance terms of k problems given as (k, d) and (k, d, d) arrays."""
    k, d = m0.shape
    both = np.empty((d, d, 2 * k))  # cov0 and cov1 factored in one pass
    _sym_last_into(c0, both[:, :, :k])
    _sym_last_into(c1, both[:, :, k:])
    L, bad = _chol_last_raw(both, ridge)
    L0, L1 = L[:, :, :k], L[:, :, k:]
    rhs = np.empty((d, d + 1, k))
    rhs[:, 0] = (m1 - m0).T
    rhs[:, 1:] = L0
    X = _solve_lower_last(L1, rhs, lower_rhs=True)  # [L₁⁻¹δ | L₁⁻¹L₀]
    z, A = X[:, 0], X[:, 1:]
    mean_term = 0.5 * np.einsum("in,in->n", z, z)
    trace = np.einsum("ijn,ijn->n", A, A)
    logdet = _logdet_last(L)
    cov_term = 0.5 * (trace - d + logdet[k:] - logdet[:k])
    cov_term = np.maximum(cov_term, 0.0)  # ≥ 0 in exact arithmetic; clip rounding
    return mean_term, cov_term, {"cov0": bad[:k], "cov1": bad[k:]}


def bhattacharyya_distance(mean0: ArrayLike, cov0: ArrayLike, mean1: ArrayLike, cov1: ArrayLike, *,
                           ridge: float = 0.0, return_parts: bool = False) -> float | Array | Parts:
    """Bhattacharyya distance between two normals (symmetric), with the averaged covariance.

    D_B = ⅛ δᵀΣ⁻¹δ + ½ ln(det Σ / √(det Σ₀ det Σ₁)),  Σ = (Σ₀ + Σ₁)/2.

    Parameters
    ----------
    mean0, cov0, mean1, cov1
        As for :func:`kl_divergence`; the order does not matter.
    ridge
        Added to both covariance diagonals, only when asked for.
    return_parts
        Return :class:`Parts` (total, mean term, covariance term).

    Examples
    --------
    >>> round(bhattacharyya_distance([1.0], [[1.0]], [0.0], [[1.0]]), 6)
    0.125
    >>> round(bhattacharyya_distance([0.0], [[1.0]], [0.0], [[4.0]]), 6)  # ½ ln(2.5 / 2)
    0.111572
    """
    m0, c0, m1, c1, batch = _as_inputs(mean0, cov0, mean1, cov1)
    mean_term, cov_term = _by_chunks(_bhattacharyya_core, m0, c0, m1, c1, batch, ridge)
    return _out(mean_term + cov_term, mean_term, cov_term, batch, return_parts)


def _bhattacharyya_core(m0: Array, c0: Array, m1: Array, c1: Array, ridge: float
                        ) -> tuple[Array, Array, dict[str, NDArray[np.bool_]]]:
    """Bhattacharyya mean and covariance terms of k problems given as (k, d) and (k, d, d) arrays."""
    k, d = m0.shape
    three = np.empty((d, d, 3 * k))  # cov0, cov1 and their average factored in one pass
    _sym_last_into(c0, three[:, :, :k])
    _sym_last_into(c1, three[:, :, k:2 * k])
    np.add(three[:, :, :k], three[:, :, k:2 * k], out=three[:, :, 2 * k:])
    three[:, :, 2 * k:] *= 0.5
    L, bad = _chol_last_raw(three, ridge)
    logdet = _logdet_last(L)
    z = _solve_lower_last(L[:, :, 2 * k:], np.ascontiguousarray((m1 - m0).T))
    mean_term = 0.125 * np.einsum("in,in->n", z, z)
    cov_term = 0.5 * (logdet[2 * k:] - 0.5 * (logdet[:k] + logdet[k:2 * k]))
    cov_term = np.maximum(cov_term, 0.0)
    return mean_term, cov_term, {"cov0": bad[:k], "cov1": bad[k:2 * k], "the averaged covariance": bad[2 * k:]}


def sqrtm_psd(cov: ArrayLike) -> Array:
    """Symmetric square root of a (stack of) positive semi-definite matrices via eigh.

    Examples
    --------
    >>> sqrtm_psd(np.diag([4.0, 9.0]))
    array([[2., 0.],
           [0., 3.]])
    """
    c = np.asarray(cov, dtype=np.float64)
    w, V = np.linalg.eigh(0.5 * (c + np.swapaxes(c, -1, -2)))
    return (V * np.sqrt(np.clip(w, 0.0, None))[..., None, :]) @ np.swapaxes(V, -1, -2)


def _check_psd(name: str, w: Array) -> None:
    scale = np.maximum(np.abs(w).max(axis=-1), 1e-300)
    bad = w.min(axis=-1) < -1e-8 * scale
    if np.any(bad):
        where = f" at batch index {tuple(int(i) for i in np.argwhere(bad)[0])}" if bad.ndim else ""
        raise ValueError(f"{name} is not positive semi-definite{where} (an eigenvalue is negative); "
                         "it is not a covariance matrix")


def wasserstein2_distance(mean0: ArrayLike, cov0: ArrayLike, mean1: ArrayLike, cov1: ArrayLike, *,
                          return_parts: bool = False) -> float | Array | Parts:
    """The 2-Wasserstein distance (not squared) between two normals.

    W₂² = ‖μ₀ − μ₁‖² + tr(Σ₀ + Σ₁ − 2 (Σ₁^½ Σ₀ Σ₁^½)^½), the second term being
    the squared Bures distance, computed with symmetric square roots as
    min_U ‖Σ₀^½ − Σ₁^½U‖²_F over rotations (U the polar factor of Σ₁^½Σ₀^½),
    a sum of squares with no cancellation.  It stays finite when a covariance collapses
    (a stuck sensor), where KL does not, so positive *semi*-definite covariances
    are accepted.  It is in the sensors' units, so it is not invariant to
    rescaling them; it is invariant to rotations and translations.

    Parameters
    ----------
    mean0, cov0, mean1, cov1
        As for :func:`kl_divergence`; the order does not matter.
    return_parts
        Return :class:`Parts` (total, squared mean term, squared Bures term).

    Examples
    --------
    >>> round(wasserstein2_distance([3.0], [[1.0]], [0.0], [[4.0]]), 6)  # √(3² + (1−2)²)
    3.162278
    >>> round(wasserstein2_distance([0.0, 0.0], np.zeros((2, 2)), [0.0, 0.0], np.eye(2)), 6)  # √2
    1.414214
    """
    m0, c0, m1, c1, batch = _as_inputs(mean0, cov0, mean1, cov1)
    d = m0.shape[-1]
    c0 = np.broadcast_to(c0, batch + (d, d))
    c1 = np.broadcast_to(c1, batch + (d, d))
    c0 = 0.5 * (c0 + np.swapaxes(c0, -1, -2))
    c1 = 0.5 * (c1 + np.swapaxes(c1, -1, -2))
    w0, V0 = np.linalg.eigh(c0)
    w1, V1 = np.linalg.eigh(c1)
    _check_psd("cov0", w0)
    _check_psd("cov1", w1)
    r0 = (V0 * np.sqrt(np.clip(w0, 0.0, None))[..., None, :]) @ np.swapaxes(V0, -1, -2)
    r1 = (V1 * np.sqrt(np.clip(w1, 0.0, None))[..., None, :]) @ np.swapaxes(V1, -1, -2)
    # Bures² = min over rotations U of ‖Σ₀^½ − Σ₁^½U‖²_F, U from the polar factor of Σ₁^½Σ₀^½.
    # Summing squares of the difference (rather than tr Σ₀ + tr Σ₁ − 2 tr(…)^½) avoids the
    # cancellation that left W2(x, x) at √ε·scale instead of ε·scale.
    W, _, Vt = np.linalg.svd(r1 @ r0)
    residual = r0 - r1 @ (W @ Vt)
    diff = np.broadcast_to(m0, batch + (d,)) - np.broadcast_to(m1, batch + (d,))
    mean_term = np.sum(diff * diff, axis=-1)
    cov_term = np.sum(residual * residual, axis=(-2, -1))
    cov_term = np.maximum(cov_term, 0.0)
    total = np.sqrt(mean_term + cov_term)
    return _out(np.asarray(total), np.asarray(mean_term), np.asarray(cov_term), batch, return_parts)


def mahalanobis_contributions(mean: ArrayLike, cov: ArrayLike, *, ridge: float = 0.0) -> Array:
    """Per-sensor shares of δᵀΣ⁻¹δ: cᵢ = δᵢ (Σ⁻¹δ)ᵢ, which sum to δᵀΣ⁻¹δ.

    Unlike the whitened coordinates (which depend on the order of the
    sensors), these shares do not depend on column order, so they can say
    "pH carries 80 % of the shift" whatever order the sensors are stored in.
    A share can be slightly negative for a sensor that moved *less* than its
    correlated neighbours predicted.

    Parameters
    ----------
    mean
        The shift δ, ``(..., d)``.
    cov
        The reference covariance Σ, ``(..., d, d)``.
    ridge
        Added to the diagonal, only when asked for.

    Examples
    --------
    >>> mahalanobis_contributions([2.0, 0.0], np.diag([1.0, 4.0]))
    array([4., 0.])
    """
    m = np.asarray(mean, dtype=np.float64)
    c = np.asarray(cov, dtype=np.float64)
    _check_finite("mean", m)
    _check_finite("cov", c)
    d = m.shape[-1]
    batch = np.broadcast_shapes(m.shape[:-1], c.shape[:-2])
    L = _chol_last(_mat_last(c, batch), "cov", ridge, batch)
    delta = _vec_last(m, batch)
    y = _solve_upper_t_last(L, _solve_lower_last(L, delta))  # Σ⁻¹δ by two triangular solves
    return (delta * y).T.reshape(batch + (d,))
