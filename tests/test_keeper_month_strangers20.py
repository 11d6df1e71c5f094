"""Round 20's keeper months written blind (benchmarks/keeper_month_strangers20.py,
keeper_month_strangers20_garage.py, keeper_month_strangers20_school.py): the simulation, not the engine.

Each month builds on the full minute grid, has the five or six faults of the kinds its docstring names, each
labelled from its ``label_from`` to its end plus its recovery and moving the water or the readings it names;
outside the labels the water stays inside the keeper's own limits and every reading is a number a probe could
give (a brackish tank's salts are thousands of ppm); the plumbing, the keepers' habits and the physics the
docstrings describe are in the readings, and a month is the same month every time it is built.  No month runs
through the engine here.
"""

from __future__ import annotations

import doctest

import numpy as np
import pytest

import benchmarks.keeper_month_strangers20 as strangers20
import benchmarks.keeper_month_strangers20_garage as garage
import benchmarks.keeper_month_strangers20_school as school
from benchmarks.keeper_month import COLUMNS, DAY_MIN, START_MS, Scenario
from benchmarks.keeper_month_paludarium import weekday
from benchmarks.keeper_month_strangers20 import (
    STRANGERS20,
    brackish_puffer_month,
    garage_goldfish_tub_month,
    school_holiday_tank_month,
)
from tests.test_keeper_month_strangers import (  # the same checks, here over the `month` fixture below
    assert_each_fault_moves_what_it_names,
    test_each_fault_is_labelled_from_its_label_from_to_its_recovery_and_nothing_else,  # noqa: F401
)
from tests.test_keeper_month_strangers14 import _fault, built
from tests.test_keeper_month_strangers15 import assert_the_same_every_time_and_another_seed_another_month
from tests.test_keeper_month_strangers16 import _smooth
from tests.test_keeper_month_unseen import (
    test_outside_the_faults_the_water_is_within_the_keepers_limits,  # noqa: F401
)

#: the fault kinds each month's docstring names, and its profile
KINDS = {brackish_puffer_month: ({"brine_topped_up", "heater_stuck_on_at_night", "canister_lid_weeping",
                                  "ph_probe_miscalibrated", "power_strip_switched_off", "temp_probe_on_heater"},
                                 "tropical"),
         garage_goldfish_tub_month: ({"tap_timer_stuck_open", "overflow_strainer_clogged", "level_sensor_fogged",
                                      "mortar_bucket_rinsed", "pump_impeller_jammed", "drain_valve_knocked"},
                                     "cold-water"),
         school_holiday_tank_month: ({"feeder_cake_dropped", "power_board_unplugged", "hose_left_running",
                                      "heater_thermostat_welded", "tds_probe_knocked_out"}, "tropical")}
#: what each fault kind moves in the readings, and by at least how much (from the median of the hour before)
MOVES = {"brine_topped_up": ("tds_ppm", 1500.0), "heater_stuck_on_at_night": ("temp_c", 6.0),
         "canister_lid_weeping": ("level_cm", 11.0), "ph_probe_miscalibrated": ("ph", 3.5),
         "power_strip_switched_off": ("flow_lpm", 13.0), "temp_probe_on_heater": ("temp_c", 3.0),
         "tap_timer_stuck_open": ("temp_c", 4.0), "overflow_strainer_clogged": ("level_cm", 5.5),
         "level_sensor_fogged": ("level_cm", 8.0), "mortar_bucket_rinsed": ("ph", 1.5),
         "pump_impeller_jammed": ("flow_lpm", 24.0), "drain_valve_knocked": ("level_cm", 13.0),
         "feeder_cake_dropped": ("turb_ntu", 8.0), "power_board_unplugged": ("flow_lpm", 9.5),
         "hose_left_running": ("level_cm", 8.5), "heater_thermostat_welded": ("temp_c", 8.0),
         "tds_probe_knocked_out": ("tds_ppm", 450.0)}
#: what a probe can read (the brackish tank's conductivity cell reads thousands of ppm)
PLAUSIBLE = {"temp_c": (0.0, 45.0), "ph": (4.0, 10.0), "tds_ppm": (0.0, 8000.0), "turb_ntu": (-10.0, 50.0),
             "level_cm": (0.0, 100.0), "flow_lpm": (0.0, 60.0), "pump": (0.0, 1.0)}


@pytest.fixture(params=STRANGERS20, ids=lambda f: f.__name__)
def month(request) -> Scenario:
    return built(request.param)


