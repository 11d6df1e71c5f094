"""A reading against the same minutes of its past days: a tank's daily course as its own readings keep it.

A model of the daily course (harmonics, a learned shape, a trend) misses a steep
course (a CO2 tank's pH falls 0.6 every morning) by a few hundredths at the same
hours every day; the past days do not.  What departs from them, and keeps
departing whatever the hour, is not the daily course (an ageing probe).
"""

from __future__ import annotations

import numpy as np
from numpy.typing import NDArray

from analytics.catalogue import DAY_MS, MIN_MS

Array = NDArray[np.float64]


def departure_from_past_days(t_ms: Array, x: Array, end_ms: int, oldest_ms: float, healthy: NDArray[np.bool_],
                             minutes: int = 30) -> float:
    """How far a reading's mean over the ``minutes`` before ``end_ms`` is from the same minutes of past days.

    Parameters
    ----------
    t_ms, x
        The reading's times (epoch ms) and values (NaN: no reading).
    end_ms
        The end of the minutes judged.
    oldest_ms
        No past minute before this is used (the history the service keeps).
    healthy
        Which rows may stand for a past day (no time under an alert, none before a lasting change).
    minutes
        How many minutes are judged.

    Returns
    -------
    float
        The mean over the minutes minus the median, over the past days, of each
        day's mean over the same minutes (its healthy readings, a third of the
        minutes at least); NaN when fewer than a third of the minutes have
        readings now, or no past day has.

    Examples
    --------
    >>> t = np.arange(3 * 1440, dtype=np.float64) * MIN_MS
    >>> course = np.sin(2 * np.pi * t / DAY_MS)  # a steep daily course repeats: no departure
    >>> abs(departure_from_past_days(t, course, 3 * DAY_MS - 1, 0, np.ones(len(t), bool))) < 1e-9
    True
    >>> drifting = course - 0.25 * t / DAY_MS  # a probe drifting -0.25 a day
    >>> float(round(departure_from_past_days(t, drifting, 3 * DAY_MS - 1, 0, np.ones(len(t), bool)), 3))
    -0.375
    """
    span = minutes * MIN_MS
    enough = max(1, minutes // 3)
    here = np.isfinite(x)
    now = here & (t_ms >= end_ms - span) & (t_ms < end_ms)
    if now.sum() < enough:
        return float("nan")
    here &= healthy
    past = []
    days_ago = 1
    while end_ms - days_ago * DAY_MS - span >= oldest_ms:
        hi = end_ms - days_ago * DAY_MS
        day = here & (t_ms >= hi - span) & (t_ms < hi)
        if day.sum() >= enough:
            past.append(float(np.mean(x[day])))
        days_ago += 1
    return float(np.mean(x[now])) - float(np.median(past)) if past else float("nan")
