"""The gateway's own MQTT 5 client (gateway/mqtt_link.py) against a real Mosquitto.

Receive Maximum honoured, acks only for the connection they belong to (the generation guard,
observed through what the broker redelivers), session resumed, the last will on a lost link,
reconnecting by itself, a burst split across many reads, TLS from [mqtt] options.
"""

from __future__ import annotations

import threading
import time
import uuid
from pathlib import Path
from typing import Any, Callable

import paho.mqtt.client as mqtt
import pytest
from paho.mqtt.enums import CallbackAPIVersion

from aquamon.auth import tls_context
from aquamon.config import load_config_text
from gateway.mqtt_link import MqttLink
from gateway.mqtt_wire import Will
from harness.loadgen import Publisher
from harness.services import Mosquitto

pytestmark = pytest.mark.services  # every test here talks to a real Mosquitto


class Recorder:
    """Collects what a link delivers; waits are bounded."""

    def __init__(self) -> None:
        self.messages: list[tuple[int, bytes, bytes, int]] = []  # (generation, topic, payload, packet id)
        self.ups: list[bool] = []
        self.downs: list[str] = []
        self.refused: list[list[str]] = []
        self.cond = threading.Condition()

    def on_messages(self, generation: int, pubs: list[tuple[bytes, bytes, int, int]]) -> None:
        with self.cond:
            self.messages += [(generation, t, p, pid) for t, p, pid, _ in pubs]
            self.cond.notify_all()

    def on_up(self, present: bool) -> None:
        with self.cond:
            self.ups.append(present)
            self.cond.notify_all()

    def on_subscribed(self, refused: list[str]) -> None:
        with self.cond:
            self.refused.append(refused)
            self.cond.notify_all()

    def wait(self, predicate: Callable[[], bool], what: str, timeout: float = 10.0) -> None:
        with self.cond:
            if not self.cond.wait_for(predicate, timeout):
                raise AssertionError(f"timed out waiting for {what}")

    def of_generation(self, g: int) -> list[tuple[int, bytes, bytes, int]]:
        return [m for m in self.messages if m[0] == g]


def _link(m: Mosquitto, rec: Recorder, topic: str, **kw: Any) -> MqttLink:
    user, password = m.admin_credentials()
    return MqttLink("127.0.0.1", m.port, "link-" + uuid.uuid4().hex[:8], [topic], on_messages=rec.on_messages,
                    on_up=rec.on_up, on_down=rec.downs.append, on_subscribed=rec.on_subscribed,
                    session_expiry_s=300, username=user, password=password, **kw)


def _drop(link: MqttLink) -> None:
    """Cut the TCP connection under the link, as a network failure would (no DISCONNECT)."""
    sock = link._sock
    assert sock is not None
    sock.shutdown(2)


def _publish(m: Mosquitto, topic: str, payloads: list[bytes]) -> None:
    pub = Publisher(m.port, **m.client_kwargs())
    for p in payloads:
        pub.publish(topic, p)
    assert pub.wait_acked(30) == len(payloads)
    pub.close()


