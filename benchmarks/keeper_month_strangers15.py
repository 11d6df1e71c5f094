"""Round 15: three keepers' months written blind -- from neither the engine's code, its thresholds nor its
outputs -- and never tuned on (issue 16's strangers, an eighth time).

Written as their keepers would live them, from the physics of a tank and real keeping habits, to be measured
once through ``evaluate`` (as :func:`benchmarks.bench_detection.keeper_months` does) and not changed after.
They reuse the probes, noise, glitches and labelling of :mod:`benchmarks.keeper_month`, the heat balance of
:mod:`benchmarks.keeper_heat`, the twin-based labels of :mod:`benchmarks.keeper_month_strangers13_awc` and the
drawn water of :mod:`benchmarks.keeper_month_strangers14_sump`, and add what no earlier month has:

- tanks: a 240 l planted aquascape with pressurised CO2 and a canister, changed with a python hose straight
  from the kitchen tap; a 720 l raised koi pond wintering in an insulated garden shed, with a pressurised
  filter, a UV-C and a titanium heater on an external controller, on the shed's RCD
  (:mod:`benchmarks.keeper_month_strangers15_pond`); a 180 l tank in a dentist's waiting room, serviced by a
  contractor every second Tuesday, in a building heated only in office hours, whose cleaner unplugs its strip
  every evening to vacuum (:mod:`benchmarks.keeper_month_strangers15_office`);
- habits: a weekly 50 % change with the python (drained into the sink in twelve minutes, filled from the tap
  at a temperature matched by hand), daily fertiliser doses, CO2 on a solenoid before the lights, a canister
  cleaned every four weeks; a pond backwashed every second Saturday and filled with the hose's 6 °C water, a
  cold snap; a receptionist feeding on weekdays and a weekend food block, a contractor's change from his heated
  drum, the cleaner's nightly minutes without a filter;
- faults: the CO2 regulator's end-of-tank dump (pH 5.8 in an hour, then the cylinder empty), the python left
  draining while the keeper answers the door (the tank down to its substrate), the canister's outlet hose off
  its barb (the tank pumped onto the floor until the intake sucks air), the canister's lid O-ring pinched after
  its cleaning (weeping onto the cabinet floor, sucking air), the spraybar turned under the surface after a
  trim (the CO2 cannot leave: the pH deeper every day); the liner punctured by the net's pole, the UV's sleeve
  cracked and the RCD tripped (with the air line back-siphoning), the return hose frozen at dawn, the heater's
  controller probe on the floor (the heater never stops), the filter's valve left on "waste" after a backwash
  (the pond pumped down to the intake); the cleaner not plugging the strip back in on a Friday, the contractor
  not plugging the heater back in, a child pulling the monitor's temperature probe out of the water, a child's
  juice poured in (a bacterial bloom), the building's boiler down over a cold weekend.

A fault is labelled from the minute its keeper would want to hear of it: a stopped filter, a flood, a dump
from its first minute; a slow fault (``label_from``) when the water or the reading leaves what it would have
been: a temperature 0.3 °C outside the range the same tank without the fault took over the day before and
meanwhile (:func:`benchmarks.keeper_heat.leaves_range`), a pH, a level, a flow or a reading that departs from
its twin by a keeper's resolution (:func:`benchmarks.keeper_month_strangers13_awc.departs`); until it is fixed,
plus the water's recovery.  Measured once, through the engine of 67f4c35 (``/work/diag/diag_month.py``, output
in /work/diag/blind15_*.txt), not tuned after: the planted aquascape 5 of 5 told, 0.04 false alerts a day, median
told delay 85 min; the shed's pond 4 of 5 (the punctured liner alerted 98 minutes before its label), 0.21, 12
min; the waiting room 5 of 5, 0.57 (the cleaner's evening unplugging told as a stopped pump), 18 min
(docs/detection.md, "Round 15: three new blind months").

Examples
--------
>>> s = planted_python_month(days=3, faults=())
>>> bool(s.labels.any()), s.profile, len(s.t_ms) // DAY_MIN
(False, 'tropical', 3)
"""

