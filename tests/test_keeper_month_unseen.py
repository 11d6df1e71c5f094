"""Round 8's keeper months nobody tuned on (benchmarks/keeper_month_unseen.py): the simulation, not the engine.

Each month builds, each fault is labelled from its ``label_from`` (or start) to its end plus its recovery and
moves the water or the readings it names, and outside the labels the water stays inside the keeper's own limits
(what the engine is measured against is a healthy tank there).
"""

from __future__ import annotations

import numpy as np
import pytest
from scipy.ndimage import median_filter

from analytics.profiles import get_profile
from benchmarks.keeper_month import DAY_MIN, Scenario
from benchmarks.keeper_month_unseen import UNSEEN

#: what each fault kind moves, and by at least how much (from the median of the hour before)
MOVES = {"heater_oscillating": ("temp_c", 1.0), "leak_pump_dry": ("flow_lpm", 3.0), "food_rot": ("turb_ntu", 1.5),
         "pump_failing": ("flow_lpm", 3.0), "heater_cooling": ("temp_c", 2.0), "leak_behind_ato": ("tds_ppm", 100.0),
         "ato_empty": ("level_cm", 3.0), "heater_stuck": ("temp_c", 2.5), "ato_stuck_fresh": ("level_cm", 4.0),
         "return_pump_stopped": ("flow_lpm", 10.0), "dose": ("tds_ppm", 150.0), "leak": ("level_cm", 3.0),
         "flow_decay": ("flow_lpm", 5.0), "pump_stopped": ("flow_lpm", 10.0), "ph_crash": ("ph", 0.4)}
#: healthy water stays inside the keeper's limits on these (the filter's flow stops in some habits: cleaning)
WATCHED = ("temp_c", "ph", "tds_ppm", "level_cm")


@pytest.fixture(scope="module", params=UNSEEN, ids=lambda f: f.__name__)
def month(request) -> Scenario:
    return request.param()


def minutes(s: Scenario) -> np.ndarray:
    return (s.t_ms - s.t_ms[0]) // 60_000


def test_each_fault_is_labelled_from_its_label_from_to_its_recovery_and_nothing_else(month: Scenario) -> None:
    rel = minutes(month)
    expected = np.zeros(len(rel), dtype=bool)
    for f in month.faults:
        expected |= (rel >= f.get("label_from", f["start"])) & (rel < f["end"] + f.get("recovery", 120))
    np.testing.assert_array_equal(month.labels, expected)
    assert len(month.faults) == 6 and month.days >= 29.5
    assert min(f.get("label_from", f["start"]) for f in month.faults) >= 2 * DAY_MIN  # after the bench's warm-up


def test_each_fault_moves_what_it_names(month: Scenario) -> None:
    rel = minutes(month)
    for f in month.faults:
        a, b = np.searchsorted(rel, f["start"]), np.searchsorted(rel, f["end"])
        if f["kind"] in ("probe_offset", "probe_drifting", "probe_flat"):  # the readings, not the water
            x = month.values[f["probe"]]
            before, during = np.median(x[a - 60:a]), x[a:b]
            if f["kind"] == "probe_flat":
                assert np.ptp(during) == 0.0 and np.ptp(x[a - 60:a]) > 0.0, f
            else:
                assert np.max(np.abs(during - before)) >= 0.4 * abs(f.get("offset", f.get("per_day", 0.0))), f
            continue
        channel, least = MOVES[f["kind"]]
        x = month.values[channel]
        assert np.max(np.abs(median_filter(x[a:b], 5, mode="nearest") - np.median(x[a - 60:a]))) >= least, f


def test_outside_the_faults_the_water_is_within_the_keepers_limits(month: Scenario) -> None:
    profile = get_profile(month.profile, month.limits)
    healthy = ~month.labels
    for channel in WATCHED:
        x = median_filter(month.values[channel], 5, mode="nearest")[healthy]  # single glitches aside
        lim = profile.limit(channel)
        assert lim.low is None or x.min() > lim.low, (channel, x.min(), lim)
        assert lim.high is None or x.max() < lim.high, (channel, x.max(), lim)
