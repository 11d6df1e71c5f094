"""Round 14's keeper months written blind (benchmarks/keeper_month_strangers14.py, keeper_month_strangers14_sump.py,
keeper_month_strangers14_holiday.py): the simulation, not the engine.

Each month builds on the minute grid (the holiday home's without the minutes its UPS was flat), has five or six
faults of the kinds its docstring names, each labelled from its ``label_from`` to its end plus its recovery and
moving the water or the readings it names; outside the labels the water stays inside the keeper's own limits,
every reading is a number a probe could give and no reading is missing; the plumbing the docstrings describe is in
the readings, and a month is the same month every time it is built.  No month runs through the engine here.
"""

from __future__ import annotations

import doctest
import functools

import numpy as np
import pytest
from scipy.ndimage import median_filter

import benchmarks.keeper_month_strangers14 as strangers14
import benchmarks.keeper_month_strangers14_holiday as holiday
import benchmarks.keeper_month_strangers14_sump as sump
from benchmarks.keeper_month import COLUMNS, DAY_MIN, START_MS, Scenario
from benchmarks.keeper_month_paludarium import weekday
from benchmarks.keeper_month_strangers14 import (
    STRANGERS14,
    child_nano_month,
    holiday_home_month,
    tanganyika_sump_month,
)
from tests.test_keeper_month_strangers import (  # the same checks, here over the `month` fixture below
    assert_each_fault_moves_what_it_names,
    test_each_fault_is_labelled_from_its_label_from_to_its_recovery_and_nothing_else,  # noqa: F401
    test_outside_the_faults_every_reading_is_one_a_probe_could_give,  # noqa: F401
)
from tests.test_keeper_month_unseen import (
    test_outside_the_faults_the_water_is_within_the_keepers_limits,  # noqa: F401
)

#: the fault kinds each month's docstring names, and its profile
KINDS = {child_nano_month: ({"hob_not_restarted", "window_left_open", "hot_tap_change", "hob_spilling_behind",
                             "food_tub_dumped", "ph_probe_out_of_water"}, "cold-water"),
         tanganyika_sump_month: ({"dosing_pump_runaway", "ato_sensor_fouled", "back_siphon_in_feed_pause",
                                  "sump_heater_stuck", "return_no_restart", "ph_junction_clogging"}, "tropical"),
         holiday_home_month: ({"refill_hose_forgotten", "storm_power_cut", "heater_blown_by_surge",
                               "airline_chewed", "filter_sucking_air"}, "tropical")}
#: what each fault kind moves in the readings, and by at least how much (from the median of the hour before)
MOVES = {"hob_not_restarted": ("flow_lpm", 3.0), "window_left_open": ("temp_c", 6.0),
         "hot_tap_change": ("temp_c", 4.0), "hob_spilling_behind": ("level_cm", 3.5),
         "food_tub_dumped": ("turb_ntu", 4.0), "ph_probe_out_of_water": ("ph", 0.5),
         "dosing_pump_runaway": ("ph", 0.4), "ato_sensor_fouled": ("level_cm", 5.0),
         "back_siphon_in_feed_pause": ("level_cm", 10.0), "sump_heater_stuck": ("temp_c", 2.5),
         "return_no_restart": ("flow_lpm", 20.0), "ph_junction_clogging": ("ph", 0.5),
         "refill_hose_forgotten": ("level_cm", 5.0), "storm_power_cut": ("flow_lpm", 7.0),
         "heater_blown_by_surge": ("temp_c", 8.0), "airline_chewed": ("ph", 0.2),
         "filter_sucking_air": ("flow_lpm", 4.0)}

built = functools.cache(lambda make: make())  # a month takes a second: built once per run


@pytest.fixture(params=STRANGERS14, ids=lambda f: f.__name__)
def month(request) -> Scenario:
    return built(request.param)


def _fault(s: Scenario, kind: str) -> dict:
    return next(f for f in s.faults if f["kind"] == kind)


def _rel(s: Scenario) -> np.ndarray:
    return (s.t_ms - s.t_ms[0]) // 60_000


def test_a_month_is_thirty_days_of_minutes_with_its_faults_of_the_stated_kinds(month: Scenario) -> None:
    s = month
    kinds, profile = next(k for make, k in KINDS.items() if built(make) is s)
    rel = _rel(s)
    assert s.t_ms[0] == START_MS and np.all(np.diff(s.t_ms) % 60_000 == 0) and rel[-1] == 30 * DAY_MIN - 1
    missing = 30 * DAY_MIN - len(s.t_ms)
    assert missing == 0 or (s is built(holiday_home_month) and 200 < missing < 300)  # the UPS flat
    assert set(s.values) == set(COLUMNS) and all(len(x) == len(s.t_ms) for x in s.values.values())
    assert 5 <= len(s.faults) <= 6 and {f["kind"] for f in s.faults} == kinds
    assert "blind" in s.name and "round 14" in s.name and s.profile == profile
    assert s.labels.any() and not s.labels[:2 * DAY_MIN].any()  # the labels inside the month, after the warm-up


def test_a_month_is_the_same_every_time_and_another_seed_another_month() -> None:
    for make in STRANGERS14:
        a, b, c = make(days=4, faults=()), make(days=4, faults=()), make(days=4, seed=7, faults=())
        for k in COLUMNS:
            np.testing.assert_array_equal(a.values[k], b.values[k])
        assert not np.array_equal(a.values["temp_c"], c.values["temp_c"])
        np.testing.assert_array_equal(a.labels, b.labels)


def test_each_fault_moves_what_it_names(month: Scenario) -> None:
    assert_each_fault_moves_what_it_names(month, MOVES)


def test_no_reading_is_missing() -> None:
    for make in STRANGERS14:
        for channel, x in built(make).values.items():
            assert np.isfinite(x).all(), (make.__name__, channel)


