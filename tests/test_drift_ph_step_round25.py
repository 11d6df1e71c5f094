"""Round 25: a pH departure is told as drift from a drop kit's colour step (0.2), not from half of one.

A keeper's pH kit reads its colour chart in steps of 0.2; the drift had told pH 0.10-0.14 away from usual
(the office nano's "pH 7.49, usual 7.07" aside, the holiday home's "pH 7.50, usual 7.40", the fish room's
"pH 7.48, usual 7.35", the fry tank's and the turtle bottom filter's), a change the keeper cannot see on the
chart (``Profile.told_change``).  Half a step (``Profile.relevant_change``, 0.1) stays the evidence that keeps
a window out of learning, so a slow fall is not learnt into the usual before it reaches the step: the fry
tank's RO water (the pH falling 0.6 over a day) is still told.
"""

from __future__ import annotations

from typing import Any

import numpy as np

from analytics.monitor import MonitorSettings, TankMonitor
from tests.tank_frames import steady_tank

MIN_MS = 60_000
DAY = 1440
START_MS = 1_767_225_600_000  # 2026-01-01 00:00 UTC
STEP = 5  # minutes between evaluations
CHANGE = 3 * DAY + 10 * 60  # 10:00 of the fourth day


def _tank(seed: int, minutes: int = 4 * DAY) -> dict[str, np.ndarray]:
    """Steady days of a heated tank (its readings' noise only)."""
    return steady_tank(seed, minutes, {"temp_c": (25.5, 0.03), "ph": (7.3, 0.01), "tds_ppm": (250.0, 1.5),
                                       "turb_ntu": (1.0, 0.03), "level_cm": (28.0, 0.05), "flow_lpm": (6.0, 0.1)})


def _drifts(v: dict[str, np.ndarray], until: int, keys: tuple[str, ...] = ("drift",)) -> list[tuple[int, str]]:
    """(minutes after the change, words) of each warning of ``keys`` from an hour before the change to ``until``
    minutes after it."""
    mon = TankMonitor("tank", MonitorSettings(profile="tropical"))
    t = START_MS + np.arange(len(v["ph"]), dtype=np.int64) * MIN_MS
    out: list[Any] = []
    for i in range(CHANGE - 60, CHANGE + until, STEP):
        lo = i - 3 * DAY
        out += [tr for tr in mon.evaluate(START_MS + i * MIN_MS, t[lo:i], {k: x[lo:i] for k, x in v.items()})[1]
                if tr.state == "firing" and tr.key in keys]
    return [(round((tr.t_ms - START_MS) / MIN_MS) - CHANGE, tr.summary) for tr in out]


def test_the_ph_away_by_less_than_a_kit_s_colour_step_is_no_drift_and_by_more_it_is_told() -> None:
    small, large = _tank(5), _tank(5)
    small["ph"][CHANGE:] += 0.14
    large["ph"][CHANGE:] += 0.3
    assert _drifts(small, 180) == []
    told = _drifts(large, 180)
    assert told and told[0][0] <= 70 and "usual 7.30" in told[0][1], told


def test_a_slow_ph_fall_is_kept_out_of_learning_and_told() -> None:
    """The pH alone falling 0.03 an hour from 10:00: beyond half a step (0.1) after 3.3 h, kept out of the usual
    from there, so the usual stays where the water was; moving alone and gradually, it is told as the pH probe
    ageing (check it against a test kit) before it reaches a whole step."""
    v = _tank(6, 4 * DAY + 12 * 60)
    v["ph"][CHANGE:] -= 0.03 * np.arange(len(v["ph"]) - CHANGE) / 60.0
    told = _drifts(v, 11 * 60, ("drift", "probe_drift"))
    assert told and 3.3 * 60 <= told[0][0] <= 7 * 60 and "usual 7.30" in told[0][1], told
