"""Round 12's keeper months written blind (benchmarks/keeper_month_strangers12.py, keeper_month_strangers12_fry.py):
the simulation, not the engine.

Each month builds on the minute grid, has six faults of the kinds its docstring names, each labelled from its
``label_from`` to its end plus its recovery (round 10's check) and moving the water or the readings it names (a
dead probe: no readings; an unplugged pH probe: a flat 6.98); outside the labels the water stays inside the
keeper's own limits (round 8's check), every reading is a number a probe could give (round 10's check) and no
reading is missing; the plumbing the docstrings describe is in the readings.  No month runs through the engine
here; each is built once per run.
"""

from __future__ import annotations

import doctest
import functools

import numpy as np
import pytest
from scipy.ndimage import median_filter

import benchmarks.keeper_month_strangers12 as strangers12
import benchmarks.keeper_month_strangers12_fry as fry
from benchmarks.keeper_month import COLUMNS, DAY_MIN, START_MS, Scenario
from benchmarks.keeper_month_strangers12 import STRANGERS12, classroom_month, fry_tank_month, turtle_summer_month
from tests.test_keeper_month_strangers import (  # the same checks, here over the `month` fixture below
    assert_each_fault_moves_what_it_names,
    test_each_fault_is_labelled_from_its_label_from_to_its_recovery_and_nothing_else,  # noqa: F401
    test_outside_the_faults_every_reading_is_one_a_probe_could_give,  # noqa: F401
)
from tests.test_keeper_month_unseen import (
    test_outside_the_faults_the_water_is_within_the_keepers_limits,  # noqa: F401
)

#: the fault kinds each month's docstring names
KINDS = {turtle_summer_month: {"fan_dead", "uv_union_split", "sitter_overfed", "pump_airlocked",
                               "thermometer_bitten", "uv_stray_voltage"},
         classroom_month: {"heater_dead", "filter_unplugged", "seam_weeping", "ph_up_overdose",
                           "thermometer_on_hood", "canister_clogging"},
         fry_tank_month: {"cold_change", "refill_float_stuck", "pump_left_off", "heater_stuck_on",
                          "ro_unmineralised", "ph_probe_unplugged"}}
#: what each fault kind moves in the readings, and by at least how much (from the median of the hour before)
MOVES = {"fan_dead": ("temp_c", 4.0), "uv_union_split": ("level_cm", 6.0), "sitter_overfed": ("ph", 0.5),
         "pump_airlocked": ("flow_lpm", 5.0), "uv_stray_voltage": ("ph", 0.3), "heater_dead": ("temp_c", 6.0),
         "filter_unplugged": ("flow_lpm", 10.0), "seam_weeping": ("level_cm", 6.0), "ph_up_overdose": ("ph", 0.8),
         "thermometer_on_hood": ("temp_c", 6.0), "canister_clogging": ("flow_lpm", 6.0),
         "cold_change": ("temp_c", 3.0), "refill_float_stuck": ("level_cm", 3.0), "pump_left_off": ("flow_lpm", 3.0),
         "heater_stuck_on": ("temp_c", 2.5), "ro_unmineralised": ("ph", 0.4), "ph_probe_unplugged": ("ph", 0.2)}
#: faults that follow the keeper's maintenance (the pump off at the controller), minutes it lasted: measured
#: against the hour before it
AFTER_MAINTENANCE = {"pump_airlocked": 45}
#: faults in which a probe gives no reading at all
DEAD = {"thermometer_bitten": "temp_c"}

built = functools.cache(lambda make: make())  # a month takes a second: built once per run


@pytest.fixture(params=STRANGERS12, ids=lambda f: f.__name__)
def month(request) -> Scenario:
    return built(request.param)


