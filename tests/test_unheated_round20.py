"""Round 20: an unheated tank's daily automatic water change is not a dead heater (:mod:`analytics.unheated`).

The Leeds garage's goldfish tub (cold-water profile) has a tap timer that runs 48 l of 6 °C water in through an
overflow at 07:00 every day: the level never moves and the TDS steps by 3 %, so no water change is recognised,
and the water's -3.3 °C/h quarter-hour paged ``heater_dead`` on 15 of 28 mornings.  Judged against the tub's
own course at this hour it is its routine.
"""

from __future__ import annotations

from typing import Any

import pytest

from analytics.unheated import beyond_own_course

MIN_MS = 60_000
DAY_MIN = 1440
#: the fault and the heater alerts' onsets (minutes from the month's start, key, summary)
Week = tuple[Any, list[tuple[int, str, str]]]
#: the stuck timer's day and minutes (the month's own fault, on its sixth day)
STUCK = {"kind": "tap_timer_stuck_open", "start": 5 * DAY_MIN + 7 * 60 + 12, "end": 5 * DAY_MIN + 17 * 60 + 35}


def test_a_fast_fall_the_course_takes_at_this_hour_is_not_beyond_it() -> None:
    assert not beyond_own_course(-3.4, -0.5, 3.0)
    assert beyond_own_course(-3.4, -3.1, 3.0)
    assert beyond_own_course(-3.4, float("nan"), 3.0)  # no course learned: the rate alone
    assert not beyond_own_course(-2.0, -3.1, 3.0)  # the water itself must be falling that fast


@pytest.fixture(scope="module")
def garage_week() -> Week:
    """The garage tub's first seven days with its stuck timer on day 5: the fault and the heater onsets (minutes
    from the month's start, key, summary)."""
    from benchmarks.bench_detection import measure_month
    from benchmarks.keeper_month_strangers20_garage import garage_goldfish_tub_month

    s = garage_goldfish_tub_month(days=7, faults=(dict(STUCK),))
    _, det, _ = measure_month(s)
    t0 = int(s.t_ms[0])
    onsets = [(int(tr.t_ms - t0) // MIN_MS, tr.key, tr.summary) for tr in det.transitions
              if tr.state == "firing" and tr.key in ("heater_dead", "heater_stuck")]
    fault = next(f for f in s.faults if isinstance(f, dict) and f.get("kind") == STUCK["kind"])
    return fault, onsets


def test_the_tap_timers_mornings_do_not_page(garage_week: Week) -> None:
    """Before: heater_dead at 07:08-07:10 on days 2, 3 and 6 of these seven."""
    fault, onsets = garage_week
    outside = [(m // DAY_MIN, m % DAY_MIN, k) for m, k, _ in onsets if not fault["start"] <= m < fault["end"]]
    assert not outside, outside

