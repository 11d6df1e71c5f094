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

from analytics.medians import flat_median
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
#: a filter whose water stopped (its relay on) this soon before a drain began was unplugged for it: the keeper
#: pulls the plug and siphons within a minute or two (:func:`filter_unplugged`)
UNPLUGGED_MINUTES = 3
#: a drain is the keeper's once the level has been below its mark for this many readings (not a glitch)
DRAIN_READINGS = 2
#: back at the mark: within this fraction of the dip (a keeper refills to about the mark, not to the mm)
BACK_FRACTION = 0.2
#: a reading stepped with a drain or a top-up within this many minutes of its start (its own new water)
STEP_MINUTES = 10
#: the keeper's past water changes a new drain is compared with (about two months of weekly changes)
HABIT_CHANGES = 8
#: a keeper drains with the same siphon or hose: a drain this many times slower or faster than any of theirs
#: is another hose (a leak, a burst)
HABIT_RATE_FACTOR = 1.5
#: the keeper's rate is learned from this many changes at least: one change has no spread (a half change
#: with a hose after an accident says nothing of the jug the keeper drains a quarter with each evening)
HABIT_RATE_CHANGES = 2
#: the drain's rate is judged once it has fallen this many minutes (the first minutes' rate is noise)
RATE_MINUTES = 5
#: how much deeper, longer and later than the keeper's deepest, longest and latest a change may run: a
#: keeper changes a little more one week, fetches one more bucket
HABIT_DEPTH_FACTOR, HABIT_TIME_FACTOR = 1.25, 1.5
#: a drain not refilled in time is still followed this long for its refill (a late one still teaches the habit)
FOLLOW_MINUTES = 240
#: minutes added to the keeper's longest fall and longest wait for the refill (a few minutes' slack
#: matters for a quick keeper, not for a slow one)
HABIT_FALL_SLACK_MINUTES, HABIT_REFILL_SLACK_MINUTES = 3.0, 15.0
#: a keeper does not change water twice in a short while: a drain sooner after the last change than half
#: the keeper's shortest interval between changes (or this, with only one change learned) is no change
HABIT_GAP_HOURS = 12.0
#: the keeper's usual hour: within this many minutes of the clock time a learned change began at
HABIT_HOUR_MINUTES = 30
DAY_MS = 86_400_000


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
    #: the last minute the level fell on (below the deepest reading by half the threshold): the drain's end
    fell_until_ms: int = 0
    fall_ref_cm: float = float("nan")
    #: held as the keeper's water change in progress: like the keeper's past changes (:func:`unlike_habit`)
    habitual: bool = False
    told: bool = False  # told as unlike the keeper's changes: never held again
    timed_out: bool = False  # not back within MOVE_MINUTES: the rules judge it; followed on for a late refill
    filter_off: bool = False  # the keeper switched the pump off just before it (:func:`filter_switched_off`)
    pump_ran: bool = False  # the pump ran (switched on, water flowing) through the minutes up to its start


@dataclass(frozen=True)
class PastDrain:
    """One of the keeper's water changes, drained first and refilled with new water: what a drain is compared
    with (:func:`unlike_habit`)."""

    start_ms: int
    depth_cm: float
    rate_cm_per_h: float  # the depth over the minutes it fell
    fall_minutes: float  # from the drain's start to its deepest
    refill_minutes: float  # from the drain's start to the level back at its mark


def fell(drain: DrainUnderWay, level_cm: float, now_ms: int) -> None:
    """Follow one reading of a drain under way: its deepest reading, and the last minute it still fell."""
    if not np.isfinite(level_cm):
        return
    if not drain.fell_until_ms:
        drain.fell_until_ms, drain.fall_ref_cm = drain.start_ms, drain.mark_cm
    if level_cm < drain.fall_ref_cm - drain.threshold_cm / 2:
        drain.fell_until_ms, drain.fall_ref_cm = now_ms, level_cm


def past_drain(drain: DrainUnderWay, now_ms: int) -> PastDrain:
    """The drain just refilled, as one of the keeper's water changes."""
    fall_minutes = max(1.0, (drain.fell_until_ms - drain.start_ms) / MIN_MS)
    depth = drain.mark_cm - drain.deepest_cm
    return PastDrain(drain.start_ms, round(depth, 3), round(fall_rate(drain), 3), fall_minutes,
                     (now_ms - drain.start_ms) / MIN_MS)


