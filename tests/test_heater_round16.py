"""Round 16's heater rules: a keeper's deliberate set-point change is no heater failing.

:meth:`analytics.heater_rules.RecoveryMixin._not_rewarming` owes the water back to where it was at this hour
on the days before only if the heater held it there before the change (the quarantine month's ich treatment,
brought back down over two days: the days before were the treatment's warmth).
"""

from __future__ import annotations

import numpy as np

from tests.test_heater_round15 import CHANGE_AT, DAY, _evenings, _told, stuck_after_change


def _turned_down(rate_c_per_h: float, dies_after: int | None = None) -> tuple[np.ndarray, np.ndarray, int]:
    """:func:`tests.test_heater_round15._evenings`, the keeper turning the heater down ``rate_c_per_h`` from
    the morning of today (8:00) on (a treatment's warmth brought back over days): by the evening's change
    the water is already below its days, and it goes on down after it."""
    t, temp, today = _evenings(CHANGE_AT, dies_after=dies_after)
    m = np.arange(len(t))
    start = 3 * DAY + 8 * 60
    return t, temp - rate_c_per_h * np.clip(m - start, 0, None) / 60.0, today


def test_a_heater_turned_down_by_the_keeper_before_the_change_is_not_told_as_not_coming_back() -> None:
    t, temp, today = _turned_down(0.06)
    assert not _told(t, temp, today), "a keeper's heater turned down before the change was told as dead"


def test_a_heater_dying_after_the_change_of_water_held_at_its_days_is_still_told() -> None:
    t, temp, today = _turned_down(0.0, dies_after=75)
    told = _told(t, temp, today)
    assert told and 180 <= told[0] <= 300, f"heater_dead began at {told} min after the change (died at 75)"


def test_water_warming_after_the_new_water_was_poured_is_no_hot_change() -> None:
    m = np.arange(170, dtype=np.float64)
    # the change lifts the water 0.1 °C (as its changes do), then the afternoon warms it 0.4 °C/h for 2 h
    after = 0.1 * np.clip(m / 10.0, 0.0, 1.0) + 0.4 * np.clip(m - 40.0, 0.0, None) / 60.0
    assert not stuck_after_change(after), "the afternoon's warmth after a change was told as too warm new water"


def test_new_water_poured_hot_is_still_told_at_once() -> None:
    m = np.arange(170, dtype=np.float64)
    told = stuck_after_change(3.0 * np.clip(m / 10.0, 0.0, 1.0))
    assert told and told[0] <= 10, f"a change lifting the water 3 °C was told at {told} min"
