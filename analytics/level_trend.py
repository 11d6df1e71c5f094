"""The water level's steady movements: a slow leak, and water coming in (an auto top-off stuck open).

A level moves in steps by the keeper's hand (a top-up, a cup taken out) and
by the top-off's short bursts; a leak or a top-off stuck open moves it
*steadily*.  A Theil–Sen slope over a window is not robust to a step in its
middle (more than half of the pairs straddle it), so a steady movement is read
as the least steep of the window's consecutive parts: a step lies in one part
only, the others stay flat.  How steep the healthy level's least-steep parts
get (the sump's own evaporation, its probe's noise, the top-off's sawtooth)
is calibrated on the healthy history at the stated false-alarm rate, as the
other trends are (:func:`analytics.trends.trend_tails`).

Examples
--------
>>> t = np.arange(60) * 60_000
>>> y = 30.0 - 0.5 * t / 3_600_000
>>> y[40:] -= 2.0  # a cup taken out: one part sees it, the other does not
>>> [round(s, 2) for s in part_slopes(t, y, 60, 2)]
[-0.5, -0.5]
"""

from __future__ import annotations

import numpy as np
from numpy.typing import NDArray

from analytics.medians import flat_median
from analytics.rules import theil_sen_per_hour

Array = NDArray[np.float64]
MIN_MS = 60_000

#: a slow leak: the level falls steadily through both halves of the last hour
SLOW_LEAK_MINUTES, SLOW_LEAK_PARTS = 60, 2
#: water coming in: the level rises steadily through the three 7-minute parts of the last 21 minutes (a keeper
#: pouring a top-up pours for minutes: a step of up to 7 minutes lies in two parts at most, the third stays
#: flat; a stuck top-off pump or a hose runs on through all three; round 23, was three 10-minute parts)
RISE_MINUTES, RISE_PARTS = 21, 3
#: the share of the configured false-alarm rate the hour's slow-leak test spends: the rest is the hinge's, the
#: sooner test of the same alert (analytics/level_hinge.py); one alert, one budget
SLOW_LEAK_SHARE = 0.5
#: evaporation changes with the room's heat (a hot, dry day can triple it): a steady fall less than this
#: many times the sump's usual fall is not told as a leak
EVAPORATION_SPREAD = 3.0


def part_slopes(t_ms: Array, y: Array, minutes: int, parts: int, now_ms: int | None = None) -> list[float]:
    """Theil–Sen slopes (per hour) of the ``parts`` consecutive parts of the last ``minutes`` before ``now_ms``
    (default: one minute after the last reading); a part with fewer than 60 % of its readings is NaN."""
    t_ms, y = np.asarray(t_ms), np.asarray(y, dtype=np.float64)
    now = int(t_ms[-1]) + MIN_MS if now_ms is None and len(t_ms) else int(now_ms or 0)
    m = minutes // parts
    edges = np.searchsorted(t_ms, [now - (parts - k) * m * MIN_MS for k in range(parts + 1)])  # t_ms ascends
    out = []
    for a, b in zip(edges[:-1], edges[1:]):
        tw, yw = t_ms[a:b], y[a:b]
        ok = np.isfinite(yw)
        out.append(theil_sen_per_hour(tw[ok] / 1000.0, yw[ok]) if ok.sum() >= 0.6 * m else float("nan"))
    return out


def healthy_part_slopes(t_ms: Array, y: Array, minutes: int, parts: int, every: int = 5) -> Array:
    """``(k, parts)`` part slopes of every window of ``minutes`` consecutive readings, one every ``every``
    rows, of a healthy history (windows with a gap or a missing reading are left out)."""
    t_ms, y = np.asarray(t_ms, dtype=np.float64), np.asarray(y, dtype=np.float64)
    m = minutes // parts
    if len(y) < minutes:
        return np.zeros((0, parts))
    starts = np.arange(0, len(y) - minutes + 1, every)
    idx = starts[:, None] + np.arange(minutes)
    T, Y = t_ms[idx] / 3_600_000, y[idx]
    whole = np.isfinite(Y).all(axis=1) & (T[:, -1] - T[:, 0] <= (minutes - 1) * 1.5 / 60)
    T, Y = T[whole].reshape(-1, parts, m), Y[whole].reshape(-1, parts, m)
    i, j = np.triu_indices(m, k=1)
    with np.errstate(invalid="ignore", divide="ignore"):
        return np.median((Y[..., j] - Y[..., i]) / (T[..., j] - T[..., i]), axis=2)


