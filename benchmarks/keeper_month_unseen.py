"""Round 8: four keepers' months written before any measurement, never tuned on (issue 16's stranger).

Each was written, measured once through ``evaluate`` (as
:func:`benchmarks.bench_detection.keeper_months` does) and is not changed
after its measurement: the engine is not to be tuned on them.  They reuse the
physics and habits of :mod:`benchmarks.keeper_month` and add what no earlier
month has -- habits: a basking lamp, feedings that cloud the water, a filter
on pebbles slowly clogging and cleaned (stopped while it is), the keeper's own
drain-and-refill in a tank without a sump, a brackish tank whose auto top-off
adds fresh water (salt is counted: TDS follows the volume), medication doses,
a deliberate heat treatment, new fish batches, weather (sunny and cloudy days,
rain); faults: a heater thermostat oscillating, a leak that runs the pump dry,
a probe reading a constant offset after a recalibration, food rotting, a
failing pump's flow getting noisy, a leak that the top-off hides (only the
salt falls), the top-off reservoir empty, the top-off stuck open with fresh
water, the return pump stopped (the sump rises), a pump that does not restart
after a storm's power cut, a level sensor stuck.

:data:`UNSEEN` lists the months; ``write_csv`` of :mod:`benchmarks.keeper_month` writes one for
``aquamon replay``.

Examples
--------
>>> s = turtle_lamp_month(days=3, faults=())
>>> bool(s.labels.any()), s.profile, len(s.t_ms) // DAY_MIN
(False, 'turtle', 3)
"""

from __future__ import annotations

from typing import Any

import numpy as np

from benchmarks.keeper_month import (
    DAY_MIN,
    Scenario,
    Tank,
    _hand_top_ups,
    _power_cut,
    _top_up,
    _water_change,
    apply_fault,
    build,
)

#: faults a month's habits draw themselves (the top-off and the salt are simulated minute by minute there)
DRAWN_BY_HABITS = ("leak_behind_ato", "ato_empty", "ato_stuck_fresh", "return_pump_stopped")


def _triangle(k: np.ndarray, up_per_min: float, down_per_min: float, span: float) -> np.ndarray:
    """A thermostat's swing: ``span`` up at ``up_per_min``, back down at ``down_per_min``, from 0."""
    t_up, t_down = span / up_per_min, span / down_per_min
    ph = np.mod(k, t_up + t_down)
    return np.where(ph < t_up, ph * up_per_min, span - (ph - t_up) * down_per_min)


def apply_unseen_fault(v: dict, f: dict[str, Any], rng: np.random.Generator) -> None:
    """The round-8 fault kinds; every other kind as :func:`benchmarks.keeper_month.apply_fault`."""
    kind, a, b = f["kind"], f["start"], f["end"]
    n = len(v["ph"])
    i = np.arange(n)
    on = (i >= a) & (i < b)
    k = np.maximum(i - a, 0).astype(np.float64)
    if kind == "heater_oscillating":  # a thermostat with a broken hysteresis: heats far past, then cools far below
        span, up, down = f.get("span", 2.5), f.get("up_per_h", 1.8) / 60.0, f.get("down_per_h", 0.9) / 60.0
        below = f.get("below", 1.0)  # from the set point: up to span - below over it, down to below under it
        swing = _triangle(k + below / up, up, down, span) - below
        last = swing[b - 1] if b - 1 < n else 0.0  # when it is replaced, the water settles back over an hour
        v["temp_c"] += np.where(on, swing, np.where(i >= b, last * np.exp(-(i - b) / 60.0), 0.0))
    elif kind == "leak_pump_dry":  # the level falls; below the intake the pump sucks air, then runs dry
        fall = f.get("cm_per_h", 1.5) * k / 60.0
        v["level_cm"] -= np.where(on, fall, 0.0)
        air, dry = f.get("air_at_cm", 4.0), f.get("dry_at_cm", 6.0)
        sputter = on & (fall >= air) & (fall < dry)
        v["flow_lpm"] = np.where(sputter, v["flow_lpm"] * rng.uniform(0.1, 1.0, n) * (dry - fall) / (dry - air),
                                 v["flow_lpm"])
        v["flow_lpm"] = np.where(on & (fall >= dry), 0.0, v["flow_lpm"])
    elif kind == "probe_offset":  # recalibrated with a bad buffer: the reading is off by a constant until redone
        v[f["probe"]] += np.where(on, f["offset"], 0.0)
    elif kind == "food_rot":  # food (or a dead fish) rotting: cloudier, more acid, more dissolved waste
        grow = np.clip(k / (60.0 * f.get("ramp_h", 6.0)), 0.0, 1.0)
        v["turb_ntu"] += np.where(on, f.get("turb", 2.5) * grow, 0.0)
        v["ph"] -= np.where(on, f.get("drop", 0.35) * grow, 0.0)
        v["tds_ppm"] += np.where(on, f.get("ppm", 60.0) * grow, 0.0)
    elif kind == "pump_failing":  # a worn impeller: the flow gets noisy and falls, then the pump stops
        frac = np.clip(k / max(1, b - a), 0.0, 1.0)
        wobble = 1.0 + f.get("noise", 0.35) * frac * rng.normal(size=n)
        failing = on & (i < b - f.get("stop_min", 60))
        v["flow_lpm"] = np.where(failing, np.maximum(v["flow_lpm"] * (1.0 - f.get("fall", 0.5) * frac) * wobble, 0.6),
                                 v["flow_lpm"])
        v["flow_lpm"] = np.where(on & ~failing, 0.0, v["flow_lpm"])
    elif kind not in DRAWN_BY_HABITS:
        apply_fault(v, f, rng)


