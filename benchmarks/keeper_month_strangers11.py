"""Round 11: three keepers' months written blind -- from neither the engine's code, its thresholds nor its
outputs -- and never tuned on (issue 16's strangers, a fourth time).

Round 10's strangers (:mod:`benchmarks.keeper_month_strangers`) were read while fixing, so they are blind no
longer.  These three were written as their keepers would live them, from the physics of a tank and real keeping
habits, measured once through ``evaluate`` (as :func:`benchmarks.bench_detection.keeper_months` does) and are
not changed after that measurement.  They reuse the probes, noise, glitches and labelling of
:mod:`benchmarks.keeper_month`, the heat balance of :mod:`benchmarks.keeper_heat` and the habits' helpers of
:mod:`benchmarks.keeper_month_blind`, and add what no earlier month has:

- water that moves between parts: a turtle tank whose equal-path bottom filter holds water back in the display
  as its pebble bed clogs (the sump falls), a display whose heat comes only through the flow from a sump
  heater; a shop's rack of twelve tanks on one central sump with a float valve on the mains, the monitored
  tank following the system through its inlet valve and the room on its own when the flow stops; the
  water section of a paludarium held at a drain weir and fed by a misting system;
- habits: a shift worker's feedings, a sump topped up by the bottle most evenings, a bottom-filter bed rinsed
  with the heater unplugged, a bedroom heated twice a day; staff siphoning every tank each morning, a weekly
  change in two rounds from a heated vat, customers' nets, shop hours; mists on a timer, hand spraying, a
  Saturday of pruning and replanting;
- faults: a thermostat's relay welded on, a return hose weeping, the pebble bed clogging until the pump draws
  air, the carbonate buffer used up, the thermometer dragged onto the basking dock, a pebble in the impeller,
  the heater left unplugged after a rinse; the shop's heating failing for a weekend, a fish bag on an overflow
  strainer, a pH-minus dose meant for another system, a pH probe knocked out of the water by a net, the return
  pump's cutout tripping at night, the float valve stuck open; a mister stuck on, peat washed in by the
  mists, a heater stuck on, a pump's intake sponge clogging with leaf litter, the drain weir clogged, a
  flow sensor's paddle wheel jammed.

Measured once, through the engine of ae4a133 (``/work/diag/diag_month.py``, output in
/work/diag/blind11_measure.txt), not changed after: the turtle tank 7 of 7 told, 0.29 false alerts a day,
median told delay 30 min; the shop's tank 7 5 of 6, 1.04, 23 min; the paludarium 4 of 6, 0.07, 25.5 min (each
month's docstring says what was missed, late and false).

A fault is labelled from the minute its keeper would want to hear of it: a heater, a leak, a stopped pump,
a dose from its first minute; a slow fault (``label_from``) when it has gone a stated, relevant way; and until
it is fixed, plus the water's recovery (after a temperature fault, until the water is back within 0.3 °C of
the range the same tank without the fault took over the day before: the heat balance run twice).
:data:`STRANGERS11` lists the months (the paludarium, with the calendar and rooms the three share, is in
:mod:`benchmarks.keeper_month_paludarium`, to keep each module near 500 lines); ``write_csv`` of
:mod:`benchmarks.keeper_month` writes one for ``aquamon evaluate`` and ``aquamon replay``.

Examples
--------
>>> s = turtle_bottom_filter_month(days=3, faults=())
>>> bool(s.labels.any()), s.profile, len(s.t_ms) // DAY_MIN
(False, 'turtle', 3)
"""

from __future__ import annotations

import numpy as np

from benchmarks.keeper_heat import Array, leaves_range, lowpass, settled_after, water_temperature
from benchmarks.keeper_month import DAY_MIN, Scenario, Tank, build
from benchmarks.keeper_month_blind import _decay, _maintenance, _spans
from benchmarks.keeper_month_paludarium import (
    _as_probes_read,
    _cloud,
    _first,
    apply_stranger11_fault,
    paludarium_month,
    timer_room,
    weekday,
)

# --------------------------------------------------------------------------- issue 16's turtle tank, again

