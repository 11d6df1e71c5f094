"""A sloshing level is no leak and no inflow (analytics/level_slosh.py, round 18).

The narrowboat month (benchmarks/keeper_month_strangers17.py): at weekends the
boat cruises through four locks a day, and for a quarter of an hour in each the
level probe reads the waves, ±0.6 cm about a mark that has not moved.  The
Theil–Sen slopes of those minutes read 1.2-2 cm/h either way, and the engine
told a leak and then a running hose (five false alerts in the month).  A rate
is now read as water moving only when its confidence interval (Sen's, from the
window's own pairwise slopes) clears zero; a leak through calm water is told as
before, and one through the engine's vibration too.
"""

from __future__ import annotations

import copy

import numpy as np
import pytest

from analytics.level_slosh import falls_clearly, rises_clearly, sen_interval, shown_lately
from analytics.monitor import TankMonitor

MIN_MS = 60_000
START_MS = 1_767_225_600_000  # 2026-01-01 00:00 UTC
AT = 20 * 60  # 20:00 on the first day: the locks begin
HOURS = 5


@pytest.fixture(scope="module")
def warm() -> tuple[TankMonitor, np.ndarray, dict]:
    """Twenty calm hours of a 30 cm tank evaporating 0.4 cm a day, its level probe's noise 0.05 cm."""
    rng = np.random.default_rng(18)
    n = AT + HOURS * 60
    v = {"level_cm": 30.0 - np.arange(n) * 0.4 / 1440.0 + rng.normal(0, 0.05, n),
         "temp_c": 25.0 + rng.normal(0, 0.02, n), "ph": 7.4 + rng.normal(0, 0.008, n),
         "tds_ppm": 330.0 + rng.normal(0, 1.0, n), "turb_ntu": 0.6 + rng.normal(0, 0.04, n),
         "flow_lpm": 4.0 + rng.normal(0, 0.05, n), "pump": np.ones(n)}
    t = START_MS + np.arange(n, dtype=np.int64) * MIN_MS
    mon = TankMonitor("t")
    for i in range(13 * 60, AT - 30, 5):
        mon.evaluate(START_MS + i * MIN_MS, t[:i], {k: x[:i] for k, x in v.items()})
    return mon, t, v


def level_onsets(warm: tuple, change) -> list[tuple[str, int]]:
    """(key, minutes from ``AT``) of each level_falling / level_rising onset over the hours after ``AT``, the
    level changed by ``change(level, rng)``."""
    mon0, t, v0 = warm
    mon, v = copy.deepcopy(mon0), {k: x.copy() for k, x in v0.items()}
    change(v["level_cm"], np.random.default_rng(7))
    out = []
    for i in range(AT - 30, len(t)):
        for tr in mon.evaluate(START_MS + i * MIN_MS, t[:i], {k: x[:i] for k, x in v.items()})[1]:
            if tr.key in ("level_falling", "level_rising") and tr.state == "firing":
                out.append((tr.key, i - AT))
    return out


def locks(level: np.ndarray, rng: np.random.Generator) -> None:
    """Four locks an hour apart, a quarter of an hour's slosh in each, the engine's shudder throughout."""
    level[AT:] += rng.normal(0.0, 0.15, len(level) - AT)
    for k in range(4):
        a = AT + 20 + 60 * k
        level[a:a + 15] += 0.6 * rng.standard_normal(15)


def test_a_boat_sloshing_in_locks_is_neither_a_leak_nor_an_inflow(warm: tuple) -> None:
    assert level_onsets(warm, locks) == []


def test_a_leak_through_the_engines_shudder_is_still_told_within_a_quarter_hour(warm: tuple) -> None:
    def leak(level: np.ndarray, rng: np.random.Generator) -> None:
        level[AT:] += rng.normal(0.0, 0.15, len(level) - AT) - 3.0 * np.arange(len(level) - AT) / 60.0

    told = level_onsets(warm, leak)
    assert told and told[0][0] == "level_falling" and told[0][1] <= 15, told


def test_a_calm_leak_and_a_running_hose_clear_their_scatter() -> None:
    t = np.arange(30) * 60_000.0
    calm = np.random.default_rng(3).normal(0.0, 0.05, 30)
    assert falls_clearly(t[:15], 30.0 - 1.2 * t[:15] / 3_600_000 + calm[:15])
    assert rises_clearly(t, 30.0 + 1.2 * t / 3_600_000 + calm)
    slosh = 0.6 * np.random.default_rng(4).standard_normal(30)
    assert not falls_clearly(t, 30.0 - 1.2 * t / 3_600_000 + slosh)
    lo, hi = sen_interval(t / 1000.0, 30.0 + slosh)
    assert lo < 0.0 < hi


def test_a_short_leak_refilled_at_once_is_still_told(warm: tuple) -> None:
    """The drain goldfish month's ten-minute leak (1 cm a minute, refilled to the mark at once): the fall was
    shown clear while it ran, and is told when the alert's wait is over, the level already back."""
    def leak(level: np.ndarray, rng: np.random.Generator) -> None:
        level[AT:AT + 9] -= np.arange(1, 10, dtype=float)

    told = level_onsets(warm, leak)
    assert told and told[0][0] == "level_falling" and told[0][1] <= 15, told


def test_a_hose_is_shown_and_a_slosh_is_not() -> None:
    t = np.arange(60) * 60_000.0
    y = np.r_[30.0 + 0.1 * np.arange(58), np.full(2, 28.0)]  # a hose running, two readings of a bucket's splash
    assert shown_lately(t, y, 60 * 60_000, 30, "level_rising")
    assert not shown_lately(t, 30.0 + 0.6 * np.random.default_rng(5).standard_normal(60), 60 * 60_000, 30,
                            "level_rising")
