"""Round 20's first stranger, a 380 l stock tub of fancy goldfish in a Leeds garage with a hose top-off on a tap
timer (a daily trickle change through an overflow), and the fault kinds the three round-20 months share
(:mod:`benchmarks.keeper_month_strangers20` lists the round's months in
:data:`~benchmarks.keeper_month_strangers20.STRANGERS20`).

Written blind (from neither the engine's code, its thresholds nor its outputs) and never tuned on.

Examples
--------
>>> s = garage_goldfish_tub_month(days=3, faults=())
>>> bool(s.labels.any()), s.profile, s.limits["flow_lpm_low"]
(False, 'cold-water', 12.0)
"""

from __future__ import annotations

from typing import Any, Callable

import numpy as np

from benchmarks.keeper_heat import Array, leaves_range, lowpass, settled_after, water_temperature
from benchmarks.keeper_month import DAY_MIN, Scenario, Tank, build
from benchmarks.keeper_month_paludarium import _as_probes_read, _cloud, weekday
from benchmarks.keeper_month_strangers12_fry import fault_of
from benchmarks.keeper_month_strangers13_awc import back_within, departs
from benchmarks.keeper_month_strangers14_sump import draw_water, quiet_tank
from benchmarks.keeper_month_strangers15_pond import minute_grid
from benchmarks.keeper_month_strangers19_river import evaporated

#: fault kinds the round-20 months' habits draw (through the heat balance, the water's loops or the readings)
DRAWN_BY_HABITS = ("tap_timer_stuck_open", "overflow_strainer_clogged", "level_sensor_fogged",
                   "mortar_bucket_rinsed", "pump_impeller_jammed", "drain_valve_knocked",
                   "feeder_cake_dropped", "power_board_unplugged", "hose_left_running", "heater_thermostat_welded",
                   "tds_probe_knocked_out",
                   "brine_topped_up", "heater_stuck_on_at_night", "canister_lid_weeping", "ph_probe_miscalibrated",
                   "power_strip_switched_off", "temp_probe_on_heater")


def apply_stranger20_fault(v: dict, f: dict[str, Any], rng: np.random.Generator) -> None:
    """The round-20 kinds are drawn by the months' habits; any other kind is a mistake in a month."""
    if f["kind"] not in DRAWN_BY_HABITS:
        raise ValueError(f"unknown round-20 fault kind {f['kind']!r}")


def finish20(name: str, profile: str, tank: Tank, days: int, faults: list[dict[str, Any]],
             habits: Callable[[dict, np.random.Generator], list[str]], seed: int, limits: dict[str, float]
             ) -> Scenario:
    """The month built with two glitches a day and its faults drawn by its ``habits`` (the round-20 kinds), and
    the ``limits`` its keeper set."""
    s = build(name, profile, tank, days, faults, habits, 2.0, seed, apply=apply_stranger20_fault)
    s.limits = limits
    return _as_probes_read(s)


# --------------------------------------------------------------------------- a goldfish tub in a garage

#: the tub's litres a cm, the overflow bulkhead's lip (the mark), the rim; the pond pump, l/min; the tap timer's
#: hose, l/min, and how long it runs each morning; the bottom drain valve's weep when knocked, l/min
L_PER_CM, MARK_CM, RIM_CM, PUMP_LPM, HOSE_LPM, HOSE_MIN, WEEP_LPM = 6.6, 55.0, 60.0, 25.0, 4.0, 12, 0.12
#: Yorkshire's soft moorland tap water in January: salts, pH, °C
TAP_TDS, TAP_PH, MAINS_C = 90.0, 7.4, 6.0
#: the kitchen's mixer tap he runs the hose from when he changes water by hand, °C
MIXER_C = 13.0


def garage_air(i: np.ndarray, hour: Array, weather: np.random.Generator, days: int, car_home: Array) -> Array:
    """An unheated garage in Leeds in January: 6-9 °C, 1.5 °C of day/night swing peaking at 15:00, a cold snap
    (days 12-15, the garage 1-3 °C), and the car's warm engine after it is parked."""
    means = weather.uniform(6.0, 9.0, days + 1)
    if days > 16:
        means[12:16] = (3.0, 1.5, 2.0, 3.5)
    daily = np.interp(i / DAY_MIN, np.arange(days + 1), means)
    return lowpass(daily + 1.5 * np.cos(2.0 * np.pi * (hour - 15.0) / 24.0) + 2.0 * car_home, 60.0)


