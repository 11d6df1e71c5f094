"""Round 24: a water change's kept temperature is not carried on along the fit's line for weeks.

After a water change the baseline is re-levelled on the new water, but the
temperature keeps its level (the heater brings the water back). A tank changed
every evening never completes a new 48-hour reference, so it is never refit:
its baseline's linear trend, fitted over the first days, ran on. The daily
change month's noon usual was 25.23 °C on day 19 for water at 26.19 °C (a
-0.055 °C/day line): shown to the keeper as the usual, and the heater rules' "how far
from usual" was 6 sigma off all day.
"""

from __future__ import annotations

import numpy as np

from analytics.baseline import DAY_S, DayNightBaseline
from analytics.catalogue import WATER_CHANGE_SETTLE_MS
from analytics.monitor import MonitorSettings, TankMonitor

MIN_MS = 60_000
DAY = 1440
START_MS = 1_767_225_600_000  # 2026-01-01 00:00 UTC
SENSORS = ["temp_c", "ph", "tds_ppm", "turb_ntu"]


def _relevelled_after_a_change() -> tuple[TankMonitor, int]:
    """Three days whose temperature falls 0.05 °C a day (fitted with a trend), a water change on day 3 at
    10:00, and the monitor re-levelled six hours after the change settled."""
    rng = np.random.default_rng(3)
    n = 4 * DAY
    day = np.arange(n) / DAY
    v = {"temp_c": 25.5 - 0.05 * np.minimum(day, 3.0) + rng.normal(0, 0.02, n),
         "ph": 7.2 + rng.normal(0, 0.01, n), "tds_ppm": 300.0 + rng.normal(0, 1.0, n),
         "turb_ntu": 0.8 + rng.normal(0, 0.05, n)}
    change = 3 * DAY + 10 * 60
    v["tds_ppm"][change:] -= 40.0  # the new water is softer: re-levelled
    t = START_MS + np.arange(n, dtype=np.int64) * MIN_MS
    X = np.stack([v[k] for k in SENSORS], axis=1)
    mon = TankMonitor("tank", MonitorSettings(profile="tropical", drift_sensors=tuple(SENSORS)))
    mon.baseline = DayNightBaseline.fit(t[:3 * DAY] / 1000.0, X[:3 * DAY], 2, trend=True)
    mon.cov = mon.baseline.cov
    mon.fitted_at_ms = int(t[3 * DAY - 1])
    mon.last_water_change_ms = int(t[change])
    mon.accept_change(int(t[change]) + WATER_CHANGE_SETTLE_MS)
    now = int(t[change]) + WATER_CHANGE_SETTLE_MS + 6 * 60 * MIN_MS
    i = int(np.searchsorted(t, now))
    mon._maybe_refit(now, t[:i], X[:i], SENSORS)
    return mon, now


def test_the_kept_temperature_stays_where_the_fit_had_it_at_the_change() -> None:
    mon, now = _relevelled_after_a_change()
    assert mon.baseline is not None and mon.baseline.trend_origin_s is not None
    assert not mon.relevel_pending  # re-levelled, not refit (six hours is no new reference)
    then, later = mon._usual(now)[0], mon._usual(now + int(17 * DAY_S * 1000))[0]
    # the line (-0.05 °C/day) carried on would put it 0.85 °C lower 17 days on
    assert abs(later - then) < 0.02
    assert abs(then - 25.35) < 0.05


def test_the_re_levelled_channels_still_take_the_new_water() -> None:
    mon, now = _relevelled_after_a_change()
    assert abs(mon._usual(now)[2] - 260.0) < 3.0  # TDS: the new, softer water
