"""What the analytics read from InfluxDB: the tanks, their new 1-minute means, firmware events, lost readings.

Reads go through :func:`aquamon.influx.connect` (``[influxdb] version`` 1 or
2, InfluxQL either way).  Scoring is cheap next to talking to InfluxDB: per
tank and cycle the loop used to make two queries, each a round trip of
3-10 ms, so at 1,000 tanks a cycle was 10-30 s of waiting.  A cycle therefore
reads every tank's latest reading and new minute means in bulk, 200 tanks a
query (:meth:`TankReader.prefetch`), and a tank not in the bulk read asks for
itself (:meth:`TankReader.fetch`).

A minute read again after it was evaluated (a late or out-of-order reading)
joins the data for the windows that follow; it is said and counted
(:attr:`TankReader.late_minutes`), never judged again.
"""

from __future__ import annotations

import logging
import re
from typing import Any, Protocol, Sequence

from analytics.tankdata import MAX_CATCHUP_MS, MIN_MS, SENSORS, TankData, _since
from aquamon.contract import EVENT, WATER
from aquamon.influx import QueryError

log = logging.getLogger("aquamon.analytics")
Rows = tuple[list[str], list[list[Any]]]  # (columns, rows) of one tank


class Database(Protocol):
    """An InfluxQL client (:class:`aquamon.influx.InfluxV1` or ``InfluxV2``)."""

    def query(self, q: str, epoch: str = "ms") -> list[dict[str, Any]]: ...

    def write_lines(self, lines: Sequence[str]) -> None: ...


def tank_regex(tanks: list[str]) -> str:
    """An InfluxQL regex matching exactly these tank ids (ids are letters, digits, ``_ . -``).

    >>> tank_regex(["a.1", "b"])
    '/^(a\\\\.1|b)$/'
    """
    return "/^(" + "|".join(re.escape(t) for t in tanks) + ")$/"


def read_latest(db: Database, tanks: list[str], chunk: int = 200) -> dict[str, int]:
    """Time (ms) of each tank's latest reading, one query per ``chunk`` tanks; tanks without data are absent."""
    out: dict[str, int] = {}
    for i in range(0, len(tanks), chunk):
        q = f'SELECT last("seq") FROM "{WATER}" WHERE "tank" =~ {tank_regex(tanks[i:i + chunk])} GROUP BY "tank"'
        for s in db.query(q):
            values = s.get("values") or []
            if values:
                out[s["tags"]["tank"]] = int(values[0][0])
    return out


def read_minute_means(db: Database, windows: dict[str, tuple[int, int]], sensors: tuple[str, ...],
                      chunk: int = 200) -> dict[str, Rows]:
    """1-minute means of ``sensors`` in ``[since, until)`` per tank: ``{tank: (columns, rows)}``.

    Tanks that share a time range (the usual case: all caught up) share a query.
    """
    by_range: dict[tuple[int, int], list[str]] = {}
    for tank, rng in windows.items():
        if rng[1] > rng[0]:
            by_range.setdefault(rng, []).append(tank)
    fields = ", ".join(f'mean("{s}") AS "{s}"' for s in sensors)
    out: dict[str, Rows] = {}
    for (since, until), group in by_range.items():
        for i in range(0, len(group), chunk):
            q = (f'SELECT {fields} FROM "{WATER}" WHERE "tank" =~ {tank_regex(group[i:i + chunk])} '
                 f'AND time >= {since}ms AND time < {until}ms GROUP BY time(1m), "tank" fill(none)')
            for s in db.query(q):
                out[s["tags"]["tank"]] = (s["columns"], s.get("values") or [])
    return out


def read_missing_readings(db: Database, tank: str, since_ms: int, until_ms: int) -> dict[str, int]:
    """Readings of ``tank`` that never reached the database in ``[since, until)``, per device, from ``seq``.

    A device numbers its readings (``seq`` persists across reboots), so each jump
    ``d > 1`` between consecutive stored readings is ``d - 1`` lost ones: dropped
    from a full device buffer, or lost on the way.  This is the count that holds
    whatever the gateways' arrangement (under a shared subscription no single
    gateway sees every reading of a device).  A jump that ends in the range is
    counted there (the previous reading may be up to an hour before it); a
    ``seq`` that goes back (a device whose state was wiped) is not a loss.
    Devices without a gap are absent.
    """
    inner = (f'SELECT difference("seq") AS "d" FROM "{WATER}" WHERE "tank" = \'{tank}\' '
             f'AND time >= {since_ms - 3_600_000}ms AND time < {until_ms}ms GROUP BY "device"')
    # only the jumps come back (few rows); the ones that end before the range are left out here,
    # because InfluxQL narrows a subquery to the outer query's time range
    out: dict[str, int] = {}
    for s in db.query(f'SELECT "d" FROM ({inner}) WHERE "d" > 1 GROUP BY "device"'):
        lost = sum(int(d) - 1 for t, d in s.get("values") or [] if t >= since_ms)
        if lost:
            out[s["tags"]["device"]] = lost
    return out


