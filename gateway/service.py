"""The gateway loop: MQTT (paho-mqtt 2.x) -> validate -> batch -> InfluxDB -> PUBACK.

Threads: paho's network thread only enqueues messages (a slow ``on_message``
would stall keepalive); one writer thread validates, batches and writes, and
acknowledges each QoS 1 message only after its data is durable.  The broker
therefore redelivers anything we had not made durable when we died.

Acks carry the connection generation: after a reconnect, message ids restart,
so an ack for a message received on an older connection is never sent (the
broker redelivers that message, and rewriting it is harmless because points
carry the device's timestamp).
"""

from __future__ import annotations

import logging
import os
import queue
import random
import signal
import socket
import threading
import time
from collections import Counter
from dataclasses import dataclass
from typing import Any

import paho.mqtt.client as mqtt
from paho.mqtt.enums import CallbackAPIVersion

from aquamon.config import Config
from aquamon.influx import InfluxV1, RetryableWriteError
from aquamon.lineproto import encode_point
from gateway.validate import Reject, validate_message
from gateway.writer import write_isolating

log = logging.getLogger("aquamon.gateway")


@dataclass
class Incoming:
    topic: str
    payload: bytes
    mid: int
    qos: int
    generation: int


class RateLimitedLog:
    """Log a reason at most once per interval; the counters carry the totals."""

    def __init__(self, interval_s: float = 60.0) -> None:
        self.interval_s = interval_s
        self._last: dict[str, float] = {}

    def warn(self, reason: str, message: str) -> None:
        now = time.monotonic()
        if now - self._last.get(reason, -1e18) >= self.interval_s:
            self._last[reason] = now
            log.warning("%s (further '%s' rejects this minute are only counted)", message, reason)


