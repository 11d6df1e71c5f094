"""Round 12: the drift judges a window against the spread a day it never saw shows.

The first user's turtle tank (round 11's blind month) was told "water
drifting" on its thermostat's cycle: the heater holds 25.7-26.3 °C, a cycle
of about an hour at another phase every day.  The daily shape, voted minute
by minute by the reference's two or three days and the shape so far, took in
a part of the cycle, and the spread left about it (0.10 °C) was smaller than
a new day's (0.18): every hour of the cycle read as "noisier than usual".
These tests refit a monitor on a few days of minutes, as the engine refits
it, and judge the spread it learned: no minute-by-minute month.
"""

from __future__ import annotations

import numpy as np

from analytics.monitor import MonitorSettings, TankMonitor

MIN_MS = 60_000
DAY = 1440
START_MS = 1_767_225_600_000  # 2026-01-01 00:00 UTC
SENSORS = ["temp_c", "ph", "tds_ppm", "turb_ntu"]


def _thermostat_tank(days: float, seed: int = 3) -> dict[str, np.ndarray]:
    """A heater on a thermostat (25.7-26.3 °C, a cycle of 50-70 minutes, its phase new every day)."""
    rng = np.random.default_rng(seed)
    n = int(days * DAY)
    period = rng.uniform(50.0, 70.0, int(days) + 1)[np.arange(n) // DAY]
    phase = np.cumsum(1.0 / period) + rng.uniform(0, 1, int(days) + 1)[np.arange(n) // DAY]
    saw = 0.6 * np.abs((phase % 1.0) - 0.5) * 2.0 - 0.3  # a triangle wave, ±0.3 °C
    return {"temp_c": 26.0 + saw + rng.normal(0, 0.02, n), "ph": 7.4 + rng.normal(0, 0.008, n),
            "tds_ppm": 400.0 + rng.normal(0, 1.0, n), "turb_ntu": 1.3 + rng.normal(0, 0.05, n)}


def _refitted(v: dict[str, np.ndarray], hours: list[float]) -> TankMonitor:
    """A monitor refitted at each of ``hours`` (from the start) as the engine refits it."""
    mon = TankMonitor("tank", MonitorSettings(profile="turtle"))
    t = START_MS + np.arange(len(v["ph"]), dtype=np.int64) * MIN_MS
    X = np.stack([v[n] for n in SENSORS], axis=1)
    for h in hours:
        now = START_MS + int(h * 3_600_000)
        mon.fitted_at_ms = -10 ** 12  # due
        mon._maybe_refit(now, t[t < now], X[t < now], SENSORS)
    return mon


def test_a_thermostats_cycle_at_a_new_phase_every_day_is_the_spread_not_the_shape() -> None:
    v = _thermostat_tank(4.5)
    cycle_sd = float(np.std(v["temp_c"]))  # 0.3 / √3 and the noise: 0.174 °C
    mon = _refitted(v, [50.0 + 4 * k for k in range(13)])
    assert mon.cov is not None and mon.daily_shape is not None
    spread = float(np.sqrt(mon.cov[0, 0]))
    assert spread >= cycle_sd, (spread, cycle_sd)  # in-sample: 0.160


def test_a_steady_tank_keeps_a_tight_spread() -> None:
    v = _thermostat_tank(4.5)
    v["temp_c"] = 26.0 + np.random.default_rng(5).normal(0, 0.02, len(v["temp_c"]))
    mon = _refitted(v, [50.0 + 4 * k for k in range(13)])
    assert mon.cov is not None
    assert float(np.sqrt(mon.cov[0, 0])) < 0.03

