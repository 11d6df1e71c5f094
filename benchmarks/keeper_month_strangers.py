"""Round 10: three keepers' months written blind -- from neither the engine's code nor its outputs -- and never
tuned on (issue 16's strangers, a third time).

The round-9 blind months (:mod:`benchmarks.keeper_month_blind`) were read while fixing, so they are blind no
longer.  These three were written as their keepers would live them, measured once through ``evaluate`` (as
:func:`benchmarks.bench_detection.keeper_months` does) and are not changed after that measurement.  They
reuse the probes, noise, glitches and labelling of :mod:`benchmarks.keeper_month` and the heat balance of
:mod:`benchmarks.keeper_heat`, and add what no earlier month has:

- sizes: a 12 l shrimp cube with an oversized 50 W heater, a 400 l Malawi display over a 100 l sump with an
  auto top-off fed from a 12 l reservoir, an outdoor 1000 l IBC koi pond under the weather;
- habits: a kitchen whose heating runs on a timer, water changes in their real order (drain, wait while the
  new water is mixed, refill slowly or from a barrel, the return pump off so the display drains back into the
  sump), an auto-doser twice a day, lights on a timer, feeding by hand at random hours, a keeper away for a
  week (the top-off reservoir not refilled), a pH probe recalibrated (its readings left out meanwhile, a step
  after), rain and sun on a pond, a hose top-up the keeper watches, the pond filter rinsed every Sunday;
- faults: a heater stuck on in 12 l, a heater dead on a cold night (twice, in 12 l and in 500 l), a seam
  weeping onto a shelf, a filter unplugged by the kettle, a thermometer floating out of the water, a dead snail
  rotting under the moss, a return pump clogging, a doser siphoning its bottle, the top-off reservoir running
  dry, a hose clamp slipping (the top-off hides it until its reservoir is empty), a pH probe drifting, a
  thermometer's cable corroding (-127 now and then, then always), a hose left running into a pond (chlorinated
  tap water, an overflow), a pre-filter clogged with leaves, a tripped outdoor RCD, a KH crash after heavy
  rain, a probe bundle knocked out of the pond, a turbidity window fouled by algae.

A fault is labelled from the minute its keeper would want to hear of it, not from when it is easy to see: a
heater, a leak, a dead snail from its first minute, a slow fault (``label_from``) when it has gone a stated,
relevant way; and until it is fixed, plus the water's recovery (after a heater fault, until the water is back
within 0.3 °C of the range the same tank without the fault took over the day before: the heat balance run
twice).  Measured once, two things were changed, neither in the engine's favour alone (docs/decisions.md,
"Strangers"): the pond's pH stepped at midnight between a sunny and a cloudy day (no water does), and the
heater faults and the snail were labelled from when the water showed them, against the rule above.  :data:`STRANGERS` lists the months; ``write_csv`` of :mod:`benchmarks.keeper_month`
writes one for ``aquamon evaluate`` and ``aquamon replay``.

Examples
--------
>>> s = nano_cube_month(days=3, faults=())
>>> bool(s.labels.any()), s.profile, len(s.t_ms) // DAY_MIN
(False, 'tropical', 3)
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any, Sequence

import numpy as np

from benchmarks.keeper_heat import Array, lowpass, room_air, settled_after, water_temperature
from benchmarks.keeper_month import DAY_MIN, Scenario, Tank, build
from benchmarks.keeper_month_blind import (
    _concentrated,
    _decay,
    _dip,
    _maintenance,
    _refill_line,
    _spans,
    apply_blind_fault,
)
from benchmarks.keeper_plumbing import PondWater, SumpPlumbing, heated_room

#: fault kinds a month's own habits draw (through the heat balance, the level loop or the readings)
DRAWN_BY_HABITS = ("heater_stuck_on", "heater_dead_night", "probe_in_air", "filter_unplugged", "rotting_snail",
                   "hose_clamp_slipped", "ato_reservoir_dry", "cable_corroding", "hose_left_running",
                   "rcd_tripped", "kh_crash", "probe_bundle_out", "turbidity_fouling", "doser_siphoning")


def apply_stranger_fault(v: dict, f: dict[str, Any], rng: np.random.Generator) -> None:
    """The round-10 kinds are drawn by the months' habits; the others as :mod:`benchmarks.keeper_month_blind`."""
    if f["kind"] not in DRAWN_BY_HABITS:
        apply_blind_fault(v, f, rng)


def _hand_feeding(v: dict, rng: np.random.Generator, days: int, per_day: tuple[int, int], hours: tuple[float, float],
                  cloud: float, tds: float, skip_days: Sequence[int] = ()) -> None:
    """Food by hand at random hours: a cloud that the filter clears in about 40 minutes, a little more salt."""
    n = len(v["ph"])
    for d in range(days):
        if d in skip_days:
            continue
        for h in rng.uniform(*hours, rng.integers(per_day[0], per_day[1] + 1)):
            at = int(d * DAY_MIN + h * 60)
            v["turb_ntu"] += _decay(n, at, cloud * rng.uniform(0.7, 1.3), 40.0)
            v["tds_ppm"][at:] += tds


