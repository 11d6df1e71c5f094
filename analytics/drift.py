"""The day/night drift of a tank: baseline refits, the hour's window, threshold, decision, attribution.

The window is scored by :mod:`analytics.batch` (alone, or batched across tanks by the service).
"""

from __future__ import annotations

import functools
import math
from dataclasses import dataclass
from typing import TYPE_CHECKING

import numpy as np
from numpy.typing import NDArray

from analytics.baseline import DayNightBaseline, ledoit_wolf
from analytics.batch import WindowScore, window_moments
from analytics.catalogue import (
    DAY_MS,
    HARMLESS_WAY,
    KEPT_BY_A_WATER_CHANGE,
    LABELS,
    MIN_MS,
    NON_NEGATIVE,
    WATER_CHANGE_SETTLE_MS,
    Transition,
    _fmt,
)
from analytics.divergence import kl_divergence
from analytics.drift_acceptance import DriftAcceptanceMixin
from analytics.drift_fortnight import FortnightMixin
from analytics.drift_lasting import BLOCK_MINUTES, attribution, lasting_departure, lasting_levels
from analytics.drift_weekly import WeekMixin
from analytics.past_days import between_day_variance, held_out_cov, held_out_days, shape_over_days, window_blocks
from analytics.ph_rise import healthy_tails
from analytics.probe_ageing import ProbeAgeingMixin
from analytics.probe_return import ProbeReturnMixin
from analytics.threshold import (
    effective_sample_size,
    indifference_zone,
    kl_threshold,
    per_test_probability,
    pot_threshold,
)
from analytics.trends import trend_tails, window_slopes_per_hour

if TYPE_CHECKING:
    from analytics.monitor import PendingEvaluation

Array = NDArray[np.float64]
MINUTES = DAY_MS // MIN_MS  # the daily shape's resolution


@dataclass
class DriftWindow:
    """A tank's drift window, ready to be scored: N(m, S) of its residuals against the baseline N(0, Σ).

    Made by :meth:`TankMonitor.prepare`; the scores come from
    :func:`analytics.batch.score_window` (one tank) or
    :class:`analytics.batch.WindowBatch` (many), and go to
    :meth:`TankMonitor.conclude`.
    """

    sensors: list[str]  # the channels scored (those whose probes are healthy), in drift_sensors order
    mean: Array  # (d,) m: the window's mean residual
    cov: Array  # (d, d) S: the window's shrunk covariance
    ref_cov: Array  # (d, d) Σ: the baseline's residual covariance over these channels
    threshold: float  # KL above which the window is drift
    n_eff: float  # the window's effective sample size
    usual: Array  # (d,) the usual value of each channel now
    recent: Array  # (d,) the mean of the last 10 minutes' readings
    distances: bool = False  # also write Bhattacharyya and W2 (quarter-hourly, for the dashboards)
    day_sd: Array | None = None  # (d,) how much this hour's mean differs from one day to the next
    blocks: Array | None = None  # (k, d) each 10 minutes' mean departure from usual over the window
    levels: Array | None = None  # (k, d) how far j blocks in a row must depart to last (analytics.drift_lasting)


@functools.lru_cache(maxsize=256)
def _kl_threshold(d: int, n_eff: float, rate: float, window: int) -> float:
    return kl_threshold(d, n_eff, rate, window)  # a χ² quantile: the same few arguments every minute


