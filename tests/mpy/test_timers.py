# Timer outlets: schedules across midnight, no light before the clock is known, and a
# keeper's override that always ends (the real MicroPython binary runs this).
import sys

import devconfig
import mpytest
import outlets
from ticks import ticks_add

del sys.modules["devconfig"]


class Dev:
    def __init__(self, sched, st):
        self.outlets = [None, None, (sched, st, 0)]
        self.events = []

    def event(self, kind, detail):
        self.events.append((kind, detail))


def override(sched, st, args, now):
    dev = Dev(sched, st)
    done = outlets.command(dev, "outlet", args, now)
    assert dev.events == [("outlet", done)]
    return done


def minutes(text):
    return devconfig.minutes(text)

DAY = 86400000
MIDNIGHT = 1700006400000  # 2023-11-15 00:00 UTC


def test_a_schedule_switches_at_its_minutes_in_local_time():
    sched = (("light", minutes("08:00"), minutes("20:00")),)
    st = [[False, False, 0, False]]
    seen = []
    for m in range(0, 1440, 30):
        outlets.timers_step(sched, st, MIDNIGHT + m * 60000, True, 60, 0)  # UTC+1
        seen.append(st[0][0])
    assert seen.index(True) == 14 and seen.index(False, 14) == 38  # 07:00 and 19:00 UTC


def test_an_on_period_may_cross_midnight():
    sched = (("lamp", 22 * 60, 6 * 60),)
    for hour, on in ((23, True), (1, True), (12, False), (6, False), (22, True)):
        st = [[not on, False, 0, False]]
        outlets.timers_step(sched, st, MIDNIGHT + hour * 3600000, True, 0, 0)
        assert st[0][0] is on, hour


def test_outlets_stay_off_until_the_clock_is_known_and_run_on_after():
    sched = (("uvb", 0, 1439),)
    st = [[False, False, 0, False]]
    assert not outlets.timers_step(sched, st, 5000, False, 0, 0) and not st[0][0]
    assert outlets.timers_step(sched, st, MIDNIGHT + 60000, True, 0, 1) and st[0][0]


def test_an_override_ends_and_the_schedule_takes_over():
    sched = (("light", 8 * 60, 20 * 60),)
    st = [[False, False, 0, False]]
    now = ticks_add(0, -60000)  # across the ticks wrap
    noon = MIDNIGHT + 12 * 3600000
    outlets.timers_step(sched, st, noon, True, 0, now)
    assert st[0][0]
    assert override(sched, st, {"name": "light", "on": False, "minutes": 30}, now) == \
        "light off for 30 min, then back to its schedule"
    outlets.timers_step(sched, st, noon + 60000, True, 0, ticks_add(now, 60000))
    assert not st[0][0]
    outlets.timers_step(sched, st, noon + 1800000, True, 0, ticks_add(now, 1800000))
    assert st[0][0]


def test_bad_overrides_and_times_are_refused():
    sched = (("light", 0, 60),)
    st = [[False, False, 0, False]]
    for args in ({"name": "lamp", "on": True, "minutes": 5}, {"name": "light", "on": 1, "minutes": 5},
                 {"name": "light", "on": True, "minutes": 0}):
        mpytest.raises(ValueError, override, sched, st, args, 0)
    for text in ("24:00", "8", "aa:bb", "07:60"):
        mpytest.raises(ValueError, minutes, text)


mpytest.run(globals())
