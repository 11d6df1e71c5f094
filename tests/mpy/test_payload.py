import json

import mpytest
import payload


def test_telemetry_follows_the_wire_contract():
    msg = payload.encode_telemetry(1042, 1732440000123, {"temp_c": 25.314, "ph": 7.2149, "tds_ppm": 312.04,
                                                         "turb_ntu": 1.2, "level_cm": 31.55, "flow_lpm": 7.9},
                                   ["turb_ntu"], 1)
    doc = json.loads(msg)
    assert doc["v"] == 1 and doc["seq"] == 1042 and doc["ts"] == 1732440000123
    assert doc["r"]["temp_c"] == 25.31 and doc["r"]["ph"] == 7.215 and doc["r"]["tds_ppm"] == 312.0
    assert doc["bad"] == ["turb_ntu"] and doc["pump"] == 1
    assert "unsynced" not in doc


def test_non_finite_values_move_to_bad_and_never_reach_r():
    nan = float("nan")
    inf = float("inf")
    doc = json.loads(payload.encode_telemetry(1, 2, {"temp_c": nan, "ph": inf, "tds_ppm": 300.0}, [], 0))
    assert doc["r"] == {"tds_ppm": 300.0}
    assert doc["bad"] == ["temp_c", "ph"]
    assert doc["pump"] == 0


def test_negative_zero_is_written_as_zero():
    doc = payload.encode_telemetry(1, 2, {"flow_lpm": -0.001}, [], 0)
    assert b'"flow_lpm":0.00' in doc
    doc = payload.encode_telemetry(1, 2, {"temp_c": -0.0, "ph": -0.0004, "tds_ppm": -0.04, "level_cm": -0.06}, [], 0)
    assert b'"temp_c":0.00,"ph":0.000,"tds_ppm":0.0,"level_cm":-0.1' in doc
    assert b"-0." not in doc.replace(b"-0.1", b"")


def test_the_callers_bad_list_is_not_changed():
    bad = ["ph"]
    doc = json.loads(payload.encode_telemetry(1, 2, {"temp_c": float("nan"), "tds_ppm": 300.0}, bad, 0))
    assert doc["bad"] == ["ph", "temp_c"] and bad == ["ph"]
    assert doc["r"] == {"tds_ppm": 300.0}


def test_unsynced_clock_is_flagged():
    assert json.loads(payload.encode_telemetry(1, 2, {}, [], 1, synced=False))["unsynced"] is True


def test_unsynced_time_is_corrected_for_this_boot_only():
    msg = payload.encode_telemetry(5, 120000, {"ph": 7.2}, [], 1, synced=False, boot=3)
    doc = json.loads(msg)
    assert doc["unsynced"] is True and doc["boot"] == 3 and doc["ts"] == 120000
    fixed = json.loads(payload.fix_time(msg, 3, 1700000000000))
    assert fixed == {"v": 1, "seq": 5, "ts": 1700000120000, "r": {"ph": 7.2}, "bad": [], "pump": 1}
    assert payload.fix_time(msg, 4, 1700000000000) == msg  # another boot: its uptime base is gone
    ev = payload.encode_event(2, 5000, "mode", "feed", False, 13)
    assert json.loads(payload.fix_time(ev, 13, 10))["ts"] == 5010
    assert payload.fix_time(ev, 1, 10) == ev  # boot 1 is not boot 13
    synced = payload.encode_telemetry(5, 120000, {}, [], 1)
    assert payload.fix_time(synced, 0, 99) == synced


def test_status_and_event():
    assert payload.encode_status(False) == b'{"online":false}'
    s = json.loads(payload.encode_status(True, "fw1", 3, -61, 81234, 5, 2))
    assert s == {"online": True, "fw": "fw1", "boot": 3, "rssi": -61, "mem_free": 81234, "backlog": 5, "dropped": 2}
    e = json.loads(payload.encode_event(7, 99, "interlock", 'sump "level" low'))
    assert e == {"seq": 7, "ts": 99, "kind": "interlock", "detail": 'sump "level" low'}


mpytest.run(globals())
