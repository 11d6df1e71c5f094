"""Round 14's second stranger, a 500 l Tanganyika tank over a reef-style sump with a dosing pump and a return
pump on a wave programme (written blind, never tuned on), and the fault kinds the three round-14 months share
(:mod:`benchmarks.keeper_month_strangers14` lists them in
:data:`~benchmarks.keeper_month_strangers14.STRANGERS14`).

Examples
--------
>>> s = tanganyika_sump_month(days=3, faults=())
>>> bool(s.labels.any()), s.profile, s.limits["level_cm_high"]
(False, 'tropical', 31.0)
>>> round(float(weir_head_cm(30.0)), 2)  # the water a 30 cm weir holds over its crest at 30 l/min
0.94
"""

from __future__ import annotations

from typing import Any

import numpy as np

from benchmarks.keeper_heat import Array, leaves_range, lowpass, room_air, settled_after, water_temperature
from benchmarks.keeper_month import DAY_MIN, Scenario, Tank, build
from benchmarks.keeper_month_blind import _spans
from benchmarks.keeper_month_paludarium import _as_probes_read, _cloud, weekday
from benchmarks.keeper_month_strangers12_fry import fault_of
from benchmarks.keeper_month_strangers13 import _excess
from benchmarks.keeper_month_strangers13_awc import back_within, departs

#: fault kinds the round-14 months' habits draw (through the heat balance, the water's loops or the readings)
DRAWN_BY_HABITS = ("hob_not_restarted", "window_left_open", "hot_tap_change", "hob_spilling_behind",
                   "food_tub_dumped", "ph_probe_out_of_water",
                   "dosing_pump_runaway", "ato_sensor_fouled", "back_siphon_in_feed_pause", "sump_heater_stuck",
                   "return_no_restart", "ph_junction_clogging",
                   "storm_power_cut", "heater_blown_by_surge", "airline_chewed", "filter_sucking_air",
                   "refill_hose_forgotten")


def apply_stranger14_fault(v: dict, f: dict[str, Any], rng: np.random.Generator) -> None:
    """The round-14 kinds are drawn by the months' habits; any other kind is a mistake in a month."""
    if f["kind"] not in DRAWN_BY_HABITS:
        raise ValueError(f"unknown round-14 fault kind {f['kind']!r}")


def weir_head_cm(flow_lpm: float | Array, crest_m: float = 0.3) -> float | Array:
    """The water over an overflow's weir at ``flow_lpm`` (Francis: Q = 1.84 L h^1.5), cm."""
    q = np.asarray(flow_lpm, dtype=float) / 60000.0
    return 100.0 * (q / (1.84 * crest_m)) ** (2.0 / 3.0)


def quiet_tank(turb: float, noise: dict[str, float]) -> Tank:
    """A tank whose water the month draws itself (:func:`draw_water`): only the turbidity's floor and the
    probes' noise are the :class:`~benchmarks.keeper_month.Tank`'s."""
    return Tank(temp=0.0, temp_swing=0.0, ph=0.0, ph_swing=0.0, tds=0.0, tds_per_day=0.0, turb=turb,
                feed_turb=0.0, level=0.0, evap_cm_per_day=0.0, flow=0.0, noise=noise)


def draw_water(v: dict, hour: Array, water: Array, level: Array, tds: Array, ph: Array, flow: Array) -> None:
    """The month's own water into the readings over a :func:`quiet_tank` (whose lights add 0.01 to the pH)."""
    v["temp_c"] = v["temp_c"] + water
    v["level_cm"] = v["level_cm"] + level
    v["tds_ppm"] = v["tds_ppm"] + tds
    v["ph"] = v["ph"] - 0.01 * ((hour >= 8) & (hour < 20)) + ph
    v["flow_lpm"] = v["flow_lpm"] + flow


# --------------------------------------------------------------------------- a Tanganyika tank over a sump

#: the sump's litres a cm, the optical top-off sensor's mark, its rim; the display's litres a cm; the system
SUMP_L_PER_CM, MARK_CM, RIM_CM, DISPLAY_L_PER_CM, SYSTEM_L = 4.5, 22.0, 34.0, 9.0, 560.0
#: what the return line and the overflow's box hold above the weir's water when the pump stops, litres
LINE_L = 3.0


