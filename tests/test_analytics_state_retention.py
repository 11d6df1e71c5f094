"""Saved analytics states are kept short: one point per tank per day, older days deleted (issue 23)."""

from __future__ import annotations

import pytest

from analytics.monitor import MonitorSettings, TankMonitor
from analytics.state import MEASUREMENT, InfluxStateStore, encode_fields, monitor_state
from aquamon.influx import InfluxV1
from aquamon.lineproto import encode_point
from harness.services import InfluxDB1

DAY_MS = 86_400_000
TODAY = 1_767_225_600_000  # data time: a replay of old readings prunes by its own clock, not the wall's


def _days_saved(db: InfluxV1, tank: str) -> list[int]:
    rows = db.query(f'SELECT "s0" FROM "{MEASUREMENT}" WHERE "tank" = \'{tank}\'')
    return [int(v[0]) for v in rows[0]["values"]] if rows else []


@pytest.mark.services
def test_states_older_than_the_kept_days_are_deleted_and_the_newest_still_loads(influxdb: InfluxDB1,
                                                                                 unique: str) -> None:
    db = InfluxV1(influxdb.url, unique)
    db.create_database()
    mon = TankMonitor("tank1", MonitorSettings())
    # 39 earlier days of saves, one point a day as the store writes them
    db.write_lines([encode_point(MEASUREMENT, {"tank": "tank1"}, encode_fields(monitor_state(mon, TODAY - d * DAY_MS)),
                                 TODAY - d * DAY_MS) for d in range(1, 40)])
    assert len(_days_saved(db, "tank1")) == 39
    store = InfluxStateStore(db, keep_days=14)
    store.note("tank1", mon, TODAY + 3_600_000)
    assert store.flush(force=True) == 1  # today's save, then the once-a-day prune
    kept = _days_saved(db, "tank1")
    assert sorted(kept) == [TODAY - d * DAY_MS for d in range(14, -1, -1)]
    assert store.load(["tank1"])["tank1"]["last_eval_ms"] == TODAY + 3_600_000  # the newest is untouched
    assert not store.prune()  # once a day
    assert not InfluxStateStore(db, keep_days=0).prune(force=True)  # 0 keeps everything


def test_a_failed_prune_is_logged_not_raised(caplog: pytest.LogCaptureFixture) -> None:
    store = InfluxStateStore(InfluxV1("http://127.0.0.1:9", "nowhere", timeout=0.5), keep_days=14)
    store._newest_day_ms = TODAY
    assert not store.prune()
    assert "could not delete analytics states older than 14 days" in caplog.text
