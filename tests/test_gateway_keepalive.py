"""The gateway's kept-alive InfluxDB 1.x writes, on a real InfluxDB it stops and starts."""

from __future__ import annotations

from pathlib import Path
from typing import Iterator

import pytest

from aquamon.influx import InfluxV1, RejectedWriteError, RetryableWriteError
from gateway.keepalive import KeepAliveWrites
from harness.services import InfluxDB1

pytestmark = pytest.mark.services


def _count(db: InfluxV1) -> int:
    rows = db.query('SELECT count("v") FROM "m"')
    return int(rows[0]["values"][0][1]) if rows else 0


@pytest.fixture
def served(tmp_path: Path) -> Iterator[tuple[InfluxDB1, InfluxV1, KeepAliveWrites]]:
    """An InfluxDB of this test's own (it stops and starts it), a database, and kept-alive writes to it."""
    influx = InfluxDB1(tmp_path / "influxdb").start()
    try:
        db = InfluxV1(influx.url, "keepalive")
        db.create_database()
        yield influx, db, KeepAliveWrites(db)
    finally:
        influx.stop()


def test_kept_connections_survive_a_restart_and_replies_are_sorted_as_urllib_sorts_them(
        served: tuple[InfluxDB1, InfluxV1, KeepAliveWrites]) -> None:
    influx, db, writes = served
    assert KeepAliveWrites.suits(db) and not KeepAliveWrites.suits(InfluxV1("https://h:8086", "x"))
    writes.write_lines(["m,tank=a v=1 1700000000000"])
    writes.write_lines(["m,tank=a v=2 1700000001000"])  # the same connection
    influx.stop()
    with pytest.raises(RetryableWriteError):  # the kept connection is dead and a new one is refused
        writes.write_lines(["m,tank=a v=3 1700000002000"])
    influx.start()
    writes.write_lines(["m,tank=a v=3 1700000002000"])
    writes.write_lines(["m,tank=a v=4 1700000003000"])
    with pytest.raises(RejectedWriteError):  # a field type conflict: 400, as InfluxV1 reports it
        writes.write_lines(['m,tank=a v="text" 1700000004000'])
    writes.write_lines(["m,tank=a v=5 1700000005000"])  # the connection is still good after a 400
    assert _count(db) == 5


def test_a_server_that_closed_the_idle_connection_gets_the_write_on_a_new_one(
        served: tuple[InfluxDB1, InfluxV1, KeepAliveWrites]) -> None:
    influx, db, writes = served
    writes.write_lines(["m,tank=a v=1 1700000000000"])
    influx.stop()
    influx.start()  # the kept connection now points at a server that is gone
    writes.write_lines(["m,tank=a v=2 1700000001000"])
    assert _count(db) == 2
