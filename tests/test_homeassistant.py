"""Home Assistant MQTT discovery: the configs follow HA's discovery schema, their
templates (rendered with Jinja2, as HA does) read the firmware's real payloads, and
``aquamon homeassistant`` publishes them, retained, for a device it sees on a real
Mosquitto (firmware on the MicroPython unix port)."""

from __future__ import annotations

import json
import os
import re
import sys
import time
from pathlib import Path
from typing import Any

import jinja2
import paho.mqtt.client as mqtt
import pytest
from paho.mqtt.enums import CallbackAPIVersion

from aquamon.auth import Account
from aquamon.config import Config, to_toml
from aquamon.homeassistant import device_entities, tank_entities, water_sensors
from harness.services import Mosquitto, spawn
from harness.stack import Stack, firmware_config, wait_for

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "firmware"))
import payload as fw_payload  # noqa: E402  (firmware/payload.py: pure, runs on CPython too)

TOPIC = re.compile(r"^homeassistant/(sensor|binary_sensor|button|select)/[A-Za-z0-9_-]+/[A-Za-z0-9_-]+/config$")
# The configuration variables Home Assistant documents for each MQTT component (home-assistant.io,
# integrations/{sensor,binary_sensor,button,select}.mqtt, 2025.10 and later).  ``object_id`` is left out on
# purpose: deprecated in 2025.10 for ``default_entity_id``, no longer honoured from 2026.4.
COMMON_KEYS = {"availability", "availability_mode", "availability_template", "availability_topic", "device",
               "default_entity_id", "enabled_by_default", "encoding", "entity_category", "entity_picture", "icon",
               "json_attributes_template", "json_attributes_topic", "name", "payload_available",
               "payload_not_available", "platform", "qos", "unique_id"}
HA_KEYS = {
    "sensor": COMMON_KEYS | {"device_class", "expire_after", "force_update", "last_reset_value_template", "options",
                             "suggested_display_precision", "state_class", "state_topic", "unit_of_measurement",
                             "value_template"},
    "binary_sensor": COMMON_KEYS | {"device_class", "expire_after", "force_update", "off_delay", "payload_off",
                                    "payload_on", "state_topic", "value_template"},
    "button": COMMON_KEYS | {"command_template", "command_topic", "device_class", "payload_press", "retain"},
    "select": COMMON_KEYS | {"command_template", "command_topic", "optimistic", "options", "retain", "state_topic",
                             "value_template"},
}
HA_REQUIRED = {"sensor": {"state_topic"}, "binary_sensor": {"state_topic"}, "button": {"command_topic"},
               "select": {"command_topic", "options"}}
DEVICE_KEYS = {"configuration_url", "connections", "hw_version", "identifiers", "manufacturer", "model", "model_id",
               "name", "serial_number", "suggested_area", "sw_version", "via_device"}
# Home Assistant's rules for the device classes we use (sensor docs: units allowed per class).
SENSOR_UNITS = {"temperature": {"°C", "°F", "K"}, "ph": {None}, "distance": {"km", "m", "cm", "mm", "mi", "yd", "in"},
                "volume_flow_rate": {"m³/h", "ft³/min", "L/min", "gal/min", "mL/s"},
                "signal_strength": {"dB", "dBm"}, None: None}
BINARY_CLASSES = {"running", "problem", "connectivity", "power", "moisture", "safety", "heat"}
CATALOGUE = {"heater_stuck": "temperature rising", "drift": "the water left its pattern"}


def all_configs(tank: str = "tank1", device: str = "esp1", prefix: str = "aquamon") -> list[Any]:
    return device_entities("homeassistant", prefix, tank, device) + tank_entities("homeassistant", prefix, tank,
                                                                                   CATALOGUE)


def test_every_payload_uses_only_the_keys_home_assistant_documents_for_its_component() -> None:
    configs = all_configs()
    assert {d.topic.split("/")[1] for d in configs} == set(HA_KEYS)
    for d in configs:
        component = d.topic.split("/")[1]
        keys = set(d.config)
        assert keys <= HA_KEYS[component], (d.topic, sorted(keys - HA_KEYS[component]))
        assert HA_REQUIRED[component] <= keys, d.topic
        assert set(d.config["device"]) <= DEVICE_KEYS, d.topic
        # default_entity_id is the whole entity id: the component's domain, then the object id
        assert d.config["default_entity_id"] == f"{component}.{d.config['unique_id']}"


