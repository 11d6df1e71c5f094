"""Round 19's second stranger, a hillstream loach "river" tank with a powerhead manifold, no heater and a fan, in an
Auckland flat's summer (written blind, never tuned on), and the fault kinds the three round-19 months share
(:mod:`benchmarks.keeper_month_strangers19` lists the round's months in
:data:`~benchmarks.keeper_month_strangers19.STRANGERS19`).

Examples
--------
>>> s = loach_river_month(days=3, faults=())
>>> bool(s.labels.any()), s.profile, s.limits["flow_lpm_low"]
(False, 'cold-water', 30.0)
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
from benchmarks.keeper_month_strangers17_aquaponics import sunshine

#: fault kinds the round-19 months' habits draw (through the heat balance, the water's loops or the readings)
DRAWN_BY_HABITS = ("heater_left_out_of_water", "food_tub_tipped", "filter_impeller_jammed", "hot_tap_refill",
                   "level_sensor_knocked",
                   "cooling_fan_seized", "manifold_intake_clogged", "manifold_union_dripping",
                   "ph_probe_junction_clogged", "rcd_tripped_in_storm",
                   "heater_thermostat_stuck_on", "canister_intake_pulled_up", "canister_disconnect_weeping",
                   "ph_probe_dragged_onto_dock", "salt_overdosed")


def apply_stranger19_fault(v: dict, f: dict[str, Any], rng: np.random.Generator) -> None:
    """The round-19 kinds are drawn by the months' habits; any other kind is a mistake in a month."""
    if f["kind"] not in DRAWN_BY_HABITS:
        raise ValueError(f"unknown round-19 fault kind {f['kind']!r}")


def finish19(name: str, profile: str, tank: Tank, days: int, faults: list[dict[str, Any]],
             habits: Callable[[dict, np.random.Generator], list[str]], seed: int, limits: dict[str, float]
             ) -> Scenario:
    """The month built with two glitches a day and its faults drawn by its ``habits`` (the round-19 kinds), and
    the ``limits`` its keeper set."""
    s = build(name, profile, tank, days, faults, habits, 2.0, seed, apply=apply_stranger19_fault)
    s.limits = limits
    return _as_probes_read(s)


def evaporated(lvl: float, c: float, h: float, cm_a_day: float, ppm_a_day: float, acid_a_day: float
               ) -> tuple[float, float, float]:
    """A minute of a tank's day: ``cm_a_day`` evaporated (its salts staying, concentrated), the fish's salts and
    acid added.  Returns the level, the salts and the acid."""
    evap = cm_a_day / DAY_MIN
    return lvl - evap, c * lvl / (lvl - evap) + ppm_a_day / DAY_MIN, h + acid_a_day / DAY_MIN


# --------------------------------------------------------------------------- a hillstream loach river tank

#: the tank's litres a cm, its ATO's mark, its rim; the manifold pump's intake; the ATO reservoir's litres
L_PER_CM, MARK_CM, RIM_CM, INTAKE_CM, RESERVOIR_L = 4.8, 36.0, 45.0, 24.0, 25.0
#: the manifold pump, l/min; the ATO's pump, l/min; the dripping union, l/min
PUMP_LPM, ATO_LPM, DRIP_LPM = 48.0, 1.0, 0.012
#: the RO water in the reservoir: salts, °C; the remineraliser she adds to each change's RO (its salts)
RO_TDS, RO_C, CHANGE_TDS = 8.0, 22.0, 170.0


def flat_air(i: np.ndarray, hour: Array, weather: np.random.Generator, days: int) -> Array:
    """An Auckland flat in January: 21-26 °C, the afternoon's peak at 16:00, a heatwave from day 11 to 14 (the
    flat 24-30 °C)."""
    means = weather.uniform(22.5, 24.0, days + 1)
    if days > 15:
        means[11:15] = (25.5, 27.0, 27.5, 26.0)
    daily = np.interp(i / DAY_MIN, np.arange(days + 1), means)
    return lowpass(daily + 2.2 * np.cos(2.0 * np.pi * (hour - 16.0) / 24.0), 60.0)


