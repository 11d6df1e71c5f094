"""Round 19: three keepers' months written blind -- from neither the engine's code, its thresholds nor its
outputs -- and never tuned on (issue 16's strangers, a twelfth time).

Written as their keepers would live them, from the physics of a tank and real keeping habits, to be measured
once through ``evaluate`` (as :func:`benchmarks.bench_detection.keeper_months` does) and not changed after.
They reuse the probes, noise, glitches and labelling of :mod:`benchmarks.keeper_month`, the heat balance of
:mod:`benchmarks.keeper_heat`, the twin-based labels of :mod:`benchmarks.keeper_month_strangers13_awc` and the
drawn water of :mod:`benchmarks.keeper_month_strangers14_sump`, and add what no earlier month has:

- tanks: a 90 l tropical tank in a care home's lounge in the English Midlands, fed by the residents whenever
  they pass and cleaned by a weekly volunteer; a 200 l hillstream loach "river" tank with a spray-bar manifold,
  no heater and a fan on a controller, in an Auckland flat's summer
  (:mod:`benchmarks.keeper_month_strangers19_river`); a fifteen-year-old's 45 l tub of hatchling musk turtles
  with a basking lamp and a UVB tube on a timer plug and a small canister, in a Toronto bedroom
  (:mod:`benchmarks.keeper_month_strangers19_turtle`);
- habits: the home's heating on a timer, staff feeding at 9:00 and the residents' pinches (and the visitors' on
  Sunday afternoons), a volunteer's 30 % change on Wednesdays with the filter off, a jug on Thursday and Sunday
  mornings; an ATO from an RO reservoir refilled twice a week, the fan's evaporation, a Sunday change with
  remineralised RO and the cobbles scrubbed, a heatwave; changes on Wednesdays after school and on Saturdays with
  the canister rinsed, a jug each evening, the house set back at night, feeds before and after school;
- faults: the heater left lying on the gravel above the water after a change, a resident tipping the whole tub
  of flake in (the food rotting: a bloom, the pH down), the filter's impeller seized by the hard water's scale,
  a stand-in volunteer refilling from the kitchen's hot tap, the level sensor knocked askew by the tea trolley;
  the RCD tripped in a thunderstorm, the fan's bearing seized in the heatwave, the pump's strainer clogged with
  leaf skeletons, a manifold union dripping behind the ATO's back, the pH probe's junction clogged; the heater's
  thermostat stuck on in a shallow tub, a turtle pulling the canister's intake out of the water, a
  quick-disconnect weeping onto the floor, a turtle dragging the pH probe onto its dock, a dad's salt.

A fault is labelled from the minute its keeper would want to hear of it: a stopped pump, a probe reading what is
not the water from its first minute; a slow fault (``label_from``) when the water or the reading leaves what it
would have been: a temperature 0.3 °C outside the range the same tank without the fault took over the day
before and meanwhile (:func:`benchmarks.keeper_heat.leaves_range`), a pH, a level, a flow, a turbidity or a
reading that departs from its twin by a keeper's resolution (:func:`benchmarks.keeper_month_strangers13_awc.departs`);
until it is fixed, plus the water's recovery.

Examples
--------
>>> s = care_home_lounge_month(days=3, faults=())
>>> bool(s.labels.any()), s.profile, len(s.t_ms) // DAY_MIN
(False, 'tropical', 3)
"""

from __future__ import annotations

import numpy as np

from benchmarks.keeper_heat import Array, leaves_range, lowpass, settled_after, water_temperature
from benchmarks.keeper_month import DAY_MIN, Scenario
from benchmarks.keeper_month_paludarium import _cloud, timer_room, weekday
from benchmarks.keeper_month_strangers12_fry import fault_of
from benchmarks.keeper_month_strangers13_awc import back_within, departs
from benchmarks.keeper_month_strangers14_sump import draw_water, quiet_tank
from benchmarks.keeper_month_strangers15_pond import minute_grid
from benchmarks.keeper_month_strangers16_pond import pour
from benchmarks.keeper_month_strangers19_river import evaporated, finish19, loach_river_month
from benchmarks.keeper_month_strangers19_turtle import hatchling_tub_month

