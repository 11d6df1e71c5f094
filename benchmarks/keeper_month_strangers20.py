"""Round 20: three keepers' months written blind -- from neither the engine's code, its thresholds nor its
outputs -- and never tuned on (issue 16's strangers, a thirteenth time).

Written as their keepers would live them, from the physics of a tank and real keeping habits, to be measured
once through ``evaluate`` (as :func:`benchmarks.bench_detection.keeper_months` does) and not changed after.
They reuse the probes, noise, glitches and labelling of :mod:`benchmarks.keeper_month`, the heat balance of
:mod:`benchmarks.keeper_heat`, the twin-based labels of :mod:`benchmarks.keeper_month_strangers13_awc`, the
drawn water of :mod:`benchmarks.keeper_month_strangers14_sump` and the evaporation of
:mod:`benchmarks.keeper_month_strangers19_river`, and add what no earlier month has:

- tanks: a 95 l brackish tank of figure-eight puffers and bumblebee gobies in a Hamburg flat, its salt mixed by
  hand; a 380 l stock tub of fancy goldfish in a Leeds garage changed a little every morning by a tap timer
  through an overflow (:mod:`benchmarks.keeper_month_strangers20_garage`); a primary school's 128 l classroom
  tank in Perth over the summer holidays with a drum feeder and a caretaker
  (:mod:`benchmarks.keeper_month_strangers20_school`);
- habits: top-ups of RO water every other evening that the evaporation's salt makes a sawtooth, Saturday changes
  of salt water mixed to the refractometer, the canister cleaned every other Saturday, a partner's care while
  she is away, a robot vacuum; a 48 l trickle of 6 °C tap water every morning, the filter's foams rinsed on
  Sundays, the car parked warm in the garage, a cold snap; a drum feeder, a caretaker's buckets twice a week, a
  teacher's one visit, a heatwave in a shut classroom, the teachers back at the month's end;
- faults: the partner topping up from the jerry can of brine, a 300 W heater stuck on at night, the canister's
  lid weeping after its clean, the pH probe calibrated with a spoilt buffer, the power strip switched off by
  the robot vacuum, the thermometer's sucker let go and the probe lying on the heater; the tap timer stuck
  open on a weak battery, the overflow's strainer blanketed with duckweed, the garage door left open on a
  frosty night (the level sensor fogged), a bucket of mortar rinsed in the tub, the pump's impeller jammed, the
  drain valve knocked by the car; the feeder dropping its caked drum, the cleaners unplugging the power board,
  the caretaker's hose left running, the heater's thermostat welded in a heatwave, the TDS probe knocked out of
  the water.

A fault is labelled from the minute its keeper would want to hear of it: a stopped pump, a probe reading what is
not the water from its first minute; a slow fault (``label_from``) when the water or the reading leaves what it
would have been: a temperature 0.3 °C outside the range the same tank without the fault took over the day
before and meanwhile (:func:`benchmarks.keeper_heat.leaves_range`), a level, a pH, the salts or a turbidity
that departs from its twin by a keeper's resolution (:func:`benchmarks.keeper_month_strangers13_awc.departs`);
until it is fixed, plus the water's recovery.

Examples
--------
>>> s = brackish_puffer_month(days=3, faults=())
>>> bool(s.labels.any()), s.profile, s.limits["tds_ppm_low"]
(False, 'tropical', 3300.0)
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
from benchmarks.keeper_month_strangers19_river import evaporated
from benchmarks.keeper_month_strangers20_garage import finish20, garage_goldfish_tub_month
from benchmarks.keeper_month_strangers20_school import school_holiday_tank_month

#: the tank's litres a cm, its mark, its rim; the canister, l/min; the siphon's, the buckets' and the jug's cm a
#: minute, the depth she siphons at a change; the canister's weeping lid, l/min
L_PER_CM, MARK_CM, RIM_CM, CANISTER_LPM, SIPHON_CM, BUCKET_CM, JUG_CM, CHANGE_CM, WEEP_LPM = (
    2.8, 34.0, 40.0, 14.0, 1.0, 0.9, 0.5, 8.5, 0.03)
#: her salt water mixed to the refractometer (SG 1.004): salts, pH; the RO water she tops up with; the brine she
#: keeps to mix from (a jerry can like the RO's)
MIX_TDS, MIX_PH, RO_TDS, BRINE_TDS = 4200.0, 8.2, 10.0, 35000.0
#: when she is away at a conference (leaving the morning of day 6, home at 18:00 on day 10)
AWAY = (6, 10)


def brackish_puffer_month(days: int = 30, seed: int = 2003, faults: tuple | None = None) -> Scenario:
    """Written round 20 blind, never tuned on: three figure-eight puffers and bumblebee gobies in a 95 l brackish
    tank in a flat in Hamburg, January, the salt mixed by hand to the refractometer.

    80×35×40 cm, 2.8 l a cm, 34 cm of water to the mark (the rim at 40);
    a 14 l/min canister (its intake 10 cm up, the flow meter on its
    return); an oversized 300 W heater (on at 25.8, off at 26.2: +2.7 °C/h,
    a 7 h time constant under a glass cover), the heater and the canister on
    one switched power strip on the floor; lights 12:00-22:00.  The flat is
    heated to 21 °C from 6:00 to 23:00 and 18 overnight.  SG 1.004: TDS
    4200, pH 8.2 in her mixed salt water; 0.4 cm a day evaporates (the salt
    stays: a sawtooth of about 100 ppm between top-ups); the fish add 3 ppm
    and 0.03 of acid a day.  Habits: snails at 7:30, frozen bloodworms at
    19:00; RO water by the jug to the mark every other evening at 21:30; a
    25 % change on Saturday afternoons with salt water mixed in buckets to 26
    ± 0.7 °C, the canister opened and cleaned every other Saturday (off for
    35 minutes); a robot vacuum on weekday mornings; away at a conference
    from day 6 to day 10's evening, her partner feeding and topping up every
    morning (no change that Saturday).  Two glitches a day.  She set the
    tropical profile with 24-29 °C, pH 7.6-8.6, TDS 3300-5400, the water
    20-38 cm, flow 6 l/min and more.  Faults: her partner tops up from the
    jerry can of brine instead of the RO's (the salts up 360 ppm a morning;
    labelled from 300 ppm over its twin, until she is home, reads SG 1.006 and
    changes half with weaker water at 18:30), the heater's thermostat sticks on
    at night (labelled from 0.3 °C over the range, until she wakes at 7:15),
    the canister's lid O-ring not seated after its clean (0.03 l/min into the
    cabinet; labelled from 0.5 cm under its twin, until she finds the wet
    cabinet at 9:30 and tops it back with salt water), the pH probe
    calibrated with a spoilt pH 7 sachet (it reads 0.5 high from the first
    minute, until her Saturday drop test shows it and she calibrates again),
    the robot vacuum knocks the power strip's switch off (the canister and
    the heater off; no flow from the first minute, until she is home at
    17:50), the thermometer's sucker lets go and the probe lies against the
    heater (it reads the heater's glass while it runs, from the first minute,
    until she sees it at the evening feed).
    """
    D = DAY_MIN
    n, i, hour, weather = minute_grid(days, seed)
    changes = [int(d * D + 14 * 60 + 10 + weather.integers(0, 21)) for d in range(days)
               if weekday(d) == 5 and not AWAY[0] <= d <= AWAY[1]]
    cleaned = {at for at in changes if (at // D) % 14 == 2}  # every other Saturday: days 2 and 16
    if faults is None:
        lid = min((at for at in cleaned if at > 10 * D), default=16 * D + 14 * 60)
        faults = ({"kind": "brine_topped_up", "start": 7 * D + 8 * 60, "end": 10 * D + 18 * 60 + 30},
                  {"kind": "heater_stuck_on_at_night", "start": 13 * D + 1 * 60 + 30, "end": 13 * D + 7 * 60 + 15},
                  {"kind": "canister_lid_weeping", "start": lid + 35, "end": 17 * D + 9 * 60 + 30},
                  {"kind": "ph_probe_miscalibrated", "start": 20 * D + 20 * 60, "end": 23 * D + 13 * 60 + 52},
                  {"kind": "power_strip_switched_off", "start": 25 * D + 10 * 60 + 5, "end": 25 * D + 17 * 60 + 50},
                  {"kind": "temp_probe_on_heater", "start": 28 * D + 11 * 60 + 15, "end": 28 * D + 19 * 60 + 5})
    fault_list = sorted((dict(f) for f in faults), key=lambda f: f["start"])
    brine, weep = fault_of(fault_list, "brine_topped_up"), fault_of(fault_list, "canister_lid_weeping")
    stuck, strip = fault_of(fault_list, "heater_stuck_on_at_night"), fault_of(fault_list, "power_strip_switched_off")
    room = timer_room(i, weather, 21.0, 18.0, [(6.0, 23.0)], 0.5)
    lights = (hour >= 12.0) & (hour < 22.0)
    away = lambda d: AWAY[0] <= d <= AWAY[1]  # noqa: E731
    jugs = {int(d * D + 21 * 60 + 30 + weather.integers(-20, 21)) for d in range(1, days, 2) if not away(d)}
    mornings = {int(d * D + 8 * 60) for d in range(AWAY[0] + 1, min(days, AWAY[1] + 1))}
    bucket_c = {at: float(weather.normal(26.0, 0.7)) for at in changes}
    power = np.ones(n, dtype=bool)
    if strip:
        power[strip["start"]:strip["end"]] = False

    def loop(faulty: bool, twin_tds: Array | None
             ) -> tuple[Array, Array, Array, Array, dict[int, tuple[float, float]]]:
        """The level, the salts, the acid, the canister's flow and each minute's new water (fraction, °C)."""
        level, tds, acid, flow, mixes = np.empty(n), np.empty(n), np.empty(n), np.empty(n), {}
        lvl, c, h, pouring, siphon = MARK_CM, MIX_TDS, 0.15, None, 0.0
        for k in range(n):
            lvl, c, h = evaporated(lvl, c, h, 0.4, 3.0, 0.03)
            q = CANISTER_LPM if power[k] or not faulty else 0.0
            for at in changes:
                if at in cleaned and at <= k < at + 35:
                    q = 0.0
                if k == at:
                    siphon = CHANGE_CM
                if k == at + 2:
                    pouring = (BUCKET_CM, MIX_TDS, bucket_c[at])
            if k in jugs and pouring is None:
                pouring = (JUG_CM, RO_TDS, 19.0)
            if k in mornings and pouring is None:  # her partner, from the jerry can by the tank
                pouring = (JUG_CM, BRINE_TDS if faulty and brine and brine["start"] <= k < brine["end"] else RO_TDS,
                           19.0)
            if faulty and brine and k == brine["end"] and twin_tds is not None:
                f = 0.5  # half out, back with water mixed weaker to land on her usual SG
                c, h = c * (1 - f) + (2.0 * twin_tds[k] - c) * f, h * (1 - f)
                mixes[k] = (f, 26.0)
            if faulty and weep and weep["start"] <= k < weep["end"]:
                lvl -= WEEP_LPM / L_PER_CM
            if faulty and weep and k == weep["end"]:
                pouring = (BUCKET_CM, MIX_TDS, 26.0)
            if siphon > 0.0:
                step = min(SIPHON_CM, siphon)
                lvl, siphon = lvl - step, siphon - step
            elif pouring is not None:
                rate, salts, temp = pouring
                lvl, c, h, f, full = pour(lvl, c, h, rate, MARK_CM, salts)
                if f > 0.0:
                    mixes[k] = (f, temp)
                pouring = None if full else pouring
            level[k], tds[k], acid[k], flow[k] = lvl, c, h, q
        return level, tds, acid, flow, mixes

    twin_level, twin_tds, twin_acid, twin_flow, twin_mixes = loop(False, None)
    level, tds, acid, flow, mixes = loop(True, twin_tds)
    on_at, off_at = np.full(n, 25.8), np.full(n, 26.2)
    if stuck:
        on_at[stuck["start"]:stuck["end"]], off_at[stuck["start"]:stuck["end"]] = 99.0, 99.5
    extra = 0.04 * lights
    water = water_temperature(room, 7.0, 26.0, 2.7, on_at, off_at, powered=power,
                              extra_c_per_h=extra + 0.05 * (flow > 0.0), mixes=mixes)
    healthy = water_temperature(room, 7.0, 26.0, 2.7, 25.8, 26.2, extra_c_per_h=extra + 0.05 * (twin_flow > 0.0),
                                mixes=twin_mixes)
    ph = MIX_PH - acid + 0.02 * lowpass(lights.astype(float), 120.0)
    read_ph, read_temp = ph.copy(), water.copy()
    cal = fault_of(fault_list, "ph_probe_miscalibrated")
    if cal:  # "pH 7" that reads 6.6: her two-point calibration puts 0.4 on at 7 and a steeper slope above it
        a, b = cal["start"], cal["end"]
        read_ph[a:a + 6], read_ph[a + 6:a + 12] = 6.6, 4.0
        read_ph[a + 12:b - 12] = ph[a + 12:b - 12] + 0.4 + 0.4 / 3.0 * (ph[a + 12:b - 12] - 7.0)
        read_ph[b - 12:b - 6], read_ph[b - 6:b] = 7.0, 4.0  # the fresh sachets
    lying = fault_of(fault_list, "temp_probe_on_heater")
    if lying:  # on the heater's glass: the element's heat while it runs, a little warmth after
        a, b = lying["start"], lying["end"]
        on, heating = False, np.zeros(n)
        for k in range(a, b):
            on = water[k] < on_at[k] or (on and water[k] < off_at[k])
            heating[k] = on and power[k]
        read_temp[a:b] = water[a:b] + 0.3 + 3.0 * lowpass(heating[a:b], 4.0)
    for f in fault_list:
        a, b = f["start"], f["end"]
        if f["kind"] == "brine_topped_up":
            f["label_from"] = departs(tds, twin_tds, a, b, 300.0)
            f["recovery"] = back_within(tds, twin_tds, b, 300.0)
        elif f["kind"] in ("heater_stuck_on_at_night", "power_strip_switched_off"):
            f["label_from"] = a if f["kind"] == "power_strip_switched_off" else leaves_range(water, healthy, a, b)
            f["recovery"] = settled_after(water, healthy, b)
        elif f["kind"] == "canister_lid_weeping":
            f["label_from"] = departs(level, twin_level, a, b, 0.5)
            f["recovery"] = back_within(level, twin_level, b, 0.5)
        else:
            f["recovery"] = 30
    tank = quiet_tank(0.5, {"temp_c": 0.02, "ph": 0.01, "tds_ppm": 10.0, "turb_ntu": 0.05, "level_cm": 0.06,
                            "flow_lpm": 0.2})

    def habits(v: dict, rng: np.random.Generator) -> list[str]:
        draw_water(v, hour, read_temp, level, tds, read_ph, flow)
        for d in range(days):
            feeds = ((8.0, 0.3),) if away(d) and d > AWAY[0] else ((7.5, 0.2), (19.0, 0.6))
            for h, ntu in feeds:
                _cloud(v, int(d * D + h * 60 + rng.integers(-10, 11)), ntu * float(rng.uniform(0.7, 1.3)), 30.0)
        for at in changes:
            _cloud(v, at, 1.2, 30.0)  # the siphon through the sand
            if at in cleaned:
                _cloud(v, at + 35, 1.5, 30.0)  # the cleaned canister's restart
        v["turb_ntu"] = v["turb_ntu"] * np.where(flow > 0.0, 1.0, 1.2)
        return [f"25 % change with mixed salt water, day {at // D}" for at in changes] + [
            "the canister cleaned every other Saturday", "RO by the jug every other evening",
            "away days 6-10: her partner tops up each morning", "a robot vacuum on weekday mornings",
            "snails 7:30, bloodworms 19:00"]

    return finish20("Hamburg flat's 95 l brackish puffer tank (round 20, blind)", "tropical", tank, days, fault_list,
                    habits, seed, {"temp_c_low": 24.0, "temp_c_high": 29.0, "ph_low": 7.6, "ph_high": 8.6,
                                   "tds_ppm_low": 3300.0, "tds_ppm_high": 5400.0, "level_cm_low": 20.0,
                                   "level_cm_high": 38.0, "flow_lpm_low": 6.0})


#: the round-20 months written blind, in the bench's order
STRANGERS20 = (brackish_puffer_month, garage_goldfish_tub_month, school_holiday_tank_month)
