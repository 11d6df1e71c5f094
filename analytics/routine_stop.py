"""A keeper's routine filter stop: learned from the tank's own past stops, held as maintenance, not paged.

A keeper who swaps the sump's pad every Tuesday at 10:30, a volunteer who
switches the filter off for the Wednesday change, a teenager rinsing the
canister on Saturday mornings: each stops the flow with the pump's relay on,
at the same hour of the same weekday, for about as long each time, and the
level does what it did the week before (the tanks' head drained back into
the sump and taken back at the restart; a siphoned change and its refill).
``pump_stopped`` paged each of them, and ``level_falling`` the water the
restart took back.

Every stop of the flow that ended by itself within :data:`ROUTINE_MAX_MINUTES`
is remembered (:data:`MEMORY_DAYS`) with what the level did from its start to
:data:`AFTER_MINUTES` after the restart, against the level before it: the
lowest it went and the fastest fall the level rule measured.  A new stop
*repeats the routine* when it begins within :data:`HOUR_MINUTES` of the clock
time an earlier one began at, a whole number of weeks later (the same
weekday: weekly, fortnightly), and no stop came at that hour on another
weekday (stops at the hour on most days are a daily habit, a feed mode's
pause, which :class:`~analytics.pump_watch.FlowPauses` holds).  Then

* ``pump_stopped`` waits for as long as :data:`~analytics.pump_watch.MARGIN`
  times the longest of the matched stops: the keeper's usual length, with
  room for a slower week;
* ``level_falling`` waits for a fall no faster than that margin over the
  routine's fastest, until :data:`AFTER_MINUTES` after the restart (the
  level rule's own half hour, which still sees the restart's fall);

both only while the level stays above the lowest the routine reached (less
the level's own scatter): a level below it is water the routine never moved,
told at once.  Without any routine learned, a fall in the half hour after any
stop's restart that leaves the level no lower than before the stop (less its
scatter) is held too (:meth:`RoutineStops.holds_restart`): the head the stop
drained into the sump, taken back, no water gone -- physics, so the routine's
first week is held as well; a leak shows as a level below the one before.
One earlier week is enough: the match asks for the same weekday, the keeper's hour, and the level inside the routine's own span.  The
false-alarm arithmetic: the hold opens only in a two-hour slot a week (2 of
168 hours, about 1 %), so of pump failures falling at random a hundredth
begin inside one, and each of those is told late by at most the routine's
length (1.5 times a stop of minutes, at most an hour and a half): a cost
paid rarely, against a page every week the keeper keeps the routine.

Examples
--------
>>> r, minute, day = RoutineStops(), 60_000, 86_400_000
>>> tuesday = 10 * 60 + 30
>>> r.begin(tuesday * minute, 25.0, 0.3)  # a pad swap, nothing learned yet
>>> r.matched_minutes()
0.0
>>> for k in range(tuesday, tuesday + 40):  # the head drains back, the restart at 8 minutes takes it
...     r.see_flow(k * minute, flowing=k >= tuesday + 8)
...     r.see_level(27.0 if k < tuesday + 8 else 25.0, 9.0 if k < tuesday + 20 else 0.0)
>>> [round(x, 1) for x in r.stops[0][1:]]
[8.0, 0.0, 9.0, 38.0]
>>> r.begin(7 * day + (tuesday + 12) * minute, 25.1, 0.3)  # next Tuesday, 12 minutes later in the day
>>> r.matched_minutes(), r.holds_stop(7 * day + (tuesday + 20) * minute, 27.1)
(8.0, True)
>>> r.holds_stop(7 * day + (tuesday + 26) * minute, 27.1)  # past 1.5 times the routine's 8 minutes
False
>>> r.holds_stop(7 * day + (tuesday + 14) * minute, 24.0)  # the level below what the routine reached
False
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field
from typing import TYPE_CHECKING

import numpy as np
from numpy.typing import NDArray

from analytics.catalogue import DAY_MS, MIN_MS
from analytics.pump_watch import MARGIN, MAX_SPANS, PAUSE_HOUR_MINUTES

if TYPE_CHECKING:
    from analytics.monitor_host import MonitorHost

Array = NDArray[np.float64]

#: a routine stop comes back within this many minutes of the clock time the earlier one began at (as a pause's)
HOUR_MINUTES = PAUSE_HOUR_MINUTES
#: stops are remembered this long: four weeks of a weekly routine, two of a fortnightly one
MEMORY_DAYS = 29
#: only stops this short are a keeper's routine (a pad swapped, a sponge rinsed, a change with the filter off):
#: a longer stop the flow came back from is a fault the keeper cleared
ROUTINE_MAX_MINUTES = 60.0
#: the level is followed this long after the restart: the level rule's half hour still sees the restart's fall
AFTER_MINUTES = 30.0
#: the least slack below the routine's lowest level (cm): a level sensor's scatter over minutes
LEVEL_SLACK_CM = 0.3
#: the level before a stop is the median of this many minutes before it
BEFORE_MINUTES = 10
#: a keeper's routine keeps to the weekday: it comes back a whole number of weeks later (weekly, fortnightly)
WEEK_DAYS = 7


@dataclass
class RoutineStops:
    """The flow's past stops that ended by themselves (``[start_ms, minutes, lowest_cm, fastest_cm_h, span]``:
    the level's lowest against the level before, the fastest fall measured, and the minutes followed) and the
    one followed now."""

    stops: list[list[float]] = field(default_factory=list)
    start_ms: int = -1  # the stop followed now (-1: none); its end, -1 while the flow is stopped
    end_ms: int = -1
    before_cm: float = float("nan")  # the level before it
    slack_cm: float = LEVEL_SLACK_CM  # the level's scatter before it
    lowest_cm: float = float("nan")  # the level's lowest against ``before_cm`` so far (NaN: none), the fastest fall
    fastest: float = 0.0
    matched: list[list[float]] = field(default_factory=list)  # the earlier stops the one now repeats

    def begin(self, start_ms: int, before_cm: float, slack_cm: float) -> None:
        """A new stop of the flow at ``start_ms``, the level ``before_cm`` before it (NaN: not read)."""
        self._store()
        self.start_ms, self.end_ms, self.before_cm = int(start_ms), -1, float(before_cm)
        self.slack_cm, self.lowest_cm, self.fastest = max(LEVEL_SLACK_CM, float(slack_cm)), float("nan"), 0.0
        self.matched = self._repeated(start_ms)

    def see_flow(self, now_ms: int, flowing: bool) -> None:
        """Follow the stop at ``now_ms``: the flow is back (its end), or :data:`AFTER_MINUTES` after it (kept)."""
        if self.start_ms < 0:
            return
        if flowing and self.end_ms < 0:
            self.end_ms = int(now_ms)
        if self.end_ms >= 0 and now_ms - self.end_ms >= AFTER_MINUTES * MIN_MS:
            self._store(now_ms)

    def see_level(self, level_cm: float, fall: float) -> None:
        """Follow the stop's level (NaN: not read) and the level rule's fall (cm/h) now."""
        if self.start_ms < 0:
            return
        if math.isfinite(level_cm) and math.isfinite(self.before_cm):
            below = level_cm - self.before_cm
            self.lowest_cm = below if math.isnan(self.lowest_cm) else min(self.lowest_cm, below)
        if math.isfinite(fall):
            self.fastest = max(self.fastest, fall)

    def _store(self, now_ms: int | None = None) -> None:
        """Remember the stop followed (when it ended by itself, short enough) and follow none."""
        if self.start_ms >= 0 and self.end_ms >= 0:
            minutes = (self.end_ms - self.start_ms) / MIN_MS
            span = ((now_ms if now_ms is not None else self.end_ms) - self.start_ms) / MIN_MS
            if minutes <= ROUTINE_MAX_MINUTES:
                self.stops.append([float(self.start_ms), minutes, self.lowest_cm, self.fastest, span])
                del self.stops[:-MAX_SPANS]
        self.start_ms, self.end_ms, self.matched = -1, -1, []

    def _repeated(self, start_ms: int) -> list[list[float]]:
        """The remembered stops the one at ``start_ms`` repeats: at the same clock time (within
        :data:`HOUR_MINUTES`) a whole number of weeks earlier, when no stop came at that time on another weekday
        (stops at that hour most days are a daily habit: :class:`~analytics.pump_watch.FlowPauses`')."""
        weekly: list[list[float]] = []
        for stop in self.stops:
            apart = start_ms - stop[0]
            days = round(apart / DAY_MS)
            if days < 1 or apart > MEMORY_DAYS * DAY_MS + HOUR_MINUTES * MIN_MS or \
                    abs(apart - days * DAY_MS) > HOUR_MINUTES * MIN_MS:
                continue
            if days % WEEK_DAYS:
                return []  # (at this hour on another weekday too: no weekly routine)
            weekly.append(stop)
        return weekly

    def matched_minutes(self) -> float:
        """The longest of the earlier stops the one followed repeats (0: it repeats none)."""
        return max((stop[1] for stop in self.matched), default=0.0)

    def _within_level(self, level_cm: float) -> bool:
        """The level (NaN: not read) is no lower than the routine's lowest, less the scatter."""
        lows = [stop[2] for stop in self.matched if math.isfinite(stop[2])]
        if not math.isfinite(level_cm) or not math.isfinite(self.before_cm) or not lows:
            return True
        return level_cm - self.before_cm >= min(lows) - self.slack_cm

    def holds_stop(self, now_ms: int, level_cm: float) -> bool:
        """The flow stopped now repeats the routine, no longer yet than :data:`~analytics.pump_watch.MARGIN`
        times its longest and the level within its span: the keeper's maintenance, not yet a stopped pump."""
        usual = self.matched_minutes()
        if usual <= 0 or self.end_ms >= 0:
            return False
        return (now_ms - self.start_ms) / MIN_MS <= MARGIN * usual and self._within_level(level_cm)

    def holds_restart(self, now_ms: int, level_cm: float) -> bool:
        """The flow came back less than :data:`AFTER_MINUTES` ago and the level is no lower than before the stop
        (less its scatter): whatever fell since the restart is the head the stop drained into the sump, taken back
        by the pump, no water gone.  Physics, not habit: it holds a routine's first week too, and a leak during or
        after the stop shows as a level below the one before it, told at once."""
        if self.end_ms < 0 or now_ms - self.end_ms > AFTER_MINUTES * MIN_MS:
            return False
        if not math.isfinite(level_cm) or not math.isfinite(self.before_cm):
            return False
        return level_cm >= self.before_cm - self.slack_cm

    def holds_fall(self, now_ms: int, level_cm: float, fall: float) -> bool:
        """A fall of the level in the routine's window (the stop, held, and :data:`AFTER_MINUTES` after the
        restart), no faster than the margin over the routine's fastest, the level within its span."""
        usual = self.matched_minutes()
        if usual <= 0:
            return False
        ends = self.end_ms if self.end_ms >= 0 else self.start_ms + MARGIN * usual * MIN_MS
        fastest = max(stop[3] for stop in self.matched)
        return now_ms - ends <= AFTER_MINUTES * MIN_MS and (not math.isfinite(fall) or fall <= MARGIN * fastest) \
            and self._within_level(level_cm)


def _level_now(t_ms: Array, level: Array | None, now_ms: int) -> float:
    """The level now: the median of the last three minutes' readings (one glitch is no level; NaN: none)."""
    if level is None:
        return float("nan")
    a, b = np.searchsorted(t_ms, [now_ms - 3 * MIN_MS, now_ms], side="right")  # (t_ms ascends)
    recent = level[a:b]
    recent = recent[np.isfinite(recent)]
    return float(np.median(recent)) if len(recent) else float("nan")


def _level_before(t_ms: Array, level: Array | None, start_ms: int) -> tuple[float, float]:
    """The level before a stop at ``start_ms`` (the median of :data:`BEFORE_MINUTES`) and three of its robust
    spreads (its scatter); NaN and 0 when too few were read."""
    if level is None:
        return float("nan"), 0.0
    a, b = np.searchsorted(t_ms, [start_ms - BEFORE_MINUTES * MIN_MS, start_ms])
    before = level[a:b]
    before = before[np.isfinite(before)]
    if len(before) < BEFORE_MINUTES // 2:
        return float("nan"), 0.0
    middle = float(np.median(before))
    return middle, 3.0 * 1.4826 * float(np.median(np.abs(before - middle)))


def routine_stop(mon: MonitorHost, now_ms: int, t_ms: Array, frame: dict[str, Array]) -> bool:
    """The flow stopped now (``mon.pump_off.pauses``, fed first) repeats the keeper's routine stop and is held
    (:meth:`RoutineStops.holds_stop`); a stop's start (with the level before it) and end are taken in here."""
    routine, start = mon.routine_stops, mon.pump_off.pauses.since_ms
    if start < 0 and routine.start_ms < 0:
        return False  # (flowing, nothing followed: no work)
    level = frame.get("level_cm")
    if start >= 0 and start != routine.start_ms:
        routine.begin(start, *_level_before(t_ms, level, start))
    routine.see_flow(now_ms, flowing=start < 0)
    return start >= 0 and routine.holds_stop(now_ms, _level_now(t_ms, level, now_ms))


def routine_fall(mon: MonitorHost, now_ms: int, t_ms: Array, level: Array, fall: float) -> bool:
    """Follow the stop's level (:meth:`RoutineStops.see_level`) and say whether a fall now is the routine's own
    (:meth:`RoutineStops.holds_fall`), or the restart taking back its head (:meth:`RoutineStops.holds_restart`)."""
    routine = mon.routine_stops
    if routine.start_ms < 0:
        return False
    now = _level_now(t_ms, level, now_ms)
    routine.see_level(now, fall)
    return routine.holds_fall(now_ms, now, fall) or routine.holds_restart(now_ms, now)
