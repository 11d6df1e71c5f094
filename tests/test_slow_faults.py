"""Round 11: slow faults told while they are still routine to fix, not hours or days late.

A filter clogging over days is told once its flow is 30 % down on its own clean flow (``flow_reduced``),
long before it halves (``flow_low``); a top-off whose reservoir ran dry is told once the sump has
missed a day's evaporation below the band the top-off held it in (``top_off_behind``).  Neither is
told on a healthy tank: a flow that wanders with the level, a pump switched off, a tank topped up by
hand whose level goes lower than usual before the keeper gets to it.
"""

from __future__ import annotations

from typing import Any

import numpy as np

from analytics.flow_trend import REDUCED_FRACTION, FlowWatch
from analytics.monitor import TankMonitor
from analytics.top_off_watch import learn_band

MIN_MS = 60_000
DAY = 1440
START_MS = 1_767_225_600_000  # 2026-01-01 00:00 UTC


def _tank(days: float, seed: int) -> dict[str, np.ndarray]:
    rng = np.random.default_rng(seed)
    n = int(days * DAY)
    return {"temp_c": 25.0 + rng.normal(0, 0.02, n), "ph": 7.2 + rng.normal(0, 0.01, n),
            "tds_ppm": 250.0 + rng.normal(0, 1.0, n), "turb_ntu": 0.8 + rng.normal(0, 0.04, n),
            "level_cm": 30.0 + rng.normal(0, 0.05, n), "flow_lpm": 20.0 + rng.normal(0, 0.2, n),
            "pump": np.ones(n)}


def _fired(v: dict[str, np.ndarray], first: int, last: int, key: str, mon: TankMonitor | None = None) -> list[Any]:
    """``key``'s firing transitions of ``mon`` (default a new monitor) evaluated every minute from ``first``
    to ``last``."""
    mon = TankMonitor("slow") if mon is None else mon
    t = START_MS + np.arange(len(v["ph"]), dtype=np.int64) * MIN_MS
    out = []
    for i in range(first, last):
        lo = max(0, i - 3 * DAY - 120)
        out += [tr for tr in mon.evaluate(START_MS + i * MIN_MS, t[lo:i], {k: x[lo:i] for k, x in v.items()})[1]
                if tr.state == "firing" and tr.key == key]
    return out


def _clog(v: dict[str, np.ndarray], start: int, lost_per_day: float) -> None:
    v["flow_lpm"][start:] *= 1.0 - lost_per_day * np.arange(len(v["flow_lpm"]) - start) / DAY


def test_a_filter_clogging_over_days_is_told_once_a_third_down_and_not_before() -> None:
    """20 l/min clean, losing 15 % a day from day 2: 30 % down at day 4, half at day 5.3 (flow_low's)."""
    v = _tank(4.2, 1)
    _clog(v, 2 * DAY, 0.15)
    early = _fired(v, 3 * DAY + 12 * 60, 3 * DAY + 13 * 60, "flow_reduced")  # 22 % down
    told = _fired(v, 4 * DAY + 3 * 60, 4 * DAY + 4 * 60, "flow_reduced")  # 32 % down
    assert not early, [tr.summary for tr in early]
    assert told and "down on its usual 20.0 l/min" in told[0].summary and "clean the filter" in told[0].summary, \
        [tr.summary for tr in told]


def test_a_flow_that_wanders_with_the_level_or_is_switched_off_is_not_reduced() -> None:
    """The flow rising and falling 10 % with the sump's level each day, a slow two-week clog (2 % a day,
    as a pebble bed's), and the pump switched off for a water change: no flow_reduced."""
    v = _tank(4, 2)
    hour = np.arange(4 * DAY) / 60.0
    v["flow_lpm"] *= (1.0 + 0.1 * np.sin(2 * np.pi * hour / 24.0)) * (1.0 - 0.02 * hour / 24.0)
    v["pump"][4 * DAY - 50:4 * DAY - 10] = 0.0
    v["flow_lpm"][4 * DAY - 50:4 * DAY - 10] = 0.0
    assert _fired(v, 4 * DAY - 60, 4 * DAY, "flow_reduced") == []


def test_the_drop_must_be_beyond_the_filters_own_spread() -> None:
    """A filter whose hourly flow wanders 10 % (its spread 2 l/min of 20) is not reduced at 35 % down."""
    watch = FlowWatch()
    t = np.arange(3 * DAY) * MIN_MS
    hourly = np.repeat(np.random.default_rng(3).normal(20.0, 2.0, 3 * 24), 60)
    watch.learn(t, hourly, np.ones(len(t)), 0.5)
    short = watch.short_by(np.full(30, 0.65 * watch.usual), np.ones(30), 0.5)
    assert watch.threshold() > REDUCED_FRACTION and not watch.reduced(short, False), (watch.usual, watch.spread)


def _top_off(n: int, evaporation_cm_per_day: float, refill_cm: float) -> np.ndarray:
    """A float switch: the level evaporates and the top-off adds ``refill_cm`` whenever it is that far down."""
    fall = evaporation_cm_per_day * np.arange(n) / DAY
    return 30.0 - (fall % refill_cm)


def test_a_top_off_whose_reservoir_ran_dry_is_told_after_a_days_evaporation_below_its_band() -> None:
    """1.2 cm a day, refilled 0.3 cm at a time (a 29.7-30 cm band); the reservoir empty from day 3, just after
    a refill: a day's evaporation and a refill (1.5 cm) under the band's low end 36 hours later."""
    v = _tank(4.8, 4)
    v["level_cm"] += _top_off(len(v["level_cm"]), 1.2, 0.3) - 30.0
    stop = 3 * DAY
    v["level_cm"][stop:] = v["level_cm"][stop] - 1.2 * np.arange(len(v["level_cm"]) - stop) / DAY + \
        np.random.default_rng(5).normal(0, 0.05, len(v["level_cm"]) - stop)
    mon = TankMonitor("top-off")
    assert _fired(v, stop + 60, stop + 61, "top_off_behind", mon) == []  # the band learned while healthy
    early = _fired(v, stop + 28 * 60, stop + 29 * 60, "top_off_behind", mon)  # 1.1 cm under the band
    told = _fired(v, stop + 40 * 60, stop + 41 * 60, "top_off_behind", mon)  # 1.7 cm under
    assert not early, [tr.summary for tr in early]
    assert told and "reservoir is probably empty" in told[0].summary, [tr.summary for tr in told]


def test_a_tank_topped_up_by_hand_has_no_top_off_band() -> None:
    """Evaporating 1 cm a day, topped up by hand every 2.5 days: the level's band is wider than a day's
    evaporation, so a keeper late with the top-up (the level lower than ever) is no top-off failing."""
    n = 4 * DAY
    t = np.arange(n) * MIN_MS
    level = _top_off(n, 1.0, 2.5)
    assert not learn_band(t, level).has_top_off
    v = _tank(4, 6)
    v["level_cm"] += level - 30.0
    v["level_cm"][3 * DAY:] = level[3 * DAY] - np.arange(DAY) / DAY  # the keeper a day late
    assert _fired(v, 4 * DAY - 60, 4 * DAY, "top_off_behind") == []
