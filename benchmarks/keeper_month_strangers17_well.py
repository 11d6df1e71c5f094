"""Round 17's third stranger, a river tank of hillstream loaches in a farmhouse's cellar on a private well
(written blind, never tuned on; :mod:`benchmarks.keeper_month_strangers17` lists the round's months in
:data:`~benchmarks.keeper_month_strangers17.STRANGERS17`).

Examples
--------
>>> s = farmhouse_well_month(days=3, faults=())
>>> bool(s.labels.any()), s.profile, s.limits["flow_lpm_low"]
(False, 'cold-water', 15.0)
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
from benchmarks.keeper_month_strangers17_aquaponics import finish17

#: the tank's litres a cm, its mark, the powerhead's intake; the river manifold, l/min; siphon, jug, hose cm/min
L_PER_CM, MARK_CM, INTAKE_CM, RIVER_LPM, SIPHON_CM, BUCKET_CM, HOSE_CM = 3.0, 35.0, 8.0, 25.0, 1.4, 2.0, 3.0
#: the well's water: salts, °C at the cellar's tap, its pH straight from the ground (full of CO2), rested a night
WELL_TDS, WELL_C, RAW_PH, RESTED_PH = 420.0, 9.0, 6.4, 7.7
#: the seam's weep at the mark, litres an hour
WEEP_L_PER_H = 0.25


def farmhouse_well_month(days: int = 30, seed: int = 1703, faults: tuple | None = None) -> Scenario:
    """Written round 17 blind, never tuned on: a 105 l river tank of hillstream loaches, sucker-mouthed
    Sewellia and Beaufortia, in the stone cellar of a farmhouse on a private well, January.

    100×30×40 cm, 35 cm of water to the mark (3 l a cm), a bed of river
    pebbles; a 25 l/min powerhead (its intake 8 cm up, on the monitor's
    relay, with the motor's 0.2 °C/h) driving a river manifold along the back
    (the flow meter in the manifold's pipe); a 150 W heater (on at 18.8, off
    at 19.2 °C: +1.23 °C/h, a 14 h time constant under a glass lid); an LED
    8:00-20:00 that feeds the algae on the stones (the pH 0.06 up by
    evening).  The cellar holds 9.5 °C, a little more or less with the
    weather.  The well's water: TDS 420, 9 °C from the cellar's tap and
    pH 6.4 with the ground's CO2, 7.7 after a night in buckets with an air
    stone.  0.15 cm a day evaporates; the fish add 3 ppm and 0.03 of acid a
    day.  The farm's milking machines sag the mains 5:00-7:00 and 16:00-18:00
    (the powerhead 6 % slower).  Habits: she feeds at 7:00 and 19:00; on
    Friday evening she rests two buckets of well water in the kitchen (17.5 ±
    0.8 °C by morning) and on Saturday at about 10:00 switches the powerhead
    off at the app, siphons 40 % (ten minutes), pours the buckets back and
    switches it on twenty minutes after; she scrubs the stones' algae on
    Monday evenings and tops up with a jug of rested water on Wednesdays;
    two glitches a day.  She set the cold-water profile with 14-23 °C, pH
    6.5-8.4, TDS up to 900, the water 18-39 cm, flow 15 l/min and more.
    Faults: her son does the second Saturday's change straight from the
    cellar's tap with a hose (40 % of 9 °C water full of CO2 and iron: the
    water 4 °C down and its pH 0.8 down at once, rusty; labelled from the
    first minute of his pouring, until the heater and the river have put
    the water back), the manifold's corroded clip lets its hose slip off the
    powerhead at night (no flow in the manifold from its first minute, the
    jet still stirring the tank; until her morning look), the heater's
    thermostat welded on while she is away at a show (labelled from 0.3 °C
    over the range, until she is back two days later), a mouse chews the
    temperature probe's lead (the DS18B20 browns out and reports its
    power-on 85 °C in runs of minutes, the rest true; until she solders it two
    days later), the bottom seam weeping onto the flagstones (0.25 l an hour,
    her Wednesday jug filling it to the mark unseen; labelled from 0.5 cm
    under its twin, until she sees the wet floor on the third evening, puts
    epoxy on the seam and fills to the mark).
    """
    D = DAY_MIN
    n, i, hour, weather = minute_grid(days, seed)
    changes = [int(d * D + 10 * 60 + weather.integers(-30, 31)) for d in range(days) if weekday(d) == 5]
    buckets = {at: float(weather.normal(17.5, 0.8)) for at in changes}
    topups = [int(d * D + 19 * 60 + weather.integers(-20, 21)) for d in range(days) if weekday(d) == 2]
    if faults is None:
        son_at = changes[1] if len(changes) > 1 else 9 * D + 10 * 60
        faults = ({"kind": "raw_well_water_change", "start": son_at + 11, "end": son_at + 16},
                  {"kind": "manifold_hose_slipped_off", "start": 12 * D + 2 * 60 + 20, "end": 12 * D + 7 * 60 + 5},
                  {"kind": "heater_stuck_on", "start": 17 * D + 11 * 60, "end": 19 * D + 8 * 60},
                  {"kind": "temp_probe_power_on_reset", "start": 22 * D + 14 * 60, "end": 24 * D + 18 * 60 + 30},
                  {"kind": "bottom_seam_weeping", "start": 26 * D + 3 * 60, "end": 28 * D + 19 * 60})
    fault_list = sorted((dict(f) for f in faults), key=lambda f: f["start"])
    cellar = 9.5 + np.interp(i / D, np.arange(days + 1), weather.uniform(-0.6, 0.6, days + 1)) \
        + 0.2 * np.sin(2.0 * np.pi * (hour - 10.0) / 24.0)
    lights = (hour >= 8.0) & (hour < 20.0)
    relay_off = np.zeros(n, dtype=bool)
    for at in changes:
        relay_off[at:at + 20] = True
    raw = fault_of(fault_list, "raw_well_water_change")
    son = min(changes, key=lambda c: abs(c + 11 - raw["start"])) if raw and changes else None
    weep = fault_of(fault_list, "bottom_seam_weeping")

    def loop(faulty: bool) -> tuple[Array, Array, Array, dict[int, tuple[float, float]]]:
        """The level, the salts, the fish's acid and each minute's new water (fraction, °C)."""
        level, tds, acid, mixes = np.empty(n), np.empty(n), np.empty(n), {}
        lvl, c, h, pouring = MARK_CM - 0.2, 440.0, 0.1, None
        siphons = {at + 1 + k for at in changes for k in range(10)}
        pours = {at + 11: at for at in changes}
        pours.update({at: at for at in topups})
        if faulty and weep:
            pours[weep["end"]] = weep["end"]
        for k in range(n):
            lvl -= 0.15 / D
            c = c * (lvl + 0.15 / D) / lvl + 3.0 / D
            h += 0.03 / D
            if k in siphons:
                lvl -= SIPHON_CM
            if faulty and weep and weep["start"] <= k < weep["end"]:
                lvl -= WEEP_L_PER_H / 60.0 / L_PER_CM * np.sqrt(max(lvl, 0.0) / MARK_CM)
            if k in pours:
                pouring = pours[k]
            if pouring is not None:
                from_tap = faulty and pouring == son
                lvl, c, h, f, full = pour(lvl, c, h, HOSE_CM if from_tap else BUCKET_CM, MARK_CM, WELL_TDS)
                mixes[k] = (f, WELL_C if from_tap else buckets.get(pouring, 17.5))
                if full:
                    pouring = None
            level[k], tds[k], acid[k] = lvl, c, h
        return level, tds, acid, mixes

    level, tds, acid, mixes = loop(True)
    twin_level, _, twin_acid, twin_mixes = loop(False)
    slipped = fault_of(fault_list, "manifold_hose_slipped_off")
    milking = ((hour >= 5.0) & (hour < 7.0)) | ((hour >= 16.0) & (hour < 18.0))
    running = ~relay_off & (level > INTAKE_CM + 0.5)
    stirring = running.copy()
    flow = np.where(running, RIVER_LPM * np.where(milking, 0.94, 1.0), 0.0)
    if slipped:
        flow[slipped["start"]:slipped["end"]] = 0.0  # the jet still stirs the tank: only the manifold is dry
    stuck = fault_of(fault_list, "heater_stuck_on")
    on_at, off_at = np.full(n, 18.8), np.full(n, 19.2)
    if stuck:
        on_at[stuck["start"]:stuck["end"]], off_at[stuck["start"]:stuck["end"]] = 99.0, 99.5
    extra = 0.04 * lights + 0.2 * stirring
    water = water_temperature(cellar, 14.0, 19.0, 1.23, on_at, off_at, extra_c_per_h=extra, mixes=mixes)
    healthy = water_temperature(cellar, 14.0, 19.0, 1.23, 18.8, 19.2,
                                extra_c_per_h=0.04 * lights + 0.2 * ~relay_off, mixes=twin_mixes)
    algae = 0.06 * lowpass(lights.astype(float), 120.0)
    gas = np.zeros(n)
    if raw:  # the ground's CO2 in 40 % of the water, blown off by the river's surface over hours
        a = raw["start"]
        gas = np.where(i >= a, (RESTED_PH - RAW_PH) * 0.6 * np.clip((i - a) / 5.0, 0.0, 1.0)
                       * np.exp(-np.maximum(i - a - 5, 0) / 180.0), 0.0)
    ph, twin_ph = RESTED_PH + 0.05 - acid + algae - gas, RESTED_PH + 0.05 - twin_acid + algae
    chewed = fault_of(fault_list, "temp_probe_power_on_reset")
    browned = np.zeros(n, dtype=bool)
    if chewed:  # the lead's bared core touching on and off: runs of the DS18B20's power-on 85 °C
        a, b = chewed["start"], chewed["end"]
        g, bad = np.random.default_rng(seed + 3), True
        for k in range(a, b):
            browned[k] = bad
            bad = g.random() < (0.8 if bad else 0.06)
    for f in fault_list:
        a, b = f["start"], f["end"]
        if f["kind"] == "raw_well_water_change":
            f["label_from"] = leaves_range(water, healthy, a, b)
            f["recovery"] = max(settled_after(water, healthy, b), back_within(ph, twin_ph, b, 0.1))
        elif f["kind"] == "manifold_hose_slipped_off":
            f["recovery"] = 30
        elif f["kind"] == "heater_stuck_on":
            f["label_from"] = leaves_range(water, healthy, a, b)
            f["recovery"] = settled_after(water, healthy, b)
        elif f["kind"] == "temp_probe_power_on_reset":
            f["recovery"] = 30
        elif f["kind"] == "bottom_seam_weeping":
            f["label_from"] = departs(level, twin_level, a, b, 0.5)
            f["recovery"] = max(back_within(level, twin_level, b, 0.5), settled_after(water, healthy, b))
    tank = quiet_tank(0.4, {"temp_c": 0.02, "ph": 0.01, "tds_ppm": 2.0, "turb_ntu": 0.04, "level_cm": 0.1,
                            "flow_lpm": 0.3})

    def habits(v: dict, rng: np.random.Generator) -> list[str]:
        draw_water(v, hour, water, level, tds, ph, flow)
        v["pump"][relay_off] = 0.0
        for d in range(days):
            for h in (7.0, 19.0):
                _cloud(v, int(d * D + h * 60 + rng.integers(-15, 16)), float(rng.uniform(0.2, 0.4)), 20.0)
            if weekday(d) == 0:
                _cloud(v, int(d * D + 19 * 60 + 30 + rng.integers(-20, 21)), float(rng.uniform(1.5, 2.5)), 40.0)
        for at in changes:
            _cloud(v, at + 1, 1.5, 30.0)  # the siphon in the pebbles
        if raw:
            _cloud(v, raw["start"], 5.0, 180.0)  # the well's iron, rusting in the tank
        return [f"40 % change with rested well water, day {at // D}" for at in changes] + [
            "fed 7:00 and 19:00", "stones scrubbed on Monday evenings", "top-up by jug on Wednesdays",
            "the farm's milking machines 5:00-7:00 and 16:00-18:00", "LED 8:00-20:00"]

    s = finish17("farmhouse cellar's river tank on a well (round 17, blind)", "cold-water", tank, days, fault_list,
                 habits, seed, {"temp_c_low": 14.0, "temp_c_high": 23.0, "ph_low": 6.5, "ph_high": 8.4,
                                "tds_ppm_high": 900.0, "level_cm_low": 18.0, "level_cm_high": 39.0,
                                "flow_lpm_low": 15.0})
    s.values["temp_c"][browned] = 85.0  # what the probe reports, over its noise
    return s
