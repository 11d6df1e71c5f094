"""The firmware on a bad day, on the real parts (issue 21): a flood of malformed commands through a real
Mosquitto must not starve the one legitimate signed command sent during it; a device configured with an id
the gateway would refuse is told so at boot (and by `aquamon flash`) instead of publishing into the void.

The device runs on the MicroPython unix port with its default poll interval (1 s); the flood is 1,000
malformed messages a second for three seconds on the device's command topic, from an account allowed to
publish there; a properly signed command goes out in the middle of it.  Before the fix the device read one
message per poll: the signed command waited behind thousands of junk ones and was never answered.
"""

from __future__ import annotations

import json
import random
import subprocess
import time
from pathlib import Path

import pytest
from test_security_broker import Client

from aquamon.auth import Account
from aquamon.commands import encode, sign_command
from aquamon.ids import is_id
from harness.services import Mosquitto
from harness.stack import Stack, firmware_config, micropython_binary, micropython_env

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


CHECK_IDS = """
import json, sys
import devconfig
for name in json.loads(sys.stdin.read()):
    cfg, errors = devconfig.validate({"tank": name, "device": name})
    print(json.dumps([cfg["tank"] == name and cfg["device"] == name, len(errors)]))
"""


@pytest.mark.micropython
def test_the_firmware_takes_exactly_the_ids_the_gateway_takes() -> None:
    """Before: device.json accepted ``Tank1``, ``tank.1`` and 40-character ids, which the gateway refuses
    (``bad_identifier``): every reading of such a device was dropped.  Now the device reports the id as a
    config error at boot (and `aquamon flash` refuses it); the rule is aquamon/ids.py's."""
    rng = random.Random(21)
    alphabet = "az09_-.AZ \u0430/#+"
    names = ["tank1", "esp32-1", "Tank1", "tank.1", "t\u0430nk1", "_gateway", "-x", "a" * 32, "a" * 33, "tank 1"]
    names += ["".join(rng.choice(alphabet) for _ in range(rng.randint(1, 34))) for _ in range(300)]
    r = subprocess.run([micropython_binary(), "-c", CHECK_IDS], input=json.dumps(names), capture_output=True,
                       text=True, timeout=60, env=micropython_env())
    assert r.returncode == 0, r.stderr
    taken = [json.loads(line) for line in r.stdout.splitlines()]
    assert len(taken) == len(names)
    wrong = [(n, ok) for n, (ok, _) in zip(names, taken) if ok != is_id(n)]
    assert wrong == [], wrong[:10]
    assert all(errors == 2 for n, (_, errors) in zip(names, taken) if not is_id(n))  # each one said, tank and device
