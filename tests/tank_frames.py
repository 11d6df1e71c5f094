"""A synthetic tank's readings for the analytics tests: a day/night rhythm, noise, an optional pH step."""

from __future__ import annotations

import numpy as np

from analytics.monitor import MonitorSettings

# the tests need a fitted baseline from ~a day of data, whatever the default warm-up is
WARM = MonitorSettings(warmup_hours=24.0)


def tank_frame(seed: int, hours: float, shift_ph: float = 0.0) -> tuple[np.ndarray, dict[str, np.ndarray]]:
    rng = np.random.default_rng(seed)
    t_ms = np.arange(0, int(hours * 60)) * 60_000 + 1_700_000_000_000 // 60_000 * 60_000
    day = 2 * np.pi * (t_ms % 86_400_000) / 86_400_000
    n = len(t_ms)
    frame = {"temp_c": 25 + 0.3 * np.sin(day) + rng.normal(0, 0.02, n),
             "ph": 7.2 + 0.05 * np.sin(day - 1) + rng.normal(0, 0.008, n),
             "tds_ppm": 300 + rng.normal(0, 1.0, n), "turb_ntu": 1 + np.abs(rng.normal(0, 0.05, n)),
             "level_cm": 30 + rng.normal(0, 0.05, n), "flow_lpm": 8 + rng.normal(0, 0.08, n)}
    frame["ph"][-40:] -= shift_ph
    return t_ms, frame


def steady_tank(seed: int, minutes: int, usual: dict[str, tuple[float, float]]) -> dict[str, np.ndarray]:
    """Steady days of a tank, its readings' noise only: each channel of ``usual`` at its (level, noise), drawn in
    that order, and the pump on throughout."""
    rng = np.random.default_rng(seed)
    frame = {name: level + rng.normal(0, noise, minutes) for name, (level, noise) in usual.items()}
    frame["pump"] = np.ones(minutes)
    return frame
