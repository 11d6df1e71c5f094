# The device loop with a scripted board (no broker: port 1 refuses at once).
import json
import os

import app
import mpytest

DIR = "/tmp/aquamon-mpy-app-%d" % (os.getpid() if hasattr(os, "getpid") else 0)


def fresh():
    mpytest.fresh_dir(DIR)


class Board:
    fw = "test"

    def __init__(self, levels, fail_at=-1):
        self.t = 0
        self.levels = levels
        self.fail_at = fail_at
        self.reads = 0
        self.pump_calls = []

    def ticks_ms(self):
        return self.t

    def epoch_ms(self):
        return 1700000000000 + self.t

    def time_synced(self):
        return True

    def uptime_ms(self):
        return self.t

    def sleep_ms(self, ms):
        self.t += ms

    def read_sensors(self):
        i = self.reads
        self.reads += 1
        if i == self.fail_at:
            raise RuntimeError("a driver bug")
        level = self.levels[min(i, len(self.levels) - 1)]
        return {"temp_c": 25.0, "level_cm": level, "flow_lpm": 8.0}, []

    def set_pump(self, on):
        self.pump_calls.append(on)

    def rssi(self):
        return -50

    def mem_free(self):
        return 0

    def feed_watchdog(self):
        pass

    def network_up(self):
        return True

    def button_pressed(self):
        return False

    def calibrate(self, args):
        raise ValueError("no probe")


def cfg(cycles):
    return {"tank": "t", "device": "d", "state_dir": DIR, "max_cycles": cycles, "drain_timeout_s": 0,
            "mqtt": {"port": 1}, "pump": {"min_off_s": 0}}


def test_pump_is_off_after_an_unhandled_exception():
    fresh()
    b = Board([30.0], fail_at=3)
    try:
        app.Device(cfg(10), b).run()
    except RuntimeError:
        pass
    else:
        raise AssertionError("the exception was swallowed")
    assert b.pump_calls[:3] == [True, True, True] and b.pump_calls[-1] is False


def test_low_sump_switches_the_pump_off_in_the_same_cycle():
    fresh()
    b = Board([30.0, 30.0, 5.0, 5.0, 30.0])
    app.Device(cfg(5), b).run()
    assert b.pump_calls == [True, True, False, False, True, False]  # last: the finally


def test_offline_readings_are_spooled_and_seq_survives_a_reboot():
    fresh()
    r1 = app.Device(cfg(4), Board([30.0])).run()
    assert r1["seq"] == 4 and r1["backlog"] == 4 and r1["published"] == 0
    d = app.Device(cfg(3), Board([5.0]))
    r2 = d.run()
    assert r2["seq"] == 7 and r2["backlog"] == 7 + 1  # + the interlock event
    assert d.boots.value == 2
    topics = []
    while True:
        rec = d.spool.peek()
        if rec is None:
            break
        topics.append((rec[0], json.loads(rec[1])["seq"]))
        d.spool.pop()
    assert [s for k, s in topics if k == "t"] == list(range(1, 8))
    assert ("e", 1) in topics


mpytest.run(globals())
