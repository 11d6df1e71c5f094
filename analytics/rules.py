"""Plain rules every keeper expects (pure functions of recent readings)."""

from __future__ import annotations

import numpy as np
from numpy.typing import NDArray


def slope_per_hour(t_s: NDArray[np.float64], y: NDArray[np.float64]) -> float:
    """Least-squares slope of ``y`` in units per hour (NaN-tolerant; NaN if < 3 points).

    >>> t = np.arange(0, 3600, 60.0)
    >>> round(slope_per_hour(t, 25 + 3 * t / 3600), 6)
    3.0
    """
    t = np.asarray(t_s, dtype=np.float64)
    y = np.asarray(y, dtype=np.float64)
    ok = np.isfinite(y) & np.isfinite(t)
    if ok.sum() < 3:
        return float("nan")
    t, y = t[ok], y[ok]
    tc = t - t.mean()
    den = np.sum(tc * tc)
    if den <= 0:
        return float("nan")
    return float(np.sum(tc * (y - y.mean())) / den * 3600.0)
