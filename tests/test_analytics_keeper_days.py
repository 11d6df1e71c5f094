"""The daily records and summaries follow the keeper's day: local midnight in [alerts] time_zone."""

from __future__ import annotations

from datetime import datetime
from zoneinfo import ZoneInfo

import numpy as np

from analytics.monitor import MonitorSettings, TankMonitor
from analytics.summary import daily_summary

BERLIN = ZoneInfo("Europe/Berlin")


def _ms(*args: int, zone: ZoneInfo = BERLIN) -> int:
    return int(datetime(*args, tzinfo=zone).timestamp() * 1000)


def _days(settings: MonitorSettings, start_ms: int, hours: int) -> list:
    mon = TankMonitor("t1", settings)
    t = np.arange(start_ms, start_ms + hours * 3_600_000, 60_000, dtype=np.int64)
    frame = {"temp_c": np.full(len(t), 25.0), "ph": np.full(len(t), 7.2), "tds_ppm": np.full(len(t), 300.0)}
    for i in range(0, len(t), 60):  # an hour of new rows at a time, as the service hands them over
        mon._accumulate_day(int(t[min(i + 59, len(t) - 1)]), t[: i + 60], {k: v[: i + 60] for k, v in frame.items()})
    return mon.finished_days


def test_days_start_at_the_keepers_midnight_and_a_clock_change_day_is_23_hours() -> None:
    days = _days(MonitorSettings(time_zone="Europe/Berlin"), _ms(2026, 3, 27, 12), 72)
    starts = [datetime.fromtimestamp(d.day_start_ms / 1000, BERLIN).strftime("%d %H:%M") for d in days]
    assert starts == ["27 00:00", "28 00:00", "29 00:00"]
    assert [d.length_ms() // 3_600_000 for d in days] == [24, 24, 23]  # summer time starts on the 29th
    text = daily_summary("t1", days[-1], zone=BERLIN)
    assert text.startswith("t1, Sun 29 Mar 2026:")


def test_without_a_zone_the_days_are_utc_days_as_before() -> None:
    days = _days(MonitorSettings(), _ms(2026, 1, 1, 12, zone=ZoneInfo("UTC")), 50)
    assert [d.day_start_ms % 86_400_000 for d in days] == [0, 0]
    assert all(d.length_ms() == 86_400_000 for d in days)