def turtle_bottom_filter_month(days: int = 30, seed: int = 1116, faults: tuple | None = None) -> Scenario:
    """Written round 11 blind, never tuned on: issue 16's first keeper a second time, in January.

    A 60×40 cm turtle-and-fish tank (two musk turtles, a shoal of
    danios), 25 cm of water; an equal-path bottom filter: the water is
    pulled down through a bed of ceramic pebbles and pipes of equal length
    into a 30×20 cm sump (0.6 l a cm, its mark at 18 cm, the level probe
    there), a sump pump of 6 l/min on the controller's relay returns it
    (70 l in all); a 150 W titanium heater in the sump on a plug-in
    thermostat (on at 25.7, off at 26.3 °C: +1.85 °C/h over the 70 l),
    the thermometer and pH probe clipped in the display, whose heat comes
    only through the flow; an open top (evaporation 1.3 l a day, more under
    the lamp); a basking lamp 8:00-20:00; a spare bedroom heated by a
    radiator on a timer (21 °C from 6:30 to 8:30 and 17:00 to 23:00, 16 °C
    otherwise: an 8 h time constant); a Raspberry Pi runs the server.  Hard
    tap water (TDS 200, pH 7.8), the tank at pH 7.4 (the keeper set the
    turtle profile with 23-30 °C, pH 6.8-8.4, TDS up to 600, the sump 10 cm
    and more, flow 3 l/min and more).  Habits: a shift worker's feedings
    (6:50-7:40 and 18:30-19:30 on weekdays, 9:30-10:30 and 17:00-18:00 at
    the weekend; the turtles tear the food: a cloud, a little TDS); a 1.5 l
    bottle of tap water into the sump most evenings (20:00-22:00, when the
    sump is 0.8 cm under its mark); a 25 % change every other Sunday at
    10:30 by siphon into a bucket, refilled with a hose from the bathroom
    tap (1-3 °C cooler, the sump level does not move); the pebble bed
    rinsed once a month (the pump off at the controller and the heater
    unplugged 50 minutes, the display drains 1.5 l back into the sump, a
    40 % change, a brown cloud when the pump restarts); three glitches a
    day.  Faults: the thermostat's relay welded on one evening (the water
    climbs toward 30 °C until the keeper sees it at the morning feeding),
    the return hose's barb weeping onto the carpet while the keeper is at
    work (0.5 l/h: the sump falls), the pebble bed clogging with mulm over
    three days (the display holds back up to 8 l: the sump falls faster than
    the bottles refill it until the pump draws air and gurgles; labelled from
    when the bed holds back a bottle, 1.5 l, until the keeper's emergency
    rinse), the carbonate buffer used up by the bed's nitrification (the pH
    slides, then falls 0.9; labelled from 0.3 below usual until the
    keeper's 50 % change), a turtle dragging the thermometer onto the
    basking dock (it reads the lamp's 28-32 °C, 8 h), a ceramic pebble
    jamming the pump's impeller at night (no flow, the relay on: the display
    cools, the sump rises), the heater left unplugged after the monthly
    rinse (the water falls toward the room overnight).  Measured once
    (the engine of ae4a133, /work/diag/blind11_measure.txt): 7 of 7 told,
    0.29 false alerts a day, median told delay 30 min.  Late: the clogging
    bed, told after 23 h by "sump low" at the keeper's 10 cm (labelled from
    1.5 l held back); the welded relay after 31 min, the weeping hose after
    46.  False: "water drifting" on the temperature's ±0.4 °C against the
    radiator's timer, on turbidity after feedings, on temperature, pH and
    turbidity for two days after the clog's emergency rinse and after the
    KH change's 50 %, and twice on a temperature "usual 28-29 °C" learned
    from the thermometer's day on the dock.
    """
    D = DAY_MIN
    n = days * D
    i = np.arange(n)
    hour = (i / 60.0) % 24.0
    weather = np.random.default_rng(seed + 1)
    room = timer_room(i, weather, 21.0, 16.0, ((6.5, 8.5), (17.0, 23.0)), 0.8)
    lamp = (hour >= 8.0) & (hour < 20.0)
    if faults is None:
        faults = ({"kind": "relay_welded", "start": 5 * D + 22 * 60 + 40, "end": 6 * D + 7 * 60 + 10},
                  {"kind": "hose_weeping", "start": 8 * D + 12 * 60 + 30, "end": 8 * D + 18 * 60 + 20,
                   "l_per_h": 0.5},
                  {"kind": "bed_clogging", "start": 10 * D + 6 * 60, "end": 14 * D, "held_l": 8.0, "over_h": 72.0},
                  {"kind": "kh_exhausted", "start": 15 * D, "end": 17 * D + 11 * 60, "drop": 0.9},
                  {"kind": "thermometer_on_dock", "start": 20 * D + 10 * 60 + 20, "end": 20 * D + 18 * 60 + 40},
                  {"kind": "pebble_in_impeller", "start": 22 * D + 2 * 60 + 50, "end": 22 * D + 7 * 60 + 40},
                  {"kind": "heater_left_unplugged", "start": 24 * D + 11 * 60 + 50, "end": 25 * D + 7 * 60 + 25})
    fault_list = [dict(f) for f in faults]
    kinds = {f["kind"]: f for f in fault_list}
    feeds = []
    for d in range(days):
        spans = ((6.83, 7.67), (18.5, 19.5)) if weekday(d) < 5 else ((9.5, 10.5), (17.0, 18.0))
        feeds += [int(d * D + weather.uniform(*s) * 60) for s in spans]
    # water changes: (minute, fraction, new water °C, pump off minutes); rinses unplug the heater meanwhile
    changes = [(d * D + 10 * 60 + 30, 0.25, 0.0, 0) for d in (3, 17) if d < days and "kh_exhausted" not in kinds]
    changes += [(24 * D + 11 * 60, 0.4, 0.0, 50)] if days > 24 else []
    if "kh_exhausted" in kinds:  # the Sunday change made a 50 % one when the keeper finds the pH low
        changes += [(3 * D + 10 * 60 + 30, 0.25, 0.0, 0), (kinds["kh_exhausted"]["end"] - 30, 0.5, 0.0, 0)]
    changes = [(at, frac, 26.0 - weather.uniform(1.0, 3.0), off) for at, frac, _, off in changes]
    # the sump: litres away from the mark, minute by minute (evaporation, bottles, leaks, the clog, drain-back)
    mark, l_per_cm, system_l = 18.0, 0.6, 70.0
    evaporated = np.full(n, 1.3 / D) * np.where(lamp, 1.35, 0.65)
    leak = np.zeros(n)
    stopped = np.zeros(n, dtype=bool)  # no flow from the pump: the display's weir drains back into the sump
    unplugged = np.zeros(n, dtype=bool)
    for at, _, _, off in changes:
        stopped[at:at + off] = True
        unplugged[at:at + off] = True
    f = kinds.get("hose_weeping")
    if f:
        leak[f["start"]:f["end"]] = f["l_per_h"] / 60.0
    f = kinds.get("pebble_in_impeller")
    if f:
        stopped[f["start"]:f["end"]] = True
    f = kinds.get("heater_left_unplugged")
    if f:
        unplugged[f["start"]:f["end"]] = True
    checks = {int(d * D + weather.uniform(20.0, 22.0) * 60) for d in range(days)}
    to_mark = {f["end"] for f in fault_list if f["kind"] == "hose_weeping"}
    clog = kinds.get("bed_clogging")
    if clog:
        clog["end"] = n  # until the keeper hears the pump gurgle: found by a first pass

    def sump() -> tuple[Array, Array, np.ndarray, dict[int, tuple[float, float]]]:
        """The sump's level, the salts and when the pump draws air; the bottles' water for the heat balance."""
        level, tds, gurgle = np.empty(n), np.empty(n), np.zeros(n, dtype=bool)
        bottles: dict[int, tuple[float, float]] = {}
        refilled = {at + 20: frac for at, frac, _, _ in changes}
        vol, back, c, hold = 0.0, 0.0, 380.0, 0.0
        for k in range(n):
            if clog and clog["start"] <= k:  # the water the clogged bed holds back in the display
                frac = min(1.0, (k - clog["start"]) / (clog["over_h"] * 60.0))
                target = clog["held_l"] * frac ** 2 if k < clog["end"] else 0.0
                vol, hold = vol - (target - hold), target
            step = float(np.clip((1.5 if stopped[k] else 0.0) - back, -0.5, 0.5))
            back += step
            vol += step - evaporated[k] - leak[k]
            c = c * system_l / (system_l - evaporated[k]) + 2.5 / D  # evaporation leaves the salts; waste
            if k in to_mark and vol < 0.0:
                bottles[k] = (-vol / system_l, 15.0)
                c, vol = (c * system_l - 200.0 * vol) / (system_l - vol), 0.0
            if k in checks and vol < -0.8 * l_per_cm:
                bottles[k] = (1.5 / system_l, 15.0)
                c, vol = (c * system_l + 200.0 * 1.5) / (system_l + 1.5), vol + 1.5
            if k in refilled:
                c = c * (1.0 - refilled[k]) + 200.0 * refilled[k]
            level[k], tds[k] = mark + vol / l_per_cm, c
            gurgle[k] = level[k] < 6.5 and not stopped[k]
        return level, tds, gurgle, bottles

    level, tds, gurgle, mixes = sump()
    if clog:  # the keeper hears the pump gurgle at the next feeding and rinses the bed at once
        heard = next(t for t in feeds if t > _first(gurgle, clog["start"]))
        clog["end"] = heard + 50
        changes.append((heard, 0.3, 26.0 - weather.uniform(1.0, 3.0), 50))
        stopped[heard:heard + 50] = unplugged[heard:heard + 50] = True
        clog["label_from"] = clog["start"] + int(np.sqrt(1.5 / clog["held_l"]) * clog["over_h"] * 60.0)
        level, tds, gurgle, mixes = sump()
    for at, frac, new_c, _ in changes:
        mixes[at + 20] = (frac, new_c)
    on_at, off_at = np.full(n, 25.7), np.full(n, 26.3)
    f = kinds.get("relay_welded")
    if f:
        on_at[f["start"]:f["end"]] = off_at[f["start"]:f["end"]] = 100.0
    basking = np.where(lamp, 0.12, 0.0)
    rinse = np.zeros(n, dtype=bool)
    for at, _, _, off in changes:
        rinse[at:at + off] = True
    water = water_temperature(room, 8.0, 26.0, 1.85, on_at, off_at, powered=~stopped & ~unplugged,
                              extra_c_per_h=basking, mixes=mixes)
    healthy = water_temperature(room, 8.0, 26.0, 1.85, 25.7, 26.3, powered=~rinse, extra_c_per_h=basking,
                                mixes=mixes)
    for f in fault_list:
        if f["kind"] in ("relay_welded", "pebble_in_impeller", "heater_left_unplugged"):
            f["recovery"] = settled_after(water, healthy, f["end"])
    slide = np.zeros(n)
    f = kinds.get("kh_exhausted")
    if f:  # 0.25 over a day and a half, then the last of the buffer goes over twelve hours
        a, fix = f["start"], f["end"] - 30
        k = (i - a) / 60.0
        slide = np.where(i >= a, 0.25 * np.clip(k / 36.0, 0.0, 1.0) + (f["drop"] - 0.25) *
                         np.clip((k - 36.0) / 12.0, 0.0, 1.0), 0.0)
        after = np.where(i >= fix, 0.5 * slide[fix] * np.exp(-np.maximum(i - fix, 0) / 120.0), 0.0)
        slide = np.where(i >= fix, after, slide)
        f["label_from"] = _first(slide >= 0.3, a)
        f["recovery"] = int(np.flatnonzero((slide[fix:] < 0.1))[0]) - 30 + 60
    tank = Tank(temp=0.0, temp_swing=0.0, ph=7.4, ph_swing=0.03, tds=0.0, tds_per_day=0.0, turb=1.3,
                feed_turb=0.0, level=0.0, evap_cm_per_day=0.0, flow=6.0,
                noise={"temp_c": 0.03, "ph": 0.01, "tds_ppm": 2.0, "turb_ntu": 0.08, "level_cm": 0.08,
                       "flow_lpm": 0.12})

    def habits(v: dict, rng: np.random.Generator) -> list[str]:
        v["temp_c"] = v["temp_c"] + water
        v["level_cm"] = v["level_cm"] + level
        v["tds_ppm"] = v["tds_ppm"] + tds
        v["ph"] -= slide
        for t in feeds:
            _cloud(v, t, float(rng.uniform(0.6, 1.1)), 45.0)
            v["tds_ppm"][t:] += 0.6
        out = []
        for at, frac, _, off in sorted(changes):
            v["ph"] += _decay(n, at + 20, 0.4 * frac, 360.0)  # the tap water's carbonate
            _cloud(v, at + max(off, 20), 3.0 if off else 0.5, 60.0 if off else 25.0)
            if off:
                _maintenance(v, at, off)
            out.append(f"{'bed rinse' if off else 'water change'} day {at // D} ({frac:.0%})")
        for f in fault_list:
            a, b = f["start"], f["end"]
            if f["kind"] == "bed_clogging":  # the pump draws air: its flow rattles and falls
                air = gurgle[a:b] & ~stopped[a:b]
                v["flow_lpm"][a:b] = np.where(air, v["flow_lpm"][a:b] * rng.uniform(0.2, 0.7, b - a),
                                              v["flow_lpm"][a:b])
            elif f["kind"] == "pebble_in_impeller":  # the relay on, nothing moves; the still display's CO2
                v["flow_lpm"][a:b] = 0.0
                v["ph"] -= np.where(i >= a, 0.12 * np.clip((np.minimum(i, b) - a) / 240.0, 0.0, 1.0) *
                                    np.exp(-np.maximum(i - b, 0) / 30.0), 0.0)
            elif f["kind"] == "thermometer_on_dock":  # under the lamp, first cooled by its own wet film
                on = (i >= a) & (i < b)
                shade = 3.0 * lowpass(rng.normal(size=n), 20.0)  # the turtles climbing over it
                dock = lowpass(np.where(on, room + 12.0 + shade, water), 6.0)
                wet = np.where(on, -2.0 * np.exp(-np.maximum(i - a, 0) / 10.0), 0.0)
                v["temp_c"][a:b + 15] = (dock + wet)[a:b + 15]
        return out + ["radiator 6:30-8:30, 17:00-23:00", "basking lamp 8:00-20:00", "a shift worker's feedings",
                      "a bottle into the sump most evenings"]

    s = build("60×40 turtle tank, bottom filter, January (round 11, blind)", "turtle", tank, days, fault_list,
              habits, 3.0, seed, apply=apply_stranger11_fault)
    s.limits = {"temp_c_low": 23.0, "temp_c_high": 30.0, "ph_low": 6.8, "ph_high": 8.4, "tds_ppm_high": 600.0,
                "level_cm_low": 10.0, "flow_lpm_low": 3.0}
    return _as_probes_read(s)


