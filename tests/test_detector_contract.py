"""The contract every detector passes (after River's estimator checks).

To put a detector under the contract, append a factory to ``DETECTORS``: a
function ``seed -> detector`` building a fresh :class:`analytics.base.AnomalyDetector`
with a *small* warm-up (the suite feeds a few hundred readings), its own
randomness (if any) seeded from ``seed``.  Every check below then runs on it:

- warm-up respected: scores are exactly 0.0 until ``grace_period`` readings were learned, then not all 0.0
  (a calibrated score may be 0.0 for every reading more ordinary than the healthy median, so the stream
  after the warm-up must hold some reading that is not);
- ``score_one`` changes nothing (state identical before and after);
- no learning from alert periods: under :class:`analytics.base.ThresholdFilter` with the detector's own
  healthy maximum as the threshold, a fault is flagged and leaves the detector's state unchanged;
- deterministic given a seed;
- invariant to the order of a reading's sensors (the keys of the dict);
- scores finite and ≥ 0 on any finite input (hypothesis), and missing sensors tolerated;
- inputs not mutated;
- pickles, and the copy continues exactly as the original.
"""

from __future__ import annotations

import pickle
from typing import Callable

import numpy as np
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from analytics.base import AnomalyDetector, ThresholdFilter
from analytics.detector import DetectorSettings, WaterQualityDetector
from benchmarks.lab.adaptive import AdaptiveEWMeanCov
from benchmarks.lab.ewcov import EWMeanCov
from benchmarks.lab.window import WindowDetector

SENSORS = ("temp_c", "ph", "tds_ppm", "turb_ntu")
WARMUP = 120

DetectorFactory = Callable[[int], AnomalyDetector]

#: (name, factory).  Append yours here; keep its warm-up at most a few hundred readings.  The shipped
#: component (the engine's quality watch scores with WaterQualityDetector) first; the lab baselines of
#: benchmarks/lab/ are held to the same contract, since the bench compares against them.
DETECTORS: list[tuple[str, DetectorFactory]] = [
    ("WaterQualityDetector", lambda seed: water_quality_detector(seed)),
    ("lab EWMeanCov", lambda seed: EWMeanCov(alpha=0.02, grace_period=WARMUP)),
    ("lab AdaptiveEWMeanCov", lambda seed: AdaptiveEWMeanCov(alpha=0.02, learning_rate=0.05, grace_period=WARMUP)),
    ("lab WindowDetector", lambda seed: WindowDetector(window=30, alpha=0.02, grace_period=WARMUP)),
]

IDS = [name for name, _ in DETECTORS]
FACTORIES = [factory for _, factory in DETECTORS]


def water_quality_detector(seed: int) -> AnomalyDetector:
    # calibrated on its own healthy history (a different stretch of the same tank), then started cold
    key = seed
    if key not in _CALIBRATED:
        _CALIBRATED[key] = WaterQualityDetector.from_readings(healthy_stream(3 * 1440, seed=1000 + seed),
                                                              DetectorSettings(warmup_rows=WARMUP))
    return pickle.loads(pickle.dumps(_CALIBRATED[key]))


_CALIBRATED: dict[int, AnomalyDetector] = {}


def healthy_stream(n: int, seed: int = 0) -> list[tuple[dict[str, float], float]]:
    """A healthy tank: a day/night temperature cycle and correlated noise, one reading a minute."""
    rng = np.random.default_rng(seed)
    t = 60.0 * np.arange(n)
    day = np.sin(2 * np.pi * t / 86400)
    temp = 25 + 0.3 * day + rng.normal(0, 0.05, n)
    ph = 7.2 - 0.05 * day + rng.normal(0, 0.02, n)
    tds = 310 + 0.1 * rng.normal(size=n).cumsum() / np.sqrt(np.arange(1, n + 1)) + rng.normal(0, 2, n)
    turb = 1.2 + rng.normal(0, 0.1, n)
    return [({"temp_c": a, "ph": b, "tds_ppm": c, "turb_ntu": d}, ti)
            for a, b, c, d, ti in zip(temp, ph, tds, turb, t)]


def state(det: AnomalyDetector) -> bytes:
    return pickle.dumps(det)


def warmed(factory: DetectorFactory, n: int = WARMUP + 100, seed: int = 0) -> AnomalyDetector:
    det = factory(seed)
    for x, t in healthy_stream(n, seed):
        det.learn_one(x, t)
    return det


@pytest.mark.parametrize("factory", FACTORIES, ids=IDS)
def test_warm_up_respected(factory):
    det = factory(0)
    stream = healthy_stream(det.grace_period + 50)
    for i, (x, t) in enumerate(stream[:det.grace_period]):
        assert det.score_one(x, t) == 0.0, f"scored {i} readings into a {det.grace_period}-reading warm-up"
        det.learn_one(x, t)
    after = []
    for x, t in stream[det.grace_period:]:
        after.append(det.score_one(x, t))
        det.learn_one(x, t)
    assert any(s > 0 for s in after), "never scores after the warm-up"


