"""Round 12: three keepers' months written blind -- from neither the engine's code, its thresholds nor its
outputs -- and never tuned on (issue 16's strangers, a fifth time).

Round 11's strangers (:mod:`benchmarks.keeper_month_strangers11`) have been measured and may be read while
fixing, so these three were written as their keepers would live them, from the physics of a tank and real
keeping habits, measured once through ``evaluate`` (as :func:`benchmarks.bench_detection.keeper_months` does)
and are not changed after that measurement.  They reuse the probes, noise, glitches and labelling of
:mod:`benchmarks.keeper_month`, the heat balance of :mod:`benchmarks.keeper_heat` and the small helpers of the
earlier blind months, and add what no earlier month has:

- tanks: issue 16's 60×40 cm turtle tank on its equal-path bottom filter a third time, in a southern summer
  (a flat without air conditioning, a heatwave and a cool change) with a clip-on cooling fan on its own
  thermostat and an inline UV lamp; a 120 l tank in a primary-school classroom whose heating is set back at
  night, at weekends and in the holidays; a breeder's 54 l fry tank in a garage fish room, half its water
  changed every evening from a heated barrel (:mod:`benchmarks.keeper_month_strangers12_fry`);
- habits: a fan that cools by evaporation (the sump falls faster on hot afternoons), tap water cooler than the
  tank in summer, a holiday sitter who feeds with a heavy hand and tops up at her own hour (and skips a day),
  a friend called in for a change; a fish monitor of the week feeding at 9:10 (a second child at lunch now and
  then), Friday afternoon changes by the teacher, Monday top-ups, a science lesson's water test; five feedings
  of brine shrimp a day, a nightly drain to half and refill to a float switch, a sponge squeezed on Sundays;
- faults: the fan's motor seizing in a heatwave, the UV's union splitting (a fast leak), the sitter tipping the
  food tub into the pebble bed (a pH crash), the pump airlocked after the bed's rinse, a turtle biting through
  the thermometer's cable, a failing UV ballast putting stray voltage on the pH probe; a heater dying on a
  Friday night before a cold weekend, the filter unplugged by the cleaner for her vacuum, a seam weeping over a
  weekend, a pH-up overdose after a science lesson's expired test kit, the thermometer lifted onto the hood by
  a child, the canister clogging over a week; the barrel's heater dead in a cold snap (a cold change), the
  refill's float switch stuck (the barrel pours over the rim onto the floor), the powerhead left off after a
  change, the heater stuck on, the barrel filled with RO water and not remineralised, the pH probe's cable
  pulled out of its BNC (a flat 6.98).

A fault is labelled from the minute its keeper would want to hear of it: a heater, a leak, a stopped pump, a
dose from its first minute; a slow fault (``label_from``) when it has gone a stated, relevant way (a
temperature fault of a cooling device or in a cold room: when the water is 0.3 °C outside the range the same
tank without the fault took over the day before and meanwhile, the heat balance run twice); and until it is
fixed, plus the water's recovery.  Measured once, through the engine of d58b4aa (``/work/diag/diag_month.py``,
output in /work/diag/blind12_measure.txt), not changed after: the turtle tank 6 of 6 told, 1.54 false alerts a day,
median told delay 41.5 min; the classroom 6 of 6, 0.25, 12 min; the fry tank 5 of 6, 0.00, 31 min (each month's
docstring says what was missed, late and false).

Examples
--------
>>> s = classroom_month(days=3, faults=())
>>> bool(s.labels.any()), s.profile, len(s.t_ms) // DAY_MIN
(False, 'tropical', 3)
"""

from __future__ import annotations

import numpy as np

from benchmarks.keeper_heat import Array, leaves_range, lowpass, room_air, settled_after, water_temperature
from benchmarks.keeper_month import DAY_MIN, Scenario, Tank, build
from benchmarks.keeper_month_blind import _decay, _spans
from benchmarks.keeper_month_paludarium import _as_probes_read, _cloud, weekday
from benchmarks.keeper_month_strangers12_fry import apply_stranger12_fault, fault_of, fry_tank_month


