"""How steep the tank's own healthy water falls over an hour: the slow heater-dead test's calibrated floor.

A dead heater lets the water fall toward the room; so does a heater resting
above its set point while the room cools in the evening, a fan blows across
the water on a warm afternoon, or a lamp goes off.  The hour's slope alone
cannot tell those apart (the physics is the same: the water relaxing toward a
cooler room with no heat going in), so the slow test (the last hour's slope,
and the water below its usual) must not fire on a fall the tank's own healthy
days make every evening.  How steep those falls get is learned like the
15-minute trend's tail (:func:`analytics.tank_rules.trend_tails`): the
healthy history's hour-long Theil–Sen slopes, every quarter hour, and the
peaks-over-threshold tail at the stated false-alarm rate.  A tank held by its
heater all day (its hour slopes a few hundredths of a degree) keeps the
profile's rate; a turtle tank in summer, whose water follows a warm flat's
evening down by 0.4 °C an hour above its heater's set point, is told only when
it falls faster than that, or through its heater's own envelope and the
water-change recovery (the other tests of :mod:`analytics.tank_rules`).

Examples
--------
>>> m = np.arange(3 * 1440)
>>> held = 26.0 + 0.05 * np.sin(2 * np.pi * m / 1440)       # a heater holding the water all day
>>> room = 26.0 + 1.5 * np.sin(2 * np.pi * m / 1440)        # the water following a warm room (0.4 °C/h)
>>> bool(hour_fall_tail(m * 60_000, held, None, 1.0) < 0.1), bool(hour_fall_tail(m * 60_000, room, None, 1.0) > 0.38)
(True, True)
"""

from __future__ import annotations

from typing import Any

import numpy as np
from numpy.typing import NDArray

from analytics.medians import flat_median

Array = NDArray[np.float64]

#: the slow test's window (minutes; every other reading, as :meth:`analytics.tank_rules.RulesMixin._cooling`)
HOUR_MINUTES = 60
#: a healthy hour's slope is read every this many minutes (overlapping hours; the tail counts them as the
#: per-test probability's 1440 / 60 independent hours a day say)
EVERY_MINUTES = 15
#: fewer healthy hours than this: no tail (the profile's rate alone)
LEAST_HOURS = 10


def hour_slopes_per_hour(t_ms: NDArray[Any], temp: Array, minutes: int = HOUR_MINUTES,
                         every: int = EVERY_MINUTES) -> Array:
    """Theil–Sen slope (°C/h) of each run of ``minutes`` consecutive readings, every other one (as the slow
    test reads them), one run every ``every`` rows; runs with a missing reading or a gap are left out.

    >>> t = np.arange(240) * 60_000
    >>> s = hour_slopes_per_hour(t, -0.5 * t / 3_600_000)
    >>> len(s), bool(np.allclose(s, -0.5))
    (13, True)
    """
    t = np.asarray(t_ms, dtype=np.float64)
    y = np.asarray(temp, dtype=np.float64)
    if len(y) < minutes:
        return np.zeros(0)
    starts = np.arange(0, len(y) - minutes + 1, every)
    idx = starts[:, None] + np.arange(0, minutes, 2)
    T, Y = t[idx] / 3_600_000, y[idx]
    whole = np.isfinite(Y).all(axis=1) & (T[:, -1] - T[:, 0] <= (minutes - 1) * 1.5 / 60)
    i, j = np.triu_indices(idx.shape[1], k=1)
    with np.errstate(invalid="ignore", divide="ignore"):
        return np.asarray(np.median((Y[whole][:, j] - Y[whole][:, i]) / (T[whole][:, j] - T[whole][:, i]), axis=1))


def quarter_fall_tail(t_ms: NDArray[Any], temp: Array, use: NDArray[np.bool_] | None,
                      false_alarms_per_30_days: float) -> float:
    """How steep the healthy water's own 15-minute falls get (°C/h, ≥ 0) at the stated false-alarm rate: the
    trend test's other half (the water itself falling, not only away from its usual course) asks the water
    to fall steeper than that.  0.0 with too few healthy runs.

    >>> m = np.arange(3 * 1440)
    >>> room = 26.0 + 1.5 * np.sin(2 * np.pi * m / 1440) + np.random.default_rng(0).normal(0, 0.02, len(m))
    >>> bool(quarter_fall_tail(m * 60_000, room, None, 1.0) > 0.39)
    True
    """
    from analytics.trends import trend_tails, window_slopes_per_hour

    y = np.asarray(temp, dtype=np.float64)
    if use is not None:
        y = np.where(np.asarray(use, dtype=bool), y, np.nan)
    return trend_tails(window_slopes_per_hour(t_ms, y), false_alarms_per_30_days)[0]


def hour_fall_tail(t_ms: NDArray[Any], temp: Array, use: NDArray[np.bool_] | None,
                   false_alarms_per_30_days: float) -> float:
    """How steep the healthy water's hour-long falls get (°C/h, ≥ 0) at the stated false-alarm rate.

    ``use`` marks the healthy readings (the drift's and the maintenance's exclusions left out: a water
    change's cool water, a fault); 0.0 with fewer than :data:`LEAST_HOURS` healthy hours.
    """
    from analytics.threshold import per_test_probability, pot_threshold

    y = np.asarray(temp, dtype=np.float64)
    if use is not None:
        y = np.where(np.asarray(use, dtype=bool), y, np.nan)
    s = hour_slopes_per_hour(t_ms, y)
    s = s[np.isfinite(s)]
    if len(s) * EVERY_MINUTES < LEAST_HOURS * 60:
        return 0.0
    return max(0.0, float(pot_threshold(-s, per_test_probability(false_alarms_per_30_days, HOUR_MINUTES))))


