"""Round 18's second stranger, a zebrafish rack's sump in a university's fish facility (written blind, never tuned
on), and the fault kinds the three round-18 months share (:mod:`benchmarks.keeper_month_strangers18` lists them
in :data:`~benchmarks.keeper_month_strangers18.STRANGERS18`).

Examples
--------
>>> s = zebrafish_rack_month(days=3, faults=())
>>> bool(s.labels.any()), s.profile, s.limits["flow_lpm_low"]
(False, 'tropical', 12.0)
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

#: fault kinds the round-18 months' habits draw (through the heat balance, the water's loops or the readings)
DRAWN_BY_HABITS = ("aircon_compressor_failed", "heater_thermostat_welded", "soda_water_top_up", "canister_hose_split",
                   "level_sensor_condensation",
                   "float_valve_stuck_open", "ph_doser_siphoned", "uv_ballast_leaking_into_ph", "system_pump_seized",
                   "fish_room_hvac_failed",
                   "chiller_high_pressure_trip", "backwash_valve_left_on_waste", "chiller_probe_out_of_water",
                   "ph_probe_left_in_buffer", "chiller_union_weeping")


def apply_stranger18_fault(v: dict, f: dict[str, Any], rng: np.random.Generator) -> None:
    """The round-18 kinds are drawn by the months' habits; any other kind is a mistake in a month."""
    if f["kind"] not in DRAWN_BY_HABITS:
        raise ValueError(f"unknown round-18 fault kind {f['kind']!r}")


def finish18(name: str, profile: str, tank: Tank, days: int, faults: list[dict[str, Any]],
             habits: Callable[[dict, np.random.Generator], list[str]], seed: int, limits: dict[str, float]
             ) -> Scenario:
    """The month built with two glitches a day and its faults drawn by its ``habits`` (the round-18 kinds), and
    the ``limits`` its keeper set."""
    s = build(name, profile, tank, days, faults, habits, 2.0, seed, apply=apply_stranger18_fault)
    s.limits = limits
    return _as_probes_read(s)


# --------------------------------------------------------------------------- a zebrafish rack's sump

#: the sump's litres a cm, its float valve's mark, its rim (over it: the room's floor drain), the system's litres
L_PER_CM, MARK_CM, RIM_CM, SYSTEM_L = 2.4, 25.0, 38.0, 220.0
#: the rack's pump, the nightly drain pump, the float valve's RO feed, l/min; what the racks' tanks hold above their
#: standpipes and the manifold drains back when the pump stops, litres
PUMP_LPM, DRAIN_LPM, RO_LPM, HEAD_L = 20.0, 4.0, 2.0, 5.2
#: the RO water (the reservoir in the room): salts, °C, the pH it takes the system's buffer toward
RO_TDS, RO_C, RO_PH = 6.0, 25.5, 6.0
#: what the controller holds: the salts (µS as ppm) and the pH it doses back to each night at 2:30
SET_TDS, SET_PH = 330.0, 7.5


