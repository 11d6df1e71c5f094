"""Client ids are bound to accounts: a stolen device account cannot pose as another client.

Before the binding, the broker let any account connect with any client id, and
the ids are predictable (``aquamon-gateway-{instance}`` in gateway/service.py,
``aq-{tank}-{device}`` in firmware/app.py).  With one device's credentials an
attacker took over the gateway's persistent session (and the readings queued in
it), and kicked another device off, which published that device's last will: a
false ``device_offline``.  Every broker we launch or ship now sets
``use_username_as_clientid true`` (docs/security.md, docs/decisions.md), so the
client id a connection gets is its username, whatever it asked for.

Real Mosquitto 2.0.11, the real gateway and InfluxDB 1.6.
"""

from __future__ import annotations

import json
import os
import pwd
import threading
import time
from pathlib import Path
from typing import Any

import paho.mqtt.client as mqtt
import pytest
from paho.mqtt.enums import CallbackAPIVersion

from aquamon.auth import Account, AccountStore
from aquamon.influx import InfluxV1
from aquamon.init import Site, mosquitto_conf
from harness.loadgen import publish_readings
from harness.services import Mosquitto, find_binary, free_port, port_open, spawn, wait_until
from harness.stack import Stack, wait_for

pytestmark = pytest.mark.services
ROOT = Path(__file__).resolve().parents[1]


class Session:
    """A paho client (MQTT 3.1.1) that records its CONNACK, what it receives and whether it was kicked off."""

    def __init__(self, port: int, username: str, password: str, client_id: str, clean: bool = False,
                 subscribe: str = "", will_topic: str = "") -> None:
        self.c = mqtt.Client(CallbackAPIVersion.VERSION2, client_id=client_id, clean_session=clean)
        self.c.username_pw_set(username, password)
        if will_topic:
            self.c.will_set(will_topic, b'{"online":false}', qos=1, retain=True)
        self.session_present: bool | None = None
        self.received: list[tuple[str, bytes]] = []
        self.disconnects = 0
        self.ready = threading.Event()
        self.lock = threading.Lock()

        def on_connect(c: mqtt.Client, u: Any, flags: Any, reason: Any, props: Any) -> None:
            if self.session_present is None:
                self.session_present = bool(flags.session_present)
            if subscribe:
                c.subscribe(subscribe, 1)
            else:
                self.ready.set()

        def on_message(c: mqtt.Client, u: Any, m: mqtt.MQTTMessage) -> None:
            with self.lock:
                self.received.append((m.topic, m.payload))

        def on_disconnect(*a: Any) -> None:
            self.disconnects += 1

        self.c.on_connect = on_connect
        self.c.on_subscribe = lambda *a: self.ready.set()
        self.c.on_message = on_message
        self.c.on_disconnect = on_disconnect
        self.c.reconnect_delay_set(0.2, 1)
        self.c.connect("127.0.0.1", port, keepalive=30)
        self.c.loop_start()
        if not self.ready.wait(10):
            raise AssertionError(f"client {client_id!r} was not connected and subscribed within 10 s")

    def close(self) -> None:
        self.c.disconnect()
        self.c.loop_stop()


def water_rows(db: InfluxV1) -> int:
    try:
        rows = db.query("SELECT count(seq) FROM water")
    except Exception:  # noqa: BLE001 -- the database may not exist yet
        return 0
    return int(rows[0]["values"][0][1]) if rows else 0


def test_a_device_account_cannot_take_over_the_gateways_session(stack: Stack, unique: str) -> None:
    m = stack.mosquitto
    assert m is not None
    cfg = stack.config(topic_prefix=unique)
    cfg.gateway.instance = "gw"
    gw = stack.start_gateway(cfg, "gw")
    gateway_user = stack.part_credentials(cfg, "gateway")[0]
    gw.stop()  # its persistent session stays at the broker and queues what arrives
    n = 500
    assert publish_readings(m.port, unique, n, tanks=2, **m.client_kwargs()) == n
    thief_user, thief_password = m.ensure_account(Account.for_device("tank1", "esp1", unique))
    for client_id in ("aquamon-gateway-gw", gateway_user):
        Session(m.port, thief_user, thief_password, client_id, clean=True).close()  # no session of its own
        thief = Session(m.port, thief_user, thief_password, client_id)
        time.sleep(2)  # time for the broker to deliver a queue, had the thief got one
        thief.close()
        assert thief.session_present is False, f"{client_id}: the device account got the gateway's session"
        assert thief.received == [], f"{client_id}: the device account received {len(thief.received)} readings"
    stack.start_gateway(cfg, "gw")
    db = stack.db(cfg)
    assert wait_for(lambda: water_rows(db) == n, 60), f"{water_rows(db)} of {n} readings reached InfluxDB"


