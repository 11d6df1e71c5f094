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

from aquamon.contract import RANGES, TELEMETRY_FIELDS, WATER
from aquamon.lineproto import _escape_key


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


# encode_point sorts the fields by name.  The fields a reading always has in known places
# ("bad", "pump", "seq") split the sensors into four groups; the fast path writes the groups
# and those fields in that order without sorting each line.
_FIXED = ("bad", "pump", "seq")
_Group = tuple[tuple[str, float, float], ...]
_Plan = tuple[_Group, _Group, _Group, _Group]


def _line_groups(sensors: list[str]) -> tuple[tuple[str, ...], ...]:
    """The sensor keys sorted and split around the fixed fields: before "bad", before "pump", before "seq", after."""
    bounds = ("", *_FIXED, "\U0010ffff")
    return tuple(tuple(k for k in sorted(sensors) if lo < k < hi) for lo, hi in zip(bounds, bounds[1:]))


class FastTelemetry:
    """Well-formed telemetry -> line protocol, or ``None`` to ask the exact validator."""

    def __init__(self, max_bytes: int, max_future_ms: int, max_age_ms: int) -> None:
        self.max_bytes = max_bytes
        self.max_future_ms = max_future_ms
        self.max_age_ms = max_age_ms
        self._decode = msgspec.json.Decoder(_Reading).decode
        self._plans: dict[tuple[str, ...], _Plan] = {}
        # the contract's sensors as the gateway starts (a sensor is added by a restart)
        self._ranges = dict(RANGES)
        clash = [k for k in self._ranges if k in TELEMETRY_FIELDS or _escape_key(k) != k]
        if clash:
            raise ValueError(f"aquamon/contract.py: sensor keys {clash} clash with a telemetry field or need "
                             "escaping in line protocol; name sensors with letters, digits and '_'")
        self._groups = _line_groups(list(self._ranges))

    @staticmethod
    def line_prefix(tank: str, device: str) -> str:
        """Measurement and tags (sorted, escaped as :func:`aquamon.lineproto.encode_point` does)."""
        return f"{WATER},device={_escape_key(device)},tank={_escape_key(tank)} "

    def _plan(self, names: tuple[str, ...]) -> _Plan:
        """The known sensors among ``names`` in line order, with their ranges (cached per key set)."""
        if len(self._plans) > 1000:  # only hostile traffic varies the key sets this much
            self._plans.clear()
        known = set(names) & self._ranges.keys()
        g = self._groups
        plan: _Plan = tuple(tuple((k, *self._ranges[k]) for k in group if k in known)  # type: ignore[assignment]
                            for group in g)
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
        parts: list[str] = []
        if plan[0] and not _add(parts, r, plan[0]):
            return None
        if doc.bad:
            marked = sorted({b for b in doc.bad if b in self._ranges})
            if marked:
                parts.append('bad="' + ",".join(marked) + '"')
        for name, lo, hi in plan[1]:  # (inline, as plan[3]: the common groups, on every reading)
            value = r[name]
            if not lo <= value <= hi:  # (also false for NaN and inf)
                return None
            parts.append(f"{name}={value!r}")
        pump = doc.pump
        if pump is not None:
            if pump != 0 and pump != 1:
                return None
            parts.append("pump=1i" if pump else "pump=0i")
        if plan[2] and not _add(parts, r, plan[2]):
            return None
        parts.append(f"seq={seq}i")
        for name, lo, hi in plan[3]:
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
            marked = sorted({c for c in doc.cal if c in self._ranges})
            if marked:
                parts.append('cal="' + ",".join(marked) + '"')
            parts.sort()  # "key=..." strings sort as their keys do ("=" sorts before letters and "_")
        return f"{','.join(parts)} {ts}", seq


def _add(parts: list[str], r: dict[str, float], group: _Group) -> bool:
    """Append ``group``'s readings from ``r``; False at the first one out of its range (or NaN, inf).

    For the groups no sensor of today's contract is in (before "bad", between "pump" and "seq").
    """
    for name, lo, hi in group:
        value = r[name]
        if not lo <= value <= hi:
            return False
        parts.append(f"{name}={value!r}")
    return True
