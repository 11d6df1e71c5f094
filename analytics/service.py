"""The analytics loop: read each tank's readings, evaluate on a minute grid, write and publish.

A thin loop around :class:`analytics.monitor.TankMonitor`.  Time is the data's
own: each tank is evaluated at every ``step_minutes`` boundary up to its latest
reading, so the same code follows a real tank in real time and a simulated one
running many times faster, and decisions use only readings before each step.
"""

from __future__ import annotations

import json
import logging
import signal
import threading
import time
from dataclasses import dataclass, field
from typing import Any

import numpy as np
import paho.mqtt.client as mqtt
from paho.mqtt.enums import CallbackAPIVersion

from analytics.monitor import LABELS, MonitorSettings, TankMonitor, Transition
from aquamon.config import Config
from aquamon.influx import InfluxV1, QueryError
from aquamon.lineproto import encode_point

log = logging.getLogger("aquamon.analytics")
MIN_MS = 60_000
SENSORS = tuple(LABELS)
MAX_CATCHUP_MS = 6 * 3_600_000


def settings_from(cfg: Config) -> MonitorSettings:
    a = cfg.analytics
    return MonitorSettings(window_minutes=a.window_minutes, reference_hours=a.reference_hours,
                           warmup_hours=a.warmup_hours, harmonics=a.harmonics,
                           false_alarms_per_30_days=a.false_alarms_per_30_days,
                           temp_rise_c_per_h=a.temp_rise_c_per_h, temp_fall_c_per_h=a.temp_fall_c_per_h,
                           rate_window_minutes=a.rate_window_minutes)


@dataclass
class TankData:
    """Readings of one tank on the 1-minute grid, kept for the reference period."""

    t_ms: np.ndarray = field(default_factory=lambda: np.zeros(0, dtype=np.int64))
    values: dict[str, np.ndarray] = field(default_factory=lambda: {s: np.zeros(0) for s in SENSORS})
    last_eval_ms: int | None = None

    def append(self, rows: list[list[Any]], columns: list[str]) -> None:
        if not rows:
            return
        idx = {c: i for i, c in enumerate(columns)}
        t = np.array([r[0] for r in rows], dtype=np.int64)
        keep = t > (self.t_ms[-1] if len(self.t_ms) else -1)
        t = t[keep]
        rows = [r for r, k in zip(rows, keep) if k]
        self.t_ms = np.concatenate([self.t_ms, t])
        for s in SENSORS:
            col = idx.get(s)
            new = np.array([np.nan if col is None or r[col] is None else float(r[col]) for r in rows])
            self.values[s] = np.concatenate([self.values[s], new])

    def trim(self, before_ms: int) -> None:
        keep = self.t_ms >= before_ms
        self.t_ms = self.t_ms[keep]
        self.values = {k: v[keep] for k, v in self.values.items()}


