"""The analytics never exit on a storage error (issue 21 item 3): InfluxDB refusing writes behind tests/influx_proxy.py.

A device goes offline while every write is refused (a full disk: 500, or 503):
the critical ``device_offline`` must still be notified, the cycle must not
raise, the alert point is kept and counted, and it is written once InfluxDB
takes writes again.
"""

from __future__ import annotations

import sys
from dataclasses import replace
from pathlib import Path

import numpy as np
import pytest

import analytics.outbox as outbox
from analytics.outbox import Outbox
from analytics.service import Analytics, TankData
from aquamon.config import Config
from aquamon.influx import InfluxV1
from aquamon.lineproto import encode_point

sys.path.insert(0, str(Path(__file__).resolve().parent))
from influx_proxy import FaultProxy

MIN_MS = 60_000
START_MS = 1_700_000_000_000 // 86_400_000 * 86_400_000


def one_tank_config(influx_url: str, unique: str) -> Config:
    """The analytics of tank ``tank1`` on database and topic prefix ``unique``."""
    cfg = Config()
    cfg.influxdb.url, cfg.influxdb.database = influx_url, unique
    cfg.mqtt.topic_prefix = unique
    cfg.analytics = replace(cfg.analytics, tanks=["tank1"])
    # these tests' readings are stamped from the wall clock: no quiet hours, so a run at night sends at once
    cfg.alerts = replace(cfg.alerts, quiet_hours="")
    cfg.check()
    return cfg


@pytest.mark.services
def test_refused_writes_neither_stop_the_analytics_nor_the_notification(influxdb, unique: str) -> None:
    proxy = FaultProxy(influxdb.url)
    cfg = one_tank_config(proxy.url, unique)
    db = InfluxV1(influxdb.url, unique)
    db.create_database()
    db.write_lines([encode_point("water", {"tank": "tank1", "device": "d1"},
                                 {"seq": i, "temp_c": 25.0, "level_cm": 30.0}, START_MS + i * MIN_MS)
                    for i in range(30)])
    a = Analytics(cfg)
    sent = []
    a.notifier.sender.send = sent.append  # type: ignore[method-assign,union-attr]
    a.cycle()  # reads and evaluates the tank
    assert isinstance(a.data.get("tank1"), TankData) and a.data["tank1"].last_eval_ms is not None
    proxy.fail(500, times=None)  # from now on every write is refused
    a._last_new_data["tank1"] = 0.0  # the device's last will, judged now
    a.link.heard(f"{unique}/tank1/d1/status", b'{"online": false}')  # as paho's thread hands it over
    a.cycle()  # before the fix: RetryableWriteError out of cycle(), the process exited 1
    offline = [m for m in sent if m.severity == "critical" and "offline" in m.body]
    assert offline, [m.title for m in sent]
    assert a.outbox.failures >= 1 and any('key=device_offline' in ln for ln in a.outbox.lines)
    proxy.heal()
    a.cycle()
    assert a.outbox.lines == []
    rows = db.query('SELECT "state" FROM "alert" WHERE "key" = \'device_offline\'')
    assert rows and rows[0]["values"][0][1] == "firing"
    assert np.isfinite(a.data["tank1"].t_ms).all()


@pytest.mark.services
def test_a_point_influxdb_refuses_for_its_content_does_not_hold_back_the_rest(
        influxdb, unique: str, monkeypatch: pytest.MonkeyPatch) -> None:
    """A field-type conflict (400, partial write) is not retried forever: before, the refused batch was kept and
    its first chunk retried every cycle, so no later point (past the first chunk) was ever written again."""
    monkeypatch.setattr(outbox, "CHUNK", 2)
    db = InfluxV1(influxdb.url, unique)
    db.create_database()
    db.write_lines(['alert,tank=tank1,key=sump_low value="text" 1000'])  # the field is a string from now on
    box = Outbox()
    box.add(["alert,tank=tank1,key=sump_low value=1.5 2000",  # a float: refused (field type conflict)
             "alert,tank=tank1,key=sump_low state=\"firing\" 3000"]
            + [f"score,tank=tank1 kl={i}.0 {4000 + i}" for i in range(5)])
    assert box.flush(db)
    assert box.lines == [] and box.rejected == 1 and box.failures == 0
    assert db.query('SELECT count("kl") FROM "score"')[0]["values"][0][1] == 5
    assert db.query('SELECT count("state") FROM "alert"')[0]["values"][0][1] == 1  # its neighbour, kept
