"""Round 15: a return pump's feed mode is the keeper's routine, not a stopped pump (``pump_stopped``).

A DC return pump's controller has a feed mode: at each feeding it stops the pump for minutes with the
relay still on, and the pump comes back by itself.  Found on round 14's Tanganyika tank over a sump (written
blind): 0.75 false alerts a day, nearly all critical ``pump_stopped`` at the morning and evening feedings.
A stop at an hour such pauses began on two earlier days, no longer than the longest of them, is held; a
stop that outlasts them, or comes at another hour, is told as before.
"""

from __future__ import annotations

import numpy as np
from test_pump_left_off import _learned
from test_slow_faults import DAY, START_MS, _fired, _tank

from analytics.pump_watch import FlowPauses

MIN_MS = 60_000
FEED = 8 * 60 + 30


def _feed_mode(days: float, pause: int = 10) -> dict[str, np.ndarray]:
    """A tank whose return pump stops ``pause`` minutes at the 8:30 feeding every day, the relay on."""
    v = _tank(days, seed=11)
    for day in range(int(days) + 1):
        v["flow_lpm"][day * DAY + FEED:day * DAY + FEED + pause] = 0.0
    return v



def test_the_feed_mode_pause_at_its_usual_hour_is_not_a_stopped_pump() -> None:
    v = _feed_mode(3.6)
    mon = _learned(v, 3 * DAY + 7 * 60)
    assert len(mon.pump_off.pauses.pauses) == 3
    assert _fired(v, 3 * DAY + 7 * 60, 3 * DAY + 10 * 60, "pump_stopped", mon) == []


def test_a_pump_that_does_not_restart_after_the_feed_pause_is_told_once_the_pause_is_over() -> None:
    v = _feed_mode(3.6)
    v["flow_lpm"][3 * DAY + FEED:] = 0.0  # the driver in an error: it never restarts
    mon = _learned(v, 3 * DAY + 7 * 60)
    told = _fired(v, 3 * DAY + 7 * 60, 3 * DAY + 10 * 60, "pump_stopped", mon)
    assert len(told) == 1, told
    stopped_for = (told[0].t_ms - START_MS) // MIN_MS - (3 * DAY + FEED)
    assert 10 < stopped_for <= 12, stopped_for


