"""Comparison detectors for the benchmark: naive window KL and trailing-24 h Mahalanobis.

Both are what a first attempt looks like, implemented here so that the
benchmark measures ours against them in one run.  Both are causal (row i uses
rows ≤ i only) and batched with cumulative sums.  Their threshold is the
best-F1 threshold on TRAIN (labels used as a lookup, which flatters them).

Examples
--------
>>> import numpy as np
>>> rng = np.random.default_rng(0)
>>> X = rng.normal(size=(3000, 2)); X[2500:2520] += 6.0
>>> s = trailing_mahalanobis_scores(X, reference=1000)
>>> bool(s[2505] > 10 * np.median(s[1000:2400]))
True
"""

from __future__ import annotations

from typing import Sequence

import numpy as np
from numpy.typing import NDArray

from analytics.divergence import kl_divergence

Array = NDArray[np.float64]


def forward_fill(X: Array) -> Array:
    """Each NaN replaced by the last finite value above it (0 before any)."""
    X = np.array(X, dtype=np.float64, copy=True)
    for j in range(X.shape[1]):
        v = X[:, j]
        ok = np.isfinite(v)
        idx = np.where(ok, np.arange(len(v)), 0)
        np.maximum.accumulate(idx, out=idx)
        X[:, j] = np.where(ok[idx], v[idx], 0.0)
    return X


def _window_moments(X: Array, lo: NDArray[np.int64], hi: NDArray[np.int64]) -> tuple[Array, Array]:
    """Mean and covariance of rows lo..hi-1 for every (lo, hi), from cumulative sums."""
    c1 = np.vstack([np.zeros((1, X.shape[1])), np.cumsum(X, axis=0)])
    c2 = np.concatenate([np.zeros((1, X.shape[1], X.shape[1])),
                         np.cumsum(X[:, :, None] * X[:, None, :], axis=0)])
    n = np.maximum(hi - lo, 1)[:, None]
    m = (c1[hi] - c1[lo]) / n
    S = (c2[hi] - c2[lo]) / n[:, :, None] - m[:, :, None] * m[:, None, :]
    return m, S


def trailing_mahalanobis_scores(X: Array, reference: int = 1440) -> Array:
    """Squared Mahalanobis distance of each row from the mean/covariance of the ``reference`` rows before it."""
    Xf = forward_fill(X)
    Xf = (Xf - Xf.mean(axis=0)) / (Xf.std(axis=0) + 1e-12)  # units only; does not change the distance
    n, d = Xf.shape
    i = np.arange(n)
    lo, hi = np.maximum(0, i - reference), i
    m, S = _window_moments(Xf, lo, hi)
    S = S + 1e-6 * np.eye(d)
    out = np.zeros(n)
    ok = (hi - lo) >= max(10, 2 * d)
    diff = Xf[ok] - m[ok]
    out[ok] = np.einsum("ij,ij->i", diff, np.linalg.solve(S[ok], diff[:, :, None])[:, :, 0])
    return out


def window_kl_scores(X: Array, window: int = 60, reference: int = 1440, chunk: int = 20000) -> Array:
    """KL(last ``window`` rows ‖ the ``reference`` rows before them), Gaussian, per row."""
    Xf = forward_fill(X)
    Xf = (Xf - Xf.mean(axis=0)) / (Xf.std(axis=0) + 1e-12)
    n, d = Xf.shape
    i = np.arange(n)
    w_lo, w_hi = np.maximum(0, i + 1 - window), i + 1
    r_lo, r_hi = np.maximum(0, w_lo - reference), w_lo
    out = np.zeros(n)
    ok = np.flatnonzero((r_hi - r_lo) >= max(10, 2 * d))
    for a in range(0, len(ok), chunk):
        k = ok[a:a + chunk]
        m0, S0 = _window_moments(Xf, w_lo[k], w_hi[k])
        m1, S1 = _window_moments(Xf, r_lo[k], r_hi[k])
        out[k] = kl_divergence(m0, S0, m1, S1, ridge=1e-3)
    return out


def best_f1_threshold(scores: Array, labels: NDArray[np.bool_], candidates: int = 200) -> float:
    """The threshold among score quantiles that maximises point-wise F1 on labelled rows."""
    s = np.asarray(scores, dtype=np.float64)
    y = np.asarray(labels, dtype=bool)
    qs = np.unique(np.quantile(s, np.linspace(0.5, 0.9999, candidates)))
    best, best_f1 = float(qs[-1]), -1.0
    for q in qs:
        a = s > q
        tp = np.sum(a & y)
        f1 = 2 * tp / (a.sum() + y.sum()) if a.sum() + y.sum() else 0.0
        if f1 > best_f1:
            best, best_f1 = float(q), f1
    return best


class ScoreBaseline:
    """Adapter to the evaluate protocol: ``fit`` picks the threshold on TRAIN, ``run`` scores causally.

    The score of TEST rows is computed over TRAIN followed by TEST when TEST
    starts right after TRAIN (so the trailing reference is warm), still using
    only earlier rows.
    """

    def __init__(self, kind: str, columns: Sequence[str] | None = None) -> None:
        if kind not in ("window_kl", "mahalanobis"):
            raise ValueError(f"unknown baseline {kind!r}")
        self.kind = kind
        self.columns = columns
        self.threshold = float("nan")
        self._train: Array | None = None

    def _scores(self, X: Array) -> Array:
        return window_kl_scores(X) if self.kind == "window_kl" else trailing_mahalanobis_scores(X)

    def _pick(self, X: Array, names: Sequence[str] | None) -> Array:
        if self.columns is None or names is None:
            return X
        return X[:, [list(names).index(c) for c in self.columns]]

    def fit(self, t_s: Array, X: Array, labels: NDArray[np.bool_] | None = None,
            names: Sequence[str] | None = None) -> "ScoreBaseline":
        self._names = names
        Xp = self._pick(np.asarray(X, dtype=np.float64), names)
        s = self._scores(Xp)
        self.threshold = best_f1_threshold(s, labels) if labels is not None else float(np.quantile(s, 0.999))
        self._train = Xp
        self._train_end = float(t_s[-1])
        return self

    def run(self, t_s: Array, X: Array) -> tuple[Array, NDArray[np.bool_]]:
        Xp = self._pick(np.asarray(X, dtype=np.float64), self._names)
        if self._train is not None and 0 < t_s[0] - self._train_end <= 3600:
            s = self._scores(np.vstack([self._train, Xp]))[len(self._train):]
        else:
            s = self._scores(Xp)
        return s, s > self.threshold
