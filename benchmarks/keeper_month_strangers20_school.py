"""Round 20's second stranger, a primary school's 128 l classroom tank in Perth left over the summer holidays
with an automatic feeder and a caretaker's two visits a week (written blind, never tuned on;
:mod:`benchmarks.keeper_month_strangers20` lists the round's months in
:data:`~benchmarks.keeper_month_strangers20.STRANGERS20`).

Examples
--------
>>> s = school_holiday_tank_month(days=3, faults=())
>>> bool(s.labels.any()), s.profile, s.limits["temp_c_high"]
(False, 'tropical', 32.0)
"""

from __future__ import annotations

import numpy as np

from benchmarks.keeper_heat import Array, leaves_range, lowpass, settled_after, water_temperature
from benchmarks.keeper_month import DAY_MIN, Scenario
from benchmarks.keeper_month_paludarium import _cloud
from benchmarks.keeper_month_strangers12_fry import fault_of
from benchmarks.keeper_month_strangers13_awc import back_within, departs
from benchmarks.keeper_month_strangers14_sump import draw_water, quiet_tank
from benchmarks.keeper_month_strangers15_pond import minute_grid
from benchmarks.keeper_month_strangers16_pond import pour
from benchmarks.keeper_month_strangers19_river import evaporated
from benchmarks.keeper_month_strangers20_garage import finish20

#: the tank's litres a cm, its mark, its rim; the hang-on-back filter, l/min; the caretaker's buckets, the
#: cleaners' hose, cm a minute; the depth the teacher siphons at her holiday visit
L_PER_CM, MARK_CM, RIM_CM, FILTER_LPM, BUCKET_CM, HOSE_CM, CHANGE_CM = 4.0, 32.0, 40.0, 10.0, 1.2, 1.5, 8.0
#: Perth's scheme water in January: salts, pH, °C
TAP_TDS, TAP_PH, TAP_C = 280.0, 7.9, 24.0
#: the days the caretaker comes (Mondays and Thursdays; not New Year's Day, Australia Day's Monday moved to the
#: Tuesday), the teacher's mid-holiday visit, the day the teachers are back
CARETAKER_DAYS, TEACHER_VISIT, TERM_DAY = (4, 7, 11, 14, 18, 21, 26), 13, 27


def classroom_air(i: np.ndarray, hour: Array, weather: np.random.Generator, days: int) -> Array:
    """A shut brick classroom in a Perth January: 26.5-28.5 °C, 2 °C of swing peaking at 16:00, a heatwave on
    days 18-20 (the room 29.5-30.5 °C)."""
    means = weather.uniform(26.5, 28.5, days + 1)
    if days > 21:
        means[18:21] = (29.5, 30.5, 30.0)
    daily = np.interp(i / DAY_MIN, np.arange(days + 1), means)
    return lowpass(daily + 2.0 * np.cos(2.0 * np.pi * (hour - 16.0) / 24.0), 90.0)


