"""Round 16's third stranger, a riparium on a trickle filter in a flat (written blind, never tuned on;
:mod:`benchmarks.keeper_month_strangers16` lists the round's months in
:data:`~benchmarks.keeper_month_strangers16.STRANGERS16`).

Examples
--------
>>> s = riparium_trickle_month(days=3, faults=())
>>> bool(s.labels.any()), s.profile, s.limits["level_cm_low"]
(False, 'tropical', 10.0)
"""

from __future__ import annotations

import numpy as np

from benchmarks.keeper_heat import Array, leaves_range, lowpass, settled_after, water_temperature
from benchmarks.keeper_month import DAY_MIN, Scenario
from benchmarks.keeper_month_paludarium import _cloud, weekday
from benchmarks.keeper_month_strangers12_fry import fault_of
from benchmarks.keeper_month_strangers13 import _excess
from benchmarks.keeper_month_strangers13_awc import back_within, departs
from benchmarks.keeper_month_strangers14_sump import draw_water, quiet_tank
from benchmarks.keeper_month_strangers15_pond import minute_grid
from benchmarks.keeper_month_strangers16_pond import finish16, pour

#: the water's litres a cm, its mark, the trickle pump's intake; the pump, l/min; siphon and jug, cm a minute
L_PER_CM, MARK_CM, INTAKE_CM, PUMP_LPM, SIPHON_CM, JUG_CM = 2.7, 18.0, 7.0, 5.0, 0.9, 1.0
#: the change's water (tap and RO half and half), the RO's, ppm
MIX_TDS, RO_TDS = 180.0, 10.0
#: the keeper's weekend away: from Friday 17:00 (day 15) to Monday 20:00 (day 18)
AWAY = (15 * DAY_MIN + 17 * 60, 18 * DAY_MIN + 20 * 60)


