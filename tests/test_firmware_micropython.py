"""Firmware modules tested under the real MicroPython unix port, and the wire
contract checked across parts: what the firmware encodes, the gateway accepts."""

from __future__ import annotations

import json
import os
import subprocess
from pathlib import Path

import pytest

from gateway.validate import validate_message
from harness.stack import FIRMWARE_DIR, MPY_LIB_DIR, micropython_binary

pytestmark = pytest.mark.micropython
MPY_TESTS = Path(__file__).parent / "mpy"


def run_mpy(args: list[str], timeout: float = 60, stdin: str | None = None,
            heap: str | None = None) -> subprocess.CompletedProcess[str]:
    env = dict(os.environ, MICROPYPATH=f"{FIRMWARE_DIR}:{MPY_LIB_DIR}:{MPY_TESTS}")
    heap_args = ["-X", f"heapsize={heap}"] if heap else []
    return subprocess.run([micropython_binary(), *heap_args, *args], capture_output=True, text=True,
                          timeout=timeout, env=env, input=stdin)


@pytest.mark.parametrize("script", sorted(p.name for p in MPY_TESTS.glob("test_*.py")))
def test_module_under_micropython(script: str) -> None:
    r = run_mpy([str(MPY_TESTS / script)])
    assert r.returncode == 0, r.stdout + r.stderr
    last = r.stdout.strip().splitlines()[-1]
    assert last.endswith(" 0 failed") and not last.startswith("0 passed"), r.stdout


def test_the_binary_is_really_micropython() -> None:
    r = run_mpy(["-c", "import sys; print(sys.implementation.name)"])
    assert r.stdout.strip() == "micropython"


def test_firmware_payloads_pass_gateway_validation() -> None:
    code = (
        "import payload\n"
        "print(payload.encode_telemetry(3, 1700000000000, {'temp_c': 25.3, 'ph': 7.2, 'tds_ppm': 310.0, "
        "'turb_ntu': float('nan'), 'level_cm': 30.1, 'flow_lpm': 8.0}, [], 1).decode())\n"
        "print(payload.encode_event(4, 1700000000000, 'interlock', 'sump level low').decode())\n"
        "print(payload.encode_status(True, 'fw', 1, -50, 1000, 0, 0).decode())\n"
    )
    r = run_mpy(["-c", code])
    assert r.returncode == 0, r.stderr
    telemetry, event, status = r.stdout.strip().splitlines()
    now = 1700000000000
    v = validate_message("aquamon/t/d/telemetry", telemetry.encode(), now)
    assert v.value_rejects == []
    assert v.points[0].fields == {"temp_c": 25.3, "ph": 7.2, "tds_ppm": 310.0, "level_cm": 30.1, "flow_lpm": 8.0,
                                  "bad": "turb_ntu", "pump": 1, "seq": 3}
    e = validate_message("aquamon/t/d/event", event.encode(), now)
    assert e.points[0].tags["kind"] == "interlock" and e.points[0].fields["detail"] == "sump level low"
    s = validate_message("aquamon/t/d/status", status.encode(), now)
    assert s.points[0].fields["online"] is True and json.loads(status)["rssi"] == -50
