"""Where the pager's state lives between runs: written before every send, read on a tank's first touch.

InfluxDB, measurement ``notify_state`` (tag ``tank``, one JSON string field
``doc``, time = the save's revision in wall-clock ms): the one store every
analytics instance already reads, so a tank that moves to another instance
(sharding) keeps its acknowledgements and silences.  A notifier document is
small (episodes, silences, a few lines for the morning); it is written only
when something changed, i.e. a few times per incident, and always *before*
the notification it records goes out (issue 21: no repeated page after a
crash, no lost ack or silence).

>>> s = MemoryNotifyStore()
>>> s.save({"t1": {"rev": 1, "episodes": []}})
>>> s.load(["t1", "t2"])
{'t1': {'rev': 1, 'episodes': []}}
"""

from __future__ import annotations

import json
import logging
from typing import Any, Iterable, Mapping

from analytics.readings import tank_regex
from aquamon.lineproto import encode_point

log = logging.getLogger("aquamon.notify")
MEASUREMENT = "notify_state"
DAY_MS = 86_400_000
CHUNK = 200  # tanks per query


class MemoryNotifyStore:
    """A store in memory (tests, the benchmark); documents go through JSON as they would in InfluxDB."""

    def __init__(self) -> None:
        self.docs: dict[str, str] = {}
        self.saves = 0

    def save(self, docs: Mapping[str, Mapping[str, Any]]) -> None:
        for tank, doc in docs.items():
            self.docs[tank] = json.dumps(doc)
        self.saves += 1

    def load(self, tanks: Iterable[str]) -> dict[str, dict[str, Any]]:
        return {t: json.loads(self.docs[t]) for t in tanks if t in self.docs}


class InfluxNotifyStore:
    """Notifier documents in InfluxDB 1.x (``db``: :class:`aquamon.influx.InfluxV1`).

    A write that fails raises (the pager logs it, counts it and sends anyway).
    """

    def __init__(self, db: Any) -> None:
        self.db = db
        self.saves = 0

    def save(self, docs: Mapping[str, Mapping[str, Any]]) -> None:
        # stamped with the day of the save: a day's saves of a tank overwrite one point (the newest wins),
        # so a busy tank keeps one document a day, not one per notification
        lines = [encode_point(MEASUREMENT, {"tank": tank}, {"doc": json.dumps(doc, separators=(",", ":"))},
                              int(doc.get("rev") or 0) // DAY_MS * DAY_MS) for tank, doc in docs.items()]
        if lines:
            self.db.write_lines(lines)
            self.saves += 1

    def load(self, tanks: Iterable[str]) -> dict[str, dict[str, Any]]:
        tanks = list(tanks)
        out: dict[str, dict[str, Any]] = {}
        for i in range(0, len(tanks), CHUNK):
            q = (f'SELECT last("doc") FROM "{MEASUREMENT}" WHERE "tank" =~ {tank_regex(tanks[i:i + CHUNK])} '
                 'GROUP BY "tank"')
            self._read(self.db.query(q), out)
        return out

    @staticmethod
    def _read(result: list[dict[str, Any]], out: dict[str, dict[str, Any]]) -> None:
        for series in result:
            tank = series.get("tags", {}).get("tank")
            values = series.get("values") or []
            if not tank or not values:
                continue
            try:
                doc = json.loads(values[0][1])
            except (TypeError, ValueError, IndexError) as e:
                log.warning("tank %s: damaged notification state ignored (%s)", tank, e)
                continue
            if isinstance(doc, dict):
                out[tank] = doc
