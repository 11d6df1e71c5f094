"""Where a thermostat has let the water go at this hour of the day: the envelope of its healthy sawtooth.

A thermostat's band may move with the room over the day (a cheap heater's bimetal, a small tank's overshoot,
a heater that cannot keep up on a cold night), so the water at 4:00 is judged against where it went at
4:00 on the days before, not against the whole day's band (:mod:`analytics.thermostat` finds the cycle
itself).  Pure functions on the readings; the heater rules (:mod:`analytics.heater_rules`) read them.

Examples
--------
>>> m = np.arange(3 * 1440 + 60)
>>> saw = 25.0 + 0.25 * (2 * np.abs((m / 90.0) % 1.0 - 0.5) * 2 - 1)  # 25 ± 0.25 °C, 90 min a cycle
>>> env = hour_envelope(m * 60_000, saw, None, int(m[-1]) * 60_000, 60)
>>> round(env.low, 2), round(env.high, 2)
(24.76, 25.24)
"""

from __future__ import annotations

from typing import Any, NamedTuple, Sequence

import numpy as np
from numpy.typing import NDArray

from analytics.medians import flat_median
from analytics.thermostat import LEAST_REVERSAL_C, MIN_MS, Cycle, current_leg, smoothed, turn_points

Array = NDArray[np.float64]

#: the least departure (°C) from where a thermostat has let the water go that is worth waking a keeper for:
#: a probe's calibration tolerance (a thermometer is good to about 0.1 °C)
LEAST_DEPARTURE_C = 0.1
#: the healthy days before today the envelope at this hour is read from (the history the monitor keeps)
ENVELOPE_DAYS = 3
DAY_MS = 86_400_000


class Envelope(NamedTuple):
    """Where the thermostat let the water go around this hour on the recent healthy days (°C): the median
    day's lowest and highest (smoothed) readings, and how far a day strays from them (``spread``: three
    robust standard deviations, the MAD's, of the days' lowest and highest); and how fast the water fell
    while the heater rested and climbed while it heated there (°C/h, the median leg's of each, both ≥ 0).
    ``low_spread`` (°C) is how much further below a new day may stray than ``spread`` already allows, from
    the days' range (:func:`day_to_day_sd`, :func:`new_day_margin`): what a dead-heater verdict needs on top
    unless the water falls faster than it did there.  ``lowest`` (°C) is the lowest day's lowest there: where
    it is below a regular band's low, the thermostat did not hold the water at its band at this hour on
    every healthy day (a heater flat out on a cold night, a fan's band the room takes the water below)."""

    low: float
    high: float
    spread: float
    fall_c_per_h: float = 0.0
    rise_c_per_h: float = 0.0
    #: the longest healthy climb there (minutes, turn point to turn point), and how long the water has been
    #: climbing now (0 while it falls): a stuck heater's climb goes on past the longest healthy one
    longest_rise_min: float = 0.0
    climbing_min: float = 0.0
    low_spread: float = 0.0
    lowest: float = float("nan")


#: the mean range of n normal draws in standard deviations (d2, the control-chart constant), n = 2..5
RANGE_D2 = {2: 1.128, 3: 1.693, 4: 2.059, 5: 2.326}


def day_to_day_sd(values: Sequence[float]) -> float:
    """How much the days' extremes at this hour stray from one another (°C, one standard deviation).

    The larger of the robust spread (the MAD's) and the range's over ``d2`` (the small-sample estimate
    control charts use): with three days the MAD is the middle deviation only and calls a night colder than
    the other two no spread at all, while the range sees it.  (A day a fault spoiled does not widen it: the
    drift's exclusions keep its readings out of the envelope.)  0 with fewer than two days.

    >>> round(day_to_day_sd([24.27, 24.88, 24.91]), 2), day_to_day_sd([25.0])
    (0.38, 0.0)
    """
    v = np.asarray(values, dtype=np.float64)
    if len(v) < 2:
        return 0.0
    mad = 1.4826 * float(flat_median(np.abs(v - flat_median(v))))
    return max(mad, float(np.ptp(v)) / RANGE_D2.get(len(v), float(np.sqrt(len(v)))))


def new_day_margin(values: Sequence[float]) -> float:
    """How far below (or above) the median of the days' extremes ``values`` a new healthy day may go (°C):
    three standard deviations of a new day's distance from a median of n days, ``sd * sqrt(1 + pi / 2n)``
    (the median's own error adds to the day's).

    >>> round(new_day_margin([24.57, 24.63, 24.64]), 2), new_day_margin([25.0])
    (0.15, 0.0)
    """
    n = len(values)
    return 3.0 * day_to_day_sd(values) * float(np.sqrt(1.0 + np.pi / (2.0 * n))) if n >= 2 else 0.0


