"""A thermostat's cycle in the water's temperature: its band, its longest healthy legs, and whether a move now is it.

A heater (or a chiller) switched by its own thermostat draws a sawtooth: the water climbs while the heater is
on and falls toward the room while it is off, between a lower turn point (where the thermostat switches the
heater on) and an upper one (where it switches it off).  A fall *inside* that band, no longer than the
longest healthy off-period, is the heater resting, not a dead heater; a climb inside it, no longer than the
longest healthy on-period, is the heater working, not one stuck on.  A dead heater takes the water through
and below the lower turn point (where the thermostat should have switched it on) and keeps it falling, or
makes a fall that lasts longer than any healthy one; a stuck one takes it past the upper turn point.  A
chiller is the same cycle reversed, so nothing here needs to know which it is.

Everything is learned from the tank's own healthy history (turn points are the sawtooth's local extrema
with a reversal above the probe's noise; the band from their robust quantiles), no configuration; a tank
without a regular cycle (a smooth day/night course) has none and its rules are unchanged.  Where the water went
at each hour of the day (a band that moves with the room) is :mod:`analytics.thermostat_envelope`'s job.

Examples
--------
>>> minutes = np.arange(3 * 1440)
>>> saw = 25.0 + 0.15 * (2 * np.abs((minutes / 90.0) % 1.0 - 0.5) * 2 - 1)  # 25 ± 0.15 °C, 90 min a cycle
>>> cycle = find_cycle(minutes * 60_000, saw)
>>> round(cycle.low, 2), round(cycle.high, 2), round(cycle.longest_fall_min)
(24.86, 25.14, 45)
>>> in_cycle(cycle, minutes[:200] * 60_000, saw[:200], falling=saw[199] < saw[198])
True
"""

from __future__ import annotations

from typing import Any, NamedTuple, Sequence

import numpy as np
from numpy.typing import NDArray

from analytics.medians import flat_median

Array = NDArray[np.float64]
MIN_MS = 60_000

#: the least a turn point must reverse (°C): below it a wobble of the probe, not the thermostat
LEAST_REVERSAL_C = 0.05
#: a turn point reverses at least this many times the probe's minute-to-minute noise
NOISE_REVERSALS = 6.0
#: a cycle is a thermostat's when it turns at least this many times a day (a day/night course turns twice)
LEAST_LEGS_PER_DAY = 8.0
#: and when most of its legs (this fraction) span most of the band: a regular sawtooth, not a wander
REGULAR_FRACTION = 0.6
#: a healthy history shorter than this (hours) is too short to learn a cycle from
LEAST_HOURS = 12.0
#: a sawtooth (regular or not) turns at least this many times a day: more than a day and a night (2) and a
#: sunny afternoon's or a water change's bumps (2 more each)
LEAST_SAWTOOTH_LEGS_PER_DAY = 6.0
#: and its legs are of one height: how far each clears the least reversal gathers (the lower quartile at
#: least this fraction of the median), as a thermostat's legs each span its band wherever the band sits; a
#: wander's turns clear it by amounts spread like an exponential's (its lower quartile 0.42 of its median)
GATHERED_EXCESS = 0.7
#: and the tallest tenth of its legs at most this many times their median (a band that moves with the room
#: stretches some legs: up to 2 measured); a day's sun or a cold night among a few wobbles is no sawtooth.
#: Against the median, not the shortest tenth: the few short legs of a night the band sinks with the room
#: (the heater holding the water at its lower turn, turning by hardly more than the probe resolves) are no
#: wander while the legs that span the band are the many (the gathered test above holds them to a quarter)
LEG_HEIGHTS_RATIO = 3.0
#: a leg of heat going in or out of the water is a ramp: its readings scatter about the running median by
#: no more than this many of the probe's usual noise (a failing probe's spell of jumps scatters far more)
LEG_SCATTER_NOISES = 3.0


class Cycle(NamedTuple):
    """A thermostat's cycle learned from the healthy water (all °C and minutes).

    ``low`` and ``high`` are the lower and upper turn points (robust quantiles of the sawtooth's local minima
    and maxima); ``margin`` the turn points' own spread and the reversal the cycle is resolved at, the water
    may be that far outside them; ``longest_fall_min`` and ``longest_rise_min`` the longest healthy legs.
    ``period_min`` is the longest healthy full cycle (the 90th percentile from one turn to the next of its
    kind); ``regular`` 1.0 when the turn points gather at one band all day (``low``, ``high`` and the
    longest legs mean something), 0.0 for a sawtooth whose band moves with the room (only
    :func:`analytics.thermostat_envelope.hour_envelope` judges it).
    """

    low: float
    high: float
    margin: float
    longest_fall_min: float
    longest_rise_min: float
    period_min: float = 0.0
    regular: float = 1.0


