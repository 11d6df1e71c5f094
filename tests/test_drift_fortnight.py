"""Round 22: a tank's fortnight (analytics/drift_fortnight.py).

A turtle tank in a flat without air conditioning (turtle_summer_month): a cool change on day 23 put three cool
days in the drift's reference, and when the weather turned back the water, at the 26 °C it had stood at all
month, was told "Water is drifting: temperature 26.01 °C, usual 24.05 ± 0.38 °C at this hour" three times in
two days.  The temperature back where it stood at this time on the fortnight's healthy days before the
reference is the water returning; a heater stuck on past the fortnight's warmest, or water cooling further, is
still told.
"""

from __future__ import annotations

import numpy as np
from test_drift_round13 import AT, DAY, MIN_MS, START_MS, _tank
from test_drift_weekly import _drifts_with as drifts_with

from analytics.alerts import AlertState
from analytics.drift_fortnight import FortnightMemory
from analytics.monitor import MonitorSettings, TankMonitor

#: the water's temperature on the healthy days before the reference
FORTNIGHT_C = 25.5


def _cool_reference(seed: int = 3, now_c: float = FORTNIGHT_C) -> dict[str, np.ndarray]:
    """Three days 1.5 °C cooler than the fortnight (a cool change), the water climbing back over the three hours
    before ``AT`` to ``now_c`` and staying there."""
    v = _tank(seed)
    v["temp_c"] = v["temp_c"] - 1.5
    ramp = np.clip((np.arange(len(v["temp_c"])) - (AT - 240)) / 180.0, 0.0, 1.0)
    v["temp_c"] = v["temp_c"] + ramp * (now_c - FORTNIGHT_C + 1.5)
    return v


def _fortnight(days: range = range(4, 13), temp_c: float = FORTNIGHT_C) -> FortnightMemory:
    """The water at ``temp_c`` around this time of day on each of ``days`` back."""
    mem = FortnightMemory()
    for back in sorted(days, reverse=True):
        at = START_MS + AT * MIN_MS - back * DAY * MIN_MS
        for k in range(-24, 37):
            mem.remember(at + k * 5 * MIN_MS, {"temp_c": temp_c})
    return mem


def _drifts_with(v: dict[str, np.ndarray], memory: FortnightMemory | None) -> list[tuple[int, str]]:
    """(minutes after ``AT``, words) of each drift warning from an hour before ``AT`` to two hours after it."""
    return drifts_with(v, memory, "fortnight_memory")


def test_the_water_back_where_it_stood_before_a_cool_reference_is_no_drift() -> None:
    v = _cool_reference()
    told = _drifts_with(v, None)
    assert told and "temperature" in told[0][1], "without its fortnight the warm water is told against the cool days"
    assert _drifts_with(v, _fortnight()) == []


def test_past_the_fortnights_warmest_or_with_too_few_days_it_is_still_told() -> None:
    hot = _cool_reference(now_c=FORTNIGHT_C + 1.2)  # a heater stuck on after the cool days
    assert _drifts_with(hot, _fortnight())
    assert _drifts_with(_cool_reference(), _fortnight(range(4, 8)))  # four days before the reference: too few


def test_a_reference_like_its_fortnight_is_judged_as_ever() -> None:
    """A tank whose days before the reference were as the reference (nearly every tank, every day): a warm
    departure is told whatever the fortnight remembers."""
    v = _tank(3)
    v["temp_c"] = v["temp_c"] + 1.5 * np.clip((np.arange(len(v["temp_c"])) - (AT - 240)) / 180.0, 0.0, 1.0)
    assert _drifts_with(v, _fortnight(temp_c=25.5))


def test_only_healthy_water_is_remembered_and_the_memory_survives_a_restart() -> None:
    import json

    from analytics.state import monitor_state, restore_monitor

    settings = MonitorSettings(profile="tropical")
    mon = TankMonitor("tank", settings)
    for key in ("heater_stuck", "drift"):  # a fault's water, or a drift told, is no usual to return to
        mon.alerts[key] = AlertState(state="firing")
        mon._remember_fortnight(START_MS, ["temp_c", "ph"], np.array([27.0, 7.4]))
        mon.alerts[key] = AlertState()
        assert mon.fortnight_memory is None or not len(mon.fortnight_memory)
    mon._remember_fortnight(START_MS, ["temp_c", "ph"], np.array([25.5, 7.4]))
    text = json.dumps(monitor_state(mon, START_MS))
    back, _ = restore_monitor(json.loads(text), "tank", settings)
    assert back.fortnight_memory is not None and len(back.fortnight_memory) == 1
    assert back.fortnight_memory.days_at(START_MS + 5 * DAY * MIN_MS, "temp_c", 3) == [25.5]
    assert back.fortnight_memory.days_at(START_MS + 5 * DAY * MIN_MS, "ph", 3) == []  # the chemistry: not kept
