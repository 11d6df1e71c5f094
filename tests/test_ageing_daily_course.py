"""Round 8: an ageing probe is judged against the tank's own daily course (analytics/drift.py, ``_ageing_probe``).

A planted tank's CO2 lowers its pH 0.6 every day by design.  A model of that
course (harmonics, a learned daily shape, a trend) misses it by a few
hundredths on its steep parts, and a miss that grows over three hours passed
for an ageing probe: the CO2 keeper month paged "pH probe is probably ageing"
on healthy mornings and nights.  An ageing probe departs from what the same
hours read on the previous days, and keeps departing; the daily course does not.
The same past days keep a told probe's drift in view until it is recalibrated
(the baseline, learning its readings meanwhile, called it usual within a day).
"""

from __future__ import annotations

import copy
from typing import Any

import numpy as np
import pytest

from analytics.monitor import TankMonitor

MIN_MS = 60_000
DAY = 1440
START_MS = 1_767_225_600_000  # 2026-01-01 00:00 UTC
STEP = 5  # minutes between evaluations (the service evaluates every minute; every fifth keeps this fast)
SPLIT = 3 * DAY + 8 * 60  # day 4, 08:00: the CO2 is on, the pH falling toward its daytime level


def _planted_tank(days: int, seed: int) -> dict[str, np.ndarray]:
    """A healthy planted tank whose CO2 (7:00-19:00) lowers the pH by 0.6, falling in 1.2 h, back in 2.5 h."""
    rng = np.random.default_rng(seed)
    n = days * DAY
    hour = (np.arange(n) / 60.0) % 24.0
    co2 = np.zeros(n)
    for k in range(1, n):
        target = 1.0 if 7.0 <= hour[k] < 19.0 else 0.0
        co2[k] = co2[k - 1] + (target - co2[k - 1]) / (72.0 if target else 150.0)
    return {"temp_c": 25.0 + rng.normal(0, 0.02, n), "ph": 7.2 - 0.6 * co2 + rng.normal(0, 0.01, n),
            "tds_ppm": 250.0 + rng.normal(0, 1.0, n), "turb_ntu": 0.8 + rng.normal(0, 0.04, n),
            "level_cm": 30.0 - np.arange(n) / DAY * 0.5 + rng.normal(0, 0.05, n),
            "flow_lpm": 12.0 + rng.normal(0, 0.1, n), "pump": np.ones(n)}


def _all(mon: TankMonitor, v: dict[str, np.ndarray], first: int, last: int) -> list[Any]:
    """Evaluate every ``STEP`` minutes from minute ``first`` to ``last`` on three days of history: the transitions."""
    t = START_MS + np.arange(len(v["ph"]), dtype=np.int64) * MIN_MS
    out = []
    for i in range(first, last, STEP):
        lo = max(0, i - 3 * DAY)
        out += mon.evaluate(START_MS + i * MIN_MS, t[lo:i], {k: x[lo:i] for k, x in v.items()})[1]
    return out


def _run(mon: TankMonitor, v: dict[str, np.ndarray], first: int, last: int) -> list[Any]:
    """What fired evaluating from minute ``first`` to ``last`` (see :func:`_all`)."""
    return [tr for tr in _all(mon, v, first, last) if tr.state == "firing"]


@pytest.fixture(scope="module")
def planted() -> tuple[TankMonitor, dict[str, np.ndarray], list[Any]]:
    """Five days of the planted tank, watched from its third day (after the 48-hour warm-up) to 08:00 of day 4."""
    v = _planted_tank(5, seed=3)
    mon = TankMonitor("planted")
    fired = _run(mon, v, 2 * DAY, SPLIT)
    assert mon.baseline is not None
    return mon, v, fired


def test_a_large_daily_ph_course_is_no_ageing_probe(planted: tuple) -> None:
    mon, v, fired = copy.deepcopy(planted[0]), planted[1], list(planted[2])
    fired += _run(mon, v, SPLIT, 4 * DAY)
    told = [(round((tr.t_ms - START_MS) / MIN_MS / 60, 1), tr.summary) for tr in fired if tr.key == "probe_drift"]
    assert not told, told


def test_a_ph_probe_drifting_on_the_same_tank_is_told_as_ageing(planted: tuple) -> None:
    mon, v = copy.deepcopy(planted[0]), {k: x.copy() for k, x in planted[1].items()}
    v["ph"][SPLIT:] -= 0.25 * np.arange(len(v["ph"]) - SPLIT) / DAY  # -0.25 a day: a probe that needs recalibrating
    # told while the drift is still small: within 6 h (0.06 pH), before a test kit's 0.1 would show it
    fired = [tr for tr in _run(mon, v, SPLIT, SPLIT + 6 * 60 + 1) if tr.key == "probe_drift"]
    assert fired, "the drifting probe was not told within 6 h"
    assert "pH probe is probably ageing" in fired[0].summary and "recalibrate" in fired[0].summary


def test_an_ageing_probe_stays_told_while_it_drifts_and_resolves_once_recalibrated(planted: tuple) -> None:
    mon, v = copy.deepcopy(planted[0]), {k: x.copy() for k, x in planted[1].items()}
    fixed = SPLIT + 36 * 60  # a day and a half of drifting (0.375 off by then), then the keeper recalibrates it
    v["ph"][SPLIT:fixed] -= 0.25 * np.arange(fixed - SPLIT) / DAY
    # (the probe is out of the drift window while told, so the baseline learns its drifting readings; its past
    # days keep the drift in view)
    told = [(tr.state, round((tr.t_ms - START_MS) / MIN_MS / 60 - SPLIT / 60, 1))  # hours since the drift began
            for tr in _all(mon, v, SPLIT, fixed + 3 * 60) if tr.key == "probe_drift"]
    assert [state for state, _ in told] == ["firing", "resolved"], told
    assert 36 < told[1][1] <= 38, told  # resolved once recalibrated, not while it still drifts
