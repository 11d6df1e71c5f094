"""Round 13: a seep -- the level falling steadily for hours faster than the tank's healthy falls over hours.

The classroom's weeping seam (benchmarks/keeper_month_strangers12.py, classroom_month): 0.12 cm/h, ten times
the tank's evaporation but within the noise of an hour's slope; told only 28.6 h in, as "top-off behind".
Over three hours the noise averages out and evaporation stays what it is.
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field
from types import SimpleNamespace

import numpy as np

from analytics.level_seep import SEEP_MINUTES, seep_rule
from analytics.top_off_watch import TopOffWatch

MIN_MS = 60_000
DAYS = 4


@dataclass
class _Mon:
    """What seep_rule reads of a tank monitor (the level's usual fall: 0.0104 cm/h)."""

    top_off: TopOffWatch = field(default_factory=TopOffWatch)
    settings: SimpleNamespace = field(default_factory=lambda: SimpleNamespace(reference_hours=72,
                                                                              false_alarms_per_30_days=1.0))
    level_steady: tuple[float, float, float] = (0.2, 0.5, 0.0104)
    healthy_until_ms: int = 0

    def _learnable(self, t_ms: np.ndarray) -> np.ndarray:
        return np.asarray(t_ms) < self.healthy_until_ms

    def firing(self, key: str) -> bool:
        return False


def _level(seep_cm_per_h: float, from_min: int, n: int = DAYS * 1440, seed: int = 1) -> tuple[np.ndarray, ...]:
    t = np.arange(n, dtype=np.int64) * MIN_MS
    k = np.maximum(np.arange(n) - from_min, 0)
    rng = np.random.default_rng(seed)
    y = 40.0 - 0.0104 * np.arange(n) / 60.0 - seep_cm_per_h * k / 60.0 + rng.normal(0, 0.06, n)
    y[rng.integers(0, n, 8)] += 3.0  # glitches
    return t, y


def test_a_weeping_seam_is_told_within_hours() -> None:
    start = (DAYS - 1) * 1440
    t, y = _level(0.12, start)
    mon = _Mon(healthy_until_ms=start * MIN_MS)
    told = [m for m in range(start + 60, DAYS * 1440, 10)
            if math.isfinite(seep_rule(mon, m * MIN_MS, t[:m], {"level_cm": y[:m], "pump": np.ones(m)}))]
    assert told and told[0] - start <= SEEP_MINUTES + 30, told[:3]
    assert 0.0 < mon.top_off.seep_tail < 0.12


def test_evaporation_and_a_switched_pump_are_no_seep() -> None:
    n = DAYS * 1440
    t, y = _level(0.0, n)
    mon = _Mon(healthy_until_ms=(n - 1440) * MIN_MS)
    assert not [m for m in range(n - 1440, n, 10)
                if math.isfinite(seep_rule(mon, m * MIN_MS, t[:m], {"level_cm": y[:m]}))]
    t, y = _level(0.12, n - 1440)
    pump = np.ones(n)
    pump[n - 100] = 0.0
    mon = _Mon(healthy_until_ms=(n - 1440) * MIN_MS)
    assert math.isnan(seep_rule(mon, n * MIN_MS, t, {"level_cm": y, "pump": pump}))
