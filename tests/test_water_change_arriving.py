"""Round 13: a water change the level recognised whose new water reaches the probe later (a tank fed from the
sump: the return was off for the change) is recognised when the TDS falls beyond its noise, not only by a tenth.

The shop's rack (benchmarks/keeper_month_strangers11.py, shop_rack_month): every Thursday 150 l of the sump
are changed with the return off; tank 7's probe sees the vat's softer water only once the return runs again,
8 % softer over 40 minutes -- below the TDS path's tenth, and "water drifting: TDS 331 ppm, usual 359" was
told every week.
"""

from __future__ import annotations

import numpy as np
from test_water_change_level import _tank  # the same quiet 30 cm tank

from analytics.monitor import MonitorSettings, TankMonitor
from analytics.water_change import diluted_beyond_noise

MIN_MS = 60_000
START_MS = 1_767_225_600_000  # 2026-01-01 00:00 UTC
ARRIVES = 150  # the change's water reaches the probe from this minute (the return back on)


def _softer_later(moved_at: int | None) -> TankMonitor:
    """The TDS 8 % softer over 40 minutes from ``ARRIVES``; a level-recognised change at ``moved_at`` (None:
    none)."""
    v = _tank(260, seed=4)
    k = np.arange(260) - ARRIVES
    v["tds_ppm"] -= np.where(k >= 0, 24.0 * (1.0 - np.exp(-np.maximum(k, 0) / 15.0)), 0.0)
    mon = TankMonitor("qt", MonitorSettings(limits={"level_cm_low": 20.0}))
    t = START_MS + np.arange(260, dtype=np.int64) * MIN_MS
    for i in range(100, 260):
        if moved_at is not None and i == moved_at:
            mon.water_moved_ms = START_MS + i * MIN_MS  # as the level's drain and refill records it
        mon.evaluate(START_MS + i * MIN_MS, t[:i], {key: x[:i] for key, x in v.items()})
    return mon


def test_softer_water_after_a_level_change_is_that_change() -> None:
    mon = _softer_later(moved_at=130)
    assert mon.last_water_change_ms > START_MS + ARRIVES * MIN_MS  # the TDS path recorded it: the drift re-learns
    assert mon.last_water_change_ms < START_MS + (ARRIVES + 40) * MIN_MS


def test_without_a_level_change_a_small_fall_is_no_water_change() -> None:
    mon = _softer_later(moved_at=None)
    assert mon.last_water_change_ms < START_MS  # an 8 % fall alone is the drift's to judge


def test_diluted_beyond_noise_wants_a_fall() -> None:
    rng = np.random.default_rng(0)
    before = 300.0 + rng.normal(0.0, 1.0, 30)
    assert diluted_beyond_noise(before, before[:10] - 20.0)
    assert not diluted_beyond_noise(before, before[:10] + 20.0)
    assert not diluted_beyond_noise(before[:5], before[:10] - 20.0)  # too few readings to know the noise
