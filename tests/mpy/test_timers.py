# Timer outlets: schedules across midnight, no light before the clock is known, and a
# keeper's override that always ends (the real MicroPython binary runs this).
import mpytest
import timers
from ticks import ticks_add

DAY = 86400000
MIDNIGHT = 1700006400000  # 2023-11-15 00:00 UTC


def test_a_schedule_switches_at_its_minutes_in_local_time():
    sched = (("light", timers.minutes("08:00"), timers.minutes("20:00")),)
    st = [[False, False, 0, False]]
    seen = []
    for m in range(0, 1440, 30):
        timers.step(sched, st, MIDNIGHT + m * 60000, True, 60, 0)  # UTC+1
        seen.append(st[0][0])
    assert seen.index(True) == 14 and seen.index(False, 14) == 38  # 07:00 and 19:00 UTC


def test_an_on_period_may_cross_midnight():
    assert timers.scheduled(22 * 60, 6 * 60, 23 * 60) and timers.scheduled(22 * 60, 6 * 60, 60)
    assert not timers.scheduled(22 * 60, 6 * 60, 12 * 60)


def test_outlets_stay_off_until_the_clock_is_known_and_run_on_after():
    sched = (("uvb", 0, 1439),)
    st = [[False, False, 0, False]]
    assert timers.step(sched, st, 5000, False, 0, 0) == [] and not st[0][0]
    assert timers.step(sched, st, MIDNIGHT + 60000, True, 0, 1) == ["uvb"] and st[0][0]


def test_an_override_ends_and_the_schedule_takes_over():
    sched = (("light", 8 * 60, 20 * 60),)
    st = [[False, False, 0, False]]
    now = ticks_add(0, -60000)  # across the ticks wrap
    noon = MIDNIGHT + 12 * 3600000
    timers.step(sched, st, noon, True, 0, now)
    assert st[0][0]
    assert timers.override(sched, st, {"name": "light", "on": False, "minutes": 30}, now) == \
        "light off for 30 min, then back to its schedule"
    timers.step(sched, st, noon + 60000, True, 0, ticks_add(now, 60000))
    assert not st[0][0]
    timers.step(sched, st, noon + 1800000, True, 0, ticks_add(now, 1800000))
    assert st[0][0]


def test_bad_overrides_and_times_are_refused():
    sched = (("light", 0, 60),)
    st = [[False, False, 0, False]]
    for args in ({"name": "lamp", "on": True, "minutes": 5}, {"name": "light", "on": 1, "minutes": 5},
                 {"name": "light", "on": True, "minutes": 0}):
        mpytest.raises(ValueError, timers.override, sched, st, args, 0)
    for text in ("24:00", "8", "aa:bb", "07:60"):
        mpytest.raises(ValueError, timers.minutes, text)


mpytest.run(globals())
