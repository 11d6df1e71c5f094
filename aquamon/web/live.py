"""The web app's one MQTT subscription: the latest state of every tank, fanned out to the open pages.

Every open page is fed from here (server-sent events), never by its own
query: one broker connection per server, whatever the number of pages.

:class:`FleetState` is pure (no I/O): ``apply(topic, payload)`` updates the
tanks and returns the event a page of that tank should get.  :class:`LiveHub`
owns the paho client, hands events to the asyncio side and waits for command
answers (``…/cmd/ack``).

>>> s = FleetState("aquamon")
>>> s.apply("aquamon/t1/esp1/telemetry", b'{"ts": 60000, "r": {"temp_c": 25.1}, "pump": 1}')
('reading', {'device': 'esp1', 'ts': 60000, 'r': {'temp_c': 25.1}, 'pump': 1, 'status': 'ok'})
>>> s.apply("aquamon/t1/alert/sump_low", b'{"key": "sump_low", "severity": "critical", "state": "firing", '
...         b'"summary": "Sump level low.", "ts": 1}')[1]["title"]
'sump level low'
>>> s.tanks["t1"].open_alerts()[0]["key"], s.tanks["t1"].status()
('sump_low', 'critical')
"""

from __future__ import annotations

import asyncio
import json
import logging
import threading
import time
from dataclasses import dataclass, field
from typing import Any

from analytics.notify_text import TITLES

log = logging.getLogger("aquamon.web.live")
SEVERITY_RANK = {"critical": 3, "warning": 2, "info": 1}


def alert_title(key: str) -> str:
    """The keeper's name of an alert key.

    >>> alert_title("pump_lockout"), alert_title("new_thing")
    ('pump locked out', 'new thing')
    """
    return TITLES.get(key, key.replace("_", " "))


def alert_heading(key: str) -> str:
    """The alert's name as a heading: a capital first letter, but "pH" stays "pH".

    >>> alert_heading("pump_lockout"), alert_heading("ph_crash")
    ('Pump locked out', 'pH crashing')
    """
    title = alert_title(key)
    return title if title.startswith("pH") else title[:1].upper() + title[1:]


@dataclass
class TankState:
    """What the server knows now about one tank."""

    tank: str
    readings: dict[str, dict[str, Any]] = field(default_factory=dict)  # device -> last telemetry
    devices: dict[str, dict[str, Any]] = field(default_factory=dict)  # device -> last status
    alerts: dict[str, dict[str, Any]] = field(default_factory=dict)  # key -> retained alert state
    acked: dict[str, dict[str, Any]] = field(default_factory=dict)  # key -> who acknowledged which episode
    summary: str = ""
    version: int = 0  # FleetState.version when this tank last changed

    def open_alerts(self) -> list[dict[str, Any]]:
        """Firing alerts, most severe first, each with its keeper's title and who acknowledged it."""
        out = []
        for key, a in self.alerts.items():
            if a.get("state") != "firing":
                continue
            ack = self.acked.get(key)
            out.append(dict(a, key=key, title=alert_title(key), heading=alert_heading(key),
                            acked_by=ack["by"] if ack and ack["ts"] == a.get("ts") else ""))
        return sorted(out, key=lambda a: (-SEVERITY_RANK.get(a.get("severity", ""), 0), a.get("ts", 0)))

    def status(self) -> str:
        """``critical``, ``warning``, ``info``, ``offline`` or ``ok``: the worst thing about the tank."""
        worst = max((SEVERITY_RANK.get(a.get("severity", ""), 0) for a in self.open_alerts()), default=0)
        if worst:
            return {3: "critical", 2: "warning", 1: "info"}[worst]
        if self.devices and not any(d.get("online") for d in self.devices.values()):
            return "offline"
        return "ok"

    def last_reading(self) -> dict[str, Any]:
        """The newest telemetry of any device of the tank (empty when none seen yet)."""
        return max(self.readings.values(), key=lambda r: r.get("ts", 0), default={})

    def row(self) -> dict[str, Any]:
        """The tank's line of the fleet table."""
        last = self.last_reading()
        return {"tank": self.tank, "status": self.status(), "alerts": [a["title"] for a in self.open_alerts()],
                "ts": last.get("ts"), "r": last.get("r", {}), "pump": last.get("pump")}


