"""The points a cycle writes (scores, alerts, forecasts, summaries): one batch a cycle, kept and retried.

A storage error must stop neither the notifications nor the analytics: the
points InfluxDB cannot take now (down, busy, full) are kept (at most
:data:`KEEP_MAX`, the newest dropped beyond that) and written with the next
cycle's.  Points it refuses for their content (a 4xx such as a field-type
conflict: InfluxDB 1.x has then written the batch's other points) are dropped,
logged and counted, so one bad point cannot hold back every later one.

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

from aquamon.influx import RejectedWriteError

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
        self.rejected = 0  # writes InfluxDB refused for their content: not retried

    def add(self, lines: Sequence[str]) -> None:
        self.lines.extend(lines)

    def flush(self, db: Writer) -> bool:
        """Write everything waiting, :data:`CHUNK` lines a request; on a failure keep the rest (False)."""
        lines, self.lines = self.lines, []
        for i in range(0, len(lines), CHUNK):
            try:
                db.write_lines(lines[i:i + CHUNK])
            except RejectedWriteError as e:  # retrying cannot help: the server has kept what it could take
                self.rejected += 1
                log.error("InfluxDB refused a write of %d score and alert points for its content; not retried "
                          "(it kept the points it could take): %s", len(lines[i:i + CHUNK]), e)
            except Exception as e:  # noqa: BLE001 - keep them for the next cycle, within reason
                self.lines = (lines[i:] + self.lines)[:KEEP_MAX]
                self.failures += 1
                log.warning("cannot write %d score and alert points yet (will retry, %d failed writes so far): %s",
                            len(lines) - i, self.failures, e)
                return False
        return True
