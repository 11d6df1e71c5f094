"""The water above the keeper's own high limit: water coming in that did not stop, told at once.

A keeper who names a highest level (``level_cm_high``: the rim, the top of a
false bottom, the overflow's lip) says that water above it is on the floor or
in the soil.  A refill whose float switch stuck, a top-off or float valve
stuck open, an overflow or weir blocked: the level passes the limit whatever
the keeper was doing, during a water change too (a refill that does not
stop is the fault).  One wild reading is no level: the median of the last
three readings is judged.

Examples
--------
>>> import numpy as np
>>> t = np.arange(10) * 60_000
>>> above_high(t, np.array([27.0] * 7 + [30.0, 30.1, 30.2]), 10 * 60_000, 28.5)
30.1
>>> above_high(t, np.array([27.0] * 9 + [31.0]), 10 * 60_000, 28.5)  # one glitch
nan
"""

from __future__ import annotations

import math

import numpy as np
from numpy.typing import NDArray

from analytics.medians import flat_median

Array = NDArray[np.float64]
MIN_MS = 60_000
#: the newest readings judged (their median: one wild reading is none)
HIGH_READINGS = 3


def above_high(t_ms: Array, level: Array, now_ms: int, high_cm: float | None, margin_cm: float = 0.0) -> float:
    """The level (median of the last ``HIGH_READINGS`` within as many minutes) when it is above ``high_cm``
    less ``margin_cm`` (the hysteresis while told), else NaN (no limit, too few readings, or below it)."""
    if high_cm is None or not math.isfinite(high_cm):
        return float("nan")
    t_ms, level = np.asarray(t_ms), np.asarray(level, dtype=np.float64)
    recent = level[t_ms >= now_ms - HIGH_READINGS * MIN_MS]
    recent = recent[np.isfinite(recent)][-HIGH_READINGS:]
    if len(recent) < HIGH_READINGS:
        return float("nan")
    now = float(flat_median(recent))
    return now if now > high_cm - margin_cm else float("nan")


def high_words(level_cm: float, high_cm: float) -> str:
    """What the keeper reads when the water is above their limit."""
    return (f"Water level {level_cm:.1f} cm, above your highest {high_cm:g} cm: water is coming in and not "
            "stopping -- a refill or top-off whose float switch stuck, a float valve stuck open, a hose left "
            "running, or a blocked overflow or drain -- and it is going over the top. Stop the water coming in "
            "now.")
