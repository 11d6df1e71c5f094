"""Signed commands end to end: the firmware on the MicroPython unix port, a real broker.

A valid command is captured off the wire (by a client allowed to read it), then
replayed, altered by one byte, and sent to another device: the device answers
each on ``…/cmd/ack`` with ok=false and the reason, and only the original is
obeyed.  Both devices share one key here on purpose: the refusal at the second
device comes from the tank and device being inside the signed text, not from
keys that happen to differ.
"""

from __future__ import annotations

import json
import time
from pathlib import Path

import pytest
from test_security_broker import Client

from aquamon.auth import Account
from aquamon.commands import encode, sign_command
from harness.services import Mosquitto
from harness.stack import Stack, firmware_config

pytestmark = [pytest.mark.services, pytest.mark.micropython]
KEY_HEX = "8f1c2a3b4d5e6f708192a3b4c5d6e7f8091a2b3c4d5e6f708192a3b4c5d6e7f8"


def start_device(stack: Stack, prefix: str, device: str, tmp_path: Path) -> None:
    assert stack.mosquitto is not None
    stack.start_firmware(firmware_config(
        tank="tank1", device=device, mqtt_port=stack.mosquitto.port, prefix=prefix,
        state_dir=tmp_path / device, minutes=2, interval_s=1, speed=1,  # device clock = wall clock
        start_epoch_ms=int(time.time() * 1000), cmd_key=KEY_HEX, extra={"poll_ms": 50}), name=device)


def test_a_captured_command_is_refused_when_replayed_altered_or_redirected(
        stack: Stack, mosquitto: Mosquitto, unique: str, tmp_path: Path) -> None:
    p = unique
    made: list[Client] = []
    try:
        # an eavesdropper with read access to every topic (the admin account) captures and replays
        spy = Client(mosquitto.port, *mosquitto.admin_credentials())
        made.append(spy)
        spy.subscribe(f"{p}/tank1/+/status", f"{p}/tank1/+/cmd/ack", f"{p}/tank1/esp1/cmd")
        start_device(stack, p, "esp1", tmp_path)
        start_device(stack, p, "esp2", tmp_path)
        for dev in ("esp1", "esp2"):
            spy.wait(lambda dev=dev: any(b'"online":true' in m for m in spy.got(f"{p}/tank1/{dev}/status")),
                     f"{dev} did not come online", timeout=30)
        time.sleep(0.5)  # the status is published right after the device subscribed to its cmd
        operator = Client(mosquitto.port, *mosquitto.ensure_account(Account.for_service("operator", f"op@{p}", p)))
        made.append(operator)

        def acks(dev: str) -> list[dict]:
            return [json.loads(m) for m in spy.got(f"{p}/tank1/{dev}/cmd/ack")]

        def send(dev: str, raw: bytes, n_acks: int) -> dict:
            assert not operator.publish(f"{p}/tank1/{dev}/cmd", raw).is_failure
            spy.wait(lambda: len(acks(dev)) >= n_acks, f"{dev} did not answer command {n_acks}", timeout=10)
            return acks(dev)[n_acks - 1]

        cmd = sign_command(bytes.fromhex(KEY_HEX), "tank1", "esp1", "pump", {"mode": "feed", "minutes": 10})
        ok = send("esp1", encode(cmd), 1)
        assert ok["id"] == cmd["id"] and ok["ok"] is True, ok
        captured = spy.got(f"{p}/tank1/esp1/cmd")[0]  # the bytes as they crossed the broker

        replay = send("esp1", captured, 2)
        assert replay["ok"] is False and "replay" in replay["reason"], replay

        i = captured.index(b'"minutes":10') + len(b'"minutes":')
        altered = captured[:i] + b"9" + captured[i + 1:]  # one byte: 10 minutes -> 90
        assert len(altered) == len(captured) and sum(a != b for a, b in zip(altered, captured)) == 1
        changed = send("esp1", altered, 3)
        assert changed["ok"] is False and "bad signature" in changed["reason"], changed

        forged_id = json.loads(captured)
        forged_id["id"] = "new-id-" + unique  # a fresh id does not make an old signature valid
        fresh = send("esp1", encode(forged_id), 4)
        assert fresh["ok"] is False and "bad signature" in fresh["reason"], fresh

        elsewhere = send("esp2", captured, 1)
        assert elsewhere["ok"] is False and "bad signature" in elsewhere["reason"], elsewhere

        # a new, properly signed command is still obeyed: the refusals did not disable commands
        again = sign_command(bytes.fromhex(KEY_HEX), "tank1", "esp1", "pump", {"mode": "auto"})
        assert send("esp1", encode(again), 5)["ok"] is True
        assert [a["ok"] for a in acks("esp1")] == [True, False, False, False, True]
        assert [a["ok"] for a in acks("esp2")] == [False]
    finally:
        for c in made:
            c.close()