def fall_rate(drain: DrainUnderWay) -> float:
    """How fast a drain fell, cm/h: its depth over the minutes it fell (it began falling before it crossed half
    the threshold, at ``start_ms``: that half is left out of the depth)."""
    fall_minutes = max(1.0, (drain.fell_until_ms - drain.start_ms) / MIN_MS)
    return max(0.0, drain.mark_cm - drain.deepest_cm - drain.threshold_cm / 2) / fall_minutes * 60.0


def at_usual_hour(past: list[PastDrain], start_ms: int) -> bool:
    """A drain beginning within ``HABIT_HOUR_MINUTES`` of the clock time one of the keeper's learned changes
    began at (on another day).

    >>> at_usual_hour([PastDrain(20 * 3_600_000, 8.0, 80.0, 6.0, 15.0)], 44 * 3_600_000 + 20 * 60_000)
    True
    """
    half = DAY_MS // 2
    return any(abs((start_ms - p.start_ms + half) % DAY_MS - half) <= HABIT_HOUR_MINUTES * MIN_MS
               and start_ms - p.start_ms >= HABIT_GAP_HOURS * 3_600_000 for p in past)


def too_soon(past: list[PastDrain], start_ms: int, last_refill_ms: int) -> bool:
    """A drain beginning sooner after the keeper's last refill than the keeper changes water: half their
    shortest interval between changes, ``HABIT_GAP_HOURS`` with fewer than two learned -- unless it begins at
    the keeper's usual hour (:func:`at_usual_hour`) at least ``HABIT_GAP_HOURS`` after that refill: the
    keeper's daily round (a course of daily changes whose every change the habit did not learn).

    >>> too_soon([], 10 * 3_600_000, 9 * 3_600_000), too_soon([], 30 * 3_600_000, 9 * 3_600_000)
    (True, False)
    >>> past = [PastDrain(0, 16.0, 160.0, 6.0, 15.0), PastDrain(60 * 3_600_000, 8.0, 80.0, 6.0, 15.0)]
    >>> too_soon(past, 84 * 3_600_000, 60 * 3_600_000 + 15 * 60_000)  # 24 h after a change at 12:00: daily
    False
    >>> too_soon(past, 80 * 3_600_000, 60 * 3_600_000 + 15 * 60_000)  # 20 h after it, at another hour
    True
    """
    gap_h = HABIT_GAP_HOURS if len(past) < 2 else 0.5 * min(
        b.start_ms - a.start_ms for a, b in zip(past[:-1], past[1:])) / 3_600_000
    if start_ms - last_refill_ms >= HABIT_GAP_HOURS * 3_600_000 and at_usual_hour(past, start_ms):
        return False
    return start_ms - last_refill_ms < gap_h * 3_600_000


def unlike_habit(past: list[PastDrain], drain: DrainUnderWay, now_ms: int, last_refill_ms: int) -> str:
    """Why a drain under way is not one of the keeper's water changes ("" while it is like them).

    Like them: a fall as fast as the keeper's siphon (within
    ``HABIT_RATE_FACTOR`` of their slowest and fastest, once ``HABIT_RATE_CHANGES`` are learned), not sooner after the
    last change than they change water (``HABIT_GAP_HOURS``; unless the pump the keeper switched off for
    the last one is still off: its next round), not deeper than their deepest change
    (``HABIT_DEPTH_FACTOR``), not falling longer than their longest drain and
    not waiting longer for the refill than their longest wait
    (``HABIT_TIME_FACTOR`` plus slack).  The words are the keeper's.  (Not the
    hour: a keeper changes water on a weekday evening and a Sunday morning.)  A drain the keeper switched
    the pump off for (``filter_off``) is theirs whatever its hose's rate and depth: only its time is judged.

    >>> past = [PastDrain(0, 9.0, 25.0, 22.0, 50.0), PastDrain(7 * 86_400_000, 11.0, 28.0, 24.0, 60.0)]
    >>> d = DrainUnderWay(14 * 86_400_000, 30.0, 0.4, 27.0, fell_until_ms=14 * 86_400_000 + 6 * MIN_MS)
    >>> unlike_habit(past, d, d.start_ms + 7 * MIN_MS, 7 * 86_400_000)
    ''
    >>> unlike_habit(past, d, d.start_ms + 120 * MIN_MS, 7 * 86_400_000)[:26]
    'it has not been refilled i'
    """
    fall_min = max(1.0, (drain.fell_until_ms - drain.start_ms) / MIN_MS)
    if too_soon(past, drain.start_ms, last_refill_ms) and not drain.filter_off:
        # (a drain with the keeper's pump still off from the last one is that change's next round)
        return "it began soon after the last water change (a siphon left running?)"
    if not past or drain.filter_off:
        # nothing learned to compare with; or the keeper is at the tank (they switched the pump off for it):
        # the hose or pump they drain with this time sets its rate and depth, only their time is judged
        return _late(past, drain, now_ms) if past else ""
    if deeper_than_habit(past, drain):
        return f"it is deeper than your water changes ({max(p.depth_cm for p in past):.0f} cm at most)"
    rate = fall_rate(drain)
    if len(past) >= HABIT_RATE_CHANGES and fall_min >= RATE_MINUTES and not (min(p.rate_cm_per_h for p in past) / HABIT_RATE_FACTOR <= rate
                                         <= HABIT_RATE_FACTOR * max(p.rate_cm_per_h for p in past)):
        return (f"it fell {rate:.0f} cm/h, your water changes drain at "
                f"{min(p.rate_cm_per_h for p in past):.0f}-{max(p.rate_cm_per_h for p in past):.0f} cm/h")
    return _late(past, drain, now_ms)