def _window_scores(R: Array, t_ms: Array, cov: Array, window: int, day_var: Array | None, n_eff: float) -> Array:
    """KL against N(0, ``cov``) of the ``window``-row windows of residuals ``R`` (times ``t_ms``), one every
    window / 6 rows, each window's mean judged against this hour's day-to-day spread (:func:`_day_to_day_scale`)."""
    starts = np.arange(0, len(R) - window + 1, max(1, window // 6))
    if not len(starts):
        return np.zeros(0)
    windows = R[starts[:, None] + np.arange(window)]  # (k, W, d)
    S, _ = ledoit_wolf(windows)
    S = S + np.diag(1e-6 * np.diag(cov))
    m = windows.mean(axis=1)
    if day_var is not None:
        m = m * _day_to_day_scale(np.diag(cov), _at_hour(day_var, t_ms[starts + window // 2]), n_eff)
    return np.atleast_1d(np.asarray(kl_divergence(m, S, np.zeros_like(m), cov)))


def _at_hour(day_var: Array, t_ms: Array) -> Array:
    """Rows of a per-bin day-to-day variance (bins splitting the day evenly) at times ``t_ms``."""
    return day_var[((np.asarray(t_ms) % DAY_MS) // (DAY_MS // len(day_var))).astype(np.intp)]


def _day_to_day_scale(var: Array, day_var: Array, n_eff: float) -> Array:
    """The factor that puts a window's mean residual on the scale the KL assumes: noise alone.

    The KL's mean part reads a window's mean departure from "usual at this
    hour" as noise (variance ``var / n_eff``).  How far the same hour's mean
    actually lands from one day to the next (``day_var``, an hour's mean: the
    noise, the sun, a feeding at some hour) is the spread a healthy window
    shows; the larger of the two is that spread.  Scaled by
    sqrt(noise / spread), an hour whose days differ is judged against its own
    spread, an hour that repeats (factor 1) as before.
    """
    noise = np.maximum(var, 1e-300) / max(n_eff, 1.0)
    return np.sqrt(noise / np.maximum(noise, day_var))


class DriftMixin(ProbeAgeingMixin, DriftAcceptanceMixin, ProbeReturnMixin, WeekMixin, FortnightMixin):
    """Methods of :class:`analytics.monitor.TankMonitor` (its state lives there)."""

    #: (blocks, d) how far a run of j ten-minute blocks must depart to last (analytics.drift_lasting); learned
    #: at each full refit (not saved with the state: until the next refit the whole window must depart)
    lasting_levels: Array | None = None

    def _maybe_refit(self, now_ms: int, t_ms: Array, X: Array, names: list[str] | None = None) -> None:
        s = self.settings
        if self.baseline is not None and now_ms - self.fitted_at_ms < s.refit_minutes * MIN_MS:
            return
        if self.in_maintenance(now_ms):
            return  # learning paused
        lo = now_ms - s.reference_hours * 3_600_000
        hi = now_ms - s.window_minutes * MIN_MS
        recent = (t_ms >= lo) & (t_ms < hi) & (t_ms >= self.learn_from_ms) & np.all(np.isfinite(X), axis=1) \
            & ~self._read_off(t_ms)  # a probe reading off after a step is no day of the usual course
        sel = recent & self._learnable(t_ms)
        if sel.sum() < 60:
            return
        span_h = (t_ms[sel].max() - t_ms[sel].min()) / 3_600_000
        if span_h < s.warmup_hours:
            if self.baseline is not None and self.learn_from_ms and self.baseline.coef.shape[1] == X.shape[1]:
                # after a lasting change: keep the day/night shape, re-level it on the new water
                shift = self.baseline.residuals(t_ms[sel] / 1000.0, X[sel]).mean(axis=0)
                # a water change's cool (or warm) new water passes: the heater or the room brings the water
                # back to its level, so after a water change the temperature keeps its level until the full
                # refit (re-levelled on the still-cool water, the usual was too low once the water was back)
                names = names or list(s.drift_sensors)
                if self.learn_from_ms == self.last_water_change_ms + WATER_CHANGE_SETTLE_MS:
                    for i, n in enumerate(names[:len(shift)]):
                        if n in KEPT_BY_A_WATER_CHANGE:
                            shift[i] = 0.0
                            # (kept where the fit's line had it now, not carried on: a tank changed every
                            # evening is never refit, and a -0.055 °C/day line fitted over two days with a
                            # change in them put its noon's usual 1 °C low in 17 days; round 24)
                            self.baseline.hold_trend(i, now_ms / 1000.0)
                self.baseline.coef[0] += shift
                self.relevelled_by = shift if self.relevelled_by is None else self.relevelled_by + shift
                self.fitted_at_ms = now_ms
                self.relevel_pending = False
            return  # explicit warm-up: no drift score until enough healthy history
        try:
            # a trend is only identifiable apart from the daily cycle over two days or more
            trend = s.trend and span_h >= 48
            self.baseline = DayNightBaseline.fit(t_ms[sel] / 1000.0, X[sel], s.harmonics, trend=trend)
            self.relevelled_by = None
            self.fitted_at_ms = now_ms
            prior = self._shape_per_minute(X.shape[1])
            self._fit_daily_shape(t_ms[sel], X[sel], t_ms[recent], X[recent])
            self.relevel_pending = False
            self.healthy_threshold = self._calibrate(t_ms[sel], X[sel], t_ms[recent], X[recent], prior)
            names = names or list(s.drift_sensors)
            self.temp_trend_tail = self._calibrate_trend("temp_c", t_ms[sel], X[sel], names)
            self.ph_trend_tail = self._calibrate_trend("ph", t_ms[sel], X[sel], names, daily=True)
        except ValueError:
            pass

    def _fit_daily_shape(self, t_ms: Array, X: Array, t_day: Array, X_day: Array) -> None:
        """What repeats at the same minute every day (feeding, lights on) beyond the smooth harmonics.

        A few harmonics cannot follow a feeding peak that rises in a minute and
        fades in 45; a value per minute of the day can.  Each minute's value is
        the median, over the days of ``t_day`` (the reference since the last
        lasting change, time under a drift alert included) and the shape learned
        so far (one more "day", zero at first), of that day's residual at that
        minute; then the median of five neighbouring minutes (it keeps a feeding's
        step where it is and halves the noise).  What repeats every day is kept
        whether or not it raised an alert (a feeding peak that once read as drift
        is learned, not kept out for good); what happened on one day only (a
        fault, maintenance) is outvoted.  A minute seen on fewer than two days
        keeps the shape learned so far.  The covariance is the spread of the
        learnable rows (``t_ms``) around the harmonics and the shape.
        """
        b = self.baseline
        assert b is not None
        shape = shape_over_days(t_day, b.residuals(t_day / 1000.0, X_day), self._shape_per_minute(X.shape[1]))
        R2 = b.residuals(t_ms / 1000.0, X) - shape[((t_ms % DAY_MS) // MIN_MS).astype(np.intp)]
        cov, _ = ledoit_wolf(R2)
        floor = np.maximum(1e-9, 1e-6 * np.abs(b.coef[0]) ** 2)
        self.cov = cov + np.diag(np.maximum(floor - np.diag(cov), 0.0))
        self.daily_shape = shape
        # like the shape, from every day since the last lasting change, time under a drift alert included:
        # a sunny afternoon that once read as drift is the spread of that hour, not kept out of it for good
        self.day_to_day_var = between_day_variance(t_day, b.residuals(t_day / 1000.0, X_day) - self._shape_at(t_day))

    def _shape_per_minute(self, d: int) -> Array:
        """The daily shape learned so far, one row per minute of the day (zeros if none or not these channels)."""
        shape = self.daily_shape
        if shape is None or shape.ndim != 2 or shape.shape[1] != d or MINUTES % len(shape):
            return np.zeros((MINUTES, d))
        return np.repeat(shape, MINUTES // len(shape), axis=0)  # a state saved with 5-minute slots

    def _shape_at(self, t_ms: Array) -> Array:
        """The daily shape at times ``t_ms`` (its rows split the day evenly: minutes, or older 5-minute slots)."""
        assert self.daily_shape is not None
        return self.daily_shape[((np.asarray(t_ms) % DAY_MS) // (DAY_MS // len(self.daily_shape))).astype(np.intp)]

    def _residuals(self, t_ms: Array, X: Array) -> Array:
        assert self.baseline is not None
        R = self.baseline.residuals(t_ms / 1000.0, X)
        if self.daily_shape is not None and self.daily_shape.shape[1] == R.shape[1]:
            R = R - self._shape_at(t_ms)
        return R

    def _usual(self, now_ms: int) -> Array:
        assert self.baseline is not None
        mean = self.baseline.mean_at(np.array([now_ms / 1000.0]))[0]
        if self.daily_shape is not None and self.daily_shape.shape[1] == len(mean):
            mean = mean + self._shape_at(np.array([now_ms]))[0]
        return mean

    def _calibrate(self, t_ms: Array, X: Array, t_day: Array, X_day: Array, prior: Array) -> float:
        """Empirical threshold: KL of healthy windows of each past day against a baseline fitted without that day.

        The live window is never in the fit it is scored against; a window of
        the reference scored against a fit that holds it is not a fair sample
        of it: the fit has partly learnt that day's weather, a feeding at a
        random hour.  Each 24 h of the reference is held out in turn
        (:func:`analytics.past_days.held_out_days`): harmonics, trend and daily
        shape are fitted on the rest as :meth:`_maybe_refit` fits them, and that
        day's windows are scored against them, so a tank whose days differ
        (sun and cloud, habits at any hour) gets the wider tolerance its days
        call for, and a tank whose days repeat keeps a tight one.  The tail is
        extrapolated to the stated rate (peaks over threshold).  In-sample
        (the old way) when fewer than two days can be held out with a whole day
        left to fit on (a 30 h reference: its newest day held out leaves 6 h,
        whose harmonics carried a day on set a threshold of 138,000).

        Round 12: the residual covariance every window is judged against is
        the held-out days' too (:func:`analytics.past_days.held_out_cov`).
        """
        s = self.settings
        b = self.baseline
        assert b is not None
        W = s.window_minutes
        cov = self.cov if self.cov is not None else b.cov
        pieces: list[tuple[Array, Array, Array | None]] = []
        reach = (s.refit_minutes + W) * MIN_MS  # how far ahead of (or behind) its data a fit is ever used
        for lo, hi, score_lo, score_hi in held_out_days(t_ms, reach):
            held = (t_ms >= lo) & (t_ms < hi)
            fit_rows, fit_day = ~held, (t_day < lo) | (t_day >= hi)
            if fit_rows.sum() < 60 or not fit_day.any():
                continue
            span_h = (t_ms[fit_rows].max() - t_ms[fit_rows].min()) / 3_600_000
            if span_h < 24.0 - W / 60.0:  # a day's harmonics need a day: six hours' fit, carried a day on, is wild
                continue
            try:
                fold = DayNightBaseline.fit(t_ms[fit_rows] / 1000.0, X[fit_rows], s.harmonics,
                                            trend=s.trend and span_h >= 48)
            except ValueError:
                continue
            shape = shape_over_days(t_day[fit_day], fold.residuals(t_day[fit_day] / 1000.0, X_day[fit_day]), prior)
            # the spread of the other days' healthy hours (what a held-out day is judged against)
            fit_R = fold.residuals(t_ms[fit_rows] / 1000.0, X[fit_rows]) - _at_hour(shape, t_ms[fit_rows])
            rows = (t_ms >= score_lo) & (t_ms < score_hi)
            pieces.append((t_ms[rows], fold.residuals(t_ms[rows] / 1000.0, X[rows]) - _at_hour(shape, t_ms[rows]),
                           between_day_variance(t_ms[fit_rows], fit_R)))
        if len(pieces) < 2:
            pieces = [(t_ms, self._residuals(t_ms, X), self.day_to_day_var)]
        else:
            cov = self.cov = held_out_cov(pieces, b.coef[0], cov)
        self.lasting_levels = lasting_levels(pieces, np.diag(cov), s.false_alarms_per_30_days, W // BLOCK_MINUTES)
        n_eff = effective_sample_size(W, b.lag1)
        scores = np.concatenate([_window_scores(R, t, cov, W, v, n_eff) for t, R, v in pieces])
        if len(scores) < 10:
            return 0.0
        return pot_threshold(scores, per_test_probability(s.false_alarms_per_30_days, W))

    def _calibrate_trend(self, name: str, t_ms: Array, X: Array, names: list[str], daily: bool = False
                         ) -> tuple[float, float]:
        """How steep one channel's healthy 15-minute trends away from usual get, falling and rising (per hour):
        the temperature's for the heater rules, the pH's for ``ph_rising`` (:mod:`analytics.ph_rise`).

        ``names`` are the channels of ``X``'s columns; (0, 0) without ``name``.  ``daily``: at least the
        steepest the healthy reference made at all (:func:`analytics.ph_rise.healthy_tails`): what it does
        once a day is no rare event.
        """
        if name not in names or len(names) != X.shape[1]:
            return 0.0, 0.0
        r = self._residuals(t_ms, X)[:, names.index(name)]
        if daily:
            return healthy_tails(t_ms, r, self.settings.false_alarms_per_30_days)
        return trend_tails(window_slopes_per_hour(t_ms, r), self.settings.false_alarms_per_30_days)

    def _usual_series(self, name: str, t_ms: Array, frame: dict[str, Array], shape_only: bool = False
                      ) -> Array | None:
        """The usual value of one drift channel at times ``t_ms`` (None without a current baseline).

        ``shape_only``: only its course through the day is wanted (a rate against the usual rhythm), so a
        baseline still waiting to be re-levelled on new water will do: a water change moves its level,
        not the time of day the lights or the CO2 come on.
        """
        present = [n for n in self.settings.drift_sensors if n in frame]
        b = self.baseline
        if b is None or name not in present or b.coef.shape[1] != len(present) or \
                (self.relevel_pending and not shape_only):
            return None
        col = present.index(name)
        usual = b.mean_at(np.asarray(t_ms) / 1000.0)[:, col]
        if self.daily_shape is not None and self.daily_shape.shape[1] == len(present):
            usual = usual + self._shape_at(t_ms)[:, col]
        return usual

    def _residual_sd(self, name: str, frame: dict[str, Array]) -> float:
        """The healthy residual's standard deviation of one drift channel (NaN without a baseline)."""
        present = [n for n in self.settings.drift_sensors if n in frame]
        cov = self.cov if self.cov is not None else (self.baseline.cov if self.baseline is not None else None)
        if cov is None or name not in present or cov.shape[0] != len(present):
            return float("nan")
        return math.sqrt(cov[present.index(name), present.index(name)])

    def _drift_window(self, now_ms: int, t_ms: Array, frame: dict[str, Array]) -> DriftWindow | None:
        """The recent window's residual moments against the baseline, or None if no drift score is due."""
        s = self.settings
        all_sensors = [n for n in s.drift_sensors if n in frame]
        if not all_sensors:
            return None
        X = np.stack([frame[n] for n in all_sensors], axis=1)
        self._maybe_refit(now_ms, t_ms, X, all_sensors)
        b = self.baseline
        if b is None or b.coef.shape[1] != len(all_sensors) or self.relevel_pending:
            return None
        # a faulty probe says nothing about the water: score the others (the marginal of a Gaussian)
        bad = self._stuck_or_noisy() | self._ageing_sensors()
        win = t_ms >= now_ms - s.window_minutes * MIN_MS
        if self.settling:
            # after a water change the temperature is left to the heater rules until it is back near usual
            self.settling = [n for n in self.settling if n in all_sensors and not self._back_near_usual(
                all_sensors.index(n), now_ms, t_ms, X)]
            bad |= set(self.settling)
        bad |= self.water_held(now_ms)  # a keeper's water change in progress (analytics.days)
        bad |= self.outage_held(now_ms, t_ms, X, all_sensors)  # the heater catching up after a power cut
        idx = [i for i, n in enumerate(all_sensors) if n not in bad]
        if not idx:
            return None
        sensors = [all_sensors[i] for i in idx]
        Xw = X[win]
        ok = np.all(np.isfinite(Xw[:, idx]), axis=1)  # a silent probe's missing readings leave the others
        if ok.sum() < s.window_minutes // 2:
            return None
        R = self._residuals(t_ms[win][ok], Xw[ok])[:, idx]
        full_cov = self.cov if self.cov is not None else b.cov
        cov = full_cov[np.ix_(idx, idx)]
        m, S = window_moments(R, cov)  # S gets a ridge: a stuck channel has zero variance, S must stay PD
        d = len(sensors)
        n_eff = effective_sample_size(len(R), b.lag1)
        day_var = self.day_to_day_var
        day_sd = None
        if day_var is not None and day_var.shape[1] == len(all_sensors):
            v = _at_hour(day_var, np.array([now_ms - s.window_minutes * MIN_MS // 2]))[0][idx]
            m = m * _day_to_day_scale(np.diag(cov), v, n_eff)
            day_sd = np.sqrt(v)
        # the larger of the Gaussian-theory bound and the healthy history's own tail
        thr = _kl_threshold(d, round(n_eff, 1), s.false_alarms_per_30_days, s.window_minutes)
        if not bad:
            thr = max(thr, self.healthy_threshold)
        elif self.healthy_threshold > 0:
            # fewer channels: the history's tail was measured on all of them; carry over how far it sat
            # beyond the Gaussian bound (real residuals are heavier-tailed than the theory says)
            full = _kl_threshold(len(all_sensors), round(n_eff, 1), s.false_alarms_per_30_days, s.window_minutes)
            thr = max(thr, thr * self.healthy_threshold / full)
        last = min(10, len(R))
        recent = Xw[ok][-last:][:, idx].mean(axis=0)
        # usual over the same ten minutes (not at this minute): on a steep daily course (a CO2 tank's pH falls
        # 0.5 an hour as the gas comes on) ten minutes' mean lags the usual now by five minutes of that course
        usual = (Xw[ok][-last:][:, idx] - R[-last:]).mean(axis=0)
        levels = self.lasting_levels
        levels = levels[:, idx] if levels is not None and levels.shape[1] == len(all_sensors) else None
        return DriftWindow(sensors, m, S, cov, thr, n_eff, usual, recent, distances=(now_ms // MIN_MS) % 15 == 0,
                           day_sd=day_sd, blocks=window_blocks(R, BLOCK_MINUTES), levels=levels)

    def _drift_decide(self, pending: PendingEvaluation, w: DriftWindow, kl: WindowScore) -> list[Transition]:
        """Threshold, hysteresis, attribution and acceptance of a scored drift window."""
        s = self.settings
        now_ms, t_ms, frame, score = pending.now_ms, pending.t_ms, pending.frame, pending.score
        sensors, thr, usual, recent = w.sensors, w.threshold, w.usual, w.recent
        std = np.sqrt(np.diag(w.ref_cov))
        z = w.mean / std
        if w.day_sd is not None:  # "usual ± spread at this hour": the noise and how much the hour varies by day
            std = np.sqrt(std ** 2 + w.day_sd ** 2)
        score.update(kl=kl.kl, kl_mean=kl.kl_mean, kl_cov=kl.kl_cov, threshold=thr, n_eff=w.n_eff)
        if w.distances:
            score.update(bhattacharyya=kl.bhattacharyya, w2=kl.w2)
        for name, zi in zip(sensors, z):
            score[f"z_{name}"] = float(zi)
        back = self._probe_came_back(now_ms, t_ms, frame)  # recalibrated or replaced: told once, learnt again
        if back:
            return back
        drifting = self.firing("drift")
        d = len(sensors)
        z_recent = (recent - usual) / std
        relevant = np.array([self.profile.relevant_change.get(n, 0.0) for n in sensors])
        significant = [i for i in range(d) if abs(z_recent[i]) >= 3]
        visible = [i for i in significant if abs(recent[i] - usual[i]) >= relevant[i]]
        dep = recent - usual
        # a drift lasts: told once the water has been away from usual, the same way and worth telling, for
        # longer than the healthy past ever stays that far away (the whole window at 3σ; a large departure
        # sooner: analytics.drift_lasting)
        moved = [i for i in visible if self._worth_telling(sensors[i], dep[i]) and self._lasting(w, std, i, dep[i])]
        # the tank's week: the same departure at the same hour of the same weekday a week or two ago, while no
        # rule told of a fault, is its weekly rhythm (an office's people, a weekly change), no news
        moved = [i for i in moved if not self._weekly(now_ms, sensors[i], float(dep[i]))]
        # the temperature back where it stood on the fortnight's days before a reference of unusual weather (a
        # cool change's three days) is the water returning to its usual (analytics.drift_fortnight)
        moved = [i for i in moved if not self._back_to_fortnight(now_ms, sensors[i], float(usual[i]),
                                                                   float(recent[i]))]
        self._remember_week(now_ms, sensors, dep)
        self._remember_fortnight(now_ms, sensors, recent)
        self._forget_returned(now_ms, sensors, {sensors[i]: float(dep[i]) for i in visible})
        # a departure already told (the same reading, the same way, no further) is no new onset
        news = self._news(now_ms, [sensors[i] for i in moved], [float(dep[i]) for i in moved])
        # hysteresis: fire above the threshold, stay firing until below half of it.  A keeper is told only
        # of a change they would care about: some reading 3σ from usual, the way that harms, and beyond the
        # keeper's indifference zone (a top-up's 1 % less TDS is 3σ for a good probe, and no news).  A
        # wobble that changed with no reading moved is the probe rules' business (noisy, stuck, silent).
        over = kl.kl > (thr if not drifting else 0.5 * thr)
        cond = over and (drifting or bool(news))
        # a window is kept out of learning only while it is evidence of a change: a reading 3σ from usual and
        # beyond what a test kit resolves, or the wobble changed, told or not (a TDS probe losing 150 ppm a
        # day is learnt in by the hour while it is still inside the indifference zone, and never departs
        # from a usual that follows it), or one probe-prone reading leaving alone (an ageing probe).
        # A window merely over the threshold, with nothing to show, is the tank's water: excluding it too
        # would freeze a mis-levelled baseline (after a water change, the still-cool new water) for good,
        # every later window then over the threshold and excluded in turn.
        lone_probe = len(significant) == 1 and sensors[significant[0]] in self.profile.probe_drift_per_day \
            and not self._provisional(now_ms)
        if cond or (over and (bool(visible) or kl.kl_cov > kl.kl_mean or lone_probe)):
            self._exclude(now_ms - s.window_minutes * MIN_MS, now_ms)
        out: list[Transition] = []
        if self.firing("probe_drift"):
            # the ageing probe is left out of the window (the others are still watched); it resolves once
            # it no longer departs from its past days (recalibrated), or without past days once its
            # reading is back near usual, judged on its own residual
            name = self._alert("probe_drift").sensors[0]
            off = self._still_departing(name, t_ms, frame, now_ms)
            if off is None:
                off = self._channel_off(name, t_ms, frame, now_ms)
            out += self._rule("probe_drift", off, now_ms, kl.kl, self._alert("probe_drift").summary)
            ageing = None
        else:
            # an ageing probe is told early, while its drift is still small (significant, not yet relevant)
            ageing = self._ageing_probe(over and (drifting or bool(significant) or kl.kl_cov > kl.kl_mean),
                                        significant, sensors, t_ms, frame, now_ms)
        if ageing:
            label = LABELS[ageing][0]
            i = sensors.index(ageing)
            text = (f"The {label} reading is drifting slowly on its own ({_fmt(ageing, recent[i])}, usual "
                    f"{_fmt(ageing, usual[i])}; the other readings are normal). The {label} probe is probably "
                    f"ageing: check it against a test kit and recalibrate it.")
            self._alert("probe_drift").sensors = [ageing]
            out += self._rule("probe_drift", True, now_ms, kl.kl, text)
            cond = False
        # the words describe the last 10 minutes against this hour's usual value
        summary = attribution(sensors, recent, usual, std, z_recent, kl.kl_mean, kl.kl_cov)
        told = self._rule("drift", cond, now_ms, kl.kl, summary) + self._newly_departing(now_ms, news, summary, kl.kl)
        if told and told[-1].state == "firing":
            self._remember_told(now_ms, [sensors[i] for i in moved], [float(dep[i]) for i in moved])
        out += told
        out += self._maybe_accept(now_ms)
        self._maybe_settle(now_ms)
        return out

    def _lasting(self, w: DriftWindow, std: Array, i: int, departure: float) -> bool:
        """The ``i``-th reading of window ``w`` has departed the way of ``departure`` for longer than its healthy
        past allows (:func:`analytics.drift_lasting.lasting_departure`), by a departure worth telling all along
        (true if the window has no blocks to say)."""
        if w.blocks is None or not len(w.blocks):
            return True
        runs = lasting_departure(w.blocks[:, i] / std[i], None if w.levels is None else w.levels[:, i])
        return any(least * departure > 0 and self._worth_telling(w.sensors[i], least * std[i]) for _, least in runs)

    def _zone(self, name: str) -> float:
        """The keeper's indifference zone of reading ``name`` (:func:`analytics.threshold.indifference_zone` of
        the range in their profile), never less than what the keeper can read on a test kit
        (``Profile.told_change``: a pH colour step)."""
        lim = self.profile.limit(name)
        low = lim.low if lim.low is not None or name not in NON_NEGATIVE else 0.0
        return max(indifference_zone(low, lim.high, self.profile.relevant_change.get(name, 0.0)),
                   self.profile.told_change.get(name, 0.0))

    def _worth_telling(self, name: str, departure: float) -> bool:
        """A departure of reading ``name`` from usual is worth a warning: the way that harms (clearer water
        than usual harms nothing) and beyond the keeper's indifference zone
        (:func:`analytics.threshold.indifference_zone` of the range in their profile)."""
        if HARMLESS_WAY.get(name, 0.0) * departure > 0:
            return False
        return abs(departure) >= self._zone(name)

    def _back_near_usual(self, col: int, now_ms: int, t_ms: Array, X: Array) -> bool:
        """The last 10 minutes of column ``col`` are within 3 standard deviations of usual (or no such
        minutes: nothing to wait for)."""
        w = (t_ms >= now_ms - 10 * MIN_MS) & np.isfinite(X[:, col])
        if not w.any():
            return True
        cov = self.cov if self.cov is not None else self.baseline.cov if self.baseline is not None else None
        if cov is None:
            return True
        recent = float(np.mean(X[w, col]))
        return abs(recent - float(self._usual(now_ms)[col])) < 3.0 * math.sqrt(cov[col, col])

    def _stuck_or_noisy(self) -> set[str]:
        bad: set[str] = set()
        for key in ("probe_stuck", "probe_noisy", "probe_silent"):
            st = self.alerts.get(key)
            if st is not None and st.state != "ok":
                bad |= set(st.sensors)
        return bad
