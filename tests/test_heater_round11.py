"""Round 11: a heater verdict needs evidence beyond the tank's own variation at this hour.

A small tank's heater that cannot keep up on a cold night lets the water sag slowly all night; a night
colder than the median of the last three takes it below their envelope, and with one cold night among them
the MAD (their middle deviation) calls their spread nothing: "the heater may have failed" was paged at
0.1 °C under.  The verdict (:func:`analytics.thermostat_envelope.beyond_envelope`)
now asks the water to be out by more than a new night may stray from the nights before at that hour, unless
it falls twice as fast as the hour's healthy falls: a dead heater's water falls at the room's full pull.
Pure functions on a few days of synthetic minutes (no servers, no warm-up).
"""

from __future__ import annotations

import numpy as np

from analytics.rules import theil_sen_per_hour
from analytics.thermostat import find_cycle
from analytics.thermostat_envelope import (
    Envelope,
    beyond_envelope,
    day_to_day_sd,
    envelope_window_minutes,
    hour_envelope,
)
from benchmarks.keeper_heat import room_air, water_temperature

MIN_MS = 60_000
DAY = 1440
START_MS = 1_767_225_600_000  # 2026-01-01 00:00 UTC
NOISE = 0.02


def cold_desk(nights_c: tuple[float, ...], capacity: np.ndarray | None = None) -> tuple[np.ndarray, np.ndarray]:
    """A 25 l tank (4 h time constant) whose 2 °C/h heater cannot keep up at night (a room of 18 °C ± 2.5,
    coldest at 4:00): the water sags slowly all night.  Each night (0:00-8:00) the room is ``nights_c[d]`` °C
    warmer than usual.  The minutes (ms) and the water with the probe's noise."""
    days = len(nights_c)
    room = room_air(days, np.random.default_rng(7), 18.0, 2.5, 16.0, 0.2)
    minute = np.arange(len(room))
    room = room + np.asarray(nights_c)[minute // DAY] * (minute % DAY < 8 * 60)
    shift = 0.2 * (room - 18.0)
    water = water_temperature(room, 4.0, 25.3, 2.0, 25.0 + shift, 25.6 + shift, capacity=capacity)
    t = START_MS + minute.astype(np.int64) * MIN_MS
    return t, water + np.random.default_rng(3).normal(0, NOISE, len(water))


#: two mild nights, a cold one, then a night colder than the mild two: the envelope's median night is a mild
#: one and the MAD (the middle deviation) calls the nights' spread nothing
NIGHTS_C = (0.0, -0.15, -1.0, -0.4)


def sides(t: np.ndarray, y: np.ndarray, start: int, minutes: int, margin: str = "new") -> np.ndarray:
    """The verdict each minute from ``start``, as the heater rules ask it (the last hour's slope);
    ``margin="round10"``: round 10's (the days' MAD and the probe's only, whatever the water's speed)."""
    cycle = find_cycle(t[:start], y[:start])
    assert cycle is not None and not cycle.regular, "the desk tank's sawtooth is a thermostat's, its band moving"
    half = envelope_window_minutes(cycle)
    out = []
    for i in range(start, start + minutes):
        env = hour_envelope(t[:i], y[:i], None, int(t[i]), half, reversal=cycle.margin)
        slope = theil_sen_per_hour(t[i - 60:i:2] / 1000.0, y[i - 60:i:2])
        if margin == "round10" and env is not None:
            env, slope = env._replace(low_spread=0.0), float("-inf")
        out.append(beyond_envelope(env, float(np.median(y[i - 5:i])), NOISE, slope))
    return np.asarray(out)


def test_a_colder_night_s_sag_of_a_heater_working_flat_out_is_no_dead_heater() -> None:
    t, y = cold_desk(NIGHTS_C)
    lows = [y[d * DAY:d * DAY + 8 * 60].min() for d in range(4)]
    assert lows[3] < float(np.median(lows[:3])) - 0.2, lows
    assert (sides(t, y, 3 * DAY, 8 * 60, margin="round10") < 0).any(), "round 10 paged it (the case guarded)"
    verdicts = sides(t, y, 3 * DAY, 8 * 60)
    assert not (verdicts < 0).any(), np.flatnonzero(verdicts < 0)[:5]


def test_a_heater_dying_on_that_cold_night_is_still_told_within_minutes() -> None:
    n = 4 * DAY
    dies = 3 * DAY + 60
    t, y = cold_desk(NIGHTS_C, capacity=np.where(np.arange(n) >= dies, 0.0, 1.0))
    _, healthy = cold_desk(NIGHTS_C)
    out = int(np.flatnonzero(y[dies:] < healthy[dies:dies + 6 * 60].min() - 0.1)[0])  # where it shows
    verdicts = sides(t, y, dies, out + 30)
    below = np.flatnonzero(verdicts < 0)
    assert len(below) and below[0] <= out + 15, (below[:3], out)


def test_the_hour_s_day_to_day_spread_sees_one_colder_night_among_three() -> None:
    assert day_to_day_sd([24.27, 24.88, 24.91]) > 0.3  # the MAD alone: 0.04
    assert day_to_day_sd([25.5, 25.5, 25.5]) == 0.0 and day_to_day_sd([26.0]) == 0.0


def test_a_dead_heater_told_holds_on_the_first_margin_and_a_stuck_one_needs_no_more() -> None:
    env = Envelope(24.8, 25.2, 0.0, 0.1, 0.5, low_spread=0.3)
    assert beyond_envelope(env, 24.65, 0.02, -0.1, held=-1) == -1  # told: held while past the first margin
    assert beyond_envelope(env, 24.75, 0.02, -0.1, held=-1) == 0
    assert beyond_envelope(env, 25.35, 0.02, 0.2) == 1  # above, the first margin alone (round 10's)
