"""Round 13's third stranger, a fish room's 300 l tank on an automatic water change (written blind, never tuned
on), and what the three round-13 months share (:mod:`benchmarks.keeper_month_strangers13` lists them in
:data:`~benchmarks.keeper_month_strangers13.STRANGERS13`).

Examples
--------
>>> s = awc_fishroom_month(days=3, faults=())
>>> bool(s.labels.any()), s.profile, s.limits["level_cm_low"]
(False, 'tropical', 14.0)
"""

from __future__ import annotations

from typing import Any

import numpy as np

from benchmarks.keeper_heat import Array, room_air, settled_after, water_temperature
from benchmarks.keeper_month import DAY_MIN, Scenario, Tank, build
from benchmarks.keeper_month_paludarium import _as_probes_read, _cloud, weekday
from benchmarks.keeper_month_strangers12_fry import fault_of

#: fault kinds the round-13 months' habits draw (through the heat balance, the water's loops or the readings)
DRAWN_BY_HABITS = ("calcareous_rock", "quick_disconnect_weeping", "canister_stalled", "inline_heater_stuck",
                   "refill_interrupted", "salt_double_dose", "dial_overturned", "air_pump_failed",
                   "heater_glass_cracked", "biofilter_crash", "outflow_over_rim", "awc_solenoid_stuck",
                   "awc_drain_blocked", "mixing_valve_hot", "return_pump_cycling", "awc_timer_dead",
                   "thermometer_water_ingress")


def apply_stranger13_fault(v: dict, f: dict[str, Any], rng: np.random.Generator) -> None:
    """The round-13 kinds are drawn by the months' habits; any other kind is a mistake in a month."""
    if f["kind"] not in DRAWN_BY_HABITS:
        raise ValueError(f"unknown round-13 fault kind {f['kind']!r}")


def departs(x: Array, twin: Array, a: int, b: int, margin: float) -> int:
    """The first minute in [a, b) that ``x`` is more than ``margin`` from ``twin``, the same tank without the
    fault, minute by minute: where a slow fault of a quantity the keeper's own habits step (a water change's
    level, a top-up's salts) becomes worth telling.  (A range over the day before, as
    :func:`benchmarks.keeper_heat.leaves_range` takes for a temperature, would hold a weekly change's dip.)"""
    hits = np.flatnonzero(np.abs(x[a:b] - twin[a:b]) > margin)
    if not len(hits):
        raise ValueError(f"the fault at minute {a} never departs {margin:g} from its twin before {b}")
    return a + int(hits[0])


def back_within(x: Array, twin: Array, end: int, margin: float) -> int:
    """Minutes after ``end`` until ``x`` is back within ``margin`` of its twin, plus half an hour: a recovery."""
    back = np.flatnonzero(np.abs(x[end:] - twin[end:]) <= margin)
    return (int(back[0]) if len(back) else len(x) - end) + 30


# --------------------------------------------------------------------------- a fish room's tank on an AWC

#: the sump: litres a cm, the drain standpipe's lip, the rim (what is above it is on the floor), the AWC's flow
SUMP_L_PER_CM, LIP_CM, RIM_CM, AWC_LPM, SYSTEM_L = 2.1, 20.0, 35.0, 1.5, 360.0


def _sump(n: int, inflow: Array, pump_off: np.ndarray, drain_ok: np.ndarray, tap_tds: float
          ) -> tuple[Array, Array, Array]:
    """The sump's level, the system's TDS and its acid (pH below the tap water's buffer) minute by minute.

    Evaporation (2 l a day from the open sump) lowers the sump below the standpipe's lip; each AWC event fills
    it to the lip and the rest runs over the standpipe to the floor drain (the head over the lip about 0.4 cm at
    1.5 l/min); while the return pump is off the display drains 6.3 l back into the sump (over the lip: lost
    down the drain; when the pump restarts the sump is that much short until the next event).  With the drain
    blocked the water stays, up to the rim.  The fish's waste adds salts and acid; each litre of new water
    dilutes both toward the tap's."""
    evap, out, back_max = 2.0 / DAY_MIN, 0.64, 6.3  # the standpipe takes 64 % of the head a minute
    level, tds, acid = np.empty(n), np.empty(n), np.empty(n)
    vol, back, c, h = 0.0, 0.0, 290.0, 0.3
    inflow_l, off_l, ok_l = inflow.tolist(), pump_off.tolist(), drain_ok.tolist()
    for k in range(n):
        step = float(np.clip((back_max if off_l[k] else 0.0) - back, -3.0, 3.0))
        back += step
        vol += step + inflow_l[k] - evap
        if vol > 0.0 and ok_l[k]:
            vol -= out * vol
        vol = min(vol, (RIM_CM - LIP_CM) * SUMP_L_PER_CM)
        f = inflow_l[k] / SYSTEM_L
        c = c * (1.0 + evap / SYSTEM_L) * (1.0 - f) + f * tap_tds + 9.0 / DAY_MIN
        h = h * (1.0 - f) - f * 0.3 + 0.06 / DAY_MIN
        level[k], tds[k], acid[k] = LIP_CM + vol / SUMP_L_PER_CM, c, h
    return level, tds, acid


