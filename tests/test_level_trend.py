"""The steady sump-level fall (analytics/tank_rules.py): a leak told before the 30-minute slope shows it.

Round 5: a 1.2 cm/h leak was told after 28 minutes (the nano month), a 2 cm/h
one after 18 (the community month): the rule read a 30-minute slope.  The steady test reads the last 15 minutes against the
profile's leak rate and the sump's own healthy 15-minute falls (calibrated
with the probes' noise), while the pump runs steadily.
"""

from __future__ import annotations

import copy

import numpy as np
import pytest

from analytics.monitor import TankMonitor

MIN_MS = 60_000
START_MS = 1_767_225_600_000  # 2026-01-01 00:00 UTC
LEAK = 20 * 60  # 20:00 on the first day


@pytest.fixture(scope="module")
def warm() -> tuple[TankMonitor, np.ndarray, dict]:
    """Twenty healthy hours of a sump that evaporates 1 cm a day, its level probe's noise 0.05 cm."""
    rng = np.random.default_rng(21)
    n = LEAK + 60
    v = {"level_cm": 22.0 - np.arange(n) / 1440.0 + rng.normal(0, 0.05, n),
         "temp_c": 25.0 + rng.normal(0, 0.02, n), "ph": 7.1 + rng.normal(0, 0.008, n),
         "tds_ppm": 250.0 + rng.normal(0, 1.0, n), "turb_ntu": 0.9 + rng.normal(0, 0.05, n),
         "flow_lpm": 5.0 + rng.normal(0, 0.05, n), "pump": np.ones(n)}
    t = START_MS + np.arange(n, dtype=np.int64) * MIN_MS
    mon = TankMonitor("t")
    for i in range(13 * 60, LEAK - 30, 5):
        mon.evaluate(START_MS + i * MIN_MS, t[:i], {k: x[:i] for k, x in v.items()})
    return mon, t, v


def leak_alert(warm: tuple, cm_per_h: float) -> int | None:
    """Minutes from the leak's start to ``level_falling`` (None: not told within 45 minutes)."""
    mon0, t, v0 = warm
    mon, v = copy.deepcopy(mon0), {k: x.copy() for k, x in v0.items()}
    v["level_cm"][LEAK:] -= cm_per_h * np.arange(len(t) - LEAK) / 60.0
    for i in range(LEAK - 30, LEAK + 45):
        for tr in mon.evaluate(START_MS + i * MIN_MS, t[:i], {k: x[:i] for k, x in v.items()})[1]:
            if tr.key == "level_falling" and tr.state == "firing":
                return i - LEAK
    return None


def test_a_leak_of_2_cm_an_hour_is_told_within_13_minutes(warm: tuple) -> None:
    assert warm[0].level_fall_tail > 0  # calibrated from the healthy sump
    delay = leak_alert(warm, 2.0)
    assert delay is not None and delay <= 13, delay


def test_a_slow_leak_of_1_2_cm_an_hour_is_still_told(warm: tuple) -> None:
    """20 % over the profile's leak rate: with this probe's noise the 15-minute slope wavers around the rate,
    so it is told no sooner than by the 30-minute slope (22 minutes here; 16 in the nano month)."""
    delay = leak_alert(warm, 1.2)
    assert delay is not None and delay <= 30, delay


def test_a_sump_evaporating_or_falling_slower_than_a_leak_is_not_told(warm: tuple) -> None:
    """(Round 20: a steady 0.5 cm/h, twelve times this sump's evaporation, is a leak's fall -- the months'
    slow leaks run 0.25-0.35 cm/h -- and the hinge tells it within the 45 minutes (analytics/level_hinge.py);
    what stays untold is a fall within a hot day's evaporation, ``EVAPORATION_SPREAD`` times the usual.)"""
    assert leak_alert(warm, 0.0) is None
    assert leak_alert(warm, 0.1) is None
