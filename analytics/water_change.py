"""Water the keeper moves: a water change (drain and refill) or a top-up, recognised by the level.

A keeper's water change is water moved by hand: the level falls fast (a
siphon or a drain hose) and comes back to its mark (the refill), or a top-up
steps it up, while the new water steps the temperature, TDS or pH.  The TDS
need not drop (brackish or marine water is mixed to the tank's salinity; tap
water may be as hard as the tank's), so the level is the evidence.

What tells the keeper's water from a fault is physics, not a fitted size:

* speed: a siphon or a drain hose moves the level in minutes, a leak (a
  seam, a fitting) in hours.  A fall (or rise) counts as moved water only when
  it is ``FAST_TO_LEAK`` times as steep as the leak rate the keeper named
  (the profile's ``level_fall_cm_per_h``) and beyond the level probe's
  noise;
* the mark: a drain is a water change only once the level is back near the
  level it left (the refill).  While it is away the level rules and the
  filter's flow are held, for at most ``MOVE_MINUTES``: a level not back by
  then is judged by the plain rules again (the sump low, a leak);
* different water: a top-up is a water change (cooler tap water is no dead
  heater) only when a water reading stepped at the same minute by more than
  its own noise; a top-up of the tank's own kind of water is only a top-up
  (:mod:`analytics.top_ups`).

Examples
--------
>>> t = np.arange(40) * 60_000
>>> level = np.full(40, 20.0)
>>> level[36:] = [19.4, 18.8, 18.2, 17.6]  # a siphon: 0.6 cm a minute
>>> move = level_moved(t, level, 40 * 60_000, leak_cm_per_h=1.0)
>>> move.kind, move.mark_cm, move.start_ms // 60_000
('drain', 20.0, 37)
>>> back_at_mark(19.9, move.mark_cm, deepest_cm=16.0, threshold_cm=move.threshold_cm)
True
>>> level_moved(t, 20.0 - 1.5 * t / 3_600_000, 40 * 60_000, leak_cm_per_h=1.0) is None  # a leak: 1.5 cm/h
True
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
from numpy.typing import NDArray

from analytics.rules import step_spread
from analytics.top_ups import LEVEL_RESOLUTION_CM

Array = NDArray[np.float64]
MIN_MS = 60_000

#: a siphon or drain hose moves the level at least this many times as fast as the leak rate the keeper names
FAST_TO_LEAK = 10.0
#: a move must be beyond this many standard deviations of the level probe's own noise
NOISE_SIGMAS = 6.0
#: the newest minutes, compared with the mark: the minutes just before them
RECENT_MINUTES = 3
MARK_MINUTES = 7
#: the level's noise is read from its minute-to-minute steps over this many minutes before the recent ones
NOISE_MINUTES = 30
#: a keeper drains and refills within this; a level not back by then is judged by the plain rules again
MOVE_MINUTES = 60
#: a filter switched off for the change is running again this soon after the refill (plugged in, primed)
RESTART_MINUTES = 5
#: a drain is the keeper's once the level has been below its mark for this many readings (not a glitch)
DRAIN_READINGS = 2
#: back at the mark: within this fraction of the dip (a keeper refills to about the mark, not to the mm)
BACK_FRACTION = 0.2


@dataclass(frozen=True)
class LevelMove:
    """The level left its mark fast: ``kind`` "drain" (fell) or "top_up" (rose), since ``start_ms``."""

    kind: str
    start_ms: int
    mark_cm: float
    #: how far from the mark a reading must be to count as moved (noise, resolution and leak speed)
    threshold_cm: float


@dataclass
class DrainUnderWay:
    """A drain the monitor follows until the level is back near its mark (or ``MOVE_MINUTES`` pass)."""

    start_ms: int
    mark_cm: float
    threshold_cm: float
    deepest_cm: float
    low_readings: int = 0
    recorded: bool = False  # fed into the water-change state (once it was more than a glitch)
    recorded_ms: int = 0  # when this drain entered the water-change state itself (0: it did not)
    change_before_ms: int = 0  # the last water change before this drain (restored if it was no water change)


def steady_pump(pump: Array | None) -> bool:
    """The pump stayed switched on (1) throughout ``pump`` (None: no pump column, nothing switched).

    Switching a return pump moves water between the tank and the sump: the
    sump's level then moves fast with no keeper.

    >>> steady_pump(np.array([1.0, 1.0, np.nan])), steady_pump(np.array([1.0, 0.0]))
    (True, False)
    """
    if pump is None:
        return True
    p = np.asarray(pump, dtype=np.float64)
    p = p[np.isfinite(p)]
    return bool(np.all(p == 1.0))


def level_moved(t_ms: Array, level: Array, now_ms: int, leak_cm_per_h: float,
                pump: Array | None = None) -> LevelMove | None:
    """The level left its mark faster than a leak can move it within the last ``RECENT_MINUTES``.

    The mark is the median of the ``MARK_MINUTES`` before the recent minutes;
    a drain: the newest reading is below it by more than the threshold; a
    top-up: the two newest are above it.  The threshold is the largest of
    ``NOISE_SIGMAS`` times the level's noise (from its steps over
    ``NOISE_MINUTES``), three steps of its resolution, and what a fall
    ``FAST_TO_LEAK`` times as steep as ``leak_cm_per_h`` makes from the mark's
    middle to the newest reading.  None while the pump was switched in the
    last ``NOISE_MINUTES`` or there are too few readings.

    >>> t = np.arange(40) * 60_000
    >>> level_moved(t, np.where(np.arange(40) >= 38, 25.0, 20.0), 40 * 60_000, 1.0).kind
    'top_up'
    """
    t_ms = np.asarray(t_ms)
    level = np.asarray(level, dtype=np.float64)
    if pump is not None and not steady_pump(np.asarray(pump)[t_ms >= now_ms - NOISE_MINUTES * MIN_MS]):
        return None
    recent_w = (t_ms >= now_ms - RECENT_MINUTES * MIN_MS) & np.isfinite(level)
    mark_w = (t_ms >= now_ms - (RECENT_MINUTES + MARK_MINUTES) * MIN_MS) & \
        (t_ms < now_ms - RECENT_MINUTES * MIN_MS) & np.isfinite(level)
    hist = level[(t_ms >= now_ms - (RECENT_MINUTES + NOISE_MINUTES) * MIN_MS) &
                 (t_ms < now_ms - RECENT_MINUTES * MIN_MS)]
    if recent_w.sum() < 1 or mark_w.sum() < MARK_MINUTES // 2 or np.isfinite(hist).sum() < NOISE_MINUTES // 3:
        return None
    mark = float(np.median(level[mark_w]))
    noise = step_spread(hist) / np.sqrt(2.0)
    recent_t, recent = t_ms[recent_w], level[recent_w]
    span_h = (float(recent_t[-1]) - float(np.median(t_ms[mark_w]))) / 3_600_000
    threshold = max(NOISE_SIGMAS * (noise if np.isfinite(noise) else 0.0), 3 * LEVEL_RESOLUTION_CM,
                    FAST_TO_LEAK * leak_cm_per_h * span_h)
    if recent[-1] < mark - threshold:
        first = int(np.flatnonzero(recent < mark - threshold / 2)[0])
        return LevelMove("drain", int(recent_t[first]), round(mark, 6), round(threshold, 6))
    if len(recent) >= 2 and recent[-2:].min() > mark + threshold:
        first = int(np.flatnonzero(recent > mark + threshold / 2)[0])
        return LevelMove("top_up", int(recent_t[first]), round(mark, 6), round(threshold, 6))
    return None


def back_at_mark(level_cm: float, mark_cm: float, deepest_cm: float, threshold_cm: float) -> bool:
    """The refilled level is back near its mark: within the move's threshold, or a fifth of the dip.

    >>> back_at_mark(18.0, 20.0, 6.0, 0.5), back_at_mark(12.0, 20.0, 6.0, 0.5)
    (True, False)
    """
    if not np.isfinite(level_cm):
        return False
    return bool(level_cm >= mark_cm - max(threshold_cm, BACK_FRACTION * (mark_cm - deepest_cm)))


def stepped_at(t_ms: Array, y: Array, at_ms: int, before_minutes: int = 20) -> float:
    """How far ``y`` stepped at ``at_ms`` in units of its own noise (0.0 with too few readings).

    The median of the readings since ``at_ms`` against the median of the
    ``before_minutes`` before it; the noise is the readings' robust spread
    about their median before it (not their minute-to-minute steps: the
    engine's readings are a running median of three, whose steps understate
    the noise).

    >>> t = np.arange(30) * 60_000
    >>> y = 25.0 + np.random.default_rng(1).normal(0.0, 0.02, 30) - np.where(np.arange(30) >= 27, 0.6, 0.0)
    >>> stepped_at(t, y, 27 * 60_000) > NOISE_SIGMAS
    True
    """
    t_ms = np.asarray(t_ms)
    y = np.asarray(y, dtype=np.float64)
    before = y[(t_ms >= at_ms - before_minutes * MIN_MS) & (t_ms < at_ms)]
    after = y[t_ms >= at_ms]
    before, after = before[np.isfinite(before)], after[np.isfinite(after)]
    if len(before) < before_minutes // 2 or len(after) < 2:
        return 0.0
    middle = float(np.median(before))
    noise = 1.4826 * float(np.median(np.abs(before - middle)))
    if not noise > 0:
        return 0.0
    return float(abs(float(np.median(after)) - middle) / noise)