def _water_change_tap(v: dict, start: int, fraction: float, cool_c: float, tau_h: float, tap_tds: float) -> None:
    """A water change with tap water of ``tap_tds`` (the base helper's new water has none)."""
    _water_change(v, start, fraction, cool_c, tau_h)
    v["tds_ppm"][start:] += fraction * tap_tds


def _drain_refill(v: dict, start: int, cm: float, drain_min: int = 12, refill_min: int = 18) -> None:
    """A water change in a tank without a sump: its own level falls ``cm`` and comes back."""
    k = np.arange(len(v["level_cm"])) - start
    dip = np.where((k >= 0) & (k < drain_min), cm * k / drain_min, 0.0)
    dip = np.where((k >= drain_min) & (k < drain_min + refill_min), cm * (1 - (k - drain_min) / refill_min), dip)
    v["level_cm"] -= dip


def _filter_off(v: dict, start: int, minutes: int) -> None:
    """The keeper unplugs the filter (a big water change, a cleaning): no flow, the pump's relay still on."""
    v["flow_lpm"][start:start + minutes] = 0.0


# --------------------------------------------------------------------------- the months

def turtle_lamp_month(days: int = 30, seed: int = 808, faults: tuple | None = None) -> Scenario:
    """Written round 8 before any measurement; never tuned on: a 60×40 cm turtle tank with a basking lamp.

    Shallow water (20 cm, no sump: the level is the tank's own, splashed by
    the turtles), a basking lamp 9:00-21:00 that warms the water 0.5 °C,
    heavy messy feeding at a random hour 10-16 h on 5 days of 7 (turbidity
    +2-4 NTU for hours, TDS +15 each), a bottom filter on pebbles whose flow
    falls 30 % over two weeks and is cleaned on days 13 and 27 (off 40 min,
    the stirred mulm clouding the water), 40 % changes every Sunday (the level
    drains 7 cm, refilled to the mark with 2 °C cooler tap water of 220 ppm),
    hand top-ups every 2-3 days, three glitches a day.  Faults: the
    heater's thermostat oscillating overnight (+1.5/-1.0 °C, a 4 h cycle,
    12 h), a hose leak that runs the filter dry (1.5 cm/h, the pump sucks air
    after 4 cm and stops after 6, 5 h), the pH probe reading +0.5 after a bad
    recalibration (30 h), food rotting under the pebbles (turbidity +2.5,
    pH -0.35, TDS +60 over 6 h, cleared at 12 h), the filter's impeller
    failing (its flow noisy and halving over 8 h, labelled from its 4th hour,
    then stopped 1 h), the heater dead at night with the lamp off (toward a
    20 °C room, 10 h).
    """
    D = DAY_MIN
    tank = Tank(temp=25.5, temp_swing=0.3, ph=7.6, ph_swing=0.05, tds=300.0, tds_per_day=9.0, turb=1.5,
                feed_turb=0.0, feed_hours=(12.0,), level=20.0, evap_cm_per_day=1.0, flow=6.0, heat_tau_h=1.0,
                noise={"temp_c": 0.02, "ph": 0.01, "tds_ppm": 1.5, "turb_ntu": 0.1, "level_cm": 0.12,
                       "flow_lpm": 0.08})

    def habits(v: dict, rng: np.random.Generator) -> list[str]:
        n = len(v["ph"])
        i = np.arange(n)
        hour = (i / 60.0) % 24.0
        lamp = np.zeros(n)
        for j in range(1, n):  # the lamp warms the water over ~2 h, it cools back over ~3 h
            target = 0.5 if 9.0 <= hour[j] < 21.0 else 0.0
            lamp[j] = lamp[j - 1] + (target - lamp[j - 1]) / (120.0 if target else 180.0)
        v["temp_c"] += lamp
        fed = 0
        for d in range(days):
            if rng.uniform() < 5 / 7:
                at = d * D + int(rng.uniform(10, 16) * 60)
                since = np.maximum(i - at, 0) / 60.0
                v["turb_ntu"] += np.where(i >= at, rng.uniform(2.0, 4.0) * np.exp(-since / 1.5), 0.0)
                v["tds_ppm"][at:] += 15.0
                fed += 1
        clean = (13, 27)
        last = 0
        for d in (*clean, days):  # the pebbles clog: flow falls 30 % over two weeks, back to full after a clean
            end = min(n, d * D + 15 * 60)
            v["flow_lpm"][last:end] *= 1.0 - 0.3 * np.clip((i[last:end] - last) / (14 * D), 0.0, 1.0)
            last = end
        _hand_top_ups(v, rng, days, 1.0, (1.5, 2.5), (2.0, 3.0))
        out = []
        for d in clean:
            at = d * D + 15 * 60 - 40
            _filter_off(v, at, 40)
            v["turb_ntu"] += np.where(i >= at, 3.0 * np.exp(-np.maximum(i - at, 0) / 90.0), 0.0)
            out.append(f"filter cleaned day {d} (off 40 min)")
        for d in range(6, days, 7):
            at = d * D + 11 * 60
            _water_change_tap(v, at, 0.4, 2.0, 1.0, 220.0)
            _drain_refill(v, at, 7.0)
            v["level_cm"][at + 30:] += 20.0 - v["level_cm"][at - 1]  # refilled to the mark
            out.append(f"water change day {d}")
        return out + ["basking lamp 9:00-21:00", f"{fed} messy feedings at random hours",
                      "hand top-ups at random hours"]

    if faults is None:
        faults = ({"kind": "heater_oscillating", "start": 4 * D + 22 * 60, "end": 5 * D + 10 * 60},
                  {"kind": "leak_pump_dry", "start": 8 * D + 13 * 60, "end": 8 * D + 18 * 60, "cm_per_h": 1.5},
                  {"kind": "probe_offset", "start": 10 * D + 11 * 60, "end": 11 * D + 17 * 60, "probe": "ph",
                   "offset": 0.5},
                  {"kind": "food_rot", "start": 15 * D + 2 * 60, "end": 15 * D + 14 * 60},
                  {"kind": "pump_failing", "start": 19 * D + 8 * 60, "end": 19 * D + 17 * 60, "stop_min": 60,
                   "label_from": 19 * D + 12 * 60},
                  {"kind": "heater_cooling", "start": 23 * D + 21 * 60, "end": 24 * D + 7 * 60, "room": 20.0,
                   "tau_h": 10.0})
    return build("60×40 turtle, basking lamp (round 8, never tuned on)", "turtle",
                 tank, days, list(faults), habits, 3.0, seed, apply=apply_unseen_fault)


