"""The wire contract's firmware additions (heater and top-off outlets, probes under calibration):
what the real MicroPython firmware encodes, the gateway's validator accepts, and its fast path
writes the very same line (or declines and leaves it to the validator)."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from aquamon.lineproto import encode_point
from gateway.fastpath import FastTelemetry
from gateway.validate import SENSOR_RANGES, validate_message
from tests.test_firmware_micropython import run_mpy

NOW = 1_700_000_000_000
FAST = FastTelemetry(16384, 300_000, 86_400_000)
TOPIC = "aquamon/t/d/telemetry"


def _same(payload: bytes) -> bool:
    """The fast path agrees with the validator on ``payload``; True when it took it."""
    fast = FAST.fields_and_time(payload, NOW)
    if fast is None:
        return False
    v = validate_message(TOPIC, payload, NOW)
    assert v.value_rejects == []
    p = v.points[0]
    assert FAST.line_prefix(v.tank, v.device) + fast[0] == encode_point(p.measurement, p.tags, p.fields, p.ts_ms)
    return True


@pytest.mark.micropython
def test_the_firmware_outlets_and_calibration_reach_the_database_fields() -> None:
    code = ("import payload\n"
            "print(payload.encode_telemetry(3, 1700000000000, {'temp_c': 25.3, 'tds_ppm': 310.0}, [], 1, True, 0,"
            " ',\"heater\":%d,\"topoff\":%d,\"cal\":[\"ph\"]' % (True, False)).decode())\n")
    r = run_mpy(["-c", code])
    assert r.returncode == 0, r.stderr
    line = r.stdout.strip()
    v = validate_message(TOPIC, line.encode(), NOW)
    assert v.value_rejects == []
    assert v.points[0].fields == {"temp_c": 25.3, "tds_ppm": 310.0, "pump": 1, "heater": 1, "topoff": 0,
                                  "cal": "ph", "seq": 3}
    assert _same(line.encode())  # and the fast path takes it, writing the same line


def test_bad_outlet_values_are_rejected_with_a_reason_and_the_readings_kept() -> None:
    doc = {"v": 1, "seq": 1, "ts": NOW, "r": {"temp_c": 25.0}, "heater": 2, "cal": "ph"}
    v = validate_message(TOPIC, json.dumps(doc).encode(), NOW)
    assert sorted(v.value_rejects) == ["bad_calibration_list", "bad_outlet"]
    assert v.points[0].fields["temp_c"] == 25.0 and "heater" not in v.points[0].fields
    assert FAST.fields_and_time(json.dumps(doc).encode(), NOW) is None


@settings(max_examples=400, deadline=None)
@given(st.dictionaries(st.sampled_from(sorted(SENSOR_RANGES)), st.floats(0, 14), max_size=4),
       st.one_of(st.none(), st.sampled_from([0, 1, 2, -1, True, 1.0, "1"])),
       st.one_of(st.none(), st.sampled_from([0, 1, 2, False])),
       st.lists(st.one_of(st.sampled_from(sorted(SENSOR_RANGES)), st.text(max_size=3)), max_size=3),
       st.sampled_from([0, 1, None]))
def test_fast_path_and_validator_agree_on_the_new_members(r: dict, heater: object, topoff: object,
                                                          cal: list, pump: object) -> None:
    doc: dict = {"v": 1, "seq": 7, "ts": NOW, "r": r, "cal": cal}
    for key, v in (("heater", heater), ("topoff", topoff), ("pump", pump)):
        if v is not None:
            doc[key] = v
    _same(json.dumps(doc).encode())


def test_a_reading_with_outlets_takes_the_fast_path() -> None:
    # (if the fast path declined all of them, the property above would pass vacuously)
    payload = b'{"v":1,"seq":2,"ts":%d,"r":{"temp_c":25.0,"ph":7.1},"bad":[],"pump":1,"heater":0,"topoff":1}' % NOW
    assert _same(payload)


def test_every_event_kind_the_firmware_sends_is_a_known_kind() -> None:
    """An event kind the gateway does not know is stored as "other": the analytics would not see a
    calibration start or a heater cut-off.  Read from the firmware's source, so a new kind fails here."""
    import re
    from pathlib import Path

    from gateway.validate import EVENT_KINDS

    src = "\n".join(p.read_text() for p in (Path(__file__).parents[1] / "firmware").glob("*.py"))
    sent = set(re.findall(r"\.event\(\"([a-z_]+)\"", src)) | set(re.findall(r"append\(\(\"([a-z_]+)\",", src))
    assert {"heater_cutoff", "calibration_start", "topoff_lockout", "lockout"} <= sent  # the scan finds them
    assert sent - EVENT_KINDS == set()


