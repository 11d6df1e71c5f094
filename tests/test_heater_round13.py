"""Round 13: heater alerts the heater did not earn.

1. A warm flat's water follows the room above its heater's set point (the heater resting, off by its own
   thermostat): its evenings fall 0.4 °C an hour every day.  The slow heater-dead test ("the last hour
   falling faster than a stopped heater's 0.3 °C/h, and 0.4 °C below usual") paged such a turtle tank in
   summer 7 times a month; it now asks for a fall steeper than the tank's own healthy hours make
   (:mod:`analytics.heater_hour`), and a tank held by its heater all day keeps the profile's rate.
2. (Reverted in round 13: a rule that read a long climb the days before also made at this hour as the
   afternoon's hid a stuck thermostat's nightly climb; docs/detection.md, "the sunny-afternoon heater rule
   reverted".)
"""

from __future__ import annotations

import numpy as np
from test_slow_faults import DAY, _fired

from analytics.heater_hour import hour_fall_tail

MIN_MS = 60_000


def _warm_flat(cool_change_c: float, days: int = 4, seed: int = 5) -> dict[str, np.ndarray]:
    """Days of water following a warm flat (26 ± 2 °C, warmest at 16:00) with a fan holding it at 27.2 °C on
    the afternoons; on the last day a cool change from 14:00 (the room ``cool_change_c`` cooler over two
    hours): its evening falls away from the fan's band early, as fast as every evening falls later.  The
    heater (on at 24.7 °C) rests throughout."""
    rng = np.random.default_rng(seed)
    n = (days + 1) * DAY
    minute = np.arange(n)
    hour = (minute % DAY) / 60.0
    change = np.where(minute >= days * DAY, cool_change_c * np.clip((hour - 14.0) / 2.0, 0.0, 1.0), 0.0)
    temp = np.minimum(26.0 - change + 2.0 * np.sin(2 * np.pi * (hour - 10.0) / 24.0), 27.2) + rng.normal(0, 0.02, n)
    return {"temp_c": temp, "ph": 7.6 + rng.normal(0, 0.01, n), "tds_ppm": 300.0 + rng.normal(0, 1.0, n),
            "turb_ntu": 1.0 + rng.normal(0, 0.04, n), "level_cm": 18.0 + rng.normal(0, 0.05, n),
            "flow_lpm": 6.0 + rng.normal(0, 0.1, n), "pump": np.ones(n)}


def test_the_hour_tail_is_the_tank_s_own_evening() -> None:
    m = np.arange(3 * DAY)
    held = 26.0 + 0.05 * np.sin(2 * np.pi * m / DAY) + np.random.default_rng(0).normal(0, 0.02, len(m))
    warm = _warm_flat(0.0)["temp_c"][:3 * DAY]
    assert hour_fall_tail(m * MIN_MS, held, None, 1.0) < 0.3  # the profile's 0.3 °C/h stands
    assert hour_fall_tail(m * MIN_MS, warm, None, 1.0) > 0.45  # 2 °C · 2π / 24 h cos 30°, the evening's fall


def test_a_cool_day_s_evening_in_a_warm_flat_is_no_dead_heater() -> None:
    """The evening of a cool change, 0.8 °C below the fan's usual band, falling as every evening does."""
    v = _warm_flat(0.8)
    assert _fired(v, 4 * DAY + 16 * 60, 4 * DAY + 23 * 60, "heater_dead") == []


def test_the_same_tank_s_heater_dead_below_its_course_is_still_told() -> None:
    """A fall twice as steep as the evening's (the water 1 °C/h down from 17:00): told."""
    v = _warm_flat(0.0)
    at = 4 * DAY + 17 * 60
    v["temp_c"][at:] -= np.minimum(np.arange(len(v["temp_c"]) - at), 180) / 60.0
    assert _fired(v, at, at + 120, "heater_dead"), "a fall steeper than the tank's evenings is told"

