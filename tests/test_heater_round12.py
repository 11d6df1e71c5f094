"""Round 12: an evening's sag within the tank's own day-to-day spread is no dead heater.

The slow heater rule ("the water an hour falling faster than a stopped heater lets it, and 0.4 °C below
usual") paged a summer turtle tank 37 times in a month written blind: a fan on a thermostat and hot days
that differ by half a degree left its evenings 0.4-0.6 °C under "usual at this hour", 1-3 of that hour's
healthy day-to-day spreads.  The fall below usual must now also be beyond three of them, as the trend
rule's departure is; a tank whose days are alike is told the same sag as before.
"""

from __future__ import annotations

import numpy as np
from test_slow_faults import DAY, _fired


def _evenings(day_offsets_c: tuple[float, ...], seed: int = 4) -> dict[str, np.ndarray]:
    """Days of a tank whose temperature follows a daily course (warmest at 14:00) shifted by each day's
    offset, then on the last day an evening sag from 18:00: -0.35 °C/h for 90 minutes, then held."""
    rng = np.random.default_rng(seed)
    n = (len(day_offsets_c) + 1) * DAY
    minute = np.arange(n)
    hour = (minute % DAY) / 60.0
    offsets = np.r_[day_offsets_c, 0.0][minute // DAY]
    temp = 26.0 + 0.4 * np.sin(2 * np.pi * (hour - 8.0) / 24.0) + offsets + rng.normal(0, 0.02, n)
    sag_from = len(day_offsets_c) * DAY + 18 * 60
    temp[sag_from:] -= 0.35 / 60.0 * np.minimum(minute[sag_from:] - sag_from, 90)
    return {"temp_c": temp, "ph": 7.2 + rng.normal(0, 0.01, n), "tds_ppm": 250.0 + rng.normal(0, 1.0, n),
            "turb_ntu": 0.8 + rng.normal(0, 0.04, n), "level_cm": 30.0 + rng.normal(0, 0.05, n),
            "flow_lpm": 20.0 + rng.normal(0, 0.2, n), "pump": np.ones(n)}


def _sag_told(day_offsets_c: tuple[float, ...]) -> list:
    v = _evenings(day_offsets_c)
    sag_from = len(day_offsets_c) * DAY + 18 * 60
    return _fired(v, sag_from + 30, sag_from + 150, "heater_dead")


def test_an_evening_sag_within_the_days_own_spread_is_no_dead_heater() -> None:
    assert _sag_told((0.3, -0.3, 0.25, -0.25, 0.3)) == []


def test_the_same_sag_in_a_tank_whose_days_are_alike_is_still_told() -> None:
    told = _sag_told((0.01, -0.01, 0.0, 0.01, -0.01))
    assert len(told) == 1 and "heater may have failed" in told[0].summary, told
