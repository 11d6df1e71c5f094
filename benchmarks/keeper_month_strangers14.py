"""Round 14: three keepers' months written blind -- from neither the engine's code, its thresholds nor its
outputs -- and never tuned on (issue 16's strangers, a seventh time).

Written as their keepers would live them, from the physics of a tank and real keeping habits, to be measured
once through ``evaluate`` (as :func:`benchmarks.bench_detection.keeper_months` does) and not changed after.
They reuse the probes, noise, glitches and labelling of :mod:`benchmarks.keeper_month`, the heat balance of
:mod:`benchmarks.keeper_heat` and the twin-based labels of :mod:`benchmarks.keeper_month_strangers13_awc`, and
add what no earlier month has:

- tanks: a child's 30 l unheated nano with a hang-on-back (HOB) filter in a bedroom; a 500 l Tanganyika tank
  over a reef-style sump with a dosing pump, an optical top-off and a DC return pump on a wave programme
  (:mod:`benchmarks.keeper_month_strangers14_sump`); a 75 l tank in a holiday home kept at frost protection
  in the week, with a battery-backed air pump, the controller on a small UPS, and a rural line's power cuts;
- habits: water changes by two parents at random days and hours, each with their own way (one pulls the HOB's
  plug, the other leaves it running; jugs at a guessed temperature), a child's feedings before and after
  school, a window opened to air the room every morning; a sump that breathes with the pump's waves and its
  feed pauses, three buffer doses a day, a weekly change from a heated barrel; an owner who comes on Friday
  evening, changes water from a well on Saturday, leaves on Sunday, a neighbour on Wednesdays, an automatic
  feeder, a house that warms and cools with the weekend;
- faults: the HOB not plugged back in after a change, the bedroom window left open for a day out, a change
  mixed far too hot, the HOB's box brimming over the back of the tank onto the carpet, a sibling emptying the
  food tub, the pH probe's bulb left above the water; the dosing pump running on, the top-off's optical sensor
  fouled, the return nozzle's anti-siphon hole blocked (the sump over its rim in a feed pause), a heater's
  thermostat welded, the return pump's driver not restarting after a feed pause, the pH probe's junction
  clogging with carbonate; a night's storm cut that outlasts the UPS (the analog probes sag as its battery
  dies, then silence), the heater killed by the surge when a cut ends, mice biting through the air line, the
  internal filter sucking air when the owner misses a weekend, the refill hose forgotten (over the rim, and
  the mixer's hot water runs out).

A fault is labelled from the minute its keeper would want to hear of it: a stopped filter, a flood, a hot
change from its first minute; a slow fault (``label_from``) when the water or the reading leaves what it would
have been: a temperature 0.3 °C or a pH 0.1 outside the range the same tank without the fault took over the day
before and meanwhile (:func:`benchmarks.keeper_heat.leaves_range`), a level, a flow or a reading that departs
from its twin by a keeper's resolution (:func:`benchmarks.keeper_month_strangers13_awc.departs`); until it is
fixed, plus the water's recovery.  Measured once, through the engine of 2df5620 (``/work/diag/diag_month.py``,
output in /work/diag/blind14_*.txt), not tuned after: the child's nano 4 of 6 told (the hot change not told, the
unplugged HOB only by an alert already on from the change), 0.14 false alerts a day, median told delay 47.5 min;
the sump 6 of 6, 0.96, 17.5 min; the holiday home 5 of 5, 0.18, 10 min (docs/detection.md, "Round 14: three new
strangers").  The child's HOB fault was moved, after that measurement, to start at the minute the father's change
ended (the month had let the HOB run for 4 minutes in between); re-measured, the same figures.

Examples
--------
>>> s = child_nano_month(days=3, faults=())
>>> bool(s.labels.any()), s.profile, len(s.t_ms) // DAY_MIN
(False, 'cold-water', 3)
"""

from __future__ import annotations

import numpy as np

