"""Round 13: three keepers' months written blind -- from neither the engine's code, its thresholds nor its
outputs -- and never tuned on (issue 16's strangers, a sixth time).

Round 12's strangers (:mod:`benchmarks.keeper_month_strangers12`) have been measured and read, so these three
were written as their keepers would live them, from the physics of a tank and real keeping habits, to be
measured once through ``evaluate`` (as :func:`benchmarks.bench_detection.keeper_months` does) and not changed
after.  They reuse the probes, noise, glitches and labelling of :mod:`benchmarks.keeper_month` and the heat
balance of :mod:`benchmarks.keeper_heat`, and add what no earlier month has:

- tanks: a 200 l Amazon blackwater tank in a cold basement, its only heater an inline heater on the canister's
  outlet hose (no flow, no heat); a 60 l hospital tank in a utility room through an ich treatment (the heater's
  dial raised a degree a day to 30 °C, salt to 1 g/l, daily changes, then weaned back) and a fungus treatment;
  a fish room's 300 l tank over a sump whose only water change and top-up is an automatic water change
  (:mod:`benchmarks.keeper_month_strangers13_awc`);
- habits: soft peat-filtered water topped up with RO twice a week, a weekly change with prepared RO water, a
  canister rinse; a treatment schedule that moves the temperature and the salts on purpose, a medication's dye
  that the turbidity probe reads; two AWC events a day that hold the sump at a standpipe's lip, a pre-filter
  rinse that sends the display's drain-back down the floor drain;
- faults: a calcareous stone bought as décor (pH and hardness climbing in soft water), a canister's
  quick-disconnect weeping behind the cabinet, the canister's impeller stalled by a brown-out (the inline heater
  with it), the inline heater's thermostat welded, a water change left half done; the partner repeating a salt
  dose, the heater's dial turned four degrees too far, the air pump's diaphragm torn, the heater's glass cracked
  by cold water in a change (dead, and live in the water), the biofilter dying after a medication, the filter's
  nozzle knocked to spray over the rim; the AWC's solenoid stuck open, its drain blocked, its mixing valve
  failing hot, the return pump cycling on its thermal cut-out, the AWC's timer losing its program, water in
  the thermometer's seal.

A fault is labelled from the minute its keeper would want to hear of it: a leak, a stopped pump, a dose, a
dead heater from its first minute; a slow fault (``label_from``) when the water leaves what it would have been:
a temperature 0.3 °C or a pH 0.1 outside the range the same tank without the fault took over the day before and
meanwhile (:func:`benchmarks.keeper_heat.leaves_range`, the tank simulated twice), a level or a TDS that the
keeper's own changes step, by a keeper's resolution from its twin minute by minute
(:func:`benchmarks.keeper_month_strangers13_awc.departs`); until it is fixed, plus the water's recovery.
Measured once, through the engine of 412eb72 (``/work/diag/diag_month.py``, output in
/work/diag/blind13_measure.txt), not changed after: the blackwater tank 4 of 5 told (the weeping
quick-disconnect not told), 0.25 false alerts a day, median told delay 19 min; the hospital tank 6 of 6, 0.36,
38.5 min; the AWC tank 6 of 6, 0.46, 48 min (docs/detection.md, "Round 13: three more strangers").

Examples
--------
>>> s = blackwater_basement_month(days=3, faults=())
>>> bool(s.labels.any()), s.profile, len(s.t_ms) // DAY_MIN
(False, 'tropical', 3)
"""

from __future__ import annotations

import numpy as np

from benchmarks.keeper_heat import leaves_range, room_air, settled_after, water_temperature
from benchmarks.keeper_month import DAY_MIN, Scenario, Tank, build
from benchmarks.keeper_month_blind import _decay, _spans
from benchmarks.keeper_month_paludarium import _as_probes_read, _cloud, weekday
from benchmarks.keeper_month_strangers12_fry import fault_of
from benchmarks.keeper_month_strangers13_awc import apply_stranger13_fault, awc_fishroom_month, back_within, departs