def test_home_assistant_gets_controls_that_never_carry_a_key() -> None:
    configs = {d.topic.split("/", 2)[2]: d.config for d in all_configs()}
    assert configs["aquamon_tank1_esp1/feed/config"]["command_topic"] == "homeassistant/aquamon_command/tank1/esp1/feed"
    assert configs["aquamon_tank1_esp1/pump_mode/config"]["options"] == ["auto", "feed", "maintenance", "off"]
    assert configs["aquamon_tank1/ack/config"]["command_topic"] == "homeassistant/aquamon_command/tank1/analytics/ack"
    assert {k for k in configs if "lockout" in k or "maintenance" in k} == {
        "aquamon_tank1_esp1/clear_lockout/config", "aquamon_tank1/maintenance/config"}
    text = json.dumps([d.config for d in all_configs()])
    assert not re.search(r'"sig"|[0-9a-fA-F]{32}', text)  # no signature, no key-like hex


def test_configs_follow_the_discovery_schema() -> None:
    configs = [d for d in all_configs() if "state_topic" in d.config]
    assert len({d.topic for d in all_configs()}) == len(all_configs())
    assert len({d.config["unique_id"] for d in all_configs()}) == len(all_configs())
    for d in configs:
        assert TOPIC.match(d.topic), d.topic
        c = d.config
        assert c["name"] and c["state_topic"].startswith("aquamon/tank1/")
        assert c["device"]["identifiers"] and c["device"]["manufacturer"] == "aquamon"
        if "/select/" in d.topic:
            assert c["options"]
        elif "/sensor/" in d.topic:
            allowed = SENSOR_UNITS[c.get("device_class")]
            if allowed is not None:
                assert c.get("unit_of_measurement") in allowed, (d.topic, c.get("unit_of_measurement"))
            assert c.get("state_class") in (None, "measurement")
        else:
            assert c["device_class"] in BINARY_CLASSES
        assert c.get("entity_category") in (None, "diagnostic")
    water = {d.topic.split("/")[3]: d.config for d in configs if d.config["state_topic"].endswith("/telemetry")}
    assert set(water) == {s for s, *_ in water_sensors()} | {"pump", "heater", "topoff"}
    assert water["temp_c"]["unit_of_measurement"] == "°C" and water["temp_c"]["device_class"] == "temperature"
    assert water["flow_lpm"]["unit_of_measurement"] == "L/min"
    assert water["pump"]["device_class"] == "running"
    alerts = [d.config for d in configs if "/alert/" in d.config["state_topic"]]
    assert {a["state_topic"] for a in alerts} == {"aquamon/tank1/alert/heater_stuck", "aquamon/tank1/alert/drift"}
    assert all(a["device_class"] == "problem" for a in alerts)


def test_a_tank_id_with_a_dot_still_gives_valid_topics() -> None:
    for d in all_configs(tank="shop.tank-3", device="esp_a"):
        assert TOPIC.match(d.topic), d.topic
        topic = d.config.get("state_topic") or d.config["command_topic"]
        assert topic.startswith(("aquamon/shop.tank-3/", "homeassistant/aquamon_command/shop.tank-3/"))


def test_every_alert_the_analytics_can_raise_is_announced() -> None:
    from analytics.monitor import ALERTS

    keys = {d.config["state_topic"].rsplit("/", 1)[1] for d in tank_entities("homeassistant", "aquamon", "t")
            if "state_topic" in d.config}
    assert keys == set(ALERTS)


class This:
    state = "previous"


def render(template: str, payload: bytes) -> str:
    env = jinja2.Environment(undefined=jinja2.StrictUndefined)  # HA fails loudly on undefined too
    return env.from_string(template).render(value_json=json.loads(payload), this=This())


