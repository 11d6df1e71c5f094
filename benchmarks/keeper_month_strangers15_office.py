"""Round 15's third stranger, a 180 l tank in a dentist's waiting room serviced by a contractor (written blind,
never tuned on; :mod:`benchmarks.keeper_month_strangers15` lists the round's months in
:data:`~benchmarks.keeper_month_strangers15.STRANGERS15`).

Examples
--------
>>> s = waiting_room_month(days=3, faults=())
>>> bool(s.labels.any()), s.profile, len(s.t_ms) == 3 * DAY_MIN
(False, 'tropical', True)
"""

from __future__ import annotations

import numpy as np

from benchmarks.keeper_heat import Array, leaves_range, lowpass, settled_after, water_temperature
from benchmarks.keeper_month import DAY_MIN, Scenario
from benchmarks.keeper_month_paludarium import _cloud, weekday
from benchmarks.keeper_month_strangers12_fry import fault_of
from benchmarks.keeper_month_strangers13 import _excess
from benchmarks.keeper_month_strangers13_awc import back_within, departs
from benchmarks.keeper_month_strangers14_sump import draw_water, quiet_tank
from benchmarks.keeper_month_strangers15_pond import finish, minute_grid

#: the tank's litres a cm, the mark; the contractor's siphon and his drum's pump, cm a minute; the canister
L_PER_CM, MARK_CM, SIPHON_CM, DRUM_CM, CANISTER_LPM = 4.0, 45.0, 1.5, 2.0, 10.0
#: the contractor's visits (days: every second Tuesday) and the minutes the tank is off at the controller
VISIT_DAYS, VISIT_MIN = (5, 19), 45


def building_air(target: Array, tau_min: Array) -> Array:
    """A building's air following its heating's ``target`` with a time constant that is its own each minute
    (the radiators warm it within hours; with the boiler down, its walls give their heat up over a day)."""
    out, y = np.empty(len(target)), float(target[0])
    for k, (t, tau) in enumerate(zip(target.tolist(), tau_min.tolist())):
        y += (t - y) / tau
        out[k] = y
    return out


