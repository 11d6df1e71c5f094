"""Round 19: a leak's onset -- the level falling away from the mark it stood at before the leak began.

The nano cube's weeping seam (benchmarks/keeper_month_strangers.py, nano_cube_month): 0.25 cm/h, told 48
minutes in by the hour's test (both half hours falling), which cannot tell before the whole hour lies in the
leak.  Read against the level's median before the start, the same fall is told in about half the time, the
bar learned from the tank's own healthy anchored falls; a top-up, evaporation and a switched pump stay quiet.
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field
from types import SimpleNamespace

import numpy as np

from analytics.level_onset import ONSET_MINUTES, anchored_falls, learn_onset_tails, onset_rule
from analytics.level_trend import SLOW_LEAK_MINUTES, SLOW_LEAK_PARTS, part_slopes
from analytics.top_off_watch import TopOffWatch

MIN_MS = 60_000
DAYS = 4


@dataclass
class _Mon:
    """What onset_rule reads of a tank monitor (the level's usual fall: 0.01 cm/h)."""

    top_off: TopOffWatch = field(default_factory=TopOffWatch)
    settings: SimpleNamespace = field(default_factory=lambda: SimpleNamespace(reference_hours=72,
                                                                              false_alarms_per_30_days=1.0))
    level_steady: tuple[float, float, float] = (0.2, 0.5, 0.01)
    healthy_until_ms: int = 0
    told: bool = False

    def _learnable(self, t_ms: np.ndarray) -> np.ndarray:
        return np.asarray(t_ms) < self.healthy_until_ms

    def firing(self, key: str) -> bool:
        return self.told


def _level(leak_cm_per_h: float, from_min: int, n: int = DAYS * 1440, seed: int = 1,
           sigma: float = 0.04) -> tuple[np.ndarray, np.ndarray]:
    t = np.arange(n, dtype=np.int64) * MIN_MS
    k = np.maximum(np.arange(n) - from_min, 0)
    rng = np.random.default_rng(seed)
    y = 20.0 - 0.01 * np.arange(n) / 60.0 - leak_cm_per_h * k / 60.0 + rng.normal(0, sigma, n)
    for day in range(DAYS):  # the keeper's top-up every evening: 0.24 cm back
        y[day * 1440 + 20 * 60:] += 0.24
    return t, y


def _first_told(mon: _Mon, t: np.ndarray, y: np.ndarray, start: int, end: int) -> int | None:
    for m in range(start, end):
        if math.isfinite(onset_rule(mon, m * MIN_MS, t[:m], {"level_cm": y[:m], "pump": np.ones(m)})):
            return m
    return None


def test_a_slow_leak_is_told_from_its_mark_before_the_hours_test_can() -> None:
    start = (DAYS - 1) * 1440 + 2 * 60
    t, y = _level(0.3, start)
    mon = _Mon(healthy_until_ms=start * MIN_MS)
    told = _first_told(mon, t, y, start + 1, start + 90)
    assert told is not None and told - start <= 35, told
    # the hour's test at that minute: one of its halves still stood before the leak
    least = -max(part_slopes(t[:told], y[:told], SLOW_LEAK_MINUTES, SLOW_LEAK_PARTS, told * MIN_MS))
    assert least < 0.3 * 0.8, least
    assert mon.top_off.onset_tails is not None and len(mon.top_off.onset_tails) == len(ONSET_MINUTES)


def test_a_faster_leak_is_told_sooner() -> None:
    start = (DAYS - 1) * 1440 + 2 * 60
    slow, fast = (_first_told(_Mon(healthy_until_ms=start * MIN_MS), *_level(r, start), start + 1, start + 90)
                  for r in (0.3, 1.5))
    assert slow is not None and fast is not None and fast < slow and fast - start <= 15, (slow, fast)


def test_evaporation_a_top_up_and_a_switched_pump_are_no_onset() -> None:
    n = DAYS * 1440
    t, y = _level(0.0, n)
    mon = _Mon(healthy_until_ms=(n - 1440) * MIN_MS)
    assert _first_told(mon, t, y, n - 1440, n) is None  # (the evening's top-up is in that day)
    t, y = _level(1.5, n - 60)
    pump = np.ones(n)
    pump[n - 50] = 0.0  # a pump switched within the span: the level moves between tank and sump
    mon = _Mon(healthy_until_ms=(n - 1440) * MIN_MS)
    assert math.isnan(onset_rule(mon, n * MIN_MS, t, {"level_cm": y, "pump": pump}))


def test_the_bar_is_the_tanks_own_scatter() -> None:
    n = DAYS * 1440
    calm, rough = (learn_onset_tails(*_level(0.0, n, sigma=s), 1.0) for s in (0.02, 0.2))
    assert np.all(np.isfinite(calm)) and np.all(rough > 3 * calm), (calm, rough)
    assert np.all(np.diff(calm) < 0)  # a longer span's fall is read more surely


def test_a_rise_reads_as_no_fall() -> None:
    t = np.arange(120) * MIN_MS
    y = np.where(np.arange(120) < 100, 20.0, 21.0)  # a top-up 20 minutes ago
    assert all(f <= 0 for f in anchored_falls(t, y, 120 * MIN_MS))