def test_templates_read_the_firmwares_real_payloads() -> None:
    by_key = {d.topic.split("/")[3]: d.config for d in all_configs()}
    readings = {"temp_c": 25.125, "ph": 7.21, "tds_ppm": 301.0, "turb_ntu": 1.04, "level_cm": 29.8, "flow_lpm": 8.1}
    tele = fw_payload.encode_telemetry(42, 1_700_000_000_000, readings, [], True)
    for key, *_ in water_sensors():
        got = render(by_key[key]["value_template"], tele)
        assert float(got) == pytest.approx(readings[key], abs=0.01), key
        assert render(by_key[key]["availability_template"], fw_payload.encode_status(True, "1.0")) == "online"
        assert render(by_key[key]["availability_template"], fw_payload.encode_status(False)) == "offline"
    assert render(by_key["pump"]["value_template"], tele) == "ON"
    assert render(by_key["pump"]["value_template"], fw_payload.encode_telemetry(1, 1, readings, [], False)) == "OFF"
    # the heater and top-off outlets: their state when the device reports it, else the entity keeps its own
    outlets = tele.decode()[:-1] + ',"heater":1,"topoff":0}'
    assert render(by_key["heater"]["value_template"], outlets) == "ON"
    assert render(by_key["topoff"]["value_template"], outlets) == "OFF"
    assert render(by_key["heater"]["value_template"], tele) == "previous"
    # a probe the device marked bad is absent from "r": the entity keeps its state
    bad = fw_payload.encode_telemetry(43, 1_700_000_060_000, {"temp_c": 25.0, "ph": float("nan")}, [], True)
    assert render(by_key["ph"]["value_template"], bad) == "previous"
    status = fw_payload.encode_status(True, "1.2.0", boot=3, rssi=-61, backlog=7)
    assert render(by_key["rssi"]["value_template"], status) == "-61"
    assert render(by_key["backlog"]["value_template"], status) == "7"
    assert render(by_key["online"]["value_template"], status) == "ON"
    assert render(by_key["online"]["value_template"], fw_payload.encode_status(False)) == "OFF"
    alert = by_key["alert_heater_stuck"]
    firing = json.dumps({"tank": "tank1", "key": "heater_stuck", "severity": "critical", "state": "firing",
                         "summary": "Temperature rising +2.8 °C/h", "ts": 1}).encode()
    assert render(alert["value_template"], firing) == "ON"
    assert render(alert["value_template"], firing.replace(b'"firing"', b'"resolved"')) == "OFF"
    attrs = json.loads(render(alert["json_attributes_template"], firing))
    assert attrs["summary"] == "Temperature rising +2.8 °C/h" and attrs["severity"] == "critical"


def retained(broker: Mosquitto, pattern: str, settle: float = 1.0) -> dict[str, bytes]:
    """Every retained message under ``pattern``, as a client connecting now sees them."""
    got: dict[str, bytes] = {}
    c = mqtt.Client(CallbackAPIVersion.VERSION2)
    c.username_pw_set(*broker.admin_credentials())
    c.on_connect = lambda cl, u, f, r, p: cl.subscribe(pattern, 1)
    c.on_message = lambda cl, u, m: got.__setitem__(m.topic, m.payload) if m.retain else None
    c.connect("127.0.0.1", broker.port)
    c.loop_start()
    time.sleep(settle)
    c.loop_stop()
    c.disconnect()
    return got


def ha_config(stack: Stack, unique: str, enabled: bool = True) -> Path:
    cfg = Config()
    assert stack.mosquitto is not None
    cfg.mqtt.port = stack.mosquitto.port
    cfg.mqtt.topic_prefix = unique
    cfg.mqtt.client_id = f"ha-{unique}"
    # the homeassistant role's own least-rights account, for this test's own discovery prefix
    # (so parallel runs never meet): the ACL follows [homeassistant] discovery_prefix
    cfg.homeassistant.enabled = enabled
    cfg.homeassistant.discovery_prefix = f"ha{unique}"
    account = Account.for_service("homeassistant", f"homeassistant@{unique}", unique,
                                  discovery_prefix=cfg.homeassistant.discovery_prefix)
    cfg.mqtt.username, cfg.mqtt.password = stack.mosquitto.ensure_account(account)
    path = stack.workdir / "ha.toml"
    path.write_text(to_toml(cfg))
    return path