def tanganyika_sump_month(days: int = 30, seed: int = 1402, faults: tuple | None = None) -> Scenario:
    """Written round 14 blind, never tuned on: a 500 l Tanganyika cichlid tank over a reef-style sump in a
    living room, January.

    A drilled 150×60×55 cm display (50 cm of water, 9 l a cm) whose overflow
    box runs over a 30 cm weir to a 100×45 cm sump (4.5 l a cm; filter
    socks, a refugium, a return chamber with every probe); a DC return pump
    (its driver powered through the controller's relay) on a wave programme:
    from 10:00 to 22:00 its flow swings 22-38 l/min over 12 minutes, 26
    l/min at night; the water the weir holds grows with the flow, so the
    sump breathes 0.6 cm with the waves.  Feed mode on the pump's driver
    stops it for 10 minutes (the relay stays on): the display's weir water
    and the return line drain back, the sump 2-3 cm higher.  An optical
    top-off sensor holds the sump at 22 cm from a 25 l RO reservoir (1
    l/min), refilled on Sunday and Wednesday evenings; 4 l a day evaporate.
    Two 300 W heaters in the sump (+0.92 °C/h for the 560 l, a 30 h time
    constant), on at 25.7, off at 26.1 °C; the living room 21.5 °C from 7:00
    to 23:00, 18.5 at night.  A dosing pump adds a carbonate buffer at 8:00,
    14:00 and 20:00 (pH +0.025, TDS +1 each, against the fish's acid);
    the tank settles near pH 8.45 and TDS 520.  Habits: feedings at 8:30
    (9:30 at weekends) and 19:00, with feed mode three times in four;
    Saturday 9:30 a 25 % change (the return off at the controller, 12 cm of
    the display drained to the garden, refilled from a heated barrel of
    premixed water at 26 ± 0.3 °C, pH 8.4, TDS 380, the return on again at
    10:25); filter socks changed on Wednesdays at 20:00 (the return off 5
    minutes); two glitches a day.  The keeper set the tropical profile with
    24-28.5 °C, pH 7.8-8.9, TDS up to 700, the sump 16-31 cm, flow 15 l/min
    and more.  Faults: the dosing pump running on after its 20:00 dose
    until its 500 ml of buffer are gone (pH +0.45, TDS +130; until a 50 %
    change the next evening), a snail on the top-off's optical sensor after
    the Sunday refill (the reservoir's 25 l pumped into the sump, until the
    keeper sees it at the morning feeding), the return nozzle's anti-siphon
    hole blocked (at the evening feed pause the display siphons back 72 l:
    the sump over its rim, 34 l on the floor; when the pump restarts the
    sump is short, the top-off empties its reservoir; until the keeper has
    mopped and filled the sump with RO water), one heater's thermostat welded
    on a working day (labelled from when the water is 0.3 °C above its range
    of the day before), the pump's driver in an error after the morning feed
    pause (no flow all day, the relay on; the sump's heaters hold the sump,
    the display cools, and mixes back when the keeper restarts it), the pH
    probe's reference junction clogging with carbonate (its reading slow and
    drifting down 0.1 a day and more while the water is fine; labelled from
    when it reads 0.1 off the water, until the keeper checks it against his
    pH pen on Friday evening).
    """
    D = DAY_MIN
    n = days * D
    i = np.arange(n)
    hour = (i / 60.0) % 24.0
    weather = np.random.default_rng(seed + 1)
    if faults is None:
        faults = ({"kind": "dosing_pump_runaway", "start": 6 * D + 20 * 60, "end": 7 * D + 19 * 60 + 30,
                   "ph": 0.45, "ppm": 130.0},
                  {"kind": "ato_sensor_fouled", "start": 10 * D + 20 * 60 + 30, "end": 11 * D + 8 * 60 + 25},
                  {"kind": "back_siphon_in_feed_pause", "start": 13 * D + 19 * 60, "end": 13 * D + 20 * 60 + 15,
                   "litres": 72.0},
                  {"kind": "sump_heater_stuck", "start": 18 * D + 10 * 60 + 40, "end": 18 * D + 18 * 60 + 20},
                  {"kind": "return_no_restart", "start": 21 * D + 8 * 60 + 40, "end": 21 * D + 17 * 60 + 50},
                  {"kind": "ph_junction_clogging", "start": 24 * D + 6 * 60, "end": 29 * D + 19 * 60 + 30})
    fault_list = [dict(f) for f in faults]
    room = room_air(days, weather, 20.0, 0.3, 17.0, 0.6)
    room += 1.5 * np.where((hour >= 7.0) & (hour < 23.0), 1.0, -1.0)
    room = lowpass(room, 120.0)
    # the pump: the wave programme by day, steady at night
    wave = np.where((hour >= 10.0) & (hour < 22.0), 30.0 + 8.0 * np.sin(2 * np.pi * i / 12.0), 26.0)
    paused = np.zeros(n, dtype=bool)  # feed mode on the driver: the relay stays on
    relay_off = np.zeros(n, dtype=bool)  # the keeper's changes and socks, at the controller
    feeds = []
    for d in range(days):
        for h in ((8.5,) if weekday(d) < 5 else (9.5,)) + (19.0,):
            at = int(d * D + h * 60 + weather.integers(-10, 11))
            feeds.append(at)
            if weather.random() < 0.75:
                paused[at:at + 10] = True
        if weekday(d) == 5:
            relay_off[d * D + 9 * 60 + 30:d * D + 10 * 60 + 25] = True
        if weekday(d) == 2:
            relay_off[d * D + 20 * 60:d * D + 20 * 60 + 5] = True
    def feed_near(minute: int) -> int:
        """The feeding nearest ``minute``: the feed pause a return fault falls in (the keeper used feed mode)."""
        at = min(feeds, key=lambda f: abs(f - minute))
        paused[at:at + 10] = True
        return at

    fouled = fault_of(fault_list, "ato_sensor_fouled")
    if fouled:  # the keeper sees the brimming sump as he comes to feed, and feeds without feed mode
        fouled["end"] = min(feeds, key=lambda f: abs(f - fouled["end"]))
        paused[fouled["end"]:fouled["end"] + 10] = False
    siphon = fault_of(fault_list, "back_siphon_in_feed_pause")
    if siphon:  # from the minute the pump stops for that feeding
        siphon["start"] = feed_near(siphon["start"])
    stuck_driver = fault_of(fault_list, "return_no_restart")
    twin_paused = paused.copy()
    if stuck_driver:  # from the minute the pump should have restarted after that feeding's pause
        stuck_driver["start"] = feed_near(stuck_driver["start"] - 10) + 10
        twin_paused[stuck_driver["start"] - 10:stuck_driver["start"]] = True
        paused[stuck_driver["start"] - 10:stuck_driver["end"]] = True
    changes = {d * D + 10 * 60 + 25: 0.25 for d in range(days) if weekday(d) == 5}
    dose = fault_of(fault_list, "dosing_pump_runaway")
    twin_changes = dict(changes)
    if dose:
        changes[dose["end"]] = 0.5
    refills = {d * D + 20 * 60 + int(weather.integers(0, 20)) for d in range(days) if weekday(d) in (2, 6)}
    refills |= {f["end"] for f in fault_list if f["kind"] == "ato_sensor_fouled"}  # the empty reservoir too

    def loop(faulty: bool) -> tuple[Array, Array, Array, Array]:
        """The sump's level, the return line's flow (what the meter counts), TDS and the buffer's pH, minute by
        minute, with the month's faults (``faulty``) or without them (its twin)."""
        stopped = (paused if faulty else twin_paused) | relay_off
        fouled = _spans(fault_list, "ato_sensor_fouled", n) if faulty else np.zeros(n, dtype=bool)
        wiped = {f["end"] for f in fault_list if f["kind"] == "ato_sensor_fouled"} if faulty else set()
        spell = (siphon["start"], siphon["end"]) if faulty and siphon else (n + 1, n + 1)
        litres = siphon["litres"] if siphon else 0.0
        cuts = changes if faulty else twin_changes
        level, flow, tds, ph = np.empty(n), np.empty(n), np.empty(n), np.empty(n)
        held = DISPLAY_L_PER_CM * float(weir_head_cm(26.0)) + LINE_L
        sump, reservoir, c, b, ato_on, siphoned = 0.0, 20.0, 520.0, 0.0, False, 0.0
        evap = 4.0 / D
        for k in range(n):
            if k in refills:
                reservoir = 25.0
            q = 0.0 if stopped[k] else float(wave[k])
            target = 0.0 if q == 0.0 else DISPLAY_L_PER_CM * float(weir_head_cm(q)) + LINE_L
            step = float(np.clip(held - target, -6.0, 6.0))  # drains back (or is pumped up) over minutes
            held -= step
            volume = SYSTEM_L + sump
            sump += step - evap
            back = 0.0
            if spell[0] <= k < spell[0] + 10:  # the display siphons down to the nozzle through the return
                m = k - spell[0]
                back = litres * (np.exp(-m / 2.9) - np.exp(-(m + 1) / 2.9))
                siphoned += back
                sump += back
            elif siphoned > 0.0 and q > 0.0:  # pumped up again: the display back to its weir
                up = min(siphoned, 25.0)
                siphoned -= up
                sump -= up
            spill = max(0.0, sump - (RIM_CM - MARK_CM) * SUMP_L_PER_CM)
            sump -= spill  # over the rim, onto the floor
            ato_on = bool(fouled[k]) or sump < -0.1 * SUMP_L_PER_CM or (ato_on and sump < 0.0)
            fresh = min(1.0, reservoir) if ato_on else 0.0
            reservoir -= fresh
            sump += fresh
            if k == spell[1]:  # mopped; the sump filled to its mark with RO water
                fresh += max(0.0, -sump)
                sump = max(sump, 0.0)
            if k in wiped:  # the sensor wiped, the sump drawn down to its mark with a jug
                sump = min(sump, 0.0)
            c = c * (volume - spill) / (volume - spill - evap + fresh) + 2.0 / D
            b -= 0.07 / D
            if k % D in (8 * 60, 14 * 60, 20 * 60):
                c, b = c + 1.0, b + 0.025
            if k in cuts:
                c, b = c * (1 - cuts[k]) + 380.0 * cuts[k], b * (1 - cuts[k]) - 0.05 * cuts[k]
            level[k], flow[k], tds[k], ph[k] = MARK_CM + sump / SUMP_L_PER_CM, max(q, back), c, 8.45 + b
        return level, flow, tds, ph

    level, flow, tds, ph_buffer = loop(True)
    twin_level, twin_flow, twin_tds, twin_ph = loop(False)
    # the heat: two heaters on one thermostat's band; one welded on adds its half whatever the band says
    stuck = fault_of(fault_list, "sump_heater_stuck")
    cap, extra = np.ones(n), np.where((hour >= 10.5) & (hour < 21.5), 0.10, 0.0) + 0.06
    twin_extra = extra.copy()
    if stuck:
        cap[stuck["start"]:stuck["end"]] = 0.5
        extra[stuck["start"]:stuck["end"]] += 0.46
    barrel = {at: float(weather.normal(26.0, 0.3)) for at in sorted(set(changes) | set(twin_changes))}
    mixes = {at: (frac, barrel[at]) for at, frac in changes.items()}
    twin_mixes = {at: (frac, barrel[at]) for at, frac in twin_changes.items()}
    if stuck_driver:  # the display alone cools toward the room; it mixes back into the sump at the restart
        a, b = stuck_driver["start"], stuck_driver["end"]
        start_c = water_temperature(room[:a + 1], 30.0, 25.9, 0.92, 25.7, 26.1, extra_c_per_h=extra[:a + 1],
                                    mixes=mixes)[-1]
        drift = water_temperature(room[a:b], 25.0, float(start_c), 0.0, -100.0, -99.0)
        mixes[b] = (0.78, float(drift[-1]))
    water = water_temperature(room, 30.0, 25.9, 0.92, 25.7, 26.1, capacity=cap, extra_c_per_h=extra, mixes=mixes)
    healthy = water_temperature(room, 30.0, 25.9, 0.92, 25.7, 26.1, extra_c_per_h=twin_extra, mixes=twin_mixes)
    ph_true = ph_buffer + 0.03 * np.sin(2 * np.pi * (hour - 16.0) / 24.0)
    runaway = np.zeros(n)
    if dose:  # 500 ml of buffer mixed through the system over half an hour; the change halves it, the fish'
        # acid takes the rest over a day and a half
        a, b = dose["start"], dose["end"]
        runaway = _excess(n, a, dose["ph"], 12.0, b, {b: 0.5}, 1.5 * D)
        salts = _excess(n, a, dose["ppm"], 12.0, b, {b: 0.5}, 1e12)
        tds = tds + salts
        dose["label_from"] = departs(runaway, np.zeros(n), a, b, 0.1)
        dose["recovery"] = back_within(runaway, np.zeros(n), b, 0.1)
    ph_true = ph_true + runaway
    for f in fault_list:
        if f["kind"] in ("ato_sensor_fouled", "back_siphon_in_feed_pause"):
            f["label_from"] = departs(level, twin_level, f["start"], f["end"], 1.0)
            f["recovery"] = back_within(level, twin_level, f["end"], 1.0)
        elif f["kind"] == "sump_heater_stuck":
            f["label_from"] = leaves_range(water, healthy, f["start"], f["end"])
            f["recovery"] = settled_after(water, healthy, f["end"])
        elif f["kind"] == "return_no_restart":
            f["recovery"] = max(60, settled_after(water, healthy, f["end"]))
    junction = fault_of(fault_list, "ph_junction_clogging")
    ph_read = ph_true.copy()
    if junction:  # the carbonate crust: a slow, drifting reference; the glass still answers, late
        a, b = junction["start"], junction["end"]
        days_in = (i[a:b] - a) / D
        ph_read[a:b] = lowpass(ph_true, 90.0)[a:b] - 0.06 * days_in - 0.01 * days_in ** 2
        junction["label_from"] = departs(ph_read, ph_true, a, b, 0.1)
        junction["recovery"] = 60
    tank = quiet_tank(0.5, {"temp_c": 0.02, "ph": 0.01, "tds_ppm": 2.0, "turb_ntu": 0.05, "level_cm": 0.08,
                            "flow_lpm": 0.4})

    def habits(v: dict, rng: np.random.Generator) -> list[str]:
        draw_water(v, hour, water, level, tds, ph_read, flow)
        v["pump"][relay_off] = 0.0
        for at in feeds:
            _cloud(v, at, float(rng.uniform(0.25, 0.45)), 25.0)
        for d in range(days):
            if weekday(d) == 2:
                _cloud(v, d * D + 20 * 60 + 5, 0.6, 30.0)
            if weekday(d) == 5:
                _cloud(v, d * D + 10 * 60 + 25, 0.8, 40.0)
        if siphon:  # the display's mulm and the floor's panic
            _cloud(v, siphon["start"] + 10, 1.2, 40.0)
        return [f"25 % change Saturdays ({len(changes)} changes in all)", "feed mode at three feedings in four",
                "top-off reservoir refilled Sundays and Wednesdays", "socks changed Wednesdays",
                "dosing pump 8:00, 14:00, 20:00", "wave programme 10:00-22:00"]

    s = build("living room's 500 l Tanganyika tank over a reef-style sump (round 14, blind)", "tropical", tank,
              days, fault_list, habits, 2.0, seed, apply=apply_stranger14_fault)
    s.limits = {"temp_c_low": 24.0, "temp_c_high": 28.5, "ph_low": 7.8, "ph_high": 8.9, "tds_ppm_high": 700.0,
                "level_cm_low": 16.0, "level_cm_high": 31.0, "flow_lpm_low": 15.0}
    return _as_probes_read(s)
