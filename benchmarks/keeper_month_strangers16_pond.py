"""Round 16's second stranger, a 1500 l indoor pond of rescued turtles (written blind, never tuned on), and the
fault kinds the three round-16 months share (:mod:`benchmarks.keeper_month_strangers16` lists them in
:data:`~benchmarks.keeper_month_strangers16.STRANGERS16`).

Examples
--------
>>> s = rescue_turtle_pond_month(days=3, faults=())
>>> bool(s.labels.any()), s.profile, s.limits["flow_lpm_low"]
(False, 'tropical', 12.0)
"""

from __future__ import annotations

from typing import Any, Callable

import numpy as np

from benchmarks.keeper_heat import Array, leaves_range, lowpass, settled_after, water_temperature
from benchmarks.keeper_month import DAY_MIN, Scenario, Tank, build
from benchmarks.keeper_month_paludarium import _as_probes_read, _cloud, timer_room, weekday
from benchmarks.keeper_month_strangers12_fry import fault_of
from benchmarks.keeper_month_strangers13_awc import back_within, departs
from benchmarks.keeper_month_strangers14_sump import draw_water, quiet_tank
from benchmarks.keeper_month_strangers15_pond import minute_grid

#: fault kinds the round-16 months' habits draw (through the heat balance, the water's loops or the readings)
DRAWN_BY_HABITS = ("usb_charger_died", "heater_on_timer_plug", "siphon_restarted_onto_carpet",
                   "ph_lead_pulled_loose", "heater_stuck_on",
                   "bottom_valve_knocked_open", "canister_impeller_jammed", "extractor_fan_dead",
                   "heater_cable_bitten", "level_probe_knocked_up",
                   "trickle_tray_spilling_behind", "intake_leaf_mat", "heater_cracked_at_waterline",
                   "peat_planter_acid", "level_sensor_leaf_in_beam")


def apply_stranger16_fault(v: dict, f: dict[str, Any], rng: np.random.Generator) -> None:
    """The round-16 kinds are drawn by the months' habits; any other kind is a mistake in a month."""
    if f["kind"] not in DRAWN_BY_HABITS:
        raise ValueError(f"unknown round-16 fault kind {f['kind']!r}")


def finish16(name: str, profile: str, tank: Tank, days: int, faults: list[dict[str, Any]],
             habits: Callable[[dict, np.random.Generator], list[str]], seed: int, limits: dict[str, float]
             ) -> Scenario:
    """The month built with two glitches a day and its faults drawn by its ``habits`` (the round-16 kinds), and
    the ``limits`` its keeper set."""
    s = build(name, profile, tank, days, faults, habits, 2.0, seed, apply=apply_stranger16_fault)
    s.limits = limits
    return _as_probes_read(s)


def pour(lvl: float, c: float, h: float, rate_cm: float, mark_cm: float, tds: float
         ) -> tuple[float, float, float, float, bool]:
    """A minute of new water poured toward ``mark_cm``, at most ``rate_cm``: its ``tds`` mixed into the salts
    ``c``, the acid ``h`` diluted.  Returns the level, the salts, the acid, the part of the water that is new and
    whether the water is at the mark (the pouring done)."""
    add = min(rate_cm, mark_cm - lvl)
    f = add / (lvl + add)
    c, h, lvl = c * (1 - f) + tds * f, h * (1 - f), lvl + add
    return lvl, c, h, f, lvl >= mark_cm - 1e-9


def exchanged(air: Array, k_per_min: Array, start: float) -> Array:
    """The water's dissolved CO2 (as the air's ppm it would hold) following the air's ``air`` with the surface's
    exchange ``k_per_min`` (the filter's ripple, the turtles' splashing) each minute."""
    out, w = np.empty(len(air)), start
    for j, (c, k) in enumerate(zip(air.tolist(), k_per_min.tolist())):
        w += (c - w) * k
        out[j] = w
    return out


def room_co2(burning: np.ndarray, vent_per_min: Array, outdoor: float = 420.0, rise: float = 16.0) -> Array:
    """A room's CO2, ppm: an unflued heater adds ``rise`` ppm a minute while ``burning``, the ventilation takes
    ``vent_per_min`` of the excess over the ``outdoor`` air each minute."""
    out, c = np.empty(len(burning)), outdoor
    for j, (on, v) in enumerate(zip(burning.tolist(), vent_per_min.tolist())):
        c += (rise if on else 0.0) - (c - outdoor) * v
        out[j] = c
    return out


# --------------------------------------------------------------------------- rescued turtles in a garage

