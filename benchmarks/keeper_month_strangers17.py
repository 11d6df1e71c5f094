"""Round 17: three keepers' months written blind -- from neither the engine's code, its thresholds nor its
outputs -- and never tuned on (issue 16's strangers, a tenth time).

Written as their keepers would live them, from the physics of a tank and real keeping habits, to be measured
once through ``evaluate`` (as :func:`benchmarks.bench_detection.keeper_months` does) and not changed after.
They reuse the probes, noise, glitches and labelling of :mod:`benchmarks.keeper_month`, the heat balance of
:mod:`benchmarks.keeper_heat`, the twin-based labels of :mod:`benchmarks.keeper_month_strangers13_awc` and the
drawn water of :mod:`benchmarks.keeper_month_strangers14_sump`, and add what no earlier month has:

- tanks: a 54 l tank on a liveaboard narrowboat in January, its filter on the boat's 12 V battery, its heater
  on the inverter, the cabin heated by a solid-fuel stove; a backyard aquaponics system of tilapia in a
  polytunnel in a southern summer, a 1200 l fish tank under a media bed whose bell siphon swings the level
  5 cm every eleven minutes (:mod:`benchmarks.keeper_month_strangers17_aquaponics`); a 105 l river tank of
  hillstream loaches in a farmhouse's stone cellar on a private well, its powerhead driving a river manifold
  (:mod:`benchmarks.keeper_month_strangers17_well`);
- habits: an engine run to charge the batteries morning and evening, weekend cruising through locks (the
  water sloshing, the pump faster on the alternator), a Sunday change with water from the boat's cold tank
  warmed by the kettle, top-ups with a hose from the galley tap; a bed flooding and draining round the clock,
  evening top-ups of rainwater, lime and potash every third morning against the nitrifiers' acid, the
  polytunnel's doors and sun; well water rested a night in buckets in the kitchen for a Saturday change with
  the powerhead off at the app, the farm's milking machines sagging the mains twice a day, the stones scrubbed;
- faults: the inverter's low-voltage cutout at night (no heat in a cooling cabin), the filter's fuse blown by
  the engine's start, the top-up hose left running (the boat's 6 °C water through the tank onto the floor),
  the stove's damper left open overnight (the cabin past 35 °C), condensation in the pH meter's connector;
  a clay ball in the bell siphon (the bed floods onto the floor, the tank pumped to the intake), rain tripping
  the pump's RCD, a cup of lime for a spoon, the polytunnel's doors left shut on a clear day, the pH probe
  fouled by biofilm; a change straight from the well (cold, full of CO2 and iron), the manifold's hose slipped
  off the powerhead, the heater stuck on, the temperature probe's chewed lead (its power-on 85 °C), the
  tank's bottom seam weeping onto the flagstones.

A fault is labelled from the minute its keeper would want to hear of it: a stopped pump, a flood, a probe
reading what is not the water from its first minute; a slow fault (``label_from``) when the water or the
reading leaves what it would have been: a temperature 0.3 °C outside the range the same tank without the fault
took over the day before and meanwhile (:func:`benchmarks.keeper_heat.leaves_range`), a pH, a level or a
reading that departs from its twin by a keeper's resolution (:func:`benchmarks.keeper_month_strangers13_awc.departs`);
until it is fixed, plus the water's recovery.  Measured once, through the engine of 8c93922
(``/work/diag/diag_month.py``, output in /work/diag/blind17_*.txt), not tuned after: the narrowboat 5 of 5 told,
0.11 false alerts a day (the locks' slosh read as a leak and a running hose), median told delay 5 min; the
aquaponics 5 of 5, 0.36 (the bell siphon's sawtooth read as a leak, the lime's three-day steps and a clear day's
warming as drift, the cleaned pH probe against a "usual" learned from the fouled one), 27 min; the farmhouse
5 of 5, 0.18 (the stones' scrubbing as drift), 36 min (docs/detection.md, "Round 17: three new blind months").

Examples
--------
>>> s = narrowboat_month(days=3, faults=())
>>> bool(s.labels.any()), s.profile, len(s.t_ms) // DAY_MIN
(False, 'tropical', 3)
"""

from __future__ import annotations

import numpy as np

from benchmarks.keeper_heat import Array, leaves_range, lowpass, settled_after, water_temperature
from benchmarks.keeper_month import DAY_MIN, Scenario
from benchmarks.keeper_month_paludarium import _cloud, weekday
from benchmarks.keeper_month_strangers12_fry import fault_of
from benchmarks.keeper_month_strangers13_awc import back_within, departs
from benchmarks.keeper_month_strangers14_sump import draw_water, quiet_tank
from benchmarks.keeper_month_strangers15_pond import minute_grid
from benchmarks.keeper_month_strangers16_pond import pour
from benchmarks.keeper_month_strangers17_aquaponics import aquaponics_month, finish17
from benchmarks.keeper_month_strangers17_well import farmhouse_well_month

