"""analytics.state: a tank monitor saved and restored, through JSON and InfluxDB (issue 9)."""

from __future__ import annotations

import json
from dataclasses import dataclass, field, fields, replace

import numpy as np
import pytest

from analytics.monitor import TankMonitor
from analytics.state import InfluxStateStore, StateMismatch, _upgraded, monitor_state, restore_monitor
from aquamon.influx import InfluxV1
from tests.tank_frames import WARM, tank_frame


# --- saved state -----------------------------------------------------------------------
def _fitted_monitor() -> tuple[TankMonitor, np.ndarray, dict[str, np.ndarray]]:
    t_ms, frame = tank_frame(7, 27, shift_ph=0.3)
    mon = TankMonitor("t7", WARM)
    for now in range(int(t_ms[-1]) - 30 * 60_000, int(t_ms[-1]) + 60_000, 60_000):
        mon.evaluate(now, t_ms, frame)
    return mon, t_ms, frame


def test_restored_monitor_continues_exactly_like_the_original() -> None:
    mon, t_ms, frame = _fitted_monitor()
    assert mon.baseline is not None and mon.alerts
    doc = json.loads(json.dumps(monitor_state(mon, int(t_ms[-1]))))  # through JSON, as stored
    again, last = restore_monitor(doc, mon.tank, WARM)
    assert last == int(t_ms[-1])
    assert again.fitted_at_ms == mon.fitted_at_ms and again.alerts == mon.alerts
    assert np.array_equal(again.baseline.cov, mon.baseline.cov)
    later = int(t_ms[-1]) + 60_000
    a, ta = mon.evaluate(later, t_ms, frame)
    b, tb = again.evaluate(later, t_ms, frame)
    assert a == pytest.approx(b, rel=1e-12) and ta == tb
    assert again.fitted_at_ms == mon.fitted_at_ms  # no re-fit happened on restore


def test_state_from_other_settings_is_refused() -> None:
    mon, t_ms, _ = _fitted_monitor()
    doc = monitor_state(mon, int(t_ms[-1]))
    with pytest.raises(StateMismatch, match="other monitor settings"):
        restore_monitor(doc, mon.tank, replace(WARM, harmonics=3))
    with pytest.raises(StateMismatch, match="version"):
        restore_monitor(dict(doc, v=99), mon.tank, WARM)


@pytest.mark.services
def test_state_round_trips_through_influxdb(influxdb, unique: str) -> None:
    db = InfluxV1(influxdb.url, unique)
    db.create_database()
    store = InfluxStateStore(db, every_s=3600)
    mon, t_ms, frame = _fitted_monitor()
    store.note("t.7", mon, int(t_ms[-1]) - 60_000)
    assert store.flush() == 1
    store.note("t.7", mon, int(t_ms[-1]))
    assert store.flush() == 0  # throttled: saved less than every_s ago
    assert store.flush(force=True) == 1  # on stop, everything pending is written
    restored = store.restore(["t.7", "tx7", "other"], WARM)
    assert set(restored) == {"t.7"}  # the '.' is matched literally, not as a regex wildcard
    again, last = restored["t.7"]
    assert last == int(t_ms[-1])  # the newest save wins
    assert again.evaluate(last + 60_000, t_ms, frame)[0] == pytest.approx(
        mon.evaluate(last + 60_000, t_ms, frame)[0], rel=1e-12)


@pytest.mark.services
def test_a_state_larger_than_an_influxdb_string_field_round_trips(influxdb, unique: str) -> None:
    db = InfluxV1(influxdb.url, unique)
    db.create_database()
    store = InfluxStateStore(db)
    mon, t_ms, _ = _fitted_monitor()
    rng = np.random.default_rng(0)
    # incompressible text: ~400 kB of JSON, several 60,000-character fields after compression
    for k in range(40):
        mon.alerts[f"x{k}"] = type(next(iter(mon.alerts.values())))(summary=rng.bytes(7500).hex())
    store.note("big", mon, int(t_ms[-1]))
    assert store.flush() == 1
    chunks = db.query('SELECT last("chunks") FROM "analytics_state"')[0]["values"][0][1]
    assert chunks >= 5
    again, _ = store.restore(["big"], WARM)["big"]
    assert again.alerts == mon.alerts


def test_a_state_saved_by_an_older_version_survives_the_upgrade(caplog: pytest.LogCaptureFixture) -> None:
    """What this version learns and the older did not starts fresh; what it no longer keeps is dropped."""
    mon, t_ms, frame = _fitted_monitor()
    doc = json.loads(json.dumps(monitor_state(mon, int(t_ms[-1]))))
    doc["monitor"].pop("keeper_drains")  # learned since round 10: an older save lacks it
    doc["monitor"]["retired_field"] = 3  # kept by an older version, not by this one
    some_alert = next(iter(doc["monitor"]["alerts"].values()))
    some_alert["attrs"].pop("summary")  # a nested learned object of an older shape
    with caplog.at_level("INFO", logger="aquamon.analytics.state"):
        again, last = restore_monitor(doc, mon.tank, WARM)
    assert "keeper_drains" in caplog.text and "retired_field" in caplog.text
    assert last == int(t_ms[-1]) and again.keeper_drains == [] and not hasattr(again, "retired_field")
    assert np.array_equal(again.baseline.cov, mon.baseline.cov)  # what it learned is kept: no re-fit
    assert all(isinstance(a.summary, str) for a in again.alerts.values())
    later = int(t_ms[-1]) + 60_000
    assert again.evaluate(later, t_ms, frame)[0] == pytest.approx(mon.evaluate(later, t_ms, frame)[0], rel=1e-12)


def test_a_saved_state_lacking_what_cannot_start_fresh_is_refused() -> None:
    @dataclass
    class Learned:
        must: int
        may: list = field(default_factory=list)

    known = {f.name: f for f in fields(Learned)}
    assert _upgraded("x", known, {"must": 1}) == {"must": 1, "may": []}
    with pytest.raises(StateMismatch, match="'must'"):
        _upgraded("x", known, {"may": [1]})
    mon, t_ms, _ = _fitted_monitor()
    with pytest.raises(StateMismatch, match="no monitor part"):
        restore_monitor(dict(monitor_state(mon, 0), monitor=[1]), mon.tank, WARM)
