"""Round 9: three keepers' months written blind -- before any measurement, from neither the engine's code nor
its outputs -- and never tuned on (issue 16's stranger, again).

Round 8's never-tuned months (:mod:`benchmarks.keeper_month_unseen`) were read to find what was wrong, so they
are no longer blind.  These three were designed as a keeper and a physicist would, measured once through
``evaluate`` (as :func:`benchmarks.bench_detection.keeper_months` does) and are not changed after that
measurement.  They reuse the probes, noise, glitches and labelling of :mod:`benchmarks.keeper_month` and add
what no earlier month has:

- the water's temperature from a heat balance minute by minute (:func:`benchmarks.keeper_heat.water_temperature`): the room through
  the glass, a heater or a chiller switched by its own thermostat with its hysteresis (a sawtooth), the sun
  through a window, new water mixed in at its own temperature, power and flow that the device needs;
- habits: two heaters sharing a big tank in a winter room whose heating is turned down while the keeper is
  away, a light-driven pH (plants take up CO2 under an evening light), a two-week holiday with an automatic
  feeder and a neighbour, a tiny desk tank changed with a jug (the level a staircase), a west window's
  afternoon sun, tannins from an almond leaf, evaporation that concentrates the salts, a chiller holding a
  cold-water tank in a summer flat (a 3-4 h sawtooth of 1 °C), a heatwave, summer power cuts;
- faults: one of two heaters dead (a slow sag at night), a canister's impeller seizing (flow falling and
  rattling), the thermometer knocked out of the water (it reads the room), the feeder emptying its drum,
  a power strip tripping (filter, heaters and light off together, readings still coming), a siphon left
  running in the middle of a water change, a water change with cold water, a bubble on the conductivity
  cell, a snail in the filter, the sun through a window left unshaded, a cracked seam, a chiller's condenser
  clogging, a hose slipping off the spray bar (the tank drains to the intake, the canister runs dry and the
  inline chiller with it), the chiller's probe hanging in the air (it over-cools), a pH probe with a cracked
  bulb (sluggish, noisy, pulled toward 7), a chiller that does not restart after a power cut.

A slow fault is labelled from the minute a keeper would want to hear of it (``label_from``): for a
temperature fault, when the water is 0.3 °C outside the range the same tank without the fault took over the
day before and meanwhile (the heat balance run twice), and until it is back within it.  :data:`BLIND` lists
the months; ``write_csv`` of :mod:`benchmarks.keeper_month` writes one for ``aquamon evaluate`` and
``aquamon replay``.

Examples
--------
>>> s = betta_desk_month(days=3, faults=())
>>> bool(s.labels.any()), s.profile, len(s.t_ms) // DAY_MIN, s.limits["flow_lpm_low"]
(False, 'tropical', 3, 0.8)
"""

from __future__ import annotations

from typing import Any, Sequence

import numpy as np
from numpy.typing import NDArray

from benchmarks.keeper_heat import (
    Array,
    first_where,
    leaves_range,
    lowpass,
    room_air,
    settled_after,
    water_temperature,
)
from benchmarks.keeper_month import DAY_MIN, Scenario, Tank, _power_cut, apply_fault, build
from benchmarks.keeper_month_unseen import _water_change_tap

#: fault kinds a month's own habits draw (the heat balance, the level and flow of a water change, the light)
DRAWN_BY_HABITS = ("heater_one_dead", "probe_in_air", "feeder_dump", "power_strip", "siphon_left_running",
                   "heater_dead_night", "cold_water_change", "sun_unshaded", "chiller_clogging", "hose_off",
                   "chiller_probe_in_air", "chiller_no_restart")


# --------------------------------------------------------------------------- habits and faults

def _decay(n: int, at: int, size: float, tau_min: float) -> Array:
    """``size`` from minute ``at``, decaying with ``tau_min`` (stirred mulm, a feeding's cloud)."""
    k = np.arange(n) - at
    return np.where(k >= 0, size * np.exp(-np.maximum(k, 0) / tau_min), 0.0)


def _spans(faults: Sequence[dict[str, Any]], kind: str, n: int) -> NDArray[np.bool_]:
    """The minutes the faults of ``kind`` last."""
    on = np.zeros(n, dtype=bool)
    for f in faults:
        if f["kind"] == kind:
            on[f["start"]:f["end"]] = True
    return on