def test_a_month_is_thirty_days_of_minutes_with_its_faults_of_the_stated_kinds(month: Scenario) -> None:
    kinds, profile = next(k for make, k in KINDS.items() if built(make) is month)
    assert month.t_ms[0] == START_MS and np.all(np.diff(month.t_ms) == 60_000) and len(month.t_ms) == 30 * DAY_MIN
    assert set(month.values) == set(COLUMNS) and all(len(x) == len(month.t_ms) for x in month.values.values())
    assert 5 <= len(month.faults) <= 7 and {f["kind"] for f in month.faults} == kinds
    assert "blind" in month.name and "round 20" in month.name and month.profile == profile
    assert month.labels.any() and not month.labels[:2 * DAY_MIN].any()  # the labels after the warm-up
    assert all(np.isfinite(x).all() for x in month.values.values())


@pytest.mark.parametrize("make", STRANGERS20, ids=lambda f: f.__name__)
def test_a_month_is_the_same_every_time_and_another_seed_another_month(make) -> None:
    assert_the_same_every_time_and_another_seed_another_month(make)


def test_each_fault_moves_what_it_names(month: Scenario) -> None:
    assert_each_fault_moves_what_it_names(month, MOVES)


def test_outside_the_faults_every_reading_is_one_a_probe_could_give(month: Scenario) -> None:
    healthy = ~month.labels
    for channel, (low, high) in PLAUSIBLE.items():
        x = month.values[channel][healthy]
        assert low <= x.min() and x.max() <= high, channel


def test_the_puffer_tank_is_topped_up_with_ro_and_changed_with_salt_water_on_saturdays() -> None:
    s = built(brackish_puffer_month)
    level, tds, flow = _smooth(s, "level_cm"), _smooth(s, "tds_ppm"), s.values["flow_lpm"]
    day = lambda d: slice(d * DAY_MIN, (d + 1) * DAY_MIN)  # noqa: E731
    for d in (2, 16, 23):  # Saturday changes: 8.5 cm out, back to the mark; the canister off every other one
        assert weekday(d) == 5 and 7.0 < strangers20.MARK_CM - level[day(d)].min() < 9.5  # (a minute's bottom)
        assert (flow[day(d)] == 0.0).sum() == (35 if d in (2, 16) else 0)
    assert (flow[day(9)] == 0.0).sum() == 0 and level[day(9)].min() > strangers20.MARK_CM - 1.0  # she is away
    healthy = ~s.labels & (np.arange(len(tds)) > DAY_MIN)
    assert 3300.0 < tds[healthy].min() and tds[healthy].max() < 4700.0  # the RO top-ups' sawtooth on SG 1.004
    for d in (3, 12, 27):  # the 300 W heater holds 25.8-26.2 over the flat's night set-back
        t = _smooth(s, "temp_c")[day(d)]
        assert 25.6 < t.min() and t.max() < 26.5


def test_the_puffer_tanks_faults_are_its_partner_its_heater_its_canister_its_buffer_and_its_vacuum() -> None:
    s = built(brackish_puffer_month)
    tds, temp, level, ph = _smooth(s, "tds_ppm"), _smooth(s, "temp_c"), _smooth(s, "level_cm"), _smooth(s, "ph")
    brine = _fault(s, "brine_topped_up")
    assert tds[brine["end"] - 1] > s.limits["tds_ppm_high"] and tds[brine["end"] + 60] < 4700.0
    stuck = _fault(s, "heater_stuck_on_at_night")
    assert temp[stuck["end"] - 1] > s.limits["temp_c_high"]
    weep = _fault(s, "canister_lid_weeping")
    assert strangers20.MARK_CM - level[weep["end"] - 1] > 10.0 and level[weep["end"] + 40] > strangers20.MARK_CM - 0.5
    cal = _fault(s, "ph_probe_miscalibrated")
    assert 0.4 < np.median(ph[cal["start"] + 60:cal["end"] - 60]) - np.median(ph[cal["start"] - 60:cal["start"]])
    strip = _fault(s, "power_strip_switched_off")
    assert np.all(s.values["flow_lpm"][strip["start"]:strip["end"]] == 0.0) and temp[strip["end"] - 1] < 23.5
    lying = _fault(s, "temp_probe_on_heater")
    assert temp[lying["start"]:lying["end"]].max() > 28.0  # the heater's glass, while the water holds 26


def test_the_garage_tub_is_changed_every_morning_by_its_tap_timer_and_rinsed_on_sundays() -> None:
    s = built(garage_goldfish_tub_month)
    level, temp, tds, flow = _smooth(s, "level_cm"), _smooth(s, "temp_c"), _smooth(s, "tds_ppm"), s.values["flow_lpm"]
    for d in (3, 11, 20, 27):  # 7:00-7:12: the level up to the overflow, the water cooler, the salts down
        at = d * DAY_MIN + 7 * 60
        assert level[at + 10] - level[at - 5] > 0.1 and temp[at + 15] < temp[at - 5] - 0.4
        assert tds[at + 20] < tds[at - 5] - 5.0  # an eighth of the water, the tap 90 ppm
    for d in (10, 17, 24):  # Sundays: the pump off twenty minutes for the foams
        assert weekday(d) == 6 and (flow[d * DAY_MIN:(d + 1) * DAY_MIN] == 0.0).sum() == 20
    for d in (3, 13, 27):  # the frost guard holds 12 °C, in the cold snap too
        t = temp[d * DAY_MIN + 9 * 60:(d + 1) * DAY_MIN]
        assert 11.0 < t.min() and t.max() < 12.8


