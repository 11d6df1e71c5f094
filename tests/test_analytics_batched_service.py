"""The service scores its tanks' drift windows in numpy batches, with exactly the alerts of one-by-one scoring.

Seven tanks' readings (one a minute, written at the minute, so InfluxDB's
1-minute mean is the value itself) go into a real InfluxDB: two healthy, one
whose TDS steps up (drift), one whose turbidity probe sticks (drift scored on
three channels), one without a turbidity probe at all (three channels), one
still in warm-up (no baseline) and one put in maintenance (no fit until it
ends).  The tanks were last evaluated at different times, so they have
different numbers of steps in the cycle.

One service cycle (``Analytics.cycle``: bulk reads, batched scoring, bulk
writes) must give each tank exactly the transitions and score points that a
lone ``TankMonitor.evaluate`` gives it on the same readings, and must never
score a window on its own.
"""

from __future__ import annotations

from collections import defaultdict
from dataclasses import replace

import numpy as np
import pytest

import analytics.batch
import analytics.monitor
from analytics.monitor import TankMonitor, Transition
from analytics.service import Analytics
from analytics.settings import settings_from
from analytics.tankdata import SENSORS, TankData
from aquamon.config import Config
from aquamon.influx import InfluxV1
from aquamon.lineproto import encode_point

MIN_MS = 60_000
START_MS = 1_700_000_000_000 // 86_400_000 * 86_400_000
HOURS = 30  # the configured warm-up is 24 h
END_MS = START_MS + HOURS * 60 * MIN_MS  # the first minute without readings
# tank -> (minutes evaluated in the cycle, hours of readings); odd offsets: the tanks' steps are not aligned
TANKS = {"healthy-a": (95, HOURS), "healthy-b": (73, HOURS), "drift-tds": (95, HOURS),
         "stuck-turb": (61, HOURS), "no-turb": (88, HOURS), "warmup": (50, 10), "maint": (80, HOURS)}
MAINTENANCE_MIN = 30  # "maint" is in maintenance for the first 30 minutes of its steps


def _readings(tank: str, hours: int) -> tuple[np.ndarray, dict[str, np.ndarray]]:
    rng = np.random.default_rng(sum(map(ord, tank)))
    t_ms = np.arange(END_MS - hours * 60 * MIN_MS, END_MS, MIN_MS, dtype=np.int64)
    n = len(t_ms)
    day = 2 * np.pi * (t_ms % 86_400_000) / 86_400_000
    frame = {"temp_c": 25 + 0.3 * np.sin(day) + rng.normal(0, 0.02, n),
             "ph": 7.2 + 0.05 * np.sin(day - 1) + rng.normal(0, 0.008, n),
             "tds_ppm": 300 + 2 * np.sin(day) + rng.normal(0, 1.0, n),
             "turb_ntu": 1 + np.abs(rng.normal(0, 0.05, n)),
             "level_cm": 30 + rng.normal(0, 0.05, n), "flow_lpm": 8 + rng.normal(0, 0.08, n)}
    if tank == "drift-tds":
        frame["tds_ppm"][-80:] += 25.0  # 25 σ: the water changed, no rule covers TDS steps
    if tank == "stuck-turb":
        frame["turb_ntu"][-120:] = frame["turb_ntu"][-121]  # the probe repeats itself
    if tank == "no-turb":
        del frame["turb_ntu"]
    return t_ms, {k: np.round(v, 6) for k, v in frame.items()}


def _write(db: InfluxV1, data: dict[str, tuple[np.ndarray, dict[str, np.ndarray]]]) -> None:
    lines = []
    for tank, (t_ms, frame) in data.items():
        for i, t in enumerate(t_ms):
            fields = {k: float(v[i]) for k, v in frame.items()}
            fields["seq"] = i
            lines.append(encode_point("water", {"tank": tank, "device": "d1"}, fields, int(t)))
    for i in range(0, len(lines), 5000):
        db.write_lines(lines[i:i + 5000])


def _last_eval(tank: str) -> int:
    return END_MS - TANKS[tank][0] * MIN_MS  # the service evaluates (last_eval, END]: rows before END


def _reference(cfg: Config, data: dict[str, tuple[np.ndarray, dict[str, np.ndarray]]]
               ) -> tuple[dict[str, list[Transition]], dict[str, dict[int, dict[str, float]]], int]:
    """Each tank alone through TankMonitor.evaluate at the service's steps; also the drift windows scored."""
    settings = settings_from(cfg)
    transitions, scores, windows = {}, {}, 0
    for tank, (t_ms, frame) in data.items():
        # what the service hands a monitor: every sensor column (NaN where the tank has none), less
        # the drift channels the tank never reported (analytics.tankdata.monitor_frame)
        full = {s: frame.get(s, np.full(len(t_ms), np.nan)) for s in SENSORS}
        full = {s: v for s, v in full.items() if s in frame or s not in settings.drift_sensors}
        mon = TankMonitor(tank, settings)
        if tank == "maint":
            mon.set_maintenance(_last_eval(tank), _last_eval(tank) + MAINTENANCE_MIN * MIN_MS)
        out, points = [], {}
        for now in range(_last_eval(tank) + MIN_MS, END_MS + MIN_MS, MIN_MS):
            score, trs = mon.evaluate(now, t_ms, full)
            for _ in mon.finished_days:  # as the service does when a day closes
                trs += mon.due_transitions(now)
            mon.finished_days.clear()
            windows += "kl" in score
            points[now] = {k: float(v) for k, v in score.items() if np.isfinite(v)}
            out += trs
        transitions[tank], scores[tank] = out, points
    return transitions, scores, windows


