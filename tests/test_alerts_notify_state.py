"""A restarted analytics remembers what it told the keeper.

Episodes, acknowledgements, silences, maintenance, calibration and the morning's notes are saved
*before* a notification goes out (analytics/notify_store.py, issue 21): killed right after a page, the
analytics does not page again for the same alert; killed right after an ack or a silence, it keeps them.
They are also saved with each tank's analytics state (analytics/state.py) and restored with it.
"""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import textwrap
from pathlib import Path

import pytest
from test_alerts_notify import Recorder

from analytics.monitor import ALERTS, MonitorSettings, TankMonitor, Transition
from analytics.notify_policy import NotifyPolicy
from analytics.notify_store import InfluxNotifyStore, MemoryNotifyStore
from analytics.pager import Pager
from analytics.state import InfluxStateStore, monitor_state, restore_monitor, restore_notifier
from aquamon.influx import InfluxV1

HOUR = 3_600_000
MIN = 60_000
EXPLAINS = {k: s.explains for k, s in ALERTS.items()}
ROOT = Path(__file__).resolve().parent.parent


def _notifier(store: object = None) -> tuple[Pager, Recorder]:
    rec = Recorder()
    return Pager(NotifyPolicy(quiet_hours="", renotify_minutes=60, critical_per_incident=3), EXPLAINS, rec,
                 store), rec


def _tr(key: str, severity: str, state: str, t_ms: int, summary: str = "s") -> Transition:
    return Transition(key, severity, state, summary, t_ms, 0.0)


def _busy_notifier() -> Pager:
    """Tank t1: an acknowledged critical episode, an unacknowledged one, a silence and a note; t2: its own episode."""
    n, _ = _notifier()
    n.handle("t1", [_tr("heater_stuck", "critical", "firing", 0, "Heater stuck.")], 0)
    n.handle("t1", [_tr("ph_crash", "critical", "firing", 0, "pH crashing.")], 0)
    n.handle("t2", [_tr("sump_low", "critical", "firing", 0, "Sump low.")], 0)
    n.deliver()
    assert n.acknowledge("t1", "heater_stuck") == 1
    n.silence("t1", "drift", 10 * HOUR)
    n.handle("t1", [_tr("water_change_due", "info", "firing", 0, "Water change due in 2 days.")], 0)
    return n


def test_a_restored_notifier_keeps_acks_silences_and_notes_of_the_tank() -> None:
    before = _busy_notifier()
    mon = TankMonitor("t1", MonitorSettings())
    doc = json.loads(json.dumps(monitor_state(mon, 0, before)))  # through JSON, as stored
    after, rec = _notifier()
    after.handle("t2", [_tr("sump_low", "critical", "firing", 0, "Sump low.")], 0)  # another tank's, untouched
    after.deliver()
    assert restore_notifier(doc, "t1", after)

    after.tick(2 * HOUR, "t1")
    after.tick(2 * HOUR, "t2")
    reminders = after.deliver()
    # the acknowledged heater stays quiet; the open pH episode is reminded ("still"), not announced anew
    assert sorted((m.tank, m.keys[0], m.kind) for m in reminders) == [("t1", "ph_crash", "reminder"),
                                                                       ("t2", "sump_low", "reminder")]
    assert after.silenced("t1", "drift", 9 * HOUR) and not after.silenced("t1", "drift", 11 * HOUR)
    assert [tr.key for t, tr in after.info if t == "t1"] == ["water_change_due"]
    # resolving after the restart ends the episode with an all-clear
    after.handle("t1", [_tr("ph_crash", "critical", "resolved", 3 * HOUR)], 3 * HOUR)
    assert [(m.kind, m.keys) for m in after.deliver()] == [("resolved", ["ph_crash"])]


def test_without_a_saved_notifier_part_nothing_is_restored() -> None:
    doc = monitor_state(TankMonitor("t1", MonitorSettings()), 0)  # saved by a version without it
    n, _ = _notifier()
    assert not restore_notifier(doc, "t1", n)
    assert n.episodes == {} and n.silences == {}


def test_restoring_a_tank_replaces_what_the_notifier_held_for_it() -> None:
    saved = _busy_notifier().tank_state("t1")
    n, _ = _notifier()
    n.handle("t1", [_tr("sump_low", "critical", "firing", 0)], 0)  # stale: not in the saved state
    n.restore_tank("t1", saved)
    assert sorted(k for t, k in n.episodes if t == "t1") == ["heater_stuck", "ph_crash"]


def test_an_older_copy_does_not_undo_a_newer_one() -> None:
    """The analytics state (saved every few minutes) holds an older copy than the notifier's own store."""
    store = MemoryNotifyStore()
    n, _ = _notifier(store)
    n.handle("t1", [_tr("sump_low", "critical", "firing", 0)], 0)
    n.deliver()
    old = json.loads(store.docs["t1"])
    n.acknowledge("t1", "sump_low")
    again, _ = _notifier(store)
    again.tick(MIN, "t1")  # first touch: the store's (newest) copy
    again.restore_tank("t1", old)  # then the analytics state's older one: ignored
    assert again.episodes[("t1", "sump_low")].acked


