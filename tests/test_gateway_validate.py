"""Validation against the wire contract: every reject has a named reason."""

from __future__ import annotations

import json

import pytest

from gateway.validate import Reject, parse_topic, validate_message

NOW = 1_700_000_000_000
T = "aquamon/tank1/esp1/telemetry"


def tele(**over: object) -> bytes:
    doc = {"v": 1, "seq": 5, "ts": NOW, "r": {"temp_c": 25.0, "ph": 7.2}, "bad": [], "pump": 1}
    doc.update(over)
    return json.dumps(doc).encode()


@pytest.mark.parametrize("topic, payload, reason", [
    ("other/tank1/esp1/telemetry", tele(), "unknown_topic"),
    ("aquamon/tank1/esp1/weird", tele(), "unknown_topic"),
    ("aquamon/tank 1/esp1/telemetry", tele(), "bad_identifier"),
    (T, b"{", "malformed_json"),
    (T, b"\xff\xfe", "bad_encoding"),
    (T, b"[1]", "not_an_object"),
    (T, b'{"v":1,"seq":1,"ts":1,"r":{"temp_c":NaN}}', "non_finite"),
    (T, tele(v=2), "unsupported_version"),
    (T, tele(seq=-1), "bad_seq"),
    (T, tele(seq="7"), "bad_seq"),
    (T, tele(ts=1.5), "bad_timestamp"),
    (T, tele(ts=NOW + 3_600_000), "future_timestamp"),
    (T, tele(ts=NOW - 400 * 86_400_000), "ancient_timestamp"),
    (T, tele(r=[1]), "bad_readings"),
    (T, b"{" * 100000 + b"}" * 100000, "oversized"),
])
def test_rejects_have_named_reasons(topic: str, payload: bytes, reason: str) -> None:
    with pytest.raises(Reject) as e:
        validate_message(topic, payload, NOW, max_bytes=200_000 if len(payload) < 1000 else 16384)
    assert e.value.reason == reason


def test_deep_nesting_is_a_reject_not_a_crash() -> None:
    with pytest.raises(Reject) as e:
        validate_message(T, b"[" * 50000 + b"]" * 50000, NOW, max_bytes=200_000)
    assert e.value.reason == "malformed_json"


def test_a_bad_value_is_dropped_and_the_rest_kept() -> None:
    v = validate_message(T, tele(r={"temp_c": 25.0, "ph": 99.0, "tds_ppm": "x", "turb_ntu": True,
                                    "future_sensor": 1}), NOW)
    assert v.points[0].fields == {"temp_c": 25.0, "pump": 1, "seq": 5}
    assert sorted(v.value_rejects) == ["out_of_range", "wrong_type", "wrong_type"]


def test_a_faulted_sensor_is_stored_with_its_mark() -> None:
    v = validate_message(T, tele(bad=["turb_ntu", "nonsense", 3]), NOW)
    assert v.points[0].fields["bad"] == "turb_ntu"


def test_topic_parsing() -> None:
    assert parse_topic("x/y/t/d/status", "x/y") == ("t", "d", "status")
