"""Home Assistant MQTT discovery: each tank appears in Home Assistant by itself.

With ``[homeassistant] enabled = true``, ``aquamon homeassistant`` watches the
broker; the first message it sees from a tank's device makes it publish, retained,
one discovery config per entity under
``{discovery_prefix}/{component}/{node_id}/{object_id}/config`` (Home Assistant's
MQTT discovery schema).  Home Assistant then reads the device's own topics
directly; nothing is relayed:

- a ``sensor`` per water reading, with its unit, device class and
  ``state_class: measurement`` (so HA keeps long-term statistics);
- ``binary_sensor`` ``pump`` (running) and ``online`` (connectivity, from the
  retained status the device's last will turns false);
- diagnostic sensors: Wi-Fi signal and the unsent backlog;
- a ``binary_sensor`` (problem) per alert of the analytics, on the retained
  ``{prefix}/{tank}/alert/{key}`` topic, its summary as an attribute;
- controls: ``button`` feed pause and clear lockout and a ``select`` pump mode
  per device, ``button`` acknowledge and water change per tank.  Home Assistant
  publishes a press on ``{discovery_prefix}/aquamon_command/{tank}/{device}/{action}``;
  this service signs it with the device's key (``[web] device_keys_dir``) or
  the analytics' (``[alerts] command_key``) and relays it.  Home Assistant never
  holds a key: an unsigned press on a device's ``cmd`` topic is refused there.

Entity ids: ``default_entity_id`` (``sensor.aquamon_tank1_esp1_temp_c``), which
Home Assistant reads since 2025.10 in place of the deprecated ``object_id``.

The configs are retained, so Home Assistant finds them after its own restart;
the service republishes them when Home Assistant announces itself on
``{discovery_prefix}/status`` (HA's birth message).
"""

from __future__ import annotations

import json
import logging
import re
import signal
import threading
from dataclasses import dataclass
from typing import Any

from aquamon.contract import shown_sensors

log = logging.getLogger("aquamon.homeassistant")

# Home Assistant's spelling of our units, and its device classes, as its sensor documentation
# pairs them (TDS and turbidity have none there); the sensors themselves are aquamon/contract.py's.
HA_UNITS = {"l/min": "L/min"}
DEVICE_CLASSES = {"temp_c": "temperature", "ph": "ph", "level_cm": "distance", "flow_lpm": "volume_flow_rate"}


def water_sensors() -> list[tuple[str, str, str | None, str | None]]:
    """(field, name, unit, device_class or None) of each sensor a keeper sees."""
    return [(s.key, s.title, HA_UNITS.get(s.unit, s.unit) or None, DEVICE_CLASSES.get(s.key))
            for s in shown_sensors()]


ICONS = {"tds_ppm": "mdi:water-opacity", "turb_ntu": "mdi:blur", "ph": "mdi:ph"}
_NODE_SAFE = re.compile(r"[^A-Za-z0-9_-]")


def alert_catalogue() -> dict[str, str]:
    """Alert key → what it means, from the analytics' catalogue."""
    from analytics.monitor import ALERTS

    return {key: spec.meaning for key, spec in ALERTS.items()}


def node_id(tank: str, device: str = "") -> str:
    """Discovery node id (HA allows letters, digits, '_' and '-').

    >>> node_id("tank.1", "esp-a")
    'aquamon_tank_1_esp-a'
    """
    return _NODE_SAFE.sub("_", f"aquamon_{tank}" + (f"_{device}" if device else ""))


@dataclass(frozen=True)
class Discovery:
    topic: str
    config: dict[str, Any]

    def payload(self) -> bytes:
        return json.dumps(self.config, ensure_ascii=False, separators=(",", ":")).encode()