def smoothed(y: Array, width: int = 5) -> Array:
    """The centred running median of ``width`` readings (NaNs ignored): a probe's noise off the sawtooth.

    >>> smoothed(np.array([1.0, 1.0, 9.0, 1.0, 1.0, 1.0])).tolist()
    [1.0, 1.0, 1.0, 1.0, 1.0, 1.0]
    """
    y = np.asarray(y, dtype=np.float64)
    if len(y) < width:
        return y.copy()
    half = width // 2
    padded = np.concatenate([np.full(half, np.nan), y, np.full(half, np.nan)])
    win = np.lib.stride_tricks.sliding_window_view(padded, width)
    out = np.full(len(y), np.nan)
    some = np.isfinite(win).any(axis=1)
    out[some] = np.nanmedian(win[some], axis=1)
    return out


def probe_noise(y: Array) -> float:
    """The probe's minute-to-minute noise (°C): the robust spread (MAD) of the second differences over √6.

    Second differences: a ramp's own slope drops out (a tiny tank's sawtooth climbs 0.1 °C a minute, which
    first differences would read as noise and so never see its turns).

    >>> noise = np.random.default_rng(0).normal(0.0, 0.02, 3000)
    >>> ramps = 25.0 + 0.3 * (2 * np.abs((np.arange(3000) / 16.0) % 1.0 - 0.5))  # 0.3 °C in 8 minutes
    >>> round(probe_noise(25.0 + noise), 2), round(probe_noise(ramps + noise), 2)
    (0.02, 0.02)
    """
    d = np.diff(np.asarray(y, dtype=np.float64), n=2)
    d = d[np.isfinite(d)]
    return 1.4826 * float(flat_median(np.abs(d - flat_median(d)))) / float(np.sqrt(6.0)) if len(d) else 0.0


def clean_legs(y: Array, ys: Array, idx: NDArray[np.intp]) -> NDArray[np.bool_]:
    """Which legs between the turn points ``idx`` are ramps of heat: their readings ``y`` scatter about the
    running median ``ys`` by no more than :data:`LEG_SCATTER_NOISES` of the probe's noise (a spell of a
    failing probe's jumps turns the running median as often as a tiny tank's thermostat does, but is no
    ramp).

    >>> m = np.arange(600)
    >>> rng = np.random.default_rng(0)
    >>> y = 25.25 + 0.25 * (2 * np.abs((m / 120.0) % 1.0 - 0.5) * 2 - 1) + rng.normal(0, 0.02, 600)
    >>> y[300:360] += rng.normal(0, 0.2, 60)  # the sixth leg: a probe failing
    >>> clean_legs(y, smoothed(y), np.arange(0, 601, 60).clip(0, 599)).tolist()
    [True, True, True, True, True, False, True, True, True, True]
    """
    noise = max(probe_noise(y), 1e-3)
    scatter = np.abs(np.asarray(y, dtype=np.float64) - ys)
    out = np.zeros(max(len(idx) - 1, 0), dtype=bool)
    for k, (a, b) in enumerate(zip(idx[:-1], idx[1:])):
        leg = scatter[a:b + 1]
        leg = leg[np.isfinite(leg)]
        out[k] = bool(len(leg)) and float(np.mean(leg)) <= LEG_SCATTER_NOISES * noise
    return out


def reversal_for(y: Array) -> float:
    """The least reversal (°C) a turn point must make: ``NOISE_REVERSALS`` times the probe's minute-to-minute
    noise (from the median absolute first difference), and at least ``LEAST_REVERSAL_C``."""
    return max(LEAST_REVERSAL_C, NOISE_REVERSALS * probe_noise(y))


def turn_points(y: Array, reversal: float) -> tuple[NDArray[np.intp], NDArray[np.bool_]]:
    """The local extrema that reverse by at least ``reversal`` (a zigzag): their indices and whether each is a
    maximum.  NaNs are stepped over.

    >>> idx, is_max = turn_points(np.array([0.0, 1.0, 0.5, 0.9, 0.0, 0.1, 1.0]), 0.6)
    >>> idx.tolist(), is_max.tolist()
    ([1, 4], [True, False])
    """
    idx: list[int] = []
    kind: list[bool] = []
    values = np.asarray(y, dtype=np.float64).tolist()
    hi_i = lo_i = -1
    hi = lo = float("nan")
    going = 0  # +1 rising since the last minimum, -1 falling since the last maximum, 0 not yet known
    for j, v in enumerate(values):
        if v != v:  # NaN
            continue
        if hi_i < 0:
            hi_i = lo_i = j
            hi = lo = v
            continue
        if going >= 0:
            if v > hi:
                hi, hi_i = v, j
            if going == 0 and v < lo:
                lo, lo_i = v, j
            if hi - v >= reversal and (going == 1 or hi_i > lo_i):
                idx.append(hi_i)
                kind.append(True)
                going, lo, lo_i = -1, v, j
                continue
            if going == 0 and v - lo >= reversal and lo_i > hi_i:
                idx.append(lo_i)
                kind.append(False)
                going, hi, hi_i = 1, v, j
                continue
        if going == -1:
            if v < lo:
                lo, lo_i = v, j
            if v - lo >= reversal:
                idx.append(lo_i)
                kind.append(False)
                going, hi, hi_i = 1, v, j
    return np.asarray(idx, dtype=np.intp), np.asarray(kind, dtype=bool)