@pytest.mark.services
def test_notifications_state_survives_a_restart_through_influxdb(influxdb, unique: str) -> None:
    db = InfluxV1(influxdb.url, unique)
    db.create_database()
    store = InfluxStateStore(db, every_s=0)
    store.notifier = _busy_notifier()
    store.note("t1", TankMonitor("t1", MonitorSettings()), 5 * HOUR)
    assert store.flush(force=True) == 1

    restarted = InfluxStateStore(db)
    restarted.notifier, _ = _notifier()
    # other monitor settings: the monitor is re-fitted, but the keeper's silence and ack still hold
    assert restarted.restore(["t1"], MonitorSettings(window_minutes=30)) == {}
    assert restarted.notifier.silenced("t1", "drift", 9 * HOUR)
    assert restarted.notifier.episodes[("t1", "heater_stuck")].acked
    assert not restarted.notifier.episodes[("t1", "ph_crash")].acked
    mon, last = restore_monitor(restarted.load(["t1"])["t1"], "t1", MonitorSettings())
    assert last == 5 * HOUR


# --------------------------------------------------------------------------- issue 21: SIGKILL
KILLED = textwrap.dedent("""
    import os, signal, sys
    from analytics.monitor import ALERTS, Transition
    from analytics.notify_policy import NotifyPolicy
    from analytics.notify_store import InfluxNotifyStore
    from analytics.pager import Pager
    from aquamon.influx import InfluxV1

    url, database, what = sys.argv[1:4]
    T0 = 1_767_268_800_000  # 2026-01-01 12:00 UTC

    class KilledWhileSending:
        def send(self, msg):
            print("SENT", msg.title, flush=True)
            os.kill(os.getpid(), signal.SIGKILL)

    pager = Pager(NotifyPolicy(quiet_hours="", renotify_minutes=60, critical_per_incident=3),
                  {k: s.explains for k, s in ALERTS.items()}, KilledWhileSending(),
                  InfluxNotifyStore(InfluxV1(url, database)))
    if what == "page":
        pager.handle("t1", [Transition("sump_low", "critical", "firing", "Sump level low: 3.0 cm.", T0, 3.0)], T0)
        pager.deliver()
    else:
        pager.tick(T0 + 5 * 60_000, "t1")
        print("ACKED", pager.acknowledge("t1", "sump_low"), flush=True)
        pager.silence("t1", "drift", T0 + 10 * 3_600_000)
        os.kill(os.getpid(), signal.SIGKILL)
    print("not killed", flush=True)
""")
T0 = 1_767_268_800_000


def _run_killed(influxdb, database: str, what: str) -> str:
    env = {**os.environ, "PYTHONPATH": str(ROOT)}
    proc = subprocess.run([sys.executable, "-c", KILLED, influxdb.url, database, what], capture_output=True,
                          text=True, timeout=120, env=env, cwd=ROOT)
    assert proc.returncode == -signal.SIGKILL, (proc.returncode, proc.stdout, proc.stderr)
    return proc.stdout


@pytest.mark.services
def test_killed_right_after_a_page_the_restarted_analytics_does_not_page_again(influxdb, unique: str) -> None:
    db = InfluxV1(influxdb.url, unique)
    db.create_database()
    assert _run_killed(influxdb, unique, "page").strip() == "SENT t1: sump level low"

    # the restarted analytics resumes from an older monitor state: the same alert fires again
    again, rec = _notifier(InfluxNotifyStore(db))
    again.handle("t1", [_tr("sump_low", "critical", "firing", T0 + 2 * MIN, "Sump level low: 3.0 cm.")],
                 T0 + 2 * MIN)
    assert again.deliver() == []
    assert again.episodes[("t1", "sump_low")].announced_ms == T0  # the page already sent, remembered
    # ... and it is reminded as the same incident, not announced anew
    again.tick(T0 + HOUR, "t1")
    assert [(m.kind, m.incident) for m in again.deliver()] == [("reminder", f"sump_low@{T0}#1")]

    # killed right after an acknowledgement and a silence: neither is lost
    assert _run_killed(influxdb, unique, "ack").strip() == "ACKED 1"
    third, rec = _notifier(InfluxNotifyStore(db))
    third.tick(T0 + 3 * HOUR, "t1")
    assert third.deliver() == []  # acknowledged: no reminder
    assert third.episodes[("t1", "sump_low")].acked
    assert third.silenced("t1", "drift", T0 + 9 * HOUR)


def test_a_restart_reads_every_tank_in_one_batch() -> None:
    class CountingStore(MemoryNotifyStore):
        loads = 0

        def load(self, tanks):  # type: ignore[no-untyped-def]
            CountingStore.loads += 1
            return super().load(tanks)

    store = CountingStore()
    first, _ = _notifier(store)
    for tank in ("a", "b", "c"):
        first.handle(tank, [_tr("sump_low", "critical", "firing", 0)], 0)
    first.deliver()
    CountingStore.loads = 0
    again, rec = _notifier(store)
    again.load(["a", "b", "c", "d"])
    for tank in ("a", "b", "c", "d"):
        again.handle(tank, [_tr("sump_low", "critical", "firing", MIN)], MIN)
    assert [m.tank for m in again.deliver()] == ["d"]  # a, b, c were paged before the restart
    assert CountingStore.loads == 1
