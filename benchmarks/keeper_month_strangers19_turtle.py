"""Round 19's third stranger, a teenager's 45 l tub of hatchling musk turtles in a Toronto bedroom, with a basking
lamp and a UVB tube on a timer plug and a small canister (written blind, never tuned on;
:mod:`benchmarks.keeper_month_strangers19` lists the round's months in
:data:`~benchmarks.keeper_month_strangers19.STRANGERS19`).

Examples
--------
>>> s = hatchling_tub_month(days=3, faults=())
>>> bool(s.labels.any()), s.profile, s.limits["level_cm_low"]
(False, 'turtle', 7.0)
"""

from __future__ import annotations

import numpy as np

from benchmarks.keeper_heat import Array, leaves_range, lowpass, settled_after, water_temperature
from benchmarks.keeper_month import DAY_MIN, Scenario
from benchmarks.keeper_month_paludarium import _cloud, timer_room, weekday
from benchmarks.keeper_month_strangers12_fry import fault_of
from benchmarks.keeper_month_strangers13_awc import back_within, departs
from benchmarks.keeper_month_strangers14_sump import draw_water, quiet_tank
from benchmarks.keeper_month_strangers15_pond import minute_grid
from benchmarks.keeper_month_strangers16_pond import pour
from benchmarks.keeper_month_strangers19_river import evaporated, finish19

#: the tub's litres a cm, its mark, its rim; the canister's intake strainer; the canister, l/min
L_PER_CM, MARK_CM, RIM_CM, INTAKE_CM, CANISTER_LPM = 2.1, 15.0, 30.0, 5.0, 10.0
#: the siphon's and the buckets' cm a minute, the depth she siphons at a change; the weeping disconnect, l/min
SIPHON_CM, BUCKET_CM, CHANGE_CM, WEEP_LPM = 0.8, 1.0, 6.8, 0.15
#: Toronto's tap water (Lake Ontario): salts, pH; the salt her dad stirs in (two tablespoons in 31 l), ppm
TAP_TDS, TAP_PH, SALT_PPM = 190.0, 7.9, 1150.0


