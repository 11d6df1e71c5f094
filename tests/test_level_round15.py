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

import numpy as np
import pytest

from analytics.level_schedule import day_falls, scheduled_fall, slope_error

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