def school_holiday_tank_month(days: int = 30, seed: int = 2002, faults: tuple | None = None) -> Scenario:
    """Written round 20 blind, never tuned on: a primary school's 128 l tank of rainbowfish, white clouds and a
    bristlenose in a Perth classroom over the summer holidays, January, the air-conditioning off.

    100×40×40 cm, 4 l a cm, 32 cm of water to the mark (the rim at 40);
    a 10 l/min hang-on-back filter (the flow meter on its intake); a 150 W
    heater set to 25 °C (on at 24.8, off at 25.2: +1.0 °C/h, a 9 h time
    constant under an open top) that the summer room leaves idle; an
    automatic drum feeder at 8:00 and 16:00 on its own batteries; the lights
    on a timer 7:00-17:00; the monitor on the wall socket by the whiteboard.
    The shut classroom is 26.5-28.5 °C, 29.5-30.5 °C in a heatwave (days 18-20);
    0.9 cm a day evaporates.  Perth's water: TDS 280, pH 7.9, 24 °C; the fish
    add 5 ppm and 0.05 of acid a day.  Habits: the caretaker comes on Mondays
    and Thursdays at about 10:30 (not on New Year's Day; on the Tuesday after
    Australia Day) and tops up to the mark with buckets from the cleaners'
    sink; the teacher comes in on day 13 at 10:00, rinses the filter's sponge
    with the filter off for a quarter of an hour and changes a quarter; the
    teachers are back on day 27: she stops the feeder and feeds by hand at
    8:30 and 14:30.  Two glitches a day.  She set the tropical profile with
    22-32 °C (a summer classroom), pH 6.6-8.4, TDS up to 700, the water 20-38
    cm, flow 4 l/min and more.  Faults: the feeder's drum, caked by the
    humid room, drops its whole cake at once (a cloud, then a bacterial
    bloom, the pH down as it rots; labelled from 2 NTU over its twin, until
    the caretaker nets it out and changes half on his next visit), the
    holiday cleaners unplug the tank's power board for their floor polisher
    and leave it out (the filter and the lights off; no flow from the first
    minute, until the caretaker's next visit), the caretaker tops up with the
    cleaners' hose and is called away to a delivery (over the rim onto the
    floor; labelled from 0.5 cm over its twin, until he is back 48 minutes
    later), the heater's thermostat welds shut in the heatwave (labelled from
    0.3 °C over the range, until the caretaker's visit), the caretaker
    knocks the TDS probe out of its clip (it hangs in the air reading 0,
    until the teacher is back).
    """
    D = DAY_MIN
    n, i, hour, weather = minute_grid(days, seed)
    visit = {d: int(d * D + 10 * 60 + 30 + weather.integers(-30, 31)) for d in CARETAKER_DAYS if d < days}
    if faults is None:
        faults = ({"kind": "feeder_cake_dropped", "start": 5 * D + 16 * 60, "end": visit[7] + 20},
                  {"kind": "power_board_unplugged", "start": 8 * D + 13 * 60 + 20, "end": visit[11]},
                  {"kind": "hose_left_running", "start": visit[14], "end": visit[14] + 48},
                  {"kind": "heater_thermostat_welded", "start": 19 * D + 11 * 60, "end": visit[21]},
                  {"kind": "tds_probe_knocked_out", "start": visit[26] + 4, "end": TERM_DAY * D + 8 * 60 + 5})
    fault_list = sorted((dict(f) for f in faults), key=lambda f: f["start"])
    caked, unplugged = fault_of(fault_list, "feeder_cake_dropped"), fault_of(fault_list, "power_board_unplugged")
    hose, welded = fault_of(fault_list, "hose_left_running"), fault_of(fault_list, "heater_thermostat_welded")
    air = classroom_air(i, hour, weather, days)
    power = np.ones(n, dtype=bool)
    if unplugged:
        power[unplugged["start"]:unplugged["end"]] = False
    lit = (hour >= 7.0) & (hour < 17.0)
    change = TEACHER_VISIT * D + 10 * 60 if days > TEACHER_VISIT else -1
    hosed = {visit[14]} if 14 in visit else set()
    rescue = caked["end"] if caked else -1

    def loop(faulty: bool) -> tuple[Array, Array, Array, Array, Array, dict[int, tuple[float, float]]]:
        """The level, the salts, the acid, the rotting food's turbidity, the filter's flow and each minute's new
        water (fraction, °C)."""
        level, tds, acid, rot, flow = (np.empty(n) for _ in range(5))
        mixes: dict[int, tuple[float, float]] = {}
        lvl, c, h, cloud, bloom, food, pouring, siphon, running = MARK_CM, 300.0, 0.2, 0.0, 0.0, 0.0, None, 0.0, 0
        mains = power if faulty else np.ones(n, dtype=bool)
        for k in range(n):
            lvl, c, h = evaporated(lvl, c, h, 0.9, 5.0, 0.05)
            q = FILTER_LPM if mains[k] and not change <= k < change + 15 else 0.0
            if k == change + 2:
                siphon = CHANGE_CM
            if k in visit.values() and k not in hosed or k == change + 15:
                pouring = BUCKET_CM
            if k in hosed:  # the hose: left running while he is called away, or turned off at the mark
                running = hose["end"] - hose["start"] if faulty and hose and hose["start"] == k else -1
            if faulty and caked and k == caked["start"]:
                cloud, food = 3.0, 1.0  # a week's flake and pellets caked in the drum, all at once
            if food > 0.0:  # the bacteria on the rotting food: a bloom, their CO2 and the food's salts
                bloom += 0.012 * bloom * (1.0 - bloom / 9.0) + 0.002
                rate = min(food, 1.0 / 900.0)
                food -= rate
                c, h = c + 45.0 * rate, h + 0.5 * rate
            cloud *= np.exp(-1.0 / 60.0) if q > 0.0 else np.exp(-1.0 / 240.0)
            if faulty and k == rescue:  # netted out, half changed with buckets on the teacher's word
                f = 0.5
                c, h, bloom, cloud, food = c * (1 - f) + TAP_TDS * f, h * (1 - f), bloom * (1 - f), cloud * 0.5, 0.0
                mixes[k] = (f, TAP_C)
            if food <= 0.0 and bloom > 0.0 and k > rescue:
                bloom *= np.exp(-1.0 / 300.0)
            if siphon > 0.0:
                step = min(1.0, siphon)
                lvl, siphon = lvl - step, siphon - step
            elif running:
                add = HOSE_CM if running > 0 else min(HOSE_CM, MARK_CM - lvl)
                f = add / (lvl + add)
                c, h = c * (1 - f) + TAP_TDS * f, h * (1 - f)
                mixes[k] = (f, TAP_C)
                lvl = min(lvl + add, RIM_CM + 0.2)  # over the rim: onto the classroom floor
                running = running - 1 if running > 0 else (0 if lvl >= MARK_CM else -1)
                if running == 0 and lvl > MARK_CM:
                    pouring = -BUCKET_CM  # back from the delivery: the hose off, bailed down to the mark
            elif pouring is not None and pouring < 0:
                lvl = max(MARK_CM, lvl + pouring)
                pouring = None if lvl <= MARK_CM else pouring
            elif pouring is not None:
                lvl, c, h, f, full = pour(lvl, c, h, pouring, MARK_CM, TAP_TDS)
                if f > 0.0:
                    mixes[k] = (f, TAP_C)
                pouring = None if full else pouring
            level[k], tds[k], acid[k], rot[k], flow[k] = lvl, c, h, cloud + bloom, q
        return level, tds, acid, rot, flow, mixes

    level, tds, acid, rot, flow, mixes = loop(True)
    twin_level, _, twin_acid, twin_rot, twin_flow, twin_mixes = loop(False)
    on_at, off_at = np.full(n, 24.8), np.full(n, 25.2)
    if welded:
        on_at[welded["start"]:welded["end"]], off_at[welded["start"]:welded["end"]] = 99.0, 99.5
    lights = lit & power
    water = water_temperature(air, 9.0, 27.5, 1.0, on_at, off_at, powered=power,
                              extra_c_per_h=0.05 * lights + 0.03 * (flow > 0.0), mixes=mixes)
    healthy = water_temperature(air, 9.0, 27.5, 1.0, 24.8, 25.2, extra_c_per_h=0.05 * lit + 0.03 * (twin_flow > 0.0),
                                mixes=twin_mixes)
    ph = TAP_PH - 0.25 - acid + 0.05 * lowpass(lights.astype(float), 120.0)
    twin_ph = TAP_PH - 0.25 - twin_acid + 0.05 * lowpass(lit.astype(float), 120.0)
    read_tds = tds.copy()
    knocked = fault_of(fault_list, "tds_probe_knocked_out")
    if knocked:  # the cell in the air: a film of water drying off it, then nothing
        a, b = knocked["start"], knocked["end"]
        read_tds[a:b] = tds[a] * np.exp(-(i[a:b] - a) / 3.0)
    for f in fault_list:
        a, b = f["start"], f["end"]
        if f["kind"] == "heater_thermostat_welded":
            f["label_from"] = leaves_range(water, healthy, a, b)
            f["recovery"] = settled_after(water, healthy, b)
        elif f["kind"] == "feeder_cake_dropped":
            f["label_from"] = departs(rot, twin_rot, a, b, 2.0)
            f["recovery"] = max(back_within(rot, twin_rot, b, 2.0), back_within(ph, twin_ph, b, 0.3))
        elif f["kind"] == "hose_left_running":
            f["label_from"] = departs(level, twin_level, a, b, 0.5)
            f["recovery"] = max(back_within(level, twin_level, b, 0.5), settled_after(water, healthy, b))
        else:
            f["recovery"] = 30
    tank = quiet_tank(0.6, {"temp_c": 0.02, "ph": 0.01, "tds_ppm": 2.0, "turb_ntu": 0.05, "level_cm": 0.07,
                            "flow_lpm": 0.15})

    def habits(v: dict, rng: np.random.Generator) -> list[str]:
        draw_water(v, hour, water, level, read_tds, ph, flow)
        v["turb_ntu"] = v["turb_ntu"] + rot
        for d in range(days):
            times = (8.5, 14.5) if d >= TERM_DAY else (8.0, 16.0)  # her hand, or the drum's turn
            for h in times:
                _cloud(v, int(d * D + h * 60 + (rng.integers(-10, 11) if d >= TERM_DAY else 0)),
                       float(rng.uniform(0.5, 0.8) if d >= TERM_DAY else rng.uniform(0.25, 0.4)), 30.0)
        for at in visit.values():
            _cloud(v, at + 2, 0.4, 20.0)  # the buckets poured in
        if change > 0:
            _cloud(v, change + 2, 1.5, 40.0)
            _cloud(v, change + 15, 1.0, 30.0)  # the rinsed sponge's restart
        if unplugged:
            _cloud(v, unplugged["end"], 0.8, 30.0)
        return [f"the caretaker's top-up with buckets, day {d}" for d in visit] + [
            "the teacher's quarter change with the sponge rinsed, day 13", "a drum feeder at 8:00 and 16:00",
            "lights on a timer 7:00-17:00", "a heatwave days 18-20", "the teacher back and feeding by hand, day 27"]

    return finish20("Perth classroom's 128 l tank over the summer holidays (round 20, blind)", "tropical", tank, days,
                    fault_list, habits, seed, {"temp_c_low": 22.0, "temp_c_high": 32.0, "ph_low": 6.6,
                                               "ph_high": 8.4, "tds_ppm_high": 700.0, "level_cm_low": 20.0,
                                               "level_cm_high": 38.0, "flow_lpm_low": 4.0})
