"""Validation of device messages against the wire contract.

Pure functions: bytes in, InfluxDB points (or a named reject reason) out.  A
whole message is rejected only when nothing in it can be trusted (bad JSON,
no usable timestamp); a single bad value is dropped with its own reason while
the other values of the same reading are kept.

>>> now = 1_700_000_000_000
>>> msg = b'{"v":1,"seq":5,"ts":1700000000000,"r":{"temp_c":25.1,"ph":"x"},"bad":[],"pump":1}'
>>> result = validate_message("aquamon/t1/esp1/telemetry", msg, now, prefix="aquamon")
>>> result.points[0].fields["temp_c"], result.value_rejects
(25.1, ['wrong_type'])
>>> validate_message("aquamon/t1/esp1/telemetry", b"{", now, prefix="aquamon")
Traceback (most recent call last):
...
gateway.validate.Reject: malformed_json: Expecting property name enclosed in double quotes
"""

from __future__ import annotations

import json
import math
from dataclasses import dataclass, field
from typing import Any

from aquamon import contract
from aquamon.contract import DEVICE, EVENT, EVENT_KINDS, MESSAGE_KINDS, OTHER_EVENT_KIND, RANGES, SENSORS, WATER
from aquamon.ids import is_id

# The wire and storage contract (sensors and their one range table, message and event kinds,
# measurements) is aquamon/contract.py.  A reading outside its range is a sensor fault,
# not water, and is dropped with reason out_of_range; an event kind outside EVENT_KINDS
# (in the id alphabet, aquamon/ids.py) is kept under OTHER_EVENT_KIND with its own name
# in the detail and counted, so one device cannot create unbounded series (20,000 kinds
# were 20,000 series), and nothing it says is lost.
SENSOR_RANGES = RANGES  # (the name the gateway's callers and tests know)
# Status numbers and their ranges: one out of range (a 300-digit rssi once made InfluxDB
# refuse the whole status point, "online" included) is dropped alone, counted.
STATUS_RANGES: dict[str, tuple[int, int]] = {
    "rssi": (-200, 50),  # dBm
    "mem_free": (0, 2**40),
    "backlog": (0, 2**40),
    "boot": (0, 2**40),
    "dropped": (0, 2**62),
    **{key: (0, 2**62) for key in contract.STATUS_COMMAND_COUNTERS},  # commands refused, by cause
}
MAX_DETAIL_CHARS = 500
MAX_TAG_CHARS = 64


class Reject(Exception):
    """A message that is refused as a whole; ``reason`` is a short stable counter name."""

    def __init__(self, reason: str, detail: str = "") -> None:
        super().__init__(f"{reason}: {detail}" if detail else reason)
        self.reason = reason
        self.detail = detail


@dataclass
class Point:
    measurement: str
    tags: dict[str, str]
    fields: dict[str, Any]
    ts_ms: int


@dataclass
class Validated:
    kind: str
    tank: str
    device: str
    points: list[Point]
    value_rejects: list[str] = field(default_factory=list)
    seq: int | None = None


def parse_topic(topic: str, prefix: str) -> tuple[str, str, str]:
    """``{prefix}/{tank}/{device}/{kind}`` -> (tank, device, kind), or Reject('unknown_topic').

    >>> parse_topic("aquamon/tank1/esp32-a/telemetry", "aquamon")
    ('tank1', 'esp32-a', 'telemetry')
    """
    pre = prefix.rstrip("/") + "/"
    if not topic.startswith(pre):
        raise Reject("unknown_topic", topic[:200])
    parts = topic[len(pre):].split("/")
    if len(parts) != 3 or parts[2] not in MESSAGE_KINDS:
        raise Reject("unknown_topic", topic[:200])
    tank, device, kind = parts
    # ids in the documented alphabet only (aquamon/ids.py): no look-alike Unicode twins
    if not (is_id(tank) and is_id(device)):
        raise Reject("bad_identifier", topic[:200])
    return tank, device, kind


def _finite_number(v: Any) -> bool:
    return isinstance(v, (int, float)) and not isinstance(v, bool) and math.isfinite(v)


def _decode(payload: bytes, max_bytes: int) -> dict[str, Any]:
    if len(payload) > max_bytes:
        raise Reject("oversized", f"{len(payload)} bytes > {max_bytes}")
    try:
        text = payload.decode("utf-8")
    except UnicodeDecodeError as e:
        raise Reject("bad_encoding", str(e)) from None
    try:
        # parse_constant refuses NaN/Infinity literals, which Python's json accepts.
        doc = json.loads(text, parse_constant=_refuse_constant)
    except Reject:
        raise
    except RecursionError:
        raise Reject("malformed_json", "nested too deeply") from None
    except (ValueError, TypeError) as e:
        raise Reject("malformed_json", str(e).split(":")[0]) from None
    if not isinstance(doc, dict):
        raise Reject("not_an_object", type(doc).__name__)
    return doc


def _refuse_constant(name: str) -> Any:
    raise Reject("non_finite", f"JSON constant {name}")


def _timestamp(doc: dict[str, Any], now_ms: int, max_future_ms: int, max_age_ms: int) -> int:
    ts = doc.get("ts")
    if not isinstance(ts, int) or isinstance(ts, bool):
        raise Reject("bad_timestamp", f"ts must be integer epoch milliseconds, got {type(ts).__name__}")
    # Integer arithmetic only: ts may be a 4,000-digit integer, which no float holds.
    if ts > now_ms + max_future_ms:
        raise Reject("future_timestamp", f"ts {str(ts)[:24]} is {str((ts - now_ms) // 1000)[:24]} s ahead "
                     "of the gateway clock")
    if ts < now_ms - max_age_ms:
        raise Reject("ancient_timestamp", f"ts {str(ts)[:24]} is older than the accepted age")
    return ts


