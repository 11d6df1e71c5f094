"""Round 18's keeper months written blind (benchmarks/keeper_month_strangers18.py,
keeper_month_strangers18_lab.py, keeper_month_strangers18_display.py): the simulation, not the engine.

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

import benchmarks.keeper_month_strangers18 as strangers18
import benchmarks.keeper_month_strangers18_display as display
import benchmarks.keeper_month_strangers18_lab as lab
from benchmarks.keeper_month import DAY_MIN, Scenario
from benchmarks.keeper_month_paludarium import weekday
from benchmarks.keeper_month_strangers18 import (
    STRANGERS18,
    restaurant_window_month,
    visitor_centre_display_month,
    zebrafish_rack_month,
)
from tests.test_keeper_month_strangers import (  # the same checks, here over the `month` fixture below
    assert_each_fault_moves_what_it_names,
    test_each_fault_is_labelled_from_its_label_from_to_its_recovery_and_nothing_else,  # noqa: F401
    test_outside_the_faults_every_reading_is_one_a_probe_could_give,  # noqa: F401
)
from tests.test_keeper_month_strangers14 import _fault, built
from tests.test_keeper_month_strangers15 import (  # the shape and repeatability checks, over round 18's months
    assert_the_same_every_time_and_another_seed_another_month,
    assert_thirty_days_of_minutes_with_five_faults,
)
from tests.test_keeper_month_strangers16 import _smooth
from tests.test_keeper_month_unseen import (
    test_outside_the_faults_the_water_is_within_the_keepers_limits,  # noqa: F401
)

#: the fault kinds each month's docstring names, and its profile
KINDS = {restaurant_window_month: ({"aircon_compressor_failed", "heater_thermostat_welded", "soda_water_top_up",
                                    "canister_hose_split", "level_sensor_condensation"}, "tropical"),
         zebrafish_rack_month: ({"float_valve_stuck_open", "ph_doser_siphoned", "uv_ballast_leaking_into_ph",
                                 "system_pump_seized", "fish_room_hvac_failed"}, "tropical"),
         visitor_centre_display_month: ({"chiller_high_pressure_trip", "backwash_valve_left_on_waste",
                                         "chiller_probe_out_of_water", "ph_probe_left_in_buffer",
                                         "chiller_union_weeping"}, "cold-water")}
#: what each fault kind moves in the readings, and by at least how much (from the median of the hour before)
MOVES = {"aircon_compressor_failed": ("temp_c", 4.0), "heater_thermostat_welded": ("temp_c", 6.0),
         "soda_water_top_up": ("ph", 1.0), "canister_hose_split": ("level_cm", 18.0),
         "level_sensor_condensation": ("level_cm", 4.0), "float_valve_stuck_open": ("level_cm", 12.0),
         "ph_doser_siphoned": ("ph", 1.2), "uv_ballast_leaking_into_ph": ("ph", 0.4),
         "system_pump_seized": ("flow_lpm", 18.0), "fish_room_hvac_failed": ("temp_c", 5.0),
         "chiller_high_pressure_trip": ("temp_c", 2.0), "backwash_valve_left_on_waste": ("level_cm", 25.0),
         "chiller_probe_out_of_water": ("temp_c", 5.0), "ph_probe_left_in_buffer": ("ph", 2.0),
         "chiller_union_weeping": ("level_cm", 12.0)}


@pytest.fixture(params=STRANGERS18, ids=lambda f: f.__name__)
def month(request) -> Scenario:
    return built(request.param)


def test_a_month_is_thirty_days_of_minutes_with_its_faults_of_the_stated_kinds(month: Scenario) -> None:
    assert_thirty_days_of_minutes_with_five_faults(month, KINDS, "round 18")


@pytest.mark.parametrize("make", STRANGERS18, ids=lambda f: f.__name__)
def test_a_month_is_the_same_every_time_and_another_seed_another_month(make) -> None:
    assert_the_same_every_time_and_another_seed_another_month(make)


def test_each_fault_moves_what_it_names(month: Scenario) -> None:
    assert_each_fault_moves_what_it_names(month, MOVES)


def test_the_restaurant_is_cooled_in_opening_hours_and_changed_by_its_contractor() -> None:
    s = built(restaurant_window_month)
    temp, level, flow = _smooth(s, "temp_c"), _smooth(s, "level_cm"), s.values["flow_lpm"]
    for d in (3, 5, 13, 17):  # open days: the closed shophouse's warm night, the heater's 26 under the cooling
        assert weekday(d) != 0
        assert temp[d * DAY_MIN + 10 * 60] > 26.6 and 25.6 < temp[d * DAY_MIN + 22 * 60 + 30] < 26.6
    for d in (4, 18):  # closed Mondays: no air-conditioning, the water follows the shophouse
        assert weekday(d) == 0 and temp[d * DAY_MIN + 20 * 60] > 27.5
    for d in (7, 21):  # the contractor's alternate Thursdays: the canister off, 30 % out, buckets to the mark
        day = slice(d * DAY_MIN + 14 * 60 + 30, d * DAY_MIN + 17 * 60)
        assert weekday(d) == 3 and (flow[day] == 0.0).sum() == 30
        assert 8.5 < level[day][:20].mean() - level[day].min() < 11.0
        assert level[day][-30:].mean() > strangers18.MARK_CM - 0.5


def test_the_restaurants_faults_are_its_cooling_its_heater_its_bar_and_its_cleaner() -> None:
    s = built(restaurant_window_month)
    temp, ph, level, flow = _smooth(s, "temp_c"), _smooth(s, "ph"), _smooth(s, "level_cm"), s.values["flow_lpm"]
    compressor = _fault(s, "aircon_compressor_failed")
    assert temp[compressor["start"]:compressor["end"]].max() > 31.5  # past what a closed Monday reaches
    welded = _fault(s, "heater_thermostat_welded")
    assert temp[welded["end"] - 1] > 35.0  # a day of a stuck heater in a shut shophouse
    soda = _fault(s, "soda_water_top_up")
    assert ph[soda["start"] - 10] - ph[soda["start"] + 10] > 1.0  # the soda's CO2
    assert abs(ph[soda["end"] + soda["recovery"]] - ph[soda["start"] - 10]) < 0.2  # blown off
    split = _fault(s, "canister_hose_split")
    b = split["end"]
    assert level[b - 1] < strangers18.INTAKE_CM + 1.0 and np.all(flow[b - 60:b] == 0.0)
    fogged = _fault(s, "level_sensor_condensation")
    reads = s.values["level_cm"][fogged["start"]:fogged["end"]]
    assert 0.3 < (reads > strangers18.RIM_CM).mean() < 0.95  # the droplets' echoes, on and off


def test_the_zebrafish_rack_is_exchanged_and_dosed_each_night() -> None:
    s = built(zebrafish_rack_month)
    level, tds, ph, flow = _smooth(s, "level_cm"), _smooth(s, "tds_ppm"), _smooth(s, "ph"), s.values["flow_lpm"]
    for d in (3, 8, 13, 20):
        night = level[d * DAY_MIN + 1 * 60 + 50:d * DAY_MIN + 2 * 60 + 25]
        assert 4.0 < lab.MARK_CM - night.min() < 5.5 and abs(night[-1] - lab.MARK_CM) < 0.4  # drained and refilled
        before, after = d * DAY_MIN + 2 * 60 + 25, d * DAY_MIN + 3 * 60
        assert tds[after] - tds[before] > 15.0 and ph[after] - ph[before] > 0.05  # the controller's doses
    tuesdays = [d for d in range(30)
                if weekday(d) == 1 and not s.labels[d * DAY_MIN + 10 * 60:d * DAY_MIN + 11 * 60 + 30].any()]
    assert len(tuesdays) >= 3
    for d in tuesdays:  # the pad swapped with the pump off: the tanks' head drains into the sump
        day = flow[d * DAY_MIN + 10 * 60:d * DAY_MIN + 11 * 60 + 30]
        assert (day == 0.0).sum() == 8 and level[d * DAY_MIN + 10 * 60:d * DAY_MIN + 11 * 60 + 30].max() > 26.5


def test_the_zebrafish_racks_faults_flush_dose_shift_stop_and_heat() -> None:
    s = built(zebrafish_rack_month)
    level, tds, ph, temp = _smooth(s, "level_cm"), _smooth(s, "tds_ppm"), _smooth(s, "ph"), _smooth(s, "temp_c")
    stuck = _fault(s, "float_valve_stuck_open")
    b = stuck["end"]
    assert level[b - 10] > lab.RIM_CM - 0.5 and tds[b - 1] < 60.0 and ph[b - 1] < 6.8  # RO through to the floor
    assert abs(level[b + 30] - lab.MARK_CM) < 0.5 and tds[b + stuck["recovery"]] > 290.0  # dosed back by hand
    doser = _fault(s, "ph_doser_siphoned")
    assert ph[doser["start"]:doser["end"]].max() > 8.7
    leak = _fault(s, "uv_ballast_leaking_into_ph")
    inside = np.median(s.values["ph"][leak["start"]:leak["end"]])
    assert 0.35 < np.median(s.values["ph"][leak["start"] - 1440:leak["start"]]) - inside < 0.6
    seized = _fault(s, "system_pump_seized")
    assert np.all(s.values["flow_lpm"][seized["start"]:seized["end"]] == 0.0)
    hvac = _fault(s, "fish_room_hvac_failed")
    assert temp[hvac["start"]:hvac["end"]].max() > s.limits["temp_c_high"]


def test_the_display_is_backwashed_on_wednesdays_and_held_cool_by_its_chiller() -> None:
    s = built(visitor_centre_display_month)
    level, temp, flow = _smooth(s, "level_cm"), _smooth(s, "temp_c"), s.values["flow_lpm"]
    waste = _fault(s, "backwash_valve_left_on_waste")
    washes = [d for d in range(30) if weekday(d) == 2 and d != waste["start"] // DAY_MIN]
    assert len(washes) == 3
    for d in washes:
        at = d * DAY_MIN + 8 * 60 + 30
        assert (flow[at:at + 30] == 0.0).sum() == 5 and 15.5 < level[at - 3] - level[at:at + 10].min() < 21.0
        assert level[at + 30] > display.MARK_CM - 0.5
    for d in (4, 8, 15, 24):  # the heatwave's first day and ordinary days: the chiller holds 21.6-22.4
        assert 21.3 < temp[d * DAY_MIN:(d + 1) * DAY_MIN].min() and temp[d * DAY_MIN:(d + 1) * DAY_MIN].max() < 22.8
    cal = 21 * DAY_MIN + 9 * 60
    assert abs(np.median(s.values["ph"][cal:cal + 5]) - display.BUFFER_7) < 0.05  # calibrated in the pH 7 buffer


def test_the_displays_faults_are_its_chiller_its_valve_its_probe_and_its_union() -> None:
    s = built(visitor_centre_display_month)
    level, temp, flow = _smooth(s, "level_cm"), _smooth(s, "temp_c"), s.values["flow_lpm"]
    trip = _fault(s, "chiller_high_pressure_trip")
    assert temp[trip["end"] - 1] > 24.0  # a night without the chiller in the heatwave
    waste = _fault(s, "backwash_valve_left_on_waste")
    a, b = waste["start"], waste["end"]
    assert level[b - 1] < display.INTAKE_CM + 0.6 and np.all(flow[a:b] == 0.0)
    probe = _fault(s, "chiller_probe_out_of_water")
    assert temp[probe["end"] - 1] < s.limits["temp_c_low"] + 1.0
    buffered = _fault(s, "ph_probe_left_in_buffer")
    assert np.median(s.values["ph"][buffered["start"]:buffered["end"]]) > 9.8
    weep = _fault(s, "chiller_union_weeping")
    a, b = weep["start"], weep["end"]
    assert 13.0 < level[a] - level[a:b].min() < 16.5 and level[b + 10] > display.MARK_CM - 0.5  # 5 l an hour


def test_a_fault_kind_not_drawn_by_the_months_is_refused() -> None:
    with pytest.raises(ValueError, match="unknown round-18 fault kind"):
        lab.apply_stranger18_fault({}, {"kind": "heater_stuck", "start": 0, "end": 1}, np.random.default_rng(0))


def test_the_docstring_examples_run() -> None:
    for module in (strangers18, lab, display):
        assert doctest.testmod(module, raise_on_error=False).failed == 0, module
