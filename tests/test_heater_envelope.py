"""A thermostat's band that moves with the room (round 10): the water is judged against where its thermostat
let it go at this hour on the days before (analytics/thermostat.py's ``hour_envelope``).

A small tank's heater switched by a bimetal that feels the room holds the water lower at night than in the
afternoon; ``find_cycle``'s single band (and its 8 legs a day) missed such a sawtooth, and every night's
off-leg paged "heater may have failed".  Pure functions on a few days of synthetic minutes.
"""

from __future__ import annotations

import numpy as np
import pytest

from analytics.thermostat import find_cycle, smoothed
from analytics.thermostat_envelope import LEAST_DEPARTURE_C, beyond_envelope, envelope_window_minutes, hour_envelope
from benchmarks.keeper_heat import room_air, water_temperature

MIN_MS = 60_000
DAY = 1440
START_MS = 1_767_225_600_000  # 2026-01-01 00:00 UTC
NOISE = 0.02


def desk(days: int, capacity: np.ndarray | None = None) -> tuple[np.ndarray, np.ndarray]:
    """A 25 l tank (4 h time constant), a 2 °C/h heater whose 0.6 °C band moves 0.3 °C per degree of a room
    of 19 °C ± 3 (coldest at 4:00): the minutes (ms) and the water, with the probe's noise."""
    room = room_air(days, np.random.default_rng(7), 19.0, 3.0, 16.0, 0.3)
    shift = 0.3 * (room - 19.0)
    water = water_temperature(room, 4.0, 25.3, 2.0, 25.0 + shift, 25.6 + shift, capacity=capacity)
    t = START_MS + np.arange(len(water), dtype=np.int64) * MIN_MS
    return t, water + np.random.default_rng(3).normal(0, NOISE, len(water))


def side_each_minute(t: np.ndarray, y: np.ndarray, cycle: tuple, start: int, minutes: int) -> np.ndarray:
    half = envelope_window_minutes(cycle)
    out = []
    for i in range(start, start + minutes):
        env = hour_envelope(t[:i], y[:i], None, int(t[i]), half)
        out.append(beyond_envelope(env, float(np.median(y[i - 5:i])), NOISE))
    return np.asarray(out)


def test_a_sawtooth_whose_band_moves_with_the_room_is_found() -> None:
    t, y = desk(3)
    cycle = find_cycle(t, y)
    assert cycle is not None, "a sawtooth whose band moves with the room is still a thermostat's"
    assert 30 < cycle.period_min < 600 and envelope_window_minutes(cycle) > 0.5 * cycle.period_min, cycle


def test_a_noisy_spell_and_a_smooth_wander_are_no_sawtooth() -> None:
    m = np.arange(3 * DAY)
    rng = np.random.default_rng(2)
    wander = 24.0 + 0.9 * np.sin(2 * np.pi * m / DAY) + np.cumsum(rng.normal(0, 0.004, len(m)))
    assert find_cycle(START_MS + m * MIN_MS, wander + rng.normal(0, 0.03, len(m))) is None
    jumpy = 25.0 + 0.3 * np.sin(2 * np.pi * m / DAY) + rng.normal(0, 0.02, len(m))
    jumpy[DAY:DAY + 360] += rng.normal(0, 0.4, 360)  # a failing probe's six hours
    assert find_cycle(START_MS + m * MIN_MS, jumpy) is None


def test_the_night_s_off_legs_stay_inside_the_envelope_at_their_hour() -> None:
    """The fourth night's healthy sawtooth (the water lower than all afternoon) is inside its envelope."""
    t, y = desk(4)
    cycle = tuple(find_cycle(t[:3 * DAY], y[:3 * DAY]))
    sides = side_each_minute(t, y, cycle, 3 * DAY, 8 * 60)  # 0:00-8:00, the coldest hours
    assert (sides == 0).all(), np.flatnonzero(sides)
    # the whole day's band would not do: the night's low turn points are below the afternoon's
    afternoon = y[2 * DAY + 13 * 60:2 * DAY + 18 * 60]
    assert y[3 * DAY:3 * DAY + 8 * 60].min() < afternoon.min() - 2 * LEAST_DEPARTURE_C


