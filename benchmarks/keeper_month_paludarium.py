"""Round 11's third stranger, a paludarium with a misting system (written blind, never tuned on), and the
keeper's calendar, rooms and fault kinds the three round-11 months share (:mod:`benchmarks.keeper_month_strangers11`
lists them in :data:`~benchmarks.keeper_month_strangers11.STRANGERS11`).

Examples
--------
>>> [weekday(d) for d in (0, 2, 3)]  # Thursday 1 January 2026, a Saturday, a Sunday
[3, 5, 6]
>>> s = paludarium_month(days=3, faults=())
>>> bool(s.labels.any()), s.limits["level_cm_high"]
(False, 16.5)
"""

from __future__ import annotations

from typing import Any, Sequence

import numpy as np

from benchmarks.keeper_heat import Array, lowpass, settled_after, water_temperature
from benchmarks.keeper_month import DAY_MIN, Scenario, Tank, build
from benchmarks.keeper_month_blind import _decay, _maintenance, _spans
from benchmarks.keeper_month_strangers import apply_stranger_fault

#: fault kinds these months' habits draw (through the heat balance, the water's loops or the readings)
DRAWN_BY_HABITS = ("relay_welded", "hose_weeping", "bed_clogging", "kh_exhausted", "thermometer_on_dock",
                   "pebble_in_impeller", "heater_left_unplugged", "room_heating_failed", "overflow_blocked",
                   "acid_dose", "ph_probe_knocked_out", "return_pump_tripped", "float_valve_stuck",
                   "mister_stuck_on", "peat_flush", "heater_stuck_on", "sponge_clogging", "drain_clogged",
                   "flow_sensor_jammed")


def apply_stranger11_fault(v: dict, f: dict[str, Any], rng: np.random.Generator) -> None:
    """The round-11 kinds are drawn by the months' habits; any other kind as round 10's months draw it."""
    if f["kind"] not in DRAWN_BY_HABITS:
        apply_stranger_fault(v, f, rng)


