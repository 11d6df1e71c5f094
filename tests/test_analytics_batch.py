"""analytics.batch: scoring many tanks' drift windows in one batch, and the bulk reads (issue 9)."""

from __future__ import annotations

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from analytics.batch import WindowBatch, score_window, score_windows, window_moments
from analytics.divergence import bhattacharyya_distance, kl_divergence, wasserstein2_distance
from analytics.drift import _at_hour, _day_to_day_scale
from analytics.monitor import TankMonitor
from analytics.rules import despike
from analytics.threshold import effective_sample_size
from aquamon.influx import InfluxV1
from tests.tank_frames import WARM, tank_frame


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


def test_batch_scoring_equals_each_monitors_own_score() -> None:
    """Windows of five tanks scored in one batch equal what each TankMonitor.evaluate writes."""
    settings_ = WARM
    every = getattr(settings_, "drift_every_minutes", 1) * 60_000  # drift is scored on these minutes only
    batch = WindowBatch()
    expected = {}
    for k in range(5):
        t_ms, frame = tank_frame(k, 27, shift_ph=0.1 * k)
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
        R = residuals(t_ms[t_ms < now][win], X[win])
        m, S = window_moments(R, cov)
        if mon.day_to_day_var is not None:  # the mean judged against its hour's day-to-day spread, as the monitor
            n_eff = effective_sample_size(len(R), mon.baseline.lag1)
            hour = _at_hour(mon.day_to_day_var, np.array([now - settings_.window_minutes * 60_000 // 2]))[0]
            m = m * _day_to_day_scale(np.diag(cov), hour, n_eff)
        batch.add(mon.tank, m, S, cov)
    got = batch.score()
    for tank, score in expected.items():
        row = got[tank]
        assert row is not None
        for name in ("kl", "kl_mean", "kl_cov", "bhattacharyya", "w2"):
            if name in score:
                assert getattr(row, name) == pytest.approx(score[name], rel=1e-9, abs=1e-12), (tank, name)
    assert got["t4"].kl > 10 * got["t0"].kl  # the pH shift shows: the comparison is not vacuous


@pytest.mark.services
def test_bulk_reads_equal_per_tank_queries(influxdb, unique: str) -> None:
    from analytics.readings import read_latest, read_minute_means
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
