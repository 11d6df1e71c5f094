"""What the web app reads from InfluxDB: usual values, chart series, forecasts, the alert log.

Each answer is cached per tank for a while (``ttl_s``), so the number of open
pages does not multiply the queries; the live part never comes from here
(see :mod:`aquamon.web.live`).
"""

from __future__ import annotations

import threading
import time
from datetime import datetime, timezone, tzinfo
from typing import Any, Callable

import numpy as np

from aquamon.contract import WATER
from aquamon.influx import InfluxV1, InfluxV2, QueryError
from aquamon.report import HOUR_MS, alert_spans, hour_of_day_baseline, load_alert_state, sensor_columns

RANGES_H = {"6h": 6, "1d": 24, "7d": 168, "30d": 720}
CHART_POINTS = 600  # per sensor and chart: enough for a 1440 px screen, small for a phone


class HistoryUnavailable(RuntimeError):
    """InfluxDB did not answer; the page shows the message and the live part goes on."""


class _Cache:
    def __init__(self, ttl_s: float) -> None:
        self.ttl_s = ttl_s
        self._items: dict[Any, tuple[float, Any]] = {}
        self._lock = threading.Lock()

    def get(self, key: Any, make: Callable[[], Any]) -> Any:
        now = time.monotonic()
        with self._lock:
            hit = self._items.get(key)
        if hit is not None and now - hit[0] < self.ttl_s:
            return hit[1]
        value = make()
        with self._lock:
            self._items[key] = (now, value)
            if len(self._items) > 5000:
                self._items.clear()
        return value


def _rows(series: list[dict[str, Any]]) -> list[dict[str, Any]]:
    return [dict(zip(s["columns"], v), **s.get("tags", {})) for s in series for v in s["values"]]