def _label_temperature(faults: list[dict[str, Any]], kinds: Sequence[str], water: Array, healthy: Array) -> None:
    """A heater fault is labelled from its start (the heater is wrong from that minute, however slowly the water
    shows it) until the water is back within 0.3 °C of the healthy range."""
    for f in faults:
        if f["kind"] in kinds:
            f["recovery"] = settled_after(water, healthy, f["end"])


def _mix(x: Array, at: int, fraction: float, new: float) -> None:
    """From minute ``at``, ``fraction`` of the water replaced by water reading ``new``."""
    x[at:] = x[at:] * (1.0 - fraction) + new * fraction


# --------------------------------------------------------------------------- a 12 l shrimp cube

@dataclass
class JugChange:
    """A nano's water change in its real order: drained through airline tubing, a wait while the keeper mixes
    remineralised water, a slow drip back in; filter and heater off meanwhile."""

    at: int
    cm: float
    new_c: float
    drain: int = 8
    wait: int = 20
    refill: int = 20
    new_tds: float = 190.0

    @property
    def refill_at(self) -> int:
        return self.at + self.drain + self.wait

    @property
    def end(self) -> int:
        return self.refill_at + self.refill


def nano_cube_month(days: int = 30, seed: int = 1012, faults: tuple | None = None) -> Scenario:
    """Written round 10 blind, never tuned on: a 12 l shrimp cube on a kitchen shelf.

    25×25×25 cm, 20 cm of water (0.6 l a cm), cherry shrimp, moss and a few
    snails; a little hang-on filter (2 l/min) on the controller's relay; an
    oversized 50 W heater (+3.4 °C/h at full power) with its own thermostat
    at 25 °C (on at 24.6, off at 25.4); a glass lid; a kitchen whose heating
    runs on a timer (21 °C from 6:30 to 22:00, 17 °C at night, warmer while
    the keeper cooks at 18:00), so the water's heat balance (a 4 h time
    constant) makes a short sawtooth that is steeper at night.  Remineralised
    RO water (TDS 220, pH 7.1), a light 11:00-21:00 under which the moss
    lifts the pH by about 0.1 (the keeper set 21-28 °C, pH 6.5 and over, TDS
    up to 350, the level 12 cm and over: the filter's intake).  Habits: the keeper feeds a pinch by hand once
    or twice a day at any hour; tops up with RO water to the mark every two or
    three evenings (evaporation concentrates the salts, the top-up dilutes
    them back); every Sunday at a random hour a 30 % change in the shrimp
    keeper's order: filter off at the controller and heater unplugged, 6 cm
    drained through airline tubing in 8 minutes, 15-25 minutes to mix new water
    (TDS 190, 23-26 °C by hand), dripped back in over 20 minutes.  Faults:
    the heater's thermostat welded on on a Friday afternoon (the water climbs
    toward 33 °C until the keeper sees the shrimp at the top at 19:30), a
    corner seam weeping onto the shelf at night (0.25 cm/h, 7 h, labelled from
    its start: every drop is on the shelf), the filter's plug pulled by the
    kettle's (3 h; the relay still on), the thermometer's suction cup letting
    go (it lies under the lid reading the air, 12 h), a mystery snail dying
    under the moss (the rot clouds the water and lowers the pH; labelled from
    its death until the keeper's 50 % change the next morning), the heater's element breaking on
    a cold night (the water falls toward 17 °C until 7:30).  Measured (after
    the label fix): 6 of 6 told, median 18.5 min, 0.39 false alerts a day (each
    Sunday's change: "sump level falling", "heater may have failed" while the
    heater is unplugged, drift; hand feedings; the kitchen's evening).
    """
    D = DAY_MIN
    n = days * D
    i = np.arange(n)
    hour = (i / 60.0) % 24.0
    weather = np.random.default_rng(seed + 1)
    room = heated_room(i, weather, 21.0, 17.0, 6.5, 22.0, 0.8) + lowpass(np.where((hour >= 18.0) & (hour < 19.5),
                                                                                    1.5, 0.0), 30.0)
    if faults is None:
        faults = ({"kind": "heater_stuck_on", "start": 5 * D + 14 * 60, "end": 5 * D + 19 * 60 + 30},
                  {"kind": "leak", "start": 9 * D + 2 * 60, "end": 9 * D + 9 * 60, "cm_per_h": 0.25},
                  {"kind": "filter_unplugged", "start": 12 * D + 16 * 60, "end": 12 * D + 19 * 60},
                  {"kind": "probe_in_air", "start": 16 * D + 8 * 60, "end": 16 * D + 20 * 60},
                  {"kind": "rotting_snail", "start": 20 * D + 3 * 60, "end": 21 * D + 8 * 60},
                  {"kind": "heater_dead_night", "start": 25 * D + 23 * 60, "end": 26 * D + 7 * 60 + 30})
    fault_list = [dict(f) for f in faults]
    mark = 20.0
    changes = [JugChange(d * D + int(weather.uniform(10, 17) * 60), 6.0, float(weather.uniform(23.0, 26.0)),
                         wait=int(weather.integers(15, 26))) for d in range(3, days, 7)]
    changes += [JugChange(f["end"], 10.0, 24.5, drain=12, wait=10, refill=25) for f in fault_list
                if f["kind"] == "rotting_snail"]  # the keeper's 50 % change once the snail is found
    topups = [int((d + weather.uniform(0.78, 0.9)) * D) for d in np.cumsum(weather.uniform(2.0, 3.0, days))
              if d < days - 1]
    unplugged = np.zeros(n, dtype=bool)
    mixes: dict[int, tuple[float, float]] = {}
    for c in changes:
        unplugged[c.at:c.end + 2] = True
        for k in range(c.refill):  # each minute's drip into what is left
            mixes[c.refill_at + k] = (c.cm / c.refill / (mark - c.cm + c.cm * (k + 1) / c.refill), c.new_c)
    for t in topups:
        mixes[t] = (0.015, float(room[t]))  # a 200 ml cup of RO water at the room's temperature
    on_at, off_at, capacity = np.full(n, 24.6), np.full(n, 25.4), np.ones(n)
    for f in fault_list:
        if f["kind"] == "heater_stuck_on":  # welded contacts: it never switches off
            on_at[f["start"]:f["end"]] = off_at[f["start"]:f["end"]] = 100.0
        elif f["kind"] == "heater_dead_night":
            capacity[f["start"]:f["end"]] = 0.0
    water = water_temperature(room, 4.0, 25.0, 3.44, on_at, off_at, capacity=capacity, powered=~unplugged,
                              mixes=mixes)
    healthy = water_temperature(room, 4.0, 25.0, 3.44, 24.6, 25.4, powered=~unplugged, mixes=mixes)
    _label_temperature(fault_list, ("heater_stuck_on", "heater_dead_night"), water, healthy)
    tank = Tank(temp=0.0, temp_swing=0.0, ph=7.1, ph_swing=0.02, tds=220.0, tds_per_day=3.0, turb=0.5,
                feed_turb=0.0, level=mark, evap_cm_per_day=0.35, flow=2.0,
                noise={"temp_c": 0.03, "ph": 0.01, "tds_ppm": 1.0, "turb_ntu": 0.04, "level_cm": 0.04,
                       "flow_lpm": 0.06})

    def habits(v: dict, rng: np.random.Generator) -> list[str]:
        v["temp_c"] = v["temp_c"] + water
        _concentrated(v, _refill_line(v, [c.end for c in changes] + topups, mark), mark)
        out = []
        for c in changes:
            _dip(v, c.at, (0, c.drain, c.drain + c.wait, c.drain + c.wait + c.refill), (0.0, c.cm, c.cm, 0.0))
            v["turb_ntu"] += _decay(n, c.at, 0.8, 30.0)  # the tubing stirs the substrate
            for k in range(c.refill):
                _mix(v["tds_ppm"], c.refill_at + k, mixes[c.refill_at + k][0], c.new_tds)
            v["ph"] += np.where(i >= c.end, 0.06 * np.exp(-np.maximum(i - c.end, 0) / 300.0), 0.0)
            _maintenance(v, c.at, c.end + 2 - c.at)
            out.append(f"water change day {c.at // D} at {c.at % D // 60}:{c.at % 60:02d}")
        v["ph"] += 0.1 * lowpass(((hour >= 11.0) & (hour < 21.0)).astype(float), 120.0)
        _hand_feeding(v, rng, days, (1, 2), (7.0, 22.5), 0.35, 0.4)
        for f in fault_list:
            a, b = f["start"], f["end"]
            if f["kind"] == "filter_unplugged":
                v["flow_lpm"][a:b] = 0.0
            elif f["kind"] == "probe_in_air":  # under the lid, halfway between the water and the kitchen
                v["temp_c"][a:b] = lowpass(0.5 * (room + water), 12.0)[a:b]
            elif f["kind"] == "rotting_snail":  # the rot builds over 18 h; the 50 % change halves it, the filter
                k = np.maximum(i - a, 0)        # clears the rest over the day
                grow = np.where(i < b, np.minimum(1.0, k / (18 * 60.0)), 0.0)
                grow = np.where(i >= b, 0.5 * min(1.0, (b - a) / (18 * 60.0)) * np.exp(-(i - b) / 480.0), grow)
                v["turb_ntu"] += np.where(i >= a, 2.2 * grow, 0.0)
                v["ph"] -= np.where(i >= a, 0.3 * grow, 0.0)
                v["tds_ppm"] += np.where(i >= a, 15.0 * grow, 0.0)
        return out + ["kitchen heating 6:30-22:00", "light 11:00-21:00", "RO top-ups every 2-3 evenings",
                      "feeding by hand at random hours"]

    s = build("12 l shrimp cube on a kitchen shelf (round 10, blind)", "tropical", tank, days, fault_list, habits,
              2.0, seed, apply=apply_stranger_fault)
    s.limits = {"temp_c_low": 21.0, "temp_c_high": 28.0, "ph_low": 6.5, "level_cm_low": 12.0, "flow_lpm_low": 1.0,
                "tds_ppm_high": 350.0}
    return s