def hatchling_tub_month(days: int = 30, seed: int = 1903, faults: tuple | None = None) -> Scenario:
    """Written round 19 blind, never tuned on: three hatchling common musk turtles in a 45 l storage tub in a
    fifteen-year-old's bedroom in Toronto, January.

    60×35 cm, 2.1 l a cm, 15 cm of water to the mark (31 l; the sides 30
    cm, a cork dock at one end); a 600 l/h canister on the floor (10 l/min,
    its intake strainer 5 cm up, the flow meter on its return, a
    quick-disconnect on each hose); a 75 W heater in a guard (on at 26.8,
    off at 27.2 °C: +2.1 °C/h, a 4 h time constant for a shallow open tub);
    a 75 W basking lamp and a UVB tube on a mechanical timer plug 8:00-20:00
    (+0.6 °C/h on the water, 0.7 cm a day evaporating); the ultrasonic level
    sensor on a bracket 35 cm above the bottom.  The house's thermostat holds
    21 °C from 6:30 to 22:30 and sets back to 17.5 overnight.  Toronto's tap
    water: TDS 190, pH 7.9; the turtles add 12 ppm and 0.1 of acid a day.
    Habits: fed pellets at 7:15 before school and 16:45 after it (9:30 and
    17:00 at weekends, bloodworms on Saturdays), the turtles digging in the
    sand; 45 % changed on Wednesdays at 16:30 and Saturdays at 11:00 with the
    canister off (siphoned to the bathtub, buckets matched by hand to 26 ± 1.5
    °C), the canister's sponges rinsed on Saturdays; a jug to the mark each
    evening at 20:30 from the tap (20 °C).  Two glitches a day.  She set the
    turtle profile with 23-30 °C, pH 6.8-8.5, TDS up to 700, the water 7-25
    cm, flow 4 l/min and more.  Faults: the heater's thermostat sticks on
    after she leaves for school on a Friday (the water toward 32 °C under
    the lamp; labelled from 0.3 °C over the range, until she is home at
    16:20 and unplugs it), a turtle climbs the intake and pulls it up off its
    sucker, the strainer out of the water (the canister runs dry; no flow
    from the first minute, until she is home at 16:15), the quick-disconnect's
    O-ring seated crooked after Saturday's rinse (0.15 l/min onto the floor
    until the water is at the intake and the canister sucks air; labelled
    from 0.5 cm under its twin, until she finds the puddle at 8:40 and
    refills), a turtle drags the pH probe by its cable onto the dock (the
    probe in the air under the lamp, its film of water drying: its reading
    wanders up; labelled from its first minute, until the morning feed),
    her dad treats a shell spot with two tablespoons of aquarium salt on a
    Sunday morning (TDS +1150; labelled from 100 ppm over its twin, her pen's
    resolution, until she empties and refills the tub at 17:30).
    """
    D = DAY_MIN
    n, i, hour, weather = minute_grid(days, seed)
    if faults is None:
        faults = ({"kind": "heater_thermostat_stuck_on", "start": 8 * D + 8 * 60 + 10, "end": 8 * D + 16 * 60 + 20},
                  {"kind": "canister_intake_pulled_up", "start": 12 * D + 10 * 60 + 20,
                   "end": 12 * D + 16 * 60 + 15},
                  {"kind": "canister_disconnect_weeping", "start": 16 * D + 23 * 60 + 40, "end": 17 * D + 8 * 60 + 40},
                  {"kind": "ph_probe_dragged_onto_dock", "start": 21 * D + 17 * 60 + 5, "end": 22 * D + 7 * 60 + 15},
                  {"kind": "salt_overdosed", "start": 24 * D + 10 * 60 + 30, "end": 24 * D + 17 * 60 + 30})
    fault_list = sorted((dict(f) for f in faults), key=lambda f: f["start"])
    stuck, pulled = fault_of(fault_list, "heater_thermostat_stuck_on"), fault_of(fault_list, "canister_intake_pulled_up")
    weep, salt = fault_of(fault_list, "canister_disconnect_weeping"), fault_of(fault_list, "salt_overdosed")
    room = timer_room(i, weather, 21.0, 17.5, [(6.5, 22.5)], 0.4)
    lamp = (hour >= 8.0) & (hour < 20.0)
    changes = [int(d * D + (11 * 60 if weekday(d) == 5 else 16 * 60 + 30) + weather.integers(-15, 16))
               for d in range(days) if weekday(d) in (2, 5)]
    off_for = {at: (25 if weekday(at // D) == 5 else 18) for at in changes}
    jugs = {int(d * D + 20 * 60 + 30 + weather.integers(-20, 21)) for d in range(days)}
    kettle = {at: float(weather.normal(26.0, 1.5)) for at in changes}

    def loop(faulty: bool) -> tuple[Array, Array, Array, Array, dict[int, tuple[float, float]]]:
        """The level, the salts, the turtles' acid, the canister's flow and each minute's new water (fraction, °C)."""
        level, tds, acid, flow, mixes = np.empty(n), np.empty(n), np.empty(n), np.empty(n), {}
        lvl, c, h, pouring, siphon = MARK_CM, 260.0, 0.2, None, 0.0
        for k in range(n):
            lvl, c, h = evaporated(lvl, c, h, 0.7, 12.0, 0.1)
            q = CANISTER_LPM
            for at in changes:
                if at <= k < at + off_for[at]:
                    q = 0.0
                if k == at:
                    siphon = CHANGE_CM
                if k == at + 10:
                    pouring = ("buckets", kettle[at])
            if faulty and pulled and pulled["start"] <= k < pulled["end"]:
                q = 0.0  # the strainer in the air: the canister runs dry
            if siphon > 0.0:
                step = min(SIPHON_CM, siphon)
                lvl, siphon = lvl - step, siphon - step
            if faulty and weep and weep["start"] <= k < weep["end"] and lvl > INTAKE_CM + 0.5:
                lvl -= WEEP_LPM / L_PER_CM
            if lvl <= INTAKE_CM + 0.5:
                q = 0.0
            if k in jugs and pouring is None:
                pouring = ("jug", 20.0)
            if faulty and weep and k == weep["end"]:
                pouring = ("buckets", 26.0)
            if faulty and salt and salt["start"] <= k < salt["start"] + 15:
                c += SALT_PPM / 15.0
            if faulty and salt and k == salt["end"]:  # the turtles in a bucket, the tub emptied and refilled
                c, h = 0.1 * c + 0.9 * TAP_TDS, 0.1 * h
                mixes[k] = (0.9, 26.0)
            if pouring is not None and siphon <= 0.0:
                lvl, c, h, f, full = pour(lvl, c, h, BUCKET_CM if pouring[0] == "buckets" else 0.5, MARK_CM, TAP_TDS)
                if f > 0.0:
                    mixes[k] = (f, pouring[1])
                if full:
                    pouring = None
            level[k], tds[k], acid[k], flow[k] = lvl, c, h, q
        return level, tds, acid, flow, mixes

    level, tds, acid, flow, mixes = loop(True)
    twin_level, twin_tds, _, _, twin_mixes = loop(False)
    on_at, off_at = np.full(n, 26.8), np.full(n, 27.2)
    if stuck:
        on_at[stuck["start"]:stuck["end"]], off_at[stuck["start"]:stuck["end"]] = 99.0, 99.5
    extra = 0.6 * lamp
    water = water_temperature(room, 4.0, 27.0, 2.1, on_at, off_at, extra_c_per_h=extra, mixes=mixes)
    healthy = water_temperature(room, 4.0, 27.0, 2.1, 26.8, 27.2, extra_c_per_h=extra, mixes=twin_mixes)
    ph = TAP_PH - 0.2 - acid + 0.02 * lowpass(lamp.astype(float), 120.0)
    read_ph = ph.copy()
    dragged = fault_of(fault_list, "ph_probe_dragged_onto_dock")
    if dragged:  # the bulb's film dries under the lamp: the high impedance wanders the reading up, noisier
        a, b = dragged["start"], dragged["end"]
        g = np.random.default_rng(seed + 5)
        t = (i[a:b] - a).astype(float)
        walk = np.cumsum(g.normal(0.0, 0.01, b - a))
        read_ph[a:b] = ph[a] + 1.1 * (1.0 - np.exp(-t / 90.0)) + walk + g.normal(0.0, 0.03, b - a) \
            * np.minimum(1.0, t / 60.0 + 0.2)
    for f in fault_list:
        a, b = f["start"], f["end"]
        if f["kind"] == "heater_thermostat_stuck_on":
            f["label_from"] = leaves_range(water, healthy, a, b)
            f["recovery"] = settled_after(water, healthy, b)
        elif f["kind"] == "canister_intake_pulled_up":
            f["recovery"] = 30
        elif f["kind"] == "canister_disconnect_weeping":
            f["label_from"] = departs(level, twin_level, a, b, 0.5)
            f["recovery"] = max(back_within(level, twin_level, b, 0.5), settled_after(water, healthy, b))
        elif f["kind"] == "ph_probe_dragged_onto_dock":
            f["recovery"] = 30
        elif f["kind"] == "salt_overdosed":
            f["label_from"] = departs(tds, twin_tds, a, b, 100.0)
            f["recovery"] = max(back_within(tds, twin_tds, b, 100.0), settled_after(water, healthy, b))
    tank = quiet_tank(2.0, {"temp_c": 0.03, "ph": 0.012, "tds_ppm": 2.0, "turb_ntu": 0.08, "level_cm": 0.08,
                            "flow_lpm": 0.1})

    def habits(v: dict, rng: np.random.Generator) -> list[str]:
        draw_water(v, hour, water, level, tds, read_ph, flow)
        for d in range(days):
            weekend = weekday(d) >= 5
            for h in ((9.5, 17.0) if weekend else (7.25, 16.75)):
                big = weekday(d) == 5 and h > 12.0
                _cloud(v, int(d * D + h * 60 + rng.integers(-10, 11)), float(rng.uniform(2.0, 3.0) if big
                                                                             else rng.uniform(0.8, 1.4)), 25.0)
            for at in rng.uniform(d * D, (d + 1) * D, rng.poisson(3.0)):
                _cloud(v, int(at), float(rng.uniform(0.2, 0.6)), 15.0)  # a turtle digging in the sand
        for at in changes:
            _cloud(v, at + off_for[at], 2.0 if off_for[at] == 25 else 1.0, 30.0)  # the canister's restart
        v["turb_ntu"] = v["turb_ntu"] * np.where(flow > 0.0, 1.0, 1.15)  # without the canister the muck stays up
        return [f"45 % change with the canister off, day {at // D}" for at in changes] + [
            "basking lamp and UVB 8:00-20:00 on a timer plug", "the house set back to 17.5 °C at night",
            "a jug to the mark at 20:30", "fed before and after school"]

    return finish19("Toronto bedroom's 45 l hatchling musk turtle tub (round 19, blind)", "turtle", tank, days,
                    fault_list, habits, seed, {"temp_c_low": 23.0, "temp_c_high": 30.0, "ph_low": 6.8,
                                               "ph_high": 8.5, "tds_ppm_high": 700.0, "level_cm_low": 7.0,
                                               "level_cm_high": 25.0, "flow_lpm_low": 4.0})
