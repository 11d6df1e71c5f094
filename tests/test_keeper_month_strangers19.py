"""Round 19's keeper months written blind (benchmarks/keeper_month_strangers19.py,
keeper_month_strangers19_river.py, keeper_month_strangers19_turtle.py): the simulation, not the engine.

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

import benchmarks.keeper_month_strangers19 as strangers19
import benchmarks.keeper_month_strangers19_river as river
import benchmarks.keeper_month_strangers19_turtle as turtle
from benchmarks.keeper_month import DAY_MIN, Scenario
from benchmarks.keeper_month_paludarium import weekday
from benchmarks.keeper_month_strangers19 import (
    STRANGERS19,
    care_home_lounge_month,
    hatchling_tub_month,
    loach_river_month,
)
from tests.test_keeper_month_strangers import (  # the same checks, here over the `month` fixture below
    assert_each_fault_moves_what_it_names,
    test_each_fault_is_labelled_from_its_label_from_to_its_recovery_and_nothing_else,  # noqa: F401
    test_outside_the_faults_every_reading_is_one_a_probe_could_give,  # noqa: F401
)
from tests.test_keeper_month_strangers14 import _fault, built
from tests.test_keeper_month_strangers15 import (  # the shape and repeatability checks, over round 19's months
    assert_the_same_every_time_and_another_seed_another_month,
    assert_thirty_days_of_minutes_with_five_faults,
)
from tests.test_keeper_month_strangers16 import _smooth
from tests.test_keeper_month_unseen import (
    test_outside_the_faults_the_water_is_within_the_keepers_limits,  # noqa: F401
)

#: the fault kinds each month's docstring names, and its profile
KINDS = {care_home_lounge_month: ({"heater_left_out_of_water", "food_tub_tipped", "filter_impeller_jammed",
                                   "hot_tap_refill", "level_sensor_knocked"}, "tropical"),
         loach_river_month: ({"cooling_fan_seized", "manifold_intake_clogged", "manifold_union_dripping",
                              "ph_probe_junction_clogged", "rcd_tripped_in_storm"}, "cold-water"),
         hatchling_tub_month: ({"heater_thermostat_stuck_on", "canister_intake_pulled_up",
                                "canister_disconnect_weeping", "ph_probe_dragged_onto_dock", "salt_overdosed"},
                               "turtle")}
#: what each fault kind moves in the readings, and by at least how much (from the median of the hour before)
MOVES = {"heater_left_out_of_water": ("temp_c", 2.5), "food_tub_tipped": ("turb_ntu", 6.0),
         "filter_impeller_jammed": ("flow_lpm", 7.0), "hot_tap_refill": ("temp_c", 4.5),
         "level_sensor_knocked": ("level_cm", 3.5), "cooling_fan_seized": ("temp_c", 4.5),
         "manifold_intake_clogged": ("flow_lpm", 24.0), "manifold_union_dripping": ("level_cm", 7.0),
         "ph_probe_junction_clogged": ("ph", 1.0), "rcd_tripped_in_storm": ("flow_lpm", 45.0),
         "heater_thermostat_stuck_on": ("temp_c", 3.5), "canister_intake_pulled_up": ("flow_lpm", 9.0),
         "canister_disconnect_weeping": ("level_cm", 8.5), "ph_probe_dragged_onto_dock": ("ph", 1.0),
         "salt_overdosed": ("tds_ppm", 1000.0)}


@pytest.fixture(params=STRANGERS19, ids=lambda f: f.__name__)
def month(request) -> Scenario:
    return built(request.param)


def test_a_month_is_thirty_days_of_minutes_with_its_faults_of_the_stated_kinds(month: Scenario) -> None:
    assert_thirty_days_of_minutes_with_five_faults(month, KINDS, "round 19")


@pytest.mark.parametrize("make", STRANGERS19, ids=lambda f: f.__name__)
def test_a_month_is_the_same_every_time_and_another_seed_another_month(make) -> None:
    assert_the_same_every_time_and_another_seed_another_month(make)


def test_each_fault_moves_what_it_names(month: Scenario) -> None:
    assert_each_fault_moves_what_it_names(month, MOVES)


def test_the_care_home_is_changed_by_its_volunteer_on_wednesdays_and_fed_by_its_residents() -> None:
    s = built(care_home_lounge_month)
    level, temp, flow, turb = _smooth(s, "level_cm"), _smooth(s, "temp_c"), s.values["flow_lpm"], s.values["turb_ntu"]
    for d in (6, 27):  # the volunteer's Wednesdays: the filter off forty minutes, 30 % out, buckets to the mark
        at = d * DAY_MIN + 10 * 60 + 30
        assert weekday(d) == 2 and (flow[at - 5:at + 60] == 0.0).sum() == 40
        assert 9.5 < level[at - 3] - level[at:at + 40].min() < 11.5 and level[at + 60] > strangers19.MARK_CM - 0.5
    for d in (3, 5, 16):  # the heater holds 24.8-25.2 over the lounge's night set-back
        assert 24.4 < temp[d * DAY_MIN:(d + 1) * DAY_MIN].min() and temp[d * DAY_MIN:(d + 1) * DAY_MIN].max() < 25.5
    days = [d for d in range(2, 30) if not s.labels[d * DAY_MIN:(d + 1) * DAY_MIN].any()]
    pinched = [d for d in days if (turb[d * DAY_MIN + 10 * 60:d * DAY_MIN + 20 * 60] > 1.0).any()]
    assert len(pinched) >= len(days) // 2  # the residents' pinches and spoonfuls between 10:00 and 20:00


def test_the_care_homes_faults_are_its_heater_its_residents_its_filter_its_volunteer_and_its_trolley() -> None:
    s = built(care_home_lounge_month)
    temp, ph, level = _smooth(s, "temp_c"), _smooth(s, "ph"), _smooth(s, "level_cm")
    out = _fault(s, "heater_left_out_of_water")
    assert temp[out["end"] - 1] < 22.5  # a night of the lounge's air without the heater
    tipped = _fault(s, "food_tub_tipped")
    a, b = tipped["start"], tipped["end"]
    assert ph[a - 10] - ph[b - 1] > 0.4 and _smooth(s, "turb_ntu")[b - 60:b].min() > 8.0  # rotting: a bloom
    assert _smooth(s, "turb_ntu")[b + tipped["recovery"]] < 3.0  # cleared by the change and the filter
    jammed = _fault(s, "filter_impeller_jammed")
    assert np.all(s.values["flow_lpm"][jammed["start"]:jammed["end"]] == 0.0)
    hot = _fault(s, "hot_tap_refill")
    assert temp[hot["start"]:hot["end"]].max() > s.limits["temp_c_high"]  # 41 °C from the combi boiler
    assert temp[hot["end"] + 30] < temp[hot["end"] - 1] - 2.0  # the frozen bottles
    knocked = _fault(s, "level_sensor_knocked")
    assert 3.5 < level[knocked["start"] - 5] - np.median(level[knocked["start"]:knocked["end"]]) < 4.5


def test_the_river_tank_is_held_by_its_fan_and_its_ato_and_changed_on_sundays() -> None:
    s = built(loach_river_month)
    level, temp, flow = _smooth(s, "level_cm"), _smooth(s, "temp_c"), s.values["flow_lpm"]
    for d in (3, 9, 16):  # no heater: the fan holds the water at 23-23.5 over the flat's 21-26 °C
        assert 22.3 < temp[d * DAY_MIN:(d + 1) * DAY_MIN].min() and temp[d * DAY_MIN:(d + 1) * DAY_MIN].max() < 23.8
    for d in (10, 24):  # Sunday's change: the pump off, 11 cm out, remineralised RO back to the mark
        assert weekday(d) == 6
        day = slice(d * DAY_MIN + 8 * 60, d * DAY_MIN + 11 * 60)
        assert 25 <= (flow[day] == 0.0).sum() <= 35 and 10.0 < river.MARK_CM - level[day].min() < 11.5
        assert abs(level[d * DAY_MIN + 12 * 60] - river.MARK_CM) < 0.4
    healthy = ~s.labels & (np.arange(len(level)) > DAY_MIN) & (flow > 0.0)
    assert np.percentile(level[healthy], 2) > river.MARK_CM - 0.6  # the ATO's band


def test_the_river_tanks_faults_are_its_power_its_fan_its_strainer_its_union_and_its_probe() -> None:
    s = built(loach_river_month)
    level, temp, flow = _smooth(s, "level_cm"), _smooth(s, "temp_c"), s.values["flow_lpm"]
    rcd = _fault(s, "rcd_tripped_in_storm")
    assert np.all(flow[rcd["start"]:rcd["end"]] == 0.0)
    fan = _fault(s, "cooling_fan_seized")
    assert temp[fan["start"]:fan["end"]].max() > s.limits["temp_c_high"]  # the heatwave without the fan
    clog = _fault(s, "manifold_intake_clogged")
    assert 19.0 < np.median(flow[clog["end"] - 30:clog["end"]]) < 24.0 and flow[clog["end"] + 5] > 45.0
    drip = _fault(s, "manifold_union_dripping")
    a, b = drip["start"], drip["end"]
    assert abs(level[a + 12 * 60] - river.MARK_CM) < 0.4  # the ATO makes it good while its reservoir lasts
    assert 7.0 < river.MARK_CM - level[b - 1] < 11.0 and abs(level[b + 5] - river.MARK_CM) < 0.4
    junction = _fault(s, "ph_probe_junction_clogged")
    ph = _smooth(s, "ph")
    assert 1.0 < ph[junction["start"] - 10] - ph[junction["end"] - 1] < 1.5 and ph[junction["end"] + 5] > 7.0


def test_the_turtle_tub_is_changed_twice_a_week_and_warmed_by_its_lamp() -> None:
    s = built(hatchling_tub_month)
    level, temp, flow = _smooth(s, "level_cm"), _smooth(s, "temp_c"), s.values["flow_lpm"]
    for d in (2, 6, 9, 27):  # Wednesdays after school and Saturdays: the canister off, 45 % out, buckets back
        assert weekday(d) in (2, 5)
        day = slice(d * DAY_MIN + 10 * 60, d * DAY_MIN + 18 * 60)
        assert (flow[day] == 0.0).sum() in (18, 25) and 6.3 < turtle.MARK_CM - level[day].min() < 7.6
        assert abs(level[d * DAY_MIN + 19 * 60] - turtle.MARK_CM) < 0.6
    for d in (3, 14, 22):  # the heater holds 26.8-27.2, the lamp no more than a few tenths over
        assert 25.6 < temp[d * DAY_MIN:(d + 1) * DAY_MIN].min() and temp[d * DAY_MIN:(d + 1) * DAY_MIN].max() < 27.6


def test_the_turtle_tubs_faults_are_its_heater_its_turtles_its_hose_and_its_dad() -> None:
    s = built(hatchling_tub_month)
    level, temp, flow, ph = _smooth(s, "level_cm"), _smooth(s, "temp_c"), s.values["flow_lpm"], _smooth(s, "ph")
    stuck = _fault(s, "heater_thermostat_stuck_on")
    assert temp[stuck["end"] - 1] > s.limits["temp_c_high"]  # a shallow tub under a lamp with the heater on
    pulled = _fault(s, "canister_intake_pulled_up")
    assert np.all(flow[pulled["start"]:pulled["end"]] == 0.0)
    weep = _fault(s, "canister_disconnect_weeping")
    b = weep["end"]
    assert level[b - 1] < turtle.INTAKE_CM + 1.0 and np.all(flow[b - 60:b] == 0.0) and level[b + 20] > 14.5
    dragged = _fault(s, "ph_probe_dragged_onto_dock")
    assert np.median(ph[dragged["start"] + 180:dragged["end"]]) > ph[dragged["start"] - 10] + 0.6
    salt = _fault(s, "salt_overdosed")
    tds = _smooth(s, "tds_ppm")
    assert tds[salt["start"] + 30] - tds[salt["start"] - 10] > 1000.0 and tds[salt["end"] + 5] < 400.0


def test_a_fault_kind_not_drawn_by_the_months_is_refused() -> None:
    with pytest.raises(ValueError, match="unknown round-19 fault kind"):
        river.apply_stranger19_fault({}, {"kind": "heater_stuck", "start": 0, "end": 1}, np.random.default_rng(0))


def test_the_docstring_examples_run() -> None:
    for module in (strangers19, river, turtle):
        assert doctest.testmod(module, raise_on_error=False).failed == 0, module
