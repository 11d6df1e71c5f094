"""The pump switched off at the controller: the water stands still, and its temperature says nothing of the heater.

A heater warms the water it stands in, and the flow carries that warmth
through the tank (and, where the heater sits in a sump or inline, it is the
only way the warmth reaches the tank at all: a rack's tank fed from a heated
central sump follows the room on its own once the return stops).  While the
keeper has the pump switched off through the controller (its relay reading 0,
and the flow meter agreeing, no flow) the probe reads still water that cools
toward the room whatever the heater does, so a fall then is no evidence the
heater failed.  The heater is judged again once the water has circulated for
:data:`MIX_MINUTES` after the pump came back on (the temperature trend's
window then holds only moving water).  A pump that stopped by itself while
switched on (relay 1, no flow) is a fault of its own (``pump_stopped``) and
does not hold the heater's rules; neither does a heater alert already told.

Examples
--------
>>> t = np.arange(60) * 60_000
>>> pump = np.where((np.arange(60) >= 10) & (np.arange(60) < 40), 0.0, 1.0)
>>> flow = np.where(pump == 1.0, 4.0, 0.0)
>>> pump_rested(t, pump, flow, 35 * 60_000, 0.5)   # switched off: still water
True
>>> pump_rested(t, pump, flow, 50 * 60_000, 0.5)   # back on 10 minutes ago: still mixing
True
>>> pump_rested(t, pump, flow, 60 * 60_000, 0.5)   # 20 minutes of flow: the heater is judged again
False
>>> pump_rested(t, np.ones(60), np.where(pump == 1.0, 4.0, 0.0), 35 * 60_000, 0.5)  # stopped by itself
False
"""

from __future__ import annotations

import numpy as np
from numpy.typing import NDArray

from analytics.catalogue import MIN_MS

Array = NDArray[np.float64]
#: minutes of flow after the pump came back on before the heater is judged again (the trend's window)
MIX_MINUTES = 15


def pump_rested(t_ms: Array, pump: Array | None, flow: Array | None, now_ms: int, stopped_lpm: float,
                minutes: int = MIX_MINUTES) -> bool:
    """The pump was switched off at the controller (relay 0 and, with a flow meter, no flow) in one of the last
    ``minutes`` minutes up to ``now_ms``; False without a pump column."""
    if pump is None:
        return False
    t_ms = np.asarray(t_ms)
    w = t_ms >= now_ms - minutes * MIN_MS
    off = np.asarray(pump, dtype=np.float64)[w] == 0.0
    if flow is not None:
        off &= ~(np.asarray(flow, dtype=np.float64)[w] >= stopped_lpm)  # (no reading: the relay says)
    return bool(off.any())
