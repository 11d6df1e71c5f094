"""Round 14's third stranger, a 75 l tank in a holiday home (written blind, never tuned on;
:mod:`benchmarks.keeper_month_strangers14` lists the round's months in
:data:`~benchmarks.keeper_month_strangers14.STRANGERS14`).

Examples
--------
>>> s = holiday_home_month(days=3, faults=())
>>> bool(s.labels.any()), s.profile, len(s.t_ms) == 3 * DAY_MIN
(False, 'tropical', True)
"""

from __future__ import annotations

import numpy as np

from benchmarks.keeper_heat import Array, leaves_range, lowpass, settled_after, water_temperature
from benchmarks.keeper_month import DAY_MIN, Scenario, build
from benchmarks.keeper_month_paludarium import _as_probes_read, _cloud, weekday
from benchmarks.keeper_month_strangers12_fry import fault_of
from benchmarks.keeper_month_strangers13 import _excess
from benchmarks.keeper_month_strangers13_awc import back_within, departs
from benchmarks.keeper_month_strangers14_sump import apply_stranger14_fault, draw_water, quiet_tank

#: the tank's litres a cm, the owner's mark, the rim (what is above it is on the floor), the hose's flow
L_PER_CM, MARK_CM, RIM_CM, HOSE_LPM = 1.8, 40.0, 44.0, 4.0
#: minutes the controller's UPS lasts; the last minutes its sagging 5 V rail skews the analog probes
UPS_MIN, SAG_MIN = 300, 30