#: the tank's litres a cm, its mark, its rim; the internal filter's l/min; the level sensor's face above the bottom
L_PER_CM, MARK_CM, RIM_CM, FILTER_LPM, SENSOR_CM = 2.4, 36.0, 40.0, 8.0, 44.0
#: the volunteer's siphon and buckets, the staff's jug, cm a minute; the depth she siphons
SIPHON_CM, BUCKET_CM, JUG_CM, CHANGE_CM = 1.05, 1.5, 0.5, 10.5
#: the Midlands' hard tap water: salts, pH (what the acid is measured from); the combi boiler's hot tap, °C
TAP_TDS, TAP_PH, HOT_TAP_C = 330.0, 7.8, 41.0


def care_home_lounge_month(days: int = 30, seed: int = 1901, faults: tuple | None = None) -> Scenario:
    """Written round 19 blind, never tuned on: a 90 l tank of platies, mollies and a bristlenose in the lounge of a
    care home in the English Midlands, January, fed by the residents whenever they pass.

    80×30×40 cm, 2.4 l a cm, 36 cm of water to the mark (the rim at 40);
    an 8 l/min internal power filter (the flow meter on its outlet); a 150 W
    heater (on at 24.8, off at 25.2 °C: +1.43 °C/h, an 8 h time constant);
    the ultrasonic level sensor in the hood, its face 44 cm above the
    bottom; lights 8:00-21:00.  The home's heating holds the lounge at 23.5
    °C from 6:30 to 22:00 and lets it fall to 20.5 overnight.  The tap water
    is hard (TDS 330, pH 7.8); 0.5 cm a day evaporates; the fish add 4 ppm
    and 0.025 of acid a day.  Habits: a carer feeds at 9:00; residents add a
    pinch when they pass (two a day between 10:00 and 20:00, a spoonful one
    time in ten), the visitors on Sunday afternoons four more; a volunteer
    comes on Wednesdays at 10:30 after the residents' coffee, switches the
    filter off for forty minutes, siphons 30 % and rinses the sponge in it,
    refills from buckets mixed to 24 ± 1.5 °C; a carer tops up to the mark
    with a jug on Thursday and Sunday mornings at 8:30.  Two glitches a day.
    The manager set the tropical profile with 22-29 °C, pH 6.5-8.2, TDS up
    to 700, the water 22-39 cm, flow 3 l/min and more.  Faults: the
    volunteer leaves the heater lying on the gravel above the water after her
    change (it cuts out on its fuse; the water toward the lounge's air;
    labelled from 0.3 °C under the range, until the carer finds it at 9:05
    next morning), a resident tips the whole tub of flake in on a Saturday
    afternoon (a cloud at once, then a bacterial bloom, the pH down 0.5 and
    the salts up as it rots; labelled from 2 NTU over its twin, until the
    volunteer, called in, changes half at 11:00 on Sunday), the filter's
    impeller seized by the hard water's scale at night (no flow from its
    first minute, until the carer's feed at 9:00), a stand-in volunteer
    refills from the kitchen's hot tap at 41 °C (labelled from 0.3 °C over
    the range, until the manager floats two frozen bottles at 14:00), the
    tea trolley knocks the level sensor askew on a Sunday afternoon (its echo
    off the glass's corner: the water read 4 cm low and jumpy, from the first
    minute, until the volunteer's 9:00 round next morning).
    """
    D = DAY_MIN
    n, i, hour, weather = minute_grid(days, seed)
    if faults is None:
        faults = ({"kind": "food_tub_tipped", "start": 9 * D + 15 * 60 + 20, "end": 10 * D + 11 * 60},
                  {"kind": "heater_left_out_of_water", "start": 13 * D + 11 * 60 + 10, "end": 14 * D + 9 * 60 + 5},
                  {"kind": "filter_impeller_jammed", "start": 18 * D + 2 * 60 + 10, "end": 18 * D + 9 * 60},
                  {"kind": "hot_tap_refill", "start": 20 * D + 10 * 60 + 48, "end": 20 * D + 14 * 60},
                  {"kind": "level_sensor_knocked", "start": 24 * D + 15 * 60 + 30, "end": 25 * D + 9 * 60})
    fault_list = sorted((dict(f) for f in faults), key=lambda f: f["start"])
    tipped, out = fault_of(fault_list, "food_tub_tipped"), fault_of(fault_list, "heater_left_out_of_water")
    jammed, hot = fault_of(fault_list, "filter_impeller_jammed"), fault_of(fault_list, "hot_tap_refill")
    room = timer_room(i, weather, 23.5, 20.5, [(6.5, 22.0)], 0.4)
    lights = (hour >= 8.0) & (hour < 21.0)
    visits = [int(d * D + 10 * 60 + 30) for d in range(days) if weekday(d) == 2]
    kettle = {at: float(weather.normal(24.0, 1.5)) for at in visits}
    jugs = {int(d * D + 8 * 60 + 30 + weather.integers(-15, 16)) for d in range(days) if weekday(d) in (3, 6)}
    rescue = tipped["end"] if tipped else -1

    def loop(faulty: bool) -> tuple[Array, Array, Array, Array, Array, dict[int, tuple[float, float]]]:
        """The level, the salts, the acid, the rotting food's turbidity, the filter's flow and each minute's new
        water (fraction, °C)."""
        level, tds, acid, rot, flow = (np.empty(n) for _ in range(5))
        mixes: dict[int, tuple[float, float]] = {}
        lvl, c, h, cloud, bloom, food, pouring, siphon = MARK_CM - 0.2, 360.0, 0.25, 0.0, 0.0, 0.0, None, 0.0
        for k in range(n):
            lvl, c, h = evaporated(lvl, c, h, 0.5, 4.0, 0.025)
            q = FILTER_LPM
            for at in visits:
                if at <= k < at + 40:
                    q = 0.0
                if k == at + 3:
                    siphon = CHANGE_CM
                if k == at + 18:
                    pouring = ("buckets", HOT_TAP_C if faulty and hot and hot["start"] == k else kettle[at])
            if faulty and jammed and jammed["start"] <= k < jammed["end"]:
                q = 0.0
            if faulty and tipped and k == tipped["start"]:
                cloud, food = 4.0, 1.0  # 20 g of flake: a cloud at once, then it rots
            if food > 0.0:  # the bacteria on the rotting flake: a bloom, their CO2 and the food's salts
                bloom += 0.012 * bloom * (1.0 - bloom / 9.0) + 0.002
                rate = min(food, 1.0 / 900.0)
                food -= rate
                c, h = c + 40.0 * rate, h + 0.55 * rate
            cloud *= np.exp(-1.0 / 60.0) if q > 0.0 else np.exp(-1.0 / 240.0)
            if k == rescue and faulty:  # half changed, the rotting flake netted out
                f = 0.5
                c, h, bloom, cloud, food = c * (1 - f) + TAP_TDS * f, h * (1 - f), bloom * (1 - f), cloud * 0.5, 0.0
                mixes[k] = (f, 24.5)
            if food <= 0.0 and bloom > 0.0 and k > rescue:
                bloom *= np.exp(-1.0 / 300.0)  # the filter and the change clear it
            if siphon > 0.0:
                step = min(SIPHON_CM, siphon)
                lvl, siphon = lvl - step, siphon - step
            if k in jugs and pouring is None:
                pouring = ("jug", 19.0)
            if pouring is not None and siphon <= 0.0:
                lvl, c, h, f, full = pour(lvl, c, h, BUCKET_CM if pouring[0] == "buckets" else JUG_CM, MARK_CM,
                                          TAP_TDS)
                if f > 0.0:
                    mixes[k] = (f, pouring[1])
                if full:
                    pouring = None
            level[k], tds[k], acid[k], rot[k], flow[k] = lvl, c, h, cloud + bloom, q
        return level, tds, acid, rot, flow, mixes

    level, tds, acid, rot, flow, mixes = loop(True)
    twin_level, _, twin_acid, twin_rot, twin_flow, twin_mixes = loop(False)
    capacity = np.ones(n)
    if out:
        capacity[out["start"]:out["end"]] = 0.0
    if hot:  # two frozen 1.5 l bottles floated at 14:00: melting and warming they take 1.3 MJ over half an hour
        for k in range(hot["end"], min(n, hot["end"] + 30)):
            mixes[k] = (0.004, 0.0)
    extra = 0.08 * lights + 0.04 * (flow > 0.0)
    water = water_temperature(room, 8.0, 25.0, 1.43, 24.8, 25.2, capacity=capacity, extra_c_per_h=extra,
                              mixes=mixes)
    healthy = water_temperature(room, 8.0, 25.0, 1.43, 24.8, 25.2, extra_c_per_h=0.08 * lights
                                + 0.04 * (twin_flow > 0.0), mixes=twin_mixes)
    ph = TAP_PH - 0.1 - acid + 0.03 * lowpass(lights.astype(float), 120.0)
    twin_ph = TAP_PH - 0.1 - twin_acid + 0.03 * lowpass(lights.astype(float), 120.0)
    read_level = level.copy()
    knocked = fault_of(fault_list, "level_sensor_knocked")
    if knocked:  # tilted, it hears the echo off the glass's corner: a longer path, and a jumpy one
        a, b = knocked["start"], knocked["end"]
        read_level[a:b] = level[a:b] - 4.0 + np.random.default_rng(seed + 4).normal(0.0, 0.35, b - a)
    for f in fault_list:
        a, b = f["start"], f["end"]
        if f["kind"] in ("heater_left_out_of_water", "hot_tap_refill"):
            f["label_from"] = leaves_range(water, healthy, a, b)
            f["recovery"] = settled_after(water, healthy, b)
        elif f["kind"] == "food_tub_tipped":
            f["label_from"] = departs(rot, twin_rot, a, b, 2.0)
            f["recovery"] = max(back_within(rot, twin_rot, b, 2.0), back_within(ph, twin_ph, b, 0.1))
        elif f["kind"] in ("filter_impeller_jammed", "level_sensor_knocked"):
            f["recovery"] = 30
    tank = quiet_tank(0.7, {"temp_c": 0.02, "ph": 0.01, "tds_ppm": 2.0, "turb_ntu": 0.05, "level_cm": 0.07,
                            "flow_lpm": 0.08})

    def habits(v: dict, rng: np.random.Generator) -> list[str]:
        draw_water(v, hour, water, read_level, tds, ph, flow)
        v["turb_ntu"] = v["turb_ntu"] + rot
        for d in range(days):
            _cloud(v, int(d * D + 9 * 60 + rng.integers(-10, 11)), float(rng.uniform(0.3, 0.5)), 30.0)
            pinches = rng.uniform(d * D + 10 * 60, d * D + 20 * 60, rng.poisson(2.0)).tolist()
            if weekday(d) == 6:
                pinches += rng.uniform(d * D + 14 * 60, d * D + 17 * 60, rng.poisson(4.0)).tolist()
            for at in pinches:
                spoon = rng.random() < 0.1
                _cloud(v, int(at), float(rng.uniform(1.0, 1.6) if spoon else rng.uniform(0.15, 0.4)), 35.0)
        for at in visits:
            _cloud(v, at + 3, 2.0, 40.0)  # the gravel vacuum and the sponge squeezed in the tank's water
            _cloud(v, at + 40, 0.8, 30.0)  # the filter's restart
        return [f"the volunteer's 30 % change with the filter off, day {at // D}" for at in visits] + [
            "lounge heated 6:30-22:00", "fed 9:00, residents' pinches, Sunday visitors",
            "a jug to the mark on Thursday and Sunday mornings"]

    return finish19("Midlands care home lounge's 90 l tank (round 19, blind)", "tropical", tank, days, fault_list,
                    habits, seed, {"temp_c_low": 22.0, "temp_c_high": 29.0, "ph_low": 6.5, "ph_high": 8.2,
                                   "tds_ppm_high": 700.0, "level_cm_low": 22.0, "level_cm_high": 39.0,
                                   "flow_lpm_low": 3.0})


#: the round-19 months written blind, in the bench's order
STRANGERS19 = (care_home_lounge_month, loach_river_month, hatchling_tub_month)
