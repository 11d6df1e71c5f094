"""Round 12's third stranger, a breeder's fry tank changed by half every evening (written blind, never tuned on),
and the fault kinds the three round-12 months share (:mod:`benchmarks.keeper_month_strangers12` lists them in
:data:`~benchmarks.keeper_month_strangers12.STRANGERS12`).

Examples
--------
>>> s = fry_tank_month(days=3, faults=())
>>> bool(s.labels.any()), s.profile, s.limits["level_cm_low"]
(False, 'tropical', 11.0)
"""

from __future__ import annotations

from typing import Any

import numpy as np

from benchmarks.keeper_heat import room_air, settled_after, water_temperature
from benchmarks.keeper_month import DAY_MIN, Scenario, Tank, build
from benchmarks.keeper_month_blind import _spans
from benchmarks.keeper_month_paludarium import _as_probes_read, _cloud, weekday

#: fault kinds the round-12 months' habits draw (through the heat balance, the water's loops or the readings)
DRAWN_BY_HABITS = ("fan_dead", "uv_union_split", "sitter_overfed", "pump_airlocked", "thermometer_bitten",
                   "uv_stray_voltage", "heater_dead", "filter_unplugged", "seam_weeping", "ph_up_overdose",
                   "thermometer_on_hood", "canister_clogging", "cold_change", "refill_float_stuck",
                   "pump_left_off", "heater_stuck_on", "ro_unmineralised", "ph_probe_unplugged")


def apply_stranger12_fault(v: dict, f: dict[str, Any], rng: np.random.Generator) -> None:
    """The round-12 kinds are drawn by the months' habits; any other kind is a mistake in a month."""
    if f["kind"] not in DRAWN_BY_HABITS:
        raise ValueError(f"unknown round-12 fault kind {f['kind']!r}")


def fault_of(faults: list[dict[str, Any]], kind: str) -> dict[str, Any] | None:
    """The month's fault of ``kind``, or None."""
    return next((f for f in faults if f["kind"] == kind), None)


# --------------------------------------------------------------------------- a breeder's fry tank

#: where each change-bound fault starts, minutes after its evening change begins
AFTER_CHANGE = {"cold_change": 10, "refill_float_stuck": 18, "pump_left_off": 22, "ro_unmineralised": 10,
                "ph_probe_unplugged": 3}


