"""The gateway's MQTT 5 connection: the resilience layer over :mod:`gateway.mqtt_wire`.

One I/O thread owns the socket (plain or TLS): it connects, sends CONNECT
(persistent session: ``clean_start`` false and a Session Expiry Interval; a
Receive Maximum so the broker keeps a whole batch or more in flight; the last
will), subscribes, reads many packets per ``recv`` and hands each read's
PUBLISHes to ``on_messages`` in one call, sends what other threads queued
(batched PUBACKs, presence), pings when the link is quiet and drops a link that
stays silent.  Any socket or protocol error closes the connection and the
thread reconnects after a capped exponential backoff with jitter
(:func:`gateway.backoff.retry_wait`), until :meth:`MqttLink.stop`.

Each connection has a *generation*.  PUBACKs are queued with the generation of
the connection the messages arrived on, and the I/O thread drops (never sends)
acks of an older generation: packet ids restart on a new connection, so an old
ack would acknowledge some other message.  The broker redelivers the
unacknowledged ones to the resumed session.
"""

from __future__ import annotations

import logging
import select
import socket
import ssl
import threading
import time
from typing import Callable, Sequence

from gateway import mqtt_wire as w
from gateway.backoff import retry_wait

log = logging.getLogger("aquamon.gateway")

RECV_BYTES = 256 * 1024
HOLD_POLL_S = 0.02
CONNECT_TIMEOUT_S = 10.0


class LinkDown(Exception):
    """The connection is unusable; the I/O thread reconnects."""