@pytest.mark.services
def test_devices_seen_on_the_broker_appear_as_retained_discovery(stack: Stack, unique: str) -> None:
    broker = stack.mosquitto
    assert broker is not None
    port = broker.port
    proc = spawn("homeassistant", [sys.executable, "-m", "aquamon", "homeassistant", "--config",
                                   str(ha_config(stack, unique))], stack.workdir / "ha.log",
                 env=dict(os.environ, PYTHONUNBUFFERED="1"))
    stack.processes.append(proc)
    assert wait_for(lambda: "watching" in proc.log_path.read_text() or not proc.alive(), 30), proc.log_tail()
    start = int(time.time() * 1000) - 5 * 60_000
    fw = stack.start_firmware(firmware_config(tank="tank1", device="esp1", mqtt_port=port, prefix=unique,
                                              state_dir=stack.workdir / "dev", minutes=5, start_epoch_ms=start,
                                              speed=0))
    disc = f"ha{unique}"
    expected = {d.topic.replace("homeassistant/", disc + "/", 1): d
                for d in device_entities(disc, unique, "tank1", "esp1")
                + tank_entities(disc, unique, "tank1")}
    assert wait_for(lambda: set(retained(broker, f"{disc}/#", 0.3)) >= set(expected) or not proc.alive(), 30), \
        f"discovery not published:\n{proc.log_tail()}"
    assert wait_for(lambda: not fw.alive(), 60)
    got = retained(broker, f"{disc}/#")
    assert set(got) == set(expected)
    for topic, d in expected.items():
        doc = json.loads(got[topic])
        doc["device"].pop("sw_version", None)  # the firmware version comes from the device's status
        assert doc == d.config, topic
    sensor = json.loads(got[f"{disc}/sensor/aquamon_tank1_esp1/temp_c/config"])
    assert sensor["state_topic"] == f"{unique}/tank1/esp1/telemetry"
    assert sensor["device"]["sw_version"]  # from the device's retained status
    # the states those configs point at are on the broker
    states = retained(broker, f"{unique}/tank1/esp1/status")
    assert json.loads(states[f"{unique}/tank1/esp1/status"])["online"] is False  # the run ended: its clean close

    # Home Assistant restarted and lost a config: its birth message brings everything back
    c = mqtt.Client(CallbackAPIVersion.VERSION2)
    c.username_pw_set(*broker.admin_credentials())
    c.connect("127.0.0.1", port)
    c.loop_start()
    lost = f"{disc}/sensor/aquamon_tank1_esp1/ph/config"
    c.publish(lost, b"", qos=1, retain=True).wait_for_publish(5)
    assert lost not in retained(broker, f"{disc}/#", 0.3)
    c.publish(f"{disc}/status", b"online", qos=1).wait_for_publish(5)
    c.loop_stop()
    c.disconnect()
    assert wait_for(lambda: lost in retained(broker, lost, 0.3), 10)
    proc.stop()


@pytest.mark.services
def test_the_command_refuses_to_run_while_disabled(stack: Stack, unique: str) -> None:
    from typer.testing import CliRunner

    from aquamon.cli import app

    r = CliRunner().invoke(app, ["homeassistant", "--config", str(ha_config(stack, unique, enabled=False))])
    assert r.exit_code == 2 and "set [homeassistant] enabled = true" in r.stderr
    assert retained(stack.mosquitto, f"ha{unique}/#", 0.3) == {}  # type: ignore[union-attr]


