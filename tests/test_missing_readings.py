"""Readings that never arrived, counted from the devices' ``seq`` in the real InfluxDB, and told in the summary.

Under a shared subscription no gateway sees every reading of a device, so the
count the keeper gets comes from what was stored: each jump in a device's
``seq`` between consecutive stored readings is a hole.
"""

from __future__ import annotations

from dataclasses import replace

import pytest

from analytics.monitor import DayRecord
from analytics.readings import read_missing_readings
from analytics.service import Analytics
from analytics.summary import daily_summary
from aquamon.config import Config
from aquamon.influx import InfluxV1
from aquamon.lineproto import encode_point

DAY_MS = 86_400_000
DAY0 = 1_700_000_000_000 // DAY_MS * DAY_MS
STEP_MS = 10_000


def _write(db: InfluxV1, tank: str, device: str, readings: list[tuple[int, int]]) -> None:
    """``(ms after DAY0, seq)`` pairs of one device."""
    db.write_lines([encode_point("water", {"tank": tank, "device": device}, {"seq": seq, "ph": 7.0}, DAY0 + t)
                    for t, seq in readings])


@pytest.fixture
def db(influxdb, unique: str) -> InfluxV1:
    d = InfluxV1(influxdb.url, unique)
    d.create_database()
    return d


def test_holes_in_seq_are_counted_per_device_and_day(db: InfluxV1) -> None:
    steady = [(i * STEP_MS, 1000 + i) for i in range(100)]
    # d1: 3 lost at seq 1020-1022, 10 lost at 1050-1059; its seq then goes back (state wiped): not a loss
    d1 = [(t, s) for t, s in steady if not 1020 <= s <= 1022 and not 1050 <= s <= 1059]
    d1 += [(100 * STEP_MS + i * STEP_MS, i) for i in range(5)]
    _write(db, "t1", "d1", d1)
    _write(db, "t1", "d2", steady)  # nothing lost
    _write(db, "t2", "d1", [(0, 5), (STEP_MS, 9)])  # another tank's holes are its own
    assert read_missing_readings(db, "t1", DAY0, DAY0 + DAY_MS) == {"d1": 13}
    assert read_missing_readings(db, "t2", DAY0, DAY0 + DAY_MS) == {"d1": 3}


def test_a_hole_is_counted_on_the_day_it_ends(db: InfluxV1) -> None:
    # the day before ends at seq 99 five minutes before midnight, with 2 lost 24 minutes before it
    # (inside the hour the new day's count looks back over, yet not the new day's); the new day
    # starts at seq 130
    before = [(-300_000 - (99 - s) * 60_000, s) for s in range(50, 100) if s not in (80, 81)]
    after = [(i * 60_000, 130 + i) for i in range(60)]
    _write(db, "t1", "d1", before + after)
    assert read_missing_readings(db, "t1", DAY0, DAY0 + DAY_MS) == {"d1": 30}
    assert read_missing_readings(db, "t1", DAY0 - DAY_MS, DAY0) == {"d1": 2}


def test_the_summary_tells_the_keeper_and_the_service_writes_the_count(db: InfluxV1, unique: str) -> None:
    day = DayRecord(DAY0, {"ph": (7.0, 7.1, 7.2)}, [], [], [])
    assert "Missing" not in daily_summary("t1", day, missing={"d1": 0})
    text = daily_summary("t1", day, missing={"d2": 4, "d1": 13})
    assert "Missing readings: 13 from d1, 4 from d2 (never arrived: check the device's WiFi" in text

    _write(db, "t1", "d1", [(0, 1), (STEP_MS, 2), (2 * STEP_MS, 6)])
    cfg = Config()
    cfg.influxdb.url, cfg.influxdb.database = db.url, db.database
    cfg.mqtt.topic_prefix = unique
    cfg.analytics = replace(cfg.analytics, tanks=["t1"])
    cfg.check()
    an = Analytics(cfg)  # no MQTT connection: the summary's retained publish is queued, not sent
    lines = an.notifying.day("t1", day, None)  # the service's step: forecasts, summary, the pager's morning
    db.write_lines(lines)
    row = db.query('SELECT "readings_missing", "text" FROM "summary" WHERE "tank" = \'t1\'')[0]["values"][0]
    assert row[1] == 3 and "3 from d1" in row[2]
