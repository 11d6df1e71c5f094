"""The fast path for well-formed readings (gateway/fastpath.py) against the exact validator.

The property: whatever the fast path accepts, the validator accepts too, with no value dropped,
and the line is byte for byte the one the validator's point encodes to.  Everything else the
fast path declines, so every reject reason still comes from gateway/validate.py.
"""

from __future__ import annotations

import json
import time
from pathlib import Path

from hypothesis import given, settings
from hypothesis import strategies as st

from aquamon.config import Config
from aquamon.lineproto import encode_point
from gateway.fastpath import FastTelemetry
from gateway.service import Gateway, Incoming
from gateway.validate import SENSOR_RANGES, Reject, validate_message
from harness.loadgen import readings

NOW = 1_700_000_000_000
MAX_BYTES, MAX_FUTURE_MS, MAX_AGE_MS = 16384, 300_000, 30 * 86_400_000
FAST = FastTelemetry(MAX_BYTES, MAX_FUTURE_MS, MAX_AGE_MS)
TOPIC = "aquamon/tank-1/esp32-a/telemetry"

numbers = st.one_of(st.floats(allow_nan=True, allow_infinity=True), st.floats(-10, 100), st.integers(-50, 500),
                    st.integers(), st.just(-0.0), st.just(5e-324), st.just(1e-7), st.just(14.0), st.just(60))
odd_values = st.one_of(st.booleans(), st.none(), st.text(max_size=5), st.lists(st.integers(), max_size=2),
                       st.dictionaries(st.text(max_size=3), st.integers(), max_size=2))
names = st.one_of(st.sampled_from(sorted(SENSOR_RANGES)), st.sampled_from(["x", "note", "PH", "temp"]), st.text(max_size=6))
readings_dicts = st.dictionaries(names, st.one_of(numbers, numbers, odd_values), max_size=8)


def _in_range(name: str) -> st.SearchStrategy[object]:
    lo, hi = SENSOR_RANGES[name]
    return st.one_of(st.floats(lo, hi), st.integers(int(lo), int(hi)), st.sampled_from([lo, hi, round((lo + hi) / 3, 2)]))


@st.composite
def documents(draw: st.DrawFn) -> dict[str, object]:
    """A well-formed reading, then up to three changes drawn from the odd and hostile."""
    sensors = draw(st.lists(st.sampled_from(sorted(SENSOR_RANGES)), unique=True, max_size=7))
    doc: dict[str, object] = {
        "v": 1, "seq": draw(st.integers(0, 10**9)),
        "ts": draw(st.integers(NOW - MAX_AGE_MS, NOW + MAX_FUTURE_MS)),
        "r": {name: draw(_in_range(name)) for name in sensors},
        "bad": draw(st.lists(st.sampled_from(sorted(SENSOR_RANGES)), max_size=3)),
    }
    for key, strategy in (("pump", st.sampled_from([0, 1])), ("unsynced", st.booleans()),
                          ("boot", st.integers(0, 100))):
        if draw(st.booleans()):
            doc[key] = draw(strategy)
    changes = {
        "v": st.sampled_from([2, 1.0, True, "1", None]),
        "seq": st.one_of(st.integers(), st.sampled_from([-1, 2**63 - 1, 2**63, 2**64, True, 1.5])),
        "ts": st.one_of(st.integers(NOW - MAX_AGE_MS - 5, NOW + MAX_FUTURE_MS + 5),
                        st.sampled_from([NOW - MAX_AGE_MS - 1, NOW + MAX_FUTURE_MS + 1, NOW * 1.0, str(NOW),
                                         None, 10**30, -(10**30)])),
        "r": st.one_of(readings_dicts, odd_values),
        "bad": st.one_of(st.lists(st.one_of(st.sampled_from(sorted(SENSOR_RANGES)), st.text(max_size=4),
                                            st.integers()), max_size=4), odd_values),
        "pump": st.sampled_from([2, -1, True, False, 1.0, None, "1"]),
        "unsynced": odd_values, "boot": odd_values, "extra": odd_values,
    }
    for _ in range(draw(st.sampled_from([0, 0, 1, 1, 2, 3]))):
        key = draw(st.sampled_from([*changes, "r.value", "r.name", "delete"]))
        if key == "r.value" and isinstance(doc.get("r"), dict) and doc["r"]:
            doc["r"][draw(st.sampled_from(sorted(doc["r"])))] = draw(st.one_of(numbers, odd_values))
        elif key == "r.name" and isinstance(doc.get("r"), dict):
            doc["r"][draw(names)] = draw(st.one_of(numbers, odd_values))
        elif key == "delete":
            doc.pop(draw(st.sampled_from(sorted(doc))), None)
        elif key in changes:
            doc[key] = draw(changes[key])
    return doc


