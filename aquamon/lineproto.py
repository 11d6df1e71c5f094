"""InfluxDB line protocol encoding (the one format every InfluxDB version writes).

Escaping follows InfluxDB's line protocol reference and ``influxdb-client``'s
``Point`` (tested against both, and against a real InfluxDB 1.6, in
tests/test_lineproto.py):

- measurement: comma and space are escaped;
- tag keys, tag values and field keys: comma, equals sign and space;
- string field values: double quote and backslash.

Line protocol has no way to carry a line break in any of them (the reference:
"does not support the newline character"), and one written raw would end the
line there, so the rest becomes a line of the writer's choosing.  Newline,
carriage return and tab are written as ``\\n``, ``\\r``, ``\\t`` (as ``Point``
does), which InfluxDB keeps as those two characters: a value with a line
break is stored changed, never split.  A backslash in a name or tag value is
refused: InfluxDB 1.x has no escape for it there (``\\\\`` is kept doubled, and
a backslash before a comma, space or equals sign escapes that separator).

>>> encode_point("water", {"tank": "t1", "device": "esp 1"}, {"temp_c": 25.5, "seq": 7, "bad": "ph"}, 1700000000123)
'water,device=esp\\\\ 1,tank=t1 bad="ph",seq=7i,temp_c=25.5 1700000000123'
>>> encode_point("event", {"kind": "x\\nwater,tank=victim temp_c=40"}, {"n": 1}, 0)
'event,kind=x\\\\nwater\\\\,tank\\\\=victim\\\\ temp_c\\\\=40 n=1i 0'
"""

from __future__ import annotations

import math
from typing import Mapping


class LineProtocolError(ValueError):
    """A name, tag or value that line protocol cannot carry faithfully."""


_BREAKS = {"\n": "\\n", "\r": "\\r", "\t": "\\t"}
_KEY = str.maketrans({",": "\\,", "=": "\\=", " ": "\\ ", **_BREAKS})
_MEASUREMENT = str.maketrans({",": "\\,", " ": "\\ ", **_BREAKS})
_STRING = str.maketrans({'"': '\\"', "\\": "\\\\", **_BREAKS})


def _escape_key(s: str) -> str:
    """A tag key, tag value or field key, escaped (raises :class:`LineProtocolError` on a backslash)."""
    if "\\" in s:
        raise LineProtocolError(f"line protocol cannot carry a backslash in a name or tag value: {s[:80]!r}")
    return s.translate(_KEY)


def _escape_measurement(s: str) -> str:
    if "\\" in s or not s or s.startswith("#"):
        raise LineProtocolError(f"not a measurement name line protocol can carry: {s[:80]!r}")
    return s.translate(_MEASUREMENT)


def _field_value(v: object) -> str:
    if isinstance(v, bool):
        return "true" if v else "false"
    if isinstance(v, int):
        if not -2**63 <= v < 2**63:
            raise LineProtocolError(f"an integer field must fit in 64 bits, got {str(v)[:40]}")
        return f"{v}i"
    if isinstance(v, float):
        if not math.isfinite(v):
            raise LineProtocolError(f"line protocol cannot carry a non-finite float ({v})")
        return repr(v)
    if isinstance(v, str):
        return '"' + v.translate(_STRING) + '"'
    raise TypeError(f"unsupported field type {type(v).__name__}")


def encode_point(measurement: str, tags: Mapping[str, str], fields: Mapping[str, object], ts_ms: int) -> str:
    """One line of line protocol; tags sorted (InfluxDB's preferred order), time in ms.

    Raises :class:`LineProtocolError` for what line protocol cannot carry (a
    backslash in a name or tag, a non-finite float, an integer beyond 64 bits).
    """
    if not fields:
        raise LineProtocolError("a point needs at least one field")
    tag_part = "".join(f",{_escape_key(k)}={_escape_key(str(v))}" for k, v in sorted(tags.items()) if v != "")
    field_part = ",".join(f"{_escape_key(k)}={_field_value(v)}" for k, v in sorted(fields.items()))
    return f"{_escape_measurement(measurement)}{tag_part} {field_part} {int(ts_ms)}"
