"""The analytics loop: read each tank's readings, evaluate on a minute grid, write, publish, notify.

A thin loop around :class:`analytics.monitor.TankMonitor` (what is wrong) and
:class:`analytics.pager.Pager` (who hears about it).  Time is the data's
own: each tank is evaluated at every ``step_minutes`` boundary up to its latest
reading, so the same code follows a real tank in real time and a simulated one
running many times faster, and decisions use only readings before each step.
The tanks of a cycle advance step by step together, so the drift windows of
all of them are scored in one numpy batch per step (:meth:`Analytics.process_tanks`).

Outputs: the ``score``, ``alert``, ``forecast`` and ``summary`` measurements;
retained ``{prefix}/{tank}/alert/{key}`` and ``{prefix}/{tank}/summary``;
Apprise notifications.  Inputs besides the readings: firmware events (the
``event`` measurement), device status (retained ``…/status``, the last will)
and signed alert commands on ``{prefix}/{tank}/analytics/cmd`` (silence,
ack, maintenance; signed as in :mod:`aquamon.commands` with ``[alerts]
command_key``).
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

from analytics.batch import WindowBatch, WindowScore, read_latest, read_minute_means, read_missing_readings
from analytics.config_check import check_analytics_config
from analytics.metrics import AnalyticsMetrics
from analytics.monitor import ALERTS, MonitorSettings, PendingEvaluation, TankMonitor, Transition
from analytics.notify_store import InfluxNotifyStore
from analytics.pager import Message, Pager, latest_readings, pager_from
from analytics.routing import settings_for
from analytics.sharding import my_tanks
from analytics.state import InfluxStateStore, settings_fingerprint
from analytics.summary import daily_summary, minutes_seen
from analytics.tankdata import MAX_CATCHUP_MS, REREAD_MS, SENSORS, TankData, _since, monitor_frame  # noqa: F401
from aquamon import commands
from aquamon.auth import configure_client, connect_checked
from aquamon.config import Config
from aquamon.contract import WATER
from aquamon.influx import QueryError, connect
from aquamon.lineproto import encode_point

log = logging.getLogger("aquamon.analytics")
MIN_MS = 60_000
COMMAND_DEVICE = "analytics"  # alert commands are signed for this pseudo-device
COMMAND_WINDOW_MS = 300_000  # a command older or newer than this (wall clock) is refused


def settings_from(cfg: Config) -> MonitorSettings:
    a, al = cfg.analytics, cfg.alerts
    limits = al.limit_overrides()
    # the [analytics] rate options predate profiles: they override the profile when changed
    for key, default in (("temp_rise_c_per_h", 2.0), ("temp_fall_c_per_h", 2.0)):
        if getattr(a, key) != default:
            limits.setdefault(key, getattr(a, key))
    return MonitorSettings(window_minutes=a.window_minutes, reference_hours=a.reference_hours,
                           warmup_hours=a.warmup_hours, harmonics=a.harmonics,
                           false_alarms_per_30_days=a.false_alarms_per_30_days, profile=al.profile,
                           limits=limits, temp_rate_minutes=a.rate_window_minutes,
                           no_data_minutes=al.no_data_minutes, accept_after_hours=al.accept_after_hours,
                           due_days=al.due_days, time_zone=al.time_zone,
                           utc_offset_minutes=al.utc_offset_minutes)


def notifier_from(cfg: Config) -> Pager:
    return pager_from(cfg, {k: spec.explains for k, spec in ALERTS.items()})


@dataclass
class _TankRun:
    """One tank's steps due in this cycle, and what they produced so far."""

    tank: str
    data: TankData
    mon: TankMonitor
    frame: dict[str, np.ndarray]  # what the monitor sees of ``data`` (:func:`monitor_frame`)
    step: int
    end: int
    times: list[int]  # the step times to evaluate, in order
    events: list[tuple[int, str, str]]
    next: int = 0  # index of the next step in ``times``
    out: list[Transition] = field(default_factory=list)
    lines: list[str] = field(default_factory=list)
    failed: bool = False


