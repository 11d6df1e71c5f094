"""Round 13: the water above the keeper's own highest level is told at once, during a water change too.

The fry tank (benchmarks/keeper_month_strangers12_fry.py): the refill pump's float switch stuck, the barrel
poured over the rim onto the garage floor for 25 minutes; the level stood 1.7 cm above the breeder's 28.5 cm
highest, and nothing was told until the breeder siphoned it back (71 min) -- the refill was read as the
evening's water change.
"""

from __future__ import annotations

import numpy as np
from test_water_change_level import CHANGE, START_MS, _tank

from analytics.level_high import above_high
from analytics.monitor import MonitorSettings, TankMonitor

MIN_MS = 60_000


def _refill_to(top_cm: float, glitch: bool = False) -> list:
    """A 14 cm drain in 8 minutes, filter off, refilled with cooler water in 8 minutes to ``top_cm`` (the mark:
    30), held there an hour; the keeper's highest level is 31 cm."""
    n = CHANGE + 100
    v = _tank(n, 5)
    k = np.arange(n) - CHANGE
    dip = np.where((k >= 0) & (k < 8), 14.0 * k / 8.0, 0.0)
    dip = np.where((k >= 8) & (k < 10), 14.0, dip)
    dip = np.where((k >= 10) & (k < 18), 14.0 - (14.0 + top_cm - 30.0) * (k - 10) / 8.0, dip)
    dip = np.where(k >= 18, 30.0 - top_cm, dip)
    v["level_cm"] -= dip
    v["flow_lpm"][CHANGE:CHANGE + 22] = 0.0
    v["temp_c"] -= np.where(k >= 0, 0.6 * np.exp(-np.maximum(k, 0) / 120.0), 0.0)
    if glitch:
        v["level_cm"][CHANGE + 60] = 35.0  # one wild reading
    mon = TankMonitor("qt", MonitorSettings(limits={"level_cm_low": 14.0, "level_cm_high": 31.0}))
    t = START_MS + np.arange(n, dtype=np.int64) * MIN_MS
    fired = []
    for i in range(60, n):
        fired += [tr for tr in mon.evaluate(START_MS + i * MIN_MS, t[:i], {key: x[:i] for key, x in v.items()})[1]
                  if tr.state == "firing"]
    return fired


def test_a_refill_that_does_not_stop_is_told_over_the_keepers_highest() -> None:
    fired = [tr for tr in _refill_to(32.5) if tr.key == "level_rising"]
    assert fired and "above your highest 31 cm" in fired[0].summary
    assert (fired[0].t_ms - START_MS) // MIN_MS - CHANGE <= 22  # over the limit at ~17 min, told within minutes


def test_a_refill_to_the_mark_and_one_wild_reading_are_not() -> None:
    assert not [tr.key for tr in _refill_to(30.0, glitch=True) if tr.key.startswith(("level", "sump"))]


def test_above_high_needs_a_limit_and_three_readings() -> None:
    t = np.arange(10) * MIN_MS
    assert np.isnan(above_high(t, np.full(10, 40.0), 10 * MIN_MS, None))
    assert above_high(t, np.full(10, 40.0), 10 * MIN_MS, 31.0) == 40.0
    assert np.isnan(above_high(t, np.full(10, 30.8), 10 * MIN_MS, 31.0))
    assert above_high(t, np.full(10, 30.8), 10 * MIN_MS, 31.0, margin_cm=0.5) == 30.8  # held while told