def steady_tails(t_ms: Array, y: Array, false_alarms_per_30_days: float) -> tuple[float, float, float]:
    """(slow fall, rise, usual fall) of a healthy level, cm/h, all ≥ 0.

    The first two: how steep its steady falls (over ``SLOW_LEAK_MINUTES``, at
    ``SLOW_LEAK_SHARE`` of the stated false-alarm rate) and steady rises (over
    ``RISE_MINUTES``, at the stated rate) get;
    the third: its median slope's fall (evaporation).  Zeros with fewer than
    10 windows.
    """
    from analytics.threshold import per_test_probability, pot_threshold

    falls = healthy_part_slopes(t_ms, y, SLOW_LEAK_MINUTES, SLOW_LEAK_PARTS)
    rises = healthy_part_slopes(t_ms, y, RISE_MINUTES, RISE_PARTS)
    if len(falls) < 10 or len(rises) < 10:
        return 0.0, 0.0, 0.0
    least_fall = -np.max(falls, axis=1)  # the least steep part's fall (a step is in one part only)
    least_rise = np.min(rises, axis=1)
    least_fall, least_rise = least_fall[np.isfinite(least_fall)], least_rise[np.isfinite(least_rise)]
    usual = max(0.0, -float(flat_median(falls)))
    # (tested every minute, the least of the parts' slopes forgets its past within a part, not the hour: the
    # month holds a part's worth of independent tests, not an hour's)
    slow = per_test_probability(false_alarms_per_30_days * SLOW_LEAK_SHARE, SLOW_LEAK_MINUTES // SLOW_LEAK_PARTS)
    return (max(0.0, pot_threshold(least_fall, slow)),
            max(0.0, pot_threshold(least_rise, per_test_probability(false_alarms_per_30_days, RISE_MINUTES))),
            usual)


#: a return pump switched back on fills the display's pipes from the sump within this many minutes
REFILL_MINUTES = 3
#: a fall read over the minutes since the pump came back on needs at least this many readings
RUNNING_READINGS = 10


def since_running(t_ms: Array, pump: Array | None, now_ms: int, minutes: int) -> int:
    """Where a level's rate over the last ``minutes`` should start: ``now_ms - minutes``, or, when the pump came
    back on within them (switched off, and on now), ``REFILL_MINUTES`` after its last minute off.

    Switching a return pump moves water between the tank and the sump: stopped, the display drains into the
    sump; restarted, it takes that water back (and what ran over the sump's standpipe meanwhile is short until
    the next refill).  The sump then falls at once with no leak: the fall to judge is the one since the pump
    has run again.

    >>> t = np.arange(60) * 60_000
    >>> pump = np.where((np.arange(60) >= 30) & (np.arange(60) < 45), 0.0, 1.0)
    >>> since_running(t, pump, 60 * 60_000, 30) // 60_000, since_running(t, np.ones(60), 60 * 60_000, 30) // 60_000
    (47, 30)
    """
    start = now_ms - minutes * MIN_MS
    if pump is None:
        return start
    t_ms, p = np.asarray(t_ms), np.asarray(pump, dtype=np.float64)
    w = (t_ms >= start) & np.isfinite(p)
    tw, pw = t_ms[w], p[w]
    if not len(pw) or pw[-1] != 1.0 or not np.any(pw == 0.0):
        return start
    return int(tw[np.flatnonzero(pw == 0.0)[-1]]) + REFILL_MINUTES * MIN_MS