@pytest.mark.services
@pytest.mark.micropython
def test_a_press_in_home_assistant_reaches_the_device_signed(stack: Stack, unique: str) -> None:
    broker = stack.mosquitto
    assert broker is not None
    key_hex = "3c" * 32
    keys = stack.workdir / "keys"
    keys.mkdir()
    (keys / "tank1.esp1.key").write_text(key_hex)
    path = ha_config(stack, unique)
    text = path.read_text().replace('device_keys_dir = ""', f'device_keys_dir = "{keys}"')
    path.write_text(text)
    proc = spawn("homeassistant", [sys.executable, "-m", "aquamon", "homeassistant", "--config", str(path)],
                 stack.workdir / "ha.log", env=dict(os.environ, PYTHONUNBUFFERED="1"))
    stack.processes.append(proc)
    assert wait_for(lambda: "watching" in proc.log_path.read_text() or not proc.alive(), 30), proc.log_tail()
    fw = stack.start_firmware(firmware_config(
        tank="tank1", device="esp1", mqtt_port=broker.port, prefix=unique, state_dir=stack.workdir / "dev",
        minutes=2, interval_s=1, speed=1, start_epoch_ms=int(time.time() * 1000), cmd_key=key_hex,
        extra={"poll_ms": 50}))
    disc = f"ha{unique}"
    acks: list[dict[str, Any]] = []
    seen_cmds: list[dict[str, Any]] = []
    watcher = mqtt.Client(CallbackAPIVersion.VERSION2)
    watcher.username_pw_set(*broker.admin_credentials())
    watcher.on_connect = lambda c, u, f, r, p: c.subscribe([(f"{unique}/tank1/esp1/cmd/ack", 1),
                                                            (f"{unique}/tank1/esp1/cmd", 1)])

    def on_message(c: Any, u: Any, m: mqtt.MQTTMessage) -> None:
        (acks if m.topic.endswith("/ack") else seen_cmds).append(json.loads(m.payload))

    watcher.on_message = on_message
    watcher.connect("127.0.0.1", broker.port)
    watcher.loop_start()
    # Home Assistant, on its own least-rights account, presses "Feed pause" and picks a pump mode (an account
    # of its own, not the bridge's: the broker binds client ids to usernames, one connection per account)
    ha = mqtt.Client(CallbackAPIVersion.VERSION2)
    account = Account.for_service("homeassistant", f"homeassistant.ui@{unique}", unique, discovery_prefix=disc)
    ha.username_pw_set(*broker.ensure_account(account))
    ha.connect("127.0.0.1", broker.port)
    ha.loop_start()
    try:
        assert wait_for(lambda: "esp1" in proc.log_path.read_text(), 30), proc.log_tail()  # announced: it is online
        ha.publish(f"{disc}/aquamon_command/tank1/esp1/feed", b"PRESS", qos=1).wait_for_publish(5)
        assert wait_for(lambda: any(a.get("ok") for a in acks), 15), (acks, proc.log_tail())
        assert acks[0]["reason"] == "feed for 10 min"
        assert seen_cmds[0]["action"] == "feed" and len(seen_cmds[0]["sig"]) == 64  # signed by the relay
        ha.publish(f"{disc}/aquamon_command/tank1/esp1/pump_mode", b"turbo", qos=1).wait_for_publish(5)
        ha.publish(f"{disc}/aquamon_command/tank1/esp1/pump_mode", b"auto", qos=1).wait_for_publish(5)
        assert wait_for(lambda: len(acks) >= 2, 15), (acks, proc.log_tail())
        assert acks[1]["ok"] and acks[1]["reason"] == "auto" and len(seen_cmds) == 2  # "turbo" never went out
        assert "unknown action or option" in proc.log_path.read_text()
        # an unsigned command straight on the device's topic (as HA could publish) is refused by the device
        ha.publish(f"{unique}/tank1/esp1/cmd", json.dumps({"id": "x1", "ts": int(time.time() * 1000),
                                                           "action": "feed", "args": {"minutes": 5}, "sig": "0" * 64}),
                   qos=1).wait_for_publish(5)
        assert wait_for(lambda: any(a.get("id") == "x1" for a in acks), 15)
        assert not next(a for a in acks if a.get("id") == "x1")["ok"]
    finally:
        for c in (ha, watcher):
            c.loop_stop()
            c.disconnect()
    fw.stop()
    proc.stop()


def test_the_acknowledge_button_is_relayed_to_the_analytics_signed_with_the_alert_key(tmp_path: Path) -> None:
    from aquamon import commands
    from aquamon.homeassistant import DiscoveryPublisher

    cfg = Config()
    cfg.alerts.command_key = "7f" * 32
    pub = DiscoveryPublisher(cfg)
    sent: list[tuple[str, bytes]] = []
    pub.client.publish = lambda topic, payload, qos=0, retain=False: sent.append((topic, payload))  # type: ignore
    assert pub.relay("homeassistant/aquamon_command/tank1/analytics/ack", b"PRESS")
    ((topic, payload),) = sent
    doc = json.loads(payload)
    assert topic == "aquamon/tank1/analytics/cmd" and doc["action"] == "ack"
    assert commands.verify_signature(bytes.fromhex("7f" * 32), "tank1", "analytics", doc)
    # no device key configured: nothing goes out, and the log says where the key belongs
    assert pub.relay("homeassistant/aquamon_command/tank1/esp1/feed", b"PRESS") is None
    assert len(sent) == 1 and pub.refused == 1