#: the tank's litres a cm, its mark, its rim (over it: the cabin floor), the filter's intake
L_PER_CM, MARK_CM, RIM_CM, INTAKE_CM = 1.8, 30.0, 35.0, 10.0
#: the 12 V filter, l/min; the galley tap's hose, cm a minute; a jug out, a jug in, cm a minute
FILTER_LPM, HOSE_CM, BAIL_CM, JUG_CM = 4.0, 5.0 / 1.8, 1.5, 0.85
#: the boat's water tank (filled at the canal's water points): salts, pH, °C in January under the bow's deck
BOAT_TDS, BOAT_PH, BOAT_C = 320.0, 7.6, 6.0


def cabin_air(i: np.ndarray, hour: Array, wander: Array, stove_hot: tuple[int, int] | None) -> Array:
    """A narrowboat's cabin in January: 13 °C by morning with the stove banked, 15 while she is out at work,
    22 in the evening; 19 at the weekend, 17 while cruising with the doors open at locks; ``stove_hot``
    (from, to): the damper left open, 36 °C until the fuel is spent two hours before ``to``, then the doors
    opened to the frost; ``wander``: the weather's day to day."""
    wd = np.array([weekday(int(d)) for d in i // DAY_MIN])
    weekend = wd >= 5
    target = np.full(len(i), 13.0)
    target[(hour >= 7.0) & (hour < 8.0)] = 16.0
    target[~weekend & (hour >= 8.0) & (hour < 17.5)] = 15.0
    target[~weekend & (hour >= 17.5) & (hour < 23.0)] = 22.0
    target[weekend & (hour >= 8.0) & (hour < 23.0)] = 19.0
    target[weekend & (hour >= 10.0) & (hour < 15.0)] = 17.0
    if stove_hot:
        a, b = stove_hot
        target[a:b - 120] = 36.0
        target[b:b + 30] = 6.0
    return lowpass(target, 45.0) + wander


def narrowboat_month(days: int = 30, seed: int = 1701, faults: tuple | None = None) -> Scenario:
    """Written round 17 blind, never tuned on: a 54 l tank of harlequin rasboras and a bristlenose on a
    liveaboard narrowboat, moored on a canal in January, cruised at weekends.

    60×30×36 cm, 30 cm of water to the mark (1.8 l a cm, the rim at 35:
    over it, the cabin floor), strapped to the bulkhead; a 12 V internal
    filter of 4 l/min straight off the domestic battery (the flow meter on
    its outlet; its intake 10 cm up; 4.3 l/min while the engine's alternator
    lifts the voltage); a 150 W heater on the 230 V inverter (on at 24.8, off
    at 25.2 °C: +2.4 °C/h, an 8 h time constant); a light 16:00-22:30 on
    weekdays, 9:00-22:30 at weekends.  The cabin is heated by a solid-fuel
    stove: 22 °C in the evenings, 13 °C by morning, 15 while she is at work;
    at weekends 19, 17 while cruising 10:00-15:00 through four locks a day
    (the water sloshing as the boat rises, jolts and the engine's vibration).
    Weekdays she runs the engine an hour at 7:00 and at 17:30 to charge.
    The boat's tank water (TDS 320, pH 7.6) is 6 °C under the bow's deck;
    0.4 cm a day evaporates in the stove's dry air; the fish add 2 ppm and
    0.03 of acid a day.  Habits: she feeds at 7:30 and 18:30 (at 9:00 and
    18:00 at weekends); every third evening at about 19:30 she tops up to the
    mark from the galley tap's hose (5 l/min, watching it: the water 1 °C
    cooler); on Sunday at about 16:30, moored, she bails out a quarter by jug
    and pours back tank water warmed by the kettle (24 ± 1.2 °C); two
    glitches a day.  She set the tropical profile with 22-29 °C, pH 6.6-8.2,
    TDS up to 700, the water 20-34 cm, flow 2 l/min and more.  Faults: the
    inverter's low-voltage cutout at 3:10 after a week of short engine runs
    (no heat; labelled from 0.3 °C under the water's range, until she wakes
    and runs the engine at 7:20), the filter's fuse blown by the engine's
    start on a Saturday (no flow from its first minute; until she sees it at
    a lock three and a half hours later), the top-up hose left running while
    she answers the phone (the boat's 6 °C water to the rim and over onto the
    floor; labelled from 0.5 cm over the mark, until she is back 16 minutes
    later and bails it to the mark), the stove's damper left open at 22:30
    (the cabin 36 °C until the fuel is spent; labelled from 0.3 °C over the
    range, until she wakes at 6:30 and opens the doors), condensation in the
    pH meter's connector on the cold hull side (the reading drawn toward the
    meter's 7.0 over hours, the water fine; labelled from 0.1 off, until she
    dries it with a hair dryer on Tuesday evening).
    """
    D = DAY_MIN
    n, i, hour, weather = minute_grid(days, seed)
    wd = np.array([weekday(int(d)) for d in i // D])
    weekend = wd >= 5
    cruise_at = {d: int(d * D + 10 * 60 + weather.integers(-15, 16)) for d in range(days) if weekday(d) >= 5}
    topups = [int(d * D + 19 * 60 + 30 + weather.integers(-15, 16)) for d in range(days) if d % 3 == 1]
    changes = [int(d * D + 16 * 60 + 30 + weather.integers(-20, 21)) for d in range(days) if weekday(d) == 6]
    kettle = {at: float(weather.normal(24.0, 1.2)) for at in changes}
    if faults is None:
        faults = ({"kind": "inverter_low_voltage_cutout", "start": 6 * D + 3 * 60 + 10, "end": 6 * D + 7 * 60 + 20},
                  {"kind": "filter_fuse_blown_at_engine_start", "start": cruise_at[9] + 1,
                   "end": cruise_at[9] + 1 + 3 * 60 + 30},
                  {"kind": "top_up_hose_left_running", "start": topups[4], "end": topups[4] + 16},
                  {"kind": "stove_damper_left_open", "start": 20 * D + 22 * 60 + 30, "end": 21 * D + 6 * 60 + 30},
                  {"kind": "ph_connector_condensation", "start": 24 * D + 2 * 60, "end": 26 * D + 18 * 60})
    fault_list = sorted((dict(f) for f in faults), key=lambda f: f["start"])
    damper = fault_of(fault_list, "stove_damper_left_open")
    wander = np.interp(i / D, np.arange(days + 1), weather.uniform(-1.5, 1.5, days + 1))
    room = cabin_air(i, hour, wander, (damper["start"], damper["end"]) if damper else None)
    twin_room = cabin_air(i, hour, wander, None)
    engine = np.zeros(n, dtype=bool)
    for d in range(days):
        if weekday(d) < 5:
            engine[d * D + 7 * 60:d * D + 8 * 60] = True
            engine[d * D + 17 * 60 + 30:d * D + 18 * 60 + 30] = True
        else:
            engine[cruise_at[d]:d * D + 15 * 60] = True
    lights = np.where(weekend, (hour >= 9.0) & (hour < 22.5), (hour >= 16.0) & (hour < 22.5))
    hose = fault_of(fault_list, "top_up_hose_left_running")

    def loop(faulty: bool) -> tuple[Array, Array, Array, dict[int, tuple[float, float]]]:
        """The level, the salts, the fish's acid and each minute's new water (fraction, °C)."""
        level, tds, acid, mixes = np.empty(n), np.empty(n), np.empty(n), {}
        lvl, c, h = MARK_CM - 0.3, 330.0, 0.1
        bails = {at + k for at in changes for k in range(5)}
        pours = {at + 6: at for at in changes}
        hosing, pouring = False, None
        for k in range(n):
            lvl -= 0.4 / D
            c = c * (lvl + 0.4 / D) / lvl + 2.0 / D
            h += 0.03 / D
            if k in bails:
                lvl -= BAIL_CM
            if k in pours:
                pouring = pours[k]
            if k in topups:
                hosing = True
            running = faulty and hose and hose["start"] <= k < hose["end"]
            if hosing or running:
                add = HOSE_CM if running else min(HOSE_CM, MARK_CM - lvl)
                f = add / (lvl + add)
                c, h, lvl = c * (1 - f) + BOAT_TDS * f, h * (1 - f), min(RIM_CM, lvl + add)
                mixes[k] = (f, BOAT_C)
                hosing = hosing and lvl < MARK_CM - 1e-9
            elif faulty and hose and k == hose["end"]:
                lvl = MARK_CM  # she bails it back to the mark and mops the floor
            if pouring is not None:
                lvl, c, h, f, full = pour(lvl, c, h, JUG_CM, MARK_CM, BOAT_TDS)
                mixes[k] = (f, kettle[pouring])
                if full:
                    pouring = None
            level[k], tds[k], acid[k] = lvl, c, h
        return level, tds, acid, mixes

    level, tds, acid, mixes = loop(True)
    twin_level, _, _, twin_mixes = loop(False)
    fuse = fault_of(fault_list, "filter_fuse_blown_at_engine_start")
    flow = np.where(engine, FILTER_LPM * 1.07, FILTER_LPM)
    if fuse:
        flow[fuse["start"]:fuse["end"]] = 0.0
    cutout = fault_of(fault_list, "inverter_low_voltage_cutout")
    heat_ok = np.ones(n, dtype=bool)
    if cutout:
        heat_ok[cutout["start"]:cutout["end"]] = False
    extra = 0.05 * lights + 0.02 * (flow > 0.0)
    water = water_temperature(room, 8.0, 25.0, 2.4, 24.8, 25.2, powered=heat_ok, extra_c_per_h=extra, mixes=mixes)
    healthy = water_temperature(twin_room, 8.0, 25.0, 2.4, 24.8, 25.2, extra_c_per_h=0.05 * lights + 0.02,
                                mixes=twin_mixes)
    plants = 0.04 * lowpass(lights.astype(float), 90.0)  # the java fern and the anubias by the light
    ph = BOAT_PH + 0.05 - acid + plants
    read_ph = ph.copy()
    damp = fault_of(fault_list, "ph_connector_condensation")
    if damp:  # the damp shunts the glass electrode's signal: the reading drawn toward the meter's zero, 7.0
        a, b = damp["start"], damp["end"]
        pull = 0.85 * (1.0 - np.exp(-(i[a:b] - a) / 240.0))
        read_ph[a:b] = ph[a:b] + (7.0 - ph[a:b]) * pull + np.random.default_rng(seed + 2).normal(0.0, 0.02, b - a)
    for f in fault_list:
        a, b = f["start"], f["end"]
        if f["kind"] in ("inverter_low_voltage_cutout", "stove_damper_left_open"):
            f["label_from"] = leaves_range(water, healthy, a, b)
            f["recovery"] = settled_after(water, healthy, b)
        elif f["kind"] == "filter_fuse_blown_at_engine_start":
            f["recovery"] = 60
        elif f["kind"] == "top_up_hose_left_running":
            f["label_from"] = departs(level, twin_level, a, b, 0.5)
            f["recovery"] = max(back_within(level, twin_level, b, 0.5), settled_after(water, healthy, b))
        elif f["kind"] == "ph_connector_condensation":
            f["label_from"] = departs(read_ph, ph, a, b, 0.1)
            f["recovery"] = 30
    tank = quiet_tank(0.6, {"temp_c": 0.02, "ph": 0.01, "tds_ppm": 1.5, "turb_ntu": 0.04, "level_cm": 0.05,
                            "flow_lpm": 0.05})

    def habits(v: dict, rng: np.random.Generator) -> list[str]:
        draw_water(v, hour, water, level, tds, read_ph, flow)
        v["level_cm"] = v["level_cm"] + np.where(engine, rng.normal(0.0, 0.15, n), 0.0)  # the engine's shudder
        for d, at in cruise_at.items():
            for lock in np.sort(rng.uniform(at + 20, d * D + 14 * 60 + 30, 4)).astype(int):
                v["level_cm"][lock:lock + 15] += 0.6 * rng.standard_normal(15)  # the slosh in a lock
        for d in range(days):
            fed = (9.0, 18.0) if weekday(d) >= 5 else (7.5, 18.5)
            for h in fed:
                _cloud(v, int(d * D + h * 60 + rng.integers(-10, 11)), float(rng.uniform(0.3, 0.5)), 25.0)
        for at in changes:
            _cloud(v, at, 1.0, 30.0)  # the jug in the gravel
        if fuse:
            a, b = fuse["start"], fuse["end"]
            v["turb_ntu"][a:b] += np.minimum(0.8, (i[a:b] - a) / 60.0 * 0.2)
        return [f"25 % change by jug with kettle-warmed water, day {at // D}" for at in changes] + [
            "engine an hour at 7:00 and 17:30 on weekdays; cruising 10:00-15:00 at weekends",
            "fed 7:30 and 18:30", "top-up by hose every third evening", "a solid-fuel stove in the cabin"]

    return finish17("liveaboard narrowboat's 54 l tank (round 17, blind)", "tropical", tank, days, fault_list,
                    habits, seed, {"temp_c_low": 22.0, "temp_c_high": 29.0, "ph_low": 6.6, "ph_high": 8.2,
                                   "tds_ppm_high": 700.0, "level_cm_low": 20.0, "level_cm_high": 34.0,
                                   "flow_lpm_low": 2.0})


#: the round-17 months written blind, in the bench's order
STRANGERS17 = (narrowboat_month, aquaponics_month, farmhouse_well_month)
