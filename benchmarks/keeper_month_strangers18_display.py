"""Round 18's third stranger, a visitor centre's 3000 l display of Murray cod held cool by a chiller and kept by a
rota of volunteers (written blind, never tuned on; :mod:`benchmarks.keeper_month_strangers18` lists the round's
months in :data:`~benchmarks.keeper_month_strangers18.STRANGERS18`).

Examples
--------
>>> s = visitor_centre_display_month(days=3, faults=())
>>> bool(s.labels.any()), s.profile, s.limits["flow_lpm_low"]
(False, 'cold-water', 25.0)
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
from benchmarks.keeper_month_strangers18_lab import finish18

#: the sump's litres a cm, its mark, its rim, the pump's intake; the system's litres; the pump and the hose, l/min
L_PER_CM, MARK_CM, RIM_CM, INTAKE_CM, SYSTEM_L, PUMP_LPM, HOSE_LPM = 7.2, 40.0, 55.0, 10.0, 3300.0, 40.0, 20.0
#: the town's mains in summer: salts, pH, °C; the chiller's union's weep, litres an hour
MAINS_TDS, MAINS_PH, MAINS_C, WEEP_L_PER_H = 60.0, 7.4, 20.0, 5.0
#: the pH 7 and pH 10 calibration buffers as the probe reads them at the cabinet's warmth
BUFFER_7, BUFFER_10 = 7.01, 9.93


def hall_air(i: np.ndarray, hour: Array, outdoor: Array, open_day: np.ndarray) -> Array:
    """The visitor centre's hall: the air-conditioning holds 24 °C from 8:45 to 17:30 on open days (it falls
    behind past 32 °C outdoors); otherwise the building follows the outdoor air, damped."""
    building = lowpass(0.6 * outdoor + 11.0, 180.0)
    cooled = open_day & (hour >= 8.75) & (hour < 17.5)
    return lowpass(np.where(cooled, 24.0 + 0.3 * np.maximum(outdoor - 32.0, 0.0), building), 60.0)


def visitor_centre_display_month(days: int = 30, seed: int = 1803, faults: tuple | None = None) -> Scenario:
    """Written round 18 blind, never tuned on: a regional visitor centre's 3000 l display of Murray cod and silver
    perch on the Murray in Victoria, January (a heatwave in the first week), kept by a rota of volunteers.

    300×100×100 cm, overflowing to a 290 l sump under the stage (120×60 cm,
    7.2 l a cm, the mark at 40 cm, the rim at 55, the probes in it); a
    40 l/min pump (its intake 10 cm up) through a sand filter with a
    multiport valve, a 2.5 kW chiller (on above 22.4, off below 21.6 °C:
    -0.65 °C/h on 3300 l, a 30 h time constant; its flow switch stops it
    without flow) and a UV to the display (the flow meter on the return);
    LEDs 8:00-18:00.  The hall's air-conditioning holds 24 °C in opening
    hours (8:45-17:30, closed Mondays); otherwise the building follows the
    outdoor air (22-41 °C), damped.  The town's mains: TDS 60, pH 7.4,
    20 °C; 12 l a day evaporates; the fish add 1.5 ppm and 0.03 of acid a
    day.  Habits: a volunteer's morning check at 8:15 tops the sump up to the
    mark by hose (20 l/min through a carbon block); on Wednesdays at 8:30 the
    sand filter is backwashed to waste for three minutes and rinsed for one
    (140 l out: the sump 19 cm down, no flow for five minutes), the sump
    refilled from the mains and a cup of bicarbonate stirred in (+0.15); fed
    pellets at 10:00, yabbies at the weekend's 14:00 feeding talk; on the
    third Thursday at 9:00 the pH probe is calibrated (five minutes in the pH
    7 buffer, then the pH 10); two glitches a day.  The centre set the
    cold-water profile with 17-26 °C, pH 6.8-8.4, TDS up to 600, the water
    15-52 cm, flow 25 l/min and more.  Faults: the chiller trips on high
    pressure in the heatwave's afternoon, its condenser's fins furred with
    dust (labelled from 0.3 °C over the range, until the morning's volunteer
    cleans them and resets it at 8:25), the backwash valve left on waste while
    the volunteer answers the phone (the pump empties the sump to its intake
    and runs dry; labelled from 0.5 cm under the healthy refill, until she is
    back at 9:00 and refills), the chiller's probe pulled out of its pocket
    while the cabinet is cleaned (the chiller runs flat out overnight;
    labelled from 0.3 °C under the range, until Monday's check), the pH probe
    left in its pH 10 buffer after calibration (labelled from its first
    minute in it, until the next morning's check), the chiller's inlet union
    weeping 5 l an hour into the cabinet (labelled from 0.5 cm under its
    twin, until the morning's check finds the puddle, tightens it and fills
    the sump).
    """
    D = DAY_MIN
    n, i, hour, weather = minute_grid(days, seed)
    open_day = np.array([weekday(int(d)) != 0 for d in i // D])
    if faults is None:
        faults = ({"kind": "chiller_high_pressure_trip", "start": 5 * D + 15 * 60 + 10, "end": 6 * D + 8 * 60 + 25},
                  {"kind": "backwash_valve_left_on_waste", "start": 13 * D + 8 * 60 + 35, "end": 13 * D + 9 * 60},
                  {"kind": "chiller_probe_out_of_water", "start": 17 * D + 16 * 60 + 40, "end": 18 * D + 8 * 60 + 15},
                  {"kind": "ph_probe_left_in_buffer", "start": 21 * D + 9 * 60 + 5, "end": 22 * D + 8 * 60 + 20},
                  {"kind": "chiller_union_weeping", "start": 26 * D + 11 * 60 + 30, "end": 27 * D + 8 * 60 + 15})
    fault_list = sorted((dict(f) for f in faults), key=lambda f: f["start"])
    trip = fault_of(fault_list, "chiller_high_pressure_trip")
    waste = fault_of(fault_list, "backwash_valve_left_on_waste")
    probe_out, weep = fault_of(fault_list, "chiller_probe_out_of_water"), fault_of(fault_list, "chiller_union_weeping")
    means, amps = weather.uniform(18.0, 26.0, days + 1), weather.uniform(5.0, 8.0, days + 1)
    if days > 6:
        means[4:7], amps[4:7] = (27.0, 31.0, 26.0), (8.0, 9.0, 7.0)  # the heatwave
    outdoor = np.interp(i / D, np.arange(days + 1), means) + np.interp(i / D, np.arange(days + 1), amps) \
        * np.cos(2.0 * np.pi * (hour - 15.0) / 24.0)
    hall = hall_air(i, hour, outdoor, open_day)
    checks = [int(d * D + 8 * 60 + 15 + weather.integers(-5, 6)) for d in range(days)]
    washes = [int(d * D + 8 * 60 + 30) for d in range(days) if weekday(d) == 2]
    lights = (hour >= 8.0) & (hour < 18.0)

    def loop(faulty: bool) -> tuple[Array, Array, Array, Array, dict[int, tuple[float, float]]]:
        """The sump's level, the salts, the pH's buffer, the return's flow and each minute's mains (fraction, °C)."""
        level, tds, ph, flow, mixes = np.empty(n), np.empty(n), np.empty(n), np.empty(n), {}
        lvl, c, p, hosing, bicarb = MARK_CM - 0.5, 260.0, 7.7, False, 0
        wash_at = {at: at for at in washes}
        stage: dict[int, str] = {}
        for at in washes:
            stage.update({at: "off", at + 1: "waste", at + 2: "waste", at + 3: "waste", at + 4: "rinse"})
        left_from, left_to = (waste["start"], waste["end"]) if faulty and waste else (-1, -1)
        check_at = set(checks)
        for k in range(n):
            evap = 12.0 / D
            lvl -= evap / L_PER_CM
            c = c * SYSTEM_L / (SYSTEM_L - evap) + 1.5 / D
            p -= 0.03 / D
            if faulty and weep and weep["start"] <= k < weep["end"]:
                lvl -= WEEP_L_PER_H / 60.0 / L_PER_CM
            step = stage.get(k)
            wasting = left_from <= k < left_to
            q = 0.0 if step == "off" else PUMP_LPM
            if step in ("waste", "rinse") or wasting:
                out = (PUMP_LPM if step == "waste" or wasting else 20.0) if lvl > INTAKE_CM + 0.5 else 0.0
                lvl -= out / L_PER_CM
                q = 0.0  # the return is shut while the valve sends the pump to waste
            elif lvl <= INTAKE_CM + 0.5:
                q = 0.0  # the pump sucks air
            if k - 5 in wash_at and not wasting:
                hosing, bicarb = True, 60
            if k == left_to:
                hosing, bicarb = True, 60
            if k in check_at:
                hosing = True
            if hosing:
                add = min(HOSE_LPM, (MARK_CM - lvl) * L_PER_CM)
                if add <= 0.0:
                    hosing = False
                else:
                    f = add / SYSTEM_L
                    c, p = c * (1 - f) + MAINS_TDS * f, p * (1 - f) + MAINS_PH * f
                    lvl += add / L_PER_CM
                    mixes[k] = (f, MAINS_C)
                    hosing = add >= HOSE_LPM  # the last of it: at the mark, she turns the hose off
            if bicarb:
                p += 0.15 / 60.0
                bicarb -= 1
            level[k], tds[k], ph[k], flow[k] = lvl, c, p, q
        return level, tds, ph, flow, mixes

    level, tds, ph, flow, mixes = loop(True)
    twin_level, _, twin_ph, twin_flow, twin_mixes = loop(False)
    running = flow > 0.0
    chiller_ok = running.copy()
    if trip:
        chiller_ok[trip["start"]:trip["end"]] = False
    on_at, off_at = np.full(n, 22.4), np.full(n, 21.6)
    if probe_out:  # its probe in the cabinet's warm air: the chiller never reaches its set point
        on_at[probe_out["start"]:probe_out["end"]] = off_at[probe_out["start"]:probe_out["end"]] = -50.0
    extra = 0.08 * lights + 0.06 * running
    water = water_temperature(hall, 30.0, 22.0, 0.65, on_at, off_at, cooling=True, powered=chiller_ok,
                              extra_c_per_h=extra, mixes=mixes)
    healthy = water_temperature(hall, 30.0, 22.0, 0.65, 22.4, 21.6, cooling=True, powered=twin_flow > 0.0,
                                extra_c_per_h=0.08 * lights + 0.06 * (twin_flow > 0.0), mixes=twin_mixes)
    algae = 0.03 * lowpass(lights.astype(float), 120.0)  # the rocks' film by the afternoon
    ph, twin_ph = ph + algae, twin_ph + algae
    read_ph = ph.copy()
    cal = 21 * D + 9 * 60
    if days > 21:
        read_ph[cal:cal + 5] = BUFFER_7
        read_ph[cal + 5:cal + 12] = BUFFER_10
    buffered = fault_of(fault_list, "ph_probe_left_in_buffer")
    if buffered:  # the open cup takes the air's CO2: the buffer reads a little lower through the day
        a, b = buffered["start"], buffered["end"]
        read_ph[a:b] = BUFFER_10 - 0.06 * (i[a:b] - a) / D
    for f in fault_list:
        a, b = f["start"], f["end"]
        if f["kind"] in ("chiller_high_pressure_trip", "chiller_probe_out_of_water"):
            f["label_from"] = leaves_range(water, healthy, a, b)
            f["recovery"] = settled_after(water, healthy, b)
        elif f["kind"] in ("backwash_valve_left_on_waste", "chiller_union_weeping"):
            f["label_from"] = departs(level, twin_level, a, b, 0.5)
            f["recovery"] = back_within(level, twin_level, b, 0.5)
        elif f["kind"] == "ph_probe_left_in_buffer":
            f["label_from"] = departs(read_ph, ph, a, b, 0.1)
            f["recovery"] = 30
    tank = quiet_tank(0.8, {"temp_c": 0.02, "ph": 0.01, "tds_ppm": 2.0, "turb_ntu": 0.05, "level_cm": 0.1,
                            "flow_lpm": 0.3})

    def habits(v: dict, rng: np.random.Generator) -> list[str]:
        draw_water(v, hour, water, level, tds, read_ph, flow)
        for d in range(days):
            _cloud(v, int(d * D + 10 * 60 + rng.integers(-10, 11)), float(rng.uniform(0.4, 0.7)), 40.0)
            if weekday(d) >= 5:
                _cloud(v, int(d * D + 14 * 60 + rng.integers(-5, 6)), float(rng.uniform(0.8, 1.2)), 40.0)
        for at in washes:
            _cloud(v, at + 5, 2.0, 45.0)  # the filter's fines when the valve goes back to filter
        return [f"sand filter backwashed to waste and the sump refilled from the mains, day {at // D}"
                for at in washes] + ["a morning check at 8:15 tops up the sump by hose",
                                     "the hall air-conditioned 8:45-17:30, closed on Mondays",
                                     "fed 10:00, the weekend's feeding talk at 14:00", "a heatwave days 4-6"]

    return finish18("visitor centre's 3000 l Murray cod display (round 18, blind)", "cold-water", tank, days,
                    fault_list, habits, seed, {"temp_c_low": 17.0, "temp_c_high": 26.0, "ph_low": 6.8,
                                               "ph_high": 8.4, "tds_ppm_high": 600.0, "level_cm_low": 15.0,
                                               "level_cm_high": 52.0, "flow_lpm_low": 25.0})
