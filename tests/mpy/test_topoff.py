# The auto top-off's invariants over random sequences (the real MicroPython binary runs
# this): never on without a trusted level, with the float full, locked out or capped; a
# fill never runs past its maximum; the daily volume stays within its cap; an empty
# reservoir locks it out.
import random

import sys

import devconfig
import mpytest
import outlets
import pumpmode
import pumpstate
from ticks import ticks_add, ticks_diff

del sys.modules["devconfig"]


def mm(cm):
    return None if cm is None else round(cm * 10)


class TopOff:
    """The top-off as these tests drive it: levels in cm, its state by name."""

    def __init__(self, fill_below_cm=27.0, fill_to_cm=29.0, max_run_ms=300000, lpm=1.0, daily_cap_ml=5000,
                 rise_ms=120000, min_rise_cm=0.3, float_fitted=False):
        cfg, errors = devconfig.validate({"level_low_cm": 10.0, "topoff": {
            "enabled": True, "fill_below_cm": fill_below_cm, "fill_to_cm": fill_to_cm, "max_run_s": max_run_ms // 1000,
            "lpm": lpm, "daily_cap_l": daily_cap_ml / 1000, "rise_s": rise_ms // 1000, "min_rise_cm": min_rise_cm,
            "float_fitted": float_fitted}})
        assert not errors, errors
        self.c = cfg["topoff"]
        self.s = [False, 0, 0, 0, False, "", False, 0, False, 0]  # as app.Device starts it

    # the state list's fields (outlets.py's _T_ON, _T_LOCKOUT, ...: constants compiled away)
    on = property(lambda self: self.s[0])
    lockout = property(lambda self: self.s[5])
    capped = property(lambda self: self.s[6])
    day_start = property(lambda self: self.s[7])
    used_ml = property(lambda self: self.s[9])

    def step(self, level_cm, float_full, trusted, now):
        return outlets.topoff_step(self.s, self.c, mm(level_cm), float_full, trusted, now)

    def clear_lockout(self):  # as a signed clear_lockout or the button does it, with the pump's
        return pumpmode.clear_lockout(pumpstate.PumpState(), "button", 0, self.s)


P = 10000  # one control period


def scenario(seed):
    random.seed(seed)
    float_fitted = seed % 2 == 0
    t = TopOff(fill_below_cm=27.0, fill_to_cm=29.0, max_run_ms=30 * P, lpm=1.0, daily_cap_ml=20000,
               rise_ms=6 * P, min_rise_cm=0.3, float_fitted=float_fitted)
    now = ticks_add(0, -random.getrandbits(16) * P)
    level = 26.0
    reservoir = random.getrandbits(1) == 0  # False: the reservoir is empty from the start
    day = []  # (ticks, ml) pumped in each period
    run_start = None
    filled = False
    for i in range(600):
        r = random.getrandbits(4)
        reading = None if r == 0 else level + (random.getrandbits(4) - 8) / 100.0
        trusted = r != 1
        fl = None if (r == 2 or not float_fitted) else level >= 29.0 or r == 3
        was_on = t.on
        events = t.step(reading, fl, trusted, now)
        if t.on:
            assert trusted and reading is not None and fl is not True and not t.lockout and not t.capped
            assert not (float_fitted and fl is None)
            if not was_on:
                run_start = now
                filled = False  # has this run moved any water yet?
                assert reading < 27.0
            assert ticks_diff(now, run_start) <= 30 * P, (seed, i)
        for kind, detail in events:
            assert kind in ("topoff_lockout", "topoff_cap"), kind
        if t.on and not filled:
            assert ticks_diff(now, run_start) < 6 * P, (seed, i)  # an empty reservoir is found at rise_ms
        dt = P * (1 + random.getrandbits(1))
        if t.on:
            day.append((now, 1000 * dt // 60000))
            if reservoir:
                level += 0.05 * dt / P
                filled = True
        level -= 0.01 * dt / P  # evaporation
        if random.getrandbits(6) == 0:
            reservoir = not reservoir
            if t.lockout:
                t.clear_lockout()
        now = ticks_add(now, dt)
        # pumped within the device's current day: never more than the cap plus one period
        used = sum(ml for x, ml in day if ticks_diff(x, t.day_start) >= 0)
        assert used <= 20000 + 2 * 1000 * P // 60000, (seed, i, used)


def test_invariants_hold_over_random_sequences():
    for seed in range(80):
        scenario(seed)


def test_fills_from_below_the_mark_to_the_top_and_stops():
    t = TopOff(fill_below_cm=27.0, fill_to_cm=29.0, max_run_ms=600000, rise_ms=60000, min_rise_cm=0.3)
    assert t.step(28.0, None, True, 0) == [] and not t.on
    t.step(26.9, None, True, P)
    assert t.on
    level = 26.9
    for i in range(2, 40):
        level += 0.1
        t.step(level, None, True, i * P)
        if not t.on:
            break
    assert not t.on and level >= 29.0 and not t.lockout


def test_an_empty_reservoir_locks_out_until_cleared():
    t = TopOff(rise_ms=60000, min_rise_cm=0.3)
    t.step(26.0, None, True, 0)
    kinds = []
    for i in range(1, 10):
        kinds += [k for k, _ in t.step(26.05, None, True, i * P)]
    assert not t.on and kinds == ["topoff_lockout"] and "reservoir is empty" in t.lockout
    t.step(26.0, None, True, 20 * P)
    assert not t.on
    assert t.clear_lockout() == [("topoff_clear", "top-off lockout cleared")]
    t.step(26.0, None, True, 21 * P)
    assert t.on


def test_a_fill_that_never_reaches_the_mark_stops_at_the_maximum_run_time():
    t = TopOff(fill_below_cm=27.0, fill_to_cm=29.0, max_run_ms=10 * P, rise_ms=2 * P, min_rise_cm=0.1)
    kinds = []
    for i in range(20):
        kinds += [k for k, _ in t.step(26.0 + i * 0.05, None, True, i * P)]  # rising, too slowly
        if i < 10:
            assert t.on
    assert not t.on and kinds == ["topoff_lockout"] and "did not fill in" in t.lockout


def test_the_daily_cap_pauses_until_the_day_is_over():
    t = TopOff(fill_below_cm=27.0, fill_to_cm=29.0, max_run_ms=3600000, lpm=1.0, daily_cap_ml=2000,
               rise_ms=60000, min_rise_cm=0.0)
    now = 0
    kinds = []
    for i in range(30):
        kinds += [k for k, _ in t.step(26.0 + i / 100.0, None, True, now)]
        now += P
    assert kinds == ["topoff_cap"] and not t.on and 2000 <= t.used_ml <= 2000 + 1000 * P // 60000
    t.step(26.0, None, True, 86400000 + 1)
    assert t.on


def test_never_runs_on_an_untrusted_level_or_a_full_float():
    t = TopOff(float_fitted=True)
    for args in ((26.0, False, False), (None, False, True), (26.0, True, True), (26.0, None, True)):
        t.step(args[0], args[1], args[2], 0)
        assert not t.on, args
    t.step(26.0, False, True, 0)
    assert t.on
    t.step(26.1, True, True, P)  # the float reaches the mark first: stop
    assert not t.on


mpytest.run(globals())