class Gateway:
    """One gateway instance.  ``run()`` blocks until ``stop()`` (or SIGTERM in ``main``)."""

    def __init__(self, cfg: Config) -> None:
        self.cfg = cfg
        self.instance = cfg.gateway.instance or socket.gethostname()
        self.counters: Counter[str] = Counter()
        self.rejects: Counter[str] = Counter()
        self.last_seq: dict[tuple[str, str], int] = {}
        self.inbox: queue.Queue[Incoming] = queue.Queue()
        self._stop = threading.Event()
        self._generation = 0
        self._connected = threading.Event()
        self._rlog = RateLimitedLog()
        self.db = InfluxV1(cfg.influxdb.url, cfg.influxdb.database, cfg.influxdb.username,
                           cfg.influxdb.password, cfg.influxdb.timeout_s)
        client_id = cfg.mqtt.client_id or f"aquamon-gateway-{self.instance}"
        self.client = mqtt.Client(CallbackAPIVersion.VERSION2, client_id=client_id, clean_session=False,
                                  manual_ack=True)
        if cfg.mqtt.username:
            self.client.username_pw_set(cfg.mqtt.username, cfg.mqtt.password)
        self.client.reconnect_delay_set(min_delay=1, max_delay=30)
        self.client.on_connect = self._on_connect
        self.client.on_disconnect = self._on_disconnect
        self.client.on_message = self._on_message
        self.client.on_subscribe = self._on_subscribe
        # Presence: retained, with a last will, so operators (and the demo) can see
        # that a gateway is subscribed before devices start publishing.
        self.client.will_set(self.presence_topic, b'{"online":false}', qos=1, retain=True)

    # --- MQTT callbacks (network thread: keep them short) -------------------------------
    @property
    def presence_topic(self) -> str:
        return f"{self.cfg.mqtt.topic_prefix}/_gateway/{self.instance}"

    def _on_subscribe(self, client: mqtt.Client, userdata: Any, mid: int, reasons: Any, props: Any) -> None:
        if any(r.is_failure for r in reasons):
            log.error("the broker refused a subscription (%s): check the ACL for this gateway's user", reasons)
            return
        client.publish(self.presence_topic, b'{"online":true}', qos=1, retain=True)

    def topics(self) -> list[str]:
        p = self.cfg.mqtt.topic_prefix
        subs = [f"{p}/+/+/telemetry", f"{p}/+/+/status", f"{p}/+/+/event"]
        if self.cfg.gateway.shared_subscription:
            subs = [f"$share/aquamon-gateway/{s}" for s in subs]
        return subs

    def _on_connect(self, client: mqtt.Client, userdata: Any, flags: Any, reason: Any, props: Any) -> None:
        if reason.is_failure:
            log.error("MQTT broker refused the connection: %s. Check [mqtt] username/password.", reason)
            return
        self._generation += 1
        client.subscribe([(t, self.cfg.mqtt.qos) for t in self.topics()])
        self._connected.set()
        log.info("connected to MQTT %s:%s", self.cfg.mqtt.host, self.cfg.mqtt.port)

    def _on_disconnect(self, client: mqtt.Client, userdata: Any, flags: Any, reason: Any, props: Any) -> None:
        self._connected.clear()
        if not self._stop.is_set():
            log.warning("MQTT connection lost (%s); reconnecting", reason)

    def _on_message(self, client: mqtt.Client, userdata: Any, msg: mqtt.MQTTMessage) -> None:
        self.inbox.put(Incoming(msg.topic, msg.payload, msg.mid, msg.qos, self._generation))

    # --- writer thread -------------------------------------------------------------------
    def _ack(self, items: list[Incoming]) -> None:
        for it in items:
            if it.qos > 0 and it.generation == self._generation:
                self.client.ack(it.mid, it.qos)

    def _collect(self) -> list[Incoming]:
        batch: list[Incoming] = []
        deadline = time.monotonic() + self.cfg.gateway.flush_interval_s
        while len(batch) < self.cfg.gateway.batch_size:
            timeout = deadline - time.monotonic()
            if timeout <= 0:
                break
            try:
                batch.append(self.inbox.get(timeout=timeout))
            except queue.Empty:
                break
        return batch

    def _to_lines(self, batch: list[Incoming]) -> list[str]:
        now_ms = int(time.time() * 1000)
        g = self.cfg.gateway
        lines: list[str] = []
        for it in batch:
            self.counters["received"] += 1
            try:
                v = validate_message(it.topic, it.payload, now_ms, self.cfg.mqtt.topic_prefix,
                                     g.max_payload_bytes, int(g.max_future_s * 1000),
                                     int(g.max_age_days * 86_400_000))
            except Reject as r:
                self.counters["rejected"] += 1
                self.rejects[r.reason] += 1
                self._rlog.warn(r.reason, f"rejected a message on {it.topic[:120]}: {r}")
                continue
            for reason in v.value_rejects:
                self.rejects["value_" + reason] += 1
                self.counters["values_rejected"] += 1
                self._rlog.warn("value_" + reason, f"dropped a value on {it.topic[:120]}: {reason}")
            if v.seq is not None:
                key = (v.tank, v.device)
                last = self.last_seq.get(key)
                if last is not None and v.seq > last + 1:
                    self.counters["seq_gaps"] += v.seq - last - 1
                if last is None or v.seq > last:
                    self.last_seq[key] = v.seq
            for p in v.points:
                lines.append(encode_point(p.measurement, p.tags, p.fields, p.ts_ms))
        return lines

    def _write_durably(self, lines: list[str]) -> bool:
        """Write until durable or stopping; return False only if stopping with data unwritten."""
        delay = 0.2
        while True:
            try:
                t0 = time.monotonic()
                outcome = write_isolating(self.db.write_lines, lines)
                self.counters["write_ms_total"] += int((time.monotonic() - t0) * 1000)
                self.counters["written"] += outcome.written
                self.counters["write_requests"] += outcome.requests
                for line, why in outcome.dropped:
                    self.counters["dropped_by_server"] += 1
                    self._rlog.warn("server_rejected", f"InfluxDB refused a line, dropped it: {why}; line: {line[:200]}")
                return True
            except RetryableWriteError as e:
                self.counters["write_retries"] += 1
                self._rlog.warn("write_retry", f"InfluxDB write failed, will retry: {e}")
                wait = max(min(delay, 30.0), min(e.retry_after or 0.0, 300.0))
                wait *= random.uniform(0.8, 1.2)
                if self._stop.wait(wait):
                    return False
                delay *= 2

    def _writer(self) -> None:
        next_stats = time.monotonic() + self.cfg.gateway.stats_interval_s
        while True:
            batch = self._collect()
            if batch:
                lines = self._to_lines(batch)
                if lines and not self._write_durably(lines):
                    break  # stopping: leave them unacknowledged, the broker redelivers
                self._ack(batch)
            if time.monotonic() >= next_stats:
                self.write_stats()
                next_stats = time.monotonic() + self.cfg.gateway.stats_interval_s
            if self._stop.is_set() and self.inbox.empty():
                break

    def stats_fields(self) -> dict[str, int]:
        fields = {k: int(self.counters.get(k, 0)) for k in
                  ("received", "written", "rejected", "values_rejected", "seq_gaps", "write_retries",
                   "write_requests", "dropped_by_server", "write_ms_total")}
        for reason, n in self.rejects.items():
            fields[f"rejected_{reason}"] = int(n)
        return fields

    def write_stats(self) -> None:
        line = encode_point("gateway", {"instance": self.instance}, self.stats_fields(), int(time.time() * 1000))
        try:
            self.db.write_lines([line])
        except Exception as e:  # noqa: BLE001 - stats must never stop ingest
            self._rlog.warn("stats", f"could not write gateway counters: {e}")

    # --- lifecycle -----------------------------------------------------------------------
    def run(self) -> None:
        try:
            self.db.create_database()
        except Exception as e:  # noqa: BLE001
            log.warning("could not create database %r yet (%s); will keep trying on write",
                        self.cfg.influxdb.database, e)
        self.client.connect_async(self.cfg.mqtt.host, self.cfg.mqtt.port, keepalive=self.cfg.mqtt.keepalive_s)
        self.client.loop_start()
        writer = threading.Thread(target=self._writer, name="gateway-writer", daemon=True)
        writer.start()
        try:
            while not self._stop.wait(0.2):
                pass
        finally:
            writer.join(timeout=30)
            self.write_stats()
            self.client.publish(self.presence_topic, b'{"online":false}', qos=1, retain=True).wait_for_publish(2)
            self.client.disconnect()
            self.client.loop_stop()
            log.info("gateway stopped: %s", self.stats_fields())

    def stop(self) -> None:
        self._stop.set()


def main(cfg: Config) -> None:
    gw = Gateway(cfg)
    for sig in (signal.SIGTERM, signal.SIGINT):
        signal.signal(sig, lambda *_: gw.stop())
    log.info("gateway %s starting (pid %d)", gw.instance, os.getpid())
    gw.run()