def test_a_month_is_thirty_days_of_minutes_with_its_faults_of_the_stated_kinds(month: Scenario) -> None:
    s = month
    kinds = next(k for make, k in KINDS.items() if built(make) is s)
    assert s.t_ms[0] == START_MS and np.all(np.diff(s.t_ms) == 60_000) and len(s.t_ms) == 30 * DAY_MIN
    assert set(s.values) == set(COLUMNS) and all(len(x) == len(s.t_ms) for x in s.values.values())
    assert len(s.faults) == 6 and {f["kind"] for f in s.faults} == kinds
    assert "blind" in s.name and "round 12" in s.name and s.profile in ("tropical", "turtle")


def test_each_fault_moves_what_it_names(month: Scenario) -> None:
    alive = Scenario(month.name, month.profile, month.t_ms, month.values, month.labels,
                     [{**f, "start": f["start"] - AFTER_MAINTENANCE.get(f["kind"], 0)}
                      for f in month.faults if f["kind"] not in DEAD])
    assert_each_fault_moves_what_it_names(alive, MOVES)
    for f in month.faults:
        if f["kind"] in DEAD:  # readings drop out for its first 40 minutes, then none at all
            x = month.values[DEAD[f["kind"]]]
            assert np.isnan(x[f["start"] + 40:f["end"]]).all() and np.isnan(x[f["start"]:f["start"] + 40]).any()


def test_no_reading_is_missing_outside_a_dead_probe(month: Scenario) -> None:
    dead = np.zeros(len(month.t_ms), dtype=bool)
    for f in month.faults:
        if f["kind"] in DEAD:
            dead[f["start"]:f["end"]] = True
    for channel, x in month.values.items():
        assert np.isfinite(x[~dead]).all(), channel


def test_the_turtle_fan_holds_the_heatwave_and_the_airlock_keeps_the_display_drained() -> None:
    s = built(turtle_summer_month)
    temp = median_filter(s.values["temp_c"], 5, mode="nearest")
    fan = next(f for f in s.faults if f["kind"] == "fan_dead")
    assert temp[fan["end"] - 5] > 31.0 and temp[fan["start"] - DAY_MIN:fan["start"]].max() < 29.0
    lock = next(f for f in s.faults if f["kind"] == "pump_airlocked")
    assert s.values["pump"][lock["start"]:lock["end"]].min() == 1.0  # the relay on
    assert np.all(s.values["flow_lpm"][lock["start"] + 4:lock["end"]] == 0.0)
    level = median_filter(s.values["level_cm"], 5, mode="nearest")
    assert level[lock["end"] - 10] - level[lock["end"] + 60] > 1.5  # the display drained back into the sump


def test_the_classroom_is_cold_at_weekends_and_the_cleaner_leaves_the_relay_on() -> None:
    s = built(classroom_month)
    room = strangers12.school_room(30, np.random.default_rng(0))
    saturday, tuesday = 2 * DAY_MIN + 4 * 60, 6 * DAY_MIN + 12 * 60  # Saturday 3 and Tuesday 6 January
    assert room[saturday] < 14.5 and room[tuesday] > 20.0
    cut = next(f for f in s.faults if f["kind"] == "filter_unplugged")
    assert s.values["pump"][cut["start"]:cut["end"]].min() == 1.0
    assert np.all(s.values["flow_lpm"][cut["start"]:cut["end"]] == 0.0)


def test_the_fry_tank_is_halved_every_evening_and_the_stuck_float_spills_over_the_rim() -> None:
    s = built(fry_tank_month)
    level = median_filter(s.values["level_cm"], 5, mode="nearest")
    for d in range(2, 30):
        day = level[d * DAY_MIN + 18 * 60:d * DAY_MIN + 23 * 60]  # (day 25: the corrective change at 18:30)
        assert day.min() < 14.0 and day[-1] > 26.5, d
    stuck = next(f for f in s.faults if f["kind"] == "refill_float_stuck")
    assert (level[stuck["start"]:stuck["end"]] > 29.5).sum() >= 20
    left = next(f for f in s.faults if f["kind"] == "pump_left_off")
    assert s.values["pump"][left["start"]:left["end"]].max() == 0.0  # the controller says off all night


def test_the_docstring_examples_run() -> None:
    for module in (strangers12, fry):
        assert doctest.testmod(module, raise_on_error=False).failed == 0, module
