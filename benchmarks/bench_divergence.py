"""Batched KL scoring of many tanks against a naive per-tank loop with explicit inverses."""

from __future__ import annotations

import time

import numpy as np

from analytics.divergence import kl_divergence


def _random_spd(rng: np.random.Generator, n: int, d: int) -> np.ndarray:
    A = rng.normal(size=(n, d, d))
    return A @ np.swapaxes(A, -1, -2) + d * np.eye(d)


def naive_kl(m0, c0, m1, c1) -> float:
    inv = np.linalg.inv(c1)
    diff = m1 - m0
    return 0.5 * (np.trace(inv @ c0) + diff @ inv @ diff - len(m0) + np.log(np.linalg.det(c1) / np.linalg.det(c0)))


def main(tanks: int = 1000, d: int = 6, repeats: int = 20) -> None:
    rng = np.random.default_rng(0)
    m0, m1 = rng.normal(size=(tanks, d)), rng.normal(size=(tanks, d))
    c0, c1 = _random_spd(rng, tanks, d), _random_spd(rng, tanks, d)
    t0 = time.process_time()
    for _ in range(repeats):
        batched = kl_divergence(m0, c0, m1, c1)
    t_batch = (time.process_time() - t0) / repeats
    t0 = time.process_time()
    naive = np.array([naive_kl(m0[i], c0[i], m1[i], c1[i]) for i in range(tanks)])
    t_naive = time.process_time() - t0
    assert np.allclose(batched, naive, rtol=1e-8)
    print(f"{'tanks':>8} {'d':>3} {'batched ms':>11} {'naive ms':>10} {'ratio':>7} {'tanks/core-s':>13}")
    print(f"{tanks:>8} {d:>3} {t_batch * 1e3:>11.2f} {t_naive * 1e3:>10.1f} {t_naive / t_batch:>7.1f}x "
          f"{tanks / t_batch:>13,.0f}")
