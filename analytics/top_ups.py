"""Sump top-ups: a step up of the sump level, and the small TDS step its fresh water makes.

A top-up adds fresh water to the sump: the level steps up and the dissolved
solids are diluted, so the TDS (conductivity) steps down a little.  That step
is the keeper's habit, not the water drifting and not a noisy probe, so the
drift statistics see the TDS *as if the top-up had not diluted it*: every
reading before a recognised top-up is scaled by the top-up's dilution ratio
(the history expressed in today's water), and so is the baseline fitted on
it (a least-squares fit of scaled readings is the scaled fit), which is then
level with the readings after the top-up.

What a top-up can explain is bounded by physics, so a real TDS event is not
hidden: the water added is ``rise`` cm over the sump's area, the system holds
at least the sump's water (``level`` cm over the same area), so the diluted
fraction is at most ``rise / level``; and it is at most a water change's tenth
(a larger drop is a water change, :meth:`analytics.days.DaysMixin._water_change`).
Fresh water only dilutes: a TDS rise at a top-up is never explained.  A step
the bound does not allow is left in the readings, for the drift to judge.

Examples
--------
>>> t = 1_767_225_600_000 + np.arange(120) * 60_000
>>> level = np.where(np.arange(120) >= 105, 27.0, 25.0)
>>> step = level_step_up(t, level, int(t[-1]) + 60_000)
>>> (step.start_ms - int(t[0])) // 60_000, step.rise_cm, step.level_cm
(105, 2.0, 27.0)
>>> round(dilution_ratio(350.0, 346.5, step.rise_cm, step.level_cm, 0.2), 3)  # 1 % less: explained
0.99
>>> dilution_ratio(350.0, 300.0, step.rise_cm, step.level_cm, 0.2)  # 14 % less: not a top-up's doing
1.0
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Sequence

import numpy as np
from numpy.typing import NDArray

from analytics.medians import flat_nanmedian
from analytics.rules import step_spread

Array = NDArray[np.float64]
MIN_MS = 60_000
#: a TDS drop of this fraction or more is a water change (analytics.days), never a top-up
WATER_CHANGE_FRACTION = 0.1
#: the level must have held its new value this long before the step is a top-up (not a splash)
HOLD_MINUTES = 8
#: the step is looked for among the last LOOK_MINUTES; "before" is the LOOK_MINUTES before those
LOOK_MINUTES = 20
#: minutes the fresh water takes to mix (and the despiked readings to follow): its TDS is neither old nor new water
MIX_MINUTES = 3
#: the sump level's resolution on the wire (aquamon.contract: one decimal)
LEVEL_RESOLUTION_CM = 0.1


@dataclass(frozen=True)
class LevelStep:
    """A step up of the sump level: when it began, by how much, and the level after it."""

    start_ms: int
    rise_cm: float
    level_cm: float


def level_step_up(t_ms: Array, level: Array, now_ms: int, pump: Array | None = None) -> LevelStep | None:
    """The sump level stepped up within the last ``LOOK_MINUTES`` and has held it ``HOLD_MINUTES``.

    The rise must be beyond what the level probe's noise (six standard
    deviations, from its own minute-to-minute steps over the hour) and its
    resolution make.  While the pump is switched off or on (``pump`` changed)
    the sump level moves because water drains back or is pumped up, not
    because water was added: no step is read then.

    >>> t = np.arange(60) * 60_000
    >>> level_step_up(t, np.full(60, 25.0), 60 * 60_000) is None
    True
    """
    t_ms = np.asarray(t_ms)
    hour = t_ms >= now_ms - 3 * LOOK_MINUTES * MIN_MS
    if pump is not None:
        p = np.asarray(pump)[hour]
        p = p[np.isfinite(p)]
        if len(p) and (p.min() != p.max() or p[-1] != 1.0):
            return None
    before_w = hour & (t_ms < now_ms - LOOK_MINUTES * MIN_MS)
    recent_w = t_ms >= now_ms - LOOK_MINUTES * MIN_MS
    before, recent = level[before_w], level[recent_w]
    if np.isfinite(before).sum() < LOOK_MINUTES // 2 or np.isfinite(recent).sum() < HOLD_MINUTES:
        return None
    base = float(flat_nanmedian(before))
    after = float(flat_nanmedian(recent[-HOLD_MINUTES:]))
    rise = after - base
    noise = step_spread(level[hour]) / np.sqrt(2.0)  # a reading's noise, from its steps
    if not rise > max(6.0 * (noise if np.isfinite(noise) else 0.0), 3 * LEVEL_RESOLUTION_CM):
        return None
    up = np.flatnonzero(recent > base + rise / 2)
    if not len(up):
        return None
    first = int(up[0])
    held = recent[first:]
    held = held[np.isfinite(held)]
    start = int(t_ms[recent_w][first])
    if now_ms - start < HOLD_MINUTES * MIN_MS or np.mean(held > base + rise / 2) < 0.8:
        return None
    return LevelStep(start, round(rise, 6), round(after, 6))


def dilution_ratio(tds_before: float, tds_after: float, rise_cm: float, level_cm: float,
                   tds_noise: float) -> float:
    """The TDS ratio after/before a top-up if the top-up explains it, else 1.0 (nothing explained).

    Explained: the TDS fell (fresh water dilutes) by at most the fraction of
    water added, ``rise_cm / level_cm`` (the system holds at least the sump's
    water) and less than a water change's tenth, with ``tds_noise`` (the
    uncertainty of the two medians, ppm) of slack either way.
    """
    if not (np.isfinite(tds_before) and np.isfinite(tds_after)) or tds_before <= 0 or level_cm <= 0:
        return 1.0
    most = min(rise_cm / level_cm, WATER_CHANGE_FRACTION)
    drop = (tds_before - tds_after) / tds_before
    slack = tds_noise / tds_before
    if not -slack <= drop <= most + slack:
        return 1.0
    return float(np.clip(tds_after / tds_before, 1.0 - most, 1.0))


def explained_ratio(t_ms: Array, tds: Array, step: LevelStep) -> float | None:
    """The TDS ratio after/before the top-up ``step`` that it explains (:func:`dilution_ratio`).

    Before: the median of the 30 minutes before it; after: the median of the
    readings since it, once mixed.  The slack is three times the two medians'
    uncertainty (a median's variance is π/2 that of a mean) from the TDS
    probe's own noise.  None while there are too few readings to tell.
    """
    t_ms = np.asarray(t_ms)
    before = tds[(t_ms >= step.start_ms - 30 * MIN_MS) & (t_ms < step.start_ms)]
    after = tds[t_ms >= step.start_ms + MIX_MINUTES * MIN_MS]
    n_before, n_after = int(np.isfinite(before).sum()), int(np.isfinite(after).sum())
    if n_before < 10 or n_after < 3:
        return None
    sigma = step_spread(tds[t_ms >= step.start_ms - 30 * MIN_MS]) / np.sqrt(2.0)
    slack = 3.0 * sigma * np.sqrt(np.pi / 2 * (1 / n_before + 1 / n_after)) if np.isfinite(sigma) else 0.0
    return dilution_ratio(float(flat_nanmedian(before)), float(flat_nanmedian(after)), step.rise_cm, step.level_cm,
                          float(slack))


def undo_dilution(t_ms: Array, tds: Array, top_ups: Sequence[tuple[float, ...]]) -> Array:
    """``tds`` with each reading before a top-up scaled by that top-up's ratio: the history in today's water.

    The ``MIX_MINUTES`` from an explained top-up's start are left out (NaN): the
    water is still mixing.

    >>> undo_dilution(np.array([0, 1, 2, 3]) * MIN_MS, np.array([100.0, 100.0, 99.5, 99.0]), [(2 * MIN_MS, 0.99)])
    array([99., 99., nan, nan])
    """
    if not top_ups:
        return tds
    t_ms = np.asarray(t_ms)
    factor = np.ones(len(tds))
    for start, ratio, *_ in top_ups:
        if ratio != 1.0:
            factor[t_ms < start] *= ratio
            factor[(t_ms >= start) & (t_ms < start + MIX_MINUTES * MIN_MS)] = np.nan
    return np.asarray(tds, dtype=np.float64) * factor
