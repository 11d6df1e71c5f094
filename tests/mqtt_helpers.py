"""MQTT helpers for tests: read what a broker holds, as a client connecting now sees it."""

from __future__ import annotations

import json
import threading
from typing import Any

import paho.mqtt.client as mqtt
from paho.mqtt.enums import CallbackAPIVersion

from harness.services import Mosquitto


def retained_json(broker: Mosquitto, topic: str, timeout: float = 10.0) -> dict[str, Any]:
    """The retained JSON message on ``topic``, read with an authenticated observer account."""
    got: dict[str, Any] = {}
    done = threading.Event()
    c = mqtt.Client(CallbackAPIVersion.VERSION2)
    creds = broker.client_kwargs()
    c.username_pw_set(creds["username"], creds["password"])
    c.on_connect = lambda cl, u, f, r, p: cl.subscribe(topic, 1)

    def on_message(cl: Any, u: Any, m: mqtt.MQTTMessage) -> None:
        if m.retain:
            got["doc"] = json.loads(m.payload)
            done.set()

    c.on_message = on_message
    c.connect("127.0.0.1", broker.port)
    c.loop_start()
    try:
        if not done.wait(timeout):
            raise AssertionError(f"no retained message on {topic} within {timeout:.0f} s")
    finally:
        c.loop_stop()
        c.disconnect()
    return dict(got["doc"])
