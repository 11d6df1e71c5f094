"""The firmware on a bad day, on the real parts (issue 21): a flood of malformed commands through a real
Mosquitto must not starve the one legitimate signed command sent during it.

The device runs on the MicroPython unix port with its default poll interval (1 s); the flood is 1,000
malformed messages a second for three seconds on the device's command topic, from an account allowed to
publish there; a properly signed command goes out in the middle of it.  Before the fix the device read one
message per poll: the signed command waited behind thousands of junk ones and was never answered.
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
KEY_HEX = "5a" * 32
JUNK = (b"x" * 40, b"{}", b'{"id":"a"}', b"not json at all", b"{" + b"a" * 1500, b'{"ts":1}')


def test_a_flood_of_malformed_commands_does_not_starve_a_signed_one(
        stack: Stack, mosquitto: Mosquitto, unique: str, tmp_path: Path) -> None:
    p = unique
    made: list[Client] = []
    try:
        spy = Client(mosquitto.port, *mosquitto.admin_credentials())
        made.append(spy)
        spy.subscribe(f"{p}/tank1/esp1/status", f"{p}/tank1/esp1/cmd/ack")
        stack.start_firmware(firmware_config(
            tank="tank1", device="esp1", mqtt_port=mosquitto.port, prefix=p, state_dir=tmp_path / "esp1",
            minutes=3, interval_s=5, speed=1, start_epoch_ms=int(time.time() * 1000), cmd_key=KEY_HEX), name="esp1")
        spy.wait(lambda: any(b'"online":true' in m for m in spy.got(f"{p}/tank1/esp1/status")),
                 "the device did not come online", timeout=30)
        time.sleep(0.5)
        operator = Client(mosquitto.port, *mosquitto.ensure_account(Account.for_service("operator", f"op@{p}", p)))
        made.append(operator)
        topic = f"{p}/tank1/esp1/cmd"
        cmd = sign_command(bytes.fromhex(KEY_HEX), "tank1", "esp1", "pump", {"mode": "feed", "minutes": 10})
        start = time.monotonic()
        for n in range(3000):
            operator.c.publish(topic, JUNK[n % len(JUNK)], qos=0)
            if n == 1500:
                operator.c.publish(topic, encode(cmd), qos=1)
            ahead = start + (n + 1) / 1000 - time.monotonic()  # 1,000 a second
            if ahead > 0:
                time.sleep(ahead)

        def acks() -> list[dict]:
            return [json.loads(m) for m in spy.got(f"{p}/tank1/esp1/cmd/ack")]

        spy.wait(lambda: any(a.get("id") == cmd["id"] for a in acks()),
                 "the signed command sent during the flood was never answered", timeout=20)
        assert [(a["id"], a["ok"]) for a in acks()] == [(cmd["id"], True)]  # the junk is not answered
    finally:
        for c in made:
            c.close()