def device_entities(discovery_prefix: str, topic_prefix: str, tank: str, device: str,
                    expire_after_s: int = 0, fw: str = "") -> list[Discovery]:
    """The discovery configs of one device (ESP32) of a tank: readings, pump, health.

    >>> d = device_entities("homeassistant", "aquamon", "tank1", "esp1")
    >>> d[0].topic
    'homeassistant/sensor/aquamon_tank1_esp1/temp_c/config'
    >>> d[0].config["unit_of_measurement"], d[0].config["device_class"], d[0].config["state_topic"]
    ('°C', 'temperature', 'aquamon/tank1/esp1/telemetry')
    """
    node = node_id(tank, device)
    base = f"{topic_prefix}/{tank}/{device}"
    dev: dict[str, Any] = {"identifiers": [node], "name": f"Aquarium {tank} ({device})", "manufacturer": "aquamon",
                           "model": "aquamon ESP32 monitor", "via_device": node_id(tank)}
    if fw:
        dev["sw_version"] = fw
    availability = {"availability_topic": f"{base}/status",
                    "availability_template": "{{ 'online' if value_json.online else 'offline' }}"}

    def entity(component: str, key: str, name: str, **cfg: Any) -> Discovery:
        conf = {"name": name, "unique_id": f"{node}_{key}", "default_entity_id": f"{component}.{node}_{key}",
                "device": dev, **cfg}
        return Discovery(f"{discovery_prefix}/{component}/{node}/{key}/config", conf)

    press = command_topic(discovery_prefix, tank, device)

    out = []
    for key, name, unit, dclass in water_sensors():
        cfg: dict[str, Any] = {
            "state_topic": f"{base}/telemetry", "state_class": "measurement",
            # A sensor the device marked bad is absent from "r": keep the last state.
            "value_template": f"{{{{ value_json.r.{key} if 'r' in value_json and '{key}' in value_json.r "
                              "else this.state }}",
            **availability}
        if unit:
            cfg["unit_of_measurement"] = unit
        if dclass:
            cfg["device_class"] = dclass
        if key in ICONS:
            cfg["icon"] = ICONS[key]
        if expire_after_s:
            cfg["expire_after"] = expire_after_s
        out.append(entity("sensor", key, name, **cfg))
    out.append(entity("binary_sensor", "pump", "Pump", state_topic=f"{base}/telemetry", device_class="running",
                      value_template="{{ 'ON' if value_json.pump else 'OFF' }}", **availability))
    # the outlets the firmware drives itself, present in the telemetry only on a device that has them
    for key, name, dclass in (("heater", "Heater", "heat"), ("topoff", "Top-off", "running")):
        out.append(entity("binary_sensor", key, name, state_topic=f"{base}/telemetry", device_class=dclass,
                          value_template=("{{ ('ON' if value_json.%s else 'OFF') if '%s' in value_json "
                                          "else this.state }}" % (key, key)), **availability))
    out.append(entity("binary_sensor", "online", "Online", state_topic=f"{base}/status",
                      device_class="connectivity", entity_category="diagnostic",
                      value_template="{{ 'ON' if value_json.online else 'OFF' }}"))
    out.append(entity("sensor", "rssi", "Wi-Fi signal", state_topic=f"{base}/status", device_class="signal_strength",
                      unit_of_measurement="dBm", state_class="measurement", entity_category="diagnostic",
                      value_template="{{ value_json.rssi if 'rssi' in value_json else this.state }}"))
    out.append(entity("sensor", "backlog", "Unsent readings", state_topic=f"{base}/status",
                      state_class="measurement", entity_category="diagnostic", icon="mdi:tray-full",
                      value_template="{{ value_json.backlog if 'backlog' in value_json else this.state }}"))
    out.append(entity("button", "feed", f"Feed pause {FEED_MINUTES} min", command_topic=press("feed"),
                      icon="mdi:fish", **availability))
    out.append(entity("button", "clear_lockout", "Clear pump lockout", command_topic=press("clear_lockout"),
                      icon="mdi:lock-reset", **availability))
    out.append(entity("select", "pump_mode", "Pump mode", command_topic=press("pump_mode"), options=list(PUMP_MODES),
                      state_topic=f"{base}/status",
                      value_template="{{ value_json.mode if 'mode' in value_json else this.state }}",
                      icon="mdi:pump", **availability))
    return out


