"""Round 16's keeper months written blind (benchmarks/keeper_month_strangers16.py, keeper_month_strangers16_pond.py,
keeper_month_strangers16_riparium.py): the simulation, not the engine.

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
from scipy.ndimage import median_filter

import benchmarks.keeper_month_strangers16 as strangers16
import benchmarks.keeper_month_strangers16_pond as pond
import benchmarks.keeper_month_strangers16_riparium as riparium
from benchmarks.keeper_month import DAY_MIN, Scenario
from benchmarks.keeper_month_paludarium import weekday
from benchmarks.keeper_month_strangers16 import (
    STRANGERS16,
    office_nano_month,
    rescue_turtle_pond_month,
    riparium_trickle_month,
)
from tests.test_keeper_month_strangers import (  # the same checks, here over the `month` fixture below
    assert_each_fault_moves_what_it_names,
    test_each_fault_is_labelled_from_its_label_from_to_its_recovery_and_nothing_else,  # noqa: F401
    test_outside_the_faults_every_reading_is_one_a_probe_could_give,  # noqa: F401
)
from tests.test_keeper_month_strangers14 import _fault, built
from tests.test_keeper_month_strangers15 import (  # the shape and repeatability checks, over round 16's months
    assert_the_same_every_time_and_another_seed_another_month,
    assert_thirty_days_of_minutes_with_five_faults,
)
from tests.test_keeper_month_unseen import (
    test_outside_the_faults_the_water_is_within_the_keepers_limits,  # noqa: F401
)

#: the fault kinds each month's docstring names, and its profile
KINDS = {office_nano_month: ({"usb_charger_died", "heater_on_timer_plug", "siphon_restarted_onto_carpet",
                              "ph_lead_pulled_loose", "heater_stuck_on"}, "tropical"),
         rescue_turtle_pond_month: ({"bottom_valve_knocked_open", "canister_impeller_jammed", "extractor_fan_dead",
                                     "heater_cable_bitten", "level_probe_knocked_up"}, "tropical"),
         riparium_trickle_month: ({"trickle_tray_spilling_behind", "intake_leaf_mat", "heater_cracked_at_waterline",
                                   "peat_planter_acid", "level_sensor_leaf_in_beam"}, "tropical")}
#: what each fault kind moves in the readings, and by at least how much (from the median of the hour before)
MOVES = {"usb_charger_died": ("flow_lpm", 3.0), "heater_on_timer_plug": ("temp_c", 5.0),
         "siphon_restarted_onto_carpet": ("level_cm", 20.0), "ph_lead_pulled_loose": ("ph", 0.4),
         "heater_stuck_on": ("temp_c", 5.0), "bottom_valve_knocked_open": ("level_cm", 8.0),
         "canister_impeller_jammed": ("flow_lpm", 20.0), "extractor_fan_dead": ("ph", 0.6),
         "heater_cable_bitten": ("temp_c", 4.0), "level_probe_knocked_up": ("level_cm", 6.0),
         "trickle_tray_spilling_behind": ("level_cm", 9.0), "intake_leaf_mat": ("flow_lpm", 3.0),
         "heater_cracked_at_waterline": ("temp_c", 7.0), "peat_planter_acid": ("ph", 0.5),
         "level_sensor_leaf_in_beam": ("level_cm", 8.0)}


@pytest.fixture(params=STRANGERS16, ids=lambda f: f.__name__)
def month(request) -> Scenario:
    return built(request.param)


def test_a_month_is_thirty_days_of_minutes_with_its_faults_of_the_stated_kinds(month: Scenario) -> None:
    assert_thirty_days_of_minutes_with_five_faults(month, KINDS, "round 16")


@pytest.mark.parametrize("make", STRANGERS16, ids=lambda f: f.__name__)
def test_a_month_is_the_same_every_time_and_another_seed_another_month(make) -> None:
    assert_the_same_every_time_and_another_seed_another_month(make)


def test_each_fault_moves_what_it_names(month: Scenario) -> None:
    assert_each_fault_moves_what_it_names(month, MOVES)


def _smooth(s: Scenario, channel: str) -> np.ndarray:
    return median_filter(s.values[channel], 5, mode="nearest")


def test_the_office_nano_is_changed_on_mondays_and_breathes_the_office_by_day() -> None:
    s = built(office_nano_month)
    level, ph, flow = _smooth(s, "level_cm"), _smooth(s, "ph"), s.values["flow_lpm"]
    assert np.all(s.values["pump"] == 1.0)  # nothing of the nano's is on the monitor's relay
    stops = np.flatnonzero(np.diff((flow == 0.0).astype(int)) == 1) + 1
    changes = [int(at) for at in stops if not s.labels[at - 5:at + 60].any()]
    assert len(changes) >= 3 and all(weekday(at // DAY_MIN) == 0 for at in changes)
    for at in changes:
        assert 7.0 < level[at - 2] - level[at + 8] < 8.6 and level[at + 25] > 25.8  # 30 % out, poured back
        assert np.all(flow[at:at + 21] == 0.0) and flow[at + 24] > 3.0  # unplugged 22 minutes
    for d in (5, 6, 13, 26):  # workdays: the people's CO2 in the water by evening; a weekend: none
        assert 0.2 < ph[d * DAY_MIN + 8 * 60] - ph[d * DAY_MIN + 18 * 60] < 0.5
    assert abs(ph[9 * DAY_MIN + 8 * 60] - ph[9 * DAY_MIN + 18 * 60]) < 0.1


def test_the_office_nanos_faults_are_the_sockets_the_siphon_and_the_lead() -> None:
    s = built(office_nano_month)
    level, temp, flow = _smooth(s, "level_cm"), _smooth(s, "temp_c"), s.values["flow_lpm"]
    charger = _fault(s, "usb_charger_died")
    assert np.all(flow[charger["start"]:charger["end"]] == 0.0)
    timer = _fault(s, "heater_on_timer_plug")
    assert temp[timer["end"] - 20] < 20.0  # no heat from 18:00 until morning
    siphon = _fault(s, "siphon_restarted_onto_carpet")
    assert level[siphon["end"] - 1] < strangers16.GRAVEL_CM + 0.3
    assert np.all(flow[siphon["end"] - 10:siphon["end"]] == 0.0)  # the filter's intake dry
    assert temp[siphon["end"]:siphon["end"] + 120].min() < 21.5  # the colleague's jugs of cold tap water
    loose = _fault(s, "ph_lead_pulled_loose")
    wander = s.values["ph"][loose["start"] + 30:loose["end"]]
    assert abs(np.median(wander) - 7.0) < 0.15 and wander.std() > 0.1
    stuck = _fault(s, "heater_stuck_on")
    assert temp[stuck["start"]:stuck["end"]].max() > s.limits["temp_c_high"]


def test_the_turtle_pond_is_changed_on_saturdays_and_its_ph_follows_the_gas_heater() -> None:
    s = built(rescue_turtle_pond_month)
    level, ph, flow, pump = _smooth(s, "level_cm"), _smooth(s, "ph"), s.values["flow_lpm"], s.values["pump"]
    offs = np.flatnonzero(np.diff(pump.astype(int)) == -1) + 1
    saturdays = [int(at) for at in offs if weekday(int(at) // DAY_MIN) == 5]
    assert len(saturdays) == 4
    for at in saturdays:
        assert 11.0 < level[at - 2] - level[at + 8] < 13.0 and np.all(flow[at:at + 30] == 0.0)
    for d in (4, 8, 12, 22):  # the heater's CO2 by late afternoon, gone by morning
        assert 0.2 < ph[d * DAY_MIN + 7 * 60 + 50] - ph[d * DAY_MIN + 17 * 60 + 50] < 0.45
    fan = _fault(s, "extractor_fan_dead")
    assert ph[fan["start"] + 9 * 60] < 7.2
    jam = _fault(s, "canister_impeller_jammed")
    assert np.all(flow[jam["start"]:jam["end"]] == 0.0) and np.all(pump[jam["start"]:jam["end"]] == 1.0)
    knocked = _fault(s, "level_probe_knocked_up")
    a, b = knocked["start"], knocked["end"]
    assert 6.5 < np.median(s.values["level_cm"][a - 60:a]) - np.median(s.values["level_cm"][a:a + 60]) < 7.5
    back = np.median(s.values["level_cm"][b:b + 60])
    assert abs(back - np.median(s.values["level_cm"][a - 60:a])) < 1.0  # pushed back down its stick
    valve = _fault(s, "bottom_valve_knocked_open")
    assert 9.0 < level[valve["start"]] - level[valve["end"] - 1] < 13.0  # 1.2 l/min for six and a half hours


def test_the_riparium_drinks_a_centimetre_a_day_and_goes_without_while_its_keeper_is_away() -> None:
    s = built(riparium_trickle_month)
    level, flow = _smooth(s, "level_cm"), s.values["flow_lpm"]
    for d in (3, 4, 5, 12, 13):  # the morning's top-up to the mark
        at = d * DAY_MIN + 7 * 60 + 40
        assert 0.6 < level[at + 30] - level[at - 30] < 1.3
    a, b = riparium.AWAY
    assert 2.5 < level[a] - level[b - 5] < 4.0 and level[b + 60] > riparium.MARK_CM - 0.2
    spill = _fault(s, "trickle_tray_spilling_behind")
    assert level[spill["end"] - 1] < riparium.INTAKE_CM + 0.5 and flow[spill["end"] - 1] == 0.0
    mat = _fault(s, "intake_leaf_mat")
    assert np.median(flow[mat["start"] + 60:mat["end"]]) < 1.5
    leaf = _fault(s, "level_sensor_leaf_in_beam")
    reads = s.values["level_cm"][leaf["start"]:leaf["end"]]
    assert np.median(reads) > 24.0 and (reads < 19.0).mean() > 0.15  # the leaf, and now and then the water


def test_a_fault_kind_not_drawn_by_the_months_is_refused() -> None:
    with pytest.raises(ValueError, match="unknown round-16 fault kind"):
        pond.apply_stranger16_fault({}, {"kind": "heater_stuck", "start": 0, "end": 1}, np.random.default_rng(0))


def test_the_docstring_examples_run() -> None:
    for module in (strangers16, pond, riparium):
        assert doctest.testmod(module, raise_on_error=False).failed == 0, module
