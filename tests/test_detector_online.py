"""WaterQualityDetector: strictly online, protected from what it flags, calibrated to a stated rate."""

from __future__ import annotations

import numpy as np
import pytest

from analytics.detector import DetectorSettings, TailModel, WaterQualityDetector

NAMES = ["Tp", "pH", "Redox", "Fm"]
DAY = 1440


def healthy(n: int, seed: int) -> tuple[np.ndarray, np.ndarray]:
    """Minutes of water with AR(1) noise (like real probes) and a slow wander."""
    rng = np.random.default_rng(seed)
    t = np.arange(n) * 60.0
    e = rng.normal(size=(n, 4))
    for i in range(1, n):
        e[i] = 0.6 * e[i - 1] + 0.8 * e[i]
    X = np.array([12.0, 8.3, 750.0, 1500.0]) + e * [0.1, 0.01, 2.0, 50.0]
    X[:, 1] += 0.01 * np.sin(2 * np.pi * t / 86400.0 / 3)
    return t, X


@pytest.fixture(scope="module")
def fitted() -> WaterQualityDetector:
    t, X = healthy(3 * DAY, seed=1)
    return WaterQualityDetector(DetectorSettings(false_alarms_per_day=0.05)).fit(t, X, names=NAMES)


def run_after(det: WaterQualityDetector, X: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    import copy

    d = copy.deepcopy(det)
    t = (3 * DAY + np.arange(len(X))) * 60.0
    return d.run(t, X)


def test_decisions_never_look_ahead(fitted):
    _, X = healthy(DAY, seed=2)
    X[600:630, 1] += 0.08  # an event, so that alarms and no-learning are exercised
    s0, a0 = run_after(fitted, X)
    for k in (300, 615, 900):
        Y = X.copy()
        Y[k + 1:] = np.random.default_rng(k).normal(size=Y[k + 1:].shape) * 1e3  # garbage future
        s1, a1 = run_after(fitted, Y)
        np.testing.assert_array_equal(s0[:k + 1], s1[:k + 1])
        np.testing.assert_array_equal(a0[:k + 1], a1[:k + 1])
    assert a0[600:630].any()


def test_decisions_never_look_ahead_through_a_relearn():
    t, X = healthy(4 * DAY, seed=11)
    y = np.zeros(len(t), dtype=bool)
    for a in (500, 1500, 2500):
        y[a:a + 20] = True  # three 20-minute events: the relearn delay is calibrated to 60 min
        X[a:a + 20, 2] += 30.0
    det = WaterQualityDetector().fit(t[:3 * DAY], X[:3 * DAY], y[:3 * DAY], names=NAMES)
    assert det.relearn_after_minutes == pytest.approx(3 * 20.0)  # 3 × the median event length
    _, Z = healthy(DAY, seed=12)
    Z[300:, 2] += 40.0  # a lasting shift: alarm, relearn after 60 min, learning afresh
    s0, a0 = run_after(det, Z)
    assert a0[305:340].all() and not a0[400:].any()
    for k in (330, 360, 380):
        W = Z.copy()
        W[k + 1:] = np.random.default_rng(k).normal(size=W[k + 1:].shape) * 1e3
        s1, a1 = run_after(det, W)
        np.testing.assert_array_equal(s0[:k + 1], s1[:k + 1])
        np.testing.assert_array_equal(a0[:k + 1], a1[:k + 1])


def quantised_wandering(n: int, seed: int) -> tuple[np.ndarray, np.ndarray]:
    """Like GECCO's probes: slow wander much larger than the minute-to-minute noise, in 0.01 pH steps."""
    t, X = healthy(n, seed)
    rng = np.random.default_rng(seed)
    phase = rng.uniform(0, 2 * np.pi)
    X[:, 1] = np.round(8.3 + 0.05 * np.sin(2 * np.pi * t / (6 * 3600.0) + phase) + rng.normal(0, 0.002, n), 2)
    return t, X


def test_a_ramp_is_caught_by_the_drift_statistic_before_the_level_statistic():
    import copy

    t, X = quantised_wandering(3 * DAY, seed=13)
    # the level statistic on the residual itself (the one-minute grid never scores innovations; explicit so the
    # test keeps its meaning): it must wait for the ramp to beat the wander
    det = WaterQualityDetector(DetectorSettings(false_alarms_per_day=0.05, ar_innovations=False)).fit(
        t, X, names=NAMES)
    assert det.evidence == ["short", "drift"]
    _, Z = quantised_wandering(DAY, seed=14)
    Z[500:530, 1] += 0.02 * np.arange(30)  # pH ramps 0.02 a minute, like GECCO's pH events
    _, with_drift = run_after(det, Z)
    level_only = copy.deepcopy(det)
    level_only.evidence = ["short"]
    _, without = run_after(level_only, Z)
    first = np.flatnonzero(with_drift[500:530])
    assert len(first) and first[0] <= 6 and not with_drift[:490].any()
    later = np.flatnonzero(without[500:530])
    assert not len(later) or later[0] > first[0]  # the drift CUSUM answers first


def test_a_lone_spike_or_step_does_not_raise_a_drift_alarm():
    t, X = healthy(3 * DAY, seed=15)
    det = WaterQualityDetector(DetectorSettings(false_alarms_per_day=0.05)).fit(t, X, names=NAMES)
    import copy

    d = copy.deepcopy(det)
    d.evidence = ["drift"]
    _, Z = healthy(DAY, seed=16)
    Z[400, 1] += 1.0  # one outlier
    Z[800:, 2] += 30.0  # one step to a new baseline
    _, alarms = d.run((3 * DAY + np.arange(len(Z))) * 60.0, Z)
    assert not alarms.any()


@pytest.mark.parametrize("absurd", [1e200, -1e200, 1e12])
def test_one_absurd_reading_does_not_poison_the_detector(fitted, absurd):
    # a probe glitch in a CSV (or a reading that slipped past validation) is flagged, and once
    # it has left the window and the short average the detector scores as if it never came:
    # its running sums must neither overflow into NaN nor keep a cancellation error
    _, X = healthy(DAY, seed=17)
    # the reference: a glitch merely gross (a million standard deviations), as far out as any
    gross, glitch = X.copy(), X.copy()
    gross[300] += 1e6 * np.array([0.1, 0.01, 2.0, 50.0]) * np.sign(absurd)
    glitch[300] = absurd
    with np.errstate(all="raise"):  # no overflow or invalid operation anywhere on the way
        reference, reference_alarms = run_after(fitted, gross)
        scores, alarms = run_after(fitted, glitch)
    assert np.isfinite(scores).all() and alarms[300]
    assert (alarms[420:] == reference_alarms[420:]).all()
    later = slice(600, None)  # the short average has decayed by e^-100 and the window has passed
    np.testing.assert_allclose(scores[later], reference[later], rtol=1e-6, atol=1e-9)


def test_an_event_is_caught_and_not_learned(fitted):
    import copy

    _, X = healthy(DAY, seed=3)
    X[700:760, 1] += 0.1
    t = (3 * DAY + np.arange(len(X))) * 60.0
    _, alarms = run_after(fitted, X)
    assert alarms[705:760].mean() > 0.8 and not alarms[:690].any()
    # protected: the level after the event is the level before it (an unprotected one-day EWMA
    # would have moved by 0.1·(1 − e^{−60/1440}) ≈ 0.004 pH)
    before, after = copy.deepcopy(fitted), copy.deepcopy(fitted)
    before.run(t[:700], X[:700])
    after.run(t[:760], X[:760])
    assert fitted.names[fitted.quality[0]] == "pH"
    assert abs(after.state.level[0] - before.state.level[0]) < 0.0005


def test_operational_channels_do_not_alarm(fitted):
    _, X = healthy(DAY, seed=4)
    X[300:500, 0] += 3.0  # temperature steps: operational
    X[600:900, 3] *= 0.3  # flow drops: operational
    _, alarms = run_after(fitted, X)
    assert not alarms.any()


def test_a_lasting_shift_becomes_the_new_baseline(fitted):
    _, X = healthy(2 * DAY, seed=5)
    X[200:, 2] += 40.0  # Redox moves for good: a baseline shift, not an event
    _, alarms = run_after(fitted, X)
    relearn = int(fitted.relearn_after_minutes)  # no labelled events in TRAIN: the fallback
    assert relearn == fitted.settings.relearn_fallback_minutes
    assert alarms[205:205 + relearn - 20].all()  # first an alarm ...
    assert not alarms[200 + relearn + 60:].any()  # ... then accepted as normal


@pytest.mark.parametrize("stated", [0.5, 4.0])
def test_stated_false_alarm_rate_holds_on_fresh_healthy_water(stated):
    t, X = healthy(10 * DAY, seed=6)
    det = WaterQualityDetector(DetectorSettings(false_alarms_per_day=stated)).fit(t[:3 * DAY], X[:3 * DAY],
                                                                                 names=NAMES)
    _, alarms = det.run(t[3 * DAY:], X[3 * DAY:])
    per_day = float(np.sum(alarms[1:] & ~alarms[:-1])) / 7
    print(stated, per_day)
    assert stated / 4 <= per_day <= 2 * stated


def test_score_one_does_not_change_state_and_warm_up_is_explicit():
    t, X = healthy(2 * DAY, seed=7)
    det = WaterQualityDetector().fit(t[:DAY], X[:DAY], names=NAMES)
    cold = WaterQualityDetector(det.settings, det.names, det.quality, det.whiten, det.tails)
    rows = [dict(zip(NAMES, x)) for x in X[DAY:]]
    scores = []
    for i, x in enumerate(rows[:200]):
        before = (cold.state.n, None if cold.state.level is None else cold.state.level.copy())
        scores.append(cold.score_one(x, t[DAY + i]))
        assert cold.state.n == before[0]
        if before[1] is not None:
            np.testing.assert_array_equal(cold.state.level, before[1])
        cold.learn_one(x, t[DAY + i])
    assert all(s == 0.0 for s in scores[:cold.grace_period])


def test_tail_model_reproduces_a_known_excursion_rate():
    rng = np.random.default_rng(0)
    s = rng.exponential(size=100 * DAY)  # independent minutes: P(S > z) = e^{−z}
    tm = TailModel.fit(s, np.ones(len(s), dtype=bool), 1 / DAY)
    for rate in (1.0, 0.1):
        assert tm.value_at(rate) == pytest.approx(np.log(DAY / rate), rel=0.05)
        assert tm.rate(tm.value_at(rate)) == pytest.approx(rate, rel=1e-6)