def _service_points(db: InfluxV1, measurement: str) -> dict[str, list[dict[str, object]]]:
    out: dict[str, list[dict[str, object]]] = defaultdict(list)
    for s in db.query(f'SELECT * FROM "{measurement}" GROUP BY "tank"'):
        for row in s.get("values") or []:
            out[s["tags"]["tank"]].append({k: v for k, v in zip(s["columns"], row) if v is not None})
    return out


@pytest.mark.services
def test_batched_service_cycle_equals_one_tank_at_a_time(influxdb, unique: str,
                                                         monkeypatch: pytest.MonkeyPatch) -> None:
    cfg = Config()
    cfg.influxdb.url, cfg.influxdb.database = influxdb.url, unique
    cfg.mqtt.topic_prefix = unique
    cfg.analytics = replace(cfg.analytics, tanks=sorted(TANKS), warmup_hours=24.0)
    cfg.check()
    db = InfluxV1(cfg.influxdb.url, unique)
    db.create_database()
    data = {tank: _readings(tank, hours) for tank, (_, hours) in TANKS.items()}
    _write(db, data)
    # a seq at END marks the last minute complete (the service scores whole minutes only)
    db.write_lines([encode_point("water", {"tank": t, "device": "d1"}, {"seq": 10**6}, END_MS) for t in TANKS])

    ref_transitions, ref_scores, ref_windows = _reference(cfg, data)

    # the service: no per-tank scoring allowed, and every batched call recorded
    def lone(*args: object, **kwargs: object) -> None:
        raise AssertionError("the service scored a drift window on its own (analytics.monitor.score_window)")

    calls: list[tuple[int, int, bool]] = []
    batched = analytics.batch.score_windows

    def counting(means, covs, ref_covs, *, distances=True):  # type: ignore[no-untyped-def]
        calls.append((len(means), means.shape[1], distances))
        return batched(means, covs, ref_covs, distances=distances)

    monkeypatch.setattr(analytics.monitor, "score_window", lone)
    monkeypatch.setattr(analytics.batch, "score_windows", counting)
    an = Analytics(cfg)  # no MQTT connection: publishing is not what is compared here
    for tank in TANKS:
        an.data[tank] = TankData(last_eval_ms=_last_eval(tank))  # as if resumed from saved state
    an.monitors["maint"] = TankMonitor("maint", an.settings)
    an.monitors["maint"].set_maintenance(_last_eval("maint"), _last_eval("maint") + MAINTENANCE_MIN * MIN_MS)
    got = an.cycle()
    monkeypatch.undo()

    # the cycle's transitions, tank by tank in the configured order, equal the lone monitors'
    assert got == [tr for tank in sorted(TANKS) for tr in ref_transitions[tank]]
    # ... and so do the alert and score points it wrote, per tank and minute
    alerts = _service_points(db, "alert")
    for tank in TANKS:
        want = [{"time": tr.t_ms, "key": tr.key, "severity": tr.severity, "state": tr.state,
                 "summary": tr.summary, "value": float(tr.value) if np.isfinite(tr.value) else 0.0}
                for tr in ref_transitions[tank]]
        assert sorted(alerts.get(tank, []), key=lambda p: (p["time"], p["key"])) == \
            sorted(want, key=lambda p: (p["time"], p["key"])), tank
    scores = _service_points(db, "score")
    for tank in TANKS:
        written = {int(p["time"]): {k: v for k, v in p.items() if k not in ("time", "shard")}
                   for p in scores[tank]}
        want_scores = {t: f for t, f in ref_scores[tank].items() if f}
        assert written == want_scores, tank  # exact: batching does not move the last bit

    # the comparison is not vacuous: drift fired, a probe stuck, windows of 4 and 3 channels were scored,
    # the tank in warm-up was never scored and the one in maintenance only after it
    fired = {(tank, tr.key) for tank, trs in ref_transitions.items() for tr in trs if tr.state == "firing"}
    assert ("drift-tds", "drift") in fired and ("stuck-turb", "probe_stuck") in fired, fired
    assert not any(tank in ("healthy-a", "healthy-b", "no-turb") for tank, _ in fired), fired
    assert "z_turb_ntu" not in ref_scores["no-turb"][END_MS] and "z_ph" in ref_scores["no-turb"][END_MS]
    assert not any("kl" in f for f in ref_scores["warmup"].values())
    maint_scored = [t for t, f in ref_scores["maint"].items() if "kl" in f]
    assert maint_scored and min(maint_scored) >= _last_eval("maint") + MAINTENANCE_MIN * MIN_MS
    assert {d for _, d, _ in calls} == {3, 4}

    # batched, not one by one: every window went through WindowBatch, several tanks per call
    assert an.scoring.windows == ref_windows > 0
    assert len(calls) <= 2 * 2 * an.scoring.batches  # KL of all, distances of some; two dimensions
    assert an.scoring.windows >= 4 * an.scoring.batches, (an.scoring.windows, an.scoring.batches)
    assert max(n for n, _, _ in calls) >= 4