def fan_and_heater(room: Array, tau_h: float, start_c: float, heat_c_per_h: float, heat_band: tuple[float, float],
                   fan_c_per_h: float, fan_band: tuple[float, float], extra_c_per_h: Array,
                   heater_ok: np.ndarray, fan_ok: np.ndarray, mixes: dict[int, tuple[float, float]]
                   ) -> tuple[Array, np.ndarray]:
    """The water minute by minute with a heater (on below ``heat_band[0]``, off above ``heat_band[1]``) and a
    cooling fan (on above ``fan_band[0]``, off below ``fan_band[1]``), each on its own thermostat; returns the
    water and whether the fan ran (it cools by evaporation: the sump falls faster)."""
    n = len(room)
    out, fan_ran = np.empty(n), np.zeros(n, dtype=bool)
    air, extra, hok, fok = room.tolist(), extra_c_per_h.tolist(), heater_ok.tolist(), fan_ok.tolist()
    k_room, t, heat, fan = 1.0 / (tau_h * 60.0), start_c, False, False
    for j in range(n):
        if j in mixes:
            f, c = mixes[j]
            t = t * (1.0 - f) + f * c
        heat = t < heat_band[0] or (heat and t < heat_band[1])
        fan = t > fan_band[0] or (fan and t > fan_band[1])
        t += (air[j] - t) * k_room + (heat_c_per_h * (heat and hok[j]) - fan_c_per_h * (fan and fok[j]) +
                                      extra[j]) / 60.0
        out[j], fan_ran[j] = t, fan and fok[j]
    return out, fan_ran


# --------------------------------------------------------------------------- issue 16's turtle tank, in summer

