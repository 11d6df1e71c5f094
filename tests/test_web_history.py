"""What the web app reads from the real InfluxDB 1.6: usual values, chart series, the alert log."""

from __future__ import annotations

import time
from datetime import timedelta, timezone
from zoneinfo import ZoneInfo

import pytest

from aquamon.influx import InfluxV1
from aquamon.lineproto import encode_point
from aquamon.web.history import History
from harness.services import InfluxDB1

pytestmark = pytest.mark.services
HOUR = 3_600_000


@pytest.fixture
def db(influxdb: InfluxDB1, unique: str) -> InfluxV1:
    d = InfluxV1(influxdb.url, unique)
    d.create_database()
    return d


def test_the_usual_value_is_the_mean_at_that_hour_of_the_day(db: InfluxV1) -> None:
    now = int(time.time() * 1000) // HOUR * HOUR
    lines = []
    for h in range(1, 4 * 24):  # four days, every 10 minutes: 25 °C by night, 26 °C from 08:00 to 20:00 UTC
        for m in range(0, 60, 10):
            t = now - h * HOUR + m * 60_000
            day = 8 <= (t // HOUR) % 24 < 20
            lines.append(encode_point("water", {"tank": "t1", "device": "d"},
                                      {"temp_c": 26.0 if day else 25.0, "ph": 7.0 + 0.01 * (m // 10)}, t))
    lines.append(encode_point("water", {"tank": "t2", "device": "d"}, {"temp_c": 99.0}, now - HOUR))
    db.write_lines(lines)
    usual = History(db).usual("t1")
    assert usual["temp_c"]["mean"][3] == 25.0 and usual["temp_c"]["mean"][12] == 26.0
    assert usual["temp_c"]["std"][3] == 0.0
    assert set(usual) == {"temp_c", "ph"}  # sensors without data have no usual value
    shifted = History(db, zone=timezone(timedelta(hours=2))).usual("t1")  # local time: the day starts at 10:00
    assert shifted["temp_c"]["mean"][9] == 25.0 and shifted["temp_c"]["mean"][10] == 26.0
    # [alerts] time_zone by name (the recommended setting) is the keeper's hour too
    india = History(db, zone=ZoneInfo("Asia/Kolkata"))
    assert india.offset_ms(now) == 330 * 60_000
    mean = india.usual("t1")["temp_c"]["mean"]  # hourly means of 07:00, 08:00 UTC: 12:30, 13:30 there
    assert (mean[12], mean[13], mean[0], mean[1]) == (25.0, 26.0, 26.0, 25.0)  # and 19:00, 20:00 UTC


def test_chart_series_are_downsampled_with_the_alerts_that_overlap_them(db: InfluxV1) -> None:
    now = int(time.time() * 1000)
    db.write_lines([encode_point("water", {"tank": "t1", "device": "d"}, {"temp_c": 25.0 + i / 1000}, now - i * 60_000)
                    for i in range(0, 2 * 1440)]
                   + [encode_point("alert", {"tank": "t1", "key": "pump_lockout", "severity": "critical"},
                                   {"state": "firing", "summary": "locked"}, now - 30 * HOUR),
                      encode_point("alert", {"tank": "t1", "key": "drift", "severity": "warning"},
                                   {"state": "firing", "summary": "d"}, now - 2 * HOUR),
                      encode_point("alert", {"tank": "t1", "key": "drift", "severity": "warning"},
                                   {"state": "resolved", "summary": "d"}, now - HOUR)])
    s = History(db).series("t1", "1d", now_ms=now)
    assert 500 <= len(s["t"]) <= 601 and list(s["sensors"]) == ["temp_c"]
    assert s["t"] == sorted(s["t"]) and s["t"][0] > s["start"] - 144  # buckets of 144 s, aligned
    # the lockout fired before the day shown and still fires: its span starts the chart
    assert [(x["key"], x["open"]) for x in s["spans"]] == [("pump_lockout", True), ("drift", False)]


def test_the_alert_log_filters(db: InfluxV1) -> None:
    now = int(time.time() * 1000)
    db.write_lines([encode_point("alert", {"tank": tank, "key": key, "severity": sev}, {"state": st, "summary": "x"},
                                 now - n * HOUR)
                    for n, (tank, key, sev, st) in enumerate([("t1", "drift", "warning", "firing"),
                                                              ("t1", "sump_low", "critical", "firing"),
                                                              ("t2", "sump_low", "critical", "resolved"),
                                                              ("t2", "drift", "warning", "firing")], 1)])
    h = History(db)
    assert [(r["tank"], r["key"]) for r in h.alert_log()] == [("t1", "drift"), ("t1", "sump_low"),
                                                              ("t2", "sump_low"), ("t2", "drift")]
    assert [r["key"] for r in h.alert_log(tank="t2")] == ["sump_low", "drift"]
    assert [r["tank"] for r in h.alert_log(key="sump_low", state="firing")] == ["t1"]
    assert [r["tank"] for r in h.alert_log(severity="warning", days=0.1)] == ["t1"]


def test_history_says_what_to_check_when_influxdb_does_not_answer() -> None:
    from aquamon.influx import InfluxV1
    from aquamon.web.history import History, HistoryUnavailable
    from harness.services import free_port

    h = History(InfluxV1(f"http://127.0.0.1:{free_port()}", "aquamon", timeout=2))
    with pytest.raises(HistoryUnavailable, match=r"live readings go on.*\[influxdb\] url"):
        h.usual("t1")


def test_the_last_stored_reading_of_every_device(db: InfluxV1) -> None:
    now = int(time.time() * 1000)
    db.write_lines([encode_point("water", {"tank": "t1", "device": "d"}, {"temp_c": 25.0 + i, "pump": True}, now - i * 60_000)
                    for i in range(3)]
                   + [encode_point("water", {"tank": "t2", "device": "e"}, {"ph": 7.1, "pump": False}, now - HOUR)])
    got = sorted(History(db).last_readings())
    assert got == [("t1", "d", {"ts": now, "r": {"temp_c": 25.0}, "pump": True}),
                   ("t2", "e", {"ts": now - HOUR, "r": {"ph": 7.1}, "pump": False})]
