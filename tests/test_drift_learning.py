"""How the day/night drift learns: what is kept out of learning, the daily shape, water changes (round 4).

Small synthetic tanks built with numpy (no simulator, no servers): each test
fails on the engine before its fix (see docs/detection.md, "Learning").
"""

from __future__ import annotations

import numpy as np

from analytics.monitor import MonitorSettings, TankMonitor
from analytics.rules import despike

DAY_MIN = 1440
MIN_MS = 60_000
START_MS = 1_767_225_600_000  # 2026-01-01 00:00 UTC
FEED_MIN = 19 * 60  # the fish are fed at 19:00


def tank(days: float, seed: int = 1) -> tuple[np.ndarray, dict[str, np.ndarray]]:
    """A healthy tank: a day/night swing, a turbidity step at each feeding that fades in 45 minutes."""
    rng = np.random.default_rng(seed)
    n = int(days * DAY_MIN)
    m = np.arange(n)
    hour = (m / 60.0) % 24
    since_feed = (m - FEED_MIN) % DAY_MIN
    v = {"temp_c": 25.0 + 0.3 * np.sin(2 * np.pi * (hour - 9) / 24) + rng.normal(0, 0.02, n),
         "ph": 7.2 + 0.05 * np.sin(2 * np.pi * (hour - 10) / 24) + rng.normal(0, 0.008, n),
         "tds_ppm": 300.0 + 2.0 * m / DAY_MIN + rng.normal(0, 1.0, n),
         "turb_ntu": 1.0 + 0.6 * np.exp(-since_feed / 45.0) + rng.normal(0, 0.05, n)}
    return START_MS + m.astype(np.int64) * MIN_MS, v


def run(mon: TankMonitor, t: np.ndarray, v: dict, first: int, last: int) -> list:
    """Evaluate every 5 minutes (the drift step) from minute ``first`` to ``last``; return the transitions."""
    out = []
    keep = int(mon.settings.reference_hours * 60) + 120
    for i in range(first - first % 5, last + 1, 5):
        lo = max(0, i - keep)
        out += mon.evaluate(START_MS + i * MIN_MS, t[lo:i], {k: x[lo:i] for k, x in v.items()})[1]
    return out


def test_a_window_over_the_threshold_that_is_not_told_is_still_learned() -> None:
    """A baseline a little off (0.2 °C: many σ, less than a keeper is told of) must not freeze itself.

    After a water change the baseline is re-levelled on the first hour of new
    water, still cool from the refill.  Before: every window over the threshold
    was kept out of learning, told or not, so that baseline never saw the water
    again (in the keeper months the drift score sat over its threshold 72 % of
    the time, the alerts kept quiet only by the "could a keeper see it" gate).
    """
    t, v = tank(4.0)
    warm = 3 * DAY_MIN
    mon = TankMonitor("t")
    run(mon, t, v, 2 * DAY_MIN, warm)
    mon.accept_change(int(t[warm]))  # a water change: the new water is learned from here
    v["temp_c"][warm:warm + 60] -= 0.22  # its first hour is cool; the heater has caught up after it
    out = run(mon, t, v, warm + 5, warm + 10 * 60)
    assert not [tr for tr in out if tr.key == "drift"], [(tr.key, tr.summary) for tr in out]  # not told
    score, _ = mon.evaluate(START_MS + (warm + 10 * 60) * MIN_MS, t[:warm + 600],
                            {k: x[:warm + 600] for k, x in v.items()})
    assert abs(score["z_temp_c"]) < 3, score  # the baseline is right again: the water was learned
    assert mon._learnable(t[warm + 120:warm + 9 * 60]).all()


