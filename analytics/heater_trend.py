"""A heater's trend told by its persistence: two quarters running beyond the tank's own healthy tail.

The heater rules' trend test (:mod:`analytics.tank_rules`) asks the water's
15-minute departure from its usual course to be steeper than the healthy
water's own 15-minute trends get (the peaks-over-threshold tail at the stated
false-alarm rate, :func:`analytics.trends.trend_tails`) *and* the water to
be three of its spread away from usual.  The second half is a level test: water
that was below its usual when a heater stuck on (an unheated tank's cool
morning, a cold night) must first climb back to usual and then three spreads
beyond it, however steeply it climbs, before it is told.

A sequential reading of the same evidence needs no level: each quarter hour's
trend beyond the calibrated tail happens on a healthy tank with the per-test
probability the tail was set at, so two successive quarters (independent
windows, no reading shared) beyond it, the water itself moving the same way
(at least half the tail, as the one-quarter test asks) and already on the far
side of its usual, are rarer still on a healthy tank than the one-quarter test
the rule already trusts with its level.  A stuck heater (P / (m c), a steady
climb) passes it half an hour after it starts, whatever side of usual the water
started on; the steeper the fault, the sooner each quarter clears the tail.
The day's own course is no part of it (the departure is from usual at each
minute), and a water coming back toward usual (below it and climbing) is not on
the far side, so a cool morning catching up never passes.

Climbs only.  A fall away from usual is what the weather does too: a storm's
cold rain on a tub, a cold night on an unheated tank, relax the water toward
colder surroundings exactly as a dead heater lets it (Newton's law, the same
physics), and only the level tells them apart (measured: on the patio tub the
fall's half paged the storm of day 17 as a dead heater).  Water climbing beyond
its healthy tail for half an hour needs heat coming in.

Examples
--------
>>> persistent_trend(0.9, 0.8, 0.9, 0.85, 0.5, 0.47)    # two quarters climbing away, above usual
True
>>> persistent_trend(0.9, 0.3, 0.9, 0.35, 0.5, 0.47)    # the quarter before was within the tail
False
>>> persistent_trend(0.9, 0.8, 0.9, 0.85, -0.2, 0.47)   # still below usual: coming back, not away
False
"""

from __future__ import annotations

import math

import numpy as np
from numpy.typing import NDArray

Array = NDArray[np.float64]


def persistent_trend(trend: float, trend_before: float, own: float, own_before: float, z: float,
                     tail: float) -> bool:
    """Two successive quarters' climbs away from usual (``trend``, now; ``trend_before``, the quarter before;
    °C/h) both beyond ``tail`` (the healthy water's own 15-minute rising trends' tail, ≥ 0), the water itself
    climbing at least half as steeply (``own``, ``own_before``), and the water already above its usual
    (``z`` > 0, in its spreads).  False with any NaN or a tail ≤ 0 (nothing learned).

    >>> persistent_trend(-0.9, -0.8, -0.9, -0.85, -0.5, 0.47)   # a fall is not read here
    False
    >>> persistent_trend(0.9, 0.8, 0.9, 0.85, 0.5, 0.0)         # no tail learned yet
    False
    """
    values = (trend, trend_before, own, own_before, z, tail)
    if not all(math.isfinite(v) for v in values) or tail <= 0.0:
        return False
    return bool(trend > tail and trend_before > tail and own > 0.5 * tail and own_before > 0.5 * tail
                and z > 0.0)


def before_window(t_ms: Array, frame: dict[str, Array], at_ms: int) -> tuple[Array, dict[str, Array]]:
    """The readings before ``at_ms`` (views, no copy): the history as the rules saw it then.

    >>> t = np.arange(10) * 60_000.0
    >>> tb, fb = before_window(t, {"temp_c": np.arange(10.0)}, 5 * 60_000)
    >>> len(tb), float(fb["temp_c"][-1])
    (5, 4.0)
    """
    end = int(np.searchsorted(t_ms, at_ms, side="left"))
    return t_ms[:end], {k: v[:end] if isinstance(v, np.ndarray) and len(v) == len(t_ms) else v
                        for k, v in frame.items()}