def _excess(n: int, a: int, rise: float, tau_min: float, fix: int, cuts: dict[int, float], after_tau_min: float
            ) -> np.ndarray:
    """What a fault adds to the water: toward ``rise`` from minute ``a`` with ``tau_min``; from ``fix`` it
    decays with ``after_tau_min``; each change in ``cuts`` (minute: part kept) takes its share."""
    out, e = np.zeros(n), 0.0
    for k in range(a, n):
        if k < fix:
            e += (rise - e) / tau_min
        else:
            e *= np.exp(-1.0 / after_tau_min)
        e *= cuts.get(k, 1.0)
        out[k] = e
    return out


# --------------------------------------------------------------------------- a blackwater tank in a basement

def blackwater_basement_month(days: int = 30, seed: int = 1311, faults: tuple | None = None) -> Scenario:
    """Written round 13 blind, never tuned on: a 200 l Amazon blackwater tank in a cold basement, January.

    100×40×50 cm, 45 cm of water (4 l a cm, the level probe in the tank,
    no sump), a glass lid (0.3 cm a day of evaporation, which concentrates
    the salts); a canister filter of 14 l/min on the controller's relay
    with peat in a basket, and on its outlet hose the tank's only heater, a
    300 W inline heater (on at 25.8, off at 26.2 °C: +1.29 °C/h, a 14 h
    time constant with the styrofoam under and behind the tank): it heats
    only the water that flows through it.  The basement is 16 °C (±0.6,
    warmest at 18:00).  Soft water: RO remineralised to TDS 55 and pH 6.6;
    the peat takes the tank to about pH 6.3, TDS 70.  The keeper set the
    tropical profile with 24-29 °C, pH 5.6-7.0, TDS up to 150, the water
    16-48 cm (the canister's intake at 12; a change takes it to 36), flow 8
    l/min and more.  Habits: the
    keeper works at home: feedings about 8:40 and 17:30 on weekdays, 10:30
    at weekends (bloodworm on Sundays: a bigger cloud); LEDs 10:00-22:00;
    RO top-ups to the mark on Monday and Thursday evenings; each Saturday at
    11:00 a 20 % change (the canister off at the controller 35 minutes, 9 cm
    siphoned out in 10, prepared RO water at 25 ± 1 °C pumped back in over
    15); the glass wiped on Wednesday evenings; the canister opened and its
    peat renewed on Sunday 18 January (off for an hour, a brown cloud and a
    little tannin when it restarts); two glitches a day.  Faults: a stone
    bought as décor that is calcareous (in the soft acid water the pH climbs
    toward 7.3 and the hardness with it, until the keeper's test kit on
    Wednesday evening: the stone out and a 60 % change; labelled from when
    the pH is 0.1 outside its range of the day before), the canister's
    quick-disconnect weeping behind the cabinet (0.5 l/h onto the floor; the
    Monday top-up hides half of it; labelled from when the level is 0.5 cm
    below its twin, until the keeper finds the puddle doing the laundry on
    Tuesday at 8:30), the canister's impeller stalled by a brown-out in the
    night (the relay on, no flow; no flow through the inline heater, no
    heat, the still water's CO2; until the 8:40 feeding, when the first
    water through the hose is the heater's hot slug), the inline heater's
    thermostat welded shut (labelled from when the water is 0.3 °C above
    its range of the day before, until the keeper sees the fish at the
    surface at 16:20), a Saturday change left half done (30 % out, then a
    call: the canister off, 13.5 cm down, no heat, for four hours and a
    half after the change should have been over).
    """
    D = DAY_MIN
    n = days * D
    i = np.arange(n)
    hour = (i / 60.0) % 24.0
    weather = np.random.default_rng(seed + 1)
    room = room_air(days, weather, 16.0, 0.6, 18.0, 0.7)
    if faults is None:
        faults = ({"kind": "calcareous_rock", "start": 3 * D + 14 * 60, "end": 6 * D + 19 * 60 + 30},
                  {"kind": "quick_disconnect_weeping", "start": 10 * D + 18 * 60, "end": 12 * D + 8 * 60 + 30,
                   "l_per_h": 0.5},
                  {"kind": "canister_stalled", "start": 14 * D + 2 * 60 + 10, "end": 14 * D + 8 * 60 + 40},
                  {"kind": "inline_heater_stuck", "start": 19 * D + 9 * 60, "end": 19 * D + 16 * 60 + 20},
                  {"kind": "refill_interrupted", "start": 23 * D + 11 * 60 + 35, "end": 23 * D + 15 * 60 + 50})
    fault_list = [dict(f) for f in faults]
    mark, l_per_cm = 45.0, 4.0
    # the changes: (minute, fraction, minutes the canister is off, minutes until the refill begins)
    changes = [(d * D + 11 * 60, 0.2, 35, 14) for d in range(days) if weekday(d) == 5]
    half = fault_of(fault_list, "refill_interrupted")
    twin_changes = list(changes)
    if half:
        d = half["start"] // D
        changes = [c for c in changes if c[0] // D != d] + [(d * D + 11 * 60, 0.3, half["end"] - d * D - 11 * 60 + 20,
                                                             half["end"] - d * D - 11 * 60)]
        twin_changes = [c for c in twin_changes if c[0] // D != d] + [(d * D + 11 * 60, 0.3, 35, 14)]
    rock = fault_of(fault_list, "calcareous_rock")
    if rock:  # the keeper's 60 % change when the stone comes out
        changes.append((rock["end"], 0.6, 35, 14))
        twin_changes.append((rock["end"], 0.6, 35, 14))
    topups = {d * D + 20 * 60 + 30 + int(weather.integers(-20, 21)) for d in range(days) if weekday(d) in (0, 3)}
    weep = fault_of(fault_list, "quick_disconnect_weeping")
    if weep:
        topups.add(weep["end"] + 15)  # the quick-disconnect reseated, the tank topped up

    def loop(changes: list, leak: np.ndarray) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
        """The level, the salts and the peat's acid minute by minute."""
        drains = {at + k: frac * mark / 10.0 for at, frac, _, _ in changes for k in range(10)}
        refills = {at + wait + k: frac * mark / 15.0 for at, frac, _, wait in changes for k in range(15)}
        cut = {at + wait: 1.0 - frac for at, frac, _, wait in changes}
        level, tds, acid = np.empty(n), np.empty(n), np.empty(n)
        lvl, c, h = mark, 70.0, 0.35
        for k in range(n):
            evap = 0.3 / D
            lvl -= evap + leak[k] + drains.get(k, 0.0)
            c = c * (lvl + evap) / lvl + 0.6 / D
            h += (0.4 - h) / (3.0 * D)  # the peat's acid, toward its balance with the water's little buffer
            if k in cut:
                c, h = c * cut[k] + 55.0 * (1.0 - cut[k]), h * cut[k]
            lvl += refills.get(k, 0.0)
            if k in topups and lvl < mark:
                c, lvl = c * lvl / mark, mark  # RO: the salts stay, the water comes back
            level[k], tds[k], acid[k] = lvl, c, h
        return level, tds, acid

    leak = np.zeros(n)
    if weep:
        leak[weep["start"]:weep["end"]] = weep["l_per_h"] / 60.0 / l_per_cm
    level, tds, acid = loop(changes, leak)
    twin_level, _, _ = loop(changes, np.zeros(n))
    off, twin_off = np.zeros(n, dtype=bool), np.zeros(n, dtype=bool)
    for at, _, mins, _ in changes:
        off[at:at + mins] = True
    for at, _, mins, _ in twin_changes:
        twin_off[at:at + mins] = True
    rinse = 17 * D + 14 * 60 if days > 17 else n
    off[rinse:rinse + 60] = twin_off[rinse:rinse + 60] = True
    stalled = _spans(fault_list, "canister_stalled", n)
    new_c = {at: float(weather.uniform(24.0, 26.0)) for at in sorted({c[0] for c in changes + twin_changes})}
    mixes = {at + wait + 7: (frac, new_c[at]) for at, frac, _, wait in changes}
    twin_mixes = {at + wait + 7: (frac, new_c[at]) for at, frac, _, wait in twin_changes}
    on_at, off_at = np.full(n, 25.8), np.full(n, 26.2)
    welded = fault_of(fault_list, "inline_heater_stuck")
    if welded:
        on_at[welded["start"]:welded["end"]] = off_at[welded["start"]:welded["end"]] = 100.0
    glow = np.where((hour >= 10.0) & (hour < 22.0), 0.05, 0.0)
    water = water_temperature(room, 14.0, 26.0, 1.29, on_at, off_at, powered=~(off | stalled),
                              extra_c_per_h=glow, mixes=mixes)
    healthy = water_temperature(room, 14.0, 26.0, 1.29, 25.8, 26.2, powered=~twin_off, extra_c_per_h=glow,
                                mixes=twin_mixes)
    still = off | stalled
    co2 = np.zeros(n)
    x, st = 0.0, still.tolist()
    for k in range(n):  # a still tank: CO2 builds; the canister's outflow strips it again
        x += (0.15 - x) / 120.0 if st[k] else -x / 20.0
        co2[k] = x
    ph_twin = 6.6 - acid - co2 - 0.08 * (_decay(n, rinse + 60, 1.0, 300.0) if rinse < n else 0.0)
    stone_ph, stone_tds = np.zeros(n), np.zeros(n)
    if rock:  # calcium carbonate dissolving in soft acid water; out at the change, the peat taking the rest
        cuts = {rock["end"]: 0.4}
        stone_ph = _excess(n, rock["start"], 1.0, 30.0 * 60, rock["end"], cuts, 24.0 * 60)
        stone_tds = _excess(n, rock["start"], 70.0, 30.0 * 60, rock["end"], cuts, 3.0 * D)
        rock["label_from"] = leaves_range(ph_twin + stone_ph, ph_twin, rock["start"], rock["end"], margin=0.1)
        rock["recovery"] = max(back_within(stone_ph, np.zeros(n), rock["end"], 0.1),
                               back_within(stone_tds, np.zeros(n), rock["end"], 10.0))
    for f in fault_list:
        if f["kind"] == "quick_disconnect_weeping":
            f["label_from"] = departs(level, twin_level, f["start"], f["end"], 0.5)
            f["recovery"] = back_within(level, twin_level, f["end"], 0.5)
        elif f["kind"] == "inline_heater_stuck":
            f["label_from"] = leaves_range(water, healthy, f["start"], f["end"])
            f["recovery"] = settled_after(water, healthy, f["end"])
        elif f["kind"] in ("canister_stalled", "refill_interrupted"):
            f["recovery"] = max(120, settled_after(water, healthy, f["end"]))
    tank = Tank(temp=0.0, temp_swing=0.0, ph=0.0, ph_swing=0.02, tds=0.0, tds_per_day=0.0, turb=1.5,
                feed_turb=0.0, level=0.0, evap_cm_per_day=0.0, flow=14.0,
                noise={"temp_c": 0.02, "ph": 0.01, "tds_ppm": 1.0, "turb_ntu": 0.06, "level_cm": 0.08,
                       "flow_lpm": 0.2})

    def habits(v: dict, rng: np.random.Generator) -> list[str]:
        v["temp_c"] = v["temp_c"] + water
        v["level_cm"] = v["level_cm"] + level
        v["tds_ppm"] = v["tds_ppm"] + tds + stone_tds
        v["ph"] += ph_twin + stone_ph
        for d in range(days):
            hours = (8.67, 17.5) if weekday(d) < 5 else (10.5,)
            for h in hours:
                at = int(d * D + h * 60 + rng.integers(-10, 11))
                size = 1.0 if weekday(d) == 6 else 0.4
                _cloud(v, at, float(rng.uniform(0.8, 1.2)) * size, 40.0)
            if weekday(d) == 2:
                _cloud(v, int(d * D + 20 * 60 + rng.integers(0, 30)), 0.5, 30.0)
        for at, _, mins, _ in changes:
            _cloud(v, at + mins, 0.8, 40.0)
        if rinse < n:
            _cloud(v, rinse + 60, 2.0, 90.0)
        v["flow_lpm"][off | stalled] = 0.0
        v["pump"][off] = 0.0
        f = fault_of(fault_list, "canister_stalled")
        if f:  # the hose's still water, cooked by the heater to its cut-out, passes the probe first; the mulm
            v["temp_c"] += _decay(n, f["end"], 1.2, 2.0)
            _cloud(v, f["end"], 1.0, 30.0)
        return [f"change day {at // D} ({frac:.0%})" for at, frac, _, _ in sorted(changes)] + [
            "RO top-ups Monday and Thursday evenings", "feeding 8:40, 17:30 (weekends 10:30)",
            "canister's peat renewed day 17"]

    s = build("basement's 200 l blackwater tank, inline heater (round 13, blind)", "tropical", tank, days,
              fault_list, habits, 2.0, seed, apply=apply_stranger13_fault)
    s.limits = {"temp_c_low": 24.0, "temp_c_high": 29.0, "ph_low": 5.6, "ph_high": 7.0, "tds_ppm_high": 150.0,
                "level_cm_low": 16.0, "level_cm_high": 48.0, "flow_lpm_low": 8.0}
    return _as_probes_read(s)


# --------------------------------------------------------------------------- a hospital tank through a treatment

def hospital_tank_month(days: int = 30, seed: int = 1322, faults: tuple | None = None) -> Scenario:
    """Written round 13 blind, never tuned on: a 60 l hospital tank in a utility room through an ich treatment.

    60×30×36 cm, 33 cm of water (1.8 l a cm, the level probe in the tank),
    a glass cover; an internal power filter of 6 l/min (its flow meter on
    the outlet) and an airstone on a small air pump; a 150 W heater with a
    dial (+2.15 °C/h, its thermostat ±0.25 °C, an 8 h time constant); a
    utility room heated to 19.5 °C ± 1.5 (warmest at 19:00).  Water from
    the display tank (TDS 280, pH 7.4), tap water TDS 250, pH 7.6.  Four
    rainbowfish with white spot moved in on 1 January.  The treatment: the
    dial raised a degree each morning at 8:00 from 25 to 30 °C (days 1-5),
    held to day 16, lowered a degree a morning to 26 (days 17-20); salt 0.5
    g/l on the evenings of days 2 and 3 at 20:00 (TDS +500 each); a 25 %
    change every evening at 20:30 from day 5 (6 minutes draining, four jugs
    of water brought to the tank's temperature by the kettle, ± 0.6 °C; the
    heater unplugged for the change): salted to 1 g/l to day 16, plain from
    day 17 (the salt diluted away), every other evening from day 21; a
    fungus patch on one fish dosed with methylene blue on day 23 at 21:00
    (the blue reads about 1.2 NTU on the turbidity probe, fading over
    days); top-ups to the mark at 18:10 on evenings without a change; small
    feedings at 9:00 and 18:00; two glitches a day.  The keeper set the
    tropical profile with 23-31.5 °C, pH 6.6-8.2, TDS up to 1800, the water
    22-35 cm, flow 3 l/min and more.  Faults: the keeper's partner adding
    the whole course of salt again after day 3's dose (TDS +1000, until the
    keeper's meter and a 50 % change of plain water at noon), the dial
    turned to 34 instead of 30 on day 5 (labelled from when the water is
    0.3 °C above its range of the day before, until the keeper is home at
    13:30), the air pump's diaphragm torn at night (the still 30 °C water's
    CO2: pH -0.3; labelled from when the pH is 0.1 below its range of the
    day before, until the keeper's spare pump at 10:30), the heater left
    plugged in through day 13's change and its hot glass cracked by the
    refill (dead, and live in the water: the pH probe reads +0.35 and
    noisy; the water toward the room's 19 °C until the spare heater at
    7:30), the biofilter dying after the methylene blue (a bacterial bloom,
    pH -0.3, TDS +25; labelled from when the pH leaves its range or the
    turbidity is 0.3 NTU above its twin, until the keeper's 50 % change with
    carbon the next evening), the filter's nozzle knocked at the morning
    feeding to spray over the rim (1.2 l/h onto the shelf and the floor,
    until the keeper is home at lunch).
    """
    D = DAY_MIN
    n = days * D
    i = np.arange(n)
    weather = np.random.default_rng(seed + 1)
    room = room_air(days, weather, 19.5, 1.5, 19.0, 0.7)
    if faults is None:
        faults = ({"kind": "salt_double_dose", "start": 3 * D + 20 * 60 + 40, "end": 4 * D + 12 * 60, "ppm": 1000.0},
                  {"kind": "dial_overturned", "start": 5 * D + 8 * 60, "end": 5 * D + 13 * 60 + 30, "set_c": 34.0},
                  {"kind": "air_pump_failed", "start": 9 * D + 23 * 60, "end": 10 * D + 10 * 60 + 30},
                  {"kind": "heater_glass_cracked", "start": 13 * D + 20 * 60 + 40, "end": 14 * D + 7 * 60 + 30},
                  {"kind": "biofilter_crash", "start": 24 * D + 6 * 60, "end": 25 * D + 19 * 60},
                  {"kind": "outflow_over_rim", "start": 28 * D + 9 * 60 + 3, "end": 28 * D + 13 * 60 + 10,
                   "l_per_h": 1.2})
    fault_list = [dict(f) for f in faults]
    mark, l_per_cm = 33.0, 1.8
    setp = np.full(n, 25.0)
    for d in range(1, min(6, days)):
        setp[d * D + 8 * 60:] = 25.0 + d
    for d in range(17, min(21, days)):
        setp[d * D + 8 * 60:] = 30.0 - (d - 16)
    twin_setp = setp.copy()
    over = fault_of(fault_list, "dial_overturned")
    if over:
        setp[over["start"]:over["end"]] = over["set_c"]
    dose = fault_of(fault_list, "salt_double_dose")
    crash = fault_of(fault_list, "biofilter_crash")
    # the changes: (minute, fraction, salted to 1 g/l); the evening's, the double dose's and the crash's fixes
    changes = [(d * D + 20 * 60 + 30, 0.25, d <= 16) for d in range(5, days) if d <= 20 or d % 2 == 1]
    if dose:
        changes.append((dose["end"], 0.5, False))
    if crash:
        changes = [c for c in changes if c[0] // D != crash["end"] // D] + [(crash["end"], 0.5, False)]
    new_c = {at: float(setp[at] + weather.normal(0.0, 0.6)) for at, _, _ in changes}
    mixes = {at + 11: (frac, new_c[at]) for at, frac, _ in changes}
    cuts = {at + 11: 1.0 - frac for at, frac, _ in changes}
    doses = {2 * D + 20 * 60: 500.0, 3 * D + 20 * 60: 500.0}
    if dose:
        doses[dose["start"]] = dose["ppm"]
    spray = np.zeros(n)
    out = fault_of(fault_list, "outflow_over_rim")
    if out:
        spray[out["start"]:out["end"]] = out["l_per_h"] / 60.0 / l_per_cm
    changed = {at // D for at, _, _ in changes}
    topups = {d * D + 18 * 60 + 10 for d in range(days) if d not in changed}
    if out:
        topups.add(out["end"] + 5)

    def loop(leak: np.ndarray) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
        """The level, the salts and the fish's acid minute by minute."""
        drains = {at + k: frac * mark / 6.0 for at, frac, _ in changes for k in range(6)}
        jugs = {at + k for at, _, _ in changes for k in (8, 10, 12, 14)}
        salted = {at + 11: s_ for at, _, s_ in changes}
        level, tds, acid = np.empty(n), np.empty(n), np.empty(n)
        lvl, c, h, mixing, low = mark, 280.0, 0.2, [], mark
        for k in range(n):
            evap = 0.45 / D
            lvl -= evap + leak[k] + drains.get(k, 0.0)
            if k in drains:
                low = lvl
            c = c * (lvl + evap) / lvl + 12.0 / D
            h += 0.08 / D
            if k in doses:
                mixing.append((k, doses[k]))
            c += sum(ppm / 15.0 for at, ppm in mixing if at <= k < at + 15)
            if k in cuts:
                new = 250.0 + (1000.0 if salted[k] else 0.0)
                c, h = c * cuts[k] + new * (1.0 - cuts[k]), h * cuts[k]
            if k in jugs:  # four jugs bring it back to the mark
                lvl += (mark - low) / 4.0
            if k in topups and lvl < mark:
                c, lvl = c * lvl / mark, mark
            level[k], tds[k], acid[k] = lvl, c, h
        return level, tds, acid

    level, tds, acid = loop(spray)
    unplugged = np.zeros(n, dtype=bool)
    for at, _, _ in changes:
        unplugged[at - 1:at + 20] = True
    twin_cap = np.where(unplugged, 0.0, 1.0)
    cap = twin_cap.copy()
    cracked = fault_of(fault_list, "heater_glass_cracked")
    if cracked:  # left plugged in through the change; dead from the crack until the spare heater
        a = cracked["start"]
        cap[a - 12:a] = 1.0
        cap[a:cracked["end"]] = 0.0
    water = water_temperature(room, 8.0, 25.0, 2.15, setp - 0.25, setp + 0.25, capacity=cap, mixes=mixes)
    healthy = water_temperature(room, 8.0, 25.0, 2.15, twin_setp - 0.25, twin_setp + 0.25, capacity=twin_cap,
                                mixes=mixes)
    ph_twin = 7.6 - acid
    co2, rot, bloom, ammonium = np.zeros(n), np.zeros(n), np.zeros(n), np.zeros(n)
    for f in fault_list:
        a, b = f["start"], f["end"]
        if f["kind"] == "air_pump_failed":
            co2 = _excess(n, a, 0.3, 150.0, b, cuts, 30.0)
            f["label_from"] = leaves_range(ph_twin - co2, ph_twin, a, b, margin=0.1)
            f["recovery"] = back_within(co2, np.zeros(n), b, 0.1)
        elif f["kind"] == "biofilter_crash":  # the dying bacteria's CO2, a heterotrophs' bloom, ammonium
            rot = _excess(n, a, 0.3, 480.0, b, cuts, 120.0)
            bloom = _excess(n, a, 2.5, 600.0, b, cuts, 240.0)
            ammonium = _excess(n, a, 25.0, 600.0, b, cuts, 3.0 * D)
            f["label_from"] = min(leaves_range(ph_twin - rot, ph_twin, a, b, margin=0.1),
                                  departs(bloom, np.zeros(n), a, b, 0.3))
            f["recovery"] = max(back_within(rot, np.zeros(n), b, 0.1), back_within(bloom, np.zeros(n), b, 0.3))
        elif f["kind"] == "dial_overturned":
            f["label_from"] = leaves_range(water, healthy, a, b)
            f["recovery"] = settled_after(water, healthy, b)
        elif f["kind"] == "heater_glass_cracked":
            f["recovery"] = max(120, settled_after(water, healthy, b))
    dye = np.zeros(n)
    if days > 23:  # methylene blue: the probe's light absorbed; fading, diluted by changes, taken out by carbon
        fix = crash["end"] if crash else n
        dye = _excess(n, 23 * D + 21 * 60, 1.2, 10.0, n, cuts, 1e12)
        fade = np.exp(-np.maximum(i - 23 * D - 21 * 60, 0) / (4.0 * D)) * \
            np.exp(-np.maximum(i - fix, 0) / 360.0)
        dye *= fade
    tank = Tank(temp=0.0, temp_swing=0.0, ph=0.0, ph_swing=0.03, tds=0.0, tds_per_day=0.0, turb=0.8,
                feed_turb=0.0, level=0.0, evap_cm_per_day=0.0, flow=6.0,
                noise={"temp_c": 0.02, "ph": 0.01, "tds_ppm": 3.0, "turb_ntu": 0.05, "level_cm": 0.06,
                       "flow_lpm": 0.1})

    def habits(v: dict, rng: np.random.Generator) -> list[str]:
        v["temp_c"] = v["temp_c"] + water
        v["level_cm"] = v["level_cm"] + level
        v["tds_ppm"] = v["tds_ppm"] + tds + ammonium
        v["ph"] += ph_twin - co2 - rot
        v["turb_ntu"] += bloom + dye
        for d in range(days):
            for h in (9.0, 18.0):
                _cloud(v, int(d * D + h * 60 + rng.integers(-5, 6)), float(rng.uniform(0.2, 0.35)), 30.0)
        for at, _, _ in changes:
            _cloud(v, at + 8, 0.4, 30.0)
        if cracked:  # the element's leakage current through the water to the pH probe's reference
            a, b = cracked["start"], cracked["end"]
            v["ph"][a:b] += 0.35 + rng.normal(scale=0.08, size=b - a)
        return [f"change day {at // D} ({frac:.0%}{', salted' if s_ else ''})" for at, frac, s_ in sorted(changes)] + [
            "dial raised a degree a day to 30 °C, then lowered", "salt 0.5 g/l days 2 and 3",
            "methylene blue day 23", "feeding 9:00, 18:00", "top-ups 18:10 without a change"]

    s = build("utility room's 60 l hospital tank, ich treatment (round 13, blind)", "tropical", tank, days,
              fault_list, habits, 2.0, seed, apply=apply_stranger13_fault)
    s.limits = {"temp_c_low": 23.0, "temp_c_high": 31.5, "ph_low": 6.6, "ph_high": 8.2, "tds_ppm_high": 1800.0,
                "level_cm_low": 22.0, "level_cm_high": 35.0, "flow_lpm_low": 3.0}
    return _as_probes_read(s)


#: the round-13 months written blind, in the bench's order
STRANGERS13 = (blackwater_basement_month, hospital_tank_month, awc_fishroom_month)
