"""InfluxDB's own ingest ceiling for a set of points: the best a client can do.

The best possible client, for the benchmark to divide the gateway's drain by:
every body encoded before the clock starts, one keep-alive HTTP connection per
worker thread, and the batch size and concurrency chosen by a small sweep, each
setting writing the same points into a database of its own (as each gateway
run does).

>>> bodies([f"m v={i} {i}" for i in range(5)], 2)
[b'm v=0 0\\nm v=1 1\\n', b'm v=2 2\\nm v=3 3\\n', b'm v=4 4\\n']
"""

from __future__ import annotations

import http.client
import threading
import time
import urllib.parse
from typing import Sequence

from aquamon.influx import InfluxV1

BATCH_SIZES = (1000, 5000, 10_000, 20_000)
CONCURRENCIES = (1, 2, 4)


def bodies(lines: Sequence[str], batch_size: int) -> list[bytes]:
    """Line protocol request bodies of ``batch_size`` lines each."""
    return [("\n".join(lines[i:i + batch_size]) + "\n").encode() for i in range(0, len(lines), batch_size)]


def ingest_rate(url: str, database: str, batches: list[bytes], concurrency: int, points: int) -> float:
    """Points per second InfluxDB stores when ``batches`` are posted by ``concurrency`` keep-alive workers."""
    InfluxV1(url, database).create_database()
    parts = urllib.parse.urlsplit(url)
    path = f"/write?{urllib.parse.urlencode({'db': database, 'precision': 'ms'})}"
    queue = list(reversed(batches))
    lock = threading.Lock()
    errors: list[str] = []

    def worker() -> None:
        conn = http.client.HTTPConnection(parts.hostname, parts.port, timeout=60)
        try:
            while True:
                with lock:
                    if not queue:
                        return
                    body = queue.pop()
                conn.request("POST", path, body, {"Content-Type": "text/plain"})
                reply = conn.getresponse()
                text = reply.read()
                if reply.status != 204:
                    errors.append(f"HTTP {reply.status}: {text[:200]!r}")
                    return
        finally:
            conn.close()

    threads = [threading.Thread(target=worker) for _ in range(concurrency)]
    t0 = time.perf_counter()
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    took = time.perf_counter() - t0
    if errors:
        raise RuntimeError(f"InfluxDB refused the ceiling client's write: {errors[0]}")
    return points / took


def sweep(url: str, database_prefix: str, lines: Sequence[str]) -> tuple[float, int, int, dict[tuple[int, int], float]]:
    """(best points/s, its batch size, its concurrency, every setting's rate) over the sweep."""
    rates: dict[tuple[int, int], float] = {}
    for size in BATCH_SIZES:
        encoded = bodies(lines, size)
        for conc in CONCURRENCIES:
            rates[size, conc] = ingest_rate(url, f"{database_prefix}_{size}_{conc}", encoded, conc, len(lines))
    (size, conc), best = max(rates.items(), key=lambda kv: kv[1])
    return best, size, conc, rates
