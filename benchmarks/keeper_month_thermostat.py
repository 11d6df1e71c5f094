"""Round 9: two keepers' months whose heaters are switched by a thermostat (a sawtooth), to tune on.

Every earlier tuning month has a smooth temperature; a real heater's thermostat switches it on below one
point and off above another, so the water climbs while it heats and falls toward the room while it rests:
a sawtooth a few tenths of a degree high (a cheap heater's up to 1 °C) with a period of minutes to hours.
These months draw it with the heat balance of :func:`benchmarks.keeper_heat.water_temperature` (a room with
its day and night and a cold snap, the tank's time constant, the heater's power and band, new water mixed in
at its own temperature) on the probes, habits and labelling of :mod:`benchmarks.keeper_month`, and add the
faults a thermostat's heater has:

- ``thermostat_dead``: the heater no longer heats (its element broke): the water falls through the band's
  low end, where the thermostat should have switched it on, and keeps falling toward the room;
- ``thermostat_stuck``: the thermostat's contact welded: the heater stays on, the water climbs through the
  band's top and on;
- ``setpoint_drift``: the thermostat's knob knocked, or its bimetal aged: the heater keeps a band ``shift``
  °C away, the water moves there at its usual off- or on-rate.

A temperature fault is labelled from the minute the water is 0.1 °C outside the range the same tank without
the fault took over the day before and meanwhile (the earliest a failed thermostat shows: the water where
its thermostat would never let it be), until it is back within it (the heat balance run twice).

Examples
--------
>>> s = turtle_thermostat_month(days=2, faults=())
>>> bool(s.labels.any()), s.profile, 25.4 < float(s.values["temp_c"][600:].mean()) < 26.6
(False, 'turtle', True)
"""

from __future__ import annotations

from typing import Any, Sequence

import numpy as np

from benchmarks.keeper_heat import Array, leaves_range, room_air, settled_after, water_temperature
from benchmarks.keeper_month import (
    DAY_MIN,
    Scenario,
    Tank,
    _top_up,
    _water_change,
    apply_fault,
    build,
)

#: the fault kinds the heat balance draws (the months' habits); every other kind is apply_fault's
THERMOSTAT_KINDS = ("thermostat_dead", "thermostat_stuck", "setpoint_drift")


def _apply(v: dict, f: dict[str, Any], rng: np.random.Generator) -> None:
    if f["kind"] not in THERMOSTAT_KINDS:
        apply_fault(v, f, rng)


def _heater(n: int, faults: Sequence[dict[str, Any]], on_at: float, off_at: float
            ) -> tuple[Array, Array, Array]:
    """The heater's capacity and its thermostat's on and off points each minute, with the faults drawn."""
    capacity, on, off = np.ones(n), np.full(n, on_at), np.full(n, off_at)
    for f in faults:
        a, b = f["start"], f["end"]
        if f["kind"] == "thermostat_dead":
            capacity[a:b] = 0.0
        elif f["kind"] == "thermostat_stuck":
            on[a:b], off[a:b] = 99.0, 99.0
        elif f["kind"] == "setpoint_drift":
            on[a:b] += f["shift"]
            off[a:b] += f["shift"]
    return capacity, on, off


def _labelled(faults: list[dict[str, Any]], water: Array, healthy: Array) -> None:
    for f in faults:
        if f["kind"] in THERMOSTAT_KINDS:
            f["label_from"] = leaves_range(water, healthy, f["start"], f["end"], margin=0.1)
            f["recovery"] = settled_after(water, healthy, f["end"], margin=0.1)


def _month(name: str, profile: str, tank: Tank, days: int, seed: int, faults: list[dict[str, Any]],
           room: Array, tau_h: float, power: float, on_at: float | Array, off_at: float | Array,
           changes: Sequence[tuple[int, float, float]], top_ups: Sequence[int], notes: list[str]) -> Scenario:
    """A month whose water is the heat balance (``changes``: minute, fraction, new water's °C)."""
    n = days * DAY_MIN
    mixes = {at: (frac, c) for at, frac, c in changes if at < n}
    capacity, on, off = _heater(n, faults, on_at, off_at)
    start = float(np.mean(np.broadcast_to((np.asarray(on_at) + np.asarray(off_at)) / 2, (n,))[:60]))
    water = water_temperature(room, tau_h, start, power, on, off, capacity=capacity, mixes=mixes)
    healthy = water_temperature(room, tau_h, start, power, on_at, off_at, mixes=mixes)
    _labelled(faults, water, healthy)

    def habits(v: dict, rng: np.random.Generator) -> list[str]:
        v["temp_c"] = v["temp_c"] + water
        out = []
        for at, frac, _ in changes:
            if at < n:
                _water_change(v, at, frac, 0.0, 1.5)  # the TDS and pH of the new water; its heat is in `water`
                out.append(f"water change day {at // DAY_MIN} ({frac:.0%})")
        for at in top_ups:
            if at < n:
                _top_up(v, at, 1.5)
        return out + notes

    return build(name, profile, tank, days, faults, habits, 3.0, seed, apply=_apply)


