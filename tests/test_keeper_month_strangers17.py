"""Round 17's keeper months written blind (benchmarks/keeper_month_strangers17.py,
keeper_month_strangers17_aquaponics.py, keeper_month_strangers17_well.py): the simulation, not the engine.

Each month builds on the full minute grid, has five faults of the kinds its docstring names, each labelled from
its ``label_from`` to its end plus its recovery and moving the water or the readings it names; outside the labels
the water stays inside the keeper's own limits and every reading is a number a probe could give; the plumbing,
the keepers' habits and the physics the docstrings describe are in the readings, and a month is the same month
every time it is built.  No month runs through the engine here.
"""

from __future__ import annotations

import doctest

import numpy as np
import pytest

import benchmarks.keeper_month_strangers17 as strangers17
import benchmarks.keeper_month_strangers17_aquaponics as aquaponics
import benchmarks.keeper_month_strangers17_well as well
from benchmarks.keeper_month import DAY_MIN, Scenario
from benchmarks.keeper_month_paludarium import weekday
from benchmarks.keeper_month_strangers17 import (
    STRANGERS17,
    aquaponics_month,
    farmhouse_well_month,
    narrowboat_month,
)
from tests.test_keeper_month_strangers import (  # the same checks, here over the `month` fixture below
    assert_each_fault_moves_what_it_names,
    test_each_fault_is_labelled_from_its_label_from_to_its_recovery_and_nothing_else,  # noqa: F401
    test_outside_the_faults_every_reading_is_one_a_probe_could_give,  # noqa: F401
)
from tests.test_keeper_month_strangers14 import _fault, built
from tests.test_keeper_month_strangers15 import (  # the shape and repeatability checks, over round 17's months
    assert_the_same_every_time_and_another_seed_another_month,
    assert_thirty_days_of_minutes_with_five_faults,
)
from tests.test_keeper_month_strangers16 import _smooth
from tests.test_keeper_month_unseen import (
    test_outside_the_faults_the_water_is_within_the_keepers_limits,  # noqa: F401
)

#: the fault kinds each month's docstring names, and its profile
KINDS = {narrowboat_month: ({"inverter_low_voltage_cutout", "filter_fuse_blown_at_engine_start",
                             "top_up_hose_left_running", "stove_damper_left_open", "ph_connector_condensation"},
                            "tropical"),
         aquaponics_month: ({"bell_siphon_clogged", "pump_rcd_tripped_by_rain", "lime_overdosed", "doors_left_shut",
                             "ph_probe_fouled"}, "tropical"),
         farmhouse_well_month: ({"raw_well_water_change", "manifold_hose_slipped_off", "heater_stuck_on",
                                 "temp_probe_power_on_reset", "bottom_seam_weeping"}, "cold-water")}
#: what each fault kind moves in the readings, and by at least how much (from the median of the hour before)
MOVES = {"inverter_low_voltage_cutout": ("temp_c", 4.0), "filter_fuse_blown_at_engine_start": ("flow_lpm", 3.5),
         "top_up_hose_left_running": ("level_cm", 5.0), "stove_damper_left_open": ("temp_c", 5.0),
         "ph_connector_condensation": ("ph", 0.25), "bell_siphon_clogged": ("level_cm", 35.0),
         "pump_rcd_tripped_by_rain": ("flow_lpm", 11.0), "lime_overdosed": ("ph", 2.0),
         "doors_left_shut": ("temp_c", 9.0), "ph_probe_fouled": ("ph", 1.2),
         "raw_well_water_change": ("temp_c", 3.5), "manifold_hose_slipped_off": ("flow_lpm", 20.0),
         "heater_stuck_on": ("temp_c", 9.0), "temp_probe_power_on_reset": ("temp_c", 60.0),
         "bottom_seam_weeping": ("level_cm", 3.0)}


@pytest.fixture(params=STRANGERS17, ids=lambda f: f.__name__)
def month(request) -> Scenario:
    return built(request.param)


