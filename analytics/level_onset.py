"""A leak's onset: the level falling away from where it stood, read from that mark, not over a window alone.

A leak starts at a minute: before it the level stood (falling only by the
tank's evaporation), after it the water leaves at the leak's rate.  The hour's
and the seep's tests read a fall from the window's own readings, every part of
a window falling: a slow leak is told only once the whole window lies inside
it, an hour after its start.  Yet the level *before* the leak is known far
better than any window's slope: the median of the half hour before
(``ANCHOR_MINUTES``) marks it to a few hundredths of a centimetre.  So the
fall is read as the hinge's slope: the readings since a candidate start
(``ONSET_MINUTES`` ago) against that mark, a regression through it
(:func:`anchored_fall`).  Against the known mark a fall's evidence grows with
the cube of the minutes since it started (a plain window's slope grows by the
same law but from twice the scatter), so a slower leak is told later and a
faster one sooner, the delay set by the leak's rate against the level's own
scatter.

How steep the healthy level's anchored falls get for each span (its probe's
noise and ripple, the top-off's sawtooth, evaporation) is learned once a day
from the tank's healthy reference at the configured false-alarm rate, shared
among the spans (:func:`learn_onset_tails`), as the other level tails are; a
fall is told only beyond both its span's tail and ``EVAPORATION_SPREAD`` times
the usual evaporation (a hot, dry day).  A top-up or a top-off's refill lifts
the level above its mark: no fall.  The keeper's own movements (a drain for a
change, a pump switched, the daily schedule) are held by the level block as
they are for every level rule.

Examples
--------
>>> t = np.arange(120) * 60_000
>>> y = np.where(np.arange(120) < 100, 20.0, 20.0 - 0.3 * (np.arange(120) - 99) / 60.0)  # 0.3 cm/h for 20 min
>>> [round(f, 2) for f in anchored_falls(t, y, 120 * 60_000)]  # (a span shorter than the fall reads it steeper)
[0.82, 0.32, 0.17, 0.08]
"""

from __future__ import annotations

from typing import TYPE_CHECKING

import numpy as np
from numpy.typing import NDArray

from analytics.level_slosh import SLOSH_Z
from analytics.level_trend import EVAPORATION_SPREAD

if TYPE_CHECKING:
    from analytics.monitor_host import MonitorHost

Array = NDArray[np.float64]
MIN_MS = 60_000
DAY_MS = 86_400_000
HOUR_MS = 3_600_000
#: the candidate starts: the leak began this many minutes ago
ONSET_MINUTES = (10, 20, 30, 45)
#: the level before a start: the median of this many minutes
ANCHOR_MINUTES = 30
#: healthy spans are read one every this many minutes (neighbours share most of their readings)
ONSET_EVERY = 5
#: a span (and its mark) needs this share of its minutes read
ONSET_COVER = 0.8


def anchored_falls(t_ms: Array, y: Array, now_ms: int) -> list[float]:
    """The level's fall (cm/h, negative for a rise) since each of ``ONSET_MINUTES`` ago, read through the
    median of the ``ANCHOR_MINUTES`` before that start; NaN where the span or its mark lacks readings."""
    t_ms, y = np.asarray(t_ms), np.asarray(y, dtype=np.float64)
    out = []
    for k in ONSET_MINUTES:
        hinge = now_ms - k * MIN_MS
        mark = y[(t_ms > hinge - ANCHOR_MINUTES * MIN_MS) & (t_ms <= hinge)]
        mark = mark[np.isfinite(mark)]
        w = (t_ms > hinge) & (t_ms <= now_ms) & np.isfinite(y)
        if len(mark) < ONSET_COVER * ANCHOR_MINUTES or w.sum() < ONSET_COVER * k:
            out.append(float("nan"))
            continue
        x = (t_ms[w] - hinge) / HOUR_MS
        out.append(anchored_fall(x, float(np.median(mark)) - y[w]))
    return out


def falls_beyond_scatter(t_ms: Array, y: Array, now_ms: int, k: int, fall: float, z: float = SLOSH_Z) -> bool:
    """``fall`` (the anchored fall since ``k`` minutes ago) stands clear of the span's own scatter: more than
    ``z`` standard errors above zero, the error from the robust scatter of the span's readings about the line
    and of the mark's about their median (a sloshing surface's waves make both wide, a calm leak's narrow).

    >>> t = np.arange(60) * 60_000
    >>> calm = np.r_[np.full(40, 20.0), 20.0 - np.arange(1, 21) / 60.0] + 0.02 * np.sin(np.arange(60.0))
    >>> wavy = np.r_[np.full(40, 20.0), 20.0 + 0.6 * np.sin(np.arange(20.0) * 2.1)]
    >>> falls_beyond_scatter(t, calm, 60 * 60_000, 20, 1.0), falls_beyond_scatter(t, wavy, 60 * 60_000, 20, 1.0)
    (True, False)
    """
    hinge = now_ms - k * MIN_MS
    mark = y[(t_ms > hinge - ANCHOR_MINUTES * MIN_MS) & (t_ms <= hinge)]
    mark = mark[np.isfinite(mark)]
    w = (t_ms > hinge) & (t_ms <= now_ms) & np.isfinite(y)
    if len(mark) < 3 or w.sum() < 3:
        return False
    x = (t_ms[w] - hinge) / HOUR_MS
    level = float(np.median(mark))
    residual = y[w] - (level - fall * x)
    s_span = 1.4826 * float(np.median(np.abs(residual - np.median(residual))))
    s_mark = 1.4826 * float(np.median(np.abs(mark - level)))
    sxx = float(np.sum(x * x))
    # (the median's variance is π/2 times the mean's; a mark off by d moves the slope by d·Σx/Σx²)
    var = s_span ** 2 / sxx + (np.pi / 2) * s_mark ** 2 / len(mark) * (float(np.sum(x)) / sxx) ** 2
    return bool(fall > z * np.sqrt(var))