@dataclass
class ScoringStats:
    """Batched drift scoring since start: batches, windows scored, seconds spent (logged on stop)."""

    batches: int = 0
    windows: int = 0
    seconds: float = 0.0

    def add(self, windows: int, seconds: float) -> None:
        self.batches += 1
        self.windows += windows
        self.seconds += seconds


class Analytics:
    def __init__(self, cfg: Config) -> None:
        self.cfg = cfg
        self.settings = settings_from(cfg)
        # per tank (and per fingerprint), from [alerts.tanks] (analytics/routing.py)
        self._tank_settings: dict[str, MonitorSettings] = {}
        self.db = connect(cfg.influxdb)  # [influxdb] version: 1.x, or 2.x/3.x through its InfluxQL endpoint
        self.monitors: dict[str, TankMonitor] = {}
        self.metrics = AnalyticsMetrics(lambda: self.monitors,  # /metrics (analytics/metrics.py)
                                        f"{cfg.analytics.instance_index}/{cfg.analytics.instance_count}")
        self.data: dict[str, TankData] = {}
        self.fired = 0
        self.scoring = ScoringStats()
        self.late_minutes = 0  # minutes of readings that arrived after their minute was evaluated
        self.skipped_minutes = 0  # minutes never evaluated: more than MAX_CATCHUP_MS behind
        self.write_failures = 0  # writes InfluxDB refused; the points are kept and written later
        self._seen_minutes: dict[str, set[int]] = {}
        a = cfg.analytics
        # which instance scored a point: tagged only when tanks are sharded (docs/scaling.md)
        self.shard = f"{a.instance_index}/{a.instance_count}" if a.instance_count > 1 else ""
        # resume after a restart or a reshard (analytics/state.py)
        self.state = InfluxStateStore(self.db, keep_days=cfg.analytics.state_keep_days)
        self._state_checked: set[str] = set()
        # read for all tanks at the start of a cycle, and written at its end: at 1,000 tanks a round
        # trip per tank was the first bottleneck (docs/scaling.md)
        self._latest: dict[str, int] = {}
        self._means: dict[str, tuple[list[str], list[list[Any]]]] = {}
        self._pending_lines: list[str] = []
        self.notifier = notifier_from(cfg)
        self.notifier.store = InfluxNotifyStore(self.db)  # saved before each send (analytics/notify_store.py)
        self.state.notifier = self.notifier  # type: ignore[assignment]  # ... and with each tank's state
        self.sender = self.notifier.sender
        self.notifier.on_delivery = self.metrics.notification
        self.command_key = commands.load_key(cfg.alerts.command_key) if cfg.alerts.command_key else b""
        self.commands_seen: dict[str, int] = {}
        self.commands_refused = 0
        self._inbox: list[tuple[str, str, Any]] = []  # (kind, tank, payload) from the MQTT thread
        self._inbox_lock = threading.Lock()
        self._last_new_data: dict[str, float] = {}  # wall time new readings last arrived, per tank
        self._event_since: dict[str, int] = {}
        self._stop = threading.Event()
        self.client = mqtt.Client(CallbackAPIVersion.VERSION2,
                                  client_id=f"aquamon-analytics-{int(time.time() * 1000) % 10**9}")
        configure_client(self.client, cfg.mqtt)  # credentials, and TLS with [mqtt] tls
        p = cfg.mqtt.topic_prefix
        self.client.on_connect = self._on_connect
        self.client.on_subscribe = lambda c, u, mid, codes, props: log.info(
            "listening for device status and alert commands under %s/", p)
        self.client.on_message = self._on_message

    def settings_for(self, tank: str) -> MonitorSettings:
        """The monitor settings of ``tank``: its ``[alerts.tanks]`` profile and limits, else the global ones."""
        if tank not in self._tank_settings:
            own = settings_for(self.cfg, tank, self.settings)
            # one object per distinct settings: tanks sharing a table are restored in one batch
            self._tank_settings[tank] = self._tank_settings.setdefault(settings_fingerprint(own), own)
        return self._tank_settings[tank]

    def _on_connect(self, client: Any, userdata: Any, flags: Any, reason: Any, props: Any) -> None:
        p = self.cfg.mqtt.topic_prefix
        client.subscribe([(f"{p}/+/+/status", 1), (f"{p}/+/{COMMAND_DEVICE}/cmd", 1)])

    # ------------------------------------------------------------------ MQTT in (another thread)
    def _on_message(self, client: Any, userdata: Any, msg: mqtt.MQTTMessage) -> None:
        parts = msg.topic.split("/")
        if len(parts) < 4:
            return
        tank, device, kind = parts[-3], parts[-2], parts[-1]
        try:
            doc = json.loads(msg.payload) if msg.payload else None
        except ValueError:
            log.warning("ignored a message on %s that is not JSON", msg.topic)
            return
        if not isinstance(doc, dict):
            return
        with self._inbox_lock:
            if kind == "status" and isinstance(doc.get("online"), bool):
                self._inbox.append(("status", tank, (device, doc["online"])))
            elif kind == "cmd" and device == COMMAND_DEVICE:
                self._inbox.append(("cmd", tank, doc))

    def command(self, tank: str, doc: dict[str, Any], wall_ms: int | None = None) -> str:
        """Apply one signed alert command; return what was done (or why it was refused)."""
        wall_ms = int(time.time() * 1000) if wall_ms is None else wall_ms
        why = ""
        if not self.command_key:
            why = "no [alerts] command_key is configured"
        elif not commands.verify_signature(self.command_key, tank, COMMAND_DEVICE, doc):
            why = "bad signature (a different command_key, or the command was altered)"
        elif not isinstance(doc.get("ts"), int) or abs(wall_ms - doc["ts"]) > COMMAND_WINDOW_MS:
            why = "too old or from the future: check the clocks"
        elif doc.get("id") in self.commands_seen:
            why = "already applied (a replay)"
        if why:
            self.commands_refused += 1
            log.warning("refused an alert command for %s: %s", tank, why)
            return f"refused: {why}"
        self.commands_seen[str(doc["id"])] = wall_ms
        self.commands_seen = {k: v for k, v in self.commands_seen.items() if wall_ms - v < 2 * COMMAND_WINDOW_MS}
        action, args = doc.get("action"), doc.get("args") or {}
        key = args.get("key") or None
        mon = self.monitors.setdefault(tank, TankMonitor(tank, self.settings_for(tank)))
        data = self.data.get(tank)
        now = data.last_eval_ms if data is not None and data.last_eval_ms is not None else wall_ms
        for_ms = int(args.get("for_s", 0)) * 1000
        if action == "silence":
            self.notifier.silence(tank, key, now + for_ms)
            done = f"silenced {tank} {key or '(all alerts)'} for {for_ms // 60000} min"
        elif action == "ack":
            done = f"acknowledged {self.notifier.acknowledge(tank, key)} alert(s) of {tank}"
        elif action == "maintenance":
            mon.set_maintenance(now, now + for_ms)
            self.notifier.maintenance(tank, now + for_ms)  # water alerts held; a device going offline still pages
            done = f"{tank} in maintenance for {for_ms // 60000} min: silenced, baseline learning paused"
        else:
            self.commands_refused += 1
            return f"refused: unknown action {action!r}; use silence, ack or maintenance"
        log.warning("%s", done)
        return done

    def _drain_inbox(self) -> None:
        with self._inbox_lock:
            inbox, self._inbox = self._inbox, []
        later = []
        for kind, tank, payload in inbox:
            if kind == "cmd":
                self.command(tank, payload)
                continue
            device, online = payload
            mon = self.monitors.setdefault(tank, TankMonitor(tank, self.settings_for(tank)))
            data = self.data.get(tank)
            if data is None or data.last_eval_ms is None:
                mon.device_online[device] = online  # before any data: remember, nothing to report yet
                continue
            # the last will follows the last reading: judge those first (a simulated device's will arrives
            # long before the analytics have read its data), i.e. wait until no new reading has come for a while
            settled = time.monotonic() - self._last_new_data.get(tank, 0.0) >= max(2.0, 3 * self.cfg.analytics.poll_s)
            if not online and (not settled or data.last_eval_ms < int(data.t_ms[-1]) // MIN_MS * MIN_MS):
                later.append((kind, tank, payload))
                continue
            self._emit(tank, mon.device_status(device, online, data.last_eval_ms))
        with self._inbox_lock:
            self._inbox = later + self._inbox

    # ------------------------------------------------------------------ InfluxDB in
    def tanks(self) -> list[str]:
        """This instance's tanks: the configured or discovered ones in its shard."""
        a = self.cfg.analytics
        if a.tanks:
            tanks = list(a.tanks)
        else:
            series = self.db.query(f'SHOW TAG VALUES FROM "{WATER}" WITH KEY = "tank"')
            tanks = sorted({v[1] for s in series for v in s.get("values", [])})
        return my_tanks(tanks, a.instance_index, a.instance_count)

    def restore(self, tanks: list[str]) -> None:
        """Resume tanks seen for the first time from their saved state (no re-fit, no repeated alerts)."""
        new = [t for t in tanks if t not in self._state_checked]
        if not new:
            return
        self._state_checked.update(new)
        self.notifier.load(new)  # acks, silences, open incidents: saved before each send (one query per 200)
        by_settings: dict[int, list[str]] = {}  # tanks with their own [alerts.tanks] profile restore apart
        for tank in new:
            by_settings.setdefault(id(self.settings_for(tank)), []).append(tank)
        restored = {}
        for group in by_settings.values():
            restored.update(self.state.restore(group, self.settings_for(group[0])))
        for tank, (mon, last_eval_ms) in restored.items():
            data = self.data.setdefault(tank, TankData())
            if data.last_eval_ms is not None:
                continue  # already evaluated here: this instance's own state is newer
            heard = self.monitors.get(tank)
            if heard is not None:  # device status heard before the first cycle
                mon.device_online.update(heard.device_online)
            self.monitors[tank] = mon
            data.last_eval_ms = last_eval_ms
        if restored:
            log.info("resumed %d of %d new tanks from their saved state", len(restored), len(new))

    def _fetch(self, tank: str, data: TankData) -> int | None:
        """Pull new 1-minute means for ``tank``; return the latest reading's time (ms) or None."""
        if tank in self._latest:  # read with the other tanks by _prefetch
            columns, rows = self._means.pop(tank, ([], []))
            self._merge(tank, data, rows, columns)
            return self._latest.pop(tank)
        q = f'SELECT last("seq") FROM "{WATER}" WHERE "tank" = \'{tank}\''
        series = self.db.query(q)
        if not series:
            return None
        latest = int(series[0]["values"][0][0])
        ref_ms = int(self.settings.reference_hours * 3_600_000)
        since = _since(data, latest - ref_ms - MAX_CATCHUP_MS)
        # only whole minutes: the bucket [T, T+1m) is complete once a reading at or after T+1m exists
        until = (latest // MIN_MS) * MIN_MS
        if until <= since:
            return latest
        fields = ", ".join(f'mean("{s}") AS "{s}"' for s in SENSORS)
        q = (f'SELECT {fields} FROM "{WATER}" WHERE "tank" = \'{tank}\' AND time >= {since}ms AND time < {until}ms '
             f'GROUP BY time(1m) fill(none)')
        for s in self.db.query(q):
            self._merge(tank, data, s.get("values", []), s["columns"])
        return latest

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

    def _prefetch(self, tanks: list[str]) -> None:
        """Latest reading and new 1-minute means of every tank, one query per 200 tanks (not 2 per tank)."""
        self._latest, self._means = read_latest(self.db, tanks), {}
        ref_ms = int(self.settings.reference_hours * 3_600_000)
        windows = {}
        for tank, latest in self._latest.items():
            data = self.data.setdefault(tank, TankData())
            since = _since(data, latest - ref_ms - MAX_CATCHUP_MS)
            windows[tank] = (since, (latest // MIN_MS) * MIN_MS)
        self._means = read_minute_means(self.db, windows, SENSORS)

    def _events(self, tank: str, since_ms: int, until_ms: int) -> list[tuple[int, str, str]]:
        q = (f'SELECT "kind", "detail" FROM "event" WHERE "tank" = \'{tank}\' AND time >= {since_ms}ms '
             f'AND time < {until_ms}ms')
        out = []
        for s in self.db.query(q):
            cols = s["columns"]
            for row in s.get("values", []):
                r = dict(zip(cols, row))
                out.append((int(r["time"]), str(r.get("kind") or ""), str(r.get("detail") or "")))
        return sorted(out)

    # ------------------------------------------------------------------ the loop
    def process_tank(self, tank: str) -> list[Transition]:
        """Evaluate one tank's due steps (:meth:`process_tanks` of one)."""
        return self.process_tanks([tank])

    def process_tanks(self, tanks: list[str]) -> list[Transition]:
        """Evaluate every due step of these tanks, scoring their drift windows in numpy batches.

        Step by step: every tank with a step left is prepared
        (:meth:`TankMonitor.prepare`), the drift windows of all of them are
        scored in one :class:`WindowBatch` (one batched call per divergence and
        window dimension), then each tank is concluded.  A tank's own steps run
        in order; the windows' scores do not depend on the batch
        (:func:`analytics.batch.score_windows`), so each tank gets exactly the
        alerts that :meth:`TankMonitor.evaluate` gives it alone.  One tank's
        failure stops only that tank, for this cycle.
        """
        runs: list[_TankRun] = []
        for tank in tanks:
            try:
                run = self._start(tank)
            except QueryError as e:
                log.warning("tank %s: %s", tank, e)
                continue
            except Exception:  # a notification service down must not stop the monitoring
                log.exception("tank %s: evaluation failed", tank)
                continue
            if run is not None:
                runs.append(run)
        active = [r for r in runs if r.times]
        while active:
            # tanks step through the same times together: their drift minutes coincide, so do their batches
            t = min(r.times[r.next] for r in active)
            self._step_all([r for r in active if r.times[r.next] == t])
            active = [r for r in active if not r.failed and r.next < len(r.times)]
        out: list[Transition] = []
        for run in runs:
            self._pending_lines += run.lines  # written with the other tanks' at the end of the cycle
            out += run.out
            if run.failed:
                continue
            try:
                self._finish(run)
            except QueryError as e:
                log.warning("tank %s: %s", run.tank, e)
            except Exception:  # a notification service down must not stop the monitoring
                log.exception("tank %s: evaluation failed", run.tank)
        return out

    def _start(self, tank: str) -> _TankRun | None:
        """Fetch a tank's new readings; return the steps due (None without data)."""
        data = self.data.setdefault(tank, TankData())
        mon = self.monitors.setdefault(tank, TankMonitor(tank, self.settings_for(tank)))
        before = len(data.t_ms) and int(data.t_ms[-1])
        latest = self._fetch(tank, data)
        if latest is None or not len(data.t_ms):
            return None
        if int(data.t_ms[-1]) != before:
            self._last_new_data[tank] = time.monotonic()
        step = self.cfg.analytics.step_minutes * MIN_MS
        # "now" is the last minute that follows on from the others: a lone reading ahead (a clock jump) waits
        settled = data.settled_until() or latest
        end = (min(latest, settled) // step) * step
        if data.last_eval_ms is None:
            data.last_eval_ms = max(int(data.t_ms[0]) // step * step, end - MAX_CATCHUP_MS)
        if data.last_eval_ms < end - MAX_CATCHUP_MS:  # a restored state may be old, a device back from far away
            skipped = (end - MAX_CATCHUP_MS - data.last_eval_ms) // MIN_MS
            self.skipped_minutes += skipped
            log.warning("%s: %d minute(s) more than %d h behind were not evaluated (from %s); alerts start again "
                        "from the latest %d h", tank, skipped, MAX_CATCHUP_MS // 3_600_000,
                        time.strftime("%Y-%m-%d %H:%M", time.gmtime(data.last_eval_ms / 1000)),
                        MAX_CATCHUP_MS // 3_600_000)
            data.last_eval_ms = end - MAX_CATCHUP_MS
        events = self._events(tank, data.last_eval_ms, end) if end > data.last_eval_ms else []
        times = list(range(data.last_eval_ms + step, end + 1, step))
        return _TankRun(tank, data, mon, monitor_frame(data.values, self.settings.drift_sensors), step, end,
                        times, events)

    def _step_all(self, runs: list[_TankRun]) -> None:
        """The next step of each of ``runs``: prepare all, score their drift windows together, conclude each."""
        batch = WindowBatch()
        prepared: list[tuple[_TankRun, PendingEvaluation]] = []
        for run in runs:
            t = run.times[run.next]
            now_events = [e for e in run.events if t - run.step <= e[0] < t]
            try:
                pending = run.mon.prepare(t, run.data.t_ms, run.frame, now_events)
            except Exception:  # a notification service down must not stop the monitoring
                log.exception("tank %s: evaluation failed", run.tank)
                run.failed = True
                continue
            prepared.append((run, pending))
            w = pending.window
            if w is not None:
                batch.add(run.tank, w.mean, w.cov, w.ref_cov, distances=w.distances)
        scores: dict[Any, WindowScore | None] = {}
        if len(batch):
            started = time.perf_counter()
            try:
                scores = batch.score()
            except Exception:  # a notification service down must not stop the monitoring
                log.exception("scoring %d drift windows failed", len(batch))
            self.scoring.add(len(batch), time.perf_counter() - started)
        for run, pending in prepared:
            try:
                score, transitions = run.mon.conclude(pending, scores.get(run.tank))
                self._after_step(run, pending.now_ms, score, transitions)
            except Exception:  # a notification service down must not stop the monitoring
                log.exception("tank %s: evaluation failed", run.tank)
                run.failed = True
            run.next += 1

    def _after_step(self, run: _TankRun, t: int, score: dict[str, Any], transitions: list[Transition]) -> None:
        """Record one evaluated step: its score point, finished days, transitions and reminders."""
        tank, mon, lines = run.tank, run.mon, run.lines
        fields = {k: float(v) for k, v in score.items() if np.isfinite(v)}
        if fields:
            lines.append(encode_point("score", {"tank": tank, "shard": self.shard}, fields, t))
        for day in mon.take_finished_days():
            transitions += mon.due_transitions(t)
            lines += self._day_lines(tank, mon, day)
        self.notifier.observe(tank, t, latest_readings(run.data.t_ms, run.frame, t),
                              [e for e in run.events if t - run.step <= e[0] < t])  # values, calibration
        self._emit(tank, transitions, lines)
        self._send(self.notifier.tick(t, tank))  # reminders and morning releases, minute by minute
        if self.cfg.analytics.notify_each_step:
            self.notifier.deliver()  # as if live: each minute's pages go out at that minute
        run.out += transitions
        run.data.last_eval_ms = t

    def _finish(self, run: _TankRun) -> None:
        tank, mon, data = run.tank, run.mon, run.data
        # a tank that went quiet without its last will: judged on the wall clock, extrapolating the data clock
        quiet_s = time.monotonic() - self._last_new_data.get(tank, time.monotonic())
        if quiet_s >= self.settings.no_data_minutes * 60 or mon.firing("no_telemetry"):
            last = int(data.t_ms[-1])
            self._emit(tank, mon.check_stale(last + int(quiet_s * 1000), last))
        data.trim(run.end - int(self.settings.reference_hours * 3_600_000) - MIN_MS)
        self.state.note(tank, mon, data.last_eval_ms)

    def _emit(self, tank: str, transitions: list[Transition], lines: list[str] | None = None) -> None:
        """Record transitions (``alert`` measurement, retained topic) and notify."""
        if not transitions:
            return
        points = [encode_point("alert", {"tank": tank, "key": tr.key, "severity": tr.severity},
                               {"state": tr.state, "summary": tr.summary,
                                "value": float(tr.value) if np.isfinite(tr.value) else 0.0}, tr.t_ms)
                  for tr in transitions]
        if lines is None:
            # written with the cycle's other points (kept and retried if InfluxDB refuses): a storage error
            # must not stop the notification, nor the analytics
            self._pending_lines += points
        else:
            lines += points
        for tr in transitions:
            self.publish(tank, tr)
        self._send(self.notifier.handle(tank, transitions, transitions[-1].t_ms))

    def _day_lines(self, tank: str, mon: TankMonitor, day: Any) -> list[str]:
        lines = []
        for p in day.forecasts:
            point: dict[str, Any] = {k: float(v) for k, v in (("rate_per_day", p.rate_per_day),
                                                              ("days_to_limit", p.days_to_limit), ("low", p.low),
                                                              ("high", p.high), ("limit", p.limit))
                                     if np.isfinite(v)}
            point["text"] = p.text()
            lines.append(encode_point("forecast", {"tank": tank, "sensor": p.sensor}, point, p.t_ms))
        info = self.notifier.take_info(tank)
        end = day.day_start_ms + day.length_ms()
        missing = self._missing_readings(tank, day.day_start_ms, end)
        seen = minutes_seen(self.data[tank].t_ms, day.day_start_ms, day.length_ms()) if tank in self.data else None
        text = daily_summary(tank, day, info, mon.last_forecast.get("tds_ppm"), missing, seen, self.notifier.policy.zone)
        fields: dict[str, Any] = {"text": text}
        if missing is not None:
            fields["readings_missing"] = sum(missing.values())
        lines.append(encode_point("summary", {"tank": tank}, fields, end))
        self.client.publish(f"{self.cfg.mqtt.topic_prefix}/{tank}/summary",
                            json.dumps({"tank": tank, "ts": end, "text": text}), qos=1, retain=True)
        log.warning("%s daily summary: %s", tank, text)
        self.notifier.summary(tank, text, end)  # sent in the keeper's morning
        return lines

    def _missing_readings(self, tank: str, since_ms: int, until_ms: int) -> dict[str, int] | None:
        try:
            return read_missing_readings(self.db, tank, since_ms, until_ms)
        except (QueryError, OSError) as e:
            # the summary goes out without the count rather than not at all
            log.warning("%s: could not count missing readings for the daily summary: %s", tank, e)
            return None

    def _send(self, messages: list[Message]) -> None:
        for m in messages:
            log.warning("notify %s %s: %s", m.severity, m.title, m.body)
            try:
                sent = self.sender is not None and self.sender.send(m)
                self.metrics.notification(m.severity, bool(sent))
            except Exception:  # a notification service down must not stop the monitoring
                self.metrics.notification(m.severity, False)
                log.exception("notification %r failed", m.title)

    def publish(self, tank: str, tr: Transition) -> None:
        if tr.state == "firing":
            self.fired += 1
        payload = json.dumps({"tank": tank, "key": tr.key, "severity": tr.severity, "state": tr.state,
                              "summary": tr.summary, "ts": tr.t_ms})
        topic = f"{self.cfg.mqtt.topic_prefix}/{tank}/alert/{tr.key}"
        self.client.publish(topic, payload, qos=1, retain=True)
        log.warning("%s %s %s: %s", tank, tr.key, tr.state, tr.summary)

    def cycle(self) -> list[Transition]:
        t0 = time.monotonic()
        out: list[Transition] = []
        try:
            tanks = self.tanks()
        except QueryError as e:
            log.warning("cannot list tanks: %s", e)
            return out
        self.restore(tanks)
        try:
            self._prefetch(tanks)
        except QueryError as e:
            self._latest, self._means = {}, {}  # each tank asks for itself
            log.warning("cannot read the tanks' new readings in bulk: %s", e)
        out += self.process_tanks(tanks)
        try:
            self._drain_inbox()
        except QueryError as e:
            log.warning("device status and commands: %s", e)
        self.notifier.deliver()  # once per cycle: decide, save the state, then send
        self._write_pending()
        self._save_state()
        self.metrics.cycle_done(time.monotonic() - t0, len(tanks))
        return out

    def _write_pending(self) -> None:
        lines, self._pending_lines = self._pending_lines, []
        for i in range(0, len(lines), 5000):
            try:
                self.db.write_lines(lines[i:i + 5000])
            except Exception as e:  # noqa: BLE001 - keep them for the next cycle, within reason
                self._pending_lines = (lines[i:] + self._pending_lines)[:200_000]
                self.write_failures += 1
                log.warning("cannot write %d score and alert points yet (will retry, %d failed writes so far): %s",
                            len(lines) - i, self.write_failures, e)
                return

    def _save_state(self, force: bool = False) -> None:
        try:
            self.state.flush(force)
        except Exception as e:  # noqa: BLE001 - a failed save costs re-evaluation after a restart, not a stop
            log.warning("could not save the analytics state (will retry): %s", e)

    def run(self) -> None:
        self.client.connect_async(self.cfg.mqtt.host, self.cfg.mqtt.port, keepalive=self.cfg.mqtt.keepalive_s)
        self.client.loop_start()
        metrics = self.metrics.serve(self.cfg.analytics.metrics_host, self.cfg.analytics.metrics_port)
        try:
            backoff = 0.0
            while not self._stop.is_set():
                try:
                    self.cycle()
                    backoff = 0.0
                except Exception:  # a storage or query failure must never stop the watching
                    backoff = min(60.0, max(1.0, 2 * backoff))
                    log.exception("analytics cycle failed; retrying in %.0f s", backoff)
                self._stop.wait(self.cfg.analytics.poll_s + backoff)
        finally:
            sc = self.scoring
            log.info("scored %d drift windows in %d batches, %.1f ms (%.0f µs a window)", sc.windows, sc.batches,
                     sc.seconds * 1e3, sc.seconds * 1e6 / max(sc.windows, 1))
            self._save_state(force=True)
            self.client.disconnect()
            self.client.loop_stop()
            if metrics is not None:
                metrics.stop()

    def stop(self) -> None:
        self._stop.set()


class CommandError(RuntimeError):
    """An alert command could not be sent; the message says what to do."""


def parse_duration(text: str) -> int:
    """Seconds in "2h", "90m", "1d", "45s".

    >>> parse_duration("2h"), parse_duration("90m"), parse_duration("1d")
    (7200, 5400, 86400)
    >>> parse_duration("soon")
    Traceback (most recent call last):
    ...
    ValueError: duration 'soon' must be a number followed by s, m, h or d (e.g. 2h)
    """
    units = {"s": 1, "m": 60, "h": 3600, "d": 86400}
    t = text.strip().lower()
    try:
        value = float(t[:-1])
        if t[-1:] not in units or value < 0:
            raise ValueError
    except ValueError:
        raise ValueError(f"duration {text!r} must be a number followed by s, m, h or d (e.g. 2h)") from None
    return int(value * units[t[-1]])


def send_alert_command(cfg: Config, tank: str, action: str, key: str | None, for_s: int,
                       timeout_s: float = 10.0) -> dict[str, Any]:
    """Sign and publish one alert command (silence, ack, maintenance) for the analytics; return it."""
    if not cfg.alerts.command_key:
        raise CommandError("no [alerts] command_key in the configuration: set the same key for the analytics "
                           "and this command (see aquamon.example.toml)")
    if key is not None and key not in ALERTS:
        raise CommandError(f"unknown alert key {key!r}; the keys are: {', '.join(sorted(ALERTS))}")
    args: dict[str, Any] = {"for_s": int(for_s)}
    if key:
        args["key"] = key
    doc = commands.sign_command(commands.load_key(cfg.alerts.command_key), tank, COMMAND_DEVICE, action, args)
    client = mqtt.Client(CallbackAPIVersion.VERSION2)
    configure_client(client, cfg.mqtt)
    try:
        try:
            connect_checked(client, cfg.mqtt, "operator", timeout_s)
        except OSError as e:  # unreachable, no answer, or the login refused: each says what to do
            raise CommandError(str(e)) from None
        info = client.publish(f"{cfg.mqtt.topic_prefix}/{tank}/{COMMAND_DEVICE}/cmd", commands.encode(doc), qos=1)
        info.wait_for_publish(timeout_s)
        if not info.is_published():
            raise CommandError(f"the broker did not take the command within {timeout_s:g} s")
    finally:
        client.loop_stop()
        client.disconnect()
    return doc


def main(cfg: Config) -> None:
    check_analytics_config(cfg)  # [alerts] and [notify]: the analytics' own sections
    a = Analytics(cfg)
    for sig in (signal.SIGTERM, signal.SIGINT):
        signal.signal(sig, lambda *_: a.stop())
    a.run()
