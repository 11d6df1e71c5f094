"""Steps no water can make: a reading that jumps between two minutes and stays is the probe.

Water has inertia.  A tank's temperature changes smoothly: its heater's power
and its volume bound how fast it warms, its cooling time constant how fast it
cools, so a hundred litres take tens of minutes to move a degree.  A buffered
pH moves as CO2 goes in or out, over minutes to hours.  A reading that steps
far beyond its probe's own minute-to-minute noise, between two consecutive
minutes, and stays at the new level, while no water moved (the level and the
TDS steady: no water change, no top-up), was not made by the water: the probe
was recalibrated (a bad buffer), moved, or is failing.  A real event is a
ramp: a CO2 overdose acidifies over many minutes, a dose mixes over ten, a
heater warms by hundredths of a degree a minute.

These are pure functions of a few minutes of readings on a one-minute grid
(NaN: no reading); :mod:`analytics.probes` keeps their results on the monitor.
Only the channels with that inertia are judged (:data:`INERT_CHANNELS`): a
TDS probe next to where a dose is poured, or a turbidity probe in a cloud a
fish kicked up, can see a real step.

The second function tells, from the probe's healthy history, how many
identical readings in a row are evidence it is stuck: a probe whose noise is
many times its resolution repeats one value by chance once in a great while,
so a few repeats are enough; a coarse probe in still water repeats for long
stretches, and needs many.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np
from numpy.typing import NDArray

from analytics.medians import flat_median

Array = NDArray[np.float64]

MINUTE_MS = 60_000
#: the channels whose water changes smoothly (thermal and chemical inertia); their steps are the probe's
INERT_CHANNELS = ("temp_c", "ph")
#: a step this many times the probe's usual minute-to-minute noise (the robust spread of its minute
#: steps) is far beyond it: the median levels either side of it are known to a fraction of that noise
STEP_NOISES = 10.0
#: readings before a step that say where the probe read (its level, and that it was steady)
BEFORE_MINUTES = 10
#: readings after a step that show it stayed (the median of three the rules read already hides one)
AFTER_MINUTES = 3
#: how far back a step is looked for (its readings after it, at most)
LOOK_MINUTES = 8
#: the share of its level the TDS moves when new water goes in (a water change: a tenth or more, as
#: :mod:`analytics.days` recognises one); a feeding's few percent are not new water
NEW_WATER_TDS_FRACTION = 0.1
#: the fewest identical readings in a row that can say a probe is stuck (a controller may resend its last
#: reading through a read hiccup of a few minutes)
FEWEST_REPEATS = 5


@dataclass(frozen=True)
class Step:
    """A reading's jump between two consecutive minutes that stayed.

    ``index`` is the first reading at the new level (in the array judged),
    ``size`` the new level minus the old (medians), ``before`` the old level.
    """

    index: int
    size: float
    before: float


def lasting_step(y: Array, noise: float, least: float = 0.0, t_ms: Array | None = None) -> Step | None:
    """The jump between two consecutive readings, in the last :data:`LOOK_MINUTES`, that stayed (or None).

    Parameters
    ----------
    y
        The probe's raw readings, one a minute, newest last (NaN: none).
    noise
        The probe's usual minute-to-minute noise (robust spread of its minute
        steps, as :func:`analytics.rules.step_spread`); no step is judged without it.
    least
        The tank's own fastest healthy change in a minute (0: not learned):
        a step must exceed it as well as :data:`STEP_NOISES` times the noise.
    t_ms
        The readings' times (epoch ms; None: one a minute): a jump across a gap
        in the readings (a power cut) is no step in a minute, the water had time.

    Returns
    -------
    Step or None
        The largest such jump: the :data:`BEFORE_MINUTES` readings before it
        and the (at least :data:`AFTER_MINUTES`) readings from it on each lie
        within a quarter of the step (or four noises) of their own median, so
        the whole change happened between two minutes -- a ramp, however
        steep, has readings between the two levels.

    Examples
    --------
    >>> rng = np.random.default_rng(1)
    >>> water = 7.4 + rng.normal(0, 0.005, 30)
    >>> recal = water + np.where(np.arange(30) >= 26, 0.5, 0.0)  # +0.5 from minute 26 on
    >>> s = lasting_step(recal, noise=0.007)
    >>> s.index, round(s.size, 2)
    (26, 0.5)
    >>> crash = water - np.clip(np.arange(30) - 15, 0, None) * 0.05  # -3 per hour: a ramp, not a step
    >>> lasting_step(crash, noise=0.007) is None
    True
    >>> glitch = water + np.where(np.arange(30) == 27, 0.5, 0.0)  # one wild reading: no step
    >>> lasting_step(glitch, noise=0.007) is None
    True
    >>> t = np.r_[np.arange(26), np.arange(26, 30) + 120] * 60_000  # two hours without readings before 26
    >>> lasting_step(recal, noise=0.007, t_ms=t) is None
    True
    """
    y = np.asarray(y, dtype=np.float64)
    if not (noise > 0) or len(y) < BEFORE_MINUTES + AFTER_MINUTES:
        return None
    threshold = max(STEP_NOISES * noise, least)
    finite = y[np.isfinite(y)]
    if not len(finite) or float(finite.max() - finite.min()) < threshold:
        return None  # no two readings that far apart: no step (what the water does nearly every minute)
    best: Step | None = None
    for i in range(max(BEFORE_MINUTES, len(y) - LOOK_MINUTES), len(y) - AFTER_MINUTES + 1):
        b, a = y[i - BEFORE_MINUTES:i], y[i:]
        b, a = b[np.isfinite(b)], a[np.isfinite(a)]
        if len(b) < BEFORE_MINUTES * 0.6 or len(a) < AFTER_MINUTES or not math.isfinite(y[i]):
            continue
        if t_ms is not None and t_ms[i] - t_ms[i - 1] > 1.5 * MINUTE_MS:
            continue
        level_b, level_a = float(flat_median(b)), float(flat_median(a))
        size = level_a - level_b
        if abs(size) < threshold or (best is not None and abs(size) <= abs(best.size)):
            continue
        band = max(abs(size) / 4.0, 4.0 * noise)
        if np.all(np.abs(b - level_b) <= band) and np.all(np.abs(a - level_a) <= band):
            best = Step(i, size, level_b)
    return best


def water_moved(y: Array, index: int, least_fraction: float = 0.0, any_fall: bool = False) -> bool:
    """Whether the water's own gauge (the sump level, the TDS) moved at the minute ``index`` of ``y``.

    A water change or a top-up moves the level and changes the TDS: a probe
    that steps then may have met new water (or the air).  Moved: the median
    after ``index`` differs from the median of the :data:`BEFORE_MINUTES`
    before it by more than four of the gauge's own minute-to-minute spreads
    in these minutes (any change, for a gauge that read flat), and by more than
    ``least_fraction`` of its level (the TDS: a feeding adds a few percent, new
    water changes a tenth or more -- what :mod:`analytics.days` calls a water change)
    or, with ``any_fall``, by any fall (fresh water dilutes: a small change or a
    top-up lowers the TDS a little; nothing in a tank lowers it in a minute).

    >>> level = np.r_[np.full(12, 20.0), np.full(5, 21.5)]  # a top-up poured in at minute 12
    >>> water_moved(level, 12), water_moved(np.full(17, 20.0), 12)
    (True, False)
    >>> water_moved(np.r_[np.full(12, 385.0), np.full(5, 400.0)], 12, least_fraction=0.1)  # a feeding
    False
    >>> water_moved(np.r_[np.full(12, 385.0), np.full(5, 370.0)], 12, 0.1, any_fall=True)  # a little new water
    True
    """
    y = np.asarray(y, dtype=np.float64)
    b, a = y[max(0, index - BEFORE_MINUTES):index], y[index:]
    b, a = b[np.isfinite(b)], a[np.isfinite(a)]
    if not len(b) or not len(a):
        return False
    d = np.diff(y[np.isfinite(y)])
    spread = float(1.4826 * flat_median(np.abs(d - flat_median(d)))) if len(d) >= 5 else 0.0
    before, change = float(flat_median(b)), float(flat_median(a)) - float(flat_median(b))
    return bool(abs(change) > 4.0 * spread and (abs(change) > least_fraction * abs(before) or
                                                (any_fall and change < 0)))


def repeats_for_stuck(repeat_chance: float, false_alarms_per_30_days: float) -> int:
    """How many identical readings in a row a healthy probe makes no more often than the stated rate.

    Parameters
    ----------
    repeat_chance
        The chance that a healthy reading repeats the one before exactly
        (learned from the probe's healthy history: a fine probe's noise many
        times its resolution almost never repeats; a coarse one often does).
    false_alarms_per_30_days
        The stated false-alarm rate.

    Returns
    -------
    int
        The least ``k`` with ``repeat_chance ** (k - 1)`` (``k`` readings, ``k - 1``
        repeats, at any minute) below the stated rate per minute; at least
        :data:`FEWEST_REPEATS`; a large number (never) for a probe that mostly repeats.

    Examples
    --------
    >>> repeats_for_stuck(1e-4, 1.0)  # float noise: 5 minutes say it
    5
    >>> repeats_for_stuck(0.5, 1.0)  # half its readings repeat: 17 in a row
    17
    """
    per_minute = false_alarms_per_30_days / (30 * 1440)
    if not (0.0 < repeat_chance < 1.0) or per_minute <= 0:
        return 10**9
    return max(FEWEST_REPEATS, 1 + math.ceil(math.log(per_minute) / math.log(repeat_chance)))


def trailing_repeats(y: Array) -> int:
    """How many readings at the end of ``y`` are identical (missing minutes skipped).

    >>> trailing_repeats(np.array([7.1, 7.2, 7.25, np.nan, 7.25, 7.25]))
    3
    """
    f = np.asarray(y, dtype=np.float64)
    f = f[np.isfinite(f)]
    if not len(f):
        return 0
    differs = np.flatnonzero(f != f[-1])
    return int(len(f) - (differs[-1] + 1 if len(differs) else 0))
