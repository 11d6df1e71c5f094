"""A probe gone quiet: its minute-to-minute wobble far under anything its healthy past showed.

An unplugged pH probe or a broken cable does not repeat one value: the open
input reads the amplifier's offset (a pH of about 7) with a little electronic
noise, a fifth of the probe's own.  Readings never repeat exactly, so the
repeat test (:func:`analytics.probe_steps.repeats_for_stuck`) never sees it,
and the wobble has not vanished (the old test: under a tenth of usual).  What
gives it away is a wobble too small for this probe: the water's own noise is
gone.

The test is statistical.  Over :data:`QUIET_MINUTES` readings the root mean
square of the minute steps (the two largest dropped, so one glitch does not
hide a dead probe) of healthy Gaussian noise, against its median, follows a
χ² law with about two thirds of the steps' count as degrees of freedom
(successive steps of white noise correlate by −½, so their sum of squares
has a variance 1 + 2·¼ times that of independent ones).  A window under its
quantile at the stated false-alarm rate (counted per minute: the test runs
every minute on overlapping windows), and under the quietest window the probe
showed in its healthy reference, is not the water.

Examples
--------
>>> import numpy as np
>>> rng = np.random.default_rng(1)
>>> quiet = learn_quiet(7.3 + rng.normal(scale=0.01, size=3 * 1440), 1.0)
>>> round(quiet.threshold, 2) <= 0.41
True
>>> quiet.is_quiet(6.98 + rng.normal(scale=0.002, size=QUIET_MINUTES))
True
>>> quiet.is_quiet(7.3 + rng.normal(scale=0.01, size=QUIET_MINUTES))
False
"""

from __future__ import annotations

import functools
import math
from dataclasses import dataclass

import numpy as np
from numpy.typing import NDArray
from scipy.stats import chi2

from analytics.medians import flat_median
from analytics.threshold import per_test_probability

Array = NDArray[np.float64]
#: the readings a quiet window is judged on
QUIET_MINUTES = 30
#: the largest minute steps left out of a window's wobble (a glitch on a dead probe's flat line)
TRIMMED = 2


def step_rms(y: Array) -> float:
    """Root mean square of the centred minute steps of ``y``, its :data:`TRIMMED` largest left out
    (NaN with fewer than 10 steps).

    >>> step_rms(np.full(30, 7.0))
    0.0
    """
    d = np.diff(np.asarray(y, dtype=np.float64))
    d = d[np.isfinite(d)]
    if len(d) < 10:
        return float("nan")
    a = np.sort(np.abs(d - flat_median(d)))[:len(d) - TRIMMED]
    return float(np.sqrt(np.mean(a * a)))


@functools.lru_cache(maxsize=64)
def chi2_floor(steps: int, false_alarms_per_30_days: float) -> float:
    """The quietest a healthy window of ``steps`` minute steps is, against its median, once in the stated
    false-alarm rate counted per minute: √(χ²_k(p) / median χ²_k), k = two thirds of the kept steps.

    >>> round(chi2_floor(QUIET_MINUTES - 1, 1.0), 2)  # one a month: 0.41 of its usual wobble
    0.41
    """
    k = max(1.0, 2.0 * (steps - TRIMMED) / 3.0)
    p = per_test_probability(false_alarms_per_30_days, 1)
    return math.sqrt(float(chi2.ppf(p, k)) / float(chi2.median(k)))


@dataclass(frozen=True)
class QuietFloor:
    """A probe's usual window wobble (``scale``) and the ratio under which a window is not the water."""

    scale: float
    threshold: float

    def is_quiet(self, y: Array, expected: float = 1.0) -> bool:
        """The last :data:`QUIET_MINUTES` readings ``y`` wobble less than a healthy probe does once in the
        stated rate; ``expected`` scales the usual wobble (a TDS or turbidity probe's noise shrinks with
        its reading)."""
        s = step_rms(np.asarray(y, dtype=np.float64)[-QUIET_MINUTES:])
        if not np.isfinite(s) or self.scale <= 0:
            return False
        return s < self.threshold * self.scale * min(1.0, expected)


def learn_quiet(y: Array, false_alarms_per_30_days: float) -> QuietFloor | None:
    """From a probe's healthy readings ``y`` (one a minute): its windows' median wobble, and the threshold
    ratio: the χ² floor (:func:`chi2_floor`), never above the quietest of its own healthy windows.
    None with fewer than 12 windows."""
    y = np.asarray(y, dtype=np.float64)
    n = len(y) // QUIET_MINUTES * QUIET_MINUTES
    spreads = np.array([step_rms(w) for w in y[len(y) - n:].reshape(-1, QUIET_MINUTES)])
    spreads = spreads[np.isfinite(spreads)]
    if len(spreads) < 12:
        return None
    scale = float(flat_median(spreads))
    if scale <= 0:
        return None  # a probe that mostly repeats: the repeat test is its stuck test
    floor = chi2_floor(QUIET_MINUTES - 1, false_alarms_per_30_days)
    return QuietFloor(scale, min(floor, float(spreads.min()) / scale))
