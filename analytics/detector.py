"""The product's multivariate online detector of water-quality events.

What it models
--------------
Each quality sensor has a slowly moving *level* (an exponentially weighted
mean with a one-day time constant, the Gaussian baseline's mean for a plant
without a strong day/night cycle).  The residual of a reading from the level
is whitened with the Ledoit–Wolf covariance of healthy residuals, so the
healthy residual is N(0, I) and every score below is in the same units.
On readings closer than a minute (SKAB's pump, once a second, fitted on 400
of them) each channel's AR(1) innovation r_t − ρ r_{t−1} is whitened and
scored instead: a slow wander the short healthy start cannot show is judged by
its next step, not by how far it has gone (``ar_innovations``; docs/detection.md,
"Round 8: SKAB").

Evidence:

``short``
    ‖EWMA₃(z)‖² of the whitened residuals z: the per-reading whitened score
    averaged over about three readings (three minutes on the one-minute
    grid; three of TRAIN's readings when they are closer together), so a
    lone outlier (not an event, per the GECCO rules) is diluted while a
    change that persists is not.
``drift``
    Page's CUSUM on each channel's reading-to-reading steps, in units of the
    channel's healthy step size (95 % quantile of |step| / 1.96), two-sided,
    with allowance ``drift_allowance``; one step adds at most ``drift_clip``
    towards a drift but counts fully against it, so a spike and its return
    cancel and a single jump (a baseline shift) cannot raise it.  It sees a
    sustained ramp minutes before the level statistic does, because it does
    not have to beat the slow wander of the water around its one-day level.
``kl_mean``, ``kl_cov``
    The KL divergence of the last ``window_minutes`` of z from N(0, I), split
    into its mean part (the water changing) and its covariance part (the
    noise changing: a probe misbehaving).  Calibrated and reported; by
    default neither alarms (the covariance part per the rules: outliers are
    not events; the mean part added nothing on GECCO).

How they are combined
---------------------
Each statistic's upper tail is calibrated on healthy TRAIN rows by
peaks-over-threshold on *declustered* exceedances (one peak per excursion, so
the fit counts excursions — alarms — not autocorrelated rows), giving its
excursion rate per day above any value.  The combined score is the smallest
rate among the deciding statistics times their number (Bonferroni), reported
as ``log10(1440 / rate per day)`` (≥ 0: the log of the healthy minutes per
such excursion; 0 for anything at or below the healthy median); an alarm
starts when the combined rate falls below the stated ``false_alarms_per_day``.

Which statistics decide is checked on TRAIN too, without labels: the first of
``evidence`` always decides; another joins only if its calibration holds out
of sample at least as well (fit on one half of the healthy rows, count the
excursions in the other half, both ways: :func:`holdout_ratio`).  A statistic
that would alarm far more often than stated on new data is left out.

TRAIN labels are used only to calibrate, never as a lookup: they remove event
rows from the healthy fit, and the relearn delay is ``relearn_events_factor``
(3) times the median length of TRAIN's labelled events (an alarm lasting
three typical events is a baseline shift), or ``relearn_fallback_minutes``
without labelled events.

Plain rules: channels named as *operational* (for GECCO ``Tp``, ``Fm``,
``Fm_2``: temperature and flows the operator changes) are not scored; a row
with no reading keeps the previous decision.

Online and protected
--------------------
``learn_one``/``score_one`` follow :mod:`analytics.base`.  :meth:`WaterQualityDetector.run`
is the decision loop: score, decide, then learn unless flagged, so an event is
never learned as normal; an alarm that lasts the relearn delay is taken as a
new baseline (the rules say baseline shifts are not events): the level moves
to the mean of the last ``relearn_window_minutes`` and is then learned afresh
(a running mean, as in the warm-up), so it follows the water's recovery after
an event instead of alarming on it.  Every decision uses only rows up to and
including its own row.

Examples
--------
>>> import numpy as np
>>> rng = np.random.default_rng(0)
>>> t = np.arange(0, 4 * 86400, 60.0)
>>> X = rng.normal(size=(len(t), 2)) * [0.02, 5.0] + [7.5, 750.0]
>>> det = WaterQualityDetector(DetectorSettings(false_alarms_per_day=0.05))
>>> det = det.fit(t[:4000], X[:4000], names=["pH", "Redox"])
>>> X[5000:5030, 0] += 0.3          # a 30-minute pH excursion
>>> scores, alarms = det.run(t[4000:], X[4000:])
>>> bool(alarms[1000:1030].any()), int(alarms[:900].sum())
(True, 0)
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field
from typing import Any, Sequence, cast

import numpy as np
from numpy.typing import NDArray

from analytics.base import AnomalyDetector, Reading
from analytics.baseline import ledoit_wolf
from analytics.calibration import TailModel, channel_lag1, holdout_ratio, step_scale, winsorise
from analytics.detector_settings import RAW_LIMIT, STATISTICS, Z_LIMIT, DetectorSettings
from analytics.divergence import cholesky, solve_lower
from analytics.medians import flat_median

Array = NDArray[np.float64]
BoolArray = NDArray[np.bool_]
DAY_S = 86400.0
MINUTES_PER_DAY = 1440.0


def _runs(mask: BoolArray) -> list[tuple[int, int]]:
    d = np.diff(np.concatenate([[0], np.asarray(mask, dtype=np.int8), [0]]))
    return list(zip(np.flatnonzero(d == 1).tolist(), np.flatnonzero(d == -1).tolist()))


@dataclass
class _State:
    n: int = 0
    learned: int = 0  # readings in the level since it was (re)started
    level: Array | None = None  # None until the first reading; the Any arrays below are allocated with it
    short: Any = None  # Array (d,)
    buf: Any = None  # Array: ring buffer of whitened residuals (innovations with ar_innovations) (W, d)
    rbuf: Any = None  # Array: ring buffer of the residuals from the level, as read (W, d): a relearn's new level
    head: int = 0
    filled: int = 0
    sum1: Any = None  # Array (d,)
    sum2: Any = None  # Array (d, d)
    last_t: float | None = None
    prev: Any = None  # Array: the last reading seen per channel (for the drift CUSUM)
    prev_r: Any = None  # Array: the last residual from the level per channel (for the AR(1) innovation)
    up: Array | None = None  # one-sided CUSUMs of standardised steps, per channel
    down: Array | None = None

    def copy(self) -> "_State":
        return _State(**cast("dict[str, Any]", {k: (v.copy() if isinstance(v, np.ndarray) else v)
                                                for k, v in vars(self).items()}))


@dataclass
class WaterQualityDetector(AnomalyDetector):
    """Multivariate online detector; see the module docstring."""

    settings: DetectorSettings = field(default_factory=DetectorSettings)
    names: list[str] = field(default_factory=list)
    quality: list[int] = field(default_factory=list)
    whiten: Array | None = None  # L⁻¹ of the healthy residual covariance
    tails: dict[str, TailModel] = field(default_factory=dict)
    state: _State = field(default_factory=_State)
    threshold: float = float("nan")
    clear_threshold: float = float("nan")
    step_scale: Array | None = None  # healthy scale of one reading-to-reading step, per channel
    ar_rho: Array | None = None  # lag-1 autocorrelation of each channel's healthy residual (ar_innovations)
    evidence: list[str] = field(default_factory=list)  # the statistics that decide (set by fit)
    holdout: dict[str, float] = field(default_factory=dict)  # held-out / stated false-alarm rate
    relearn_after_minutes: float = float("nan")  # set by fit
    #: the TRAIN's usual reading interval in minutes, at most 1 (set by fit).  The short average's job is to
    #: dilute a lone reading, and its tails are calibrated on TRAIN: on readings a second apart a 3-minute
    #: average would span 180 readings, TRAIN (SKAB's 400 rows) would hold only two independent values of
    #: it, and an alarm would outlast its cause by minutes.  So it averages about three readings there too.
    reading_minutes: float = 1.0
    #: how long an alarm outlasts its last loud reading, minutes (set by fit): ``clear_hold_constants``
    #: time constants of the short average when readings are closer than a minute, else 0.  At one reading a
    #: second the short average spans three seconds, and one reading under the threshold amid a closed valve's
    #: noisy flow ended an alarm that the next reading restarted (SKAB valve1/1: ten alarms in one anomaly).
    #: On the minute grid an alarm still ends on its first quiet reading, so GECCO and the keeper months are
    #: untouched by construction (an alert's own ``clear_minutes`` is the hold there).
    hold_minutes: float = 0.0
    firing: bool = False  # the decision of the last reading (decide_one)
    fired_at: float = -math.inf
    loud_at: float = -math.inf  # the last reading whose score was above the clear threshold while firing
    score: float = 0.0

    @property
    def grace_period(self) -> int:  # type: ignore[override]
        return self.settings.warmup_rows

    # ------------------------------------------------------------------ one reading

    def _vector(self, x: Reading) -> Array:
        return np.array([float(x.get(self.names[j], np.nan)) for j in self.quality])

    def _step(self, st: _State, v: Array, t: float, learn: bool, advance: bool | None = None) -> dict[str, float]:
        """Statistics of reading ``v`` given state ``st``.

        ``advance`` moves the recent-readings state (short average, window) on,
        ``learn`` also moves the level (the healthy model); a flagged reading is
        advanced but not learned.
        """
        advance = learn if advance is None else advance
        s = self.settings
        ok = np.isfinite(v)
        v = np.clip(v, -RAW_LIMIT, RAW_LIMIT)  # (NaN stays NaN)
        if st.level is None:
            if not advance or not ok.all():
                return {}
            d = len(v)
            st.level = v.copy()
            st.short = np.zeros(d)
            st.buf = np.zeros((s.window_minutes, d))
            st.rbuf = np.zeros((s.window_minutes, d))
            st.sum1, st.sum2 = np.zeros(d), np.zeros((d, d))
            st.prev, st.up, st.down = v.copy(), np.zeros(d), np.zeros(d)
            st.prev_r = np.zeros(d)
            st.n, st.last_t, st.learned = 1, t, 1
            return {}
        dt_min = 1.0 if st.last_t is None else max((t - st.last_t) / 60.0, 0.0)
        r = np.where(ok, v - st.level, 0.0)
        e = r - self.ar_rho * st.prev_r if self.ar_rho is not None and st.prev_r is not None else r  # innovation
        z = np.clip(self.whiten @ e if self.whiten is not None else e, -Z_LIMIT, Z_LIMIT)
        a_short = 1.0 - math.exp(-max(dt_min, 1e-9) / (s.short_minutes * self.reading_minutes))
        short = st.short + a_short * (z - st.short)
        # window sums with the oldest reading replaced by this one
        old = st.buf[st.head] if st.filled >= s.window_minutes else np.zeros_like(z)
        n_win = min(st.filled + 1, s.window_minutes)
        sum1 = st.sum1 - old + z
        sum2 = st.sum2 - np.outer(old, old) + np.outer(z, z)
        m = sum1 / n_win
        out = {"short": float(short @ short), "kl_mean": float(0.5 * n_win * (m @ m))}
        up = down = None
        if self.step_scale is not None:
            step = np.where(ok & np.isfinite(st.prev), (v - st.prev) / self.step_scale, 0.0)
            c, k = s.drift_clip, s.drift_allowance
            # a step counts at most c towards a drift but fully against it: a spike and its return cancel
            up = np.maximum(0.0, st.up + np.minimum(step, c) - k)
            down = np.maximum(0.0, st.down + np.minimum(-step, c) - k)
            out["drift"] = float(max(up.max(), down.max()))
        if n_win >= 2:
            S = sum2 / n_win - np.outer(m, m) + 1e-6 * np.eye(len(z))
            sign, logdet = np.linalg.slogdet(S)
            out["kl_cov"] = float(0.5 * (np.trace(S) - len(z) - logdet)) if sign > 0 else float("inf")
        if learn:
            # explicit warm-up: a running mean until the EWMA's time constant is shorter
            a_level = max(1.0 / (st.learned + 1), 1.0 - math.exp(-max(dt_min, 1e-9) / s.level_minutes))
            st.learned += 1
            st.level = np.where(ok, st.level + a_level * (v - st.level), st.level)
        if advance:
            st.short = short
            st.buf[st.head] = z
            st.rbuf[st.head] = r
            st.head = (st.head + 1) % s.window_minutes
            st.filled = min(st.filled + 1, s.window_minutes)
            st.sum1, st.sum2 = sum1, sum2
            st.prev = np.where(ok, v, st.prev)
            st.prev_r = np.where(ok, r, st.prev_r)
            if up is not None:
                st.up, st.down = up, down
            st.n, st.last_t = st.n + 1, t
        return out

    def _combine(self, stats: dict[str, float], n: int) -> float:
        if n < self.settings.warmup_rows or not self.tails or not stats:
            return 0.0
        evidence = [k for k in (self.evidence or self.settings.evidence) if k in stats and k in self.tails]
        if not evidence:
            return 0.0
        # a statistic that overflowed (an absurd reading) is as far out as it gets, never ordinary
        rate = min(self.tails[k].rate(stats[k] if math.isfinite(stats[k]) else math.inf)
                   for k in evidence) * len(evidence)
        return max(0.0, math.log10(MINUTES_PER_DAY / max(rate, 1e-300)))

    def residual_std(self) -> Array:
        """Per channel, the healthy standard deviation of a reading's residual from its level (for attribution).

        The whitening covers the AR(1) innovations when ``ar_innovations`` is set; a residual's stationary
        standard deviation is the innovation's over √(1 − ρ²).
        """
        if self.whiten is None:
            return np.ones(len(self.quality))
        std = np.sqrt(np.diag(np.linalg.inv(self.whiten.T @ self.whiten)))
        return std / np.sqrt(1.0 - self.ar_rho ** 2) if self.ar_rho is not None else std

    def learn_one(self, x: Reading, t: float) -> None:
        self._step(self.state, self._vector(x), t, learn=True)

    def score_one(self, x: Reading, t: float) -> float:
        with np.errstate(over="ignore", invalid="ignore"):
            return self._combine(self._step(self.state.copy(), self._vector(x), t, learn=False), self.state.n)

    # ------------------------------------------------------------------ fitting

    def fit(self, t_s: Array, X: Array, labels: BoolArray | None = None,
            names: Sequence[str] | None = None) -> "WaterQualityDetector":
        """Whitening and tail calibration from TRAIN; labels only remove event rows from the healthy fit."""
        s = self.settings
        X = np.asarray(X, dtype=np.float64)
        t_s = np.asarray(t_s, dtype=np.float64)
        self.names = list(names) if names is not None else [f"x{j}" for j in range(X.shape[1])]
        steps = np.diff(t_s)
        steps = steps[steps > 0]
        self.reading_minutes = min(1.0, float(flat_median(steps)) / 60.0) if len(steps) else 1.0
        self.quality = [j for j, nm in enumerate(self.names) if nm not in s.operational] or list(range(X.shape[1]))
        Q = X[:, self.quality]
        healthy = np.ones(len(Q), dtype=bool) if labels is None else ~np.asarray(labels, dtype=bool)
        # pass 1: levels (not learning event rows) → residual covariance → whitening
        self.whiten = None
        self.step_scale = None
        self.ar_rho = None
        self.tails = {}
        R = self._residuals(t_s, Q, healthy)
        use = healthy & np.all(np.isfinite(R), axis=1)
        use[: s.warmup_rows] = False
        if use.sum() < 100:
            raise ValueError(f"need at least 100 healthy complete TRAIN rows after warm-up, got {int(use.sum())}")
        if s.ar_innovations and self.reading_minutes < 1.0:
            self.ar_rho = channel_lag1(R, use)
            R = np.vstack([np.zeros((1, R.shape[1])), R[1:] - self.ar_rho * R[:-1]])
            use[1:] &= use[:-1]
            use[0] = False
        cov, _ = ledoit_wolf(winsorise(R[use], rare=s.winsorise_rare if self.ar_rho is not None else 0.0))
        cov = cov + np.diag(np.maximum(1e-12, 1e-9 * np.diag(cov).max()) * np.ones(len(cov)))
        L = cholesky(cov, "the healthy residual covariance")
        self.whiten = solve_lower(L, np.eye(len(cov)))
        self.step_scale = step_scale(Q, healthy)
        # pass 2: statistics on TRAIN, then the tails on healthy rows
        stats = self._train_stats(t_s, Q, healthy)
        dt_days = float(flat_median(np.diff(t_s))) / DAY_S if len(t_s) > 1 else 1.0 / 1440
        healthy_scored = healthy.copy()
        healthy_scored[: max(s.warmup_rows, s.window_minutes)] = False
        for k in STATISTICS:
            self.tails[k] = TailModel.fit(stats[k], healthy_scored, dt_days)
        self.holdout = {k: holdout_ratio(stats[k], healthy_scored, dt_days, s.false_alarms_per_day)
                        for k in s.evidence}
        # the first statistic always decides; another joins only if its calibration holds on held-out
        # healthy TRAIN rows at least as well (a statistic that alarms more often than stated out of
        # sample would break the stated false-alarm rate)
        primary = s.evidence[0]
        self.evidence = [primary] + [k for k in s.evidence[1:]
                                     if self.holdout[k] <= max(self.holdout[primary], 1.0)]
        self.relearn_after_minutes = s.relearn_after_minutes  # type: ignore[assignment]  # None: computed below
        if self.relearn_after_minutes is None:
            runs = _runs(~healthy)
            lengths = [float(t_s[min(b, len(t_s) - 1)] - t_s[a]) / 60.0 for a, b in runs]
            self.relearn_after_minutes = (s.relearn_events_factor * float(flat_median(lengths))
                                          if len(lengths) >= 3 else s.relearn_fallback_minutes)
        self.hold_minutes = (s.clear_hold_constants * s.short_minutes * self.reading_minutes
                             if self.reading_minutes < 1.0 else 0.0)
        self.threshold = math.log10(MINUTES_PER_DAY / s.false_alarms_per_day)
        self.clear_threshold = math.log10(MINUTES_PER_DAY / (s.false_alarms_per_day * s.clear_factor))
        return self

    def _residuals(self, t_s: Array, Q: Array, learnable: BoolArray) -> Array:
        st = _State()
        R = np.full(Q.shape, np.nan)
        for i in range(len(Q)):
            v = Q[i]
            if st.level is not None:
                R[i] = v - st.level
            if learnable[i] and np.isfinite(v).any():
                self._step(st, v, t_s[i], learn=True)
        return R

    def _train_stats(self, t_s: Array, Q: Array, learnable: BoolArray) -> dict[str, Array]:
        st = _State()
        out = {k: np.full(len(Q), np.nan) for k in STATISTICS}
        for i in range(len(Q)):
            v = Q[i]
            if not np.isfinite(v).any():
                continue
            stats = self._step(st, v, t_s[i], learn=bool(learnable[i]), advance=True)
            for k, val in stats.items():
                out[k][i] = val
        self.state = st
        return out

    @classmethod
    def from_readings(cls, readings: Sequence[tuple[Reading, float]],
                      settings: DetectorSettings | None = None) -> "WaterQualityDetector":
        """Fit on healthy ``(reading, t)`` pairs, then start cold (warm-up first) for learn_one/score_one use."""
        names = sorted({k for x, _ in readings for k in x})
        t = np.array([ti for _, ti in readings], dtype=np.float64)
        X = np.array([[float(x.get(k, np.nan)) for k in names] for x, _ in readings])
        det = cls(settings or DetectorSettings()).fit(t, X, names=names)
        det.state = _State()
        return det

    # ------------------------------------------------------------------ the decision loop

    def run(self, t_s: Array, X: Array) -> tuple[Array, BoolArray]:
        """Score and decide every row in order, learning only from unflagged rows.

        Row ``i``'s score and decision depend only on rows ``0..i`` (and the
        fitted state): the loop never reads ahead.  Continues from the state
        left by :meth:`fit` when the rows start within a level time constant
        of it, otherwise warms up afresh.
        """
        s = self.settings
        Q = np.asarray(X, dtype=np.float64)[:, self.quality]
        t_s = np.asarray(t_s, dtype=np.float64)
        if self.state.last_t is None or len(t_s) == 0 or t_s[0] - self.state.last_t > s.level_minutes * 60 \
                or t_s[0] < self.state.last_t:
            self.state = _State()
        self.firing, self.fired_at, self.loud_at, self.score = False, -math.inf, -math.inf, 0.0
        scores = np.zeros(len(Q))
        alarms = np.zeros(len(Q), dtype=bool)
        for i in range(len(Q)):
            scores[i], alarms[i] = self.decide_one(t_s[i], Q[i])
        return scores, alarms

    def decide_one(self, t: float, v: Array) -> tuple[float, bool]:
        """Score and decide one reading ``v`` (the quality channels, in order) at ``t``, then learn it.

        The decision loop of :meth:`run`, one row at a time: score, decide,
        learn unless flagged; an alarm that lasts ``relearn_after_minutes`` is
        taken as a new baseline.  A reading with no value keeps the previous
        score and decision.
        """
        v = np.asarray(v, dtype=np.float64)
        if not np.isfinite(v).any():
            return self.score, self.firing
        st = self.state
        stats = self._step(st.copy(), v, t, learn=False)
        score = self._combine(stats, st.n)
        if self.firing:
            if score > self.clear_threshold:
                self.loud_at = t
            else:  # quiet: the alarm ends once it has been quiet for the hold (at once without one)
                self.firing = t - self.loud_at < self.hold_minutes * 60
        elif score > self.threshold:
            self.firing, self.fired_at, self.loud_at = True, t, t
        if self.firing and t - self.fired_at >= self.relearn_after_minutes * 60 and st.level is not None:
            self.relearn(v)
        self._step(st, v, t, learn=not self.firing, advance=True)
        self.score = score
        return score, self.firing

    def relearn(self, v: Array | None = None) -> None:
        """Take the recent readings as the new baseline (a lasting change, or a water change)."""
        s, st = self.settings, self.state
        if st.level is None:
            return
        recent = min(st.filled, s.window_minutes, s.relearn_window_minutes)
        if recent and self.whiten is not None:
            # the mean of the recent window: one reading would carry its noise into the new level
            idx = (st.head - 1 - np.arange(recent)) % s.window_minutes
            st.level = st.level + st.rbuf[idx].mean(axis=0)
            # learned afresh (a running mean, as in the warm-up), so it follows the recovery
            st.learned = recent if s.relearn_afresh else st.learned
        elif v is not None:
            st.level = np.where(np.isfinite(v), v, st.level)
            st.learned = 1 if s.relearn_afresh else st.learned
        # (the drift CUSUMs carry on: they describe the readings' motion, not the level)
        st.short[:] = 0.0
        st.buf[:] = 0.0
        st.rbuf[:] = 0.0
        if st.prev_r is not None:
            st.prev_r[:] = 0.0  # the relearned level is the recent mean: the last residual from it is ≈ 0
        st.sum1[:] = 0.0
        st.sum2[:] = 0.0
        st.filled = 0
        self.firing = False