def holiday_home_month(days: int = 30, seed: int = 1403, faults: tuple | None = None) -> Scenario:
    """Written round 14 blind, never tuned on: a 75 l tank of zebra danios and corydoras in a holiday home in
    the hills, January; the owner there at weekends.

    60×30×45 cm, 40 cm of water (1.8 l a cm; the level probe in the tank),
    a glass lid; an internal filter of 8 l/min on the controller's relay
    (its flow meter on the outlet, its intake slots 3 cm under the mark), a
    sponge filter on an air pump with its own battery for power cuts (about
    8 h); a 150 W heater on its own thermostat (on at 23.8, off at 24.2 °C:
    +1.72 °C/h, a 12 h time constant with the styrofoam back); the
    controller and the router on a small UPS (5 h).  The house: frost
    protection at 11 °C in the week (±1.5 with the weather, a little sun in
    the afternoon), 20 °C from the owner's arrival on Friday evening to his
    departure on Sunday at 17:00, the walls taking hours to follow; the warm
    water in the cold house evaporates 0.4 cm a day, 0.25 when the house is
    warm.  Well water: TDS 380, pH 7.6 once its CO2 has left (straight from
    the tap it carries CO2: the pH dips after a change and comes back over
    hours).  Habits: an automatic feeder at 9:00; the owner's big feeding on
    arrival (Friday 19:30 ± 1 h); on Saturday at about 10:00 a 30 % change
    (the filter off at the controller for 30 minutes, 12 cm siphoned into
    buckets, refilled by a hose from the kitchen's mixer at 4 l/min, 24 ± 1
    °C); on Sunday at 15:30 a top-up to the mark; a neighbour looks in on
    Wednesdays at about 17:30 with a pinch of food; the rural line drops for
    a minute or two a few times a month (the recloser; the filter stops, the
    controller on its UPS reads on); two glitches a day.  The owner misses
    the weekend of 23-25 January (ill): no change, no top-up.  The owner set
    the tropical profile with 21-27 °C, pH 6.8-8.0, TDS up to 600, the water
    24-42 cm, flow 4 l/min and more.  Faults: the change's hose forgotten
    while the owner fetches wood (over the mark, over the rim onto the floor;
    the mixer's 15 l boiler runs out and the well's 9 °C water comes in;
    until he is back 16 minutes later), a storm's 9.5 h cut on a Wednesday
    night (the heater and the filter off, the air pump on its battery; the
    UPS lasts 5 h: in its last half hour the sagging 5 V rail skews the pH,
    TDS, turbidity and level readings, then nothing until the power is back),
    the heater killed by the surge when a 3-minute cut ends (labelled from
    when the water is 0.3 °C below its range of the day before, until the
    neighbour fits a spare heater the next evening), mice biting through the
    air line on a Sunday night (CO2 builds in the still water; labelled from
    when the pH is 0.1 below its range, until the neighbour, phoned, comes
    on Monday evening), the internal filter sucking air after the missed
    weekend (the water below its intake slots: it gulps air, ever more
    often; labelled from its first gulp, until the neighbour tops up).
    """
    D = DAY_MIN
    n = days * D
    i = np.arange(n)
    hour = (i / 60.0) % 24.0
    weather = np.random.default_rng(seed + 1)
    if faults is None:
        faults = ({"kind": "refill_hose_forgotten", "start": 9 * D + 10 * 60 + 26, "end": 9 * D + 10 * 60 + 42},
                  {"kind": "storm_power_cut", "start": 13 * D + 21 * 60 + 40, "end": 14 * D + 7 * 60 + 10},
                  {"kind": "heater_blown_by_surge", "start": 5 * D + 14 * 60 + 20, "end": 6 * D + 17 * 60 + 45},
                  {"kind": "airline_chewed", "start": 17 * D + 23 * 60 + 30, "end": 18 * D + 18 * 60 + 45},
                  {"kind": "filter_sucking_air", "start": 25 * D + 4 * 60, "end": 25 * D + 18 * 60 + 30})
    fault_list = sorted((dict(f) for f in faults), key=lambda f: f["start"])
    missed = {22, 23, 24}
    home = np.zeros(n, dtype=bool)
    arrivals = []
    for d in range(days):
        if weekday(d) == 4 and d not in missed:
            at = int(d * D + 19.5 * 60 + weather.integers(-60, 61))
            arrivals.append(at)
            home[at:min(n, (d + 2) * D + 17 * 60)] = True
    wander = np.interp(i / D, np.arange(days + 1), weather.uniform(-1.5, 1.5, days + 1))
    target = np.where(home, 20.0 + 1.5 * ((hour >= 18) & (hour < 23)), 11.0 + wander)
    room = lowpass(target, 240.0) + 0.8 * np.cos(2 * np.pi * (hour - 14.0) / 24.0)
    # the mains: the recloser's blips, the storm, the surge's short cut
    mains = np.ones(n, dtype=bool)
    busy = np.zeros(n, dtype=bool)
    for f in fault_list:
        busy[max(0, f["start"] - D // 2):f["end"] + D // 2] = True
    for at in weather.choice(np.flatnonzero(~busy[2 * D:]) + 2 * D, size=5 if days >= 10 else 0, replace=False):
        mains[at:at + int(weather.integers(1, 3))] = False
    storm = fault_of(fault_list, "storm_power_cut")
    if storm:
        mains[storm["start"]:storm["end"]] = False
    surge = fault_of(fault_list, "heater_blown_by_surge")
    alive = np.ones(n, dtype=bool)
    if surge:
        mains[surge["start"] - 3:surge["start"]] = False
        alive[surge["start"]:surge["end"]] = False
    # the owner's changes: (minute, cm siphoned); the refill by hose to the mark, the hose forgotten once
    hose = fault_of(fault_list, "refill_hose_forgotten")
    changes = []
    for d in range(days):
        if weekday(d) == 5 and d not in missed:
            at = int(d * D + 10 * 60 + weather.integers(-45, 46))
            if hose and hose["start"] // D == d:
                at = hose["start"] - 21  # 12 minutes' siphon, 3 to fetch the hose, 5.4 to the mark
            changes.append(at)
    mixed_c = {at: float(weather.normal(24.0, 1.0)) for at in changes}  # the owner's hand at the mixer
    relay_off = np.zeros(n, dtype=bool)
    for at in changes:
        relay_off[at:at + 30] = True
    topups = {d * D + 15 * 60 + 30 for d in range(days) if weekday(d) == 6 and d not in missed}
    sucking = fault_of(fault_list, "filter_sucking_air")
    if sucking:
        topups.add(sucking["end"])  # the neighbour, phoned, fills it to the mark
    evap = (0.15 + 0.02 * (24.0 - room)) / D

    def loop(forgotten: bool) -> tuple[Array, Array, Array, dict[int, tuple[float, float]]]:
        """The level, the salts, the well water's CO2 (pH below its degassed value) and the heat's mixes."""
        level, tds, co2, mixes = np.empty(n), np.empty(n), np.empty(n), {}
        lvl, c, g, boiler, filling = MARK_CM - 0.5, 410.0, 0.0, 15.0, False
        drains = {at + k for at in changes for k in range(12)}
        fills = {at + 15: mixed_c[at] for at in changes}
        mix_c = 24.0
        for k in range(n):
            if k in fills:
                filling, boiler, mix_c = True, 15.0, fills[k]
            lvl -= evap[k] + (1.0 if k in drains else 0.0)
            c = c * (lvl + evap[k]) / lvl + 1.5 / D
            g -= g / 240.0
            if filling:
                add = HOSE_LPM / L_PER_CM
                if not (forgotten and hose and hose["start"] - 30 <= k < hose["end"]):
                    add = min(add, MARK_CM - lvl)
                hot = min(1.68, boiler)
                boiler -= hot
                temp = mix_c - (1.68 - hot) * (45.0 - 9.0) / HOSE_LPM  # the boiler empty: the well's 9 °C
                f = add / (lvl + add)
                c, g, lvl = c * (1 - f) + 380.0 * f, g * (1 - f) + 0.5 * f, lvl + add
                mixes[k] = (f, temp)
                lvl = min(lvl, RIM_CM)  # the rest runs over the rim
                filling = lvl < MARK_CM or (forgotten and hose is not None and hose["start"] - 30 <= k < hose["end"] - 1)
            if forgotten and hose and k == hose["end"] + 5:
                lvl = MARK_CM  # siphoned back to the mark
            if k in topups and lvl < MARK_CM:
                f = (MARK_CM - lvl) / MARK_CM
                c, lvl = c * (1 - f) + 380.0 * f, MARK_CM
            level[k], tds[k], co2[k] = lvl, c, g
        return level, tds, co2, mixes

    level, tds, co2, mixes = loop(True)
    twin_level, _, twin_co2, twin_mixes = loop(False)
    running = mains & ~relay_off
    extra = np.where((hour >= 12.0) & (hour < 20.0), 0.05, 0.0) + 0.07 * running
    water = water_temperature(room, 12.0, 24.0, 1.72, 23.8, 24.2, powered=mains & alive, extra_c_per_h=extra,
                              mixes=mixes)
    twin_mains = mains.copy()
    if storm:
        twin_mains[storm["start"]:storm["end"]] = True
    healthy = water_temperature(room, 12.0, 24.0, 1.72, 23.8, 24.2, powered=twin_mains,
                                extra_c_per_h=np.where((hour >= 12.0) & (hour < 20.0), 0.05, 0.0) + 0.07 * ~relay_off,
                                mixes=twin_mixes)
    lights = (hour >= 12.0) & (hour < 20.0)
    acid = np.cumsum(np.full(n, 0.015 / D))
    for at in changes:
        acid[at + 15:] -= 0.3 * acid[at + 15]
    ph_twin = 7.6 - acid - twin_co2 + 0.04 * lights
    chewed = fault_of(fault_list, "airline_chewed")
    still = np.zeros(n)
    if chewed:  # no bubbles: the filter's outlet under the surface barely stirs it; the plants help by day
        a, b = chewed["start"], chewed["end"]
        still = _excess(n, a, 0.3, 8.0 * 60, b, {}, 90.0) * np.where(lights, 0.6, 1.0)
        chewed["label_from"] = leaves_range(ph_twin - still, ph_twin, a, b, margin=0.1)
        chewed["recovery"] = back_within(still, np.zeros(n), b, 0.1)
    ph = 7.6 - acid - co2 + 0.04 * lights - still
    flow = np.where(running, 8.0, 0.0)
    if sucking:  # the water under the intake's slots: a vortex, gulps of air, ever more often
        a, b = sucking["start"], sucking["end"]
        slots = float(twin_level[a])
        gulp = np.clip((slots - level[a:b]) / 0.25, 0.0, 1.0)
        gulping = np.random.default_rng(seed + 2).random(b - a) < gulp
        flow[a:b] = np.where(gulping, 8.0 * 0.35, flow[a:b])
        sucking["label_from"] = a + int(np.flatnonzero(gulping)[0])
        sucking["recovery"] = 30
    for f in fault_list:
        if f["kind"] == "refill_hose_forgotten":
            f["label_from"] = departs(level, twin_level, f["start"], f["end"], 0.5)
            f["recovery"] = settled_after(water, healthy, f["end"])
        elif f["kind"] == "storm_power_cut":
            f["recovery"] = settled_after(water, healthy, f["end"])
        elif f["kind"] == "heater_blown_by_surge":
            f["label_from"] = leaves_range(water, healthy, f["start"], f["end"])
            f["recovery"] = settled_after(water, healthy, f["end"])
    tank = quiet_tank(0.7, {"temp_c": 0.02, "ph": 0.01, "tds_ppm": 1.5, "turb_ntu": 0.05, "level_cm": 0.06,
                            "flow_lpm": 0.15})

    def habits(v: dict, rng: np.random.Generator) -> list[str]:
        draw_water(v, hour, water, level, tds, ph, flow)
        v["pump"][relay_off] = 0.0
        for d in range(days):
            _cloud(v, d * D + 9 * 60, 0.2, 30.0)
            if weekday(d) == 2:
                _cloud(v, int(d * D + 17.5 * 60 + rng.integers(-90, 91)), 0.3, 30.0)
        for at in arrivals:
            _cloud(v, at + 20, 0.8, 40.0)
        for at in changes:
            _cloud(v, at, 1.0, 40.0)
        return [f"change day {at // D} (30 %)" for at in changes] + [
            "feeder 9:00", "owner Friday evening to Sunday 17:00 (not days 22-24)", "neighbour on Wednesdays",
            f"{int((~mains).sum())} minutes without mains"]

    s = build("holiday home's 75 l, frost-protected in the week, power cuts (round 14, blind)", "tropical", tank,
              days, fault_list, habits, 2.0, seed, apply=apply_stranger14_fault)
    if storm:  # the UPS's battery dies: the analog probes skewed by its sagging rail, then no readings
        a, b = storm["start"], storm["end"]
        sag0, dead = a + UPS_MIN - SAG_MIN, a + UPS_MIN
        if dead < b:
            ramp = np.arange(SAG_MIN) / SAG_MIN
            s.values["ph"][sag0:dead] -= 0.8 * ramp
            s.values["tds_ppm"][sag0:dead] *= 1.0 - 0.3 * ramp
            s.values["turb_ntu"][sag0:dead] += 3.0 * ramp
            s.values["level_cm"][sag0:dead] *= 1.0 - 0.1 * ramp
            keep = np.ones(len(s.t_ms), dtype=bool)
            keep[dead:b + 2] = False  # the controller boots and finds its network two minutes after the power
            s.t_ms, s.labels = s.t_ms[keep], s.labels[keep]
            s.values = {k: x[keep] for k, x in s.values.items()}
            s.habits.append(f"no readings for {b + 2 - dead} minutes (the UPS flat)")
    s.limits = {"temp_c_low": 21.0, "temp_c_high": 27.0, "ph_low": 6.8, "ph_high": 8.0, "tds_ppm_high": 600.0,
                "level_cm_low": 24.0, "level_cm_high": 42.0, "flow_lpm_low": 4.0}
    return _as_probes_read(s)
