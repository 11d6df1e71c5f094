"""A conductivity probe out of the water: it reads its floor, nothing the water could.

A TDS probe is a conductivity cell: knocked off its clip or lifted out by a
child's hand, its film of water dries in minutes and it reads 0 ppm.  The
readings are inside the contract's range and the cell's noise is gone, so
neither the range check nor the stuck test tells it at once, and the drift
waits for its ten minutes; a tank's water never loses nearly all its salts in
minutes (the engine's own water-change test, :meth:`analytics.days.DaysMixin._water_change`,
already reads a fall below :data:`DRY_SHARE` of the water before it as a probe
that died, not new water).  The share is of the probe's usual reading (its
median while its noise was learned, :attr:`analytics.monitor.TankMonitor.noise_level`).
"""

from __future__ import annotations

import numpy as np
from numpy.typing import NDArray

#: the probes that read their floor out of the water (a conductivity cell; a pH or temperature probe in air
#: reads on, not zero)
DRY_SENSORS = ("tds_ppm",)
#: below this share of its usual reading the probe reads no water (a 70 % change with pure water at most)
DRY_SHARE = 0.3
#: the latest readings that must all be that low (a glitch is one reading)
DRY_READINGS = 3


def reads_dry(recent: NDArray[np.float64], usual: float) -> bool:
    """The last :data:`DRY_READINGS` of ``recent`` are all readings and all below :data:`DRY_SHARE` of
    ``usual`` (the probe's usual reading, > 0; anything else gives False).

    >>> reads_dry(np.array([480.0, 31.0, 8.0, 1.0]), 480.0)
    True
    >>> reads_dry(np.array([480.0, 479.0, 0.0, 481.0]), 480.0), reads_dry(np.array([1.0, np.nan, 0.5]), 480.0)
    (False, False)
    >>> reads_dry(np.array([0.0, 0.0, 0.0]), 0.0)   # nothing learned
    False
    """
    last = np.asarray(recent, dtype=np.float64)[-DRY_READINGS:]
    if not usual > 0 or len(last) < DRY_READINGS or not np.isfinite(last).all():
        return False
    return bool((last < DRY_SHARE * usual).all())
