"""Round 14: hospital_tank_month's evening changes (a quarter drained with a jug-sized siphon at 20:30 every
evening through an ich treatment) paged "level falling" on days 5, 6 and 7: against one learned change (the
half change at noon after the salt overdose, drained twice as fast) and as "soon after the last change" (the
habit had learned every other evening's only).  One change is no spread of rates; a drain at the keeper's usual
hour a day after the last is the daily round (analytics/water_change.py)."""

from __future__ import annotations

from analytics.water_change import DrainUnderWay, PastDrain, at_usual_hour, too_soon, unlike_habit

MIN_MS = 60_000
HOUR_MS = 3_600_000
DAY_MS = 86_400_000
NOON_D4 = 4 * DAY_MS + 12 * HOUR_MS
EVENING = 20 * HOUR_MS + 30 * MIN_MS


def _evening(day: int, depth: float = 8.3) -> DrainUnderWay:
    """The quarter drained over six minutes from 20:30 on ``day`` (mark 33 cm)."""
    start = day * DAY_MS + EVENING
    return DrainUnderWay(start, 33.0, 0.4, 33.0 - depth, fell_until_ms=start + 6 * MIN_MS)


def test_one_learned_change_is_no_rate_habit() -> None:
    past = [PastDrain(NOON_D4, 16.5, 160.0, 6.0, 15.0)]
    d5 = _evening(5)
    assert unlike_habit(past, d5, d5.start_ms + 8 * MIN_MS, NOON_D4 + 15 * MIN_MS) == ""
    # two changes learned at one rate: a drain half as fast is another hose
    two = [PastDrain(NOON_D4 - 2 * DAY_MS, 16.0, 165.0, 6.0, 15.0), *past]
    assert "cm/h" in unlike_habit(two, d5, d5.start_ms + 8 * MIN_MS, NOON_D4 + 15 * MIN_MS)
    # and a drain deeper than the one change learned is still told
    assert "deeper" in unlike_habit(past, _evening(5, 25.0), d5.start_ms + 8 * MIN_MS, NOON_D4 + 15 * MIN_MS)


def test_a_drain_at_the_keepers_usual_hour_a_day_on_is_not_too_soon() -> None:
    d6 = 6 * DAY_MS + EVENING
    past = [PastDrain(NOON_D4, 16.5, 160.0, 6.0, 15.0), PastDrain(d6, 8.3, 78.0, 6.0, 15.0)]
    d7 = _evening(7)
    assert at_usual_hour(past, d7.start_ms)
    assert not too_soon(past, d7.start_ms, d6 + 15 * MIN_MS)
    assert unlike_habit(past, d7, d7.start_ms + 8 * MIN_MS, d6 + 15 * MIN_MS) == ""
    # a siphon left running after the evening's change is still soon: it is minutes after the refill
    left = _evening(6)
    left.start_ms += 40 * MIN_MS
    assert too_soon(past[:1] + [PastDrain(d6 - DAY_MS, 8.3, 78.0, 6.0, 15.0)], left.start_ms, d6 + 15 * MIN_MS)
    # and a drain at another hour, 20 hours after the evening's change, is soon for a keeper changing every
    # other day and a half
    assert too_soon(past, d6 + 20 * HOUR_MS, d6 + 15 * MIN_MS)
