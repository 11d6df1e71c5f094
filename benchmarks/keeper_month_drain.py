"""Round 10's months for water changes drained first and refilled later, as keepers really change water.

A keeper siphons 20-50 % out (the level falls 15-40 cm/h for 5-20 minutes;
the gravel vacuum stirs the turbidity up), waits (cleans, fetches buckets:
5-40 minutes), then pours or pumps the new water in (the level back to about
its mark in 5-15 minutes; the new water is cooler, softer and cloudy for a
while), sometimes with the filter switched off through the controller for the
whole change.  The tank's level probe is in the display tank (no sump): the
level the rules watch is the water the keeper moves.

Faults among them: a siphon left running after a change, a hose leak at
another time, a burst hose, a slow seam leak, a heater left unplugged after a
change, the filter not restarted after a change, a pH crash.  Written for
issue 16's round 10 and tuned on (with the tuning months of
``keeper_month.py``); the blind months are the check.  It reuses
``keeper_month.py``'s physics and helpers.

Examples
--------
>>> s = drain_community_month(days=10)
>>> s.profile, len(s.t_ms) == 10 * 1440, bool(s.labels.any())
('tropical', True, True)
"""

from __future__ import annotations

from typing import Any

import numpy as np

from benchmarks.keeper_month import DAY_MIN, Scenario, Tank, _hand_top_ups, apply_fault, build


def drained_change(v: dict, rng: np.random.Generator, at: int, depth_cm: float, rate_cm_per_h: float,
                   wait_min: int, refill_min: int, tap_tds: float, tap_temp: float, pump_off: bool = False) -> int:
    """One water change in a keeper's order from minute ``at``: drain ``depth_cm`` at ``rate_cm_per_h``, wait,
    refill in ``refill_min`` with tap water (``tap_tds``, ``tap_temp``); returns the minute the refill ended."""
    n = len(v["level_cm"])
    i = np.arange(n)
    drain_min = max(2, int(round(depth_cm / rate_cm_per_h * 60)))
    fill_at = at + drain_min + wait_min
    end = fill_at + refill_min
    mark = float(v["level_cm"][at])
    fraction = depth_cm / mark
    refilled = float(rng.uniform(-0.3, 0.3))  # the keeper fills to about the mark, not to the mm
    out = np.where((i >= at) & (i < at + drain_min), -rate_cm_per_h * (i - at) / 60.0, 0.0)
    out = np.where((i >= at + drain_min) & (i < fill_at), -depth_cm, out)
    back = np.clip((i - fill_at) / refill_min, 0.0, 1.0)
    out = np.where((i >= fill_at) & (i < end), -depth_cm + (depth_cm + refilled) * back, out)
    out = np.where(i >= end, refilled, out)
    v["level_cm"] += out
    # the gravel vacuum stirs the water up while it drains; the new water is cloudy for a while
    stir = np.where((i >= at) & (i < fill_at), 0.8 * np.minimum(1.0, (i - at) / 5.0), 0.0)
    cloud = np.where(i >= fill_at, 1.0 * back * np.exp(-np.maximum(i - end, 0) / 40.0), 0.0)
    v["turb_ntu"] += stir + cloud
    mixed = fraction * back  # the share of new water, growing while it pours in
    v["tds_ppm"] -= np.where(i >= fill_at, mixed * (float(v["tds_ppm"][fill_at]) - tap_tds), 0.0)
    heat_back = np.exp(-np.maximum(i - end, 0) / 90.0)  # the heater brings it back over an hour or two
    v["temp_c"] -= np.where(i >= fill_at, mixed * (float(v["temp_c"][fill_at]) - tap_temp) * heat_back, 0.0)
    v["ph"] += np.where(i >= fill_at, 0.04 * back * np.exp(-np.maximum(i - end, 0) / 360.0), 0.0)
    if pump_off:  # the filter switched off through the controller for the whole change
        off = (i >= at - 2) & (i < end + 3)
        v["pump"][off] = 0.0
        v["flow_lpm"][off] = 0.0
    return end


