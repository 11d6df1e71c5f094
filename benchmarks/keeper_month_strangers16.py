"""Round 16: three keepers' months written blind -- from neither the engine's code, its thresholds nor its
outputs -- and never tuned on (issue 16's strangers, a ninth time).

Written as their keepers would live them, from the physics of a tank and real keeping habits, to be measured
once through ``evaluate`` (as :func:`benchmarks.bench_detection.keeper_months` does) and not changed after.
They reuse the probes, noise, glitches and labelling of :mod:`benchmarks.keeper_month`, the heat balance of
:mod:`benchmarks.keeper_heat`, the twin-based labels of :mod:`benchmarks.keeper_month_strangers13_awc` and the
drawn water of :mod:`benchmarks.keeper_month_strangers14_sump`, and add what no earlier month has:

- tanks: a 31 l nano on a desk in an open-plan office, its filter a USB pump on a phone charger, its light on a
  mechanical timer plug, the office's air full of people's CO2 by day; a 1500 l raised pond of rescued turtles
  in a garage heated by an unflued gas heater with an extractor fan, a big canister and two titanium heater
  bars (:mod:`benchmarks.keeper_month_strangers16_pond`); a 49 l riparium, 18 cm of water under hanging
  planters, its trickle filter's pump lifting the water to a tray of wool and lava rock that rains it down the
  background, the level read by an ultrasonic sensor under the lid
  (:mod:`benchmarks.keeper_month_strangers16_riparium`);
- habits: a Monday lunchtime change by siphon and bucket with water mixed by hand at the office's kitchen tap,
  the filter and heater unplugged for it, a colleague feeding on the keeper's Friday at home, the building's
  heating and its people; volunteers scooping and feeding turtles twice a day, a Saturday change by a drain
  pump and a thermostatic hose, the gas heater's CO2 lowering the pond's pH every afternoon; a riparium's
  daily top-up of RO water against the plants' thirst, a Saturday change with the wool rinsed, fertiliser
  watered into the planters on Sundays, a weekend away with no top-up;
- faults: the USB charger dying on a Thursday night (no filter until Monday), the heater plugged back into the
  light's timer after a change (no heat at night), the siphon left on the rim restarted by a colleague's bag
  (the tank onto the carpet), the pH probe's lead half pulled out of its socket (a floating input), the heater
  stuck on over a weekend; the pond's bottom drain valve nudged open, the canister's impeller jammed, the
  extractor fan's fuse (the gas heater's CO2 in the pond), a heater bar's cable bitten through, the level
  probe pushed up its stick by a climbing turtle; the trickle tray spilling down behind the background, a mat
  of leaves on the pump's intake, the heater cracking where the falling water left it bare, a new planter's
  peat souring the water, a trailing leaf in the level sensor's beam.

A fault is labelled from the minute its keeper would want to hear of it: a stopped filter, a flood, a probe
reading what is not the water from its first minute; a slow fault (``label_from``) when the water or the
reading leaves what it would have been: a temperature 0.3 °C outside the range the same tank without the fault
took over the day before and meanwhile (:func:`benchmarks.keeper_heat.leaves_range`), a pH, a level, a flow or a
reading that departs from its twin by a keeper's resolution (:func:`benchmarks.keeper_month_strangers13_awc.departs`);
until it is fixed, plus the water's recovery.  Measured once, through the engine of 5bc4f86
(``/work/diag/diag_month.py``, output in /work/diag/blind16_*.txt), not tuned after: the office nano 5 of 5 told,
0.43 false alerts a day (the pH following the office's people told as a drift, the real pH after the loose lead
read as a stuck probe), median told delay 28 min; the turtle pond 5 of 5, 0.07, 6 min; the riparium 5 of 5,
0.04, 5 min (docs/detection.md, "Round 16: three new blind months").

Examples
--------
>>> s = office_nano_month(days=3, faults=())
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
from benchmarks.keeper_month_strangers16_pond import exchanged, finish16, pour, rescue_turtle_pond_month
from benchmarks.keeper_month_strangers16_riparium import riparium_trickle_month

#: the nano's litres a cm, its mark, the USB filter's intake, the siphon's strainer on the gravel
L_PER_CM, MARK_CM, INTAKE_CM, GRAVEL_CM = 1.2, 26.0, 12.0, 4.0
#: the USB filter, l/min; the siphon, cm a minute; a jug a minute (the keeper), a jug in two (her colleague)
FILTER_LPM, SIPHON_CM, JUG_CM, SLOW_JUG_CM = 3.3, 1.3, 1.0, 0.5
#: the office kitchen's tap water (salts, pH)
TAP_TDS, TAP_PH = 300.0, 7.6


def office_air(i: np.ndarray, weather: np.random.Generator, days: int) -> tuple[Array, Array]:
    """An open-plan office in January: heated to 21.5 °C 7:00-19:00 on weekdays (16.5 otherwise), the air
    following in an hour and a half, warmer by the people and their computers; and its CO2, ppm (450 outdoors,
    1250 by the afternoon with everyone in)."""
    hour = (i / 60.0) % 24.0
    weekdays = np.array([weekday(int(d)) < 5 for d in i // DAY_MIN])
    heated = weekdays & (hour >= 7.0) & (hour < 19.0)
    people = lowpass((weekdays & (hour >= 9.0) & (hour < 17.5)).astype(float), 60.0)
    wander = np.interp(i / DAY_MIN, np.arange(days + 1), weather.uniform(-0.5, 0.5, days + 1))
    return lowpass(np.where(heated, 21.5, 16.5), 90.0) + 0.5 * people + wander, 450.0 + 800.0 * people


def office_nano_month(days: int = 30, seed: int = 1601, faults: tuple | None = None) -> Scenario:
    """Written round 16 blind, never tuned on: a 31 l nano of chili rasboras, cherry shrimp and a nerite on a
    desk in an open-plan office, January.

    40×30×30 cm, a glass lid half open, 26 cm of water (1.2 l a cm; the
    level probe in the tank); a USB-powered internal filter of 3.3 l/min
    (the flow meter on its outlet; its intake's slots 12 cm above the
    bottom) on a phone charger in the desk's power strip; a 50 W preset
    heater (on at 24.8, off at 25.2 °C: +1.39 °C/h, an 8 h time constant);
    an LED light 9:00-18:00 on a mechanical timer plug in the same strip.
    The office is heated to 21.5 °C from 7:00 to 19:00 on weekdays and 16.5
    otherwise; the people's CO2 (1250 ppm by the afternoon) passes into the
    water through its rippled surface, its pH 0.2 lower by the evening on
    workdays.  Tap water TDS 300, pH 7.6; the fish's acid 0.04 a day, their
    salts 1.5 ppm; 0.35 cm a day evaporates.  Habits: the keeper is in on
    Monday to Thursday and feeds at about 9:20; on her Friday at home a
    colleague feeds at about 10:00 (a bigger pinch); on Monday at about 12:40
    she unplugs the filter and the heater, siphons 30 % into a bucket (six
    minutes), mixes a bucket at the kitchen tap by hand (25 ± 1.2 °C), pours
    it back a jug a minute and plugs both back in after 22 minutes, leaving
    the siphon hanging on the rim; on Wednesdays at lunch she tops it up to
    the mark with a jug; two glitches a day.  She set the tropical profile
    with 22-29 °C, pH 6.5-8.2, TDS up to 600, the water 14-28 cm, flow 1.5
    l/min and more.  Faults: the USB charger dies on a Thursday night (no
    flow from its first minute, the people's CO2 still, the water clouding;
    until she is back on Monday morning), the heater plugged into the timer
    plug's socket after Monday's change (heat only 9:00-18:00; labelled from
    when the water is 0.3 °C under its range, until she feels the cold glass
    next morning), a colleague's bag drops the siphon's end from the rim to
    the floor (the siphon restarts: the tank into the bucket and onto the
    carpet down to the gravel from its first minute, the filter dry; until
    the colleague pulls the hose out and fills the tank with jugs of
    19.5 °C tap water), the pH probe's lead pulled half out of its socket by
    a monitor arm (the input floats: the reading wanders round 7 from its
    first minutes; labelled from when it is 0.1 off the water, until she
    sees it on Wednesday morning), the heater's thermostat welded on a Friday
    night (labelled from when the water is 0.3 °C over its range, until she
    is back on Monday).
    """
    D = DAY_MIN
    n, i, hour, weather = minute_grid(days, seed)
    if faults is None:
        faults = ({"kind": "usb_charger_died", "start": 7 * D + 21 * 60 + 40, "end": 11 * D + 9 * 60 + 25},
                  {"kind": "heater_on_timer_plug", "start": 11 * D + 12 * 60 + 40, "end": 12 * D + 9 * 60 + 25},
                  {"kind": "siphon_restarted_onto_carpet", "start": 15 * D + 11 * 60 + 5,
                   "end": 15 * D + 11 * 60 + 38},
                  {"kind": "ph_lead_pulled_loose", "start": 18 * D + 15 * 60 + 30, "end": 20 * D + 9 * 60 + 30},
                  {"kind": "heater_stuck_on", "start": 22 * D + 3 * 60, "end": 25 * D + 9 * 60 + 15})
    fault_list = sorted((dict(f) for f in faults), key=lambda f: f["start"])
    room, co2_air = office_air(i, weather, days)
    lights = (hour >= 9.0) & (hour < 18.0)
    changes = [int(d * D + 12 * 60 + 40 + weather.integers(-10, 11)) for d in range(days) if weekday(d) == 0]
    topups = {int(d * D + 13 * 60 + weather.integers(-20, 21)) for d in range(days) if weekday(d) == 2}
    bucket = {at: float(weather.normal(25.0, 1.2)) for at in changes}
    unplugged = np.zeros(n, dtype=bool)
    for at in changes:
        unplugged[at:at + 22] = True
    timer = fault_of(fault_list, "heater_on_timer_plug")
    if timer:  # from the minute she plugs it back in, into the wrong socket
        at = min(changes, key=lambda c: abs(c - timer["start"]))
        timer["start"] = at + 22
    siphon = fault_of(fault_list, "siphon_restarted_onto_carpet")

    def loop(faulty: bool) -> tuple[Array, Array, Array, dict[int, tuple[float, float]]]:
        """The level, the salts, the fish's acid and each minute's poured water (fraction, °C)."""
        level, tds, acid, mixes = np.empty(n), np.empty(n), np.empty(n), {}
        lvl, c, h, pouring = MARK_CM - 0.2, 320.0, 0.1, None
        drains = {at + 1 + k for at in changes for k in range(6)}
        pours = {at + 12: (JUG_CM, "bucket", at) for at in changes}
        pours.update({at: (JUG_CM, "jug", at) for at in topups})
        if faulty and siphon:
            pours[siphon["end"] + 3] = (SLOW_JUG_CM, "colleague", siphon["end"])
        for k in range(n):
            lvl -= 0.35 / D
            if k in drains:
                lvl -= SIPHON_CM
            if faulty and siphon and siphon["start"] <= k < siphon["end"]:
                lvl = max(GRAVEL_CM, lvl - SIPHON_CM)
            c = c * (lvl + 0.35 / D) / lvl + 1.5 / D
            h += 0.04 / D
            if k in pours:
                pouring = pours[k]
            if pouring is not None:
                rate, what, at = pouring
                lvl, c, h, f, full = pour(lvl, c, h, rate, MARK_CM, TAP_TDS)
                mixes[k] = (f, bucket[at] if what == "bucket" else 19.5 if what == "colleague" else 21.0)
                if full:
                    pouring = None
            level[k], tds[k], acid[k] = lvl, c, h
        return level, tds, acid, mixes

    level, tds, acid, mixes = loop(True)
    twin_level, _, twin_acid, twin_mixes = loop(False)
    charger = fault_of(fault_list, "usb_charger_died")
    filtering = ~unplugged
    if charger:
        filtering[charger["start"]:charger["end"]] = False
    flow = np.where(filtering & (level > INTAKE_CM + 0.5), FILTER_LPM, 0.0)
    twin_flow = np.where(~unplugged, FILTER_LPM, 0.0)
    heater_in = ~unplugged
    twin_heater_in = heater_in.copy()
    if timer:
        heater_in[timer["start"]:timer["end"]] &= lights[timer["start"]:timer["end"]]
    heater_in &= level > INTAKE_CM  # bared by the siphon, its heat goes to the air
    stuck = fault_of(fault_list, "heater_stuck_on")
    on_at, off_at = np.full(n, 24.8), np.full(n, 25.2)
    if stuck:
        on_at[stuck["start"]:stuck["end"]], off_at[stuck["start"]:stuck["end"]] = 99.0, 99.5
    extra = 0.1 * lights + 0.03 * (flow > 0.0)
    water = water_temperature(room, 8.0, 25.0, 1.39, on_at, off_at, powered=heater_in, extra_c_per_h=extra,
                              mixes=mixes)
    healthy = water_temperature(room, 8.0, 25.0, 1.39, 24.8, 25.2, powered=twin_heater_in,
                                extra_c_per_h=0.1 * lights + 0.03 * (twin_flow > 0.0), mixes=twin_mixes)
    # the pH: the tap's carbonate, the fish's acid, the office's CO2 through the surface the filter ripples
    ph = TAP_PH + 0.05 - acid - np.log10(exchanged(co2_air, np.where(flow > 0.0, 1.0 / 90.0, 1.0 / 400.0),
                                                   450.0) / 450.0)
    twin_ph = TAP_PH + 0.05 - twin_acid - np.log10(
        exchanged(co2_air, np.where(twin_flow > 0.0, 1.0 / 90.0, 1.0 / 400.0), 450.0) / 450.0)
    read_ph = ph.copy()
    loose = fault_of(fault_list, "ph_lead_pulled_loose")
    if loose:  # a floating input: a slow wander round 7 (the meter's zero), a hand near it moves it
        a, b = loose["start"], loose["end"]
        walk, x, g = np.empty(b - a), 0.0, np.random.default_rng(seed + 2)
        for k in range(b - a):
            x += -x / 30.0 + g.normal(0.0, 0.08)
            walk[k] = x
        read_ph[a:b] = 7.0 + walk + g.normal(0.0, 0.04, b - a)
    for f in fault_list:
        a, b = f["start"], f["end"]
        if f["kind"] in ("heater_on_timer_plug", "heater_stuck_on"):
            f["label_from"] = leaves_range(water, healthy, a, b)
            f["recovery"] = settled_after(water, healthy, b)
        elif f["kind"] == "usb_charger_died":
            f["recovery"] = max(60, back_within(ph, twin_ph, b, 0.1))
        elif f["kind"] == "siphon_restarted_onto_carpet":
            full = b + int(np.flatnonzero(level[b:] >= MARK_CM - 0.01)[0])  # the colleague's last jug
            f["recovery"] = max(back_within(level, twin_level, b, 0.5), full - b + settled_after(water, healthy, full))
        elif f["kind"] == "ph_lead_pulled_loose":
            f["label_from"] = departs(read_ph, ph, a, b, 0.1)
            f["recovery"] = 30
    tank = quiet_tank(0.5, {"temp_c": 0.02, "ph": 0.01, "tds_ppm": 1.5, "turb_ntu": 0.04, "level_cm": 0.04,
                            "flow_lpm": 0.05})

    def habits(v: dict, rng: np.random.Generator) -> list[str]:
        draw_water(v, hour, water, level, tds, read_ph, flow)
        for d in range(days):
            if weekday(d) < 4:
                _cloud(v, int(d * D + 9 * 60 + 20 + rng.integers(-10, 11)), float(rng.uniform(0.2, 0.35)), 25.0)
            elif weekday(d) == 4:
                _cloud(v, int(d * D + 10 * 60 + rng.integers(-20, 21)), float(rng.uniform(0.4, 0.7)), 35.0)
        for at in changes:
            _cloud(v, at + 1, 1.2, 25.0)  # the siphon in the gravel
        if charger:  # nothing filtered: the water clouds over the weekend; the filter's first minutes
            a, b = charger["start"], charger["end"]
            v["turb_ntu"][a:b] += np.minimum(1.2, (i[a:b] - a) / D * 0.5)
            _cloud(v, b, 1.0, 30.0)
        if siphon:
            _cloud(v, siphon["end"] + 3, 2.0, 40.0)  # jugs poured onto the gravel
        return [f"30 % change by siphon and bucket, day {at // D}" for at in changes] + [
            "fed 9:20 Mon-Thu, by a colleague 10:00 Fri", "top-up by jug Wednesday lunchtime",
            "light 9:00-18:00 on a timer plug", "office heated 7:00-19:00 on weekdays"]

    return finish16("office desk's 31 l nano on a USB filter (round 16, blind)", "tropical", tank, days,
                    fault_list, habits, seed, {"temp_c_low": 22.0, "temp_c_high": 29.0, "ph_low": 6.5,
                                               "ph_high": 8.2, "tds_ppm_high": 600.0, "level_cm_low": 14.0,
                                               "level_cm_high": 28.0, "flow_lpm_low": 1.5})


#: the round-16 months written blind, in the bench's order
STRANGERS16 = (office_nano_month, rescue_turtle_pond_month, riparium_trickle_month)
