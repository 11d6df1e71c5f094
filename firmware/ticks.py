# ticks_ms/ticks_diff/ticks_add: MicroPython's wrap-safe millisecond clock.
# On CPython (tests of the pure logic on a PC) the same arithmetic is
# emulated with the 30-bit period MicroPython uses on the ESP32.  Plain
# functions rather than re-exported builtins, so type checkers against the
# MicroPython stubs and CPython see one signature.

import time

_NATIVE = hasattr(time, "ticks_ms")
_PERIOD = 1 << 30
_HALF = _PERIOD // 2


def ticks_ms():
    if _NATIVE:
        return time.ticks_ms()
    return int(getattr(time, "monotonic")() * 1000) % _PERIOD  # CPython only


def ticks_add(ticks, delta):
    if _NATIVE:
        return time.ticks_add(ticks, delta)
    return (ticks + delta) % _PERIOD


def ticks_diff(a, b):
    if _NATIVE:
        return time.ticks_diff(a, b)
    return ((a - b + _HALF) % _PERIOD) - _HALF


if _NATIVE:  # the builtins themselves: three function objects fewer in a 64 KB heap, and no extra call
    ticks_ms = time.ticks_ms  # type: ignore[assignment]  # noqa: F811
    ticks_add = time.ticks_add  # type: ignore[assignment]  # noqa: F811
    ticks_diff = time.ticks_diff  # type: ignore[assignment]  # noqa: F811
