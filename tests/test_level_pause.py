"""Round 16 (level16): a return pump at rest with its relay on, and water lost that a top-off holds.

* tanganyika_sump_month: the DC return pump's feed mode stops the flow for 10 minutes with the controller's
  relay on; the display's weir water drains back (the sump 2.4 cm up) and the restart takes it back at once.
  The level rules skipped a restart only when the relay said so: the restart's fall was read as a drain "not
  refilled in 60 minutes" twice a day (analytics/level_pause.running_column).
* a "water lost" mark above the band a top-off holds (an overfill bailed out) is no water missing once the
  level is back in that band (analytics/level_pause.held_by_top_off).
"""

from __future__ import annotations

from typing import Any

import numpy as np
import pytest

import analytics.days as days
import analytics.level_rules as level_rules
from analytics.level_pause import held_by_top_off, running_column
from analytics.monitor import MonitorSettings, TankMonitor
from analytics.top_off_watch import TopOffBand

MIN_MS = 60_000
START_MS = 1_767_225_600_000  # 2026-01-01 00:00 UTC
PAUSE = 60  # the feed pause begins at this minute, for 10 minutes


def _sump(minutes: int, seed: int) -> dict[str, np.ndarray]:
    """A sump held at 22 cm, its return pump (relay on throughout) in feed mode from ``PAUSE`` for 10 minutes:
    no flow, the display's weir water back in the sump (2.4 cm), taken back within two minutes of the restart."""
    rng = np.random.default_rng(seed)
    k = np.arange(minutes)
    up = np.clip((k - PAUSE) / 2.0, 0.0, 1.0) - np.clip((k - PAUSE - 10) / 2.0, 0.0, 1.0)
    flow = np.where((k >= PAUSE) & (k < PAUSE + 10), 0.0, 26.0) + rng.normal(0, 0.4, minutes)
    return {"temp_c": 25.9 + rng.normal(0, 0.02, minutes), "ph": 8.45 + rng.normal(0, 0.01, minutes),
            "tds_ppm": 520.0 + rng.normal(0, 1.0, minutes), "turb_ntu": 0.5 + rng.normal(0, 0.04, minutes),
            "level_cm": 22.0 + 2.4 * up + rng.normal(0, 0.08, minutes), "flow_lpm": np.maximum(flow, 0.0),
            "pump": np.ones(minutes)}


def _run(v: dict[str, np.ndarray], first: int = 30, mon: TankMonitor | None = None) -> list[Any]:
    mon = mon or TankMonitor("qt", MonitorSettings(limits={"level_cm_low": 16.0, "flow_lpm_low": 15.0}))
    n = len(v["ph"])
    t = START_MS + np.arange(n, dtype=np.int64) * MIN_MS
    fired = []
    for i in range(first, n):
        fired += [(i, tr) for tr in mon.evaluate(START_MS + i * MIN_MS, t[:i], {k: x[:i] for k, x in v.items()})[1]
                  if tr.state == "firing"]
    return fired


def test_a_feed_mode_restart_is_no_drain_left_unrefilled(monkeypatch: pytest.MonkeyPatch) -> None:
    v = _sump(PAUSE + 10 + 85, 16)
    levels = [(i, tr.key) for i, tr in _run(v) if tr.key in ("level_falling", "sump_low")]
    assert levels == [], levels
    # the relay's word alone (round 15): the restart's fall is a drain, and 60 minutes on it is "water lost"
    monkeypatch.setattr(days, "running_column", lambda pump, flow, stopped: pump)
    monkeypatch.setattr(level_rules, "running_column", lambda pump, flow, stopped: pump)
    levels = [(i, tr.key) for i, tr in _run(v) if tr.key == "level_falling"]
    assert levels, levels


def test_a_leak_after_a_feed_pause_is_still_told() -> None:
    """The same pause, then the sump falling 6 cm/h from 20 minutes after the restart (a siphon)."""
    v = _sump(PAUSE + 10 + 60, 17)
    k = np.arange(len(v["ph"])) - (PAUSE + 30)
    v["level_cm"] -= np.where(k > 0, 0.1 * k, 0.0)
    told = [i - (PAUSE + 30) for i, tr in _run(v) if tr.key == "level_falling"]
    assert told and told[0] <= 30, told


def test_a_level_back_in_the_top_offs_band_has_nothing_missing(monkeypatch: pytest.MonkeyPatch) -> None:
    """A "water lost" mark left above the band (an overfill the keeper bailed out) ends once the level is in
    the band the top-off holds; without a top-off learned it stands."""
    v = _sump(60, 18)
    v["flow_lpm"][:] = 26.0
    v["level_cm"][:] = 22.0 + np.random.default_rng(5).normal(0, 0.08, 60)
    band = TopOffBand(21.9, 22.1, 0.02, 0.9, 0.05)
    mon = TankMonitor("qt", MonitorSettings(limits={"level_cm_low": 16.0, "flow_lpm_low": 15.0}))
    mon.level_lost_below_cm = 26.0
    monkeypatch.setattr(level_rules, "top_off_rule", lambda *a: [])  # (keep the band as set, unlearned)
    mon.top_off.band = band
    assert [tr.key for _, tr in _run(v, 40, mon) if tr.key == "level_falling"] == []
    mon = TankMonitor("qt", MonitorSettings(limits={"level_cm_low": 16.0, "flow_lpm_low": 15.0}))
    mon.level_lost_below_cm = 26.0
    assert "level_falling" in [tr.key for _, tr in _run(v, 40, mon)]


def test_running_column_reads_no_flow_as_rest() -> None:
    pump = np.array([1.0, 1.0, 0.0, 1.0])
    assert running_column(pump, np.array([20.0, 0.1, 0.0, np.nan]), 0.5).tolist() == [1.0, 0.0, 0.0, 1.0]
    assert running_column(pump, None, 0.5) is pump
    assert not held_by_top_off(TopOffBand(21.0, 23.0, 0.0, 0.5, 0.0), 22.0)  # a band wider than evaporation


def test_a_siphon_below_the_band_is_missing_water_however_fast_the_level_seemed_to_evaporate() -> None:
    """The round 10 goldfish tank, topped up by hand, changed twice a week: its band's "evaporation" learned the
    keeper's drains (4.1 cm a day; 0.3 is true), and a siphon left in after a change, 1.5 cm under the band's low
    end, was held as water the top-off holds: told by `top_off_behind` at +40 min, not `level_falling` at +12.
    One refill below the band is the band's width or its spread, not a day's evaporation."""
    band = TopOffBand(35.48, 36.02, 0.088, 4.13, 0.64)  # learned at d14 09:31 of drain_goldfish_month
    assert not held_by_top_off(band, 33.94)
    assert held_by_top_off(band, 35.2)  # within one refill (the band's width) of its low end
