"""Round 13's keeper months written blind (benchmarks/keeper_month_strangers13.py, keeper_month_strangers13_awc.py):
the simulation, not the engine.

Each month builds on the minute grid, has five or six faults of the kinds its docstring names, each labelled from
its ``label_from`` to its end plus its recovery (round 10's check) and moving the water or the readings it names;
outside the labels the water stays inside the keeper's own limits (round 8's check), every reading is a number a
probe could give (round 10's check) and no reading is missing; the plumbing the docstrings describe is in the
readings, and a month is the same month every time it is built.  No month runs through the engine here.
"""

from __future__ import annotations

import doctest
import functools

import numpy as np
import pytest
from scipy.ndimage import median_filter

import benchmarks.keeper_month_strangers13 as strangers13
import benchmarks.keeper_month_strangers13_awc as awc
from benchmarks.keeper_month import COLUMNS, DAY_MIN, START_MS, Scenario
from benchmarks.keeper_month_paludarium import weekday
from benchmarks.keeper_month_strangers13 import (
    STRANGERS13,
    awc_fishroom_month,
    blackwater_basement_month,
    hospital_tank_month,
)
from tests.test_keeper_month_strangers import (  # the same checks, here over the `month` fixture below
    assert_each_fault_moves_what_it_names,
    test_each_fault_is_labelled_from_its_label_from_to_its_recovery_and_nothing_else,  # noqa: F401
    test_outside_the_faults_every_reading_is_one_a_probe_could_give,  # noqa: F401
)
from tests.test_keeper_month_unseen import (
    test_outside_the_faults_the_water_is_within_the_keepers_limits,  # noqa: F401
)

#: the fault kinds each month's docstring names
KINDS = {blackwater_basement_month: {"calcareous_rock", "quick_disconnect_weeping", "canister_stalled",
                                     "inline_heater_stuck", "refill_interrupted"},
         hospital_tank_month: {"salt_double_dose", "dial_overturned", "air_pump_failed", "heater_glass_cracked",
                               "biofilter_crash", "outflow_over_rim"},
         awc_fishroom_month: {"awc_solenoid_stuck", "awc_drain_blocked", "mixing_valve_hot", "return_pump_cycling",
                              "awc_timer_dead", "thermometer_water_ingress"}}
#: what each fault kind moves in the readings, and by at least how much (from the median of the hour before)
MOVES = {"calcareous_rock": ("ph", 0.7), "quick_disconnect_weeping": ("level_cm", 3.0),
         "canister_stalled": ("temp_c", 3.0), "inline_heater_stuck": ("temp_c", 3.0),
         "refill_interrupted": ("temp_c", 2.0),
         "salt_double_dose": ("tds_ppm", 900.0), "dial_overturned": ("temp_c", 3.0), "air_pump_failed": ("ph", 0.25),
         "heater_glass_cracked": ("temp_c", 7.0), "biofilter_crash": ("turb_ntu", 1.5),
         "outflow_over_rim": ("level_cm", 2.5),
         "awc_solenoid_stuck": ("temp_c", 4.0), "awc_drain_blocked": ("level_cm", 14.0),
         "mixing_valve_hot": ("temp_c", 0.9), "return_pump_cycling": ("flow_lpm", 20.0),
         "awc_timer_dead": ("level_cm", 3.0)}
#: a probe that gives no reading or a wrong one, not the water: checked on its own
BROKEN_PROBE = {"thermometer_water_ingress": "temp_c"}

built = functools.cache(lambda make: make())  # a month takes a second: built once per run


@pytest.fixture(params=STRANGERS13, ids=lambda f: f.__name__)
def month(request) -> Scenario:
    return built(request.param)


def _fault(s: Scenario, kind: str) -> dict:
    return next(f for f in s.faults if f["kind"] == kind)


