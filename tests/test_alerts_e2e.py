"""Alerts on the real path: firmware (MicroPython) -> Mosquitto -> gateway -> InfluxDB -> analytics ->
alert/forecast/summary measurements, retained topics, and Apprise notifications to a local endpoint;
commands signed and sent the way `aquamon silence` sends them."""

from __future__ import annotations

import subprocess
import sys
import time
from dataclasses import replace
from typing import Any

import paho.mqtt.client as mqtt
import pytest
from mqtt_helpers import retained_json
from paho.mqtt.enums import CallbackAPIVersion
from test_alerts_notify import Inbox

from aquamon import commands
from aquamon.config import to_toml
from harness.stack import Stack, firmware_config, wait_for

pytestmark = pytest.mark.services

DAY_MIN = 1440
MINUTES = 3 * DAY_MIN + 12 * 60  # three whole days (the first forecast), then faults on day 4
SUMP_MIN = 3 * DAY_MIN + 6 * 60
PUMP_MIN = 3 * DAY_MIN + 9 * 60


def test_faults_to_notifications_on_the_real_path(stack: Stack, unique: str) -> None:
    inbox = Inbox()
    try:
        cfg = stack.config(database=unique, topic_prefix=unique, tanks=["tank1"])
        cfg.alerts = replace(cfg.alerts, quiet_hours="", command_key="00" * 32)
        cfg.notify = replace(cfg.notify, critical=[f"{inbox.url}/critical"], warning=[f"{inbox.url}/warning"],
                             info=[f"{inbox.url}/info"])
        db = stack.db(cfg)
        stack.start_gateway(cfg)
        analytics = stack.start_analytics(cfg)
        # the keeper silences pump_stopped (they are servicing the pump); a forged command is refused
        assert wait_for(lambda: "listening for device status and alert commands" in analytics.log_path.read_text(),
                        60), analytics.log_tail()
        cfg_file = stack.workdir / "keeper.toml"
        cfg_file.write_text(to_toml(cfg))  # no broker account yet: the login is refused, and said so
        r = subprocess.run([sys.executable, "-m", "aquamon", "silence", "tank1", "pump_stopped", "--for", "30d",
                            "-c", str(cfg_file)], capture_output=True, text=True, timeout=60)
        assert r.returncode != 0 and "refused the login without a username" in r.stderr \
            and "--role operator" in r.stderr, r.stdout + r.stderr
        keeper = replace(cfg, mqtt=replace(cfg.mqtt))
        keeper.mqtt.username, keeper.mqtt.password = stack.service_credentials("operator", unique)
        cfg_file.write_text(to_toml(keeper))
        r = subprocess.run([sys.executable, "-m", "aquamon", "silence", "tank1", "pump_stopped", "--for", "30d",
                            "-c", str(cfg_file)], capture_output=True, text=True, timeout=60)
        assert r.returncode == 0 and "silenced tank1 pump_stopped for 30d" in r.stdout, r.stdout + r.stderr
        assert "(the analytics: silenced tank1 pump_stopped for 43200 min)" in r.stdout, r.stdout  # their answer
        r = subprocess.run([sys.executable, "-m", "aquamon", "silence", "tank1", "pump_stoped", "-c", str(cfg_file)],
                           capture_output=True, text=True, timeout=60)
        assert r.returncode == 1 and "unknown alert key 'pump_stoped'" in r.stderr, r.stdout + r.stderr
        r = subprocess.run([sys.executable, "-m", "aquamon", "silence", "tank1", "sump_low", "--ack", "-c", str(cfg_file)],
                           capture_output=True, text=True, timeout=60)  # nothing open yet: said plainly, not "acknowledged"
        assert r.returncode == 0 and r.stdout.startswith("the analytics: nothing to acknowledge"), r.stdout + r.stderr
        forged = commands.sign_command(b"not the key but long enough!!", "tank1", "analytics", "maintenance",
                                       {"for_s": 86400})
        pub = mqtt.Client(CallbackAPIVersion.VERSION2)  # a real operator account, without the command key
        pub.username_pw_set(keeper.mqtt.username, keeper.mqtt.password)
        pub.connect("127.0.0.1", cfg.mqtt.port)
        pub.loop_start()
        pub.publish(f"{unique}/tank1/analytics/cmd", commands.encode(forged), qos=1).wait_for_publish(5)
        pub.loop_stop()
        pub.disconnect()

        now = int(time.time() * 1000)
        start = (now - MINUTES * 60_000) // 86_400_000 * 86_400_000  # midnight: whole simulated days
        fw = stack.start_firmware(firmware_config(
            tank="tank1", device="esp1", mqtt_port=cfg.mqtt.port, prefix=unique, state_dir=stack.workdir / "dev",
            minutes=MINUTES, start_epoch_ms=start, speed=0,
            faults=[{"kind": "sump_low", "start_min": SUMP_MIN, "end_min": SUMP_MIN + 15},
                    {"kind": "pump_stopped", "start_min": PUMP_MIN, "end_min": PUMP_MIN + 20}]))
        assert wait_for(lambda: not fw.alive(), 150), "firmware did not finish"

        def alerts() -> dict[str, list[dict[str, Any]]]:
            series = db.query('SELECT "state", "summary" FROM "alert" GROUP BY "key"')
            return {s["tags"]["key"]: [dict(zip(s["columns"], v)) for v in s["values"]] for s in series}

        # the firmware's clean close says offline: judged after its last reading
        assert wait_for(lambda: "device_offline" in alerts(), 150), f"analytics did not finish: {alerts()}"
        by_key = alerts()
        early = [(k, a["time"]) for k, rows in by_key.items() for a in rows if a["time"] < start + SUMP_MIN * 60_000]
        assert early == [], f"alerts before the faults: {early}"

        def delay(key: str, fault_min: int) -> float:
            firing = [a for a in by_key.get(key, []) if a["state"] == "firing"]
            assert firing, f"{key} did not fire: {by_key}"
            return (firing[0]["time"] - (start + fault_min * 60_000)) / 60_000

        assert 0 < delay("sump_low", SUMP_MIN) <= 1
        assert 0 <= delay("device_offline", MINUTES - 1) <= 5  # at its last reading, as its will says
        assert 0 < delay("pump_stopped", PUMP_MIN) <= 2
        # the firmware's dry-run interlock stopped the pump too: an event, grouped under the sump
        assert "pump_interlock" in by_key

        # notifications: one per episode, grouped, the silenced one not at all
        assert wait_for(lambda: any(p["title"] == "tank1: controller offline" for p in inbox.posts), 30)
        titles = [(p["path"], p["title"]) for p in inbox.posts if p["path"] != "/info"]
        # told once: paged, or (when the analytics saw it begin and end in one catch-up cycle, as the firmware
        # runs at full speed here) in the next info message as over before it could be sent
        over = sum("sump level low" in p["message"] and "over before it could be sent" in p["message"]
                   for p in inbox.posts if p["path"] == "/info")
        assert titles.count(("/critical", "tank1: sump level low")) + over == 1, (titles, over)
        assert ("/critical", "tank1: pump stopped by the controller") not in titles  # explained by the sump
        assert not [t for t in titles if "pump stopped" == t[1].split(": ", 1)[-1]], titles  # silenced
        assert titles.count(("/critical", "tank1: controller offline")) == 1
        assert "refused an alert command for tank1: bad signature" in analytics.log_path.read_text()

        # the daily summaries and the forecast, one per simulated day
        summaries = [p for p in inbox.posts if p["path"] == "/info" and p["title"] == "tank1: daily summary"]
        assert len(summaries) == 3, [p["title"] for p in inbox.posts]
        assert summaries[0]["message"].startswith("tank1, ") and "water normal all day" in summaries[0]["message"]
        assert "Forecast: water change due in about " in summaries[-1]["message"]
        fc = db.query('SELECT * FROM "forecast" GROUP BY "sensor"')
        by_sensor = {s["tags"]["sensor"]: dict(zip(s["columns"], s["values"][-1])) for s in fc}
        assert {"tds_ppm", "level_cm"} <= set(by_sensor)
        assert 1.0 < by_sensor["tds_ppm"]["rate_per_day"] < 3.0 and by_sensor["tds_ppm"]["days_to_limit"] > 30
        assert set(by_sensor["tds_ppm"]) >= {"rate_per_day", "days_to_limit", "low", "high"}
    finally:
        inbox.close()

    # retained: the current state of each alert
    assert stack.mosquitto is not None
    doc = retained_json(stack.mosquitto, f"{unique}/tank1/alert/sump_low")
    assert doc["key"] == "sump_low" and doc["state"] == "resolved"
