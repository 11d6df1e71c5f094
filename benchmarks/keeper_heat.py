"""The water's temperature in a keeper's month: a heat balance minute by minute, and where a temperature fault
begins and ends against the same tank without it (:mod:`benchmarks.keeper_month_blind`'s months).

Examples
--------
>>> import numpy as np
>>> held = water_temperature(np.full(1440, 20.0), 10.0, 25.0, 1.0, 24.8, 25.2)
>>> dead = water_temperature(np.full(1440, 20.0), 10.0, 25.0, 1.0, 24.8, 25.2, capacity=np.zeros(1440))
>>> leaves_range(dead, held, 60, 1440) - 60 < 60, settled_after(held, held, 60)
(True, 30)
"""

from __future__ import annotations

from typing import Mapping

import numpy as np
from numpy.typing import NDArray

Array = NDArray[np.float64]
DAY_MIN = 1440


def water_temperature(room: Array, tau_h: float, start_c: float, power_c_per_h: float, on_at: float | Array,
                      off_at: float | Array, *, cooling: bool = False, capacity: Array | None = None,
                      powered: NDArray[np.bool_] | None = None, extra_c_per_h: Array | None = None,
                      mixes: Mapping[int, tuple[float, float]] | None = None) -> Array:
    """The water's temperature minute by minute from a heat balance.

    Parameters
    ----------
    room : array
        The room's air, °C, each minute; the water relaxes toward it with time constant ``tau_h``.
    tau_h : float
        The tank's thermal time constant, hours (its heat capacity over its losses through glass and surface).
    start_c : float
        The water at minute 0.
    power_c_per_h : float
        What the heater adds (or the chiller removes) at full power, °C per hour.
    on_at, off_at : float or array
        The thermostat: a heater switches on below ``on_at`` and off above ``off_at``; a chiller
        (``cooling``) on above ``on_at`` and off below ``off_at``.  Arrays: a set point per minute.
    cooling : bool
        A chiller instead of a heater.
    capacity : array, optional
        The part of its power the device has each minute (a dead one of two heaters: 0.5).
    powered : array of bool, optional
        Whether it can run each minute (mains, the flow through an inline chiller).
    extra_c_per_h : array, optional
        Other heat, °C per hour (the sun through a window).
    mixes : mapping, optional
        ``{minute: (fraction, temperature)}``: that fraction of the water replaced by water at that temperature.

    Examples
    --------
    >>> t = water_temperature(np.full(24 * 60, 20.0), 10.0, 25.0, 1.0, 24.8, 25.2)
    >>> bool(24.6 < t.min() and t.max() < 25.4)
    True
    """
    n = len(room)
    on_list = np.broadcast_to(np.asarray(on_at, dtype=float), (n,)).tolist()
    off_list = np.broadcast_to(np.asarray(off_at, dtype=float), (n,)).tolist()
    cap = (np.ones(n) if capacity is None else capacity).tolist()
    ok = (np.ones(n, dtype=bool) if powered is None else powered).tolist()
    extra = (np.zeros(n) if extra_c_per_h is None else extra_c_per_h).tolist()
    air = np.asarray(room, dtype=float).tolist()
    mixes = dict(mixes or {})
    k_room, sign = 1.0 / (tau_h * 60.0), -1.0 if cooling else 1.0
    out = np.empty(n)
    t, on = start_c, False
    for j in range(n):
        if j in mixes:
            f, c = mixes[j]
            t = t * (1.0 - f) + f * c
        if cooling:
            on = t > on_list[j] or (on and t > off_list[j])
        else:
            on = t < on_list[j] or (on and t < off_list[j])
        running = on and ok[j]
        t += (air[j] - t) * k_room + (sign * power_c_per_h * cap[j] * running + extra[j]) / 60.0
        out[j] = t
    return out


def room_air(days: int, rng: np.random.Generator, mean: float, swing: float, peak_h: float, wander: float) -> Array:
    """A room's air: a day/night swing peaking at ``peak_h`` around a mean that wanders day to day."""
    i = np.arange(days * DAY_MIN)
    hour = (i / 60.0) % 24.0
    daily = np.interp(i / DAY_MIN, np.arange(days + 1), rng.uniform(-wander, wander, days + 1))
    return mean + daily + swing * np.cos(2 * np.pi * (hour - peak_h) / 24.0)


def first_where(mask: NDArray[np.bool_], a: int, b: int) -> int:
    """The first minute in [a, b) where ``mask`` holds: where a slow fault becomes worth telling."""
    hits = np.flatnonzero(mask[a:b])
    if not len(hits):
        raise ValueError(f"the fault at minute {a} never reaches its telling margin before {b}")
    return a + int(hits[0])


def lowpass(x: Array, tau_min: float) -> Array:
    """A first-order lag (a sluggish probe)."""
    out, y, a = np.empty(len(x)), float(x[0]), 1.0 / tau_min
    for j, value in enumerate(np.asarray(x, dtype=float).tolist()):
        y += (value - y) * a
        out[j] = y
    return out


def healthy_range(healthy: Array, a: int, b: int) -> tuple[float, float]:
    """The range a healthy tank's water took over the day before minute ``a`` until ``b`` (its thermostat's
    sawtooth, its day and night, the afternoons' sun)."""
    day = healthy[max(0, a - DAY_MIN):b + 1]
    return float(day.min()), float(day.max())


def leaves_range(water: Array, healthy: Array, a: int, b: int, margin: float = 0.3) -> int:
    """The first minute in [a, b) the water is ``margin`` outside a healthy tank's range around it: where a slow
    temperature fault becomes worth telling."""
    low, high = healthy_range(healthy, a, b)
    return first_where((water < low - margin) | (water > high + margin), a, b)


def settled_after(water: Array, healthy: Array, end: int, margin: float = 0.3) -> int:
    """Minutes after a temperature fault's end until the water is back within ``margin`` of a healthy tank's
    range over the day before, plus half an hour: its recovery, while an alert still firing is not false."""
    low, high = healthy_range(healthy, end, end)
    back = np.flatnonzero((water[end:] > low - margin) & (water[end:] < high + margin))
    return (int(back[0]) if len(back) else len(water) - end) + 30
