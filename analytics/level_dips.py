"""A level held at a mark dips by itself: a fall no deeper than its everyday dips is no leak yet.

A leak drains at a steady rate while it runs and the water does not come back.
Where the water is held at a mark -- a float valve on the mains, an automatic
top-off, a weir -- the level also dips by itself and comes back: staff
siphoning every tank of a rack each morning take water from the central sump
faster than its float valve refills at first, the sump sinks a few millimetres
until the valve, opened wider by the lower float, matches the siphons, holds
there and comes back when they stop.  That dip is steep for minutes (a
leak's rate) but shallow, and the tank makes it most days.

So the level's healthy past is read day by day: a level *held* at a mark has
its ten-minute medians within two steps of the probe's resolution of the
same mark all day and every day (the pump's switched-off minutes left out) (a tank without a holder loses a day's evaporation
and steps up at each top-up); its *everyday dip* is how far below the mark
its deepest ten minutes go on the median day (a water change's deep dip on one
day of three is not every day's).  In a held tank the rate rules tell a fall
only once the level is deeper below the mark than the everyday dip (by the
keeper's margin for a little more one day, ``HABIT_DEPTH_FACTOR``, and one
resolution step): a leak the holder cannot keep up with goes there within
minutes; a siphon's dip never does.  A tank without a holder is judged as
before.

Examples
--------
>>> t = np.arange(3 * 1440) * 60_000
>>> minute = np.arange(3 * 1440) % 1440
>>> sump = 35.0 - 0.55 * ((minute >= 540) & (minute < 570))  # held at 35 cm, a 0.55 cm dip every morning
>>> hold = learn_hold(t, sump, 3)
>>> hold.held, round(hold.mark_cm, 2), round(hold.dip_cm, 2)
(True, 35.0, 0.55)
>>> hold.within_dip(34.4), hold.within_dip(34.0)
(True, False)
>>> learn_hold(t, 35.0 - 0.4 * t / 86_400_000, 3).held  # evaporating 0.4 cm a day: nothing holds it
False
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field
from typing import TYPE_CHECKING

import numpy as np
from numpy.typing import NDArray

from analytics.medians import flat_median
from analytics.top_ups import LEVEL_RESOLUTION_CM
from analytics.water_change import HABIT_DEPTH_FACTOR

if TYPE_CHECKING:
    from analytics.monitor_host import MonitorHost

Array = NDArray[np.float64]
MIN_MS = 60_000
DAY_MS = 86_400_000
#: the level is read as medians of this many minutes (no glitch, no wave)
BLOCK_MINUTES = 10
#: the level now: the median of its last few minutes
NOW_MINUTES = 5
#: held: the days' marks and each day's ten-minute medians (10th to 90th percentile) within two resolution
#: steps (a probe of 1 mm noise spreads its ten-minute medians about one step; a tank losing even 0.3 cm a
#: day to evaporation spreads a day's more than two)
HELD_CM = 2 * LEVEL_RESOLUTION_CM


@dataclass(frozen=True)
class LevelHold:
    """Whether the level is held at a mark (cm) and how deep its everyday dip below it goes (cm)."""

    held: bool = False
    mark_cm: float = float("nan")
    dip_cm: float = float("nan")

    def within_dip(self, level_cm: float) -> bool:
        """``level_cm`` (a median of the last minutes) is no deeper below the mark than the everyday dip, with
        the keeper's margin and a resolution step (False for a level not held, or NaN)."""
        if not self.held or not math.isfinite(level_cm):
            return False
        return bool(self.mark_cm - level_cm <= HABIT_DEPTH_FACTOR * self.dip_cm + LEVEL_RESOLUTION_CM)


def learn_hold(t_ms: Array, level: Array, days: int, pump: Array | None = None) -> LevelHold:
    """The hold of the last ``days`` whole days of ``level`` (two or more days with 80 % of their readings);
    minutes with the ``pump`` switched off are left out (a stopped return's water drains back into the sump,
    and a keeper's change is made with it off)."""
    t_ms, level = np.asarray(t_ms, dtype=np.int64), np.asarray(level, dtype=np.float64)
    if pump is not None:
        level = np.where(np.asarray(pump, dtype=np.float64) == 0.0, np.nan, level)
    if not len(t_ms):
        return LevelHold()
    end = int(t_ms[-1]) + MIN_MS
    marks, spreads, dips = [], [], []
    for d in range(days):
        a, b = end - (d + 1) * DAY_MS, end - d * DAY_MS
        sel = (t_ms >= a) & (t_ms < b) & np.isfinite(level)
        if sel.sum() < 0.8 * 1440:
            continue
        blocks = (t_ms[sel] - a) // (BLOCK_MINUTES * MIN_MS)
        y = level[sel]
        medians = np.array([flat_median(y[blocks == k]) for k in np.unique(blocks)])
        mark = float(flat_median(medians))
        marks.append(mark)
        spreads.append(float(np.quantile(medians, 0.9) - np.quantile(medians, 0.1)))
        dips.append(mark - float(medians.min()))
    if len(marks) < 2:
        return LevelHold()
    held = float(np.ptp(marks)) <= HELD_CM and float(flat_median(spreads)) <= HELD_CM
    return LevelHold(held, float(flat_median(marks)), float(flat_median(dips)))


@dataclass
class LevelDips:
    """A tank monitor's learned hold of its level and when it was learned."""

    hold: LevelHold = field(default_factory=LevelHold)
    learned_at_ms: int = -1


def within_everyday_dip(mon: MonitorHost, now_ms: int, t_ms: Array, frame: dict[str, Array]) -> bool:
    """The level of a tank monitor is held at a mark and no deeper below it now than its everyday dip; the hold
    is learned again as often as the probes' wobble, over the reference's every day as it was (the median day
    is read: a leak or a change on one day of three is not every day's; the spans under an alert are kept, or
    a dip paged once would never be learned as the tank's own)."""
    watch = mon.level_dips
    if watch.learned_at_ms != mon.noise_at_ms:
        watch.learned_at_ms = mon.noise_at_ms
        sel = t_ms >= now_ms - mon.settings.reference_hours * 3_600_000
        pump = frame["pump"][sel] if "pump" in frame else None
        watch.hold = learn_hold(t_ms[sel], frame["level_cm"][sel], int(mon.settings.reference_hours // 24), pump)
    if not watch.hold.held:
        return False
    now = frame["level_cm"][t_ms >= now_ms - NOW_MINUTES * MIN_MS]
    now = now[np.isfinite(now)]
    return bool(len(now) and watch.hold.within_dip(float(flat_median(now))))