def turtle_thermostat_month(days: int = 30, seed: int = 1601, faults: tuple | None = None) -> Scenario:
    """The first keeper's 60×40 cm turtle tank (about 80 l) with a 150 W heater on its own thermostat.

    An open top in a 21 °C room (± 2 °C, coldest at 5:00) with a cold snap (days 14-17, the room at 17 °C):
    an 8 h time constant; the heater adds 1.6 °C/h and switches at 25.75/26.25 °C (a 50-minute off-period,
    longer and shorter with the room).  Weekly 30 % changes (Saturdays 10:00, the new water 2 °C cooler),
    top-ups every 3 days, feeding 8:00 and 18:00.  Faults: the heater's element broken at night (day 6
    23:00 until the keeper sees it at 9:00), the pump stopped, the thermostat's contact welded (day 12, 4 h),
    a pH crash, the thermostat's knob knocked 1.5 °C down while feeding (day 20 18:00 to day 21 18:00), a
    bacterial bloom.
    """
    D = DAY_MIN
    n = days * D
    i = np.arange(n)
    weather = np.random.default_rng(seed + 1)
    snap = (i >= 14 * D) & (i < 17 * D)
    room = np.where(snap, 17.0, 21.0) + room_air(days, weather, 0.0, 2.0, 17.0, 0.7)
    if faults is None:
        faults = ({"kind": "thermostat_dead", "start": 6 * D + 23 * 60, "end": 7 * D + 9 * 60},
                  {"kind": "pump_stopped", "start": 9 * D + 14 * 60, "end": 9 * D + 15 * 60 + 30},
                  {"kind": "thermostat_stuck", "start": 12 * D + 10 * 60, "end": 12 * D + 14 * 60},
                  {"kind": "ph_crash", "start": 16 * D + 16 * 60, "end": 16 * D + 22 * 60, "drop": 0.6},
                  {"kind": "setpoint_drift", "start": 20 * D + 18 * 60, "end": 21 * D + 18 * 60, "shift": -1.5},
                  {"kind": "bloom", "start": 25 * D + 6 * 60, "end": 26 * D + 10 * 60, "rise": 4.0})
    fault_list = [dict(f) for f in faults]
    tank = Tank(temp=0.0, temp_swing=0.0)
    changes = [(d * D + 10 * 60, 0.3, 24.0) for d in range(3, days, 7)]
    return _month("turtle tank 80 l, a 150 W thermostat heater (round 9, tuning)", "turtle", tank, days, seed,
                  fault_list, room, 8.0, 1.6, 25.75, 26.25, changes, [d * D + 19 * 60 for d in range(2, days, 3)],
                  ["a 150 W heater switching at 25.75/26.25 °C", "a cold snap days 14-17 (room 17 °C)",
                   "top-ups every 3 days", "feeding 8:00 and 18:00"])


def community_thermostat_month(days: int = 30, seed: int = 6060, faults: tuple | None = None) -> Scenario:
    """A 60 l community tank with a cheap 75 W heater: a 1 °C band, a sawtooth of hours.

    A lid, a 22 °C flat (± 1.5 °C, coldest at 6:00) with a cold snap (days 15-18, 19 °C): a 9 h time
    constant; the heater adds 1.07 °C/h and switches at 24.5/25.5 °C (a 3 h off-period, shorter in the
    snap).  25 % changes every Sunday at 11:00 (the new water 1.5 °C cooler), top-ups every 4 days,
    feeding 9:00 and 20:00.  Faults: a leak, the heater dead on an afternoon (day 5 14:00 until the next
    morning), a noisy pH probe, the knob turned 1.5 °C up while cleaning (day 13 12:00 to day 14 20:00),
    the thermostat stuck on in the cold snap (day 16 2:00-7:00), the pump stopped.
    """
    D = DAY_MIN
    n = days * D
    i = np.arange(n)
    weather = np.random.default_rng(seed + 1)
    snap = (i >= 15 * D) & (i < 18 * D)
    room = np.where(snap, 19.0, 22.0) + room_air(days, weather, 0.0, 1.5, 18.0, 0.6)
    if faults is None:
        faults = ({"kind": "leak", "start": 3 * D + 20 * 60, "end": 3 * D + 22 * 60, "cm_per_h": 3.0},
                  {"kind": "thermostat_dead", "start": 5 * D + 14 * 60, "end": 6 * D + 8 * 60},
                  {"kind": "probe_noisy", "start": 9 * D + 3 * 60, "end": 9 * D + 9 * 60, "probe": "ph"},
                  {"kind": "setpoint_drift", "start": 13 * D + 12 * 60, "end": 14 * D + 20 * 60, "shift": 1.5},
                  {"kind": "thermostat_stuck", "start": 16 * D + 2 * 60, "end": 16 * D + 7 * 60},
                  {"kind": "pump_stopped", "start": 22 * D + 15 * 60, "end": 22 * D + 16 * 60})
    fault_list = [dict(f) for f in faults]
    tank = Tank(temp=0.0, temp_swing=0.0, ph=7.1, ph_swing=0.05, tds=260.0, tds_per_day=3.0, feed_turb=0.4,
                feed_hours=(9.0, 20.0), level=20.0, evap_cm_per_day=0.4, flow=6.0)
    changes = [(d * D + 11 * 60, 0.25, 23.5) for d in range(0, days, 7) if d > 0]
    return _month("community 60 l, a cheap 75 W heater, 1 °C band (round 9, tuning)", "tropical", tank, days,
                  seed, fault_list, room, 9.0, 1.07, 24.5, 25.5, changes,
                  [d * D + 21 * 60 for d in range(2, days, 4)],
                  ["a 75 W heater switching at 24.5/25.5 °C", "a cold snap days 15-18 (room 19 °C)",
                   "top-ups every 4 days", "feeding 9:00 and 20:00"])


