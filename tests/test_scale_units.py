"""Sharding, batch scoring and saved state: the pure parts of running a farm (issue 9)."""

from __future__ import annotations

import json
import subprocess
import sys
from dataclasses import replace

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from scipy.stats import chi2

from analytics.batch import WindowBatch, score_window, score_windows, window_moments
from analytics.divergence import bhattacharyya_distance, kl_divergence, wasserstein2_distance
from analytics.monitor import MonitorSettings, TankMonitor
from analytics.rules import despike
from analytics.sharding import my_tanks, owned, shard_of
from analytics.state import InfluxStateStore, StateMismatch, monitor_state, restore_monitor
from aquamon.config import ConfigError, load_config_text
from aquamon.influx import InfluxV1

TANK_IDS = st.text(alphabet="abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789_.-",
                   min_size=1, max_size=40)


# --- sharding --------------------------------------------------------------------------
@given(tank=TANK_IDS, count=st.integers(1, 64))
def test_every_tank_has_exactly_one_owner(tank: str, count: int) -> None:
    owners = [i for i in range(count) if owned(tank, i, count)]
    assert owners == [shard_of(tank, count)]


@given(tanks=st.lists(TANK_IDS, unique=True, max_size=50), count=st.integers(1, 8))
def test_shards_partition_the_tanks(tanks: list[str], count: int) -> None:
    parts = [my_tanks(tanks, i, count) for i in range(count)]
    assert sorted(t for p in parts for t in p) == sorted(tanks)


def test_shard_is_the_same_in_another_process_with_another_hash_seed() -> None:
    tanks = [f"tank-{i:04d}" for i in range(200)]
    here = [shard_of(t, 7) for t in tanks]
    code = ("import json,sys; from analytics.sharding import shard_of; "
            "print(json.dumps([shard_of(t, 7) for t in json.loads(sys.argv[1])]))")
    for seed in ("1", "2"):
        out = subprocess.run([sys.executable, "-c", code, json.dumps(tanks)], capture_output=True, text=True,
                             env={"PYTHONHASHSEED": seed, "PATH": ""}, check=True, cwd=str(_root()))
        assert json.loads(out.stdout) == here


def test_shard_values_are_pinned() -> None:
    # A change of hash would silently move every tank to another instance: pin a few.
    # (SHA-256 of the UTF-8 id, first 8 bytes big-endian, modulo the count)
    assert [shard_of(f"tank-{i:03d}", 4) for i in range(8)] == [3, 1, 2, 2, 1, 1, 0, 1]


@settings(max_examples=40, deadline=None)
@given(prefix=TANK_IDS, count=st.integers(2, 16))
def test_shards_are_balanced(prefix: str, count: int) -> None:
    # 4,000 ids that differ only in a counter, as a farm numbers its tanks: the shard sizes must
    # pass a chi-squared test of uniformity at p = 1e-6 (a false failure once per 25,000 runs)
    tanks = [f"{prefix}{i}" for i in range(4000)]
    sizes = np.bincount([shard_of(t, count) for t in tanks], minlength=count)
    fair = len(tanks) / count
    stat = float(np.sum((sizes - fair) ** 2) / fair)
    assert stat < chi2.isf(1e-6, count - 1), sizes


def test_config_checks_instance_index() -> None:
    cfg = load_config_text("[analytics]\ninstance_index = 2\ninstance_count = 3\n")
    assert (cfg.analytics.instance_index, cfg.analytics.instance_count) == (2, 3)
    with pytest.raises(ConfigError, match="instance_index: 3 must be from 0 to instance_count - 1"):
        load_config_text("[analytics]\ninstance_index = 3\ninstance_count = 3\n")
    with pytest.raises(ConfigError, match="instance_count"):
        load_config_text("[analytics]\ninstance_count = 0\n")


# the tests need a fitted baseline from ~a day of data, whatever the default warm-up is
WARM = MonitorSettings(warmup_hours=24.0)


# --- batch scoring ---------------------------------------------------------------------
def _spd(rng: np.random.Generator, n: int, d: int) -> np.ndarray:
    A = rng.normal(size=(n, d, d))
    return A @ np.swapaxes(A, -1, -2) + 0.5 * np.eye(d)


