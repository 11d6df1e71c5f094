# The ESP32 board layer on the unix port, over stand-ins for machine, network and onewire
# (tests/mpy/esp32fake): its uptime survives the ticks wrap (the real MicroPython binary runs this).
import os
import sys

sys.path.insert(0, __file__.rsplit("/", 1)[0] + "/esp32fake")
import board_esp32  # noqa: E402
import mpytest  # noqa: E402

DIR = "/tmp/aquamon-mpy-board-%d" % (os.getpid() if hasattr(os, "getpid") else 0)
PERIOD = 1 << 30  # the ESP32's ticks_ms period (the unix port's is longer)


class Ticks:
    """The ESP32's wrapping millisecond ticks, with its ticks_diff."""

    def __init__(self, t):
        self.t = t

    def ms(self):
        return self.t % PERIOD

    @staticmethod
    def diff(a, b):
        return (a - b + PERIOD // 2) % PERIOD - PERIOD // 2


def test_uptime_counts_on_across_the_ticks_wrap():
    mpytest.fresh_dir(DIR)
    ticks = Ticks(0)
    board_esp32.ticks_ms, board_esp32.ticks_diff = ticks.ms, ticks.diff
    try:
        b = board_esp32.Esp32Board({"state_dir": DIR})
        b.probes.read_all = lambda now, elapsed: ({}, [])
        step = 60000
        for i in range(1, 3 * PERIOD // step):  # 37 days of one-minute cycles: three wraps
            ticks.t = i * step
            if i % 1000 == 0 or ticks.t % PERIOD < step:
                b.read_sensors()
                assert b.uptime_ms() == ticks.t, (i, b.uptime_ms(), ticks.t)
                ticks.t += 1234  # between two cycles
                assert b.uptime_ms() == ticks.t and b.epoch_ms() == ticks.t  # (unsynced: epoch is uptime)
            else:
                b.read_sensors()
    finally:
        del board_esp32.ticks_ms, board_esp32.ticks_diff
        import ticks as t

        board_esp32.ticks_ms, board_esp32.ticks_diff = t.ticks_ms, t.ticks_diff


mpytest.run(globals())
