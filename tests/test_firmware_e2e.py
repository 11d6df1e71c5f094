"""The firmware on the real MicroPython unix port against real Mosquitto brokers:
an hour without network or broker loses nothing and keeps the pump logic running,
the flash spool survives a reboot, and signed commands are verified on the wire."""

from __future__ import annotations

import json
import threading
import time
from pathlib import Path
from typing import Any, Iterator

import paho.mqtt.client as mqtt
import pytest
from paho.mqtt.enums import CallbackAPIVersion

from aquamon import commands
from aquamon.auth import Account, LoginRefused
from aquamon.config import MqttConfig
from harness.services import Mosquitto
from harness.stack import Stack, firmware_config, wait_for

pytestmark = [pytest.mark.services, pytest.mark.micropython]
START = 1_700_000_000_000
KEY_HEX = "7f" * 32


class Recorder:
    """Everything published under ``prefix/#``, in arrival order (a persistent QoS 1 session)."""

    def __init__(self, broker: Mosquitto, prefix: str) -> None:
        self.messages: list[tuple[str, dict[str, Any]]] = []
        self.lock = threading.Lock()
        self.subscribed = threading.Event()
        self.client = mqtt.Client(CallbackAPIVersion.VERSION2, client_id=f"rec-{prefix}", clean_session=False)
        self.client.username_pw_set(*broker.admin_credentials())
        self.client.reconnect_delay_set(0.05, 0.2)
        self.client.on_connect = lambda c, u, f, r, p: c.subscribe(f"{prefix}/#", 1)
        self.client.on_subscribe = lambda *a: self.subscribed.set()
        self.client.on_message = self._on_message
        self.client.connect("127.0.0.1", broker.port)
        self.client.loop_start()
        assert self.subscribed.wait(10)

    def _on_message(self, client: mqtt.Client, userdata: Any, msg: mqtt.MQTTMessage) -> None:
        with self.lock:
            self.messages.append((msg.topic, json.loads(msg.payload)))

    def of(self, suffix: str) -> list[dict[str, Any]]:
        with self.lock:
            return [doc for topic, doc in self.messages if topic.endswith(suffix)]

    def close(self) -> None:
        self.client.loop_stop()
        self.client.disconnect()


@pytest.fixture
def fw_stack(tmp_path: Path, mosquitto: Mosquitto) -> Iterator[Stack]:
    s = Stack(tmp_path, mosquitto=mosquitto)
    yield s
    s.stop_all()


def run_to_end(stack: Stack, cfg: dict[str, Any], name: str, timeout: float = 60) -> dict[str, Any]:
    proc = stack.start_firmware(cfg, name)
    assert wait_for(lambda: not proc.alive(), timeout), f"firmware did not finish:\n{proc.log_tail()}"
    result = stack.firmware_result(proc)
    assert result is not None, proc.log_tail()
    return result


def assert_backlog_in_order(seqs_after: list[int]) -> None:
    """After a reconnect the first arrival is live; every older seq (the backlog) arrives oldest first."""
    live = seqs_after[0]
    backlog = [s for s in seqs_after if s < live]
    assert backlog == sorted(backlog) and len(set(backlog)) == len(backlog)


