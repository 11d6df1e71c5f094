"""Score many tanks' windows at once: one batched call per divergence instead of one per tank.

A drift score compares a window N(m, S) of residuals with the baseline
N(0, Σ).  For one tank that is three small Cholesky/eigh problems; for a
thousand tanks due at the same minute it is the same three problems stacked,
which numpy solves in a handful of vectorised steps (see
``benchmarks/bench_divergence.py``: ~1,000 tanks in a few milliseconds).

Two layers:

- :func:`window_moments` (pure): the window's residual mean and shrunk
  covariance, exactly as :class:`analytics.monitor.TankMonitor` computes them.
- :func:`score_windows` (pure, batched) and :class:`WindowBatch` (collects
  windows of many tanks, keyed, of possibly different dimensions, and scores
  each dimension group in one call).

How a monitor delegates: :meth:`analytics.monitor.TankMonitor.prepare` is the
first half of an evaluation and ends with the window's moments
(:class:`analytics.monitor.DriftWindow`); :meth:`~analytics.monitor.TankMonitor.conclude`
takes the :class:`WindowScore` and decides (threshold, hysteresis,
attribution).  The service (:mod:`analytics.service`) prepares every tank due
at a step, calls :meth:`WindowBatch.score` once, and concludes each tank;
``evaluate`` (one tank) is prepare → :func:`score_window` → conclude.

Examples
--------
>>> import numpy as np
>>> batch = WindowBatch()
>>> batch.add("t1", np.array([1.0]), np.array([[1.0]]), np.array([[1.0]]))
>>> batch.add("t2", np.zeros(2), np.eye(2), 2 * np.eye(2))
>>> scores = batch.score()
>>> round(scores["t1"].kl, 6), round(scores["t2"].kl_cov, 6)
(0.5, 0.193147)
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Hashable, NamedTuple

import numpy as np
from numpy.typing import NDArray

from analytics.baseline import ledoit_wolf
from analytics.divergence import Parts, bhattacharyya_distance, chunk_size, kl_divergence, wasserstein2_distance

Array = NDArray[np.float64]
# The same diagonal ridge the monitor adds to a window covariance: a stuck channel
# has zero variance, and S must stay positive definite for the Cholesky factor.
WINDOW_RIDGE = 1e-6


class WindowScore(NamedTuple):
    """The scores of one window (plain floats), as the monitor writes them."""

    kl: float
    kl_mean: float
    kl_cov: float
    bhattacharyya: float
    w2: float


@dataclass
class WindowScores:
    """Scores of a stack of windows: arrays of shape ``(n,)``."""

    kl: Array
    kl_mean: Array
    kl_cov: Array
    bhattacharyya: Array
    w2: Array

    def row(self, i: int) -> WindowScore:
        return WindowScore(float(self.kl[i]), float(self.kl_mean[i]), float(self.kl_cov[i]),
                           float(self.bhattacharyya[i]), float(self.w2[i]))


def window_moments(residuals: Array, ref_cov: Array) -> tuple[Array, Array]:
    """Mean ``(d,)`` and Ledoit–Wolf covariance ``(d, d)`` of one window of residuals ``(n, d)``.

    The residuals are the monitor's own (readings minus its day/night mean);
    the ridge ``WINDOW_RIDGE · diag(Σ)`` of the baseline covariance ``ref_cov``
    is added as the monitor does, so a stuck channel keeps S positive definite.

    >>> import numpy as np
    >>> m, S = window_moments(np.random.default_rng(0).normal(size=(60, 2)), np.eye(2))
    >>> m.shape, S.shape
    ((2,), (2, 2))
    """
    R = np.asarray(residuals, dtype=np.float64)
    m = R.mean(axis=0)
    S, _ = ledoit_wolf(R)
    return m, S + np.diag(WINDOW_RIDGE * np.diag(ref_cov))


def score_windows(means: Array, covs: Array, ref_covs: Array, *, distances: bool = True) -> WindowScores:
    """KL (with its mean and covariance parts), Bhattacharyya and W2 of windows against N(0, Σ).

    A window's scores do not depend on which other windows share its batch,
    nor on the batch's size, to the last bit: a tank scored with a thousand
    others gets exactly the score it gets alone (what
    :meth:`analytics.monitor.TankMonitor.evaluate` writes), so batching
    cannot change an alert.

    Parameters
    ----------
    means
        ``(n, d)`` window residual means.
    covs
        ``(n, d, d)`` window covariances.
    ref_covs
        ``(n, d, d)`` baseline covariances Σ (the reference mean is 0: residuals).
    distances
        Also compute Bhattacharyya and W2 (NaN otherwise): the monitor writes
        them only quarter-hourly, for the dashboards, and W2 costs as much as
        KL.

    Examples
    --------
    >>> import numpy as np
    >>> s = score_windows(np.array([[1.0], [0.0]]), np.ones((2, 1, 1)), np.ones((2, 1, 1)))
    >>> s.kl.round(6).tolist(), s.w2.round(6).tolist()
    ([0.5, 0.0], [1.0, 0.0])
    >>> bool(np.isnan(score_windows(np.zeros((1, 1)), np.ones((1, 1, 1)), np.ones((1, 1, 1)),
    ...                              distances=False).w2[0]))
    True
    """
    means = np.asarray(means, dtype=np.float64)
    covs = np.asarray(covs, dtype=np.float64)
    ref_covs = np.asarray(ref_covs, dtype=np.float64)
    if means.ndim != 2:
        raise ValueError(f"means must have shape (n, d), got {means.shape}")
    n, d = means.shape
    if covs.shape != (n, d, d) or ref_covs.shape != (n, d, d):
        raise ValueError(f"covs and ref_covs must have shape {(n, d, d)}, got {covs.shape} and {ref_covs.shape}")
    out = WindowScores(*(np.full(n, np.nan) for _ in range(5)))
    # Pieces no larger than the divergence kernels' own chunks, and never of one window: numpy's
    # einsum sums a single problem in another order than a stack of them, which moved the last bit
    # of a lone window's KL (so evaluate() and the batched service would disagree in the last digit).
    piece = chunk_size(d)
    for lo in range(0, n, piece):
        hi = min(n, lo + piece)
        take = np.arange(lo, hi)
        if len(take) == 1:
            take = np.array([lo, lo])  # scored twice, kept once
        m, S, R = means[take], covs[take], ref_covs[take]
        zero = np.zeros_like(m)
        keep = slice(0, hi - lo)
        kl = kl_divergence(m, S, zero, R, return_parts=True)
        assert isinstance(kl, Parts)
        out.kl[lo:hi], out.kl_mean[lo:hi], out.kl_cov[lo:hi] = (np.asarray(x)[keep] for x in kl)
        if distances:
            out.bhattacharyya[lo:hi] = np.asarray(bhattacharyya_distance(m, S, zero, R))[keep]
            out.w2[lo:hi] = np.asarray(wasserstein2_distance(m, S, zero, R))[keep]
    return out


def score_window(mean: Array, cov: Array, ref_cov: Array, *, distances: bool = True) -> WindowScore:
    """One window's scores: :func:`score_windows` of a stack of one (the same numbers as in any batch).

    >>> import numpy as np
    >>> round(score_window(np.array([1.0]), np.eye(1), np.eye(1)).kl, 6)
    0.5
    """
    m = np.asarray(mean, dtype=np.float64)
    return score_windows(m[None], np.asarray(cov, dtype=np.float64)[None],
                         np.asarray(ref_cov, dtype=np.float64)[None], distances=distances).row(0)


@dataclass
class WindowBatch:
    """Windows of many tanks, collected by key, scored together.

    Windows of different dimension (a tank scoring three channels because its
    fourth probe is stuck) are grouped by dimension; each group costs one
    batched call per divergence, and Bhattacharyya and W2 are computed only
    for the windows added with ``distances=True``.  A window whose covariance
    is not positive definite does not spoil the batch: its group is retried
    one by one and only that key gets ``None``.
    """

    _items: dict[int, list[tuple[Hashable, Array, Array, Array, bool]]] = field(default_factory=dict)

    def __len__(self) -> int:
        return sum(len(v) for v in self._items.values())

    def add(self, key: Hashable, mean: Array, cov: Array, ref_cov: Array, *, distances: bool = True) -> None:
        mean = np.asarray(mean, dtype=np.float64)
        self._items.setdefault(mean.shape[-1], []).append(
            (key, mean, np.asarray(cov, dtype=np.float64), np.asarray(ref_cov, dtype=np.float64), distances))

    def score(self) -> dict[Hashable, WindowScore | None]:
        """Score every window added; ``None`` for a window that cannot be scored (not positive definite)."""
        out: dict[Hashable, WindowScore | None] = {}
        for group in self._items.values():
            try:
                out.update(_score_group(group))
            except ValueError:
                for item in group:
                    try:
                        out.update(_score_group([item]))
                    except ValueError:
                        out[item[0]] = None
        return out


def _score_group(group: list[tuple[Hashable, Array, Array, Array, bool]]) -> dict[Hashable, WindowScore]:
    """KL of every window of one dimension in one call; the distances of those that want them in another."""
    M = np.stack([g[1] for g in group])
    S = np.stack([g[2] for g in group])
    R = np.stack([g[3] for g in group])
    wanted = np.flatnonzero([g[4] for g in group])
    scores = score_windows(M, S, R, distances=len(wanted) == len(group))
    if 0 < len(wanted) < len(group):
        extra = score_windows(M[wanted], S[wanted], R[wanted])
        scores.bhattacharyya[wanted], scores.w2[wanted] = extra.bhattacharyya, extra.w2
    return {g[0]: scores.row(i) for i, g in enumerate(group)}
