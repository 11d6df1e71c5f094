"""A seep: a level falling steadily for hours faster than the tank's own healthy falls over hours.

A weeping seam or a hose that drips loses a tenth of a centimetre an hour:
within an hour's noise (the slow-leak test of the level block reads two
half hours, and a level probe's few millimetres of noise make a healthy
half hour's slope wander by a few tenths of a cm/h), but ten times a
tank's evaporation.  Over hours the noise averages out while evaporation
stays what it is, so the same test over ``SEEP_MINUTES`` in ``SEEP_PARTS``
parts -- every part falling, the least steep beyond both the level's own
healthy falls over that span (learned from the tank's healthy reference at
the configured false-alarm rate, as :func:`analytics.level_trend.steady_tails`
learns the hour's) and ``EVAPORATION_SPREAD`` times its usual fall (a hot,
dry day's evaporation) -- tells a seep within hours, not days.  A top-off's
refill, a keeper's top-up or water change is a part that rises: no seep.

Examples
--------
>>> t = np.arange(6 * 24 * 60) * 60_000
>>> rng = np.random.default_rng(0)
>>> healthy = 30.0 - 0.01 * t / 3_600_000 + rng.normal(0, 0.06, len(t))  # evaporation 0.01 cm/h
>>> tail = learn_seep_tail(t, healthy, 1.0)
>>> 0.0 < tail < 0.06
True
"""

from __future__ import annotations

from typing import TYPE_CHECKING

import numpy as np
from numpy.typing import NDArray

from analytics.level_trend import EVAPORATION_SPREAD, healthy_part_slopes
from analytics.medians import flat_median
from analytics.rules import theil_sen_per_hour

if TYPE_CHECKING:
    from analytics.monitor_host import MonitorHost

Array = NDArray[np.float64]
MIN_MS = 60_000
DAY_MS = 86_400_000
#: the seep test's span and its parts (each an hour: a top-off's refill or a keeper's pour rises in one)
SEEP_MINUTES, SEEP_PARTS = 180, 3
#: its healthy windows are read one every this many minutes (neighbours share most of their readings)
SEEP_EVERY = 10
#: every this many readings are used (half the readings, a quarter of a Theil–Sen slope's pairs)
SEEP_THIN = 2