from __future__ import annotations

import numpy as np

from benchmarks.keeper_heat import Array, lowpass, room_air, settled_after, water_temperature
from benchmarks.keeper_month import DAY_MIN, Scenario
from benchmarks.keeper_month_paludarium import _cloud, weekday
from benchmarks.keeper_month_strangers12_fry import fault_of
from benchmarks.keeper_month_strangers13_awc import back_within, departs
from benchmarks.keeper_month_strangers14_sump import draw_water, quiet_tank
from benchmarks.keeper_month_strangers15_office import waiting_room_month
from benchmarks.keeper_month_strangers15_pond import finish, minute_grid, shed_pond_month

#: the tank's litres a cm, the mark, the rim, the canister's intake strainer, the python's end on the substrate
L_PER_CM, MARK_CM, RIM_CM, INTAKE_CM, SUBSTRATE_CM = 5.4, 45.0, 48.0, 33.0, 7.0
#: the python draining (its venturi on the tap) and filling, cm a minute; the canister's flow, l/min
DRAIN_CM, FILL_CM, CANISTER_LPM = 1.85, 2.2, 14.0
#: dissolved CO2 the air leaves in the water, and what the solenoid's bubbles add, ppm (a minute)
AIR_PPM, INJECT_PPM = 3.0, 0.27


def co2_ppm(inject: Array, degas_per_min: Array) -> Array:
    """The water's dissolved CO2, ppm, minute by minute: the diffuser's ``inject`` (ppm a minute) against the
    surface's exchange with the air (``degas_per_min`` of the excess a minute, the spraybar's ripple)."""
    out, c = np.empty(len(inject)), AIR_PPM
    for k, (q, kd) in enumerate(zip(inject.tolist(), degas_per_min.tolist())):
        c += q - (c - AIR_PPM) * kd
        out[k] = c
    return out


