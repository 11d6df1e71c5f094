"""The filter pump left switched off at the controller after a water change or maintenance.

``pump_stopped`` tells a pump that is switched on and moves no water; a pump the
keeper switched off is their own doing, and a water change or a filter rinse
often has it off for half an hour or more.  What a keeper forgets is to switch
it back on: a breeder's powerhead off all night after the evening change, a
canister left off after a rinse.  Without flow the filter's bed runs out of
oxygen within hours (its bacteria die, and a restarted canister can flush what
went foul into the tank) and the heater's water no longer mixes.

The watch learns how long this keeper's maintenance keeps the pump off: every
span of the pump reported off (``pump`` 0) that ended without this alert is
remembered for ``MEMORY_DAYS``.  The pump is *left off* when the current span
is longer than ``MARGIN`` times the longest remembered one, and never shorter
than ``LEAST_MINUTES`` (an hour); with none remembered (a new tank, or a keeper who never
switched it off), longer than ``UNKNOWN_MINUTES``: two hours, as long as a
canister's bed is commonly said to stay safe without flow, so a first long
water change is not taken for a forgotten pump.  Not while the keeper has the
tank in maintenance (they said so), nor while the controller itself holds the
pump off (the sump's interlock, a lockout: those alerts say why).

Examples
--------
>>> w = PumpOffWatch()
>>> minute = 60_000
>>> for k in range(90):  # on, off 50 minutes for a water change, on again
...     w.see(k * minute, 0.0 if 10 <= k < 60 else 1.0)
>>> w.longest(90 * minute), w.limit_minutes(90 * minute)
(50.0, 75.0)
>>> for k in range(90, 170):  # off again, and left off
...     w.see(k * minute, 0.0)
>>> round(w.off_minutes(169 * minute)), w.left_off(169 * minute)
(79, True)
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field
from typing import TYPE_CHECKING

import numpy as np
from numpy.typing import NDArray

from analytics.catalogue import ALERTS, DAY_MS, MIN_MS, Transition

if TYPE_CHECKING:
    from analytics.monitor_host import MonitorHost

Array = NDArray[np.float64]

#: how long the keeper's own maintenance spans are remembered: two weeks hold a weekly water change twice
MEMORY_DAYS = 14
#: a span longer than this many times the longest remembered one is no longer the keeper's usual maintenance
MARGIN = 1.5
#: ... and never shorter than this: an hour without flow does a filter's bed no harm, and a keeper's rarer
#: maintenance (rinsing the filter's bed, not the weekly change) can take that long
LEAST_MINUTES = 60.0
#: with nothing remembered: how long a filter's bed is commonly said to stay safe without flow
UNKNOWN_MINUTES = 120.0
#: the pump's state must have been reported this recently (a silent controller is device_offline's)
FRESH_MS = 5 * MIN_MS
#: at most this many spans are kept (a keeper switching it on and off by the minute must not grow the state)
MAX_SPANS = 64
#: while these fire, the controller holds the pump off on purpose and they say why
HELD_BY = ("sump_low", "pump_interlock", "pump_lockout", "device_fault", "device_offline")

#: a pause keeps the keeper's routine within this many minutes either side of the clock time it began at on
#: earlier days (a routine keeps to its hour; a weekend's feeding an hour later still matches)
PAUSE_HOUR_MINUTES = 60
#: a routine is a pause seen at that hour on at least this many earlier days (one day is no habit)
PAUSE_DAYS = 2
#: ... and on at least this share of the days since the first of them: a daily habit (a feed mode, a turtle
#: fed every other day), or one kept on the same weekday.  A Saturday's water change with the canister
#: unplugged at 11:00, seen on two Saturdays, is no reason to wait out a stop at 10:20 on a Tuesday (round 28,
#: the hatchling tub's intake pulled up: told 27 minutes late): a weekly routine is held on its own weekday
#: only.  A third sits between every third day (1/3) and twice a week (2/7), so a habit kept on most days
#: passes and a weekly one does not, however many weeks it is seen.
PAUSE_SHARE = 1.0 / 3.0
#: only stops this short are learned as pauses: a controller's feed mode or a keeper's pause lasts minutes;
#: a longer stop the flow came back from is a fault the keeper cleared, never a routine
PAUSE_MAX_MINUTES = 30.0
#: a week (a weekly pause is held on its own weekday)
WEEK_MS = 7 * DAY_MS
#: a blink: a pause no longer than ``pump_stopped`` takes to clear, so short the alert would fold a flow
#: back within it into one episode -- the mains blinking (a rural line's recloser), the pump restarting with
#: the power; seen on two earlier days at any hour, a stop is waited out that long wherever it falls
BLINK_MINUTES = float(ALERTS["pump_stopped"].clear_minutes)

#: hands at the tank: the water clouds in the very minutes the flow stops (a filter lifted out, its sponge
#: squeezed, the gravel stirred), read over the stop's first this many minutes ...
STIR_MINUTES = 3
#: ... against the turbidity of this many minutes before it (a median: one glitch is no cloud) ...
STIR_BEFORE_MINUTES = 10
#: ... and a cloud is at least this much more turbid (a keeper's eye sees it) and at least twice the largest
#: swing of those minutes before (the probe's scatter, a feeding's cloud settling) above them
STIR_NTU = 1.0


@dataclass
class FlowPauses:
    """The pump's stops while switched on that ended by themselves (``[start_ms, minutes]``).

    A controller's feed mode stops a return pump for minutes at each feeding with its relay still on: the
    meter reads no flow, and the pump comes back by itself.  A stop that begins near a clock time such
    pauses began at on :data:`PAUSE_DAYS` earlier days (within :data:`MEMORY_DAYS`) -- a habit of most days
    (:data:`PAUSE_SHARE`), or one on today's weekday -- is the keeper's routine for as long as the longest of
    them lasted; past that, at another hour, or on another weekday of a weekly habit, it is a stopped pump.

    Examples
    --------
    >>> p, minute, day = FlowPauses(), 60_000, 86_400_000
    >>> for d in range(2):  # feed mode at 8:30 for 10 minutes on two days
    ...     for k in range(500, 560):
    ...         p.see(d * day + k * minute, 1.0, 0.0 if 510 <= k < 520 else 20.0, 1.0)
    >>> [round(m) for _, m in p.pauses]
    [10, 10]
    >>> for k in range(500, 518):  # the third day: a stop at 8:35
    ...     p.see(2 * day + k * minute, 1.0, 0.0 if k >= 515 else 20.0, 1.0)
    >>> p.routine(2 * day + 517 * minute)  # two minutes into it: the keeper's feed mode
    True
    >>> for k in range(518, 528):
    ...     p.see(2 * day + k * minute, 1.0, 0.0, 1.0)
    >>> p.routine(2 * day + 527 * minute)  # 12 minutes: longer than any feed pause
    False
    >>> q = FlowPauses(pauses=p.pauses[:])
    >>> for k in range(900, 903):  # a stop at 15:00: no pause was ever seen then
    ...     q.see(2 * day + k * minute, 1.0, 0.0 if k >= 901 else 20.0, 1.0)
    >>> q.routine(2 * day + 902 * minute)
    False
    >>> w = FlowPauses(pauses=[[0.0, 10.0], [7.0 * day, 10.0]])  # two Saturdays' changes at midnight
    >>> w.see(10 * day, 1.0, 0.0, 1.0)  # the Tuesday after: a weekly habit is no daily pause
    >>> w.routine(10 * day + 2 * minute)
    False
    """

    since_ms: int = -1  # the first reading of the current stop with the pump on; -1: flowing
    last_ms: int = -1  # the last reading taken in
    pauses: list[list[float]] = field(default_factory=list)
    stirred_ms: int = -1  # the start of the current stop when it began in a cloud (hands at the tank); -1: not

    def see(self, t_ms: int, pump: float, flow: float, stopped_lpm: float) -> None:
        """Take in one reading: the pump's relay (1 on) and the flow (NaN: not read, ignored)."""
        if t_ms <= self.last_ms or not math.isfinite(flow):
            return
        if self.last_ms >= 0 and t_ms - self.last_ms > FRESH_MS:
            self.since_ms = -1  # a gap in the readings: what happened in it is not known
        self.last_ms = int(t_ms)
        if not math.isfinite(pump):
            return
        if pump != 1.0:  # switched off (or unknown): the keeper's doing, no pause of the pump's own
            self.since_ms = -1
        elif flow < stopped_lpm:
            if self.since_ms < 0:
                self.since_ms = int(t_ms)
        else:
            if self.since_ms >= 0:
                minutes = (t_ms - self.since_ms) / MIN_MS
                if minutes <= PAUSE_MAX_MINUTES:
                    self.pauses.append([float(self.since_ms), minutes])
                    del self.pauses[:-MAX_SPANS]
            self.since_ms = -1

    def usual_minutes(self, now_ms: int) -> float:
        """The longest learned pause that began near the clock time the current stop began at, when such
        pauses began there on :data:`PAUSE_DAYS` earlier days or more, and on :data:`PAUSE_SHARE` of the days
        since the first of them (a daily habit) or on today's weekday (a weekly one); 0 otherwise (and when
        flowing)."""
        if self.since_ms < 0:
            return 0.0
        start = self.since_ms
        days, longest, weekly = set(), 0.0, False
        # (the memory reaches back from the stop's start by the hour's tolerance too: a weekly routine held a few
        # minutes earlier two weeks ago is still one of the two weeks the memory keeps)
        oldest = start - MEMORY_DAYS * DAY_MS - PAUSE_HOUR_MINUTES * MIN_MS
        for began, minutes in self.pauses:
            if began < oldest or start - began < DAY_MS / 2:
                continue
            if _near_hour(start - began, DAY_MS):
                days.add(int(began // DAY_MS))
                longest = max(longest, minutes)
                weekly = weekly or _near_hour(start - began, WEEK_MS)  # (the same weekday, whole weeks ago)
        if len(days) < PAUSE_DAYS:
            return 0.0
        # (a habit of most days since its first, or one kept on this weekday)
        daily = len(days) >= PAUSE_SHARE * (start // DAY_MS - min(days))
        return longest if daily or weekly else 0.0

    def blink_minutes(self, now_ms: int) -> float:
        """The longest learned blink -- a pause of at most :data:`BLINK_MINUTES`, at any hour -- when blinks
        came on :data:`PAUSE_DAYS` earlier days or more (the mains blinking now and then); 0 otherwise."""
        if self.since_ms < 0:
            return 0.0
        today = self.since_ms // DAY_MS
        blinks = [(began, minutes) for began, minutes in self.pauses if minutes <= BLINK_MINUTES
                  and began >= now_ms - MEMORY_DAYS * DAY_MS and began // DAY_MS < today]
        if len({int(began // DAY_MS) for began, _ in blinks}) < PAUSE_DAYS:
            return 0.0
        return max(minutes for _, minutes in blinks)

    def routine(self, now_ms: int) -> bool:
        """The current stop is the keeper's routine pause (at a learned pause's hour) or the mains blinking as
        they have before, and no longer yet than those."""
        usual = max(self.usual_minutes(now_ms), self.blink_minutes(now_ms))
        return usual > 0 and (now_ms - self.since_ms) / MIN_MS <= usual


@dataclass
class PumpOffWatch:
    """The pump's current off span and the keeper's remembered ones (``[end_ms, minutes]``)."""

    off_since_ms: int = -1  # the first reading of the pump off in the current span; -1: on
    last_seen_ms: int = -1  # the last reading of the pump's state taken in (NaN readings are not)
    told: bool = False  # the current span was told: it is not the keeper's maintenance, never learned
    spans: list[list[float]] = field(default_factory=list)
    pauses: FlowPauses = field(default_factory=FlowPauses)  # the pump's own pauses while on (feed mode)

    def see(self, t_ms: int, pump: float, told: bool = False) -> None:
        """Take in one reading of the pump's state (1 on, 0 off, NaN unknown: ignored)."""
        if t_ms <= self.last_seen_ms or not math.isfinite(pump):
            return
        self.last_seen_ms = int(t_ms)
        if pump == 0.0:
            if self.off_since_ms < 0:
                self.off_since_ms, self.told = int(t_ms), False
            self.told = self.told or told
            return
        if self.off_since_ms >= 0 and not (self.told or told):
            self.spans.append([float(t_ms), (t_ms - self.off_since_ms) / MIN_MS])
            del self.spans[:-MAX_SPANS]
        self.off_since_ms, self.told = -1, False

    def longest(self, now_ms: int) -> float:
        """The longest off span remembered (minutes; 0 when none)."""
        keep = [m for end, m in self.spans if end >= now_ms - MEMORY_DAYS * DAY_MS]
        return max(keep, default=0.0)

    def limit_minutes(self, now_ms: int) -> float:
        """How long the pump may be off before it is left off."""
        longest = self.longest(now_ms)
        return max(LEAST_MINUTES, MARGIN * longest) if longest > 0 else UNKNOWN_MINUTES

    def off_minutes(self, now_ms: int) -> float:
        """How long the pump has been off (0 when on, or its state is not fresh)."""
        if self.off_since_ms < 0 or now_ms - self.last_seen_ms > FRESH_MS:
            return 0.0
        return (now_ms - self.off_since_ms) / MIN_MS

    def left_off(self, now_ms: int) -> bool:
        """The pump has been off longer than the keeper's maintenance keeps it off."""
        return self.off_minutes(now_ms) > self.limit_minutes(now_ms)


def _near_hour(apart_ms: float, period_ms: int) -> bool:
    """``apart_ms`` is within :data:`PAUSE_HOUR_MINUTES` of a whole number of ``period_ms`` (days, weeks)."""
    apart = apart_ms % period_ms
    return bool(min(apart, period_ms - apart) <= PAUSE_HOUR_MINUTES * MIN_MS)


def _duration(minutes: float) -> str:
    hours, mins = divmod(int(round(minutes)), 60)
    return f"{hours} h {mins:02d} min" if hours else f"{mins} min"


def routine_pause(mon: MonitorHost, now_ms: int, t_ms: Array, frame: dict[str, Array], stopped_lpm: float) -> bool:
    """No flow with the pump on is, so far, the keeper's routine pause (:class:`FlowPauses`) and not yet a
    stopped pump; the pauses are learned from each new reading of ``frame``'s ``pump`` and ``flow_lpm``."""
    pauses = mon.pump_off.pauses
    flow = frame["flow_lpm"]
    pump = frame["pump"] if "pump" in frame else np.ones(len(flow))
    for i in np.flatnonzero(t_ms > pauses.last_ms):
        pauses.see(int(t_ms[i]), float(pump[i]), float(flow[i]), stopped_lpm)
    return pauses.routine(now_ms)


def stirred(t_ms: Array, turb: Array, since_ms: int, now_ms: int) -> bool:
    """The water clouded as the flow stopped at ``since_ms``: the median turbidity of the stop's first
    :data:`STIR_MINUTES` minutes (up to ``now_ms``) is above the median of the :data:`STIR_BEFORE_MINUTES`
    before it by at least :data:`STIR_NTU` and twice the range of those minutes.

    Examples
    --------
    >>> t = np.arange(20) * 60_000.0
    >>> turb = np.r_[np.full(12, 1.6), np.full(8, 4.6)]  # the sponge lifted out at minute 12
    >>> stirred(t, turb, 12 * 60_000, 13 * 60_000), stirred(t, np.full(20, 1.6), 12 * 60_000, 13 * 60_000)
    (True, False)
    """
    before = turb[(t_ms >= since_ms - STIR_BEFORE_MINUTES * MIN_MS) & (t_ms < since_ms)]
    during = turb[(t_ms >= since_ms) & (t_ms < since_ms + STIR_MINUTES * MIN_MS) & (t_ms <= now_ms)]
    before, during = before[np.isfinite(before)], during[np.isfinite(during)]
    if len(before) < STIR_BEFORE_MINUTES // 2 or not len(during):
        return False
    was, now = float(np.median(before)), float(np.median(during))
    return now - was >= max(STIR_NTU, 2.0 * float(np.ptp(before)))


def hands_at_tank(mon: MonitorHost, now_ms: int, t_ms: Array, frame: dict[str, Array], stopped_lpm: float) -> bool:
    """A pump that was moving water stopped, switched on, in the minutes the water clouded: the keeper's hands
    at the tank (a filter's sponge lifted out to rinse, a pad swapped, the gravel stirred with the filter
    pulled), not yet a stopped pump.

    Held for as long as the keeper's maintenance may keep a pump off (one and a half times the longest span
    :class:`PumpOffWatch` remembers, at least the hour a filter's bed takes no harm in): past that it is a
    stopped pump.  Not a pump switched on into a cloud that moves no water (the keeper's hands are done: it
    failed to restart, an airlock), and not once a drain begun during the stop is refilled (the water
    change's own grace then says when the filter should run again).  Call it only where ``pump_stopped``
    would otherwise fire (it reads the turbidity in a stop's first minutes), after :func:`routine_pause`
    took in the readings.
    """
    pauses = mon.pump_off.pauses
    start = pauses.since_ms
    if start < 0 or "turb_ntu" not in frame or mon.drain_end_ms >= start:
        return False
    if now_ms <= start + STIR_MINUTES * MIN_MS and pauses.stirred_ms != start:
        # (judged again each minute of the stop's first few: the newest turbidity may be held back as a
        # possible glitch until a second reading confirms it)
        before = np.flatnonzero(t_ms < start)
        flowing = len(before) > 0 and frame["flow_lpm"][before[-1]] >= stopped_lpm and (
            "pump" not in frame or frame["pump"][before[-1]] == 1.0)
        pauses.stirred_ms = start if flowing and stirred(t_ms, frame["turb_ntu"], start, now_ms) else -1
    if pauses.stirred_ms != start:
        return False
    longest = mon.pump_off.longest(now_ms)
    allowed = max(LEAST_MINUTES, MARGIN * longest)
    return (now_ms - start) / MIN_MS <= allowed


def pump_left_off_rule(mon: MonitorHost, now_ms: int, t_ms: Array, frame: dict[str, Array]) -> list[Transition]:
    """The ``pump_left_off`` rule of a tank monitor (:class:`analytics.monitor.TankMonitor`) at ``now_ms``."""
    watch = mon.pump_off
    firing = mon.firing("pump_left_off")
    pump = frame["pump"]
    for i in np.flatnonzero(t_ms > watch.last_seen_ms):
        watch.see(int(t_ms[i]), float(pump[i]), told=firing)
    limit, off = watch.limit_minutes(now_ms), watch.off_minutes(now_ms)
    left = off > limit and not mon.in_maintenance(now_ms) and not any(mon.firing(k) for k in HELD_BY)
    longest = watch.longest(now_ms)
    usual = (f"longer than your water changes and maintenance keep it off (at most {_duration(longest)} in the "
             "last two weeks)" if longest > 0 else "longer than a filter should stand without flow")
    return mon._rule("pump_left_off", left, now_ms, off,
                     f"Filter pump switched off at the controller for {_duration(off)}, {usual}. If the water "
                     "change or cleaning is done, switch it back on: without flow the filter's bacteria run out "
                     "of oxygen and the heater's water stops mixing. Rinse a canister that stood off for hours "
                     "before restarting it.")