def hour_envelope(t_ms: NDArray[Any], temp: Array, use: NDArray[np.bool_] | None, now_ms: int,
                  half_window_min: float, days: int = ENVELOPE_DAYS, reversal: float = LEAST_REVERSAL_C
                  ) -> Envelope | None:
    """The envelope of the water's healthy sawtooth around this hour of the day, from the days before.

    A thermostat's band may move with the room over the day (a cheap heater's bimetal, a small tank's
    overshoot), so the water at 4:00 is judged against where it went at 4:00 on the days before, not against
    the whole day's band.  Each day's window (``now`` ± ``half_window_min``, at least a whole cycle wide so
    it holds a lower and an upper turn) gives its lowest and highest reading; the median day's are the
    envelope, so one day spoiled by a fault or a water change is outvoted.  None while no day before has
    half its window's readings (warm-up, a device that was off).

    Parameters
    ----------
    t_ms, temp : array
        The readings (sorted by time) and the water's temperature, °C.
    use : array of bool or None
        The readings that are healthy history (others are treated as missing).
    now_ms : int
        Now.
    half_window_min : float
        Half the window's width, minutes.
    reversal : float
        The least reversal of a turn point (°C, the cycle's): the legs' rates are read between turn points.

    Examples
    --------
    >>> m = np.arange(3 * 1440 + 60)
    >>> saw = 25.0 + 0.25 * (2 * np.abs((m / 90.0) % 1.0 - 0.5) * 2 - 1)  # 25 ± 0.25 °C, 90 min a cycle
    >>> env = hour_envelope(m * 60_000, saw, None, int(m[-1]) * 60_000, 60)
    >>> round(env.low, 2), round(env.high, 2), round(env.spread, 2), round(env.fall_c_per_h, 1)
    (24.76, 25.24, 0.0, 0.6)
    """
    t = np.asarray(t_ms, dtype=np.float64)
    y = np.asarray(temp, dtype=np.float64)
    ok = np.isfinite(y) if use is None else np.isfinite(y) & np.asarray(use, dtype=bool)
    half = half_window_min * MIN_MS
    lows: list[float] = []
    highs: list[float] = []
    steps: list[Array] = []
    climbs: list[float] = [0.0]
    for d in range(1, days + 1):
        centre = now_ms - d * DAY_MS
        a, b = np.searchsorted(t, [centre - half, centre + half])
        if ok[a:b].sum() < half_window_min:  # half the window's minutes at least
            continue
        ys = smoothed(np.where(ok[a:b], y[a:b], np.nan))
        lows.append(float(np.nanmin(ys)))
        highs.append(float(np.nanmax(ys)))
        # each leg's rate, turn point to turn point, the window's ends closing its first and last leg (a
        # minute's step is mostly the probe's noise); a stretch that moves less than a reversal is no leg
        seen = np.flatnonzero(np.isfinite(ys))
        turns = turn_points(ys, reversal)[0]
        ends = np.unique(np.r_[seen[0], turns, seen[-1]])
        moved, took = np.diff(ys[ends]), np.diff(t[a:b][ends]) / 3_600_000
        steps.append((moved / np.maximum(took, 1e-9))[np.abs(moved) >= reversal])
        whole = np.diff(ys[turns]) > 0  # (the climbs between two turn points: whole legs)
        climbs += (np.diff(t[a:b][turns])[whole] / MIN_MS).tolist()
    if not lows:
        return None
    low, high = float(flat_median(lows)), float(flat_median(highs))
    mad = max(float(flat_median(np.abs(np.asarray(lows) - low))), float(flat_median(np.abs(np.asarray(highs) - high))))
    spread = 3 * 1.4826 * mad
    rate = np.concatenate(steps) if steps else np.zeros(0)
    fall, rise = -rate[rate < 0], rate[rate > 0]
    return Envelope(low, high, spread, float(flat_median(fall)) if len(fall) else 0.0,
                    float(flat_median(rise)) if len(rise) else 0.0, max(climbs), 0.0,
                    max(0.0, new_day_margin(lows) - spread), min(lows))


