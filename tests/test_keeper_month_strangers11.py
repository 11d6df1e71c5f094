"""Round 11's keeper months written blind (benchmarks/keeper_month_strangers11.py, keeper_month_paludarium.py): the
simulation, not the engine.

Each month builds on the minute grid, has five to seven faults of the kinds its docstring names, each labelled
from its ``label_from`` to its end plus its recovery (round 10's check) and moving the water or the readings it
names; outside the labels the water stays inside the keeper's own limits (round 8's check) and every reading
is a number a probe could give (round 10's check); the plumbing the docstrings describe is in the readings.
No month runs through the engine here; each is built once per run.
"""

from __future__ import annotations

import doctest
import functools

import numpy as np
import pytest
from scipy.ndimage import median_filter

import benchmarks.keeper_month_paludarium as paludarium
import benchmarks.keeper_month_strangers11 as strangers11
from benchmarks.keeper_month import COLUMNS, DAY_MIN, START_MS, Scenario
from benchmarks.keeper_month_strangers11 import (
    STRANGERS11,
    paludarium_month,
    shop_rack_month,
    turtle_bottom_filter_month,
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
KINDS = {turtle_bottom_filter_month: {"relay_welded", "hose_weeping", "bed_clogging", "kh_exhausted",
                                      "thermometer_on_dock", "pebble_in_impeller", "heater_left_unplugged"},
         shop_rack_month: {"overflow_blocked", "room_heating_failed", "acid_dose", "ph_probe_knocked_out",
                           "return_pump_tripped", "float_valve_stuck"},
         paludarium_month: {"heater_stuck_on", "mister_stuck_on", "peat_flush", "sponge_clogging", "drain_clogged",
                            "flow_sensor_jammed"}}
#: what each fault kind moves in the readings, and by at least how much (from the median of the hour before)
MOVES = {"relay_welded": ("temp_c", 2.5), "hose_weeping": ("level_cm", 4.0), "bed_clogging": ("level_cm", 8.0),
         "kh_exhausted": ("ph", 0.8), "thermometer_on_dock": ("temp_c", 4.0), "pebble_in_impeller": ("flow_lpm", 5.0),
         "heater_left_unplugged": ("temp_c", 5.0), "overflow_blocked": ("level_cm", 3.0),
         "room_heating_failed": ("temp_c", 3.0), "acid_dose": ("ph", 1.0), "ph_probe_knocked_out": ("ph", 0.6),
         "return_pump_tripped": ("flow_lpm", 3.5), "float_valve_stuck": ("level_cm", 9.0),
         "heater_stuck_on": ("temp_c", 2.5), "mister_stuck_on": ("tds_ppm", 20.0), "peat_flush": ("ph", 0.9),
         "sponge_clogging": ("flow_lpm", 3.0), "drain_clogged": ("level_cm", 0.8), "flow_sensor_jammed": ("flow_lpm", 4.5)}

built = functools.cache(lambda make: make())  # a month takes a second: built once per run


@pytest.fixture(params=STRANGERS11, ids=lambda f: f.__name__)
def month(request) -> Scenario:
    return built(request.param)


def test_a_month_is_thirty_days_of_minutes_with_its_faults_of_the_stated_kinds(month: Scenario) -> None:
    s = month
    kinds = next(k for make, k in KINDS.items() if built(make) is s)
    assert s.t_ms[0] == START_MS and np.all(np.diff(s.t_ms) == 60_000) and len(s.t_ms) == 30 * DAY_MIN
    assert set(s.values) == set(COLUMNS) and all(len(x) == len(s.t_ms) for x in s.values.values())
    assert 5 <= len(s.faults) <= 7 and {f["kind"] for f in s.faults} == kinds
    assert "blind" in s.name and "round 11" in s.name and s.profile in ("tropical", "cold-water", "turtle")


def test_each_fault_moves_what_it_names(month: Scenario) -> None:
    assert_each_fault_moves_what_it_names(month, MOVES)


def test_the_turtle_sump_rises_when_the_pump_stops_and_falls_as_the_bed_clogs() -> None:
    s = built(turtle_bottom_filter_month)
    level = median_filter(s.values["level_cm"], 5, mode="nearest")
    jam = next(f for f in s.faults if f["kind"] == "pebble_in_impeller")
    assert level[jam["start"] + 30] - level[jam["start"] - 5] > 2.0  # the display's weir drains back
    assert s.values["pump"][jam["start"]:jam["end"]].min() == 1.0  # the relay on, the impeller jammed
    clog = next(f for f in s.faults if f["kind"] == "bed_clogging")
    assert level[clog["end"] - 60] < 7.0 < level[clog["start"]]  # the sump near the pump's intake
    flow = s.values["flow_lpm"][clog["end"] - 240:clog["end"] - 60]
    assert flow.std() > 0.5 and flow.mean() < 5.0  # the pump draws air and gurgles


def test_the_shops_float_valve_holds_the_sump_until_it_sticks() -> None:
    s = built(shop_rack_month)
    level = median_filter(s.values["level_cm"], 5, mode="nearest")
    quiet = ~s.labels & (s.values["pump"] == 1) & (np.arange(len(level)) > DAY_MIN)
    quiet &= np.convolve(s.values["pump"] == 0, np.ones(30), mode="full")[:len(level)] == 0  # not just after a change
    assert 33.5 < np.percentile(level[quiet], 0.5) and np.percentile(level[quiet], 99.5) < 35.5
    stuck = next(f for f in s.faults if f["kind"] == "float_valve_stuck")
    assert 44.5 < level[stuck["end"] - 10] < 45.5  # over the sump's rim, onto the floor
    assert s.values["temp_c"][stuck["end"] - 10] < 21.0  # the cold mains


def test_the_paludarium_weir_holds_the_water_until_its_drain_clogs() -> None:
    s = built(paludarium_month)
    level = median_filter(s.values["level_cm"], 5, mode="nearest")
    drain = next(f for f in s.faults if f["kind"] == "drain_clogged")
    before = level[drain["start"] - 2 * DAY_MIN:drain["start"]]
    assert 14.8 < before.min() and before.max() < 15.4  # the mists' drip over the weir
    assert level[drain["end"] - 5] > 15.8  # the mists' surplus with nowhere to go
    mist = next(f for f in s.faults if f["kind"] == "mister_stuck_on")
    tds = median_filter(s.values["tds_ppm"], 5, mode="nearest")
    assert tds[mist["start"] + 120] < 0.85 * tds[mist["start"] - 5]  # 9 l of RO water through 40 l


def test_the_docstring_examples_run() -> None:
    for module in (strangers11, paludarium):
        assert doctest.testmod(module, raise_on_error=False).failed == 0, module
