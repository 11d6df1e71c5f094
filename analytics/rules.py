"""Plain rules every keeper expects (pure functions of recent readings)."""

from __future__ import annotations

import numpy as np
from numpy.typing import NDArray

from analytics.medians import flat_median


def theil_sen_per_hour(t_s: NDArray[np.float64], y: NDArray[np.float64]) -> float:
    """Median of the pairwise slopes of ``y``, in units per hour (NaN if < 3 finite points).

    Robust to a single wild reading, where least squares is not: one spike in
    ten minutes cannot make a heater look stuck.

    >>> t = np.arange(0, 600, 60.0)
    >>> y = 25 + 3 * t / 3600
    >>> y[4] = 40.0  # one wild reading
    >>> round(theil_sen_per_hour(t, y), 6)
    3.0
    """
    t = np.asarray(t_s, dtype=np.float64)
    y = np.asarray(y, dtype=np.float64)
    ok = np.isfinite(y) & np.isfinite(t)
    if ok.sum() < 3:
        return float("nan")
    t, y = t[ok], y[ok]
    i, j = _pairs(len(t))
    dt = t[j] - t[i]
    keep = dt > 0
    if not keep.any():
        return float("nan")
    return float(flat_median((y[j] - y[i])[keep] / dt[keep]) * 3600.0)


_PAIRS: dict[int, tuple[NDArray[np.intp], NDArray[np.intp]]] = {}


def _pairs(n: int) -> tuple[NDArray[np.intp], NDArray[np.intp]]:
    # the index pairs of a window are the same every minute: build them once
    if n not in _PAIRS:
        _PAIRS[n] = np.triu_indices(n, k=1)
    return _PAIRS[n]


# A probe whose minute-to-minute wobble is this many times its usual is failing (analytics/probes.py), and
# the rate rules do not read its jumps as the water (analytics/tank_rules.py).
FAILING_WOBBLE = 5.0
# The minutes of readings a probe's wobble is judged on.
WOBBLE_MINUTES = 20


def step_spread(y: NDArray[np.float64]) -> float:
    """Robust spread of successive differences: 1.4826 · median |Δy − median Δy| (NaN if < 5).

    The minute-to-minute wobble of a probe is its noise; the day/night rhythm
    and slow trends hardly change it.  A stuck probe has none (spread 0), a
    failing one far more than usual.

    >>> step_spread(np.full(20, 7.2))
    0.0
    """
    d = np.diff(np.asarray(y, dtype=np.float64))
    d = d[np.isfinite(d)]
    if len(d) < 5:
        return float("nan")
    return float(1.4826 * flat_median(np.abs(d - flat_median(d))))


def usual_wobble(y: NDArray[np.float64]) -> float:
    """A probe's usual minute-to-minute wobble: the median over whole hours of each hour's :func:`step_spread`
    (hours with fewer than 5 steps read are left out); NaN with fewer than 12 such hours.

    >>> round(usual_wobble(np.random.default_rng(1).normal(30.0, 0.1, 24 * 60)), 2)
    0.14
    """
    y = np.asarray(y, dtype=np.float64)
    n = len(y) // 60 * 60
    if n < 12 * 60:
        return float("nan")
    D = np.diff(y[:n].reshape(-1, 60), axis=1)  # each hour's minute-to-minute steps
    D = D[np.isfinite(D).sum(axis=1) >= 5]
    if len(D) < 12:
        return float("nan")
    with np.errstate(all="ignore"):
        hours = 1.4826 * np.nanmedian(np.abs(D - np.nanmedian(D, axis=1, keepdims=True)), axis=1)
    return float(flat_median(hours))


def kink_spread(y: NDArray[np.float64]) -> float:
    """Robust spread of the second differences, on :func:`step_spread`'s scale (NaN if < 5).

    The water moves in ramps: a dose mixing in, a drain, a refill, a leak.
    A ramp's steps are alike, and where a 20-minute window straddles its
    start or end they are of two sizes, which :func:`step_spread` reads as
    a wide wobble.  Its second differences are zero but at the one kink, which
    the median ignores.  A failing probe's jumps are in every step and in every
    second difference: for white noise of any size the second differences
    spread √3 times the steps, so dividing by √3 puts both on one scale.

    >>> ramp = np.concatenate([np.linspace(300.0, 800.0, 11), np.full(10, 800.0)])
    >>> step_spread(ramp) > 10.0, kink_spread(ramp)
    (True, 0.0)
    """
    d = np.diff(np.asarray(y, dtype=np.float64), n=2)
    d = d[np.isfinite(d)]
    if len(d) < 5:
        return float("nan")
    return float(1.4826 * flat_median(np.abs(d - flat_median(d))) / np.sqrt(3.0))


def jumps_beyond(y: NDArray[np.float64], limit: float) -> bool:
    """Whether a probe's readings ``y`` jump beyond ``limit``: their steps spread beyond it, and their second
    differences beyond half of it.

    :func:`step_spread` alone also widens where the water steps from one
    ramp to another; :func:`kink_spread` does not (the water moving is no
    failing probe): there it stays at the probe's usual wobble, a fifth of
    :data:`FAILING_WOBBLE`'s limit.  Half the limit tells the two apart; the
    whole limit again would ask one window's jumps to pass two noisy tests,
    and a failing probe would be told later for nothing.

    >>> rng = np.random.default_rng(0)
    >>> jumps_beyond(rng.normal(7.2, 0.2, 20), 0.05)
    True
    >>> jumps_beyond(np.concatenate([np.linspace(300.0, 800.0, 11), np.full(10, 800.0)]), 10.0)
    False
    """
    return bool(step_spread(y) > limit and kink_spread(y) > 0.5 * limit)


def despike(y: NDArray[np.float64]) -> NDArray[np.float64]:
    """Causal median of three: each reading with the two before it, so one wild reading vanishes.

    A single-reading glitch (a loose connector) is not the water; a real
    change shows one reading later.  Missing values are skipped.

    >>> despike(np.array([7.2, 7.2, 9.9, 7.2, 7.3, 7.4, 7.4]))
    array([7.2, 7.2, 7.2, 7.2, 7.3, 7.3, 7.4])
    """
    y = np.asarray(y, dtype=np.float64)
    if len(y) < 3:
        return y.copy()
    a, b, c = y[:-2], y[1:-1], y[2:]
    with np.errstate(invalid="ignore"):
        med = np.fmax(np.fmin(a, b), np.fmin(np.fmax(a, b), c))
    med = np.where(np.isfinite(c), med, np.nan)  # no reading now: nothing now
    return np.concatenate([y[:2], med])