def test_a_heater_dead_at_night_takes_the_water_below_its_envelope_within_minutes() -> None:
    n = 4 * DAY
    dies = 3 * DAY + 2 * 60
    t, y = desk(4, capacity=np.where(np.arange(n) >= dies, 0.0, 1.0))
    _, healthy = desk(4)
    cycle = tuple(find_cycle(t[:3 * DAY], y[:3 * DAY]))
    # where it first leaves the healthy water's range over the night around it by 0.1 °C
    night = healthy[dies - 3 * 60:dies + 3 * 60]
    out = int(np.flatnonzero(y[dies:] < night.min() - 0.1)[0])
    sides = side_each_minute(t, y, cycle, dies, out + 30)
    below = np.flatnonzero(sides < 0)
    assert len(below) and below[0] <= out + 20, (below[:3], out)
    assert (sides[-20:] < 0).all(), "and it stays below while the water keeps falling"


def test_a_heater_stuck_on_in_the_afternoon_takes_the_water_above_its_envelope() -> None:
    t, y = desk(4)
    n = len(y)
    room = room_air(4, np.random.default_rng(7), 19.0, 3.0, 16.0, 0.3)
    shift = 0.3 * (room - 19.0)
    sticks = 3 * DAY + 13 * 60
    on = np.where(np.arange(n) >= sticks, 99.0, 25.0 + shift)
    stuck = water_temperature(room, 4.0, 25.3, 2.0, on, np.where(np.arange(n) >= sticks, 99.0, 25.6 + shift))
    stuck = stuck + np.random.default_rng(3).normal(0, NOISE, n)
    cycle = tuple(find_cycle(t[:3 * DAY], y[:3 * DAY]))
    sides = side_each_minute(t, stuck, cycle, sticks, 120)
    assert (sides > 0).any() and not (sides < 0).any()


def test_a_tiny_tank_s_sawtooth_of_minutes_is_found() -> None:
    """A 10 l tank's strong heater turns every 8 minutes: its ramps (0.1 °C a minute) are no probe noise."""
    room = room_air(3, np.random.default_rng(7), 20.0, 2.0, 16.0, 0.3)
    water = water_temperature(room, 2.0, 25.5, 6.0, 25.3 + 0.2 * (room - 20.0), 25.6 + 0.2 * (room - 20.0))
    y = water + np.random.default_rng(1).normal(0, NOISE, len(water))
    cycle = find_cycle(START_MS + np.arange(len(y)) * MIN_MS, y)
    assert cycle is not None and cycle.period_min < 60, cycle


def test_a_day_s_sun_among_small_wobbles_is_no_sawtooth(monkeypatch: pytest.MonkeyPatch) -> None:
    """A windowsill tank: the afternoon's sun lifts it 2.5 °C, and the room's draughts wobble it by 0.08 °C
    every few hours; the wobbles' heights gather, but a day's swing among them is no thermostat's leg."""
    import analytics.thermostat as thermostat

    m = np.arange(3 * DAY)
    hour = (m / 60.0) % 24.0
    sun = 2.5 * np.clip(np.sin(np.pi * (hour - 9.0) / 8.0), 0.0, None)
    wobble = 0.045 * np.sign(np.sin(2 * np.pi * m / 170.0)) * np.clip((hour < 8) | (hour > 18), 0, 1)
    y = 24.0 + sun + smoothed(wobble, 21) + np.random.default_rng(4).normal(0, 0.008, len(m))
    t = START_MS + m * MIN_MS
    assert find_cycle(t, y) is None
    monkeypatch.setattr(thermostat, "LEG_HEIGHTS_RATIO", 1e9)  # the test is the heights' spread
    assert find_cycle(t, y) is not None
