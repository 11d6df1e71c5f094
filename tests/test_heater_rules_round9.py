"""Round 9's heater rules on a few hours of synthetic minutes (no servers, no warm-up).

A heater dying soon after a water change is told while the change settles (the
rates wait 3 h there); a healthy recovery is not; a usual course that turns while
the water stays put is no heater stuck on.
"""

from __future__ import annotations

from typing import Any

import numpy as np

from analytics.heater_rules import cooling_after_change
from analytics.monitor import TankMonitor

MIN_MS = 60_000
START_MS = 1_767_225_600_000 + 18 * 3_600_000  # 2026-01-01 18:00 UTC
CHANGE = 120  # the water change: minute 120 of the run (20:00)


def _after_change(dies_at: int | None, minutes: int = 240, seed: int = 3, room: float = 21.0
                  ) -> tuple[np.ndarray, np.ndarray]:
    """26 °C held by the heater, a change at CHANGE 1.5 °C cooler coming back with a 2 h time constant; from
    ``dies_at`` (minutes) the heater is dead and the water relaxes toward the ``room`` (10 h)."""
    rng = np.random.default_rng(seed)
    m = np.arange(minutes)
    temp = 26.0 - np.where(m >= CHANGE, 1.5 * np.exp(-(m - CHANGE) / 120.0), 0.0)
    if dies_at is not None:
        a = dies_at
        temp = np.where(m >= a, temp[a] + (room - temp[a]) * (1 - np.exp(-(m - a) / 600.0)), temp)
    return START_MS + m * MIN_MS, temp + rng.normal(0, 0.02, minutes)


def _fired(t: np.ndarray, temp: np.ndarray, key: str, monkey: Any = None, taus: tuple[float, ...] = ()
           ) -> list[int]:
    """Minutes (from the change) at which ``key`` began firing, the monitor stepped minute by minute after it
    (``taus``: the recoveries it learned after earlier changes, hours)."""
    mon = TankMonitor("heat9")
    mon.recovery_tau_h = list(taus)
    mon.noise["temp_c"] = 0.02 * np.sqrt(2.0)
    mon.last_water_change_ms = int(START_MS + CHANGE * MIN_MS)  # as the TDS step would have set it
    if monkey is not None:
        monkey(mon)
    out = []
    for i in range(CHANGE + 1, len(t)):
        now = int(t[i - 1]) + MIN_MS
        trs = mon._rules(now, t[:i], {"temp_c": temp[:i]}, {})
        out += [i - CHANGE for tr in trs if tr.key == key and tr.state == "firing"]
    return out


def test_a_heater_dying_fifty_minutes_after_a_water_change_is_told_within_the_settling_hours() -> None:
    t, temp = _after_change(dies_at=CHANGE + 50)
    told = _fired(t, temp, "heater_dead")
    assert told and 50 < told[0] <= 50 + 45, f"heater_dead began at {told} min after the change (died at 50)"


def test_a_healthy_recovery_after_a_water_change_is_no_dead_heater() -> None:
    for seed in range(3):
        t, temp = _after_change(dies_at=None, seed=seed)
        assert not _fired(t, temp, "heater_dead"), "a heater warming the new water back was told as dead"


def test_cooling_after_change_needs_the_water_below_where_it_was_held_and_falling() -> None:
    assert cooling_after_change(26.0, 25.0, -0.4, 0.4, 0.3)
    assert not cooling_after_change(26.0, 25.0, 0.3, 0.4, 0.3)  # coming back
    assert not cooling_after_change(26.0, 25.8, -0.4, 0.4, 0.3)  # back near where it was held
    assert not cooling_after_change(float("nan"), 25.0, -0.4, 0.4, 0.3)


def _course_turns(trend: float, own: float) -> Any:
    """Stand the departure from usual in: a trend of ``trend`` °C/h, 5 σ above usual, the water's own ``own``."""
    def patch(mon: TankMonitor) -> None:
        mon._temp_trend = lambda *a: (trend, 5.0, 5.0, own)  # type: ignore[method-assign]
        mon.last_water_change_ms = -10**15
    return patch


def test_a_usual_course_falling_away_under_still_water_is_no_heater_stuck_on() -> None:
    t = START_MS + np.arange(CHANGE + 60) * MIN_MS
    still = 26.0 + np.random.default_rng(5).normal(0, 0.02, len(t))
    assert not _fired(t, still, "heater_stuck", _course_turns(1.0, 0.0)), \
        "the water stayed put while its usual course fell: told as a heater stuck on"
    assert _fired(t, still, "heater_stuck", _course_turns(1.0, 1.0)), "the water rising with the trend: not told"


def test_a_heater_dying_in_a_warm_room_is_told_by_the_recovery_it_no_longer_makes() -> None:
    # a 24.5 °C room: the water hardly falls, it just stops coming back (the tank recovered in ~2 h before)
    t, temp = _after_change(dies_at=CHANGE + 75, room=24.5)
    assert not _fired(t, temp, "heater_dead"), "without learned recoveries a stall is not judged"
    told = _fired(t, temp, "heater_dead", taus=(2.0, 2.1, 1.9))
    assert told and 75 < told[0] <= 75 + 45, f"heater_dead began at {told} min after the change (died at 75)"
    t, temp = _after_change(dies_at=None, seed=4)
    assert not _fired(t, temp, "heater_dead", taus=(2.0, 2.1, 1.9)), "a healthy recovery read as a stall"


def test_the_recovery_time_constant_is_learned_once_the_change_has_settled() -> None:
    t, temp = _after_change(dies_at=None, minutes=CHANGE + 200)
    mon = TankMonitor("heat9")
    mon.noise["temp_c"] = 0.02 * np.sqrt(2.0)
    mon.last_water_change_ms = int(START_MS + CHANGE * MIN_MS)
    for i in (CHANGE + 170, CHANGE + 181, CHANGE + 190):
        mon._learn_recovery(int(t[i - 1]) + MIN_MS, t[:i], {"temp_c": temp[:i]})
    assert len(mon.recovery_tau_h) == 1 and 1.6 < mon.recovery_tau_h[0] < 2.4, mon.recovery_tau_h
