"""Round 18: three keepers' months written blind -- from neither the engine's code, its thresholds nor its
outputs -- and never tuned on (issue 16's strangers, an eleventh time).

Written as their keepers would live them, from the physics of a tank and real keeping habits, to be measured
once through ``evaluate`` (as :func:`benchmarks.bench_detection.keeper_months` does) and not changed after.
They reuse the probes, noise, glitches and labelling of :mod:`benchmarks.keeper_month`, the heat balance of
:mod:`benchmarks.keeper_heat`, the twin-based labels of :mod:`benchmarks.keeper_month_strangers13_awc` and the
drawn water of :mod:`benchmarks.keeper_month_strangers14_sump`, and add what no earlier month has:

- tanks: a 50 l tank of guppies, platies and corydoras in a Singapore restaurant's west window, cooled by
  the dining room's air-conditioning in opening hours, warmed by the closed shophouse at night and the
  afternoon sun through the glass; a university's zebrafish rack of eight 20 l tanks over a 60 l sump with a
  nightly RO exchange and a dosing controller (:mod:`benchmarks.keeper_month_strangers18_lab`); a regional
  visitor centre's 3000 l display of Murray cod and silver perch over a 290 l sump, held at 22 °C by a chiller
  in an Australian January and kept by a rota of volunteers (:mod:`benchmarks.keeper_month_strangers18_display`);
- habits: the air-conditioning 10:30-23:00, closed Mondays, the blind lowered at 15:00, a fortnightly
  contractor's change with the canister off, waiters feeding when children ask, the manager's jug every other
  morning; a nightly drain-and-refill with RO, a controller dosing salt and soda ash, technicians' feeds of live
  brine shrimp, a pad swapped with the pump off, tanks siphoned on Thursdays; a sand filter backwashed to waste
  each Wednesday and refilled from the mains, a morning check's hose, weekend feeding talks, a heatwave;
- faults: the air-conditioning's compressor failing on a Saturday lunchtime, the heater's thermostat welded on
  in the closed restaurant on a Monday, a new waiter topping up with the bar's soda water, the canister's hose
  split by a mop bucket after closing, condensation on the level sensor's face; the float valve stuck open (RO
  over the rim, the salts and buffer flushed out), the pH doser siphoning its soda ash, the UV's ballast leaking
  current into the pH probe, the rack's pump seized on a weekend, the fish room's chilled water failing; the
  chiller tripping on high pressure in a heatwave, the backwash valve left on waste (the sump to the pump's
  intake), the chiller's probe pulled out of the water (the chiller running flat out), the pH probe left in its
  pH 10 buffer after calibration, the chiller's union weeping into the cabinet.

A fault is labelled from the minute its keeper would want to hear of it: a stopped pump, a probe reading what is
not the water from its first minute; a slow fault (``label_from``) when the water or the reading leaves what it
would have been: a temperature 0.3 °C outside the range the same tank without the fault took over the day
before and meanwhile (:func:`benchmarks.keeper_heat.leaves_range`), a pH, a level or a reading that departs from
its twin by a keeper's resolution (:func:`benchmarks.keeper_month_strangers13_awc.departs`); until it is fixed,
plus the water's recovery.

Examples
--------
>>> s = restaurant_window_month(days=3, faults=())
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
from benchmarks.keeper_month_strangers17_aquaponics import sunshine
from benchmarks.keeper_month_strangers18_display import visitor_centre_display_month
from benchmarks.keeper_month_strangers18_lab import finish18, zebrafish_rack_month

#: the tank's litres a cm, its mark, its rim; the canister's intake; the ultrasonic sensor's face above the bottom
L_PER_CM, MARK_CM, RIM_CM, INTAKE_CM, SENSOR_CM = 1.5, 33.0, 36.0, 12.0, 40.0
#: the canister, l/min; the split hose's leak, the contractor's siphon and buckets, the manager's jug, cm a minute
CANISTER_LPM, SPLIT_LPM, SIPHON_CM, BUCKET_CM, JUG_CM = 6.0, 0.4, 1.0, 1.3, 1.0
#: Singapore's tap water (soft): salts, pH; the bar's chilled soda water: salts, °C, litres poured
TAP_TDS, TAP_PH, SODA_TDS, SODA_C, SODA_L = 80.0, 8.0, 150.0, 5.0, 3.0


def dining_room(i: np.ndarray, hour: Array, wander: Array, open_day: np.ndarray, failed: tuple[int, int] | None
                ) -> Array:
    """The dining room's air: the air-conditioning holds 23.5 °C from 10:30 to 23:00 on open days (a degree
    more at the lunch and dinner crowds); otherwise the closed shophouse, 27-30 °C peaking at 16:00;
    ``failed`` (from, to): the compressor dead, the room the shophouse's air and 2.5 °C of diners and kitchen
    in opening hours."""
    shophouse = 28.5 + 1.5 * np.cos(2.0 * np.pi * (hour - 16.0) / 24.0)
    cooled = open_day & (hour >= 10.5) & (hour < 23.0)
    crowd = ((hour >= 12.0) & (hour < 14.0)) | ((hour >= 19.0) & (hour < 21.5))
    target = np.where(cooled, 23.5 + 1.0 * crowd, shophouse)
    if failed:
        a, b = failed
        target[a:b] = shophouse[a:b] + 2.5 * cooled[a:b]
    return lowpass(target, 40.0) + wander


def restaurant_window_month(days: int = 30, seed: int = 1801, faults: tuple | None = None) -> Scenario:
    """Written round 18 blind, never tuned on: a 50 l tank of guppies, platies and corydoras in the west window of
    a family restaurant in Singapore, January (the north-east monsoon's afternoon showers).

    50×30×36 cm, 33 cm of water to the mark (1.5 l a cm, the rim at 36); a
    6 l/min canister in the cabinet (its intake 12 cm up, the flow meter on
    its return); a 100 W heater (on at 25.8, off at 26.2 °C: +1.7 °C/h, a 5 h
    time constant); the ultrasonic level sensor under the lid's corner, its
    face 40 cm above the bottom; a light 10:00-23:00 on open days.  The
    dining room's air-conditioning holds 23.5 °C from 10:30 to 23:00 (24.5
    at the lunch and dinner crowds); closed, the shophouse is 27-30 °C; the
    restaurant is closed on Mondays.  The afternoon sun through the west
    window (up to 1.6 °C/h on the water on a clear day) until the staff lower
    the blind at 15:00 (it stays down until the next opening).  Singapore's
    tap water is soft (TDS 80, pH 8.0); 0.6 cm a day evaporates; the fish add
    3 ppm and 0.05 of acid a day.  Habits: the manager feeds at 10:40 on
    open days (nobody on Mondays) and tops up to the mark with a jug of the
    tap water that stood overnight every other morning at about 10:45;
    waiters feed a pinch when children ask at lunch and in the evening; a
    contractor comes on alternate Thursdays at 15:00, switches the canister
    off for half an hour to rinse its sponges, siphons 30 % and refills from
    buckets matched by kettle (26 ± 1 °C); two glitches a day.  She set the
    tropical profile with 23-32 °C, pH 6.0-8.0, TDS up to 600, the water
    20-35.5 cm, flow 2 l/min and more.  Faults: the air-conditioning's
    compressor fails on a Saturday lunchtime (the room 31-33 °C with the
    diners and the kitchen, the sun on the glass until the blind; labelled
    from 0.3 °C over the range, until the engineer fixes it at 11:30 on
    Sunday), the heater's thermostat welds on at 9:40 on a closed Monday
    (the water toward 37 °C in the shut shophouse; labelled from 0.3 °C over
    the range, until she opens at 10:35 on Tuesday and unplugs it), a new waiter tops up with 3 l of the
    bar's chilled soda water at dinner (its CO2 takes the pH 1.3 down at
    once, blown off over hours; labelled from 0.1 off, until she closes at
    23:00 and runs an air stone), the cleaner's mop bucket splits the
    canister's outlet hose at 23:40 on a Saturday (0.4 l/min onto the floor
    until the level is at the canister's intake and it sucks air; until she
    opens at 9:15, refills and primes it), condensation on the level sensor's
    face when the air-conditioning first cools the lid (droplets' echoes read
    the water 38-39 cm high, on and off; until the contractor wipes it and
    fits a drip shield the next morning).
    """
    D = DAY_MIN
    n, i, hour, weather = minute_grid(days, seed)
    open_day = np.array([weekday(int(d)) != 0 for d in i // D])
    if faults is None:
        faults = ({"kind": "aircon_compressor_failed", "start": 9 * D + 12 * 60 + 20, "end": 10 * D + 11 * 60 + 30},
                  {"kind": "heater_thermostat_welded", "start": 11 * D + 9 * 60 + 40, "end": 12 * D + 10 * 60 + 35},
                  {"kind": "soda_water_top_up", "start": 19 * D + 20 * 60 + 15, "end": 19 * D + 23 * 60},
                  {"kind": "canister_hose_split", "start": 23 * D + 23 * 60 + 40, "end": 24 * D + 9 * 60 + 15},
                  {"kind": "level_sensor_condensation", "start": 27 * D + 10 * 60 + 40,
                   "end": 28 * D + 10 * 60 + 30})
    fault_list = sorted((dict(f) for f in faults), key=lambda f: f["start"])
    compressor = fault_of(fault_list, "aircon_compressor_failed")
    welded = fault_of(fault_list, "heater_thermostat_welded")
    soda, split = fault_of(fault_list, "soda_water_top_up"), fault_of(fault_list, "canister_hose_split")
    wander = np.interp(i / D, np.arange(days + 1), weather.uniform(-0.5, 0.5, days + 1))
    room = dining_room(i, hour, wander, open_day, (compressor["start"], compressor["end"]) if compressor else None)
    twin_room = dining_room(i, hour, wander, open_day, None)
    sun = sunshine(hour, i, weather, days, 12.5, 19.2)
    blind_up = open_day & (hour >= 10.5) & (hour < 15.0)
    sun_heat = 1.6 * sun * np.where(blind_up, 1.0, 0.3)
    lights = open_day & (hour >= 10.0) & (hour < 23.0)
    topups = [int(d * D + 10 * 60 + 45 + weather.integers(-10, 11)) for d in range(days) if d % 2 == 0]
    visits = [int(d * D + 15 * 60 + weather.integers(-10, 11)) for d in range(days) if weekday(d) == 3 and d % 14 == 7]
    kettle = {at: float(weather.normal(26.0, 1.0)) for at in visits}

    def loop(faulty: bool) -> tuple[Array, Array, Array, dict[int, tuple[float, float]], Array]:
        """The level, the salts, the fish's acid, each minute's new water (fraction, °C) and the canister's flow."""
        level, tds, acid, flow, mixes = np.empty(n), np.empty(n), np.empty(n), np.empty(n), {}
        lvl, c, h, pouring = MARK_CM - 0.3, 170.0, 0.15, None
        siphons = {at + 5 + k for at in visits for k in range(10)}
        refills = {at + 16: at for at in visits}
        for k in range(n):
            lvl -= 0.6 / D
            c = c * (lvl + 0.6 / D) / lvl + 3.0 / D
            h += 0.05 / D
            canister = CANISTER_LPM if lvl > INTAKE_CM + 0.5 else 0.0
            if any(at <= k < at + 30 for at in visits):
                canister = 0.0
            if faulty and split and split["start"] <= k < split["end"] and canister > 0.0:
                lvl -= SPLIT_LPM / L_PER_CM
                canister -= SPLIT_LPM
            if k in siphons:
                lvl -= SIPHON_CM
            if k in topups:
                pouring = ("jug", k)
            if k in refills:
                pouring = ("buckets", refills[k])
            if faulty and split and k == split["end"]:
                pouring = ("buckets", k)
            if faulty and soda and k in range(soda["start"], soda["start"] + 3):
                add = SODA_L / 3.0 / L_PER_CM
                f = add / (lvl + add)
                c, h, lvl = c * (1 - f) + SODA_TDS * f, h * (1 - f), lvl + add
                mixes[k] = (f, SODA_C)
            elif pouring is not None and lvl >= MARK_CM - 1e-9:
                pouring = None  # nothing to pour: the water is at the mark
            elif pouring is not None:
                rate = JUG_CM if pouring[0] == "jug" else BUCKET_CM
                lvl, c, h, f, full = pour(lvl, c, h, rate, MARK_CM, TAP_TDS)
                mixes[k] = (f, kettle.get(pouring[1], 27.5))
                if full:
                    pouring = None
            level[k], tds[k], acid[k], flow[k] = lvl, c, h, canister
        return level, tds, acid, mixes, flow

    level, tds, acid, mixes, flow = loop(True)
    twin_level, _, twin_acid, twin_mixes, twin_flow = loop(False)
    on_at, off_at = np.full(n, 25.8), np.full(n, 26.2)
    if welded:
        on_at[welded["start"]:welded["end"]], off_at[welded["start"]:welded["end"]] = 99.0, 99.5
    water = water_temperature(room, 5.0, 26.0, 1.7, on_at, off_at,
                              extra_c_per_h=sun_heat + 0.1 * lights + 0.03 * (flow > 0.0), mixes=mixes)
    healthy = water_temperature(twin_room, 5.0, 26.0, 1.7, 25.8, 26.2,
                                extra_c_per_h=sun_heat + 0.1 * lights + 0.03 * (twin_flow > 0.0), mixes=twin_mixes)
    ph = 7.35 - acid + 0.03 * lowpass(lights.astype(float), 120.0)
    twin_ph = 7.35 - twin_acid + 0.03 * lowpass(lights.astype(float), 120.0)
    if soda:  # the soda's CO2 over the water's own, blown off by the canister's spray bar (an air stone at the end)
        a, b = soda["start"], soda["end"]
        t = np.maximum(np.minimum(i, b) - a, 0) + 2.0 * np.maximum(i - b, 0)  # the air stone: twice as fast
        excess = np.where(i >= a, 20.0 * np.exp(-t / 60.0), 0.0)
        ph = ph - np.log10(1.0 + excess)
    read_level = level.copy()
    fogged = fault_of(fault_list, "level_sensor_condensation")
    if fogged:  # a droplet on the transducer's face answers before the water: the sensor reads 1.2-2 cm from it
        a, b = fogged["start"], fogged["end"]
        g, wet = np.random.default_rng(seed + 3), True
        for k in range(a, b):
            if wet:
                read_level[k] = SENSOR_CM - float(g.uniform(1.2, 2.0))
            wet = g.random() < (0.85 if wet else 0.05 + 0.4 * min(1.0, (k - a) / 60.0))
    for f in fault_list:
        a, b = f["start"], f["end"]
        if f["kind"] in ("aircon_compressor_failed", "heater_thermostat_welded"):
            f["label_from"] = leaves_range(water, healthy, a, b)
            f["recovery"] = settled_after(water, healthy, b)
        elif f["kind"] == "soda_water_top_up":
            f["label_from"] = departs(ph, twin_ph, a, b, 0.1)
            f["recovery"] = back_within(ph, twin_ph, b, 0.1)
        elif f["kind"] == "canister_hose_split":
            f["label_from"] = departs(level, twin_level, a, b, 0.5)
            f["recovery"] = max(back_within(level, twin_level, b, 0.5), settled_after(water, healthy, b))
        elif f["kind"] == "level_sensor_condensation":
            f["recovery"] = 30
    tank = quiet_tank(0.6, {"temp_c": 0.02, "ph": 0.01, "tds_ppm": 1.5, "turb_ntu": 0.04, "level_cm": 0.06,
                            "flow_lpm": 0.06})

    def habits(v: dict, rng: np.random.Generator) -> list[str]:
        draw_water(v, hour, water, read_level, tds, ph, flow)
        for d in range(days):
            if weekday(d) == 0:
                continue
            _cloud(v, int(d * D + 10 * 60 + 40 + rng.integers(-5, 6)), float(rng.uniform(0.4, 0.6)), 25.0)
            for lo, hi in ((12.0, 14.0), (18.5, 21.5)):
                for at in rng.uniform(d * D + lo * 60, d * D + hi * 60, rng.poisson(1.2)):
                    _cloud(v, int(at), float(rng.uniform(0.15, 0.4)), 20.0)  # a child's pinch
        for at in visits:
            _cloud(v, at + 5, 2.5, 30.0)  # the gravel vacuum
            _cloud(v, at + 30, 1.2, 25.0)  # the rinsed sponges' fines when the canister restarts
        if split:
            _cloud(v, split["end"] + 20, 1.5, 30.0)  # the primed canister's first gulps
        return [f"contractor's 30 % change with the canister off, day {at // D}" for at in visits] + [
            "air-conditioning 10:30-23:00, closed on Mondays", "the west window's sun until the blind at 15:00",
            "fed 10:40, pinches by the waiters", "a jug to the mark every other morning"]

    return finish18("Singapore restaurant window's 50 l tank (round 18, blind)", "tropical", tank, days,
                    fault_list, habits, seed, {"temp_c_low": 23.0, "temp_c_high": 32.0, "ph_low": 6.0,
                                               "ph_high": 8.0, "tds_ppm_high": 600.0, "level_cm_low": 20.0,
                                               "level_cm_high": 35.5, "flow_lpm_low": 2.0})


#: the round-18 months written blind, in the bench's order
STRANGERS18 = (restaurant_window_month, zebrafish_rack_month, visitor_centre_display_month)
