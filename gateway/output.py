"""The gateway's output stage: make lines durable in InfluxDB, or in the spool while it cannot.

Write failures are sorted by type (:mod:`aquamon.influx`): lines the server
refuses are isolated and dropped with its message (:mod:`gateway.writer`); a
server that is down, throttling or unreachable puts the output in *outage*:
new batches go to the spool without waiting, and the next attempt comes after
``max(capped backoff with jitter, capped Retry-After)`` (:mod:`gateway.backoff`).
Once a write succeeds again, the spool is replayed oldest first between fresh
batches (:meth:`DurableOutput.replay`), so dashboards see new data at once
while the gap fills.

Only the writer thread calls the methods that write; ``influx_ok``,
``in_outage`` and the counters are read by the metrics thread too.
"""

from __future__ import annotations

import logging
import threading
import time
from collections import Counter
from pathlib import Path
from typing import Callable, Sequence

from aquamon.config import Config
from aquamon.influx import InfluxV1, RetryableWriteError, connect
from gateway.backoff import retry_wait
from gateway.keepalive import KeepAliveWrites
from gateway.ratelog import RateLimitedLog
from gateway.spool import Spool, SpoolWriteError
from gateway.writer import WriteOutcome, write_isolating

log = logging.getLogger("aquamon.gateway")

# How long replay may hold the writer before it looks at new messages again.
REPLAY_SLICE_S = 0.2
# Weight of the newest write in the running mean of write durations, and the mean assumed
# before the first write is timed.
WRITE_TIME_WEIGHT = 0.2
FIRST_WRITE_GUESS_S = 0.05


