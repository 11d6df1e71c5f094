"""Round 15's second stranger, a 720 l koi pond wintering in a garden shed (written blind, never tuned on), and
the fault kinds the three round-15 months share (:mod:`benchmarks.keeper_month_strangers15` lists them in
:data:`~benchmarks.keeper_month_strangers15.STRANGERS15`).

Examples
--------
>>> s = shed_pond_month(days=3, faults=())
>>> bool(s.labels.any()), s.profile, s.limits["flow_lpm_low"]
(False, 'cold-water', 20.0)
"""

from __future__ import annotations

from typing import Any, Callable

import numpy as np

from benchmarks.keeper_heat import Array, leaves_range, lowpass, room_air, settled_after, water_temperature
from benchmarks.keeper_month import DAY_MIN, Scenario, Tank, build
from benchmarks.keeper_month_paludarium import _as_probes_read, _cloud, weekday
from benchmarks.keeper_month_strangers12_fry import fault_of
from benchmarks.keeper_month_strangers13_awc import back_within, departs
from benchmarks.keeper_month_strangers14_sump import draw_water, quiet_tank

#: fault kinds the round-15 months' habits draw (through the heat balance, the water's loops or the readings)
DRAWN_BY_HABITS = ("co2_end_of_tank_dump", "python_drain_forgotten", "canister_hose_off_barb",
                   "canister_lid_weeping", "spraybar_turned_under",
                   "liner_punctured", "uv_sleeve_cracked_rcd", "return_hose_frozen", "heater_probe_out_of_water",
                   "filter_valve_left_on_waste",
                   "strip_left_unplugged", "heater_not_replugged", "temp_probe_pulled_out", "juice_poured_in",
                   "building_boiler_down")


def apply_stranger15_fault(v: dict, f: dict[str, Any], rng: np.random.Generator) -> None:
    """The round-15 kinds are drawn by the months' habits; any other kind is a mistake in a month."""
    if f["kind"] not in DRAWN_BY_HABITS:
        raise ValueError(f"unknown round-15 fault kind {f['kind']!r}")


def minute_grid(days: int, seed: int) -> tuple[int, np.ndarray, Array, np.random.Generator]:
    """A month's minutes: how many, their index, the hour of each, and the weather's generator (``seed + 1``)."""
    n = days * DAY_MIN
    i = np.arange(n)
    return n, i, (i / 60.0) % 24.0, np.random.default_rng(seed + 1)


def finish(name: str, profile: str, tank: Tank, days: int, faults: list[dict[str, Any]],
           habits: Callable[[dict, np.random.Generator], list[str]], seed: int, limits: dict[str, float]) -> Scenario:
    """The month built with two glitches a day and its faults drawn by its ``habits`` (the round-15 kinds), and
    the ``limits`` its keeper set."""
    s = build(name, profile, tank, days, faults, habits, 2.0, seed, apply=apply_stranger15_fault)
    s.limits = limits
    return _as_probes_read(s)


# --------------------------------------------------------------------------- a koi pond in a garden shed

#: the pond's litres a cm, the keeper's mark, the liner's rim, the pump's intake, the pump, the hose
L_PER_CM, MARK_CM, RIM_CM, INTAKE_CM, PUMP_LPM, HOSE_LPM = 18.0, 40.0, 45.0, 8.0, 40.0, 12.0
#: the garden tap's water in January, °C
MAINS_C = 6.0


def backwash_steps(at: int) -> tuple[list[int], list[int]]:
    """A pressurised filter's backwash from minute ``at``: the pump off at the controller for a minute before
    each turn of the multiport valve, on "backwash" for 3 minutes and on "rinse" for one (both to waste), then
    on "filter" from ``at + 8``.  Returns the minutes to waste and the minutes the relay is off."""
    return [at + 2, at + 3, at + 4, at + 6], [at, at + 1, at + 5, at + 7]