def validate_message(topic: str, payload: bytes, now_ms: int, prefix: str = "aquamon",
                     max_bytes: int = 16384, max_future_ms: int = 300_000,
                     max_age_ms: int = 30 * 86_400_000) -> Validated:
    """Validate one MQTT message; return its points, or raise :class:`Reject`."""
    tank, device, kind = parse_topic(topic, prefix)
    doc = _decode(payload, max_bytes)
    tags = {"tank": tank, "device": device}
    if kind == "telemetry":
        return _telemetry(doc, tank, device, tags, now_ms, max_future_ms, max_age_ms)
    if kind == "status":
        return _status(doc, tank, device, tags, now_ms)
    return _event(doc, tank, device, tags, now_ms, max_future_ms, max_age_ms)


def _telemetry(doc: dict[str, Any], tank: str, device: str, tags: dict[str, str], now_ms: int,
               max_future_ms: int, max_age_ms: int) -> Validated:
    if doc.get("v") != 1:
        raise Reject("unsupported_version", f"v={doc.get('v')!r}")
    seq = doc.get("seq")
    if not isinstance(seq, int) or isinstance(seq, bool) or seq < 0 or seq >= 2**63:
        raise Reject("bad_seq", f"seq must be a non-negative integer, got {seq!r}"[:200])
    ts = _timestamp(doc, now_ms, max_future_ms, max_age_ms)
    readings = doc.get("r")
    if not isinstance(readings, dict):
        raise Reject("bad_readings", "r must be an object of sensor: number")
    rejects: list[str] = []
    fields: dict[str, Any] = {}
    for name, value in readings.items():
        sensor = SENSORS.get(name)
        if sensor is None:
            continue  # unknown fields are ignored (forward compatibility)
        if not isinstance(value, (int, float)) or isinstance(value, bool):
            rejects.append("wrong_type")
        elif isinstance(value, float) and not math.isfinite(value):
            # (an int is always finite, and math.isfinite(10**400) would raise OverflowError)
            rejects.append("non_finite")
        elif not sensor.lo <= value <= sensor.hi:
            rejects.append("out_of_range")
        else:
            fields[name] = float(value)
    bad = doc.get("bad", [])
    if isinstance(bad, list):
        marked = sorted({b for b in bad if isinstance(b, str) and b in SENSORS})
        if marked:
            fields["bad"] = ",".join(marked)
    else:
        rejects.append("bad_fault_list")
    pump = doc.get("pump")
    if pump is not None:
        if pump in (0, 1) and not isinstance(pump, float):
            fields["pump"] = int(pump)
        else:
            rejects.append("bad_pump")
    for key in ("heater", "topoff"):  # outlets the firmware drives itself (firmware/heater.py, topoff.py)
        v = doc.get(key)
        if v is not None:
            if v in (0, 1) and not isinstance(v, float):
                fields[key] = int(v)
            else:
                rejects.append("bad_outlet")
    cal = doc.get("cal", [])  # probes under calibration: their readings are left out of "r"
    if isinstance(cal, list):
        marked = sorted({c for c in cal if isinstance(c, str) and c in SENSORS})
        if marked:
            fields["cal"] = ",".join(marked)
    else:
        rejects.append("bad_calibration_list")
    fields["seq"] = seq
    return Validated("telemetry", tank, device, [Point(WATER, tags, fields, ts)], rejects, seq)


def _status(doc: dict[str, Any], tank: str, device: str, tags: dict[str, str], now_ms: int) -> Validated:
    online = doc.get("online")
    if not isinstance(online, bool):
        raise Reject("bad_status", "online must be true or false")
    fields: dict[str, Any] = {"online": online}
    rejects: list[str] = []
    for key, (lo, hi) in STATUS_RANGES.items():
        if key in doc:
            v = doc[key]
            if not isinstance(v, int) or isinstance(v, bool):
                rejects.append("wrong_type")
            elif not lo <= v <= hi:
                rejects.append("out_of_range")
            else:
                fields[key] = v
    if isinstance(doc.get("fw"), str):
        fields["fw"] = doc["fw"][:MAX_TAG_CHARS]
    # Status is retained and also the last will, which carries no timestamp: the
    # moment the gateway hears it is the moment it became true.
    return Validated("status", tank, device, [Point(DEVICE, tags, fields, now_ms)], rejects)


def _event(doc: dict[str, Any], tank: str, device: str, tags: dict[str, str], now_ms: int,
           max_future_ms: int, max_age_ms: int) -> Validated:
    ts = _timestamp(doc, now_ms, max_future_ms, max_age_ms)
    kind = doc.get("kind")
    if not is_id(kind):
        raise Reject("bad_event", "kind must be an id: 1 to 32 of a-z, 0-9, _ and -")
    detail = doc.get("detail", "")
    if not isinstance(detail, str):
        detail = json.dumps(detail)[:MAX_DETAIL_CHARS]
    rejects: list[str] = []
    if kind not in EVENT_KINDS:
        rejects.append("unknown_event_kind")
        detail = f"{kind}: {detail}"
        kind = OTHER_EVENT_KIND
    fields: dict[str, Any] = {"detail": detail[:MAX_DETAIL_CHARS]}
    cause = doc.get("cause")  # which of the kind's causes (contract.EVENT_CAUSES); optional
    if cause is not None:
        if is_id(cause):
            fields["cause"] = cause
        else:
            rejects.append("bad_cause")
    seq = doc.get("seq")
    if isinstance(seq, int) and not isinstance(seq, bool) and 0 <= seq < 2**63:
        fields["seq"] = seq
    return Validated("event", tank, device, [Point(EVENT, {**tags, "kind": kind}, fields, ts)], rejects)
