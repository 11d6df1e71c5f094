"""Round 12: a filter pump switched off at the controller and forgotten (``pump_left_off``).

A pump the keeper switches off for a water change is their maintenance; one still off at 1.5 times the
longest this keeper's maintenance kept it off in two weeks (at least an hour; with none remembered, two
hours) was forgotten.  Found on a breeder's fry tank written blind (round 12): its powerhead, off 22 minutes
every evening for the change, was left off all night and nothing told it.
"""

from __future__ import annotations

import numpy as np
from test_slow_faults import DAY, START_MS, _fired, _tank

from analytics.monitor import TankMonitor
from analytics.pump_watch import LEAST_MINUTES, UNKNOWN_MINUTES, PumpOffWatch

MIN_MS = 60_000


def _switched_off(v: dict[str, np.ndarray], start: int, minutes: int) -> None:
    """The keeper switches the pump off at the controller for ``minutes`` from ``start``: no flow."""
    v["pump"][start:start + minutes] = 0.0
    v["flow_lpm"][start:start + minutes] = 0.0


def _nightly_changes(days: float, minutes: int = 22) -> dict[str, np.ndarray]:
    v = _tank(days, seed=5)
    for day in range(int(days)):
        _switched_off(v, day * DAY + 21 * 60, minutes)
    return v


def _learned(v: dict[str, np.ndarray], at: int) -> TankMonitor:
    """A monitor that has seen the tank's rows up to ``at`` (its spans of the pump off learned)."""
    mon = TankMonitor("fry")
    t = START_MS + np.arange(at, dtype=np.int64) * MIN_MS
    mon.evaluate(START_MS + at * MIN_MS, t, {k: x[:at] for k, x in v.items()})
    return mon


def test_a_pump_left_off_after_the_evening_change_is_told_within_the_keepers_own_margin() -> None:
    v = _nightly_changes(3.5)
    v["pump"][2 * DAY + 21 * 60:] = 0.0  # day 2's change: never switched back on
    v["flow_lpm"][2 * DAY + 21 * 60:] = 0.0
    mon = _learned(v, 2 * DAY + 20 * 60)
    assert mon.pump_off.longest(START_MS + 2 * DAY * MIN_MS) == 22
    told = _fired(v, 2 * DAY + 20 * 60, 2 * DAY + 23 * 60, "pump_left_off", mon)
    assert len(told) == 1, told
    off_for = (told[0].t_ms - START_MS) // MIN_MS - (2 * DAY + 21 * 60)
    assert LEAST_MINUTES <= off_for <= LEAST_MINUTES + 2, off_for  # an hour: 1.5 times 22 minutes is less
    assert "at most 22 min" in told[0].summary and told[0].severity == "warning", told[0].summary


def test_the_keepers_usual_change_with_the_pump_off_is_not_told() -> None:
    v = _nightly_changes(3.5)
    mon = _learned(v, 2 * DAY + 20 * 60)
    assert _fired(v, 2 * DAY + 20 * 60, 2 * DAY + 23 * 60, "pump_left_off", mon) == []


def test_a_long_habit_sets_a_longer_limit() -> None:
    v = _nightly_changes(3.5, minutes=50)
    v["pump"][2 * DAY + 21 * 60:] = v["flow_lpm"][2 * DAY + 21 * 60:] = 0.0
    mon = _learned(v, 2 * DAY + 20 * 60)
    told = _fired(v, 2 * DAY + 21 * 60 + 60, 2 * DAY + 21 * 60 + 80, "pump_left_off", mon)
    assert [(tr.t_ms - START_MS) // MIN_MS - (2 * DAY + 21 * 60) for tr in told] == [1.5 * 50 + 1]


def test_a_new_tank_allows_a_long_first_change_and_tells_a_pump_off_past_two_hours() -> None:
    v = _tank(1.2, seed=6)
    _switched_off(v, 20 * 60, 100)  # a first, long water change: 100 minutes, nothing remembered yet
    assert _fired(v, 20 * 60 + 60, 20 * 60 + 105, "pump_left_off") == []
    v = _tank(1.2, seed=6)
    _switched_off(v, 20 * 60, 240)
    told = _fired(v, 20 * 60 + 110, 20 * 60 + 130, "pump_left_off")
    assert [(tr.t_ms - START_MS) // MIN_MS - 20 * 60 for tr in told] == [UNKNOWN_MINUTES + 1]


def test_maintenance_the_keeper_declared_is_not_a_forgotten_pump() -> None:
    v = _tank(1.2, seed=7)
    _switched_off(v, 20 * 60, 240)
    mon = _learned(v, 20 * 60)
    mon.set_maintenance(START_MS + 20 * 60 * MIN_MS, START_MS + 25 * 60 * MIN_MS)
    assert _fired(v, 20 * 60 + 110, 20 * 60 + 130, "pump_left_off", mon) == []


def test_a_span_that_was_told_is_not_learned_as_the_keepers_maintenance() -> None:
    w = PumpOffWatch()
    for k in range(0, 20):  # a 10-minute change remembered
        w.see(k * MIN_MS, 0.0 if 5 <= k < 15 else 1.0)
    for k in range(20, 400):  # then left off for six hours, told from its 61st minute
        w.see(k * MIN_MS, 0.0 if k < 390 else 1.0, told=k >= 81)
    assert w.longest(400 * MIN_MS) == 10 and w.limit_minutes(400 * MIN_MS) == LEAST_MINUTES


def test_an_unknown_or_stale_pump_state_is_no_pump_off() -> None:
    w = PumpOffWatch()
    w.see(0, 0.0)
    w.see(MIN_MS, float("nan"))  # no reading of the pump's state: the span neither ends nor grows
    assert w.off_since_ms == 0 and w.off_minutes(3 * MIN_MS) == 3
    assert w.off_minutes(3 * 60 * MIN_MS) == 0.0  # the controller silent for hours: device_offline's, not this