@pytest.mark.parametrize("factory", FACTORIES, ids=IDS)
def test_score_one_changes_nothing(factory):
    det = warmed(factory)
    before = state(det)
    for x, t in healthy_stream(20, seed=3):
        det.score_one(x, t)
    det.score_one({"temp_c": 40.0, "ph": 4.0, "tds_ppm": 2000.0, "turb_ntu": 50.0}, 0.0)
    assert state(det) == before


def healthy_maximum(det: AnomalyDetector, n: int = 200, seed: int = 8) -> float:
    """The largest score ``det`` gives a stretch of healthy readings it has not seen (state untouched)."""
    probe = pickle.loads(pickle.dumps(det))
    top = 0.0
    for x, t in healthy_stream(WARMUP + 100 + n, seed)[WARMUP + 100:]:
        top = max(top, probe.score_one(x, t))
        probe.learn_one(x, t)
    return top


@pytest.mark.parametrize("factory", FACTORIES, ids=IDS)
def test_no_learning_from_alert_periods(factory):
    det = warmed(factory)
    probe = healthy_stream(5, seed=9)
    # each detector's scores have their own units (raw distances, calibrated log-rates), so the
    # threshold is the detector's own healthy maximum: a fault must score above every healthy reading
    f = ThresholdFilter(det, threshold=healthy_maximum(det))
    before = state(det)
    fault = {"temp_c": 31.0, "ph": 5.5, "tds_ppm": 900.0, "turb_ntu": 30.0}  # heater stuck, crash
    flagged = [f.update_one(fault, 1e6 + 60 * i) for i in range(30)]
    assert all(flagged), "the fault did not score above the healthy maximum, so the check is void"
    assert state(det) == before, "learned from readings flagged as anomalous"
    assert [det.score_one(x, t) for x, t in probe] == [warmed(factory).score_one(x, t) for x, t in probe]


@pytest.mark.parametrize("factory", FACTORIES, ids=IDS)
def test_deterministic_given_a_seed(factory):
    stream = healthy_stream(WARMUP + 60, seed=4)

    def scores() -> list[float]:
        det = factory(7)
        out = []
        for x, t in stream:
            out.append(det.score_one(x, t))
            det.learn_one(x, t)
        return out

    assert scores() == scores()


@pytest.mark.parametrize("factory", FACTORIES, ids=IDS)
def test_invariant_to_the_order_of_sensors(factory):
    stream = healthy_stream(WARMUP + 60, seed=5)
    order = list(reversed(SENSORS))
    a, b = factory(0), factory(0)
    for x, t in stream:
        shuffled = {k: x[k] for k in order}
        sa, sb = a.score_one(x, t), b.score_one(shuffled, t)
        assert sa == pytest.approx(sb, rel=1e-9, abs=1e-12)
        assert a.score_one(shuffled, t) == pytest.approx(sa, rel=1e-9, abs=1e-12)  # mid-stream reorder
        a.learn_one(x, t)
        b.learn_one(shuffled, t)


finite = st.floats(allow_nan=False, allow_infinity=False)


@pytest.mark.parametrize("factory", FACTORIES, ids=IDS)
@settings(max_examples=30, deadline=None, suppress_health_check=[HealthCheck.too_slow,
                                                                  HealthCheck.function_scoped_fixture])
@given(values=st.lists(st.tuples(finite, finite, finite, finite), min_size=1, max_size=5))
def test_scores_finite_and_non_negative_on_any_finite_input(factory, values):
    det = WARMED[id(factory)]
    det = pickle.loads(pickle.dumps(det))
    for v in values:
        x = dict(zip(SENSORS, v))
        s = det.score_one(x, 0.0)
        assert np.isfinite(s) and s >= 0, (x, s)
        det.learn_one(x, 0.0)
        s = det.score_one(dict(zip(SENSORS, (0.0,) * 4)), 0.0)
        assert np.isfinite(s) and s >= 0


WARMED = {id(f): warmed(f) for f in FACTORIES}


@pytest.mark.parametrize("factory", FACTORIES, ids=IDS)
def test_missing_sensors_tolerated(factory):
    det = warmed(factory)
    x = {"temp_c": 25.0, "ph": float("nan")}  # tds and turbidity absent, pH not a number
    s = det.score_one(x, 0.0)
    assert np.isfinite(s) and s >= 0
    det.learn_one(x, 0.0)
    assert np.isfinite(det.score_one(healthy_stream(1)[0][0], 0.0))


@pytest.mark.parametrize("factory", FACTORIES, ids=IDS)
def test_inputs_not_mutated(factory):
    det = factory(0)
    for x, t in healthy_stream(WARMUP + 20):
        copy = dict(x)
        det.score_one(x, t)
        det.learn_one(x, t)
        assert x == copy and list(x) == list(copy)


@pytest.mark.parametrize("factory", FACTORIES, ids=IDS)
def test_pickles_and_the_copy_continues_identically(factory):
    det = warmed(factory)
    clone = pickle.loads(pickle.dumps(det))
    for x, t in healthy_stream(40, seed=6):
        assert clone.score_one(x, t) == det.score_one(x, t)
        det.learn_one(x, t)
        clone.learn_one(x, t)
