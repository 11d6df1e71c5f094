"""Round 8's own month for the temperature rules: daily water changes and heaters dying soon after one.

Written for issue 16's round 8 (the heater rules after a water change) and
tuned on, with :func:`benchmarks.keeper_month.pond_month`; the discus month of
``benchmarks/keeper_month.py`` is the never-tuned check.  It reuses
``keeper_month.py``'s physics and helpers.

Examples
--------
>>> s = daily_change_month(days=8)
>>> s.profile, len(s.faults), len(s.t_ms) == 8 * 1440
('tropical', 1, True)
"""

from __future__ import annotations

from typing import Any

import numpy as np

from benchmarks.keeper_month import DAY_MIN, Scenario, Tank, _top_up, _water_change, build


def daily_change_month(days: int = 30, seed: int = 808) -> Scenario:
    """A 120 l tropical tank whose keeper changes 30 % every evening (1.5 °C cooler), heaters dying after one.

    The heater brings the cool new water back with a 2 h time constant; the
    room is 21-24 °C.  Changes at a random minute between 18:00 and 21:30,
    the sump topped up every morning, two feedings.  Faults: the heater dying
    50 minutes after the evening's change in a 21 °C room (the water keeps
    falling), the heater dying 75 minutes after another in a 24.5 °C room (the
    water stops recovering and drifts down slowly), a heater stuck on at night
    (+0.8 °C/h, 3 h), the heater dying at noon, far from any change (-0.6 °C/h,
    4 h), the return pump stopped (25 min), a pH crash (-0.6, 5 h).
    """
    D = DAY_MIN
    tank = Tank(temp=26.0, temp_swing=0.3, ph=7.0, ph_swing=0.05, tds=220.0, tds_per_day=10.0, turb=0.8,
                feed_turb=0.5, feed_hours=(9.0, 18.0), level=24.0, evap_cm_per_day=1.0, flow=10.0, heat_tau_h=2.0)
    when = np.random.default_rng(seed + 1)
    changes = {d: d * D + int(when.uniform(18.0, 21.5) * 60) for d in range(1, 31)}  # the same evenings, any length
    faults: list[dict[str, Any]] = [{"kind": "heater_cooling", "start": changes[6] + 50, "end": changes[6] + 50 + 6 * 60, "room": 21.0,
               "tau_h": 10.0},
              {"kind": "heater_stuck", "start": 10 * D + 2 * 60, "end": 10 * D + 5 * 60, "rate": 0.8},
              {"kind": "heater_cooling", "start": changes[14] + 75, "end": changes[14] + 75 + 6 * 60, "room": 24.5,
               "tau_h": 10.0},
              {"kind": "heater_dead", "start": 19 * D + 12 * 60, "end": 19 * D + 16 * 60, "rate": 0.6},
              {"kind": "pump_stopped", "start": 23 * D + 10 * 60, "end": 23 * D + 10 * 60 + 25},
              {"kind": "ph_crash", "start": 26 * D + 13 * 60, "end": 26 * D + 18 * 60, "drop": 0.6}]
    faults = [f for f in faults if int(f["end"]) < days * D]

    def habits(v: dict, rng: np.random.Generator) -> list[str]:
        for d, at in changes.items():
            if d >= days:
                break
            _water_change(v, at, 0.3, 1.5, tank.heat_tau_h, sump_dip=2.0)
            _top_up(v, d * D + 7 * 60, 1.0)
        return ["30 % water change every evening (18:00-21:30, 1.5 °C cooler)", "top-ups every morning",
                "feeding 9:00 and 18:00"]

    return build("own 120 l, water change every evening, heaters dying after one (round 8, tuned on)", "tropical",
                 tank, days, faults, habits, 2.0, seed)
