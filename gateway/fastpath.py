"""The common case, cheaply: a well-formed telemetry reading straight to its line of line protocol.

:func:`gateway.validate.validate_message` is the definition of what is valid
and of every reject reason; it costs ~15 µs a message in pure Python.  Almost
every message is a well-formed reading from our own firmware, so
:class:`FastTelemetry` decodes it with msgspec into a closed schema (unknown
top-level keys are refused there, so nesting is at most two levels deep and
no input can recurse), checks the ranges, and writes the line directly.  It
returns ``None`` for *anything* short of a perfect reading (a value out of
range, a wrong type, an unknown key, bad JSON, a stale timestamp...): the
caller then runs the exact validator, which names the reason.  So the fast
path can only ever accept what the validator accepts, and must produce the
very same line; ``tests/test_gateway_fastpath.py`` checks both on generated
payloads.

>>> fast = FastTelemetry(max_bytes=16384, max_future_ms=300_000, max_age_ms=86_400_000)
>>> fast.line_prefix("t1", "esp1")
'water,device=esp1,tank=t1 '
>>> fast.fields_and_time(b'{"v":1,"seq":3,"ts":1700000000000,"r":{"temp_c":25,"ph":7.2},"bad":["ph"],"pump":1}',
...                      now_ms=1_700_000_000_000)
('bad="ph",ph=7.2,pump=1i,seq=3i,temp_c=25.0 1700000000000', 3)
>>> fast.fields_and_time(b'{"v":1,"seq":3,"ts":1700000000000,"r":{"ph":15}}', now_ms=1_700_000_000_000) is None
True
"""

from __future__ import annotations

import msgspec

from aquamon.lineproto import _escape_key
from gateway.validate import SENSOR_RANGES


class _Reading(msgspec.Struct, forbid_unknown_fields=True):
    """The telemetry document our firmware sends (``firmware/payload.py``)."""

    v: int
    seq: int
    ts: int
    r: dict[str, float]
    bad: list[str] = []
    pump: int | None = None
    unsynced: bool | None = None
    boot: int | None = None
    heater: int | None = None
    topoff: int | None = None
    cal: list[str] = []


# encode_point sorts the fields by name.  Of the fields a reading can have, "bad" sorts
# first, then the sensors before "pump", "pump", "seq", and the sensors after "seq";
# the fast path writes them in that order without sorting each line.
_BEFORE_PUMP = tuple(k for k in sorted(SENSOR_RANGES) if k < "pump")
_AFTER_SEQ = tuple(k for k in sorted(SENSOR_RANGES) if k > "seq")
assert sorted(["bad", "pump", "seq", *SENSOR_RANGES]) == ["bad", *_BEFORE_PUMP, "pump", "seq", *_AFTER_SEQ]
assert all(_escape_key(k) == k and "bad" < k and not "pump" <= k <= "seq" for k in SENSOR_RANGES)

_Plan = tuple[tuple[tuple[str, float, float], ...], tuple[tuple[str, float, float], ...]]


class FastTelemetry:
    """Well-formed telemetry -> line protocol, or ``None`` to ask the exact validator."""

    def __init__(self, max_bytes: int, max_future_ms: int, max_age_ms: int) -> None:
        self.max_bytes = max_bytes
        self.max_future_ms = max_future_ms
        self.max_age_ms = max_age_ms
        self._decode = msgspec.json.Decoder(_Reading).decode
        self._plans: dict[tuple[str, ...], _Plan] = {}

    @staticmethod
    def line_prefix(tank: str, device: str) -> str:
        """Measurement and tags (sorted, escaped as :func:`aquamon.lineproto.encode_point` does)."""
        return f"water,device={_escape_key(device)},tank={_escape_key(tank)} "

    def _plan(self, names: tuple[str, ...]) -> _Plan:
        """The known sensors among ``names`` in line order, with their ranges (cached per key set)."""
        if len(self._plans) > 1000:  # only hostile traffic varies the key sets this much
            self._plans.clear()
        known = set(names) & SENSOR_RANGES.keys()
        plan = (tuple((k, *SENSOR_RANGES[k]) for k in _BEFORE_PUMP if k in known),
                tuple((k, *SENSOR_RANGES[k]) for k in _AFTER_SEQ if k in known))
        self._plans[names] = plan
        return plan

    def fields_and_time(self, payload: bytes, now_ms: int) -> tuple[str, int] | None:
        """``(fields + " " + timestamp, seq)`` of a perfect reading, else ``None``."""
        if len(payload) > self.max_bytes:
            return None
        try:
            doc = self._decode(payload)
        except (msgspec.DecodeError, UnicodeDecodeError):
            return None
        seq, ts = doc.seq, doc.ts
        if (doc.v != 1 or not 0 <= seq < 2**63
                or not now_ms - self.max_age_ms <= ts <= now_ms + self.max_future_ms):
            return None
        r = doc.r
        names = tuple(r)
        plan = self._plans.get(names) or self._plan(names)
        parts = []
        if doc.bad:
            marked = sorted({b for b in doc.bad if b in SENSOR_RANGES})
            if marked:
                parts.append('bad="' + ",".join(marked) + '"')
        for name, lo, hi in plan[0]:
            value = r[name]
            if not lo <= value <= hi:  # (also false for NaN and inf)
                return None
            parts.append(f"{name}={value!r}")
        pump = doc.pump
        if pump is not None:
            if pump != 0 and pump != 1:
                return None
            parts.append("pump=1i" if pump else "pump=0i")
        parts.append(f"seq={seq}i")
        for name, lo, hi in plan[1]:
            value = r[name]
            if not lo <= value <= hi:
                return None
            parts.append(f"{name}={value!r}")
        if doc.heater is not None or doc.topoff is not None or doc.cal:  # outlets, calibration: sorted in
            for key, v in (("heater", doc.heater), ("topoff", doc.topoff)):
                if v is not None:
                    if v != 0 and v != 1:
                        return None
                    parts.append(f"{key}={v}i")
            marked = sorted({c for c in doc.cal if c in SENSOR_RANGES})
            if marked:
                parts.append('cal="' + ",".join(marked) + '"')
            parts.sort()  # "key=..." strings sort as their keys do ("=" sorts before letters and "_")
        return f"{','.join(parts)} {ts}", seq
