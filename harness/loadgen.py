"""Synthetic device traffic for tests and benchmarks: valid readings over QoS 1.

Not used by the running gateway.  ``publish_readings`` returns only after the
broker has acknowledged every message (PUBACK), so "accepted by the broker" is
exactly what the caller counts.

>>> reading_payload(7, 1_700_000_000_000)
b'{"v":1,"seq":7,"ts":1700000000000,"r":{"temp_c":25.07,"ph":7.2},"bad":[],"pump":1}'
"""

from __future__ import annotations

import time
from typing import Iterator

import paho.mqtt.client as mqtt
from paho.mqtt.enums import CallbackAPIVersion


def reading_payload(seq: int, ts_ms: int) -> bytes:
    temp = 25.0 + (seq % 100) / 100
    return (f'{{"v":1,"seq":{seq},"ts":{ts_ms},"r":{{"temp_c":{temp:.2f},"ph":7.2}},'
            f'"bad":[],"pump":1}}').encode()


def readings(prefix: str, n: int, tanks: int = 10, start_ms: int | None = None,
             step_ms: int = 1000, first_seq: int = 1) -> Iterator[tuple[str, bytes]]:
    """``n`` (topic, payload) readings spread round-robin over ``tanks`` devices, distinct timestamps."""
    per_tank = n // max(tanks, 1) + 1
    start = start_ms if start_ms is not None else int(time.time() * 1000) - (first_seq + per_tank) * step_ms
    for i in range(n):
        tank = i % tanks
        k = i // tanks
        seq = first_seq + k  # the timestamp follows seq, so a later call continues a device's series
        yield f"{prefix}/tank{tank}/dev{tank}/telemetry", reading_payload(seq, start + (seq - 1) * step_ms)


class Publisher:
    """A QoS 1 publisher that can wait until the broker acknowledged everything it sent."""

    def __init__(self, port: int, host: str = "127.0.0.1", username: str = "", password: str = "",
                 client_id: str = "") -> None:
        self.client = mqtt.Client(CallbackAPIVersion.VERSION2, client_id=client_id)
        if username:
            self.client.username_pw_set(username, password)
        self.client.max_inflight_messages_set(1000)
        self.client.max_queued_messages_set(0)
        self.client.connect(host, port)
        self.client.loop_start()
        self.infos: list[mqtt.MQTTMessageInfo] = []

    def publish(self, topic: str, payload: bytes) -> None:
        self.infos.append(self.client.publish(topic, payload, qos=1))

    def wait_acked(self, timeout: float = 60.0) -> int:
        """Block until every message is acknowledged by the broker; return how many were."""
        deadline = time.monotonic() + timeout
        for info in self.infos:
            info.wait_for_publish(max(0.01, deadline - time.monotonic()))
        return sum(1 for info in self.infos if info.is_published())

    def close(self) -> None:
        self.client.loop_stop()
        self.client.disconnect()


def publish_readings(port: int, prefix: str, n: int, tanks: int = 10, username: str = "", password: str = "",
                     rate_per_s: float = 0.0, start_ms: int | None = None, first_seq: int = 1,
                     timeout: float = 60.0) -> int:
    """Publish ``n`` readings (QoS 1), optionally paced; return how many the broker acknowledged."""
    pub = Publisher(port, username=username, password=password)
    try:
        t0 = time.monotonic()
        for i, (topic, payload) in enumerate(readings(prefix, n, tanks, start_ms, first_seq=first_seq)):
            if rate_per_s:
                ahead = t0 + i / rate_per_s - time.monotonic()
                if ahead > 0:
                    time.sleep(ahead)
            pub.publish(topic, payload)
        return pub.wait_acked(timeout)
    finally:
        pub.close()