#: the days before today whose water at this hour says where the heater holds it (the history the monitor keeps)
HELD_DAYS = 3
#: half the window each day's water at this hour is read over (minutes): the hour about now
HELD_HALF_MINUTES = 30


def held_at_hour(t_ms: NDArray[Any], temp: Array, use: NDArray[np.bool_] | None, now_ms: int,
                 days: int = HELD_DAYS, half_minutes: int = HELD_HALF_MINUTES) -> tuple[float, float]:
    """Where the tank's healthy water was at this hour on the days before (°C, the median day's median), and
    how far below it a new healthy day may still go (°C: three of the days' spread at this hour, widened for a
    median of few days, :func:`analytics.thermostat_envelope.new_day_margin`); (NaN, NaN) with fewer than two
    days that have half the window's readings.

    A heater holding its water keeps it at one level at this hour day after day (the room's course at this
    hour is in each day alike); a dead heater takes the water below that.  This is the tank's own level, read
    from its readings, so it holds where the drift's day/night baseline is stale (a tank changed every evening
    never settles long enough for the baseline to be refitted).  ``use`` marks the healthy readings (a water
    change's cool water, a fault, left out).

    >>> m = np.arange(4 * 1440)
    >>> water = 26.0 + 0.05 * np.sin(2 * np.pi * m / 1440)
    >>> level, margin = held_at_hour(m * 60_000, water, None, int(m[-1]) * 60_000)
    >>> round(level, 2), margin < 0.01
    (26.0, True)
    """
    from analytics.thermostat_envelope import new_day_margin

    t = np.asarray(t_ms, dtype=np.float64)
    y = np.asarray(temp, dtype=np.float64)
    ok = np.isfinite(y) if use is None else np.isfinite(y) & np.asarray(use, dtype=bool)
    half = half_minutes * 60_000
    levels: list[float] = []
    for d in range(1, days + 1):
        centre = now_ms - d * 86_400_000
        a, b = np.searchsorted(t, [centre - half, centre + half])
        if ok[a:b].sum() >= half_minutes:
            levels.append(float(flat_median(y[a:b][ok[a:b]])))
    if len(levels) < 2:
        return float("nan"), float("nan")
    return float(flat_median(levels)), new_day_margin(levels)


def below_held(level_c: float, margin_c: float, now_c: float, drop_c: float, held: bool) -> bool:
    """The water is below where its heater holds it at this hour: more than ``drop_c`` (the profile's
    ``heater_off_drop_c``) under the days' ``level_c`` and further than a new healthy day may go
    (``margin_c``); once told (``held``) ``drop_c`` alone.  False with a NaN.

    >>> below_held(26.0, 0.05, 25.5, 0.4, False), below_held(26.0, 0.8, 25.5, 0.4, False)
    (True, False)
    >>> below_held(26.0, 0.8, 25.5, 0.4, True), below_held(float("nan"), 0.0, 25.0, 0.4, False)
    (True, False)
    """
    if not all(np.isfinite(v) for v in (level_c, margin_c, now_c)):
        return False
    drop = level_c - now_c
    return bool(drop > drop_c and (held or drop > margin_c))


def gap_to_days(t_ms: NDArray[Any], temp: Array, use: NDArray[np.bool_] | None, now_ms: int, minutes: int,
                days: int = HELD_DAYS) -> tuple[Array, Array]:
    """How far the water of the last ``minutes`` is below where it was at the same minute of the day on the
    days before (°C, the median day's reading minus the water's; positive below), and those minutes' times
    (ms); empty arrays where fewer than two days have the reading.

    The day's own course (the room cooling overnight) is in each day alike, so this gap moves only when the
    water does something its days did not: a heater warming it back after a water change closes it, a heater
    that stopped leaves it open.  ``use`` marks the healthy readings of the days before.

    >>> m = np.arange(4 * 1440)
    >>> water = 26.0 + 0.3 * np.sin(2 * np.pi * m / 1440) - 0.5 * (m >= 4 * 1440 - 60)
    >>> t, gap = gap_to_days(m * 60_000, water, None, int(m[-1] + 1) * 60_000, 60)
    >>> len(gap), round(float(flat_median(gap)), 2)
    (60, 0.5)
    """
    t = np.asarray(t_ms, dtype=np.float64)
    y = np.asarray(temp, dtype=np.float64)
    ok = np.isfinite(y) if use is None else np.isfinite(y) & np.asarray(use, dtype=bool)
    a = int(np.searchsorted(t, now_ms - minutes * 60_000))
    tn, yn = t[a:], y[a:]
    if len(tn) == 0:
        return np.empty(0), np.empty(0)
    refs = np.full((days, len(tn)), np.nan)
    for d in range(1, days + 1):
        back = tn - d * 86_400_000
        j = np.clip(np.searchsorted(t, back), 0, len(t) - 1)
        near = np.abs(t[j] - back) <= 30_000  # the reading of that minute on that day
        refs[d - 1] = np.where(near & ok[j], y[j], np.nan)
    enough = (np.isfinite(refs).sum(axis=0) >= 2) & np.isfinite(yn)
    if not enough.any():
        return np.empty(0), np.empty(0)
    ref = np.nanmedian(refs[:, enough], axis=0)
    return tn[enough], ref - yn[enough]