def waiting_room_month(days: int = 30, seed: int = 1503, faults: tuple | None = None) -> Scenario:
    """Written round 15 blind, never tuned on: a 180 l tank of platies, tetras and a bristlenose in a dentist's
    waiting room, serviced by a contractor, January.

    100×40×50 cm, a lid, 45 cm of water (4 l a cm; the level probe in the
    tank); a canister of 10 l/min with an inline UV (the flow meter on its
    return), a 300 W heater on its own thermostat (on at 24.8, off at 25.2
    °C: +1.43 °C/h, a 10 h time constant), an air pump; canister, UV, heater,
    air pump and lights (8:00-18:00) on one power strip behind the cabinet,
    the monitor on the wall socket beside it (the relay reads on when the
    strip is out).  The building: heated to 21 °C from 7:00 to 19:00 on
    weekdays, 15 °C nights and weekends (the air following within a couple
    of hours).  Tap water TDS 260, pH 7.5; the fish's acid 0.02 a day, their
    salts 2 ppm.  Habits: the receptionist feeds at about 8:40 on weekdays and
    drops a weekend food block in on Friday at 17:00; the cleaner, at about
    19:30 on weekdays, unplugs the strip for six to twelve minutes to
    vacuum (no filter, heater or air; the relay on); every second Tuesday
    at about 13:30 the contractor switches the tank off at the controller
    for 45 minutes, unplugs the heater, siphons 30 % into buckets, cleans
    the glass and fills it back from a heated drum (25 ± 0.5 °C, TDS 240, pH
    7.5); 0.2 cm a day evaporates; two glitches a day.  The contractor set
    the tropical profile with 22-28 °C, pH 6.6-8.0, TDS up to 450, the water
    25-48 cm, flow 5 l/min and more.  Faults: the contractor not plugging
    the heater back in (labelled from when the water is 0.3 °C below its
    range of the day before, until the receptionist sees its light off the
    next morning), the cleaner not plugging the strip back in on a Friday
    (from the minute it would have been: no filter, heater or air for the
    weekend, the water toward the building's 15 °C, its CO2 building; until
    the receptionist on Monday morning), a child pulling the monitor's
    temperature probe out by its cable (it hangs in the cabinet's air;
    labelled from when it reads 0.3 °C off the water, until the receptionist
    pushes it back the next morning), a child's juice carton emptied into
    the tank (pH -0.25 within minutes; its sugar a bacterial bloom within
    hours, their breath the pH lower still; until the contractor's visit the
    next day, a 50 % change), the building's boiler down over a cold weekend
    (the air toward 6 °C; the heater on all the time cannot hold the water;
    labelled from when it is 0.3 °C below its range, until the engineer
    restarts it on Monday morning).
    """
    D = DAY_MIN
    n, i, hour, weather = minute_grid(days, seed)
    if faults is None:
        faults = ({"kind": "heater_not_replugged", "start": 5 * D + 13 * 60 + 30, "end": 6 * D + 9 * 60 + 10},
                  {"kind": "strip_left_unplugged", "start": 8 * D + 19 * 60 + 30, "end": 11 * D + 7 * 60 + 50},
                  {"kind": "temp_probe_pulled_out", "start": 12 * D + 16 * 60 + 10, "end": 13 * D + 8 * 60 + 50},
                  {"kind": "juice_poured_in", "start": 18 * D + 10 * 60 + 20, "end": 19 * D + 13 * 60 + 30},
                  {"kind": "building_boiler_down", "start": 23 * D + 2 * 60, "end": 25 * D + 10 * 60 + 30})
    fault_list = sorted((dict(f) for f in faults), key=lambda f: f["start"])
    weekdays = np.array([weekday(int(d)) < 5 for d in i // D])
    warm = weekdays & (hour >= 7.0) & (hour < 19.0)
    target = np.where(warm, 21.0, 15.0) + np.interp(i / D, np.arange(days + 1), weather.uniform(-0.5, 0.5, days + 1))
    twin_room = building_air(target, np.full(n, 150.0))
    boiler = fault_of(fault_list, "building_boiler_down")
    room = twin_room
    if boiler:  # no heating: the walls give their heat up toward a frosty weekend's 6 °C over a day
        cold, slow = target.copy(), np.full(n, 150.0)
        cold[boiler["start"]:boiler["end"]], slow[boiler["start"]:boiler["end"]] = 6.0, 900.0
        room = building_air(cold, slow)
    lights = (hour >= 8.0) & (hour < 18.0)
    # the contractor's visits: the relay off 45 minutes, the heater unplugged, 30 % siphoned and filled back
    visits = [int(d * D + 13.5 * 60 + weather.integers(-20, 21)) for d in VISIT_DAYS if d < days]
    juice = fault_of(fault_list, "juice_poured_in")
    part = {at: 0.5 if juice and at // D == juice["end"] // D else 0.3 for at in visits}
    if juice:
        juice["end"] = next(at for at in visits if at // D == juice["end"] // D) + 5  # the siphon begins
    relay_off = np.zeros(n, dtype=bool)
    heater_in = np.ones(n, dtype=bool)
    for at in visits:
        relay_off[at:at + VISIT_MIN] = True
        heater_in[at + 3:at + VISIT_MIN] = False
    twin_heater_in = heater_in.copy()
    unplugged_heater = fault_of(fault_list, "heater_not_replugged")
    if unplugged_heater:  # from the minute he would have plugged it back in, as he left
        at = min(visits, key=lambda c: abs(c - unplugged_heater["start"]))
        unplugged_heater["start"] = at + VISIT_MIN
        heater_in[at + VISIT_MIN:unplugged_heater["end"]] = False
    # the cleaner's strip, every weekday evening; not plugged back in on one Friday
    strip = np.ones(n, dtype=bool)
    for d in range(days):
        if weekday(d) < 5:
            at = int(d * D + 19.5 * 60 + weather.integers(-15, 16))
            strip[at:at + int(weather.integers(6, 13))] = False
    twin_strip = strip.copy()
    left = fault_of(fault_list, "strip_left_unplugged")
    if left:
        off = np.flatnonzero(~strip[left["start"] - 30:left["start"] + 30]) + left["start"] - 30
        left["start"] = int(off[-1]) + 1
        strip[left["start"]:left["end"]] = False
    running = strip & ~relay_off
    flow = np.where(running, CANISTER_LPM, 0.0)

    def loop() -> tuple[Array, Array, Array, dict[int, float]]:
        """The level, the salts, the fish's acid and each minute's part of the drum's water."""
        level, tds, acid, poured = np.empty(n), np.empty(n), np.empty(n), {}
        lvl, c, h, filling, drains = MARK_CM - 0.3, 300.0, 0.08, False, {}
        for at in visits:
            cm = part[at] * MARK_CM
            for k in range(int(np.ceil(cm / SIPHON_CM))):
                drains[at + 5 + k] = min(SIPHON_CM, cm - k * SIPHON_CM)
        fills = {at + 30 for at in visits}
        for k in range(n):
            lvl -= 0.2 / D + drains.get(k, 0.0)
            c = c * (lvl + 0.2 / D) / lvl + 2.0 / D
            h += 0.02 / D
            if k in fills:
                filling = True
            if filling:
                add = min(DRUM_CM, MARK_CM - lvl)
                f = add / (lvl + add)
                c, h, lvl, poured[k] = c * (1 - f) + 240.0 * f, h * (1 - f), lvl + add, f
                filling = lvl < MARK_CM - 1e-9
            level[k], tds[k], acid[k] = lvl, c, h
        return level, tds, acid, poured

    level, tds, acid, poured = loop()
    drum = {at: float(weather.normal(25.0, 0.5)) for at in visits}
    mixes = {k: (f, drum[max(at for at in visits if at <= k)]) for k, f in poured.items()}
    extra = 0.05 * running + 0.06 * lights
    water = water_temperature(room, 10.0, 25.0, 1.43, 24.8, 25.2, powered=strip & heater_in, extra_c_per_h=extra,
                              mixes=mixes)
    healthy = water_temperature(twin_room, 10.0, 25.0, 1.43, 24.8, 25.2, powered=twin_strip & twin_heater_in,
                                extra_c_per_h=0.05 * (twin_strip & ~relay_off) + 0.06 * lights, mixes=mixes)
    # the pH: the tap's carbonate, the fish's acid; still water's CO2 while the strip is out
    still = np.zeros(n)
    x = 0.0
    for k, on in enumerate(strip.tolist()):
        x += (0.3 - x) / 480.0 if not on else -x / 60.0
        still[k] = x
    twin_ph = 7.5 - acid + 0.02 * lights
    ph = twin_ph - still
    bloom = np.zeros(n)
    if juice:  # the juice's acid within minutes, its sugar a bloom within hours and their breath; the change
        a, b = juice["start"], juice["end"]
        cuts = {b + 10: 1.0 - part[b - 5]}
        sour = _excess(n, a, 0.25, 6.0, b, cuts, 12.0 * 60)  # the citrate eaten, its carbonate back
        bloom = np.where(i >= a + 180, _excess(n, a + 180, 4.0, 8.0 * 60, b, cuts, 6.0 * 60), 0.0)
        breath = np.where(i >= a + 180, _excess(n, a + 180, 0.3, 10.0 * 60, b, cuts, 6.0 * 60), 0.0)
        ph = ph - sour - breath
        tds = tds + _excess(n, a, 20.0, 6.0, b, cuts, 1e12)
        juice["recovery"] = max(back_within(ph, twin_ph, b, 0.1), back_within(bloom, np.zeros(n), b, 0.3))
    read = water.copy()
    pulled = fault_of(fault_list, "temp_probe_pulled_out")
    if pulled:  # the probe in the cabinet's air by the canister's motor; back in the water, it settles in minutes
        a, b = pulled["start"], pulled["end"]
        air = room + 1.5 * running
        lag = lowpass(np.concatenate(([water[a]], air[a:b], water[b:b + 30])), 4.0)
        read[a:b + 30] = lag[1:len(read[a:b + 30]) + 1]
        pulled["label_from"] = departs(read, water, a, b, 0.3)
        pulled["recovery"] = 30
    for f in fault_list:
        a, b = f["start"], f["end"]
        if f["kind"] in ("heater_not_replugged", "building_boiler_down"):
            f["label_from"] = leaves_range(water, healthy, a, b)
            f["recovery"] = settled_after(water, healthy, b)
        elif f["kind"] == "strip_left_unplugged":
            f["recovery"] = max(settled_after(water, healthy, b), back_within(ph, twin_ph, b, 0.1))
    tank = quiet_tank(0.8, {"temp_c": 0.02, "ph": 0.01, "tds_ppm": 1.5, "turb_ntu": 0.05, "level_cm": 0.05,
                            "flow_lpm": 0.15})

    def habits(v: dict, rng: np.random.Generator) -> list[str]:
        draw_water(v, hour, read, level, tds, ph, flow)
        v["pump"][relay_off] = 0.0
        v["turb_ntu"] += bloom
        for d in range(days):
            if weekday(d) < 5:
                _cloud(v, int(d * D + 8 * 60 + 40 + rng.integers(-15, 16)), float(rng.uniform(0.3, 0.6)), 40.0)
            if weekday(d) == 4:
                _cloud(v, d * D + 17 * 60, 0.3, 1200.0)  # the weekend block crumbling
        for at in visits:
            _cloud(v, at + 5, 1.8, 35.0)
        return [f"contractor's visit day {at // D} ({part[at]:.0%})" for at in visits] + [
            "receptionist feeds at 8:40 on weekdays, a block on Fridays", "cleaner unplugs the strip on weekday evenings",
            "building heated 7:00-19:00 on weekdays"]

    return finish("dentist's waiting-room 180 l, serviced by a contractor (round 15, blind)", "tropical", tank, days,
                  fault_list, habits, seed, {"temp_c_low": 22.0, "temp_c_high": 28.0, "ph_low": 6.6, "ph_high": 8.0,
                                             "tds_ppm_high": 450.0, "level_cm_low": 25.0, "level_cm_high": 48.0,
                                             "flow_lpm_low": 5.0})
