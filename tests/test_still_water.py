"""Round 12: the pump switched off at the controller leaves still water whose temperature says nothing of the
heater (benchmarks/keeper_month_strangers11.py::shop_rack_month's Thursday change, its return off 75 minutes:
tank 7, heated only through the flow, cools toward the room)."""

from __future__ import annotations

import numpy as np
from test_held_level import MIN_MS, _run, _sump  # the rack's tank 7 on its float-valve sump

from analytics.still_water import pump_rested


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