def _brackish_system(v: dict, faults: list[dict[str, Any]], nominal: float, litres: float, litres_per_cm: float,
                     changes: dict[int, float]) -> None:
    """Sump level and salt, minute by minute: evaporation takes fresh water, the float switch adds 0.3 cm of
    fresh (RO) water, so TDS is salt over volume; water changes (minute: fraction) swap in water mixed at
    ``nominal``; the faults of :data:`DRAWN_BY_HABITS`; after a leak or a flood the keeper restores the salt
    over two hours."""
    lvl0 = v["level_cm"].copy()  # the healthy level: the base minus evaporation
    base = float(lvl0[0])
    n = len(lvl0)
    state = np.zeros(n, dtype=np.int8)
    drain_back = np.zeros(n)
    kinds = {"leak_behind_ato": 1, "ato_empty": 2, "ato_stuck_fresh": 3}
    restore_at: dict[int, int] = {}
    for f in faults:
        if f["kind"] in kinds:
            state[f["start"]:f["end"]] = kinds[f["kind"]]
            if f["kind"] != "ato_empty":
                restore_at[f["end"]] = f["end"] + 120
        elif f["kind"] == "return_pump_stopped":  # the display drains back: the sump rises 4 cm, no flow
            k = np.arange(n) - f["start"]
            drain_back += np.where((k >= 0) & (f["start"] + k < f["end"]), np.minimum(k / 3.0, 1.0) * 4.0, 0.0)
            v["flow_lpm"][f["start"]:f["end"]] = 0.0
    added, leaked, salt = 0.0, 0.0, nominal * litres
    level, tds = np.empty(n), np.empty(n)
    restoring_until = -1
    for j in range(n):
        if state[j] == 1:
            leaked += 0.5 / 60.0  # cm of sump water out through the floor
            salt -= (0.5 / 60.0) * litres_per_cm * salt / (litres + litres_per_cm * (lvl0[j] + added - leaked - base))
        elif state[j] == 3 and lvl0[j] + added - leaked - base < 6.0:  # the top-off runs until the sump overflows
            added += 5.0 / 60.0
        here = lvl0[j] + added - leaked
        if state[j] not in (2, 3) and here + drain_back[j] < base - 0.3:
            added += 0.3
            here += 0.3
        if j in restore_at:  # found: the keeper drains the excess back to its mark and mixes salt back in
            if here > base:
                vol = litres + litres_per_cm * (here - base)
                salt *= (vol - litres_per_cm * (here - base)) / vol
                added -= here - base
                here = base
            restoring_until = restore_at[j]
        vol = litres + litres_per_cm * (here - base)
        if j < restoring_until:
            salt += (nominal * vol - salt) / max(1, restoring_until - j)
        if j in changes:
            salt = salt * (1 - changes[j]) + changes[j] * vol * (nominal - 40.0)  # mixed a little under target
        level[j], tds[j] = here + drain_back[j], salt / vol
    v["level_cm"], v["tds_ppm"] = level, tds