class MqttLink:
    """A QoS 1 subscriber connection that keeps itself up.

    Parameters
    ----------
    host, port : broker address.
    client_id : str
        The persistent session's identifier.
    topics : list of str
        Filters subscribed (at ``qos``) on every connection.
    on_messages : callable
        ``on_messages(generation, publishes)`` with the ``(topic bytes, payload,
        packet id, qos)`` tuples of one read, in arrival order (I/O thread: keep it short).
    on_up, on_down : callable
        ``on_up(session_present)`` after CONNACK; ``on_down(reason)`` when a link is lost.
    on_subscribed : callable
        ``on_subscribed(refused_filters)`` after SUBACK.
    tls_context : ssl.SSLContext or None
        Wraps the socket (server name checked against ``host``).
    hold : callable
        While it returns True the link stops reading (checked every 20 ms), so TCP
        pushes back on the broker: the caller's queue stays bounded even if a broker
        sends beyond our Receive Maximum (Mosquitto 2.0.11 does, once acks flow).
    """

    def __init__(self, host: str, port: int, client_id: str, topics: Sequence[str], *,
                 on_messages: Callable[[int, list[tuple[bytes, bytes, int, int]]], None],
                 on_up: Callable[[bool], None] = lambda present: None,
                 on_down: Callable[[str], None] = lambda reason: None,
                 on_subscribed: Callable[[list[str]], None] = lambda refused: None,
                 qos: int = 1, keepalive_s: int = 30, session_expiry_s: int = 0, receive_maximum: int = 65535,
                 username: str = "", password: str = "", will: w.Will | None = None,
                 tls_context: ssl.SSLContext | None = None, reconnect_max_s: float = 30.0,
                 hold: Callable[[], bool] = lambda: False) -> None:
        self.host, self.port, self.client_id = host, port, client_id
        self.topics = list(topics)
        self.qos = qos
        self.keepalive_s = keepalive_s
        self.session_expiry_s = session_expiry_s
        self.receive_maximum = receive_maximum
        self.username, self.password = username, password
        self.will = will
        self.tls_context = tls_context
        self.reconnect_max_s = reconnect_max_s
        self.hold = hold
        self.on_messages, self.on_up, self.on_down, self.on_subscribed = on_messages, on_up, on_down, on_subscribed
        self.generation = 0  # of the current (or last) connection; 0 = never connected
        self.connected = threading.Event()
        self._stop = threading.Event()
        self._lock = threading.Lock()
        self._out: list[tuple[int, bytes]] = []  # (generation or 0 for any, bytes) waiting for the I/O thread
        self._wake_r, self._wake_w = socket.socketpair()
        self._wake_r.setblocking(False)
        self._wake_w.setblocking(False)
        self._sock: socket.socket | None = None
        self._next_pid = 0
        self._pending_pubs: dict[int, threading.Event] = {}
        self._sub_pid = 0
        self._thread: threading.Thread | None = None

    # --- called from other threads ---------------------------------------------------------
    def start(self) -> "MqttLink":
        self._thread = threading.Thread(target=self._run, name="mqtt-link", daemon=True)
        self._thread.start()
        return self

    def ack(self, generation: int, packet_ids: Sequence[int]) -> None:
        """Queue PUBACKs for messages that arrived on connection ``generation``.

        Dropped here or, at the latest, by the I/O thread if that connection is gone.
        """
        if not packet_ids or generation != self.generation:
            return
        self._queue(generation, w.encode_pubacks(packet_ids))

    def publish(self, topic: str, payload: bytes, retain: bool = False) -> threading.Event:
        """Publish at QoS 1 on the current connection; the event is set when the broker acknowledges it."""
        done = threading.Event()
        with self._lock:
            pid = self._packet_id()
            self._pending_pubs[pid] = done
            gen = self.generation
        if self.connected.is_set():
            self._queue(gen, w.encode_publish(topic, payload, qos=1, retain=retain, packet_id=pid))
        return done

    def stop(self, timeout: float = 5.0) -> None:
        """Disconnect normally (no last will) and end the I/O thread."""
        if self.connected.is_set():
            self._queue(self.generation, w.encode_disconnect())
        self._stop.set()
        self._wake()
        if self._thread is not None:
            self._thread.join(timeout)
        self._wake_r.close()
        self._wake_w.close()

    # --- internals ------------------------------------------------------------------------
    def _packet_id(self) -> int:
        self._next_pid = self._next_pid % 65535 + 1
        return self._next_pid

    def _queue(self, generation: int, data: bytes) -> None:
        with self._lock:
            self._out.append((generation, data))
        self._wake()

    def _wake(self) -> None:
        try:
            self._wake_w.send(b"\0")
        except (BlockingIOError, OSError):
            pass  # already woken (buffer full) or closed while stopping

    def _flush(self, sock: socket.socket) -> bool:
        """Send what is queued for this connection; True if anything was sent."""
        with self._lock:
            out, self._out = self._out, []
        data = b"".join(d for g, d in out if g == self.generation)
        if data:
            sock.sendall(data)
            return True
        return False

    def _connect(self) -> socket.socket:
        raw = socket.create_connection((self.host, self.port), timeout=CONNECT_TIMEOUT_S)
        raw.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
        sock: socket.socket = raw
        try:
            if self.tls_context is not None:
                sock = self.tls_context.wrap_socket(raw, server_hostname=self.host)
            sock.sendall(w.encode_connect(self.client_id, keepalive_s=self.keepalive_s, clean_start=False,
                                          session_expiry_s=self.session_expiry_s,
                                          receive_maximum=self.receive_maximum, username=self.username,
                                          password=self.password, will=self.will))
            buf = b""
            deadline = time.monotonic() + CONNECT_TIMEOUT_S
            while True:
                first = w.first_packet(buf)  # only the CONNACK: PUBLISHes may follow in the same read
                if first is not None:
                    ptype, body, used = first
                    if ptype != w.CONNACK:
                        raise w.ProtocolError(f"expected CONNACK, got packet type {ptype}")
                    connack = w.parse_connack(body)
                    break
                if time.monotonic() > deadline:
                    raise TimeoutError("no CONNACK from the broker")
                chunk = sock.recv(4096)
                if not chunk:
                    raise ConnectionError("the broker closed the connection before CONNACK")
                buf += chunk
            if connack.reason >= 0x80:
                raise RefusedError(connack.reason_text)
            self._leftover = buf[used:]
        except BaseException:
            sock.close()
            raise
        sock.settimeout(CONNECT_TIMEOUT_S)  # bounds a sendall to a stuck broker
        with self._lock:
            self.generation += 1
            self._out = [(g, d) for g, d in self._out if g == 0]
        self._session_present = connack.session_present
        return sock

    def _run(self) -> None:
        attempt = 0
        while not self._stop.is_set():
            try:
                sock = self._connect()
            except RefusedError as e:
                log.error("MQTT broker refused the connection: %s. Check [mqtt] username/password.", e)
                sock = None
            except (OSError, w.ProtocolError, ssl.SSLError) as e:
                if attempt == 0 or attempt % 10 == 0:
                    log.warning("cannot connect to MQTT %s:%s (%s); retrying", self.host, self.port, e)
                sock = None
            if sock is not None:
                attempt = 0
                self._sock = sock
                self.connected.set()
                self.on_up(self._session_present)
                reason = self._serve(sock)
                self.connected.clear()
                self._sock = None
                try:
                    sock.close()
                except OSError:
                    pass
                with self._lock:
                    for ev in self._pending_pubs.values():
                        ev.set()  # nobody waits forever for a PUBACK that can no longer come
                    self._pending_pubs.clear()
                if self._stop.is_set():
                    return
                self.on_down(reason)
                wait = min(1.0, retry_wait(0, cap_s=self.reconnect_max_s))  # a dropped link retries soon
            else:
                wait = retry_wait(attempt, base_s=1.0, cap_s=self.reconnect_max_s)
                attempt += 1
            self._stop.wait(wait)

    def _serve(self, sock: socket.socket) -> str:
        """Run one connection until it fails or we stop; return why it ended."""
        with self._lock:
            pid = self._sub_pid = self._packet_id()
        try:
            sock.sendall(w.encode_subscribe(pid, [(t, self.qos) for t in self.topics]))
        except OSError as e:
            return f"subscribe failed: {e}"
        buf = self._leftover
        last_rx = last_tx = time.monotonic()
        ping_sent = 0.0
        half = self.keepalive_s / 2
        fileno = sock.fileno()
        wake = self._wake_r.fileno()
        try:
            while True:
                if buf:
                    pubs, others, used = w.parse_packets(buf)
                    buf = buf[used:]
                    if pubs:
                        self.on_messages(self.generation, pubs)
                    for ptype, _flags, body in others:
                        self._handle(ptype, body)
                if self._stop.is_set():
                    self._flush(sock)
                    return "stopped"
                if self._flush(sock):
                    last_tx = time.monotonic()
                now = time.monotonic()
                if ping_sent and now - last_rx > self.keepalive_s * 1.5:
                    return f"no reply from the broker for {now - last_rx:.0f} s"
                if now - last_tx >= half:
                    sock.sendall(w.PINGREQ_PACKET)
                    last_tx = ping_sent = now
                if self.hold():
                    # Not reading: replies (PINGRESP) wait in the socket, so do not judge silence.
                    last_rx = now
                    ready, _, _ = select.select([wake], [], [], HOLD_POLL_S)
                    if ready:
                        try:
                            self._wake_r.recv(4096)
                        except BlockingIOError:
                            pass
                    continue
                pending = isinstance(sock, ssl.SSLSocket) and sock.pending()
                if not pending:
                    ready, _, _ = select.select([fileno, wake], [], [], max(0.0, half - (now - last_tx)) + 0.01)
                    if wake in ready:
                        try:
                            self._wake_r.recv(4096)
                        except BlockingIOError:
                            pass
                    if fileno not in ready:
                        continue
                chunk = sock.recv(RECV_BYTES)
                if not chunk:
                    return "the broker closed the connection"
                last_rx = time.monotonic()
                ping_sent = 0.0
                buf = buf + chunk if buf else chunk
        except (OSError, w.ProtocolError, LinkDown) as e:
            return str(e) or type(e).__name__
        except Exception as e:  # a bug in a callback: drop the link, redelivery retries
            log.exception("error while handling MQTT input; reconnecting")
            return f"internal error: {e!r}"

    def _handle(self, ptype: int, body: bytes) -> None:
        if ptype == w.PUBACK:
            pid, _ = w.parse_puback(body)
            with self._lock:
                ev = self._pending_pubs.pop(pid, None)
            if ev is not None:
                ev.set()
        elif ptype == w.SUBACK:
            pid, codes = w.parse_suback(body)
            if pid == self._sub_pid:
                self.on_subscribed([t for t, c in zip(self.topics, codes) if c >= 0x80])
        elif ptype == w.DISCONNECT:
            reason, text = w.parse_disconnect(body)
            raise LinkDown(f"the broker disconnected us (reason 0x{reason:02x}{': ' + text if text else ''})")
        elif ptype in (w.PINGRESP, w.CONNACK):
            pass
        else:
            raise w.ProtocolError(f"unexpected packet type {ptype} from the broker")


class RefusedError(Exception):
    """CONNACK with a failure reason code."""
