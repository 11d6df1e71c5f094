"""Round 25: what the heater alerts say matches why they fired.

A thermostat tank's stuck heater is told when the water climbs past the band its thermostat kept at this hour
on the days before, however slowly it climbs there; the alert said only "Temperature rising +0.1 °C/h" (and
for an unheated tank "the water is warming fast"), a rate no keeper reads as an emergency.  It now names the
band the water has left.  Beside it, a heater found dead long after a water change no longer blames the change
(:func:`analytics.heater_rules.not_rewarming_head`).
"""

from __future__ import annotations

import re

import numpy as np

from analytics.heater_rules import CHANGE_TOLD_TAUS, not_rewarming_head
from benchmarks.keeper_heat import lowpass
from benchmarks.keeper_month import DAY_MIN, Scenario, Tank
from benchmarks.keeper_month_thermostat import _month

MIN_MS = 60_000


def _tub(stuck_at: int) -> Scenario:
    """Five days of a tub whose heater keeps a 26.8-27.2 °C band in a 21 °C room, stuck on for four hours from
    minute ``stuck_at``."""
    days = 5
    i = np.arange(days * DAY_MIN)
    hour = (i / 60.0) % 24.0
    room = lowpass(np.where((hour >= 6.5) & (hour < 22.5), 21.0, 19.5), 90.0)
    faults = [{"kind": "thermostat_stuck", "start": stuck_at, "end": stuck_at + 240}]
    tank = Tank(temp=0.0, temp_swing=0.0, ph=7.6, ph_swing=0.05, tds=250.0, tds_per_day=3.0, feed_turb=0.4,
                feed_hours=(7.25, 16.75), level=15.0, evap_cm_per_day=0.4, flow=10.0)
    return _month("a tub whose heater sticks on", "tropical", tank, days, 25, faults, room, 4.0, 2.1,
                  26.8, 27.2, [], [], [])


def test_a_stuck_heater_past_its_thermostat_band_is_told_with_the_band() -> None:
    from benchmarks.bench_detection import measure_month

    s = _tub(3 * DAY_MIN + 14 * 60)
    _, det, _ = measure_month(s)
    told = [tr for tr in det.transitions if tr.key == "heater_stuck" and tr.state == "firing"]
    assert told, "the stuck heater was not told"
    summary = told[0].summary
    band = re.search(r"above the ([0-9.]+) °C its thermostat lets it reach at this hour", summary)
    assert band, summary
    assert 26.5 <= float(band.group(1)) <= 27.6, summary  # the band's top the thermostat kept (27.2 °C)


def test_water_short_of_its_days_long_after_a_change_is_not_blamed_on_the_change() -> None:
    tau = 2.0
    soon = not_rewarming_head(0.5 * CHANGE_TOLD_TAUS * tau, tau, 24.0, 1.0, -0.05)
    late = not_rewarming_head(8.0 * tau, tau, 24.0, 1.0, -0.05)
    assert "after the water change" in soon
    assert "water change" not in late and "not warming back" in late
