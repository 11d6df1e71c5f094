"""Round 15's keeper months written blind (benchmarks/keeper_month_strangers15.py, keeper_month_strangers15_pond.py,
keeper_month_strangers15_office.py): the simulation, not the engine.

Each month builds on the full minute grid, has five faults of the kinds its docstring names, each labelled from
its ``label_from`` to its end plus its recovery and moving the water or the readings it names; outside the labels
the water stays inside the keeper's own limits and every reading is a number a probe could give; the plumbing,
the keepers' habits and the physics the docstrings describe are in the readings, and a month is the same month
every time it is built.  No month runs through the engine here.
"""

from __future__ import annotations

import doctest
from typing import Any

import numpy as np
import pytest
from scipy.ndimage import median_filter

import benchmarks.keeper_month_strangers15 as strangers15
import benchmarks.keeper_month_strangers15_office as office
import benchmarks.keeper_month_strangers15_pond as pond
from benchmarks.keeper_month import COLUMNS, DAY_MIN, START_MS, Scenario
from benchmarks.keeper_month_paludarium import weekday
from benchmarks.keeper_month_strangers15 import (
    STRANGERS15,
    planted_python_month,
    shed_pond_month,
    waiting_room_month,
)
from tests.test_keeper_month_strangers import (  # the same checks, here over the `month` fixture below
    assert_each_fault_moves_what_it_names,
    test_each_fault_is_labelled_from_its_label_from_to_its_recovery_and_nothing_else,  # noqa: F401
    test_outside_the_faults_every_reading_is_one_a_probe_could_give,  # noqa: F401
)
from tests.test_keeper_month_strangers14 import _fault, _rel, built
from tests.test_keeper_month_unseen import (
    test_outside_the_faults_the_water_is_within_the_keepers_limits,  # noqa: F401
)

#: the fault kinds each month's docstring names, and its profile
KINDS = {planted_python_month: ({"co2_end_of_tank_dump", "python_drain_forgotten", "canister_hose_off_barb",
                                 "canister_lid_weeping", "spraybar_turned_under"}, "tropical"),
         shed_pond_month: ({"liner_punctured", "uv_sleeve_cracked_rcd", "return_hose_frozen",
                            "heater_probe_out_of_water", "filter_valve_left_on_waste"}, "cold-water"),
         waiting_room_month: ({"heater_not_replugged", "strip_left_unplugged", "temp_probe_pulled_out",
                               "juice_poured_in", "building_boiler_down"}, "tropical")}
#: what each fault kind moves in the readings, and by at least how much (from the median of the hour before)
MOVES = {"co2_end_of_tank_dump": ("ph", 0.5), "python_drain_forgotten": ("level_cm", 30.0),
         "canister_hose_off_barb": ("flow_lpm", 12.0), "canister_lid_weeping": ("flow_lpm", 4.0),
         "spraybar_turned_under": ("ph", 0.5), "liner_punctured": ("level_cm", 2.5),
         "uv_sleeve_cracked_rcd": ("flow_lpm", 35.0), "return_hose_frozen": ("flow_lpm", 35.0),
         "heater_probe_out_of_water": ("temp_c", 5.0), "filter_valve_left_on_waste": ("level_cm", 25.0),
         "heater_not_replugged": ("temp_c", 5.0), "strip_left_unplugged": ("flow_lpm", 9.0),
         "temp_probe_pulled_out": ("temp_c", 6.0), "juice_poured_in": ("turb_ntu", 3.0),
         "building_boiler_down": ("temp_c", 3.0)}


@pytest.fixture(params=STRANGERS15, ids=lambda f: f.__name__)
def month(request) -> Scenario:
    return built(request.param)


