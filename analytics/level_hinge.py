"""A leak's first minutes: the level's fall since a hinge, judged against the same fall in the tank's healthy days.

A leak starts at a minute; before it the level stood.  The rate tests of the
level block read a slope over whole windows (15, 30, 60 minutes), most of
which, in a leak's first half hour, is the still water before it: a 1.5 cm/h
leak is told only once it fills most of a window.  The matched statistic is
a *hinge*: the level's mark (the median of the ``MARK_MINUTES`` before a
candidate start) and the slope of the fall since, through that mark
(least squares with the intercept fixed at the mark).  It is read for starts
``HINGE_SPANS`` minutes ago.

How far such a hinge falls in a healthy tank is no formula's: waves,
a probe's drift and wander over tens of minutes (readings are not
independent), a top-off's sawtooth, evaporation on a hot afternoon.  So the
statistic's null distribution is taken *empirically*: the same hinge over
every fifth minute of the tank's healthy reference, its tail set by peaks
over threshold at a share (``HINGE_SHARE``) of the configured false-alarm
rate, split among the spans.  Two forms are calibrated, both must be beyond
their tails: the fall rate itself (cm/h; a quiet level's wander) and the fall
rate over the level's scatter of the last hour (a boat's level sloshing in a
lock, a pump's vibration: a noisier hour than the reference's).  A fall the
readings' own confidence interval does not clear, in any window ending within
the alert's wait (:func:`analytics.level_slosh.shown_lately`), is no water gone.

Examples
--------
>>> t = np.arange(24 * 60 * 4) * 60_000
>>> rng = np.random.default_rng(0)
>>> y = 30.0 + rng.normal(0, 0.05, len(t)) + 0.05 * np.sin(t / 3_600_000)
>>> tails = learn_hinge_tails(t, y, 1.0)
>>> leak = y[-60:] - 1.5 * np.clip(np.arange(60) - 45, 0, None) / 60  # 15 minutes of a 1.5 cm/h leak
>>> fell, span = hinge_fall(t[-60:], leak, int(t[-1]) + 60_000, tails)
>>> bool(fell > 1.0), bool(np.isnan(hinge_fall(t[-60:], y[-60:], int(t[-1]) + 60_000, tails)[0]))
(True, True)
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING

import numpy as np
from numpy.lib.stride_tricks import sliding_window_view
from numpy.typing import NDArray

from analytics.level_slosh import shown_lately
from analytics.level_trend import EVAPORATION_SPREAD, SLOW_LEAK_SHARE

if TYPE_CHECKING:
    from analytics.monitor_host import MonitorHost

Array = NDArray[np.float64]
MIN_MS = 60_000
DAY_MS = 86_400_000
#: minutes since the candidate start of a leak (the hinge), each a test
HINGE_SPANS = (10, 15, 20, 30)
#: the level's mark: the median of this many minutes before the hinge
MARK_MINUTES = 30
#: the level's scatter is read over this many minutes (minute-to-minute steps: a slow fall barely moves them)
SCATTER_MINUTES = 60
#: the share of the configured false-alarm rate the hinge tests spend, split among the spans: what the hour's
#: slow-leak test leaves (analytics/level_trend.py); a sooner test for the same alert, not a second budget
HINGE_SHARE = 1.0 - SLOW_LEAK_SHARE
#: healthy windows are read one every this many minutes (neighbours share most of their readings)
HINGE_EVERY = 5
#: fewer healthy windows than this per span and nothing is learned (NaN tails: the test waits)
MIN_WINDOWS = 100
#: a part of the hinge's window with fewer than this share of its minutes read is not judged
MIN_READ_SHARE = 0.8


@dataclass
class HingeTails:
    """The healthy tails of the hinge's fall, one per span of ``HINGE_SPANS``: cm/h, and over the scatter."""

    rate: tuple[float, ...] = ()
    scaled: tuple[float, ...] = ()
    learned_ms: int = -DAY_MS


def _weights(span: int) -> Array:
    """The hinge's regressor: hours since the start, at each minute of the span (the newest last)."""
    return np.arange(1, span + 1, dtype=np.float64) / 60.0


def scatter(y: Array) -> float:
    """A level's minute-to-minute scatter (cm): the median absolute step over √2 and 0.6745 (σ for white
    noise; a slow fall moves each step by a hundredth of its rate).

    >>> round(scatter(np.random.default_rng(0).normal(0, 0.1, 5000)), 2)
    0.1
    """
    d = np.abs(np.diff(np.asarray(y, dtype=np.float64)))
    d = d[np.isfinite(d)]
    return float(np.median(d) / 0.6745 / np.sqrt(2.0)) if len(d) else float("nan")


