"""Round 8 (drift that varies from day to day): two tanks to tune the drift on, apart from the unseen months.

Habits that differ from one day to the next are not "usual at this hour":

- :func:`random_feeding_month`: a tropical tank fed once a day at a random hour
  (turbidity up for an hour or two, TDS a step up), a weekly water change; a
  pH probe reading +0.4 after a bad recalibration, among other faults.
- :func:`windowsill_month`: an unheated cold-water tank on a windowsill; each
  day's sun warms it by its own amount (0.3-3 °C in the early afternoon) and
  the days' mean wanders with the weather over days; photosynthesis follows the
  sun (pH).

Both are the tuning ground of ``analytics/drift.py``'s day-to-day fixes; the
unseen months of :mod:`benchmarks.keeper_month_unseen` stay unseen.

Examples
--------
>>> s = windowsill_month(days=3, faults=())
>>> bool(s.labels.any()), s.profile, len(s.t_ms) // DAY_MIN
(False, 'cold-water', 3)
"""

from __future__ import annotations

import numpy as np

from benchmarks.keeper_month import DAY_MIN, Scenario, Tank, _hand_top_ups, _water_change, build
from benchmarks.keeper_month_unseen import apply_unseen_fault


def random_feeding_month(days: int = 18, seed: int = 8081, faults: tuple | None = None) -> Scenario:
    """A 120 l tropical tank fed once a day at a random hour 8-20 h (on 6 days of 7), weekly 25 % changes.

    Each feeding clouds the water +1.5-3 NTU (fading over ~1.5 h) and adds
    10 ppm TDS for good.  Faults: the heater dead (-0.6 °C/h, 5 h), the pH
    probe +0.4 after a bad recalibration (30 h), a leak (2 cm/h, 4 h), a
    bacterial bloom (turbidity +4 over 6 h).
    """
    D = DAY_MIN
    tank = Tank(temp=25.5, temp_swing=0.25, ph=7.2, ph_swing=0.05, tds=280.0, tds_per_day=4.0, turb=1.0,
                feed_turb=0.0, feed_hours=(12.0,), level=30.0, evap_cm_per_day=0.6, flow=10.0, heat_tau_h=1.5)

    def habits(v: dict, rng: np.random.Generator) -> list[str]:
        n = len(v["ph"])
        i = np.arange(n)
        fed = 0
        for d in range(days):
            if rng.uniform() < 6 / 7:
                at = d * D + int(rng.uniform(8, 20) * 60)
                v["turb_ntu"] += np.where(i >= at, rng.uniform(1.5, 3.0) * np.exp(-np.maximum(i - at, 0) / 90.0), 0)
                v["tds_ppm"][at:] += 10.0
                fed += 1
        for d in range(5, days, 7):
            _water_change(v, d * D + 10 * 60, 0.25, 1.5, 1.5)
        _hand_top_ups(v, rng, days, 1.5, (0.8, 1.5), (2.0, 3.0))
        return [f"{fed} feedings at random hours", "25 % water change weekly", "hand top-ups"]

    if faults is None:
        faults = ({"kind": "heater_dead", "start": 4 * D + 2 * 60, "end": 4 * D + 7 * 60, "rate": 0.6},
                  {"kind": "probe_offset", "start": 8 * D + 15 * 60, "end": 9 * D + 21 * 60, "probe": "ph",
                   "offset": 0.4},
                  {"kind": "leak", "start": 12 * D + 9 * 60, "end": 12 * D + 13 * 60, "cm_per_h": 2.0},
                  {"kind": "bloom", "start": 15 * D + 6 * 60, "end": 15 * D + 18 * 60, "rise": 4.0})
    return build("120 l tropical, feedings at random hours (round 8, drift tuning)", "tropical", tank, days,
                 list(faults), habits, 2.0, seed, apply=apply_unseen_fault)


def windowsill_month(days: int = 18, seed: int = 8082, faults: tuple | None = None) -> Scenario:
    """An unheated 60 l cold-water tank on a windowsill: the weather, day by day, is its daily course.

    18 °C; each day's sun adds its own 0.3-3 °C (a bump peaking at 14:00,
    4 h wide) and a pH rise of 0.05 per °C of sun; the days' mean wanders
    with the weather (a random walk, 0.4 °C a day); hand top-ups.  Faults: the
    pump stopped (3 h), a leak (1.5 cm/h, 5 h), a pH crash (-0.5 over an hour,
    8 h), the pH probe +0.4 after a recalibration (30 h).
    """
    D = DAY_MIN
    tank = Tank(temp=18.0, temp_swing=0.2, ph=7.6, ph_swing=0.03, tds=300.0, tds_per_day=2.0, turb=1.5,
                feed_turb=0.4, feed_hours=(9.0,), level=28.0, evap_cm_per_day=0.8, flow=6.0, heat_tau_h=6.0,
                noise={"temp_c": 0.03, "ph": 0.01, "tds_ppm": 1.0, "turb_ntu": 0.06, "level_cm": 0.06,
                       "flow_lpm": 0.1})

    def habits(v: dict, rng: np.random.Generator) -> list[str]:
        n = len(v["ph"])
        i = np.arange(n)
        hour = (i / 60.0) % 24.0
        sun = rng.uniform(0.3, 3.0, days)[np.minimum(i // D, days - 1)]
        bump = sun * np.exp(-0.5 * ((hour - 14.0) / 2.0) ** 2)
        weather = np.interp(i / D, np.arange(days + 1), np.cumsum(rng.normal(scale=0.4, size=days + 1)))
        v["temp_c"] += bump + weather
        v["ph"] += 0.05 * bump
        _hand_top_ups(v, rng, days, 1.0, (1.0, 2.0), (2.0, 4.0))
        return ["sun 0.3-3 °C a day, weather wandering 0.4 °C a day", "hand top-ups"]

    if faults is None:
        faults = ({"kind": "pump_stopped", "start": 4 * D + 16 * 60, "end": 4 * D + 19 * 60},
                  {"kind": "leak", "start": 7 * D + 10 * 60, "end": 7 * D + 15 * 60, "cm_per_h": 1.5},
                  {"kind": "ph_crash", "start": 11 * D + 4 * 60, "end": 11 * D + 12 * 60, "drop": 0.5},
                  {"kind": "probe_offset", "start": 14 * D + 13 * 60, "end": 15 * D + 19 * 60, "probe": "ph",
                   "offset": 0.4})
    return build("60 l windowsill, cold-water, weather (round 8, drift tuning)", "cold-water", tank, days,
                 list(faults), habits, 2.0, seed, apply=apply_unseen_fault)


#: the drift's tuning months
DRIFT_MONTHS = (random_feeding_month, windowsill_month)