class DurableOutput:
    """InfluxDB first, the spool when InfluxDB cannot take a write, replay when it can again.

    ``counters`` is shared with the gateway; ``observe_write(seconds)`` feeds the
    latency histogram of /metrics.
    """

    def __init__(self, cfg: Config, spool_dir: Path, counters: Counter[str], rlog: RateLimitedLog,
                 observe_write: Callable[[float], None], stop: threading.Event) -> None:
        self.cfg = cfg
        self.counters = counters
        self._rlog = rlog
        self._observe_write = observe_write
        self._stop = stop
        self.db = connect(cfg.influxdb)
        self.spool = Spool(spool_dir, cfg.spool.max_bytes, cfg.spool.full_policy)
        self.spool_refusing = False  # the last spool write met a filesystem error (e.g. a full disk)
        self._attempt = 0  # failed write attempts in a row
        self._retry_at = 0.0  # monotonic time before which InfluxDB is left alone
        self._failed_at = 0.0  # monotonic time the last failure was noted
        self.last_latency_ms = 0
        self.write_s = FIRST_WRITE_GUESS_S  # running mean of how long a write takes
        self._keepalive: tuple[object, KeepAliveWrites | None] = (None, None)  # (for which db, writes)

    # --- state -------------------------------------------------------------------------
    def in_outage(self) -> bool:
        return time.monotonic() < self._retry_at

    def retry_in_s(self) -> float:
        """Seconds until InfluxDB may be tried again (0 when it may be now)."""
        return max(0.0, self._retry_at - time.monotonic())

    def influx_ok(self) -> bool:
        """InfluxDB took the last write (between retries, while backing off, it still is not ok)."""
        return self._attempt == 0

    def spool_has_room(self) -> bool:
        return not self.spool_refusing and (self.spool.bytes < self.spool.max_bytes * 0.99
                                            or self.spool.policy == "drop_oldest")

    # --- writes ------------------------------------------------------------------------
    def note_failure(self, e: RetryableWriteError) -> None:
        g = self.cfg.gateway
        wait = retry_wait(self._attempt, e.retry_after, cap_s=g.retry_max_s, retry_after_cap_s=g.retry_after_max_s)
        self._attempt += 1
        self._failed_at = time.monotonic()
        self._retry_at = self._failed_at + wait
        self.counters["write_retries"] += 1
        self._rlog.warn("write_retry", f"InfluxDB write failed ({e}); data goes to the spool, next try in {wait:.1f} s")
        if e.status == 404:
            try:  # the database is missing (first start while InfluxDB was down, or dropped)
                self.db.create_database()
            except Exception as ce:  # noqa: BLE001
                self._rlog.warn("create_database", f"could not create the database: {ce}")

    def db_write(self, lines: Sequence[str]) -> None:
        """One write request, over a kept-alive connection where the client allows it."""
        db = self.db
        for_db, keepalive = self._keepalive
        if for_db is not db:  # first use, or a different client (tests swap in stand-ins)
            keepalive = KeepAliveWrites(db) if isinstance(db, InfluxV1) and KeepAliveWrites.suits(db) else None
            self._keepalive = (db, keepalive)
        (keepalive.write_lines if keepalive is not None else db.write_lines)(lines)

    def write(self, lines: Sequence[str]) -> None:
        """Write now, in this thread; raise RetryableWriteError if InfluxDB cannot take them."""
        t0 = time.monotonic()
        outcome = write_isolating(self.db_write, lines)
        outcome.seconds, outcome.started = time.monotonic() - t0, t0
        self.account(outcome)

    def account(self, outcome: WriteOutcome) -> None:
        """Count a write that ended (here or in the pipeline): InfluxDB takes writes.

        A write sent before the last failure was noted ends no outage: with two writes in flight, the
        one sent first may succeed after the other got a 429, and the server's Retry-After still holds.
        """
        ms = int(outcome.seconds * 1000)
        self._observe_write(outcome.seconds)
        self.last_latency_ms = ms
        self.counters["write_ms_total"] += ms
        self.write_s += (outcome.seconds - self.write_s) * WRITE_TIME_WEIGHT
        self.counters["written"] += outcome.written
        self.counters["write_requests"] += outcome.requests
        for line, why in outcome.dropped:
            self.counters["dropped_by_server"] += 1
            self._rlog.warn("server_rejected", f"InfluxDB refused a line, dropped it: {why}; line: {line[:200]}")
        if self._attempt and outcome.started < self._failed_at:
            return  # sent before the failure: it says nothing of the server since
        if self._attempt:
            log.info("InfluxDB takes writes again after %d failed attempts", self._attempt)
        self._attempt = 0
        self._retry_at = 0.0

    def make_durable(self, lines: list[str]) -> bool:
        """Write or spool ``lines``; False only if stopping while neither is possible."""
        while True:
            if not self.in_outage():
                try:
                    self.write(lines)
                    return True
                except RetryableWriteError as e:
                    self.note_failure(e)
            try:
                stored = self.spool.append(lines)
                self.spool_refusing = False
                if stored:
                    self.counters["spooled"] += len(lines)
                    return True
                self.counters["spool_full"] += 1
                self._rlog.warn("spool_full", f"the spool is full ({self.spool.bytes} bytes, policy block) and "
                                "InfluxDB is not taking writes: messages stay unacknowledged at the broker. "
                                "Bring InfluxDB back or raise [spool] max_bytes.")
            except SpoolWriteError as e:
                # A full disk (or a read-only or failing one) is a full spool: hold the acks, keep trying.
                self.spool_refusing = True
                self.counters["spool_full"] += 1
                self.counters["spool_write_errors"] += 1
                self._rlog.warn("spool_write_error", f"cannot write the spool in {self.spool.dir} ({e.strerror}) "
                                "and InfluxDB is not taking writes: messages stay unacknowledged at the broker. "
                                "Free space on that filesystem (or fix it) or bring InfluxDB back.")
            if self._stop.wait(max(0.05, self.retry_in_s())):
                return False

    def replay(self, new_waiting: Callable[[], int]) -> None:
        """Replay the spool oldest first for up to one time slice, unless in outage.

        Stops early when ``new_waiting()`` messages fill a batch: new data first,
        replay continues between batches.
        """
        deadline = time.monotonic() + REPLAY_SLICE_S
        size = self.cfg.gateway.batch_size
        while not self.spool.empty() and not self.in_outage() and time.monotonic() < deadline:
            if new_waiting() >= size:
                break
            batch = self.spool.peek(size)
            try:
                self.write(batch.lines)
            except RetryableWriteError as e:
                self.note_failure(e)
                return
            self.spool.remove(batch)
            self.counters["replayed"] += len(batch.lines)
            if self.spool.empty():
                log.info("spool replayed completely (%d lines in all)", self.counters["replayed"])

    def write_stats(self, line: str) -> None:
        """Write the gateway's counters line, unless InfluxDB is in outage; never raises."""
        if self.in_outage():
            return  # the counters are in memory and on /metrics; do not hammer a server that is down
        try:
            self.db.write_lines([line])
        except RetryableWriteError as e:
            self.note_failure(e)  # a throttle or outage seen here holds back data writes too
        except Exception as e:  # noqa: BLE001 - stats must never stop ingest
            self._rlog.warn("stats", f"could not write gateway counters: {e}")