def riparium_trickle_month(days: int = 30, seed: int = 1603, faults: tuple | None = None) -> Scenario:
    """Written round 16 blind, never tuned on: a riparium of emersed plants over endlers and cherry shrimp,
    in a flat's living room, January.

    A 60×45×60 cm tank under a glass lid, 18 cm of water (2.7 l a cm, 49
    l), hanging planters of pothos, peace lilies and ferns over it; a 5 l/min
    pump (its intake's strainer 7 cm above the bottom, the flow meter on its
    riser) lifts the water to a tray of filter wool and lava rock at the top
    of the background, from which it rains down a moss wall (the ripple
    keeps the water's CO2 at the air's); a 100 W heater (on at 24.6, off at
    25.0 °C: +1.75 °C/h for the 49 l, a 6 h time constant under the big
    air space); the level read by an ultrasonic sensor under the lid; an LED
    panel 9:00-21:00; a mister at 10:00, 14:00 and 18:00.  The room is heated
    to 20.5 °C from 6:30 to 22:30 (16 °C at night, 15 °C while the keeper is
    away).  The plants drink and the lamp dries: 1.4 cm a day by day, 0.5 by
    night.  Water: RO for the top-ups (TDS 10), tap and RO half and half for
    changes (TDS 180); the fish's acid 0.03 a day.  Habits: a top-up of RO by
    jug to the mark at about 7:40 every morning; fed at 8:00; on Saturday
    mornings the pump unplugged for 20 minutes, 25 % siphoned out, the wool
    rinsed, the water poured back from a jug warmed to 24 ± 1.5 °C; on Sunday
    at 11:00 the planters watered with fertiliser (its run-off: salts, a
    brown cloud); a weekend away in the middle of the month (no top-ups,
    change, watering or feeding: the water 3 cm down); two glitches a day.
    He set the tropical profile with 21-29 °C, pH 6.4-7.8, TDS up to 500, the
    water 10-22 cm, flow 2.5 l/min and more.  Faults: the tray's wool clogs
    and it spills over its back lip down behind the background onto the
    shelf (up to 1.5 l/min as the wool closes; the tank pumped out until the
    intake sucks air; labelled from when the water is 0.5 cm below its twin,
    until he is home and fills it with room-warm water), a mat of shed leaves
    sucked onto the pump's intake (the flow to a quarter in twenty minutes;
    labelled from when it is 1 l/min under its twin's, until he clears it
    at night), the heater's glass cracking at the water line the weekend's
    evaporation left bare (no heat in a room at 15 °C; labelled from when the
    water is 0.3 °C under its range, until he is home), a new planter of
    peat-based compost souring the water with every misting (labelled from
    when the pH is 0.1 under its twin's, until the Saturday change of 50 %
    with the planter taken out), a trailing pothos leaf hanging into the
    level sensor's beam (it reads the leaf, 9 cm above the water, most
    minutes, from its first; until he sees the level's graph two days later).
    """
    D = DAY_MIN
    n, i, hour, weather = minute_grid(days, seed)
    if faults is None:
        faults = ({"kind": "trickle_tray_spilling_behind", "start": 6 * D + 12 * 60 + 50, "end": 6 * D + 18 * 60 + 40},
                  {"kind": "intake_leaf_mat", "start": 10 * D + 15 * 60, "end": 10 * D + 21 * 60 + 30},
                  {"kind": "heater_cracked_at_waterline", "start": 17 * D + 4 * 60 + 10, "end": AWAY[1]},
                  {"kind": "peat_planter_acid", "start": 21 * D + 19 * 60, "end": 23 * D + 10 * 60},
                  {"kind": "level_sensor_leaf_in_beam", "start": 26 * D + 11 * 60, "end": 28 * D + 20 * 60 + 30})
    fault_list = sorted((dict(f) for f in faults), key=lambda f: f["start"])
    away = (i >= AWAY[0]) & (i < AWAY[1])
    home_days = [d for d in range(days) if not away[d * D + 8 * 60]]
    heated = (hour >= 6.5) & (hour < 22.5)
    wander = np.interp(i / D, np.arange(days + 1), weather.uniform(-0.7, 0.7, days + 1))
    room = lowpass(np.where(away, 15.0, np.where(heated, 20.5, 16.0)), 90.0) + wander
    lights = (hour >= 9.0) & (hour < 21.0)
    changes = [int(d * D + 10 * 60 + 30 + weather.integers(-30, 31)) for d in home_days if weekday(d) == 5]
    peat = fault_of(fault_list, "peat_planter_acid")
    part = {at: 0.5 if peat and at // D == peat["end"] // D else 0.25 for at in changes}
    if peat:
        peat["end"] = next(at for at in changes if at // D == peat["end"] // D)  # the siphon begins
    waterings = [d * D + 11 * 60 for d in home_days if weekday(d) == 6]
    topups = [int(d * D + 7 * 60 + 40 + weather.integers(-15, 16)) for d in home_days]
    topups.append(AWAY[1] + 30)
    mists = [d * D + h * 60 for d in range(days) for h in (10, 14, 18)]
    jug = {at: float(weather.normal(24.0, 1.5)) for at in changes}
    spill = fault_of(fault_list, "trickle_tray_spilling_behind")

    def loop(faulty: bool) -> tuple[Array, Array, Array, dict[int, tuple[float, float]]]:
        """The level, the salts, the fish's acid and each minute's poured water (fraction, °C)."""
        level, tds, acid, mixes = np.empty(n), np.empty(n), np.empty(n), {}
        lvl, c, h, pouring = MARK_CM - 0.3, 220.0, 0.05, None
        drains = {}
        for at in changes:
            cm = part[at] * MARK_CM
            for k in range(int(np.ceil(cm / SIPHON_CM))):
                drains[at + 2 + k] = min(SIPHON_CM, cm - k * SIPHON_CM)
        pours = {at + 12: (MIX_TDS, jug[at]) for at in changes}
        pours.update({at: (RO_TDS, 20.0) for at in topups})
        if faulty and spill:
            pours[spill["end"] + 5] = (MIX_TDS, 20.0)  # room-warm, no time to warm a jug
        mist_set, water_set = set(mists), set(waterings)
        for k in range(n):
            dry = (1.4 if lights[k] else 0.5) / D
            lvl -= dry + drains.get(k, 0.0)
            if faulty and spill and spill["start"] <= k < spill["end"] and lvl > INTAKE_CM + 0.3:
                lvl -= min(1.5, 1.5 * (k - spill["start"]) / 120.0) / L_PER_CM
            c = c * (lvl + dry) / lvl + 1.0 / D
            h += 0.03 / D
            if k in mist_set:
                c, lvl = c * lvl / (lvl + 0.04) + RO_TDS * 0.04 / (lvl + 0.04), lvl + 0.04
            if k in water_set:
                c += 8.0  # the fertiliser's run-off
            if k in pours:
                pouring = pours[k]
            if pouring is not None:
                lvl, c, h, f, full = pour(lvl, c, h, JUG_CM, MARK_CM, pouring[0])
                mixes[k] = (f, pouring[1])
                if full:
                    pouring = None
            level[k], tds[k], acid[k] = lvl, c, h
        return level, tds, acid, mixes

    level, tds, acid, mixes = loop(True)
    twin_level, _, twin_acid, twin_mixes = loop(False)
    unplugged = np.zeros(n, dtype=bool)
    for at in changes:
        unplugged[at:at + 20] = True
    twin_flow = np.where(unplugged, 0.0, PUMP_LPM)
    flow = np.where(level > INTAKE_CM + 0.3, twin_flow, 0.0)
    if spill:  # the wool closing: a little more head on the pump, then the intake sucking air
        a, b = spill["start"], spill["end"]
        flow[a:b] = np.where(flow[a:b] > 0.0, PUMP_LPM - 0.4 * np.minimum(1.0, (i[a:b] - a) / 120.0), 0.0)
    mat = fault_of(fault_list, "intake_leaf_mat")
    if mat:
        a, b = mat["start"], mat["end"]
        flow[a:b] *= 0.25 + 0.75 * np.exp(-(i[a:b] - a) / 20.0)
        mat["label_from"] = departs(flow, twin_flow, a, b, 1.0)
        mat["recovery"] = 30
    heater_ok = np.ones(n, dtype=bool)
    cracked = fault_of(fault_list, "heater_cracked_at_waterline")
    if cracked:
        heater_ok[cracked["start"]:cracked["end"]] = False
    extra = 0.2 * lights + 0.03 * (flow > 0.0)
    water = water_temperature(room, 6.0, 25.0, 1.75, 24.6, 25.0, powered=heater_ok, extra_c_per_h=extra,
                              mixes=mixes)
    healthy = water_temperature(room, 6.0, 25.0, 1.75, 24.6, 25.0,
                                extra_c_per_h=0.2 * lights + 0.03 * (twin_flow > 0.0), mixes=twin_mixes)
    # the pH: the water's carbonate, the fish's acid, the fertiliser's run-off; a planter's peat
    runoff = sum((_excess(n, at, 0.03, 20.0, at + 60, {}, 240.0) for at in waterings), np.zeros(n))
    twin_ph = 7.15 - twin_acid + 0.02 * lights - runoff
    ph = 7.15 - acid + 0.02 * lights - runoff
    tannin = np.zeros(n)
    if peat:
        a, b = peat["start"], peat["end"]
        cuts = {b + 12: 1.0 - part[b]}
        sour = _excess(n, a, 0.8, 18.0 * 60, b, cuts, 10.0 * 60)
        ph = ph - sour
        tannin = _excess(n, a, 0.6, 18.0 * 60, b, cuts, 10.0 * 60)
        peat["label_from"] = departs(ph, twin_ph, a, b, 0.1)
        peat["recovery"] = back_within(ph, twin_ph, b, 0.1)
    read_level = level.copy()
    leaf = fault_of(fault_list, "level_sensor_leaf_in_beam")
    if leaf:  # the leaf sways in the lid's draught: the beam finds the water a quarter of the minutes
        a, b = leaf["start"], leaf["end"]
        sways = np.random.default_rng(seed + 2).random(b - a) < 0.25
        read_level[a:b] = np.where(sways, level[a:b], level[a:b] + 9.0)
        leaf["recovery"] = 30
    for f in fault_list:
        a, b = f["start"], f["end"]
        if f["kind"] == "trickle_tray_spilling_behind":
            f["label_from"] = departs(level, twin_level, a, b, 0.5)
            full = b + int(np.flatnonzero(level[b:] >= MARK_CM - 0.01)[0])  # filled with room-warm water
            f["recovery"] = max(back_within(level, twin_level, b, 0.5), full - b + settled_after(water, healthy, full))
        elif f["kind"] == "heater_cracked_at_waterline":
            f["label_from"] = leaves_range(water, healthy, a, b)
            f["recovery"] = settled_after(water, healthy, b)
    tank = quiet_tank(0.4, {"temp_c": 0.02, "ph": 0.01, "tds_ppm": 1.2, "turb_ntu": 0.04, "level_cm": 0.05,
                            "flow_lpm": 0.08})

    def habits(v: dict, rng: np.random.Generator) -> list[str]:
        draw_water(v, hour, water, read_level, tds, ph, flow)
        v["pump"][unplugged] = 0.0
        v["turb_ntu"] += tannin
        for d in home_days:
            _cloud(v, int(d * D + 8 * 60 + rng.integers(-10, 11)), float(rng.uniform(0.15, 0.3)), 25.0)
        for at in changes:
            _cloud(v, at + 2, 0.8, 25.0)
            _cloud(v, at + 20, 0.5, 20.0)  # the rinsed wool's first rain
        for at in waterings:
            _cloud(v, at + 5, 0.5, 60.0)  # the planters' brown run-off
        if spill:
            _cloud(v, spill["end"] + 5, 1.0, 30.0)
        return [f"{part[at]:.0%} change by siphon and jug, day {at // D}" for at in changes] + [
            "RO top-up by jug 7:40 daily", "fed 8:00", "planters watered with fertiliser on Sundays",
            "mister 10:00, 14:00, 18:00", "weekend away days 15-18"]

    return finish16("flat's 49 l riparium on a trickle filter (round 16, blind)", "tropical", tank, days,
                    fault_list, habits, seed, {"temp_c_low": 21.0, "temp_c_high": 29.0, "ph_low": 6.4,
                                               "ph_high": 7.8, "tds_ppm_high": 500.0, "level_cm_low": 10.0,
                                               "level_cm_high": 22.0, "flow_lpm_low": 2.5})