def test_receive_maximum_generation_guard_and_session_resume(mosquitto: Mosquitto, unique: str) -> None:
    rec = Recorder()
    topic = f"{unique}/t/d/telemetry"
    link = _link(mosquitto, rec, topic, receive_maximum=20).start()
    try:
        rec.wait(lambda: rec.refused == [[]], "SUBACK")
        assert rec.ups == [False]
        _publish(mosquitto, topic, [b"m%d" % i for i in range(21)])
        rec.wait(lambda: len(rec.messages) >= 20, "the first 20 messages")
        time.sleep(0.5)  # the broker must stop at our Receive Maximum while nothing is acknowledged
        assert len(rec.messages) == 20
        link.ack(1, [m[3] for m in rec.messages[:10]])
        rec.wait(lambda: len(rec.messages) == 21, "the 21st once 10 are acknowledged")

        unacked = {m[2] for m in rec.messages[10:]}
        _drop(link)  # reconnects by itself; the broker redelivers the unacknowledged 11 to the session
        rec.wait(lambda: len(rec.ups) == 2 and len(rec.of_generation(2)) >= 11, "the redelivery after a reconnect")
        assert rec.ups == [False, True]  # session resumed
        assert {m[2] for m in rec.of_generation(2)} == unacked
        # Stale acks (generation 1) must never reach the new connection.  Mosquitto redelivers
        # with the same packet ids, so had they been sent, these messages would now be gone:
        link.ack(1, [m[3] for m in rec.messages[10:21]])
        time.sleep(0.3)
        _drop(link)
        rec.wait(lambda: len(rec.ups) == 3 and len(rec.of_generation(3)) >= 11, "a second redelivery")
        assert {m[2] for m in rec.of_generation(3)} == unacked
        link.ack(3, [m[3] for m in rec.of_generation(3)])
        time.sleep(0.3)  # (the acks are on their way)
        _drop(link)
        rec.wait(lambda: len(rec.ups) == 4, "a fourth connection")
        time.sleep(0.5)
        assert rec.of_generation(4) == []  # everything acknowledged: nothing redelivered
    finally:
        link.stop()


def test_last_will_on_a_lost_link_none_on_stop_and_a_burst_across_reads(mosquitto: Mosquitto, unique: str,
                                                                       monkeypatch: pytest.MonkeyPatch) -> None:
    # the link retries a dropped connection after a jittered wait that can be a few ms: reconnecting
    # before the broker has read the dropped socket's end is a session takeover, which sends no will
    # (seen once on a loaded CI machine; a fixed second apart still failed in two full runs on a loaded
    # box, where the session's broker carries what every earlier test left in it). So the link retries
    # once the observer has the will, or after 10 s: without a will the assert below still fails.
    rec = Recorder()
    presence = f"{unique}/_gateway/x"
    seen: list[bytes] = []
    got = threading.Event()

    def retry_after_the_will(*args: Any, **kwargs: Any) -> float:
        got.wait(10)
        return 0.0

    monkeypatch.setattr("gateway.mqtt_link.retry_wait", retry_after_the_will)
    obs = mqtt.Client(CallbackAPIVersion.VERSION2, protocol=mqtt.MQTTv5)
    obs.username_pw_set(*mosquitto.admin_credentials())
    obs.on_message = lambda c, u, msg: (seen.append(msg.payload), got.set())
    obs.on_connect = lambda c, u, f, r, p: c.subscribe(presence, 1)
    obs.connect("127.0.0.1", mosquitto.port)
    obs.loop_start()
    topic = f"{unique}/t/d/telemetry"
    link = _link(mosquitto, rec, topic, will=Will(presence, b'{"online":false}'))
    try:
        link.start()
        rec.wait(lambda: rec.refused == [[]], "SUBACK")
        assert link.publish(presence, b'{"online":true}', retain=True).wait(5)
        assert got.wait(5) and seen[-1] == b'{"online":true}'
        got.clear()
        # a burst of mixed sizes (one bigger than a read), acknowledged as it arrives
        payloads = [(b"%05d" % i) * (1 + (i * 37) % 200) for i in range(3000)] + [b"x" * 300_000]
        _publish(mosquitto, topic, payloads)
        deadline = time.monotonic() + 20
        acked = 0
        while acked < len(payloads) and time.monotonic() < deadline:
            with rec.cond:
                batch = rec.messages[acked:]
            link.ack(link.generation, [m[3] for m in batch])
            acked += len(batch)
            time.sleep(0.01)
        assert [m[2] for m in rec.messages] == payloads
        _drop(link)  # no DISCONNECT: the broker publishes the will
        assert got.wait(10) and seen[-1] == b'{"online":false}'
        rec.wait(lambda: len(rec.ups) == 2, "the reconnect")
        got.clear()
        link.publish(presence, b'{"online":true}', retain=True).wait(5)
        assert got.wait(5) and seen[-1] == b'{"online":true}'
        got.clear()
        link.stop()  # a normal DISCONNECT: no will
        assert not got.wait(1.0), seen
    finally:
        link.stop()
        obs.loop_stop()
        obs.disconnect()


