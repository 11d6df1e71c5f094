"""Steady trends of a reading: Theil–Sen slopes of its healthy runs and how steep they get at a false-alarm rate.

Shared by the temperature's and the level's rules (``analytics/tank_rules.py``, ``analytics/level_rules.py``),
the probes' checks, the drift and the pH rise: one definition of a 15-minute trend and its calibrated tails.
"""

from __future__ import annotations

import numpy as np
from numpy.typing import NDArray

Array = NDArray[np.float64]


#: the steady temperature trend is a Theil–Sen slope over this many minutes of the reading's departure from usual
TREND_MINUTES = 15


def window_slopes_per_hour(t_ms: Array, y: Array, minutes: int = TREND_MINUTES, every: int = 5) -> Array:
    """Theil–Sen slope (per hour) of each run of ``minutes`` consecutive readings, one run every ``every`` rows.

    The healthy history's runs give the slopes the water makes by itself;
    runs with a missing reading or a gap in time are left out.

    >>> t = np.arange(60) * 60_000
    >>> slopes = window_slopes_per_hour(t, 0.5 * t / 3_600_000)  # a run every 5 minutes
    >>> len(slopes), bool(np.allclose(slopes, 0.5))
    (10, True)
    """
    t_ms, y = np.asarray(t_ms, dtype=np.float64), np.asarray(y, dtype=np.float64)
    if len(y) < minutes:
        return np.zeros(0)
    starts = np.arange(0, len(y) - minutes + 1, every)
    idx = starts[:, None] + np.arange(minutes)
    T, Y = t_ms[idx] / 3_600_000, y[idx]
    whole = np.isfinite(Y).all(axis=1) & (T[:, -1] - T[:, 0] <= (minutes - 1) * 1.5 / 60)
    i, j = np.triu_indices(minutes, k=1)
    with np.errstate(invalid="ignore", divide="ignore"):
        slopes = np.median((Y[whole][:, j] - Y[whole][:, i]) / (T[whole][:, j] - T[whole][:, i]), axis=1)
    return slopes


def trend_tails(slopes: Array, false_alarms_per_30_days: float) -> tuple[float, float]:
    """How steep a healthy trend gets, falling and rising (°C/h, both ≥ 0), at the stated false-alarm rate.

    Peaks over threshold (:func:`analytics.threshold.pot_threshold`) of the
    healthy runs' slopes, each tail on its own; (0, 0) with fewer than 10 runs.
    """
    from analytics.threshold import per_test_probability, pot_threshold

    s = np.asarray(slopes, dtype=np.float64)
    s = s[np.isfinite(s)]
    if len(s) < 10:
        return 0.0, 0.0
    p = per_test_probability(false_alarms_per_30_days, TREND_MINUTES)
    return max(0.0, pot_threshold(-s, p)), max(0.0, pot_threshold(s, p))
