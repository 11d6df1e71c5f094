"""Round 18: a heater bringing the water back is working (:func:`analytics.heater_rules.returning_side`).

Water below where its heater held it at this hour on the days before (a repaired heater, a power cut, a cold
night) climbs back as fast as the heater can warm it: that climb is the heater working, not stuck on, until
the water carries on past the level its thermostat switches it off at.  Mirror: water above its level (a
stuck heater unplugged, a hot afternoon) cools back toward it with the heater resting: no dead heater until
it falls past the level.  Through the engine the service runs (:func:`benchmarks.bench_detection.measure_month`).
"""

from __future__ import annotations

import numpy as np

from analytics.heater_rules import returning_side
from benchmarks.keeper_month import DAY_MIN, Scenario, Tank, build

MIN_MS = 60_000
#: the minute of the last day the water's course is drawn from (its morning)
AT = 5 * DAY_MIN + 6 * 60


def _tank(shape: np.ndarray, seed: int = 1818) -> Scenario:
    """Six healthy days of a 120 l tropical tank (a 2 h heater), ``shape`` (°C) added to its water from
    :data:`AT` on the last day; no labels (each test asks for the alerts it expects)."""
    tank = Tank(temp=26.0, temp_swing=0.3, ph=7.0, ph_swing=0.05, tds=220.0, tds_per_day=10.0, turb=0.8,
                feed_turb=0.5, feed_hours=(9.0, 18.0), level=24.0, evap_cm_per_day=1.0, flow=10.0, heat_tau_h=2.0)
    s = build("round 18 heater", "tropical", tank, 6, [], lambda v, rng: [], 0.0, seed)
    temp = s.values["temp_c"].copy()
    temp[AT:AT + len(shape)] += shape[:len(temp) - AT]
    s.values["temp_c"] = temp
    return s


def _heater(s: Scenario) -> list[tuple[int, str]]:
    """The heater alerts' onsets (minutes from :data:`AT`, key)."""
    from benchmarks.bench_detection import measure_month

    _, det, _ = measure_month(s)
    t0 = int(s.t_ms[0])
    return [(int(tr.t_ms - t0) // MIN_MS - AT, tr.key) for tr in det.transitions
            if tr.state == "firing" and tr.key in ("heater_dead", "heater_stuck")]


def _cold_then(after: np.ndarray, cold_min: int = 180, depth_c: float = 3.0) -> np.ndarray:
    """The heater off ``cold_min`` minutes (the water down ``depth_c`` °C), then ``after`` (°C, from
    ``-depth_c``) once it is back on."""
    m = np.arange(cold_min, dtype=np.float64)
    return np.concatenate([-depth_c * m / cold_min, after])


def _recovery(minutes: int = 600, tau_min: float = 45.0, depth_c: float = 3.0) -> np.ndarray:
    """A working heater closing a ``depth_c`` gap (Newton, time constant ``tau_min``)."""
    return -depth_c * np.exp(-np.arange(minutes) / tau_min)


def test_returning_side_is_the_water_against_its_held_level() -> None:
    assert returning_side(25.5, 22.7) == -1 and returning_side(25.5, 25.9) == 1
    assert returning_side(float("nan"), 22.0) == 0 and returning_side(25.5, float("nan")) == 0


def test_a_working_heater_bringing_the_water_back_from_3_c_below_is_quiet() -> None:
    """The heater off three hours (told dead), then back on and closing the gap at up to 4 °C/h: the climb
    from 3 °C below was paged as a stuck heater ten minutes after it came back on (the cichlids' d12)."""
    heater = _heater(_tank(_cold_then(_recovery())))
    assert ("heater_dead" in {k for _, k in heater}) and not [m for m, k in heater if k == "heater_stuck"], heater


def test_a_heater_stuck_on_during_a_recovery_is_told_once_the_water_passes_its_level() -> None:
    """Back on but stuck: the water climbs 4 °C/h from 3 °C below and on past its level (crossed at 225 min,
    the heater back on at 180): told within a quarter of an hour of the crossing."""
    m = np.arange(600, dtype=np.float64)
    stuck = [t for t, k in _heater(_tank(_cold_then(-3.0 + 4.0 * m / 60.0))) if k == "heater_stuck"]
    assert stuck and 225 <= stuck[0] <= 240, stuck


def test_water_above_its_level_cooling_back_is_no_dead_heater() -> None:
    """A heater stuck for an hour (told) is unplugged and plugged back in: the water, 2 °C above, cools back to
    its level; main paged that fall as a dead heater at +72 min."""
    hot = np.concatenate([2.0 * np.arange(60) / 60.0, 2.0 * np.exp(-np.arange(600) / 45.0)])
    heater = _heater(_tank(hot))
    assert not [m for m, k in heater if k == "heater_dead"], heater


def test_a_heater_dying_while_the_water_is_above_its_level_is_still_told() -> None:
    """The water 2 °C above (a stuck hour), then the heater dies: it falls 1.5 °C/h past its level (crossed at
    140 min) and on; told within a quarter of an hour of the crossing."""
    dies = np.concatenate([2.0 * np.arange(60) / 60.0, 2.0 - 1.5 * np.arange(600) / 60.0])
    dead = [m for m, k in _heater(_tank(dies)) if k == "heater_dead"]
    assert dead and 140 <= dead[0] <= 155, dead
