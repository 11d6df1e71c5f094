"""A return pump at rest with its relay on, and water the level rules call lost while nothing is missing.

Two readings of the sump's physics the level rules share:

* **at rest is at rest, whoever stopped it.**  A return pump moves water
  between the display and the sump whenever it stops or starts: stopped, the
  display's weir water and the return line drain back and the sump rises;
  restarted, the display takes that water back at once and the sump falls to
  where it stood.  The controller's relay says when the *keeper* switched it;
  a DC pump's own feed mode (or a driver that stopped) leaves the relay on
  while the flow meter reads nothing.  :func:`running_column` is the relay's
  column with those minutes read as rest, so that the level rules that skip a
  pump's restart (:func:`analytics.water_change.level_moved`,
  :func:`analytics.level_trend.since_running`) skip a feed-mode restart too.
  Whether a pump without flow is a fault is ``pump_stopped``'s question
  (:mod:`analytics.pump_watch`), not the level's.
* **water held by a top-off is not missing.**  A fall not refilled within the
  keeper's time leaves a "water lost" mark (the level it fell from).  Where a
  top-off holds the sump in a narrow band (:mod:`analytics.top_off_watch`),
  a level back inside that band has nothing missing, whatever it fell from:
  the mark was water above the band (an overfill bailed out, a pause's
  drain-back), and a leak's loss shows below the band, where the top-off can
  no longer keep up (``top_off_behind``, ``sump_low``).

Examples
--------
>>> pump = np.ones(6)
>>> flow = np.array([20.0, 0.0, 0.0, 21.0, np.nan, 22.0])
>>> running_column(pump, flow, 0.5).tolist()
[1.0, 0.0, 0.0, 1.0, 1.0, 1.0]
>>> running_column(None, flow, 0.5).tolist()
[1.0, 0.0, 0.0, 1.0, 1.0, 1.0]
>>> running_column(None, None, 0.5) is None
True
"""

from __future__ import annotations

from typing import TYPE_CHECKING

import numpy as np
from numpy.typing import NDArray

if TYPE_CHECKING:
    from analytics.top_off_watch import TopOffBand

Array = NDArray[np.float64]


def running_column(pump: Array | None, flow: Array | None, stopped_lpm: float) -> Array | None:
    """The return pump's state as the level sees it: 1 running, 0 at rest -- switched off at the controller
    (the relay's 0) or at rest with the relay on (the flow meter below ``stopped_lpm``); a minute without a
    flow reading keeps the relay's word.  ``pump`` unchanged without a flow column; None with neither."""
    if flow is None:
        return pump
    f = np.asarray(flow, dtype=np.float64)
    p = np.ones(len(f)) if pump is None else np.array(pump, dtype=np.float64)
    p[np.isfinite(f) & (f < stopped_lpm)] = 0.0
    return p


def held_by_top_off(band: TopOffBand, level_cm: float) -> bool:
    """``level_cm`` is inside the band a top-off holds (down to one refill below its low end): no water is
    missing there, whatever the level fell from.  False where no top-off is learned.

    >>> from analytics.top_off_watch import TopOffBand
    >>> band = TopOffBand(21.9, 22.1, 0.02, 0.9, 0.05)
    >>> held_by_top_off(band, 22.0), held_by_top_off(band, 21.7), held_by_top_off(band, 20.0)
    (True, True, False)
    >>> held_by_top_off(TopOffBand(), 22.0)
    False
    """
    if not band.has_top_off or not np.isfinite(level_cm):
        return False
    # one refill: the band's width or its low end's spread, not a day's evaporation (learned from the level's
    # own falls, it holds the keeper's drains on a tank topped up by hand: 4 cm a day on a 0.3 cm a day tank)
    refill = max(band.high - band.low, 3.0 * band.low_spread)
    return bool(level_cm >= band.low - refill)
