"""Adaptive batching in the writer loop, against an InfluxDB stand-in the test controls.

The writer sends at once when no write is in flight (a quiet tank's reading
does not wait for ``flush_interval_s``), lets the next batch grow while writes
are in flight, acknowledges in arrival order, and spools a pipelined batch
whose write failed.  The real-server behaviour is in test_gateway_faults.py;
the figures are in benchmarks/bench_gateway.py.
"""

from __future__ import annotations

import threading
import time
from pathlib import Path
from typing import Callable

from aquamon.config import Config
from aquamon.influx import RetryableWriteError
from gateway.service import Gateway, Incoming
from harness.loadgen import readings


class GatedDB:
    """Each write blocks until the test opens the gate; a write of ``fail_size`` lines fails once (503)."""

    def __init__(self) -> None:
        self.gate = threading.Semaphore(0)
        self.writes: list[list[str]] = []
        self.started = threading.Semaphore(0)
        self.fail_size = 0
        self._lock = threading.Lock()

    def write_lines(self, lines: list[str]) -> None:
        self.started.release()
        self.gate.acquire()
        with self._lock:
            if len(lines) == self.fail_size:
                self.fail_size = 0
                raise RetryableWriteError("HTTP 503 (test)", 503)
            self.writes.append(list(lines))

    def create_database(self) -> None:
        pass


class AckLog:
    def __init__(self) -> None:
        self.mids: list[int] = []

    def ack(self, generation: int, mids: list[int]) -> None:
        self.mids.extend(mids)


def _start(tmp_path: Path, **gateway: object) -> tuple[Gateway, GatedDB, AckLog, Callable[[], None]]:
    cfg = Config()
    cfg.spool.dir = str(tmp_path)
    cfg.gateway.instance = "batching"
    cfg.gateway.stats_interval_s = 3600
    for k, v in gateway.items():
        setattr(cfg.gateway, k, v)
    g = Gateway(cfg)
    db, acks = GatedDB(), AckLog()
    g.db = db  # type: ignore[assignment]
    g.link = acks  # type: ignore[assignment]
    writer = threading.Thread(target=g._writer, daemon=True)
    writer.start()

    def stop() -> None:
        g.stop()
        for _ in range(100):
            db.gate.release()
        writer.join(10)

    return g, db, acks, stop


def _send(g: Gateway, msgs: list[tuple[str, bytes]], first_mid: int) -> None:
    g._on_messages(1, [Incoming(t.encode(), p, first_mid + i, 1) for i, (t, p) in enumerate(msgs)])


def _until(check: Callable[[], bool], timeout: float = 10.0) -> bool:
    deadline = time.monotonic() + timeout
    while not check() and time.monotonic() < deadline:
        time.sleep(0.005)
    return check()


def test_a_quiet_reading_is_written_at_once_not_after_the_flush_interval(tmp_path: Path) -> None:
    g, db, acks, stop = _start(tmp_path, flush_interval_s=60.0)
    try:
        _send(g, list(readings("aquamon", 1, tanks=1)), 1)
        assert db.started.acquire(timeout=10)  # the write began although the flush interval is a minute
        db.gate.release()
        assert _until(lambda: acks.mids == [1])
    finally:
        stop()


def test_batches_grow_while_writes_are_in_flight_and_acks_keep_arrival_order(tmp_path: Path) -> None:
    g, db, acks, stop = _start(tmp_path, flush_interval_s=60.0, write_concurrency=2, batch_size=5000)
    g.output.write_s = 30.0  # writes here usually take 30 s: the one in flight is not slow, the next may wait
    msgs = list(readings("aquamon", 1 + 10 + 1500, tanks=5))
    try:
        _send(g, msgs[:1], 1)
        assert db.started.acquire(timeout=10)  # write 1 (one reading) is in flight and held
        for i in range(10):  # too few to be worth a second request while one is in flight: they wait
            _send(g, msgs[1 + i:2 + i], 2 + i)
        assert not db.started.acquire(timeout=0.3)
        _send(g, msgs[11:], 12)  # now a batch worth its own request: the free slot takes it at once
        assert db.started.acquire(timeout=10)
        db.gate.release()
        db.gate.release()
        assert _until(lambda: len(acks.mids) == len(msgs)), len(acks.mids)
        assert sorted(len(w) for w in db.writes) == [1, 1510]  # the ten waited and joined the big batch
        assert acks.mids == list(range(1, len(msgs) + 1))
    finally:
        stop()


def test_a_pipelined_write_that_fails_goes_to_the_spool_before_its_ack(tmp_path: Path) -> None:
    g, db, acks, stop = _start(tmp_path, flush_interval_s=60.0, write_concurrency=2, retry_max_s=30.0)
    msgs = list(readings("aquamon", 1 + 1200, tanks=5))
    try:
        db.fail_size = 1
        _send(g, msgs[:1], 1)
        assert db.started.acquire(timeout=10)
        _send(g, msgs[1:], 2)
        assert db.started.acquire(timeout=10)  # both in flight; the first will fail
        db.gate.release()
        assert _until(lambda: g.spool.lines == 1)  # the failed one is spooled (InfluxDB is now in outage)
        db.gate.release()
        assert _until(lambda: len(acks.mids) == len(msgs))
        assert acks.mids == list(range(1, len(msgs) + 1))
        assert [len(w) for w in db.writes] == [1200] and g.counters["write_retries"] == 1
    finally:
        stop()


def test_a_write_slower_than_usual_does_not_hold_up_the_next(tmp_path: Path) -> None:
    g, db, acks, stop = _start(tmp_path, flush_interval_s=60.0, write_concurrency=2)
    g.output.write_s = 0.01  # writes usually take 10 ms; the one in flight is held far longer
    msgs = list(readings("aquamon", 11, tanks=5))
    try:
        _send(g, msgs[:1], 1)
        assert db.started.acquire(timeout=10)
        _send(g, msgs[1:], 2)  # ten: too few for a request of their own, but they have waited long enough
        assert db.started.acquire(timeout=10)
        db.gate.release()
        db.gate.release()
        assert _until(lambda: len(acks.mids) == 11)
        assert sorted(len(w) for w in db.writes) == [1, 10] and acks.mids == list(range(1, 12))
    finally:
        stop()
