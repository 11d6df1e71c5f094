"""A sump top-up explains the small TDS step its fresh water makes (analytics/top_ups.py), and nothing more.

Round 5: two of the turtle month's three false alerts were a top-up's 1 % TDS
step read as "noisier than usual".  Small synthetic tanks built with numpy.
"""

from __future__ import annotations

import copy

import numpy as np
import pytest

from analytics.monitor import TankMonitor
from analytics.top_ups import dilution_ratio, level_step_up, undo_dilution

DAY_MIN = 1440
MIN_MS = 60_000
START_MS = 1_767_225_600_000  # 2026-01-01 00:00 UTC
TOP_UP = 3 * DAY_MIN + 19 * 60  # day 3, 19:00
FORK = TOP_UP - 60


def tank(days: float = 4.0, seed: int = 5) -> tuple[np.ndarray, dict[str, np.ndarray]]:
    """A healthy tank with a 25 cm sump that evaporates 1 cm a day."""
    rng = np.random.default_rng(seed)
    n = int(days * DAY_MIN)
    m = np.arange(n)
    hour = (m / 60.0) % 24
    v = {"temp_c": 25.0 + 0.3 * np.sin(2 * np.pi * (hour - 9) / 24) + rng.normal(0, 0.02, n),
         "ph": 7.2 + 0.05 * np.sin(2 * np.pi * (hour - 10) / 24) + rng.normal(0, 0.008, n),
         "tds_ppm": 300.0 + 2.0 * m / DAY_MIN + rng.normal(0, 1.0, n),
         "turb_ntu": 1.0 + rng.normal(0, 0.05, n),
         "level_cm": 25.0 - m / DAY_MIN + rng.normal(0, 0.05, n),
         "pump": np.ones(n)}
    return START_MS + m.astype(np.int64) * MIN_MS, v


@pytest.fixture(scope="module")
def warm() -> tuple[TankMonitor, np.ndarray, dict]:
    t, v = tank()
    mon = TankMonitor("t")
    keep = int(mon.settings.reference_hours * 60) + 120
    for i in range(2 * DAY_MIN, FORK, 5):
        lo = max(0, i - keep)
        mon.evaluate(START_MS + i * MIN_MS, t[lo:i], {k: x[lo:i] for k, x in v.items()})
    return mon, t, v


def after(warm: tuple, level_rise: float, tds_factor: float) -> list:
    """The drift transitions of the three hours after a top-up of ``level_rise`` cm that scales TDS."""
    mon0, t, v0 = warm
    mon, v = copy.deepcopy(mon0), {k: x.copy() for k, x in v0.items()}
    v["level_cm"][TOP_UP:] += level_rise
    v["tds_ppm"][TOP_UP:] *= tds_factor
    keep = int(mon.settings.reference_hours * 60) + 120
    out = []
    for i in range(FORK, TOP_UP + 3 * 60, 5):
        lo = max(0, i - keep)
        out += mon.evaluate(START_MS + i * MIN_MS, t[lo:i], {k: x[lo:i] for k, x in v.items()})[1]
    return [tr for tr in out if tr.key in ("drift", "probe_noisy", "probe_drift") and tr.state == "firing"]


def test_a_top_up_with_its_small_tds_step_raises_nothing(warm: tuple) -> None:
    """2 cm into a 25 cm sump dilutes by at most 8 %: a 7 % TDS step (21 ppm, beyond a twentieth of the tank's
    0-400 ppm that the drift tells) is it."""
    assert after(warm, 2.0, 0.93) == []


def test_the_same_tds_step_without_a_level_rise_is_still_told(warm: tuple) -> None:
    fired = after(warm, 0.0, 0.93)
    assert [tr.key for tr in fired] == ["drift"], fired
    assert "TDS" in fired[0].summary


def test_a_tds_step_larger_than_the_top_up_can_dilute_is_still_told(warm: tuple) -> None:
    """0.5 cm into a 24 cm sump dilutes by at most 2 %: a 7 % drop is something else."""
    assert [tr.key for tr in after(warm, 0.5, 0.93)] == ["drift"]


def test_a_tds_rise_at_a_top_up_is_still_told(warm: tuple) -> None:
    """Fresh water only dilutes."""
    assert [tr.key for tr in after(warm, 2.0, 1.07)] == ["drift"]


def test_a_level_step_is_read_only_once_held_and_never_from_noise_or_the_pump() -> None:
    rng = np.random.default_rng(0)
    t = np.arange(120, dtype=np.int64) * MIN_MS
    noise = 25.0 + rng.normal(0, 0.05, 120)
    assert level_step_up(t, noise, 120 * MIN_MS) is None
    stepped = noise + np.where(np.arange(120) >= 110, 2.0, 0.0)
    assert level_step_up(t, stepped, 115 * MIN_MS) is None  # five minutes: maybe a splash
    step = level_step_up(t, stepped, 120 * MIN_MS)
    assert step is not None and step.start_ms == 110 * MIN_MS and abs(step.rise_cm - 2.0) < 0.1
    pump = np.where(np.arange(120) >= 108, 0.0, 1.0)  # the pump stopped: the display tank drained back
    assert level_step_up(t, stepped, 120 * MIN_MS, pump) is None


def test_the_dilution_explained_is_bounded_by_the_water_added() -> None:
    assert dilution_ratio(300.0, 297.0, 2.0, 25.0, 0.5) == pytest.approx(0.99)
    assert dilution_ratio(300.0, 270.0, 2.0, 25.0, 0.5) == 1.0  # 10 %: more than 2 cm of 25 can dilute
    assert dilution_ratio(300.0, 303.0, 2.0, 25.0, 0.5) == 1.0  # a rise
    assert dilution_ratio(300.0, 250.0, 10.0, 20.0, 0.5) == 1.0  # a water change's 17 %, never a top-up's
    t = np.arange(6) * MIN_MS
    raw = np.array([300.0, 300.0, 298.0, 297.0, 297.0, 297.0])
    history = undo_dilution(t, raw, [(2 * MIN_MS, 0.99)])
    assert history[:2].tolist() == pytest.approx([297.0, 297.0]) and np.isnan(history[2:5]).all()
    assert history[5] == 297.0
    assert undo_dilution(t, raw, [(2 * MIN_MS, 1.0)]).tolist() == raw.tolist()  # a step not explained stays
