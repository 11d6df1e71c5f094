"""Round 20: a leak's first minutes, told from the level's fall since a hinge (analytics/level_hinge.py).

The basking-lamp turtle's hose leak (1.5 cm/h, the level read with 0.12 cm of splashing) was told 25 minutes
in: the rate tests read slopes over whole windows, most of which is still water in a leak's first half hour.
The fall since a hinge, calibrated on the same statistic over the tank's healthy reference (its wander and
splashing, not a formula's independent readings), tells it sooner; a sloshing or wandering level beyond its
reference's habits is held by the second tail (the fall over the last hour's scatter) and the slosh test.
"""

from __future__ import annotations

import math

import numpy as np

from analytics.level_hinge import HINGE_SPANS, HingeTails, hinge_fall, learn_hinge_tails, scatter

MIN_MS = 60_000
DAY_MIN = 1440


def _wandering(n: int, seed: int = 3, noise: float = 0.05, wander: float = 0.04) -> tuple[np.ndarray, np.ndarray]:
    """A level read with white noise over a slow autocorrelated wander (an AR(1) of a 30-minute memory)."""
    rng = np.random.default_rng(seed)
    a = np.exp(-1 / 30)
    w = np.zeros(n)
    for i in range(1, n):
        w[i] = a * w[i - 1] + rng.normal(0, wander * np.sqrt(1 - a * a))
    return np.arange(n, dtype=np.int64) * MIN_MS, 30.0 + w + rng.normal(0, noise, n)


def test_the_tails_are_the_healthy_levels_own_and_carry_its_wander() -> None:
    """The same noise with a wander learns wider tails than without: the wander is in the null distribution."""
    t, calm = _wandering(3 * DAY_MIN, wander=0.0)
    _, wandering = _wandering(3 * DAY_MIN, wander=0.08)
    still, moving = learn_hinge_tails(t, calm, 1.0), learn_hinge_tails(t, wandering, 1.0)
    assert len(still.rate) == len(HINGE_SPANS) == len(moving.rate)
    assert all(m > s for m, s in zip(moving.rate, still.rate)), (still, moving)
    assert learn_hinge_tails(t[:120], calm[:120], 1.0) == HingeTails()  # too little history: nothing learned


def test_a_healthy_days_wander_is_no_hinge_fall_and_a_leak_is() -> None:
    t, y = _wandering(4 * DAY_MIN, wander=0.04)
    tails = learn_hinge_tails(t[:3 * DAY_MIN], y[:3 * DAY_MIN], 1.0)
    told = [m for m in range(3 * DAY_MIN, 4 * DAY_MIN) if math.isfinite(hinge_fall(t[m - 60:m], y[m - 60:m],
                                                                                  m * MIN_MS, tails)[0])]
    assert told == [], told
    start = 3 * DAY_MIN + 600
    leak = y - 1.5 * np.clip(np.arange(len(y)) - start, 0, None) / 60.0
    told = [m for m in range(start, start + 60) if math.isfinite(hinge_fall(t[m - 60:m], leak[m - 60:m],
                                                                            m * MIN_MS, tails)[0])]
    assert told and told[0] - start <= 20, told[:3]


def test_a_sloshing_hour_louder_than_the_reference_is_no_leak() -> None:
    """The fall over the hour's own scatter must clear its tail too: a boat's lock, a pump's vibration."""
    t, y = _wandering(4 * DAY_MIN, wander=0.0, noise=0.05)
    tails = learn_hinge_tails(t[:3 * DAY_MIN], y[:3 * DAY_MIN], 1.0)
    rng = np.random.default_rng(7)
    slosh = y.copy()
    slosh[3 * DAY_MIN:] += rng.normal(0, 0.6, DAY_MIN)
    assert scatter(slosh[-60:]) > 5 * scatter(y[-60:])
    told = [m for m in range(3 * DAY_MIN + 60, 4 * DAY_MIN) if math.isfinite(
        hinge_fall(t[m - 60:m], slosh[m - 60:m], m * MIN_MS, tails)[0])]
    assert told == [], told[:5]


def test_the_basking_lamp_turtles_hose_leak_is_told_within_20_minutes_through_the_engine() -> None:
    """Through the engine the service runs (:class:`aquamon.evaluate.EngineDetector`): the basking-lamp turtle's
    hose leak (1.5 cm/h, 0.12 cm of splashing, hand top-ups) told within 20 minutes (25 before the hinge), and
    no level alert before it."""
    from benchmarks.bench_detection import measure_month
    from benchmarks.keeper_month_unseen import turtle_lamp_month

    start = 4 * DAY_MIN + 13 * 60
    s = turtle_lamp_month(days=5, faults=({"kind": "leak_pump_dry", "start": start, "end": start + 5 * 60,
                                           "cm_per_h": 1.5},))
    _, det, _ = measure_month(s)
    t0 = int(s.t_ms[0])
    level = [int(tr.t_ms - t0) // MIN_MS for tr in det.transitions
             if tr.state == "firing" and tr.key == "level_falling"]
    assert level and start <= level[0] <= start + 20, (level, start)