def zebrafish_rack_month(days: int = 30, seed: int = 1802, faults: tuple | None = None) -> Scenario:
    """Written round 18 blind, never tuned on: a stand-alone recirculating rack of eight 20 l zebrafish tanks in a
    university's fish facility, the monitor's probes in the rack's sump.

    Eight 20 l tanks (160 l) overflow through standpipes to a 60 l sump
    (60×40 cm, 2.4 l a cm; its float valve on the RO feed holds the mark at
    25 cm, its rim at 38: over it, the floor drain); a 20 l/min pump sends
    the sump through a pad, a biofilter and a UV to the tanks' manifold (the
    flow meter on it); when it stops, the tanks and the manifold drain 5.2 l
    back.  A 300 W heater in the sump (on at 27.8, off at 28.2 °C: +1.17
    °C/h, a 10 h time constant over the tanks' open tops) in a room the
    building's air handling holds at 26 °C; the rack's lights 8:00-22:00.
    Each night at 2:00 a timer's drain pump takes 10 % (22 l at 4 l/min,
    the float valve refilling at 2 l/min with 25.5 °C RO water: the sump 4.6
    cm down and back), and at 2:30 the controller doses a salt stock back
    toward 330 ppm and soda ash back toward pH 7.5 (at most 40 ppm and 0.3
    a night, mixed over twenty minutes); the fish take 0.10 of pH a day.
    Habits: the technicians feed at 9:00 (flake), 12:30 (live brine shrimp:
    cloudy, a little salt) and 16:00 on weekdays, the duty technician once at
    10:00 at weekends; on Tuesdays at 10:30 the sump's pad is swapped with
    the pump off for eight minutes; on Thursdays at 14:00 the tanks' bottoms
    are siphoned (16 l over forty minutes, the float valve making it good with
    RO); two glitches a day.  The facility set the tropical profile with
    24-31 °C, pH 6.8-8.2, TDS up to 700, the water 15-36 cm, flow 12 l/min
    and more.  Faults: the float valve stuck open at the nightly refill (RO
    over the rim to the floor drain, flushing the salts and the buffer out;
    labelled from 0.5 cm over the healthy refill, until the first technician
    at 8:05 closes it, drains to the mark and doses back by hand), the pH
    doser's line siphoning its soda ash reservoir (the pH toward 9; labelled
    from 0.1 over the healthy dose, until the 9:10 technician runs 40 % of
    RO through, the rest taken by the air's CO2 over half a day), the UV's
    ballast leaking current into the water (the pH probe reads 0.45 low and
    noisy, the water fine; until a technician swaps the ballast on Monday),
    the pump's impeller seized on a Saturday after the duty technician left
    (no flow from its first minute; until Sunday's 10:05 round), the
    building's chilled water plant failing one afternoon (the room toward
    34 °C; labelled from 0.3 °C over the range, until facilities restore it
    at noon next day).
    """
    D = DAY_MIN
    n, i, hour, weather = minute_grid(days, seed)
    weekend = np.array([weekday(int(d)) >= 5 for d in i // D])
    if faults is None:
        faults = ({"kind": "float_valve_stuck_open", "start": 6 * D + 2 * 60, "end": 6 * D + 8 * 60 + 5},
                  {"kind": "ph_doser_siphoned", "start": 11 * D + 2 * 60 + 30, "end": 11 * D + 9 * 60 + 10},
                  {"kind": "uv_ballast_leaking_into_ph", "start": 15 * D + 11 * 60 + 20, "end": 18 * D + 10 * 60},
                  {"kind": "system_pump_seized", "start": 23 * D + 13 * 60 + 40, "end": 24 * D + 10 * 60 + 5},
                  {"kind": "fish_room_hvac_failed", "start": 26 * D + 15 * 60, "end": 27 * D + 12 * 60})
    fault_list = sorted((dict(f) for f in faults), key=lambda f: f["start"])
    stuck, doser = fault_of(fault_list, "float_valve_stuck_open"), fault_of(fault_list, "ph_doser_siphoned")
    seized, hvac = fault_of(fault_list, "system_pump_seized"), fault_of(fault_list, "fish_room_hvac_failed")
    pad_off = np.zeros(n, dtype=bool)
    for d in range(days):
        if weekday(d) == 1:
            at = int(d * D + 10 * 60 + 30 + weather.integers(-10, 11))
            pad_off[at:at + 8] = True
    siphoning = np.zeros(n, dtype=bool)
    for d in range(days):
        if weekday(d) == 3:
            at = int(d * D + 14 * 60 + weather.integers(-15, 16))
            siphoning[at:at + 40] = True
    drained = {int(d * D + 2 * 60 + k) for d in range(days) for k in range(6)}
    dosed = {int(d * D + 2 * 60 + 30) for d in range(days)}
    brine = [int(d * D + (10 * 60 if weekday(d) >= 5 else 12 * 60 + 30) + weather.integers(-10, 11))
             for d in range(days)]

    def loop(faulty: bool) -> tuple[Array, Array, Array, dict[int, tuple[float, float]]]:
        """The sump's level (the pump's running draining the tanks' head aside), the salts, the pH and each minute's
        RO (fraction, °C)."""
        level, tds, ph, mixes = np.empty(n), np.empty(n), np.empty(n), {}
        lvl, c, p, valve = MARK_CM, 320.0, 7.42, False
        salt_left, soda_left, by_hand = 0.0, 0.0, 0
        brine_at = set(brine)
        for k in range(n):
            evap = 1.5 / D
            c = c * SYSTEM_L / (SYSTEM_L - evap) + 5.0 / D
            lvl -= evap / L_PER_CM
            p -= 0.10 / D
            if k in brine_at:
                c += 2.0
            if k in drained:
                lvl -= DRAIN_LPM / L_PER_CM
            if siphoning[k]:
                lvl -= 0.4 / L_PER_CM
            jammed = faulty and stuck and stuck["start"] <= k < stuck["end"]
            valve = jammed or lvl < MARK_CM - 0.3 or (valve and lvl < MARK_CM)
            if valve:
                add = RO_LPM if jammed else min(RO_LPM, (MARK_CM - lvl) * L_PER_CM + 0.1)
                f = add / SYSTEM_L
                c, p = c * (1 - f) + RO_TDS * f, p - (p - RO_PH) * f * 0.45
                lvl = min(RIM_CM, lvl + add / L_PER_CM)
                mixes[k] = (f, RO_C)
            if faulty and stuck and k == stuck["end"]:
                lvl, by_hand = MARK_CM, 60  # drained to the mark, salt and soda ash stirred in by hand
            if by_hand:
                c += (SET_TDS - c) / by_hand
                p += (SET_PH - p) / by_hand
                by_hand -= 1
            if k in dosed:
                salt_left, soda_left = min(40.0, max(0.0, SET_TDS - c)), min(0.3, max(0.0, SET_PH - p))
            if salt_left > 0.0:
                c, salt_left = c + min(2.0, salt_left), salt_left - min(2.0, salt_left)
            if soda_left > 0.0:
                p, soda_left = p + min(0.015, soda_left), soda_left - min(0.015, soda_left)
            if faulty and doser and doser["start"] <= k < min(doser["start"] + 90, doser["end"]):
                p, c = p + 1.45 / 90.0, c + 150.0 / 90.0  # the whole reservoir, siphoned
            if faulty and doser and doser["end"] <= k < doser["end"] + 60:
                f = 0.4 / 60.0  # 40 % of RO through by hand
                c, p = c * (1 - f) + RO_TDS * f, p - (p - RO_PH) * f * 0.45
                mixes[k] = (f, RO_C)
            if faulty and doser and k >= doser["start"] + 90:
                p -= max(0.0, p - SET_PH) / 720.0  # the carbonate takes the air's CO2
            level[k], tds[k], ph[k] = lvl, c, p
        return level, tds, ph, mixes

    level, tds, ph, mixes = loop(True)
    twin_level, twin_tds, twin_ph, twin_mixes = loop(False)
    pump_on = ~pad_off
    twin_pump = pump_on.copy()
    if seized:
        pump_on[seized["start"]:seized["end"]] = False
    head = lowpass(np.where(pump_on, 0.0, HEAD_L / L_PER_CM), 3.0)  # the tanks drain their head into the sump
    twin_head = lowpass(np.where(twin_pump, 0.0, HEAD_L / L_PER_CM), 3.0)
    level, twin_level = level + head, twin_level + twin_head
    flow = np.where(pump_on, PUMP_LPM, 0.0)
    lights = (hour >= 8.0) & (hour < 22.0)
    room = 26.0 + np.interp(i / D, np.arange(days + 1), weather.uniform(-0.2, 0.2, days + 1))
    twin_room = room.copy()
    if hvac:
        a, b = hvac["start"], hvac["end"]
        hot = np.zeros(n)
        hot[a:b] = 8.0
        room = room + lowpass(hot, 180.0)
    extra = 0.1 * lights + 0.15 * pump_on
    water = water_temperature(room, 10.0, 28.0, 1.17, 27.8, 28.2, extra_c_per_h=extra, mixes=mixes)
    healthy = water_temperature(twin_room, 10.0, 28.0, 1.17, 27.8, 28.2, extra_c_per_h=0.1 * lights + 0.15 * twin_pump,
                                mixes=twin_mixes)
    read_ph = ph.copy()
    leak = fault_of(fault_list, "uv_ballast_leaking_into_ph")
    if leak:  # the ballast's stray current through the water shifts the glass electrode's reference
        a, b = leak["start"], leak["end"]
        read_ph[a:b] = ph[a:b] - 0.45 + np.random.default_rng(seed + 2).normal(0.0, 0.04, b - a)
    for f in fault_list:
        a, b = f["start"], f["end"]
        if f["kind"] == "float_valve_stuck_open":
            f["label_from"] = departs(level, twin_level, a, b, 0.5)
            f["recovery"] = max(back_within(level, twin_level, b, 0.5), back_within(tds, twin_tds, b, 15.0),
                                back_within(ph, twin_ph, b, 0.1))
        elif f["kind"] == "ph_doser_siphoned":
            f["label_from"] = departs(ph, twin_ph, a, b, 0.1)
            f["recovery"] = back_within(ph, twin_ph, b, 0.1)
        elif f["kind"] == "uv_ballast_leaking_into_ph":
            f["label_from"] = departs(read_ph, ph, a, b, 0.1)
            f["recovery"] = 30
        elif f["kind"] == "system_pump_seized":
            f["recovery"] = 30
        elif f["kind"] == "fish_room_hvac_failed":
            f["label_from"] = leaves_range(water, healthy, a, b)
            f["recovery"] = settled_after(water, healthy, b)
    tank = quiet_tank(0.5, {"temp_c": 0.02, "ph": 0.01, "tds_ppm": 1.5, "turb_ntu": 0.04, "level_cm": 0.08,
                            "flow_lpm": 0.2})

    def habits(v: dict, rng: np.random.Generator) -> list[str]:
        draw_water(v, hour, water, level, tds, read_ph, flow)
        for d in range(days):
            if weekday(d) < 5:
                for h, ntu in ((9.0, 0.3), (16.0, 0.3)):
                    _cloud(v, int(d * D + h * 60 + rng.integers(-10, 11)), ntu * float(rng.uniform(0.7, 1.3)), 20.0)
        for at in brine:
            _cloud(v, at, float(rng.uniform(0.8, 1.2)), 25.0)  # live brine shrimp
        for m in np.flatnonzero(np.diff(pad_off.astype(int)) == -1):
            _cloud(v, int(m) + 1, 1.5, 30.0)  # the pad's fines when the pump restarts
        for m in np.flatnonzero(np.diff(siphoning.astype(int)) == 1):
            _cloud(v, int(m) + 1, 0.6, 40.0)
        v["turb_ntu"] = v["turb_ntu"] * np.where(pump_on, 1.0, 0.6)  # the sump's water settles without the flow
        return ["10 % nightly exchange with RO at 2:00, salt and soda ash dosed at 2:30",
                "fed 9:00, 12:30 (brine shrimp), 16:00 on weekdays, 10:00 at weekends",
                "the sump's pad swapped on Tuesdays at 10:30 with the pump off",
                "the tanks' bottoms siphoned on Thursdays at 14:00", "lights 8:00-22:00",
                f"{int(weekend.sum() // D)} weekend days with one round"]

    return finish18("university fish facility's zebrafish rack sump (round 18, blind)", "tropical", tank, days,
                    fault_list, habits, seed, {"temp_c_low": 24.0, "temp_c_high": 31.0, "ph_low": 6.8,
                                               "ph_high": 8.2, "tds_ppm_high": 700.0, "level_cm_low": 15.0,
                                               "level_cm_high": 36.0, "flow_lpm_low": 12.0})