def awc_fishroom_month(days: int = 30, seed: int = 1313, faults: tuple | None = None) -> Scenario:
    """Written round 13 blind, never tuned on: a 300 l rainbowfish tank over a 60 l sump in a cellar fish room,
    its water changed by an automatic water change (AWC), in January.

    A drilled 120×50×50 cm display over a 60×35 cm sump (2.1 l a cm; the
    level probe and every other probe in the sump); a 25 l/min return pump
    on the controller's relay; a 300 W heater in the sump (on at 25.3, off
    at 25.7 °C: +0.72 °C/h for the 360 l, a 20 h time constant) in a fish
    room held near 19 °C by an oil radiator.  The AWC: a timer opens a
    solenoid valve at 5:00 and 17:00 for 12 minutes, 1.5 l/min of mains
    water through a carbon block and a thermostatic mixing valve (about 25
    °C, a little cooler in the evening after the household's showers) fed by
    a 30 l under-sink water heater; 18 l an event, 10 % of the system a day;
    the surplus runs over a standpipe in the sump (its lip at 20 cm) to the
    floor drain, so the sump sits at the lip after each event and 0.5 cm
    below it twelve hours later (2 l a day of evaporation); there is no
    other top-up.  Tap water TDS 180, pH 7.8; the tank settles near TDS 290,
    pH 7.4.  The keeper set the tropical profile with 23.5-28 °C, pH 6.8-8.2,
    TDS up to 450, the sump 14-30 cm (the return's intake at 10, the rim at
    35), flow 12 l/min and more.  Habits: feedings 7:30 and 18:30, an
    automatic feeder at 12:00; LEDs 9:00-21:00; each Sunday at 10:00 the
    keeper rinses the return's pre-filter sponge (the pump off 15 minutes,
    the display drains 6 l into the sump and over the standpipe: the sump
    3 cm short until the next event); the glass scraped on Wednesdays at
    19:00 (a cloud); three glitches a day.  Faults: the solenoid sticking
    open after the 5:00 event (the mains run on; the under-sink heater is
    empty after an hour and the water comes in at 9 °C, until the keeper
    hears it at 7:40), a snail in the standpipe's strainer (the 17:00 event's
    18 l stay in the sump, the 5:00 event's run over its rim onto the floor,
    until the keeper finds the puddle at 7:30), the mixing valve's cold port
    scaled (the 5:00 event comes in at 52 °C, until the keeper switches the
    AWC off at 9:30; it stays off until the valve is cleaned the next
    morning), the return pump's thermal cut-out (its pre-filter clogged, it
    runs 22 minutes at two thirds of its flow and rests 8, until the keeper
    cleans it at 21:15), the AWC's timer losing its program in a power blip
    (no changes, no top-up: the sump falls, salts and acid build, from the
    17:00 event of day 21 until the keeper notices on day 25 at 18:00 and
    runs a 40 % change by hand), water in the thermometer's seal (the
    DS18B20 drops readings and reads its power-on 85.0 °C, more and more
    often, until the keeper replaces it the next evening).  A slow fault is
    labelled from the minute the water leaves its twin (the same month
    without it) by a reading a keeper resolves (:func:`departs`: the sump
    1 cm, twice its daily swing, or the salts 10 ppm); the others from their
    first minute (the stuck solenoid from when the event should have
    closed, the blocked drain from the first event it holds).
    """
    D = DAY_MIN
    n = days * D
    i = np.arange(n)
    hour = (i / 60.0) % 24.0
    weather = np.random.default_rng(seed + 1)
    room = room_air(days, weather, 19.0, 0.7, 17.0, 0.6)
    if faults is None:
        faults = ({"kind": "awc_solenoid_stuck", "start": 5 * D + 5 * 60 + 12, "end": 5 * D + 7 * 60 + 40},
                  {"kind": "awc_drain_blocked", "start": 11 * D + 17 * 60, "end": 12 * D + 7 * 60 + 30},
                  {"kind": "mixing_valve_hot", "start": 16 * D + 5 * 60, "end": 16 * D + 9 * 60 + 30,
                   "hot_c": 52.0},
                  {"kind": "return_pump_cycling", "start": 19 * D + 13 * 60, "end": 19 * D + 21 * 60 + 15},
                  {"kind": "awc_timer_dead", "start": 21 * D + 17 * 60, "end": 25 * D + 18 * 60},
                  {"kind": "thermometer_water_ingress", "start": 26 * D + 2 * 60, "end": 27 * D + 20 * 60})
    fault_list = [dict(f) for f in faults]
    # the AWC's events: minute -> (minutes open, water °C)
    events = {d * D + h * 60: (12, float(weather.uniform(24.6, 25.4) if h == 5 else weather.uniform(23.6, 24.8)))
              for d in range(days) for h in (5, 17)}
    stuck = fault_of(fault_list, "awc_solenoid_stuck")
    hot = fault_of(fault_list, "mixing_valve_hot")
    dead = fault_of(fault_list, "awc_timer_dead")
    if hot:  # the keeper switches the AWC off until the valve is cleaned the next morning at 11:00
        for at in [at for at in events if hot["end"] <= at < (hot["start"] // D + 1) * D + 11 * 60]:
            del events[at]
    twin_events = dict(events)  # the month without the timer's fault, for its label
    if dead:
        for at in [at for at in events if dead["start"] <= at < dead["end"]]:
            del events[at]
        events[dead["end"] + 5] = (96, 25.0)  # the keeper's 40 % change by hand, through the AWC's line
    inflow, inflow_c, twin_inflow = np.zeros(n), np.full(n, 25.0), np.zeros(n)
    healthy_c = np.full(n, 25.0)  # the water as the mixing valve should give it
    for at, (mins, c) in twin_events.items():
        twin_inflow[at:at + mins] = AWC_LPM
        healthy_c[at:at + mins] = c
    for at, (mins, c) in events.items():
        inflow[at:at + mins] = AWC_LPM
        inflow_c[at:at + mins] = c
    if stuck:  # the solenoid stays open; the under-sink heater's 30 l last an hour, then the mains' 9 °C
        a, b = stuck["start"], stuck["end"]
        inflow[a:b] = twin_inflow[a:b] = AWC_LPM
        k = np.arange(b - a) + 12
        inflow_c[a:b] = np.interp(k, [0, 60, 80], [inflow_c[a - 1], inflow_c[a - 1], 9.0])
    if hot:
        inflow_c[hot["start"]:hot["start"] + 12] = hot["hot_c"]
    pump_off = np.zeros(n, dtype=bool)
    for d in range(days):
        if weekday(d) == 6:
            pump_off[d * D + 10 * 60:d * D + 10 * 60 + 15] = True
    cycling = fault_of(fault_list, "return_pump_cycling")
    resting = np.zeros(n, dtype=bool)
    if cycling:  # 8 minutes resting, 22 running, from the first cut-out
        a, b = cycling["start"], cycling["end"]
        resting[a:b] = ((i[a:b] - a) % 30) < 8
    drain_ok = np.ones(n, dtype=bool)
    blocked = fault_of(fault_list, "awc_drain_blocked")
    if blocked:
        drain_ok[blocked["start"]:blocked["end"]] = False
    level, tds, acid = _sump(n, inflow, pump_off | resting, drain_ok, 180.0)
    twin_level, twin_tds, _ = _sump(n, twin_inflow, pump_off | resting, drain_ok, 180.0)
    mixes = {int(k): (inflow[k] / SYSTEM_L, float(inflow_c[k])) for k in np.flatnonzero(inflow)}
    healthy_mixes = {int(k): (AWC_LPM / SYSTEM_L, float(healthy_c[k])) for k in np.flatnonzero(twin_inflow)
                     if not stuck or not stuck["start"] <= k < stuck["end"]}
    lights = (hour >= 9.0) & (hour < 21.0)
    glow = np.where(lights, 0.04, 0.0)
    water = water_temperature(room, 20.0, 25.5, 0.72, 25.3, 25.7, extra_c_per_h=glow, mixes=mixes)
    healthy = water_temperature(room, 20.0, 25.5, 0.72, 25.3, 25.7, extra_c_per_h=glow, mixes=healthy_mixes)
    for f in fault_list:
        if f["kind"] in ("awc_solenoid_stuck", "mixing_valve_hot"):
            f["recovery"] = max(120, settled_after(water, healthy, f["end"]))
        elif f["kind"] == "awc_timer_dead":  # the sump 1 cm (twice its daily swing) or the salts 10 ppm off
            f["label_from"] = min(departs(level, twin_level, f["start"], f["end"], 1.0),
                                  departs(tds, twin_tds, f["start"], f["end"], 10.0))
            f["recovery"] = max(120, back_within(tds, twin_tds, f["end"], 10.0))
    tank = Tank(temp=0.0, temp_swing=0.0, ph=7.7, ph_swing=0.03, tds=0.0, tds_per_day=0.0, turb=0.6,
                feed_turb=0.0, level=0.0, evap_cm_per_day=0.0, flow=25.0,
                noise={"temp_c": 0.02, "ph": 0.01, "tds_ppm": 2.0, "turb_ntu": 0.05, "level_cm": 0.07,
                       "flow_lpm": 0.3})

    def habits(v: dict, rng: np.random.Generator) -> list[str]:
        v["temp_c"] = v["temp_c"] + water
        v["level_cm"] = v["level_cm"] + level
        v["tds_ppm"] = v["tds_ppm"] + tds
        v["ph"] -= acid
        for d in range(days):
            for h, size in ((7.5, 0.6), (12.0, 0.25), (18.5, 0.6)):
                at = int(d * D + h * 60 + (rng.integers(-8, 9) if h != 12.0 else 0))
                _cloud(v, at, float(rng.uniform(0.7, 1.1)) * size, 35.0)  # (its salts: the waste's)
            if weekday(d) == 2:
                _cloud(v, int(d * D + 19 * 60 + rng.integers(0, 20)), 0.8, 45.0)
            if weekday(d) == 6:
                _cloud(v, d * D + 10 * 60 + 15, 1.0, 30.0)
        v["flow_lpm"][pump_off] = 0.0
        v["pump"][pump_off] = 0.0
        if cycling:  # the relay on; running at two thirds, rattling a little; resting: nothing
            a, b = cycling["start"], cycling["end"]
            v["flow_lpm"][a:b] = np.where(resting[a:b], 0.0, 17.0 + rng.normal(scale=0.6, size=b - a))
        return [f"AWC events ({len(events)}), 18 l at 5:00 and 17:00", "feeding 7:30, 18:30, feeder 12:00",
                "pre-filter rinsed Sundays 10:00", "glass scraped Wednesdays"]

    s = build("fish room's 300 l on an automatic water change (round 13, blind)", "tropical", tank, days,
              fault_list, habits, 3.0, seed, apply=apply_stranger13_fault)
    f = fault_of(fault_list, "thermometer_water_ingress")
    if f:  # water in the seal: CRC failures (no reading) and the DS18B20's power-on 85.0, ever more often
        a, b = f["start"], f["end"]
        k = np.arange(b - a)
        odds = 1.0 / 60.0 + (1.0 / 4.0 - 1.0 / 60.0) * k / (b - a)
        drops = np.random.default_rng(seed + 2).random(b - a)
        x = s.values["temp_c"][a:b]
        x[drops < odds * 0.6] = np.nan
        x[(drops >= odds * 0.6) & (drops < odds)] = 85.0
    s.limits = {"temp_c_low": 23.5, "temp_c_high": 28.0, "ph_low": 6.8, "ph_high": 8.2, "tds_ppm_high": 450.0,
                "level_cm_low": 14.0, "level_cm_high": 30.0, "flow_lpm_low": 12.0}
    return _as_probes_read(s)