@pytest.mark.micropython
def test_the_devices_refused_command_counters_reach_the_database_fields(tmp_path: Path) -> None:
    """The status of a device with a command key counts what it refused, by cause: the gateway stores
    each count (STATUS_COMMAND_COUNTERS), and drops a count out of range alone, with a reason."""
    from aquamon.contract import STATUS_COMMAND_COUNTERS

    code = ("import app, json\n"
            "from boards import Board\n"
            "d = app.Device({'tank': 't', 'device': 'd', 'state_dir': %r, 'mqtt': {'port': 1},"
            " 'cmd': {'key': 'cd' * 32}}, Board([30.0]))\n"
            "d.refusals[1] = 3\n"
            "d._on_message(d.t_cmd, b'junk')\n"
            "print(d.status_payload().decode())\n") % str(tmp_path)
    r = run_mpy(["-c", code])
    assert r.returncode == 0, r.stderr
    status = r.stdout.strip().splitlines()[-1]
    v = validate_message("aquamon/t/d/status", status.encode(), NOW)
    assert v.value_rejects == []
    fields = v.points[0].fields
    assert {k: fields[k] for k in STATUS_COMMAND_COUNTERS} == {
        "cmd_bad_sig": 0, "cmd_replay": 3, "cmd_stale": 0, "cmd_unknown": 0, "cmd_malformed": 1, "cmd_flood": 0}
    bad = json.loads(status) | {"cmd_replay": -1}
    v = validate_message("aquamon/t/d/status", json.dumps(bad).encode(), NOW)
    assert v.value_rejects == ["out_of_range"] and "cmd_replay" not in v.points[0].fields
    assert v.points[0].fields["cmd_malformed"] == 1


@pytest.mark.micropython
def test_a_heater_fallback_says_its_cause_on_the_wire_and_in_the_database() -> None:
    """The heater guard's fallback has two kinds of cause, a probe to check or a heater to check: the
    event carries it ("cause", one of EVENT_CAUSES) and the gateway stores it beside the detail."""
    from aquamon.contract import EVENT_CAUSES

    code = ("import outlets, payload\n"
            "c = (2500, 30, 2900, 100, 600000, 0, 3, 100)\n"  # thermostat at 25 C, 10 min max on, stuck at 3
            "s = [False, 0, False, 0, False, 0, None, 0]\n"
            "for t, t2, now in ((2400, None, 0), (2400, 2600, 60000), (None, None, 120000), (2401, None, 180000),"
            " (2402, None, 240000), (2402, None, 300000), (2402, None, 360000), (2402, None, 420000)):\n"
            "    for e in outlets.heater_step(s, c, t, t2, now):\n"
            "        if e[0] == 'heater_fallback':\n"
            "            print(payload.encode_event(1, 1700000000000, *e[:2], True, 0, e[2]).decode())\n"
            "s = [False, 0, False, 0, False, 0, None, 0]\n"
            "for i in range(12):\n"
            "    for e in outlets.heater_step(s, c, 2400 + i, None, i * 60000):\n"
            "        if e[0] == 'heater_fallback':\n"
            "            print(payload.encode_event(2, 1700000000000, *e[:2], True, 0, e[2]).decode())\n")
    r = run_mpy(["-c", code])
    assert r.returncode == 0, r.stderr
    causes = []
    for line in r.stdout.splitlines():
        v = validate_message("aquamon/t/d/event", line.encode(), NOW)
        assert v.value_rejects == [] and v.points[0].tags["kind"] == "heater_fallback"
        causes.append(v.points[0].fields["cause"])
    assert causes == ["probes_disagree", "probe_missing", "probe_stuck", "max_on"]
    assert set(causes) == set(EVENT_CAUSES["heater_fallback"])
    odd = validate_message("aquamon/t/d/event", b'{"ts":%d,"kind":"heater_fallback","detail":"x","cause":"A B"}'
                           % NOW, NOW)
    assert odd.value_rejects == ["bad_cause"] and "cause" not in odd.points[0].fields  # the event itself kept
    plain = validate_message("aquamon/t/d/event", b'{"ts":%d,"kind":"lockout","detail":"x"}' % NOW, NOW)
    assert "cause" not in plain.points[0].fields and plain.value_rejects == []
