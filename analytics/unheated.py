"""Pure tests the temperature rules (:mod:`analytics.tank_rules`) apply to an unheated tank's falls.

An unheated tank's water has no thermostat: it follows the room and the
keeper's routine.  A tap timer's trickle change at 07:00 every morning, cold
water in through an overflow, cools the water as fast as a frosty draught does,
every day at the same minute, with the level never moving and the TDS stepping
by less than a water change's tenth.  What the tank does at this minute every
day is its course, not a fault: the water's fast fall is judged against the
course it usually takes at this hour (as a planted tank's morning pH fall is).
"""

from __future__ import annotations

import math


def beyond_own_course(rate_c_per_h: float, away_c_per_h: float, limit_c_per_h: float) -> bool:
    """The water falls faster than ``limit_c_per_h`` and faster than its usual course at this hour falls.

    ``away_c_per_h`` is the slope of the water's departure from its usual
    daily course (:meth:`analytics.tank_rules.RulesMixin._rate_from_usual`) over
    the same minutes; NaN (no course learned yet) leaves the raw rate to judge.

    Parameters
    ----------
    rate_c_per_h : float
        The water's own slope (°C/h).
    away_c_per_h : float
        The slope of its departure from the usual course at this hour (°C/h), or NaN.
    limit_c_per_h : float
        How fast a fall must be (°C/h, > 0: the profile's ``temp_fall_c_per_h``).

    Examples
    --------
    >>> beyond_own_course(-3.3, -0.4, 3.0)   # the morning's trickle change, as every morning
    False
    >>> beyond_own_course(-3.3, -3.2, 3.0)   # a fall this hour does not usually take
    True
    >>> beyond_own_course(-3.3, float("nan"), 3.0), beyond_own_course(-1.0, -3.2, 3.0)
    (True, False)
    """
    if not rate_c_per_h < -limit_c_per_h:
        return False
    return not (math.isfinite(away_c_per_h) and away_c_per_h >= -limit_c_per_h)