from benchmarks.keeper_heat import Array, leaves_range, settled_after, water_temperature
from benchmarks.keeper_month import DAY_MIN, Scenario, build
from benchmarks.keeper_month_blind import _spans
from benchmarks.keeper_month_paludarium import _as_probes_read, _cloud, weekday
from benchmarks.keeper_month_strangers12_fry import fault_of
from benchmarks.keeper_month_strangers13 import _excess
from benchmarks.keeper_month_strangers13_awc import back_within, departs
from benchmarks.keeper_month_strangers14_holiday import holiday_home_month
from benchmarks.keeper_month_strangers14_sump import (
    apply_stranger14_fault,
    draw_water,
    quiet_tank,
    tanganyika_sump_month,
)


def air_with_window(target: Array, window_open: np.ndarray, outdoor_c: float) -> Array:
    """A room's air: toward ``target`` (its heating) with an hour and a half's lag, and toward a mix of the
    outdoor air and the radiator's while the window is open, within minutes."""
    out, y = np.empty(len(target)), float(target[0])
    for k, (t, w) in enumerate(zip(target.tolist(), window_open.tolist())):
        y += ((0.35 * t + 0.65 * outdoor_c) - y) / 8.0 if w else (t - y) / 90.0
        out[k] = y
    return out


# --------------------------------------------------------------------------- a child's nano in a bedroom

#: the parents' changes: (day, hour, who, fraction); the father pulls the HOB's plug and uses a thermometer
CHANGES = ((3, 11.3, "father", 0.30), (7, 19.7, "father", 0.25), (11, 17.2, "mother", 0.35),
           (14, 18.5, "mother", 0.40), (17, 10.1, "father", 0.30), (24, 11.0, "father", 0.50))


