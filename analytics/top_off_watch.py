"""An automatic top-off that stopped keeping up: its reservoir ran dry, its pump or its float failed.

A top-off holds the sump's level in a narrow band: the water evaporates
down to the float's low point and the top-off refills it, several times a
day.  Learned from the healthy reference like the thermostat's envelope: each
day's band (the 10th and 90th percentiles of its half-hour medians, so a
water change's dip or a glitch is not the band), and the band is the median
over the days.  A tank *has* a top-off when that band is narrower than half
a day's evaporation (the level is put back at least twice a day; a float
switch refills whenever the level is a few millimetres down) and the days'
median levels are within half a day's evaporation of each other (put back to
the same mark every day).  One day alone cannot say so: between two top-ups
by hand, a day's band is a day's evaporation, no wider; but the days' levels
step down a day's evaporation at a time, or zigzag around the keeper's
top-ups, and such a tank is never judged here.  The top-off is *behind* when the last half hour's median level is
below the band's low by more than a day's evaporation (the top-off has missed
a whole day of it) and one refill more (the band's width, or the day-to-day
spread of its low end if larger: a refill late or short once is no failure), and still falling as the water evaporates (a keeper's top-up, or a float
set lower on purpose, is not).  Faster
falls are ``level_falling``'s (a leak), an empty sump ``sump_low``'s.

Examples
--------
>>> t = np.arange(3 * 24 * 60) * 60_000
>>> saw = 22.0 - 0.05 * ((np.arange(len(t)) / 60.0) % 8.0)  # 0.05 cm/h, refilled every 8 h: 22.0-21.6
>>> band = learn_band(t, saw)
>>> round(band.low, 1), round(band.high, 1), band.has_top_off
(21.6, 22.0, True)
>>> by_hand = 22.0 - 0.05 * ((np.arange(len(t)) / 60.0) % 48.0)  # the same water topped up every other day
>>> learn_band(t, by_hand).has_top_off
False
>>> band.behind(21.6 - 1.7, falling=True), band.behind(21.6 - 1.3, falling=True)
(True, False)
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import TYPE_CHECKING

import numpy as np
from numpy.typing import NDArray

from analytics.catalogue import DAY_MS, MIN_MS, WATER_CHANGE_SETTLE_MS, Transition
from analytics.level_trend import EVAPORATION_SPREAD, REFILL_MINUTES
from analytics.medians import flat_median

if TYPE_CHECKING:
    from analytics.monitor_host import MonitorHost

Array = NDArray[np.float64]
#: the level judged is the median of this many minutes (no glitch, no wave)
SUSTAIN_MINUTES = 30
#: the band's low end must be below by more than this many of its day-to-day spread
SPREAD_Z = 3.0
#: "still falling": the level now against its half hour this many hours ago
FALLING_HOURS = 24
#: a firing alert holds until the level is back above this share of the margin below the band
HOLD = 0.5
#: a pump's restart steps the level: read over this many minutes either side of its rest
STEP_MINUTES = 10
#: water pouring in: the level above the band, risen within this many hours (a slow rise over days is no
#: tap or mister left running)
OVER_HOURS = 2


@dataclass(frozen=True)
class TopOffBand:
    """The band a top-off holds the level in (cm), its low end's day-to-day spread, a day's evaporation."""

    low: float = float("nan")
    high: float = float("nan")
    low_spread: float = 0.0
    evaporation_cm_per_day: float = 0.0
    #: how far apart the days' median levels are (cm)
    days_apart: float = float("nan")

    @property
    def has_top_off(self) -> bool:
        """The level is put back twice a day or more, to the same mark every day: a top-off holds it."""
        width, evaporation = self.high - self.low, self.evaporation_cm_per_day
        return bool(np.isfinite(width) and np.isfinite(self.days_apart) and evaporation > 0
                    and width < 0.5 * evaporation and self.days_apart < 0.5 * evaporation)

    def margin(self) -> float:
        """How far below the band's low end the level must be: a day's evaporation and one refill more (the
        band's width: a refill late or short once is not a top-off failing), and beyond the low end's spread."""
        return self.evaporation_cm_per_day + max(self.high - self.low, SPREAD_Z * self.low_spread)

    def over(self, level: float, rise: float, firing: bool = False) -> bool:
        """``level`` (a half-hour median, cm) above the band by its margin, having risen ``rise`` cm by more
        than that margin within ``OVER_HOURS``: water pouring in faster than the overflow, weir or float
        takes it (a firing alert holds while the level stays up)."""
        if not (self.has_top_off or firing) or not np.isfinite(level):
            return False
        if firing:
            return bool(level > self.high + HOLD * self.margin())
        return bool(level > self.high + self.margin() and rise > self.margin())

    def behind(self, level: float, falling: bool, firing: bool = False) -> bool:
        """``level`` (a half-hour median, cm), ``falling`` still, says the top-off is not keeping up (a firing
        alert holds while the level stays down, falling or not: only a refill ends it)."""
        if not (self.has_top_off or firing) or not np.isfinite(level) or not falling:
            return False
        return bool(level < self.low - self.margin() * (HOLD if firing else 1.0))


def evaporation_per_hour(t_ms: Array, level: Array) -> float:
    """The level's usual fall (cm/h, ≥ 0): the mean fall of its hourly medians over the hours it fell (a
    top-off's or a keeper's refill is a rise in the hours it comes; between refills the level falls only by
    evaporation; a glitch is no hour's median)."""
    t_ms, level = np.asarray(t_ms, dtype=np.int64), np.asarray(level, dtype=np.float64)
    ok = np.isfinite(level)
    if ok.sum() < 12 * 60:
        return 0.0
    hours = (t_ms[ok] - t_ms[ok][0]) // (60 * MIN_MS)
    y = level[ok]
    idx = np.unique(hours)
    medians = np.array([flat_median(y[hours == h]) for h in idx])
    steps = np.diff(medians)[np.diff(idx) == 1]
    falls = steps[steps < 0]
    return -float(np.mean(falls)) if len(falls) >= 0.5 * len(steps) > 0 else 0.0


def learn_band(t_ms: Array, level: Array, days: int = 3) -> TopOffBand:
    """The top-off band of the last ``days`` whole days of ``level`` (at least two needed; else no band)."""
    t_ms, level = np.asarray(t_ms, dtype=np.int64), np.asarray(level, dtype=np.float64)
    if not len(t_ms):
        return TopOffBand()
    end = int(t_ms[-1]) + MIN_MS
    lows, highs, middles = [], [], []
    for d in range(days):
        a, b = end - (d + 1) * DAY_MS, end - d * DAY_MS
        sel = (t_ms >= a) & (t_ms < b) & np.isfinite(level)
        if sel.sum() < 0.8 * 1440:
            continue
        halves = (t_ms[sel] - a) // (SUSTAIN_MINUTES * MIN_MS)
        y = level[sel]
        medians = np.array([flat_median(y[halves == h]) for h in np.unique(halves)])
        middles.append(float(flat_median(medians)))
        lows.append(float(np.quantile(medians, 0.1)))
        highs.append(float(np.quantile(medians, 0.9)))
    if len(lows) < 2:
        return TopOffBand()
    lo = np.asarray(lows)
    return TopOffBand(float(flat_median(lo)), float(flat_median(highs)), float(1.4826 * flat_median(np.abs(lo - flat_median(lo)))),
                      24.0 * evaporation_per_hour(t_ms, level), float(np.ptp(middles)))


@dataclass
class TopOffWatch:
    """A tank monitor's top-off band, learned every ``refit_minutes`` while no level alert stands."""

    band: TopOffBand = field(default_factory=TopOffBand)
    learned_at_ms: int = -1
    #: the level's healthy falls over hours (analytics/level_seep.py), learned once a day
    seep_tail: float = float("nan")
    seep_learned_ms: int = -DAY_MS


def _median_of(t_ms: Array, y: Array, start_ms: int, end_ms: int) -> float:
    """The median of the readings in [start_ms, end_ms); NaN with fewer than 60 % of its minutes."""
    w = y[(t_ms >= start_ms) & (t_ms < end_ms)]
    w = w[np.isfinite(w)]
    return float(flat_median(w)) if len(w) >= 0.6 * (end_ms - start_ms) / MIN_MS else float("nan")


def pump_steps(t_ms: Array, level: Array, pump: Array | None, start_ms: int, end_ms: int) -> float:
    """How far the level stepped down (cm, ≥ 0) across the return pump's rests that ended in [start_ms, end_ms):
    the median of the ``STEP_MINUTES`` before each rest against that of the ``STEP_MINUTES`` from
    ``REFILL_MINUTES`` after it (the pump's restart taking the display's water back).

    >>> t = np.arange(120) * 60_000
    >>> pump = np.where((np.arange(120) >= 40) & (np.arange(120) < 55), 0.0, 1.0)
    >>> level = np.where(np.arange(120) < 40, 20.0, np.where(np.arange(120) < 57, 22.0, 17.0))
    >>> pump_steps(t, level, pump, 0, 120 * 60_000)
    3.0
    """
    if pump is None:
        return 0.0
    t_ms, p, y = np.asarray(t_ms), np.asarray(pump, dtype=np.float64), np.asarray(level, dtype=np.float64)
    on = np.flatnonzero((p[:-1] == 0.0) & (p[1:] == 1.0)) + 1  # first minutes running again
    off = np.flatnonzero((p[:-1] == 1.0) & (p[1:] == 0.0)) + 1  # first minutes at rest
    total = 0.0
    for k in on:
        if not start_ms <= t_ms[k] < end_ms:
            continue
        rested = off[off < k]
        if not len(rested):
            continue
        a, b = int(t_ms[rested[-1]]), int(t_ms[k]) + REFILL_MINUTES * MIN_MS
        before = _median_of(t_ms, y, a - STEP_MINUTES * MIN_MS, a)
        after = _median_of(t_ms, y, b, b + STEP_MINUTES * MIN_MS)
        if np.isfinite(before) and np.isfinite(after):
            total += max(0.0, before - after)
    return total


def top_off_rule(mon: MonitorHost, now_ms: int, t_ms: Array, frame: dict[str, Array]) -> list[Transition]:
    """The ``top_off_behind`` rule of a tank monitor (:class:`analytics.monitor.TankMonitor`) at ``now_ms``.

    Not judged while the keeper's water change moves the level (or settles after it), nor in maintenance.
    The band is not learned while a level alert stands, nor while the level is below it and still falling
    (a top-off already behind is no band to learn; a level held at a new mark is).
    """
    watch, s, y = mon.top_off, mon.settings, frame["level_cm"]
    span = SUSTAIN_MINUTES * MIN_MS
    level = _median_of(t_ms, y, now_ms - span, now_ms)
    then = _median_of(t_ms, y, now_ms - FALLING_HOURS * 3_600_000 - span, now_ms - FALLING_HOURS * 3_600_000)
    band = watch.band
    # still falling as the water evaporates: at least half a day's evaporation over the last day (the night's
    # slower evaporation and a top-off's sawtooth at a new mark average out), and
    # no faster than a hot day's (EVAPORATION_SPREAD times it): a faster fall is a leak or a drain, not this
    usual = band.evaporation_cm_per_day * FALLING_HOURS / 24.0
    # (what the return pump's restarts took from the sump at once is no evaporation: the display took its
    # water back, and what ran over a standpipe meanwhile waits for the next refill)
    taken = pump_steps(t_ms, y, frame.get("pump"), now_ms - FALLING_HOURS * 3_600_000, now_ms)
    falling = bool(then - EVAPORATION_SPREAD * usual <= level + taken < then - 0.5 * usual)
    levels = ("top_off_behind", "level_falling", "level_rising", "sump_low")
    if now_ms - watch.learned_at_ms >= s.refit_minutes * MIN_MS and not mon.in_maintenance(now_ms) and \
            not any(mon.firing(k) for k in levels) and not (band.has_top_off and level < band.low and falling):
        ref = t_ms >= now_ms - s.reference_hours * 3_600_000
        watch.band = band = learn_band(t_ms[ref], y[ref], int(s.reference_hours // 24))
        watch.learned_at_ms = now_ms
    firing = mon.firing("top_off_behind")
    if not band.has_top_off and not firing:
        return []
    quiet = mon.in_maintenance(now_ms) or mon.water_moving(now_ms) or mon.firing("level_falling") or \
        now_ms - mon.last_water_change_ms < WATER_CHANGE_SETTLE_MS
    behind = band.behind(level, falling or firing, firing) and not quiet
    return mon._rule("top_off_behind", behind, now_ms, level,
                     f"The automatic top-off is not keeping up: the level is {level:.1f} cm, "
                     f"{band.low - level:.1f} cm below the {band.low:.1f}–{band.high:.1f} cm it holds and "
                     "still falling as the water evaporates. Its reservoir is probably empty, or its pump or "
                     "float has failed: refill the reservoir and check the top-off.")


def over_band(mon: MonitorHost, now_ms: int, t_ms: Array, frame: dict[str, Array]) -> str:
    """Words when water pours into a tank whose level an overflow, weir or float holds in a narrow band (the
    band :func:`top_off_rule` learns): the half hour's median above the band by its margin, risen by more
    than that within ``OVER_HOURS`` -- a mister or top-off stuck on, a hose left running, faster than the
    overflow takes it.  A keeper's refill (within ``OVER_HOURS`` of a drain's end), a drain under way,
    maintenance and a switched pump (a stopped return's water drains back into the sump) are not judged."""
    band, y = mon.top_off.band, frame["level_cm"]
    span, back = SUSTAIN_MINUTES * MIN_MS, OVER_HOURS * 3_600_000
    firing = mon.firing("level_rising")
    if not (band.has_top_off or firing):
        return ""
    pump = frame.get("pump")
    switched = pump is not None and not bool(np.all(pump[(t_ms >= now_ms - back) & np.isfinite(pump)] == 1.0))
    if mon.in_maintenance(now_ms) or mon.water_moving(now_ms) or now_ms - mon.drain_end_ms < back or switched:
        return ""
    level = _median_of(t_ms, y, now_ms - span, now_ms)
    then = _median_of(t_ms, y, now_ms - back - span, now_ms - back)
    if not band.over(level, level - then if np.isfinite(then) else 0.0, firing):
        return ""
    return (f"Water level {level:.1f} cm, {level - band.high:.1f} cm above the {band.low:.1f}–{band.high:.1f} cm "
            "its overflow or top-off holds, and it rose within the last hours: water is coming in faster than "
            "the overflow takes it -- a mister, top-off or float valve stuck on, a hose or tap left running -- "
            "or the overflow is blocked. Stop the water coming in and check the overflow and the floor.")