def test_a_feeding_peak_that_once_read_as_drift_is_learned_from_the_days_it_repeats() -> None:
    """The daily shape votes over days, time under a drift alert included, so a feeding peak is learned.

    Before: the windows of a feeding that once raised drift were kept out of
    learning, the feeding's slots then had no days, their shape was 0, the peak
    read as drift again the next day: every evening, for good.
    """
    t, v = tank(3.5)
    mon = TankMonitor("t", MonitorSettings(trend=False))
    for d in range(3):  # each evening's feeding was under a drift alert
        mon._exclude(int(t[d * DAY_MIN + FEED_MIN]), int(t[d * DAY_MIN + FEED_MIN + 60]))
    now = int(t[3 * DAY_MIN + 6 * 60])
    frame = {k: despike(x) for k, x in v.items()}
    X = np.stack([frame[n] for n in mon.settings.drift_sensors], axis=1)
    mon._maybe_refit(now, t[:3 * DAY_MIN + 6 * 60], X[:3 * DAY_MIN + 6 * 60])
    turb = list(mon.settings.drift_sensors).index("turb_ntu")
    for after in (2, 10, 30):
        usual = mon._usual(int(START_MS + (2 * DAY_MIN + FEED_MIN + after) * MIN_MS))[turb]
        assert abs(usual - (1.0 + 0.6 * np.exp(-after / 45.0))) < 0.08, (after, usual)


def test_the_first_minute_of_a_feeding_is_the_usual_pattern() -> None:
    """The shape has a value per minute: a step at 19:00 sharp is modelled, not smeared over a 5-minute slot.

    Before: one 5-minute value per slot; the despiked readings step up one minute
    into the slot, so the slot's first reading sat 6 σ below its value every day
    and the window holding it read as "noisier than usual".
    """
    t, v = tank(3.5)
    mon = TankMonitor("t", MonitorSettings(trend=False))
    frame = {k: despike(x) for k, x in v.items()}
    X = np.stack([frame[n] for n in mon.settings.drift_sensors], axis=1)
    end = 3 * DAY_MIN + 6 * 60
    mon._maybe_refit(int(t[end]), t[:end], X[:end])
    turb = list(mon.settings.drift_sensors).index("turb_ntu")
    feed = slice(2 * DAY_MIN + FEED_MIN - 5, 2 * DAY_MIN + FEED_MIN + 10)
    R = mon._residuals(t[feed], X[feed])[:, turb]
    sigma = np.sqrt(mon.cov[turb, turb])
    assert np.max(np.abs(R)) < 4 * sigma, (R.round(3), sigma)


def test_a_tds_probe_dying_is_not_a_water_change() -> None:
    """A TDS probe falling to nothing: the ten minutes that straddle its fall have a median half-way.

    Before: that median (300 → 150 ppm) read as a 50 % water change; the
    engine re-learned the dead probe's reading as the new normal.
    """
    t, v = tank(1.0)
    mon = TankMonitor("t")
    dies = 12 * 60
    v["tds_ppm"][dies:] = 3.0
    for i in range(dies + 1, dies + 30):
        now = int(START_MS + i * MIN_MS)
        assert mon._water_change(now, t[:i], {k: x[:i] for k, x in v.items()}) == []
    assert mon.learn_from_ms == 0 and not mon.day_notes


def test_a_water_change_is_still_a_water_change() -> None:
    t, v = tank(1.0)
    mon = TankMonitor("t")
    change = 12 * 60
    v["tds_ppm"][change:] *= 0.7
    seen = []
    for i in range(change + 1, change + 30):
        mon._water_change(int(START_MS + i * MIN_MS), t[:i], {k: x[:i] for k, x in v.items()})
        seen += mon.day_notes
    assert any(n.startswith("water change detected") for n in seen), seen


def test_fresh_waters_ph_settling_after_a_water_change_is_not_an_ageing_probe() -> None:
    """Fresh water's pH eases back over hours; the baseline re-levelled on its first hours is left behind.

    Before: the pH alone leaving that provisional baseline, slowly, was told as
    "the pH probe is probably ageing" 9-12 hours after most water changes.
    """
    t, v = tank(4.5, seed=3)
    warm = 3 * DAY_MIN
    mon = TankMonitor("t")
    run(mon, t, v, 2 * DAY_MIN, warm)
    mon.accept_change(int(t[warm]) + 3 * 3_600_000)  # a water change at `warm`, settled three hours on
    after = np.arange(len(t)) - warm
    v["ph"] += np.where(after >= 0, 0.06 * np.exp(-np.maximum(after, 0) / 360.0), 0.0)
    out = run(mon, t, v, warm + 5, warm + DAY_MIN)
    assert not [tr for tr in out if tr.key == "probe_drift"], [(tr.key, tr.summary) for tr in out]