def child_nano_month(days: int = 30, seed: int = 1401, faults: tuple | None = None) -> Scenario:
    """Written round 14 blind, never tuned on: a child's 30 l unheated nano of white cloud minnows with a
    hang-on-back filter, in a bedroom, January.

    45×27×30 cm, 25 cm of water (1.2 l a cm, the level probe in the tank),
    a hood with an LED on a plug timer 7:00-20:00; a HOB filter of 3.4 l/min
    (its flow meter on the intake tube, plugged into the controller's
    socket; its cartridge clogs slowly, 15 % in two weeks); no heater: the
    water follows the bedroom (a 5 h time constant), heated 6:30-8:00 and
    15:00-21:30 on school days and 7:30-22:00 at weekends to 20 °C, 16.5 at
    night, the window opened ten minutes every morning to air the room (the
    air toward the frost outside within minutes).  Tap water TDS 320, pH 7.6;
    the fish's acid 0.04 a day.  Habits: the child feeds before school at
    about 7:10 and after it at 16:00 (weekends at random), forgets one
    feeding in five and gives a second helping one in ten; the parents
    change water when they think of it (six changes, 25-50 %, at any hour),
    the siphon into a bucket over 8 minutes and jugs of 2 l from the
    bathroom tap: the father pulls the HOB's plug for the change (the
    socket's relay on, no flow) and checks the jugs with a thermometer (±0.5
    °C), the mother leaves it running and feels the water with her hand (±1.5
    °C); a cup of water from the child now and then; 0.3 cm a day
    evaporates; two glitches a day.  The parents set the cold-water profile
    with 14-25 °C, pH 6.5-8.2, TDS up to 600, the water 12-27 cm, flow 1.5
    l/min and more.  Faults: the HOB not plugged back in after the father's
    Thursday evening change (from the minute it should have been plugged in,
    until the mother hears the quiet at 7:20), the window opened early on a
    Saturday and left open when the family goes out for the day (labelled
    from when the water is 0.3 °C below its range of the day before, until
    they are home at 15:30), the mother's change with jugs at 31 °C (until the water
    is back within a degree of its twin), the cartridge seated crooked after
    the father rinses it (the HOB's box brims over its back, 0.9 l/h down the
    wall onto the carpet, until it is found at 16:50), the little brother
    emptying the food tub (a cloud, then the food rots: pH -0.4, TDS +45, a
    bacterial bloom; until the father's 50 % change and a new cartridge the
    next morning), the pH probe clipped back too high after that change
    (when evaporation takes the water below its bulb, the drying glass reads
    wandering nonsense, until the child's cup of water).
    """
    D = DAY_MIN
    n = days * D
    i = np.arange(n)
    hour = (i / 60.0) % 24.0
    weather = np.random.default_rng(seed + 1)
    if faults is None:
        faults = ({"kind": "hob_not_restarted", "start": 7 * D + 20 * 60 + 10, "end": 8 * D + 7 * 60 + 20},
                  {"kind": "window_left_open", "start": 9 * D + 7 * 60 + 15, "end": 9 * D + 15 * 60 + 30},
                  {"kind": "hot_tap_change", "start": 14 * D + 18 * 60 + 40, "end": 14 * D + 18 * 60 + 50,
                   "jug_c": 31.0},
                  {"kind": "hob_spilling_behind", "start": 17 * D + 10 * 60 + 45, "end": 17 * D + 16 * 60 + 50,
                   "l_per_h": 0.9},
                  {"kind": "food_tub_dumped", "start": 23 * D + 8 * 60 + 10, "end": 24 * D + 11 * 60},
                  {"kind": "ph_probe_out_of_water", "start": 27 * D + 13 * 60, "end": 28 * D + 16 * 60 + 30})
    fault_list = [dict(f) for f in faults]
    mark, l_per_cm, litres = 25.0, 1.215, 30.0
    school = np.array([weekday(int(d)) < 5 for d in i // D])
    warm = np.where(school, ((hour >= 6.5) & (hour < 8.0)) | ((hour >= 15.0) & (hour < 21.5)),
                    (hour >= 7.5) & (hour < 22.0))
    wander = np.interp(i / D, np.arange(days + 1), weather.uniform(-0.6, 0.6, days + 1))
    target = np.where(warm, 20.0, 16.5) + wander
    airing = np.zeros(n, dtype=bool)
    for d in range(days):
        at = int(d * D + (7.25 if weekday(d) < 5 else 9.0) * 60 + weather.integers(-5, 6))
        airing[at:at + 10] = True
    left_open = _spans(fault_list, "window_left_open", n)
    room = air_with_window(target, airing | left_open, -2.0)
    twin_room = air_with_window(target, airing, -2.0)
    hob_off = np.zeros(n, dtype=bool)
    drains, jugs, hot_jugs = {}, {}, set()
    hot = fault_of(fault_list, "hot_tap_change")
    for d, h, who, frac in CHANGES:
        if d >= days:
            continue
        at = int(d * D + h * 60)
        for k in range(8):
            drains[at + k] = frac * mark / 8.0
        refill = list(range(at + 11, at + 11 + int(np.ceil(frac * litres / 2.0) + 2) * 2, 2))  # to the line
        sigma = 0.5 if who == "father" else 1.5
        for k in refill:
            jugs[k] = float(weather.normal(0.0, sigma))  # off the tank's temperature
            if hot and hot["start"] <= k < hot["end"]:
                hot_jugs.add(k)
        if who == "father":
            hob_off[at:refill[-1] + 3] = True
    twin_hob_off = hob_off.copy()
    unplugged = fault_of(fault_list, "hob_not_restarted")
    if unplugged:  # from the minute the father would have plugged it back in after that evening's change
        plug_in = np.flatnonzero(np.diff(twin_hob_off.astype(int)) == -1) + 1
        unplugged["start"] = int(plug_in[np.argmin(np.abs(plug_in - unplugged["start"]))])
        hob_off[unplugged["start"]:unplugged["end"]] = True
    spill = fault_of(fault_list, "hob_spilling_behind")
    leak = np.zeros(n)
    if spill:
        leak[spill["start"]:spill["end"]] = spill["l_per_h"] / 60.0 / l_per_cm
    cups = {int(d * D + 16.5 * 60) for d in (5, 13, 20) if d < days}
    bulb = fault_of(fault_list, "ph_probe_out_of_water")
    to_mark = {f["end"] for f in (bulb, spill) if f}  # a jug to the line: the child's, the mother's
    dumped = fault_of(fault_list, "food_tub_dumped")

    def loop(leak: Array) -> tuple[Array, Array, Array, dict[int, float]]:
        """The level, the salts, the fish's acid and the litres each jug adds (as a part of the water)."""
        level, tds, acid, poured = np.empty(n), np.empty(n), np.empty(n), {}
        lvl, c, h = mark - 0.6, 330.0, 0.1
        for k in range(n):
            evap = 0.3 / D
            lvl -= evap + leak[k] + drains.get(k, 0.0)
            c = c * (lvl + evap) / lvl + 3.0 / D
            h += 0.04 / D
            if k in jugs and lvl < mark:
                add = min(2.0 / l_per_cm, mark - lvl)
                f = add / (lvl + add)
                c, h, lvl, poured[k] = c * (1 - f) + 320.0 * f, h * (1 - f), lvl + add, f
            if (k in cups or k in to_mark) and lvl < mark:
                add = mark - lvl if k in to_mark else min(0.3 / l_per_cm, mark - lvl)
                f = add / (lvl + add)
                c, lvl, poured[k] = c * (1 - f) + 320.0 * f, lvl + add, f
            level[k], tds[k], acid[k] = lvl, c, h
        return level, tds, acid, poured

    level, tds, acid, poured = loop(leak)
    twin_level, _, _, _ = loop(np.zeros(n))
    running, twin_running = ~hob_off, ~twin_hob_off
    glow = np.where((hour >= 7.0) & (hour < 20.0), 0.08, 0.0)

    def heat(air: Array, on: np.ndarray, too_hot: bool) -> Array:
        """The water: no heater; the LED and the HOB's motor; each jug near the water's temperature as the
        parent judged it (or, ``too_hot``, the hot change's jugs at theirs); a cup at the room's."""
        extra = glow + 0.11 * on
        base = water_temperature(air, 5.0, 18.5, 0.0, -100.0, -99.0, extra_c_per_h=extra)
        mixes = {k: (f, float(air[k]) if k not in jugs else
                     hot["jug_c"] if too_hot and hot and k in hot_jugs else float(base[k]) + jugs[k])
                 for k, f in poured.items()}
        return water_temperature(air, 5.0, 18.5, 0.0, -100.0, -99.0, extra_c_per_h=extra, mixes=mixes)

    water = heat(room, running, True)
    healthy = heat(twin_room, twin_running, False)
    ph_true = 7.6 - acid + 0.02 * np.sin(2 * np.pi * (hour - 15.0) / 24.0)
    stale = np.zeros(n)
    x = 0.0
    for k, on in enumerate(running.tolist()):  # a still tank's CO2; the HOB's splash strips it
        x += (0.15 - x) / 180.0 if not on else -x / 30.0
        stale[k] = x
    ph_true -= stale
    rot_ph, rot_tds, bloom = np.zeros(n), np.zeros(n), np.zeros(n)
    if dumped:  # twenty grams of flakes: rotting, their acid and salts, a bacterial bloom; the change halves them
        a, b = dumped["start"], dumped["end"]
        rot_ph = _excess(n, a, 0.4, 12.0 * 60, b, {b: 0.5}, 6.0 * 60)
        rot_tds = _excess(n, a, 45.0, 18.0 * 60, b, {b: 0.5}, 1e12)
        bloom = np.where(i >= a + 8 * 60, _excess(n, a + 8 * 60, 2.5, 10.0 * 60, b, {b: 0.5}, 6.0 * 60), 0.0)
        dumped["recovery"] = max(back_within(rot_ph, np.zeros(n), b, 0.1), back_within(bloom, np.zeros(n), b, 0.3))
    ph_true -= rot_ph
    for f in fault_list:
        a, b = f["start"], f["end"]
        if f["kind"] == "window_left_open":
            f["label_from"] = leaves_range(water, healthy, a, b)
            f["recovery"] = settled_after(water, healthy, b)
        elif f["kind"] == "hot_tap_change":  # over when the water is back within a degree of its twin
            f["end"] = a + 10 + int(np.flatnonzero(np.abs(water[a + 10:] - healthy[a + 10:]) < 1.0)[0])
            f["recovery"] = settled_after(water, healthy, f["end"])
        elif f["kind"] == "hob_spilling_behind":
            f["label_from"] = departs(level, twin_level, a, b, 0.5)
            f["recovery"] = back_within(level, twin_level, b, 0.5)
        elif f["kind"] == "hob_not_restarted":
            f["recovery"] = back_within(stale, np.zeros(n), b, 0.03)
    ph_read = ph_true.copy()
    if bulb:  # the drying glass and an open reference: a wandering reading, mains hum; wet again, it settles
        a, b = bulb["start"], bulb["end"]
        walk = np.cumsum(np.random.default_rng(seed + 2).normal(0.0, 0.012, b - a))
        pull = 1.0 - np.exp(-np.arange(b - a) / 60.0)
        ph_read[a:b] = ph_true[a:b] + (7.0 - ph_true[a:b]) * pull * 0.6 + walk + \
            np.random.default_rng(seed + 3).normal(0.0, 0.05, b - a)
        ph_read[b:b + 20] += (ph_read[b - 1] - ph_true[b - 1]) * np.exp(-np.arange(min(20, n - b)) / 6.0)
        bulb["recovery"] = 60
    since = np.full(n, 14.0 * D)  # the cartridge clogs; the father rinses it at his changes
    for d, h, who, _ in CHANGES:
        if who == "father" and d < days:
            at = int(d * D + h * 60)
            since[at:] = i[at:] - at
    flow = np.where(running, 3.4 * (1.0 - 0.15 * np.minimum(1.0, since / (14.0 * D))), 0.0)
    tank = quiet_tank(1.2, {"temp_c": 0.02, "ph": 0.01, "tds_ppm": 1.5, "turb_ntu": 0.06, "level_cm": 0.05,
                            "flow_lpm": 0.08})

    def habits(v: dict, rng: np.random.Generator) -> list[str]:
        draw_water(v, hour, water, level, tds + rot_tds, ph_read, flow)
        v["turb_ntu"] += bloom
        for d in range(days):
            times = (7.17, 16.0) if weekday(d) < 5 else tuple(rng.uniform(8.0, 19.0, 2))
            for h in times:
                if rng.random() < 0.2:
                    continue  # forgotten
                at = int(d * D + h * 60 + rng.integers(-10, 11))
                _cloud(v, at, float(rng.uniform(0.3, 0.6)) * (2.0 if rng.random() < 0.1 else 1.0), 45.0)
        for d, h, _, _ in CHANGES:
            if d < days:
                _cloud(v, int(d * D + h * 60), 1.0, 40.0)
        if dumped:
            _cloud(v, dumped["start"], 6.0, 360.0)
        return [f"change day {d} at {h:.1f} h by the {who} ({frac:.0%})" for d, h, who, frac in CHANGES if d < days] + [
            "feeding 7:10 and 16:00 on school days", "window aired every morning", "cups of water days 5, 13, 20"]

    s = build("child's 30 l unheated nano, HOB filter, bedroom (round 14, blind)", "cold-water", tank, days,
              fault_list, habits, 2.0, seed, apply=apply_stranger14_fault)
    s.limits = {"temp_c_low": 14.0, "temp_c_high": 25.0, "ph_low": 6.5, "ph_high": 8.2, "tds_ppm_high": 600.0,
                "level_cm_low": 12.0, "level_cm_high": 27.0, "flow_lpm_low": 1.5}
    return _as_probes_read(s)


#: the round-14 months written blind, in the bench's order
STRANGERS14 = (child_nano_month, tanganyika_sump_month, holiday_home_month)