class FleetState:
    """Every tank seen under ``prefix``; pure (see the module docstring)."""

    def __init__(self, prefix: str) -> None:
        self.prefix = prefix
        self.tanks: dict[str, TankState] = {}
        self.version = 0
        self.ignored = 0  # messages that were not JSON objects: counted, logged once

    def peek(self, name: str) -> TankState:
        """The tank's state, or an empty one not added to the fleet (a page may name any tank)."""
        return self.tanks.get(name) or TankState(name)

    def tank(self, name: str) -> TankState:
        if name not in self.tanks:
            self.tanks[name] = TankState(name)
        return self.tanks[name]

    def apply(self, topic: str, payload: bytes) -> tuple[str, dict[str, Any]] | None:
        """Update from one MQTT message; return ``(event, data)`` for that tank's pages, or None."""
        parts = topic[len(self.prefix) + 1:].split("/") if topic.startswith(self.prefix + "/") else []
        if len(parts) < 2 or parts[0].startswith("_"):
            return None
        try:
            doc = json.loads(payload) if payload else {}
        except ValueError:
            doc = None
        if not isinstance(doc, dict):
            self.ignored += 1
            if self.ignored == 1:
                log.warning("ignored a message on %s that is not a JSON object (counted from now on)", topic)
            return None
        name = parts[0]
        if len(parts) == 2 and parts[1] == "summary":
            event: tuple[str, dict[str, Any]] = ("summary", {"text": str(doc.get("text", ""))})
            self.tank(name).summary = event[1]["text"]
        elif len(parts) == 3 and parts[1] == "alert":
            if not doc:  # a cleared retained alert
                self.tank(name).alerts.pop(parts[2], None)
                event = ("alert", {"key": parts[2], "state": "cleared", "title": alert_title(parts[2])})
            else:
                self.tank(name).alerts[parts[2]] = doc
                event = ("alert", dict(doc, key=parts[2], title=alert_title(parts[2])))
        elif len(parts) == 3 and parts[2] == "telemetry":
            data = {"device": parts[1], "ts": doc.get("ts"), "r": doc.get("r", {}), "pump": doc.get("pump")}
            self.tank(name).readings[parts[1]] = data
            event = ("reading", data)
        elif len(parts) == 3 and parts[2] == "status":
            # a last will or a clean close says only "offline": the pump's last known state stays
            before = self.tank(name).devices.get(parts[1], {})
            data = {"device": parts[1], "online": bool(doc.get("online")), "mode": doc.get("mode", before.get("mode")),
                    "lockout": doc.get("lockout", before.get("lockout"))}
            self.tank(name).devices[parts[1]] = data
            event = ("status", data)
        elif len(parts) == 4 and parts[2:] == ["cmd", "ack"]:
            event = ("ack", {"device": parts[1], "id": doc.get("id"), "ok": bool(doc.get("ok")),
                             "reason": str(doc.get("reason", "")), "done": str(doc.get("done", ""))})
        else:
            return None
        self.version += 1
        self.tank(name).version = self.version
        if event[0] != "ack":  # a copy: the stored reading stays as the device sent it
            event = (event[0], dict(event[1], status=self.tank(name).status()))
        return event

    def offline(self, tank: str, device: str) -> bool:
        """True when the device's last status (its last will included) says it is offline; False when
        online or never heard of (a command may still reach a device this server has not seen yet)."""
        status = self.peek(tank).devices.get(device)
        return status is not None and not status.get("online")

    def seed_reading(self, tank: str, device: str, reading: dict[str, Any]) -> bool:
        """Take a device's last stored reading (from InfluxDB, at start) unless a newer one came live.

        A server started while a device is offline then still shows that device's last reading.
        """
        t = self.tank(tank)
        have = t.readings.get(device)
        if have is not None and (have.get("ts") or 0) >= (reading.get("ts") or 0):
            return False
        t.readings[device] = dict(reading, device=device)
        self.version += 1
        t.version = self.version
        return True

    def note_ack(self, tank: str, key: str | None, by: str) -> list[str]:
        """Record that ``by`` acknowledged ``key`` (every firing alert when None) of ``tank``; their keys."""
        t = self.peek(tank)
        keys = [a["key"] for a in t.open_alerts() if key is None or a["key"] == key]
        for k in keys:
            t.acked[k] = {"by": by, "ts": t.alerts[k].get("ts")}
        self.version += 1
        t.version = self.version
        return keys

    def changed_since(self, version: int) -> list[TankState]:
        return [t for t in self.tanks.values() if t.version > version]