def test_a_device_account_cannot_kick_another_device_off(mosquitto: Mosquitto, unique: str) -> None:
    victim_user, victim_password = mosquitto.ensure_account(Account.for_device("tank1", "esp1", unique))
    thief_user, thief_password = mosquitto.ensure_account(Account.for_device("tank1", "esp2", unique))
    status = f"{unique}/tank1/esp1/status"
    watch = Session(mosquitto.port, **_kw(mosquitto.client_kwargs()), client_id=f"watch-{unique}", clean=True,
                    subscribe=f"{unique}/+/+/status")
    victim = Session(mosquitto.port, victim_user, victim_password, "aq-tank1-esp1", clean=True, will_topic=status)
    try:
        victim.c.publish(status, b'{"online":true}', qos=1, retain=True).wait_for_publish(5)
        thief = Session(mosquitto.port, thief_user, thief_password, "aq-tank1-esp1", clean=True)
        time.sleep(2)
        thief.close()
        time.sleep(0.5)
        offline = [p for t, p in watch.received if t == status and json.loads(p) == {"online": False}]
        assert victim.disconnects == 0, "the device was kicked off by another device's account"
        assert offline == [], "another device's account made the broker publish this device's last will"
        assert victim.c.is_connected()
    finally:
        victim.close()
        watch.close()


def broker_configs(workdir: Path) -> dict[str, str]:
    """Every broker config we ship or launch: the demo launcher's, docker-compose's and `aquamon init`'s."""
    launched = Mosquitto(workdir / "launched")  # as `aquamon demo` (Stack.start_services) makes it
    launched.write_config()
    site = Site(tanks=["tank1"], notify_url="", mqtt_port=free_port(), mqtt_listen="127.0.0.1")
    return {"launched": launched.conf_path.read_text(),
            "deploy/mosquitto": (ROOT / "deploy" / "mosquitto" / "mosquitto.conf").read_text(),
            "aquamon init": mosquitto_conf(site, AccountStore(workdir / "init"))}


def test_every_broker_config_we_ship_or_launch_binds_client_ids_and_saves_every_change(tmp_path: Path) -> None:
    for name, text in broker_configs(tmp_path).items():
        lines = [ln.split("#")[0].strip() for ln in text.splitlines()]
        listeners = [i for i, ln in enumerate(lines) if ln.startswith("listener ")]
        binds = [i for i, ln in enumerate(lines) if ln == "use_username_as_clientid true"]
        # a listener option: it must follow its listener line, for every listener
        assert listeners and len(binds) == len(listeners), f"{name}: client ids not bound\n{text}"
        assert all(b > li for li, b in zip(listeners, binds)), f"{name}: binding before its listener\n{text}"
        # a crash must not lose what was PUBACKed (Debian's own default is a save every 30 min)
        assert "autosave_on_changes true" in lines and "autosave_interval 1" in lines, f"{name}: \n{text}"


def test_the_aquamon_init_broker_stops_a_device_kicking_another_off(tmp_path: Path) -> None:
    """The attack on a broker configured as `aquamon init` configures Debian's (its conf.d file)."""
    store = AccountStore(tmp_path / "auth")
    victim_password = store.add(Account.for_device("tank1", "esp1"))
    thief_password = store.add(Account.for_device("tank1", "esp2"))
    port = free_port()
    site = Site(tanks=["tank1"], notify_url="", mqtt_port=port, mqtt_listen="127.0.0.1")
    conf = tmp_path / "mosquitto.conf"  # what Debian's /etc/mosquitto/mosquitto.conf adds, then ours
    conf.write_text(f"persistence true\npersistence_location {tmp_path}/\n"
                    f"user {pwd.getpwuid(os.getuid()).pw_name}\n" + mosquitto_conf(site, store))
    proc = spawn("mosquitto", [find_binary("mosquitto"), "-c", str(conf)], tmp_path / "mosquitto.log")
    try:
        wait_until(lambda: port_open(port), 15, "the broker of aquamon init", proc)
        victim = Session(port, "aquamon/tank1/esp1", victim_password, "aq-tank1-esp1", clean=True)
        thief = Session(port, "aquamon/tank1/esp2", thief_password, "aq-tank1-esp1", clean=True)
        time.sleep(1)  # a kick-off is immediate at the thief's CONNECT; leave time to see it
        thief.close()
        assert victim.disconnects == 0, "aquamon init's broker let a device's account kick another off"
        victim.close()
    finally:
        proc.stop()


def _kw(creds: dict[str, str]) -> dict[str, str]:
    return {"username": creds["username"], "password": creds["password"]}
