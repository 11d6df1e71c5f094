"""Round 8 on SKAB: a short healthy start, channels that wander, channels that step (fast unit tests)."""

from __future__ import annotations

import numpy as np

from analytics.calibration import channel_lag1
from analytics.detector import DetectorSettings, WaterQualityDetector

STATED = 30.0  # false alarms a day: 0.5 per 1,440 readings a second apart, as the SKAB bench states


def pump(n: int, seed: int) -> tuple[np.ndarray, np.ndarray]:
    """Readings a second apart: a white-noise flow and a water temperature that warms as a slow AR(1) walk."""
    rng = np.random.default_rng(seed)
    t = np.arange(n, dtype=float)
    flow = 32.0 + rng.normal(0.0, 0.5, n)
    temp = np.empty(n)
    temp[0] = 0.0
    for i in range(1, n):
        temp[i] = 0.995 * temp[i - 1] + rng.normal(0.0, 0.02) + 0.0005
    return t, np.stack([flow, 24.0 + temp], axis=1)


def fit(X: np.ndarray, t: np.ndarray, innovations: bool) -> WaterQualityDetector:
    s = DetectorSettings(false_alarms_per_day=STATED / (1440 / 400), relearn_after_minutes=360.0, operational=(),
                         ar_innovations=innovations)
    return WaterQualityDetector(s).fit(t[:400], X[:400], names=["flow", "temp"])


def test_channel_lag1_of_white_noise_and_of_a_walk():
    rng = np.random.default_rng(0)
    R = np.stack([rng.normal(size=2000), np.cumsum(rng.normal(size=2000))], axis=1)
    rho = channel_lag1(R, np.ones(2000, dtype=bool))
    assert abs(rho[0]) < 0.1 and rho[1] > 0.9
    # (clipped at 0: a negative correlation is not a forecast worth subtracting)
    assert channel_lag1(np.array([[1.0], [-1.0]] * 100), np.ones(200, dtype=bool))[0] == 0.0


def test_a_slow_warming_the_healthy_start_cannot_show_alarms_less_when_judged_by_its_innovations():
    alarmed = {}
    for innovations in (False, True):
        shares = []
        for seed in range(3):
            t, X = pump(1200, seed)
            _, a = fit(X, t, innovations).run(t[400:], X[400:])
            shares.append(float(a.mean()))
        alarmed[innovations] = float(np.mean(shares))
    assert alarmed[True] < 0.05 and alarmed[True] < alarmed[False]


def test_a_closed_valve_on_a_white_noise_channel_alarms_while_it_lasts():
    t, X = pump(1200, seed=5)
    X[700:1000, 0] -= 3.0  # the flow drops by 6 healthy standard deviations for 300 s
    det = fit(X, t, innovations=True)
    assert det.ar_rho is not None and det.ar_rho[0] < 0.2  # white noise: the innovation is the residual
    _, a = det.run(t[400:], X[400:])
    during = a[300:600]
    assert during[5:].mean() > 0.95 and not a[:290].any()


def quantised_pump(n: int, seed: int) -> tuple[np.ndarray, np.ndarray]:
    """SKAB's flow meter: 32 or 33 l/min (a coarse step) with ±0.03 jitter; a pressure on a few levels too."""
    rng = np.random.default_rng(seed)
    t = np.arange(n, dtype=float)
    flow = np.where(rng.random(n) < 0.6, 32.0, 33.0) + rng.choice([0.0, 0.03], n)
    pressure = rng.choice([0.055, 0.383, -0.273, 0.055, 0.055], n)
    current = 1.0 + rng.normal(0.0, 0.3, n)
    return t, np.stack([flow, pressure, current], axis=1)


def test_a_coarsely_quantised_flow_keeps_its_variance_and_a_fall_of_four_steps_is_caught():
    t, X = quantised_pump(1200, seed=3)
    X[700:1000, 0] -= 4.0  # a closed valve: the flow falls from 32-33 to 28-29 l/min
    sd = {}
    for rare in (0.0, 0.01):
        s = DetectorSettings(false_alarms_per_day=STATED / (1440 / 400), relearn_after_minutes=360.0,
                             operational=(), winsorise_rare=rare)
        det = WaterQualityDetector(s).fit(t[:400], X[:400], names=["flow", "pressure", "current"])
        sd[rare] = float(det.residual_std()[0])
        _, a = det.run(t[400:], X[400:])
        assert a[305:600].mean() > 0.95 and a[:300].mean() < 0.02
    true_sd = float(np.std(X[:400, 0]))
    assert 0.7 * true_sd < sd[0.01] < 1.3 * true_sd  # its ordinary steps are not clipped as outliers
    assert sd[0.0] < 0.5 * true_sd  # 4 MADs of its ±0.03 jitter clip them


def test_a_relearn_on_innovations_takes_the_readings_mean_as_the_new_level():
    t, X = pump(1400, seed=7)
    X[600:, 0] += 5.0  # a lasting change of the flow by 10 healthy standard deviations
    s = DetectorSettings(false_alarms_per_day=STATED / (1440 / 400), relearn_after_minutes=1.0, operational=())
    det = WaterQualityDetector(s).fit(t[:400], X[:400], names=["flow", "temp"])
    assert det.ar_rho is not None  # readings a second apart: innovations
    _, a = det.run(t[400:], X[400:])
    assert a[200:230].all()  # alarmed until the relearn after a minute ...
    assert not a[270:900].any()  # ... then the new level is the flow's, not the mean innovation's
    flow_level = det.state.level[0]
    assert abs(flow_level - 37.0) < 0.3