def assert_thirty_days_of_minutes_with_five_faults(s: Scenario, kinds_by_month: dict, round_name: str) -> None:
    """A blind month's shape: 30 days of minutes, every column, five faults of the kinds its docstring names,
    labels after the warm-up, no missing reading (round 16's months are checked by the same)."""
    kinds, profile = next(k for make, k in kinds_by_month.items() if built(make) is s)
    assert s.t_ms[0] == START_MS and np.all(np.diff(s.t_ms) == 60_000) and len(s.t_ms) == 30 * DAY_MIN
    assert set(s.values) == set(COLUMNS) and all(len(x) == len(s.t_ms) for x in s.values.values())
    assert len(s.faults) == 5 and {f["kind"] for f in s.faults} == kinds
    assert "blind" in s.name and round_name in s.name and s.profile == profile
    assert s.labels.any() and not s.labels[:2 * DAY_MIN].any()  # the labels inside the month, after the warm-up
    assert all(np.isfinite(x).all() for x in s.values.values())  # no reading is missing


def assert_the_same_every_time_and_another_seed_another_month(make: Any) -> None:
    a, b, other = (make(days=4, faults=(), **seed) for seed in ({}, {}, {"seed": 7}))
    assert all(np.array_equal(a.values[k], b.values[k]) for k in COLUMNS) and np.array_equal(a.labels, b.labels)
    assert not np.array_equal(a.values["temp_c"], other.values["temp_c"])


def test_a_month_is_thirty_days_of_minutes_with_its_faults_of_the_stated_kinds(month: Scenario) -> None:
    assert_thirty_days_of_minutes_with_five_faults(month, KINDS, "round 15")


@pytest.mark.parametrize("make", STRANGERS15, ids=lambda f: f.__name__)
def test_a_month_is_the_same_every_time_and_another_seed_another_month(make) -> None:
    assert_the_same_every_time_and_another_seed_another_month(make)


def test_each_fault_moves_what_it_names(month: Scenario) -> None:
    assert_each_fault_moves_what_it_names(month, MOVES)


def _smooth(s: Scenario, channel: str) -> np.ndarray:
    return median_filter(s.values[channel], 5, mode="nearest")


def test_the_python_changes_the_planted_tank_and_the_co2_sets_its_ph_by_day() -> None:
    s = built(planted_python_month)
    level, ph = _smooth(s, "level_cm"), _smooth(s, "ph")
    off = np.flatnonzero(np.diff((s.values["pump"] == 0.0).astype(int)) == 1) + 1  # the changes' first minutes
    healthy = [int(at) for at in off if not s.labels[at:at + 120].any()]
    assert len(healthy) >= 2  # days 3 and 24 (10 and 17 carry faults)
    for at in healthy:
        assert 20.0 < level[at - 2] - level[at + 13] < 24.0  # 22 cm drained into the sink in twelve minutes
        assert level[at + 27] > 44.8 and np.all(s.values["flow_lpm"][at:at + 26] == 0.0)  # filled, filter off
    for d in (4, 5, 6, 12, 26):  # the solenoid's CO2 by evening, degassed by morning
        assert 0.8 < ph[d * DAY_MIN + 10 * 60 + 30] - ph[d * DAY_MIN + 19 * 60 + 50] < 1.2
    dump = _fault(s, "co2_end_of_tank_dump")
    assert ph[dump["start"]:dump["end"]].min() < 5.9 < ph[dump["end"] - 30]  # the last gas, then none
    hose = _fault(s, "canister_hose_off_barb")
    a, b = hose["start"], hose["end"]
    assert np.all(s.values["flow_lpm"][a:b] == 0.0) and np.all(s.values["pump"][a:b] == 1.0)
    assert 30.5 < level[a + 30:b].min() and level[a + 30:b].max() < 33.5  # onto the floor down to the strainer


def test_the_python_left_draining_takes_the_tank_to_its_substrate() -> None:
    s = built(planted_python_month)
    f = _fault(s, "python_drain_forgotten")
    level = _smooth(s, "level_cm")
    assert level[f["end"] - 1] < strangers15.SUBSTRATE_CM + 0.3 and level[f["start"]] > 17.0
    assert level[f["end"] + 25] > 44.8  # filled when the keeper is back


