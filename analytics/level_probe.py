"""A level sensor knocked askew, fogged or with a leaf in its beam: its reading stands apart and jumps there.

An ultrasonic or optical level sensor reads the water's surface along a
path.  Knocked askew by a trolley it hears the echo off the glass's corner,
a longer path and a jumpy one; fogged by condensation or blocked by a leaf,
the same: the level it reads is wrong and wobbles far beyond its usual.  A
keeper needs to hear it (every leak test reads that sensor, and a top-off
that trusts it fills the tank over its rim), and the level's own rules do
not say it while the wrong level stays inside the keeper's limits.

No water does both at once.  A leak or a drain is a ramp, a jug of top-up
a step at the usual wobble, a surface sloshing in a lock or in the wind
jumps around where it stood; a refill's staircase climbs through the minutes
it is read over.  So the level's probe is failing when, over the last
:data:`~analytics.rules.WOBBLE_MINUTES` readings,

* its readings jump beyond :data:`~analytics.rules.FAILING_WOBBLE` times its
  usual wobble (the failing test of every other probe,
  :func:`analytics.rules.jumps_beyond`),
* they stand apart from the level's mark (the median of :data:`MARK_MINUTES`
  readings ending :data:`MARK_GAP_MINUTES` before the window) by more than
  :data:`~analytics.probe_steps.STEP_NOISES` times that wobble (a slosh
  jumps around where the water stood), and
* they stand still there: the medians of the window's two halves agree
  within :data:`STILL_SHARE` of that departure, and the readings spread about
  their median no wider than :data:`WHITE_RATIO` times white noise with
  their steps would (a drain's ramp, or its ramp and then a refill's
  staircase back up, moves through the window).

The caller judges this only while the pump ran steadily (switching it moves
water between the tank and the sump), outside the keeper's maintenance and
the last minutes of a refill (a drain under way is judged: its ramp moves
through the window).  Once told, it holds while the readings still jump beyond half
the failing limit (the hysteresis of every rate alert here): the offset is
no longer new then.

Examples
--------
>>> rng = np.random.default_rng(0)
>>> before = 36.0 + rng.normal(0.0, 0.07, 30)
>>> knocked = 32.0 + rng.normal(0.0, 0.6, 20)  # 4 cm low, eight times as jumpy
>>> level_probe_failing(before, knocked, 0.1)
True
>>> slosh = 36.0 + rng.normal(0.0, 0.6, 20)  # as jumpy, where the water stood
>>> jug = 37.5 + rng.normal(0.0, 0.07, 20)  # a step at the usual wobble
>>> level_probe_failing(before, slosh, 0.1), level_probe_failing(before, jug, 0.1)
(False, False)
"""

from __future__ import annotations

from typing import TYPE_CHECKING

import numpy as np
from numpy.typing import NDArray

from analytics.medians import flat_nanmedian
from analytics.probe_steps import STEP_NOISES
from analytics.rules import FAILING_WOBBLE, jumps_beyond, step_spread

if TYPE_CHECKING:
    from analytics.monitor_host import MonitorHost

Array = NDArray[np.float64]

#: the readings that say where the level stood (as the leak hinge's mark)
MARK_MINUTES = 30
#: the mark ends this long before the judged window begins: a failing sensor's jumps may grow past the limit
#: only some minutes after it was knocked, and the mark must still be the level before it
MARK_GAP_MINUTES = 40
#: the window's two halves may differ by at most this share of its departure from the mark
STILL_SHARE = 0.5
#: the readings' spread about their median may be at most this many times their steps' over √2 (equal for white
#: noise about one level; twenty readings' two robust spreads differ by a third now and then)
WHITE_RATIO = 2.0
#: the least share of the mark's and the window's minutes read for a judgement
MIN_READ_SHARE = 0.8


def sensor_told_failing(mon: MonitorHost) -> bool:
    """The level sensor is told failing now (``probe_noisy`` names the level): the level reads no water."""
    return mon.firing("probe_noisy") and "level_cm" in mon._alert("probe_noisy").sensors


def level_probe_failing(mark: Array, window: Array, usual: float, held: bool = False) -> bool:
    """Whether the level readings ``window`` (the last minutes, one a minute, NaN: none) are a failing
    sensor's, against the ``mark`` readings just before them and the level's ``usual`` wobble; ``held``:
    already told (then only the jumps are asked for, at half the limit)."""
    window = np.asarray(window, dtype=np.float64)
    if not usual > 0 or np.isfinite(window).sum() < MIN_READ_SHARE * len(window):
        return False
    if held:
        return jumps_beyond(window, 0.5 * FAILING_WOBBLE * usual)
    mark = np.asarray(mark, dtype=np.float64)
    if np.isfinite(mark).sum() < MIN_READ_SHARE * len(mark) or not jumps_beyond(window, FAILING_WOBBLE * usual):
        return False
    centre = flat_nanmedian(window)
    away = abs(centre - flat_nanmedian(mark))
    half = len(window) // 2
    moving = abs(flat_nanmedian(window[half:]) - flat_nanmedian(window[:half]))
    # (white noise about one level: its readings' spread about their median is its steps' over √2; a drain's
    # ramp, then a refill's staircase back up, spreads the readings far wider than their steps)
    spread = 1.4826 * flat_nanmedian(np.abs(window - centre))
    white = spread <= WHITE_RATIO * step_spread(window) / np.sqrt(2.0)
    return bool(away > STEP_NOISES * usual and moving < STILL_SHARE * away and white)
