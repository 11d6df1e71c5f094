"""Round 15's heater rule: a tank changed every evening whose heater dies part-way through the recovery.

After the settling hours the water must come back to where it was at this hour on the days before, as it
did after the tank's learned changes (:meth:`analytics.heater_rules.RecoveryMixin._not_rewarming`).
"""

from __future__ import annotations

import numpy as np

from analytics.heater_hour import gap_to_days
from analytics.monitor import TankMonitor

MIN_MS = 60_000
DAY = 1440
START_MS = 1_767_225_600_000  # 2026-01-01 00:00 UTC
CHANGE_AT = 20 * 60  # the evening's change (minute of the day)


def _evenings(today_at: int, dies_after: int | None, seed: int = 5) -> tuple[np.ndarray, np.ndarray, int]:
    """Four days of a heated 26 °C tank (a 0.3 °C day's course) changed every evening at CHANGE_AT, 1.5 °C
    cooler, coming back with a 2 h time constant; today's change at ``today_at``; ``dies_after`` minutes
    after it the heater fails and the room (24.5 °C, 10 h) pulls the water on top of the recovery under way
    (as keeper_month_heat's month draws it: the water comes back part-way, then stays short of its days).
    The minutes, the water and today's change (index)."""
    rng = np.random.default_rng(seed)
    n = 4 * DAY
    m = np.arange(n)
    temp = 26.0 + 0.3 * np.sin(2 * np.pi * (m % DAY - 9 * 60) / DAY)
    starts = [d * DAY + CHANGE_AT for d in range(3)] + [3 * DAY + today_at]
    for c in starts:
        temp -= np.where(m >= c, 1.5 * np.exp(-(m - c) / 120.0), 0.0)
    today = starts[-1]
    if dies_after is not None:
        a = today + dies_after
        temp += np.where(m >= a, (24.5 - temp[a]) * (1 - np.exp(-(m - a) / 600.0)), 0.0)
    return START_MS + m * MIN_MS, temp + rng.normal(0, 0.02, n), today


def _told(t: np.ndarray, temp: np.ndarray, today: int) -> list[int]:
    """Minutes after today's change at which heater_dead began firing (the monitor stepped from the change
    on, its recoveries learned: 2 h)."""
    mon = TankMonitor("heat15")
    mon.recovery_tau_h = [2.0, 2.1, 1.9]
    mon.noise["temp_c"] = 0.02 * np.sqrt(2.0)
    mon.last_water_change_ms = int(t[today])
    out = []
    for i in range(today + 1, min(len(t), today + 8 * 60), 2):
        trs = mon._rules(int(t[i - 1]) + MIN_MS, t[:i], {"temp_c": temp[:i]}, {})
        out += [i - today for tr in trs if tr.key == "heater_dead" and tr.state == "firing"]
    return out


def test_a_heater_dying_during_an_evening_recovery_is_told_once_the_water_stays_short_of_its_days() -> None:
    t, temp, today = _evenings(CHANGE_AT, dies_after=75)
    told = _told(t, temp, today)
    assert told and 180 <= told[0] <= 300, f"heater_dead began at {told} min after the change (died at 75)"


def test_a_healthy_evening_recovery_later_than_the_days_before_is_no_dead_heater() -> None:
    for late in (0, 90):
        t, temp, today = _evenings(CHANGE_AT + late, dies_after=None)
        assert not _told(t, temp, today), f"a recovery {late} min later than its days was told as a dead heater"


def test_gap_to_days_reads_the_same_minute_of_the_days_before() -> None:
    m = np.arange(4 * DAY)
    water = 25.0 + 0.5 * np.sin(2 * np.pi * m / DAY)
    water[-30:] -= 0.3
    tg, gap = gap_to_days(m * MIN_MS, water, None, int(m[-1] + 1) * MIN_MS, 60)
    assert len(gap) == 60 and np.allclose(gap[-30:], 0.3) and np.allclose(gap[:30], 0.0)
    tg, gap = gap_to_days(m[:DAY + 10] * MIN_MS, water[:DAY + 10], None, (DAY + 10) * MIN_MS, 60)
    assert len(gap) == 0  # one day before only


def stuck_after_change(temp_after: np.ndarray, steps: tuple[float, ...] = (0.3, -0.5)) -> list[int]:
    """Minutes after a water change (recognised by the level at minute 120 of a 20 °C tank) at which
    heater_stuck began firing; ``temp_after``: the water's course from minute 110 on (added to 20 °C);
    ``steps``: how far its recent changes moved it."""
    rng = np.random.default_rng(7)
    n, change = 110 + len(temp_after), 120
    temp = np.full(n, 20.0)
    temp[110:] += temp_after
    temp += rng.normal(0, 0.02, n)
    t = (START_MS + np.arange(n) * MIN_MS).astype(np.float64)
    mon = TankMonitor("heat15")
    mon.noise["temp_c"] = 0.02 * np.sqrt(2.0)
    mon.change_steps = [(int(START_MS - (k + 1) * 3 * DAY * MIN_MS), v) for k, v in enumerate(steps)]
    mon.water_moved_ms = int(t[change])
    out = []
    for i in range(change + 1, n):
        trs = mon._rules(int(t[i - 1]) + MIN_MS, t[:i], {"temp_c": temp[:i]}, {})
        out += [i - change for tr in trs if tr.key == "heater_stuck" and tr.state == "firing"]
    return out


def _hot_told(lift: float, steps: tuple[float, ...] = (0.3, -0.5)) -> list[int]:
    """:func:`stuck_after_change` of a change that lifts the water ``lift`` °C over ten minutes."""
    return stuck_after_change(lift * np.clip(np.arange(190) / 10.0, 0.0, 1.0), steps)


def test_a_water_change_far_warmer_than_the_tanks_earlier_changes_is_told_at_once() -> None:
    told = _hot_told(3.0)
    assert told and told[0] <= 10, f"a change lifting the water 3 °C was told at {told} min"


def test_a_water_change_within_what_the_tanks_changes_usually_do_is_not_told() -> None:
    assert not _hot_told(0.6), "a change 0.6 °C warm (its changes moved it 0.5 °C) was told"
    assert not _hot_told(3.0, steps=(0.3,)), "a change was told before two earlier changes were learned"
