"""Round 14: a heater dying in a tank whose day/night baseline is stale, told from the tank's own days.

A tank changed every evening never settles for the warm-up the drift's day/night baseline needs before it is
refitted, so its "usual" temperature can sit a degree off the water the heater holds.  The slow heater-dead
test ("the last hour falling faster than a stopped heater, and 0.4 °C below usual") then waited for the water
to fall through that degree first: a heater dying at noon, far from any change, was told 2.5 hours late on the
daily-change month.  The water's level at this hour on the days before (:func:`analytics.heater_hour.held_at_hour`,
where the heater held it) now also says "below": the same fall is told within the hour.
"""

from __future__ import annotations

from typing import Any

import numpy as np

from analytics.heater_hour import below_held, held_at_hour
from benchmarks.keeper_month import DAY_MIN, Scenario, Tank, _top_up, _water_change, build

MIN_MS = 60_000


def _changed_every_evening(days: int = 6, seed: int = 808) -> Scenario:
    """The daily-change month's tank (120 l, a 30 % change every evening 1.5 °C cooler, a 2 h heater), its
    heater dead on the last day from noon (-0.6 °C/h for 4 h)."""
    D = DAY_MIN
    tank = Tank(temp=26.0, temp_swing=0.3, ph=7.0, ph_swing=0.05, tds=220.0, tds_per_day=10.0, turb=0.8,
                feed_turb=0.5, feed_hours=(9.0, 18.0), level=24.0, evap_cm_per_day=1.0, flow=10.0, heat_tau_h=2.0)
    when = np.random.default_rng(seed + 1)
    changes = {d: d * D + int(when.uniform(18.0, 21.5) * 60) for d in range(1, days)}
    dead = (days - 1) * D + 12 * 60
    faults: list[dict[str, Any]] = [{"kind": "heater_dead", "start": dead, "end": dead + 4 * 60, "rate": 0.6}]

    def habits(v: dict, rng: np.random.Generator) -> list[str]:
        for d, at in changes.items():
            _water_change(v, at, 0.3, 1.5, tank.heat_tau_h, sump_dip=2.0)
            _top_up(v, d * D + 7 * 60, 1.0)
        return ["30 % water change every evening"]

    return build("changed every evening, heater dead at noon", "tropical", tank, days, faults, habits, 2.0, seed)


def test_a_heater_dying_at_noon_in_a_tank_changed_every_evening_is_told_within_the_hour() -> None:
    """Through the engine the service runs (:class:`aquamon.evaluate.EngineDetector`): told within an hour
    (2.5 hours without the tank's own days), and nothing else said about the heater."""
    from analytics.catalogue import ALERTS
    from benchmarks.bench_detection import measure_month

    s = _changed_every_evening()
    _, det, _ = measure_month(s)
    t0 = int(s.t_ms[0])
    start = s.faults[0]["start"]
    heater = [(int(tr.t_ms - t0) // MIN_MS, tr.key) for tr in det.transitions
              if tr.state == "firing" and tr.key in ("heater_dead", "heater_stuck")
              and ALERTS[tr.key].severity in ("warning", "critical")]
    told = [m for m, key in heater if key == "heater_dead" and start <= m]
    assert told and told[0] - start <= 60, heater
    assert all(m >= start for m, _ in heater), heater


def test_the_held_level_is_the_median_day_at_this_hour_and_its_margin_the_days_spread() -> None:
    m = np.arange(4 * DAY_MIN)
    rng = np.random.default_rng(1)
    held = 26.0 + rng.normal(0, 0.02, len(m))
    level, margin = held_at_hour(m * MIN_MS, held, None, int(m[-1]) * MIN_MS)
    assert abs(level - 26.0) < 0.02 and margin < 0.05
    # days a degree apart at this hour (a room on a timer): a new day may stray as far
    wander = held + np.repeat([0.0, 1.0, -0.5, 0.0], DAY_MIN)
    level, margin = held_at_hour(m * MIN_MS, wander, None, int(m[-1]) * MIN_MS)
    assert margin > 1.0 and not below_held(level, margin, level - 0.6, 0.4, False)
    # the readings marked unhealthy are not read: with one day left there is no level
    use = m >= 3 * DAY_MIN - 60
    assert np.isnan(held_at_hour(m * MIN_MS, held, use, int(m[-1]) * MIN_MS)[0])


def test_the_summer_turtle_s_evening_is_no_dead_heater_through_the_engine() -> None:
    """Round 13's rule (:mod:`analytics.heater_hour`) through the engine the service runs: the summer turtle's
    water follows a warm flat's night down above its heater's set point (the heater resting) as steeply as a
    dead heater's; without the tank's own hour-long falls as the slow test's bar, its third night
    (d02 00:03) is paged as a dead heater."""
    from benchmarks.bench_detection import measure_month
    from benchmarks.keeper_month_strangers12 import turtle_summer_month

    s = turtle_summer_month(days=3, faults=())
    _, det, _ = measure_month(s)
    t0 = int(s.t_ms[0])
    dead = [int(tr.t_ms - t0) // MIN_MS for tr in det.transitions if tr.state == "firing" and tr.key == "heater_dead"]
    assert dead == [], dead
