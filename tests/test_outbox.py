"""analytics/outbox.py: the cycle's points written in batches; what InfluxDB refuses is kept, in order."""

from __future__ import annotations

from typing import Sequence

import analytics.outbox as outbox
from analytics.outbox import Outbox
from aquamon.influx import RetryableWriteError


class Db:
    def __init__(self, fail_at: int | None = None) -> None:
        self.requests: list[list[str]] = []
        self.fail_at = fail_at

    def write_lines(self, lines: Sequence[str]) -> None:
        if len(self.requests) == self.fail_at:
            self.fail_at = None
            raise RetryableWriteError("HTTP 503: InfluxDB is busy", 503)
        self.requests.append(list(lines))


def test_points_go_in_chunks_and_a_refused_chunk_waits_with_the_rest(monkeypatch) -> None:  # type: ignore[no-untyped-def]
    monkeypatch.setattr(outbox, "CHUNK", 2)
    box, db = Outbox(), Db(fail_at=1)
    box.add([f"p{i}" for i in range(5)])
    assert not box.flush(db)
    assert db.requests == [["p0", "p1"]] and box.lines == ["p2", "p3", "p4"] and box.failures == 1
    box.add(["p5"])
    assert box.flush(db) and box.lines == []
    assert [p for r in db.requests for p in r] == [f"p{i}" for i in range(6)]  # nothing lost, in order


def test_what_is_kept_is_bounded(monkeypatch) -> None:  # type: ignore[no-untyped-def]
    monkeypatch.setattr(outbox, "KEEP_MAX", 3)
    box = Outbox()
    box.add([f"p{i}" for i in range(5)])
    assert not box.flush(Db(fail_at=0)) and box.lines == ["p0", "p1", "p2"]