def apply_drain_fault(v: dict, f: dict[str, Any], rng: np.random.Generator) -> None:
    """:func:`benchmarks.keeper_month.apply_fault` plus what a water change leaves behind."""
    a, b = f["start"], f["end"]
    i = np.arange(len(v["level_cm"]))
    if f["kind"] == "siphon_left":  # the siphon still in after the refill: it drains until the keeper sees it
        v["level_cm"] += np.where((i >= a) & (i < b), -f["cm_per_h"] * (i - a) / 60.0, 0.0)
    elif f["kind"] == "heater_unplugged":  # the heater not plugged back in: the new water stays cool, then cools
        v["temp_c"] += np.where((i >= a) & (i < b), -f["rate"] * (i - a) / 60.0, 0.0) + np.where(
            i >= b, -f["rate"] * (b - a) / 60.0 * np.exp(-(i - b) / 90.0), 0.0)
    elif f["kind"] == "filter_not_restarted":
        v["flow_lpm"][(i >= a) & (i < b)] = 0.0
    else:
        apply_fault(v, f, rng)


def _changes(v: dict, rng: np.random.Generator, days_at: list[float], depth: tuple[float, float],
             rate: tuple[float, float], tap_tds: float, tap_temp: float, pump_off_every: int = 0,
             fixed: dict[int, dict[str, Any]] | None = None) -> list[str]:
    """The keeper's water changes at ``days_at`` (day + fraction: the minute drained); ``fixed`` pins one
    change's shape (the faults that follow it are written against its refill)."""
    out = []
    for k, day in enumerate(days_at):
        shape = dict(depth_cm=float(rng.uniform(*depth)), rate_cm_per_h=float(rng.uniform(*rate)),
                     wait_min=int(rng.uniform(5, 40)), refill_min=int(rng.uniform(5, 15)))
        shape.update((fixed or {}).get(k, {}))
        pump_off = bool(shape.pop("pump_off", bool(pump_off_every) and k % pump_off_every == 1))
        end = drained_change(v, rng, int(day * DAY_MIN), tap_tds=tap_tds, tap_temp=tap_temp, pump_off=pump_off,
                             **shape)
        out.append(f"water change day {day:.2f}: {shape['depth_cm']:.1f} cm at {shape['rate_cm_per_h']:.0f} cm/h, "
                   f"refilled by minute {end - int(day * DAY_MIN)}")
    return out


def drain_community_month(days: int = 30, seed: int = 1010) -> Scenario:
    """A 100 l community tank (level probe in the display tank, 30 cm of water), weekly 25-45 % changes.

    The keeper drains at 18-30 cm/h at a time of day that varies (9:00-20:00),
    the filter left running.  Faults: the siphon left running after the
    second change (20 cm/h, 40 min), a hose leak at night (14 cm/h, 45 min), a
    heater left unplugged after the third change, a slow seam leak (0.6 cm/h,
    8 h), the filter not restarted after the fourth change, a pH crash.
    """
    D = DAY_MIN
    tank = Tank(temp=25.5, temp_swing=0.3, ph=7.2, ph_swing=0.05, tds=260.0, tds_per_day=3.0, turb=0.8,
                feed_turb=0.4, feed_hours=(8.5, 19.0), level=30.0, evap_cm_per_day=0.4, flow=8.0, heat_tau_h=1.5)
    days_at = [d + float(np.random.default_rng(seed + d).uniform(9, 20)) / 24 for d in range(2, days, 7)]
    fixed = {1: dict(depth_cm=9.0, rate_cm_per_h=24.0, wait_min=20, refill_min=10),
             2: dict(depth_cm=10.0, rate_cm_per_h=22.0, wait_min=25, refill_min=10),
             3: dict(depth_cm=8.0, rate_cm_per_h=26.0, wait_min=15, refill_min=8)}
    ends = {k: int(days_at[k] * D) + int(round(s["depth_cm"] / s["rate_cm_per_h"] * 60)) + s["wait_min"]
            + s["refill_min"] for k, s in fixed.items() if k < len(days_at)}
    never = days * D + 1  # (a shorter month: the faults after its last change are left out)

    def habits(v: dict, rng: np.random.Generator) -> list[str]:
        out = _changes(v, rng, days_at, (7.5, 13.5), (18.0, 30.0), tap_tds=150.0, tap_temp=21.0, fixed=fixed)
        _hand_top_ups(v, rng, days, 1.3, (0.3, 0.6), (2.0, 4.0))
        return out + ["hand top-ups every 2-4 days", "feeding 8:30 and 19:00"]

    faults = [{"kind": "siphon_left", "start": ends.get(1, never) + 6, "end": ends.get(1, never) + 46,
               "cm_per_h": 20.0},
              {"kind": "leak", "start": 12 * D + 3 * 60, "end": 12 * D + 3 * 60 + 45, "cm_per_h": 14.0},
              {"kind": "heater_unplugged", "start": ends.get(2, never), "end": ends.get(2, never) + 300, "rate": 0.5},
              {"kind": "leak", "start": 19 * D + 22 * 60, "end": 20 * D + 6 * 60, "cm_per_h": 0.6},
              {"kind": "filter_not_restarted", "start": ends.get(3, never) + 5, "end": ends.get(3, never) + 120},
              {"kind": "ph_crash", "start": 26 * D + 15 * 60, "end": 26 * D + 20 * 60, "drop": 0.5}]
    faults = [f for f in faults if f["end"] < days * D]
    return build("round 10: a 100 l community tank, weekly changes drained first", "tropical", tank, days, faults,
                 habits, 1.5, seed, apply=apply_drain_fault)