@settings(max_examples=30, deadline=None)
@given(n=st.integers(1, 40), d=st.integers(1, 6), seed=st.integers(0, 2**32 - 1))
def test_batch_scores_equal_one_by_one(n: int, d: int, seed: int) -> None:
    rng = np.random.default_rng(seed)
    m, S, R = rng.normal(size=(n, d)), _spd(rng, n, d), _spd(rng, n, d)
    got = score_windows(m, S, R)
    for i in range(n):
        kl = kl_divergence(m[i], S[i], np.zeros(d), R[i], return_parts=True)
        assert got.kl[i] == pytest.approx(kl.total, rel=1e-9, abs=1e-12)
        assert got.kl_mean[i] == pytest.approx(kl.mean, rel=1e-9, abs=1e-12)
        assert got.kl_cov[i] == pytest.approx(kl.cov, rel=1e-9, abs=1e-12)
        assert got.bhattacharyya[i] == pytest.approx(bhattacharyya_distance(m[i], S[i], np.zeros(d), R[i]),
                                                     rel=1e-9, abs=1e-12)
        assert got.w2[i] == pytest.approx(wasserstein2_distance(m[i], S[i], np.zeros(d), R[i]),
                                          rel=1e-7, abs=1e-9)


def test_window_batch_mixes_dimensions_and_isolates_a_bad_window() -> None:
    rng = np.random.default_rng(3)
    batch = WindowBatch()
    batch.add("four", rng.normal(size=4), _spd(rng, 1, 4)[0], _spd(rng, 1, 4)[0])
    batch.add("two", rng.normal(size=2), _spd(rng, 1, 2)[0], _spd(rng, 1, 2)[0])
    batch.add("bad", rng.normal(size=2), -np.eye(2), np.eye(2))  # not positive definite
    out = batch.score()
    assert out["bad"] is None
    assert out["two"] is not None and out["four"] is not None and len(batch) == 3


@settings(max_examples=40, deadline=None)
@given(n=st.integers(1, 30), d=st.integers(1, 6), seed=st.integers(0, 2**32 - 1), data=st.data())
def test_a_windows_score_does_not_depend_on_its_batch(n: int, d: int, seed: int, data: st.DataObject) -> None:
    # bit for bit: the service (a batch of every tank due) and evaluate() (one tank) must agree exactly,
    # or a window at its threshold could alert in one and not the other
    rng = np.random.default_rng(seed)
    m, S, R = rng.normal(size=(n, d)), _spd(rng, n, d), _spd(rng, n, d)
    i = data.draw(st.integers(0, n - 1))
    alone = score_window(m[i], S[i], R[i])
    assert score_windows(m, S, R).row(i) == alone
    batch = WindowBatch()
    for k in range(n):
        batch.add(k, m[k], S[k], R[k], distances=k % 2 == 0)
    got = batch.score()[i]
    assert got is not None and got[:3] == alone[:3]  # KL and its parts
    if i % 2 == 0:
        assert got == alone
    else:  # Bhattacharyya and W2 only where asked for (the monitor writes them quarter-hourly)
        assert np.isnan(got.bhattacharyya) and np.isnan(got.w2)


def test_a_window_alone_in_the_kernels_last_chunk_scores_as_alone() -> None:
    # 1,153 windows of 4 channels: the divergence kernels work in chunks of 1,152, so the last window
    # would be a batch of one inside the kernel, summed in another order (a different last bit)
    from analytics.divergence import chunk_size

    rng = np.random.default_rng(5)
    n = chunk_size(4) + 1
    m, S, R = rng.normal(size=(n, 4)), _spd(rng, n, 4), _spd(rng, n, 4)
    got = score_windows(m, S, R, distances=False)
    for i in (0, n - 2, n - 1):
        assert got.row(i)[:3] == score_window(m[i], S[i], R[i], distances=False)[:3]


