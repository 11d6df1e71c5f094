"""The gateway loop: MQTT 5 (paho-mqtt 2.x) -> validate -> batch -> InfluxDB or spool -> PUBACK.

Threads: paho's network thread only enqueues messages (a slow ``on_message``
would stall keepalive); one writer thread validates, batches, writes and
acknowledges each QoS 1 message only after its data is durable: written to
InfluxDB, or fsync'd in the local spool (:mod:`gateway.spool`).  Anything not
yet durable when we die is unacknowledged, so the broker redelivers it to the
same persistent session (``clean_start=False`` and a session expiry).

Write failures are sorted by type (:mod:`aquamon.influx`): lines the server
refuses are isolated and dropped with its message (:mod:`gateway.writer`); a
server that is down, throttling or unreachable puts the gateway in *outage*:
new batches go to the spool without waiting, and the next attempt comes after
``max(capped backoff with jitter, capped Retry-After)`` (:mod:`gateway.backoff`).
Once a write succeeds again, fresh batches go straight to InfluxDB and the
spool is replayed oldest first in between them, so dashboards see new data at
once while the gap fills.

Acks carry the connection generation: after a reconnect, message ids restart,
so an ack for a message received on an older connection is never sent (the
broker redelivers that message, and rewriting it is harmless because points
carry the device's timestamp).
"""

from __future__ import annotations

import logging
import os
import queue
import re
import signal
import socket
import threading
import time
from collections import Counter
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Callable, Sequence

import paho.mqtt.client as mqtt
from paho.mqtt.enums import CallbackAPIVersion
from paho.mqtt.packettypes import PacketTypes
from paho.mqtt.properties import Properties

from aquamon.auth import configure_client
from aquamon.config import Config
from aquamon.influx import RetryableWriteError, connect
from aquamon.lineproto import encode_point
from gateway.backoff import retry_wait
from gateway.metrics import MetricsServer
from gateway.spool import Spool
from gateway.validate import Reject, validate_message
from gateway.writer import write_isolating

log = logging.getLogger("aquamon.gateway")

# How long replay may hold the writer before it looks at new messages again.
REPLAY_SLICE_S = 0.2


@dataclass
class Incoming:
    topic: str
    payload: bytes
    mid: int
    qos: int
    generation: int


class RateLimitedLog:
    """Log a reason at most once per interval; the counters carry the totals.

    >>> rl = RateLimitedLog(60.0, clock=iter([0.0, 1.0, 61.0]).__next__)
    >>> [rl.warn("oversized", "a message was too big") for _ in range(3)]
    [True, False, True]
    """

    def __init__(self, interval_s: float = 60.0, clock: Callable[[], float] = time.monotonic) -> None:
        self.interval_s = interval_s
        self.clock = clock
        self._last: dict[str, float] = {}

    def warn(self, reason: str, message: str) -> bool:
        now = self.clock()
        if now - self._last.get(reason, -1e18) >= self.interval_s:
            self._last[reason] = now
            log.warning("%s (further '%s' events in the next %.0f s are only counted)",
                        message, reason, self.interval_s)
            return True
        return False


def _safe_name(s: str) -> str:
    return re.sub(r"[^A-Za-z0-9_.-]", "_", s) or "gateway"