def find_cycle(t_ms: NDArray[Any], temp: Array, use: NDArray[np.bool_] | None = None) -> Cycle | None:
    """The thermostat's cycle in a healthy temperature history, or None when there is no sawtooth.

    Parameters
    ----------
    t_ms : array
        Reading times, ms.
    temp : array
        The water's temperature, °C (glitches already removed or not: a running median takes them off).
    use : array of bool, optional
        The readings that are healthy history (others are treated as missing; a leg across them is not
        measured).

    Returns
    -------
    Cycle or None
        None when the water turns fewer than ``LEAST_SAWTOOTH_LEGS_PER_DAY`` times a day, or its legs hardly
        clear the probe's noise (a wander, not a thermostat); ``regular`` 0.0 when it turns fewer than
        ``LEAST_LEGS_PER_DAY`` times or its turn points do not gather at one band (it moves with the room).
    """
    t = np.asarray(t_ms, dtype=np.float64)
    y = np.asarray(temp, dtype=np.float64).copy()
    if use is not None:
        y[~np.asarray(use, dtype=bool)] = np.nan
    ok = np.isfinite(y)
    if ok.sum() < 60 or (t[ok][-1] - t[ok][0]) / 3_600_000 < LEAST_HOURS:
        return None
    ys = smoothed(y)
    reversal = reversal_for(y)
    idx, is_max = turn_points(ys, reversal)
    if len(idx) < 6:
        return None
    hours = ok.sum() / 60.0  # the minutes with a reading
    vals = ys[idx]
    legs = np.abs(np.diff(vals))
    # a sawtooth at all: turning often, its legs ramps of heat (not a failing probe's jumps) and of one
    # height: a thermostat's legs each span its band (wherever the band sits), a wander's are of every height
    lasting = clean_legs(y, ys, idx)
    if lasting.sum() < LEAST_SAWTOOTH_LEGS_PER_DAY * hours / 24.0:
        return None
    excess = legs[lasting] - reversal
    if float(np.percentile(excess, 25)) < GATHERED_EXCESS * float(flat_median(excess)) or \
            float(np.percentile(legs[lasting], 90)) > LEG_HEIGHTS_RATIO * float(flat_median(legs[lasting])):
        return None
    # the longest healthy full cycle (a robust one: a fault's long leg is outvoted)
    same = np.r_[np.diff(t[idx[is_max]]), np.diff(t[idx[~is_max]])] / MIN_MS
    period = float(np.percentile(same, 90)) if len(same) else 0.0
    moving = Cycle(float("nan"), float("nan"), reversal, 0.0, 0.0, period, 0.0)  # a band that moves
    if len(idx) - 1 < LEAST_LEGS_PER_DAY * hours / 24.0:
        return moving
    lows, highs = vals[~is_max], vals[is_max]
    # the medians: a fault in the history (a knocked knob's day at another band) is outvoted, not averaged in
    low, high = float(flat_median(lows)), float(flat_median(highs))
    band = high - low
    if band <= 0 or np.mean(legs >= 0.5 * band) < REGULAR_FRACTION:
        return moving
    # a leg is measured only when it has no hole (a reading every two minutes at least)
    dur = np.diff(t[idx]) / MIN_MS
    holes = np.array([not ok[a:b + 1].all() or np.any(np.diff(t[a:b + 1]) > 2 * MIN_MS)
                      for a, b in zip(idx[:-1], idx[1:])], dtype=bool)
    # how far a healthy turn point strays from its median: three robust standard deviations (the MAD's)
    spread = 3 * 1.4826 * max(float(flat_median(np.abs(lows - low))), float(flat_median(np.abs(highs - high))))
    margin = max(reversal, spread)
    if band < 2 * margin:
        return moving  # the turn points do not gather at two levels apart: the band wanders
    # the cycle's legs turn inside its band (a water change's cool water, a fault that went through, are not)
    inside = (vals >= low - margin) & (vals <= high + margin)
    theirs = ~holes & inside[:-1] & inside[1:]
    falls = dur[is_max[:-1] & theirs]
    rises = dur[~is_max[:-1] & theirs]
    if not len(falls) or not len(rises):
        return moving
    return Cycle(low, high, margin, float(falls.max()), float(rises.max()), period, 1.0)


