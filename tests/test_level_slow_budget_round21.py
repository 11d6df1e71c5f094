"""Round 21: the hour's slow-leak test counts its independent tests by its parts, not by the hour.

The test (:func:`analytics.level_trend.steady_tails`) is read every minute: the least steep of the last hour's
two half-hour slopes.  That statistic forgets its past within a half hour, so a month holds twice as many
independent tests as hour-long windows; calibrated as if it held 720, its healthy tail was crossed several
times as often as its share of the false-alarm rate (the cichlid month's holiday: "Sump level falling 0.3 cm/h"
on a level with 0.06 cm of white noise).
"""

from __future__ import annotations

import numpy as np

from analytics.level_trend import SLOW_LEAK_MINUTES, SLOW_LEAK_PARTS, healthy_part_slopes, steady_tails

MIN_MS = 60_000
DAY_MIN = 1440


def _level(days: int, seed: int) -> tuple[np.ndarray, np.ndarray]:
    """A sump evaporating 1 cm a day, read every minute with 0.06 cm of white noise."""
    m = np.arange(days * DAY_MIN)
    return m * MIN_MS, 24.0 - m / DAY_MIN + np.random.default_rng(seed).normal(0.0, 0.06, len(m))


def test_the_slow_leak_tail_is_crossed_no_more_often_than_its_share_of_the_rate() -> None:
    t, y = _level(10, 1)
    slow, _, usual = steady_tails(t, y, 1.0)
    assert 0.03 < usual < 0.05
    crossings = 0
    for seed in range(2, 20):  # six more months of the same healthy level, read every minute (in tens of days)
        t2, y2 = _level(10, seed)
        least = -np.max(healthy_part_slopes(t2, y2, SLOW_LEAK_MINUTES, SLOW_LEAK_PARTS, every=1), axis=1)
        above = least > slow
        crossings += int(np.sum(above[1:] & ~above[:-1]) + above[0])
    # the share is half an alarm a month: three in six months, with room for chance (seven)
    assert crossings <= 7, (slow, crossings)  # (before: 13, the tail of an hour's worth of tests)