def brackish_month(days: int = 30, seed: int = 1003, faults: tuple | None = None) -> Scenario:
    """Written round 8 before any measurement; never tuned on: a 180 l brackish tank (mollies, gobies), a sump.

    Salt water of TDS 3,500 ppm (SG about 1.002; its keeper set TDS
    3,000-4,200 and pH 7.6-8.6), pH 8.1; a sump (20 cm, 2 l a cm) with an
    auto top-off of fresh RO water (0.3 cm at a time: each lowers the TDS
    about 12 ppm, evaporation raises it between), so salt is counted and TDS
    is salt over volume; 15 % changes every 5 days at a random hour with
    water mixed at 3,460 ppm, 0.6 °C cooler, the sump dipping 3 cm (the top-off
    switched off meanwhile); two feedings.
    Faults: a leak behind the top-off overnight (0.5 cm/h, 9 h: the level
    holds, fresh water replaces salt water, TDS falls about 5 %; the keeper
    restores the salt over 2 h), the top-off reservoir empty for 3.5 days
    (level falling 1.6 cm a day, TDS rising; labelled from its second day),
    the top-off stuck open with fresh water (5 cm/h for 90 min: the sump
    overflows 6 cm over, TDS falls 7 %), the return pump stopped (45 min: the
    display drains back, the sump rises 4 cm), a heater stuck on (+0.7 °C/h,
    5 h), the TDS probe's cell fouling with salt crust (reading -150 ppm a
    day, 3 days, labelled from its second).
    """
    D = DAY_MIN
    tank = Tank(temp=26.0, temp_swing=0.2, ph=8.1, ph_swing=0.05, tds=3500.0, tds_per_day=0.0, turb=0.8,
                feed_turb=0.4, feed_hours=(8.5, 19.0), level=20.0, evap_cm_per_day=1.6, flow=15.0, heat_tau_h=2.0,
                noise={"temp_c": 0.02, "ph": 0.01, "tds_ppm": 8.0, "turb_ntu": 0.05, "level_cm": 0.06,
                       "flow_lpm": 0.2})
    if faults is None:
        faults = ({"kind": "leak_behind_ato", "start": 5 * D + 23 * 60, "end": 6 * D + 8 * 60},
                  {"kind": "ato_empty", "start": 9 * D + 18 * 60, "end": 13 * D + 6 * 60,
                   "label_from": 10 * D + 18 * 60},
                  {"kind": "heater_stuck", "start": 16 * D + 10 * 60, "end": 16 * D + 15 * 60, "rate": 0.7},
                  {"kind": "ato_stuck_fresh", "start": 19 * D + 15 * 60, "end": 19 * D + 16 * 60 + 30},
                  {"kind": "return_pump_stopped", "start": 22 * D + 20 * 60, "end": 22 * D + 20 * 60 + 45},
                  {"kind": "probe_drifting", "start": 25 * D, "end": 28 * D, "probe": "tds_ppm", "per_day": -150.0,
                   "label_from": 26 * D})
    fault_list = list(faults)

    def habits(v: dict, rng: np.random.Generator) -> list[str]:
        out, changes = [], {}
        for d in range(3, days, 5):
            at = d * D + int(rng.uniform(9, 20) * 60)
            _water_change(v, at, 0.15, 0.6, 2.0)
            changes[at] = 0.15
            out.append(f"water change day {d}")
        _brackish_system(v, fault_list, 3500.0, 180.0, 2.0, changes)
        for at in changes:  # the keeper switches the top-off off while the sump dips
            _drain_refill(v, at, 3.0, 5, 15)
        return out + ["auto top-off with RO water, 0.3 cm at a time", "feeding 8:30, 19:00"]

    s = build("180 l brackish, RO top-off (round 8, never tuned on)", "tropical", tank, days,
              fault_list, habits, 2.0, seed, apply=apply_unseen_fault)
    s.limits = {"tds_ppm_low": 3000.0, "tds_ppm_high": 4200.0, "ph_low": 7.6, "ph_high": 8.6}
    return s


