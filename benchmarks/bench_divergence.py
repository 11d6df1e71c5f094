"""Batched scoring of many tanks against a naive per-tank loop with explicit inverses.

Targets (issue 6): KL of 1,000 tanks at d = 6 at least 20× faster than the
naive loop, and at least 10,000 tanks scored per core-second at one reading
each.  Times are CPU time (``process_time``, so "per core-second" even on a
busy machine), the best of several repeats on both sides, measured in the same
run; results are checked equal to the naive ones before any figure is printed.
"""

from __future__ import annotations

import time
from typing import Callable

import numpy as np
from scipy.linalg import sqrtm

from analytics.divergence import bhattacharyya_distance, cholesky, kl_divergence, solve_lower, wasserstein2_distance

TARGET_RATIO = 20.0
TARGET_TANKS_PER_CORE_S = 10_000


def _random_spd(rng: np.random.Generator, n: int, d: int) -> np.ndarray:
    A = rng.normal(size=(n, d, d))
    return A @ np.swapaxes(A, -1, -2) + d * np.eye(d)


def naive_kl(m0, c0, m1, c1) -> float:
    inv = np.linalg.inv(c1)
    diff = m1 - m0
    return 0.5 * (np.trace(inv @ c0) + diff @ inv @ diff - len(m0) + np.log(np.linalg.det(c1) / np.linalg.det(c0)))


def naive_bhattacharyya(m0, c0, m1, c1) -> float:
    c = 0.5 * (c0 + c1)
    diff = m1 - m0
    return 0.125 * diff @ np.linalg.inv(c) @ diff + 0.5 * np.log(
        np.linalg.det(c) / np.sqrt(np.linalg.det(c0) * np.linalg.det(c1)))


def naive_w2(m0, c0, m1, c1) -> float:
    r1 = sqrtm(c1).real
    bures = np.trace(c0 + c1 - 2 * sqrtm(r1 @ c0 @ r1).real)
    return float(np.sqrt(np.sum((m0 - m1) ** 2) + max(bures, 0.0)))


def naive_reading(x, m, c) -> float:
    r = x - m
    return float(r @ np.linalg.inv(c) @ r)


def cpu_time(f: Callable[[], object], repeats: int) -> tuple[float, object]:
    """Best CPU time of ``repeats`` calls, and the last result."""
    best, out = float("inf"), None
    for _ in range(repeats):
        t0 = time.process_time()
        out = f()
        best = min(best, time.process_time() - t0)
    return best, out


def main(tanks: int = 1000, d: int = 6) -> None:
    rng = np.random.default_rng(0)
    m0, m1 = rng.normal(size=(tanks, d)), rng.normal(size=(tanks, d))
    c0, c1 = _random_spd(rng, tanks, d), _random_spd(rng, tanks, d)
    x = rng.normal(size=(tanks, d))
    L1 = cholesky(c1)  # a tank's baseline factor is computed once per refit, then reused per reading

    def reading_scores() -> np.ndarray:
        z = solve_lower(L1, x - m1)
        return np.einsum("ni,ni->n", z, z)

    rows = [
        ("KL, window vs baseline", lambda: kl_divergence(m0, c0, m1, c1), naive_kl, (m0, c0, m1, c1)),
        ("Bhattacharyya", lambda: bhattacharyya_distance(m0, c0, m1, c1), naive_bhattacharyya, (m0, c0, m1, c1)),
        ("W2 (Bures)", lambda: wasserstein2_distance(m0, c0, m1, c1), naive_w2, (m0, c0, m1, c1)),
        ("one reading, Mahalanobis²", reading_scores, naive_reading, (x, m1, c1)),
    ]
    print(f"{tanks} tanks, d = {d}; CPU time, best of repeats; naive = per-tank loop with explicit inverses")
    print(f"{'score':<27} {'batched ms':>11} {'naive ms':>10} {'ratio':>8} {'tanks/core-s':>14}")
    verdicts = []
    for name, batched, naive, args in rows:
        t_batch, got = cpu_time(batched, 300)  # best of many: the machine may be shared
        t_naive, want = cpu_time(lambda naive=naive, args=args: np.array([naive(*(a[i] for a in args))
                                                                 for i in range(tanks)]), 7)
        assert np.allclose(got, want, rtol=1e-6, atol=1e-9), f"{name}: batched and naive disagree"
        ratio = t_naive / t_batch
        rate = tanks / t_batch
        print(f"{name:<27} {t_batch * 1e3:>11.2f} {t_naive * 1e3:>10.1f} {ratio:>7.1f}x {rate:>14,.0f}")
        if name.startswith("KL"):
            verdicts.append(f"KL ratio {ratio:.1f}x (target ≥ {TARGET_RATIO:.0f}x): "
                            f"{'met' if ratio >= TARGET_RATIO else 'NOT met'}")
        if name.startswith("one reading"):
            verdicts.append(f"tanks per core-second at one reading each {rate:,.0f} "
                            f"(target ≥ {TARGET_TANKS_PER_CORE_S:,}): "
                            f"{'met' if rate >= TARGET_TANKS_PER_CORE_S else 'NOT met'}")
    for v in verdicts:
        print(v)


if __name__ == "__main__":
    main()