def drain_goldfish_month(days: int = 30, seed: int = 2020) -> Scenario:
    """A 150 l cold-water goldfish tank (36 cm of water), 30-50 % changes twice a week, often with the filter
    switched off through the controller.

    The keeper drains fast with a pump hose (28-40 cm/h) in the morning or the
    evening.  Faults: a burst hose (60 cm/h, 10 min), the siphon left running
    after a change (25 cm/h, 30 min), a slow leak (0.4 cm/h, 10 h), a dosing
    mistake, the filter stopping on its own (no heater: the water follows the
    room).
    """
    D = DAY_MIN
    tank = Tank(temp=20.0, temp_swing=0.6, ph=7.6, ph_swing=0.04, tds=320.0, tds_per_day=5.0, turb=1.2,
                feed_turb=0.8, feed_hours=(8.0, 18.0), level=36.0, evap_cm_per_day=0.3, flow=12.0, heat_tau_h=6.0,
                noise={"temp_c": 0.03, "ph": 0.01, "tds_ppm": 1.5, "turb_ntu": 0.06, "level_cm": 0.08,
                       "flow_lpm": 0.1})
    rng0 = np.random.default_rng(seed)
    days_at = []
    d = 2.0
    while d < days - 0.5:
        days_at.append(int(d) + float(rng0.choice([rng0.uniform(7.5, 9.5), rng0.uniform(18, 21)])) / 24)
        d += float(rng0.choice([3.0, 4.0]))
    fixed = {3: dict(depth_cm=14.0, rate_cm_per_h=34.0, wait_min=15, refill_min=12, pump_off=False)}
    end3 = int(days_at[3] * D) + int(round(14.0 / 34.0 * 60)) + 15 + 12 if len(days_at) > 3 else days * D + 1

    def habits(v: dict, rng: np.random.Generator) -> list[str]:
        out = _changes(v, rng, days_at, (11.0, 18.0), (28.0, 40.0), tap_tds=200.0, tap_temp=17.0,
                       pump_off_every=2, fixed=fixed)
        _hand_top_ups(v, rng, days, 1.6, (0.6, 1.0), (2.5, 3.5))
        return out + ["hand top-ups every 2.5-3.5 days", "feeding 8:00 and 18:00"]

    faults = [{"kind": "siphon_left", "start": end3 + 4, "end": end3 + 34, "cm_per_h": 25.0},
              {"kind": "leak", "start": 17 * D + 13 * 60, "end": 17 * D + 13 * 60 + 10, "cm_per_h": 60.0},
              {"kind": "leak", "start": 21 * D + 1 * 60, "end": 21 * D + 11 * 60, "cm_per_h": 0.4},
              {"kind": "dose", "start": 24 * D + 16 * 60, "end": 25 * D + 4 * 60, "ppm": 140.0},
              {"kind": "pump_stopped", "start": 27 * D + 3 * 60, "end": 27 * D + 8 * 60}]
    faults = [f for f in faults if f["end"] < days * D]
    return build("round 10: a 150 l goldfish tank, changes twice a week drained first", "cold-water", tank, days,
                 faults, habits, 1.5, seed, apply=apply_drain_fault)


DRAIN = (drain_community_month, drain_goldfish_month)
