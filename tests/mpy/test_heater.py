# The heater guard's invariants over random state x input sequences (the real
# MicroPython binary runs this): never on at or above the cut-off, never on without a
# trusted reading, min off-time between runs, max on-time in thermostat mode.
import random

import sys

import devconfig
import mpytest
import outlets
from ticks import ticks_add, ticks_diff

del sys.modules["devconfig"]  # (as the device: loaded at boot only)


def c100(t):
    return None if t is None else round(t * 100)


def heater_config(set_c=0.0, hyst_c=0.3, cutoff_c=29.0, rearm_c=1.0, max_on_ms=0, min_off_ms=60000, stuck_n=30,
                  disagree_c=1.0):
    """The guard's configuration tuple as the device gets it: through devconfig (errors raise)."""
    cfg, errors = devconfig.validate({"heater": {
        "enabled": True, "set_c": set_c, "hyst_c": hyst_c, "cutoff_c": cutoff_c, "rearm_c": rearm_c,
        "max_on_s": max_on_ms // 1000, "min_off_s": min_off_ms // 1000, "stuck_n": stuck_n, "disagree_c": disagree_c}})
    if errors:
        raise ValueError(errors)
    return cfg["heater"]


class HeaterGuard:
    """The guard as these tests drive it: degrees C in, its settings and state by name."""

    def __init__(self, *args, **kw):
        self.c = heater_config(*args, **kw)
        self.s = [False, 0, False, 0, False, 0, None, 0]  # as app.Device starts it
        self.set_c, self.cutoff_c, self.disagree_c = self.c[0] / 100, self.c[2] / 100, self.c[7] / 100
        self.max_on_ms, self.min_off_ms, self.stuck_n = self.c[4], self.c[5], self.c[6]

    @property
    def on(self):
        return self.s[0]

    def step(self, t, t2, now):
        return outlets.heater_step(self.s, self.c, c100(t), c100(t2), now)


P = 60000  # one control period
CAUSES = ("probe_missing", "probe_stuck", "probes_disagree", "max_on")  # aquamon/contract.py EVENT_CAUSES


def oracle_trusted(history, t, t2, g):
    """Independent of the guard's code: may the heater be on with these inputs?"""
    if t is None:
        return False
    t, t2, cutoff = c100(t), c100(t2), c100(g.cutoff_c)  # the guard's resolution: 0.01 C
    if t >= cutoff or (t2 is not None and t2 >= cutoff):
        return False
    if t2 is not None and abs(t - t2) > c100(g.disagree_c):
        return False
    run = 0
    for x in reversed(history):
        if c100(x) != t:
            break
        run += 1
    return not (g.stuck_n and run >= g.stuck_n)


def scenario(seed, set_c):
    random.seed(seed)
    g = HeaterGuard(set_c=set_c, hyst_c=0.3, cutoff_c=28.0, rearm_c=1.0, max_on_ms=20 * P if set_c else 0,
                    min_off_ms=3 * P, stuck_n=5, disagree_c=1.0)
    # the start time near the ticks wrap on any port: ticks_add(0, -n) is n ms before it
    now = ticks_add(0, -random.getrandbits(20) * P)
    temp = 24.0 + random.getrandbits(8) / 50.0
    history = []
    streak = 0  # readings left in a stuck streak
    last_stop = None
    on_since = None
    for i in range(400):
        r = random.getrandbits(5)
        if r == 1:
            streak = random.getrandbits(3) + 1  # a stuck run of 2-9 identical readings
        if r == 0:
            t = None  # the probe drops out
        elif streak and history and history[-1] is not None:
            t = history[-1]  # the same value again
            streak -= 1
        elif r == 4:
            t = 27.5 + random.getrandbits(6) / 20.0  # around and over the cut-off
        else:
            temp += (random.getrandbits(6) - 32) / 100.0 + (0.05 if g.on else -0.02)
            temp = min(max(temp, 15.0), 35.0)
            t = temp
        t2 = None
        r2 = random.getrandbits(3)
        if r2 == 1 and t is not None:
            t2 = t + (random.getrandbits(6) - 32) / 10.0  # maybe disagreeing by up to 3.2 C
        elif r2 == 2:
            t2 = 28.0 + random.getrandbits(4) / 10.0  # only the second probe is hot
        was_on = g.on
        events = g.step(t, t2, now)
        history.append(t)
        if g.on:
            assert oracle_trusted(history[:-1], t, t2, g), (seed, i, t, t2, history[-8:])
            if not was_on:
                assert last_stop is None or ticks_diff(now, last_stop) >= g.min_off_ms, (seed, i)
                on_since = now
            if g.max_on_ms:
                assert ticks_diff(now, on_since) < g.max_on_ms, (seed, i)
        elif was_on:
            last_stop = now
        for e in events:
            kind, detail = e[0], e[1]
            assert kind in ("heater_cutoff", "heater_fallback", "heater_resume"), kind
            assert detail and "\n" not in detail
            # a fallback says which of its causes (probe or heater); no other event has one
            assert len(e) == 3 if kind == "heater_fallback" else len(e) == 2, e
            if kind == "heater_fallback":
                assert e[2] in CAUSES, e
        if g.set_c and g.on:
            assert t < g.set_c  # the thermostat never heats at or above its set point
        now = ticks_add(now, P * (1 + random.getrandbits(1)))


def test_invariants_hold_in_thermostat_mode_over_random_sequences():
    for seed in range(60):
        scenario(seed, 25.0)


def test_invariants_hold_in_guard_mode_over_random_sequences():
    for seed in range(60, 120):
        scenario(seed, 0.0)


def test_cutoff_switches_off_in_the_same_step_and_rearms_below_the_band():
    g = HeaterGuard(set_c=0.0, cutoff_c=28.0, rearm_c=1.0, min_off_ms=0, stuck_n=0)
    assert g.step(25.0, None, 0) == [] and g.on
    ev = g.step(28.3, None, P)
    assert not g.on and ev == [("heater_cutoff", "heater switched off at 28.3 C (cut-off 28.0 C)")]
    assert g.step(27.5, None, 2 * P) == [] and not g.on  # inside the re-arm band: still off
    ev = g.step(26.9, None, 3 * P)
    assert g.on and [e[0] for e in ev] == ["heater_resume"]


def test_a_stuck_probe_falls_back_off_once_and_a_live_one_resumes():
    g = HeaterGuard(set_c=25.0, stuck_n=3, min_off_ms=0)
    kinds = []
    for i in range(3):
        kinds += [e[0] for e in g.step(24.0, None, i * P)]
    assert g.on and kinds == []  # the same value 3 times: still trusted
    ev = g.step(24.0, None, 3 * P)  # a 4th time (3 repeats): stuck
    assert not g.on and [e[0] for e in ev] == ["heater_fallback"] and "stuck at 24.00" in ev[0][1]
    assert ev[0][2] == "probe_stuck"
    g.step(24.0, None, 4 * P)
    g.step(24.0, None, 5 * P)
    assert not g.on
    ev = g.step(24.06, None, 6 * P)
    assert g.on and [e[0] for e in ev] == ["heater_resume"]


def test_a_missing_probe_or_a_disagreeing_second_one_is_not_trusted():
    g = HeaterGuard(set_c=25.0, min_off_ms=0)
    g.step(24.0, 24.2, 0)
    assert g.on
    ev = g.step(24.0, 25.5, P)
    assert not g.on and ev[0][0] == "heater_fallback" and "disagree" in ev[0][1]
    assert ev[0][2] == "probes_disagree"
    g.step(24.1, 24.0, 2 * P)
    assert g.on
    ev = g.step(None, 24.0, 3 * P)
    assert not g.on and "missing" in ev[0][1] and ev[0][2] == "probe_missing"


def test_thermostat_hysteresis_and_max_on_time():
    g = HeaterGuard(set_c=25.0, hyst_c=0.5, max_on_ms=10 * P, min_off_ms=2 * P, stuck_n=0)
    g.step(24.4, None, 0)
    assert g.on
    g.step(24.8, None, P)
    assert g.on  # still below the set point
    g.step(25.0, None, 2 * P)
    assert not g.on
    g.step(24.7, None, 5 * P)
    assert not g.on  # inside the hysteresis band
    g.step(24.4, None, 6 * P)
    assert g.on
    kinds = []
    for i in range(7, 16):
        kinds += [e[0] for e in g.step(24.0 + i / 1000.0, None, i * P)]
    assert g.on and kinds == []
    ev = g.step(24.1, None, 16 * P)  # on since 6 P: 10 periods without reaching 25 C
    assert not g.on and [e[0] for e in ev] == ["heater_fallback"] and "10 min" in ev[0][1]
    assert ev[0][2] == "max_on"
    # the next step ends the fallback (it is a rest, not a distrust: no alert held until a probe fault
    # clears), while the relay keeps its min_off rest
    ev = g.step(24.1, None, 17 * P)
    assert [e[0] for e in ev] == ["heater_resume"] and not g.on
    g.step(24.1, None, 18 * P)
    assert g.on


def test_bad_settings_are_refused():
    mpytest.raises(ValueError, heater_config, 30.0, 0.3, 29.0)  # set point above the cut-off
    mpytest.raises(ValueError, heater_config, 25.0, -1.0)
    mpytest.raises(ValueError, heater_config, 25.0, 0.3, 45.0)


mpytest.run(globals())