def loach_river_month(days: int = 30, seed: int = 1902, faults: tuple | None = None) -> Scenario:
    """Written round 19 blind, never tuned on: a 200 l "river" tank of hillstream loaches (Sewellia, Gastromyzon)
    and white cloud minnows in a flat in Auckland, January, without a heater.

    120×40×45 cm, 4.8 l a cm, the water held at 36 cm by an optical ATO
    (a 1 l/min pump from a 25 l reservoir of RO water, switching on 0.2 cm
    under the mark); a 48 l/min pump (its intake 24 cm up, the flow meter
    after it) feeds a manifold of spray nozzles along the back glass, a
    unidirectional flow over cobbles; no heater, the pump's 55 W adding
    0.2 °C/h; a clip-on fan on a controller (on above 23.5, off below
    23.0 °C) blowing across the surface (-0.7 °C/h, and 0.9 cm a day more
    evaporation while it runs); LEDs 9:00-21:00; the flat's air 21-26 °C,
    24-30 in a heatwave (days 11-14), the morning sun on the tank's end; a
    10 h time constant.  0.5 cm a day
    evaporates without the fan.  She changes 30 % on Sunday mornings at
    9:30 with the pump off (RO remineralised to 170 ppm in a barrel, 21 °C
    pumped in at 4 l/min), scrubbing the cobbles' algae (a cloud), and
    refills the ATO's reservoir then and on Wednesday evenings at 19:00;
    she feeds at 7:30 and 18:30 (repashy gel on Fridays, a cloud); the
    fish add 4 ppm and 0.015 of acid a day.  Two glitches a day.  She set the
    cold-water profile with 17-26 °C, pH 6.6-8.0, TDS up to 400, the water
    22-40 cm, flow 30 l/min and more.  Faults: the fan's bearing seizes in
    the heatwave (labelled from 0.3 °C over the range, until she fits a new
    fan at 18:40 the next evening), the pump's intake strainer clogged with
    the catappa leaves' skeletons and the biofilm (the flow falling to 45 %
    over ten hours; labelled from a quarter under its twin, until she cleans
    it), a union of the manifold dripping 12 ml a minute into the cabinet (the
    ATO makes it good from its reservoir until the reservoir runs dry, then
    the water falls; labelled from 0.5 cm under its twin, until she finds
    the puddle, tightens it, fills the reservoir and the tank), the pH
    probe's junction clogged with the biofilm (its reading falling 0.35 a day,
    the water fine; labelled from 0.1 off, until she recalibrates it), the
    flat's RCD tripped by a thunderstorm at night (the pump, the fan and the
    lights off, no flow from the first minute; until she wakes at 7:00).
    """
    D = DAY_MIN
    n, i, hour, weather = minute_grid(days, seed)
    if faults is None:
        faults = ({"kind": "rcd_tripped_in_storm", "start": 5 * D + 2 * 60 + 50, "end": 5 * D + 7 * 60},
                  {"kind": "cooling_fan_seized", "start": 12 * D + 13 * 60 + 20, "end": 13 * D + 18 * 60 + 40},
                  {"kind": "manifold_intake_clogged", "start": 17 * D + 6 * 60, "end": 17 * D + 19 * 60 + 30},
                  {"kind": "manifold_union_dripping", "start": 20 * D + 16 * 60, "end": 23 * D + 19 * 60 + 10},
                  {"kind": "ph_probe_junction_clogged", "start": 25 * D + 12 * 60, "end": 28 * D + 19 * 60 + 30})
    fault_list = sorted((dict(f) for f in faults), key=lambda f: f["start"])
    rcd, fan_dead = fault_of(fault_list, "rcd_tripped_in_storm"), fault_of(fault_list, "cooling_fan_seized")
    clog, drip = fault_of(fault_list, "manifold_intake_clogged"), fault_of(fault_list, "manifold_union_dripping")
    air = flat_air(i, hour, weather, days)
    sun = sunshine(hour, i, weather, days, 6.0, 20.8)
    changes = [int(d * D + 9 * 60 + 30 + weather.integers(-20, 21)) for d in range(days) if weekday(d) == 6]
    refills = sorted(changes + [int(d * D + 19 * 60 + weather.integers(-15, 16)) for d in range(days)
                                if weekday(d) == 2])
    power = np.ones(n, dtype=bool)
    if rcd:
        power[rcd["start"]:rcd["end"]] = False
    lit = (hour >= 9.0) & (hour < 21.0)
    lights = lit & power

    def loop(faulty: bool, fan_on: np.ndarray) -> tuple[Array, Array, Array, Array, dict[int, tuple[float, float]]]:
        """The level, the salts, the fish's acid, the manifold's flow and each minute's new water (fraction, °C),
        given when the fan ran."""
        level, tds, acid, flow, mixes = np.empty(n), np.empty(n), np.empty(n), np.empty(n), {}
        lvl, c, h, store, ato = MARK_CM, 150.0, 0.3, 18.0, False
        mains = power if faulty else np.ones(n, dtype=bool)
        change_at = {at: at for at in changes}
        draining, refilling = 0, False
        refill_at = set(refills)
        found = drip["end"] if faulty and drip else -1
        for k in range(n):
            lvl, c, h = evaporated(lvl, c, h, 0.5 + 0.9 * fan_on[k], 4.0, 0.015)
            q = PUMP_LPM if mains[k] else 0.0
            if faulty and clog and clog["start"] <= k < clog["end"]:
                q *= 1.0 - 0.55 * min(1.0, (k - clog["start"]) / 600.0)
            if faulty and drip and drip["start"] <= k < drip["end"]:
                lvl -= DRIP_LPM / L_PER_CM
            if k in change_at:
                draining = 15  # 30 %: 11 cm at 3.6 l/min siphoned to the garden
            if draining or refilling:
                q = 0.0  # the pump off while she changes
            if draining:
                lvl -= 0.72
                draining -= 1
                refilling = draining == 0
            elif refilling:
                add = min(4.0 / L_PER_CM, MARK_CM - lvl)
                f = add / (lvl + add)
                c, h, lvl = c * (1 - f) + CHANGE_TDS * f, h * (1 - f), lvl + add
                mixes[k] = (f, 21.0)
                refilling = lvl < MARK_CM - 1e-9
            if k in refill_at or k == found:
                store = RESERVOIR_L
            if k == found:  # the union tightened, the tank topped up from a jug of RO
                c, lvl = c * lvl / MARK_CM + RO_TDS * (1 - lvl / MARK_CM), MARK_CM
            ato = mains[k] and store > 0.0 and not (draining or refilling) and (
                lvl < MARK_CM - 0.2 or (ato and lvl < MARK_CM))
            if ato:
                add = min(ATO_LPM, store)
                store -= add
                f = add / L_PER_CM / (lvl + add / L_PER_CM)
                c, h, lvl = c * (1 - f) + RO_TDS * f, h * (1 - f), lvl + add / L_PER_CM
                mixes[k] = (f, RO_C)
            if lvl <= INTAKE_CM + 0.5:
                q = 0.0
            level[k], tds[k], acid[k], flow[k] = lvl, c, h, q
        return level, tds, acid, flow, mixes

    def temperature(faulty: bool) -> tuple[Array, np.ndarray, tuple]:
        """The water's temperature and when the fan ran (the fan's evaporation feeds the level's loop)."""
        fan_ok = power.copy() if faulty else np.ones(n, dtype=bool)
        if faulty and fan_dead:
            fan_ok[fan_dead["start"]:fan_dead["end"]] = False
        fan_on = np.zeros(n, dtype=bool)
        for _ in range(2):  # the fan's hours from the water's temperature, the level's loop from the fan's hours
            made = loop(faulty, fan_on)
            pump = made[3] > 0.0
            extra = 0.2 * pump + 0.1 * (lights if faulty else lit) + 0.2 * sun
            water = water_temperature(air, 10.0, 23.0, 0.7, 23.5, 23.0, cooling=True, powered=fan_ok,
                                      extra_c_per_h=extra, mixes=made[4])
            on, running = False, np.zeros(n, dtype=bool)
            for k, t in enumerate(water.tolist()):
                on = t > 23.5 or (on and t > 23.0)
                running[k] = on and fan_ok[k]
            fan_on = running
        return water, fan_on, loop(faulty, fan_on)

    water, fan_on, (level, tds, acid, flow, mixes) = temperature(True)
    healthy, _, (twin_level, _, _, twin_flow, _) = temperature(False)
    ph = 7.45 - acid + 0.04 * lowpass(lights.astype(float), 90.0)
    read_ph = ph.copy()
    junction = fault_of(fault_list, "ph_probe_junction_clogged")
    if junction:
        a, b = junction["start"], junction["end"]
        read_ph[a:b] = ph[a:b] - 0.35 * (i[a:b] - a) / D
    for f in fault_list:
        a, b = f["start"], f["end"]
        if f["kind"] == "cooling_fan_seized":
            f["label_from"] = leaves_range(water, healthy, a, b)
            f["recovery"] = settled_after(water, healthy, b)
        elif f["kind"] == "manifold_intake_clogged":
            f["label_from"] = departs(flow, twin_flow, a, b, PUMP_LPM / 4.0)
            f["recovery"] = 30
        elif f["kind"] == "manifold_union_dripping":
            f["label_from"] = departs(level, twin_level, a, b, 0.5)
            f["recovery"] = back_within(level, twin_level, b, 0.5)
        elif f["kind"] == "ph_probe_junction_clogged":
            f["label_from"] = departs(read_ph, ph, a, b, 0.1)
            f["recovery"] = 30
        elif f["kind"] == "rcd_tripped_in_storm":
            f["recovery"] = settled_after(water, healthy, b)
    tank = quiet_tank(0.5, {"temp_c": 0.02, "ph": 0.01, "tds_ppm": 1.2, "turb_ntu": 0.04, "level_cm": 0.12,
                            "flow_lpm": 0.5})

    def habits(v: dict, rng: np.random.Generator) -> list[str]:
        draw_water(v, hour, water, level, tds, read_ph, flow)
        for d in range(days):
            for h, ntu in ((7.5, 0.25), (18.5, 0.8 if weekday(d) == 4 else 0.3)):
                _cloud(v, int(d * D + h * 60 + rng.integers(-15, 16)), ntu * float(rng.uniform(0.7, 1.3)), 30.0)
        for at in changes:
            _cloud(v, at + 2, 2.5, 40.0)  # the cobbles' algae scrubbed off
            _cloud(v, at + 45, 1.0, 30.0)  # the pump's restart stirs the sand
        if rcd:
            _cloud(v, rcd["end"], 0.8, 30.0)
        v["turb_ntu"] = v["turb_ntu"] * np.where(flow > 0.0, 1.0, 0.7)
        return [f"30 % change with remineralised RO, day {at // D}" for at in changes] + [
            "ATO from a 25 l RO reservoir refilled on Sundays and Wednesday evenings",
            "fan on a controller above 23.5 °C", "a heatwave days 11-14", "fed 7:30 and 18:30"]

    return finish19("Auckland flat's 200 l hillstream loach river tank (round 19, blind)", "cold-water", tank, days,
                    fault_list, habits, seed, {"temp_c_low": 17.0, "temp_c_high": 26.0, "ph_low": 6.6,
                                               "ph_high": 8.0, "tds_ppm_high": 400.0, "level_cm_low": 22.0,
                                               "level_cm_high": 40.0, "flow_lpm_low": 30.0})
