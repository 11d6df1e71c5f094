"""Round 14: a fall the tank makes at the same hour every day is its own schedule (analytics/level_schedule.py),
and a return pump's restart takes the display's water back from the sump at once (analytics/level_trend.py,
analytics/top_off_watch.py): awc_fishroom_month paged "sump level falling" at 5:22 and 17:22 every day (the
automatic water change's head over its standpipe draining back to the lip) and after each Sunday's pre-filter
rinse."""

from __future__ import annotations

from typing import Any

import numpy as np

from analytics.level_schedule import day_falls, scheduled_fall
from analytics.level_trend import since_running
from analytics.monitor import MonitorSettings, TankMonitor
from analytics.top_off_watch import pump_steps

MIN_MS = 60_000
DAY_MS = 86_400_000
START_MS = 1_767_225_600_000  # 2026-01-01 00:00 UTC
AWC_MIN = 5 * 60  # the timer's event at 5:00


def _head(minutes: int, days: tuple[int, ...]) -> np.ndarray:
    """The sump evaporating 0.04 cm/h below its standpipe's lip (20 cm) between the AWC's events at 5:00 and 17:00
    on ``days``: each fills it to the lip in four minutes and 0.45 cm over it while it runs (to 5:12), and the
    head drains back over the standpipe in three minutes."""
    level = np.empty(minutes)
    since = 0.0
    for k in range(minutes):
        d, m = divmod(k, 1440)
        if d in days and m % 720 == AWC_MIN % 720:
            since = 0.0
        since += 1.0
        level[k] = 20.0 - 0.04 * since / 60.0
    for d in days:
        for a in (d * 1440 + AWC_MIN, d * 1440 + AWC_MIN + 720):
            if a + 16 <= minutes:
                before = level[a - 1] if a else 20.0
                level[a:a + 4] = np.linspace(before, 20.45, 5)[1:]
                level[a + 4:a + 13] = 20.45
                level[a + 13:a + 16] = [20.3, 20.1, 20.02]
    return level


def _tank(minutes: int, level: np.ndarray, seed: int = 3) -> dict[str, np.ndarray]:
    rng = np.random.default_rng(seed)
    return {"temp_c": 25.5 + rng.normal(0, 0.02, minutes), "ph": 7.4 + rng.normal(0, 0.01, minutes),
            "tds_ppm": 290.0 + rng.normal(0, 1.5, minutes), "turb_ntu": 0.6 + rng.normal(0, 0.05, minutes),
            "level_cm": level + rng.normal(0, 0.07, minutes), "flow_lpm": 25.0 + rng.normal(0, 0.3, minutes),
            "pump": np.ones(minutes)}


def _run(v: dict[str, np.ndarray], first: int, last: int) -> list[Any]:
    mon = TankMonitor("fishroom", MonitorSettings(profile="tropical", limits={"level_cm_low": 14.0}))
    t = START_MS + np.arange(len(v["ph"]), dtype=np.int64) * MIN_MS
    fired = []
    for i in range(first, last):
        fired += [tr for tr in mon.evaluate(START_MS + i * MIN_MS, t[:i], {k: x[:i] for k, x in v.items()})[1]
                  if tr.state == "firing"]
    return fired


def test_the_days_falls_at_this_hour_are_read_from_the_past() -> None:
    t = np.arange(4 * 1440, dtype=np.float64) * MIN_MS
    level = _head(len(t), (0, 1, 2))
    now = 3 * DAY_MS + (AWC_MIN + 22) * MIN_MS
    falls = day_falls(t[t < now], level[t < now], now, 3)
    assert len(falls) == 3 and all(1.8 < f < 2.6 for f in falls), falls
    # every day at 5:00 (one day broken by a fault is still the habit); a fall no day made at this hour is not
    assert scheduled_fall(t, level, now, 2.2, 3)
    assert scheduled_fall(t, _head(len(t), (0, 2)), now, 2.2, 3)
    assert not scheduled_fall(t, _head(len(t), (2,)), now, 2.2, 3)  # one day is no habit
    assert not scheduled_fall(t, level, now + 6 * 3_600_000, 2.2, 3)  # 11:22: no appointment
    assert not scheduled_fall(t, level, now, 4.0, 3)  # far steeper than any day's at 5:00: a leak


def test_an_automatic_water_changes_daily_fall_is_no_leak_and_a_fall_at_another_hour_is() -> None:
    """awc_fishroom_month: the head draining back at 5:12-5:24 on day 3 as on days 0-2 is not told; the same
    fall on a day 3 whose past days had none (a leak of 2.25 cm/h from 5:12) is."""
    n = 3 * 1440 + AWC_MIN + 45
    fired = _run(_tank(n, _head(n, (0, 1, 2, 3))), 3 * 1440 + AWC_MIN, n)
    assert "level_falling" not in {tr.key for tr in fired}, [tr.summary for tr in fired]
    leak = np.full(n, 20.0)
    a = 3 * 1440 + AWC_MIN + 12
    leak[a:] = 20.0 - 2.25 * np.arange(n - a) / 60.0
    fired = _run(_tank(n, leak), 3 * 1440 + AWC_MIN, n)
    assert "level_falling" in {tr.key for tr in fired}, [tr.summary for tr in fired]


def test_a_pumps_restart_is_read_from_when_it_runs_again() -> None:
    """The Sunday rinse: the pump off 15 minutes, the display's drain-back over the standpipe, the sump 3 cm short
    once the pump runs again (no leak); the fall is read from the restart's refill on."""
    t = np.arange(90, dtype=np.float64) * MIN_MS
    pump = np.where((np.arange(90) >= 40) & (np.arange(90) < 55), 0.0, 1.0)
    level = np.where(np.arange(90) < 40, 20.0, np.where(np.arange(90) < 56, 20.4, 17.0))
    assert since_running(t, pump, 70 * MIN_MS, 30) == 57 * MIN_MS  # (its last minute at rest: 54)
    assert since_running(t[:50], pump[:50], 50 * MIN_MS, 30) == 20 * MIN_MS  # still at rest: the whole half hour
    assert pump_steps(t, level, pump, 0, 90 * MIN_MS) == 3.0
    assert pump_steps(t, level, np.ones(90), 0, 90 * MIN_MS) == 0.0


def test_a_pumps_restart_dropping_the_sump_is_no_leak() -> None:
    """awc_fishroom_month's Sundays: "sump level falling 6.0 cm/h" ten minutes after the rinse's restart."""
    n = 3 * 1440 + 10 * 60 + 45
    level = np.full(n, 20.0)
    a = 3 * 1440 + 10 * 60
    level[a:a + 15] = 20.4  # the display drains back (over the lip)
    level[a + 15] = 18.5
    level[a + 16:] = 17.0  # the pump takes it back: 3 cm short
    v = _tank(n, level)
    v["pump"][a:a + 15] = 0.0
    v["flow_lpm"][a:a + 15] = 0.0
    fired = _run(v, a - 5, n)
    assert "level_falling" not in {tr.key for tr in fired}, [tr.summary for tr in fired]