class History:
    """Cached InfluxDB reads for the pages (``db`` is :func:`aquamon.influx.connect`'s client)."""

    def __init__(self, db: InfluxV1 | InfluxV2, ttl_s: float = 60.0, zone: tzinfo = timezone.utc) -> None:
        self.db = db
        self.zone = zone  # the keeper's clock ([alerts] time_zone): "this hour" is the keeper's hour
        self.usual_cache = _Cache(600.0)
        self.cache = _Cache(ttl_s)

    def offset_ms(self, t_ms: int) -> int:
        """The keeper's offset from UTC at ``t_ms`` (summer time included), in ms."""
        offset = datetime.fromtimestamp(t_ms / 1000, timezone.utc).astimezone(self.zone).utcoffset()
        return int(offset.total_seconds() * 1000) if offset is not None else 0

    def _query(self, q: str) -> list[dict[str, Any]]:
        try:
            return self.db.query(q)
        except (QueryError, OSError) as e:
            raise HistoryUnavailable(f"history is unavailable: InfluxDB did not answer ({e}); live readings "
                                     "go on. Check that InfluxDB is running and [influxdb] url.") from None

    def usual(self, tank: str, days: int = 7) -> dict[str, dict[str, list[float | None]]]:
        """Per sensor, the mean and standard deviation at each local hour of the day over ``days``.

        A simple hour-of-day mean of hourly means (not the analytics' fitted baseline):
        easy to read and cheap, cached for 10 minutes per tank.
        """
        def make() -> dict[str, dict[str, list[float | None]]]:
            fields = ", ".join(f'mean("{c}") AS "{c}"' for c, _, _ in sensor_columns())
            rows = _rows(self._query(f'SELECT {fields} FROM "{WATER}" WHERE "tank" = \'{tank}\' AND '
                                     f"time > now() - {days}d GROUP BY time(1h) fill(none)"))
            out: dict[str, dict[str, list[float | None]]] = {}
            if not rows:
                return out
            t = np.array([r["time"] + self.offset_ms(r["time"]) for r in rows], dtype=np.int64)
            for c, _, _ in sensor_columns():
                x = np.array([np.nan if r.get(c) is None else float(r[c]) for r in rows])
                mean, std = hour_of_day_baseline(t, x, np.ones(len(t), dtype=bool), min_samples=2)
                if np.isfinite(mean).any():
                    out[c] = {"mean": [None if not np.isfinite(m) else round(float(m), 3) for m in mean],
                              "std": [None if not np.isfinite(s) else round(float(s), 3) for s in std]}
            return out
        return self.usual_cache.get(("usual", tank), make)

    def forecasts(self) -> dict[str, str]:
        """tank → the water-change forecast's words (the analytics' last ``forecast`` text, TDS first)."""
        def make() -> dict[str, str]:
            out: dict[str, str] = {}
            for r in _rows(self._query('SELECT last("text") AS "text" FROM "forecast" WHERE time > now() - 30d '
                                       'GROUP BY "tank", "sensor"')):
                if r.get("text") and (r["tank"] not in out or r["sensor"] == "tds_ppm"):
                    out[r["tank"]] = str(r["text"])
            return out
        return self.cache.get("forecasts", make)

    def series(self, tank: str, range_key: str, now_ms: int | None = None) -> dict[str, Any]:
        """The chart data of one tank over ``range_key`` (6h, 1d, 7d, 30d): time, sensors, alert spans."""
        hours = RANGES_H[range_key]

        def make() -> dict[str, Any]:
            end = int(time.time() * 1000) if now_ms is None else now_ms
            start = end - hours * HOUR_MS
            bucket_s = max(60, hours * 3600 // CHART_POINTS)
            fields = ", ".join(f'mean("{c}") AS "{c}"' for c, _, _ in sensor_columns())
            where = f"\"tank\" = '{tank}' AND time >= {start}ms AND time <= {end}ms"
            rows = _rows(self._query(f'SELECT {fields} FROM "{WATER}" WHERE {where} GROUP BY time({bucket_s}s) '
                                     "fill(none)"))
            alerts = load_alert_state(self.db, tank, start, end)
            spans = [{"key": s.key, "severity": s.severity, "start": s.start_ms, "end": s.end_ms, "open": s.open}
                     for s in alert_spans(alerts, end)]
            return {"t": [r["time"] // 1000 for r in rows],
                    "sensors": {c: [r.get(c) for r in rows] for c, _, _ in sensor_columns()
                                if any(r.get(c) is not None for r in rows)},
                    "spans": spans, "start": start // 1000, "end": end // 1000,
                    "offset_s": self.offset_ms(end) // 1000}
        return self.cache.get(("series", tank, range_key), make) if now_ms is None else make()

    def last_readings(self, days: int = 30) -> list[tuple[str, str, dict[str, Any]]]:
        """(tank, device, reading) of every device's newest stored reading within ``days``, shaped as the
        live telemetry (``ts``, ``r``, ``pump``): what a page shows before the device speaks again."""
        sensors = [c for c, _, _ in sensor_columns()]
        out = []
        for s in self._query(f'SELECT * FROM "{WATER}" WHERE time > now() - {days}d GROUP BY "tank", "device" '
                             "ORDER BY time DESC LIMIT 1"):
            row = dict(zip(s["columns"], s["values"][0]))
            tags = s.get("tags", {})
            r = {c: row[c] for c in sensors if isinstance(row.get(c), (int, float))}
            pump = row.get("pump")
            out.append((str(tags.get("tank")), str(tags.get("device")),
                        {"ts": int(row["time"]), "r": r, "pump": None if pump is None else bool(pump)}))
        return out

    def alert_log(self, tank: str = "", key: str = "", severity: str = "", state: str = "",
                  days: float = 7.0, limit: int = 500) -> list[dict[str, Any]]:
        """The alert transitions, newest first, filtered (every argument already checked by the caller)."""
        conds = [f"time > now() - {int(days * 24)}h"]
        conds += [f"\"{col}\" = '{val}'" for col, val in (("tank", tank), ("key", key), ("severity", severity))
                  if val]
        rows = _rows(self._query('SELECT "state", "summary" FROM "alert" WHERE ' + " AND ".join(conds)
                                 + ' GROUP BY "tank", "key", "severity"'))
        if state:
            rows = [r for r in rows if r.get("state") == state]
        rows.sort(key=lambda r: -int(r["time"]))
        return rows[:limit]

