"""A tank's week: what its water did at the same hour of the same weekday, one and two weeks ago.

The drift's usual is learned by the hour of the day from the last three days.  A
tank whose water follows a week (an office's people breathing CO2 into it Monday
to Friday, a shop's rack changed every Thursday morning) departs from that usual
at the same hours every week, and each time it is the same departure: the
weekend's pH above the workdays', the change's TDS below the days before it.  A
departure the same way as the water's at the same time one or two weeks earlier,
while no rule told of a fault, and no further than that one by more than the
keeper's indifference zone, is the tank's week and no drift.

The memory is a few numbers every drift step (every five minutes) for fifteen
days: each reading's departure from usual as the drift judged it then, kept in
half precision (a pH departure to 0.0005, a TDS one of 300 ppm to 0.25 ppm) in a
ring of 4,320 steps, 26 KB a tank.  It is saved with the monitor's state, so a
restart (a Pi rebooted after a power cut) does not forget the tank's week and
page its Thursday change for two weeks.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from typing import TYPE_CHECKING

import numpy as np
from numpy.typing import NDArray

from analytics.catalogue import DAY_MS, MIN_MS
from analytics.monitor_host import HostBase

#: how far back the week's memory reaches: two weeks and a day
MEMORY_DAYS = 15
#: the weeks looked back on: the same weekday one and two weeks ago
WEEKS_BACK = (7, 14)
#: the step the memory is kept at (the drift's step), and how far either side of the same minute a week ago the
#: departure is looked for (the office's people arrive within a quarter of an hour of the same time)
STEP_MS = 5 * MIN_MS
SLACK_STEPS = 2
#: the readings that keep a week: the water's chemistry follows the keeper's and the building's week (a change,
#: the people's CO2); its temperature follows the sun and the weather, which keep none, and a warm afternoon a
#: week ago is no reason to be quiet about the sun on the tank today (a betta's unshaded window, round 17)
WEEKLY_READINGS = ("ph", "tds_ppm", "turb_ntu")
#: alerts that say nothing of a fault: the drift itself (it is what is judged) and a forecast's reminder
NOT_A_FAULT = ("drift", "water_change_due")


#: the memory's length in steps (a ring: the step ``k`` is kept in slot ``k % RING_STEPS``)
RING_STEPS = MEMORY_DAYS * DAY_MS // STEP_MS


class WeekMemory:
    """Each drift step's departures from usual, per reading, kept for :data:`MEMORY_DAYS` days.

    A ring of :data:`RING_STEPS` rows, one column per reading of :attr:`READINGS` (:data:`WEEKLY_READINGS`; a
    subclass keeps others), in half precision (NaN: nothing remembered at that step), so that the monitor's
    saved state carries it at 26 KB a tank.

    Examples
    --------
    >>> mem = WeekMemory()
    >>> saturday = 2 * DAY_MS + 10 * 3_600_000
    >>> mem.remember(saturday, {"ph": 0.23})
    >>> mem.repeats(saturday + 14 * DAY_MS, "ph", 0.21, 0.1)  # the same departure two weeks on
    True
    >>> mem.repeats(saturday + 14 * DAY_MS, "ph", -0.21, 0.1)  # the other way: news
    False
    >>> mem.repeats(saturday + 14 * DAY_MS, "ph", 0.40, 0.1)  # further than that by more than the zone: news
    False
    >>> mem.repeats(saturday + 14 * DAY_MS, "ph", 0.11, 0.1)  # not as far as the week went: no news
    True
    >>> mem.repeats(saturday + 13 * DAY_MS, "ph", 0.21, 0.1)  # not the same weekday
    False
    """

    #: the readings kept, one column each (a subclass keeps others: analytics.drift_fortnight)
    READINGS: tuple[str, ...] = WEEKLY_READINGS

    def __init__(self) -> None:
        self.ring: NDArray[np.float16] = np.full((RING_STEPS, len(self.READINGS)), np.nan, dtype=np.float16)
        self.last_step = -1  # the newest step remembered (-1: none)

    def __len__(self) -> int:
        """How many steps are remembered."""
        return int(np.isfinite(self.ring).any(axis=1).sum())

    def remember(self, now_ms: int, departures: Mapping[str, float]) -> None:
        """Keep this step's departures (reading -> reading minus usual; readings that keep no week are not
        kept); forget what is older than the memory."""
        step = int(now_ms // STEP_MS)
        if self.ring.shape != (RING_STEPS, len(self.READINGS)):  # saved by a version that kept other readings
            self.__init__()  # type: ignore[misc]
        if self.last_step >= 0 and step > self.last_step + 1:  # the steps skipped since: nothing of this cycle
            gap = np.arange(self.last_step + 1, min(step, self.last_step + 1 + RING_STEPS)) % RING_STEPS
            self.ring[gap] = np.nan
        if step > self.last_step - RING_STEPS:
            self.ring[step % RING_STEPS] = [departures.get(n, np.nan) for n in self.READINGS]
            self.last_step = max(self.last_step, step)

    def _at(self, step: int, name: str) -> float | None:
        if name not in self.READINGS or not self.last_step - RING_STEPS < step <= self.last_step or \
                self.ring.shape != (RING_STEPS, len(self.READINGS)):
            return None
        value = float(self.ring[step % RING_STEPS, self.READINGS.index(name)])
        return value if np.isfinite(value) else None

    def repeats(self, now_ms: int, name: str, departure: float, zone: float) -> bool:
        """The reading ``name`` departed the same way as ``departure``, and as far or further than ``zone`` short
        of it, at the same time (± :data:`SLACK_STEPS` steps) one or two weeks before ``now_ms``: a departure no
        further than the tank's week went, beyond what the keeper is indifferent to."""
        step = now_ms // STEP_MS
        for weeks_days in WEEKS_BACK:
            then = step - weeks_days * DAY_MS // STEP_MS
            for k in range(then - SLACK_STEPS, then + SLACK_STEPS + 1):
                past = self._at(k, name)
                if past is not None and past * departure > 0 and abs(departure) < abs(past) + zone:
                    return True
        return False


def healthy_now(firing: Iterable[str]) -> bool:
    """No alert but the drift and the forecast's reminder is firing: the water's departures now may stand for
    the tank's week (``firing``: the keys of the alerts firing now).

    >>> healthy_now(["drift"]), healthy_now(["drift", "pump_stopped"])
    (True, False)
    """
    return all(k in NOT_A_FAULT for k in firing)


class WeekMixin(HostBase):
    """Methods of :class:`analytics.monitor.TankMonitor` (its state lives there): the drift's memory of the week."""

    if TYPE_CHECKING:
        def _zone(self, name: str) -> float: ...  # analytics.drift.DriftMixin

    def _weekly(self, now_ms: int, name: str, departure: float) -> bool:
        """Reading ``name`` departed from usual as it does now (the same way, within the keeper's indifference
        zone) at the same time one or two weeks ago, while no rule told of a fault."""
        return name in WEEKLY_READINGS and self.week_memory is not None and \
            self.week_memory.repeats(now_ms, name, departure, self._zone(name))

    def _remember_week(self, now_ms: int, sensors: list[str], dep: NDArray[np.float64]) -> None:
        """Keep this step's departures (``dep``: reading minus usual of each of ``sensors``) for the weeks to
        come, unless a rule is telling of a fault now."""
        if not healthy_now(k for k, a in self.alerts.items() if a.state == "firing"):
            return
        if self.week_memory is None:
            self.week_memory = WeekMemory()
        self.week_memory.remember(now_ms, {n: float(v) for n, v in zip(sensors, dep)})
