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

How a monitor delegates: split its evaluation into a first half that returns
the window's moments (``WindowBatch.add(tank, m, S, Σ)``) and a second half
that takes the :class:`WindowScore` and decides (threshold, hysteresis,
attribution).  The service gathers the first halves of every tank due at a
step, calls :meth:`WindowBatch.score` once, and runs the second halves.

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
from typing import TYPE_CHECKING, Any, Hashable, NamedTuple

import numpy as np
from numpy.typing import NDArray

from analytics.baseline import ledoit_wolf
from analytics.divergence import Parts, bhattacharyya_distance, kl_divergence, wasserstein2_distance

if TYPE_CHECKING:
    from aquamon.influx import InfluxV1

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


def score_windows(means: Array, covs: Array, ref_covs: Array) -> WindowScores:
    """KL (with its mean and covariance parts), Bhattacharyya and W2 of windows against N(0, Σ).

    Parameters
    ----------
    means
        ``(n, d)`` window residual means.
    covs
        ``(n, d, d)`` window covariances.
    ref_covs
        ``(n, d, d)`` baseline covariances Σ (the reference mean is 0: residuals).

    Examples
    --------
    >>> import numpy as np
    >>> s = score_windows(np.array([[1.0], [0.0]]), np.ones((2, 1, 1)), np.ones((2, 1, 1)))
    >>> s.kl.round(6).tolist(), s.w2.round(6).tolist()
    ([0.5, 0.0], [1.0, 0.0])
    """
    means = np.asarray(means, dtype=np.float64)
    covs = np.asarray(covs, dtype=np.float64)
    ref_covs = np.asarray(ref_covs, dtype=np.float64)
    if means.ndim != 2:
        raise ValueError(f"means must have shape (n, d), got {means.shape}")
    zero = np.zeros_like(means)
    kl = kl_divergence(means, covs, zero, ref_covs, return_parts=True)
    assert isinstance(kl, Parts)
    bh = bhattacharyya_distance(means, covs, zero, ref_covs)
    w2 = wasserstein2_distance(means, covs, zero, ref_covs)

    def column(x: object) -> Array:
        return np.atleast_1d(np.asarray(x, dtype=np.float64))

    return WindowScores(column(kl.total), column(kl.mean), column(kl.cov), column(bh), column(w2))


@dataclass
class WindowBatch:
    """Windows of many tanks, collected by key, scored together.

    Windows of different dimension (a tank without a turbidity probe) are
    grouped by dimension; each group costs one batched call per divergence.
    A window whose covariance is not positive definite does not spoil the
    batch: its group is retried one by one and only that key gets ``None``.
    """

    _items: dict[int, list[tuple[Hashable, Array, Array, Array]]] = field(default_factory=dict)

    def __len__(self) -> int:
        return sum(len(v) for v in self._items.values())

    def add(self, key: Hashable, mean: Array, cov: Array, ref_cov: Array) -> None:
        mean = np.asarray(mean, dtype=np.float64)
        self._items.setdefault(mean.shape[-1], []).append((key, mean, np.asarray(cov, dtype=np.float64),
                                                           np.asarray(ref_cov, dtype=np.float64)))

    def score(self) -> dict[Hashable, WindowScore | None]:
        """Score every window added; ``None`` for a window that cannot be scored (not positive definite)."""
        out: dict[Hashable, WindowScore | None] = {}
        for group in self._items.values():
            keys = [k for k, *_ in group]
            try:
                scores = score_windows(np.stack([g[1] for g in group]), np.stack([g[2] for g in group]),
                                       np.stack([g[3] for g in group]))
                out.update((k, scores.row(i)) for i, k in enumerate(keys))
            except ValueError:
                for k, m, S, R in group:
                    try:
                        out[k] = score_windows(m[None], S[None], R[None]).row(0)
                    except ValueError:
                        out[k] = None
        return out


# --- many tanks per request ---------------------------------------------------------------
# Scoring is cheap next to talking to InfluxDB: per tank and cycle the loop used to make two
# queries and one write, each a round trip of 3-10 ms (a write also waits for InfluxDB's WAL
# fsync).  At 1,000 tanks that is 10-30 s per cycle, all of it waiting.  These helpers ask for
# many tanks in one request; the service writes one batch of lines per cycle.

def tank_regex(tanks: list[str]) -> str:
    """An InfluxQL regex matching exactly these tank ids (ids are letters, digits, ``_ . -``).

    >>> tank_regex(["a.1", "b"])
    '/^(a\\\\.1|b)$/'
    """
    import re

    return "/^(" + "|".join(re.escape(t) for t in tanks) + ")$/"


def read_latest(db: "InfluxV1", tanks: list[str], chunk: int = 200) -> dict[str, int]:
    """Time (ms) of each tank's latest reading, one query per ``chunk`` tanks; tanks without data are absent."""
    out: dict[str, int] = {}
    for i in range(0, len(tanks), chunk):
        q = f'SELECT last("seq") FROM "water" WHERE "tank" =~ {tank_regex(tanks[i:i + chunk])} GROUP BY "tank"'
        for s in db.query(q):
            values = s.get("values") or []
            if values:
                out[s["tags"]["tank"]] = int(values[0][0])
    return out


def read_minute_means(db: "InfluxV1", windows: dict[str, tuple[int, int]], sensors: tuple[str, ...],
                      chunk: int = 200) -> dict[str, tuple[list[str], list[list[Any]]]]:
    """1-minute means of ``sensors`` in ``[since, until)`` per tank: ``{tank: (columns, rows)}``.

    Tanks that share a time range (the usual case: all caught up) share a query.
    """
    by_range: dict[tuple[int, int], list[str]] = {}
    for tank, rng in windows.items():
        if rng[1] > rng[0]:
            by_range.setdefault(rng, []).append(tank)
    fields = ", ".join(f'mean("{s}") AS "{s}"' for s in sensors)
    out: dict[str, tuple[list[str], list[list[Any]]]] = {}
    for (since, until), group in by_range.items():
        for i in range(0, len(group), chunk):
            q = (f'SELECT {fields} FROM "water" WHERE "tank" =~ {tank_regex(group[i:i + chunk])} '
                 f'AND time >= {since}ms AND time < {until}ms GROUP BY time(1m), "tank" fill(none)')
            for s in db.query(q):
                out[s["tags"]["tank"]] = (s["columns"], s.get("values") or [])
    return out
