"""Medians of one window of readings, as numpy's but without its per-call overhead.

The engine takes a median hundreds of thousands of times a month (Theil–Sen
slopes, wobbles, held levels), each of a few to a few hundred readings.  For
such small arrays ``np.median`` spends most of its time in dispatch, NaN checks
and ``np.mean`` of the two middle values rather than in the selection itself;
these functions do the same arithmetic (the middle value, or the two middle
values summed and halved) directly, so they return exactly what
``np.median(values)`` and ``np.nanmedian(values)`` return (``axis=None``:
the flattened values), without numpy's warnings for an empty or all-NaN
window.  docs/decisions.md "Engine speed (round 17)" has the measurement.
"""

from __future__ import annotations

from typing import Any

import numpy as np

# Below this many values a full sort is cheaper than a partition around the middle.
_SORT_BELOW = 64


def flat_median(values: Any) -> np.float64:
    """The median of all ``values`` (flattened), NaN if any is NaN or there are none; as ``np.median``.

    >>> float(flat_median([3.0, 1.0, 2.0])), float(flat_median([4.0, 1.0, 3.0, 2.0]))
    (2.0, 2.5)
    >>> bool(np.isnan(flat_median([1.0, float("nan")]))), bool(np.isnan(flat_median([])))
    (True, True)
    """
    a = np.asarray(values, dtype=np.float64).ravel()
    n = a.size
    if n == 0:
        return np.float64(np.nan)
    half = n // 2
    if n < _SORT_BELOW:
        s = np.sort(a)
        if s[-1] != s[-1]:  # NaN sorts last
            return np.float64(np.nan)
        # + 0.0 as numpy's mean (a sum from zero) turns -0.0 into 0.0
        return s[half] + 0.0 if n % 2 else (s[half - 1] + s[half]) / 2 + 0.0
    if np.isnan(a).any():
        return np.float64(np.nan)
    if n % 2:
        return np.partition(a, half)[half] + 0.0
    p = np.partition(a, (half - 1, half))
    return (p[half - 1] + p[half]) / 2 + 0.0


def flat_nanmedian(values: Any) -> np.float64:
    """The median of the values that are not NaN (flattened), NaN if none is; as ``np.nanmedian``.

    >>> float(flat_nanmedian([1.0, float("nan"), 3.0])), bool(np.isnan(flat_nanmedian([float("nan")])))
    (2.0, True)
    """
    a = np.asarray(values, dtype=np.float64).ravel()
    return flat_median(a[~np.isnan(a)])
