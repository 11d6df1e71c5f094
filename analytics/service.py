"""The analytics loop: read each tank's readings, step the engine on a minute grid, write, publish, notify.

A thin loop around :class:`analytics.monitor.TankMonitor` (what is wrong) and
:class:`analytics.pager.Pager` (who hears about it).  Time is the data's
own: each tank is evaluated at every ``step_minutes`` boundary up to its latest
reading, so the same code follows a real tank in real time and a simulated one
running many times faster, and decisions use only readings before each step.
The tanks of a cycle advance step by step together, so the drift windows of
all of them are scored in one numpy batch per step (:meth:`Analytics.process_tanks`).

Each other concern has its own module:

- :mod:`analytics.readings`: the reads from InfluxDB (tanks, minute means in bulk, events, lost readings);
- :mod:`analytics.notifying`: transitions and finished days to points, retained topics and the pager;
- :mod:`analytics.outbox`: the cycle's points, written in one batch, kept and retried;
- :mod:`analytics.broker_link`: MQTT in (device status, alert commands) and out (retained topics);
- :mod:`analytics.device_status`: a last will judged after the readings before it;
- :mod:`analytics.command_link`: signed silence, ack and maintenance;
- :mod:`analytics.state`: each tank's engine and pager saved, to resume after a restart or a reshard.
"""

from __future__ import annotations

import logging
import signal
import threading
import time
from typing import Any, Callable, TypeVar

import numpy as np

from analytics.broker_link import BrokerLink
from analytics.command_link import AlertCommands
from analytics.config_check import check_analytics_config
from analytics.device_status import StatusQueue, TankClock
from analytics.metrics import AnalyticsMetrics, ScoringStats
from analytics.monitor import ALERTS, MonitorSettings, TankMonitor, Transition
from analytics.notify_policy import local_time
from analytics.notify_store import InfluxNotifyStore
from analytics.notifying import Notifying
from analytics.outbox import Outbox
from analytics.pager import Pager, latest_readings, pager_from
from analytics.readings import TankReader, read_events, read_tanks
from analytics.settings import TankSettings
from analytics.settings import settings_from as settings_from  # imported from here: aquamon.cli, routing, benchmarks
from analytics.sharding import my_tanks
from analytics.state import InfluxStateStore
from analytics.stepping import TankRun, step_together
from analytics.tankdata import MAX_CATCHUP_MS, MIN_MS, TankData, monitor_frame
from aquamon import commands
from aquamon.config import Config
from aquamon.influx import QueryError, connect
from aquamon.lineproto import encode_point

log = logging.getLogger("aquamon.analytics")
_T = TypeVar("_T")


def notifier_from(cfg: Config) -> Pager:
    """The keeper's :class:`Pager` (``[alerts]``, ``[notify]``), knowing which alert explains which."""
    return pager_from(cfg, {k: spec.explains for k, spec in ALERTS.items()})