#: the pond's litres a cm, the mark, the rim, the canister's intake strainer; canister, drain pump, hose, l/min
L_PER_CM, MARK_CM, RIM_CM, INTAKE_CM = 37.5, 40.0, 46.0, 20.0
CANISTER_LPM, DRAIN_LPM, HOSE_LPM = 25.0, 80.0, 20.0
#: tap water's salts and pH; what the turtles add a day (salts, acid)
TAP_TDS, TAP_PH, TURTLE_PPM, TURTLE_ACID = 400.0, 7.8, 15.0, 0.03


def rescue_turtle_pond_month(days: int = 30, seed: int = 1602, faults: tuple | None = None) -> Scenario:
    """Written round 16 blind, never tuned on: a 1500 l indoor pond of rescued red-eared sliders and musk
    turtles in a rescue centre's converted garage, January.

    A raised fibreglass pond, 250×150 cm, 40 cm of water (37.5 l a cm, the
    rim at 46; the level probe a pressure cell on a stick clipped to the
    wall, beside the pH, TDS and temperature probes), a cork basking dock
    under two lamps (8:00-20:00); a big canister of 25 l/min (its intake's
    strainer at 20 cm, the flow meter on its return, on the monitor's
    relay), two 500 W titanium heater bars on an external controller (on at
    23.8, off at 24.3 °C: +0.57 °C/h for the 1500 l, a 30 h time constant),
    a bottom drain valve.  The garage is heated by an unflued gas cabinet
    heater while volunteers are in (8:00-18:00, about 18 °C; 11 °C at night),
    an extractor fan keeping its CO2 near 900 ppm (the pond's pH 0.3 lower
    by the afternoon, back overnight).  Tap water TDS 400, pH 7.8; the
    turtles add 15 ppm of salts and 0.03 of acid a day and keep the water
    cloudy (more under the lamps); 0.5 cm a day evaporates.  Habits: the
    morning volunteer scoops the droppings at 9:15 and feeds pellets and
    greens at 9:30, the afternoon one feeds at 16:15; on Saturday mornings
    a 30 % change: canister and heaters off at the controller, 12 cm pumped
    to the floor drain by a submersible pump (80 l/min), the hose through a
    thermostatic mixer (24 ± 1 °C, 20 l/min) back to the mark, all on again;
    the canister cleaned every four weeks with the change (40 minutes more);
    on Wednesday afternoons a top-up with the hose to the mark; two glitches a
    day.  The manager set the tropical profile with 20-30 °C, pH 6.8-8.6,
    TDS up to 1000, the water 25-45 cm, flow 12 l/min and more.  Faults: a
    volunteer's bucket nudges the bottom drain valve's handle (a stream of
    1.2 l/min onto the floor; labelled from when the water is 0.5 cm below
    its twin, until the afternoon volunteer finds the wet floor), a slough of
    scute jams the canister's impeller at night (no flow from its first
    minute, the motor humming; until the morning volunteer), the extractor
    fan's fuse blows (the heater's CO2 toward 4000 ppm by the afternoon, the
    pond's pH a unit down; labelled from when it is 0.1 under its twin's,
    until the manager fits a fuse next afternoon), a big slider bites through
    a heater bar's cable at the water line (its RCD trips: no heat; from when
    the water is 0.3 °C under its range, until a new one is fitted next
    afternoon), a slider climbing the probes pushes the level probe 7 cm up
    its stick (it reads 7 cm low from that minute, the water is fine; until a
    volunteer sees the app two days later).
    """
    D = DAY_MIN
    n, i, hour, weather = minute_grid(days, seed)
    if faults is None:
        faults = ({"kind": "bottom_valve_knocked_open", "start": 5 * D + 9 * 60 + 40, "end": 5 * D + 16 * 60 + 10,
                   "l_per_min": 1.2},
                  {"kind": "canister_impeller_jammed", "start": 11 * D + 2 * 60 + 30, "end": 11 * D + 8 * 60 + 35},
                  {"kind": "extractor_fan_dead", "start": 14 * D + 8 * 60, "end": 15 * D + 15 * 60},
                  {"kind": "heater_cable_bitten", "start": 19 * D + 13 * 60 + 10, "end": 20 * D + 16 * 60 + 30},
                  {"kind": "level_probe_knocked_up", "start": 24 * D + 11 * 60 + 20, "end": 26 * D + 9 * 60 + 5,
                   "cm": 7.0})
    fault_list = sorted((dict(f) for f in faults), key=lambda f: f["start"])
    burning = (hour >= 8.0) & (hour < 18.0)
    room = timer_room(i, weather, 18.0, 11.0, [(8.0, 18.0)], 1.0)
    lamps = (hour >= 8.0) & (hour < 20.0)
    changes = [int(d * D + 10 * 60 + weather.integers(-30, 31)) for d in range(days) if weekday(d) == 5]
    cleans = {at for at in changes if at // D == 16}
    topups = [int(d * D + 16 * 60 + 30 + weather.integers(-20, 21)) for d in range(days) if weekday(d) == 2]
    mixer = {at: float(weather.normal(24.0, 0.8)) for at in changes + topups}
    valve = fault_of(fault_list, "bottom_valve_knocked_open")
    refill_after = [valve["end"] + 10] if valve else []
    for at in refill_after:
        mixer[at] = float(weather.normal(24.0, 0.8))
    drain_cm = 12.0
    drain_steps = int(np.ceil(drain_cm / (DRAIN_LPM / L_PER_CM)))

    def loop(faulty: bool) -> tuple[Array, Array, Array, dict[int, tuple[float, float]], np.ndarray]:
        """The level, the salts, the turtles' acid, the hose's mixes and the minutes the keepers' hose runs."""
        level, tds, acid, mixes = np.empty(n), np.empty(n), np.empty(n), {}
        hosing = np.zeros(n, dtype=bool)
        lvl, c, h, source = MARK_CM - 0.3, 430.0, 0.1, None
        drains = {at + 1 + k: min(DRAIN_LPM / L_PER_CM, drain_cm - k * DRAIN_LPM / L_PER_CM)
                  for at in changes for k in range(drain_steps)}
        starts = {at + 2 + drain_steps: at for at in changes}
        starts.update({at: at for at in topups})
        if faulty:
            starts.update({at: at for at in refill_after})
        for k in range(n):
            lvl -= (0.7 if lamps[k] else 0.3) / D
            lvl -= drains.get(k, 0.0)
            if faulty and valve and valve["start"] <= k < valve["end"]:
                lvl -= valve["l_per_min"] / L_PER_CM * np.sqrt(max(lvl, 0.0) / MARK_CM)
            c = c * (lvl + 0.5 / D) / lvl + TURTLE_PPM / D
            h += TURTLE_ACID / D
            if k in starts:
                source = starts[k]
            if source is not None:
                lvl, c, h, f, full = pour(lvl, c, h, HOSE_LPM / L_PER_CM, MARK_CM, TAP_TDS)
                mixes[k] = (f, mixer[source])
                hosing[k] = True
                if full:
                    source = None
            level[k], tds[k], acid[k] = lvl, c, h
        return level, tds, acid, mixes, hosing

    level, tds, acid, mixes, hosing = loop(True)
    twin_level, _, twin_acid, twin_mixes, twin_hosing = loop(False)
    # the canister and the heaters: off at the controller from the change's start until the pond is full
    relay_off = np.zeros(n, dtype=bool)
    for at in changes:
        full = at + 2 + drain_steps + int(np.flatnonzero(~twin_hosing[at + 2 + drain_steps:])[0])
        relay_off[at:full + 2 + (40 if at in cleans else 0)] = True
    jam = fault_of(fault_list, "canister_impeller_jammed")
    running = ~relay_off
    flow = np.where(running, CANISTER_LPM, 0.0)
    flow = np.where(level <= INTAKE_CM + 0.5, 0.0, flow)
    twin_flow = flow.copy()
    if jam:
        flow[jam["start"]:jam["end"]] = 0.0
        relay_off[jam["end"]:jam["end"] + 15] = True  # the volunteer switches it off to open its head
        flow[jam["end"]:jam["end"] + 15] = 0.0
    stirring = flow > 0.0
    # the heat: the heater bars on the controller, off with the canister for the changes; a bitten cable's RCD
    heat_ok = ~relay_off
    twin_heat_ok = heat_ok.copy()
    if jam:
        twin_heat_ok[jam["end"]:jam["end"] + 15] = True
        heat_ok[jam["end"]:jam["end"] + 15] = True  # the heaters are on their own socket at the controller
    bitten = fault_of(fault_list, "heater_cable_bitten")
    if bitten:
        heat_ok[bitten["start"]:bitten["end"]] = False
    extra = 0.05 * lamps + 0.02 * stirring
    water = water_temperature(room, 30.0, 24.0, 0.57, 23.8, 24.3, powered=heat_ok, extra_c_per_h=extra, mixes=mixes)
    healthy = water_temperature(room, 30.0, 24.0, 0.57, 23.8, 24.3, powered=twin_heat_ok,
                                extra_c_per_h=0.05 * lamps + 0.02 * (twin_flow > 0.0), mixes=twin_mixes)
    # the pH: the garage's CO2 from the gas heater against its fan; the pond's water following through its surface
    fan = np.full(n, 1.0 / 30.0)
    dead_fan = fault_of(fault_list, "extractor_fan_dead")
    if dead_fan:
        fan[dead_fan["start"]:dead_fan["end"]] = 1.0 / 240.0
    air = room_co2(burning, fan)
    twin_air = room_co2(burning, np.full(n, 1.0 / 30.0))
    k_ex = np.where(stirring, 1.0 / 150.0, 1.0 / 500.0)
    ph = 8.05 - acid - np.log10(exchanged(air, k_ex, 420.0) / 420.0)
    twin_ph = 8.05 - twin_acid - np.log10(exchanged(twin_air, np.where(twin_flow > 0.0, 1.0 / 150.0, 1.0 / 500.0),
                                                    420.0) / 420.0)
    read_level = level.copy()
    knocked = fault_of(fault_list, "level_probe_knocked_up")
    if knocked:
        read_level[knocked["start"]:knocked["end"]] -= knocked["cm"]
    for f in fault_list:
        a, b = f["start"], f["end"]
        if f["kind"] == "bottom_valve_knocked_open":
            f["label_from"] = departs(level, twin_level, a, b, 0.5)
            full = b + int(np.flatnonzero(level[b:] >= MARK_CM - 0.01)[0])  # the hose back to the mark
            f["recovery"] = max(back_within(level, twin_level, b, 0.5), full - b + settled_after(water, healthy, full))
        elif f["kind"] == "canister_impeller_jammed":
            f["recovery"] = 45
        elif f["kind"] == "extractor_fan_dead":
            f["label_from"] = departs(ph, twin_ph, a, b, 0.1)
            f["recovery"] = back_within(ph, twin_ph, b, 0.1)
        elif f["kind"] == "heater_cable_bitten":
            f["label_from"] = leaves_range(water, healthy, a, b)
            f["recovery"] = settled_after(water, healthy, b)
        elif f["kind"] == "level_probe_knocked_up":
            f["recovery"] = 30
    tank = quiet_tank(3.5, {"temp_c": 0.02, "ph": 0.01, "tds_ppm": 2.5, "turb_ntu": 0.15, "level_cm": 0.12,
                            "flow_lpm": 0.3})

    def habits(v: dict, rng: np.random.Generator) -> list[str]:
        draw_water(v, hour, water, read_level, tds, ph, flow)
        v["pump"][relay_off] = 0.0
        v["turb_ntu"] += 1.0 * lowpass(lamps.astype(float), 60.0)  # the turtles busy under the lamps
        for d in range(days):
            scoop = int(d * D + 9 * 60 + 15 + rng.integers(-15, 16))
            _cloud(v, scoop, float(rng.uniform(0.5, 1.0)), 20.0)
            _cloud(v, scoop + 15, float(rng.uniform(1.5, 2.5)), 40.0)
            _cloud(v, int(d * D + 16 * 60 + 15 + rng.integers(-20, 21)), float(rng.uniform(1.2, 2.2)), 40.0)
        for at in changes:
            _cloud(v, at + 1, 3.0, 40.0)  # the drain pump in the mulm
            if at in cleans:
                _cloud(v, int(np.flatnonzero(relay_off[at:] == 0)[0]) + at, 1.5, 30.0)
        if jam:  # nothing filtered for six hours, then the canister's head opened and its mulm back in
            a, b = jam["start"], jam["end"]
            v["turb_ntu"][a:b] += np.minimum(2.0, (i[a:b] - a) / 60.0 * 0.3)
            _cloud(v, b + 15, 2.0, 40.0)
        if valve:
            _cloud(v, valve["end"] + 10, 1.0, 30.0)
        return [f"30 % change with the drain pump, day {at // D}" for at in changes] + [
            "droppings scooped 9:15, fed 9:30 and 16:15", "top-up with the hose on Wednesday afternoons",
            "gas heater 8:00-18:00 with its extractor fan", "lamps 8:00-20:00"]

    return finish16("rescue centre's 1500 l indoor turtle pond (round 16, blind)", "tropical", tank, days,
                    fault_list, habits, seed, {"temp_c_low": 20.0, "temp_c_high": 30.0, "ph_low": 6.8,
                                               "ph_high": 8.6, "tds_ppm_high": 1000.0, "level_cm_low": 25.0,
                                               "level_cm_high": 45.0, "flow_lpm_low": 12.0})
