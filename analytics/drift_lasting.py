"""How long a departure must last before the drift tells it, learned from the tank's own healthy past.

Until round 13 a drift was told only once every ten-minute block of the hour-long
window departed from usual the same way by 3σ: a feeding's cloud, a thermostat's
overshoot are over within the hour, a fault is not.  That rule makes every fault
wait an hour whatever its size, though a dose that puts the TDS 100σ over usual
for twenty minutes is already more than any healthy day ever shows.

The principle (round 14): a departure is *lasting* when the last ``j`` blocks
(``j`` = 1 … 6, ten minutes each, the newest ending now) all depart the same way
by more than the healthy past ever lets ``j`` blocks in a row depart, at the
stated false-alarm rate.  On the days held out of the baseline fit
(:func:`analytics.past_days.held_out_days`, the same days the KL threshold is
calibrated on) each reading's block means are put in units of the spread a live
window is judged with (the residual noise and the hour's day-to-day spread), and
for each run length ``j`` the score "the smallest of the last ``j`` blocks, the
way they all go" is taken every five minutes (as the live drift is scored).  The
level a run of ``j`` blocks must pass is that score's tail at the per-test
probability of the stated rate (peaks over threshold,
:func:`analytics.threshold.pot_threshold`), shared among the readings and the
shorter run lengths; never under the furthest run of ``j`` blocks the healthy
past holds (the rate is rarer than any it shows), never under 3σ, and never
lower for a shorter run than for a longer one.  A run of six blocks keeps the old 3σ: the hour-long check is
unchanged, a large departure is told sooner than a small one, and how large is
the tank's own past's business, not a constant.

The drift's words (:func:`attribution`) live here too, out of :mod:`analytics.drift`.
"""

from __future__ import annotations

import numpy as np
from numpy.typing import NDArray

from analytics.catalogue import DAY_MS, LABELS, MIN_MS
from analytics.threshold import per_test_probability, pot_threshold

Array = NDArray[np.float64]

BLOCK_MINUTES = 10  # a block of the drift window (analytics.past_days.window_blocks)
STEP_MINUTES = 5  # the drift is scored every five minutes
HOUR_RUN_LEVEL = 3.0  # the whole window's blocks: the rule of rounds 9-13


def run_scores(z: Array, longest: int) -> Array:
    """For each row of block departures ``z`` (``(n, k)`` in σ, oldest block first, NaN: no block) and each run
    length ``j`` = 1 … ``longest``, the smallest departure of the last ``j`` blocks the way they all go (0 when
    they do not all go one way; NaN when a block is missing): ``(n, longest)``.

    >>> run_scores(np.array([[1.0, 4.0, 5.0], [-4.0, 2.0, -6.0]]), 3).tolist()
    [[5.0, 4.0, 1.0], [6.0, 0.0, 0.0]]
    """
    n, k = z.shape
    out = np.full((n, longest), np.nan)
    for j in range(1, min(longest, k) + 1):
        last = z[:, k - j:]
        up, down = np.min(last, axis=1), np.min(-last, axis=1)
        out[:, j - 1] = np.maximum(np.maximum(up, down), 0.0)
    return out