def turtle_summer_month(days: int = 30, seed: int = 1216, faults: tuple | None = None) -> Scenario:
    """Written round 12 blind, never tuned on: issue 16's first kind of tank a third time, a southern summer.

    A 60×40 cm tank of two Reeves' turtles, 25 cm of water; an equal-path
    bottom filter pulls the water down through ceramic pebbles into a 30×20
    cm sump (0.6 l a cm, its mark at 18 cm, the level probe there, the
    pump's intake at 6), a 6 l/min sump pump on the controller's relay
    returns it through a 9 W UV lamp (70 l in all); a 150 W heater in the
    sump at 25 °C (on at 24.7, off at 25.3: +1.85 °C/h, idle most of the
    summer), and a clip-on fan blowing across the water on a thermostat plug
    (on above 27.2, off below 26.8: -1.3 °C/h by evaporation, 2 l a day
    more from the sump while it runs); a basking lamp 8:00-20:00 (+0.15
    °C/h); a flat in January in Melbourne without air conditioning (26 °C
    ± 3.5, warmest at 16:00), a three-day heatwave (+6 °C on day 6) and a
    cool change on day 23 (-5 °C); a 7 h time constant.  Hard tap water
    (TDS 220, pH 7.9, 21-22 °C in summer), the tank at pH 7.6.  The keeper
    set the turtle profile with 22-30 °C, pH 6.8-8.4, TDS up to 600, the
    sump 9-24 cm, flow 3 l/min and more.  Habits: feedings 7:30 and 18:15
    on weekdays, 9:00 and 17:30 at weekends (a cloud, a little TDS); the
    sump topped up to its mark every evening around 21:00; a 30 % change
    each Sunday at 10:30 (the pump off at the controller 20 minutes, the
    display drains 1.5 l back into the sump, cool tap water in); a holiday
    from day 12 to the morning of day 20, a sitter feeding once between
    17:00 and 19:00 with a heavy hand and topping up at 18:00 ± 1 h (she
    skips day 18), no change that Sunday; the pebble bed rinsed on day 24
    (the pump off 45 minutes, the heater unplugged, a 40 % change, a brown
    cloud); three glitches a day.  Faults: the fan's motor seizing in the
    heatwave while the keeper is at work (the water toward the room's 33
    °C; labelled from when it is 0.3 °C above the range with a working fan,
    until the keeper's spare fan at 18:50), the UV's union splitting on a
    Saturday morning (4 l/h from the sump onto the floor, 75 minutes, until
    the keeper is back from the market), the sitter tipping the food tub
    into the tank (a cloud, the pellets rotting in the bed: pH -0.7 and TDS
    +40 over the night, until a friend's 50 % change the next evening), the
    pump airlocked after the bed's rinse (the relay on, no flow, the display
    drained back into the sump, until the keeper is back from lunch), a
    turtle biting through the thermometer's cable (readings drop out, then
    none, until the keeper, home, replaces it), the UV's ballast failing
    onto the water (stray voltage on the pH probe: +0.3 and noisy, until
    the keeper unplugs the UV in the evening).  Measured once (the engine
    of d58b4aa, /work/diag/blind12_measure.txt): 6 of 6 told, 1.54 false
    alerts a day, median told delay 41.5 min.  Late: the dead fan, told
    after 73 min as "heater stuck on" (52 min after its label point); the
    food tub, whose first alert in its label was a "heater may have failed"
    of the fan's cycle at +51 min (whether the pH crash itself was told the
    measurement does not show); the bitten cable after 50 min ("probe
    silent"), the stray voltage after 35 ("probe noisy").  Told at once: the
    split union (10 min, "level falling"), the airlock (6 min, "pump
    stopped").  False (46 onsets): 37 "heater may have failed, temperature
    falling -0.3 to -0.5 °C/h" at 25-27 °C -- the fan's thermostat cooling
    the water on warm afternoons and evenings, and hot nights falling; 5
    "water drifting" on turbidity after feedings (the sitter's heavy hand,
    weekend mornings); 4 "water drifting" on a temperature of 26-27 °C on
    days 25-26 against a "usual" of 24 °C learned over the cool change.
    """
    D = DAY_MIN
    n = days * D
    i = np.arange(n)
    hour = (i / 60.0) % 24.0
    weather = np.random.default_rng(seed + 1)
    room = room_air(days, weather, 26.0, 3.5, 16.0, 1.2) + 6.0 * np.exp(-((i / D - 6.6) / 1.0) ** 2) - \
        5.0 * np.exp(-((i / D - 23.3) / 0.8) ** 2)
    lamp = (hour >= 8.0) & (hour < 20.0)
    if faults is None:
        faults = ({"kind": "fan_dead", "start": 6 * D + 10 * 60 + 40, "end": 6 * D + 18 * 60 + 50},
                  {"kind": "uv_union_split", "start": 9 * D + 10 * 60 + 50, "end": 9 * D + 12 * 60 + 5,
                   "l_per_h": 4.0},
                  {"kind": "sitter_overfed", "start": 15 * D + 18 * 60 + 10, "end": 16 * D + 17 * 60 + 50},
                  {"kind": "pump_airlocked", "start": 24 * D + 11 * 60 + 15, "end": 24 * D + 14 * 60 + 40},
                  {"kind": "thermometer_bitten", "start": 19 * D + 14 * 60 + 30, "end": 20 * D + 11 * 60},
                  {"kind": "uv_stray_voltage", "start": 27 * D + 9 * 60 + 20, "end": 27 * D + 20 * 60 + 40})
    fault_list = [dict(f) for f in faults]
    # the keeper's changes: (minute, fraction of the system, minutes the pump is off); the friend's 50 % change
    changes = [(d * D + 10 * 60 + 30, 0.25, 20) for d in range(3, days, 7) if d not in (17, 24)]
    if 24 < days:
        changes.append((24 * D + 10 * 60 + 30, 0.35, 45))  # the bed's rinse
    fed = fault_of(fault_list, "sitter_overfed")
    if fed:
        changes.append((fed["end"] - 20, 0.45, 20))
    pump_off = np.zeros(n, dtype=bool)
    for at, _, off in changes:
        pump_off[at:at + off] = True
    locked = _spans(fault_list, "pump_airlocked", n)
    still = pump_off | locked
    unplugged = np.zeros(n, dtype=bool)
    unplugged[24 * D + 10 * 60 + 30:24 * D + 11 * 60 + 15] = True
    fan_ok = ~_spans(fault_list, "fan_dead", n)
    split = _spans(fault_list, "uv_union_split", n) & ~still
    mixes = {at + 12: (frac, float(weather.uniform(21.0, 22.0))) for at, frac, _ in changes}
    basking = np.where(lamp, 0.15, 0.0)
    heat = (room, 7.0, 26.0, 1.85, (24.7, 25.3), 1.3, (27.2, 26.8), basking, ~unplugged & ~locked)
    water, fan_ran = fan_and_heater(*heat, fan_ok, mixes)
    feeds: list[tuple[int, float]] = []
    sitter_days = range(12, min(20, days))
    for d in range(days):
        if d in sitter_days:
            feeds.append((int(d * D + weather.uniform(17.0, 19.0) * 60), 2.5))
            continue
        spans = ((7.3, 7.7), (17.9, 18.6)) if weekday(d) < 5 else ((8.5, 9.5), (17.0, 18.0))
        feeds += [(int(d * D + weather.uniform(*s) * 60), 1.0) for s in spans if not (d == 20 and s[0] < 9)]
    checks = {int(d * D + weather.uniform(20.5, 21.5) * 60) for d in range(days) if d not in sitter_days}
    checks |= {int(d * D + weather.uniform(17.0, 19.0) * 60) for d in sitter_days if d != 18}
    mark, l_per_cm, system_l = 18.0, 0.6, 70.0
    evaporated = (1.0 + 0.5 * lamp + 2.0 * fan_ran) / D
    leak = np.where(split, fault_of(fault_list, "uv_union_split")["l_per_h"] / 60.0 if split.any() else 0.0, 0.0)
    refill_at = {f["end"] for f in fault_list if f["kind"] == "uv_union_split"}
    refill_at |= {at + 20 for at, _, _ in changes}
    level, tds = np.empty(n), np.empty(n)
    vol, back, c = 0.0, 0.0, 380.0
    for k in range(n):
        step = float(np.clip((1.5 if still[k] else 0.0) - back, -0.5, 0.5))  # the display drains back
        back += step
        vol += step - evaporated[k] - leak[k]
        c = c * system_l / (system_l - evaporated[k]) + 3.0 / D
        if (k in checks or k in refill_at) and vol < -0.3:
            if -vol > 2.0:
                mixes[k] = (-vol / system_l, 22.0)
            c, vol = (c * system_l - 220.0 * vol) / (system_l - vol), 0.0
        level[k], tds[k] = mark + vol / l_per_cm, c
    for at, frac, _ in changes:
        tds[at + 12:] -= frac * (tds[at + 12] - 220.0)
    water, fan_ran = fan_and_heater(*heat, fan_ok, mixes)
    healthy, _ = fan_and_heater(*heat, np.ones(n, dtype=bool), mixes)
    for f in fault_list:
        if f["kind"] == "fan_dead":
            f["label_from"] = leaves_range(water, healthy, f["start"], f["end"])
            f["recovery"] = settled_after(water, healthy, f["end"])
    rot = np.zeros(n)
    if fed:  # the pellets swell, break up and rot in the pebble bed; the friend's change takes half, and scoops
        a, fix = fed["start"], fed["end"] - 20
        k = np.maximum(i - a, 0)
        rot = np.where(i >= a, 1.0 - np.exp(-k / 600.0), 0.0)
        rot = np.where(i >= fix, 0.5 * rot[fix] * np.exp(-np.maximum(i - fix, 0) / 240.0), rot)
        fed["recovery"] = int(np.flatnonzero(0.7 * rot[fed["end"]:] < 0.1)[0]) + 30
    co2 = np.zeros(n)
    x, lk = 0.0, locked.tolist()
    for k in range(n):  # a still display: the turtles' CO2 builds; the falling water strips it again
        x += (0.12 - x) / 120.0 if lk[k] else -x / 20.0
        co2[k] = x
    tank = Tank(temp=0.0, temp_swing=0.0, ph=7.6, ph_swing=0.03, tds=0.0, tds_per_day=0.0, turb=1.2,
                feed_turb=0.0, level=0.0, evap_cm_per_day=0.0, flow=6.0,
                noise={"temp_c": 0.03, "ph": 0.01, "tds_ppm": 2.0, "turb_ntu": 0.08, "level_cm": 0.08,
                       "flow_lpm": 0.12})

    def habits(v: dict, rng: np.random.Generator) -> list[str]:
        v["temp_c"] = v["temp_c"] + water
        v["level_cm"] = v["level_cm"] + level
        v["tds_ppm"] = v["tds_ppm"] + tds + 40.0 * rot
        v["ph"] += -0.7 * rot - co2
        v["turb_ntu"] += 3.0 * rot
        for t, hand in feeds:
            _cloud(v, t, float(rng.uniform(0.6, 1.0)) * hand, 45.0)
            v["tds_ppm"][t:] += 0.6 * hand
        for at, frac, off in changes:
            v["ph"] += _decay(n, at + 12, 0.3 * frac, 360.0)  # the tap water's carbonate
            _cloud(v, at + off, 3.0 if off > 20 else 0.6, 60.0 if off > 20 else 25.0)
        v["flow_lpm"][still] = 0.0
        v["pump"][pump_off] = 0.0
        for f in fault_list:
            a, b = f["start"], f["end"]
            if f["kind"] == "pump_airlocked":  # a few rattling minutes, then the impeller spins in air
                v["flow_lpm"][a:a + 4] = rng.uniform(0.3, 1.0, 4)
            elif f["kind"] == "uv_stray_voltage":  # the ballast's leak current through the water to the probe
                k = np.arange(b - a)
                v["ph"][a:b] += 0.3 * (1.0 - np.exp(-k / 30.0)) + rng.normal(scale=0.12, size=b - a) * \
                    np.minimum(1.0, k / 20.0)
        return [f"change day {at // D} ({frac:.0%})" for at, frac, _ in changes] + [
            "fan on a thermostat plug", "basking lamp 8:00-20:00", "sump topped up most evenings",
            "holiday days 12-20: a sitter"]

    s = build("60×40 turtle tank, fan and UV, summer (round 12, blind)", "turtle", tank,
              days, fault_list, habits, 3.0, seed, apply=apply_stranger12_fault)
    f = fault_of(fault_list, "thermometer_bitten")
    if f:  # the cable's copper through a turtle's beak: readings drop out, then none
        a, b = f["start"], f["end"]
        k = np.arange(b - a)
        drops = np.random.default_rng(seed + 2).random(b - a) < np.where(k < 3, 0.0, np.where(k < 40, 0.35, 1.0))
        s.values["temp_c"][a:b][drops] = np.nan
    s.limits = {"temp_c_low": 22.0, "temp_c_high": 30.0, "ph_low": 6.8, "ph_high": 8.4, "tds_ppm_high": 600.0,
                "level_cm_low": 9.0, "level_cm_high": 24.0, "flow_lpm_low": 3.0}
    return _as_probes_read(s)

