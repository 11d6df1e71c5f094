"""A fall the tank makes at the same hour every day is its own schedule, not a leak.

A leak does not keep an appointment.  A tank's own equipment does: an
automatic water change (AWC) runs on a timer at 5:00 and 17:00, and after
each event the head over its standpipe drains back to the lip, the sump
falling for minutes as steeply as a leak would; a keeper who changes water
every evening drains at about the same hour each day.  Such a fall is read
from the tank's own past, as the keeper would read it: on the reference's
days the level fell near this hour of the day (within ``SCHEDULE_MINUTES``)
about as steeply as now -- the fall now no more than ``HABIT_RATE_FACTOR``
times that day's, the factor a keeper's own drains vary by -- on all of them
but one at most, which a fault or the keeper's hand may have broken, and on
two at least (one day is no habit).  A day's fall counts only when it stands
out of the level's noise (``NOISE_Z`` standard errors of a ``FALL_MINUTES``
slope, the error read from that day's minute-to-minute steps): the steepest
of an hour's noisy slopes is no appointment, or every fall of a noisy tub's
level at any hour would be "its schedule" and a slow leak would wait for
the hour to pass.  Then the fast-fall
rules wait: a leak that happens to begin at the appointed hour is told as
soon as the hour has passed and the level is still falling, or by the
slower rules (a steady fall over the hour, a seep, water not refilled),
which this does not hold.

Examples
--------
>>> t = np.arange(4 * 1440) * 60_000
>>> minute = np.arange(4 * 1440) % 1440
>>> head = np.clip(1.0 - (minute - 300) / 20.0, 0.0, 1.0) * (minute >= 300)  # drains 1 cm in 20 min at 5:00
>>> level = 20.0 + head * (minute < 330)
>>> now = 3 * 86_400_000 + 310 * 60_000
>>> fall_now = 3.0  # cm/h over the last 15 minutes
>>> scheduled_fall(t[t < now], level[t < now], now, fall_now, days=3)
True
>>> scheduled_fall(t[t < now], level[t < now], now - 6 * 3_600_000, fall_now, 3)  # 23:10: no habit
False
>>> scheduled_fall(t[t < now], level[t < now], now, 8.0, 3)  # far steeper than any day's at 5:00
False
"""

from __future__ import annotations

import numpy as np
from numpy.typing import NDArray

from analytics.medians import flat_median
from analytics.water_change import HABIT_HOUR_MINUTES, HABIT_RATE_FACTOR

Array = NDArray[np.float64]
MIN_MS = 60_000
DAY_MS = 86_400_000
#: a fall keeps the tank's appointment within this many minutes either side of the same clock time
SCHEDULE_MINUTES = HABIT_HOUR_MINUTES
#: the fall's rate is a Theil–Sen slope over this many minutes (as the rate rule's)
FALL_MINUTES = 15
#: a day's fall is the tank's appointment only this many standard errors of the slope beyond the level's noise:
#: on white noise the steepest of the window's 15-minute slopes passes 4 on about one day in a hundred
NOISE_Z = 4.0
#: a past day's window with fewer than this share of its readings says nothing about that day
ENOUGH = 0.6


def day_falls(t_ms: Array, level: Array, now_ms: int, days: int) -> list[float]:
    """The steepest ``FALL_MINUTES`` fall (cm/h, ≥ 0) within ``SCHEDULE_MINUTES`` of this clock time on each
    of the last ``days`` days that has readings there (NaN-free windows only; a day without is left out); 0 on
    a day whose steepest fall is within ``NOISE_Z`` standard errors of its slope (:func:`slope_error`): noise."""
    t_ms, level = np.asarray(t_ms, dtype=np.int64), np.asarray(level, dtype=np.float64)
    out: list[float] = []
    i, j = np.triu_indices(FALL_MINUTES, k=1)
    for d in range(1, days + 1):
        centre = now_ms - d * DAY_MS
        a = centre - (SCHEDULE_MINUTES + FALL_MINUTES) * MIN_MS
        b = centre + SCHEDULE_MINUTES * MIN_MS
        sel = (t_ms >= a) & (t_ms < b) & np.isfinite(level)
        n = int(sel.sum())
        if n < ENOUGH * (b - a) / MIN_MS or n < FALL_MINUTES:
            continue
        T, Y = t_ms[sel] / 3_600_000.0, level[sel]
        idx = np.arange(n - FALL_MINUTES + 1)[:, None] + np.arange(FALL_MINUTES)
        Tw, Yw = T[idx], Y[idx]
        whole = Tw[:, -1] - Tw[:, 0] <= (FALL_MINUTES - 1) * 1.5 / 60.0
        if not whole.any():
            continue
        with np.errstate(invalid="ignore", divide="ignore"):
            slopes = np.median((Yw[whole][:, j] - Yw[whole][:, i]) / (Tw[whole][:, j] - Tw[whole][:, i]), axis=1)
        fall = max(0.0, -float(np.min(slopes)))
        out.append(fall if fall > NOISE_Z * slope_error(T, Y) else 0.0)
    return out


def slope_error(t_h: Array, y: Array) -> float:
    """The standard error (cm/h) of a ``FALL_MINUTES`` slope over readings a minute apart with the level's
    noise, read robustly from its minute-to-minute steps (a step between two noisy readings has √2 times
    their spread; a fall's own steps shift them all alike and leave their spread).

    >>> t = np.arange(75) / 60.0
    >>> 0.3 < slope_error(t, 20.0 + np.random.default_rng(0).normal(0.0, 0.15, 75)) < 0.8  # 0.54 in theory
    True
    """
    steps = np.diff(y)[np.diff(t_h) <= 1.5 / 60.0]
    if len(steps) < 2:
        return float("inf")
    noise = 1.4826 * float(flat_median(np.abs(steps - flat_median(steps)))) / np.sqrt(2.0)
    n = FALL_MINUTES
    return float(noise * np.sqrt(12.0 / (n ** 3 - n)) * 60.0)


def scheduled_fall(t_ms: Array, level: Array, now_ms: int, fall_cm_per_h: float, days: int) -> bool:
    """A fall of ``fall_cm_per_h`` now keeps the tank's daily appointment: on the last ``days`` days with
    readings at this hour, all but one at most (and two at least), the level fell within
    ``SCHEDULE_MINUTES`` of this clock time at least ``1 / HABIT_RATE_FACTOR`` as steeply as now (now no
    steeper than ``HABIT_RATE_FACTOR`` times each of those days' falls)."""
    falls = day_falls(t_ms, level, now_ms, days)
    kept = [f for f in falls if f >= fall_cm_per_h / HABIT_RATE_FACTOR]
    return len(kept) >= max(2, len(falls) - 1)