def planted_python_month(days: int = 30, seed: int = 1501, faults: tuple | None = None) -> Scenario:
    """Written round 15 blind, never tuned on: a 240 l planted aquascape (rasboras, otocinclus, shrimp) with
    pressurised CO2 in a flat's living room, January.

    120×45×50 cm, open-topped, 45 cm of water (5.4 l a cm, the rim at 48;
    the level probe in the tank); a canister of 14 l/min through glass
    lily pipes (the flow meter on the outlet hose by the tank; the
    intake's strainer at 33 cm), its flow falling a tenth in two weeks
    before its cleaning; a 300 W heater on an external controller (on at
    24.7, off at 25.1 °C: +1.06 °C/h, a 10 h time constant); lights
    13:00-21:00 (the keeper works) and CO2 from a 2 kg cylinder through a
    single-stage regulator and a solenoid, 11:00-20:00: about 30 ppm, the
    pH 1.0 under its 7.3 by evening, degassing overnight through the
    spraybar's ripple.  The room 19.5 °C, a little warmer by evening.  Tap
    water TDS 180, pH 7.3.  Habits: a feeding at 7:30 and at 19:30;
    fertilisers at 13:00 (macros on Monday, Wednesday and Friday, +12 ppm,
    micros on the other days but Sunday, +4); on Sunday late in the morning
    a 50 % change with a python: the canister off at the controller, 22 cm
    drained into the sink in twelve minutes, three minutes to turn the
    python's valve and set the tap by hand (±1 °C), 22 cm filled in ten,
    the canister on again; the canister cleaned every second Sunday with the
    change (26 minutes off); a top-up on Wednesday evenings to the mark; 0.6 cm a day
    evaporates; two glitches a day.  The keeper set the tropical profile with
    22-28 °C, pH 5.9-7.8, TDS up to 450, the water 18-47 cm, flow 6 l/min
    and more.  Faults: the CO2 regulator's end-of-tank dump on a workday (the
    cylinder's last gas through the diffuser in two and a half hours, pH 5.8;
    then no CO2 at all, the pH back over 7; labelled from when the pH is 0.1
    under its twin's, until the keeper fits a new cylinder in the evening),
    the python left draining while the keeper answers the door (from the
    minute the change's drain would have stopped, the tank down to its
    substrate, until he is back 18 minutes later and fills it), the canister's
    outlet hose off its barb in the cabinet (the tank pumped onto the floor
    until the intake sucks air; the meter on the hose sees nothing from the
    first minute; until the keeper is home), the lid's O-ring pinched at the
    canister's cleaning (from its restart: it sucks air, its flow down a third
    with gulps, 0.8 l/h weeping onto the cabinet floor, until the keeper sees
    the puddle on Tuesday evening), the spraybar turned under the surface
    after a trim (the CO2 leaves slower: the pH deeper by day and slower to
    rise at night; labelled from when it is 0.1 under its twin's, until the
    keeper sees the fish gasping at the lights' end two days later).
    """
    D = DAY_MIN
    n, i, hour, weather = minute_grid(days, seed)
    if faults is None:
        faults = ({"kind": "co2_end_of_tank_dump", "start": 8 * D + 12 * 60 + 40, "end": 8 * D + 18 * 60 + 50},
                  {"kind": "python_drain_forgotten", "start": 10 * D + 11 * 60, "end": 10 * D + 11 * 60 + 18},
                  {"kind": "canister_hose_off_barb", "start": 14 * D + 9 * 60 + 20, "end": 14 * D + 18 * 60 + 40},
                  {"kind": "canister_lid_weeping", "start": 17 * D + 11 * 60, "end": 19 * D + 19 * 60 + 30},
                  {"kind": "spraybar_turned_under", "start": 21 * D + 21 * 60 + 30, "end": 23 * D + 20 * 60 + 50})
    fault_list = sorted((dict(f) for f in faults), key=lambda f: f["start"])
    room = lowpass(room_air(days, weather, 19.5, 0.8, 20.0, 0.7), 60.0)
    lights, solenoid = (hour >= 13.0) & (hour < 21.0), (hour >= 11.0) & (hour < 20.0)
    # the Sunday changes: the drain, three minutes, the fill; the python left draining once
    drained = fault_of(fault_list, "python_drain_forgotten")
    weeping = fault_of(fault_list, "canister_lid_weeping")
    changes = [int(d * D + 11 * 60 + weather.integers(-60, 61)) for d in range(days) if weekday(d) == 6]
    for f in (drained, weeping):
        if f:  # from the minute the drain should have stopped; from the cleaned canister's restart
            at, away = min(changes, key=lambda c: abs(c - f["start"])), f["end"] - f["start"]
            f["start"] = at + 12 if f is drained else at + 26
            if f is drained:
                f["end"] = f["start"] + away  # the keeper back from the door
    mixer = {at: float(weather.normal(0.0, 1.0)) for at in changes}  # the keeper's hand at the tap
    relay_off = np.zeros(n, dtype=bool)
    for at in changes:
        relay_off[at:at + 26] = True
    cleans = [at for at in changes if (at // D) % 14 == 3]  # every second Sunday (the 4th and the 18th)
    topups = {d * D + 20 * 60 + int(weather.integers(0, 60)) for d in range(days) if weekday(d) == 2}
    hose = fault_of(fault_list, "canister_hose_off_barb")
    if hose:
        relay_off[hose["end"]:hose["end"] + 2] = True  # the keeper switches it off to push the hose back on
    if drained:  # the canister stays off until the tank is filled from its substrate
        relay_off[drained["start"]:drained["end"] + 3 + int(np.ceil((MARK_CM - SUBSTRATE_CM) / FILL_CM)) + 2] = True

    def loop(faulty: bool) -> tuple[Array, Array, dict[int, float]]:
        """The level, the salts and the tap water's part in each minute's fill (by the minute it flows)."""
        level, tds, poured = np.empty(n), np.empty(n), {}
        lvl, c, filling = MARK_CM - 0.5, 230.0, False
        drains = {at + k for at in changes for k in range(12)}
        fills = {at + 15 for at in changes}
        refills = set(topups)
        if faulty and drained:
            drains |= set(range(drained["start"], drained["end"]))
            fills = (fills - {drained["start"] + 3}) | {drained["end"] + 3}
        if faulty and hose:
            refills.add(hose["end"] + 10)
        if faulty and weeping:
            refills.add(weeping["end"] + 5)
        for k in range(n):
            lvl -= 0.6 / D
            if k in drains:
                lvl = max(SUBSTRATE_CM, lvl - DRAIN_CM)
            if faulty and hose and hose["start"] <= k < hose["end"] and lvl > INTAKE_CM:
                lvl -= CANISTER_LPM / L_PER_CM
            if faulty and weeping and weeping["start"] <= k < weeping["end"]:
                lvl -= 0.8 / 60.0 / L_PER_CM
            c = c * (lvl + 0.6 / D) / lvl
            if k % D == 13 * 60:
                c += {0: 12.0, 2: 12.0, 4: 12.0, 6: 0.0}.get(weekday(k // D), 4.0) - 1.5  # the plants take some
            if k in fills or k in refills:
                filling = True
            if filling:
                add = min(FILL_CM, MARK_CM - lvl)
                f = add / (lvl + add)
                c, lvl, poured[k] = c * (1 - f) + 180.0 * f, lvl + add, f
                filling = lvl < MARK_CM - 1e-9
            level[k], tds[k] = lvl, c
        return level, tds, poured

    level, tds, poured = loop(True)
    twin_level, _, twin_poured = loop(False)
    running = ~relay_off
    since = np.full(n, 10.0 * D)  # the canister's clogging, reset at its cleanings
    for at in cleans:
        since[at:] = i[at:] - at
    twin_flow = np.where(running, CANISTER_LPM * (1.0 - 0.1 * np.minimum(1.0, since / (14.0 * D))), 0.0)
    flow = twin_flow.copy()
    if hose:
        flow[hose["start"]:hose["end"]] = 0.0
    if weeping:  # air through the pinched O-ring: a third less, and gulps
        a, b = weeping["start"], weeping["end"]
        gulps = np.random.default_rng(seed + 2).random(b - a) < 0.1
        flow[a:b] *= np.where(gulps, 0.35, 0.67)

    def matched(start: Array, added: dict[int, float]) -> dict[int, tuple[float, float]]:
        """Each minute's tap water, as the keeper set the mixer by his hand against the tank's water."""
        last = max((at for at in changes), default=0)
        out = {}
        for k, f in added.items():
            at = max((c for c in changes if c <= k), default=last)
            out[k] = (f, float(start[k]) + (mixer[at] if k - at < 90 else 0.0))
        return out

    base = water_temperature(room, 10.0, 25.0, 1.06, 24.7, 25.1, extra_c_per_h=0.06 * running + 0.08 * lights)
    water = water_temperature(room, 10.0, 25.0, 1.06, 24.7, 25.1, extra_c_per_h=0.06 * running + 0.08 * lights,
                              mixes=matched(base, poured))
    healthy = water_temperature(room, 10.0, 25.0, 1.06, 24.7, 25.1, extra_c_per_h=0.06 * running + 0.08 * lights,
                                mixes=matched(base, twin_poured))
    # the CO2: the solenoid's bubbles against the ripple's exchange; the pH of the tank's carbonate under it
    inject = np.where(solenoid, INJECT_PPM, 0.0)
    ripple = np.where(running, 1.0 / 100.0, 1.0 / 400.0)
    twin_co2 = co2_ppm(inject, ripple)
    dump = fault_of(fault_list, "co2_end_of_tank_dump")
    if dump:  # the regulator's output pressure climbs as the cylinder empties: its last gas, then nothing
        a, b = dump["start"], dump["end"]
        inject[a:a + 150] = np.where(solenoid[a:a + 150], 1.2, 0.0)
        inject[a + 150:b] = 0.0
    if hose:  # no water from the lily pipe: the surface still
        ripple[hose["start"]:hose["end"]] = 1.0 / 400.0
    under = fault_of(fault_list, "spraybar_turned_under")
    if under:
        ripple[under["start"]:under["end"]] /= 1.8
    co2 = co2_ppm(inject, ripple)
    kh_drift = np.zeros(n)  # the fish's acid and the plants' uptake of carbonate, reset half at each change
    x = 0.0
    for k in range(n):
        x += 0.02 / D
        if k in changes:
            x *= 0.5
        kh_drift[k] = x
    ph = 7.3 - kh_drift - np.log10(co2 / AIR_PPM)
    twin_ph = 7.3 - kh_drift - np.log10(twin_co2 / AIR_PPM)
    for f in fault_list:
        a, b = f["start"], f["end"]
        if f["kind"] in ("co2_end_of_tank_dump", "spraybar_turned_under"):
            f["label_from"] = departs(ph, twin_ph, a, b, 0.1)
            f["recovery"] = back_within(ph, twin_ph, b, 0.1)
        elif f["kind"] == "python_drain_forgotten":
            f["recovery"] = max(back_within(level, twin_level, b, 0.5), settled_after(water, healthy, b))
        elif f["kind"] == "canister_hose_off_barb":  # the tank filled; the CO2 the still surface held gone
            f["recovery"] = max(back_within(level, twin_level, b, 0.5), back_within(ph, twin_ph, b, 0.1))
        elif f["kind"] == "canister_lid_weeping":  # until the keeper has filled it to the mark
            f["recovery"] = int(np.flatnonzero(level[b:] >= MARK_CM - 0.01)[0]) + 30
    tank = quiet_tank(0.6, {"temp_c": 0.02, "ph": 0.01, "tds_ppm": 1.5, "turb_ntu": 0.04, "level_cm": 0.05,
                            "flow_lpm": 0.2})

    def habits(v: dict, rng: np.random.Generator) -> list[str]:
        draw_water(v, hour, water, level, tds, ph, flow)
        v["pump"][relay_off] = 0.0
        for d in range(days):
            for h in (7.5, 19.5):
                _cloud(v, int(d * D + h * 60 + rng.integers(-15, 16)), float(rng.uniform(0.15, 0.3)), 30.0)
        for at in changes:
            _cloud(v, at, 1.5, 30.0)  # the python in the carpet of plants, the trim
            _cloud(v, at + 26, 0.8 if at in cleans else 0.3, 20.0)  # the canister's first minutes
        if hose:
            _cloud(v, hose["end"] + 10, 0.6, 30.0)
        return [f"50 % change with the python, day {at // D}" for at in changes] + [
            "canister cleaned every second Sunday", "CO2 11:00-20:00, lights 13:00-21:00", "ferts at 13:00",
            "top-up Wednesday evenings"]

    return finish("flat's 240 l planted aquascape, CO2, python changes (round 15, blind)", "tropical", tank, days,
                  fault_list, habits, seed, {"temp_c_low": 22.0, "temp_c_high": 28.0, "ph_low": 5.9, "ph_high": 7.8,
                                             "tds_ppm_high": 450.0, "level_cm_low": 18.0, "level_cm_high": 47.0,
                                             "flow_lpm_low": 6.0})


#: the round-15 months written blind, in the bench's order
STRANGERS15 = (planted_python_month, shed_pond_month, waiting_room_month)
