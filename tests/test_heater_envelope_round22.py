"""Round 22: below a regular thermostat band the water goes with no heat coming in -- only where the thermostat
held the water at its band at that hour on every healthy day before.

A shallow tub in a room set back to 17.5 °C overnight: by day its heater holds the water at a regular
26.8-27.2 °C band, at night it works flat out and the water sags below the band's low, further on a colder
night.  The dead-heater verdict gave a regular band no margin for the nights' straying, so a night a little
colder than the three before paged "the heater may have failed" while it worked (the hatchling tub's three
false alerts; the summer turtle's fan band, one).  Where a healthy day at this hour already went below the
band's low (:func:`analytics.thermostat_envelope.band_held`) the nights' own spread is now the margin, as for
a band that moves with the room.
"""

from __future__ import annotations

import dataclasses
from typing import Sequence

import numpy as np
import pytest

from analytics.thermostat import Cycle
from analytics.thermostat_envelope import Envelope, band_held, hour_envelope
from benchmarks.keeper_heat import lowpass
from benchmarks.keeper_month import DAY_MIN, Scenario, Tank
from benchmarks.keeper_month_thermostat import _month

MIN_MS = 60_000
#: the room's setback each night below 17.5 °C (the night that ends on the morning of day d is the d-th):
#: the fourth (-0.3) is colder than the three before it, within how they stray
NIGHTS = (0.0, 0.5, -0.4, 0.4, -0.3, -0.9, 0.0)


def _tub(dead_at: int | None = None, nights: Sequence[float] = NIGHTS) -> Scenario:
    """Six days of the tub (4 h time constant, a 2.1 °C/h heater switching at 26.8/27.2 °C, the room 21 °C
    from 6:30 to 22:30), its heater dead for six hours from minute ``dead_at``."""
    days = len(nights) - 1
    i = np.arange(days * DAY_MIN)
    hour = (i / 60.0) % 24.0
    night = np.clip(np.where(hour >= 12.0, i // DAY_MIN + 1, i // DAY_MIN), 0, len(nights) - 1)
    room = lowpass(np.where((hour >= 6.5) & (hour < 22.5), 21.0, 17.5 + np.asarray(nights)[night]), 90.0)
    faults = [] if dead_at is None else [{"kind": "thermostat_dead", "start": dead_at, "end": dead_at + 360}]
    tank = Tank(temp=0.0, temp_swing=0.0, ph=7.6, ph_swing=0.05, tds=250.0, tds_per_day=3.0, feed_turb=0.4,
                feed_hours=(7.25, 16.75), level=15.0, evap_cm_per_day=0.4, flow=10.0)
    return _month("a tub whose heater works flat out at night", "tropical", tank, days, 22, faults, room, 4.0, 2.1,
                  26.8, 27.2, [], [], [])


def _heater_dead_onsets(s: Scenario) -> list[int]:
    """The minutes heater_dead begins firing, through the engine the service runs."""
    from benchmarks.bench_detection import measure_month

    _, det, _ = measure_month(s)
    t0 = int(s.t_ms[0])
    return [(int(tr.t_ms) - t0) // MIN_MS for tr in det.transitions
            if tr.state == "firing" and tr.key == "heater_dead"]


def test_a_colder_night_s_sag_below_a_regular_band_is_no_dead_heater_through_the_engine() -> None:
    """Without the change the fourth night's sag (d04 06:25) is paged as a dead heater."""
    assert _heater_dead_onsets(_tub()) == []


@pytest.mark.parametrize("hour, within", [(14, 60), (2, 15)], ids=["afternoon, band held", "2:00, flat out"])
def test_a_heater_dying_is_still_told_whether_its_band_was_held_at_that_hour_or_not(hour: int, within: int) -> None:
    """In the afternoon, where its thermostat held the water at the band every day, no margin is added: told
    within the hour of the water leaving its healthy range.  At 2:00, a flat-out hour, the nights' margin is
    asked, but a dead heater's water falls at the room's full pull (2 °C/h against the sag's 0.1): told as
    soon as it is below the envelope, before its label."""
    dead = 4 * DAY_MIN + hour * 60
    s = _tub(dead)
    label = int(s.faults[0]["label_from"])
    # (the first onset is judged, online, from the minutes before it: the tub's days after label + within are
    # cut, a fifth of the run)
    end = label + within + 1
    s = dataclasses.replace(s, t_ms=s.t_ms[:end], values={k: v[:end] for k, v in s.values.items()},
                            labels=s.labels[:end])
    told = _heater_dead_onsets(s)
    assert told and dead <= told[0] <= label + within, (told, label)


def test_the_envelope_keeps_the_lowest_day_s_low_and_a_band_not_held_is_no_floor() -> None:
    m = np.arange(4 * DAY_MIN + 1)
    saw = 27.0 + 0.2 * (2 * np.abs((m / 90.0) % 1.0 - 0.5) * 2 - 1)  # 26.8-27.2 °C, 90 min a cycle
    sag = saw - np.where(m // DAY_MIN == 1, 0.4, 0.0)  # one day the water 0.4 °C lower at every hour
    cycle = Cycle(26.8, 27.2, 0.1, 45.0, 45.0, 90.0)
    held = hour_envelope(m * MIN_MS, saw, None, int(m[-1]) * MIN_MS, 60.0)
    sagged = hour_envelope(m * MIN_MS, sag, None, int(m[-1]) * MIN_MS, 60.0)
    assert held is not None and sagged is not None
    assert abs(held.lowest - 26.8) < 0.02 and abs(sagged.lowest - 26.4) < 0.02
    assert band_held(held, cycle) and not band_held(sagged, cycle)
    # a band that moves with the room is never a floor; an envelope without its days' lowest is (as before)
    assert not band_held(held, cycle._replace(regular=0.0)) and band_held(Envelope(26.8, 27.2, 0.0), cycle)
