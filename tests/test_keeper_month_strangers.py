"""Round 10's keeper months written blind (benchmarks/keeper_month_strangers.py): the simulation, not the engine.

Each month builds on the minute grid, has five to seven faults of the kinds its docstring names, each labelled
from its ``label_from`` to its end plus its recovery and moving the water or the readings it names; outside the
labels the water stays inside the keeper's own limits (the check of tests/test_keeper_month_unseen.py) and every
reading is a number a probe could give; the habits the docstrings name are in the readings.  No month runs through the engine here.
"""

from __future__ import annotations

import doctest
import functools

import numpy as np
import pytest
from scipy.ndimage import median_filter

import benchmarks.keeper_month_strangers as strangers
import benchmarks.keeper_plumbing as plumbing
from benchmarks.keeper_month import COLUMNS, DAY_MIN, START_MS, Scenario
from benchmarks.keeper_month_strangers import STRANGERS, display_sump_month, koi_pond_month, nano_cube_month
from tests.test_keeper_month_unseen import (  # the same check, here over the `month` fixture below
    test_outside_the_faults_the_water_is_within_the_keepers_limits,  # noqa: F401
)

#: the fault kinds each month's docstring names
KINDS = {nano_cube_month: {"heater_stuck_on", "leak", "filter_unplugged", "probe_in_air", "rotting_snail",
                             "heater_dead_night"},
         display_sump_month: {"flow_decay", "heater_dead_night", "doser_siphoning", "ato_reservoir_dry",
                                "hose_clamp_slipped", "probe_drifting", "cable_corroding"},
         koi_pond_month: {"hose_left_running", "flow_decay", "rcd_tripped", "kh_crash", "probe_bundle_out",
                            "turbidity_fouling"}}
#: what each fault kind moves in the readings, and by at least how much (from the median of the hour before)
MOVES = {"heater_stuck_on": ("temp_c", 5.0), "leak": ("level_cm", 1.5), "filter_unplugged": ("flow_lpm", 1.5),
         "probe_in_air": ("temp_c", 1.5), "rotting_snail": ("turb_ntu", 1.5), "heater_dead_night": ("temp_c", 2.5),
         "flow_decay": ("flow_lpm", 10.0), "doser_siphoning": ("tds_ppm", 80.0), "ato_reservoir_dry": ("level_cm", 2.0),
         "hose_clamp_slipped": ("level_cm", 4.0), "probe_drifting": ("ph", 0.3), "cable_corroding": ("temp_c", 100.0),
         "hose_left_running": ("temp_c", 3.0), "rcd_tripped": ("flow_lpm", 40.0), "kh_crash": ("ph", 0.8),
         "probe_bundle_out": ("tds_ppm", 300.0), "turbidity_fouling": ("turb_ntu", 1.5)}
#: what a probe can read on a healthy minute, glitches included (a turbidity glitch may read below 0)
PLAUSIBLE = {"temp_c": (0.0, 45.0), "ph": (4.0, 10.0), "tds_ppm": (0.0, 2000.0), "turb_ntu": (-10.0, 50.0),
             "level_cm": (0.0, 100.0), "flow_lpm": (0.0, 60.0), "pump": (0.0, 1.0)}


built = functools.cache(lambda make: make())  # a month takes a second or two: built once per run


@pytest.fixture(params=STRANGERS, ids=lambda f: f.__name__)
def month(request) -> Scenario:
    return built(request.param)


def minutes(s: Scenario) -> np.ndarray:
    return (s.t_ms - s.t_ms[0]) // 60_000


def test_a_month_is_thirty_days_of_minutes_with_its_faults_of_the_stated_kinds(month: Scenario) -> None:
    s = month
    kinds = next(k for make, k in KINDS.items() if built(make) is s)
    assert s.t_ms[0] == START_MS and np.all(np.diff(s.t_ms) == 60_000) and len(s.t_ms) == 30 * DAY_MIN
    assert set(s.values) == set(COLUMNS) and all(len(x) == len(s.t_ms) for x in s.values.values())
    assert 5 <= len(s.faults) <= 7 and {f["kind"] for f in s.faults} == kinds
    assert "blind" in s.name and s.profile in ("tropical", "cold-water")