def read_events(db: Database, tank: str, since_ms: int, until_ms: int) -> list[tuple[int, str, str]]:
    """The tank's firmware events in ``[since, until)``: ``(t_ms, kind, detail)`` in time order."""
    q = (f'SELECT "kind", "detail" FROM "{EVENT}" WHERE "tank" = \'{tank}\' AND time >= {since_ms}ms '
         f'AND time < {until_ms}ms')
    out = []
    for s in db.query(q):
        cols = s["columns"]
        for row in s.get("values", []):
            r = dict(zip(cols, row))
            out.append((int(r["time"]), str(r.get("kind") or ""), str(r.get("detail") or "")))
    return sorted(out)


def read_tanks(db: Database) -> list[str]:
    """Every tank with readings, sorted."""
    series = db.query(f'SHOW TAG VALUES FROM "{WATER}" WITH KEY = "tank"')
    return sorted({v[1] for s in series for v in s.get("values", [])})


class TankReader:
    """Each cycle's new readings of the tanks, merged into their :class:`TankData`.

    Parameters
    ----------
    db
        The InfluxDB client.
    reference_hours
        How far back a tank's first read goes (its reference period), plus :data:`MAX_CATCHUP_MS`.
    """

    def __init__(self, db: Database, reference_hours: float) -> None:
        self.db = db
        self.ref_ms = int(reference_hours * 3_600_000)
        self.late_minutes = 0  # minutes of readings that arrived after their minute was evaluated
        self._latest: dict[str, int] = {}
        self._means: dict[str, Rows] = {}
        self._seen_minutes: dict[str, set[int]] = {}

    def prefetch(self, tanks: list[str], data: dict[str, TankData]) -> None:
        """Latest reading and new 1-minute means of every tank, one query per 200 tanks (not 2 per tank).

        On a :class:`~aquamon.influx.QueryError` nothing is kept: each tank asks for itself.
        """
        self._latest, self._means = {}, {}
        latest = read_latest(self.db, tanks)
        windows = {}
        for tank, t in latest.items():
            since = _since(data.setdefault(tank, TankData()), t - self.ref_ms - MAX_CATCHUP_MS)
            windows[tank] = (since, (t // MIN_MS) * MIN_MS)
        self._means = read_minute_means(self.db, windows, SENSORS)
        self._latest = latest

    def fetch(self, tank: str, data: TankData) -> int | None:
        """Merge new 1-minute means of ``tank`` into ``data``; return the latest reading's time (ms) or None."""
        if tank in self._latest:  # read with the other tanks by prefetch
            columns, rows = self._means.pop(tank, ([], []))
            self._merge(tank, data, rows, columns)
            return self._latest.pop(tank)
        series = self.db.query(f'SELECT last("seq") FROM "{WATER}" WHERE "tank" = \'{tank}\'')
        if not series:
            return None
        latest = int(series[0]["values"][0][0])
        since = _since(data, latest - self.ref_ms - MAX_CATCHUP_MS)
        # only whole minutes: the bucket [T, T+1m) is complete once a reading at or after T+1m exists
        until = (latest // MIN_MS) * MIN_MS
        if until <= since:
            return latest
        for columns, rows in read_minute_means(self.db, {tank: (since, until)}, SENSORS).values():
            self._merge(tank, data, rows, columns)
        return latest

    def missing_readings(self, tank: str, since_ms: int, until_ms: int) -> dict[str, int] | None:
        """:func:`read_missing_readings`, or None (logged) when InfluxDB cannot say: the summary goes without."""
        try:
            return read_missing_readings(self.db, tank, since_ms, until_ms)
        except (QueryError, OSError) as e:
            log.warning("%s: could not count missing readings for the daily summary: %s", tank, e)
            return None

    def _merge(self, tank: str, data: TankData, rows: list[list[Any]], columns: list[str]) -> None:
        evaluated = data.last_eval_ms
        data.append(rows, columns)
        if evaluated is None:
            return
        # readings of minutes already evaluated: in the data for what follows, but those minutes are not judged
        # again; said and counted, never silent
        seen = self._seen_minutes.get(tank)
        late = 0 if seen is None else sum(1 for r in rows if r[0] < evaluated - MIN_MS and r[0] not in seen)
        self._seen_minutes[tank] = {r[0] for r in rows}
        if late:
            self.late_minutes += late
            log.warning("%s: %d minute(s) of readings arrived after they were evaluated (late or out of order): "
                        "kept for the next windows, not judged again", tank, late)