def fry_tank_month(days: int = 30, seed: int = 1230, faults: tuple | None = None) -> Scenario:
    """Written round 12 blind, never tuned on: a breeder's 54 l fry grow-out tank, half its water changed every
    evening, in a fish room in a garage, in January.

    A bare 60×30×30 cm tank (1.8 l a cm, 27 cm of water to the float
    switch's mark, the rim at 30), a few hundred six-week-old rainbowfish
    fry; a sponge filter driven by a small powerhead (4 l/min through the
    flow meter, on the controller's relay; the sponge silts up and loses
    15 % of its flow over a week until it is squeezed in the old water each
    Sunday); a 100 W heater on its own thermostat at 28 °C (on at 27.8,
    off at 28.2: +1.6 °C/h, a 5 h time constant under a glass cover);
    every probe in this tank.  The fish room is a garage kept near 23.5 °C
    by an oil radiator (±1 °C, a cold snap of -3 °C around day 6).  Hard,
    aged tap water (TDS 180, pH 7.5) waits in a 200 l barrel held at 28 °C
    by its own heater.  Habits: baby brine shrimp five times a day (7:00,
    10:00, 13:00, 16:00, 19:00, each a cloud the fry clear in forty minutes
    and a little salt: TDS +4); every evening between 20:40 and 21:40 the
    breeder switches the powerhead off at the controller, drains 13.5 cm
    (half) to the floor drain in 8 minutes, and a small pump refills from
    the barrel (3 l/min) until the float switch stops it at the mark; the
    powerhead back on 22 minutes after it went off; the fry's acids lower
    the pH about 0.12 a day between changes; two glitches a day.  The
    breeder set the tropical profile with 25.5-30.5 °C, pH 6.6-8.0, TDS up
    to 400, the water 11-28.5 cm (the change drains to 13.5), flow 1.5
    l/min and more.  Faults: the barrel's heater dead through the cold
    snap (day 6's change with 20.5 °C water: the tank falls 3.7 °C at once;
    labelled from the refill until the tank's heater has it back), the
    refill pump's float switch stuck (the barrel pours over the rim onto
    the garage floor for 25 minutes, fry with it, until the breeder comes
    back from the other tanks), the powerhead left off after day 15's change
    (labelled from when it is usually back on until the 7:00 feeding),
    the heater's thermostat stuck on (the fry toward 31 °C, 6 h, until the
    19:00 feeding), the barrel refilled with RO water and not remineralised
    (day 24's change halves the TDS; without carbonate the pH falls 0.6 over
    the night and the day, until the breeder's 50 % change with corrected
    water at 18:30 the next day), the pH probe's cable pulled out of its BNC
    by the drain hose (the open input reads a flat 6.98, until the 7:00
    feeding).  Measured once (the engine of d58b4aa,
    /work/diag/blind12_measure.txt): 5 of 6 told, 0.00 false alerts a day,
    median told delay 31 min.  Not told: the powerhead left off overnight
    (the controller saying off, no flow, for 9.6 h).  Late: the stuck float
    switch, told only by "level falling" 32 min in -- after the spill, when
    the breeder siphoned back to the mark; the RO water, told after 400 min
    by "water drifting" (the pH 0.3 down; the halved TDS not told); the
    unplugged pH probe, told after 602 min by a "probe step" when it was
    plugged back in (its flat 6.98 not told).  Told quickly: the cold change
    (8 min, "temperature out of range"), the heater stuck on (22 min).
    False: none counted; one "water drifting" on pH listed at 8:10 on day 16,
    70 minutes after the powerhead was switched back on.
    """
    D = DAY_MIN
    n = days * D
    i = np.arange(n)
    weather = np.random.default_rng(seed + 1)
    room = room_air(days, weather, 23.5, 1.0, 15.0, 0.8) - 3.0 * np.exp(-((i / D - 6.0) / 1.0) ** 2)
    if faults is None:
        faults = ({"kind": "cold_change", "start": 6 * D + 21 * 60 + 10, "end": 6 * D + 21 * 60 + 40,
                   "barrel_c": 20.5},
                  {"kind": "refill_float_stuck", "start": 11 * D + 21 * 60 + 18, "end": 11 * D + 21 * 60 + 43},
                  {"kind": "pump_left_off", "start": 15 * D + 21 * 60 + 22, "end": 16 * D + 7 * 60},
                  {"kind": "heater_stuck_on", "start": 20 * D + 12 * 60 + 50, "end": 20 * D + 19 * 60},
                  {"kind": "ro_unmineralised", "start": 24 * D + 21 * 60 + 10, "end": 25 * D + 18 * 60 + 50},
                  {"kind": "ph_probe_unplugged", "start": 27 * D + 21 * 60 + 3, "end": 28 * D + 7 * 60})
    fault_list = [dict(f) for f in faults]
    changes = {d: d * D + 21 * 60 + int(weather.integers(-20, 41)) for d in range(days)}
    for f in fault_list:  # a fault bound to a change fixes that evening's change
        if f["kind"] in AFTER_CHANGE:
            changes[f["start"] // D] = f["start"] - AFTER_CHANGE[f["kind"]]
    ro = fault_of(fault_list, "ro_unmineralised")
    if ro:  # the breeder's corrective change replaces that evening's change
        changes[ro["end"] // D] = ro["end"] - 20
    mark, rim, l_per_cm = 27.0, 30.2, 1.8
    pump_off = np.zeros(n, dtype=bool)
    for at in changes.values():
        pump_off[at:at + 22] = True
    pump_off |= _spans(fault_list, "pump_left_off", n)
    stuck = fault_of(fault_list, "refill_float_stuck")
    if stuck:
        pump_off[stuck["start"]:stuck["end"] + 5] = True
    cold = fault_of(fault_list, "cold_change")
    drain_at = {at + k for at in changes.values() for k in range(8)}
    refill_from = {at + 10 for at in changes.values()}
    level, tds, acid = np.empty(n), np.empty(n), np.empty(n)
    mixes: dict[int, tuple[float, float]] = {}
    healthy_mixes: dict[int, tuple[float, float]] = {}
    lvl, c, a, refilling = mark, 210.0, 0.06, False
    feeds = {d * D + h * 60 + int(weather.integers(-10, 16)) for d in range(days) for h in (7, 10, 13, 16, 19)}
    for k in range(n):
        lvl -= 0.25 / D
        vol = lvl * l_per_cm
        c *= vol / (vol - 0.25 / D * l_per_cm)
        c += 10.0 / D + (4.0 if k in feeds else 0.0)
        a += 0.12 / D
        if k in drain_at:
            lvl -= 13.5 / 8.0
        if k in refill_from:
            refilling = True
        if refilling:
            add = 3.0 / l_per_cm
            over = stuck is not None and stuck["start"] - 1 <= k < stuck["end"]
            if not over:
                add = min(add, mark - lvl)
            if add > 1e-9:
                wrong = ro is not None and ro["start"] - 1 <= k < ro["end"] - 20
                vol, new = lvl * l_per_cm, add * l_per_cm
                frac = new / (vol + new)
                c = c * (1.0 - frac) + (8.0 if wrong else 180.0) * frac
                a *= 1.0 - frac
                chilled = cold is not None and cold["start"] <= k < cold["start"] + 10
                mixes[k] = (frac, cold.get("barrel_c", 20.5) if chilled else 28.0)
                healthy_mixes[k] = (frac, 28.0)
                lvl = min(lvl + add, rim)
            if not over and lvl >= mark - 1e-9:
                refilling = False
        if stuck and k == stuck["end"]:  # the breeder siphons it back to the mark
            lvl = mark
        level[k], tds[k], acid[k] = lvl, c, a
    on_at, off_at = np.full(n, 27.8), np.full(n, 28.2)
    hot = fault_of(fault_list, "heater_stuck_on")
    if hot:
        on_at[hot["start"]:hot["end"]] = off_at[hot["start"]:hot["end"]] = 100.0
    water = water_temperature(room, 5.0, 28.0, 1.6, on_at, off_at, mixes=mixes)
    healthy = water_temperature(room, 5.0, 28.0, 1.6, 27.8, 28.2, mixes=healthy_mixes)
    for f in fault_list:
        if f["kind"] in ("cold_change", "heater_stuck_on"):
            f["recovery"] = max(120, settled_after(water, healthy, f["end"]))
        elif f["kind"] == "pump_left_off":
            f["recovery"] = 60
    nobuffer = np.zeros(n)
    if ro:  # without carbonate the fry's acids take the pH down; the corrective change and fresh buffer restore it
        s0, fix = ro["start"], ro["end"] - 20
        k = np.maximum(i - s0, 0)
        nobuffer = np.where(i >= s0, 0.6 * (1.0 - np.exp(-k / 600.0)), 0.0)
        nobuffer = np.where(i >= fix, 0.5 * nobuffer[fix] * np.exp(-np.maximum(i - fix, 0) / 120.0), nobuffer)
        ro["recovery"] = int(np.flatnonzero(nobuffer[ro["end"]:] < 0.1)[0]) + 30
    still = np.zeros(n)
    off = fault_of(fault_list, "pump_left_off")
    if off:  # no surface movement overnight: CO2 builds in the crowded tank, the waste hangs in the water
        k = np.maximum(i - off["start"], 0)
        still = np.where(i >= off["start"], 1.0 - np.exp(-np.minimum(k, off["end"] - off["start"]) / 180.0), 0.0)
        still = np.where(i >= off["end"], still[off["end"] - 1] * np.exp(-np.maximum(i - off["end"], 0) / 30.0), still)
    tank = Tank(temp=0.0, temp_swing=0.0, ph=7.5, ph_swing=0.0, tds=0.0, tds_per_day=0.0, turb=0.7,
                feed_turb=0.0, level=0.0, evap_cm_per_day=0.0, flow=4.0,
                noise={"temp_c": 0.02, "ph": 0.01, "tds_ppm": 1.5, "turb_ntu": 0.05, "level_cm": 0.06,
                       "flow_lpm": 0.08})

    def habits(v: dict, rng: np.random.Generator) -> list[str]:
        v["temp_c"] = v["temp_c"] + water
        v["level_cm"] = v["level_cm"] + level
        v["tds_ppm"] = v["tds_ppm"] + tds
        v["ph"] += -acid - nobuffer - 0.15 * still
        v["turb_ntu"] += 0.5 * still
        since_sunday = np.array([(weekday(d) + 1) % 7 for d in range(days)]).repeat(D) + (i % D) / D
        v["flow_lpm"] *= 1.0 - 0.15 * since_sunday / 7.0
        v["flow_lpm"][pump_off] = 0.0
        v["pump"][pump_off] = 0.0
        if off:  # the breeder never switched it back on: the controller says off
            v["pump"][off["start"]:off["end"]] = 0.0
        for t in feeds:
            _cloud(v, t, float(rng.uniform(0.6, 1.0)), 40.0)
        for at in changes.values():
            _cloud(v, at + 10, 0.5, 30.0)
        return [f"50 % change every evening ({len(changes)})", "baby brine shrimp 7, 10, 13, 16, 19 h",
                "sponge squeezed on Sundays", "a cold snap in the garage around day 6"]

    s = build("breeder's 54 l fry tank, half changed nightly (round 12, blind)", "tropical", tank, days,
              fault_list, habits, 2.0, seed, apply=apply_stranger12_fault)
    f = fault_of(fault_list, "ph_probe_unplugged")
    if f:  # the open input: 0 mV and the amplifier's offset, a flat 6.98
        quiet = np.random.default_rng(seed + 2)
        s.values["ph"][f["start"]:f["end"]] = 6.98 + quiet.normal(scale=0.002, size=f["end"] - f["start"])
    s.limits = {"temp_c_low": 25.5, "temp_c_high": 30.5, "ph_low": 6.6, "ph_high": 8.0, "tds_ppm_high": 400.0,
                "level_cm_low": 11.0, "level_cm_high": 28.5, "flow_lpm_low": 1.5}
    return _as_probes_read(s)
