"""A tank's fortnight: where its water stood at this time of day on the days before the drift's reference.

The drift's usual is learned by the hour of the day from the last three days.  A
few cool days (a cool change after a hot week, a cold snap in an unheated room)
make a usual of their own: when the weather turns back, the water returns to
where it stood all the fortnight before, and against the cool days' usual that
reads as a warm drift, for as long as the cool days stay in the reference.  Such
water is back at its usual, not away from it.

So the drift step keeps the water's temperature (its last ten minutes' mean) in a
ring of fifteen days, while no alert fires (healthy water only).  A temperature
departure is the water returning, and no news, when all of these hold:

- at least :data:`LEAST_DAYS` days before the reference are remembered at this
  time of day (a tank in its first week has no fortnight to return to);
- the reference is unusual: its usual at this hour is further from the median of
  those days than the keeper's indifference zone;
- the departure goes from the reference's usual toward that median;
- the water stands within the range of those days at this time, widened by the
  zone (no further than the healthy fortnight went).

A heater stuck on after a cold snap carries the water past the fortnight's warmest
and is told; a heater dying after one moves the water away from the fortnight, and is
told; in a tank whose reference is like its fortnight (nearly every tank on nearly
every day) nothing here acts.  Only the temperature: the weather keeps no week
and no chemistry, and a TDS climbing back to where it was before a water change
is the water ageing again, which the keeper is told of.

The ring is :class:`analytics.drift_weekly.WeekMemory`'s (5-minute steps, 15
days, half precision: 0.016 °C at 26 °C), 8.6 KB a tank in the saved state.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import TYPE_CHECKING

import numpy as np
from numpy.typing import NDArray

from analytics.catalogue import DAY_MS
from analytics.drift_weekly import SLACK_STEPS, STEP_MS, WeekMemory
from analytics.monitor_host import HostBase

#: the readings whose fortnight is kept: the temperature, which follows the weather
FORTNIGHT_READINGS = ("temp_c",)
#: at least this many days before the reference must be remembered at this time of day
LEAST_DAYS = 5


class FortnightMemory(WeekMemory):
    """The water's own temperature at each drift step of the last fifteen days (the ring of
    :class:`analytics.drift_weekly.WeekMemory`, absolute readings rather than departures).

    Examples
    --------
    >>> mem = FortnightMemory()
    >>> for day in range(10):
    ...     mem.remember(day * DAY_MS + 11 * 3_600_000, {"temp_c": 26.0 + 0.1 * day})
    >>> [round(v, 1) for v in mem.days_at(9 * DAY_MS + 11 * 3_600_000, "temp_c", 3)]
    [26.6, 26.5, 26.4, 26.3, 26.2, 26.1, 26.0]
    """

    READINGS = FORTNIGHT_READINGS

    def days_at(self, now_ms: int, name: str, skip_days: int) -> list[float]:
        """``name`` at this time of day (the median of the steps within :data:`SLACK_STEPS`) on each day
        remembered from ``skip_days`` days back (the reference's days are skipped), newest first."""
        step, per_day = now_ms // STEP_MS, DAY_MS // STEP_MS
        out = []
        for back in range(max(1, skip_days), int(len(self.ring) // per_day) + 1):
            then = step - back * per_day
            near = [v for k in range(then - SLACK_STEPS, then + SLACK_STEPS + 1)
                    if (v := self._at(k, name)) is not None]
            if near:
                out.append(float(np.median(near)))
        return out


def back_to_fortnight(days: Sequence[float], usual: float, now: float, zone: float) -> bool:
    """The water (``now``) departs from the reference's ``usual`` toward where it stood at this time on the
    fortnight's ``days`` (at least :data:`LEAST_DAYS`), the reference being further from those days' median
    than the indifference ``zone``, and the water within the days' range widened by ``zone``.

    Examples
    --------
    >>> days = [26.2, 25.8, 26.5, 26.0, 25.6, 26.3]          # a summer fortnight at 11:30
    >>> back_to_fortnight(days, 24.05, 26.01, 0.4)          # after a cool change's reference: returning
    True
    >>> back_to_fortnight(days, 24.05, 27.8, 0.4)           # past the fortnight's warmest: told
    False
    >>> back_to_fortnight(days, 24.05, 22.9, 0.4)           # cooling further, away from it: told
    False
    >>> back_to_fortnight(days, 26.0, 27.0, 0.4)            # a reference like the fortnight: nothing acts
    False
    >>> back_to_fortnight(days[:4], 24.05, 26.01, 0.4)      # too few days remembered
    False
    """
    x = np.asarray(days, dtype=np.float64)
    x = x[np.isfinite(x)]
    if len(x) < LEAST_DAYS or not (np.isfinite(usual) and np.isfinite(now)):
        return False
    mid = float(np.median(x))
    if abs(usual - mid) <= zone or (now - usual) * (mid - usual) <= 0:
        return False
    return bool(float(x.min()) - zone <= now <= float(x.max()) + zone)


class FortnightMixin(HostBase):
    """Methods of :class:`analytics.monitor.TankMonitor` (its state, ``fortnight_memory``, lives there)."""

    if TYPE_CHECKING:
        def _zone(self, name: str) -> float: ...  # analytics.drift.DriftMixin

    def _back_to_fortnight(self, now_ms: int, name: str, usual: float, now: float) -> bool:
        """Reading ``name`` (now ``now``, the reference's ``usual`` at this hour) is the water returning to
        where it stood on the fortnight's healthy days before the reference (:func:`back_to_fortnight`)."""
        if name not in FORTNIGHT_READINGS or self.fortnight_memory is None:
            return False
        skip = int(np.ceil(self.settings.reference_hours / 24.0))
        return back_to_fortnight(self.fortnight_memory.days_at(now_ms, name, skip), usual, now, self._zone(name))

    def _remember_fortnight(self, now_ms: int, sensors: list[str], recent: NDArray[np.float64]) -> None:
        """Keep this step's readings (``recent``: each of ``sensors``' last minutes' mean) while the water is
        healthy: no alert fires, the drift included (a heatwave the drift told is no usual to return to)."""
        if any(a.state == "firing" for k, a in self.alerts.items() if k != "water_change_due"):
            return
        if self.fortnight_memory is None:
            self.fortnight_memory = FortnightMemory()
        self.fortnight_memory.remember(now_ms, {n: float(v) for n, v in zip(sensors, recent)})
