"""Late and out-of-order readings (issue 21 item 6): merged in their place, and a clock jump does not hide what follows.

Before: rows not newer than the last one seen were dropped (``TankData.append``), so one reading 299 s or a
day ahead hid a real sump fault that followed it: no alert.
"""

from __future__ import annotations

import time

import numpy as np
import pytest
from test_analytics_storage_errors import one_tank_config

from analytics.service import Analytics
from analytics.tankdata import MIN_MS, TankData
from aquamon.influx import InfluxV1
from aquamon.lineproto import encode_point

COLUMNS = ["time", "level_cm"]


def test_a_reading_ahead_does_not_hide_the_readings_that_follow() -> None:
    data = TankData()
    data.append([[i * MIN_MS, 30.0] for i in range(10)], COLUMNS)
    # one reading 299 s ahead (a device clock that jumped), then the real minutes arrive, a sump fault among them
    assert data.append([[14 * MIN_MS, 30.0]], COLUMNS) == 0
    assert data.settled_until() == 10 * MIN_MS  # "now" is not the lone reading ahead
    late = data.append([[10 * MIN_MS, 30.0], [11 * MIN_MS, 5.0], [12 * MIN_MS, 5.0]], COLUMNS)
    assert late == 3
    assert list(data.t_ms // MIN_MS) == [*range(13), 14]  # in time order, nothing dropped
    assert list(data.values["level_cm"][11:13]) == [5.0, 5.0]
    assert data.settled_until() == 15 * MIN_MS  # the run of readings has reached it: it is now


def test_a_minute_read_again_replaces_its_earlier_mean() -> None:
    data = TankData()
    data.append([[0, 7.0], [MIN_MS, 7.0], [2 * MIN_MS, 7.0]], ["time", "ph"])
    data.append([[MIN_MS, 7.4]], ["time", "ph"])
    assert len(data.t_ms) == 3 and data.values["ph"][1] == 7.4
    assert np.isnan(data.values["temp_c"]).all()


def _reading(seq: int, t_ms: int, level_cm: float) -> str:
    return encode_point("water", {"tank": "tank1", "device": "d1"},
                        {"seq": seq, "temp_c": 25.0, "level_cm": level_cm, "ph": 7.5, "flow_lpm": 8.0, "pump": 1},
                        t_ms)


@pytest.mark.services
@pytest.mark.parametrize("ahead_ms", [299_000, 86_400_000], ids=["299 s", "a day"])
def test_a_sump_fault_after_a_reading_from_the_future_is_notified(influxdb, unique: str, ahead_ms: int) -> None:
    cfg = one_tank_config(influxdb.url, unique)
    db = InfluxV1(influxdb.url, unique)
    db.create_database()
    t0 = (int(time.time() * 1000) - 120 * MIN_MS) // MIN_MS * MIN_MS
    db.write_lines([_reading(i, t0 + i * MIN_MS, 30.0) for i in range(60)])
    a = Analytics(cfg)
    sent = []
    a.notifier.sender.send = sent.append  # type: ignore[method-assign,union-attr]
    a.cycle()
    # a device clock jumped ahead for two readings (the gateway accepts up to 300 s ahead), then was set right
    db.write_lines([_reading(998 + i, t0 + (59 + i) * MIN_MS + ahead_ms, 30.0) for i in range(2)])
    a.cycle()
    # then the real minutes, with a 4-minute sump fault among them
    db.write_lines([_reading(i, t0 + i * MIN_MS, 5.0 if 60 <= i < 64 else 30.0) for i in range(60, 75)])
    a.cycle()
    assert any("sump level low" in m.body for m in sent), [m.body for m in sent]
