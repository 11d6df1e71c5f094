"""Water that moves in a keeper's month: a room heated on a timer, a sump with a float-switch top-off and a
reservoir, an outdoor pond under rain, sun and a hose (the round-10 months of
:mod:`benchmarks.keeper_month_strangers`).

Examples
--------
>>> air = heated_room(np.arange(DAY_MIN), np.random.default_rng(0), 21.0, 17.0, 6.5, 22.0, 0.0)
>>> round(float(air[5 * 60]), 1), round(float(air[14 * 60]), 1)
(17.0, 21.0)
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Sequence

import numpy as np
from numpy.typing import NDArray

from benchmarks.keeper_heat import Array, lowpass
from benchmarks.keeper_month import DAY_MIN


def heated_room(i: NDArray[np.int64] | Array, rng: np.random.Generator, day_c: float, night_c: float, on_h: float, off_h: float,
                 wander: float) -> Array:
    """A room whose heating runs on a timer: ``day_c`` from ``on_h`` to ``off_h``, ``night_c`` otherwise, the
    air following with an hour and a half's lag, its mean wandering day to day by ``wander``."""
    hour = (i / 60.0) % 24.0
    days = int(len(i) // DAY_MIN)
    daily = np.interp(i / DAY_MIN, np.arange(days + 1), rng.uniform(-wander, wander, days + 1))
    return lowpass(np.where((hour >= on_h) & (hour < off_h), day_c, night_c), 90.0) + daily


@dataclass
class SumpPlumbing:
    """The sump's water, litre by litre: evaporation, a float-switch top-off fed from a reservoir the keeper
    refills, the display draining back while the return pump is off, leaks, refills to the mark.

    Examples
    --------
    >>> p = SumpPlumbing(evaporated_l_per_min=np.full(3 * DAY_MIN, 4.0 / DAY_MIN))
    >>> level, salts, left = p.run({}, np.zeros(3 * DAY_MIN, bool), np.zeros(3 * DAY_MIN), ())
    >>> round(float(level.min()), 1), round(float(level.max()), 1), float(left[-1]), round(float(salts[-1]), 6)
    (21.6, 22.2, 18.0, 1.0)
    """

    evaporated_l_per_min: Array
    mark_cm: float = 22.0
    l_per_cm: float = 3.2  # an 80×40 cm sump
    band_cm: float = 0.4  # the float switch's hysteresis
    ato_l_per_min: float = 1.0
    reservoir_l: float = 30.0
    drain_back_l: float = 16.0  # what the display's overflow and plumbing hold above the sump
    system_l: float = 500.0

    def run(self, refills: dict[int, float], return_off: NDArray[np.bool_], leaks: NDArray[np.float64],
            to_mark: Sequence[int]) -> tuple[Array, Array, Array]:
        """The sump level (cm), the salts' concentration relative to the start (evaporation concentrates them,
        fresh RO water dilutes them, a leak takes water and salts alike) and the litres left in the reservoir,
        minute by minute.  ``refills``: minute -> litres in the reservoir after the keeper fills it; ``leaks``:
        litres lost each minute; ``to_mark``: minutes the keeper fills the sump to its mark with RO water."""
        n = len(return_off)
        level, salts, left = np.empty(n), np.empty(n), np.empty(n)
        vol, conc, reservoir, pumping, back = 0.0, 1.0, self.reservoir_l, False, 0.0
        marks, third = set(to_mark), self.drain_back_l / 3.0
        for k in range(n):
            reservoir = refills.get(k, reservoir)
            step = float(np.clip((self.drain_back_l if return_off[k] else 0.0) - back, -third, third))
            back += step  # the display's water drains back while the return is off, and is pumped up again
            before = self.system_l + vol - leaks[k]
            vol += step - self.evaporated_l_per_min[k] - leaks[k]
            fresh = 0.0
            if k in marks:
                fresh, vol = max(0.0, -vol), max(vol, 0.0)
            pumping = back == 0.0 and (vol < -self.band_cm * self.l_per_cm or (pumping and vol < 0.0))
            if pumping and reservoir > 0.0:  # the float switch; the reservoir may be empty
                add = min(self.ato_l_per_min, reservoir)
                reservoir, fresh, vol = reservoir - add, fresh + add, vol + add
            conc *= before / (before + fresh - self.evaporated_l_per_min[k])
            level[k], salts[k], left[k] = self.mark_cm + vol / self.l_per_cm, conc, reservoir
        return level, salts, left


@dataclass
class PondWater:
    """An outdoor pond's depth and salts minute by minute: rain and the hose pour in (with their own salts and
    temperature), the sun evaporates, the overflow spills, buckets are taken.

    Examples
    --------
    >>> n = DAY_MIN
    >>> p = PondWater(evaporated_cm=np.full(n, 0.5 / n), inflow_cm=np.where(np.arange(n) == 600, 2.0, 0.0),
    ...               inflow_tds=np.full(n, 420.0), taken_cm=np.zeros(n))
    >>> depth, tds, mixes = p.run(79.5, 320.0)
    >>> round(float(depth[-1]), 2), bool(tds[-1] > 320.0), mixes[600] > 0.02
    (81.0, True, True)
    """

    evaporated_cm: Array
    inflow_cm: Array
    inflow_tds: Array
    taken_cm: Array
    overflow_cm: float = 88.0
    waste_ppm_per_day: float = 1.5

    def run(self, depth_cm: float, tds: float) -> tuple[Array, Array, dict[int, float]]:
        """Depth (cm), TDS (ppm) and ``{minute: fraction of the water that poured in}`` (for the heat balance)."""
        n = len(self.inflow_cm)
        depth, salts, mixes = np.empty(n), np.empty(n), {}
        inflow, dissolved, gone, taken = (x.tolist() for x in (self.inflow_cm, self.inflow_tds, self.evaporated_cm,
                                                                 self.taken_cm))
        for k in range(n):
            tds *= depth_cm / (depth_cm - gone[k])
            depth_cm -= gone[k] + taken[k]
            if inflow[k] > 0.0:
                f = inflow[k] / (depth_cm + inflow[k])
                tds, mixes[k] = tds * (1.0 - f) + dissolved[k] * f, f
                depth_cm = min(self.overflow_cm, depth_cm + inflow[k])
            tds += self.waste_ppm_per_day / DAY_MIN
            depth[k], salts[k] = depth_cm, tds
        return depth, salts, mixes