def test_hold_stops_reading_so_a_broker_beyond_receive_maximum_cannot_flood_us(mosquitto: Mosquitto,
                                                                                 unique: str) -> None:
    rec = Recorder()
    holding = [True]
    topic = f"{unique}/t/d/telemetry"
    link = _link(mosquitto, rec, topic, hold=lambda: holding[0] and len(rec.messages) >= 100).start()
    try:
        rec.wait(lambda: rec.refused == [[]], "SUBACK")
        payloads = [b"%05d" % i + b"." * 2000 for i in range(3000)]
        _publish(mosquitto, topic, payloads)
        rec.wait(lambda: len(rec.messages) >= 100, "the first 100")
        time.sleep(0.5)
        # (up to one 256 KB read past the mark: about 130 of these)
        assert len(rec.messages) < 100 + 140, len(rec.messages)
        holding[0] = False
        deadline = time.monotonic() + 20
        acked = 0
        while len(rec.messages) < len(payloads) and time.monotonic() < deadline:
            with rec.cond:
                fresh = rec.messages[acked:]
            link.ack(link.generation, [m[3] for m in fresh])
            acked += len(fresh)
            time.sleep(0.02)
        assert [m[2] for m in rec.messages] == payloads and rec.ups == [False]  # no reconnect while held
    finally:
        link.stop()


def test_tls_from_the_mqtt_options(tmp_path: Path) -> None:
    from test_security_broker import make_tls_files

    tls = make_tls_files(tmp_path / "pki")
    m = Mosquitto(tmp_path / "mosquitto", tls=tls).start()
    try:
        cfg = load_config_text(f'[mqtt]\nport = {m.port}\ntls = true\nca_file = "{tls.cafile}"\n')
        rec = Recorder()
        link = _link(m, rec, "a/+/+/telemetry", tls_context=tls_context(cfg.mqtt)).start()
        try:
            rec.wait(lambda: rec.refused == [[]], "SUBACK over TLS")
            pub = mqtt.Client(CallbackAPIVersion.VERSION2)
            pub.username_pw_set(*m.admin_credentials())
            pub.tls_set_context(m.ssl_context())
            pub.connect("127.0.0.1", m.port)
            pub.loop_start()
            pub.publish("a/t/d/telemetry", b"over tls", qos=1).wait_for_publish(5)
            pub.loop_stop()
            pub.disconnect()
            rec.wait(lambda: [m_[2] for m_ in rec.messages] == [b"over tls"], "a message over TLS")
        finally:
            link.stop()
        plain = Recorder()  # the same link without TLS never gets a CONNACK from a TLS listener
        link = _link(m, plain, "a/#").start()
        time.sleep(0.5)
        assert plain.ups == [] and not link.connected.is_set()
        link.stop()
    finally:
        m.stop()


def test_a_refused_login_is_logged_with_what_to_do(mosquitto: Mosquitto, caplog: pytest.LogCaptureFixture) -> None:
    rec = Recorder()
    link = MqttLink("127.0.0.1", mosquitto.port, "bad-login", ["x/#"], on_messages=rec.on_messages,
                    username="nobody", password="wrong")
    with caplog.at_level("ERROR", logger="aquamon.gateway"):
        link.start()
        deadline = time.monotonic() + 5
        while "refused the connection" not in caplog.text and time.monotonic() < deadline:
            time.sleep(0.05)
        link.stop()
    # (Mosquitto answers a wrong password with "not authorized"; the reason is named either way)
    assert ("refused the connection: not authorized" in caplog.text
            or "refused the connection: bad user name or password" in caplog.text)
    assert "Check [mqtt] username/password" in caplog.text and not link.connected.is_set()
