"""Round 17's second stranger, an aquaponics system of tilapia in a polytunnel (written blind, never tuned on),
and the fault kinds the three round-17 months share (:mod:`benchmarks.keeper_month_strangers17` lists them in
:data:`~benchmarks.keeper_month_strangers17.STRANGERS17`).

Examples
--------
>>> s = aquaponics_month(days=3, faults=())
>>> bool(s.labels.any()), s.profile, s.limits["flow_lpm_low"]
(False, 'tropical', 6.0)
"""

from __future__ import annotations

from typing import Any, Callable

import numpy as np

from benchmarks.keeper_heat import Array, leaves_range, settled_after, water_temperature
from benchmarks.keeper_month import DAY_MIN, Scenario, Tank, build
from benchmarks.keeper_month_paludarium import _as_probes_read, _cloud
from benchmarks.keeper_month_strangers12_fry import fault_of
from benchmarks.keeper_month_strangers13_awc import back_within, departs
from benchmarks.keeper_month_strangers14_sump import draw_water, quiet_tank
from benchmarks.keeper_month_strangers15_pond import minute_grid

#: fault kinds the round-17 months' habits draw (through the heat balance, the water's loops or the readings)
DRAWN_BY_HABITS = ("inverter_low_voltage_cutout", "filter_fuse_blown_at_engine_start", "top_up_hose_left_running",
                   "stove_damper_left_open", "ph_connector_condensation",
                   "bell_siphon_clogged", "pump_rcd_tripped_by_rain", "lime_overdosed", "doors_left_shut",
                   "ph_probe_fouled",
                   "raw_well_water_change", "manifold_hose_slipped_off", "heater_stuck_on",
                   "temp_probe_power_on_reset", "bottom_seam_weeping")


def apply_stranger17_fault(v: dict, f: dict[str, Any], rng: np.random.Generator) -> None:
    """The round-17 kinds are drawn by the months' habits; any other kind is a mistake in a month."""
    if f["kind"] not in DRAWN_BY_HABITS:
        raise ValueError(f"unknown round-17 fault kind {f['kind']!r}")


def finish17(name: str, profile: str, tank: Tank, days: int, faults: list[dict[str, Any]],
             habits: Callable[[dict, np.random.Generator], list[str]], seed: int, limits: dict[str, float]
             ) -> Scenario:
    """The month built with two glitches a day and its faults drawn by its ``habits`` (the round-17 kinds), and
    the ``limits`` its keeper set."""
    s = build(name, profile, tank, days, faults, habits, 2.0, seed, apply=apply_stranger17_fault)
    s.limits = limits
    return _as_probes_read(s)


def sunshine(hour: Array, i: np.ndarray, weather: np.random.Generator, days: int, rise: float, set_: float
             ) -> Array:
    """The sun's strength, 0..1, each minute: a half sine from ``rise`` to ``set_`` (hours) times each day's
    clearness (a grey day 0.25, a clear one 1), the days running into one another."""
    arc = np.clip(np.sin(np.pi * (hour - rise) / (set_ - rise)), 0.0, None) * ((hour > rise) & (hour < set_))
    clear = np.interp(i / DAY_MIN, np.arange(days + 1) + 0.5, weather.uniform(0.25, 1.0, days + 1))
    return arc * clear


# --------------------------------------------------------------------------- tilapia in a polytunnel

#: the fish tank's litres a cm, its mark, the pump's intake; the pump, the part of it the bed gets (the rest back
#: through the riser's tee, aerating the tank), the bell siphon's, the hose's l/min
L_PER_CM, MARK_CM, INTAKE_CM, PUMP_LPM, BED_LPM, SIPHON_LPM, HOSE_LPM = 11.3, 65.0, 25.0, 12.0, 6.0, 40.0, 20.0
#: the grow bed's water when its bell siphon fires, when it breaks, at the bed's lip (over it: the floor)
FLOOD_L, BREAK_L, LIP_L = 60.0, 4.0, 75.0
#: the rainwater tank's water: salts, pH, °C; what the fish's feed adds and the plants take, ppm a day
RAIN_TDS, RAIN_C, FEED_PPM, PLANTS_PPM = 15.0, 19.0, 20.0, 14.0