def deeper_than_habit(past: list[PastDrain], drain: DrainUnderWay) -> bool:
    """The drain has gone deeper than the keeper's deepest learned change (``HABIT_DEPTH_FACTOR`` times it,
    plus the drain's threshold): whatever new water showed with it, water is leaving that the keeper never
    takes out (a siphon left running past the usual mark).  False with nothing learned.

    >>> past = [PastDrain(0, 12.0, 60.0, 12.0, 33.0)]
    >>> deeper_than_habit(past, DrainUnderWay(0, 49.0, 1.0, 36.0)), deeper_than_habit(past, DrainUnderWay(0, 49.0, 1.0, 28.0))
    (False, True)
    >>> deeper_than_habit([], DrainUnderWay(0, 49.0, 1.0, 20.0))
    False
    """
    return bool(past) and drain.mark_cm - drain.deepest_cm > \
        HABIT_DEPTH_FACTOR * max(p.depth_cm for p in past) + drain.threshold_cm


def _late(past: list[PastDrain], drain: DrainUnderWay, now_ms: int) -> str:
    """Why a drain under way takes longer than the keeper's ``past`` changes ("" while it does not)."""
    now_min = (now_ms - drain.start_ms) / MIN_MS
    longest_fall = HABIT_TIME_FACTOR * max(p.fall_minutes for p in past) + HABIT_FALL_SLACK_MINUTES
    if drain.fell_until_ms >= now_ms - 2 * MIN_MS and now_min > longest_fall:
        return f"it is still falling after {now_min:.0f} minutes (your drains take {longest_fall:.0f} at most)"
    longest = HABIT_TIME_FACTOR * max(p.refill_minutes for p in past) + HABIT_REFILL_SLACK_MINUTES
    if now_min > longest:
        return f"it has not been refilled in {now_min:.0f} minutes (your water changes are refilled within " \
            f"{longest:.0f})"
    return ""


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


def switched_on(pump: Array | None) -> bool:
    """The pump was switched on (a reading 0 then 1) within ``pump`` (None: no pump column).

    >>> switched_on(np.array([0.0, 1.0])), switched_on(np.array([1.0, 0.0, 0.0])), switched_on(None)
    (True, False, False)
    """
    if pump is None:
        return False
    p = np.asarray(pump, dtype=np.float64)
    p = p[np.isfinite(p)]
    return bool(np.any((p[:-1] == 0.0) & (p[1:] == 1.0)))