def quarantine_month(days: int = 30, seed: int = 5050, faults: tuple | None = None) -> Scenario:
    """Written round 8 before any measurement; never tuned on: a shop's 80 l quarantine tank.

    Bare bottom, no sump (the level is the tank's own), a hang-on filter,
    27 °C.  New fish arrive on days 0, 11 and 21 (two days of cloudier water
    and waste); 50 % changes every second evening at a random hour (the level
    drains 14 cm, below the filter's intake: it is unplugged 30 min, tap water of 200 ppm 0.5 °C
    cooler), each
    followed by a medication dose (TDS +40 over 10 min, pH -0.03) while the
    treatment runs (days 3-10 and 21-28); an ich treatment days 13-19 (the
    keeper raises the heater to 29.5 °C over two days and brings it back;
    their config: 22-31 °C, level low 12 cm); two feedings.  Faults: a 5×
    medication overdose (TDS +250, pH -0.15, 10 h until an emergency change),
    the heater stuck on in the ich treatment (+0.8 °C/h, 4 h), the heater's
    thermostat oscillating (10 h overnight), a slow overnight leak from the
    silicone (0.35 cm/h, 9 h), the filter's impeller failing (noisy and
    halving over 6 h, labelled from its 3rd, then stopped 1 h), the
    thermometer reading 1.2 °C low after a recalibration (30 h).
    """
    D = DAY_MIN
    tank = Tank(temp=27.0, temp_swing=0.25, ph=7.2, ph_swing=0.03, tds=280.0, tds_per_day=10.0, turb=1.2,
                feed_turb=0.6, feed_hours=(9.0, 17.0), level=30.0, evap_cm_per_day=0.5, flow=5.0, heat_tau_h=1.0)

    def habits(v: dict, rng: np.random.Generator) -> list[str]:
        n = len(v["ph"])
        i = np.arange(n)
        out = []
        for d in (0, 11, 21):
            k = i - d * D
            v["turb_ntu"] += np.where((k >= 0) & (k < 2 * D), 0.8, 0.0)
            v["tds_ppm"] += np.clip(k / (2 * D), 0.0, 1.0) * 25.0
        out.append("new fish days 0, 11, 21")
        # the ich treatment: +2.5 °C over two days from day 13, held, back over two days from day 17
        heat = np.interp(i, [13 * D, 15 * D, 17 * D, 19 * D], [0.0, 2.5, 2.5, 0.0])
        v["temp_c"] += heat
        for d in range(1, days, 2):
            at = d * D + int(rng.uniform(17, 20) * 60)
            _water_change_tap(v, at, 0.5, 0.5, 1.0, 200.0)
            _drain_refill(v, at, 14.0, 10, 20)
            _filter_off(v, at, 30)
            if 3 <= d <= 10 or 21 <= d <= 28:
                mix = np.clip((i - at - 35) / 10.0, 0.0, 1.0)
                v["tds_ppm"] += 40.0 * mix
                v["ph"] -= 0.03 * mix
            out.append(f"water change day {d}")
        for d in range(2, days, 4):
            _top_up(v, d * D + 10 * 60, 1.5)
        return out + ["medication after each change days 3-10, 21-28", "ich treatment at 29.5 °C days 13-19",
                      "feeding 9:00, 17:00"]

    if faults is None:
        faults = ({"kind": "dose", "start": 5 * D + 10 * 60, "end": 5 * D + 20 * 60, "ppm": 250.0, "ph": -0.15,
                   "mix_min": 10.0},
                  {"kind": "heater_stuck", "start": 16 * D + 2 * 60, "end": 16 * D + 6 * 60, "rate": 0.8,
                   "recovery": 240},  # the water is over the keeper's 31 °C for 2 h after
                  {"kind": "heater_oscillating", "start": 8 * D + 22 * 60, "end": 9 * D + 8 * 60},
                  {"kind": "leak", "start": 24 * D + 22 * 60, "end": 25 * D + 7 * 60, "cm_per_h": 0.35},
                  {"kind": "pump_failing", "start": 20 * D + 9 * 60, "end": 20 * D + 15 * 60, "stop_min": 60,
                   "label_from": 20 * D + 12 * 60},
                  {"kind": "probe_offset", "start": 27 * D + 10 * 60, "end": 28 * D + 16 * 60, "probe": "temp_c",
                   "offset": -1.2})
    s = build("80 l shop quarantine, meds (round 8, never tuned on)", "tropical", tank,
              days, list(faults), habits, 2.0, seed, apply=apply_unseen_fault)
    s.limits = {"temp_c_low": 22.0, "temp_c_high": 31.0, "level_cm_low": 12.0}
    return s


