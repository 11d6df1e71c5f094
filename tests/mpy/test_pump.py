import mpytest
import pump
from ticks import ticks_add


def test_auto_mode_runs_the_pump():
    s = pump.PumpState()
    assert pump.step(s, False, 0) == []
    assert s.on


def test_low_sump_stops_the_pump_in_the_same_step_and_says_why():
    s = pump.PumpState()
    pump.step(s, False, 0)
    events = pump.step(s, True, 1000)
    assert not s.on
    assert events == [("interlock", "sump level low")]
    assert pump.step(s, True, 2000) == []  # one event per episode
    events = pump.step(s, False, 3000)
    assert s.on and events == [("interlock_clear", "sump level low")]


def test_held_for_survives_tick_wraparound():
    s = pump.PumpState()
    # the ticks period is port-dependent (2**30 on the ESP32, 2**62 on 64-bit unix):
    # ticks_add(0, -500) is 500 ms before the wrap on any port
    s.changed_at = ticks_add(0, -500)
    assert pump.held_for(s, 500) == 1000


mpytest.run(globals())
