"""The points a cycle writes (scores, alerts, forecasts, summaries): one batch a cycle, kept and retried.

A storage error must stop neither the notifications nor the analytics: the
points InfluxDB refuses are kept (at most :data:`KEEP_MAX`, the newest
dropped beyond that) and written with the next cycle's.

Examples
--------
>>> class Down:
...     def write_lines(self, lines):
...         raise OSError("connection refused")
>>> box = Outbox()
>>> box.add(["score,tank=t1 kl=1.0 60000"])
>>> box.flush(Down()), box.failures, len(box.lines)
(False, 1, 1)
"""

from __future__ import annotations

import logging
from typing import Protocol, Sequence

log = logging.getLogger("aquamon.analytics")
#: lines per write request
CHUNK = 5000
#: points kept while InfluxDB refuses them (about a day of one-minute scores of 100 tanks)
KEEP_MAX = 200_000


class Writer(Protocol):
    def write_lines(self, lines: Sequence[str]) -> None: ...


class Outbox:
    """Line-protocol points waiting to be written."""

    def __init__(self) -> None:
        self.lines: list[str] = []
        self.failures = 0  # writes InfluxDB refused; their points were kept and written later

    def add(self, lines: Sequence[str]) -> None:
        self.lines.extend(lines)

    def flush(self, db: Writer) -> bool:
        """Write everything waiting, :data:`CHUNK` lines a request; on a failure keep the rest (False)."""
        lines, self.lines = self.lines, []
        for i in range(0, len(lines), CHUNK):
            try:
                db.write_lines(lines[i:i + CHUNK])
            except Exception as e:  # noqa: BLE001 - keep them for the next cycle, within reason
                self.lines = (lines[i:] + self.lines)[:KEEP_MAX]
                self.failures += 1
                log.warning("cannot write %d score and alert points yet (will retry, %d failed writes so far): %s",
                            len(lines) - i, self.failures, e)
                return False
        return True