def test_a_stop_at_another_hour_is_told_at_once() -> None:
    v = _feed_mode(3.8)
    v["flow_lpm"][3 * DAY + 15 * 60:3 * DAY + 15 * 60 + 10] = 0.0  # the same 10 minutes, at 15:00
    mon = _learned(v, 3 * DAY + 14 * 60)
    told = _fired(v, 3 * DAY + 14 * 60, 3 * DAY + 16 * 60, "pump_stopped", mon)
    assert [(tr.t_ms - START_MS) // MIN_MS - (3 * DAY + 15 * 60) for tr in told] == [2], told


def test_one_days_pause_is_no_habit_and_long_stops_are_never_learned() -> None:
    p, day = FlowPauses(), DAY * MIN_MS
    for k in range(500, 600):  # day 0: a 10-minute pause
        p.see(k * MIN_MS, 1.0, 0.0 if 510 <= k < 520 else 20.0, 0.5)
    for k in range(500, 600):  # day 1: a 40-minute stop the keeper cleared
        p.see(day + k * MIN_MS, 1.0, 0.0 if 510 <= k < 550 else 20.0, 0.5)
    assert [round(m) for _, m in p.pauses] == [10]
    for k in range(500, 515):
        p.see(2 * day + k * MIN_MS, 1.0, 0.0 if k >= 510 else 20.0, 0.5)
    assert not p.routine(2 * day + 514 * MIN_MS)


def _pause(p: FlowPauses, d: int, at: int, minutes: int, until: int) -> None:
    """Day ``d``'s readings from five minutes before ``at`` to ``until``: no flow for ``minutes`` from ``at``,
    the pump switched on."""
    for k in range(at - 5, until):
        p.see((d * DAY + k) * MIN_MS, 1.0, 0.0 if at <= k < at + minutes else 20.0, 0.5)


def _blinks(days: float, at: tuple[int, ...]) -> dict[str, np.ndarray]:
    """A tank whose mains blink for 2 minutes at the given minutes (the controller on its UPS: relay on)."""
    v = _tank(days, seed=12)
    for minute in at:
        v["flow_lpm"][minute:minute + 2] = 0.0
    return v


def test_a_blink_of_the_mains_as_on_two_earlier_days_is_waited_out_at_any_hour() -> None:
    earlier = (int(0.3 * DAY), int(1.7 * DAY))
    v = _blinks(3.8, earlier + (3 * DAY + 15 * 60,))
    mon = _learned(v, 3 * DAY + 14 * 60)
    assert mon.pump_off.pauses.blink_minutes(START_MS + 3 * DAY * MIN_MS) == 0.0  # (flowing)
    assert _fired(v, 3 * DAY + 14 * 60, 3 * DAY + 16 * 60, "pump_stopped", mon) == []
    v = _blinks(3.8, earlier)
    v["flow_lpm"][3 * DAY + 15 * 60:] = 0.0  # and a pump that stops for good is told once it outlasts them
    mon = _learned(v, 3 * DAY + 14 * 60)
    told = _fired(v, 3 * DAY + 14 * 60, 3 * DAY + 16 * 60, "pump_stopped", mon)
    assert [(tr.t_ms - START_MS) // MIN_MS - (3 * DAY + 15 * 60) for tr in told] == [4], told


def test_blinks_on_one_day_alone_are_no_habit() -> None:
    v = _blinks(3.8, (int(1.3 * DAY), int(1.5 * DAY), 3 * DAY + 15 * 60))
    mon = _learned(v, 3 * DAY + 14 * 60)
    told = _fired(v, 3 * DAY + 14 * 60, 3 * DAY + 16 * 60, "pump_stopped", mon)
    assert [(tr.t_ms - START_MS) // MIN_MS - (3 * DAY + 15 * 60) for tr in told] == [2], told


def test_a_weekly_pause_seen_on_the_two_weeks_before_is_the_routine_though_two_weeks_ago_began_earlier() -> None:
    """Round 19 (the zebrafish rack's Tuesday pad swap, 8 minutes at 10:30 +- 10): the pause two weeks ago at
    10:28 is still one of the two weeks the memory keeps when today's begins at 10:35."""
    p, day = FlowPauses(), DAY * MIN_MS
    _pause(p, 0, 10 * 60 + 28, 8, 10 * 60 + 50)
    _pause(p, 7, 10 * 60 + 40, 8, 11 * 60)
    _pause(p, 14, 10 * 60 + 35, 8, 10 * 60 + 38)
    assert p.routine(14 * day + (10 * 60 + 37) * MIN_MS)
    _pause(p, 14, 10 * 60 + 38, 8, 10 * 60 + 46)  # (the same stop, past the longest of them: a stopped pump)
    assert not p.routine(14 * day + (10 * 60 + 45) * MIN_MS)


def test_a_weekly_pause_is_held_on_its_own_weekday_only_and_a_daily_one_on_most_days() -> None:
    """Round 28 (the hatchling tub, round 19's blind stranger): the canister unplugged for the Saturday change at
    11:00 on two Saturdays held a Tuesday's stop at 10:20 -- its intake pulled up, no flow -- for the Saturdays'
    25 minutes, as if it were a daily feed mode's.  A habit of most days is held on any day; a weekly one on
    its weekday."""
    day = DAY * MIN_MS
    saturdays = FlowPauses()
    for d in (2, 9):
        _pause(saturdays, d, 11 * 60, 25, 11 * 60 + 40)
    tuesday = FlowPauses(pauses=[p[:] for p in saturdays.pauses])
    _pause(tuesday, 12, 10 * 60 + 20, 60, 10 * 60 + 23)
    assert not tuesday.routine(12 * day + (10 * 60 + 22) * MIN_MS)
    _pause(saturdays, 16, 11 * 60 + 10, 60, 11 * 60 + 13)  # the third Saturday: its weekday
    assert saturdays.routine(16 * day + (11 * 60 + 12) * MIN_MS)
    every_other_day = FlowPauses()
    for d in (0, 2, 4, 6):  # a turtle fed every other day, the pump paused for it
        _pause(every_other_day, d, 8 * 60, 10, 8 * 60 + 20)
    _pause(every_other_day, 7, 8 * 60 + 5, 60, 8 * 60 + 8)
    assert every_other_day.routine(7 * day + (8 * 60 + 7) * MIN_MS)
