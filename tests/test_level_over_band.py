"""Round 13: water pouring into a tank whose level an overflow, weir or float holds in a narrow band.

The paludarium (benchmarks/keeper_month_paludarium.py): the mister's timer relay stuck on, its 9 l reservoir
poured through the plants in 23 minutes; the weir took most of it, so the level stood only 0.5 cm up for an
hour -- never a steady half-hour rise, and nothing was told.  The weir holds the level within 0.05 cm: half a
centimetre over that band, risen within the hour, is water coming in faster than the weir takes it.  A drain
clogging over two days (a slow rise) is no such thing.
"""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np

from analytics.top_off_watch import TopOffBand, TopOffWatch, over_band

MIN_MS = 60_000
BAND = TopOffBand(14.96, 15.005, 0.002, 0.2, 0.003)  # the paludarium's weir, learned


@dataclass
class _Mon:
    """What over_band reads of a tank monitor."""

    top_off: TopOffWatch = field(default_factory=lambda: TopOffWatch(BAND))
    drain_end_ms: int = -86_400_000
    told: bool = False

    def firing(self, key: str) -> bool:
        return self.told

    def in_maintenance(self, now_ms: int) -> bool:
        return False

    def water_moving(self, now_ms: int) -> bool:
        return False


def _level(rise_cm: float, over_minutes: int, n: int = 400) -> tuple[np.ndarray, np.ndarray]:
    t = np.arange(n, dtype=np.int64) * MIN_MS
    k = np.arange(n) - (n - 60)
    y = 14.98 + rise_cm * np.clip(k / over_minutes, 0.0, 1.0) + np.random.default_rng(2).normal(0, 0.02, n)
    return t, y


def test_a_mister_stuck_on_is_water_coming_in() -> None:
    t, y = _level(0.5, 15)  # half a centimetre up in 15 minutes, an hour ago
    words = over_band(_Mon(), int(t[-1]) + MIN_MS, t, {"level_cm": y, "pump": np.ones(len(t))})
    assert "above the 15.0–15.0 cm its overflow or top-off holds" in words


def test_a_slow_rise_a_refill_and_a_switched_pump_are_not() -> None:
    t, y = _level(0.5, 2 * 24 * 60, n=3000)  # the same half centimetre over two days: a drain clogging
    now = int(t[-1]) + MIN_MS
    assert not over_band(_Mon(), now, t, {"level_cm": y + 0.5})
    t, y = _level(0.5, 15)
    now = int(t[-1]) + MIN_MS
    assert not over_band(_Mon(drain_end_ms=now - 60 * MIN_MS), now, t, {"level_cm": y})  # the keeper's refill
    pump = np.ones(len(t))
    pump[-90:-75] = 0.0  # the return switched off: its water drained back into the sump
    assert not over_band(_Mon(), now, t, {"level_cm": y, "pump": pump})
    assert not over_band(_Mon(top_off=TopOffWatch(TopOffBand())), now, t, {"level_cm": y})  # no band learned


def test_the_band_holds_a_told_level_until_it_is_down() -> None:
    assert BAND.over(15.4, 0.4) and not BAND.over(15.4, 0.1)
    assert BAND.over(15.2, 0.0, firing=True) and not BAND.over(15.1, 0.0, firing=True)