class LiveHub:
    """One MQTT connection for the whole server: state in, events out, commands and their answers.

    ``subscribe(tank)`` gives an :class:`asyncio.Queue` of ``(event, data)`` for one
    tank's page; the fleet page reads :meth:`FleetState.changed_since` instead (it
    coalesces 500 tanks' changes into one update every few seconds).
    """

    def __init__(self, mqtt_cfg: Any) -> None:
        import paho.mqtt.client as mqtt
        from paho.mqtt.enums import CallbackAPIVersion

        from aquamon.auth import configure_client

        self.cfg = mqtt_cfg
        self.prefix = mqtt_cfg.topic_prefix
        self.state = FleetState(self.prefix)
        self.lock = threading.Lock()
        self.connected = threading.Event()
        self.loop: asyncio.AbstractEventLoop | None = None
        self._pages: dict[str, set[asyncio.Queue[tuple[str, dict[str, Any]]]]] = {}
        self._answers: dict[str, asyncio.Future[dict[str, Any]]] = {}
        self.client = mqtt.Client(CallbackAPIVersion.VERSION2,
                                  client_id=mqtt_cfg.client_id or f"aquamon-web-{int(time.time() * 1000) % 10**9}")
        configure_client(self.client, mqtt_cfg)
        self.client.on_connect = self._on_connect
        self.client.on_message = self._on_message
        self.client.on_disconnect = lambda *a: self.connected.clear()

    def start(self, loop: asyncio.AbstractEventLoop) -> None:
        self.loop = loop
        self.client.connect_async(self.cfg.host, self.cfg.port, self.cfg.keepalive_s)
        self.client.loop_start()

    def stop(self) -> None:
        self.client.disconnect()
        self.client.loop_stop()

    def _on_connect(self, client: Any, userdata: Any, flags: Any, reason: Any, props: Any = None) -> None:
        if reason.is_failure:
            log.error("the broker refused the web app's login: %s (check [mqtt] username/password; the account "
                      "needs the web role: aquamon user add --role web)", reason)
            return
        p = self.prefix
        client.subscribe([(f"{p}/+/+/telemetry", 0), (f"{p}/+/+/status", 1), (f"{p}/+/alert/+", 1),
                          (f"{p}/+/summary", 1), (f"{p}/+/+/cmd/ack", 1)])
        self.connected.set()
        log.info("web: watching every tank under %s/ on %s:%d", p, self.cfg.host, self.cfg.port)

    def _on_message(self, client: Any, userdata: Any, msg: Any) -> None:
        with self.lock:
            event = self.state.apply(msg.topic, msg.payload)
        if event is None or self.loop is None:
            return
        tank = msg.topic[len(self.prefix) + 1:].split("/", 1)[0]
        self.loop.call_soon_threadsafe(self._deliver, tank, event)

    def _deliver(self, tank: str, event: tuple[str, dict[str, Any]]) -> None:
        # on the event loop: queues and futures are not thread-safe
        if event[0] == "ack":
            fut = self._answers.pop(str(event[1].get("id")), None)
            if fut is not None and not fut.done():
                fut.set_result(event[1])
        for q in self._pages.get(tank, ()):
            if q.qsize() < 1000:  # a page that stopped reading loses events, not the server's memory
                q.put_nowait(event)

    def subscribe(self, tank: str) -> asyncio.Queue[tuple[str, dict[str, Any]]]:
        q: asyncio.Queue[tuple[str, dict[str, Any]]] = asyncio.Queue()
        self._pages.setdefault(tank, set()).add(q)
        return q

    def unsubscribe(self, tank: str, q: asyncio.Queue[tuple[str, dict[str, Any]]]) -> None:
        pages = self._pages.get(tank, set())
        pages.discard(q)
        if not pages:
            self._pages.pop(tank, None)

    def pages_open(self) -> int:
        return sum(len(s) for s in self._pages.values())

    def publish(self, topic: str, payload: bytes) -> bool:
        """Publish at QoS 1; True once the broker has it (within 5 s)."""
        info = self.client.publish(topic, payload, qos=1)
        try:
            info.wait_for_publish(5.0)
        except RuntimeError:  # not connected: paho refuses at once
            return False
        return info.is_published()

    async def command(self, topic: str, doc: dict[str, Any], timeout_s: float) -> dict[str, Any] | None:
        """Publish a signed device command and wait for its ack; None when nobody answered in time."""
        if self.loop is None:
            raise RuntimeError("LiveHub.start() must run before a command is sent")
        fut: asyncio.Future[dict[str, Any]] = self.loop.create_future()
        self._answers[doc["id"]] = fut
        from aquamon.commands import encode

        try:
            if not await asyncio.to_thread(self.publish, topic, encode(doc)):
                return {"ok": False, "reason": "the broker did not take the command: is it reachable?"}
            return await asyncio.wait_for(fut, timeout_s)
        except asyncio.TimeoutError:
            return None
        finally:
            self._answers.pop(doc["id"], None)
