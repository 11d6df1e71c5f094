# ticks_ms/ticks_diff/ticks_add: MicroPython's wrap-safe millisecond clock.
# On CPython (tests of the pure logic on a PC) the same arithmetic is
# emulated with the 30-bit period MicroPython uses on the ESP32.

try:
    from time import ticks_add, ticks_diff, ticks_ms  # noqa: F401
except ImportError:  # CPython
    import time as _time

    _PERIOD = 1 << 30
    _HALF = _PERIOD // 2

    def ticks_ms():
        return int(_time.monotonic() * 1000) % _PERIOD

    def ticks_add(ticks, delta):
        return (ticks + delta) % _PERIOD

    def ticks_diff(a, b):
        return ((a - b + _HALF) % _PERIOD) - _HALF
