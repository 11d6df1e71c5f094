"""analytics/readings.py: the analytics' reads, against a fake InfluxQL client (the real one: test_scale_units)."""

from __future__ import annotations

import re
from typing import Any, Sequence

import pytest

from analytics.readings import TankReader, read_events, read_tanks
from analytics.tankdata import MIN_MS, TankData
from aquamon.influx import QueryError

T0 = 1_700_000_000_000 // MIN_MS * MIN_MS


class FakeDb:
    """Answers the reader's queries from ``minutes`` (tank -> [(t_ms, temp_c)]), and records them."""

    def __init__(self, minutes: dict[str, list[tuple[int, float]]]) -> None:
        self.minutes = minutes
        self.queries: list[str] = []
        self.fail = False

    def query(self, q: str, epoch: str = "ms") -> list[dict[str, Any]]:
        self.queries.append(q)
        if self.fail:
            raise QueryError("InfluxDB is restarting")
        if q.startswith("SHOW TAG VALUES"):
            return [{"values": [["tank", t] for t in self.minutes]}]
        tanks = [t for t in self.minutes if f"'{t}'" in q or re.search(rf"[(|]{re.escape(t)}[|)]", q)]
        if 'last("seq")' in q:
            return [{"tags": {"tank": t}, "values": [[self.minutes[t][-1][0], 1]]} for t in tanks]
        since, until = (int(x) for x in re.findall(r"time [<>]=? (\d+)ms", q))
        return [{"tags": {"tank": t}, "columns": ["time", "temp_c"],
                 "values": [[m, v] for m, v in self.minutes[t] if since <= m < until]} for t in tanks]

    def write_lines(self, lines: Sequence[str]) -> None:
        raise AssertionError("the reader does not write")


def _minutes(n: int, start: int = T0) -> list[tuple[int, float]]:
    return [(start + i * MIN_MS, 25.0) for i in range(n)]


def test_a_cycle_reads_all_tanks_in_two_queries_and_each_tank_takes_its_share() -> None:
    db = FakeDb({"a": _minutes(10), "b": _minutes(10, T0 + 3 * MIN_MS)[:7]})  # both caught up: one range
    reader, data = TankReader(db, reference_hours=1.0), {}  # type: ignore[var-annotated]
    reader.prefetch(["a", "b"], data)
    assert len(db.queries) == 2
    assert reader.fetch("a", data["a"]) == T0 + 9 * MIN_MS
    assert reader.fetch("b", data["b"]) == T0 + 9 * MIN_MS
    assert len(db.queries) == 2  # both from the bulk read
    assert len(data["a"].t_ms) == 9 and len(data["b"].t_ms) == 6  # only whole minutes: the last is still open


def test_a_tank_missed_by_the_bulk_read_asks_for_itself() -> None:
    db = FakeDb({"a": _minutes(10)})
    reader, data = TankReader(db, reference_hours=1.0), TankData()
    assert reader.fetch("a", data) == T0 + 9 * MIN_MS and len(data.t_ms) == 9
    assert len(db.queries) == 2
    assert reader.fetch("nobody", TankData()) is None


def test_a_failed_bulk_read_leaves_nothing_half_read() -> None:
    db = FakeDb({"a": _minutes(10)})
    reader = TankReader(db, reference_hours=1.0)
    db.fail = True
    with pytest.raises(QueryError):
        reader.prefetch(["a"], {})
    db.fail = False
    data = TankData()
    assert reader.fetch("a", data) == T0 + 9 * MIN_MS and len(data.t_ms) == 9  # asked for itself


def test_late_minutes_are_merged_and_counted_once() -> None:
    late_minute = T0 + 20 * MIN_MS
    db = FakeDb({"a": [m for m in _minutes(31) if m[0] != late_minute]})
    reader, data = TankReader(db, reference_hours=1.0), TankData()
    reader.fetch("a", data)
    data.last_eval_ms = T0 + 30 * MIN_MS
    reader.fetch("a", data)  # the re-read of the last 15 minutes: nothing new
    assert reader.late_minutes == 0 and len(data.t_ms) == 29
    db.minutes["a"] = sorted([*db.minutes["a"], (late_minute, 24.0)])  # minute 20 arrives after it was judged
    reader.fetch("a", data)
    assert reader.late_minutes == 1 and len(data.t_ms) == 30 and late_minute in data.t_ms
    reader.fetch("a", data)
    assert reader.late_minutes == 1  # said once


def test_events_tanks_and_missing_readings_that_cannot_be_counted() -> None:
    class Events(FakeDb):
        def query(self, q: str, epoch: str = "ms") -> list[dict[str, Any]]:
            if '"event"' in q:
                return [{"columns": ["time", "kind", "detail"], "values": [[T0 + 5, "reboot", None], [T0, "fault", "x"]]}]
            return super().query(q, epoch)

    db = Events({"b": [], "a": []})
    assert read_events(db, "a", T0, T0 + MIN_MS) == [(T0, "fault", "x"), (T0 + 5, "reboot", "")]
    assert read_tanks(db) == ["a", "b"]
    db.fail = True
    assert TankReader(db, 1.0).missing_readings("a", T0, T0 + MIN_MS) is None
