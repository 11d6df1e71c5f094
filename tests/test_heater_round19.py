"""Round 19: a heater's trend told by its persistence (:mod:`analytics.heater_trend`).

The trend test asked the water's 15-minute departure from usual to be beyond the tank's own healthy tail *and*
the water three of its spreads from usual: a tub that was cool when the heat came on (a morning) had to climb
back to usual and three spreads past it, however steeply (the patio tub's heatwave, told at +69 min).  Two
successive quarters beyond the calibrated tail, the water already above usual, tell it within half an hour.
"""

from __future__ import annotations

import math

import numpy as np

from analytics.heater_trend import before_window, persistent_trend

MIN_MS = 60_000
DAY_MIN = 1440


def test_two_quarters_beyond_the_tail_above_usual_persist() -> None:
    assert persistent_trend(0.9, 0.8, 0.9, 0.85, 0.5, 0.47)


def test_one_quarter_alone_or_a_water_coming_back_does_not() -> None:
    assert not persistent_trend(0.9, 0.3, 0.9, 0.35, 0.5, 0.47)   # the quarter before within the tail
    assert not persistent_trend(0.9, 0.8, 0.9, 0.85, -0.3, 0.47)  # below usual, climbing back to it
    assert not persistent_trend(0.9, 0.8, 0.2, 0.85, 0.5, 0.47)   # the usual turning, the water still
    assert not persistent_trend(0.9, 0.8, 0.9, 0.85, 0.5, 0.0)    # nothing learned
    assert not persistent_trend(0.9, math.nan, 0.9, 0.85, 0.5, 0.47)


def test_a_fall_is_not_read_as_persistence() -> None:
    """A storm's cold rain falls away from usual for hours on a healthy tub: the level test tells falls."""
    assert not persistent_trend(-0.9, -0.8, -0.9, -0.85, -0.5, 0.47)


def test_before_window_is_the_history_as_it_was_then() -> None:
    t = np.arange(30) * float(MIN_MS)
    tb, fb = before_window(t, {"temp_c": np.arange(30.0), "pump": None}, 15 * MIN_MS)  # type: ignore[dict-item]
    assert len(tb) == 15 and float(fb["temp_c"][-1]) == 14.0 and fb["pump"] is None


def test_a_tub_warming_from_a_cool_morning_is_told_within_half_an_hour() -> None:
    """The patio tub's heatwave (+1.2 °C/h from 09:00, the water below its usual that morning): told at +69 min
    before (the water had to climb three spreads past usual); the rest of its days stay quiet."""
    import dataclasses

    from benchmarks.bench_detection import measure_month
    from benchmarks.keeper_month_unseen import patio_tub_month

    start = 12 * DAY_MIN + 9 * 60
    s = patio_tub_month(faults=({"kind": "heater_stuck", "start": start, "end": start + 8 * 60, "rate": 1.2},))
    n = 13 * DAY_MIN  # (the month's first 13 days: its own draws, the storm after)
    s = dataclasses.replace(s, t_ms=s.t_ms[:n], values={k: v[:n] for k, v in s.values.items()}, labels=s.labels[:n])
    _, det, _ = measure_month(s)
    t0 = int(s.t_ms[0])
    onsets = [(int(tr.t_ms - t0) // MIN_MS - start, tr.key) for tr in det.transitions
              if tr.state == "firing" and tr.key in ("heater_stuck", "heater_dead")]
    told = [m for m, k in onsets if k == "heater_stuck" and 0 <= m <= 8 * 60]
    assert told and told[0] <= 35, onsets
    assert not [m for m, _ in onsets if not 0 <= m <= 9 * 60], onsets