def learn_seep_tail(t_ms: Array, y: Array, false_alarms_per_30_days: float) -> float:
    """How steep a healthy level's steady falls over ``SEEP_MINUTES`` get (the least steep of its parts), cm/h
    at the stated false-alarm rate; NaN with fewer than 30 windows."""
    from analytics.threshold import per_test_probability, pot_threshold

    # (every other reading: a part's Theil–Sen slope over 30 readings instead of 60, a quarter of the pairs)
    # (its clock read SEEP_THIN times slower, so the thinned readings are a minute apart to its gap test; the
    # slopes come out SEEP_THIN times steeper)
    t_ms, y = np.asarray(t_ms)[::SEEP_THIN] / SEEP_THIN, np.asarray(y, dtype=np.float64)[::SEEP_THIN]
    falls = healthy_part_slopes(t_ms, y, SEEP_MINUTES // SEEP_THIN, SEEP_PARTS,
                                every=SEEP_EVERY // SEEP_THIN) / SEEP_THIN
    if len(falls) < 30:
        return float("nan")
    least = -np.max(falls, axis=1)
    least = least[np.isfinite(least)]
    if len(least) < 30:
        return float("nan")
    return max(0.0, float(pot_threshold(least, per_test_probability(false_alarms_per_30_days, SEEP_MINUTES))))


def seep_fall(t_ms: Array, y: Array, now_ms: int) -> float:
    """The least steep fall (cm/h) of the last ``SEEP_MINUTES``' parts, every other reading (negative if one
    rose; NaN if one is missing)."""
    t_ms, y = np.asarray(t_ms), np.asarray(y, dtype=np.float64)
    w = t_ms >= now_ms - SEEP_MINUTES * MIN_MS
    t_w, y_w = t_ms[w], y[w]
    # thinned from the newest reading back, so the parts keep their edges as minutes pass
    t_w, y_w = t_w[::-SEEP_THIN][::-1], y_w[::-SEEP_THIN][::-1]
    m = SEEP_MINUTES // SEEP_PARTS
    slopes = []
    for k in range(SEEP_PARTS):
        part = (t_w >= now_ms - (SEEP_PARTS - k) * m * MIN_MS) & (t_w < now_ms - (SEEP_PARTS - k - 1) * m * MIN_MS)
        ok = part & np.isfinite(y_w)
        slopes.append(theil_sen_per_hour(t_w[ok] / 1000.0, y_w[ok]) if ok.sum() >= 0.6 * m / SEEP_THIN
                      else float("nan"))
    return -max(slopes)


def seeping(fall: float, tail: float, evaporation_cm_per_h: float, spread: float, hold: float = 1.0) -> bool:
    """``fall`` (:func:`seep_fall`) beyond the learned ``tail`` and ``spread`` times the usual evaporation
    (``hold``: a share of both while told).

    >>> seeping(0.12, 0.03, 0.0104, 3.0), seeping(0.02, 0.03, 0.0104, 3.0), seeping(0.12, float("nan"), 0.01, 3.0)
    (True, False, False)
    """
    if not (np.isfinite(fall) and np.isfinite(tail)):
        return False
    return bool(fall > max(tail, spread * evaporation_cm_per_h) * hold)


def seep_rule(mon: MonitorHost, now_ms: int, t_ms: Array, frame: dict[str, Array]) -> float:
    """The seep's fall (cm/h) when the level of a tank monitor seeps now, else NaN.

    The tail is learned once a day from the healthy reference (the readings
    the monitor may learn from, as the hour's tails are); the usual fall is
    the level's learned evaporation (``mon.level_steady``).  Judged only
    while the pump ran steadily through the span (switching a return moves
    water between the tank and the sump).
    """
    watch, y = mon.top_off, frame["level_cm"]
    if now_ms - watch.seep_learned_ms >= DAY_MS:
        sel = (t_ms >= now_ms - mon.settings.reference_hours * 3_600_000) & mon._learnable(t_ms)
        watch.seep_tail = learn_seep_tail(t_ms[sel], y[sel], mon.settings.false_alarms_per_30_days)
        watch.seep_learned_ms = now_ms
    pump = frame.get("pump")
    if pump is not None:
        p = pump[(t_ms >= now_ms - SEEP_MINUTES * MIN_MS) & np.isfinite(pump)]
        if not bool(np.all(p == 1.0)):
            return float("nan")
    bar = max(watch.seep_tail, EVAPORATION_SPREAD * mon.level_steady[2]) * (0.5 if mon.firing("level_falling")
                                                                             else 1.0)
    if not np.isfinite(bar) or not _fell_overall(t_ms, y, now_ms, bar):
        return float("nan")  # (a cheap look first: the span as a whole fell less than the bar)
    fall = seep_fall(t_ms, y, now_ms)
    hold = 0.5 if mon.firing("level_falling") else 1.0
    return fall if seeping(fall, watch.seep_tail, mon.level_steady[2], EVAPORATION_SPREAD, hold) else float("nan")


def _fell_overall(t_ms: Array, y: Array, now_ms: int, bar_cm_per_h: float) -> bool:
    """The span's last half hour's median is below its first half hour's by at least ``bar_cm_per_h`` over
    the 2.5 h between their middles (each part falling that fast makes it so)."""
    first = y[(t_ms >= now_ms - SEEP_MINUTES * MIN_MS) & (t_ms < now_ms - (SEEP_MINUTES - 30) * MIN_MS)]
    last = y[t_ms >= now_ms - 30 * MIN_MS]
    first, last = first[np.isfinite(first)], last[np.isfinite(last)]
    if len(first) < 10 or len(last) < 10:
        return False
    return bool(flat_median(first) - flat_median(last) > bar_cm_per_h * (SEEP_MINUTES - 30) / 60.0)