def overflow_cm(head_cm: float) -> float:
    """What the overflow bulkhead drains in a minute with ``head_cm`` over its lip (a 25 mm pipe: the hose's 4 l/min
    stands about 1.2 cm over it), cm of the tub."""
    return min(3.0, 0.5 * max(head_cm, 0.0))


def garage_goldfish_tub_month(days: int = 30, seed: int = 2001, faults: tuple | None = None) -> Scenario:
    """Written round 20 blind, never tuned on: five fancy goldfish in a 380 l black stock tub in a garage in
    Leeds, January, a daily trickle change from a tap timer through an overflow.

    An oval 100-gallon stock tank (6.6 l a cm, 55 cm of water to the
    overflow bulkhead's lip, the rim at 60); a 25 l/min pond pump on a
    brick through a pressurised filter with a UV (the flow meter after
    it); a 300 W frost-guard heater set to 12 °C (on at 11.8, off at 12.2:
    +0.71 °C/h, a 30 h time constant under a half lid); the ultrasonic
    level sensor on a batten over the tub; a LED bar on a timer
    8:00-18:00.  The garage is 6-9 °C, 1-3 °C in a cold snap (days 12-15),
    two degrees warmer for an hour or two after he parks the car on
    weekday evenings.  A battery tap timer on the outside tap opens a hose
    into the tub at 7:00 for 12 minutes (48 l of 6 °C Yorkshire water, TDS
    90, pH 7.4): the old water leaves by the overflow to the floor drain (a
    13 % change each morning, the water 0.75 °C cooler for an hour and a
    half).  The fish add 15 ppm and 0.04 of acid a day.  Habits: fed at 7:45
    and 17:45 on weekdays, 9:00 and 16:00 at weekends (goldfish stir the
    bottom); the filter's foams rinsed on Sundays at 11:00 with the pump off
    for twenty minutes.  Two glitches a day.  He set the cold-water profile
    with 8-22 °C, pH 6.6-8.2, TDS up to 400, the water 45-58 cm, flow 12
    l/min and more.  Faults: the tap timer's valve stuck open on a weak
    battery (the tub flushed with 6 °C water all day: the heater cannot keep
    up; labelled from 0.3 °C under the range, until he is home at 17:35),
    the overflow's strainer blanketed with duckweed overnight (the morning's
    48 l has nowhere to go: over the rim onto the floor; labelled from 0.5 cm
    over its twin, until he clears it at 9:05), the garage door left open on
    a frosty night (the air to -2 °C: steam off the 12 °C water condenses on
    the level sensor's face and its echoes come back short, the water read
    4-15 cm high in bursts; labelled from its first fogged minute, until he
    closes the door and wipes it at 7:30), his son rinsing a bucket of mortar
    in the tub (the lime: the pH toward 9.5, a cloud of fines; labelled from
    0.2 over its twin, until three half changes with the hose on the
    kitchen's mixer tap, 13 °C, by 16:40), the pump's impeller
    jammed by a pebble at night (no flow from the first minute, until the
    7:45 feed), the bottom drain valve knocked by the car's bumper (0.12
    l/min onto the floor; labelled from 0.5 cm under its twin, until he
    finds the puddle at 9:00 and fills the tub back by the hose).
    """
    D = DAY_MIN
    n, i, hour, weather = minute_grid(days, seed)
    if faults is None:
        faults = ({"kind": "tap_timer_stuck_open", "start": 5 * D + 7 * 60 + 12, "end": 5 * D + 17 * 60 + 35},
                  {"kind": "overflow_strainer_clogged", "start": 9 * D + 7 * 60, "end": 9 * D + 9 * 60 + 5},
                  {"kind": "level_sensor_fogged", "start": 13 * D + 23 * 60 + 10, "end": 14 * D + 7 * 60 + 30},
                  {"kind": "mortar_bucket_rinsed", "start": 16 * D + 14 * 60 + 30, "end": 16 * D + 16 * 60 + 40},
                  {"kind": "pump_impeller_jammed", "start": 18 * D + 3 * 60 + 20, "end": 18 * D + 7 * 60 + 45},
                  {"kind": "drain_valve_knocked", "start": 22 * D + 18 * 60 + 5, "end": 23 * D + 9 * 60})
    fault_list = sorted((dict(f) for f in faults), key=lambda f: f["start"])
    stuck, clogged = fault_of(fault_list, "tap_timer_stuck_open"), fault_of(fault_list, "overflow_strainer_clogged")
    fogged, mortar = fault_of(fault_list, "level_sensor_fogged"), fault_of(fault_list, "mortar_bucket_rinsed")
    jammed, knocked = fault_of(fault_list, "pump_impeller_jammed"), fault_of(fault_list, "drain_valve_knocked")
    weekend = np.array([weekday(int(k // D)) >= 5 for k in range(0, n, D)])
    parked = np.zeros(n)
    for d in range(days):
        if not weekend[d]:
            at = int(d * D + 17 * 60 + 30 + weather.integers(-20, 21))
            parked[at:at + 120] = 1.0
    air = garage_air(i, hour, weather, days, parked)
    twin_air = air.copy()
    if fogged:  # the door open: the garage toward the frosty night outside
        a, b = fogged["start"], fogged["end"]
        air[a:] += lowpass(np.where((i >= a) & (i < b), -2.0 - air, 0.0), 40.0)[a:]
    rinses = [int(d * D + 11 * 60 + weather.integers(-20, 21)) for d in range(days) if weekday(d) == 6]
    hose_on = (hour >= 7.0) & (hour < 7.0 + HOSE_MIN / 60.0)

    def loop(faulty: bool) -> tuple[Array, Array, Array, Array, Array, dict[int, tuple[float, float]]]:
        """The level, the salts, the acid, the lime, the pump's flow and each minute's new water (fraction, °C)."""
        level, tds, acid, lime, flow = (np.empty(n) for _ in range(5))
        mixes: dict[int, tuple[float, float]] = {}
        lvl, c, h, m, refilling = MARK_CM, 200.0, 0.3, 0.0, False
        for k in range(n):
            lvl, c, h = evaporated(lvl, c, h, 0.1, 15.0, 0.04)
            m *= np.exp(-1.0 / 240.0)  # the lime takes up the air's CO2 (it carbonates and settles)
            q = PUMP_LPM
            if any(at <= k < at + 20 for at in rinses):
                q = 0.0
            if faulty and jammed and jammed["start"] <= k < jammed["end"]:
                q = 0.0
            inflow = HOSE_LPM if hose_on[k] or (faulty and stuck and stuck["start"] <= k < stuck["end"]) else 0.0
            if faulty and mortar and k - mortar["end"] in (-45, -25, -5):
                f = 0.5  # half siphoned to the drain, refilled from the kitchen's mixer tap by the hose
                c, h, m = c * (1 - f) + TAP_TDS * f, h * (1 - f), m * (1 - f)
                mixes[k] = (f, MIXER_C)
            if faulty and knocked and k == knocked["end"]:
                refilling = True  # the valve closed, the tub filled back to the lip by the hose
            if refilling:
                inflow, refilling = HOSE_LPM, lvl + HOSE_LPM / L_PER_CM < MARK_CM
            if inflow:
                add = inflow / L_PER_CM
                f = add / (lvl + add)
                c, h, m, lvl = c * (1 - f) + TAP_TDS * f, h * (1 - f), m * (1 - f), lvl + add
                mixes[k] = (f, MAINS_C)
            if faulty and mortar and mortar["start"] <= k < mortar["start"] + 15:
                m, c = m + 1.0 / 15.0, c + 80.0 / 15.0  # the slaked lime and the mortar's salts, stirred in
            if faulty and knocked and knocked["start"] <= k < knocked["end"]:
                lvl -= WEEP_LPM / L_PER_CM
            blocked = faulty and clogged and clogged["start"] <= k < clogged["end"]
            if not blocked:
                lvl -= overflow_cm(lvl - MARK_CM)
            lvl = min(lvl, RIM_CM + 0.3)  # over the rim: onto the garage floor
            level[k], tds[k], acid[k], lime[k], flow[k] = lvl, c, h, m, q
        return level, tds, acid, lime, flow, mixes

    level, tds, acid, lime, flow, mixes = loop(True)
    twin_level, _, twin_acid, twin_lime, twin_flow, twin_mixes = loop(False)
    lights = (hour >= 8.0) & (hour < 18.0)
    water = water_temperature(air, 30.0, 12.0, 0.71, 11.8, 12.2, extra_c_per_h=0.14 * (flow > 0.0), mixes=mixes)
    healthy = water_temperature(twin_air, 30.0, 12.0, 0.71, 11.8, 12.2, extra_c_per_h=0.14 * (twin_flow > 0.0),
                                mixes=twin_mixes)
    glow = 0.03 * lowpass(lights.astype(float), 120.0)
    lime_lift = 2.3 * lime / (lime + 0.25)  # slaked lime in soft water: a little lifts the pH a long way
    ph = TAP_PH - acid + lime_lift + glow
    twin_ph = TAP_PH - twin_acid + 2.3 * twin_lime / (twin_lime + 0.25) + glow
    read_level = level.copy()
    if fogged:  # droplets on the transducer: some pings come back off them, short; worse the colder the air
        a, b = fogged["start"], fogged["end"]
        g = np.random.default_rng(seed + 7)
        fog = (air[a:b] < 1.0) & (g.random(b - a) < 0.45)
        read_level[a:b] = np.where(fog, level[a:b] + g.uniform(4.0, 15.0, b - a), level[a:b])
        fogged["label_from"] = a + int(np.flatnonzero(fog)[0])
        fogged["recovery"] = 30
    for f in fault_list:
        a, b = f["start"], f["end"]
        if f["kind"] == "tap_timer_stuck_open":
            f["label_from"] = leaves_range(water, healthy, a, b)
            f["recovery"] = settled_after(water, healthy, b)
        elif f["kind"] in ("overflow_strainer_clogged", "drain_valve_knocked"):
            f["label_from"] = departs(level, twin_level, a, b, 0.5)
            f["recovery"] = back_within(level, twin_level, b, 0.5)
        elif f["kind"] == "mortar_bucket_rinsed":
            f["label_from"] = departs(ph, twin_ph, a, b, 0.2)
            # back when the lime's own lift is under 0.1 (the half changes' tap water leaves it off its twin)
            f["recovery"] = back_within(lime_lift, np.zeros(n), b, 0.1)
        elif f["kind"] == "pump_impeller_jammed":
            f["recovery"] = 30
    tank = quiet_tank(1.5, {"temp_c": 0.03, "ph": 0.01, "tds_ppm": 1.5, "turb_ntu": 0.08, "level_cm": 0.1,
                            "flow_lpm": 0.3})

    def habits(v: dict, rng: np.random.Generator) -> list[str]:
        draw_water(v, hour, water, read_level, tds, ph, flow)
        for d in range(days):
            for h in ((9.0, 16.0) if weekend[d] else (7.75, 17.75)):
                _cloud(v, int(d * D + h * 60 + rng.integers(-10, 11)), float(rng.uniform(0.8, 1.5)), 40.0)
        for at in rinses:
            _cloud(v, at + 20, 2.5, 45.0)  # the rinsed foams' mulm on the restart
        if mortar:
            _cloud(v, mortar["start"], 9.0, 180.0)  # the mortar's fines
        v["turb_ntu"] = v["turb_ntu"] * np.where(flow > 0.0, 1.0, 1.2)
        return [f"the filter's foams rinsed with the pump off, day {at // D}" for at in rinses] + [
            "a tap timer's 48 l trickle change at 7:00 through the overflow", "a cold snap days 12-15",
            "the car parked warm on weekday evenings", "fed 7:45 and 17:45, 9:00 and 16:00 at weekends"]

    return finish20("Leeds garage's 380 l goldfish stock tub on a tap timer (round 20, blind)", "cold-water", tank,
                    days, fault_list, habits, seed, {"temp_c_low": 8.0, "temp_c_high": 22.0, "ph_low": 6.6,
                                                     "ph_high": 8.2, "tds_ppm_high": 400.0, "level_cm_low": 45.0,
                                                     "level_cm_high": 58.0, "flow_lpm_low": 12.0})