def learn_hinge_tails(t_ms: Array, y: Array, false_alarms_per_30_days: float) -> HingeTails:
    """The tails of the hinge's fall over a healthy history (a minute apart; windows with a gap or a missing
    reading are left out), at ``HINGE_SHARE`` of the stated rate split among the spans; empty with fewer than
    ``MIN_WINDOWS`` windows for a span."""
    from analytics.threshold import per_test_probability, pot_threshold

    t_ms, y = np.asarray(t_ms, dtype=np.float64), np.asarray(y, dtype=np.float64)
    longest = MARK_MINUTES + max(HINGE_SPANS)
    if len(y) < longest + MIN_WINDOWS * HINGE_EVERY:
        return HingeTails()
    Y = sliding_window_view(y, longest)[::HINGE_EVERY]
    T = sliding_window_view(t_ms, longest)[::HINGE_EVERY]
    whole = np.isfinite(Y).all(axis=1) & (T[:, -1] - T[:, 0] <= (longest - 1) * 1.5 * MIN_MS)
    Y = Y[whole]
    # (each window's scatter as :func:`scatter` reads it, all windows at once)
    sc = np.maximum(np.median(np.abs(np.diff(Y[:, -SCATTER_MINUTES:], axis=1)), axis=1) / 0.6745 / np.sqrt(2.0),
                    1e-3) if len(Y) else np.zeros(0)
    rate, scaled = [], []
    for span in HINGE_SPANS:
        p = per_test_probability(false_alarms_per_30_days * HINGE_SHARE / len(HINGE_SPANS), span)
        w = _weights(span)
        mark = np.median(Y[:, -span - MARK_MINUTES:-span], axis=1)
        b = ((mark[:, None] - Y[:, -span:]) @ w) / (w @ w)
        if len(b) < MIN_WINDOWS:
            return HingeTails()
        rate.append(max(0.0, pot_threshold(b, p)))
        scaled.append(max(0.0, pot_threshold(b / sc, p)))
    return HingeTails(tuple(rate), tuple(scaled))


def hinge_fall(t_ms: Array, y: Array, now_ms: int, tails: HingeTails, hold: float = 1.0) -> tuple[float, int]:
    """The steepest hinge fall (cm/h) beyond its learned tails (``hold``: a share of them while told) among
    the spans of ``HINGE_SPANS`` ending at ``now_ms``, and its span (minutes); (NaN, 0) when none is.
    Readings are placed by their own minute, so a missing one is a gap, not a shift."""
    best, best_span = float("nan"), 0
    if not tails.rate:
        return best, best_span
    t_ms, y = np.asarray(t_ms), np.asarray(y, dtype=np.float64)
    recent = y[(t_ms >= now_ms - SCATTER_MINUTES * MIN_MS) & (t_ms < now_ms)]
    sc = max(scatter(recent), 1e-3)
    if not np.isfinite(sc) or np.isfinite(recent).sum() < MIN_READ_SHARE * SCATTER_MINUTES:
        return best, best_span
    for span, rate_tail, scaled_tail in zip(HINGE_SPANS, tails.rate, tails.scaled):
        start = now_ms - span * MIN_MS
        before = y[(t_ms >= start - MARK_MINUTES * MIN_MS) & (t_ms < start)]
        before = before[np.isfinite(before)]
        after = (t_ms >= start) & (t_ms < now_ms) & np.isfinite(y)
        if len(before) < MIN_READ_SHARE * MARK_MINUTES or after.sum() < MIN_READ_SHARE * span:
            continue
        w = (t_ms[after] - start) / 3_600_000 + 1 / 60.0  # (the first minute after the start is one minute on)
        b = float((np.median(before) - y[after]) @ w / (w @ w))
        if b > rate_tail * hold and b / sc > scaled_tail * hold and (np.isnan(best) or b > best):
            best, best_span = b, span
    return best, best_span


def hinge_rule(mon: MonitorHost, now_ms: int, t_ms: Array, frame: dict[str, Array]) -> float:
    """The hinge's fall (cm/h) when a tank monitor's level has fallen since a hinge beyond its healthy tails,
    beyond ``EVAPORATION_SPREAD`` times its usual fall and clear of the readings' scatter, else NaN.

    The tails are learned once a day from the healthy reference (the readings the monitor may learn from);
    judged only while the pump ran steadily through the window, switched on and moving water (switching a
    return, or stopping its flow, moves water between the tank and the sump).
    """
    tails, y = mon.level_hinge, frame["level_cm"]
    if now_ms - tails.learned_ms >= DAY_MS:
        sel = (t_ms >= now_ms - mon.settings.reference_hours * 3_600_000) & mon._learnable(t_ms)
        mon.level_hinge = tails = learn_hinge_tails(t_ms[sel], y[sel], mon.settings.false_alarms_per_30_days)
        tails.learned_ms = now_ms
    # (only the last hour and a half is read: t_ms ascends)
    a = int(np.searchsorted(t_ms, now_ms - max(MARK_MINUTES + max(HINGE_SPANS), SCATTER_MINUTES) * MIN_MS))
    t_w, y_w = t_ms[a:], y[a:]
    pump = frame.get("pump")
    if pump is not None:
        p = pump[a:]
        if not bool(np.all(p[np.isfinite(p)] == 1.0)):
            return float("nan")
    # (nor through a stop of the flow with the relay on -- a keeper's pad swap, a feed pause: the restart takes
    # back the head drained into the sump and the level settles lower, a step the hinge would read as a fall)
    flow = frame.get("flow_lpm")
    if flow is not None:
        f = flow[a:]
        if bool(np.any(f[np.isfinite(f)] < mon.profile.flow_stopped_lpm)):
            return float("nan")
    hold = 0.5 if mon.firing("level_falling") else 1.0
    fall, _ = hinge_fall(t_w, y_w, now_ms, tails, hold)
    if not (fall > EVAPORATION_SPREAD * mon.level_steady[2] * hold):
        return float("nan")
    # (shown clear of the scatter over the longest span, in a window ending at any minute of the alert's wait:
    # over the steepest span's own 15 or 20 readings a slow fall's Sen interval clears zero some minutes and
    # not others, and the alert needs its condition through the whole wait)
    shown = mon.firing("level_falling") or shown_lately(t_w, y_w, now_ms, max(HINGE_SPANS), "level_falling")
    return fall if shown else float("nan")