def test_an_hour_offline_loses_nothing_and_the_pump_keeps_working(fw_stack: Stack, mosquitto: Mosquitto,
                                                                   unique: str) -> None:
    rec = Recorder(mosquitto, unique)
    try:
        # offline from minute 60 to 120; the sump runs low for minutes 80-90, in the middle of it
        cfg = firmware_config(tank="tank1", device="esp1", mqtt_port=mosquitto.port, prefix=unique,
                              state_dir=fw_stack.workdir / "dev", minutes=180, start_epoch_ms=START, speed=0,
                              faults=[{"kind": "offline", "start_min": 60, "end_min": 120},
                                      {"kind": "sump_low", "start_min": 80, "end_min": 90, "level_cm": 4.0}],
                              extra={"pump": {"min_off_s": 0}})
        result = run_to_end(fw_stack, cfg, "fw")
        assert result == {"published": 180, "cycles": 180, "backlog": 0, "dropped": 0, "seq": 180}
        assert wait_for(lambda: len(rec.of("/telemetry")) >= 180, 10)
        tele = rec.of("/telemetry")
        seqs = [t["seq"] for t in tele]
        assert sorted(seqs) == list(range(1, 181))  # every reading, exactly once
        assert seqs[:60] == list(range(1, 61))
        assert seqs[60] == 121  # the first message after the outage is the live reading ...
        assert_backlog_in_order(seqs[60:])  # ... then the hour of backlog, oldest first
        assert seqs.index(122) < seqs.index(120)  # and the next live reading does not wait for all of it
        by_seq = {t["seq"]: t for t in tele}
        assert [t["ts"] for _, t in sorted(by_seq.items())] == [START + i * 60_000 for i in range(180)]
        # the pump logic ran offline: off for exactly the low-sump minutes, on again afterwards
        off = [s for s, t in by_seq.items() if t["pump"] == 0]
        assert off == list(range(81, 91)), off
        events = [(e["kind"], e["detail"], (e["ts"] - START) // 60_000) for e in rec.of("/event")]
        assert ("interlock", "sump level low", 80) in events
        assert ("interlock_clear", "sump level low", 90) in events
    finally:
        rec.close()


def test_readings_before_ntp_time_are_corrected_once_it_arrives(fw_stack: Stack, mosquitto: Mosquitto,
                                                                unique: str) -> None:
    rec = Recorder(mosquitto, unique)
    try:
        # no network (so no NTP) for 40 minutes; the clock is known from minute 30
        cfg = firmware_config(tank="tank1", device="esp1", mqtt_port=mosquitto.port, prefix=unique,
                              state_dir=fw_stack.workdir / "dev", minutes=60, start_epoch_ms=START, speed=0,
                              faults=[{"kind": "offline", "start_min": 0, "end_min": 40}],
                              extra={"sim": {"unsynced_min": 30}})
        assert run_to_end(fw_stack, cfg, "fw")["published"] == 60
        assert wait_for(lambda: len(rec.of("/telemetry")) >= 60, 10)
        by_seq = {t["seq"]: t for t in rec.of("/telemetry")}
        assert [by_seq[s]["ts"] for s in range(1, 61)] == [START + i * 60_000 for i in range(60)]
        assert not any("unsynced" in t for t in by_seq.values())
    finally:
        rec.close()


def test_spool_and_seq_survive_a_reboot_in_the_middle_of_an_outage(fw_stack: Stack, mosquitto: Mosquitto,
                                                                    unique: str) -> None:
    rec = Recorder(mosquitto, unique)
    state = fw_stack.workdir / "dev"
    try:
        first = firmware_config(tank="tank1", device="esp1", mqtt_port=mosquitto.port, prefix=unique,
                                state_dir=state, minutes=90, start_epoch_ms=START, speed=0,
                                faults=[{"kind": "offline", "start_min": 30}], extra={"drain_timeout_s": 0})
        r1 = run_to_end(fw_stack, first, "boot1")
        assert r1["published"] == 30 and r1["backlog"] == 60 and r1["seq"] == 90
        second = firmware_config(tank="tank1", device="esp1", mqtt_port=mosquitto.port, prefix=unique,
                                 state_dir=state, minutes=10, start_epoch_ms=START + 90 * 60_000, speed=0)
        r2 = run_to_end(fw_stack, second, "boot2")
        assert r2 == {"published": 70, "cycles": 10, "backlog": 0, "dropped": 0, "seq": 100}
        assert wait_for(lambda: len(rec.of("/telemetry")) >= 100, 10)
        seqs = [t["seq"] for t in rec.of("/telemetry")]
        assert sorted(seqs) == list(range(1, 101))
        assert_backlog_in_order(seqs[30:])
        boots = [s["boot"] for s in rec.of("/status") if s.get("online")]
        assert boots and boots[-1] == 2
    finally:
        rec.close()


def test_a_broker_restart_loses_nothing(tmp_path: Path, unique: str) -> None:
    broker = Mosquitto(tmp_path / "broker").start()
    stack = Stack(tmp_path, mosquitto=broker)
    rec = Recorder(broker, unique)
    try:
        minutes = 100
        # 2000x: one simulated hour is 1.8 s of wall time
        cfg = firmware_config(tank="tank1", device="esp1", mqtt_port=broker.port, prefix=unique,
                              state_dir=tmp_path / "dev", minutes=minutes, start_epoch_ms=START, speed=2000)
        proc = stack.start_firmware(cfg, "fw")
        assert wait_for(lambda: len(rec.of("/telemetry")) >= 10, 20)
        broker.stop()  # our own broker, stopped by PID, restarted on the same port
        time.sleep(1.9)
        broker.start()
        assert wait_for(lambda: not proc.alive(), 30), proc.log_tail()
        result = stack.firmware_result(proc)
        assert result is not None and result["backlog"] == 0 and result["dropped"] == 0
        assert result["cycles"] == minutes and result["published"] >= minutes
        assert wait_for(lambda: len({t["seq"] for t in rec.of("/telemetry")}) >= minutes, 15)
        seqs = [t["seq"] for t in rec.of("/telemetry")]
        assert sorted(set(seqs)) == list(range(1, minutes + 1))
        assert len(seqs) - len(set(seqs)) <= 2  # at most the message in flight when the broker died
        # the outage spanned readings: they came back as a backlog, behind a live one, oldest first
        after = [i for i in range(1, len(seqs)) if seqs[i] < seqs[i - 1]]
        assert after, "no backlog after the restart: the outage did not happen"
        assert_backlog_in_order(seqs[after[0] - 1:])
    finally:
        rec.close()
        stack.stop_all()
        broker.stop()


def test_signed_commands_on_the_wire(fw_stack: Stack, mosquitto: Mosquitto, unique: str) -> None:
    rec = Recorder(mosquitto, unique)
    key = bytes.fromhex(KEY_HEX)
    try:
        now = int(time.time() * 1000)
        cfg = firmware_config(tank="tank1", device="esp1", mqtt_port=mosquitto.port, prefix=unique,
                              state_dir=fw_stack.workdir / "dev", minutes=1, interval_s=3, start_epoch_ms=now,
                              speed=1, cmd_key=KEY_HEX, extra={"poll_ms": 50, "max_cycles": 2})
        proc = fw_stack.start_firmware(cfg, "fw")
        assert wait_for(lambda: rec.of("/status"), 10), proc.log_tail()
        topic = commands.command_topic(unique, "tank1", "esp1")

        def send(doc: dict[str, Any]) -> None:
            rec.client.publish(topic, commands.encode(doc), qos=1).wait_for_publish(5)

        good = commands.sign_command(key, "tank1", "esp1", "pump", {"mode": "maintenance"}, cmd_id="good")
        send(good)
        send(good)  # a replay
        altered = dict(good, id="altered", args={"mode": "auto"})
        send(altered)
        send(commands.sign_command(key, "tank1", "esp2", "clear_lockout", cmd_id="redirected"))
        send(commands.sign_command(key, "tank1", "esp1", "feed", {"minutes": 5}, cmd_id="stale",
                                   ts_ms=now - 3_600_000))
        send(commands.sign_command(b"some other key of 32 bytes......", "tank1", "esp1", "clear_lockout",
                                   cmd_id="wrongkey"))
        send(commands.sign_command(key, "tank1", "esp1", "interval", {"seconds": 5}, cmd_id="badarg"))
        for i, buffer in enumerate(("4.01", "6.86")):
            send(commands.sign_command(key, "tank1", "esp1", "calibrate",
                                       {"sensor": "ph", "step": "point", "buffer": buffer}, cmd_id=f"cal{i}"))
        send(commands.sign_command(key, "tank1", "esp1", "calibrate", {"sensor": "ph", "step": "save"},
                                   cmd_id="calsave"))
        assert wait_for(lambda: len(rec.of("/cmd/ack")) >= 10, 15), rec.of("/cmd/ack")
        acks = rec.of("/cmd/ack")
        assert acks[0] == {"id": "good", "ok": True, "reason": "maintenance"}
        reasons = {a["id"]: a["reason"] for a in acks[1:7]}
        assert all(not a["ok"] for a in acks[1:7])
        assert reasons["good"] == "replay: id already seen"
        assert reasons["altered"].startswith("bad signature")
        assert reasons["redirected"].startswith("bad signature")
        assert reasons["wrongkey"].startswith("bad signature")
        assert reasons["stale"].startswith("timestamp outside")
        assert "seconds must be an integer between 10 and 3600" in reasons["badarg"]
        cal = {a["id"]: a for a in acks if a["id"].startswith("cal")}
        assert cal["cal0"]["ok"] and cal["cal0"]["reason"].startswith("pH point 1: buffer 4.01")
        # the simulated probe has a 97 % slope and +5 mV offset (sim defaults)
        assert cal["calsave"] == {"id": "calsave", "ok": True,
                                  "reason": "pH calibrated: slope 97.0 %, offset 5.0 mV at pH 7 (stored)"}
        # the CLI's path: sign, publish, wait for the answer
        mqtt_cfg = MqttConfig(port=mosquitto.port, topic_prefix=unique)
        with pytest.raises(LoginRefused, match="without a username .*--role operator"):
            commands.send_command(mqtt_cfg, "tank1", "esp1", key, "pump", {"mode": "auto"}, timeout_s=5)
        mqtt_cfg.username, mqtt_cfg.password = mosquitto.ensure_account(
            Account.for_service("operator", f"operator@{unique}", unique))
        ack = commands.send_command(mqtt_cfg, "tank1", "esp1", key, "pump", {"mode": "auto"}, timeout_s=5)
        assert ack is not None and ack["ok"] and ack["reason"] == "auto"
        assert wait_for(lambda: not proc.alive(), 15)
        assert ("mode", "maintenance") in [(e["kind"], e["detail"]) for e in rec.of("/event")]
    finally:
        rec.close()


def test_a_wrong_device_config_is_reported_on_the_status_topic(fw_stack: Stack, mosquitto: Mosquitto,
                                                               unique: str) -> None:
    rec = Recorder(mosquitto, unique)
    try:
        cfg = firmware_config(tank="tank1", device="esp1", mqtt_port=mosquitto.port, prefix=unique,
                              state_dir=fw_stack.workdir / "dev", minutes=3, start_epoch_ms=START, speed=0,
                              extra={"pump": {"max_faults_per_hour": 0}, "intervall_s": 30})
        result = run_to_end(fw_stack, cfg, "fw")
        assert result["cycles"] == 3 and result["published"] == 3  # it still runs, on defaults
        assert wait_for(lambda: any(s.get("config_errors") for s in rec.of("/status")), 5)
        errors = next(s["config_errors"] for s in rec.of("/status") if s.get("config_errors"))
        assert any("pump.max_faults_per_hour must be between 1 and 60" in e for e in errors)
        assert any("unknown key intervall_s" in e for e in errors)
        assert len([e for e in rec.of("/event") if e["kind"] == "config"]) == 2
    finally:
        rec.close()