class Analytics:
    def __init__(self, cfg: Config) -> None:
        self.cfg = cfg
        self.settings = settings_from(cfg)
        self.db = InfluxV1(cfg.influxdb.url, cfg.influxdb.database, cfg.influxdb.username,
                           cfg.influxdb.password, cfg.influxdb.timeout_s)
        self.monitors: dict[str, TankMonitor] = {}
        self.data: dict[str, TankData] = {}
        self.fired = 0
        self._stop = threading.Event()
        self.client = mqtt.Client(CallbackAPIVersion.VERSION2,
                                  client_id=f"aquamon-analytics-{int(time.time() * 1000) % 10**9}")
        if cfg.mqtt.username:
            self.client.username_pw_set(cfg.mqtt.username, cfg.mqtt.password)

    def tanks(self) -> list[str]:
        if self.cfg.analytics.tanks:
            return list(self.cfg.analytics.tanks)
        series = self.db.query('SHOW TAG VALUES FROM "water" WITH KEY = "tank"')
        return sorted({v[1] for s in series for v in s.get("values", [])})

    def _fetch(self, tank: str, data: TankData) -> int | None:
        """Pull new 1-minute means for ``tank``; return the latest reading's time (ms) or None."""
        q = f'SELECT last("seq") FROM "water" WHERE "tank" = \'{tank}\''
        series = self.db.query(q)
        if not series:
            return None
        latest = int(series[0]["values"][0][0])
        ref_ms = int(self.settings.reference_hours * 3_600_000)
        since = int(data.t_ms[-1]) + MIN_MS if len(data.t_ms) else latest - ref_ms - MAX_CATCHUP_MS
        # only whole minutes: the bucket [T, T+1m) is complete once a reading at or after T+1m exists
        until = (latest // MIN_MS) * MIN_MS
        if until <= since:
            return latest
        fields = ", ".join(f'mean("{s}") AS "{s}"' for s in SENSORS)
        q = (f'SELECT {fields} FROM "water" WHERE "tank" = \'{tank}\' AND time >= {since}ms AND time < {until}ms '
             f'GROUP BY time(1m) fill(none)')
        for s in self.db.query(q):
            data.append(s.get("values", []), s["columns"])
        return latest

    def process_tank(self, tank: str) -> list[Transition]:
        data = self.data.setdefault(tank, TankData())
        mon = self.monitors.setdefault(tank, TankMonitor(tank, self.settings))
        latest = self._fetch(tank, data)
        if latest is None or not len(data.t_ms):
            return []
        step = self.cfg.analytics.step_minutes * MIN_MS
        end = (latest // step) * step
        if data.last_eval_ms is None:
            data.last_eval_ms = max(int(data.t_ms[0]) // step * step, end - MAX_CATCHUP_MS)
        out: list[Transition] = []
        lines: list[str] = []
        t = data.last_eval_ms + step
        while t <= end:
            score, transitions = mon.evaluate(t, data.t_ms, data.values)
            fields = {k: float(v) for k, v in score.items() if np.isfinite(v)}
            if fields:
                lines.append(encode_point("score", {"tank": tank}, fields, t))
            for tr in transitions:
                lines.append(encode_point("alert", {"tank": tank, "key": tr.key, "severity": tr.severity},
                                          {"state": tr.state, "summary": tr.summary, "value": float(tr.value)
                                           if np.isfinite(tr.value) else 0.0}, tr.t_ms))
            out += transitions
            data.last_eval_ms = t
            t += step
        if lines:
            for i in range(0, len(lines), 5000):
                self.db.write_lines(lines[i:i + 5000])
        for tr in out:
            self.publish(tank, tr)
        data.trim(end - int(self.settings.reference_hours * 3_600_000) - MIN_MS)
        return out

    def publish(self, tank: str, tr: Transition) -> None:
        if tr.state == "firing":
            self.fired += 1
        payload = json.dumps({"tank": tank, "key": tr.key, "severity": tr.severity, "state": tr.state,
                              "summary": tr.summary, "ts": tr.t_ms})
        topic = f"{self.cfg.mqtt.topic_prefix}/{tank}/alert/{tr.key}"
        self.client.publish(topic, payload, qos=1, retain=True)
        log.warning("%s %s %s: %s", tank, tr.key, tr.state, tr.summary)

    def cycle(self) -> list[Transition]:
        out: list[Transition] = []
        try:
            tanks = self.tanks()
        except QueryError as e:
            log.warning("cannot list tanks: %s", e)
            return out
        for tank in tanks:
            try:
                out += self.process_tank(tank)
            except QueryError as e:
                log.warning("tank %s: %s", tank, e)
            except Exception:  # noqa: BLE001 - one tank's failure must not stop the others
                log.exception("tank %s: evaluation failed", tank)
        return out

    def run(self) -> None:
        self.client.connect_async(self.cfg.mqtt.host, self.cfg.mqtt.port, keepalive=self.cfg.mqtt.keepalive_s)
        self.client.loop_start()
        try:
            while not self._stop.is_set():
                self.cycle()
                self._stop.wait(self.cfg.analytics.poll_s)
        finally:
            self.client.disconnect()
            self.client.loop_stop()

    def stop(self) -> None:
        self._stop.set()


def main(cfg: Config) -> None:
    a = Analytics(cfg)
    for sig in (signal.SIGTERM, signal.SIGINT):
        signal.signal(sig, lambda *_: a.stop())
    a.run()