def test_a_month_is_thirty_days_of_minutes_with_its_faults_of_the_stated_kinds(month: Scenario) -> None:
    assert_thirty_days_of_minutes_with_five_faults(month, KINDS, "round 17")


@pytest.mark.parametrize("make", STRANGERS17, ids=lambda f: f.__name__)
def test_a_month_is_the_same_every_time_and_another_seed_another_month(make) -> None:
    assert_the_same_every_time_and_another_seed_another_month(make)


def test_each_fault_moves_what_it_names(month: Scenario) -> None:
    assert_each_fault_moves_what_it_names(month, MOVES)


def test_the_narrowboat_charges_cruises_and_is_changed_on_sundays() -> None:
    s = built(narrowboat_month)
    level, flow = _smooth(s, "level_cm"), _smooth(s, "flow_lpm")
    assert np.all(s.values["pump"] == 1.0)  # nothing of the boat's is on the monitor's relay
    for d in (4, 5, 11, 18):  # weekdays: the alternator's hour at 7:00 and 17:30 lifts the 12 V filter
        assert flow[d * DAY_MIN + 7 * 60 + 30] > 4.2 and flow[d * DAY_MIN + 9 * 60] < 4.1
        assert flow[d * DAY_MIN + 18 * 60] > 4.2
    sloshing = [np.std(s.values["level_cm"][d * DAY_MIN + 10 * 60 + 30:d * DAY_MIN + 14 * 60 + 30])
                for d in (2, 3, 16, 17)]
    still = [np.std(s.values["level_cm"][d * DAY_MIN + 10 * 60 + 30:d * DAY_MIN + 14 * 60 + 30])
             for d in (4, 5, 11, 12)]
    assert min(sloshing) > 2.0 * max(still)  # cruising through locks at weekends
    sundays = [d for d in range(30) if weekday(d) == 6 and not s.labels[d * DAY_MIN:(d + 1) * DAY_MIN].any()]
    assert len(sundays) >= 3
    for d in sundays:
        day = level[d * DAY_MIN + 15 * 60:d * DAY_MIN + 19 * 60]
        assert 6.5 < day[:30].mean() - day.min() < 8.5 and day[-30:].mean() > strangers17.MARK_CM - 0.5


def test_the_narrowboats_faults_are_its_power_its_stove_and_its_hose() -> None:
    s = built(narrowboat_month)
    temp, level = _smooth(s, "temp_c"), _smooth(s, "level_cm")
    cutout = _fault(s, "inverter_low_voltage_cutout")
    assert temp[cutout["end"] - 1] < s.limits["temp_c_low"]  # four hours without heat in a 13 °C cabin
    hose = _fault(s, "top_up_hose_left_running")
    a, b = hose["start"], hose["end"]
    assert level[a:b].max() > strangers17.RIM_CM - 0.2 and temp[a:b + 30].min() < 15.0  # over the rim, 6 °C water
    assert abs(level[b + 10] - strangers17.MARK_CM) < 0.3  # bailed back to the mark
    damper = _fault(s, "stove_damper_left_open")
    assert temp[damper["start"]:damper["end"]].max() > s.limits["temp_c_high"]
    damp = _fault(s, "ph_connector_condensation")
    reads = s.values["ph"][damp["end"] - 120:damp["end"]]
    assert abs(np.median(reads) - 7.0) < 0.1  # drawn to the meter's zero