def _concentrated(v: dict, evaporated_cm: Array, depth_cm: float) -> None:
    """Evaporation takes water and leaves the salts: TDS rises as the water column shrinks."""
    v["tds_ppm"] *= depth_cm / (depth_cm - evaporated_cm)


def apply_blind_fault(v: dict, f: dict[str, Any], rng: np.random.Generator) -> None:
    """The round-9 fault kinds drawn on the readings; the habits draw :data:`DRAWN_BY_HABITS`; every other kind
    as :func:`benchmarks.keeper_month.apply_fault`."""
    kind, a, b = f["kind"], f["start"], f["end"]
    n = len(v["ph"])
    i = np.arange(n)
    on = (i >= a) & (i < b)
    frac = np.clip((i - a) / max(1, b - a), 0.0, 1.0)
    if kind == "impeller_seizing":  # a worn bearing: the flow falls faster and faster and rattles
        keep = 1.0 - f.get("loss", 0.8) * frac ** 2
        rattle = 1.0 + f.get("rattle", 0.12) * frac * rng.normal(size=n)
        v["flow_lpm"] = np.where(on, v["flow_lpm"] * keep * rattle, v["flow_lpm"])
    elif kind == "tds_bubble":  # an air bubble on the conductivity cell: less wetted electrode, a wobbling one
        x = v["tds_ppm"]
        v["tds_ppm"] = np.where(on, x * f.get("reads", 0.65) + rng.normal(scale=f.get("wobble", 6.0), size=n), x)
    elif kind == "cracked_bulb":  # a cracked pH glass: sluggish, noisy, its potential pulled toward pH 7
        grip = 1.0 - f.get("lost", 0.7) * frac
        slow = lowpass(v["ph"], f.get("lag_min", 120.0))
        read = 7.0 + (slow - 7.0) * grip + rng.normal(scale=f.get("noise", 0.04), size=n) * frac
        v["ph"] = np.where(on, read, v["ph"])
    elif kind not in DRAWN_BY_HABITS:
        apply_fault(v, f, rng)


def _refill_line(v: dict, refills: Sequence[int], mark: float) -> Array:
    """The level without its dips: evaporation lowers it, each refill (a minute) brings it back to its mark.
    Sets it and returns what has evaporated since the last refill, cm (for :func:`_concentrated`)."""
    line = v["level_cm"]
    for r in sorted(refills):
        line[r:] += mark - line[r]
    return mark - line


def _dip(v: dict, at: int, knots_min: Sequence[float], knots_cm: Sequence[float]) -> None:
    """A drain and refill: the level ``knots_cm`` under its line at ``knots_min`` minutes after ``at``."""
    k = np.arange(len(v["level_cm"])) - at
    inside = (k >= 0) & (k < knots_min[-1])
    v["level_cm"] -= np.where(inside, np.interp(k, knots_min, knots_cm), 0.0)


def _maintenance(v: dict, at: int, minutes: int) -> None:
    """The filter switched off at the controller (pump 0) while the keeper works on the tank."""
    v["pump"][at:at + minutes] = 0.0
    v["flow_lpm"][at:at + minutes] = 0.0


# --------------------------------------------------------------------------- the months