FEED_MINUTES = 10
MAINTENANCE_MINUTES = 60
PUMP_MODES = ("auto", "feed", "maintenance", "off")
COMMAND_LEVEL = "aquamon_command"


def command_topic(discovery_prefix: str, tank: str, device: str) -> Any:
    """``press(action)`` → the topic Home Assistant publishes a press of ``action`` on.

    >>> command_topic("homeassistant", "tank1", "esp1")("feed")
    'homeassistant/aquamon_command/tank1/esp1/feed'
    """
    return lambda action: f"{discovery_prefix}/{COMMAND_LEVEL}/{tank}/{device}/{action}"


def relay_plan(action: str, payload: bytes) -> tuple[str, dict[str, Any]] | None:
    """What a press from Home Assistant asks of the device or the analytics: (action, args), or None.

    >>> relay_plan("feed", b"PRESS"), relay_plan("pump_mode", b"off"), relay_plan("pump_mode", b"feed")
    (('feed', {'minutes': 10}), ('pump', {'mode': 'off'}), ('feed', {'minutes': 10}))
    >>> relay_plan("ack", b"PRESS"), relay_plan("pump_mode", b"turbo")
    (('ack', {'for_s': 0}), None)
    """
    text = payload.decode(errors="replace").strip()
    if action == "feed":
        return "feed", {"minutes": FEED_MINUTES}
    if action == "clear_lockout":
        return "clear_lockout", {}
    if action == "pump_mode" and text in PUMP_MODES:
        return ("feed", {"minutes": FEED_MINUTES}) if text == "feed" else ("pump", {"mode": text})
    if action == "ack":
        return "ack", {"for_s": 0}
    if action == "maintenance":
        return "maintenance", {"for_s": MAINTENANCE_MINUTES * 60}
    return None


def tank_entities(discovery_prefix: str, topic_prefix: str, tank: str,
                  alerts: dict[str, str] | None = None) -> list[Discovery]:
    """The discovery configs of a tank's alerts: one problem ``binary_sensor`` per alert key, and the
    buttons acknowledge and water change (maintenance), relayed to the analytics.

    >>> d, ack, water_change = tank_entities("homeassistant", "aquamon", "tank1", {"drift": "water left its pattern"})
    >>> d.topic, d.config["device_class"], d.config["state_topic"]
    ('homeassistant/binary_sensor/aquamon_tank1/alert_drift/config', 'problem', 'aquamon/tank1/alert/drift')
    """
    node = node_id(tank)
    dev = {"identifiers": [node], "name": f"Aquarium {tank}", "manufacturer": "aquamon",
           "model": "aquamon tank (analytics)"}
    out = []
    from analytics.notify_text import TITLES

    for key, meaning in (alerts if alerts is not None else alert_catalogue()).items():
        topic = f"{topic_prefix}/{tank}/alert/{key}"
        out.append(Discovery(f"{discovery_prefix}/binary_sensor/{node}/alert_{key}/config", {
            "name": "Alert: " + TITLES.get(key, key.replace("_", " ")), "unique_id": f"{node}_alert_{key}",
            "default_entity_id": f"binary_sensor.{node}_alert_{key}", "device": dev, "device_class": "problem",
            "state_topic": topic, "value_template": "{{ 'ON' if value_json.state == 'firing' else 'OFF' }}",
            "json_attributes_topic": topic,
            "json_attributes_template": "{{ {'summary': value_json.summary, 'severity': value_json.severity, "
                                        "'meaning': " + json.dumps(meaning) + "} | tojson }}",
        }))
    press = command_topic(discovery_prefix, tank, "analytics")
    for key, name, icon in (("ack", "Acknowledge alerts", "mdi:check-all"),
                            ("maintenance", f"Water change ({MAINTENANCE_MINUTES} min maintenance)", "mdi:wrench")):
        out.append(Discovery(f"{discovery_prefix}/button/{node}/{key}/config", {
            "name": name, "unique_id": f"{node}_{key}", "default_entity_id": f"button.{node}_{key}", "device": dev,
            "command_topic": press(key), "icon": icon}))
    return out