def test_the_aquaponics_bed_floods_and_drains_round_the_clock() -> None:
    s = built(aquaponics_month)
    level = _smooth(s, "level_cm")
    for d in (3, 7, 12, 25):  # a healthy day: a sawtooth of about 5 cm every nine to fourteen minutes
        night = s.values["level_cm"][d * DAY_MIN + 2 * 60:d * DAY_MIN + 4 * 60]
        assert 4.5 < night.max() - night.min() < 6.5
        fires = np.flatnonzero(np.diff(night) > 1.5)  # the siphon's return: the level jumps up
        cycles = np.diff(fires[np.insert(np.diff(fires) > 2, 0, True)])
        assert 9 <= np.median(cycles) <= 14
    clog = _fault(s, "bell_siphon_clogged")
    b = clog["end"]
    assert level[b - 1] < aquaponics.INTAKE_CM + 0.6 and np.all(s.values["flow_lpm"][b - 30:b] == 0.0)
    rcd = _fault(s, "pump_rcd_tripped_by_rain")
    assert np.all(s.values["flow_lpm"][rcd["start"]:rcd["end"]] == 0.0)
    lime = _fault(s, "lime_overdosed")
    assert _smooth(s, "ph")[lime["start"] + 30] > 8.7
    doors = _fault(s, "doors_left_shut")
    assert _smooth(s, "temp_c")[doors["start"]:doors["end"]].max() > 31.5
    for d in (4, 8, 13):  # every third morning's lime lifts the pH by about a quarter
        at = d * DAY_MIN + 9 * 60
        if d % 3 == 0:
            assert 0.15 < np.median(s.values["ph"][at + 60:at + 90]) - np.median(s.values["ph"][at - 40:at - 10])


def test_the_farmhouse_tank_is_changed_on_saturdays_with_the_powerhead_off_at_the_relay() -> None:
    s = built(farmhouse_well_month)
    level, flow, pump = _smooth(s, "level_cm"), s.values["flow_lpm"], s.values["pump"]
    offs = np.flatnonzero(np.diff(pump.astype(int)) == -1) + 1
    assert len(offs) == 4 and all(weekday(int(at) // DAY_MIN) == 5 for at in offs)
    for at in offs:
        assert np.all(pump[at:at + 20] == 0.0) and np.all(flow[at:at + 20] == 0.0)
        assert 13.0 < level[at - 2] - s.values["level_cm"][at:at + 15].min() < 15.0 and level[at + 25] > well.MARK_CM - 0.5
    for d in (4, 6, 13):  # the milking machines sag the mains
        milking = np.median(flow[d * DAY_MIN + 5 * 60 + 10:d * DAY_MIN + 6 * 60 + 50])
        assert 0.92 < milking / np.median(flow[d * DAY_MIN + 9 * 60:d * DAY_MIN + 11 * 60]) < 0.96
    raw = _fault(s, "raw_well_water_change")
    temp, ph = _smooth(s, "temp_c"), _smooth(s, "ph")
    assert temp[raw["end"] + 5] < 15.5 and ph[raw["end"] + 5] < 7.0  # 9 °C water with the ground's CO2
    normal = offs[0] + 11  # a rested change's water: a little cooler, no CO2
    assert temp[normal + 10] > 18.0 and ph[normal + 10] > 7.3
    chewed = _fault(s, "temp_probe_power_on_reset")
    reads = s.values["temp_c"][chewed["start"]:chewed["end"]]
    assert 0.1 < (reads == 85.0).mean() < 0.4 and reads[0] == 85.0
    weep = _fault(s, "bottom_seam_weeping")
    a, b = weep["start"], weep["end"]
    assert 2.8 < level[a] - level[a:b].min() < 4.0  # 0.25 l an hour until Wednesday's jug fills it to the mark
    assert level[b - 1] < well.MARK_CM - 1.5 and level[b + 20] > well.MARK_CM - 0.3  # the last day's, then filled
    slipped = _fault(s, "manifold_hose_slipped_off")
    assert np.all(flow[slipped["start"]:slipped["end"]] == 0.0) and np.all(pump[slipped["start"]:slipped["end"]] == 1)


def test_a_fault_kind_not_drawn_by_the_months_is_refused() -> None:
    with pytest.raises(ValueError, match="unknown round-17 fault kind"):
        aquaponics.apply_stranger17_fault({}, {"kind": "heater_stuck", "start": 0, "end": 1},
                                          np.random.default_rng(0))


def test_the_docstring_examples_run() -> None:
    for module in (strangers17, aquaponics, well):
        assert doctest.testmod(module, raise_on_error=False).failed == 0, module
