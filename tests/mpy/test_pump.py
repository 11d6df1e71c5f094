import mpytest
import pump
import pumpmode
from ticks import ticks_add

CFG = pump.PumpConfig(flow_min_lpm=1.0, flow_grace_ms=20000, retry_base_ms=60000, retry_max_ms=600000,
                      max_faults_per_hour=3, max_on_ms=0, rest_ms=300000, min_off_ms=10000, feed_max_ms=3600000)
P = 60000  # one control period


def run(s, cfg, steps, level_low=False, flow=8.0, t0=0):
    t = t0
    ev = []
    for _ in range(steps):
        ev += pump.step(s, cfg, level_low, flow if s.on else 0.0, t)
        t += P
    return t, ev


def test_auto_mode_runs_the_pump():
    s = pump.PumpState()
    assert pump.step(s, CFG, False, 0.0, 0) == []
    assert s.on


def test_low_sump_stops_the_pump_in_the_same_step_and_says_why():
    s = pump.PumpState()
    pump.step(s, CFG, False, 0.0, 0)
    events = pump.step(s, CFG, True, 8.0, P)
    assert not s.on
    assert events == [("interlock", "sump level low")]
    assert pump.step(s, CFG, True, 0.0, 2 * P) == []  # one event per episode
    events = pump.step(s, CFG, False, 0.0, 3 * P)
    assert s.on and events == [("interlock_clear", "sump level low")]


def test_unknown_level_is_treated_as_low():
    s = pump.PumpState()
    pump.step(s, CFG, None, 0.0, 0)
    assert not s.on and s.interlock == "sump level unknown"


def test_flow_loss_faults_backs_off_then_locks_out():
    s = pump.PumpState()
    t = 0
    kinds = []
    starts = []
    for i in range(200):
        was_on = s.on
        for k, d in pump.step(s, CFG, False, 0.0, t):  # the pump never moves water
            kinds.append(k)
        if s.on and not was_on:
            starts.append(t)
        t += 10000
    assert kinds.count("fault") == 3 and kinds.count("lockout") == 1
    assert s.lockout and not s.on
    # retries are spaced by a growing backoff: 60 s then 120 s
    gaps = [starts[i + 1] - starts[i] for i in range(len(starts) - 1)]
    assert len(starts) == 3 and gaps[1] > gaps[0] >= 60000


def test_lockout_is_cleared_only_by_command_or_button():
    s = pump.PumpState()
    s.lockout = True
    for mode in ("auto", "maintenance", "off", "auto"):
        pumpmode.set_mode(s, CFG, mode, 0)
        pump.step(s, CFG, False, 8.0, 0)
        assert s.lockout and not s.on
    mpytest.raises(ValueError, pumpmode.clear_lockout, s, "network", 0)
    assert pumpmode.clear_lockout(s, "button", 0) == [("lockout_clear", "cleared by button")]
    pump.step(s, CFG, False, 8.0, P)
    assert s.on


def test_feed_pauses_and_always_ends():
    s = pump.PumpState()
    pump.step(s, CFG, False, 8.0, 0)
    assert pumpmode.set_mode(s, CFG, "feed", P, 10) == [("mode", "feed for 10 min")]
    assert not s.on
    t, ev = run(s, CFG, 9, t0=2 * P)
    assert not s.on and s.mode == "feed"
    t, ev = run(s, CFG, 2, t0=t)
    assert s.mode == "auto" and s.on and ("mode", "feed ended, back to auto") in ev


def test_feed_is_capped_by_feed_max():
    s = pump.PumpState()
    pumpmode.set_mode(s, CFG, "feed", 0, 100000)
    run(s, CFG, 61)
    assert s.mode == "auto"


def test_maintenance_holds_until_released():
    s = pump.PumpState()
    pumpmode.set_mode(s, CFG, "maintenance", 0)
    t, _ = run(s, CFG, 1000)
    assert not s.on
    pumpmode.set_mode(s, CFG, "auto", t)
    run(s, CFG, 1, t0=t)
    assert s.on


def test_max_on_time_rests_the_pump():
    cfg = pump.PumpConfig(max_on_ms=3600000, rest_ms=600000, min_off_ms=0)
    s = pump.PumpState()
    t, ev = run(s, cfg, 61)
    assert ("fault", "maximum on-time reached: resting 600 s") in ev and not s.on
    t, ev = run(s, cfg, 11, t0=t)
    assert s.on


def test_min_off_prevents_short_cycling():
    cfg = pump.PumpConfig(min_off_ms=120000)
    s = pump.PumpState()
    t = 0
    starts = 0
    for i in range(100):
        was = s.on
        pump.step(s, cfg, i % 2 == 1, 8.0, t)  # level flickers every period
        starts += 1 if s.on and not was else 0
        t += P
    assert starts <= 100 * P // 180000 + 1


def test_bad_mode_and_config_are_refused():
    s = pump.PumpState()
    mpytest.raises(ValueError, pumpmode.set_mode, s, CFG, "turbo", 0)
    mpytest.raises(ValueError, pumpmode.set_mode, s, CFG, "feed", 0, 0)
    mpytest.raises(ValueError, pump.PumpConfig, 1.0, 1, 1, 1, 0)


def test_held_for_survives_tick_wraparound():
    s = pump.PumpState()
    # the ticks period is port-dependent (2**30 on the ESP32, 2**62 on 64-bit unix):
    # ticks_add(0, -500) is 500 ms before the wrap on any port
    s.on_since = ticks_add(0, -500)
    s.on = True
    pump.step(s, pump.PumpConfig(max_on_ms=1000, check_flow=False), False, 8.0, 499)
    assert s.on  # on for 999 ms across the wrap
    pump.step(s, pump.PumpConfig(max_on_ms=1000, check_flow=False), False, 8.0, 500)
    assert not s.on  # 1000 ms: the maximum on-time is reached


mpytest.run(globals())