def planted_holiday_month(days: int = 30, seed: int = 4009, faults: tuple | None = None) -> Scenario:
    """Written round 9 blind, never tuned on: a 400 l planted community tank, two heaters, a holiday.

    120×50 cm, 50 cm of water (6 l a cm), no sump (the level is the tank's
    own), a canister filter (20 l/min), glass lids (0.35 cm a day of
    evaporation, which concentrates the salts), soft water (TDS 170); a winter
    living room (19 °C ± 1.5, coldest at 4:00) and two 150 W heaters on one
    thermostat at 25 °C ± 0.15, the heat balance minute by minute (a 16 h time
    constant); an evening light 13:00-21:00 under which the plants take up CO2
    (the pH climbs from 6.7 to about 7.05 by lights-off and falls back over
    the night); fertiliser three times a week; an automatic feeder at 8:00 and
    18:00; 25 % changes on days 1, 8, 25 and 28 at 11:00 (the canister switched
    off at the controller, pump 0, for 50 min; the level drains 12.5 cm over
    12 min and is refilled to its mark over 25 min with tap water of 120 ppm,
    1 °C cooler).  A holiday from day 10 to day 24: the house heating turned
    down to 17.5 °C (the heaters work near their limit), no water change, no
    top-up (the level falls 5 cm), a neighbour looking in every other day at
    17:00.  Faults: one of the two heaters dead (day 4 22:00 to day 6 10:00;
    the other cannot hold the night), the canister's impeller seizing over
    1.6 days until the keeper changes it before day 8's water change (flow to
    a fifth, rattling; labelled from 40 % lost), the neighbour
    knocking the thermometer out of the water (it reads the room, 2 days), the
    feeder's drum jamming open (turbidity +3, pH -0.25, TDS +35 until the
    neighbour's 30 % change 33 h later), the power strip tripping in the
    holiday evening (canister, heaters and light off; the pH falls without
    light or surface movement; 4 h until the neighbour is called), a siphon
    left running in day 28's water change (a further 1 cm a minute for 20
    min, onto the floor: labelled from when the usual drain should have
    stopped until the refill).  A slow temperature fault is labelled from when
    the water is 0.3 °C outside the range the same tank without the fault
    took over the day before and meanwhile, and each until it is back within it.
    """
    D = DAY_MIN
    n = days * D
    i = np.arange(n)
    hour = (i / 60.0) % 24.0
    weather = np.random.default_rng(seed + 1)
    holiday = (i >= 10 * D) & (i < 24 * D)
    room = np.where(holiday, 17.5, 19.0) + room_air(days, weather, 0.0, 1.5, 16.0, 0.5)
    if faults is None:
        faults = ({"kind": "heater_one_dead", "start": 4 * D + 22 * 60, "end": 6 * D + 10 * 60},
                  {"kind": "impeller_seizing", "start": 6 * D + 20 * 60, "end": 8 * D + 10 * 60 + 30, "loss": 0.8},
                  {"kind": "probe_in_air", "start": 12 * D + 17 * 60 + 10, "end": 14 * D + 17 * 60 + 5},
                  {"kind": "feeder_dump", "start": 15 * D + 8 * 60, "end": 16 * D + 17 * 60, "recovery": 240},
                  {"kind": "power_strip", "start": 20 * D + 19 * 60 + 30, "end": 20 * D + 23 * 60 + 30},
                  {"kind": "siphon_left_running", "start": 28 * D + 11 * 60 + 12, "end": 28 * D + 12 * 60 + 12})
    fault_list = [dict(f) for f in faults]
    # the water changes: (start, level knots in minutes and cm, fraction replaced, minutes the canister is off)
    changes: list[tuple[int, tuple[int, ...], tuple[float, ...], float, int]] = [
        (d * D + 11 * 60, (0, 12, 37), (0.0, 12.5, 0.0), 0.25, 50) for d in (1, 8, 25, 28) if d < days]
    for f in fault_list:
        if f["kind"] == "siphon_left_running":  # the keeper walked away: 20 min more at 1 cm a minute
            at = f["start"] - 12
            changes = [c for c in changes if c[0] != at] + [(at, (0, 12, 32, 72), (0.0, 12.5, 32.5, 0.0), 0.65, 75)]
            f["end"] = at + 72
        elif f["kind"] == "feeder_dump":  # the neighbour's 30 % change ends it
            changes.append((f["end"], (0, 15, 45), (0.0, 15.0, 0.0), 0.3, 50))
    mixes = {at + knots[1]: (frac, 24.0) for at, knots, _, frac, _ in changes}  # tap water 1 °C cooler
    dead, strip = _spans(fault_list, "heater_one_dead", n), _spans(fault_list, "power_strip", n)
    water = water_temperature(room, 16.0, 25.0, 0.64, 24.85, 25.15, capacity=np.where(dead, 0.5, 1.0),
                              powered=~strip, mixes=mixes)
    healthy = water_temperature(room, 16.0, 25.0, 0.64, 24.85, 25.15, mixes=mixes)
    for f in fault_list:
        if f["kind"] == "heater_one_dead":
            f["label_from"] = leaves_range(water, healthy, f["start"], f["end"])
        if f["kind"] in ("heater_one_dead", "power_strip"):
            f["recovery"] = settled_after(water, healthy, f["end"])
        elif f["kind"] == "impeller_seizing":  # 1 - 0.8 frac² = 0.6
            f["label_from"] = f["start"] + int(np.sqrt(0.5) * (f["end"] - f["start"]))
    tank = Tank(temp=0.0, temp_swing=0.0, ph=6.7, ph_swing=0.0, tds=170.0, tds_per_day=2.0, turb=0.5,
                feed_turb=0.15, feed_hours=(8.0, 18.0), level=50.0, evap_cm_per_day=0.35, flow=20.0,
                noise={"temp_c": 0.02, "ph": 0.01, "tds_ppm": 1.5, "turb_ntu": 0.05, "level_cm": 0.1,
                       "flow_lpm": 0.25})

    def habits(v: dict, rng: np.random.Generator) -> list[str]:
        v["temp_c"] = v["temp_c"] + water
        light = (hour >= 13.0) & (hour < 21.0) & ~strip
        uptake, p = np.empty(n), 0.0
        for j, lit in enumerate(light.tolist()):  # the plants take up CO2 under the light, give it back at night
            p += ((0.35 - p) / 150.0) if lit else (-p / 180.0)
            uptake[j] = p
        v["ph"] += uptake
        for d in range(days):
            if d % 7 in (0, 2, 4):  # fertiliser when the light comes on
                v["tds_ppm"][d * D + 13 * 60:] += 4.0
        for f in fault_list:
            a, b = f["start"], f["end"]
            on = (i >= a) & (i < b)
            k = np.maximum(i - a, 0).astype(float)
            if f["kind"] == "probe_in_air":  # the thermometer hangs in the room's air
                v["temp_c"] = np.where(on, room + (water - room) * np.exp(-k / 8.0), v["temp_c"])
            elif f["kind"] == "feeder_dump":  # ten days of food at once: it clouds, rots and acidifies the water
                rot = np.minimum(k / 1440.0, 1.0) * (i >= a)
                left = np.where(i < b, 1.0, 0.7 * np.exp(-np.maximum(i - b, 0) / 2880.0))  # changed, then digested
                v["turb_ntu"] += np.where(on, 3.0 * np.minimum(k / 30.0, 1.0) * np.exp(-k / 1200.0), 0.0) + \
                    0.8 * rot * left
                v["ph"] -= 0.25 * np.minimum(k / 720.0, 1.0) * left * (i >= a)
                v["tds_ppm"] += 35.0 * rot  # (the change takes its 30 % of these salts with the rest)
            elif f["kind"] == "power_strip":  # canister, heaters, light off; no surface movement: CO2 builds up
                v["flow_lpm"][a:b] = 0.0
                back = np.where(i >= b, np.exp(-np.maximum(i - b, 0) / 120.0), 1.0)
                v["ph"] -= np.where(i >= a, 0.2 * (1 - np.exp(-np.minimum(k, b - a) / 150.0)) * back, 0.0)
        out = []
        evaporated = _refill_line(v, [at + knots[-1] for at, knots, *_ in changes], 50.0)
        _concentrated(v, evaporated, 50.0)
        for at, knots, depths, frac, off in sorted(changes):
            _water_change_tap(v, at + knots[1], frac, 0.0, 6.0, 120.0)
            _dip(v, at, knots, depths)
            _maintenance(v, at, off)
            out.append(f"water change day {at // D} ({frac:.0%})")
        return out + ["evening light 13:00-21:00 (pH +0.35 with the plants)", "fertiliser 3 times a week",
                      "auto feeder 8:00, 18:00", "holiday days 10-24: heating down to 17.5 °C, no change, no top-up"]

    s = build("400 l planted, two heaters, holiday (round 9, blind)", "tropical", tank, days, fault_list, habits,
              3.0, seed, apply=apply_blind_fault)
    s.limits = {"temp_c_low": 23.0, "temp_c_high": 28.0, "ph_low": 6.2, "ph_high": 7.6, "tds_ppm_high": 320.0,
                "level_cm_low": 30.0}
    return s