def desk_thermostat_month(days: int = 30, seed: int = 2510, faults: tuple | None = None) -> Scenario:
    """Round 10: a 25 l tank on a desk by a cold wall, a 50 W heater whose band moves with the room.

    A small tank loses its heat fast (a 4 h time constant) in a room that warms by day and cools at night
    (19 °C ± 2.5, warmest at 16:00, wandering ± 1 °C day to day): the water falls 1-2 °C/h while the
    heater rests.  Its cheap bimetal feels its own casing, which the room warms and cools: its band
    (25.0/25.6 °C in a 19 °C room) moves 0.2 °C with each degree of the room, so the water's band is lower
    at night than in the afternoon and no single band holds it all day.  15 % changes every 4 days at 19:00 (the new water 2 °C
    cooler), feeding 8:00 and 19:30.  Faults: the heater's element broken at night (day 5, 1:00 until the
    keeper sees it at 8:00), the thermostat stuck on in the afternoon (day 9, 13:00-16:00), a pH crash,
    the heater unplugged for a water change and not plugged back in (day 16 19:00 until 23:30), the pump
    stopped, the TDS probe failing (noisy) for six hours.
    """
    D = DAY_MIN
    weather = np.random.default_rng(seed + 1)
    room = room_air(days, weather, 19.0, 2.5, 16.0, 1.0)
    # the thermostat's sensor feels the room: its band moves with it (down when the room cools)
    shift = 0.2 * (room - 19.0)
    on_at, off_at = 25.0 + shift, 25.6 + shift
    change_days = list(range(4, days, 4))
    if faults is None:
        faults = ({"kind": "thermostat_dead", "start": 5 * D + 1 * 60, "end": 5 * D + 8 * 60},
                  {"kind": "thermostat_stuck", "start": 9 * D + 13 * 60, "end": 9 * D + 16 * 60},
                  {"kind": "ph_crash", "start": 12 * D + 15 * 60, "end": 12 * D + 21 * 60, "drop": 0.5},
                  {"kind": "thermostat_dead", "start": 16 * D + 19 * 60, "end": 16 * D + 23 * 60 + 30},
                  {"kind": "pump_stopped", "start": 21 * D + 10 * 60, "end": 21 * D + 11 * 60 + 30},
                  {"kind": "probe_noisy", "start": 25 * D + 9 * 60, "end": 25 * D + 15 * 60, "probe": "tds_ppm",
                   "sigma": 12.0})
    fault_list = [dict(f) for f in faults]
    tank = Tank(temp=0.0, temp_swing=0.0, ph=7.0, ph_swing=0.05, tds=180.0, tds_per_day=2.0, turb=0.6,
                feed_turb=0.3, feed_hours=(8.0, 19.5), level=21.0, evap_cm_per_day=0.5, flow=5.0)
    changes = [(d * D + 19 * 60, 0.15, 23.0) for d in change_days]
    return _month("desk tank 25 l, a 50 W heater whose band moves with the room (round 10, tuning)", "tropical",
                  tank, days, seed, fault_list, room, 4.0, 2.0, on_at, off_at, changes,
                  [d * D + 20 * 60 for d in range(2, days, 4)],
                  ["a 50 W heater, its band 25.0/25.6 °C moving with the room", "a 4 h time constant",
                   "15 % changes every 4 days at 19:00", "feeding 8:00 and 19:30"])


THERMOSTAT = (turtle_thermostat_month, community_thermostat_month, desk_thermostat_month)