def test_a_month_is_thirty_days_of_minutes_with_its_faults_of_the_stated_kinds(month: Scenario) -> None:
    s = month
    kinds = next(k for make, k in KINDS.items() if built(make) is s)
    assert s.t_ms[0] == START_MS and np.all(np.diff(s.t_ms) == 60_000) and len(s.t_ms) == 30 * DAY_MIN
    assert set(s.values) == set(COLUMNS) and all(len(x) == len(s.t_ms) for x in s.values.values())
    assert 5 <= len(s.faults) <= 6 and {f["kind"] for f in s.faults} == kinds
    assert "blind" in s.name and "round 13" in s.name and s.profile == "tropical"
    assert s.labels.any() and not s.labels[:2 * DAY_MIN].any()  # the labels inside the month, after the warm-up


def test_a_month_is_the_same_every_time_and_another_seed_another_month() -> None:
    for make in STRANGERS13:
        a, b, c = make(days=4, faults=()), make(days=4, faults=()), make(days=4, seed=7, faults=())
        for k in COLUMNS:
            np.testing.assert_array_equal(a.values[k], b.values[k])
        assert not np.array_equal(a.values["temp_c"], c.values["temp_c"])
        np.testing.assert_array_equal(a.labels, b.labels)


def test_each_fault_moves_what_it_names(month: Scenario) -> None:
    water = Scenario(month.name, month.profile, month.t_ms, month.values, month.labels,
                     [f for f in month.faults if f["kind"] not in BROKEN_PROBE])
    assert_each_fault_moves_what_it_names(water, MOVES)


def test_water_in_the_thermometer_drops_readings_and_reads_85_only_while_it_lasts() -> None:
    s = built(awc_fishroom_month)
    f = _fault(s, "thermometer_water_ingress")
    x = s.values["temp_c"]
    during = x[f["start"]:f["end"]]
    assert np.isnan(during).sum() > 100 and (during == 85.0).sum() > 60
    late, early = during[-360:], during[:360]  # ever more often
    assert np.sum(~np.isfinite(late) | (late == 85.0)) > 3 * np.sum(~np.isfinite(early) | (early == 85.0))
    outside = np.ones(len(x), dtype=bool)
    outside[f["start"]:f["end"]] = False
    assert np.isfinite(x[outside]).all() and x[outside].max() < 40.0
    for channel, y in s.values.items():
        if channel != "temp_c":
            assert np.isfinite(y).all(), channel


def test_no_reading_is_missing_in_the_other_months() -> None:
    for make in (blackwater_basement_month, hospital_tank_month):
        for channel, x in built(make).values.items():
            assert np.isfinite(x).all(), channel


def test_the_inline_heater_heats_only_the_water_that_flows_through_it() -> None:
    s = built(blackwater_basement_month)
    temp = median_filter(s.values["temp_c"], 5, mode="nearest")
    stall = _fault(s, "canister_stalled")
    a, b = stall["start"], stall["end"]
    assert s.values["pump"][a:b].min() == 1.0 and np.all(s.values["flow_lpm"][a:b] == 0.0)  # the relay on
    assert temp[a] - temp[b - 1] > 3.0  # no flow, no heat, in a 16 °C basement
    half = _fault(s, "refill_interrupted")
    level = median_filter(s.values["level_cm"], 5, mode="nearest")
    assert np.all(s.values["pump"][half["start"]:half["end"]] == 0.0)  # the keeper switched it off
    assert level[half["start"]:half["end"]].max() < 33.0 and level[half["end"] + 60] > 44.0
    rock = _fault(s, "calcareous_rock")
    assert s.values["tds_ppm"][rock["end"] - 60:rock["end"]].mean() > 120.0  # the hardness climbs with the pH