def ran_before(t_ms: Array, running: Array | None, start_ms: int, minutes: int = 10) -> bool:
    """The pump ran (``running`` 1: switched on and its water flowing, :func:`analytics.level_pause.running_column`)
    through the ``minutes`` before ``start_ms`` and at it; False without a pump column.

    >>> t = np.arange(30) * 60_000
    >>> ran_before(t, np.ones(30), 20 * 60_000), ran_before(t, np.where(np.arange(30) >= 15, 0.0, 1.0), 20 * 60_000)
    (True, False)
    """
    if running is None:
        return False
    t_ms, p = np.asarray(t_ms), np.asarray(running, dtype=np.float64)
    w = p[(t_ms >= start_ms - minutes * MIN_MS) & (t_ms <= start_ms)]
    w = w[np.isfinite(w)]
    return bool(len(w) >= minutes // 2 and np.all(w == 1.0))


def filter_switched_off(t_ms: Array, pump: Array | None, start_ms: int) -> bool:
    """The keeper switched the pump off through the controller within the ``MOVE_MINUTES`` before a drain began
    (it was on, and is off at the start): the keeper is at the tank, doing maintenance -- a change in two
    rounds drains the second time with the pump still off from the first.

    >>> t = np.arange(90) * 60_000
    >>> filter_switched_off(t, np.where(np.arange(90) >= 20, 0.0, 1.0), 25 * 60_000)
    True
    >>> filter_switched_off(t, np.where(np.arange(90) >= 20, 0.0, 1.0), 60 * 60_000)  # the second round
    True
    >>> filter_switched_off(t, np.ones(90), 60 * 60_000)
    False
    """
    w = _stopped_by(t_ms, pump, start_ms, MOVE_MINUTES)
    return bool(w is not None and np.any(w == 1.0))


def filter_unplugged(t_ms: Array, running: Array | None, start_ms: int) -> bool:
    """The filter's water stopped with its relay on (:func:`analytics.level_pause.running_column` 0) in the
    ``UNPLUGGED_MINUTES`` up to a drain's start, having run before: the keeper pulled its plug to change water.

    The order is the physics: a keeper unplugs the filter, then siphons; a leak,
    a siphon or an overflow leaves it running until the water is below its
    intake, minutes into the fall (it is running at the drain's start).  A
    stop longer before the drain (a feed pause, a pump that failed) is no
    keeper at the tank.

    >>> t = np.arange(40) * 60_000
    >>> stop_then_fall = np.where(np.arange(40) >= 29, 0.0, 1.0)
    >>> filter_unplugged(t, stop_then_fall, 30 * 60_000), filter_unplugged(t, stop_then_fall, 29 * 60_000)
    (True, True)
    >>> filter_unplugged(t, np.where(np.arange(40) >= 35, 0.0, 1.0), 30 * 60_000)  # ran into the fall: a siphon
    False
    >>> filter_unplugged(t, np.where(np.arange(40) >= 10, 0.0, 1.0), 30 * 60_000)  # stopped long before
    False
    """
    w = _stopped_by(t_ms, running, start_ms, UNPLUGGED_MINUTES)
    return bool(w is not None and w[0] == 1.0)


def _stopped_by(t_ms: Array, on_off: Array | None, start_ms: int, minutes: int) -> Array | None:
    """The known values of ``on_off`` (1 on, 0 off) over the ``minutes`` up to ``start_ms`` when there are at
    least two and the last is off; else None."""
    if on_off is None:
        return None
    t_ms, x = np.asarray(t_ms), np.asarray(on_off, dtype=np.float64)
    w = x[(t_ms >= start_ms - minutes * MIN_MS) & (t_ms <= start_ms)]
    w = w[np.isfinite(w)]
    return w if len(w) >= 2 and w[-1] == 0.0 else None


def still_pouring(t_ms: Array, level: Array, now_ms: int, refilled_ms: int) -> bool:
    """The keeper's refill is still going in: within ``MOVE_MINUTES`` of the drain's level coming back near its
    mark (``refilled_ms``), the level rose more than three steps of its resolution over the last
    ``RESTART_MINUTES`` (the medians of the newest two readings and of three readings that long ago).

    A keeper plugs the filter back in when the last jug is in, not when the level crosses near its mark:
    its ``RESTART_MINUTES`` count from then.  A level that has stopped rising holds nothing.

    >>> t = np.arange(60) * 60_000
    >>> y = np.minimum(20.0 + 0.8 * np.maximum(np.arange(60) - 30, 0), 25.0)  # jugs till minute 37
    >>> still_pouring(t, y, 38 * 60_000, 35 * 60_000), still_pouring(t, y, 50 * 60_000, 35 * 60_000)
    (True, False)
    >>> still_pouring(t, y, 38 * 60_000, 38 * 60_000 - (MOVE_MINUTES + 1) * MIN_MS)  # no refill of late
    False
    """
    if not 0 <= now_ms - refilled_ms <= MOVE_MINUTES * MIN_MS:
        return False
    t_ms, level = np.asarray(t_ms), np.asarray(level, dtype=np.float64)
    now = level[(t_ms > now_ms - 2 * MIN_MS) & (t_ms <= now_ms)]
    then = level[(t_ms >= now_ms - (RESTART_MINUTES + 2) * MIN_MS) & (t_ms <= now_ms - RESTART_MINUTES * MIN_MS)]
    now, then = now[np.isfinite(now)], then[np.isfinite(then)]
    if not len(now) or not len(then):
        return False
    return bool(float(flat_median(now)) - float(flat_median(then)) > 3 * LEVEL_RESOLUTION_CM)


def level_moved(t_ms: Array, level: Array, now_ms: int, leak_cm_per_h: float,
                pump: Array | None = None) -> LevelMove | None:
    """The level left its mark faster than a leak can move it within the last ``RECENT_MINUTES``.

    The mark is the median of the ``MARK_MINUTES`` before the recent minutes;
    a drain: the newest reading is below it by more than the threshold; a
    top-up: the two newest are above it.  The threshold is the largest of
    ``NOISE_SIGMAS`` times the level's noise (from its steps over
    ``NOISE_MINUTES``), three steps of its resolution, and what a fall
    ``FAST_TO_LEAK`` times as steep as ``leak_cm_per_h`` makes from the mark's
    middle to the newest reading.  None while the pump was switched on in the
    last ``NOISE_MINUTES`` (it lowers the sump fast) or there are too few
    readings; no top-up while it was off (a stopped return pump's water
    drains back into the sump).  A fall with the pump switched off is a
    drain: a stopped pump raises a sump, it cannot lower it.

    >>> t = np.arange(40) * 60_000
    >>> level_moved(t, np.where(np.arange(40) >= 38, 25.0, 20.0), 40 * 60_000, 1.0).kind
    'top_up'
    """
    t_ms = np.asarray(t_ms)
    level = np.asarray(level, dtype=np.float64)
    held = np.asarray(pump)[t_ms >= now_ms - NOISE_MINUTES * MIN_MS] if pump is not None else None
    if switched_on(held):
        return None
    recent_w = (t_ms >= now_ms - RECENT_MINUTES * MIN_MS) & np.isfinite(level)
    mark_w = (t_ms >= now_ms - (RECENT_MINUTES + MARK_MINUTES) * MIN_MS) & \
        (t_ms < now_ms - RECENT_MINUTES * MIN_MS) & np.isfinite(level)
    hist = level[(t_ms >= now_ms - (RECENT_MINUTES + NOISE_MINUTES) * MIN_MS) &
                 (t_ms < now_ms - RECENT_MINUTES * MIN_MS)]
    if recent_w.sum() < 1 or mark_w.sum() < MARK_MINUTES // 2 or np.isfinite(hist).sum() < NOISE_MINUTES // 3:
        return None
    mark = float(flat_median(level[mark_w]))
    noise = step_spread(hist) / np.sqrt(2.0)
    recent_t, recent = t_ms[recent_w], level[recent_w]
    span_h = (float(recent_t[-1]) - float(flat_median(t_ms[mark_w]))) / 3_600_000
    threshold = max(NOISE_SIGMAS * (noise if np.isfinite(noise) else 0.0), 3 * LEVEL_RESOLUTION_CM,
                    FAST_TO_LEAK * leak_cm_per_h * span_h)
    if recent[-1] < mark - threshold:
        first = int(np.flatnonzero(recent < mark - threshold / 2)[0])
        return LevelMove("drain", int(recent_t[first]), round(mark, 6), round(threshold, 6))
    if len(recent) >= 2 and recent[-2:].min() > mark + threshold and steady_pump(held):
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


def stepped_at(t_ms: Array, y: Array, at_ms: int, before_minutes: int = 20, after_ms: int | None = None) -> float:
    """How far ``y`` stepped at ``at_ms`` in units of its own noise (0.0 with too few readings).

    The median of the readings in the ``STEP_MINUTES`` from ``at_ms`` against the median of the
    ``before_minutes`` before it (the readings since ``after_ms`` when given:
    a refill long after the drain began); the noise is the readings' robust spread
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
    # (a step at the move itself shows in its first minutes: new water poured or run in with it; a reading
    # that turns later is not its water -- a float valve answering a leak with cold mains, the day's course)
    after = y[(t_ms >= at_ms) & (t_ms < at_ms + STEP_MINUTES * MIN_MS)] if after_ms is None else y[t_ms >= after_ms]
    before, after = before[np.isfinite(before)], after[np.isfinite(after)]
    if len(before) < before_minutes // 2 or len(after) < 2:
        return 0.0
    middle = float(flat_median(before))
    noise = 1.4826 * float(flat_median(np.abs(before - middle)))
    if not noise > 0:
        return 0.0
    return float(abs(float(flat_median(after)) - middle) / noise)