def parse_topic(topic: str, topic_prefix: str) -> tuple[str, str] | None:
    """(tank, device) of a device topic ``{prefix}/{tank}/{device}/telemetry|status``, else None.

    >>> parse_topic("aquamon/tank1/esp1/telemetry", "aquamon")
    ('tank1', 'esp1')
    >>> parse_topic("aquamon/tank1/alert/drift", "aquamon") is None
    True
    """
    if not topic.startswith(topic_prefix + "/"):
        return None
    parts = topic[len(topic_prefix) + 1:].split("/")
    if len(parts) != 3 or parts[2] not in ("telemetry", "status") or parts[1] == "alert" or parts[0].startswith("_"):
        return None
    return parts[0], parts[1]


class DiscoveryPublisher:
    """Publishes discovery for every (tank, device) seen on the broker; thin loop around the pure parts."""

    def __init__(self, cfg: Any) -> None:
        import paho.mqtt.client as mqtt
        from paho.mqtt.enums import CallbackAPIVersion

        self.cfg = cfg
        self.ha = cfg.homeassistant
        self.prefix = cfg.mqtt.topic_prefix
        self.seen: dict[tuple[str, str], str] = {}  # (tank, device) -> firmware version
        self.tanks: set[str] = set()
        self.published = 0
        self.refused = 0  # presses that could not be relayed (unknown action, no key)
        self.relayed: dict[str, str] = {}  # command id -> what, until the device answers
        self.lock = threading.Lock()
        self.connected = threading.Event()
        self.client = mqtt.Client(CallbackAPIVersion.VERSION2,
                                  client_id=cfg.mqtt.client_id or "aquamon-homeassistant")
        from aquamon.auth import configure_client

        configure_client(self.client, cfg.mqtt)  # credentials and TLS as every other part
        self.client.on_connect = self._on_connect
        self.client.on_message = self._on_message
        self.client.on_connect_fail = lambda client, userdata: log.warning(
            "cannot reach the broker at %s:%d; retrying (check [mqtt] host and port)", cfg.mqtt.host, cfg.mqtt.port)

    def _on_connect(self, client: Any, userdata: Any, flags: Any, rc: Any, props: Any = None) -> None:
        if rc.is_failure:
            log.error("the broker refused the connection: %s (check [mqtt] username/password)", rc)
            return
        client.subscribe([(f"{self.prefix}/+/+/telemetry", 0), (f"{self.prefix}/+/+/status", 0),
                          (f"{self.ha.discovery_prefix}/status", 0),
                          (f"{self.ha.discovery_prefix}/{COMMAND_LEVEL}/+/+/+", 1), (f"{self.prefix}/+/+/cmd/ack", 1)])
        self.connected.set()
        log.info("watching %s/+/+/telemetry|status for new devices", self.prefix)

    def _on_message(self, client: Any, userdata: Any, msg: Any) -> None:
        if msg.topic.startswith(f"{self.ha.discovery_prefix}/{COMMAND_LEVEL}/"):
            self.relay(msg.topic, msg.payload)
            return
        if msg.topic.endswith("/cmd/ack"):
            self._log_answer(msg.topic, msg.payload)
            return
        if msg.topic == f"{self.ha.discovery_prefix}/status":
            if msg.payload == b"online":  # Home Assistant restarted: announce everything again
                log.info("Home Assistant is online: republishing discovery for %d devices", len(self.seen))
                with self.lock:
                    devices = dict(self.seen)
                    self.tanks.clear()
                for (tank, device), fw in devices.items():
                    self.announce(tank, device, fw)
            return
        where = parse_topic(msg.topic, self.prefix)
        if where is None:
            return
        fw = ""
        if msg.topic.endswith("/status"):
            try:
                fw = str(json.loads(msg.payload).get("fw", ""))
            except (ValueError, AttributeError):
                fw = ""
        with self.lock:
            known = where in self.seen and (not fw or self.seen[where] == fw)
        if not known:
            self.announce(*where, fw)

    def relay(self, topic: str, payload: bytes) -> str | None:
        """Sign a press from Home Assistant and publish it to the device (or the analytics); its cmd id."""
        from aquamon import commands
        from aquamon.web.controls import ControlError, Keys, check_id

        parts = topic.split("/")[-3:]
        plan = relay_plan(parts[2], payload)
        if plan is None:
            self.refused += 1
            log.warning("ignored a Home Assistant press on %s: unknown action or option %r", topic, payload[:40])
            return None
        keys = Keys(self.cfg.web.device_keys_dir, self.cfg.alerts.command_key)
        try:
            tank, device = check_id(parts[0], "tank"), check_id(parts[1], "device")
            key = keys.analytics() if device == "analytics" else keys.device(tank, device)
            doc = commands.sign_command(key, tank, device, *plan)
        except (ControlError, commands.CommandFormatError) as e:
            self.refused += 1
            log.warning("cannot relay Home Assistant's %s for %s: %s", parts[2], "/".join(parts[:2]), e)
            return None
        self.client.publish(commands.command_topic(self.prefix, tank, device), commands.encode(doc), qos=1)
        with self.lock:
            self.relayed[doc["id"]] = f"{tank}/{device} {plan[0]}"
        log.info("relayed Home Assistant's %s to %s/%s (command %s)", parts[2], tank, device, doc["id"])
        return str(doc["id"])

    def _log_answer(self, topic: str, payload: bytes) -> None:
        try:
            ack = json.loads(payload)
        except ValueError:
            return
        with self.lock:
            what = self.relayed.pop(str(ack.get("id")), None) if isinstance(ack, dict) else None
        if what is not None:
            log.info("%s: %s %s", what, "done" if ack.get("ok") else "refused", ack.get("reason", ""))

    def messages(self, tank: str, device: str, fw: str = "") -> list[Discovery]:
        out = device_entities(self.ha.discovery_prefix, self.prefix, tank, device, self.ha.expire_after_s, fw)
        with self.lock:
            if tank not in self.tanks:
                out += tank_entities(self.ha.discovery_prefix, self.prefix, tank)
        return out

    def announce(self, tank: str, device: str, fw: str = "") -> int:
        msgs = self.messages(tank, device, fw)
        for d in msgs:
            self.client.publish(d.topic, d.payload(), qos=1, retain=True)
        with self.lock:
            self.seen[(tank, device)] = fw or self.seen.get((tank, device), "")
            self.tanks.add(tank)
            self.published += len(msgs)
        log.info("announced %s/%s to Home Assistant: %d entities", tank, device, len(msgs))
        return len(msgs)

    def run(self, stop: threading.Event) -> None:
        self.client.connect_async(self.cfg.mqtt.host, self.cfg.mqtt.port, self.cfg.mqtt.keepalive_s)
        self.client.loop_start()
        try:
            stop.wait()
        finally:
            self.client.loop_stop()
            self.client.disconnect()


def main(cfg: Any) -> None:
    """``aquamon homeassistant``: run until SIGTERM/SIGINT."""
    stop = threading.Event()
    signal.signal(signal.SIGTERM, lambda *a: stop.set())
    signal.signal(signal.SIGINT, lambda *a: stop.set())
    log.info("Home Assistant discovery under %s/ for devices on %s:%d", cfg.homeassistant.discovery_prefix,
             cfg.mqtt.host, cfg.mqtt.port)
    DiscoveryPublisher(cfg).run(stop)