# --------------------------------------------------------------------------- a shop's rack on one central sump

def _follow(system: Array, flowing: np.ndarray, share: float, start: float, own: Array | None = None,
            own_per_min: float = 0.0) -> Array:
    """One tank of a rack: its water renewed through its inlet at ``share`` of its volume a minute while the
    return runs (``flowing``), and drawn toward ``own`` at ``own_per_min`` (its own glass and surface)."""
    out, x = np.empty(len(system)), start
    sys_l, ok = system.tolist(), flowing.tolist()
    mine = own.tolist() if own is not None else None
    for k in range(len(system)):
        if ok[k]:
            x += (sys_l[k] - x) * share
        if mine is not None:
            x += (mine[k] - x) * own_per_min
        out[k] = x
    return out


def shop_rack_month(days: int = 30, seed: int = 1207, faults: tuple | None = None) -> Scenario:
    """Written round 11 blind, never tuned on: tank 7 of a fish shop's rack of twelve on one central sump.

    Twelve 100 l tanks (80×35 cm, 2.8 l a cm) in a heated back room, each
    drained by an overflow into one 100×80 cm sump (8 l a cm, marked at
    35 cm, its rim at 45) from which a return pump feeds every tank through
    a ball valve (tank 7's inlet: 4 l/min, its flow meter; the pump on the
    controller's relay); 1,200 l in all, held at 25.5 °C by four 300 W
    heaters in the sump on one thermostat (on at 25.3, off at 25.7: +0.86
    °C/h, a 10 h time constant); the heat reaches a tank only through the
    flow, so with the return off tank 7 drifts toward the room on its own
    (a 5 h time constant); a float valve on the mains (11 °C in winter,
    TDS 330, through a carbon filter, up to 3 l/min) holds the sump at its
    mark.  The probes hang in tank 7, the level probe in the sump.  The
    room's air heating runs 7:30-19:00 (23 °C, 20.5 °C at night); lights
    9:00-21:00; open Monday to Saturday 10:00-18:00 and Sunday 11:00-16:00.
    The manager set the tropical profile with 23.5-28 °C, pH 6.6-7.8, TDS up
    to 450, the sump 14-40 cm, flow 2 l/min and more.  Habits: staff siphon
    3 l from every tank's bottom at 9:00 (36 l: the float valve makes it up
    with cold mains), feed at 9:30 and 16:30 (Sunday once at 11:00),
    customers' fish netted out of tank 7 one to three times on an open day
    (a cloud), a 25 % change every Thursday at 8:00 before Friday's delivery
    in two rounds (the return off, the float valve closed, 150 l pumped out
    of the sump and 150 l pumped in from a heated vat of 24.5 °C, TDS 180,
    twice, the return on again at 9:15; the overflows drain 12 l back into
    the sump while the return is off).  Faults: a customer's fish bag drawn
    onto tank 7's overflow strainer (the tank spills onto the shop floor at 4
    l/min, the float valve cannot keep up with cold water, 35 min), the
    room's boiler failing on a Sunday after closing (the air toward 12 °C,
    the heaters cannot hold the water; labelled from when the water is 0.3
    °C below the range of the day before until the boiler is mended at 9:30
    on Monday), a new assistant dosing the discus system's pH-minus into this
    sump (pH -1.1 in twenty minutes, found at 14:30: an emergency change and
    a spoon of bicarbonate), a customer's net knocking the pH probe out of
    the water (it hangs in the damp air, its reading wandering up, until the
    closing round), the return pump's thermal cutout tripping at night (no
    flow with the relay on: tank 7 cools toward the night's room and its
    CO2 builds; the sump rises; until the staff come in at 8:50), the float
    valve sticking open after closing (mains water pours in until the sump
    spills over its rim onto the floor, the system cools toward 18 °C, until
    8:45).  Measured once (the engine of ae4a133,
    /work/diag/blind11_measure.txt): 5 of 6 told, 1.04 false alerts a day,
    median told delay 23 min.  Not told: the fish bag on the overflow (the
    sump 4.5 cm down in 35 min with cold mains coming in: nothing fired).
    Late: the room's heating, told after 234 min at the keeper's 23.5 °C.
    False: "sump level falling" most mornings while the staff siphon (the
    float valve lets the sump dip 0.6 cm), "level falling" and "heater may
    have failed" in each Thursday change (150 l pumped out with the return
    off at the controller; tank 7 cools without flow), "water drifting" on
    the TDS for a day after a change, "heater may have failed" an hour
    before the room-heating fault's label point (at 24.9 °C), a "pH
    crashing" on a flat pH 7.21 (day 24, 9:20).
    """
    D = DAY_MIN
    n = days * D
    i = np.arange(n)
    hour = (i / 60.0) % 24.0
    weather = np.random.default_rng(seed + 1)
    heated = timer_room(i, weather, 23.0, 20.5, ((7.5, 19.0),), 0.5)
    room = heated
    if faults is None:
        faults = ({"kind": "overflow_blocked", "start": 5 * D + 14 * 60 + 5, "end": 5 * D + 14 * 60 + 40},
                  {"kind": "room_heating_failed", "start": 10 * D + 16 * 60 + 30, "end": 11 * D + 9 * 60 + 30},
                  {"kind": "acid_dose", "start": 15 * D + 10 * 60 + 40, "end": 15 * D + 15 * 60 + 45, "drop": 1.1},
                  {"kind": "ph_probe_knocked_out", "start": 19 * D + 15 * 60 + 20, "end": 19 * D + 18 * 60 + 5},
                  {"kind": "return_pump_tripped", "start": 22 * D + 1 * 60 + 10, "end": 22 * D + 8 * 60 + 50},
                  {"kind": "float_valve_stuck", "start": 26 * D + 22 * 60 + 40, "end": 27 * D + 8 * 60 + 45})
    fault_list = [dict(f) for f in faults]
    kinds = {f["kind"]: f for f in fault_list}
    f = kinds.get("room_heating_failed")
    if f:  # the air loses its heat to a 12 °C winter over a few hours, and comes back once the boiler runs
        failing = (i >= f["start"]) & (i < f["end"])
        room = room + lowpass(np.where(failing, 12.0 - room, 0.0), 240.0)
    mark, l_per_cm, rim, system_l = 35.0, 8.0, 45.0, 1200.0
    # the weekly changes (and the emergency one): return off 75 min, two rounds of 150 l out and in
    changes = [d * D + 8 * 60 for d in range(days) if weekday(d) == 3]
    if "acid_dose" in kinds:
        changes.append(kinds["acid_dose"]["end"] - 75)
    return_off = np.zeros(n, dtype=bool)
    drain, refill = np.zeros(n), np.zeros(n)
    for at in changes:
        return_off[at:at + 75] = True
        for a in (at + 5, at + 40):
            drain[a:a + 15] = 10.0
            refill[a + 17:a + 32] = 10.0
    tripped = _spans(fault_list, "return_pump_tripped", n)
    flowing = ~return_off & ~tripped
    lights = (hour >= 9.0) & (hour < 21.0)
    evaporated = 12.0 / D * np.where(lights, 1.3, 0.7)
    siphon = np.zeros(n)
    for d in range(days):
        if weekday(d) != 3:
            a = d * D + (10 if weekday(d) == 6 else 9) * 60
            siphon[a:a + 30] = 1.2
    spill = np.zeros(n)
    f = kinds.get("overflow_blocked")
    if f:  # tank 7 rises 1.4 cm a minute and spills over its rim two minutes in; its 8 l drain back after
        spill[f["start"] + 2:f["end"]] = 4.0
        spill[f["end"]:f["end"] + 4] = -2.1
    dosed = np.zeros(n)  # the pH-minus's salts, mixed through the sump in twenty minutes
    for f in fault_list:
        if f["kind"] == "acid_dose":
            dosed[f["start"]:f["start"] + 20] = 15.0 / 20.0
    stuck = _spans(fault_list, "float_valve_stuck", n)
    bail = np.zeros(n, dtype=bool)  # once the valve is freed, the staff pump the sump back down to its mark
    for f in fault_list:
        if f["kind"] == "float_valve_stuck":
            bail[f["end"]:f["end"] + 30] = True
    vol, back, c = 0.0, 0.0, 340.0
    level, tds, mixes = np.empty(n), np.empty(n), {}
    off, dr, rf, ev, si, sp, st, ds = (x.tolist() for x in (return_off | tripped, drain, refill, evaporated,
                                                              siphon, spill, stuck, dosed))
    closed, bailing = return_off.tolist(), bail.tolist()  # the staff close the float valve for the change
    for k in range(n):
        step = float(np.clip((12.0 if off[k] else 0.0) - back, -3.0, 3.0))  # the overflows drain back
        back += step
        vol += step - ev[k] - si[k] - sp[k] - dr[k]
        c = c * system_l / (system_l - ev[k]) + 4.0 / D + ds[k]
        lvl = mark + vol / l_per_cm
        mains = 3.0 if st[k] else 0.0 if closed[k] else float(np.clip(2.0 * (mark - lvl), 0.0, 3.0))
        if mains:
            c = (c * system_l + 330.0 * mains) / (system_l + mains)
            mixes[k] = (mains / system_l, 11.0)
        if rf[k]:
            c = (c * system_l + 180.0 * rf[k]) / (system_l + rf[k])
            mixes[k] = (rf[k] / system_l, 24.5)
        vol = min(vol + mains + rf[k], (rim - mark) * l_per_cm)  # over the rim: onto the floor
        if bailing[k] and vol > 0.0:
            vol -= min(10.0, vol)
        level[k], tds[k] = mark + vol / l_per_cm, c
    system = water_temperature(room, 10.0, 25.5, 0.86, 25.3, 25.7, powered=flowing, mixes=mixes)
    healthy_mixes = {k: m for k, m in mixes.items() if not stuck[k] and not (spill[k] > 0)}
    healthy = water_temperature(heated, 10.0, 25.5, 0.86, 25.3, 25.7, powered=~return_off,
                                mixes=healthy_mixes)
    tank7 = _follow(system, flowing, 0.04, 25.3, room, 1.0 / 300.0)
    tank7_healthy = _follow(healthy, ~return_off, 0.04, 25.3, heated, 1.0 / 300.0)
    for f in fault_list:
        if f["kind"] == "room_heating_failed":
            f["label_from"] = leaves_range(tank7, tank7_healthy, f["start"], f["end"])
        if f["kind"] in ("room_heating_failed", "return_pump_tripped", "float_valve_stuck", "overflow_blocked"):
            f["recovery"] = max(120, settled_after(tank7, tank7_healthy, f["end"]))
    acid = np.zeros(n)
    f = kinds.get("acid_dose")
    if f:  # mixed through the sump in twenty minutes; the change takes 40 %, the bicarbonate the rest
        a, b = f["start"], f["end"]
        acid = f["drop"] * np.clip((i - a) / 20.0, 0.0, 1.0) * (i >= a)
        acid = np.where(i >= b, 0.6 * f["drop"] * np.exp(-np.maximum(i - b, 0) / 90.0), acid)
        f["recovery"] = int(np.flatnonzero(acid[b:] < 0.15)[0]) + 30
    co2 = np.zeros(n)
    still, x = (~flowing).tolist(), 0.0
    for k in range(n):  # a crowded tank without flow: its CO2 builds; the flow strips it again
        x += (0.35 - x) / 180.0 if still[k] else -x / 20.0
        co2[k] = x
    tank = Tank(temp=0.0, temp_swing=0.0, ph=7.2, ph_swing=0.03, tds=0.0, tds_per_day=0.0, turb=0.9,
                feed_turb=0.0, level=0.0, evap_cm_per_day=0.0, flow=4.0,
                noise={"temp_c": 0.02, "ph": 0.01, "tds_ppm": 1.5, "turb_ntu": 0.06, "level_cm": 0.1,
                       "flow_lpm": 0.1})

    def habits(v: dict, rng: np.random.Generator) -> list[str]:
        v["temp_c"] = v["temp_c"] + tank7
        v["level_cm"] = v["level_cm"] + level
        v["tds_ppm"] = v["tds_ppm"] + _follow(tds, flowing, 0.04, 340.0)
        v["ph"] += -_follow(acid, flowing, 0.04, 0.0) - co2
        v["flow_lpm"][~flowing] = 0.0
        v["pump"][return_off] = 0.0
        for d in range(days):
            sunday = weekday(d) == 6
            for h in ((11.0,) if sunday else (9.5, 16.5)):
                _cloud(v, int(d * D + h * 60), 0.3, 20.0)
                v["tds_ppm"][int(d * D + h * 60):] += 0.3
            if weekday(d) != 3:
                _cloud(v, int(d * D + (10 if sunday else 9) * 60 + rng.integers(0, 30)), 0.8, 15.0)
            opening = (11.0, 16.0) if sunday else (10.0, 18.0)
            for h in rng.uniform(*opening, rng.integers(0, 3 if sunday else 4)):
                _cloud(v, int(d * D + h * 60), float(rng.uniform(0.3, 0.6)), 15.0)  # a customer's fish netted
        for at in changes:
            v["ph"] += _decay(n, at + 75, 0.08, 360.0)
            _cloud(v, at + 75, 0.6, 30.0)
        for f in fault_list:
            a, b = f["start"], f["end"]
            if f["kind"] == "ph_probe_knocked_out":  # hanging in the damp air: its film dries, it wanders up
                k = np.arange(b - a)
                v["ph"][a:b] += 0.9 * (1.0 - np.exp(-k / 40.0)) + rng.normal(size=b - a) * 0.06 * \
                    (1.0 - np.exp(-k / 30.0))
        return [f"{'weekly' if weekday(at // D) == 3 else 'emergency'} change day {at // D}" for at in changes] + [
            "staff siphon 9:00, feed 9:30 and 16:30", "customers' nets", "lights 9:00-21:00",
            "room heated 7:30-19:00", "float valve on the mains"]

    s = build("tank 7 of a shop's rack on one sump (round 11, blind)", "tropical", tank, days, fault_list, habits,
              2.0, seed, apply=apply_stranger11_fault)
    s.limits = {"temp_c_low": 23.5, "temp_c_high": 28.0, "ph_low": 6.6, "ph_high": 7.8, "tds_ppm_high": 450.0,
                "level_cm_low": 14.0, "level_cm_high": 40.0, "flow_lpm_low": 2.0}
    return _as_probes_read(s)


#: the round-11 months written blind, in the bench's order
STRANGERS11 = (turtle_bottom_filter_month, shop_rack_month, paludarium_month)
