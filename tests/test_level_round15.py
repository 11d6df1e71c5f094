"""Round 15 (leak15): round 14's level rules traced on the months they slowed.

* patio_tub_month / turtle_lamp_month: a slow leak (1.2 cm/h) waited for its hour to pass as "the tank's
  schedule" (analytics/level_schedule.py): on a level as noisy as a wind-rippled tub's (0.15 cm) the steepest
  of an hour's 15-minute slopes is about 1 cm/h on any day at any hour.  A day's fall is an appointment only
  beyond the noise's slopes.
* planted_holiday_month: a siphon left running at the keeper's usual hour, three days after the last change,
  was no longer "soon" (round 14's usual hour), so the new water showing made it a recorded water change and
  held sump_low and level_falling until it timed out.  A drain deeper than the keeper ever drains is no change
  of theirs (analytics/water_change.deeper_than_habit).
"""

from __future__ import annotations

from typing import Any

import numpy as np
import pytest
from test_water_change_level import _tank

import analytics.level_rules as level_rules
from analytics.level_schedule import day_falls, scheduled_fall, slope_error
from analytics.monitor import MonitorSettings, TankMonitor
from analytics.water_change import PastDrain

MIN_MS = 60_000
DAY_MS = 86_400_000
START_MS = 1_767_225_600_000  # 2026-01-01 00:00 UTC


def test_a_noisy_levels_steepest_slopes_are_no_appointment() -> None:
    rng = np.random.default_rng(1717)
    n = 4 * 1440
    t = np.arange(n, dtype=np.float64) * MIN_MS
    level = 40.0 - 1.5 * t / DAY_MS + rng.normal(0.0, 0.15, n)  # evaporation and the wind's ripple
    now = 3 * DAY_MS + (14 * 60 + 20) * MIN_MS
    falls = day_falls(t[t < now], level[t < now], now, 3)
    assert falls == [0.0, 0.0, 0.0], falls
    assert not scheduled_fall(t[t < now], level[t < now], now, 1.3, 3)  # a 1.2 cm/h leak's quarter hour


def test_the_noise_bar_is_what_made_noise_look_like_a_schedule(monkeypatch: pytest.MonkeyPatch) -> None:
    """Without the noise bar (round 14) the same level's noisy slopes were each day's 'fall at this hour'."""
    import analytics.level_schedule as ls

    rng = np.random.default_rng(1717)
    n = 4 * 1440
    t = np.arange(n, dtype=np.float64) * MIN_MS
    level = 40.0 + rng.normal(0.0, 0.15, n)
    now = 3 * DAY_MS + (14 * 60 + 20) * MIN_MS
    monkeypatch.setattr(ls, "NOISE_Z", 0.0)
    assert scheduled_fall(t[t < now], level[t < now], now, 1.3, 3)


def test_an_automatic_water_changes_fall_stands_out_of_its_noise() -> None:
    """awc_fishroom's head draining 2.5 cm/h for minutes over 0.08 cm of noise: ten times the slope's error."""
    rng = np.random.default_rng(3)
    t = np.arange(75, dtype=np.float64) / 60.0
    level = 20.0 + rng.normal(0.0, 0.08, 75)
    assert 0.15 < slope_error(t, level) < 0.45



def _siphon_left_running(change: int, n: int) -> dict[str, np.ndarray]:
    """The keeper's usual change (6 cm in 6 minutes, cooler new water showing) whose siphon runs on: 1 cm a
    minute to 18 cm down, never refilled in the test."""
    v = _tank(n, 5)
    k = np.arange(n) - change
    v["level_cm"] -= np.clip(k, 0, 18).astype(float)
    v["temp_c"] -= np.where(k >= 0, 0.5 * np.exp(-np.maximum(k, 0) / 120.0), 0.0)
    return v


def _run(v: dict[str, np.ndarray], first: int, learned: int = 2) -> list[Any]:
    mon = TankMonitor("qt", MonitorSettings(limits={"level_cm_low": 20.0}))
    # the keeper's habit: 6 cm drained in 6 minutes a week and two weeks ago, refilled within 20
    mon.keeper_drains = [PastDrain(START_MS - 14 * DAY_MS, 6.0, 60.0, 6.0, 20.0),
                         PastDrain(START_MS - 7 * DAY_MS, 6.0, 60.0, 6.0, 20.0)][-learned:]
    mon.last_refill_ms = START_MS - 7 * DAY_MS + 20 * MIN_MS
    n = len(v["ph"])
    t = START_MS + np.arange(n, dtype=np.int64) * MIN_MS
    fired: list[Any] = []
    for i in range(first, n):
        fired += [(i, tr) for tr in mon.evaluate(START_MS + i * MIN_MS, t[:i], {k: x[:i] for k, x in v.items()})[1]
                  if tr.state == "firing"]
    return fired


def test_a_siphon_left_running_past_the_keepers_deepest_change_is_told(monkeypatch: pytest.MonkeyPatch) -> None:
    change, n = 120, 120 + 25
    fired = _run(_siphon_left_running(change, n), 60)
    told = {tr.key: i - change for i, tr in fired}
    assert "sump_low" in told and told["sump_low"] <= 13, told  # below 20 cm from the 11th minute
    monkeypatch.setattr(level_rules, "deeper_than_habit", lambda past, drain: False)
    fired = _run(_siphon_left_running(change, n), 60)
    assert "sump_low" not in {tr.key for _, tr in fired}, fired  # (round 14: held as the keeper's change)


def test_one_learned_change_is_no_habit_of_depth_to_overrule_the_new_water() -> None:
    """Round 15 after the merge: the shop rack's second change, deeper than the one change learned before it,
    paged ``level_falling``; a keeper's first deeper change is theirs while the new water shows."""
    change, n = 120, 120 + 25
    fired = _run(_siphon_left_running(change, n), 60, learned=1)
    assert "sump_low" not in {tr.key for _, tr in fired}, fired
