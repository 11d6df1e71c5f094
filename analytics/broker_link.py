"""The analytics' MQTT link: device status and alert commands in, retained alerts and summaries out.

Messages arrive on paho's network thread; they are parsed there and queued,
and the analytics loop takes them once per cycle (:meth:`BrokerLink.take`),
so nothing of the engine is touched from another thread; a command wakes the
loop at once (``on_command``), and its answer goes back on
``{prefix}/{tank}/analytics/cmd/ack`` as a device answers (:mod:`aquamon.commands`),
so the web page and ``aquamon silence`` say what the analytics did.  What goes out is
retained: ``{prefix}/{tank}/alert/{key}`` holds each alert's current state and
``{prefix}/{tank}/summary`` the latest daily summary (the web page and the
Home Assistant bridge read them).

Examples
--------
>>> from aquamon.config import MqttConfig
>>> link = BrokerLink(MqttConfig(topic_prefix="aq"))
>>> link.heard("aq/t1/esp/status", b'{"online": false}')
>>> link.heard("aq/t1/esp/telemetry", b'{"v": 1}')  # not for the analytics
>>> link.take()
([StatusHeard(tank='t1', device='esp', online=False)], [])
>>> command_answer("id1", "refused: bad signature (a different command_key, or the command was altered)")
{'id': 'id1', 'ok': False, 'reason': 'bad signature (a different command_key, or the command was altered)'}
>>> command_answer("id2", "silenced t1 drift for 120 min")
{'id': 'id2', 'ok': True, 'done': 'silenced t1 drift for 120 min'}
"""

from __future__ import annotations

import json
import logging
import threading
import time
from typing import Any, Callable

import paho.mqtt.client as mqtt
from paho.mqtt.enums import CallbackAPIVersion

from analytics.catalogue import Transition
from analytics.command_link import COMMAND_DEVICE
from analytics.device_status import StatusHeard
from aquamon import commands
from aquamon.auth import configure_client
from aquamon.config import MqttConfig

log = logging.getLogger("aquamon.analytics")


def command_answer(command_id: object, outcome: str) -> dict[str, Any]:
    """The answer to one alert command, in the devices' ack format, from what :class:`AlertCommands` said."""
    if outcome.startswith("refused: "):
        return {"id": command_id, "ok": False, "reason": outcome.removeprefix("refused: ")}
    return {"id": command_id, "ok": True, "done": outcome}


class BrokerLink:
    """One MQTT client: subscribed to every device's status and to the analytics' commands; publishes retained."""

    def __init__(self, cfg: MqttConfig, on_command: Callable[[], None] = lambda: None) -> None:
        self.cfg = cfg
        self.on_command = on_command  # paho's thread: wakes the loop so a command is answered at once
        self.prefix = cfg.topic_prefix
        self.client = mqtt.Client(CallbackAPIVersion.VERSION2,
                                  client_id=f"aquamon-analytics-{int(time.time() * 1000) % 10**9}")
        configure_client(self.client, cfg)  # credentials, and TLS with [mqtt] tls
        self.client.on_connect = self._on_connect
        self.client.on_subscribe = lambda c, u, mid, codes, props: log.info(
            "listening for device status and alert commands under %s/", self.prefix)
        self.client.on_message = lambda c, u, msg: self.heard(msg.topic, msg.payload)
        self._status: list[StatusHeard] = []
        self._commands: list[tuple[str, dict[str, Any]]] = []  # (tank, signed command)
        self._lock = threading.Lock()

    def _on_connect(self, client: Any, userdata: Any, flags: Any, reason: Any, props: Any) -> None:
        client.subscribe([(f"{self.prefix}/+/+/status", 1), (f"{self.prefix}/+/{COMMAND_DEVICE}/cmd", 1)])

    # ------------------------------------------------------------------ in (paho's thread)
    def heard(self, topic: str, payload: bytes | bytearray) -> None:
        """Queue one message: a device's status or a command for the analytics; anything else is ignored."""
        parts = topic.split("/")
        if len(parts) < 4:
            return
        tank, device, kind = parts[-3], parts[-2], parts[-1]
        try:
            doc = json.loads(payload) if payload else None
        except ValueError:
            log.warning("ignored a message on %s that is not JSON", topic)
            return
        if not isinstance(doc, dict):
            return
        with self._lock:
            if kind == "status" and isinstance(doc.get("online"), bool):
                self._status.append(StatusHeard(tank, device, doc["online"]))
            elif kind == "cmd" and device == COMMAND_DEVICE:
                self._commands.append((tank, doc))
            else:
                return
        if kind == "cmd":
            self.on_command()

    def take(self) -> tuple[list[StatusHeard], list[tuple[str, dict[str, Any]]]]:
        """Everything heard since the last call: the statuses and the ``(tank, command)`` pairs, in order."""
        with self._lock:
            heard, self._status, self._commands = (self._status, self._commands), [], []
        return heard

    def take_commands(self) -> list[tuple[str, dict[str, Any]]]:
        """The ``(tank, command)`` pairs heard since the last call (statuses stay for :meth:`take`)."""
        with self._lock:
            cmds, self._commands = self._commands, []
        return cmds

    def answer_command(self, tank: str, doc: dict[str, Any], outcome: str) -> None:
        """Say what became of a command on ``{prefix}/{tank}/analytics/cmd/ack`` (QoS 1, not retained)."""
        payload = json.dumps(command_answer(doc.get("id"), outcome))
        self.client.publish(commands.ack_topic(self.prefix, tank, COMMAND_DEVICE), payload, qos=1)

    # ------------------------------------------------------------------ out
    def publish_alert(self, tank: str, tr: Transition) -> None:
        """The alert's current state, retained on ``{prefix}/{tank}/alert/{key}``."""
        payload = json.dumps({"tank": tank, "key": tr.key, "severity": tr.severity, "state": tr.state,
                              "summary": tr.summary, "ts": tr.t_ms})
        self.client.publish(f"{self.prefix}/{tank}/alert/{tr.key}", payload, qos=1, retain=True)

    def publish_summary(self, tank: str, end_ms: int, text: str) -> None:
        """The day's summary, retained on ``{prefix}/{tank}/summary``."""
        self.client.publish(f"{self.prefix}/{tank}/summary", json.dumps({"tank": tank, "ts": end_ms, "text": text}),
                            qos=1, retain=True)

    # ------------------------------------------------------------------ lifetime
    def start(self) -> None:
        """Connect in the background (paho reconnects by itself); messages are queued from then on."""
        self.client.connect_async(self.cfg.host, self.cfg.port, keepalive=self.cfg.keepalive_s)
        self.client.loop_start()

    def stop(self) -> None:
        self.client.disconnect()
        self.client.loop_stop()