def test_each_fault_is_labelled_from_its_label_from_to_its_recovery_and_nothing_else(month: Scenario) -> None:
    s = month
    rel = minutes(s)
    expected = np.zeros(len(rel), dtype=bool)
    for f in s.faults:
        assert 2 * DAY_MIN <= f["start"] <= f.get("label_from", f["start"]) < f["end"], f  # after the warm-up
        expected |= (rel >= f.get("label_from", f["start"])) & (rel < f["end"] + f.get("recovery", 120))
    np.testing.assert_array_equal(s.labels, expected)
    starts = np.flatnonzero(np.diff(s.labels.astype(int)) == 1)
    assert len(starts) == len(s.faults)  # no two faults run into one another


def assert_each_fault_moves_what_it_names(s: Scenario, moves: dict[str, tuple[str, float]]) -> None:
    """Each fault moves its channel by at least ``moves[kind]`` from the median of the hour before it."""
    rel = minutes(s)
    for f in s.faults:
        a, b = np.searchsorted(rel, f["start"]), np.searchsorted(rel, f["end"])
        channel, least = moves[f["kind"]]
        x = s.values[channel]
        during = median_filter(x[a:b], 5, mode="nearest")
        assert np.nanmax(np.abs(during - np.nanmedian(x[a - 60:a]))) >= least, f


def test_each_fault_moves_what_it_names(month: Scenario) -> None:
    assert_each_fault_moves_what_it_names(month, MOVES)


def test_outside_the_faults_every_reading_is_one_a_probe_could_give(month: Scenario) -> None:
    s = month
    healthy = ~s.labels
    for channel, (low, high) in PLAUSIBLE.items():
        x = s.values[channel][healthy]
        x = x[np.isfinite(x)]  # a recalibration leaves the pH out for a quarter of an hour
        assert len(x) >= healthy.sum() - 15 and low <= x.min() and x.max() <= high, channel


def test_the_nano_is_changed_in_the_shrimp_keepers_order() -> None:
    s = nano_cube_month(days=5, faults=())
    off = np.flatnonzero(s.values["pump"] == 0)  # filter off at the controller for the whole change
    a, b = int(off[0]), int(off[-1])
    level = median_filter(s.values["level_cm"][a:b + 1], 5, mode="nearest")
    low = np.flatnonzero(level < level[0] - 5.0)
    assert 5.5 < level[0] - level.min() < 6.5 and 15 <= len(low) <= 45  # drained, a wait, dripped back
    assert np.all(s.values["flow_lpm"][a:b] == 0.0)


def test_the_sump_rises_while_the_return_is_off_and_its_top_off_holds_the_mark() -> None:
    s = display_sump_month(days=4, faults=())
    off = s.values["pump"] == 0
    level = median_filter(s.values["level_cm"], 5, mode="nearest")
    assert level[off].max() > 26.0  # the display drains back into the sump
    settling = np.convolve(off, np.ones(10), mode="full")[:len(off)] > 0  # and for a few minutes after
    on = ~settling & (np.arange(len(off)) > DAY_MIN)
    assert 21.3 < level[on].min() and level[on].max() < 22.6  # the float switch's band


def test_the_pond_overflows_when_the_hose_is_left_running_and_the_kh_crash_falls_at_night() -> None:
    s = built(koi_pond_month)
    rel = minutes(s)
    hose = next(f for f in s.faults if f["kind"] == "hose_left_running")
    during = s.values["level_cm"][np.searchsorted(rel, hose["end"]) - 30:np.searchsorted(rel, hose["end"])]
    assert 87.5 < np.median(during) < 88.6
    crash = next(f for f in s.faults if f["kind"] == "kh_crash")
    assert 19 <= (crash["start"] % DAY_MIN) // 60 or (crash["start"] % DAY_MIN) // 60 < 5


def test_the_docstring_examples_run() -> None:
    for module in (strangers, plumbing):
        assert doctest.testmod(module, raise_on_error=False).failed == 0, module