def test_the_parents_change_the_nano_each_their_own_way() -> None:
    s = built(child_nano_month)
    level = median_filter(s.values["level_cm"], 5, mode="nearest")
    assert np.all(s.values["pump"] == 1.0)  # nobody uses the controller: the plug is pulled
    for d, h, who, frac in strangers14.CHANGES[:-1]:
        at = int(d * DAY_MIN + h * 60)
        assert abs(level[at - 5] - level[at + 9] - frac * 25.0) < 0.4  # siphoned
        assert level[at + 36] > 24.8  # and filled to the line with jugs
        stopped = np.mean(s.values["flow_lpm"][at:at + 20] == 0.0)
        assert stopped == 1.0 if who == "father" else stopped == 0.0
    unplugged = _fault(s, "hob_not_restarted")
    assert np.all(s.values["flow_lpm"][unplugged["start"]:unplugged["end"]] == 0.0)
    window = _fault(s, "window_left_open")
    temp = median_filter(s.values["temp_c"], 5, mode="nearest")
    assert temp[window["start"]] - temp[window["end"]] > 6.0  # a 30 l tank follows a frosty room within hours


def test_the_nanos_ph_probe_above_the_water_reads_nonsense_until_the_water_is_back() -> None:
    s = built(child_nano_month)
    f = _fault(s, "ph_probe_out_of_water")
    ph = s.values["ph"]
    during, before = ph[f["start"] + 60:f["end"]], ph[f["start"] - 600:f["start"]]
    assert np.std(np.diff(during)) > 2.0 * np.std(np.diff(before)) and np.ptp(during) > 0.5
    assert abs(np.median(ph[f["end"] + 90:f["end"] + 150]) - np.median(before)) < 0.1
    level = median_filter(s.values["level_cm"], 5, mode="nearest")
    assert level[f["end"] + 30] - level[f["end"] - 30] > 1.0  # the jug that wets the bulb again


def test_the_sump_breathes_with_the_waves_and_rises_in_a_feed_pause() -> None:
    s = tanganyika_sump_month(days=5, faults=())
    level = median_filter(s.values["level_cm"], 5, mode="nearest")
    flow = s.values["flow_lpm"]
    noon = slice(3 * DAY_MIN + 12 * 60, 3 * DAY_MIN + 14 * 60)
    assert np.ptp(flow[noon]) > 13.0 and 0.4 < np.ptp(level[noon]) < 1.2
    assert np.corrcoef(flow[noon], level[noon])[0, 1] < -0.7  # more flow, more water over the weir
    paused = np.flatnonzero((flow == 0.0) & (s.values["pump"] == 1.0))  # feed mode on the driver
    assert len(paused) > 30 and level[paused].max() > 24.0 and level[paused].max() < 27.0
    night = slice(4 * DAY_MIN + 1 * 60, 4 * DAY_MIN + 5 * 60)
    assert 21.7 < level[night].min() and level[night].max() < 22.8  # the top-off's mark (at the waves' troughs)


def test_the_blocked_anti_siphon_floods_the_floor_and_leaves_the_sump_short() -> None:
    s = built(tanganyika_sump_month)
    f = _fault(s, "back_siphon_in_feed_pause")
    level = median_filter(s.values["level_cm"], 5, mode="nearest")
    a, b = f["start"], f["end"]
    assert level[a:a + 10].max() > 33.5  # at the rim
    assert level[a + 20:b].min() < 19.0 and s.values["flow_lpm"][a:a + 3].min() > 5.0  # the meter counts backwards
    assert 21.5 < level[b + 30] < 23.0  # filled to the mark (the waves on it)
    junction = _fault(s, "ph_junction_clogging")
    assert junction["label_from"] - junction["start"] > 6 * 60  # slow: its first day is within a reading's noise


def test_the_holiday_home_cools_in_the_week_and_its_ups_runs_flat_in_the_storm() -> None:
    s = built(holiday_home_month)
    rel = _rel(s)
    storm = _fault(s, "storm_power_cut")
    gap = np.flatnonzero(np.diff(rel) > 1)
    assert len(gap) == 1 and rel[gap[0]] == storm["start"] + holiday.UPS_MIN - 1
    assert rel[gap[0] + 1] == storm["end"] + 2
    k = int(np.searchsorted(rel, storm["start"] + holiday.UPS_MIN - 1))
    assert s.values["ph"][k] < s.values["ph"][k - 60] - 0.5  # the sagging rail
    k = int(np.searchsorted(rel, storm["end"] + 2))
    assert s.values["temp_c"][k] < 20.0 and s.values["flow_lpm"][k] > 7.0
    blips = (s.values["flow_lpm"] == 0.0) & (s.values["pump"] == 1.0) & ~s.labels
    assert 3 <= blips.sum() <= 12  # the recloser's minutes, not faults
    hose = _fault(s, "refill_hose_forgotten")
    b = np.searchsorted(rel, hose["end"])
    assert np.median(s.values["level_cm"][b - 8:b]) > 43.5  # over the rim
    assert s.values["temp_c"][b] < 20.0  # the boiler ran out
    assert all(weekday(int(r) // DAY_MIN) in (4, 5, 6) for r in rel[s.values["pump"] == 0.0])  # the owner's changes


def test_a_fault_kind_not_drawn_by_the_months_is_refused() -> None:
    with pytest.raises(ValueError, match="unknown round-14 fault kind"):
        sump.apply_stranger14_fault({}, {"kind": "heater_stuck", "start": 0, "end": 1}, np.random.default_rng(0))


def test_the_docstring_examples_run() -> None:
    for module in (strangers14, sump, holiday):
        assert doctest.testmod(module, raise_on_error=False).failed == 0, module
