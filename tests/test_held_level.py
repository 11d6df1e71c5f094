"""Round 12: a level held at a mark (a float valve, a weir) dips by itself (analytics/level_dips.py):
shop_rack_month's morning siphons dip its central sump half a centimetre (no leak), a fish bag on an overflow
spills it (a leak)."""

from __future__ import annotations

from typing import Any

import numpy as np

from analytics.level_dips import LevelDips, LevelHold, learn_hold
from analytics.monitor import MonitorSettings, TankMonitor

MIN_MS = 60_000
DAY_MS = 86_400_000
START_MS = 1_767_225_600_000  # 2026-01-01 00:00 UTC


def _sump(minutes: int, seed: int) -> dict[str, np.ndarray]:
    """A heated tank whose sump a float valve holds at 35 cm (1 mm probe noise), its return pump running."""
    rng = np.random.default_rng(seed)
    return {"temp_c": 25.5 + rng.normal(0, 0.02, minutes), "ph": 7.2 + rng.normal(0, 0.01, minutes),
            "tds_ppm": 340.0 + rng.normal(0, 1.5, minutes), "turb_ntu": 0.9 + rng.normal(0, 0.05, minutes),
            "level_cm": 35.0 + rng.normal(0, 0.1, minutes), "flow_lpm": 4.0 + rng.normal(0, 0.1, minutes),
            "pump": np.ones(minutes)}


def _run(v: dict[str, np.ndarray], first: int, mon: TankMonitor | None = None) -> tuple[TankMonitor, list[Any]]:
    mon = mon or TankMonitor("rack7", MonitorSettings(profile="tropical", limits={"level_cm_low": 14.0}))
    n = len(v["ph"])
    t = START_MS + np.arange(n, dtype=np.int64) * MIN_MS
    fired = []
    for i in range(first, n):
        fired += [tr for tr in mon.evaluate(START_MS + i * MIN_MS, t[:i], {k: x[:i] for k, x in v.items()})[1]
                  if tr.state == "firing"]
    return mon, fired


def _siphon_dip(level: np.ndarray, at: int, depth: float = 0.55) -> None:
    """Staff siphon for 30 minutes: the float valve lets the sump sink ``depth`` (a 4-minute time constant)
    and brings it back when they stop."""
    k = np.arange(len(level)) - at
    sink = depth * (1.0 - np.exp(-np.clip(k, 0, 30) / 4.0))
    level -= np.where(k >= 0, sink * np.exp(-np.maximum(k - 30, 0) / 4.0), 0.0)


def test_a_float_valves_everyday_dip_is_learned() -> None:
    t = np.arange(3 * 1440, dtype=np.float64) * MIN_MS
    level = 35.0 + np.random.default_rng(1).normal(0, 0.1, len(t))
    for d in range(3):
        _siphon_dip(level, d * 1440 + 540)
    level[1440 + 480:1440 + 555] -= 20.0  # the weekly change, with the return pump off
    pump = np.ones(len(t))
    pump[1440 + 475:1440 + 560] = 0.0
    hold = learn_hold(t, level, 3, pump)
    assert hold.held and 0.3 < hold.dip_cm < 0.8, hold
    assert hold.within_dip(34.5) and not hold.within_dip(33.5)
    # a display tank losing 0.4 cm a day to evaporation, topped up by hand: nothing holds its level
    assert not learn_hold(t, 35.0 - 0.4 * (t % (3 * DAY_MS)) / DAY_MS, 3).held


def test_a_siphons_dip_in_a_held_sump_is_no_leak_and_a_spill_is() -> None:
    """shop_rack_month: "sump level falling" most mornings while the staff siphon (the sump 0.5 cm down for
    half an hour, as every morning before); a fish bag on an overflow (4 l/min onto the floor) is told."""
    v = _sump(120, 2)
    _siphon_dip(v["level_cm"], 40)

    def held() -> TankMonitor:
        mon = TankMonitor("rack7", MonitorSettings(profile="tropical", limits={"level_cm_low": 14.0}))
        mon.noise, mon.noise_at_ms = {"level_cm": 0.1, "temp_c": 0.02}, START_MS + 30 * MIN_MS  # (learned)
        mon.level_dips = LevelDips(LevelHold(True, 35.0, 0.55), mon.noise_at_ms)
        return mon

    _, fired = _run(v, 30, held())
    assert "level_falling" not in {tr.key for tr in fired}, [tr.summary for tr in fired]
    # the same morning in a tank whose level is not held: its fall is the leak rate's
    bare = held()
    bare.level_dips = LevelDips(LevelHold(), bare.noise_at_ms)
    _, fired = _run(v, 30, bare)
    assert "level_falling" in {tr.key for tr in fired}, [tr.summary for tr in fired]
    spill = _sump(120, 2)
    spill["level_cm"][40:] -= np.minimum(np.arange(80) * 8.0 / 60.0, 4.5)  # 8 cm/h down to 4.5 cm
    _, fired = _run(spill, 30, held())
    assert "level_falling" in {tr.key for tr in fired}, [tr.summary for tr in fired]