def _jug_change(at: int, litres: int) -> tuple[list[int], list[int]]:
    """A water change with a 1 l jug in a tank of 1 l a cm: the minutes of the scoops (one each 45 s from
    ``at`` + 1) and of the pours (one a minute after a 6 min pause to fill the bucket)."""
    scoops = [at + 1 + (45 * j) // 60 for j in range(litres)]
    pours = [scoops[-1] + 7 + j for j in range(litres)]
    return scoops, pours


def betta_desk_month(days: int = 30, seed: int = 2020, faults: tuple | None = None) -> Scenario:
    """Written round 9 blind, never tuned on: a 20 l betta tank on a desk by a west window.

    40×25 cm, 22 cm of water (1 l a cm), no lid and no sump (the level is the
    tank's own; 0.5 cm a day evaporates and concentrates the salts), a small
    internal filter (1.5 l/min: its keeper set the flow's low limit to
    0.8), a 25 W preset heater (+1.07 °C/h) switching at 26.2/26.8 °C in a
    flat at 21.5 °C ± 1.5 (a tiny volume: an 8 h time constant, a 70-minute
    sawtooth of the thermostat); the afternoon sun through the window (14:00
    to 20:00, heating up to +0.9 °C/h on sunny days, 60 % of them, +0.25 on
    cloudy ones) with the blind half down.  Habits: a 50 % change every
    Saturday morning with a 1 l jug (eleven scoops 45 s apart, a 6 min pause,
    eleven pours a minute apart, water matched by hand -1.2..+0.8 °C, tap
    water of 160 ppm; the filter off at the controller and the heater
    unplugged meanwhile), top-ups to the mark with the jug every 2-3 evenings,
    pellets at 8:00 and 19:00, bloodworms on Sundays, an almond leaf on days 5
    and 19 (tannins: pH -0.13 and a tint over two days, fading over a week).
    Faults: the heater's element breaking on a cold night (day 4 23:00-8:30), a
    change with 19 °C water (the boiler out, day 9: the water 22.8 °C, the
    heater needs hours), an air bubble on the conductivity cell from a top-up
    (reading 35 % low and wobbling, 22.5 h), a snail in the filter's impeller
    (no flow, 8.5 h), the blind left up on a hot afternoon (sun +3 °C/h), a
    cracked seam at night (0.35 cm/h onto the desk, 7 h, labelled after an
    hour).  A slow temperature fault is labelled from when the water is
    0.3 °C outside the range the same tank without the fault took over the
    day before and meanwhile (its sawtooth, its sunny afternoons), and each until it is
    back within it.
    """
    D = DAY_MIN
    n = days * D
    i = np.arange(n)
    hour = (i / 60.0) % 24.0
    weather = np.random.default_rng(seed + 1)
    room = room_air(days, weather, 21.5, 1.5, 15.0, 1.0)
    sunny = weather.uniform(size=days) < 0.6
    sun_day = np.where(sunny, weather.uniform(0.5, 0.9, days), weather.uniform(0.0, 0.25, days))
    window = np.where((hour >= 14.0) & (hour < 20.0), np.sin(np.pi * (hour - 14.0) / 6.0), 0.0)
    if faults is None:
        faults = ({"kind": "heater_dead_night", "start": 4 * D + 23 * 60, "end": 5 * D + 8 * 60 + 30},
                  {"kind": "cold_water_change", "start": 9 * D, "end": 10 * D, "tap_c": 19.0},
                  {"kind": "tds_bubble", "start": 11 * D + 19 * 60 + 30, "end": 12 * D + 18 * 60},
                  {"kind": "pump_stopped", "start": 14 * D + 9 * 60, "end": 14 * D + 17 * 60 + 30},
                  {"kind": "sun_unshaded", "start": 19 * D + 14 * 60, "end": 19 * D + 20 * 60, "sun": 3.0},
                  {"kind": "leak", "start": 26 * D + 1 * 60, "end": 26 * D + 8 * 60, "cm_per_h": 0.35,
                   "label_from": 26 * D + 2 * 60})
    fault_list = [dict(f) for f in faults]
    cold = {f["start"] // D: f for f in fault_list if f["kind"] == "cold_water_change"}
    mark, mixes, mixes_healthy = 22.0, {}, {}
    jugs: list[tuple[list[int], list[int]]] = []
    unplugged = np.zeros(n, dtype=bool)
    for d in range(2, days, 7):  # Saturdays
        scoops, pours = _jug_change(d * D + int(weather.uniform(9.5, 12.0) * 60), 11)
        jugs.append((scoops, pours))
        unplugged[scoops[0]:pours[-1] + 5] = True
        new_c = 26.5 + weather.uniform(-1.2, 0.8)
        for j, p in enumerate(pours):
            mixes_healthy[p] = (1.0 / (12 + j), new_c)
            mixes[p] = (1.0 / (12 + j), cold[d]["tap_c"] if d in cold else new_c)
        if d in cold:
            cold[d]["start"] = pours[0]
    topups = [t for t in (int((d + weather.uniform(0.8, 0.9)) * D) for d in np.cumsum(weather.uniform(2, 3, days))
                          if d < days - 1)]
    topups += [f["start"] for f in fault_list if f["kind"] == "tds_bubble"]  # the pour that trapped the bubble
    for t in topups:
        mixes[t] = mixes_healthy[t] = (0.02, float(room[t]))  # half a litre of water at the room's temperature
    sun = sun_day[np.minimum(i // D, days - 1)] * window
    sun_fault = sun.copy()
    for f in fault_list:
        if f["kind"] == "sun_unshaded":
            sun_fault[f["start"]:f["end"]] = f["sun"] * window[f["start"]:f["end"]]
    dead = _spans(fault_list, "heater_dead_night", n)
    water = water_temperature(room, 8.0, 26.5, 1.07, 26.2, 26.8, capacity=np.where(dead, 0.0, 1.0),
                              powered=~unplugged, extra_c_per_h=sun_fault, mixes=mixes)
    healthy = water_temperature(room, 8.0, 26.5, 1.07, 26.2, 26.8, powered=~unplugged, extra_c_per_h=sun,
                                mixes=mixes_healthy)
    for f in fault_list:
        if f["kind"] == "heater_dead_night":
            f["label_from"] = leaves_range(water, healthy, f["start"], f["end"])
        elif f["kind"] == "sun_unshaded":
            f["label_from"] = leaves_range(water, healthy, f["start"], f["end"])
        elif f["kind"] == "cold_water_change":  # until the heater has it within a degree of where it would be
            f["end"] = first_where(np.abs(water - healthy) < 1.0, f["start"] + 20, n)
        if f["kind"] in ("heater_dead_night", "sun_unshaded", "cold_water_change"):
            f["recovery"] = settled_after(water, healthy, f["end"])
    tank = Tank(temp=0.0, temp_swing=0.0, ph=7.0, ph_swing=0.03, tds=230.0, tds_per_day=5.0, turb=0.6,
                feed_turb=0.12, feed_hours=(8.0, 19.0), level=mark, evap_cm_per_day=0.5, flow=1.5,
                noise={"temp_c": 0.02, "ph": 0.01, "tds_ppm": 1.0, "turb_ntu": 0.04, "level_cm": 0.05,
                       "flow_lpm": 0.05})

    def habits(v: dict, rng: np.random.Generator) -> list[str]:
        v["temp_c"] = v["temp_c"] + water
        out = []
        evaporated = _refill_line(v, [pours[-1] for _, pours in jugs] + topups, mark)
        _concentrated(v, evaporated, mark)
        for scoops, pours in jugs:
            steps = np.zeros(n)
            for s_ in scoops:
                steps[s_:] -= 1.0
            for p in pours[:-1]:
                steps[p:] += 1.0
            steps[pours[-1]:] = 0.0  # the last pour fills to the mark (the line's refill)
            v["level_cm"] += steps
            for j, p in enumerate(pours):  # each litre mixed in: TDS toward the tap's 160 ppm
                v["tds_ppm"][p:] = v["tds_ppm"][p:] * (11 + j) / (12 + j) + 160.0 / (12 + j)
            v["ph"] += np.where(i >= pours[-1], 0.08 * np.exp(-np.maximum(i - pours[-1], 0) / 360.0), 0.0)
            _maintenance(v, scoops[0], pours[-1] + 2 - scoops[0])
            out.append(f"jug water change day {scoops[0] // D}")
        for d in (5, 19):  # an almond leaf: tannins lower the pH and tint the water, fading over a week
            k = np.maximum(i - (d * D + 20 * 60), 0) / D
            shape = np.where(i >= d * D + 20 * 60, np.exp(-k / 6.0) - np.exp(-k / 0.8), 0.0)
            v["ph"] -= 0.2 * shape
            v["turb_ntu"] += 0.15 * shape
        for d in range(3, days, 7):  # Sunday's bloodworms
            at = d * D + 19 * 60
            v["turb_ntu"] += _decay(n, at, 0.4, 60.0)
            v["tds_ppm"][at:] += 3.0
        return out + ["top-ups to the mark every 2-3 evenings", "pellets 8:00, 19:00; bloodworms on Sundays",
                      "almond leaf days 5, 19", "afternoon sun through the west window"]

    s = build("20 l betta on a desk by a window (round 9, blind)", "tropical", tank, days, fault_list, habits,
              2.0, seed, apply=apply_blind_fault)
    s.limits = {"temp_c_low": 24.0, "temp_c_high": 29.5, "flow_lpm_low": 0.8, "level_cm_low": 8.0}
    return s


def axolotl_chiller_month(days: int = 30, seed: int = 1617, faults: tuple | None = None) -> Scenario:
    """Written round 9 blind, never tuned on: a 150 l axolotl tank held at 16.5-17.5 °C by a chiller in summer.

    100×40 cm, 37.5 cm of water (4 l a cm), no sump (the level is the tank's
    own), a canister with a spray bar (8 l/min) and an inline chiller on its
    return (it cools only while water flows: 1.15 °C/h, its own thermostat on
    at 17.5 °C and off at 16.5 °C: a 3-4 h sawtooth of 1 °C), a summer flat
    (24 °C ± 2, warmest at 17:00, a 12 h time constant), a heatwave on days
    17-20 (+3.5 °C: the chiller runs most of the time); hard water (TDS 340,
    pH 7.6; its keeper set 13-20 °C, pH 7.0 and over, level 24 cm and over,
    on the cold-water profile).  Habits: a 20 % change every Sunday at 10:00
    (the level drains 7.5 cm, the sand vacuumed: turbidity +1.5 for an hour;
    tap water of 300 ppm at 18 °C, refilled to the mark; the canister runs),
    earthworms every other evening at 21:00 (a cloud, TDS +2), a 3 h summer
    power cut on day 9 (no readings; the chiller off, the water 2 °C warmer
    after; it restarts).  Faults: the chiller's condenser clogging with dust
    (its power falling to 35 % over 3.8 days), the canister's hose slipping off the spray
    bar at night (2 cm a minute onto the floor until the intake draws air at
    14 cm down, the canister runs dry and the chiller with it, until the
    keeper refits it and refills with tap water at 7:30), the chiller's probe
    hanging in the air (it runs on and cools toward 12 °C), a cracked pH bulb (sluggish, noisy, pulled
    toward pH 7 over 3.5 days: labelled from 0.15 off), the chiller not
    restarting after the storm's 1 h power cut on day 23 (its controller
    comes back in standby: labelled from the power's return, 7 h), the power
    strip tripping (canister, chiller and light off, readings still coming,
    4 h).  A slow temperature fault is labelled from when the water is 0.3 °C
    outside the range the same tank without the fault took over the day
    before and meanwhile (its sawtooth), and each until it is back within it.
    """
    D = DAY_MIN
    n = days * D
    i = np.arange(n)
    weather = np.random.default_rng(seed + 1)
    room = room_air(days, weather, 24.0, 2.0, 17.0, 1.2) + np.interp(i, [17 * D, 17.5 * D, 20 * D, 20.5 * D],
                                                                  [0.0, 3.5, 3.5, 0.0])
    summer_cut, storm_cut = (9 * D + 14 * 60, 180), (23 * D + 13 * 60, 60)
    if faults is None:
        faults = ({"kind": "chiller_clogging", "start": 4 * D + 15 * 60, "end": 8 * D + 10 * 60, "to": 0.35},
                  {"kind": "hose_off", "start": 12 * D + 2 * 60, "end": 12 * D + 7 * 60 + 30},
                  {"kind": "chiller_probe_in_air", "start": 15 * D + 21 * 60, "end": 16 * D + 8 * 60},
                  {"kind": "cracked_bulb", "start": 19 * D, "end": 22 * D + 12 * 60, "lost": 0.7},
                  {"kind": "chiller_no_restart", "start": sum(storm_cut), "end": 23 * D + 21 * 60},
                  {"kind": "power_strip", "start": 27 * D + 15 * 60, "end": 27 * D + 19 * 60})
    fault_list = [dict(f) for f in faults]
    mark, tap_c, tap_tds = 37.5, 18.0, 300.0
    changes = [d * D + 10 * 60 for d in range(3, days, 7)]
    mixes = {at + 10: (0.2, tap_c) for at in changes}
    mains = np.ones(n, dtype=bool)
    for at, minutes in (summer_cut, storm_cut):
        mains[at:at + minutes] = False
    flowing = mains.copy()
    capacity = np.ones(n)
    on_at, off_at = np.full(n, 17.5), np.full(n, 16.5)
    for f in fault_list:
        a, b = f["start"], f["end"]
        if f["kind"] == "chiller_clogging":
            capacity[a:b] = 1.0 - (1.0 - f["to"]) * np.arange(b - a) / (b - a)
        elif f["kind"] in ("hose_off", "power_strip"):
            flowing[a + (7 if f["kind"] == "hose_off" else 0):b] = False
            if f["kind"] == "hose_off":
                mixes[b - 10] = (14.0 / mark, tap_c)  # refilled with tap water
        elif f["kind"] == "chiller_probe_in_air":  # it reads the warm air: it never switches off
            on_at[a:b], off_at[a:b] = -100.0, -100.0
    standby = _spans(fault_list, "chiller_no_restart", n)
    water = water_temperature(room, 12.0, 17.0, 1.15, on_at, off_at, cooling=True, capacity=capacity,
                              powered=flowing & ~standby, mixes=mixes)
    healthy = water_temperature(room, 12.0, 17.0, 1.15, 17.5, 16.5, cooling=True, powered=mains,
                                mixes={at + 10: (0.2, tap_c) for at in changes})
    tank = Tank(temp=0.0, temp_swing=0.0, ph=7.6, ph_swing=0.03, tds=340.0, tds_per_day=4.0, turb=0.8,
                feed_turb=0.0, feed_hours=(21.0,), level=mark, evap_cm_per_day=0.2, flow=8.0,
                noise={"temp_c": 0.02, "ph": 0.01, "tds_ppm": 1.5, "turb_ntu": 0.06, "level_cm": 0.08,
                       "flow_lpm": 0.15})
    for f in fault_list:
        if f["kind"] == "chiller_clogging":
            f["label_from"] = leaves_range(water, healthy, f["start"], f["end"])
        elif f["kind"] == "chiller_probe_in_air":
            f["label_from"] = leaves_range(water, healthy, f["start"], f["end"])
        elif f["kind"] == "cracked_bulb":  # (7.6 - 7) × lost × frac = 0.15
            f["label_from"] = f["start"] + int(0.15 / ((tank.ph - 7.0) * f["lost"]) * (f["end"] - f["start"]))
        if f["kind"] in ("chiller_clogging", "hose_off", "chiller_probe_in_air", "chiller_no_restart",
                         "power_strip"):
            f["recovery"] = settled_after(water, healthy, f["end"])

    def habits(v: dict, rng: np.random.Generator) -> list[str]:
        v["temp_c"] = v["temp_c"] + water
        out = []
        refills = [at + 25 for at in changes] + [f["end"] for f in fault_list if f["kind"] == "hose_off"]
        _concentrated(v, _refill_line(v, refills, mark), mark)
        for at in changes:
            _water_change_tap(v, at + 10, 0.2, 0.0, 6.0, tap_tds)
            _dip(v, at, (0, 10, 25), (0.0, 7.5, 0.0))
            v["turb_ntu"] += _decay(n, at, 1.5, 60.0)  # the sand vacuumed
            out.append(f"water change day {at // D}")
        for d in range(0, days, 2):  # earthworms
            at = d * D + 21 * 60
            v["turb_ntu"] += _decay(n, at, 0.3, 90.0)
            v["tds_ppm"][at:] += 2.0
        for f in fault_list:
            a, b = f["start"], f["end"]
            if f["kind"] == "hose_off":  # pumped onto the floor until the intake draws air, then dry
                _dip(v, a, (0, 7, b - a - 20, b - a), (0.0, 14.0, 14.0, 0.0))
                v["flow_lpm"][a + 7:a + 9] *= rng.uniform(0.1, 1.0, 2)
                v["flow_lpm"][a + 9:b] = 0.0
                _water_change_tap(v, b - 10, 14.0 / mark, 0.0, 6.0, tap_tds)
            elif f["kind"] == "power_strip":
                v["flow_lpm"][a:b] = 0.0
        return out + ["chiller on the canister (16.5-17.5 °C)", "earthworms every other evening 21:00",
                      "heatwave days 17-20"]

    s = build("150 l axolotls, chiller in summer (round 9, blind)", "cold-water", tank, days, fault_list,
              habits, 2.0, seed, apply=apply_blind_fault)
    for at, minutes in (summer_cut, storm_cut):
        if at + minutes < n:
            rise = float(water[at + minutes] - water[at - 1])
            _power_cut(s, at, minutes, cool_per_h=0.0, reheat_per_h=0.0)
            s.habits[-1] = f"a {minutes / 60:g} h power cut day {at // D} (no readings; the chiller off: the " \
                           f"water {rise:+.1f} °C after)"
    s.limits = {"temp_c_low": 13.0, "temp_c_high": 20.0, "ph_low": 7.0, "level_cm_low": 24.0}
    return s


#: the round-9 months written blind, in the bench's order
BLIND = (planted_holiday_month, betta_desk_month, axolotl_chiller_month)