def _check_same(payload: bytes) -> bool:
    """Assert the fast path agrees with the validator on ``payload``; True if it took it."""
    fast = FAST.fields_and_time(payload, NOW)
    if fast is None:
        return False
    v = validate_message(TOPIC, payload, NOW, "aquamon", MAX_BYTES, MAX_FUTURE_MS, MAX_AGE_MS)  # must not raise
    assert v.value_rejects == [] and v.seq == fast[1]
    p = v.points[0]
    assert FAST.line_prefix(v.tank, v.device) + fast[0] == encode_point(p.measurement, p.tags, p.fields, p.ts_ms)
    return True


@settings(max_examples=700, deadline=None)
@given(documents(), st.sampled_from(["json", "compact", "duplicate", "spaces"]))
def test_fast_path_accepts_only_what_the_validator_accepts_and_writes_the_same_line(
        doc: dict[str, object], style: str) -> None:
    text = json.dumps(doc, separators=(",", ":") if style == "compact" else (", ", ": "))
    if style == "duplicate" and len(doc) > 1:  # JSON with a repeated key: the last one counts, in both
        first = next(iter(doc))
        text = "{" + json.dumps(first) + ":" + json.dumps("shadowed") + "," + text[1:]
    elif style == "spaces":
        text = "\n " + text + " \t"
    _check_same(text.encode())


@settings(max_examples=500, deadline=None)
@given(st.binary(max_size=200))
def test_fast_path_never_takes_what_the_validator_refuses(junk: bytes) -> None:
    for payload in (junk, b'{"v":1,"seq":1,"ts":%d,"r":{"ph":7' % NOW + junk):
        try:
            _check_same(payload)
        except Reject as e:  # only if the fast path had taken it
            raise AssertionError(f"fast path took a payload the validator rejects: {e}") from None


def test_the_firmware_and_load_generator_readings_take_the_fast_path() -> None:
    # (if the fast path silently declined everything, the property tests above would still pass)
    now = int(time.time() * 1000)
    fast = FastTelemetry(MAX_BYTES, MAX_FUTURE_MS, MAX_AGE_MS)
    typical = [p for _, p in readings("aquamon", 50, start_ms=now - 100_000)]
    typical.append(('{"v":1,"seq":12,"ts":%d,"r":{"temp_c":25.10,"ph":7.21,"tds_ppm":312,"ec_us_cm":624.0,'
                    '"turb_ntu":1.5,"level_cm":18.2,"flow_lpm":6.0},"bad":["turb_ntu"],"pump":0,'
                    '"unsynced":true,"boot":3}' % now).encode())
    for payload in typical:
        assert fast.fields_and_time(payload, now) is not None, payload
        global NOW
        saved, NOW = NOW, now
        try:
            assert _check_same(payload)
        finally:
            NOW = saved


def test_gateway_lines_and_counters_match_the_validator_on_a_mixed_batch(tmp_path: Path) -> None:
    cfg = Config()
    cfg.spool.dir = str(tmp_path)
    cfg.gateway.instance = "fast"
    g = Gateway(cfg)
    now = int(time.time() * 1000)
    good = [p for _, p in readings("aquamon", 6, tanks=2, start_ms=now - 60_000)]
    msgs = [("aquamon/t0/d0/telemetry", good[0]), ("aquamon/t0/d0/telemetry", b'{"v":1,"seq":9,"ts":%d,"r":{"ph":99}}' % now),
            ("aquamon/t0/d0/telemetry", good[2]), ("aquamon/t0/d0/status", b'{"online":true}'),
            ("aquamon/t0/d0/telemetry", b"[1"), ("aquamon/t0/d0/telemetry", good[4]),
            ("aquamon/t0/d0/telemetry", good[2])]  # a redelivery
    lines = g.parser.to_lines([Incoming(t.encode(), p, i + 1, 1) for i, (t, p) in enumerate(msgs)])
    expected = []
    for t, p in msgs:
        try:
            v = validate_message(t, p, now, "aquamon")
        except Reject:
            continue
        expected += [encode_point(pt.measurement, pt.tags, pt.fields, pt.ts_ms) for pt in v.points]
    # the status point is stamped with the gateway's clock: compare it without its time
    assert [ln.rsplit(" ", 1)[0] for ln in lines] == [ln.rsplit(" ", 1)[0] for ln in expected]
    assert g.rejects == {"malformed_json": 1, "value_out_of_range": 1}
    assert g.counters["received"] == 7 and g.counters["rejected"] == 1
    # seq 1, 9 (slow path), 3, 5 then 3 again (fast path): gaps 7 + 0 + ... counted across both paths
    assert g.parser.last_seq[("t0", "d0")] == 9 and g.counters["seq_repeats"] == 3 and g.counters["seq_gaps"] == 7