# --------------------------------------------------------------------------- a 400 l display over a sump

def _return_off(v: dict, at: int, minutes: int) -> None:
    """The return pump switched off at the controller (pump 0, no flow) while the keeper works."""
    _maintenance(v, at, minutes)


def display_sump_month(days: int = 30, seed: int = 4400, faults: tuple | None = None) -> Scenario:
    """Written round 10 blind, never tuned on: a 400 l Malawi cichlid display over a 100 l sump.

    150×55×50 cm display, an 80×40 cm sump filled to 22 cm (3.2 l a cm),
    where every probe hangs; a return pump of 40 l/min on the controller's
    relay; a 300 W heater in the sump (+0.52 °C/h over the 500 l, its
    thermostat on at 25.3 and off at 25.7 °C: a sawtooth hours long); a
    float-switch top-off adding RO water from a 30 l reservoir whenever the
    sump is 0.4 cm under its mark (evaporation 3.8 l a day: about three fills
    a day); a living room heated 7:00-23:00 (21 °C, 18 °C at night; a 24 h
    time constant); hard water, pH 8.1, TDS 480 (the keeper set pH 7.4-8.8,
    TDS up to 800, temperature 23-28 °C, sump 12 cm and more, flow 15 l/min
    and more).  Habits: an auto-doser adds Malawi buffer at 9:00 and 21:00
    (TDS +2, pH +0.03); lights 10:00-22:00; food by hand twice a day at any
    hour in the morning and evening; the reservoir refilled on Sunday and
    Wednesday evenings; a 20 % change on Saturdays in the keeper's order:
    the return off at the controller (the display drains back: the sump
    rises 5 cm), 100 l drained from the display, refilled from a mixing
    barrel (heated by hand to 24-25.6 °C, TDS 300), the filter socks rinsed,
    the return on an hour later (the sump back to its mark, a cloud);
    a week away (days 15-21, an automatic feeder at 12:00, no change); the
    pH probe recalibrated on day 27 (15 minutes without pH readings, then a
    step).  Faults: the return pump's impeller fouling with calcium over five
    days (flow to 35 %, labelled from 30 % lost, until the keeper cleans it
    in Saturday's change), the heater dead on a cold night (1:00 until a new
    one at 19:00), the doser's tube siphoning its buffer bottle overnight
    (TDS +150, pH +0.35 until 8:00, then a 40 % change; labelled until the
    return is back on), the keeper forgetting to refill the reservoir before
    the holiday (it runs dry on day 18; labelled from when the sump is 1 cm
    below its band until the keeper is back), a hose clamp slipping on the
    return line at 5:30 (0.5 l/min onto the floor; the top-off hides it while
    its reservoir lasts, then the sump falls; until 7:15), the pH probe
    drifting -0.12 a day (labelled from 0.15 off until its recalibration),
    the thermometer's cable corroding (-127 now and then, more and more
    often, then always, until a new probe the next morning).  Measured (after
    the label fix): 7 of 7 told, median 294 min (the clog after 56 h, the dry
    reservoir after 43 h, the drift after 52 h), 0.43 false alerts a day (drift
    on the water changes' TDS step, the holiday feeder, the true pH after the
    recalibration of a drifted probe).
    """
    D = DAY_MIN
    n = days * D
    i = np.arange(n)
    hour = (i / 60.0) % 24.0
    weather = np.random.default_rng(seed + 1)
    room = heated_room(i, weather, 21.0, 18.0, 7.0, 23.0, 0.8)
    if faults is None:
        faults = ({"kind": "flow_decay", "start": 3 * D, "end": 8 * D, "to": 0.35},
                  {"kind": "heater_dead_night", "start": 10 * D + 1 * 60, "end": 10 * D + 19 * 60},
                  {"kind": "doser_siphoning", "start": 12 * D + 2 * 60, "end": 12 * D + 11 * 60 + 30},
                  {"kind": "ato_reservoir_dry", "start": 14 * D + 20 * 60, "end": 21 * D + 20 * 60 + 30},
                  {"kind": "hose_clamp_slipped", "start": 23 * D + 5 * 60 + 30, "end": 23 * D + 7 * 60 + 15,
                   "l_per_min": 0.5},
                  {"kind": "probe_drifting", "start": 24 * D, "end": 27 * D + 10 * 60, "probe": "ph",
                   "per_day": -0.12, "label_from": 24 * D + int(0.15 / 0.12 * D)},
                  {"kind": "cable_corroding", "start": 28 * D + 14 * 60, "end": 29 * D + 9 * 60})
    fault_list = [dict(f) for f in faults]
    changes = [(d * D + int(weather.uniform(9.5, 11.5) * 60), 60, 0.2) for d in range(1, days, 7) if d != 15]
    for f in fault_list:
        if f["kind"] == "flow_decay":  # cleaned in the first change after it began
            f["end"] = min(at for at, _, _ in changes if at > f["start"])
            f["label_from"] = f["start"] + int(0.3 / (1.0 - f["to"]) * (f["end"] - f["start"]))
        elif f["kind"] == "doser_siphoning":  # the keeper's 40 % change, the return back on at the fault's end
            changes.append((f["end"] - 90, 90, 0.4))
    return_off = np.zeros(n, dtype=bool)
    for at, minutes, _ in changes:
        return_off[at:at + minutes] = True
    refills = {d * D + 20 * 60: 30.0 for d in (3, 7, 10, 14, 17, 21, 24, 28)}
    leaks, to_mark = np.zeros(n), list[int]()
    for f in fault_list:
        a, b = f["start"], f["end"]
        if f["kind"] == "ato_reservoir_dry":  # forgotten before the holiday; refilled on the keeper's return
            refills = {t: x for t, x in refills.items() if not a <= t < b}
            refills[b], to_mark = 30.0, [*to_mark, b]
        elif f["kind"] == "hose_clamp_slipped":  # found at b - 18: the return off while the clamp is refitted,
            leaks[a:b - 18] = f["l_per_min"]  # then the sump and the top-off's reservoir filled
            return_off[b - 18:b - 3] = True
            refills[b - 1], to_mark = 30.0, [*to_mark, b - 1]
    evaporation = np.full(n, 3.8 / D) * (1.0 + 0.3 * np.sin(2 * np.pi * (hour - 9.0) / 24.0))
    level, salts, left = SumpPlumbing(evaporation).run(refills, return_off, leaks, to_mark)
    for f in fault_list:
        if f["kind"] == "ato_reservoir_dry":  # from the sump 1 cm below the float's band
            f["start"] = int(np.flatnonzero((left <= 0.0) & (i >= f["start"]))[0])
            f["label_from"] = int(np.flatnonzero((level < 22.0 - 0.4 - 1.0) & (i >= f["start"]))[0])
    mixes = {at + minutes: (fraction, float(weather.uniform(24.0, 25.6))) for at, minutes, fraction in changes}
    capacity = np.where(_spans(fault_list, "heater_dead_night", n), 0.0, 1.0)
    water = water_temperature(room, 24.0, 25.5, 0.52, 25.3, 25.7, capacity=capacity, mixes=mixes)
    healthy = water_temperature(room, 24.0, 25.5, 0.52, 25.3, 25.7, mixes=mixes)
    _label_temperature(fault_list, ("heater_dead_night",), water, healthy)
    tank = Tank(temp=0.0, temp_swing=0.0, ph=8.1, ph_swing=0.02, tds=480.0, tds_per_day=5.0, turb=1.0,
                feed_turb=0.0, level=0.0, evap_cm_per_day=0.0, flow=40.0,
                noise={"temp_c": 0.02, "ph": 0.01, "tds_ppm": 2.0, "turb_ntu": 0.05, "level_cm": 0.06,
                       "flow_lpm": 0.5})

    def habits(v: dict, rng: np.random.Generator) -> list[str]:
        v["temp_c"] = v["temp_c"] + water
        v["level_cm"] = v["level_cm"] + level
        v["tds_ppm"] = v["tds_ppm"] * salts
        for d in range(days):
            for h in (9.0, 21.0):  # the auto-doser
                at = int(d * D + h * 60)
                v["tds_ppm"] += np.clip((i - at) / 10.0, 0.0, 1.0) * 2.0
                v["ph"] += _decay(n, at, 0.03, 180.0)
        v["ph"] += 0.04 * lowpass(((hour >= 10.0) & (hour < 22.0)).astype(float), 120.0)
        away = range(15, 22)
        _hand_feeding(v, rng, days, (1, 1), (7.0, 9.0), 0.6, 1.0, skip_days=away)
        _hand_feeding(v, rng, days, (1, 1), (17.0, 20.5), 0.6, 1.0, skip_days=away)
        for d in away:
            v["turb_ntu"] += _decay(n, d * D + 12 * 60, 0.9, 40.0)
        for f in fault_list:
            if f["kind"] == "doser_siphoning":  # the whole bottle, until the keeper pulls the tube at 8:00
                a, stop = f["start"], f["end"] - 210
                ramp = np.clip((i - a) / (stop - a), 0.0, 1.0)
                v["tds_ppm"] += 150.0 * ramp  # (the change below dilutes it with the rest)
                kept = np.where(i >= f["end"], 0.6 * np.exp(-np.maximum(i - f["end"], 0) / (3 * D)), 1.0)
                v["ph"] += 0.35 * ramp * kept  # the buffer lingers, slowly used up
        out = []
        for at, minutes, fraction in changes:
            back_on = at + minutes
            _mix(v["tds_ppm"], back_on, fraction, 300.0)
            v["ph"] -= _decay(n, back_on, 0.25 * fraction, 240.0)
            v["turb_ntu"] += _decay(n, back_on, 1.2, 30.0)  # the socks rinsed, the display stirred
            _return_off(v, at, minutes)
            out.append(f"water change day {at // D} ({fraction:.0%})")
        for f in fault_list:
            if f["kind"] == "hose_clamp_slipped":
                _return_off(v, f["end"] - 18, 15)
        return out + ["auto-doser 9:00, 21:00", "lights 10:00-22:00", "living room heated 7:00-23:00",
                      "away days 15-21", "pH probe recalibrated day 27"]

    s = build("400 l Malawi display over a sump (round 10, blind)", "tropical", tank, days, fault_list, habits,
              2.0, seed, apply=apply_stranger_fault)
    _recalibrate_and_corrode(s, fault_list, np.random.default_rng(seed + 2))
    s.limits = {"temp_c_low": 23.0, "temp_c_high": 28.0, "ph_low": 7.4, "ph_high": 8.8, "tds_ppm_high": 800.0,
                "level_cm_low": 12.0, "flow_lpm_low": 15.0}
    return s


