"""Round 14: a drift that lasts, told sooner (analytics/drift_lasting.py).

Until round 13 every ten-minute block of the hour-long drift window had to depart by 3σ: a dose putting the TDS
100σ over usual was told 70 minutes after it.  A run of the newest blocks is told from half the window on, once
every block of it departs further than the tank's healthy past lets that many blocks in a row depart (at the
stated false-alarm rate), the same way, and it is not fading.
"""

from __future__ import annotations

import numpy as np
from test_drift_round13 import AT, DAY, MIN_MS, _tank
from test_drift_round13 import _drifts as _drifts_until

from analytics.drift_lasting import HOUR_RUN_LEVEL, healthy_block_z, lasting_departure, lasting_levels, run_scores


def _drifts(v: dict[str, np.ndarray]) -> list[tuple[int, str]]:
    """(minutes after ``AT``, words) of each drift warning from an hour before ``AT`` to 2 h after it."""
    return _drifts_until(v, hours_after=2)


def test_a_dose_is_told_within_half_an_hour_not_after_the_whole_hour() -> None:
    """A fertiliser overdose: TDS +60 ppm (30σ) and it stays (before: told at +60 minutes at the soonest)."""
    v = _tank(3)
    v["tds_ppm"][AT:] += 60.0
    told = _drifts(v)
    assert told and 30 <= told[0][0] <= 40 and "TDS" in told[0][1], told


def test_a_departure_that_fades_within_the_hour_is_still_no_drift() -> None:
    """A cloud of +1.5 NTU settling in 30 minutes: every run of it is fading, and the hour ends under 0.3 NTU."""
    v = _tank(4)
    v["turb_ntu"][AT:] += 1.5 * np.exp(-np.arange(len(v["turb_ntu"]) - AT) / 30.0)
    assert _drifts(v) == []


def _past_with_excursions(seed: int, size: float, minutes: int) -> tuple[np.ndarray, np.ndarray]:
    """Three healthy days of unit noise with, at a random hour of each, a departure of ``size`` for ``minutes``."""
    rng = np.random.default_rng(seed)
    t = np.arange(3 * DAY, dtype=np.int64) * MIN_MS
    r = rng.normal(size=(len(t), 1))
    for day in range(3):
        at = day * DAY + int(rng.integers(60, DAY - 120))
        r[at:at + minutes] += size
    return t, r


def test_the_healthy_pasts_own_runs_set_how_far_a_short_run_must_go() -> None:
    """A tank whose healthy days hold a 40-minute 4σ excursion (a thermostat's overshoot) asks a three-block run
    to go further than that; a tank without asks no more than the hour-long rule's 3σ."""
    t, r = _past_with_excursions(5, 4.0 * 3, 40)  # 4σ of the sd 3 (the unit noise averages out in a block)
    quiet_t, quiet_r = _past_with_excursions(5, 0.0, 30)
    busy = lasting_levels([(t, r, None)], np.array([9.0]), 1.0, 6)
    quiet = lasting_levels([(quiet_t, quiet_r, None)], np.array([9.0]), 1.0, 6)
    assert busy is not None and quiet is not None
    assert busy[2, 0] > 3.9 and quiet[2, 0] == 3.0  # the excursion's three blocks: 4σ
    assert busy[5, 0] == quiet[5, 0] == HOUR_RUN_LEVEL  # the whole window: the old rule
    assert np.all(np.diff(busy[:, 0]) <= 0)  # a shorter run never passes at less than a longer one


def test_too_little_healthy_past_leaves_the_hour_long_rule() -> None:
    t = np.arange(300, dtype=np.int64) * MIN_MS
    assert lasting_levels([(t, np.zeros((300, 1)), None)], np.array([1.0]), 1.0, 6) is None
    assert lasting_departure(np.array([9.0, 9.0, 9.0, 9.0, 9.0, 2.0]), None) == []
    assert lasting_departure(np.array([9.0, 9.0, 9.0, 9.0, 9.0, 3.5]), None) == [(6, 3.5)]


def test_run_scores_and_blocks() -> None:
    assert run_scores(np.array([[3.0, -4.0]]), 2).tolist() == [[4.0, 0.0]]
    t = np.concatenate([np.arange(60), np.arange(64, 120)]).astype(np.int64) * MIN_MS  # a 4-minute gap
    z = healthy_block_z(t, np.ones((len(t), 1)), 2 * np.ones((len(t), 1)), 6)
    assert z.shape == (13, 1, 6) and np.allclose(z[np.isfinite(z)], 0.5)