def beyond_envelope(env: Envelope | None, now_c: float, noise_c: float, slope_c_per_h: float = float("nan"),
                    held: int = 0) -> int:
    """Where the water is against the envelope: -1 below its low, +1 above its high, 0 inside (or none).

    A dead-heater verdict needs evidence beyond this tank's own variation at this hour.  The water must be
    further out than the days' robust ``spread`` and the probe can be wrong (three of its noise ``noise_c``,
    °C, and at least :data:`LEAST_DEPARTURE_C`, a thermometer's calibration tolerance) and, below, as far
    as a new night may stray from the nights before at this hour (``low_spread``: a night colder than the
    last three takes a heater working flat out lower than any of them) -- unless the water falls (the last
    hour's ``slope_c_per_h``) more than twice as fast as the hour's healthy falls: then no heat is coming
    in.  At an hour the heater works flat out the healthy falls are the slow sag of a heater that cannot
    keep up, a dead heater's water falls at the room's full pull.  (At an hour the thermostat cycles its
    off-legs fall as fast as a dead heater's, so speed tells nothing there and the margin must.)  Above,
    the first margin alone: a stuck heater's water climbs through it.  ``held`` (-1 or +1): a verdict
    already told on that side holds while the water stays past the first margin alone.

    >>> env = Envelope(24.8, 25.2, 0.0, 0.1, 0.5, low_spread=0.3)  # nights stray 0.3 °C; the hour's falls 0.1 °C/h
    >>> beyond_envelope(env, 24.6, 0.02, -0.1), beyond_envelope(env, 24.6, 0.02, -1.0)  # a sag; a dead heater
    (0, -1)
    >>> beyond_envelope(env, 24.3, 0.02, -0.1), beyond_envelope(env, 24.75, 0.02, -1.0), beyond_envelope(env, 24.6, 0.02, held=-1)
    (-1, 0, -1)
    """
    if env is None or not np.isfinite(now_c):
        return 0
    margin = env.spread + max(LEAST_DEPARTURE_C, 3.0 * noise_c)
    below, above = env.low - now_c, now_c - env.high
    if held:
        return held if (below if held < 0 else above) > margin else 0
    slope = slope_c_per_h if np.isfinite(slope_c_per_h) else 0.0
    if below > margin + (0.0 if slope < -2.0 * env.fall_c_per_h else env.low_spread):
        return -1
    if above > margin:
        return 1
    return 0


def band_held(env: Envelope, cycle: Cycle) -> bool:
    """Whether the thermostat held the water at its band at this hour on every healthy day before: the band
    is regular and no day's lowest there went below its low (by more than the turn points' own ``margin``).

    Below such a band the water goes only if no heat comes in, so a dead-heater verdict needs no margin for
    the nights' straying.  Where a healthy day went below it at this hour the band's low is no floor there:
    a heater flat out on a cold night lets the water sag below it (further on a colder night), and the band
    of a fan's thermostat is one the cooling room takes the water below; the nights stray there as the room
    does (``low_spread``).  Held when the days' lowest is unknown.

    >>> cycle = Cycle(26.8, 27.2, 0.18, 60.0, 40.0, 96.0)
    >>> band_held(Envelope(26.8, 27.2, 0.0, lowest=26.79), cycle)  # every night turned up at the band's low
    True
    >>> band_held(Envelope(26.6, 27.2, 0.0, lowest=26.46), cycle)  # a night the heater sagged below it
    False
    """
    if not cycle.regular:
        return False
    return not env.lowest < cycle.low - cycle.margin


def envelope_window_minutes(cycle: Cycle | tuple[float, ...] | None) -> float:
    """Half the window :func:`hour_envelope` reads each day: a whole cycle wide (the longest healthy one)
    and a quarter hour each side for its phase; 0 without a sawtooth (the rules judge a flat tank so).

    >>> envelope_window_minutes(Cycle(24.5, 25.5, 0.05, 180.0, 120.0, 300.0)), envelope_window_minutes(())
    (165.0, 0.0)
    """
    if cycle is None or len(cycle) != len(Cycle._fields):
        return 0.0
    c = Cycle(*cycle)
    return 0.5 * c.period_min + 15.0 if c.period_min > 0 else 0.0


def last_turns(t_ms: NDArray[Any], temp: Array, now_ms: int, period_min: float, reversal: float
               ) -> tuple[float, float, float]:
    """The lowest and highest the water went in the cycle before its current leg (°C; NaN without readings),
    and how many minutes the water has been climbing (0 while it falls).

    The current leg is read back to its last turn (:func:`current_leg`); the whole cycle before that turn
    holds the thermostat's last lower and upper turn points, where it switched the heater on and off today
    (a colder night than the days before moves a band that moves with the room lower than any of them). A
    dead heater's fall goes on below the last lower turn; a resting heater's ends at about it.

    >>> t = np.arange(300) * 60_000.0
    >>> saw = np.r_[np.linspace(25.0, 25.6, 60), np.linspace(25.6, 24.9, 90), np.linspace(24.9, 25.6, 60),
    ...             np.linspace(25.6, 24.5, 90)]
    >>> [round(x, 1) for x in last_turns(t, saw, 300 * 60_000, 150.0, 0.1)]
    [24.9, 25.6, 0.0]
    """
    t = np.asarray(t_ms, dtype=np.float64)
    y = np.asarray(temp, dtype=np.float64)
    recent = t >= now_ms - (2 * period_min + 60) * MIN_MS
    direction, age = current_leg(t[recent], y[recent], reversal)
    turned = now_ms - age * MIN_MS
    before = (t >= turned - period_min * MIN_MS) & (t <= turned)
    ys = smoothed(y[before])
    climbing = age if direction > 0 else 0.0
    if not np.isfinite(ys).any():
        return float("nan"), float("nan"), climbing
    return float(np.nanmin(ys)), float(np.nanmax(ys)), climbing
