"""The gateway loop: MQTT 5 -> validate -> batch -> InfluxDB or spool -> PUBACK.

Threads: the MQTT link's I/O thread (:mod:`gateway.mqtt_link`, our own MQTT 5
client) only parses and enqueues what each ``recv`` brought, one list per
read; one writer thread validates (:mod:`gateway.fastpath` for well-formed
readings, :mod:`gateway.validate` for everything else), batches, writes and
acknowledges each QoS 1 message only after its data is durable: written to
InfluxDB, or fsync'd in the local spool (:mod:`gateway.spool`).  Anything not
yet durable when we die is unacknowledged, so the broker redelivers it to the
same persistent session (``clean_start=False`` and a session expiry).

As Telegraf does, the stages are apart: the parser (:mod:`gateway.parser`)
turns messages into lines, the output (:mod:`gateway.output`) makes them
durable in InfluxDB or the spool, and this module is the loop between them:
receive, batch (adaptively, :meth:`Gateway._hold_s`), write through a pipeline
of a few concurrent writes (:mod:`gateway.writer`), acknowledge in order.

Acks carry the connection generation: after a reconnect, message ids restart,
so an ack for a message received on an older connection is never sent (the
broker redelivers that message, and rewriting it is harmless because points
carry the device's timestamp).  A batch's PUBACKs go out in one write.
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
from pathlib import Path
from typing import Callable, NamedTuple, Sequence

from aquamon.auth import tls_context
from aquamon.config import Config
from aquamon.influx import InfluxV1, InfluxV2, RetryableWriteError
from aquamon.lineproto import encode_point
from aquamon.metrics import MetricsServer
from gateway.metrics import GatewayMetrics
from gateway.mqtt_link import MqttLink
from gateway.mqtt_wire import Will
from gateway.output import DurableOutput
from gateway.parser import Message, MessageParser
from gateway.ratelog import RateLimitedLog
from gateway.spool import Spool
from gateway.writer import MIN_BATCH_IN_FLIGHT, InFlight, Pipeline

log = logging.getLogger("aquamon.gateway")

# After stop(), how long the writer keeps writing what is still arriving.
STOP_DRAIN_S = 2.0
# How long the writer sleeps at most when there is nothing to do (it looks at stop and stats then).
IDLE_POLL_S = 0.2


class Incoming(NamedTuple):
    """One received message; the link delivers plain tuples in this layout (topic as bytes)."""

    topic: bytes | str
    payload: bytes
    mid: int
    qos: int


# Part of one read: the generation of the connection the messages came on, the
# messages (an Incoming, or the plain tuple the link delivers), their lines of line
# protocol (validated and encoded on arrival), and when they arrived (time.monotonic()).
Chunk = tuple[int, Sequence[Message], list[str], float]


def _safe_name(s: str) -> str:
    return re.sub(r"[^A-Za-z0-9_.-]", "_", s) or "gateway"


class Gateway:
    """One gateway instance.  ``run()`` blocks until ``stop()`` (or SIGTERM in ``main``).

    ``on_durable(messages, t)`` is called from the writer thread after each batch
    is durable (benchmarks measure publish-to-durable latency with it).
    """

    def __init__(self, cfg: Config, on_durable: Callable[[list[Message], float], None] | None = None) -> None:
        self.cfg = cfg
        g = cfg.gateway
        self.instance = g.instance or socket.gethostname()
        self.on_durable = on_durable
        self.counters: Counter[str] = Counter()
        self.rejects: Counter[str] = Counter()
        self.inbox: queue.Queue[Chunk] = queue.Queue()
        self._queued = 0  # messages in the inbox
        self._queued_lock = threading.Lock()
        self._carry: Chunk | None = None  # the part of a chunk beyond the last batch
        self._stop = threading.Event()
        self.failed = False  # the writer died: ``main`` exits non-zero so a supervisor restarts us
        self._rlog = RateLimitedLog(g.reject_log_interval_s)
        self.parser = MessageParser(g, cfg.mqtt.topic_prefix, self.counters, self.rejects, self._rlog)
        self.metrics: MetricsServer | None = None
        self.prom = GatewayMetrics(self.metrics_snapshot, self.instance)  # /metrics, read at each scrape
        self.output = DurableOutput(cfg, Path(cfg.spool.dir) / _safe_name(self.instance), self.counters,
                                    self._rlog, self.prom.observe_write, self._stop)
        # Set when a write ends or messages arrive: the writer waits on it while writes are in flight.
        self._wake = threading.Event()
        self._pipeline = Pipeline(self.output.db_write, g.write_concurrency, self._wake.set)
        if not self.spool.empty():
            log.info("spool holds %d lines from before; replaying them", self.spool.lines)
        m = cfg.mqtt
        # MQTT 5: shared subscriptions, and a session that outlives a crash by
        # session_expiry_s (clean_start=False) so nothing is lost while we restart.
        # Presence: retained, with a last will, so operators (and the demo) can see
        # that a gateway is subscribed before devices start publishing.
        self.link = MqttLink(
            m.host, m.port, m.client_id or f"aquamon-gateway-{self.instance}", self.topics(),
            on_messages=self._on_messages, on_up=self._on_up, on_down=self._on_down,
            on_subscribed=self._on_subscribed, qos=m.qos, keepalive_s=m.keepalive_s,
            session_expiry_s=g.session_expiry_s, receive_maximum=self.receive_maximum(),
            username=m.username, password=m.password,
            will=Will(self.presence_topic, b'{"online":false}', qos=1, retain=True),
            tls_context=tls_context(m),  # credentials, and TLS with [mqtt] tls
            # Memory stays bounded whatever the broker does: stop reading while the
            # writer is this far behind (the broker keeps the rest, unacknowledged).
            hold=lambda: self._queued >= 2 * self.receive_maximum())

    @property
    def spool(self) -> Spool:
        return self.output.spool

    @property
    def db(self) -> "InfluxV1 | InfluxV2":
        return self.output.db

    @db.setter
    def db(self, client: "InfluxV1 | InfluxV2") -> None:  # tests swap in a stand-in
        self.output.db = client

    def receive_maximum(self) -> int:
        """The in-flight window asked of the broker: we ack only after a write, so it must hold
        the batches being written and the next one."""
        g = self.cfg.gateway
        return g.receive_maximum or min(65535, max(1000, (g.write_concurrency + 1) * g.batch_size))

    # --- MQTT link callbacks (I/O thread: keep them short) ----------------------------------
    @property
    def presence_topic(self) -> str:
        return f"{self.cfg.mqtt.topic_prefix}/_gateway/{self.instance}"

    def topics(self) -> list[str]:
        p = self.cfg.mqtt.topic_prefix
        subs = [f"{p}/+/+/telemetry", f"{p}/+/+/status", f"{p}/+/+/event"]
        if self.cfg.gateway.shared_subscription:
            subs = [f"$share/{self.cfg.gateway.share_group}/{s}" for s in subs]
        return subs

    def _on_subscribed(self, refused: list[str]) -> None:
        if refused:
            log.error("the broker refused the subscription to %s: check the ACL for this gateway's user",
                      ", ".join(refused))
            return
        self.link.publish(self.presence_topic, b'{"online":true}', retain=True)

    def _on_up(self, session_present: bool) -> None:
        log.info("connected to MQTT %s:%s (session resumed: %s)", self.cfg.mqtt.host, self.cfg.mqtt.port,
                 session_present)

    def _on_down(self, reason: str) -> None:
        if not self._stop.is_set():
            log.warning("MQTT connection lost (%s); reconnecting", reason)

    def _on_messages(self, generation: int, messages: Sequence[Message]) -> None:
        # Validating and encoding here, in the I/O thread, overlaps it with the writer
        # thread's wait for InfluxDB (the GIL is free during socket I/O).
        size = self.cfg.gateway.batch_size
        arrived = time.monotonic()
        for i in range(0, len(messages), size):
            part = messages[i:i + size] if len(messages) > size else messages
            lines = self.parser.to_lines(part)
            with self._queued_lock:
                self._queued += len(part)
            self.inbox.put((generation, part, lines, arrived))
        self._wake.set()

    # --- writer thread -------------------------------------------------------------------
    def _ack(self, chunks: list[Chunk]) -> None:
        for generation, messages, _, _ in chunks:
            self.link.ack(generation, [m[2] for m in messages if m[3]])

    def _collect(self, wait_s: float) -> list[Chunk]:
        """Chunks holding up to ``batch_size`` messages (each chunk holds at most that many).

        Waits up to ``wait_s`` for the first chunk, then takes only what is already
        there: a batch is what arrived while the last write ran, never a wait.
        """
        size = self.cfg.gateway.batch_size
        chunks: list[Chunk] = []
        n = 0
        deadline = time.monotonic() + wait_s
        while n < size:
            if self._carry is not None:
                chunk, self._carry = self._carry, None
            else:
                try:
                    chunk = self.inbox.get_nowait()
                except queue.Empty:
                    timeout = deadline - time.monotonic()
                    if timeout <= 0:
                        break
                    try:
                        chunk = self.inbox.get(timeout=timeout)
                    except queue.Empty:
                        break
                with self._queued_lock:
                    self._queued -= len(chunk[1])
            if n and n + len(chunk[1]) > size:
                self._carry = chunk  # the next batch starts with it
                break
            deadline = 0.0  # the first chunk is in: take the rest only if it is already there
            chunks.append(chunk)
            n += len(chunk[1])
        return chunks

    def _finish(self, batch: InFlight) -> bool:
        """Acknowledge a batch whose write ended, spooling it first if the write failed.

        False only when stopping while neither InfluxDB nor the spool takes it.
        """
        try:
            outcome = batch.future.result()
        except RetryableWriteError as e:
            self.output.note_failure(e)
            if not self.output.make_durable(list(batch.lines)):
                return False
        else:
            self.output.account(outcome)
        self._done(batch.token)
        return True

    def _finish_ended(self, wait: bool = False) -> bool:
        """:meth:`_finish` the writes that ended (with ``wait``, all of them), oldest first."""
        while (batch := self._pipeline.pop_done(wait)) is not None:
            if not self._finish(batch):
                return False
        return True

    def _done(self, chunks: list[Chunk]) -> None:
        self._ack(chunks)
        if self.on_durable is not None:
            self.on_durable([m for c in chunks for m in c[1]], time.time())

    def _hold_s(self) -> float:
        """How long the next batch may still grow while writes are in flight (0: write it now).

        It grows until a write slot is free and it holds ``MIN_BATCH_IN_FLIGHT`` lines or its
        oldest message has waited twice as long as a write usually takes (so one slow write does
        not hold up the next), at most the flush interval.
        """
        if self._pipeline.full():
            return IDLE_POLL_S  # a write ending wakes us
        if self._queued >= MIN_BATCH_IN_FLIGHT:
            return 0.0
        if self._carry is not None:
            oldest = self._carry
        else:
            try:
                oldest = self.inbox.queue[0]  # a peek without the queue's lock: at worst a stale answer
            except IndexError:
                return IDLE_POLL_S  # nothing waits; an arrival or a write ending wakes us
        limit = min(self.cfg.gateway.flush_interval_s, 2 * self.output.write_s)
        return max(0.0, min(IDLE_POLL_S, oldest[3] + limit - time.monotonic()))

    def _writer(self) -> None:
        next_stats = time.monotonic() + self.cfg.gateway.stats_interval_s
        stop_by = 0.0
        while True:
            self._wake.clear()  # before looking: a write ending or an arrival from now on ends the wait below
            if not self._finish_ended():
                break  # stopping: leave them unacknowledged, the broker redelivers
            hold = self._hold_s() if self._pipeline.busy() else 0.0
            if hold > 0:
                self._wake.wait(hold)
            else:
                replay_pending = not self.spool.empty() and not self.output.in_outage()
                idle = not self._pipeline.busy() and not replay_pending
                chunks = self._collect(IDLE_POLL_S if idle else 0.0)
                if chunks:
                    lines = chunks[0][2] if len(chunks) == 1 else [ln for c in chunks for ln in c[2]]
                    if not self.output.in_outage():
                        self._pipeline.submit(lines, chunks)
                    else:  # straight to the spool, after the writes still in flight (acks stay in order)
                        if not self._finish_ended(wait=True) or (lines and not self.output.make_durable(lines)):
                            break
                        self._done(chunks)
                if not self._pipeline.busy():
                    self.output.replay(lambda: self._queued)
            if time.monotonic() >= next_stats:
                self.write_stats()
                next_stats = time.monotonic() + self.cfg.gateway.stats_interval_s
            if self._stop.is_set():
                # Finish what was received, but not a stream that keeps coming: what is
                # left unacknowledged is redelivered to our session.
                stop_by = stop_by or time.monotonic() + STOP_DRAIN_S
                drained = self.inbox.empty() and self._carry is None and not self._pipeline.busy()
                if drained or time.monotonic() > stop_by:
                    break

    def _guarded_writer(self) -> None:
        try:
            self._writer()
        except BaseException:
            log.exception("the writer thread failed")
            raise

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
                   "replayed", "spool_full", "spool_write_errors")}
        fields["spool_dropped"] = self.spool.dropped_lines
        fields["spool_lines"] = self.spool.lines
        fields["spool_bytes"] = self.spool.bytes
        fields["write_latency_ms_last"] = self.output.last_latency_ms
        for reason, n in rejects.items():
            fields[f"rejected_{reason}"] = int(n)
        return fields

    def metrics_snapshot(self) -> dict[str, int | float]:
        values: dict[str, int | float] = dict(self.stats_fields())
        values["inbox"] = self._queued
        values["mqtt_connected"] = int(self.link.connected.is_set())
        values["influx_ok"] = int(self.output.influx_ok())
        return values

    def health(self) -> tuple[bool, dict[str, object]]:
        """Healthy = connected to the broker and able to make data durable (InfluxDB or spool room)."""
        spool_room = self.output.spool_has_room()
        detail: dict[str, object] = {
            "instance": self.instance, "mqtt_connected": self.link.connected.is_set(),
            "influxdb_ok": self.output.influx_ok(), "spool_lines": self.spool.lines,
            "spool_bytes": self.spool.bytes, "inbox": self._queued}
        ok = bool(detail["mqtt_connected"]) and (bool(detail["influxdb_ok"]) or spool_room)
        return ok, detail

    def write_stats(self) -> None:
        line = encode_point("gateway", {"instance": self.instance}, self.stats_fields(), int(time.time() * 1000))
        self.output.write_stats(line)

    # --- lifecycle -----------------------------------------------------------------------
    def start_metrics(self) -> None:
        g = self.cfg.gateway
        if not g.metrics_port:
            return
        try:
            self.metrics = self.prom.serve(g.metrics_host, g.metrics_port, self.health)
            log.info("serving /healthz and /metrics on http://%s:%d", g.metrics_host, self.metrics.port)
        except OSError as e:
            log.error("cannot serve metrics on %s:%d (%s); ingest continues without them. "
                      "Choose a free [gateway] metrics_port.", g.metrics_host, g.metrics_port, e)

    def run(self) -> None:
        try:
            self.db.create_database()
        except Exception as e:  # noqa: BLE001 - stats must never stop ingest
            log.warning("could not create database %r yet (%s); will keep trying on write",
                        self.cfg.influxdb.database, e)
        self.start_metrics()
        self.link.start()
        writer = threading.Thread(target=self._guarded_writer, name="gateway-writer", daemon=True)
        writer.start()
        try:
            while not self._stop.wait(0.2):
                if not writer.is_alive():
                    self.failed = True
                    log.error("the gateway's writer stopped on an error (logged above); exiting with status 1 so "
                              "a supervisor restarts it. Unacknowledged readings wait in the broker.")
                    break
        finally:
            self._stop.set()
            writer.join(timeout=30)
            self.write_stats()
            if self.link.connected.is_set():
                self.link.publish(self.presence_topic, b'{"online":false}', retain=True).wait(2)
            self.link.stop()
            self._pipeline.shutdown()
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
    if gw.failed:
        raise SystemExit(1)
