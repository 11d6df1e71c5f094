"""Round 8: drift that varies from day to day (analytics/drift.py, analytics/past_days.py).

A tank's days are not copies of one another: the sun warms a windowsill tank by
its own amount each day, a keeper feeds at whatever hour suits them.  Such a
tank's healthy hour must not read as drift, and a fault must still be told.
"""

from __future__ import annotations

from typing import Any

import numpy as np

from analytics.monitor import MonitorSettings, TankMonitor
from analytics.past_days import held_out_days, shape_over_days

MIN_MS = 60_000
DAY = 1440
START_MS = 1_767_225_600_000  # 2026-01-01 00:00 UTC
STEP = 5  # minutes between evaluations (every fifth minute keeps this fast)


def _steady(n: int, rng: np.random.Generator) -> dict[str, np.ndarray]:
    return {"temp_c": 18.0 + rng.normal(0, 0.03, n), "ph": 7.6 + rng.normal(0, 0.01, n),
            "tds_ppm": 300.0 + rng.normal(0, 1.0, n), "turb_ntu": 1.5 + rng.normal(0, 0.06, n),
            "level_cm": 28.0 - np.arange(n) / DAY * 0.5 + rng.normal(0, 0.05, n),
            "flow_lpm": 6.0 + rng.normal(0, 0.1, n), "pump": np.ones(n)}


def _windowsill(days: int, seed: int) -> dict[str, np.ndarray]:
    """An unheated tank in the sun: each day warms by its own 0.3-3 °C, peaking at 14:00."""
    rng = np.random.default_rng(seed)
    n = days * DAY
    v = _steady(n, rng)
    hour = (np.arange(n) / 60.0) % 24.0
    sun = rng.uniform(0.3, 3.0, days)[np.arange(n) // DAY]
    v["temp_c"] += sun * np.exp(-0.5 * ((hour - 14.0) / 2.0) ** 2)
    return v


def _run(mon: TankMonitor, v: dict[str, np.ndarray], first: int, last: int) -> list[Any]:
    """The alerts that fired evaluating every ``STEP`` minutes from minute ``first`` to ``last`` (3 days' history)."""
    t = START_MS + np.arange(len(v["ph"]), dtype=np.int64) * MIN_MS
    out = []
    for i in range(first, last, STEP):
        lo = max(0, i - 3 * DAY)
        out += [tr for tr in mon.evaluate(START_MS + i * MIN_MS, t[lo:i], {k: x[lo:i] for k, x in v.items()})[1]
                if tr.state == "firing"]
    return out


def _when(fired: list[Any], key: str) -> list[tuple[float, str]]:
    return [(round((tr.t_ms - START_MS) / MIN_MS / 60, 1), tr.summary) for tr in fired if tr.key == key]


def test_the_days_of_a_reference_are_held_out_in_turn() -> None:
    t = np.arange(0, 3 * DAY, dtype=np.int64) * MIN_MS
    blocks = held_out_days(t, 5 * 3_600_000)
    assert [(lo, hi) for lo, hi, _, _ in blocks] == [(2 * DAY * MIN_MS, 3 * DAY * MIN_MS),
                                                     (DAY * MIN_MS, 2 * DAY * MIN_MS), (0, DAY * MIN_MS)]
    assert held_out_days(t[:DAY], 5 * 3_600_000) == []  # one day: nothing to hold out against


def test_a_sunny_day_after_cloudy_ones_is_no_drift() -> None:
    """Once the reference holds days of differing sun (sun 2.2, 2.7, 2.9, 0.9 °C), a day of 2.9 °C or of 1.9 °C
    is the tank's weather (before: drift at 110 h and 131 h, "temperature 18.64 °C, usual 19.00 ± 0.04")."""
    v = _windowsill(6, seed=5)
    mon = TankMonitor("windowsill", MonitorSettings(profile="cold-water"))
    fired = _run(mon, v, 2 * DAY, 6 * DAY)
    assert mon.baseline is not None
    late = [(h, text) for h, text in _when(fired, "drift") if h >= 4 * 24]
    assert not late, late


def test_a_reading_that_leaves_usual_under_a_told_drift_is_told_and_not_accepted_with_it() -> None:
    """A TDS drift is told; two hours into it the pH probe reads +0.5 after a bad recalibration.  The keeper
    is told of the pH, and the acceptance as the new normal waits a full ``accept_after_hours`` from then
    (before: nothing about the pH, and the step was accepted with the TDS drift)."""
    rng = np.random.default_rng(11)
    n = 4 * DAY
    v = _steady(n, rng)
    split = 3 * DAY + 10 * 60
    v["tds_ppm"][split:] += 40.0  # a dosing mistake: lasting
    v["ph"][split + 120:] += 0.5
    mon = TankMonitor("dosed", MonitorSettings(profile="tropical", accept_after_hours=3.0))
    v["temp_c"] += 7.0  # a tropical tank
    fired = _run(mon, v, split - 60, split + 120 + 150)
    drifts = [(round((tr.t_ms - START_MS) / MIN_MS) - split, tr.summary) for tr in fired if tr.key == "drift"]
    assert drifts and drifts[0][0] < 120 and "usual 7.60" not in drifts[0][1], drifts
    about_ph = [(m, text) for m, text in drifts if m >= 120 and "usual 7.60" in text]  # "pH 7.80, usual 7.60"
    # round 13: told once the whole drift window shows it (a drift lasts), about an hour after the step
    assert about_ph and about_ph[0][0] <= 120 + 70, drifts
    assert mon.firing("drift")  # three hours after the first, but not three after the pH: not yet accepted


def test_a_fault_over_two_days_of_three_is_not_learnt_as_the_daily_shape() -> None:
    """A pH probe +0.5 for 30 h (11:00 of the second day to 17:00 of the third) covers 11:00-17:00 on two
    days of three; with the shape so far (zero) that is two votes of four (before: 0.25 learnt at noon, and the
    next refit, the prior holding it, more: "pH falling beyond its usual daily course" every day at 11:00)."""
    t = np.arange(3 * DAY, dtype=np.int64) * MIN_MS
    offset = np.where((t >= (DAY + 11 * 60) * MIN_MS) & (t < (2 * DAY + 17 * 60) * MIN_MS), 0.5, 0.0)[:, None]
    shape = shape_over_days(t, offset, np.zeros((DAY, 1)))
    assert abs(shape[12 * 60, 0]) < 1e-9, shape[12 * 60, 0]
    daily = np.where(((t // MIN_MS) % DAY >= 8 * 60) & ((t // MIN_MS) % DAY < 9 * 60), 2.0, 0.0)[:, None]
    assert shape_over_days(t, daily, np.zeros((DAY, 1)))[8 * 60 + 30, 0] == 2.0  # what repeats every day is kept