class Analytics:
    """The analytics service of one instance (``[analytics] instance_index`` of ``instance_count``).

    Parameters
    ----------
    cfg
        The configuration; nothing is connected until :meth:`run` (or read until :meth:`cycle`).
    """

    def __init__(self, cfg: Config) -> None:
        self.cfg = cfg
        a = cfg.analytics
        self.tank_settings = TankSettings(cfg)  # per tank, from [alerts.tanks] (analytics/routing.py)
        self.settings = self.tank_settings.base
        self.db = connect(cfg.influxdb)  # [influxdb] version 1 or 2, as the gateway
        self.reader = TankReader(self.db, self.settings.reference_hours)
        self.outbox = Outbox()  # the cycle's points, one batch (docs/scaling.md), kept while InfluxDB refuses
        self.monitors: dict[str, TankMonitor] = {}
        self.data: dict[str, TankData] = {}
        self.metrics = AnalyticsMetrics(lambda: self.monitors, f"{a.instance_index}/{a.instance_count}",
                                        counts=self._loss_counts)
        self.scoring = ScoringStats()
        self.skipped_minutes = 0  # minutes never evaluated: more than MAX_CATCHUP_MS behind
        # which instance scored a point: tagged only when tanks are sharded (docs/scaling.md)
        self.shard = f"{a.instance_index}/{a.instance_count}" if a.instance_count > 1 else ""
        self.state = InfluxStateStore(self.db, keep_days=a.state_keep_days)  # resume (analytics/state.py)
        self._state_checked: set[str] = set()
        self.notifier = notifier_from(cfg)
        self.notifier.store = InfluxNotifyStore(self.db)  # saved before each send (analytics/notify_store.py)
        self.notifier.on_delivery = self.metrics.notification
        self.state.notifier = self.notifier  # ... and with each tank's state
        self._wake = threading.Event()  # a command arrived, or stop(): the loop's wait ends early
        # device status and commands in, retained alerts and summaries and command answers out
        self.link = BrokerLink(cfg.mqtt, on_command=self._wake.set)
        self.notifying = Notifying(self.notifier, self.link, self.reader.missing_readings)
        self.commands = AlertCommands(commands.load_key(cfg.alerts.command_key) if cfg.alerts.command_key else b"")
        self.status = StatusQueue(a.poll_s)  # offline judged after the readings before it
        self._last_new_data: dict[str, float] = {}  # wall time new readings last arrived, per tank
        self._stop = threading.Event()

    def settings_for(self, tank: str) -> MonitorSettings:
        """The monitor settings of ``tank``: its ``[alerts.tanks]`` profile and limits, else the global ones."""
        return self.tank_settings.of(tank)

    def _monitor(self, tank: str) -> TankMonitor:
        if tank not in self.monitors:
            self.monitors[tank] = TankMonitor(tank, self.settings_for(tank))
        return self.monitors[tank]

    # ------------------------------------------------------------------ heard over MQTT
    def command(self, tank: str, doc: dict[str, Any], wall_ms: int | None = None) -> str:
        """Apply one signed alert command (:mod:`analytics.command_link`); return what was done or why not."""
        wall_ms = int(time.time() * 1000) if wall_ms is None else wall_ms
        why = self.commands.refusal(tank, doc, wall_ms)
        if why:
            return why
        data = self.data.get(tank)
        now = data.last_eval_ms if data is not None and data.last_eval_ms is not None else wall_ms
        return self.commands.apply(tank, doc, self.notifier, self._monitor(tank), now)

    def _clock(self, tank: str) -> TankClock | None:
        data = self.data.get(tank)
        if data is None or data.last_eval_ms is None:
            return None
        return TankClock(data.last_eval_ms, int(data.t_ms[-1]) if len(data.t_ms) else None,
                         time.monotonic() - self._last_new_data.get(tank, 0.0))

    def _answer_commands(self, cmds: list[tuple[str, dict[str, Any]]]) -> None:
        """Apply each alert command and answer it (the keeper waits for the answer)."""
        for tank, doc in cmds:
            self.link.answer_command(tank, doc, self.command(tank, doc))

    def _loss_counts(self) -> dict[str, int]:
        """What this instance skipped or could not write, for ``/metrics`` (:data:`analytics.metrics.LOSS_COUNTS`)."""
        return {"late_data_seconds": self.reader.late_minutes * 60, "skipped_seconds": self.skipped_minutes * 60,
                "writes_failed": self.outbox.failures, "writes_rejected": self.outbox.rejected}

    def _answer_waiting_commands(self) -> None:
        """Between two steps of a long catch-up: answer the keeper's commands now, not when it ends."""
        self._answer_commands(self.link.take_commands())

    def _take_heard(self) -> None:
        """Apply the alert commands and device statuses heard since the last cycle (:mod:`analytics.device_status`)."""
        statuses, cmds = self.link.take()
        self._answer_commands(cmds)
        for st, at_ms in self.status.due(statuses, self._clock):
            mon = self._monitor(st.tank)
            if at_ms is None:
                mon.note_device(st.device, st.online)  # before any data: remember, nothing to report yet
            else:
                self._emit(st.tank, mon.device_status(st.device, st.online, at_ms))

    # ------------------------------------------------------------------ tanks
    def tanks(self) -> list[str]:
        """This instance's tanks: the configured or discovered ones in its shard."""
        a = self.cfg.analytics
        return my_tanks(list(a.tanks) if a.tanks else read_tanks(self.db), a.instance_index, a.instance_count)

    def restore(self, tanks: list[str]) -> None:
        """Resume tanks seen for the first time from their saved state (no re-fit, no repeated alerts)."""
        new = [t for t in tanks if t not in self._state_checked]
        if not new:
            return
        self._state_checked.update(new)
        self.notifier.load(new)  # acks, silences, open incidents: saved before each send (one query per 200)
        restored = {}
        for group in self.tank_settings.groups(new):  # tanks with their own [alerts.tanks] profile restore apart
            restored.update(self.state.restore(group, self.settings_for(group[0])))
        for tank in set(new) - set(restored):  # re-fitted (other settings or version): judged on from where it was
            refitted_at = self.state.refused_at.pop(tank, None)
            data = self.data.setdefault(tank, TankData())
            if refitted_at is not None and data.last_eval_ms is None:
                data.last_eval_ms = refitted_at  # so a long stop before it is counted and told, not silent
        for tank, (mon, last_eval_ms) in restored.items():
            data = self.data.setdefault(tank, TankData())
            if data.last_eval_ms is not None:
                continue  # already evaluated here: this instance's own state is newer
            heard = self.monitors.get(tank)
            for device, online in (heard.device_online.items() if heard is not None else ()):
                mon.note_device(device, online)  # device status heard before the first cycle
            self.monitors[tank] = mon
            data.last_eval_ms = last_eval_ms
        if restored:
            log.info("resumed %d of %d new tanks from their saved state", len(restored), len(new))

    # ------------------------------------------------------------------ the loop
    def process_tank(self, tank: str) -> list[Transition]:
        """Evaluate one tank's due steps (:meth:`process_tanks` of one)."""
        return self.process_tanks([tank])

    def process_tanks(self, tanks: list[str]) -> list[Transition]:
        """Evaluate every due step of these tanks, scoring their drift windows in numpy batches.

        Each tank gets exactly the alerts :meth:`TankMonitor.evaluate` gives it
        alone (:func:`analytics.stepping.step_together`); one tank's failure
        stops only that tank, for this cycle.
        """
        runs = [run for run in (self._guarded(tank, self._start, tank) for tank in tanks) if run is not None]
        step_together(runs, self._after_step, self.scoring, between=self._answer_waiting_commands)
        out: list[Transition] = []
        for run in runs:
            self.outbox.add(run.lines)  # written with the other tanks' at the end of the cycle
            out += run.out
            if not run.failed:
                self._guarded(run.tank, self._finish, run)
        return out

    def _guarded(self, tank: str, do: Callable[..., _T], *args: Any) -> _T | None:
        """``do(*args)``; a failure is logged and stops only this tank, for this cycle (None)."""
        try:
            return do(*args)
        except QueryError as e:
            log.warning("tank %s: %s", tank, e)
        except Exception:  # a notification service down must not stop the monitoring
            log.exception("tank %s: evaluation failed", tank)
        return None

    def _start(self, tank: str) -> TankRun | None:
        """Fetch a tank's new readings; return the steps due (None without data)."""
        data = self.data.setdefault(tank, TankData())
        mon = self._monitor(tank)
        before = len(data.t_ms) and int(data.t_ms[-1])
        latest = self.reader.fetch(tank, data)
        if latest is None or not len(data.t_ms):
            return None
        if int(data.t_ms[-1]) != before:
            self._last_new_data[tank] = time.monotonic()
        step = self.cfg.analytics.step_minutes * MIN_MS
        behind = data.last_eval_ms
        end, skipped = data.due_until(latest, step)
        if skipped:
            self._not_watched(tank, behind or 0, skipped)
        start = data.last_eval_ms if data.last_eval_ms is not None else end  # (set by due_until)
        events = read_events(self.db, tank, start, end) if end > start else []
        return TankRun(tank, data, mon, monitor_frame(data.values, self.settings.drift_sensors), step, end,
                        list(range(start + step, end + 1, step)), events)

    def _not_watched(self, tank: str, from_ms: int, minutes: int) -> None:
        """Minutes more than 6 h behind, never evaluated: logged, counted (``/metrics``) and told to the keeper.

        A device back from a long outage with its backlog, or the analytics started
        again after a long stop: the hole is told in the keeper's next "since the last message" (at
        once by day, in the morning message after quiet hours), beside the daily summary if one is due.
        """
        self.skipped_minutes += minutes
        hours = MAX_CATCHUP_MS // 3_600_000
        log.warning("%s: %d minute(s) more than %d h behind were not evaluated (from %s); alerts start again "
                    "from the latest %d h", tank, minutes, hours,
                    time.strftime("%Y-%m-%d %H:%M", time.gmtime(from_ms / 1000)), hours)
        start, end = (local_time(t, self.notifier.policy.zone) for t in (from_ms, from_ms + minutes * MIN_MS))
        until = end.strftime("%H:%M" if end.date() == start.date() else "%a %d %b %H:%M")
        self.notifier.note(tank, f"not watched {start:%a %d %b %H:%M}–{until}: the monitoring was more than {hours} h "
                                 "behind and did not check that time (it was stopped, or the controller was away and "
                                 "sent a long backlog); look at that time's charts")

    def _after_step(self, run: TankRun, t: int, score: dict[str, Any], transitions: list[Transition]) -> None:
        """Record one evaluated step: its score point, finished days and transitions."""
        tank, mon, lines = run.tank, run.mon, run.lines
        fields = {k: float(v) for k, v in score.items() if np.isfinite(v)}
        if fields:
            lines.append(encode_point("score", {"tank": tank, "shard": self.shard}, fields, t))
        for day in mon.take_finished_days():
            transitions += mon.due_transitions(t)
            lines += self.notifying.day(tank, day, run.data.t_ms, mon.last_forecast.get("tds_ppm"))
        # the current values (for the pages' numbers) and calibration events (held alerts)
        self.notifier.observe(tank, t, latest_readings(run.data.t_ms, run.frame, t), run.events_before(t))
        self._emit(tank, transitions, lines)
        if self.cfg.analytics.notify_each_step:
            self.notifier.deliver()  # as if live: each minute's pages go out at that minute
        run.out += transitions
        run.data.last_eval_ms = t

    def _finish(self, run: TankRun) -> None:
        tank, mon, data = run.tank, run.mon, run.data
        # a tank that went quiet without its last will: judged on the wall clock, extrapolating the data clock
        quiet_s = time.monotonic() - self._last_new_data.get(tank, time.monotonic())
        if quiet_s >= self.settings.no_data_minutes * 60 or mon.firing("no_telemetry"):
            last = int(data.t_ms[-1])
            self._emit(tank, mon.check_stale(last + int(quiet_s * 1000), last))
        data.trim(run.end - int(self.settings.reference_hours * 3_600_000) - MIN_MS)
        self.state.note(tank, mon, data.last_eval_ms)

    def _emit(self, tank: str, transitions: list[Transition], lines: list[str] | None = None) -> None:
        """Record transitions (``alert`` points, retained topics) and hand them to the pager.

        Without a step's ``lines`` the points go straight to the outbox: a
        storage error must stop neither the notification nor the analytics.
        """
        points = self.notifying.transitions(tank, transitions)
        if lines is None:
            self.outbox.add(points)
        else:
            lines.extend(points)

    def cycle(self) -> list[Transition]:
        """Read, step, hear, notify, write, save: one pass over this instance's tanks."""
        t0 = time.monotonic()
        try:
            tanks = self.tanks()
        except QueryError as e:
            log.warning("cannot list tanks: %s", e)
            return []
        self.restore(tanks)
        self._answer_commands(self.link.take_commands())  # before the tanks' step, which may take a while on a farm: the keeper waits
        try:
            self.reader.prefetch(tanks, self.data)
        except QueryError as e:  # each tank asks for itself
            log.warning("cannot read the tanks' new readings in bulk: %s", e)
        out = self.process_tanks(tanks)
        try:
            self._take_heard()
        except QueryError as e:
            log.warning("device status and commands: %s", e)
        self.notifier.deliver()  # once per cycle: decide, save the state, then send
        self.outbox.flush(self.db)
        self._save_state()
        self.metrics.cycle_done(time.monotonic() - t0, len(tanks))
        return out

    def _save_state(self, force: bool = False) -> None:
        try:
            self.state.flush(force)
        except Exception as e:  # noqa: BLE001 - a failed save costs re-evaluation after a restart, not a stop
            log.warning("could not save the analytics state (will retry): %s", e)

    def run(self) -> None:
        self.link.start()
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
                self._wake.wait(self.cfg.analytics.poll_s + backoff)
                self._wake.clear()
        finally:
            log.info("%s", self.scoring.text())
            self._save_state(force=True)
            self.link.stop()
            if metrics is not None:
                metrics.stop()

    def stop(self) -> None:
        self._stop.set()
        self._wake.set()


def main(cfg: Config) -> None:
    check_analytics_config(cfg)  # [alerts] and [notify]: the analytics' own sections
    a = Analytics(cfg)
    for sig in (signal.SIGTERM, signal.SIGINT):
        signal.signal(sig, lambda *_: a.stop())
    a.run()