def test_the_garage_tubs_faults_are_its_timer_its_duckweed_its_door_its_son_its_pump_and_its_car() -> None:
    s = built(garage_goldfish_tub_month)
    level, temp, ph, tds = _smooth(s, "level_cm"), _smooth(s, "temp_c"), _smooth(s, "ph"), _smooth(s, "tds_ppm")
    stuck = _fault(s, "tap_timer_stuck_open")
    assert temp[stuck["end"] - 1] < 8.5 and tds[stuck["end"] - 1] < 100.0  # flushed with 6 °C tap water all day
    clog = _fault(s, "overflow_strainer_clogged")
    assert level[clog["start"]:clog["end"]].max() > garage.RIM_CM  # over the rim
    fog = _fault(s, "level_sensor_fogged")
    raw = s.values["level_cm"][fog["label_from"]:fog["end"]]
    assert (raw > garage.MARK_CM + 4.0).mean() > 0.2 and np.median(raw) < garage.MARK_CM + 1.0  # in bursts
    mortar = _fault(s, "mortar_bucket_rinsed")
    assert ph[mortar["start"]:mortar["end"]].max() > s.limits["ph_high"] + 0.5
    jammed = _fault(s, "pump_impeller_jammed")
    assert np.all(s.values["flow_lpm"][jammed["start"]:jammed["end"]] == 0.0)
    valve = _fault(s, "drain_valve_knocked")
    low = level[valve["start"]:valve["end"]].min()  # before the morning's tap run gives some of it back
    assert low < s.limits["level_cm_low"] and level[valve["end"] + 40] > garage.MARK_CM - 0.6


def test_the_school_tank_is_kept_by_its_feeder_its_caretaker_and_its_teacher() -> None:
    s = built(school_holiday_tank_month)
    level, turb, flow = _smooth(s, "level_cm"), s.values["turb_ntu"], s.values["flow_lpm"]
    for d in (4, 18):  # the caretaker's Mondays: the jug-less buckets back to the mark by noon
        assert weekday(d) == 0 and abs(level[d * DAY_MIN + 12 * 60] - school.MARK_CM) < 0.3
    assert level[3 * DAY_MIN + 23 * 60] < school.MARK_CM - 2.5  # three days and a half of a hot room's evaporation
    change = school.TEACHER_VISIT * DAY_MIN + 10 * 60
    assert (flow[change - 5:change + 30] == 0.0).sum() == 15 and level[change:change + 20].min() < 23.0
    for d in (10, 24):  # the drum's two turns a day while the school is shut
        for h in (8, 16):
            at = d * DAY_MIN + h * 60
            assert turb[at + 1:at + 5].mean() > turb[at - 20:at - 5].mean() + 0.15


def test_the_school_tanks_faults_are_its_feeder_its_cleaners_its_caretaker_and_its_heater() -> None:
    s = built(school_holiday_tank_month)
    level, temp, ph, tds = _smooth(s, "level_cm"), _smooth(s, "temp_c"), _smooth(s, "ph"), s.values["tds_ppm"]
    cake = _fault(s, "feeder_cake_dropped")
    assert _smooth(s, "turb_ntu")[cake["end"] - 60:cake["end"]].min() > 8.0 and ph[cake["end"] - 1] < 6.8
    board = _fault(s, "power_board_unplugged")
    assert np.all(s.values["flow_lpm"][board["start"]:board["end"]] == 0.0)
    hose = _fault(s, "hose_left_running")
    assert level[hose["start"]:hose["end"]].max() > school.RIM_CM and level[hose["end"] + 30] < school.MARK_CM + 0.5
    welded = _fault(s, "heater_thermostat_welded")
    assert temp[welded["end"] - 1] > s.limits["temp_c_high"] + 5.0
    knocked = _fault(s, "tds_probe_knocked_out")
    assert np.all(tds[knocked["start"] + 30:knocked["end"]] < 10.0)


def test_a_fault_kind_not_drawn_by_the_months_is_refused() -> None:
    with pytest.raises(ValueError, match="unknown round-20 fault kind"):
        garage.apply_stranger20_fault({}, {"kind": "heater_stuck", "start": 0, "end": 1}, np.random.default_rng(0))


def test_the_docstring_examples_run() -> None:
    for module in (strangers20, garage, school):
        assert doctest.testmod(module, raise_on_error=False).failed == 0, module