def _recalibrate_and_corrode(s: Scenario, faults: list[dict[str, Any]], rng: np.random.Generator) -> None:
    """What the device reports, drawn over the noise: no pH for the 15 minutes of a recalibration (the probe is
    in buffers, the device leaves its readings out) at the end of a pH drift; a corroding thermometer cable
    reading -127 more and more often over six hours, then always."""
    rel = (s.t_ms - s.t_ms[0]) // 60_000
    for f in faults:
        a, b = np.searchsorted(rel, f["start"]), np.searchsorted(rel, f["end"])
        if f["kind"] == "probe_drifting" and f["probe"] == "ph":
            s.values["ph"][b:b + 15] = np.nan
        elif f["kind"] == "cable_corroding":
            odds = np.clip(0.05 + (rel[a:b] - f["start"]) / 360.0, 0.0, 1.0)
            s.values["temp_c"][a:b] = np.where(rng.uniform(size=b - a) < odds, -127.0, s.values["temp_c"][a:b])


# --------------------------------------------------------------------------- a 1000 l IBC koi pond outdoors

def koi_pond_month(days: int = 30, seed: int = 1000, faults: tuple | None = None) -> Scenario:
    """Written round 10 blind, never tuned on: a 1000 l IBC koi pond in a garden, early summer.

    A cut-down IBC sunk in the lawn, 1.2×1.0 m, 80 cm of water (12 l a cm),
    an overflow pipe at 88 cm; four young koi; a 50 l/min pump through a
    pressurised filter with a UV lamp, on the controller's relay; no heater:
    the water follows the weather through a 30 h time constant (air 17 °C
    ±5, warmest at 15:00, wandering ±3 day to day; the sun on the black
    plastic warms it on sunny days), so it swings 1-2 °C a day; green water
    (turbidity 3) whose algae lift the pH by day (7.8 ±0.25 on a sunny day);
    tap-fed (TDS 380; the keeper set 6-28 °C, pH 6.8-8.6, TDS up to 600,
    80 cm minus 10 for the pump's intake, flow 20 l/min and more).  Habits:
    the koi fed by hand two to four times a day at any hour from 8:00 to
    20:00 (they stir the bottom); rain (a runoff cloud, 13 °C rainwater with
    no salts and no KH); every Sunday morning the pump off at the controller
    for 20-30 minutes while three buckets of pond water rinse the foams
    (3 cm taken), a brown cloud when it restarts, then the hose (12 °C, TDS
    330, dechlorinated) to the mark; a Wednesday-evening top-up with the hose,
    the keeper watching until the mark; a monthly 8 cm change through the
    pump's diverter on day 10; away for the weekend of days 18-20 (a
    neighbour feeds at 18:00).  Faults: the hose left running at the
    Wednesday top-up while the keeper has dinner (untreated tap water, the
    pond overflowing: labelled from the mark until the tap is shut, 2 h),
    the pre-filter clogging with leaves after a windy storm (flow to 30 %
    over 42 h, labelled from 30 % lost), the outdoor RCD tripping in the rain
    at 2:30 (pump and UV off, the relay still on, until 7:30), a KH crash
    after a day of heavy rain (the pH sliding 1.0 through the night,
    labelled from 0.3 below usual until the keeper adds bicarbonate at 9:00),
    a heron knocking the probe bundle out at dawn (the thermometer in the
    sun, the conductivity cell dry (0), the pH glass drying, the turbidity window
    in air, until 17:30), algae fouling the turbidity window (+0.9 NTU a day,
    labelled from 1 NTU off until the keeper wipes it).  Measured (after the pH
    fix): 5 of 6 told (the fouled window never), median 98 min, 0.07 false
    alerts a day (Sunday's rinse, the hose's cold water the next morning, warm
    and cool days).
    """
    D = DAY_MIN
    n = days * D
    i = np.arange(n)
    hour = (i / 60.0) % 24.0
    day = np.minimum(i // D, days - 1)
    weather = np.random.default_rng(seed + 1)
    air = room_air(days, weather, 17.0, 5.0, 15.0, 3.0)
    storms = [(7 * D + 20 * 60, 6 * 60, 4.0), (12 * D + 22 * 60, 8 * 60, 3.0), (20 * D + 8 * 60, 12 * 60, 3.0)]
    for d in weather.choice([2, 4, 5, 9, 11, 16, 23, 26, 28], 4, replace=False):
        storms.append((int(d * D + weather.uniform(0, 20) * 60), int(weather.uniform(2, 6) * 60),
                       float(weather.uniform(0.5, 2.5))))
    rain_mm = np.zeros(n)
    for at, minutes, per_h in storms:
        rain_mm[at:at + minutes] += per_h / 60.0
    wet_days = {int(d) for d in np.unique(day[rain_mm > 0])}
    sunny = np.array([weather.uniform() < 0.55 and d not in wet_days for d in range(days)])
    daylight = np.clip(np.sin(np.pi * (hour - 6.0) / 14.0), 0.0, None)
    sun = np.where(sunny[day], 0.35, 0.08) * daylight
    if faults is None:
        faults = ({"kind": "hose_left_running", "start": 6 * D + 19 * 60, "end": 6 * D + 21 * 60},
                  {"kind": "flow_decay", "start": 8 * D, "end": 9 * D + 18 * 60, "to": 0.3},
                  {"kind": "rcd_tripped", "start": 13 * D + 2 * 60 + 30, "end": 13 * D + 7 * 60 + 30},
                  {"kind": "kh_crash", "start": 21 * D + 20 * 60, "end": 22 * D + 9 * 60, "drop": 1.0},
                  {"kind": "probe_bundle_out", "start": 25 * D + 5 * 60, "end": 25 * D + 17 * 60 + 30},
                  {"kind": "turbidity_fouling", "start": 27 * D + 6 * 60, "end": 29 * D + 18 * 60, "per_day": 0.9})
    fault_list = [dict(f) for f in faults]
    mark, hose_cm, tap_c, tap_tds, start_tds = 80.0, 0.5, 12.0, 330.0, 380.0
    cleanings = [(d * D + int(weather.uniform(9, 12) * 60), int(weather.integers(20, 31))) for d in range(3, days, 7)]
    top_up_at = [d * D + 19 * 60 for d in range(6, days, 7)] + [at + minutes + 15 for at, minutes in cleanings]
    hose_left = {f["start"]: f for f in fault_list if f["kind"] == "hose_left_running"}
    evaporated = np.where(sunny[day], 0.6, 0.25) / D * (0.3 + 1.4 * daylight)  # cm a minute, most by day
    taken = np.zeros(n)
    for at, _ in cleanings:
        taken[at:at + 10] += 0.3  # three buckets to rinse the foams, poured on the lawn
    change_at = 10 * D + 8 * 60 + 30
    taken[change_at:change_at + 4] += 2.0  # the monthly change: 8 cm through the diverter
    inflow, inflow_tds = rain_mm * 0.12, np.full(n, 10.0)
    # the hose runs until the keeper sees the mark: a pass to find the depth at each top-up, then the pond
    depth = PondWater(evaporated, inflow, inflow_tds, taken).run(mark - 0.4, start_tds)[0]
    for at in sorted(top_up_at):
        minutes = int(np.ceil(max(0.0, mark - depth[at]) / hose_cm))
        if at in hose_left:
            hose_left[at]["label_from"] = at + minutes
            minutes = hose_left[at]["end"] - at
        inflow[at:at + minutes] += hose_cm
        inflow_tds[at:at + minutes] = tap_tds
        depth = PondWater(evaporated, inflow, inflow_tds, taken).run(mark - 0.4, start_tds)[0]
    depth, tds, fractions = PondWater(evaporated, inflow, inflow_tds, taken).run(mark - 0.4, start_tds)
    mixes = {k: (f, tap_c if inflow_tds[k] == tap_tds else 13.0) for k, f in fractions.items()}
    water = water_temperature(air, 30.0, 18.5, 0.0, -100.0, -100.0, extra_c_per_h=sun, mixes=mixes)
    for f in fault_list:
        a, b = f["start"], f["end"]
        if f["kind"] == "flow_decay":
            f["label_from"] = a + int(0.3 / (1.0 - f["to"]) * (b - a))
        elif f["kind"] == "kh_crash":
            f["label_from"], f["recovery"] = a + int(0.3 / f["drop"] * 600), 180
        elif f["kind"] == "turbidity_fouling":
            f["label_from"] = a + int(1.0 / f["per_day"] * D)
    tank = Tank(temp=0.0, temp_swing=0.0, ph=7.8, ph_swing=0.0, tds=0.0, tds_per_day=0.0, turb=3.0, feed_turb=0.0,
                level=0.0, evap_cm_per_day=0.0, flow=50.0,
                noise={"temp_c": 0.03, "ph": 0.012, "tds_ppm": 2.0, "turb_ntu": 0.12, "level_cm": 0.15,
                       "flow_lpm": 0.8})

    def habits(v: dict, rng: np.random.Generator) -> list[str]:
        v["temp_c"] = v["temp_c"] + water
        v["level_cm"] = v["level_cm"] + depth + rng.normal(scale=0.3, size=n) * (rain_mm > 0)  # drops on the water
        v["tds_ppm"] = v["tds_ppm"] + tds
        swing = np.interp(i / D, np.arange(days) + 0.5, np.where(sunny, 0.25, 0.12))  # from one day's to the next
        v["ph"] += swing * np.sin(2 * np.pi * (hour - 10.0) / 24.0)
        v["ph"] -= 0.05 * lowpass(rain_mm * 0.12 * 2 * D, 2 * D)  # each cm of rain takes some KH, for days
        v["turb_ntu"] += lowpass(rain_mm * 0.12 * 60.0, 180.0)  # runoff from the lawn
        away = (18, 19)
        _hand_feeding(v, rng, days, (2, 4), (8.0, 20.0), 1.2, 0.4, skip_days=away)
        for d in away:
            v["turb_ntu"] += _decay(n, d * D + 18 * 60, 1.2, 40.0)
        out = []
        for at, minutes in cleanings:
            _maintenance(v, at, minutes)
            v["turb_ntu"] += _decay(n, at + minutes, 4.0, 40.0)
            out.append(f"filter rinsed day {at // D}")
        v["flow_lpm"][change_at:change_at + 4] *= 0.5  # half the pump's water to the lawn
        for f in fault_list:
            a, b = f["start"], f["end"]
            if f["kind"] == "rcd_tripped":
                v["flow_lpm"][a:b] = 0.0
            elif f["kind"] == "kh_crash":  # no buffer left: the night's respiration takes the pH down
                slide = np.where(i < b, -f["drop"] * np.clip((i - a) / 600.0, 0.0, 1.0), 0.0)
                at_b = -f["drop"] * min(1.0, (b - a) / 600.0)
                v["ph"] += np.where(i >= b, at_b * np.exp(-np.maximum(i - b, 0) / 60.0), slide)
            elif f["kind"] == "probe_bundle_out":
                in_sun = lowpass(air + 6.0 * np.where(sunny[day], 1.0, 0.3) * daylight, 10.0)
                v["temp_c"][a:b] = in_sun[a:b]
                v["ph"][a:b] += np.linspace(0.0, 0.6, b - a) + rng.normal(scale=0.05, size=b - a)
                v["turb_ntu"][a:b] = 0.3
            elif f["kind"] == "turbidity_fouling":
                v["turb_ntu"] += np.where((i >= a) & (i < b), f["per_day"] * (i - a) / D, 0.0)
        return out + ["feeding by hand at random hours", "rain and sun", "hose top-ups on Wednesdays and Sundays",
                      "monthly 8 cm change day 10", "away days 18-19"]

    s = build("1000 l IBC koi pond in a garden (round 10, blind)", "cold-water", tank, days, fault_list, habits,
              2.0, seed, apply=apply_stranger_fault)
    for f in fault_list:
        if f["kind"] == "probe_bundle_out":  # a dry conductivity cell reads nothing at all
            s.values["tds_ppm"][f["start"]:f["end"]] = 0.0
    s.limits = {"temp_c_low": 6.0, "temp_c_high": 28.0, "ph_low": 6.8, "ph_high": 8.6, "tds_ppm_high": 600.0,
                "level_cm_low": 70.0, "flow_lpm_low": 20.0}
    return s


#: the round-10 months written blind, in the bench's order
STRANGERS = (nano_cube_month, display_sump_month, koi_pond_month)