def _tank_frame(seed: int, hours: float, shift_ph: float = 0.0) -> tuple[np.ndarray, dict[str, np.ndarray]]:
    rng = np.random.default_rng(seed)
    t_ms = np.arange(0, int(hours * 60)) * 60_000 + 1_700_000_000_000 // 60_000 * 60_000
    day = 2 * np.pi * (t_ms % 86_400_000) / 86_400_000
    n = len(t_ms)
    frame = {"temp_c": 25 + 0.3 * np.sin(day) + rng.normal(0, 0.02, n),
             "ph": 7.2 + 0.05 * np.sin(day - 1) + rng.normal(0, 0.008, n),
             "tds_ppm": 300 + rng.normal(0, 1.0, n), "turb_ntu": 1 + np.abs(rng.normal(0, 0.05, n)),
             "level_cm": 30 + rng.normal(0, 0.05, n), "flow_lpm": 8 + rng.normal(0, 0.08, n)}
    frame["ph"][-40:] -= shift_ph
    return t_ms, frame


def test_batch_scoring_equals_each_monitors_own_score() -> None:
    """Windows of five tanks scored in one batch equal what each TankMonitor.evaluate writes."""
    settings_ = WARM
    every = getattr(settings_, "drift_every_minutes", 1) * 60_000  # drift is scored on these minutes only
    batch = WindowBatch()
    expected = {}
    for k in range(5):
        t_ms, frame = _tank_frame(k, 27, shift_ph=0.1 * k)
        mon = TankMonitor(f"t{k}", settings_)
        now = (int(t_ms[-1]) // every + 1) * every
        score, _ = mon.evaluate(now, t_ms, frame)
        assert mon.baseline is not None and "kl" in score
        expected[mon.tank] = score
        # the monitor's own residuals and covariance: what it would hand to the batch
        residuals = getattr(mon, "_residuals", None) or (lambda t, X, mon=mon: mon.baseline.residuals(t / 1000.0, X))
        cov = getattr(mon, "cov", None)
        cov = mon.baseline.cov if cov is None else cov
        # the monitor scores the despiked readings (analytics.rules.despike: one wild reading is no drift)
        X = np.stack([despike(frame[s][t_ms < now]) for s in settings_.drift_sensors], axis=1)
        win = (t_ms[t_ms < now] >= now - settings_.window_minutes * 60_000)
        m, S = window_moments(residuals(t_ms[t_ms < now][win], X[win]), cov)
        batch.add(mon.tank, m, S, cov)
    got = batch.score()
    for tank, score in expected.items():
        row = got[tank]
        assert row is not None
        for name in ("kl", "kl_mean", "kl_cov", "bhattacharyya", "w2"):
            if name in score:
                assert getattr(row, name) == pytest.approx(score[name], rel=1e-9, abs=1e-12), (tank, name)
    assert got["t4"].kl > 10 * got["t0"].kl  # the pH shift shows: the comparison is not vacuous


def test_prepare_and_conclude_pair_up_and_a_failed_prepare_leaves_nothing_open(
        monkeypatch: pytest.MonkeyPatch) -> None:
    t_ms, frame = _tank_frame(3, 27)
    every = WARM.drift_every_minutes * 60_000
    now = (int(t_ms[-1]) // every + 1) * every
    mon = TankMonitor("t3", WARM)
    pending = mon.prepare(now, t_ms, frame)
    assert pending.window is not None
    with pytest.raises(RuntimeError, match="prepared and never concluded"):
        mon.prepare(now + 60_000, t_ms, frame)  # the half-updated state must not be prepared on
    stray = TankMonitor("t3", WARM).prepare(now, t_ms, frame)
    stray.now_ms += 60_000
    with pytest.raises(RuntimeError, match="not the one open here"):
        mon.conclude(stray, None)
    mon.conclude(pending, score_window(pending.window.mean, pending.window.cov, pending.window.ref_cov))
    # unscored (the batch failed): the step is refused with a reason, and the monitor goes on
    pending = mon.prepare(now + every, t_ms, frame)
    with pytest.raises(ValueError, match="could not be scored"):
        mon.conclude(pending, None)
    # a prepare that raises part-way leaves no evaluation open: the next one works
    def broken(*args: object) -> None:
        raise ZeroDivisionError("a bug in the drift window")

    with monkeypatch.context() as m:
        m.setattr(mon, "_drift_window", broken)
        with pytest.raises(ZeroDivisionError):
            mon.prepare(now + 2 * every, t_ms, frame)
    score, _ = mon.conclude(*_scored(mon.prepare(now + 2 * every, t_ms, frame)))
    assert "kl" in score


def _scored(pending):  # type: ignore[no-untyped-def]
    w = pending.window
    return pending, (score_window(w.mean, w.cov, w.ref_cov, distances=w.distances) if w is not None else None)


# --- saved state -----------------------------------------------------------------------
def _fitted_monitor() -> tuple[TankMonitor, np.ndarray, dict[str, np.ndarray]]:
    t_ms, frame = _tank_frame(7, 27, shift_ph=0.3)
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


def _root():
    from pathlib import Path

    return Path(__file__).resolve().parents[1]


@pytest.mark.services
def test_bulk_reads_equal_per_tank_queries(influxdb, unique: str) -> None:
    from analytics.batch import read_latest, read_minute_means
    from aquamon.lineproto import encode_point

    db = InfluxV1(influxdb.url, unique)
    db.create_database()
    t0 = 1_700_000_000_000 // 60_000 * 60_000
    tanks = ["a.1", "ax1", "b-2", "c_3"]
    lines = [encode_point("water", {"tank": tank, "device": "d"}, {"temp_c": 20.0 + k + s / 7, "ph": 7.0 + s / 100,
                                                                   "seq": s}, t0 + s * 20_000)
             for k, tank in enumerate(tanks) for s in range(30 - 5 * k)]
    db.write_lines(lines)
    want = ["a.1", "b-2", "c_3", "nodata"]  # "ax1" must not match "a.1"
    latest = read_latest(db, want, chunk=2)
    assert latest == {t: int(db.query(f'SELECT last("seq") FROM "water" WHERE "tank" = \'{t}\'')[0]["values"][0][0])
                      for t in ("a.1", "b-2", "c_3")}
    windows = {"a.1": (t0, t0 + 8 * 60_000), "b-2": (t0, t0 + 8 * 60_000), "c_3": (t0 + 60_000, t0 + 4 * 60_000)}
    got = read_minute_means(db, windows, ("temp_c", "ph"), chunk=1)
    assert set(got) == set(windows)
    for tank, (since, until) in windows.items():
        q = (f'SELECT mean("temp_c") AS "temp_c", mean("ph") AS "ph" FROM "water" WHERE "tank" = \'{tank}\' '
             f'AND time >= {since}ms AND time < {until}ms GROUP BY time(1m) fill(none)')
        one = db.query(q)[0]
        assert got[tank] == (one["columns"], one["values"])


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


# --- the farm simulator ----------------------------------------------------------------
def test_farm_messages_pass_the_gateways_validation_and_faults_show() -> None:
    from gateway.validate import validate_message
    from harness.farm import FarmModel

    start = 1_700_000_000_000
    model = FarmModel(n_tanks=50, start_epoch_ms=start, seed=2, faults={7: (start + 600_000, 10.0)})
    temps = []
    for step in range(0, 121):  # 20 minutes at 10 s
        t = start + step * 10_000
        values = model.sample(t)
        temps.append(values["temp_c"])
        for i, payload in enumerate(model.payloads(t, values)):
            v = validate_message(model.topic("farm", i), payload, t, prefix="farm")
            assert not v.value_rejects and v.tank == model.tanks[i] and v.seq == step + 1
            assert set(v.points[0].fields) >= {"temp_c", "ph", "tds_ppm", "turb_ntu", "level_cm", "flow_lpm"}
    temps = np.array(temps)
    # +10 °C/h for the last 10 minutes: ~1.7 °C in the faulty tank, nothing in the others
    assert temps[-1, 7] - temps[59, 7] > 1.4
    assert np.abs(np.delete(temps[-1] - temps[59], 7)).max() < 0.3
