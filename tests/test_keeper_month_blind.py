"""Round 9's keeper months written blind (benchmarks/keeper_month_blind.py): the simulation, not the engine.

Each month builds, each fault is labelled from its ``label_from`` (or start) to its end plus its recovery and
moves the water or the readings it names, outside the labels the water stays inside the keeper's own limits,
the habits the docstrings name are in the readings, and a month written as CSV reads back and is accepted by
``aquamon evaluate`` (a short one: no full month runs through the engine here).
"""

from __future__ import annotations

import dataclasses
import doctest
import json

import numpy as np
import pytest
from scipy.ndimage import median_filter
from typer.testing import CliRunner

import benchmarks.keeper_heat as heat
import benchmarks.keeper_month_blind as blind
from aquamon.cli import app
from aquamon.evaluate import read_labelled_csv
from benchmarks.keeper_month import COLUMNS, DAY_MIN, Scenario, write_csv
from benchmarks.keeper_month_blind import (
    BLIND,
    axolotl_chiller_month,
    betta_desk_month,
    planted_holiday_month,
    water_temperature,
)
from tests.test_keeper_month_unseen import (  # the same checks, here over the `month` fixture below
    minutes,
    test_each_fault_is_labelled_from_its_label_from_to_its_recovery_and_nothing_else,  # noqa: F401
    test_outside_the_faults_the_water_is_within_the_keepers_limits,  # noqa: F401
)

#: what each fault kind moves, and by at least how much (from the median of the hour before)
MOVES = {"heater_one_dead": ("temp_c", 0.7), "impeller_seizing": ("flow_lpm", 10.0), "probe_in_air": ("temp_c", 4.0),
         "feeder_dump": ("turb_ntu", 2.0), "power_strip": ("flow_lpm", 5.0), "siphon_left_running": ("level_cm", 20.0),
         "heater_dead_night": ("temp_c", 3.0), "cold_water_change": ("temp_c", 2.5), "tds_bubble": ("tds_ppm", 50.0),
         "pump_stopped": ("flow_lpm", 1.0), "sun_unshaded": ("temp_c", 4.0), "leak": ("level_cm", 2.0),
         "chiller_clogging": ("temp_c", 1.0), "hose_off": ("level_cm", 10.0), "chiller_probe_in_air": ("temp_c", 3.0),
         "cracked_bulb": ("ph", 0.3), "chiller_no_restart": ("temp_c", 3.0)}
runner = CliRunner()


@pytest.fixture(scope="module", params=BLIND, ids=lambda f: f.__name__)
def month(request) -> Scenario:
    return request.param()


def test_a_slow_fault_is_labelled_from_inside_its_span(month: Scenario) -> None:
    assert all(f["start"] <= f.get("label_from", f["start"]) < f["end"] for f in month.faults)


def test_each_fault_moves_what_it_names(month: Scenario) -> None:
    rel = minutes(month)
    for f in month.faults:
        a, b = np.searchsorted(rel, f["start"]), np.searchsorted(rel, f["end"])
        channel, least = MOVES[f["kind"]]
        x = month.values[channel]
        assert np.max(np.abs(median_filter(x[a:b], 5, mode="nearest") - np.median(x[a - 60:a]))) >= least, f


def test_the_planted_tanks_ph_climbs_under_the_evening_light_and_its_holiday_has_no_change() -> None:
    s = planted_holiday_month(faults=())
    rel, ph = minutes(s), median_filter(s.values["ph"], 31, mode="nearest")
    for d in (3, 9, 22):
        at = d * DAY_MIN
        assert ph[np.searchsorted(rel, at + 20 * 60 + 50)] - ph[np.searchsorted(rel, at + 12 * 60 + 50)] > 0.25
    assert not any("day 1" + str(k) in h for h in s.habits for k in range(10))  # no change days 10-19
    level = s.values["level_cm"]
    assert 4.0 < level[np.searchsorted(rel, 10 * DAY_MIN)] - level[np.searchsorted(rel, 24 * DAY_MIN)] < 6.0


def test_the_betta_is_changed_with_a_jug_a_litre_at_a_time() -> None:
    s = betta_desk_month(days=4, faults=())
    at = int(np.flatnonzero(s.values["pump"] == 0)[0])  # the filter off at the controller while it is changed
    level = median_filter(s.values["level_cm"][at - 5:at + 40], 3, mode="nearest")
    assert 10.0 < level[0] - level.min() < 12.0  # half of 22 cm
    assert len(np.flatnonzero(np.abs(np.diff(level)) > 0.6)) >= 18  # steps: eleven scoops, eleven pours
    assert any("jug" in h for h in s.habits)


def test_the_chillers_thermostat_draws_a_sawtooth_and_stops_without_flow() -> None:
    room = np.full(2 * DAY_MIN, 24.0)
    held = water_temperature(room, 12.0, 17.0, 1.15, 17.5, 16.5, cooling=True)
    crossings = np.count_nonzero(np.diff((held[DAY_MIN:] > 17.0).astype(int)) == 1)
    assert 5 <= crossings <= 10 and 16.4 < held[DAY_MIN:].min() and held[DAY_MIN:].max() < 17.6
    dry = water_temperature(room, 12.0, 17.0, 1.15, 17.5, 16.5, cooling=True,
                            powered=np.arange(2 * DAY_MIN) < DAY_MIN)
    assert dry[-1] > 21.0  # no flow through the inline chiller: the water warms toward the room


def test_a_short_month_round_trips_through_its_csv_and_evaluate_accepts_it(tmp_path) -> None:
    s = axolotl_chiller_month(days=2, faults=({"kind": "power_strip", "start": DAY_MIN + 600,
                                              "end": DAY_MIN + 840},))
    assert s.labels.any() and not s.labels[:DAY_MIN].any()
    path = write_csv(s, tmp_path / "axolotl.csv")
    back = read_labelled_csv(path)
    assert back.names == list(COLUMNS)
    np.testing.assert_array_equal(back.labels, s.labels)
    for k, c in enumerate(COLUMNS):
        dropped = ~np.isfinite(back.X[:, k])  # a glitch below the product's range (turbidity under 0) is missing
        assert np.all(s.values[c][dropped] < 0.0), c
        np.testing.assert_allclose(back.X[~dropped, k], s.values[c][~dropped], rtol=1e-3, atol=1e-3)
    a, b = DAY_MIN + 240, DAY_MIN + 960  # evaluate over 12 h of it: 6 h to fit on, the fault in the rest
    short = dataclasses.replace(s, t_ms=s.t_ms[a:b], values={c: x[a:b] for c, x in s.values.items()},
                                labels=s.labels[a:b])
    r = runner.invoke(app, ["evaluate", "--test", str(write_csv(short, tmp_path / "short.csv")),
                            "--train-rows", "360", "--json"])
    assert r.exit_code == 0, r.output
    figures = json.loads(r.output[r.output.index("{"):])
    assert figures["events"] == 1 and figures["rows"] == b - a - 360, figures


def test_the_docstring_examples_run() -> None:
    for module in (blind, heat):
        assert doctest.testmod(module, raise_on_error=False).failed == 0, module