def healthy_block_z(t_ms: Array, R: Array, sd: Array, longest: int) -> Array:
    """The ten-minute block departures (in units of ``sd``, ``(n, d)`` per row) of healthy residuals ``R``
    (times ``t_ms``), the ``longest`` blocks before each five-minute step: ``(steps, d, longest)``, oldest
    block first; a block with fewer than half its minutes is NaN (a gap, a time kept out of learning).

    >>> t = np.arange(120, dtype=np.int64) * MIN_MS
    >>> z = healthy_block_z(t, np.ones((120, 1)), np.ones((120, 1)), 2)
    >>> z.shape, float(z[0, 0, 0])
    ((21, 1, 2), 1.0)
    """
    d = R.shape[1]
    if not len(t_ms):
        return np.zeros((0, d, longest))
    t0 = int(np.min(t_ms)) // (STEP_MINUTES * MIN_MS) * (STEP_MINUTES * MIN_MS)
    minute = ((np.asarray(t_ms) - t0) // MIN_MS).astype(np.intp)
    n = int(minute.max()) + 1
    ok = np.all(np.isfinite(R), axis=1) & np.all(np.isfinite(sd), axis=1)
    vals = np.zeros((n, d))
    have = np.zeros(n)
    vals[minute[ok]] = R[ok] / np.maximum(sd[ok], 1e-300)
    have[minute[ok]] = 1.0
    csum = np.concatenate([np.zeros((1, d)), np.cumsum(vals, axis=0)])
    ccount = np.concatenate([[0.0], np.cumsum(have)])
    ends = np.arange(longest * BLOCK_MINUTES, n + 1, STEP_MINUTES)
    if not len(ends):
        return np.zeros((0, d, longest))
    out = np.empty((len(ends), d, longest))
    for b in range(longest):  # block b ends (longest - 1 - b) blocks before the step
        hi = ends - (longest - 1 - b) * BLOCK_MINUTES
        lo = hi - BLOCK_MINUTES
        count = ccount[hi] - ccount[lo]
        with np.errstate(invalid="ignore", divide="ignore"):
            mean = (csum[hi] - csum[lo]) / count[:, None]
        out[:, :, b] = np.where((count >= BLOCK_MINUTES / 2)[:, None], mean, np.nan)
    return out


def lasting_levels(pieces: list[tuple[Array, Array, Array | None]], var: Array, false_alarms_per_30_days: float,
                   longest: int) -> Array | None:
    """How far ``j`` blocks in a row must depart (in σ) to be more than the healthy past allows: ``(longest, d)``.

    Parameters
    ----------
    pieces
        Each held-out day's times, residuals ``(n, d)`` and the day-to-day variance per hour of the fit it was
        scored against (``(bins, d)``, or None): what :meth:`analytics.drift.DriftMixin._calibrate` scores.
    var
        ``(d,)``: each reading's residual variance (the covariance's diagonal a live window is judged with).
    false_alarms_per_30_days
        The stated rate; the shorter runs share it (the hour-long run keeps 3σ).
    longest
        The blocks of a drift window.

    Returns
    -------
    numpy.ndarray or None
        Row ``j - 1``: the level ``j`` blocks must all pass, per reading; None without enough healthy past.

    Examples
    --------
    >>> rng = np.random.default_rng(1)
    >>> t = np.arange(3 * 1440, dtype=np.int64) * MIN_MS
    >>> levels = lasting_levels([(t, rng.normal(size=(len(t), 1)) * 3.0, None)], np.array([1.0]), 1.0, 6)
    >>> bool(levels[0, 0] > levels[1, 0] >= levels[5, 0] == 3.0)
    True
    """
    d = len(var)
    zs = []
    for t, R, day_var in pieces:
        if R.ndim != 2 or R.shape[1] != d or not len(t):
            continue
        v = np.broadcast_to(var, R.shape)
        if day_var is not None and day_var.shape[1] == d:
            v = v + day_var[((np.asarray(t) % DAY_MS) // (DAY_MS // len(day_var))).astype(np.intp)]
        zs.append(healthy_block_z(np.asarray(t), R, np.sqrt(v), longest))
    if not zs:
        return None
    z = np.concatenate(zs)
    levels = np.full((longest, d), HOUR_RUN_LEVEL)
    shorter = max(longest - 1, 1)
    for i in range(d):
        scores = run_scores(z[:, i, :], longest)
        for j in range(1, longest):
            s = scores[:, j - 1]
            s = s[np.isfinite(s)]
            if len(s) < 144:  # a day of steps at least
                return None
            p = per_test_probability(false_alarms_per_30_days / (shorter * d), j * BLOCK_MINUTES)
            # never under the furthest run the healthy past shows: the stated rate is rarer than any it holds
            levels[j - 1, i] = max(HOUR_RUN_LEVEL, pot_threshold(s, p), float(np.max(s)))
    # a shorter run never passes at less than a longer one must
    return np.maximum.accumulate(levels[::-1], axis=0)[::-1]


def lasting_departure(z_blocks: Array, levels: Array | None) -> list[tuple[int, float]]:
    """The runs of the newest blocks that last: ``(j, least)`` for each run length ``j`` whose last ``j`` block
    departures ``z_blocks`` (in σ, oldest first, one reading) all pass ``levels[j - 1]`` the same way, the
    shortest first, with the smallest departure of the run (signed, σ).

    A run shorter than the window is judged only from half the window on (a thermostat's overshoot, a
    feeding's cloud at its peak are over within the hour: half of it is the least a departure must have
    lasted to be more than a moment), and only while it is not fading (its newest block is not the
    smallest of the run: a cloud settling, an overshoot coming back, says itself that it will not last).
    Without learned levels only the whole window counts, at 3σ (the rule before round 14).

    >>> levels = np.array([10.0, 8.0, 5.0, 3.0])
    >>> lasting_departure(np.array([0.5, 9.0, 11.0, 12.0]), levels)  # from half the window: two blocks
    [(2, 11.0), (3, 9.0)]
    >>> lasting_departure(np.array([0.5, 12.0, 9.0, 6.0]), levels)  # fading: not yet
    []
    >>> lasting_departure(np.array([4.0, 3.5, 3.1, 5.0]), None)
    [(4, 3.1)]
    """
    k = len(z_blocks)
    if not k:
        return []
    out = []
    for j in range(max(1, (k + 1) // 2), k + 1):
        if j < k and (levels is None or j > len(levels)):
            continue
        level = HOUR_RUN_LEVEL if j == k or levels is None else float(levels[j - 1])
        last = z_blocks[k - j:]
        way = 1.0 if last[-1] > 0 else -1.0
        least = float(np.min(way * last))
        if least < level or (j < k and way * last[-1] <= least and j > 1):
            continue
        out.append((j, way * least))
    return out


def attribution(sensors: list[str], recent: Array, usual: Array, std: Array, z: Array,
                mean_part: float, cov_part: float) -> str:
    """The drift's words: each reading 3σ from usual (``z``), the largest change first, its last ten minutes
    (``recent``) against usual ± ``std`` at this hour, then the readings that are normal."""
    moved = []
    for i in np.argsort(-np.abs(z)):  # the largest change first
        label, unit, dec = LABELS.get(sensors[i], (sensors[i], "", 2))
        if abs(z[i]) >= 3:
            moved.append(f"{label} {recent[i]:.{dec}f}{unit}, usual {usual[i]:.{dec}f} ± {std[i]:.{dec}f}"
                         f"{unit} at this hour")
    normal = [LABELS.get(n, (n,))[0] for i, n in enumerate(sensors) if abs(z[i]) < 3]
    if not moved:
        kind = "the readings are noisier or steadier than usual (a probe may be failing or stuck)" \
            if cov_part > mean_part else "several readings moved a little together"
        return f"Water differs from its usual pattern: {kind}."
    text = "Water is drifting: " + "; ".join(moved)
    if normal:
        text += "; " + ", ".join(normal) + " normal"
    return text + "."
