"""Round 12: the pump switched off at the controller leaves still water whose temperature says nothing of the
heater (benchmarks/keeper_month_strangers11.py::shop_rack_month's Thursday change, its return off 75 minutes:
tank 7, heated only through the flow, cools toward the room)."""

from __future__ import annotations

from typing import Any

import numpy as np

from analytics.monitor import MonitorSettings, TankMonitor
from analytics.still_water import pump_rested

MIN_MS = 60_000
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


def test_the_pumps_switched_off_minutes_are_read() -> None:
    t = np.arange(60, dtype=np.float64) * MIN_MS
    pump = np.where((np.arange(60) >= 10) & (np.arange(60) < 40), 0.0, 1.0)
    flow = np.where(pump == 1.0, 4.0, 0.0)
    assert pump_rested(t, pump, flow, 35 * MIN_MS, 0.5) and pump_rested(t, pump, flow, 50 * MIN_MS, 0.5)
    assert not pump_rested(t, pump, flow, 60 * MIN_MS, 0.5)
    assert not pump_rested(t, np.ones(60), flow, 35 * MIN_MS, 0.5)  # stopped by itself: pump_stopped's
    assert not pump_rested(t, None, flow, 35 * MIN_MS, 0.5)


def test_still_water_with_the_pump_off_is_no_dead_heater() -> None:
    """shop_rack_month's Thursday change: the return off at the controller for 75 minutes, tank 7 (its heat
    comes only through the flow) cools 0.8 °C toward the room: no "heater may have failed"; the same fall with
    the water circulating is told."""
    n = 300
    cooling = np.where(np.arange(n) >= 150, -0.9 * (np.arange(n) - 150) / 60.0, 0.0)  # -0.9 °C/h
    v = _sump(n, 3)
    v["temp_c"] += np.clip(cooling, -0.8, 0.0)
    v["pump"][150:] = 0.0
    v["flow_lpm"][150:] = 0.0
    _, fired = _run(v, 120)
    assert "heater_dead" not in {tr.key for tr in fired}, [tr.summary for tr in fired]
    w = _sump(n, 3)
    w["temp_c"] += cooling
    _, fired = _run(w, 120)
    assert "heater_dead" in {tr.key for tr in fired}, [tr.summary for tr in fired]