def anchored_fall(x_h: Array, drop: Array) -> float:
    """The slope (cm/h) of ``drop`` (the mark less each reading) over ``x_h`` (hours since the start), a
    least-squares line through the mark.

    >>> anchored_fall(np.array([0.5, 1.0]), np.array([0.5, 1.0]))
    1.0
    """
    return float(np.sum(x_h * drop) / np.sum(x_h * x_h))


def healthy_anchored_falls(t_ms: Array, y: Array, k: int, every: int = ONSET_EVERY) -> Array:
    """:func:`anchored_falls`' fall since ``k`` minutes ago at every ``every``-th reading of a healthy history
    (spans with a gap or a missing reading are left out)."""
    t_ms, y = np.asarray(t_ms, dtype=np.float64), np.asarray(y, dtype=np.float64)
    span = ANCHOR_MINUTES + k
    if len(y) < span:
        return np.zeros(0)
    starts = np.arange(0, len(y) - span + 1, every)
    idx = starts[:, None] + np.arange(span)
    T, Y = t_ms[idx], y[idx]
    whole = np.isfinite(Y).all(axis=1) & (T[:, -1] - T[:, 0] <= (span - 1) * 1.5 * MIN_MS)
    T, Y = T[whole], Y[whole]
    if not len(Y):
        return np.zeros(0)
    mark = np.median(Y[:, :ANCHOR_MINUTES], axis=1)
    x = (T[:, ANCHOR_MINUTES:] - T[:, ANCHOR_MINUTES - 1:ANCHOR_MINUTES]) / HOUR_MS
    drop = mark[:, None] - Y[:, ANCHOR_MINUTES:]
    return np.asarray(np.sum(x * drop, axis=1) / np.sum(x * x, axis=1))


def learn_onset_tails(t_ms: Array, y: Array, false_alarms_per_30_days: float) -> Array:
    """How steep a healthy level's anchored falls get for each of ``ONSET_MINUTES`` (cm/h), at the stated
    false-alarm rate shared among the spans; NaN for a span with fewer than 30 healthy spans."""
    from analytics.threshold import per_test_probability, pot_threshold

    share = false_alarms_per_30_days / len(ONSET_MINUTES)
    tails = []
    for k in ONSET_MINUTES:
        falls = healthy_anchored_falls(t_ms, y, k)
        falls = falls[np.isfinite(falls)]
        tails.append(max(0.0, float(pot_threshold(falls, per_test_probability(share, k)))) if len(falls) >= 30
                     else float("nan"))
    return np.asarray(tails)


def onset_rule(mon: MonitorHost, now_ms: int, t_ms: Array, frame: dict[str, Array]) -> float:
    """The fall (cm/h) when the level of a tank monitor falls away from its mark now beyond its healthy
    anchored falls (:func:`learn_onset_tails`) and a hot day's evaporation, else NaN.

    Tails are learned once a day from the healthy reference (the readings the
    monitor may learn from); judged only while the pump ran steadily through
    the span and its mark (switching a return moves water between the tank and
    the sump); while told, held at half the bar.
    """
    watch, y = mon.top_off, frame["level_cm"]
    if now_ms - watch.onset_learned_ms >= DAY_MS:
        sel = (t_ms >= now_ms - mon.settings.reference_hours * HOUR_MS) & mon._learnable(t_ms)
        watch.onset_tails = learn_onset_tails(t_ms[sel], y[sel], mon.settings.false_alarms_per_30_days)
        watch.onset_learned_ms = now_ms
    tails = watch.onset_tails
    if tails is None or not np.isfinite(tails).any():
        return float("nan")
    pump = frame.get("pump")
    span = (max(ONSET_MINUTES) + ANCHOR_MINUTES) * MIN_MS
    if pump is not None:
        p = pump[(t_ms > now_ms - span) & np.isfinite(pump)]
        if not bool(np.all(p == 1.0)):
            return float("nan")
    hold = 0.5 if mon.firing("level_falling") else 1.0
    evaporation = EVAPORATION_SPREAD * mon.level_steady[2]
    sel = t_ms > now_ms - span
    t_w, y_w = t_ms[sel], y[sel]
    # (beyond the bar, and -- read only then -- clear of the span's own scatter: a surface sloshing now is
    # no water gone, analytics/level_slosh.py)
    told = [f for k, f, tail in zip(ONSET_MINUTES, anchored_falls(t_w, y_w, now_ms), tails)
            if np.isfinite(f) and np.isfinite(tail) and f > max(tail, evaporation) * hold
            and (mon.firing("level_falling") or falls_beyond_scatter(t_w, y_w, now_ms, k, f))]
    return min(told) if told else float("nan")  # (the gentlest told: a span shorter than the fall overstates it)