def shed_pond_month(days: int = 30, seed: int = 1502, faults: tuple | None = None) -> Scenario:
    """Written round 15 blind, never tuned on: a 720 l raised liner pond of koi and goldfish, moved into an
    insulated garden shed for the winter, January.

    A timber-framed 180×100 cm liner pond, 40 cm of water (18 l a cm, the
    rim at 45 cm; the level probe a pressure cell on the bottom); a 40 l/min
    pond pump in a basket on the bottom (its intake at 8 cm) feeding a
    pressurised filter with a multiport valve and an 18 W UV-C, the return a
    hose along the shed's wall to a small waterfall (the flow meter on it,
    after the UV); an air pump on the floor with two stones; a 500 W
    titanium heater on an external controller whose probe is clipped to the
    liner (on at 11.8, off at 12.3 °C: +0.6 °C/h for the 720 l, a 30 h time
    constant with the open surface); pump, UV, heater and air pump on the
    shed's circuit with its RCD, the monitor fed from the house.  The shed:
    a few degrees above the weather (-4 to 8 °C outside, a cold snap in the
    middle of the month), a lamp 8:00-17:00.  Mains water TDS 350, pH 7.6
    (its CO2 leaves over hours), 6 °C from the garden tap; the fish's acid
    0.02 a day; 0.25 cm a day evaporates and splashes.  Habits: a pinch of
    wheat-germ at 18:00 on weekdays, at noon at weekends (one day in four
    none); on every second Saturday a backwash (3 minutes to waste, a minute's
    rinse, 9 cm of water gone) and the hose to the mark (a fifth of the pond
    at 6 °C: 1.3 °C colder, the heater brings it back over hours); two
    glitches a day.  The keeper set the cold-water profile with 7-18 °C, pH
    7.0-8.6, TDS up to 700, the water 24-44 cm, flow 20 l/min and more.
    Faults: the net's pole punctures the liner 5 cm under the surface (3 l/h
    falling as the water nears the hole, onto the floor; labelled from when
    the water is 0.5 cm below its twin, until the keeper finds the wet floor
    two evenings later and patches it), the UV's quartz sleeve cracks at night
    and the water in its ballast trips the RCD (no pump, heater, UV or air;
    the air pump on the floor, with no check valve, siphons the pond back
    through its line; until the keeper resets the RCD with the UV unplugged
    at 7:50), the return hose along the wall freezing at dawn in the cold
    snap (labelled from when the flow is 4 l/min below its twin's, until the
    keeper thaws it with a kettle), the heater's controller probe knocked off
    the liner onto the floor (it reads the shed's air: the heater never
    stops; labelled from when the water is 0.3 °C above its range of the day
    before, until the keeper feels the warm water next morning), the
    multiport valve left on "waste" after a backwash (the pump empties the
    pond into the drain until its intake sucks air; the keeper, back from the
    phone 22 minutes later, fills the pond with the hose's 6 °C water).
    """
    D = DAY_MIN
    n, i, hour, weather = minute_grid(days, seed)
    if faults is None:
        faults = ({"kind": "liner_punctured", "start": 5 * D + 18 * 60 + 10, "end": 7 * D + 18 * 60 + 30,
                   "l_per_h": 3.0},
                  {"kind": "uv_sleeve_cracked_rcd", "start": 9 * D + 23 * 60 + 10, "end": 10 * D + 7 * 60 + 50},
                  {"kind": "return_hose_frozen", "start": 13 * D + 4 * 60 + 30, "end": 13 * D + 10 * 60 + 40},
                  {"kind": "heater_probe_out_of_water", "start": 16 * D + 11 * 60 + 20, "end": 17 * D + 8 * 60 + 30},
                  {"kind": "filter_valve_left_on_waste", "start": 23 * D + 10 * 60 + 30,
                   "end": 23 * D + 11 * 60 + 0})
    fault_list = sorted((dict(f) for f in faults), key=lambda f: f["start"])
    outdoor = room_air(days, weather, 2.0, 3.5, 14.0, 3.0)
    outdoor -= 8.0 * np.exp(-0.5 * ((i / D - 13.0) / 0.8) ** 2)  # the cold snap, coldest on the 13th at night
    shed = lowpass(outdoor + 5.0, 240.0)
    lamp = (hour >= 8.0) & (hour < 17.0)
    # the backwashes: every second Saturday; the valve left on waste is the one on the fault's Saturday
    waste = fault_of(fault_list, "filter_valve_left_on_waste")
    washes = [int(d * D + 10 * 60 + 30 + weather.integers(-30, 31)) for d in range(days)
              if weekday(d) == 5 and (d // 7) % 2 == 1]
    if waste:
        washes = [w for w in washes if w // D != waste["start"] // D] + [waste["start"]]
        waste["start"] += 8  # from the minute the pump restarts on "waste" instead of "filter"
    relay_off = np.zeros(n, dtype=bool)
    to_waste = np.zeros(n, dtype=bool)
    hoses = {}
    for at in sorted(washes):
        out, off = backwash_steps(at)
        relay_off[off] = True
        to_waste[out] = True
        hoses[at + 10] = "mark"
    twin_to_waste = to_waste.copy()
    if waste:
        to_waste[waste["start"]:waste["end"]] = True
        relay_off[waste["end"]:waste["end"] + 2] = True
        hoses.pop(waste["start"] + 2)
        hoses[waste["end"] + 2] = "mark"
        twin_to_waste[waste["start"]:waste["end"]] = False  # the twin's valve on "filter"
    rcd = fault_of(fault_list, "uv_sleeve_cracked_rcd")
    tripped = np.zeros(n, dtype=bool)
    if rcd:
        tripped[rcd["start"]:rcd["end"]] = True
        hoses[rcd["end"] + 15] = "mark"  # the keeper tops up what the air line siphoned out
    puncture = fault_of(fault_list, "liner_punctured")
    if puncture:
        hoses[puncture["end"] + 60] = "mark"  # the patch set, the pond filled to its mark
    evap = 0.25 / D

    def loop(faulty: bool) -> tuple[Array, Array, Array, dict[int, tuple[float, float]]]:
        """The level, the salts, the fish's acid and the hose's mixes (fraction, °C) of the pond, minute by
        minute, with the month's faults (``faulty``) or without them (its twin)."""
        level, tds, acid, mixes = np.empty(n), np.empty(n), np.empty(n), {}
        lvl, c, h, filling = MARK_CM - 0.8, 360.0, 0.1, False
        wasted = to_waste if faulty else twin_to_waste
        hole = MARK_CM - 5.0
        for k in range(n):
            lvl -= evap
            if wasted[k] and not relay_off[k] and lvl > INTAKE_CM:
                lvl -= PUMP_LPM / L_PER_CM
            if faulty and puncture and puncture["start"] <= k < puncture["end"] and lvl > hole:
                lvl -= puncture["l_per_h"] / 60.0 / L_PER_CM * np.sqrt(min(1.0, (lvl - hole) / 5.0))
            if faulty and tripped[k] and lvl > 20.0:  # back through the air line into the pump on the floor
                lvl -= 7.0 / 60.0 / L_PER_CM
            c = c * (lvl + evap) / lvl + 3.0 / D
            h += 0.02 / D
            if k in hoses:
                filling = True
            if filling:
                add = min(HOSE_LPM / L_PER_CM, MARK_CM - lvl)
                f = add / (lvl + add)
                c, h, lvl = c * (1 - f) + 350.0 * f, h * (1 - f), lvl + add
                mixes[k] = (f, MAINS_C)
                filling = lvl < MARK_CM - 1e-9
            level[k], tds[k], acid[k] = lvl, c, h
        return level, tds, acid, mixes

    level, tds, acid, mixes = loop(True)
    twin_level, _, _, twin_mixes = loop(False)
    frozen = fault_of(fault_list, "return_hose_frozen")
    running = ~relay_off & ~tripped
    flow = np.where(running & ~to_waste, PUMP_LPM, 0.0)
    flow = np.where(running & ~to_waste & (level <= INTAKE_CM + 0.5), 0.0, flow)  # the intake sucking air
    twin_flow = np.where(~relay_off & ~twin_to_waste, PUMP_LPM, 0.0)
    if frozen:  # the ice narrows the hose over three-quarters of an hour; the kettle's water frees it
        a, b = frozen["start"], frozen["end"]
        flow[a:b] *= np.clip(1.0 - (i[a:b] - a) / 45.0, 0.0, 1.0)
        frozen["label_from"] = departs(flow, twin_flow, a, b, 4.0)
        frozen["recovery"] = 30
    # the heat: the controller's probe on the liner (or, knocked off, in the shed's air); the pump's warmth
    probe_out = fault_of(fault_list, "heater_probe_out_of_water")
    on_at, off_at = np.full(n, 11.8), np.full(n, 12.3)
    if probe_out:
        on_at[probe_out["start"]:probe_out["end"]], off_at[probe_out["start"]:probe_out["end"]] = 99.0, 99.5
    extra = 0.04 * running + 0.03 * lamp
    water = water_temperature(shed, 30.0, 12.0, 0.6, on_at, off_at, powered=~tripped, extra_c_per_h=extra,
                              mixes=mixes)
    healthy = water_temperature(shed, 30.0, 12.0, 0.6, 11.8, 12.3, extra_c_per_h=0.04 * ~relay_off + 0.03 * lamp,
                                mixes=twin_mixes)
    # the pH: carbonate, the fish's acid, the mains water's CO2 (leaving over hours), no air stirring it in a trip
    fresh = np.zeros(n)
    g = 0.0
    for k in range(n):
        g = g * np.exp(-1.0 / 180.0) + (0.5 * mixes[k][0] if k in mixes else 0.0)
        if tripped[k]:
            g += 0.25 / 600.0
        fresh[k] = g
    ph = 7.85 - acid - fresh + 0.03 * np.sin(2 * np.pi * (hour - 16.0) / 24.0)
    for f in fault_list:
        a, b = f["start"], f["end"]
        if f["kind"] == "liner_punctured":
            f["label_from"] = departs(level, twin_level, a, b, 0.5)
            f["recovery"] = back_within(level, twin_level, b, 0.5)
        elif f["kind"] == "uv_sleeve_cracked_rcd":
            f["recovery"] = settled_after(water, healthy, b)
        elif f["kind"] == "heater_probe_out_of_water":
            f["label_from"] = leaves_range(water, healthy, a, b)
            f["recovery"] = settled_after(water, healthy, b)
        elif f["kind"] == "filter_valve_left_on_waste":
            full = b + int(np.flatnonzero(level[b:] >= MARK_CM - 0.01)[0])  # the hose's 6 °C water to the mark
            f["recovery"] = full - b + settled_after(water, healthy, full)
    tank = quiet_tank(2.0, {"temp_c": 0.02, "ph": 0.01, "tds_ppm": 2.0, "turb_ntu": 0.08, "level_cm": 0.06,
                            "flow_lpm": 0.5})

    def habits(v: dict, rng: np.random.Generator) -> list[str]:
        draw_water(v, hour, water, level, tds, ph, flow)
        v["pump"][relay_off] = 0.0
        for d in range(days):
            if rng.random() < 0.25:
                continue
            at = int(d * D + (18.0 if weekday(d) < 5 else 12.0) * 60 + rng.integers(-20, 21))
            _cloud(v, at, float(rng.uniform(0.2, 0.4)), 30.0)
        for at in washes:
            _cloud(v, at + 2, 2.5, 25.0)  # the filter's dirt stirred back, the hose's jet
        if waste:
            _cloud(v, waste["end"], 3.0, 60.0)  # the fish in 8 cm, the mulm, the hose
        if rcd:  # the UV off all night, the pump's first minutes
            v["turb_ntu"] += np.where(tripped, 0.4 * np.clip((i - rcd["start"]) / 480.0, 0.0, 1.0), 0.0)
            _cloud(v, rcd["end"], 1.0, 40.0)
        return [f"backwash day {at // D} and the hose to the mark" for at in washes] + [
            "wheat-germ 18:00 on weekdays, noon at weekends", "lamp 8:00-17:00", "shed on the RCD, monitor on the house"]

    return finish("garden shed's 720 l koi pond wintering indoors (round 15, blind)", "cold-water", tank, days,
                  fault_list, habits, seed, {"temp_c_low": 7.0, "temp_c_high": 18.0, "ph_low": 7.0, "ph_high": 8.6,
                                             "tds_ppm_high": 700.0, "level_cm_low": 24.0, "level_cm_high": 44.0,
                                             "flow_lpm_low": 20.0})
