"""A level that sloshes: a rate read through scatter that says nothing about the water lost or gained.

A boat's tank rising in a lock, a tank jolted or vibrating, a surface
stirred: for minutes the level probe reads the waves, readings scattered a
centimetre either side of a mark that has not moved.  A Theil–Sen slope over
such minutes is as likely a fall of 2 cm/h as a rise of 2 cm/h; a leak or a
running hose moves the level *steadily*, and its slope stands clear of the
scatter.  So a level's rate is read as water lost or gained only when the
window's own pairwise slopes say it is: Sen's confidence interval for the
slope (from Kendall's statistic, distribution-free, robust to a glitch as the
slope is) lies wholly on the side of the movement.  A calm level's interval
is narrow (a leak of a centimetre an hour is told as before); a sloshing one's
spans zero, and its "rate" is not told until the water settles.

Examples
--------
>>> t = np.arange(30) * 60.0
>>> leak = 30.0 - 1.5 * t / 3600 + np.random.default_rng(0).normal(0.0, 0.05, 30)
>>> slosh = 30.0 + np.random.default_rng(1).normal(0.0, 0.6, 30)
>>> bool(sen_interval(t, leak)[1] < 0), bool(sen_interval(t, slosh)[1] < 0 or sen_interval(t, slosh)[0] > 0)
(True, False)
"""

from __future__ import annotations

import math

import numpy as np
from numpy.typing import NDArray

from analytics.catalogue import ALERTS, MIN_MS

Array = NDArray[np.float64]

#: two-sided confidence of the slope's interval: 99 % (a rate that scatter makes once in a hundred windows
#: is not water moving)
SLOSH_Z = 2.576
#: the newest readings that, all beyond every earlier reading of the window, show the water gone (or come)
NEWEST = 3


def sen_interval(t_s: Array, y: Array, z: float = SLOSH_Z) -> tuple[float, float]:
    """Sen's distribution-free confidence interval for the Theil–Sen slope of ``y`` over ``t_s`` (seconds),
    in units per hour: the pairwise slopes' order statistics ``(N ∓ C) / 2`` with ``C = z·√Var S``, ``S``
    Kendall's statistic (``Var S = n(n−1)(2n+5)/18``).  ``(nan, nan)`` with fewer than 5 finite points.

    >>> t = np.arange(10) * 60.0
    >>> lo, hi = sen_interval(t, 2.0 * t / 3600)
    >>> round(lo, 6), round(hi, 6)
    (2.0, 2.0)
    """
    t, v = np.asarray(t_s, dtype=np.float64), np.asarray(y, dtype=np.float64)
    ok = np.isfinite(t) & np.isfinite(v)
    t, v = t[ok], v[ok]
    n = len(t)
    if n < 5:
        return float("nan"), float("nan")
    i, j = np.triu_indices(n, k=1)
    dt = t[j] - t[i]
    keep = dt > 0
    slopes = np.sort((v[j] - v[i])[keep] / dt[keep]) * 3600.0
    big_n = len(slopes)
    c = z * math.sqrt(n * (n - 1) * (2 * n + 5) / 18.0)
    lo = int(max(0, math.floor((big_n - c) / 2.0)))
    hi = int(min(big_n - 1, math.ceil((big_n + c) / 2.0)))
    return float(slopes[lo]), float(slopes[hi])


def stayed_apart(y: Array) -> int:
    """``-1`` when every reading of the window's last third is below every one of its first third, or its
    newest ``NEWEST`` readings below every earlier one (the water is lower now than at any minute before: a
    step down, a siphon's start), ``+1`` when above, else 0.  Waves put the readings among each other;
    chance separates five from five once in 252 windows, the newest three of fifteen once in 455.

    >>> stayed_apart(np.r_[np.full(10, 30.0), np.full(5, 28.0)]), stayed_apart(np.sin(np.arange(15.0)))
    (-1, 0)
    """
    v = np.asarray(y, dtype=np.float64)
    v = v[np.isfinite(v)]
    m = len(v) // 3
    if m < NEWEST:
        return 0
    first, last = v[:m], v[-m:]
    newest, before = v[-NEWEST:], v[:-NEWEST]
    if last.max() < first.min() or newest.max() < before.min():
        return -1
    return 1 if last.min() > first.max() or newest.min() > before.max() else 0


def falls_clearly(t_ms: Array, y: Array) -> bool:
    """The level falls beyond its readings' scatter: its slope's confidence interval lies wholly under zero
    (``t_ms`` in milliseconds), or the water stayed down (:func:`stayed_apart`: a step's pairwise slopes are
    half flat, its interval spans zero, yet the water is gone).  A sloshing surface does neither.

    >>> t = np.arange(15) * 60_000.0
    >>> falls_clearly(t, 30.0 - 2.0 * t / 3_600_000), falls_clearly(t, 30.0 + 0.6 * np.sin(t))
    (True, False)
    """
    hi = sen_interval(np.asarray(t_ms, dtype=np.float64) / 1000.0, y)[1]
    return bool(math.isfinite(hi) and hi < 0.0) or stayed_apart(y) < 0


def rises_clearly(t_ms: Array, y: Array) -> bool:
    """The level rises beyond its readings' scatter: its slope's confidence interval lies wholly above zero, or
    the water stayed up (:func:`stayed_apart`).

    >>> t = np.arange(30) * 60_000.0
    >>> rises_clearly(t, 30.0 + 2.0 * t / 3_600_000), rises_clearly(t, 30.0 + 0.6 * np.sin(t))
    (True, False)
    """
    lo = sen_interval(np.asarray(t_ms, dtype=np.float64) / 1000.0, y)[0]
    return bool(math.isfinite(lo) and lo > 0.0) or stayed_apart(y) > 0


def shown_lately(t_ms: Array, y: Array, now_ms: int, minutes: int, key: str, since_ms: int | None = None,
                 every: int = 1) -> bool:
    """The level's movement was shown clear of its scatter (:func:`falls_clearly` for ``level_falling``,
    :func:`rises_clearly` for ``level_rising``) in a window of the last ``minutes`` (from ``since_ms`` at the
    earliest, each ``every``-th reading) ending at any minute of the alert's own wait (its ``for_minutes``):
    a ten-minute leak the keeper refilled at once was shown while it ran, and is told when its wait is over.

    >>> t = np.arange(40) * 60_000.0
    >>> y = np.r_[np.full(30, 30.0), 30.0 - np.arange(1, 9), np.full(2, 30.0)]  # a fall, refilled at once
    >>> falls_clearly(t[-15:], y[-15:]), shown_lately(t, y, 40 * 60_000, 15, "level_falling")
    (False, True)
    """
    t, v = np.asarray(t_ms), np.asarray(y, dtype=np.float64)
    clear = falls_clearly if key == "level_falling" else rises_clearly
    for lag in range(ALERTS[key].for_minutes):
        end = now_ms - lag * MIN_MS
        start = end - minutes * MIN_MS if since_ms is None else max(end - minutes * MIN_MS, since_ms)
        a, b = np.searchsorted(t, [start, end])
        if clear(t[a:b][::every], v[a:b][::every]):
            return True
    return False
