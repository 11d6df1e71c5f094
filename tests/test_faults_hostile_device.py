"""A hostile device against the real gateway and InfluxDB 1.6: what it sends stays in its own lane.

One device account (its own topics only, as the broker's ACL allows) sends what
a compromised or broken device could: an event kind carrying a line break and a
second line in another tank's name, 2,000 invented event kinds (one series each
before), a status whose ``rssi`` has 300 digits (InfluxDB refused the whole
point, ``online`` included), and an admin-side publish on a tank id with a
Cyrillic ``а`` (a look-alike of ``tank1``).  Every refusal is counted by reason.
"""

from __future__ import annotations

import json
import time

import pytest
from test_gateway_faults import gateway_cfg, metrics

from aquamon.auth import Account
from gateway.validate import EVENT_KINDS
from harness.loadgen import Publisher
from harness.stack import Stack, wait_for

pytestmark = pytest.mark.services
EXPLOIT = "x\nwater,tank=victim temp_c=40"
KINDS = 2000


def _names(rows: list[dict], column: int = 0) -> list[str]:
    return sorted(v[column] for s in rows for v in s["values"])


def test_a_hostile_device_cannot_write_outside_its_own_bounded_series(stack: Stack, unique: str) -> None:
    m = stack.mosquitto
    assert m is not None
    cfg = gateway_cfg(stack, unique)
    stack.start_gateway(cfg)
    db = stack.db(cfg)
    user, password = m.ensure_account(Account.for_device("tank1", "esp1", unique))
    dev = Publisher(m.port, username=user, password=password)
    base = f"{unique}/tank1/esp1"
    now = int(time.time() * 1000)
    try:
        dev.publish(f"{base}/event", json.dumps({"seq": 1, "ts": now, "kind": EXPLOIT, "detail": "boom"}).encode())
        for i in range(KINDS):
            dev.publish(f"{base}/event", json.dumps({"seq": 2 + i, "ts": now + i, "kind": f"k{i:05d}",
                                                     "detail": "x"}).encode())
        dev.publish(f"{base}/status", b'{"online":true,"rssi":' + b"9" * 300 + b',"fw":"1.0"}')
        dev.publish(f"{base}/telemetry", json.dumps({"v": 1, "seq": 1, "ts": now, "r": {"temp_c": 25.0}}).encode())
        assert dev.wait_acked(60) == KINDS + 3
    finally:
        dev.close()
    admin = Publisher(m.port, **m.client_kwargs())
    try:
        admin.publish(f"{unique}/t\u0430nk1/esp1/telemetry",
                      json.dumps({"v": 1, "seq": 1, "ts": now, "r": {"temp_c": 99.0}}).encode())
        assert admin.wait_acked(10) == 1
    finally:
        admin.close()

    def events() -> int:
        try:
            rows = db.query('SELECT count("detail") FROM "event"')
        except Exception:  # noqa: BLE001 -- not created yet
            return 0
        return int(rows[0]["values"][0][1]) if rows else 0

    assert wait_for(lambda: events() >= KINDS, 60), f"{events()} of {KINDS} events stored"
    assert wait_for(lambda: metrics(cfg).get("rejected_bad_identifier", 0) >= 1, 20), metrics(cfg)
    got = metrics(cfg)
    assert got.get("rejected_bad_event") == 1, got  # the line break in a kind
    assert got.get("rejected_value_unknown_event_kind") == KINDS, got
    assert got.get("rejected_value_out_of_range", 0) >= 1, got  # the 300-digit rssi, alone
    assert wait_for(lambda: db.query('SELECT "online" FROM "device"') != [], 20), "the status point was lost"
    status = db.query('SELECT * FROM "device"')[0]
    row = dict(zip(status["columns"], status["values"][-1]))
    assert row["online"] is True and row.get("rssi") is None and row["fw"] == "1.0", row
    # nothing outside the intended measurements, series or tanks
    assert set(_names(db.query("SHOW MEASUREMENTS"))) <= {"water", "event", "device", "gateway"}
    event_series = _names(db.query('SHOW SERIES FROM "event"'))
    assert len(event_series) <= len(EVENT_KINDS) + 1, event_series[:10]
    assert _names(db.query('SHOW TAG VALUES FROM "water" WITH KEY = "tank"'), 1) == ["tank1"]
    assert _names(db.query('SHOW TAG VALUES FROM "event" WITH KEY = "kind"'), 1) == ["other"]