def aquaponics_month(days: int = 30, seed: int = 1702, faults: tuple | None = None) -> Scenario:
    """Written round 17 blind, never tuned on: a backyard aquaponics system of tilapia and lettuces in a
    polytunnel in New Zealand, January (high summer).

    A round 1200 l fish tank, 120 cm across (11.3 l a cm), 65 cm of water
    to its mark (735 l), insulated and shaded, the level, pH, TDS and
    temperature probes in it; a 12 l/min submersible pump (its intake
    25 cm above the bottom, the flow meter on its riser, on its own outdoor
    socket) lifting water to a tee that sends 6 l/min into a media bed of
    clay balls (the rest splashing back into the tank) whose bell siphon
    fires when the bed holds 60 l and drains it back at 40 l/min until it
    breaks at 4 l: the fish tank's level a sawtooth of 5 cm every eleven
    minutes or so, day and night; a 500 W heater (on at 21.8, off at 22.2
    °C: +0.5 °C/h, a 20 h time constant) for cold nights.  The polytunnel:
    14 °C at night, 24-38 °C by early afternoon with its doors open
    (7:30-21:00), the sun on the beds warming the water that runs through
    them; the plants drink 22 l and the tank loses 6 l a day, more in the sun.
    Habits: she feeds at 8:00, 12:30 and 18:00 (the water greenish, 4 NTU);
    tops up to the mark from the rainwater tank with a hose (20 l/min, 19 °C,
    TDS 15) at 19:00 each evening; every third morning at 9:00 she stirs a
    tablespoon of hydrated lime and potash into the tank, the pH 0.27 up
    against the nitrifiers' 0.09 a day (6.7-7.0); two glitches a day.  She set
    the tropical profile with 18-32 °C, pH 6.2-8.0, TDS up to 1200, the
    water 40-72 cm, flow 6 l/min and more.  Faults: a clay ball lodged in the
    bell siphon's snorkel (the bed never drains: it floods over its lip onto
    the floor and the pump empties the fish tank down to its intake, then
    sucks air; labelled from the first water over the lip, until she hears
    the pump gurgle and clears it, plus the refill), a thunderstorm's rain
    in the outdoor socket trips its RCD at night (no pump, no heat from the
    first minute; until she resets it at 7:30), her partner doses the lime
    with a cup, not a spoon (the pH toward 9 in twenty minutes; until she
    reads it at 17:45 and changes a quarter with rainwater), her partner
    forgets to open the doors on a clear day while she is at the market (the
    polytunnel past 50 °C, the water toward 32; labelled from 0.3 °C over its
    range until she opens them at 15:30), the pH probe's junction fouled by
    the rich water's biofilm (it reads 0.25 a day low, the water is fine;
    labelled from 0.1 off, until she cleans it five days later).
    """
    D = DAY_MIN
    n, i, hour, weather = minute_grid(days, seed)
    if faults is None:
        faults = ({"kind": "bell_siphon_clogged", "start": 5 * D + 7 * 60 + 10, "end": 5 * D + 9 * 60 + 40},
                  {"kind": "pump_rcd_tripped_by_rain", "start": 9 * D + 23 * 60 + 40, "end": 10 * D + 7 * 60 + 30},
                  {"kind": "lime_overdosed", "start": 15 * D + 9 * 60, "end": 15 * D + 17 * 60 + 45},
                  {"kind": "doors_left_shut", "start": 19 * D + 7 * 60 + 30, "end": 19 * D + 15 * 60 + 30},
                  {"kind": "ph_probe_fouled", "start": 22 * D + 6 * 60, "end": 27 * D + 10 * 60})
    fault_list = sorted((dict(f) for f in faults), key=lambda f: f["start"])
    sun = sunshine(hour, i, weather, days, 6.0, 21.0)
    wander = np.interp(i / D, np.arange(days + 1), weather.uniform(-1.5, 1.5, days + 1))
    doors_open = (hour >= 7.5) & (hour < 21.0)
    shut = fault_of(fault_list, "doors_left_shut")
    twin_doors = doors_open.copy()
    if shut:
        doors_open[shut["start"]:shut["end"]] = False
    air = 14.0 + wander + 24.0 * sun + 16.0 * sun * ~doors_open
    twin_air = 14.0 + wander + 24.0 * sun + 16.0 * sun * ~twin_doors
    topups = [int(d * D + 19 * 60 + weather.integers(-15, 16)) for d in range(days)]
    doses = {int(d * D + 9 * 60 + weather.integers(-10, 11)): 0.27 for d in range(days) if d % 3 == 0}
    clog, rcd = fault_of(fault_list, "bell_siphon_clogged"), fault_of(fault_list, "pump_rcd_tripped_by_rain")
    lime = fault_of(fault_list, "lime_overdosed")
    if lime:  # the partner's dose is that morning's, with a cup
        at = min(doses, key=lambda m: abs(m - lime["start"]))
        del doses[at]
        doses[lime["start"]] = 0.27
    thirst = (6.0 + 22.0 * sun / max(float(sun.mean()), 1e-9)) / D  # litres a minute, 28 a day

    def loop(faulty: bool) -> tuple[Array, Array, Array, Array, dict[int, tuple[float, float]], Array]:
        """The fish tank's level, the system's water (cm of the tank), its salts, the flow, the hose's mixes
        and the litres over the bed's lip (the same draws of the bell's firing for the month and its twin)."""
        g = np.random.default_rng(seed + 5)
        level, system, tds, flow, spilt = np.empty(n), np.empty(n), np.empty(n), np.empty(n), np.zeros(n)
        mixes: dict[int, tuple[float, float]] = {}
        tank, bed, c, draining, fire = MARK_CM * L_PER_CM - 30.0, 30.0, 380.0, False, FLOOD_L
        starts = set(topups)
        drain_to: int | None = None
        if faulty and lime:
            drain_to = lime["end"]
        hosing, draining_out = False, 0
        for k in range(n):
            powered = not (faulty and rcd and rcd["start"] <= k < rcd["end"])
            stuck = faulty and clog and clog["start"] <= k < clog["end"] + 10
            pumping = powered and tank / L_PER_CM > INTAKE_CM + 0.5 and not (faulty and clog and
                                                                            clog["end"] <= k < clog["end"] + 10)
            p = PUMP_LPM if pumping else 0.0
            tank -= p * BED_LPM / PUMP_LPM
            bed += p * BED_LPM / PUMP_LPM
            if bed >= fire and not stuck:
                draining = True
            if draining:
                back = min(SIPHON_LPM, bed - BREAK_L)
                bed -= back
                tank += back
                if bed <= BREAK_L + 1e-9:
                    draining, fire = False, FLOOD_L + float(g.normal(0.0, 2.0))
            if bed > LIP_L:
                spilt[k] = bed - LIP_L
                bed = LIP_L
            lost = thirst[k]
            c = c * (tank + bed) / max(tank + bed - lost, 1.0) + (FEED_PPM - PLANTS_PPM) / D
            tank -= lost
            if drain_to is not None and k == drain_to:
                draining_out = int(round(0.25 * tank / HOSE_LPM))
            if draining_out:
                tank -= HOSE_LPM
                draining_out -= 1
                if not draining_out:
                    hosing = True
            if k in starts or (faulty and clog and k == clog["end"] + 10):
                hosing = True
            if hosing and not draining_out:
                want = MARK_CM * L_PER_CM + 30.0 - (tank + bed)
                add = min(HOSE_LPM, max(want, 0.0))
                f = add / (tank + bed + add)
                c = c * (1.0 - f) + RAIN_TDS * f
                tank += add
                if add > 0.0:
                    mixes[k] = (f, RAIN_C)
                if add < HOSE_LPM:
                    hosing = False
            level[k], system[k], tds[k], flow[k] = tank / L_PER_CM, (tank + bed) / L_PER_CM, c, p
        return level, system, tds, flow, mixes, spilt

    level, system, tds, flow, mixes, spilt = loop(True)
    twin_level, twin_system, _, twin_flow, twin_mixes, _ = loop(False)
    heat_ok = np.ones(n, dtype=bool)
    if rcd:
        heat_ok[rcd["start"]:rcd["end"]] = False
    beds_sun = 0.45 * sun * (flow > 0.0)  # the water through the sunlit clay
    water = water_temperature(air, 20.0, 24.0, 0.5, 21.8, 22.2, powered=heat_ok,
                              extra_c_per_h=beds_sun * (1.0 + ~doors_open), mixes=mixes)
    healthy = water_temperature(twin_air, 20.0, 24.0, 0.5, 21.8, 22.2,
                                extra_c_per_h=0.45 * sun * (twin_flow > 0.0) * (1.0 + ~twin_doors), mixes=twin_mixes)

    def alkalinity(overdose: bool) -> Array:
        """The buffer over the nitrifiers' acid, pH units: each dose mixing in over half an hour; a cup of
        lime's excess in twenty minutes, taken by the air's CO2 over half a day (and a quarter by her change)."""
        x = 6.95 - 0.09 * i / D
        for at, amount in doses.items():
            x = x + amount * np.clip((i - at) / 30.0, 0.0, 1.0)
        if overdose and lime:
            a = lime["start"]
            excess = 2.0 * np.clip((i - a) / 20.0, 0.0, 1.0) * np.exp(-np.maximum(i - a - 20, 0) / 720.0)
            x = x + excess * np.where(i >= lime["end"] + 18, 0.75, 1.0)
        return x

    daily = 0.05 * np.sin(2.0 * np.pi * (hour - 9.0) / 24.0)
    ph, twin_ph = alkalinity(True) + daily, alkalinity(False) + daily
    if lime:
        tds = tds + np.where(i >= lime["start"], 60.0 * np.clip((i - lime["start"]) / 20.0, 0.0, 1.0), 0.0)
    read_ph = ph.copy()
    fouled = fault_of(fault_list, "ph_probe_fouled")
    if fouled:
        a, b = fouled["start"], fouled["end"]
        read_ph[a:b] -= 0.25 * (i[a:b] - a) / D
    for f in fault_list:
        a, b = f["start"], f["end"]
        if f["kind"] == "bell_siphon_clogged":
            f["label_from"] = a + int(np.flatnonzero(spilt[a:b] > 0.0)[0])
            f["recovery"] = max(back_within(system, twin_system, b, 0.5), settled_after(water, healthy, b))
        elif f["kind"] == "pump_rcd_tripped_by_rain":
            f["recovery"] = 60
        elif f["kind"] == "lime_overdosed":
            f["label_from"] = departs(ph, twin_ph, a, b, 0.1)
            f["recovery"] = back_within(ph, twin_ph, b, 0.1)
        elif f["kind"] == "doors_left_shut":
            f["label_from"] = leaves_range(water, healthy, a, b)
            f["recovery"] = settled_after(water, healthy, b)
        elif f["kind"] == "ph_probe_fouled":
            f["label_from"] = departs(read_ph, ph, a, b, 0.1)
            f["recovery"] = 30
    tank = quiet_tank(4.0, {"temp_c": 0.02, "ph": 0.01, "tds_ppm": 3.0, "turb_ntu": 0.15, "level_cm": 0.08,
                            "flow_lpm": 0.15})

    def habits(v: dict, rng: np.random.Generator) -> list[str]:
        draw_water(v, hour, water, level, tds, read_ph, flow)
        for d in range(days):
            for h, ntu in ((8.0, 1.5), (12.5, 1.0), (18.0, 1.5)):
                _cloud(v, int(d * D + h * 60 + rng.integers(-15, 16)), float(rng.uniform(0.6, 1.0)) * ntu, 30.0)
        for at in topups:
            _cloud(v, at, 0.8, 20.0)  # the hose stirs the bottom
        if clog:  # the pump's last gulps, then the bell cleared and the bed's silt back into the tank
            _cloud(v, clog["end"] + 10, 3.0, 60.0)
        return ["flood and drain: a bell siphon every eleven minutes or so", "fed 8:00, 12:30, 18:00",
                "topped up from the rainwater tank at 19:00", "lime and potash every third morning at 9:00",
                "polytunnel doors open 7:30-21:00"]

    return finish17("polytunnel's aquaponics of tilapia (round 17, blind)", "tropical", tank, days, fault_list,
                    habits, seed, {"temp_c_low": 18.0, "temp_c_high": 32.0, "ph_low": 6.2, "ph_high": 8.0,
                                   "tds_ppm_high": 1200.0, "level_cm_low": 40.0, "level_cm_high": 72.0,
                                   "flow_lpm_low": 6.0})
