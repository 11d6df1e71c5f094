"""InfluxDB line protocol encoding (the one format every InfluxDB version writes).

>>> encode_point("water", {"tank": "t1", "device": "esp 1"}, {"temp_c": 25.5, "seq": 7, "bad": "ph"}, 1700000000123)
'water,device=esp\\\\ 1,tank=t1 bad="ph",seq=7i,temp_c=25.5 1700000000123'
"""

from __future__ import annotations

import math
from typing import Mapping


def _escape_key(s: str) -> str:
    return s.replace("\\", "\\\\").replace(",", "\\,").replace("=", "\\=").replace(" ", "\\ ")


def _escape_measurement(s: str) -> str:
    return s.replace("\\", "\\\\").replace(",", "\\,").replace(" ", "\\ ")


def _field_value(v: object) -> str:
    if isinstance(v, bool):
        return "true" if v else "false"
    if isinstance(v, int):
        return f"{v}i"
    if isinstance(v, float):
        if not math.isfinite(v):
            raise ValueError(f"line protocol cannot carry a non-finite float ({v})")
        return repr(v)
    if isinstance(v, str):
        return '"' + v.replace("\\", "\\\\").replace('"', '\\"').replace("\n", "\\n") + '"'
    raise TypeError(f"unsupported field type {type(v).__name__}")


def encode_point(measurement: str, tags: Mapping[str, str], fields: Mapping[str, object], ts_ms: int) -> str:
    """One line of line protocol; tags sorted (InfluxDB's preferred order), time in ms."""
    if not fields:
        raise ValueError("a point needs at least one field")
    tag_part = "".join(f",{_escape_key(k)}={_escape_key(str(v))}" for k, v in sorted(tags.items()) if v != "")
    field_part = ",".join(f"{_escape_key(k)}={_field_value(v)}" for k, v in sorted(fields.items()))
    return f"{_escape_measurement(measurement)}{tag_part} {field_part} {int(ts_ms)}"