class Gateway:
    """One gateway instance.  ``run()`` blocks until ``stop()`` (or SIGTERM in ``main``).

    ``on_durable(messages, t)`` is called from the writer thread after each batch
    is durable (benchmarks measure publish-to-durable latency with it).
    """

    def __init__(self, cfg: Config, on_durable: Callable[[list[Incoming], float], None] | None = None) -> None:
        self.cfg = cfg
        g = cfg.gateway
        self.instance = g.instance or socket.gethostname()
        self.on_durable = on_durable
        self.counters: Counter[str] = Counter()
        self.rejects: Counter[str] = Counter()
        self.last_seq: dict[tuple[str, str], int] = {}
        self.inbox: queue.Queue[Incoming] = queue.Queue()
        self._stop = threading.Event()
        self._generation = 0
        self._connected = threading.Event()
        self._rlog = RateLimitedLog(g.reject_log_interval_s)
        self._attempt = 0  # failed write attempts in a row
        self._retry_at = 0.0  # monotonic time before which InfluxDB is left alone
        self._last_latency_ms = 0
        self.metrics: MetricsServer | None = None
        self.db = connect(cfg.influxdb)
        self.spool = Spool(Path(cfg.spool.dir) / _safe_name(self.instance), cfg.spool.max_bytes,
                           cfg.spool.full_policy)
        if not self.spool.empty():
            log.info("spool holds %d lines from before; replaying them", self.spool.lines)
        client_id = cfg.mqtt.client_id or f"aquamon-gateway-{self.instance}"
        # MQTT 5: shared subscriptions, and a session that outlives a crash by
        # session_expiry_s (clean_start=False in connect) so nothing is lost while we restart.
        self.client = mqtt.Client(CallbackAPIVersion.VERSION2, client_id=client_id,
                                  protocol=mqtt.MQTTv5, manual_ack=True)
        configure_client(self.client, cfg.mqtt)  # credentials, and TLS with [mqtt] tls
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

    def topics(self) -> list[str]:
        p = self.cfg.mqtt.topic_prefix
        subs = [f"{p}/+/+/telemetry", f"{p}/+/+/status", f"{p}/+/+/event"]
        if self.cfg.gateway.shared_subscription:
            subs = [f"$share/{self.cfg.gateway.share_group}/{s}" for s in subs]
        return subs

    def _on_subscribe(self, client: mqtt.Client, userdata: Any, mid: int, reasons: Any, props: Any) -> None:
        if any(r.is_failure for r in reasons):
            log.error("the broker refused a subscription (%s): check the ACL for this gateway's user", reasons)
            return
        client.publish(self.presence_topic, b'{"online":true}', qos=1, retain=True)

    def _on_connect(self, client: mqtt.Client, userdata: Any, flags: Any, reason: Any, props: Any) -> None:
        if reason.is_failure:
            log.error("MQTT broker refused the connection: %s. Check [mqtt] username/password.", reason)
            return
        self._generation += 1
        client.subscribe([(t, self.cfg.mqtt.qos) for t in self.topics()])
        self._connected.set()
        log.info("connected to MQTT %s:%s (session resumed: %s)", self.cfg.mqtt.host, self.cfg.mqtt.port,
                 bool(getattr(flags, "session_present", False)))

    def _on_disconnect(self, client: mqtt.Client, userdata: Any, flags: Any, reason: Any, props: Any) -> None:
        self._connected.clear()
        if not self._stop.is_set():
            log.warning("MQTT connection lost (%s); reconnecting", reason)

    def _on_message(self, client: mqtt.Client, userdata: Any, msg: mqtt.MQTTMessage) -> None:
        self.inbox.put(Incoming(msg.topic, bytes(msg.payload), msg.mid, msg.qos, self._generation))

    # --- writer thread -------------------------------------------------------------------
    def _ack(self, items: list[Incoming]) -> None:
        for it in items:
            if it.qos > 0 and it.generation == self._generation:
                self.client.ack(it.mid, it.qos)

    def _collect(self, wait_s: float) -> list[Incoming]:
        batch: list[Incoming] = []
        deadline = time.monotonic() + wait_s
        while len(batch) < self.cfg.gateway.batch_size:
            try:
                batch.append(self.inbox.get_nowait())
                continue
            except queue.Empty:
                pass
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
                self._rlog.warn(r.reason, f"rejected a message on {it.topic[:120]!r}: {r}")
                continue
            for reason in v.value_rejects:
                self.rejects["value_" + reason] += 1
                self.counters["values_rejected"] += 1
                self._rlog.warn("value_" + reason, f"dropped a value on {it.topic[:120]!r}: {reason}")
            if v.seq is not None:
                self._track_seq(v.tank, v.device, v.seq)
            for p in v.points:
                lines.append(encode_point(p.measurement, p.tags, p.fields, p.ts_ms))
        return lines

    def _track_seq(self, tank: str, device: str, seq: int) -> None:
        key = (tank, device)
        last = self.last_seq.get(key)
        if last is not None and seq <= last:
            self.counters["seq_repeats"] += 1  # redelivery or a device resending its backlog: harmless
            return
        # Under a shared subscription each instance sees only some of a device's
        # messages, so a gap here says nothing; count gaps only when we see them all.
        if last is not None and seq > last + 1 and not self.cfg.gateway.shared_subscription:
            self.counters["seq_gaps"] += seq - last - 1
        self.last_seq[key] = seq

    def _in_outage(self) -> bool:
        return time.monotonic() < self._retry_at

    def _note_failure(self, e: RetryableWriteError) -> None:
        g = self.cfg.gateway
        wait = retry_wait(self._attempt, e.retry_after, cap_s=g.retry_max_s, retry_after_cap_s=g.retry_after_max_s)
        self._attempt += 1
        self._retry_at = time.monotonic() + wait
        self.counters["write_retries"] += 1
        self._rlog.warn("write_retry", f"InfluxDB write failed ({e}); data goes to the spool, next try in {wait:.1f} s")
        if e.status == 404:
            try:  # the database is missing (first start while InfluxDB was down, or dropped)
                self.db.create_database()
            except Exception as ce:  # noqa: BLE001
                self._rlog.warn("create_database", f"could not create the database: {ce}")

    def _write(self, lines: Sequence[str]) -> None:
        """Write now; raise RetryableWriteError if InfluxDB cannot take them."""
        t0 = time.monotonic()
        outcome = write_isolating(self.db.write_lines, lines)
        ms = int((time.monotonic() - t0) * 1000)
        self._last_latency_ms = ms
        self.counters["write_ms_total"] += ms
        self.counters["written"] += outcome.written
        self.counters["write_requests"] += outcome.requests
        for line, why in outcome.dropped:
            self.counters["dropped_by_server"] += 1
            self._rlog.warn("server_rejected", f"InfluxDB refused a line, dropped it: {why}; line: {line[:200]}")
        if self._attempt:
            log.info("InfluxDB takes writes again after %d failed attempts", self._attempt)
        self._attempt = 0
        self._retry_at = 0.0

    def _make_durable(self, lines: list[str]) -> bool:
        """Write or spool ``lines``; False only if stopping while neither is possible."""
        while True:
            if not self._in_outage():
                try:
                    self._write(lines)
                    return True
                except RetryableWriteError as e:
                    self._note_failure(e)
            if self.spool.append(lines):
                self.counters["spooled"] += len(lines)
                return True
            self.counters["spool_full"] += 1
            self._rlog.warn("spool_full", f"the spool is full ({self.spool.bytes} bytes, policy block) and "
                            "InfluxDB is not taking writes: messages stay unacknowledged at the broker. "
                            "Bring InfluxDB back or raise [spool] max_bytes.")
            if self._stop.wait(max(0.05, self._retry_at - time.monotonic())):
                return False

    def _replay(self) -> None:
        """Replay the spool oldest first for up to one time slice, unless in outage."""
        deadline = time.monotonic() + REPLAY_SLICE_S
        while not self.spool.empty() and not self._in_outage() and time.monotonic() < deadline:
            if self.inbox.qsize() >= self.cfg.gateway.batch_size:
                break  # new data first; replay continues between batches
            batch = self.spool.peek(self.cfg.gateway.batch_size)
            try:
                self._write(batch.lines)
            except RetryableWriteError as e:
                self._note_failure(e)
                return
            self.spool.remove(batch)
            self.counters["replayed"] += len(batch.lines)
            if self.spool.empty():
                log.info("spool replayed completely (%d lines in all)", self.counters["replayed"])

    def _writer(self) -> None:
        next_stats = time.monotonic() + self.cfg.gateway.stats_interval_s
        while True:
            replay_pending = not self.spool.empty() and not self._in_outage()
            batch = self._collect(0.0 if replay_pending else self.cfg.gateway.flush_interval_s)
            if batch:
                lines = self._to_lines(batch)
                if lines and not self._make_durable(lines):
                    break  # stopping: leave them unacknowledged, the broker redelivers
                self._ack(batch)
                if self.on_durable is not None:
                    self.on_durable(batch, time.time())
            self._replay()
            if time.monotonic() >= next_stats:
                self.write_stats()
                next_stats = time.monotonic() + self.cfg.gateway.stats_interval_s
            if self._stop.is_set() and self.inbox.empty():
                break

    def stats_fields(self) -> dict[str, int]:
        """Counters (and a few gauges) as written to the ``gateway`` measurement every interval."""
        for _ in range(5):
            try:
                counters, rejects = dict(self.counters), dict(self.rejects)
                break
            except RuntimeError:  # resized by the writer thread while we copied (metrics thread)
                continue
        else:  # pragma: no cover
            counters, rejects = {}, {}
        fields = {k: int(counters.get(k, 0)) for k in
                  ("received", "written", "rejected", "values_rejected", "seq_gaps", "seq_repeats",
                   "write_retries", "write_requests", "dropped_by_server", "write_ms_total", "spooled",
                   "replayed", "spool_full")}
        fields["spool_dropped"] = self.spool.dropped_lines
        fields["spool_lines"] = self.spool.lines
        fields["spool_bytes"] = self.spool.bytes
        fields["write_latency_ms_last"] = self._last_latency_ms
        for reason, n in rejects.items():
            fields[f"rejected_{reason}"] = int(n)
        return fields

    def metrics_snapshot(self) -> dict[str, int | float]:
        values: dict[str, int | float] = dict(self.stats_fields())
        values["inbox"] = self.inbox.qsize()
        values["mqtt_connected"] = int(self._connected.is_set())
        values["influx_ok"] = int(not self._in_outage())
        return values

    def health(self) -> tuple[bool, dict[str, object]]:
        """Healthy = connected to the broker and able to make data durable (InfluxDB or spool room)."""
        spool_room = self.spool.bytes < self.spool.max_bytes * 0.99 or self.spool.policy == "drop_oldest"
        detail: dict[str, object] = {
            "instance": self.instance, "mqtt_connected": self._connected.is_set(),
            "influxdb_ok": not self._in_outage(), "spool_lines": self.spool.lines,
            "spool_bytes": self.spool.bytes, "inbox": self.inbox.qsize()}
        ok = bool(detail["mqtt_connected"]) and (bool(detail["influxdb_ok"]) or spool_room)
        return ok, detail

    def write_stats(self) -> None:
        if self._in_outage():
            return  # the counters are in memory and on /metrics; do not hammer a server that is down
        line = encode_point("gateway", {"instance": self.instance}, self.stats_fields(), int(time.time() * 1000))
        try:
            self.db.write_lines([line])
        except RetryableWriteError as e:
            self._note_failure(e)  # a throttle or outage seen here holds back data writes too
        except Exception as e:  # noqa: BLE001 - stats must never stop ingest
            self._rlog.warn("stats", f"could not write gateway counters: {e}")

    # --- lifecycle -----------------------------------------------------------------------
    def start_metrics(self) -> None:
        g = self.cfg.gateway
        if not g.metrics_port:
            return
        try:
            self.metrics = MetricsServer(g.metrics_host, g.metrics_port, self.metrics_snapshot, self.health,
                                         self.instance).start()
            log.info("serving /healthz and /metrics on http://%s:%d", g.metrics_host, self.metrics.port)
        except OSError as e:
            log.error("cannot serve metrics on %s:%d (%s); ingest continues without them. "
                      "Choose a free [gateway] metrics_port.", g.metrics_host, g.metrics_port, e)

    def run(self) -> None:
        try:
            self.db.create_database()
        except Exception as e:  # noqa: BLE001
            log.warning("could not create database %r yet (%s); will keep trying on write",
                        self.cfg.influxdb.database, e)
        self.start_metrics()
        props = Properties(PacketTypes.CONNECT)
        props.SessionExpiryInterval = self.cfg.gateway.session_expiry_s
        self.client.connect_async(self.cfg.mqtt.host, self.cfg.mqtt.port, keepalive=self.cfg.mqtt.keepalive_s,
                                  clean_start=False, properties=props)
        self.client.loop_start()
        writer = threading.Thread(target=self._writer, name="gateway-writer", daemon=True)
        writer.start()
        try:
            while not self._stop.wait(0.2):
                if not writer.is_alive():
                    log.error("the writer thread died; stopping so a supervisor restarts us")
                    break
        finally:
            writer.join(timeout=30)
            self.write_stats()
            if self._connected.is_set():
                self.client.publish(self.presence_topic, b'{"online":false}', qos=1,
                                    retain=True).wait_for_publish(2)
            self.client.disconnect()
            self.client.loop_stop()
            if self.metrics is not None:
                self.metrics.stop()
            log.info("gateway stopped: %s", self.stats_fields())

    def stop(self) -> None:
        self._stop.set()


def main(cfg: Config) -> None:
    try:
        gw = Gateway(cfg)
    except OSError as e:
        log.error("cannot use the spool directory %s: %s. Set [spool] dir to a folder this user may write.",
                  Path(cfg.spool.dir) / _safe_name(cfg.gateway.instance or socket.gethostname()), e)
        raise SystemExit(2) from None
    for sig in (signal.SIGTERM, signal.SIGINT):
        signal.signal(sig, lambda *_: gw.stop())
    log.info("gateway %s starting (pid %d)", gw.instance, os.getpid())
    gw.run()
