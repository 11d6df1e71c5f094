"""Round 17: a tank's week (analytics/drift_weekly.py).

An office nano's pH follows the people's CO2 Monday to Friday: every weekend its pH sits 0.2 over the workdays'
usual at this hour (learned by the hour of the day from the last three days), and every weekend the keeper was
told "Water is drifting: pH 7.55, usual 7.34 ± 0.01 at this hour".  A shop's rack changed on Thursday mornings
paged "TDS 338 ppm, usual 374 ± 1 ppm" every Thursday at 10:15.  A departure that repeats, the same way and
within the keeper's indifference zone, what the water did at the same time one or two weeks ago while no rule
told of a fault, is the tank's week and no drift; anything else departing is still told.
"""

from __future__ import annotations

from typing import Any

import numpy as np
from test_drift_round13 import AT, DAY, MIN_MS, START_MS, STEP, _tank

from analytics.alerts import AlertState
from analytics.drift_weekly import WeekMemory
from analytics.monitor import MonitorSettings, TankMonitor

WEEK_MS = 7 * DAY * MIN_MS


def _drifts_with(v: dict[str, np.ndarray], memory: WeekMemory | None,
                 field: str = "week_memory") -> list[tuple[int, str]]:
    """(minutes after ``AT``, words) of each drift warning from an hour before ``AT`` to two hours after it, the
    monitor starting with ``memory`` as its weeks (``field``: or as another memory of the drift's, such as
    its fortnight; as :func:`test_drift_round13._drifts`)."""
    mon = TankMonitor("tank", MonitorSettings(profile="tropical"))
    setattr(mon, field, memory)
    t = START_MS + np.arange(len(v["ph"]), dtype=np.int64) * MIN_MS
    out: list[Any] = []
    for i in range(AT - 60, AT + 120, STEP):
        lo = i - 3 * DAY
        out += [tr for tr in mon.evaluate(START_MS + i * MIN_MS, t[lo:i], {k: x[lo:i] for k, x in v.items()})[1]
                if tr.state == "firing" and tr.key == "drift"]
    return [(round((tr.t_ms - START_MS) / MIN_MS) - AT, tr.summary) for tr in out]


def _week_ago(departures: dict[str, float]) -> WeekMemory:
    """A memory whose steps from two hours before ``AT`` to three after, a week earlier, departed by
    ``departures``."""
    mem = WeekMemory()
    at = START_MS + AT * MIN_MS - WEEK_MS
    for k in range(-24, 37):
        mem.remember(at + k * 5 * MIN_MS, departures)
    return mem


def test_a_departure_the_tank_made_a_week_ago_at_this_hour_is_no_drift() -> None:
    """TDS 40 ppm over the days before, as it was a week ago (before: told at +35 minutes)."""
    v = _tank(3)
    v["tds_ppm"][AT:] += 40.0
    assert _drifts_with(v, None), "without its week the departure is told"
    assert _drifts_with(v, _week_ago({"tds_ppm": 35.0})) == []


def test_a_departure_unlike_the_week_ago_one_is_still_told() -> None:
    """The other way, or further than a week ago by more than the keeper's zone (TDS: 30 ppm of 0-600), or
    another reading: news."""
    v = _tank(3)
    v["tds_ppm"][AT:] += 40.0
    assert _drifts_with(v, _week_ago({"tds_ppm": -35.0}))
    assert _drifts_with(v, _week_ago({"ph": 0.2}))
    v["tds_ppm"][AT:] += 40.0  # 80 ppm over: 45 further than a week ago
    assert _drifts_with(v, _week_ago({"tds_ppm": 35.0}))


def test_what_the_water_did_while_a_rule_told_of_a_fault_is_not_the_tanks_week() -> None:
    mon = TankMonitor("tank", MonitorSettings(profile="tropical"))
    mon.alerts["pump_stopped"] = AlertState(state="firing")
    mon._remember_week(START_MS, ["ph"], np.array([0.2]))
    assert mon.week_memory is None or not len(mon.week_memory)
    mon.alerts["pump_stopped"] = AlertState()
    mon.alerts["drift"] = AlertState(state="firing")  # the drift itself is what is judged
    mon._remember_week(START_MS, ["ph"], np.array([0.2]))
    assert mon.week_memory is not None and mon._weekly(START_MS + WEEK_MS, "ph", 0.25)
    assert not mon._weekly(START_MS + WEEK_MS, "ph", 0.45)  # 0.25 further: beyond the 0.2 a pH kit tells (round 25)


def test_the_temperature_keeps_no_week() -> None:
    """A sunny afternoon a week ago is no reason to keep quiet about the sun on the tank today (the betta's
    unshaded window was told 40 minutes later when the temperature was held)."""
    mon = TankMonitor("tank", MonitorSettings(profile="tropical"))
    mon._remember_week(START_MS, ["temp_c", "ph"], np.array([1.0, 0.2]))
    assert mon._weekly(START_MS + WEEK_MS, "ph", 0.2)
    assert not mon._weekly(START_MS + WEEK_MS, "temp_c", 1.0)


def test_the_memory_forgets_after_fifteen_days() -> None:
    mem = WeekMemory()
    mem.remember(START_MS, {"ph": 0.2})
    mem.remember(START_MS + 16 * DAY * MIN_MS, {"ph": 0.0})
    assert len(mem) == 1
    assert not mem.repeats(START_MS + 14 * DAY * MIN_MS, "ph", 0.2, 0.1)  # (a day past the memory's reach)


def test_steps_skipped_are_not_read_from_an_older_cycle_of_the_ring() -> None:
    """The ring keeps step k in slot k mod 4,320: a step the drift skipped (an alert firing) must read as
    nothing, not as what the same slot held fifteen days before."""
    mem = WeekMemory()
    mem.remember(START_MS, {"ph": 0.2})
    mem.remember(START_MS + 5 * MIN_MS, {"ph": 0.2})  # the next step
    fifteen_days = 15 * DAY * MIN_MS
    mem.remember(START_MS + fifteen_days + 10 * MIN_MS, {"ph": 0.0})  # the slots of both steps skipped since
    assert len(mem) == 1
    assert not mem.repeats(START_MS + 7 * DAY * MIN_MS + fifteen_days, "ph", 0.2, 0.1)


def test_the_week_survives_a_restart() -> None:
    """Saved with the monitor's state (round 20: it was not, and a restart forgot the tank's week, so a shop's
    Thursday change paged for two weeks after a power cut), at under 40 KB a tank."""
    import json

    from analytics.state import monitor_state, restore_monitor

    settings = MonitorSettings(profile="tropical")
    mon = TankMonitor("tank", settings)
    mon._remember_week(START_MS, ["ph", "tds_ppm"], np.array([0.23, -35.0]))
    text = json.dumps(monitor_state(mon, START_MS))
    assert len(json.dumps(monitor_state(mon, START_MS)["monitor"]["week_memory"])) < 40_000
    back, _ = restore_monitor(json.loads(text), "tank", settings)
    assert back.week_memory is not None and len(back.week_memory) == 1
    assert back._weekly(START_MS + WEEK_MS, "ph", 0.25)
    assert back._weekly(START_MS + 2 * WEEK_MS, "tds_ppm", -40.0)
    assert not back._weekly(START_MS + WEEK_MS, "ph", -0.25)
    back._remember_week(START_MS + WEEK_MS, ["ph"], np.array([0.1]))  # and it goes on learning
    assert len(back.week_memory) == 2