def test_the_pond_is_backwashed_and_filled_with_cold_mains_water() -> None:
    s = built(shed_pond_month)
    level, temp, flow, pump = _smooth(s, "level_cm"), _smooth(s, "temp_c"), s.values["flow_lpm"], s.values["pump"]
    wash = 9 * DAY_MIN  # the first backwash's Saturday
    day = slice(wash + 9 * 60, wash + 12 * 60)
    to_waste = np.flatnonzero((flow[day] == 0.0) & (pump[day] == 1.0))
    assert len(to_waste) == 4  # three minutes' backwash and a minute's rinse, the pump on
    assert 8.0 < level[day].max() - level[day].min() < 10.0
    assert temp[wash + 9 * 60] - temp[day].min() > 0.8  # a fifth of the pond at 6 °C
    waste = _fault(s, "filter_valve_left_on_waste")
    assert level[waste["end"] - 1] < pond.INTAKE_CM + 0.3  # pumped down to the intake
    assert temp[waste["end"]:waste["end"] + 120].min() < 8.0  # and filled with the hose's water


def test_the_rcd_trip_stops_the_shed_and_the_air_line_siphons_while_the_monitor_reads_on() -> None:
    s = built(shed_pond_month)
    f = _fault(s, "uv_sleeve_cracked_rcd")
    a, b = f["start"], f["end"]
    assert np.all(s.values["flow_lpm"][a:b] == 0.0) and np.all(s.values["pump"][a:b] == 1.0)
    level, temp = _smooth(s, "level_cm"), _smooth(s, "temp_c")
    assert level[a] - level[b - 1] > 3.0 and temp[a] - temp[b - 1] > 1.2
    frozen = _fault(s, "return_hose_frozen")
    flow = s.values["flow_lpm"][frozen["start"]:frozen["end"]]
    assert flow[:10].min() > 25.0 and np.all(flow[60:] == 0.0)  # the ice narrows the hose, then closes it
    probe = _fault(s, "heater_probe_out_of_water")
    assert temp[probe["end"]] > s.limits["temp_c_high"]  # the heater never stops


def test_the_waiting_rooms_cleaner_contractor_and_children() -> None:
    s = built(waiting_room_month)
    flow, pump, rel = s.values["flow_lpm"], s.values["pump"], _rel(s)
    strip_out = (flow == 0.0) & (pump == 1.0) & ~s.labels
    starts = np.flatnonzero(np.diff(strip_out.astype(int)) == 1) + 1
    assert len(starts) >= 15 and all(weekday(int(r) // DAY_MIN) < 5 for r in rel[starts])  # weekday evenings
    assert all(18.9 < (r % DAY_MIN) / 60.0 < 20.2 for r in rel[starts])
    runs = np.diff(np.flatnonzero(np.diff(strip_out.astype(int)) != 0))[::2]
    assert 5 <= runs.min() and runs.max() <= 13  # six to twelve minutes' vacuuming
    level = _smooth(s, "level_cm")
    visit = int(np.flatnonzero(pump == 0.0)[0])
    assert 12.5 < level[visit] - level[visit + 25] < 14.5 and level[visit + 44] > 44.8  # 30 % and back
    pulled = _fault(s, "temp_probe_pulled_out")
    temp = _smooth(s, "temp_c")
    assert temp[pulled["start"] + 60] < 23.0 and temp[pulled["start"] + 10 * 60] < 17.5  # the cabinet's air
    assert abs(temp[pulled["end"] + 25] - 25.0) < 0.5  # back in the water
    boiler = _fault(s, "building_boiler_down")
    assert boiler["label_from"] - boiler["start"] > 6 * 60  # the heater holds the water for hours


def test_a_fault_kind_not_drawn_by_the_months_is_refused() -> None:
    with pytest.raises(ValueError, match="unknown round-15 fault kind"):
        pond.apply_stranger15_fault({}, {"kind": "heater_stuck", "start": 0, "end": 1}, np.random.default_rng(0))


def test_the_docstring_examples_run() -> None:
    for module in (strangers15, pond, office):
        assert doctest.testmod(module, raise_on_error=False).failed == 0, module
