"""After the device was offline: the temperature's way back is the outage's aftermath, not a drift.

A power cut stops the controller and the heater alike.  The water cools
while no probe reports; when the power is back the readings return with the
water below its usual, and the heater brings it back at its own rate.  A
keeper who knows the power was off (the service told them: ``no_telemetry``,
``device_offline``) expects that, as after a water change's cooler new water
(:data:`analytics.catalogue.KEPT_BY_A_WATER_CHANGE`).  So, for a water
change's settling time after readings return from a silence of all probes
(at least ``no_data_minutes``), the readings a heater brings back are left
out of the drift while their departure from usual is closing: smaller than at
the return by more than their healthy spread, and not widening lately.  A
departure that stays or widens (a heater that died in the cut) is judged by
the drift as ever, and the heater rules watch the temperature throughout.
"""

from __future__ import annotations

import math
from typing import TYPE_CHECKING

import numpy as np
from numpy.typing import NDArray

from analytics.catalogue import DAY_MS, KEPT_BY_A_WATER_CHANGE, MIN_MS, WATER_CHANGE_SETTLE_MS
from analytics.monitor_host import HostBase

if TYPE_CHECKING:
    Array = NDArray[np.float64]

#: minutes of readings whose mean departure is compared (at the return, now, and a while ago)
BLOCK_MINUTES = 10
#: how far back "lately" reaches: the departure now is no wider than it was this many minutes ago
LATELY_MINUTES = 30


def closing(t_ms: Array, r: Array, back_ms: int, now_ms: int, sd: float) -> bool:
    """The departure ``r`` (a residual from usual, times ``t_ms``) is closing since the readings came back
    at ``back_ms``: its last ``BLOCK_MINUTES``' mean is on the same side as at the return, smaller than
    there by at least three healthy standard deviations ``sd``, and not further from usual (beyond ``sd``)
    than ``LATELY_MINUTES`` ago.

    >>> t = np.arange(0, 60) * MIN_MS
    >>> warming = -1.0 + 0.4 * t / 3_600_000  # 1 °C below usual, the heater bringing back 0.4 °C an hour
    >>> closing(t, warming, 0, 60 * MIN_MS, 0.03), closing(t, -1.0 - 0.4 * t / 3_600_000, 0, 60 * MIN_MS, 0.03)
    (True, False)
    """
    def block(end_ms: int) -> float:
        w = (t_ms >= end_ms - BLOCK_MINUTES * MIN_MS) & (t_ms < end_ms) & (t_ms >= back_ms) & np.isfinite(r)
        return float(np.mean(r[w])) if w.any() else math.nan

    first, now = block(back_ms + BLOCK_MINUTES * MIN_MS), block(now_ms)
    lately = block(now_ms - (LATELY_MINUTES - BLOCK_MINUTES) * MIN_MS)
    if not (math.isfinite(first) and math.isfinite(now)) or first * now <= 0:
        return False
    widening = math.isfinite(lately) and abs(now) > abs(lately) + sd
    return abs(now) <= abs(first) - 3.0 * sd and not widening


class OutageMixin(HostBase):
    """Methods of :class:`analytics.monitor.TankMonitor` (its state, ``outage_end_ms``, lives there)."""

    def _note_outage(self, t_ms: Array) -> None:
        """Remember when readings came back after a silence of every probe of ``no_data_minutes`` or more.
        Call before the newest rows are taken in (``last_row_ms`` is the last row seen before them)."""
        if self.last_row_ms < 0 or not len(t_ms) or t_ms[-1] <= self.last_row_ms:
            return
        first = int(t_ms[np.searchsorted(t_ms, self.last_row_ms, side="right")])
        if first - self.last_row_ms >= self.settings.no_data_minutes * MIN_MS:
            self.outage_end_ms = first

    def outage_held(self, now_ms: int, t_ms: Array, X: Array, names: list[str]) -> set[str]:
        """The readings of ``names`` (columns of ``X``) the heater is bringing back after an outage, kept out
        of the drift while their departure closes (:func:`closing`); empty once back near
        usual (the hold ends for good) or a water change's settling time after the return."""
        since = now_ms - self.outage_end_ms
        if since >= WATER_CHANGE_SETTLE_MS or self.baseline is None or self.cov is None or \
                self.cov.shape[0] != len(names):
            return set()
        w = t_ms >= self.outage_end_ms
        R = self._residuals(t_ms[w], X[w])
        held: set[str] = set()
        back = True
        for n in KEPT_BY_A_WATER_CHANGE:
            if n not in names:
                continue
            i = names.index(n)
            sd = math.sqrt(self.cov[i, i])
            recent = R[t_ms[w] >= now_ms - BLOCK_MINUTES * MIN_MS, i]
            recent = recent[np.isfinite(recent)]
            back &= bool(len(recent)) and abs(float(np.mean(recent))) < 3.0 * sd
            if closing(t_ms[w], R[:, i], self.outage_end_ms, now_ms, sd):
                held.add(n)
        if back and since > BLOCK_MINUTES * MIN_MS:
            self.outage_end_ms = -DAY_MS  # back near usual: a later departure is news
        return held
