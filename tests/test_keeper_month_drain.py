"""Round 10's tuning months of water changes drained first (benchmarks/keeper_month_drain.py): the simulation.

Each month builds, each fault is labelled from its start to its end plus its recovery and moves what it names,
outside the labels the water stays inside the keeper's limits, and each water change is in a keeper's order:
the level falls first, the TDS steps only when the new water goes in, the level comes back near its mark.
"""

from __future__ import annotations

import numpy as np
import pytest
from scipy.ndimage import median_filter

from analytics.profiles import get_profile
from benchmarks.keeper_month import DAY_MIN, Scenario
from benchmarks.keeper_month_drain import DRAIN, drained_change

#: what each fault kind moves, and by at least how much (from the median of the hour before)
MOVES = {"siphon_left": ("level_cm", 5.0), "leak": ("level_cm", 3.0), "heater_unplugged": ("temp_c", 1.0),
         "filter_not_restarted": ("flow_lpm", 5.0), "ph_crash": ("ph", 0.4), "dose": ("tds_ppm", 100.0),
         "pump_stopped": ("flow_lpm", 5.0)}


@pytest.fixture(scope="module", params=DRAIN, ids=lambda f: f.__name__)
def month(request) -> Scenario:
    return request.param()


def test_each_fault_is_labelled_and_moves_what_it_names(month: Scenario) -> None:
    rel = (month.t_ms - month.t_ms[0]) // 60_000
    expected = np.zeros(len(rel), dtype=bool)
    for f in month.faults:
        expected |= (rel >= f["start"]) & (rel < f["end"] + f.get("recovery", 120))
        channel, least = MOVES[f["kind"]]
        before = float(np.median(month.values[channel][f["start"] - 60:f["start"]]))
        during = median_filter(month.values[channel][f["start"]:f["end"]], 5, mode="nearest")
        assert np.max(np.abs(during - before)) >= least, (f, before)
    np.testing.assert_array_equal(month.labels, expected)
    assert len(month.faults) >= 5 and min(f["start"] for f in month.faults) >= 2 * DAY_MIN


def test_outside_the_faults_the_water_is_within_the_keepers_limits(month: Scenario) -> None:
    profile = get_profile(month.profile, month.limits)
    for channel in ("temp_c", "ph", "tds_ppm", "level_cm"):
        x = median_filter(month.values[channel], 5, mode="nearest")[~month.labels]
        lim = profile.limit(channel)
        assert (lim.low is None or x.min() > lim.low) and (lim.high is None or x.max() < lim.high), channel


def test_a_change_drains_first_and_refills_with_new_water_later() -> None:
    n = 300
    v = {"level_cm": np.full(n, 30.0), "tds_ppm": np.full(n, 300.0), "temp_c": np.full(n, 25.0),
         "ph": np.full(n, 7.2), "turb_ntu": np.full(n, 0.8), "flow_lpm": np.full(n, 6.0), "pump": np.ones(n)}
    end = drained_change(v, np.random.default_rng(0), 60, depth_cm=9.0, rate_cm_per_h=27.0, wait_min=20,
                         refill_min=10, tap_tds=150.0, tap_temp=20.0, pump_off=True)
    assert end == 60 + 20 + 20 + 10
    assert v["level_cm"][85] == pytest.approx(21.0) and v["tds_ppm"][85] == 300.0  # drained, no new water yet
    assert abs(v["level_cm"][end + 5] - 30.0) <= 0.3 and v["tds_ppm"][end + 5] == pytest.approx(255.0)
    assert v["pump"][59] == 0.0 and v["pump"][end + 3] == 1.0 and v["turb_ntu"][70] > 1.3
