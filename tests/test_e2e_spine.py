"""The spine end to end on real parts: firmware (MicroPython unix port) -> Mosquitto ->
gateway -> InfluxDB 1.6 -> analytics -> alert (InfluxDB and retained MQTT topic)."""

from __future__ import annotations

import time

import pytest
from mqtt_helpers import retained_json

from harness.stack import Stack, firmware_config, wait_for

pytestmark = pytest.mark.services

MINUTES = 26 * 60
FAULT_MIN = 25 * 60  # heater stuck on from here: +3 °C/h
DEADLINE_MIN = 15  # the stuck-heater alert must fire within this many simulated minutes (issue 7)


def test_simulated_tank_to_heater_alert(stack: Stack, unique: str) -> None:
    cfg = stack.config(database=unique, topic_prefix=unique, tanks=["tank1"])
    db = stack.db(cfg)
    stack.start_gateway(cfg)
    stack.start_analytics(cfg)
    start = int(time.time() * 1000) - MINUTES * 60_000
    fw = stack.start_firmware(firmware_config(
        tank="tank1", device="esp1", mqtt_port=cfg.mqtt.port, prefix=unique, state_dir=stack.workdir / "dev",
        minutes=MINUTES, start_epoch_ms=start, speed=0,
        faults=[{"kind": "heater_stuck", "start_min": FAULT_MIN, "rate_c_per_h": 3.0}]))
    assert wait_for(lambda: not fw.alive(), 120), "firmware did not finish"
    result = stack.firmware_result(fw)
    assert result == {"published": MINUTES, "cycles": MINUTES, "backlog": 0, "dropped": 0, "seq": MINUTES}

    def written() -> int:
        s = db.query('SELECT count("seq") FROM "water"')
        return int(s[0]["values"][0][1]) if s else 0

    assert wait_for(lambda: written() >= MINUTES, 60)
    time.sleep(0.5)
    assert written() == MINUTES  # exactly once each

    # fields and tags per the storage contract
    fields = {v[0]: v[1] for v in db.query('SHOW FIELD KEYS FROM "water"')[0]["values"]}
    assert {k: fields[k] for k in ("temp_c", "ph", "tds_ppm", "turb_ntu", "level_cm", "flow_lpm")} == \
        dict.fromkeys(("temp_c", "ph", "tds_ppm", "turb_ntu", "level_cm", "flow_lpm"), "float")
    assert fields["seq"] == "integer" and fields["pump"] == "integer"
    tags = {v[0] for v in db.query('SHOW TAG KEYS FROM "water"')[0]["values"]}
    assert tags == {"tank", "device"}
    first = db.query('SELECT * FROM "water" ORDER BY time ASC LIMIT 1')[0]
    row = dict(zip(first["columns"], first["values"][0]))
    assert row["time"] == start and row["seq"] == 1 and row["tank"] == "tank1" and row["device"] == "esp1"
    assert 24 < row["temp_c"] < 26.5 and row["pump"] == 1

    # the analytics catch up with the last minute, then the alert log is checked
    last_ts = start + (MINUTES - 1) * 60_000

    def scored_until() -> int:
        s = db.query('SELECT last("temp_rate_c_per_h") FROM "score"')
        return int(s[0]["values"][0][0]) if s else 0

    assert wait_for(lambda: scored_until() >= last_ts // 60_000 * 60_000, 90), "analytics did not catch up"
    alerts = db.query('SELECT "state", "summary" FROM "alert" GROUP BY "key"')
    by_key = {s["tags"]["key"]: [dict(zip(s["columns"], v)) for v in s["values"]] for s in alerts}
    fault_ms = start + FAULT_MIN * 60_000
    early = [(k, a["time"]) for k, rows in by_key.items() for a in rows if a["time"] < fault_ms]
    assert early == [], f"alerts before the fault: {early}"
    heater = [a for a in by_key.get("heater_stuck", []) if a["state"] == "firing"]
    assert heater, f"no heater alert; alerts seen: {by_key}"
    delay_min = (heater[0]["time"] - fault_ms) / 60_000
    assert 0 < delay_min <= DEADLINE_MIN
    assert "heater" in heater[0]["summary"] and "°C/h" in heater[0]["summary"]

    # the retained alert topic carries the current state
    assert stack.mosquitto is not None
    doc = retained_json(stack.mosquitto, f"{unique}/tank1/alert/heater_stuck")
    assert doc["key"] == "heater_stuck" and doc["severity"] == "critical"
    assert doc["state"] == "firing"
