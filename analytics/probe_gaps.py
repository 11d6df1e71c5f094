"""A probe that loses readings: more missing or impossible readings than its healthy past, while the others read.

A corroding cable or a wet connector does not kill a probe at once: a
DS18B20 thermometer answers −127 (its "no device" code) one reading in
twenty, then one in five, then every time.  The contract drops those
readings (:func:`analytics.monitor.outside_range_dropped`), so the rules see
gaps; silence for :data:`analytics.probes.SILENT_MINUTES` in a row comes
only when the cable is nearly gone, hours later.

The evidence is a count: of the last :data:`GAP_MINUTES` rows in which the
other probes read, how many this probe missed, against the rate it missed
at in its healthy reference (Laplace's rule, so a probe that never missed
still has a rate).  A count whose binomial tail is below the stated
false-alarm rate (counted per minute: the test runs every minute) is not
chance.

Examples
--------
>>> import numpy as np
>>> healthy = np.ones(3 * 1440, dtype=bool)
>>> rate = missed_rate(healthy, healthy)
>>> gaps_unlikely(np.r_[np.ones(54), np.zeros(6)] > 0, np.ones(60) > 0, rate, 1.0)
True
>>> gaps_unlikely(np.r_[np.ones(59), np.zeros(1)] > 0, np.ones(60) > 0, rate, 1.0)
False
"""

from __future__ import annotations

import numpy as np
from numpy.typing import NDArray
from scipy.stats import binom

from analytics.threshold import per_test_probability

Mask = NDArray[np.bool_]
#: the rows a probe's missed readings are counted over
GAP_MINUTES = 60
#: fewer missed readings than this are never a failing cable (a glitch or two is a glitch)
FEWEST_GAPS = 3


def missed_rate(read: Mask, others_read: Mask) -> float:
    """How often the probe missed a reading in rows where another probe read: (missed + 1) / (rows + 2)."""
    rows = np.asarray(others_read, dtype=bool)
    missed = int(np.sum(rows & ~np.asarray(read, dtype=bool)))
    return (missed + 1.0) / (int(rows.sum()) + 2.0)


def gaps_unlikely(read: Mask, others_read: Mask, rate: float, false_alarms_per_30_days: float) -> bool:
    """The probe missed (``~read``) more of the rows where the others read (``others_read``) than its healthy
    ``rate`` gives once in the stated false-alarm rate, and at least :data:`FEWEST_GAPS`."""
    rows = np.asarray(others_read, dtype=bool)
    n = int(rows.sum())
    k = int(np.sum(rows & ~np.asarray(read, dtype=bool)))
    if k < FEWEST_GAPS or n == 0 or k == n:  # all missed: silent, told by probe_silent's own test
        return False
    p = per_test_probability(false_alarms_per_30_days, 1)
    return bool(binom.sf(k - 1, n, min(max(rate, 1e-9), 1.0)) < p)
