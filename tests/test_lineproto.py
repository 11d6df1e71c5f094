"""Line protocol that cannot be injected: aquamon.lineproto against influxdb-client's Point and a real InfluxDB 1.6.

The exploit this pins: a device event with kind ``"x\\nwater,tank=victim temp_c=40"``
was written with the newline raw, InfluxDB read a second line, and one device
wrote a measurement in another tank's name.
"""

from __future__ import annotations

import re
from typing import Any

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from influxdb_client import Point, WritePrecision

from aquamon.influx import InfluxV1
from aquamon.lineproto import LineProtocolError, encode_point
from harness.services import InfluxDB1

# Any text but a backslash (refused in names and tags, tested below) and the
# surrogates UTF-8 cannot carry.
TEXT = st.text(st.characters(blacklist_categories=("Cs",), blacklist_characters="\\"), min_size=1, max_size=30)
KEY = st.from_regex(r"[a-z][a-z0-9_]{0,10}", fullmatch=True).filter(lambda k: k != "time")
FIELD_VALUE = st.one_of(st.text(st.characters(blacklist_categories=("Cs",)), max_size=40),
                        st.integers(-2**63, 2**63 - 1), st.booleans(),
                        st.floats(allow_nan=False, allow_infinity=False))
EXPLOIT = "x\nwater,tank=victim temp_c=40"


def _point_line(measurement: str, tags: dict[str, str], fields: dict[str, Any], ts_ms: int) -> str:
    p = Point(measurement)
    for k, v in tags.items():
        p.tag(k, v)
    for k, v in fields.items():
        p.field(k, v)
    return p.time(ts_ms, WritePrecision.MS).to_line_protocol()


def _point_floats(line: str) -> str:
    # Point writes a whole float without its ".0" (25.0 -> 25, still a float to InfluxDB)
    return re.sub(r"=(-?\d+)\.0(?=[, ])", r"=\1", line)


@settings(max_examples=300, deadline=None)
@given(st.sampled_from(["water", "event", "a b,c"]), st.dictionaries(KEY, TEXT, max_size=3),
       st.dictionaries(KEY, FIELD_VALUE, min_size=1, max_size=4), st.integers(0, 2**40))
def test_encoding_equals_influxdb_clients_point(measurement: str, tags: dict[str, str], fields: dict[str, Any],
                                                ts_ms: int) -> None:
    ours = encode_point(measurement, tags, fields, ts_ms)
    # Point leaves a line break raw inside a string field; we write \\n (a raw one would
    # split the line in our spool and in every batch): compare on strings without them
    if any(isinstance(v, str) and any(c in v for c in "\n\r\t") for v in fields.values()):
        assert "\n" not in ours and "\r" not in ours
        return
    assert _point_floats(ours) == _point_line(measurement, tags, fields, ts_ms)


@given(st.sampled_from(["tank\\", "a\\,b", "\\"]))
def test_a_backslash_in_a_name_or_tag_is_refused(bad: str) -> None:
    for args in (("water", {"tank": bad}, {"v": 1}), ("water", {bad: "x"}, {"v": 1}), (bad, {}, {"v": 1}),
                 ("water", {}, {bad: 1})):
        with pytest.raises(LineProtocolError):
            encode_point(*args, 0)


def test_values_line_protocol_cannot_carry_are_refused() -> None:
    for fields in ({"v": float("nan")}, {"v": float("inf")}, {"v": 10**300}, {"v": -2**63 - 1}, {}):
        with pytest.raises(LineProtocolError):
            encode_point("water", {"tank": "t1"}, fields, 0)


def test_no_line_break_survives_encoding() -> None:
    line = encode_point("event", {"kind": EXPLOIT}, {"detail": EXPLOIT + "\r\n" + '"'}, 1)
    assert "\n" not in line and "\r" not in line


def _stored(db: InfluxV1, measurement: str) -> list[dict[str, Any]]:
    return db.query(f'SELECT * FROM "{measurement}" GROUP BY *')


@pytest.fixture
def lp_db(influxdb: InfluxDB1, unique: str) -> InfluxV1:
    db = InfluxV1(influxdb.url, unique)  # each test its own database: any order, alone or not
    db.create_database()
    return db


@pytest.mark.services
@settings(max_examples=120, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(tag=TEXT, text=st.text(st.characters(blacklist_categories=("Cs",)), max_size=60))
def test_real_influxdb_reads_back_what_was_written_and_nothing_else(lp_db: InfluxV1, tag: str, text: str) -> None:
    lp_db.query('DROP SERIES FROM "probe"')
    lp_db.write_lines([encode_point("probe", {"tag": tag}, {"text": text, "n": 7}, 1_700_000_000_000)])
    assert [m[0] for s in lp_db.query("SHOW MEASUREMENTS") for m in s["values"]] == ["probe"]
    series = _stored(lp_db, "probe")
    assert len(series) == 1 and len(series[0]["values"]) == 1, series
    broken = str.maketrans({"\n": "\\n", "\r": "\\r", "\t": "\\t"})  # kept as two characters, never a break
    assert series[0]["tags"] == {"tag": tag.translate(broken)}
    row = dict(zip(series[0]["columns"], series[0]["values"][0]))
    assert (row["text"], row["n"], row["time"]) == (text.translate(broken), 7, 1_700_000_000_000)


@pytest.mark.services
def test_the_known_exploit_writes_one_point_in_its_own_measurement(lp_db: InfluxV1) -> None:
    lp_db.write_lines([encode_point("event", {"tank": "t1", "device": "d1", "kind": EXPLOIT},
                                    {"detail": EXPLOIT}, 1_700_000_000_000)])
    assert [m[0] for s in lp_db.query("SHOW MEASUREMENTS") for m in s["values"]] == ["event"]
    assert len(lp_db.query("SHOW SERIES")[0]["values"]) == 1