def test_the_hospital_tank_follows_its_treatment() -> None:
    s = built(hospital_tank_month)
    temp = median_filter(s.values["temp_c"], 5, mode="nearest")
    tds = median_filter(s.values["tds_ppm"], 5, mode="nearest")
    noon = [float(np.median(temp[d * DAY_MIN + 14 * 60:d * DAY_MIN + 16 * 60])) for d in range(30)]
    for d in (1, 2, 3, 4):  # a degree a day, by the dial
        assert 0.6 < noon[d + 1] - noon[d] < 1.4 or d + 1 == 5, (d, noon)
    assert all(29.4 < noon[d] < 30.6 for d in range(7, 13)) and all(25.4 < noon[d] < 26.6 for d in range(22, 30))
    assert all(1100.0 < np.median(tds[d * DAY_MIN:(d + 1) * DAY_MIN]) < 1500.0 for d in range(6, 16))
    assert np.median(tds[29 * DAY_MIN:]) < 600.0  # the salt changed away
    blue = 23 * DAY_MIN + 21 * 60
    turb = median_filter(s.values["turb_ntu"], 5, mode="nearest")
    assert turb[blue + 60] - turb[blue - 30] > 0.9  # the dye reads on the turbidity probe
    crack = _fault(s, "heater_glass_cracked")
    assert s.values["ph"][crack["start"]:crack["end"]].std() > 0.06  # live in the water: the pH probe noisy


def test_the_awc_holds_the_sump_at_its_lip_and_a_blocked_drain_floods_it() -> None:
    s = built(awc_fishroom_month)
    level = median_filter(s.values["level_cm"], 5, mode="nearest")
    quiet = np.ones(len(level), dtype=bool)

    def until_the_next_event(a: int, b: int) -> None:  # the sump short until an AWC event refills it
        quiet[a:b + (300 - b) % 720 + 15] = False

    for d in range(30):  # the pre-filter's rinse sends the display's drain-back down the floor drain
        if weekday(d) == 6:
            until_the_next_event(d * DAY_MIN + 10 * 60, d * DAY_MIN + 10 * 60 + 15)
    until_the_next_event(16 * DAY_MIN, 17 * DAY_MIN + 12 * 60)  # the AWC switched off after the hot valve
    for f in s.faults:
        until_the_next_event(f["start"], f["end"] + f.get("recovery", 120))
    assert 19.2 < level[quiet][2 * DAY_MIN:].min() and level[quiet].max() < 20.8
    blocked = _fault(s, "awc_drain_blocked")
    assert level[blocked["end"] - 30:blocked["end"]].min() > 34.5  # over the rim, onto the floor
    dead = _fault(s, "awc_timer_dead")
    tds = median_filter(s.values["tds_ppm"], 5, mode="nearest")
    assert tds[dead["end"]] - tds[dead["start"]] > 30.0  # no changes: the salts build
    cycling = _fault(s, "return_pump_cycling")
    a, b = cycling["start"], cycling["end"]
    assert s.values["pump"][a:b].min() == 1.0 and 100 < np.sum(s.values["flow_lpm"][a:b] == 0.0) < 0.4 * (b - a)


def test_a_fault_kind_not_drawn_by_the_months_is_refused() -> None:
    with pytest.raises(ValueError, match="unknown round-13 fault kind"):
        awc.apply_stranger13_fault({}, {"kind": "heater_stuck", "start": 0, "end": 1}, np.random.default_rng(0))


def test_departs_and_back_within_measure_against_the_twin() -> None:
    twin = np.zeros(100)
    x = np.where(np.arange(100) >= 40, 1.0, 0.0) * np.minimum(np.arange(100) - 39, 10) / 10.0
    assert awc.departs(x, twin, 30, 90, 0.5) == 45
    assert awc.back_within(x, twin, 20, 0.5) == 30  # already back at 20: its half hour
    with pytest.raises(ValueError):
        awc.departs(x, twin, 0, 40, 0.5)


def test_the_docstring_examples_run() -> None:
    for module in (strangers13, awc):
        assert doctest.testmod(module, raise_on_error=False).failed == 0, module
