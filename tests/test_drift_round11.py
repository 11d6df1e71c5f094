"""Round 11: a lasting change is told once, and a probe back from silence at a new level rebases its baseline.

A keeper month showed both: new water's TDS 45 ppm under usual was told,
resolved as the score dipped with the hour, and told again five times in a day;
after the pH probe was recalibrated (silent for 15 minutes, then reading the
true pH 0.4 above the drifted one the baseline had learnt) the true pH was
told as a drift five times.  These tests judge the parts on a few days of one
tank's minutes with a baseline fitted to them: no minute-by-minute month.
"""

from __future__ import annotations

import numpy as np

from analytics.baseline import DayNightBaseline
from analytics.monitor import MonitorSettings, TankMonitor

MIN_MS = 60_000
HOUR_MS = 60 * MIN_MS
DAY = 1440
START_MS = 1_767_225_600_000  # 2026-01-01 00:00 UTC
SENSORS = ["temp_c", "ph", "tds_ppm", "turb_ntu"]


def _tank(minutes: int, seed: int = 0) -> dict[str, np.ndarray]:
    rng = np.random.default_rng(seed)
    hour = (np.arange(minutes) / 60.0) % 24.0
    return {"temp_c": 25.5 + rng.normal(0, 0.02, minutes),
            "ph": 7.7 + 0.05 * np.sin(2 * np.pi * (hour - 10) / 24) + rng.normal(0, 0.008, minutes),
            "tds_ppm": 500.0 + rng.normal(0, 1.0, minutes), "turb_ntu": 0.8 + rng.normal(0, 0.05, minutes)}


def _fitted(v: dict[str, np.ndarray], days: int = 3) -> tuple[TankMonitor, np.ndarray]:
    """A monitor whose baseline is fitted to the first ``days`` of ``v``, and the rows' times."""
    mon = TankMonitor("tank", MonitorSettings(profile="tropical"))
    t = START_MS + np.arange(len(v["ph"]), dtype=np.int64) * MIN_MS
    X = np.stack([v[n] for n in SENSORS], axis=1)
    fit = slice(0, days * DAY)
    mon.baseline = DayNightBaseline.fit(t[fit] / 1000.0, X[fit], 2)
    mon.cov = mon.baseline.cov
    return mon, t


# --------------------------------------------------------------------------- a probe back at a new level


def _recalibrated(step: float, silent_minutes: int = 15) -> tuple[TankMonitor, np.ndarray, dict[str, np.ndarray],
                                                                   int]:
    """Three days of a tank, then the pH probe silent for ``silent_minutes`` and back ``step`` away; the
    monitor at 20 minutes after its return."""
    out_at = 3 * DAY + 10 * 60
    n = out_at + silent_minutes + 20
    v = _tank(n, seed=1)
    v["ph"][out_at:out_at + silent_minutes] = np.nan
    v["ph"][out_at + silent_minutes:] += step
    mon, t = _fitted(v)
    return mon, t, v, int(t[out_at + silent_minutes])


def test_a_probe_back_from_silence_at_a_new_level_is_told_once_and_learnt_from_its_return() -> None:
    mon, t, v, back_ms = _recalibrated(+0.4)
    now = int(t[-1]) + MIN_MS
    out = mon._probe_came_back(now, t, v)
    assert [(tr.key, tr.state) for tr in out] == [("drift", "firing")]
    assert "since its probe came back" in out[0].summary and "recalibrated" in out[0].summary
    assert mon.firing("drift") and mon.learn_from_ms == back_ms and mon.relevel_pending
    # the same return is not told again a minute later
    assert mon._probe_came_back(now + MIN_MS, t, v) == []


def test_a_probe_back_at_its_own_level_is_nothing() -> None:
    mon, t, v, _ = _recalibrated(0.0)
    assert mon._probe_came_back(int(t[-1]) + MIN_MS, t, v) == []
    assert mon.learn_from_ms == 0 and not mon.firing("drift")


def test_a_step_under_a_test_kits_resolution_is_nothing() -> None:
    mon, t, v, _ = _recalibrated(+0.06)  # 7σ of the probe's noise, under the keeper's 0.1 pH
    assert mon._probe_came_back(int(t[-1]) + MIN_MS, t, v) == []


def test_a_few_missing_minutes_are_no_silence() -> None:
    mon, t, v, _ = _recalibrated(+0.4, silent_minutes=3)  # a dropped reading or three, not a probe taken out
    assert mon._probe_came_back(int(t[-1]) + MIN_MS, t, v) == []


# --------------------------------------------------------------------------- a departure told once


def test_a_departure_told_is_no_news_again_until_it_goes_further_by_a_change_worth_telling() -> None:
    mon = TankMonitor("tank", MonitorSettings(profile="tropical"))
    now = START_MS + 3 * DAY * MIN_MS
    assert mon._news(now, ["tds_ppm"], [-45.0]) == ["tds_ppm"]
    mon._remember_told(now, ["tds_ppm"], [-45.0])
    later = now + 4 * HOUR_MS
    assert mon._news(later, ["tds_ppm"], [-44.0]) == []  # the same new water, three hours on
    assert mon._news(later, ["tds_ppm"], [+45.0]) == ["tds_ppm"]  # the other way is news
    assert mon._news(later, ["tds_ppm"], [-200.0]) == ["tds_ppm"]  # far further: news
    assert mon._news(now + int(mon.settings.reference_hours + 1) * HOUR_MS, ["tds_ppm"], [-45.0]) == ["tds_ppm"]


def test_a_told_departure_is_forgotten_once_back_near_usual_for_a_whole_window() -> None:
    mon = TankMonitor("tank", MonitorSettings(profile="tropical"))
    now = START_MS + 3 * DAY * MIN_MS
    mon._remember_told(now, ["temp_c"], [0.8])
    window = mon.settings.window_minutes * MIN_MS
    mon._forget_returned(now + HOUR_MS, ["temp_c"], {})  # back near usual from now ...
    mon._forget_returned(now + HOUR_MS + window // 2, ["temp_c"], {"temp_c": 0.7})  # ... away again: still told
    mon._forget_returned(now + HOUR_MS + window, ["temp_c"], {})
    assert mon._news(now + HOUR_MS + window, ["temp_c"], [0.8]) == []
    mon._forget_returned(now + HOUR_MS + 2 * window, ["temp_c"], {})  # back a whole window
    assert mon._news(now + HOUR_MS + 2 * window, ["temp_c"], [0.8]) == ["temp_c"]