def outside_spans(t_ms: NDArray[Any], spans: Sequence[tuple[int, int]]) -> NDArray[np.bool_]:
    """The readings outside every ``(start, end)`` span (ms, both ends in): the history a cycle may be learned
    from.  A water change is no such span: the heater's thermostat does not change with the water.

    >>> outside_spans(np.arange(5) * 1000, [(1000, 2000)]).tolist()
    [True, False, False, True, True]
    """
    t = np.asarray(t_ms)
    ok = np.ones(len(t), dtype=bool)
    for a, b in spans:
        ok &= ~((t >= a) & (t <= b))
    return ok


def current_leg(t_ms: NDArray[Any], temp: Array, reversal: float) -> tuple[int, float]:
    """The water's current leg: its direction (+1 rising, -1 falling, 0 none yet) and minutes since it turned.

    Going back from now, the leg began where the water was last at its extreme before it reverses by
    ``reversal``; with no reversal in ``temp`` the leg is as old as ``temp``.

    >>> t = np.arange(100) * 60_000.0
    >>> current_leg(t, np.r_[np.linspace(25.0, 25.3, 40), np.linspace(25.3, 25.1, 60)], 0.05)
    (-1, 58.0)
    """
    t = np.asarray(t_ms, dtype=np.float64)
    ys = smoothed(np.asarray(temp, dtype=np.float64))
    ok = np.isfinite(ys)
    t, ys = t[ok], ys[ok]
    if len(ys) < 3:
        return 0, 0.0
    # the zigzag of the readings taken backwards: its first turn point is where the current leg began
    idx, is_max = turn_points(ys[::-1], reversal)
    if not len(idx):
        return (-1 if ys[-1] < ys[0] else 1 if ys[-1] > ys[0] else 0), float(t[-1] - t[0]) / MIN_MS
    k = len(ys) - 1 - int(idx[0])
    return (-1 if is_max[0] else 1), float(t[-1] - t[k]) / MIN_MS


def _regular(cycle: Cycle | tuple[float, ...] | None) -> Cycle | None:
    """The cycle when it is a regular one (a band all day), else None (none, or one whose band moves)."""
    if cycle is None or len(cycle) != len(Cycle._fields):
        return None
    c = Cycle(*cycle)
    return c if c.regular else None


def in_cycle(cycle: Cycle | tuple[float, ...] | None, t_ms: NDArray[Any], temp: Array, falling: bool) -> bool:
    """Whether the water's move now is the thermostat's cycle: inside the learned band (with its margin) and
    no longer than the longest healthy leg that way.  False without a learned cycle.

    ``t_ms``/``temp`` are the recent readings (a little longer than the longest leg: an older turn is not
    needed, a leg that long is no healthy one).
    """
    c = _regular(cycle)
    if c is None:
        return False
    y = np.asarray(temp, dtype=np.float64)
    last = y[np.isfinite(y)][-5:]
    if not len(last):
        return False
    now = float(flat_median(last))
    if not c.low - c.margin <= now <= c.high + c.margin:
        return False
    direction, minutes = current_leg(t_ms, y, c.margin)
    if direction == 0:
        return False
    if falling != (direction < 0):
        return True  # the water turned back already: whatever fired was the last leg's end, inside the band
    return bool(minutes <= (c.longest_fall_min if falling else c.longest_rise_min))


def beyond_band(cycle: Cycle | tuple[float, ...] | None, temp: Array) -> int:
    """Where the water is now against the learned band: +1 above its top (with the margin), -1 below its
    bottom, 0 inside it or without a cycle.  Now is the median of the last five readings.

    >>> beyond_band(Cycle(26.2, 26.8, 0.05, 90.0, 60.0, 150.0), np.full(10, 26.0)), beyond_band((), np.full(10, 26.0))
    (-1, 0)
    """
    c = _regular(cycle)
    if c is None:
        return 0
    y = np.asarray(temp, dtype=np.float64)
    last = y[np.isfinite(y)][-5:]
    if not len(last):
        return 0
    now = float(flat_median(last))
    return 1 if now > c.high + c.margin else -1 if now < c.low - c.margin else 0


def look_back_minutes(cycle: Cycle | tuple[float, ...] | None) -> int:
    """How many recent minutes :func:`in_cycle` needs: the longest leg and an hour (0 without a cycle)."""
    c = _regular(cycle)
    if c is None:
        return 0
    return int(max(c.longest_fall_min, c.longest_rise_min)) + 60
