"""Plain rules every keeper expects (pure functions of recent readings)."""

from __future__ import annotations

import numpy as np
from numpy.typing import NDArray


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
    return small_median((y[j] - y[i])[keep] / dt[keep]) * 3600.0


def small_median(x: NDArray[np.float64]) -> float:
    """The median of a small finite array, exactly as :func:`numpy.median` gives it, several times faster.

    The rules take medians of a few dozen numbers many times a minute; numpy's
    checks and dispatch cost more than the partition itself (measured: 56 µs
    against 8 µs for 105 values).  NaN is the caller's to remove; an empty
    array gives NaN.

    >>> small_median(np.array([3.0, 1.0, 2.0])), small_median(np.array([4.0, 1.0, 3.0, 2.0]))
    (2.0, 2.5)
    """
    n = len(x)
    if n == 0:
        return float("nan")
    k = n // 2
    if n % 2:
        return float(np.partition(x, k)[k])
    part = np.partition(x, (k - 1, k))
    return float((part[k - 1] + part[k]) / 2.0)


def small_nanmedian(x: NDArray[np.float64]) -> float:
    """:func:`small_median` of the finite values (NaN if none), as :func:`numpy.nanmedian` gives it."""
    x = np.asarray(x, dtype=np.float64)
    return small_median(x[np.isfinite(x)])


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
    return float(1.4826 * small_median(np.abs(d - small_median(d))))


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


def minutes_since_fall(t_ms: NDArray[np.float64], y: NDArray[np.float64], now_ms: float, fraction: float = 0.02,
                       least: float = 0.0, lag: int = 5) -> float:
    """Minutes since ``y`` last fell by more than ``fraction`` of itself (and ``least``) within ``lag``
    readings (inf: never).

    Fresh water going in steps the TDS down over the minutes it pours; once
    that is over, what the temperature does is the heater's (or the room's)
    doing again.  ``least``: a fall the probe's own wobble does not make (soft
    water of 40 ppm wobbles by 2 %).

    >>> t = np.arange(60) * 60_000.0
    >>> tds = np.where(np.arange(60) < 40, 300.0, 210.0)
    >>> minutes_since_fall(t, tds, 60 * 60_000.0), minutes_since_fall(t, np.full(60, 300.0), 60 * 60_000.0)
    (16.0, inf)
    """
    t = np.asarray(t_ms, dtype=np.float64)
    y = np.asarray(y, dtype=np.float64)
    if len(y) <= lag:
        return float("inf")
    with np.errstate(invalid="ignore"):
        fell = (y[lag:] - y[:-lag]) < -np.maximum(fraction * np.abs(y[:-lag]), least)
    hits = np.flatnonzero(fell)
    if not len(hits):
        return float("inf")
    return float((now_ms - t[lag + hits[-1]]) / 60_000.0)


def recovery_time_constant(t_ms: NDArray[np.float64], departure: NDArray[np.float64], least: float) -> float:
    """The time constant (hours) of a departure relaxing back to zero: -1 / slope of log|departure|.

    Fitted (Theil–Sen, robust to a wild reading) on the readings still at
    least ``least`` from zero, on the side the departure started on; NaN when
    fewer than 30 such readings, or when it does not come back.  Newton's law
    of cooling: a heater (or the room) brings cool new water back
    exponentially, and the time constant is the tank's own.

    >>> t = np.arange(180) * 60_000.0
    >>> round(recovery_time_constant(t, -1.5 * np.exp(-t / 3_600_000 / 2.0), 0.1), 2)
    2.0
    """
    r = np.asarray(departure, dtype=np.float64)
    t = np.asarray(t_ms, dtype=np.float64)
    ok = np.isfinite(r)
    if ok.sum() < 30:
        return float("nan")
    sign = np.sign(np.nanmedian(r[ok][:10]))
    far = ok & (sign * r >= least)
    if far.sum() < 30 or sign == 0:
        return float("nan")
    slope = theil_sen_per_hour(t[far][::2] / 1000.0, np.log(sign * r[far][::2]))
    return float(-1.0 / slope) if slope < 0 else float("nan")
