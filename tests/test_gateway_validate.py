"""Validation against the wire contract: every reject has a named reason."""

from __future__ import annotations

import json

import pytest

from aquamon.lineproto import encode_point
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


def test_status_goes_to_device_and_event_to_event() -> None:
    v = validate_message("aquamon/tank1/esp1/status", b'{"online":false}', NOW)
    assert (v.points[0].measurement, v.points[0].fields, v.points[0].ts_ms) == ("device", {"online": False}, NOW)
    v = validate_message("aquamon/tank1/esp1/event", json.dumps({"ts": NOW, "kind": "interlock",
                                                                 "detail": "sump low", "seq": 3}).encode(), NOW)
    p = v.points[0]
    assert (p.measurement, p.tags["kind"], p.fields) == ("event", "interlock", {"detail": "sump low", "seq": 3})


# --- property: >= 10,000 generated payloads, valid, malformed and hostile -------------------------------

from hypothesis import HealthCheck, Phase, given, settings  # noqa: E402
from hypothesis import strategies as st  # noqa: E402

from gateway.validate import SENSOR_RANGES  # noqa: E402

PAYLOADS_PER_EXAMPLE = 10
EXAMPLES = 1050  # x 10 = 10,500 payloads
seen = {"payloads": 0, "valid": 0}

json_leaf = st.one_of(st.none(), st.booleans(), st.integers(min_value=-(10**30), max_value=10**30),
                      st.floats(allow_nan=False, allow_infinity=False), st.text(max_size=20))
json_any = st.recursive(json_leaf, lambda c: st.one_of(st.lists(c, max_size=4),
                                                      st.dictionaries(st.text(max_size=8), c, max_size=4)),
                        max_leaves=6)


SENSORS = sorted(SENSOR_RANGES)
STEPS = 10**9


def _value(name: str, k: int) -> float:
    lo, hi = SENSOR_RANGES[name]
    return lo + (hi - lo) * k / STEPS  # k = 0 and k = STEPS hit the range's edges


def _pick(mask: int) -> list[str]:
    return [n for i, n in enumerate(SENSORS) if mask >> i & 1]


# Few, cheap draws per reading (integers, not floats): 10,000 of them must fit the time budget.
valid_reading = st.builds(
    lambda mask, ks, seq, dt, badmask, pump: (lambda doc: (json.dumps(doc).encode(), doc))(
        {"v": 1, "seq": seq, "ts": NOW + dt, "r": {n: _value(n, k) for n, k in zip(_pick(mask), ks)},
         "bad": _pick(badmask), "pump": pump}),
    st.integers(1, 2 ** len(SENSORS) - 1), st.lists(st.integers(0, STEPS), min_size=7, max_size=7),
    st.integers(0, 2**63 - 1), st.integers(-29 * 86_400_000, 299_000), st.integers(0, 2 ** len(SENSORS) - 1),
    st.sampled_from([0, 1]))
hostile_value = st.one_of(
    st.sampled_from(["7.1", "", True, False, None, [], {}, [7.0], {"v": 7.0}, 1e308 * 10, -1e308 * 10, 10**400,
                     -(10**30), 1e5 * 1e5, -1e-300 - 1000.0]),
    st.integers(min_value=10**5, max_value=10**400), st.text(max_size=5))


@st.composite
def mixed_reading(draw: st.DrawFn) -> tuple[bytes, dict]:
    """Some values in range (must be kept), some hostile (must be dropped with a reason)."""
    good = _pick(draw(st.integers(1, 2 ** len(SENSORS) - 1)))
    r: dict = {n: _value(n, draw(st.integers(0, STEPS))) for n in good}
    for n in _pick(draw(st.integers(0, 2 ** len(SENSORS) - 1))):
        if n not in good:
            r[n] = draw(hostile_value)
    r.update(draw(st.dictionaries(st.sampled_from(["x", "temp", "PH", ""]), hostile_value, max_size=2)))
    doc = {"v": 1, "seq": draw(st.integers(0, 10**6)), "ts": NOW, "r": r}
    text = json.dumps(doc, allow_nan=True)  # may carry Infinity: rejected as a whole (non_finite)
    return text.encode(), {**doc, "r": {n: r[n] for n in good}}


hostile_payload = st.one_of(
    st.binary(max_size=200),
    json_any.map(lambda d: json.dumps(d).encode()),
    st.sampled_from([10, 1000, 3000, 8000]).map(lambda n: b"[" * n + b"]" * n),
    st.sampled_from([10, 1000, 2000]).map(lambda n: b'{"a":' * n + b"1" + b"}" * n),
    st.integers(300, 5000).map(lambda n: b'{"v":1,"seq":1,"ts":1' + b"0" * n + b',"r":{}}'),
    st.text(max_size=50).map(lambda t: json.dumps({"v": 1, "seq": 1, "ts": NOW, "r": {"temp_c": t}}).encode("utf-16")),
    st.text(min_size=1, max_size=50).map(lambda t: ("{\"v\":1,\"r\":\"" + t + "\"}").encode("latin-1", "replace")),
    st.just(b'{"v":1,"seq":1,"ts":NaN,"r":{}}'),
    st.just(b'{"v":1,"seq":1e999,"ts":-Infinity,"r":{}}'),
)
topic_st = st.one_of(st.just(T), st.just("aquamon/tank1/esp1/status"), st.just("aquamon/tank1/esp1/event"),
                     st.text(max_size=40))


