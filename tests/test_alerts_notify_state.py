"""A restarted analytics remembers what it told the keeper: episodes, acknowledgements, silences and the
daily summary's notes are saved with each tank's state (in InfluxDB) and restored with it."""

from __future__ import annotations

import json

from analytics.alerts import Notifier, NotifyPolicy
from analytics.monitor import ALERTS, MonitorSettings, TankMonitor, Transition
from analytics.state import InfluxStateStore, monitor_state, restore_monitor, restore_notifier
from aquamon.influx import InfluxV1

HOUR = 3_600_000
EXPLAINS = {k: s.explains for k, s in ALERTS.items()}


def _notifier() -> Notifier:
    return Notifier(NotifyPolicy(quiet_hours="", renotify_minutes=60), EXPLAINS)


def _tr(key: str, severity: str, state: str, t_ms: int, summary: str = "s") -> Transition:
    return Transition(key, severity, state, summary, t_ms, 0.0)


def _busy_notifier() -> Notifier:
    """Tank t1: an acknowledged critical episode, an unacknowledged one, a silence and a note; t2: its own episode."""
    n = _notifier()
    n.handle("t1", [_tr("heater_stuck", "critical", "firing", 0, "Heater stuck.")], 0)
    n.handle("t1", [_tr("ph_crash", "critical", "firing", 0, "pH crashing.")], 0)
    assert n.acknowledge("t1", "heater_stuck") == 1
    n.silence("t1", "drift", 10 * HOUR)
    n.handle("t1", [_tr("water_change_due", "info", "firing", 0, "Water change due in 2 days.")], 0)
    n.handle("t2", [_tr("sump_low", "critical", "firing", 0, "Sump low.")], 0)
    return n


def test_a_restored_notifier_keeps_acks_silences_and_notes_of_the_tank() -> None:
    before = _busy_notifier()
    mon = TankMonitor("t1", MonitorSettings())
    doc = json.loads(json.dumps(monitor_state(mon, 0, before)))  # through JSON, as stored
    after = _notifier()
    after.handle("t2", [_tr("sump_low", "critical", "firing", 0, "Sump low.")], 0)  # another tank's, untouched
    assert restore_notifier(doc, "t1", after)

    reminders = after.tick(2 * HOUR)
    # the acknowledged heater stays quiet; the open pH episode is reminded ("still"), not announced anew
    assert sorted((m.tank, m.keys[0], m.kind) for m in reminders) == [("t1", "ph_crash", "reminder"),
                                                                       ("t2", "sump_low", "reminder")]
    assert after.silenced("t1", "drift", 9 * HOUR) and not after.silenced("t1", "drift", 11 * HOUR)
    assert [tr.key for t, tr in after.info if t == "t1"] == ["water_change_due"]
    # resolving after the restart ends the episode with a "resolved" message
    msgs = after.handle("t1", [_tr("ph_crash", "critical", "resolved", 3 * HOUR)], 3 * HOUR)
    assert [(m.kind, m.keys) for m in msgs] == [("resolved", ["ph_crash"])]


def test_without_a_saved_notifier_part_nothing_is_restored() -> None:
    doc = monitor_state(TankMonitor("t1", MonitorSettings()), 0)  # saved by a version without it
    n = _notifier()
    assert not restore_notifier(doc, "t1", n)
    assert n.episodes == {} and n.silences == {}


def test_restoring_a_tank_replaces_what_the_notifier_held_for_it() -> None:
    saved = _busy_notifier().tank_state("t1")
    n = _notifier()
    n.handle("t1", [_tr("sump_low", "critical", "firing", 0)], 0)  # stale: not in the saved state
    n.restore_tank("t1", saved)
    assert sorted(k for t, k in n.episodes if t == "t1") == ["heater_stuck", "ph_crash"]


def test_notifications_state_survives_a_restart_through_influxdb(influxdb, unique: str) -> None:
    db = InfluxV1(influxdb.url, unique)
    db.create_database()
    store = InfluxStateStore(db, every_s=0)
    store.notifier = _busy_notifier()
    store.note("t1", TankMonitor("t1", MonitorSettings()), 5 * HOUR)
    assert store.flush(force=True) == 1

    restarted = InfluxStateStore(db)
    restarted.notifier = _notifier()
    # other monitor settings: the monitor is re-fitted, but the keeper's silence and ack still hold
    assert restarted.restore(["t1"], MonitorSettings(window_minutes=30)) == {}
    assert restarted.notifier.silenced("t1", "drift", 9 * HOUR)
    assert restarted.notifier.episodes[("t1", "heater_stuck")].acked
    assert not restarted.notifier.episodes[("t1", "ph_crash")].acked
    mon, last = restore_monitor(restarted.load(["t1"])["t1"], "t1", MonitorSettings())
    assert last == 5 * HOUR
