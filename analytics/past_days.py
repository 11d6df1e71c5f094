"""A reading against the same minutes of its past days: a tank's daily course as its own readings keep it.

A model of the daily course (harmonics, a learned shape, a trend) misses a steep
course (a CO2 tank's pH falls 0.6 every morning) by a few hundredths at the same
hours every day; the past days do not.  What departs from them, and keeps
departing whatever the hour, is not the daily course (an ageing probe).
"""

from __future__ import annotations

import warnings

import numpy as np
from numpy.typing import NDArray

from analytics.baseline import ledoit_wolf
from analytics.catalogue import DAY_MS, MIN_MS
from analytics.medians import flat_median

Array = NDArray[np.float64]


def departure_from_past_days(t_ms: Array, x: Array, end_ms: int, oldest_ms: float, healthy: NDArray[np.bool_],
                             minutes: int = 30) -> float:
    """How far a reading's mean over the ``minutes`` before ``end_ms`` is from the same minutes of past days.

    Parameters
    ----------
    t_ms, x
        The reading's times (epoch ms) and values (NaN: no reading).
    end_ms
        The end of the minutes judged.
    oldest_ms
        No past minute before this is used (the history the service keeps).
    healthy
        Which rows may stand for a past day (no time under an alert, none before a lasting change).
    minutes
        How many minutes are judged.

    Returns
    -------
    float
        The mean over the minutes minus the median, over the past days, of each
        day's mean over the same minutes (its healthy readings, a third of the
        minutes at least); NaN when fewer than a third of the minutes have
        readings now, or no past day has.

    Examples
    --------
    >>> t = np.arange(3 * 1440, dtype=np.float64) * MIN_MS
    >>> course = np.sin(2 * np.pi * t / DAY_MS)  # a steep daily course repeats: no departure
    >>> abs(departure_from_past_days(t, course, 3 * DAY_MS - 1, 0, np.ones(len(t), bool))) < 1e-9
    True
    >>> drifting = course - 0.25 * t / DAY_MS  # a probe drifting -0.25 a day
    >>> float(round(departure_from_past_days(t, drifting, 3 * DAY_MS - 1, 0, np.ones(len(t), bool)), 3))
    -0.375
    """
    span = minutes * MIN_MS
    enough = max(1, minutes // 3)
    here = np.isfinite(x)
    now = here & (t_ms >= end_ms - span) & (t_ms < end_ms)
    if now.sum() < enough:
        return float("nan")
    here &= healthy
    past = []
    days_ago = 1
    while end_ms - days_ago * DAY_MS - span >= oldest_ms:
        hi = end_ms - days_ago * DAY_MS
        day = here & (t_ms >= hi - span) & (t_ms < hi)
        if day.sum() >= enough:
            past.append(float(np.mean(x[day])))
        days_ago += 1
    return float(np.mean(x[now])) - float(flat_median(past)) if past else float("nan")


def day_bin_means(t_ms: Array, residuals: Array, bin_minutes: int) -> tuple[Array, Array]:
    """Each day's mean of ``residuals`` (``(n, d)``) in each ``bin_minutes`` of the day, from the first day's
    midnight: ``(days, bins, d)`` means (NaN where a bin has no row) and ``(days, bins)`` row counts.

    >>> t = np.arange(2 * 1440, dtype=np.int64) * MIN_MS
    >>> means, count = day_bin_means(t, (t // DAY_MS).astype(float)[:, None], 60)
    >>> means.shape, float(means[1, 5, 0]), float(count[0, 0])
    ((2, 24, 1), 1.0, 60.0)
    """
    bins = DAY_MS // (bin_minutes * MIN_MS)
    d = residuals.shape[1]
    day = t_ms // DAY_MS
    cell = ((day - day.min()) * bins + (t_ms % DAY_MS) // (bin_minutes * MIN_MS)).astype(np.intp)
    days = int(cell.max()) // bins + 1 if len(cell) else 0
    count = np.bincount(cell, minlength=days * bins).astype(np.float64)
    sums = np.stack([np.bincount(cell, weights=residuals[:, j], minlength=days * bins) for j in range(d)], axis=1)
    with np.errstate(invalid="ignore", divide="ignore"):
        means = np.where(count[:, None] > 0, sums / count[:, None], np.nan)
    return means.reshape(days, bins, d), count.reshape(days, bins)


def shape_over_days(t_ms: Array, residuals: Array, prior: Array) -> Array:
    """What repeats at the same minute every day: the daily shape of ``residuals`` (one row per minute).

    Parameters
    ----------
    t_ms
        The residuals' times (epoch ms).
    residuals
        ``(n, d)``: readings minus a smooth day/night model.
    prior
        ``(1440, d)``: the shape learned so far (zeros at first); it is one more "day".

    Returns
    -------
    numpy.ndarray
        ``(1440, d)``: each minute's value that a strict majority of the days seen
        and the prior reach (:func:`majority_value`), of that day's residual at that minute (the prior alone where fewer than two
        days have the minute), then the median of five neighbouring minutes (a
        feeding's step stays where it is, the noise is halved).  What happened on
        one day only is outvoted.

    Examples
    --------
    >>> t = np.arange(3 * 1440, dtype=np.int64) * MIN_MS
    >>> peak = ((t % DAY_MS) // MIN_MS == 480).astype(float)[:, None]  # 1 at 8:00 every day
    >>> shape = shape_over_days(t, peak, np.zeros((1440, 1)))
    >>> float(shape[478, 0]), float(shape[480, 0])  # one minute wide: the five-minute median takes it out
    (0.0, 0.0)
    """
    values, count = day_bin_means(t_ms, residuals, 1)
    seen = (count > 0).sum(axis=0)
    voted = np.where(seen[:, None] >= 2, majority_value(np.concatenate([values, prior[None]], axis=0)), prior)
    return np.median(np.stack([np.roll(voted, k, axis=0) for k in (-2, -1, 0, 1, 2)]), axis=0)


def majority_value(votes: Array) -> Array:
    """The value a strict majority of the votes (axis 0; NaN: no vote) reach, from zero: the median, but with
    an even count the middle vote nearer zero (zero when the two middle votes disagree in sign).

    The plain median of four votes 0.5, 0.5, 0, 0 (a 30-hour fault on two days of three, and the shape so
    far) is 0.25, half a fault learnt as "usual at this hour", and more at the next refit, the prior then
    holding it; only two votes of four reach 0.25.

    >>> majority_value(np.array([[0.5], [0.5], [0.0], [0.0]]))
    array([0.])
    >>> majority_value(np.array([[0.5], [0.5], [0.4], [0.0]]))  # three of four reach 0.4
    array([0.4])
    >>> majority_value(np.array([[-1.0], [2.0], [3.0]]))  # odd: the median
    array([2.])
    """
    ordered = np.sort(votes, axis=0)  # NaN last
    n = np.sum(np.isfinite(votes), axis=0)
    lo = np.take_along_axis(ordered, np.maximum((n - 1) // 2, 0)[None], axis=0)[0]
    hi = np.take_along_axis(ordered, np.maximum(n // 2 - (n == 0), 0)[None], axis=0)[0]
    return np.where(n > 0, np.maximum(lo, 0.0) + np.minimum(hi, 0.0), np.nan)


def held_out_days(t_ms: Array, reach_ms: int) -> list[tuple[int, int, int, int]]:
    """The 24-hour blocks of a reference, newest first, each to be held out of a fit and scored against it.

    Parameters
    ----------
    t_ms
        The reference's times (epoch ms).
    reach_ms
        How far beyond the end of its data a fit is used live (the refit
        interval and the window): the newest block is scored only that far
        past the rest's end, the oldest that far before the rest's start
        (a trend carried a whole day beyond its data says more than the live
        fit ever does); a block between others is scored whole.

    Returns
    -------
    list of (lo, hi, score_lo, score_hi)
        Each block ``[lo, hi)`` and the part of it to score; none when the
        reference spans a single block.

    Examples
    --------
    >>> t = np.arange(0, 3 * DAY_MS, MIN_MS)
    >>> [(lo // 3_600_000, hi // 3_600_000, a // 3_600_000, b // 3_600_000)
    ...  for lo, hi, a, b in held_out_days(t, 5 * 3_600_000)]
    [(48, 72, 48, 53), (24, 48, 24, 48), (0, 24, 19, 24)]
    """
    if not len(t_ms):
        return []
    end = int(np.max(t_ms)) + MIN_MS
    first = int(np.min(t_ms))
    count = -(-(end - first) // DAY_MS)
    if count < 2:
        return []
    out = []
    for k in range(count):
        hi, lo = end - k * DAY_MS, max(first, end - (k + 1) * DAY_MS)
        a, b = lo, hi
        if k == 0:
            b = min(hi, lo + reach_ms)
        elif k == count - 1:
            a = max(lo, hi - reach_ms)
        out.append((lo, hi, a, b))
    return out


def between_day_variance(t_ms: Array, residuals: Array, bin_minutes: int = 60, pool: int = 1) -> Array:
    """How much each hour's mean residual differs from one day to the next: ``(1440 // bin_minutes, d)``.

    Each day's mean residual in each ``bin_minutes`` of the day (a third of its
    minutes at least), then each bin's variance over the days (ddof 1), pooled
    with the ``pool`` bins either side (a day's weather moves neighbouring hours
    together; three days alone are too few to say how much an hour varies).
    Zero where fewer than two days have a bin.  The residuals are those of a
    fit to the same days: their day-to-day part is what the fit's mean cannot
    hold, the spread of a healthy day about "usual at this hour".

    Examples
    --------
    >>> t = np.arange(4 * 1440, dtype=np.int64) * MIN_MS
    >>> hour = (t % DAY_MS) // 3_600_000
    >>> sun = np.where(hour == 14, np.array([0.0, 2.0, 0.0, 2.0])[t // DAY_MS], 0.0)[:, None]
    >>> v = between_day_variance(t, sun - sun.mean())
    >>> float(v[2, 0]), round(float(v[14, 0]), 2)  # the night repeats; 14:00 differs by 2 from day to day
    (0.0, 0.44)
    """
    bins = DAY_MS // (bin_minutes * MIN_MS)
    ok = np.all(np.isfinite(residuals), axis=1)
    t_ms, residuals = t_ms[ok], residuals[ok]
    if not len(t_ms):
        return np.zeros((bins, residuals.shape[1]))
    means, count = day_bin_means(t_ms, residuals, bin_minutes)
    means = np.where((count >= bin_minutes / 3)[:, :, None], means, np.nan)
    have = np.isfinite(means).sum(axis=0)  # (bins, d)
    with warnings.catch_warnings():  # an all-NaN bin (fewer than two days) is expected: it stays NaN, then 0
        warnings.simplefilter("ignore", RuntimeWarning)
        var = np.where(have >= 2, np.nanvar(means, axis=0, ddof=1), np.nan)
        out = np.nanmean(np.stack([np.roll(var, k, axis=0) for k in range(-pool, pool + 1)]), axis=0)
    return np.where(np.isfinite(out), out, 0.0)


def held_out_cov(pieces: list[tuple[Array, Array, Array | None]], level: Array, in_sample: Array) -> Array:
    """The residual covariance a window is judged against: the spread, about its hour's mean, of days held out.

    A window scored live is never in the fit it is scored against, so the
    spread its own covariance is compared with is that of days scored against
    fits made without them (``pieces``: times and residuals of each held-out
    day, :func:`held_out_days`), about each hour's mean as
    a window's covariance is about its own mean (how far an hour's mean lands
    from usual is the day-to-day spread's business, :func:`analytics.drift._day_to_day_scale`).
    The in-sample spread (``in_sample``) is too small where the daily shape took
    in what does not repeat: a thermostat's ±0.3 °C cycle, at another phase every
    day, voted into the shape minute by minute by two or three days, left the
    temperature's spread 0.10 °C where a new day's departs from the shape by
    0.18, and every hour of the cycle read as "noisier than usual".  Each
    reading's variance is the larger of the two (Ledoit–Wolf of the held-out
    residuals), its correlations the in-sample ones.
    """
    parts = []
    for t, R, _ in pieces:
        hour = (np.asarray(t) // 3_600_000).astype(np.int64)
        _, inv, count = np.unique(hour, return_inverse=True, return_counts=True)
        keep = count[inv] >= 10  # an hour's mean of a few minutes says nothing of its spread
        if keep.sum() < 10:
            continue
        sums = np.stack([np.bincount(inv, weights=R[:, j]) for j in range(R.shape[1])], axis=1)
        parts.append((R - sums[inv] / count[inv, None])[keep])
    if not parts or sum(len(p) for p in parts) < 60:
        return in_sample
    cov, _ = ledoit_wolf(np.concatenate(parts))
    if cov.shape != in_sample.shape or not np.all(np.isfinite(cov)):
        return in_sample
    # only ever wider: a slow reading (an unheated tank's weather) varies little within an hour, and its
    # in-sample spread, day-to-day wander included, is what a window of it is judged against
    wide = np.sqrt(np.maximum(np.diag(cov), np.diag(in_sample)) / np.maximum(np.diag(in_sample), 1e-300))
    return in_sample * wide[:, None] * wide[None, :]


def window_blocks(R: Array, rows: int) -> Array:
    """Means of consecutive ``rows``-row blocks of a window's residuals ``R`` (``(n, d)``), the last block
    ending at the last row (the oldest rows left over go): ``(n // rows, d)``.

    >>> window_blocks(np.arange(25, dtype=float)[:, None], 10).ravel().tolist()
    [9.5, 19.5]
    """
    k = len(R) // rows
    return R[len(R) - k * rows:].reshape(k, rows, R.shape[1]).mean(axis=1)