# Weights 2:2:1 (listing a strategy twice in one_of): mixed readings cost the most draws.
VALID = valid_reading.map(lambda x: ("valid", x))
HOSTILE = st.tuples(topic_st, hostile_payload).map(lambda x: ("hostile", x))


@settings(max_examples=EXAMPLES, deadline=None, derandomize=True, phases=[Phase.explicit, Phase.generate],
          suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large, HealthCheck.large_base_example])
@given(st.lists(st.one_of(VALID, HOSTILE, mixed_reading().map(lambda x: ("mixed", x)), VALID, HOSTILE),
                min_size=PAYLOADS_PER_EXAMPLE, max_size=PAYLOADS_PER_EXAMPLE))
def _validator_never_crashes_and_keeps_every_valid_value(cases: list) -> None:
    for kind, case in cases:
        seen["payloads"] += 1
        if kind == "hostile":
            topic, payload = case
            try:
                validate_message(topic, payload, NOW)
            except Reject as r:
                assert r.reason and " " not in r.reason
            continue
        payload, doc = case
        try:
            v = validate_message(T, payload, NOW)
        except Reject as r:
            assert kind == "mixed" and r.reason == "non_finite", r  # only a bare Infinity sinks a whole message
            continue
        fields = v.points[0].fields
        for name, value in doc["r"].items():
            assert fields[name] == float(value), name  # every valid value kept, exactly
        assert fields["seq"] == doc["seq"] and v.points[0].ts_ms == doc["ts"]
        if kind == "valid":
            seen["valid"] += 1
            assert v.value_rejects == []
            assert fields["pump"] == doc["pump"]
            assert fields.get("bad", "") == ",".join(sorted(set(doc["bad"])))


def test_validator_property_on_ten_thousand_generated_payloads() -> None:
    seen.update(payloads=0, valid=0)
    _validator_never_crashes_and_keeps_every_valid_value()
    assert seen["payloads"] >= 10_000 and seen["valid"] >= 1_000, seen


# --- ids, event kinds and status numbers: what a hostile device could send (issue 21) -------

@pytest.mark.parametrize("topic", ["aquamon/t\u0430nk1/esp1/telemetry",  # a Cyrillic а: looks like tank1
                                   "aquamon/Tank1/esp1/telemetry", "aquamon/tank1/esp.1/telemetry",
                                   "aquamon/_gateway/esp1/telemetry", "aquamon/" + "t" * 33 + "/esp1/telemetry"])
def test_ids_outside_the_documented_alphabet_are_refused(topic: str) -> None:
    with pytest.raises(Reject) as e:
        validate_message(topic, tele(), NOW)
    assert e.value.reason == "bad_identifier"


@pytest.mark.parametrize("kind", ["x\nwater,tank=victim temp_c=40", "a b", "a,b", "a=b", "K", "", 7, None,
                                  "k" * 33, "\u0430"])
def test_an_event_kind_outside_the_id_alphabet_is_refused(kind: object) -> None:
    with pytest.raises(Reject) as e:
        validate_message("aquamon/tank1/esp1/event", json.dumps({"ts": NOW, "kind": kind}).encode(), NOW)
    assert e.value.reason == "bad_event"


def test_an_unknown_event_kind_is_kept_under_other_with_its_name() -> None:
    v = validate_message("aquamon/tank1/esp1/event", json.dumps({"ts": NOW, "kind": "k123", "detail": "d"}).encode(),
                         NOW)
    assert v.points[0].tags["kind"] == "other" and v.points[0].fields["detail"] == "k123: d"
    assert v.value_rejects == ["unknown_event_kind"]
    known = validate_message("aquamon/tank1/esp1/event", json.dumps({"ts": NOW, "kind": "fault"}).encode(), NOW)
    assert known.points[0].tags["kind"] == "fault" and known.value_rejects == []


@pytest.mark.parametrize("rssi", [10**300, -10**300, 2**63, 1000, -1000])
def test_a_status_number_out_of_range_is_dropped_alone(rssi: int) -> None:
    payload = b'{"online":true,"rssi":' + str(rssi).encode() + b',"boot":3}'
    v = validate_message("aquamon/tank1/esp1/status", payload, NOW)
    assert v.points[0].fields == {"online": True, "boot": 3} and v.value_rejects == ["out_of_range"]
    encode_point(v.points[0].measurement, v.points[0].tags, v.points[0].fields, v.points[0].ts_ms)


@pytest.mark.parametrize("tank", ["t\u0430nk1", "Tank1", "tank.1"])
def test_the_config_check_refuses_a_tank_id_outside_the_alphabet(tank: str) -> None:
    from aquamon.config import ConfigError, load_config_text

    with pytest.raises(ConfigError, match="tank id"):
        load_config_text(f'[analytics]\ntanks = ["{tank}"]\n')
    load_config_text('[analytics]\ntanks = ["tank1", "shop-tank_3"]\n')