STORM_DAY = 17


def patio_tub_month(days: int = 30, seed: int = 1717, faults: tuple | None = None) -> Scenario:
    """Written round 8 before any measurement; never tuned on: a 200 l patio tub of goldfish, outdoors.

    Unheated: the water follows the weather, 17 °C with a day/night swing
    of ±3 °C on sunny days and ±1 °C on cloudy ones (drawn day by day); green
    water (turbidity 2 NTU) and plants (pH 7.8, ±0.2 with the sun); a pond
    pump; the tub's own level (40 cm) rippled by wind; evaporation 1.5 cm a
    day, a hose top-up every 4-6 days (cold tap water); rain on five days drawn
    (+1-3 cm, TDS diluted, pH and temperature down; four here, the fifth drawn
    on the storm's day); a storm on day 17 (+4 cm, 3 °C colder) with a 5 h
    power cut (no readings).  No water changes.  Fixed after its first
    measurement, a bug of the simulation: a rain drawn on the storm's day
    played the storm twice (+8 cm, 6 °C colder); the rest is unchanged (the
    random draws are the same).
    Faults: the pump not restarting after the power cut (its safety switch
    tripped, 4 h), the pump's intake clogging with leaves over two days to a
    quarter (labelled from half), a punctured liner (1.2 cm/h, 6 h), a
    heatwave on the tub (+1.2 °C/h for 8 h, past the cold-water limit), the
    pH falling after an algae die-off (-0.5 over an hour, 10 h), the level
    sensor stuck on one value under a leaf (12 h).
    """
    D = DAY_MIN
    tank = Tank(temp=17.0, temp_swing=0.0, ph=7.8, ph_swing=0.2, tds=250.0, tds_per_day=2.0, turb=2.0,
                feed_turb=0.5, feed_hours=(10.0,), level=40.0, evap_cm_per_day=1.5, flow=15.0, heat_tau_h=8.0,
                noise={"temp_c": 0.03, "ph": 0.012, "tds_ppm": 1.5, "turb_ntu": 0.1, "level_cm": 0.15,
                       "flow_lpm": 0.3})
    cut = STORM_DAY * D + 19 * 60

    def habits(v: dict, rng: np.random.Generator) -> list[str]:
        n = len(v["ph"])
        i = np.arange(n)
        hour = (i / 60.0) % 24.0
        sun = rng.uniform(1.0, 3.0, days + 1)  # each day's swing, smoothly from one to the next
        swing = np.interp(i / D, np.arange(days + 1), sun)
        v["temp_c"] += swing * np.sin(2 * np.pi * (hour - 9) / 24.0)
        out = []
        rain_days = sorted(rng.choice(np.arange(3, days - 1), size=5, replace=False).tolist())
        for d in sorted({*rain_days, STORM_DAY}):  # (a rain drawn on the storm's day is the storm)
            at = d * D + int(rng.uniform(0, 20) * 60) if d != STORM_DAY else d * D + 17 * 60
            cm = 4.0 if d == STORM_DAY else float(rng.uniform(1.0, 3.0))
            span = 3 * 60.0 if d == STORM_DAY else float(rng.uniform(60, 180))
            k = np.clip((i - at) / span, 0.0, 1.0)
            v["level_cm"] += cm * k
            v["tds_ppm"] *= 1.0 - (cm / (v["level_cm"][at] + cm)) * k
            v["ph"] -= 0.1 * k * np.exp(-np.maximum(i - at, 0) / 720.0)
            cold = 3.0 if d == STORM_DAY else 1.0
            v["temp_c"] -= np.where(i >= at, cold * np.minimum(k, np.exp(-np.maximum(i - at - span, 0) / 600.0)), 0)
            out.append(f"rain day {d}" if d != STORM_DAY else "storm day 17")
        d = 2.0
        while d < days - 0.5:  # the hose: 5 cm of cold tap water
            at = int(d * D + rng.uniform(8, 19) * 60)
            _top_up(v, at, 5.0)
            v["temp_c"] -= np.where(i >= at, 0.6 * np.exp(-np.maximum(i - at, 0) / 300.0), 0.0)
            d += rng.uniform(4.0, 6.0)
        return out + ["hose top-ups every 4-6 days", "feeding 10:00"]

    if faults is None:
        faults = ({"kind": "flow_decay", "start": 4 * D, "end": 6 * D + 10 * 60, "to": 0.25,
                   "label_from": 5 * D + 5 * 60},
                  {"kind": "leak", "start": 8 * D + 14 * 60, "end": 8 * D + 20 * 60, "cm_per_h": 1.2},
                  {"kind": "heater_stuck", "start": 12 * D + 9 * 60, "end": 12 * D + 17 * 60, "rate": 1.2},
                  {"kind": "pump_stopped", "start": cut + 300, "end": cut + 300 + 240},
                  {"kind": "ph_crash", "start": 21 * D + 3 * 60, "end": 21 * D + 13 * 60, "drop": 0.5},
                  {"kind": "probe_flat", "start": 26 * D + 6 * 60, "end": 26 * D + 18 * 60, "probe": "level_cm"})
    s = build("200 l patio tub, storm cut (round 8, never tuned on)", "cold-water", tank, days,
              list(faults), habits, 2.0, seed, apply=apply_unseen_fault)
    if days > STORM_DAY + 1:
        _power_cut(s, cut, 300, cool_per_h=0.0, reheat_per_h=0.0)
    return s


#: the round-8 months, in the bench's order
UNSEEN = (turtle_lamp_month, brackish_month, quarantine_month, patio_tub_month)