# --------------------------------------------------------------------------- a primary school's classroom tank

def school_room(days: int, rng: np.random.Generator) -> Array:
    """A classroom's air: 21 °C while school is in (7:00-16:30, Monday to Friday from Monday 5 January), 16 °C
    on school nights, 13 °C at weekends and in the Christmas holidays (frost protection), the air following with
    an hour and a half's lag, its mean wandering day to day."""
    i = np.arange(days * DAY_MIN)
    hour = (i / 60.0) % 24.0
    school = np.array([d >= 4 and weekday(d) < 5 for d in range(days)]).repeat(DAY_MIN)
    target = np.where(school, np.where((hour >= 7.0) & (hour < 16.5), 21.0, 16.0), 13.0)
    return lowpass(target, 90.0) + room_air(days, rng, 0.0, 0.0, 0.0, 0.7)


def classroom_month(days: int = 30, seed: int = 1220, faults: tuple | None = None) -> Scenario:
    """Written round 12 blind, never tuned on: a 120 l community tank in a primary school's classroom, January.

    80×35×45 cm, 40 cm of water (2.8 l a cm, the level probe in the tank,
    no sump), a glass lid and a light hood on a timer 8:30-15:30 every day
    (+0.1 °C/h); a canister filter of 12 l/min on the controller's relay;
    a 200 W heater on its own thermostat (on at 24.8, off at 25.2: +1.43
    °C/h, a 12 h time constant); platies, corydoras and a bristlenose.
    The school's heating (:func:`school_room`) holds 21 °C in school hours,
    16 °C on school nights and 13 °C at weekends and in the holidays (days
    0-3); hard tap water (TDS 320, pH 7.5), the tank at pH 7.3.  The
    teacher set the tropical profile with 22-28 °C, pH 6.6-8.0, TDS up to
    500, the water 30-42 cm (a change takes it to 32), flow 5 l/min and
    more.  Habits: the fish monitor of the week feeds at 9:10 on school
    days, and on about a third of them a second child at lunch (a bigger
    pinch); nothing at weekends; a science lesson's water sample on
    Wednesdays at 14:00 (a hand in the tank, a little cloud); each Friday at
    15:45 the teacher switches the canister off at the controller (25
    minutes), siphons 8 cm (20 %) with a gravel cleaner and refills with
    three buckets of tap water brought to about 23 °C with the kettle; the
    level topped up to its mark on Monday mornings at 8:15; two glitches a
    day.  Faults: the heater's element failing on a Friday evening before a
    cold weekend (the water toward 13 °C; labelled from when it is 0.3 °C
    below the range of the day before and meanwhile, until the caretaker's
    Saturday round puts in the spare at 10:40), the cleaner unplugging the
    canister to plug in her vacuum and forgetting it (the relay on, no
    flow, the still water's CO2, until the teacher is in at 8:10), a seam
    weeping after the old bench flexed in Friday's change (0.12 cm/h, 21 l
    on the floor by Monday 8:05), a science lesson's expired test kit read
    pH 6.8 and the teacher dosed four times the pH-up (sodium carbonate:
    pH +1.0, TDS +50 in fifteen minutes, until her 30 % change at lunch;
    the Friday change takes more), a child lifting the thermometer onto the
    hood (wet, it first reads cool, then the hood's air: near the water by
    day, the room's 16 °C by night, until the teacher sees it at 8:40),
    the canister clogging over a week of no cleaning (flow to a quarter;
    labelled from 40 % lost until its Friday clean).  Measured once (the
    engine of d58b4aa, /work/diag/blind12_measure.txt): 6 of 6 told, 0.25
    false alerts a day, median told delay 12 min.  Late: the weeping seam,
    told after 28.6 h as "top-off behind" (the level 3.4 cm down on Saturday
    night), the clogging canister, told as "flow low" 30.7 h after its label
    point (40 % lost).  Told quickly: the dead heater (40 min after it died,
    2 after its label point), the unplugged canister (2 min), the pH-up
    (15 min, "pH out of range"), the thermometer on the hood (11 min).
    False (7 onsets): 5 "water drifting" on turbidity after a feeding
    (Mondays' first feedings after the weekend, the second child's lunch
    pinch); "water drifting" on temperature 24.53 °C at 19:00 on day 8, 30
    minutes after the heater died and 8 before its label point; "filter
    flow reduced 30 %" on day 26 at 21:58, before the clog's label point.
    """
    D = DAY_MIN
    n = days * D
    i = np.arange(n)
    hour = (i / 60.0) % 24.0
    weather = np.random.default_rng(seed + 1)
    room = school_room(days, weather)
    lights = (hour >= 8.5) & (hour < 15.5)
    school = np.array([d >= 4 and weekday(d) < 5 for d in range(days)])
    if faults is None:
        faults = ({"kind": "heater_dead", "start": 8 * D + 18 * 60 + 30, "end": 9 * D + 10 * 60 + 40},
                  {"kind": "filter_unplugged", "start": 14 * D + 17 * 60 + 40, "end": 15 * D + 8 * 60 + 10},
                  {"kind": "seam_weeping", "start": 15 * D + 16 * 60 + 50, "end": 18 * D + 8 * 60 + 5,
                   "cm_per_h": 0.12},
                  {"kind": "ph_up_overdose", "start": 22 * D + 9 * 60 + 30, "end": 22 * D + 13 * 60 + 5,
                   "ph": 1.0, "ppm": 50.0},
                  {"kind": "thermometer_on_hood", "start": 25 * D + 11 * 60 + 20, "end": 26 * D + 8 * 60 + 40},
                  {"kind": "canister_clogging", "start": 23 * D, "end": 29 * D + 15 * 60 + 45, "to": 0.25})
    fault_list = [dict(f) for f in faults]
    # the changes: (minute, fraction, minutes the canister is off); Fridays, and the overdose's lunch change
    changes = [(d * D + 15 * 60 + 45, 0.2, 25) for d in range(days) if school[d] and weekday(d) == 4]
    dose = fault_of(fault_list, "ph_up_overdose")
    if dose:
        changes.append((dose["end"] - 15, 0.3, 15))
    off = np.zeros(n, dtype=bool)
    for at, _, mins in changes:
        off[at:at + mins] = True
    mixes = {at + 16: (frac, float(weather.uniform(22.0, 24.0))) for at, frac, _ in changes}
    dead = _spans(fault_list, "heater_dead", n)
    glow = np.where(lights, 0.1, 0.0)
    water = water_temperature(room, 12.0, 25.0, 1.43, 24.8, 25.2, capacity=np.where(dead, 0.0, 1.0),
                              extra_c_per_h=glow, mixes=mixes)
    healthy = water_temperature(room, 12.0, 25.0, 1.43, 24.8, 25.2, extra_c_per_h=glow, mixes=mixes)
    mark, tap = 40.0, 320.0
    weeping = np.zeros(n)
    f = fault_of(fault_list, "seam_weeping")
    if f:
        weeping[f["start"]:f["end"]] = f["cm_per_h"] / 60.0
    topped = {d * D + 8 * 60 + 15 for d in range(days) if school[d] and weekday(d) == 0}
    drains = {at + k: frac * mark / 10.0 for at, frac, _ in changes for k in range(10)}
    buckets = {at + k: j for at, _, _ in changes for j, k in enumerate((14, 18, 22))}
    level, tds = np.empty(n), np.empty(n)
    lvl, c, low = mark, 340.0, mark
    for k in range(n):
        evap = 0.25 / D
        lvl -= evap + weeping[k] + drains.get(k, 0.0)
        c = c * (lvl + evap) / lvl + 4.0 / D
        if k in drains:
            low = lvl
        if k in buckets or k in topped:
            add = (mark - low) / 3.0 if k in buckets else max(mark - lvl, 0.0)
            c, lvl = (c * lvl + tap * add) / (lvl + add), lvl + add
        level[k], tds[k] = lvl, c
    for f in fault_list:
        if f["kind"] == "heater_dead":
            f["label_from"] = leaves_range(water, healthy, f["start"], f["end"])
            f["recovery"] = settled_after(water, healthy, f["end"])
        elif f["kind"] == "canister_clogging":  # 1 - (1 - to) frac^1.5 = 0.6
            f["label_from"] = f["start"] + int((0.4 / (1.0 - f["to"])) ** (1.0 / 1.5) * (f["end"] - f["start"]))
    excess, salts = np.zeros(n), np.zeros(n)
    if dose:  # mixed in fifteen minutes; the fish's and the filter's CO2 take it back slowly, the changes by part
        cut = {at + 16: 1.0 - frac for at, frac, _ in changes}
        e, s_ = 0.0, 0.0
        for k in range(dose["start"], n):
            if k < dose["start"] + 15:
                e, s_ = e + dose["ph"] / 15.0, s_ + dose["ppm"] / 15.0
            e *= cut.get(k, 1.0) * np.exp(-1.0 / 480.0)
            s_ *= cut.get(k, 1.0)
            excess[k], salts[k] = e, s_
        dose["recovery"] = int(np.flatnonzero(excess[dose["end"]:] < 0.1)[0]) + 30
    unplugged = _spans(fault_list, "filter_unplugged", n)
    co2 = np.zeros(n)
    x, up = 0.0, unplugged.tolist()
    for k in range(n):  # a still tank: the fish's CO2 builds; the canister's outflow strips it again
        x += (0.15 - x) / 150.0 if up[k] else -x / 25.0
        co2[k] = x
    tank = Tank(temp=0.0, temp_swing=0.0, ph=7.3, ph_swing=0.02, tds=0.0, tds_per_day=0.0, turb=0.8,
                feed_turb=0.0, level=0.0, evap_cm_per_day=0.0, flow=12.0,
                noise={"temp_c": 0.02, "ph": 0.01, "tds_ppm": 2.0, "turb_ntu": 0.05, "level_cm": 0.08,
                       "flow_lpm": 0.2})

    def habits(v: dict, rng: np.random.Generator) -> list[str]:
        v["temp_c"] = v["temp_c"] + water
        v["level_cm"] = v["level_cm"] + level
        v["tds_ppm"] = v["tds_ppm"] + tds + salts
        v["ph"] += 0.05 * lowpass(lights.astype(float), 120.0) + excess - co2
        v["turb_ntu"] += 0.4 * np.clip(co2 / 0.15, 0.0, 1.0)
        for d in np.flatnonzero(school):
            at = int(d * D + 9 * 60 + 10 + rng.integers(-10, 11))
            _cloud(v, at, float(rng.uniform(0.4, 0.6)), 40.0)
            v["tds_ppm"][at:] += 0.4
            if rng.random() < 0.33:
                at = int(d * D + rng.uniform(12.5, 13.5) * 60)
                _cloud(v, at, float(rng.uniform(0.7, 1.0)), 40.0)
                v["tds_ppm"][at:] += 0.7
            if weekday(int(d)) == 2:
                _cloud(v, int(d * D + 14 * 60), 0.4, 15.0)
        for at, frac, mins in changes:
            v["ph"] += _decay(n, at + 16, 0.2 * frac, 360.0)  # the tap water's carbonate
            _cloud(v, at + mins, 1.2, 40.0)  # the gravel cleaner's mulm
        v["flow_lpm"][off | unplugged] = 0.0
        v["pump"][off] = 0.0
        for f in fault_list:
            a, b = f["start"], f["end"]
            if f["kind"] == "canister_clogging":
                frac = np.clip((i - a) / (b - a), 0.0, 1.0)
                v["flow_lpm"] *= np.where((i >= a) & (i < b), 1.0 - (1.0 - f["to"]) * frac ** 1.5, 1.0)
            elif f["kind"] == "thermometer_on_hood":  # wet: first the wet bulb's cool, then the hood's air
                hood = room + 3.0 * lowpass(lights.astype(float), 30.0)
                k = np.maximum(i - a, 0)
                read = lowpass(np.where((i >= a) & (i < b), hood - 4.0 * np.exp(-k / 12.0), water), 6.0)
                v["temp_c"][a:b + 10] = read[a:b + 10]
        return [f"change day {at // D} ({frac:.0%})" for at, frac, _ in sorted(changes)] + [
            "fish monitor feeds 9:10 on school days", "science lesson Wednesdays", "top-ups Monday 8:15",
            "heating set back at night, weekends, holidays"]

    s = build("classroom's 120 l community tank (round 12, blind)", "tropical", tank, days, fault_list, habits,
              2.0, seed, apply=apply_stranger12_fault)
    s.limits = {"temp_c_low": 22.0, "temp_c_high": 28.0, "ph_low": 6.6, "ph_high": 8.0, "tds_ppm_high": 500.0,
                "level_cm_low": 30.0, "level_cm_high": 42.0, "flow_lpm_low": 5.0}
    return _as_probes_read(s)


#: the round-12 months written blind, in the bench's order
STRANGERS12 = (turtle_summer_month, classroom_month, fry_tank_month)