def timer_room(i: np.ndarray, rng: np.random.Generator, warm_c: float, cool_c: float,
               windows: Sequence[tuple[float, float]], wander: float) -> Array:
    """A room heated to ``warm_c`` in the ``windows`` (hours) of each day and left to ``cool_c`` otherwise, the
    air following with an hour and a half's lag, its mean wandering day to day by ``wander``."""
    hour = (i / 60.0) % 24.0
    warm = np.zeros(len(i), dtype=bool)
    for a, b in windows:
        warm |= (hour >= a) & (hour < b)
    days = int(len(i) // DAY_MIN)
    daily = np.interp(i / DAY_MIN, np.arange(days + 1), rng.uniform(-wander, wander, days + 1))
    return lowpass(np.where(warm, warm_c, cool_c), 90.0) + daily


def weekday(day: int) -> int:
    """Monday 0 .. Sunday 6 (the months begin on Thursday 1 January 2026)."""
    return (3 + day) % 7


def _first(mask: np.ndarray, a: int) -> int:
    """The first minute from ``a`` where ``mask`` holds."""
    return a + int(np.flatnonzero(mask[a:])[0])


def _as_probes_read(s: Scenario) -> Scenario:
    """A conductivity cell reads no less than nothing: a loose connector's glitch on soft water reads 0."""
    s.values["tds_ppm"] = np.maximum(s.values["tds_ppm"], 0.0)
    return s


def _cloud(v: dict, at: int, ntu: float, tau_min: float) -> None:
    """A cloud of ``ntu`` from minute ``at`` that the filter clears with ``tau_min`` (food, mulm, a net)."""
    v["turb_ntu"] += _decay(len(v["turb_ntu"]), at, ntu, tau_min)


# --------------------------------------------------------------------------- a paludarium with a misting system

def paludarium_month(days: int = 30, seed: int = 9045, faults: tuple | None = None) -> Scenario:
    """Written round 11 blind, never tuned on: a 90×45×90 cm paludarium with dart frogs, a water section and
    a misting system, in a flat in winter.

    The front water section (90×30 cm, 2.7 l a cm, 40 l) held at 15 cm by a
    drain weir whose tube runs to a 10 l bucket in the cabinet (the level
    probe in the water section, every probe there); a 5 l/min pump lifting
    water to a waterfall down the background, on the controller's relay; a
    50 W heater lying on the bottom (+1.07 °C/h, on at 24.8, off at 25.2
    °C, a 10 h time constant); LEDs 8:00-20:00 that warm the canopy (+0.15
    °C/h); a flat heated 7:00-22:00 (20 °C, 17 °C at night); a misting
    system on a timer (30 s at 9:00, 12:00, 15:00 and 18:00: 0.3 l of RO
    water at the cabinet's temperature from a 10 l reservoir, dripping off
    the plants into the water over a few minutes); the mists bring more
    water than the closed front evaporates (0.3 l a day), so the weir drains
    about a litre a day into the bucket.  Soft water from the mists and
    remineralised RO (TDS 120-140, pH 6.8 with the wood's tannins; the keeper
    set the tropical profile with 22-28 °C, pH 6.0-7.5, TDS up to 300, the
    water 9-16.5 cm (the pump's intake at 7 cm, the false bottom's top at
    16.5), flow 2 l/min and more).  Habits: the keeper sprays the glass by
    hand once or twice a day, feeds the fish (a dozen rasboras) once at a
    random evening hour, and every Saturday at 9:30 switches the pump off at
    the controller, siphons 10 l while cleaning the glass, refills to the mark
    with remineralised RO (TDS 120, pH 7.0, 23 °C), refills the mister's
    reservoir and empties the bucket.  Faults: the heater's thermostat sticking
    on a Tuesday afternoon (the water toward 28 °C until the keeper's
    bedtime look), the mister's timer relay sticking on a Sunday morning while
    the keeper is out (the reservoir's 9 l in 23 minutes: the weir's bucket
    overflows onto the floor, the mister's pump runs dry; the water cooler and 20 %
    softer; until the keeper is back at 15:10), fresh peat-based soil planted on
    a Saturday washed into the water by every mist (pH -0.25, brown, a little
    TDS each; labelled from 0.3 below usual until the keeper's 50 % change the
    next morning), the pump's intake sponge clogging with leaf litter after the
    pruning (flow to a quarter over two and a half days, labelled from 30 %
    lost), the weir's drain clogged with peat (the water section rises by the
    mists' surplus; labelled from 0.8 cm over the weir, when the soil's bottom
    layer gets wet, until Saturday's change), the flow sensor's paddle wheel
    jammed by a snail shell (it reads nothing while the waterfall runs, until
    the keeper cleans it the next evening).  Measured once (the engine of
    ae4a133, /work/diag/blind11_measure.txt): 4 of 6 told, 0.07 false alerts
    a day, median told delay 25.5 min.  Not told: the mister stuck on (TDS
    -20 %, -1 °C, the level +0.5 cm for an hour), the clogged drain (+0.9
    cm over two days).  Late: the clogging sponge, told after 13 h by "flow
    low" at half the flow (labelled from 30 % lost).  False: "heater may
    have failed" in day 9's change (the pump off, 23 °C water), "water
    drifting" on the peat's first mist (pH -0.21, before the label point).
    """
    D = DAY_MIN
    n = days * D
    i = np.arange(n)
    hour = (i / 60.0) % 24.0
    weather = np.random.default_rng(seed + 1)
    room = timer_room(i, weather, 20.0, 17.0, ((7.0, 22.0),), 0.6)
    leds = (hour >= 8.0) & (hour < 20.0)
    if faults is None:
        faults = ({"kind": "heater_stuck_on", "start": 5 * D + 15 * 60 + 50, "end": 5 * D + 22 * 60 + 45},
                  {"kind": "mister_stuck_on", "start": 10 * D + 9 * 60, "end": 10 * D + 15 * 60 + 10},
                  {"kind": "peat_flush", "start": 16 * D + 12 * 60, "end": 17 * D + 10 * 60 + 15, "per_mist": 0.25},
                  {"kind": "sponge_clogging", "start": 18 * D + 8 * 60, "end": 20 * D + 19 * 60 + 30, "to": 0.25},
                  {"kind": "drain_clogged", "start": 21 * D + 30, "end": 23 * D + 9 * 60 + 30},
                  {"kind": "flow_sensor_jammed", "start": 26 * D + 14 * 60 + 10, "end": 27 * D + 19 * 60 + 20})
    fault_list = [dict(f) for f in faults]
    kinds = {f["kind"]: f for f in fault_list}
    mark, l_per_cm, section_l = 15.0, 2.7, 40.0
    # the changes: (minute, litres siphoned) with the pump off for 30 min; the peat's 50 % change the next day
    changes = [(d * D + 9 * 60 + 30, 10.0) for d in range(days) if weekday(d) == 5]
    if "peat_flush" in kinds:
        changes.append((kinds["peat_flush"]["end"] - 30, 20.0))
    pump_off = np.zeros(n, dtype=bool)
    siphon, refill_at = np.zeros(n), set()
    for at, litres in changes:
        pump_off[at:at + 30] = True
        siphon[at:at + 10] = litres / 10.0
        refill_at |= set(range(at + 12, at + 22))
    mists = {d * D + h * 60 for d in range(days) for h in (9, 12, 15, 18)}
    reservoir_filled = {at + 40 for at, litres in changes if litres == 10.0}
    reservoir_filled |= {f["end"] for f in fault_list if f["kind"] == "mister_stuck_on"}
    stuck_mist = _spans(fault_list, "mister_stuck_on", n)
    sprays = np.zeros(n)
    for d in range(days):
        for h in weather.uniform(7.0, 22.0, weather.integers(1, 3)):
            sprays[int(d * D + h * 60):int(d * D + h * 60) + 10] += 0.01
    evaporated = 0.3 / D * np.where(leds, 1.4, 0.6)
    clogged = _spans(fault_list, "drain_clogged", n)
    vol, c, plants, reservoir = 0.0, 140.0, 0.0, 10.0
    level, tds, misted, mixes = np.empty(n), np.empty(n), np.zeros(n), {}
    flushes: list[int] = []
    for k in range(n):
        if k in reservoir_filled:
            reservoir = 10.0
        out = 0.4 if stuck_mist[k] else 0.3 if k in mists else 0.0
        out = min(out, reservoir)
        reservoir -= out
        if out and k in mists:
            flushes.append(k)
        plants += out
        arrive = plants / 6.0 + sprays[k]  # the mist drips off the plants over a few minutes
        plants -= plants / 6.0
        weir = 0.0 if clogged[k] else 0.3 * max(vol, 0.0)
        vol += arrive - evaporated[k] - weir - siphon[k]
        c = c * section_l / (section_l - evaporated[k]) + 2.5 / D
        c = (c * section_l + 5.0 * arrive) / (section_l + arrive)
        if arrive > 0.001:
            mixes[k] = (arrive / section_l, float(room[k]))
        if k in refill_at and vol < 0.0:
            add = min(-vol, 2.5)
            c, vol = (c * section_l + 120.0 * add) / (section_l + add), vol + add
            mixes[k] = (add / section_l, 23.0)
        level[k], tds[k], misted[k] = mark + vol / l_per_cm, c, arrive
    on_at, off_at = np.full(n, 24.8), np.full(n, 25.2)
    f = kinds.get("heater_stuck_on")
    if f:
        on_at[f["start"]:f["end"]] = off_at[f["start"]:f["end"]] = 100.0
    canopy = np.where(leds, 0.15, 0.0)
    water = water_temperature(room, 10.0, 25.0, 1.07, on_at, off_at, extra_c_per_h=canopy, mixes=mixes)
    healthy_mixes = {k: m for k, m in mixes.items() if not stuck_mist[k]}
    healthy = water_temperature(room, 10.0, 25.0, 1.07, 24.8, 25.2, extra_c_per_h=canopy, mixes=healthy_mixes)
    for f in fault_list:
        if f["kind"] in ("heater_stuck_on", "mister_stuck_on"):
            f["recovery"] = max(120, settled_after(water, healthy, f["end"]))
        elif f["kind"] == "drain_clogged":
            f["label_from"] = _first(level > mark + 0.8, f["start"])
        elif f["kind"] == "sponge_clogging":  # 1 - (1 - to) frac^1.5 = 0.7
            f["label_from"] = f["start"] + int((0.3 / (1.0 - f["to"])) ** (1.0 / 1.5) * (f["end"] - f["start"]))
    humic = np.zeros(n)
    f = kinds.get("peat_flush")
    if f:  # each mist from the new soil's planting until the change washes acid in with its drip
        a, b = f["start"], f["end"]
        for t in (t for t in flushes if a <= t < b - 30):
            humic += f["per_mist"] * np.clip((i - t) / 15.0, 0.0, 1.0)
        humic = np.where(i >= b, 0.5 * humic[b - 1] * np.exp(-np.maximum(i - b, 0) / 180.0), humic)
        f["label_from"] = _first(humic >= 0.3, a)
        f["recovery"] = int(np.flatnonzero(humic[b:] < 0.1)[0]) + 30
    tank = Tank(temp=0.0, temp_swing=0.0, ph=6.8, ph_swing=0.0, tds=0.0, tds_per_day=0.0, turb=0.6,
                feed_turb=0.0, level=0.0, evap_cm_per_day=0.0, flow=5.0,
                noise={"temp_c": 0.02, "ph": 0.01, "tds_ppm": 1.0, "turb_ntu": 0.04, "level_cm": 0.04,
                       "flow_lpm": 0.08})

    def habits(v: dict, rng: np.random.Generator) -> list[str]:
        v["temp_c"] = v["temp_c"] + water
        v["level_cm"] = v["level_cm"] + level
        v["tds_ppm"] = v["tds_ppm"] + tds
        v["ph"] += 0.05 * lowpass(leds.astype(float), 120.0) - humic
        v["turb_ntu"] += 1.4 * humic  # the peat's brown
        for d in range(days):
            at = int(d * D + rng.uniform(18.0, 21.0) * 60)
            _cloud(v, at, 0.25, 30.0)
            v["tds_ppm"][at:] += 0.3
        out = []
        for at, litres in changes:
            _maintenance(v, at, 30)
            _cloud(v, at + 22, 0.8, 30.0)
            v["ph"] += _decay(n, at + 22, 0.05 * litres / 10.0, 360.0)
            out.append(f"water change day {at // D} ({litres:g} l)")
        f = kinds.get("peat_flush")
        if f:
            v["tds_ppm"] += 4.0 / f["per_mist"] * humic
        for f in fault_list:
            a, b = f["start"], f["end"]
            if f["kind"] == "sponge_clogging":
                frac = np.clip((i - a) / (b - a), 0.0, 1.0)
                v["flow_lpm"] *= np.where((i >= a) & (i < b), 1.0 - (1.0 - f["to"]) * frac ** 1.5, 1.0)
            elif f["kind"] == "flow_sensor_jammed":
                v["flow_lpm"][a:b] = 0.0
        return out + ["mists 9:00, 12:00, 15:00, 18:00", "LEDs 8:00-20:00", "flat heated 7:00-22:00",
                      "hand spraying, an evening feeding"]

    s = build("paludarium with a misting system (round 11, blind)", "tropical", tank, days, fault_list, habits,
              2.0, seed, apply=apply_stranger11_fault)
    s.limits = {"temp_c_low": 22.0, "temp_c_high": 28.0, "ph_low": 6.0, "ph_high": 7.5, "tds_ppm_high": 300.0,
                "level_cm_low": 9.0, "level_cm_high": 16.5, "flow_lpm_low": 2.0}
    return _as_probes_read(s)
