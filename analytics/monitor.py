"""One tank's monitor: rules, probe health, drift, the water-change forecast and alert states.

Pure: it is handed the tank's readings on a 1-minute grid and an evaluation
time, and returns scores and alert transitions.  The service
(:mod:`analytics.service`) does the reading and writing around it, and the
notifier (:mod:`analytics.alerts`) decides who hears about a transition.

What raises an alert (the registry :data:`ALERTS`, documented in docs/alerts.md):

- rules against the tank profile's limits and rates (Theil–Sen slopes over a
  few minutes, so the day/night rhythm is far below the thresholds and one wild
  reading cannot trip them);
- probe health: a channel whose minute-to-minute wobble collapses (stuck) or
  explodes (failing), and one channel drifting slowly on its own (ageing);
- drift: KL(N(m, S) ‖ N(0, Σ)) of the last ``window_minutes`` of residuals
  against the day/night baseline, over channels whose probes are healthy;
- device and firmware: last will, silence, interlock/lockout/fault events.

Learning: the baseline is refitted hourly on the reference period excluding
time under a drift alert or in maintenance, from ``learn_from_ms`` on.  A
lasting genuine change (a water change, or a drift that stays for
``accept_after_hours`` without any rule alert) moves ``learn_from_ms``: the old
day/night shape is kept with its level re-estimated from the new water until a
full warm-up of new data exists.
"""

from __future__ import annotations

import functools
import math
from dataclasses import dataclass, field
from typing import Any, Iterable

import numpy as np
from numpy.typing import NDArray

from analytics.alerts import AlertState, step
from analytics.baseline import DayNightBaseline, ledoit_wolf
from analytics.catalogue import (ALERT_READING, ALERT_READING_SENSORS, ALERTS, LABELS,  # noqa: F401 (re-exported)
                                 AlertSpec, Transition, _fmt)
from analytics.batch import WindowScore, score_window, window_moments
from analytics.divergence import kl_divergence
from analytics.forecast import LocalLinearTrend
from analytics.profiles import Profile, get_profile
from analytics.quality import QualityWatch
from analytics.rules import despike, step_spread, theil_sen_per_hour
from analytics.threshold import effective_sample_size, kl_threshold, per_test_probability, pot_threshold

Array = NDArray[np.float64]
MIN_MS = 60_000
DAY_MS = 86_400_000
SLOT_MS = 5 * MIN_MS
SLOTS = DAY_MS // SLOT_MS

DRIFT_SENSORS = ("temp_c", "ph", "tds_ppm", "turb_ntu")
PROBE_SENSORS = ("temp_c", "ph", "tds_ppm", "turb_ntu")
FORECAST_SENSORS = ("tds_ppm", "level_cm")
#: the water's channels (despiked before the water's statistics see them)
WATER_CHANNELS = ("temp_c", "ph", "tds_ppm", "turb_ntu")
#: after a water change, the heater rules wait this long (cooler new water, then the heater's catch-up)
WATER_CHANGE_SETTLE_MS = 3 * 3_600_000
@dataclass
class ForecastPoint:
    """One sensor's water-change (or top-up) forecast, made from daily means."""

    sensor: str
    t_ms: int
    rate_per_day: float
    days_to_limit: float
    low: float
    high: float
    limit: float

    def text(self) -> str:
        label = LABELS.get(self.sensor, (self.sensor, "", 2))[0]
        what = "water change" if self.sensor != "level_cm" else "top-up"
        if self.days_to_limit == 0:
            return f"{what} due now ({label} at its limit of {self.limit:g})"
        if not math.isfinite(self.days_to_limit):
            return f"no {what} due: {label} is not heading for its limit"
        high = "?" if not math.isfinite(self.high) else f"{self.high:.0f}"
        return f"{what} due in about {self.days_to_limit:.0f} days ({self.low:.0f}–{high})"


@dataclass
class DayRecord:
    """What one day looked like, for the daily summary."""

    day_start_ms: int
    stats: dict[str, tuple[float, float, float]]  # sensor -> (min, mean, max)
    fired: list[Transition]
    forecasts: list[ForecastPoint]
    notes: list[str]


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


@dataclass
class PendingEvaluation:
    """An evaluation between :meth:`TankMonitor.prepare` and :meth:`TankMonitor.conclude`."""

    now_ms: int
    t_ms: Array
    frame: dict[str, Array]
    score: dict[str, Any] = field(default_factory=dict)
    out: list[Transition] = field(default_factory=list)
    drift_step: bool = False  # the drift, probe and water-change checks run at this minute
    window: DriftWindow | None = None  # the drift window to score, if the tank is ready for one


@dataclass
class MonitorSettings:
    window_minutes: int = 60
    reference_hours: float = 72.0
    warmup_hours: float = 48.0  # two days: the trend and the daily shape are not identifiable from one
    refit_minutes: int = 240  # a 72-hour reference hardly changes in an hour; a fit costs ~60 ms
    harmonics: int = 2
    false_alarms_per_30_days: float = 1.0
    profile: str = "tropical"
    limits: dict[str, float] = field(default_factory=dict)  # profile overrides
    temp_rate_minutes: int = 10  # Theil–Sen window of the temperature rate
    ph_rate_minutes: int = 15
    no_data_minutes: int = 10
    accept_after_hours: float = 24.0  # a drift this old with no rule alert becomes the new normal
    due_days: float = 2.0  # water_change_due fires this many days ahead
    drift_every_minutes: int = 5  # the drift score and probe checks run every N minutes (rules every minute)
    drift_sensors: tuple[str, ...] = DRIFT_SENSORS
    trend: bool = True
    #: channels the quality watch scores (operational ones are left out).  By default none: a tank's
    #: channels have the day/night drift; a plant's or a lab's channels (no day/night model) get this
    quality_sensors: tuple[str, ...] = ()
    #: channels the operator changes on purpose (a plant's temperature and flows): never scored
    operational: tuple[str, ...] = ()
    #: the quality watch's stated false alarms a day (None: false_alarms_per_30_days / 30)
    quality_false_alarms_per_day: float | None = None
    quality: bool = True

    def quality_channels(self) -> tuple[str, ...]:
        return tuple(c for c in self.quality_sensors if c not in self.operational)

    def the_profile(self) -> Profile:
        return get_profile(self.profile, self.limits)


@functools.lru_cache(maxsize=256)
def _kl_threshold(d: int, n_eff: float, rate: float, window: int) -> float:
    return kl_threshold(d, n_eff, rate, window)  # a χ² quantile: the same few arguments every minute


@dataclass
class TankMonitor:
    tank: str
    settings: MonitorSettings = field(default_factory=MonitorSettings)
    baseline: DayNightBaseline | None = None
    fitted_at_ms: int = 0
    alerts: dict[str, AlertState] = field(default_factory=dict)
    excluded: list[tuple[int, int]] = field(default_factory=list)  # drift and maintenance: not learned
    healthy_threshold: float = 0.0
    daily_shape: Array | None = None  # (288, d) mean residual per 5-minute slot of the day: feeding, lights
    cov: Array | None = None  # residual covariance after the daily shape
    noise: dict[str, float] = field(default_factory=dict)  # usual minute-to-minute wobble per probe
    noise_at_ms: int = 0
    noise_level: dict[str, float] = field(default_factory=dict)  # each probe's usual reading while its noise was learned
    learn_from_ms: int = 0
    relevel_pending: bool = False  # after a lasting change: no drift score until re-levelled on new water
    maintenance_until_ms: int = 0
    device_online: dict[str, bool] = field(default_factory=dict)
    forecasts: dict[str, LocalLinearTrend] = field(default_factory=dict)
    last_forecast: dict[str, ForecastPoint] = field(default_factory=dict)
    day_rows: dict[str, list[float]] = field(default_factory=dict)
    day_start_ms: int | None = None
    day_fired: list[Transition] = field(default_factory=list)
    day_notes: list[str] = field(default_factory=list)
    finished_days: list[DayRecord] = field(default_factory=list)  # drained by the service
    last_row_ms: int = -1
    last_water_change_ms: int = -DAY_MS
    event_until_ms: dict[str, int] = field(default_factory=dict)
    event_detail: dict[str, str] = field(default_factory=dict)
    open_evaluation_ms: int | None = None  # a prepare() not yet concluded (the state is half-updated)
    quality: QualityWatch | None = None
    ph_before_crash: float = float("nan")  # the pH before a crash: ph_crash resolves only when it is back
    _current: dict[str, float] = field(default_factory=dict)  # each reading's latest value (transitions' now)
    _peaks: dict[str, float] = field(default_factory=dict)  # each alert's worst reading since its condition began

    def __post_init__(self) -> None:
        self.profile = self.settings.the_profile()

    # ------------------------------------------------------------------ plumbing
    def _alert(self, key: str) -> AlertState:
        return self.alerts.setdefault(key, AlertState())

    def firing(self, key: str) -> bool:
        return key in self.alerts and self.alerts[key].state == "firing"

    def _learnable(self, t_ms: Array) -> NDArray[np.bool_]:
        ok = t_ms >= self.learn_from_ms
        for a, b in self.excluded:
            ok &= ~((t_ms >= a) & (t_ms <= b))
        return ok

    def _exclude(self, start: int, end: int) -> None:
        if self.excluded and self.excluded[-1][1] >= start:
            self.excluded[-1] = (min(self.excluded[-1][0], start), max(self.excluded[-1][1], end))
        else:
            self.excluded.append((start, end))
        horizon = end - self.settings.reference_hours * 3_600_000
        self.excluded = [sp for sp in self.excluded if sp[1] >= horizon]

    def set_maintenance(self, now_ms: int, until_ms: int) -> None:
        """Maintenance mode: the notifier keeps the tank quiet and nothing in the span is learned."""
        self.maintenance_until_ms = until_ms
        if until_ms > now_ms:
            self._exclude(now_ms, until_ms)

    def in_maintenance(self, now_ms: int) -> bool:
        return now_ms < self.maintenance_until_ms

    def accept_change(self, at_ms: int) -> None:
        """Take the water from ``at_ms`` on as the new normal (a water change, or an accepted drift)."""
        self.learn_from_ms = at_ms
        self.fitted_at_ms = 0  # refit at the next evaluation
        self.relevel_pending = True
        self.excluded = [sp for sp in self.excluded if sp[1] < at_ms]
        if self.quality is not None:
            self.quality.relearn()

    # ------------------------------------------------------------------ the baseline
    def _maybe_refit(self, now_ms: int, t_ms: Array, X: Array) -> None:
        s = self.settings
        if self.baseline is not None and now_ms - self.fitted_at_ms < s.refit_minutes * MIN_MS:
            return
        if self.in_maintenance(now_ms):
            return  # learning paused
        lo = now_ms - s.reference_hours * 3_600_000
        hi = now_ms - s.window_minutes * MIN_MS
        sel = (t_ms >= lo) & (t_ms < hi) & self._learnable(t_ms) & np.all(np.isfinite(X), axis=1)
        if sel.sum() < 60:
            return
        span_h = (t_ms[sel].max() - t_ms[sel].min()) / 3_600_000
        if span_h < s.warmup_hours:
            if self.baseline is not None and self.learn_from_ms and self.baseline.coef.shape[1] == X.shape[1]:
                # after a lasting change: keep the day/night shape, re-level it on the new water
                shift = self.baseline.residuals(t_ms[sel] / 1000.0, X[sel]).mean(axis=0)
                self.baseline.coef[0] += shift
                self.fitted_at_ms = now_ms
                self.relevel_pending = False
            return  # explicit warm-up: no drift score until enough healthy history
        try:
            # a trend is only identifiable apart from the daily cycle over two days or more
            trend = s.trend and span_h >= 48
            self.baseline = DayNightBaseline.fit(t_ms[sel] / 1000.0, X[sel], s.harmonics, trend=trend)
            self.fitted_at_ms = now_ms
            self._fit_daily_shape(t_ms[sel], X[sel])
            self.relevel_pending = False
            self.healthy_threshold = self._calibrate(t_ms[sel], X[sel])
        except ValueError:
            pass

    def _fit_daily_shape(self, t_ms: Array, X: Array) -> None:
        """What repeats at the same minute every day (feeding, lights on) beyond the smooth harmonics.

        A few harmonics cannot follow a feeding peak that rises in a minute and
        fades in 45; the mean residual per 5-minute slot of the day can.  The
        covariance is then the spread around both.
        """
        b = self.baseline
        assert b is not None
        R = b.residuals(t_ms / 1000.0, X)
        slot = ((t_ms % DAY_MS) // SLOT_MS).astype(np.intp)
        n = np.bincount(slot, minlength=SLOTS).astype(np.float64)
        sums = np.zeros((SLOTS, X.shape[1]))
        np.add.at(sums, slot, R)
        # a slot seen on two days or more has a mean; shrunk toward 0 by n/(n+1) (a slot seen twice is
        # half noise), so a feeding peak is modelled from the third day of history on
        shape = np.where(n[:, None] >= 2, sums / (n + 1.0)[:, None], 0.0)
        R2 = R - shape[slot]
        cov, _ = ledoit_wolf(R2)
        floor = np.maximum(1e-9, 1e-6 * np.abs(b.coef[0]) ** 2)
        self.cov = cov + np.diag(np.maximum(floor - np.diag(cov), 0.0))
        self.daily_shape = shape

    def _residuals(self, t_ms: Array, X: Array) -> Array:
        assert self.baseline is not None
        R = self.baseline.residuals(t_ms / 1000.0, X)
        if self.daily_shape is not None and self.daily_shape.shape[1] == R.shape[1]:
            R = R - self.daily_shape[((t_ms % DAY_MS) // SLOT_MS).astype(np.intp)]
        return R

    def _usual(self, now_ms: int) -> Array:
        assert self.baseline is not None
        mean = self.baseline.mean_at(np.array([now_ms / 1000.0]))[0]
        if self.daily_shape is not None and self.daily_shape.shape[1] == len(mean):
            mean = mean + self.daily_shape[(now_ms % DAY_MS) // SLOT_MS]
        return mean

    def _calibrate(self, t_ms: Array, X: Array) -> float:
        """Empirical threshold: KL of every healthy window in the reference, tail extrapolated."""
        s = self.settings
        b = self.baseline
        assert b is not None
        W = s.window_minutes
        R = self._residuals(t_ms, X)
        cov = self.cov if self.cov is not None else b.cov
        starts = np.arange(0, len(R) - W + 1, max(1, W // 6))
        if len(starts) < 10:
            return 0.0
        windows = R[starts[:, None] + np.arange(W)]  # (k, W, d)
        m = windows.mean(axis=1)
        S, _ = ledoit_wolf(windows)
        S = S + np.diag(1e-6 * np.diag(cov))
        scores = np.asarray(kl_divergence(m, S, np.zeros_like(m), cov))
        return pot_threshold(scores, per_test_probability(s.false_alarms_per_30_days, W))

    def _learn_noise(self, t_ms: Array, frame: dict[str, Array], now_ms: int) -> None:
        # the usual wobble: median of hourly step spreads over the learnable reference
        lo = now_ms - self.settings.reference_hours * 3_600_000
        sel = (t_ms >= lo) & self._learnable(t_ms)
        for name in PROBE_SENSORS:
            if name not in frame:
                continue
            y = frame[name][sel]
            n = len(y) // 60 * 60
            if n < 12 * 60:
                continue
            D = np.diff(y[:n].reshape(-1, 60), axis=1)  # each hour's minute-to-minute steps (as step_spread)
            enough = np.isfinite(D).sum(axis=1) >= 5
            if enough.sum() < 12:
                continue
            D = D[enough]
            with np.errstate(all="ignore"):
                hours = 1.4826 * np.nanmedian(np.abs(D - np.nanmedian(D, axis=1, keepdims=True)), axis=1)
            self.noise[name] = float(np.median(hours))
            self.noise_level[name] = float(np.nanmedian(y))

    # ------------------------------------------------------------------ evaluation
    def evaluate(self, now_ms: int, t_ms: Array, frame: dict[str, Array],
                 events: Iterable[tuple[int, str, str]] = ()) -> tuple[dict[str, Any], list[Transition]]:
        """Evaluate at ``now_ms`` from rows with ``t_ms < now_ms``.

        ``frame`` maps sensor name (and optionally ``pump``, 1 = commanded on)
        to values aligned with ``t_ms``; rows at or after ``now_ms`` are
        ignored (decisions use the past only).  ``events`` are firmware events
        (t_ms, kind, detail) since the last call.

        One tank: :meth:`prepare`, score its drift window alone, :meth:`conclude`.
        The service does the same for many tanks with one batched scoring
        call between the halves (:class:`analytics.batch.WindowBatch`).
        """
        pending = self.prepare(now_ms, t_ms, frame, events)
        w = pending.window
        return self.conclude(pending, None if w is None else
                             score_window(w.mean, w.cov, w.ref_cov, distances=w.distances))

    def prepare(self, now_ms: int, t_ms: Array, frame: dict[str, Array],
                events: Iterable[tuple[int, str, str]] = ()) -> PendingEvaluation:
        """The first half of :meth:`evaluate`: everything up to the drift window's moments.

        Events, rules and probe health are decided here; if a drift score is
        due and the tank is ready for one (a fitted baseline, not re-levelling,
        enough readings in the window, some healthy channel), the returned
        :class:`PendingEvaluation` carries its :class:`DriftWindow`, else
        ``window`` is None (warm-up, maintenance before the first fit, no drift
        step this minute).  Hand it to :meth:`conclude` before the next
        ``prepare`` of this monitor: the monitor's state is half-updated
        until then (a second ``prepare`` raises RuntimeError).
        """
        if self.open_evaluation_ms is not None:
            raise RuntimeError(f"tank {self.tank}: the evaluation at {self.open_evaluation_ms} was prepared and "
                               "never concluded; conclude it before preparing the next")
        past = t_ms < now_ms
        if not past.all():
            t_ms = t_ms[past]
            frame = {k: v[past] for k, v in frame.items()}
        raw = frame
        # one wild reading is a glitch, not the water: the water's statistics see the causal median of three
        # (the probe checks see the raw readings: a failing probe's jumps are their evidence)
        frame = {k: (despike(v) if k in WATER_CHANNELS or k in self.settings.quality_channels() else v)
                 for k, v in raw.items()}
        pending = PendingEvaluation(now_ms, t_ms, frame)
        self._current = {k: self._last(v[-3:]) for k, v in frame.items() if k in ALERT_READING_SENSORS}
        self._accumulate_day(now_ms, t_ms, frame)
        pending.out += self._events(now_ms, events)  # first: a firmware fault explains what the readings show
        pending.out += self._water_change(now_ms, t_ms, frame)  # before the rules: it explains a cooler tank
        pending.out += self._rules(now_ms, t_ms, frame, pending.score)
        pending.out += self._quality_step(now_ms, t_ms, frame, pending.score)
        if (now_ms // MIN_MS) % self.settings.drift_every_minutes == 0:
            pending.drift_step = True
            pending.out += self._probes(now_ms, t_ms, raw, pending.score)
            pending.window = self._drift_window(now_ms, t_ms, frame)
        self.open_evaluation_ms = now_ms  # only once prepared: a prepare that raised leaves nothing open
        return pending

    def conclude(self, pending: PendingEvaluation, scores: WindowScore | None
                 ) -> tuple[dict[str, Any], list[Transition]]:
        """The second half of :meth:`evaluate`: decide drift from the window's ``scores``, then the rest.

        ``scores`` are the window's divergences (:func:`analytics.batch.score_window`
        or a row of :meth:`analytics.batch.WindowBatch.score`); None when the
        pending evaluation has no window.  Returns what :meth:`evaluate` returns.
        """
        if self.open_evaluation_ms != pending.now_ms:
            raise RuntimeError(f"tank {self.tank}: the evaluation at {pending.now_ms} is not the one open here "
                               f"({self.open_evaluation_ms})")
        self.open_evaluation_ms = None
        out = pending.out
        if pending.window is not None:
            if scores is None:
                raise ValueError(f"tank {self.tank}: the drift window at {pending.now_ms} could not be scored "
                                 "(a covariance is not positive definite, or the batch failed: see the log); its evaluation "
                                 "is skipped")
            out += self._drift_decide(pending, pending.window, scores)
        self.day_fired += [tr for tr in out if tr.state == "firing"]
        return pending.score, out

    def _rule(self, key: str, condition: bool, now_ms: int, value: float, summary: str) -> list[Transition]:
        spec = ALERTS[key]
        st = self._alert(key)
        change = step(st, condition, now_ms, spec.for_minutes * MIN_MS, spec.clear_minutes * MIN_MS)
        sensor, worse = ALERT_READING.get(key, ("", ""))
        now = self._current.get(sensor, float("nan"))
        if sensor and (condition or st.state == "firing") and math.isfinite(now):
            old = self._peaks.get(key, now)
            if worse == "far":
                lim = self.profile.limit(sensor)
                mid = ((lim.low if lim.low is not None else now) + (lim.high if lim.high is not None else now)) / 2
                self._peaks[key] = now if abs(now - mid) > abs(old - mid) else old
            else:
                self._peaks[key] = min(old, now) if worse == "low" else max(old, now)
        peak = self._peaks.get(key)
        if not condition and st.state != "firing":
            self._peaks.pop(key, None)
        reading = (sensor, now if math.isfinite(now) else None, peak) if sensor else ("", None, None)
        if change == "firing":
            st.summary = summary
            return [Transition(key, spec.severity, "firing", summary, now_ms, value, *reading)]
        if change == "resolved":
            self._peaks.pop(key, None)
            return [Transition(key, spec.severity, "resolved", f"Resolved: {st.summary}", now_ms, value, *reading)]
        return []

    @staticmethod
    def _recent(t_ms: Array, y: Array, now_ms: int, minutes: int) -> tuple[Array, Array]:
        w = t_ms >= now_ms - minutes * MIN_MS
        return t_ms[w], y[w]

    @staticmethod
    def _last(y: Array) -> float:
        f = y[np.isfinite(y)]
        return float(f[-1]) if len(f) else float("nan")

    def _rules(self, now_ms: int, t_ms: Array, frame: dict[str, Array], score: dict[str, Any]) -> list[Transition]:
        p, s = self.profile, self.settings
        out: list[Transition] = []
        recent_row = len(t_ms) and t_ms[-1] >= now_ms - 2 * MIN_MS  # judge only fresh readings
        if "temp_c" in frame:
            tt, temp = self._recent(t_ms, frame["temp_c"], now_ms, s.temp_rate_minutes)
            enough = np.isfinite(temp).sum() >= 0.6 * s.temp_rate_minutes
            rate = theil_sen_per_hour(tt / 1000.0, temp) if enough else float("nan")
            now_t = self._last(temp)
            score["temp_rate_c_per_h"] = rate
            # hysteresis: once firing, an alert holds until the rate is below half its threshold
            up = p.temp_rise_c_per_h * (0.5 if self.firing("heater_stuck") else 1.0)
            down = p.temp_fall_c_per_h * (0.5 if self.firing("heater_dead") else 1.0)
            # a water change (cooler new water, then the heater catching up) is not the heater
            changing = self._tds_dropping(now_ms, t_ms, frame) or \
                now_ms - self.last_water_change_ms < WATER_CHANGE_SETTLE_MS
            out += self._rule("heater_stuck", bool(rate > up) and not changing, now_ms, rate,
                              f"Temperature rising {rate:+.1f} °C/h (now {now_t:.1f} °C): the heater may be stuck "
                              "on. Unplug it and check its thermostat before the water overheats.")
            slow, drop = self._cooling(now_ms, t_ms, frame)
            score["temp_rate_60_c_per_h"] = slow
            off = p.heater_off_c_per_h * (0.5 if self.firing("heater_dead") else 1.0)
            dead = (rate < -down or (slow < -off and drop > p.heater_off_drop_c)) and not changing
            fall = rate if rate < -down else slow
            out += self._rule("heater_dead", bool(dead), now_ms, fall,
                              f"Temperature falling {fall:+.1f} °C/h (now {now_t:.1f} °C): the heater may have "
                              "failed. Check that it is powered and its light comes on.")
            out += self._range("temp_out_of_range", "temp_c", now_t if recent_row else float("nan"), now_ms,
                               "Check the heater and the room temperature.", 0.3)
        if "ph" in frame and not self.firing("probe_stuck") and not self.firing("probe_noisy"):
            tp, ph = self._recent(t_ms, frame["ph"], now_ms, s.ph_rate_minutes)
            enough = np.isfinite(ph).sum() >= 0.6 * s.ph_rate_minutes
            rate = theil_sen_per_hour(tp / 1000.0, ph) if enough else float("nan")
            now_p = self._last(ph)
            score["ph_rate_per_h"] = rate
            fall = p.ph_fall_per_h * (0.5 if self.firing("ph_crash") else 1.0)
            crashing = bool(rate < -fall)
            if crashing and not self.firing("ph_crash") and not math.isfinite(self.ph_before_crash):
                # the level before the fall began: the median of the 45 minutes before the rate window
                _, ph_hist = self._recent(t_ms, frame["ph"], now_ms, 90)
                ph_hist = ph_hist[: max(1, len(ph_hist) - 45)]
                self.ph_before_crash = float(np.nanmedian(ph_hist)) if np.isfinite(ph_hist).any() else float("nan")
            if self.firing("ph_crash"):
                # the rate may stop while the level stays down: resolved only when the pH is back
                _, ph10 = self._recent(t_ms, frame["ph"], now_ms, 10)
                level = float(np.nanmedian(ph10)) if np.isfinite(ph10).any() else now_p
                crashing = crashing or bool(level < self.ph_before_crash - 0.15)
            elif not crashing:
                self.ph_before_crash = float("nan")
            out += self._rule("ph_crash", crashing, now_ms, rate,
                              f"pH falling {rate:+.2f} per hour (now {now_p:.2f}): the water is acidifying fast "
                              "(CO2 overdose, or the buffer is used up). Stop CO2, aerate, and test KH; "
                              "a partial water change restores the buffer.")
            out += self._range("ph_out_of_range", "ph", now_p if recent_row else float("nan"), now_ms,
                               "Test with a drop kit to confirm, then correct slowly.", 0.05)
        pump_on = self._last(frame["pump"]) if "pump" in frame else 1.0
        if "flow_lpm" in frame:
            flow = self._last(frame["flow_lpm"][-1:]) if recent_row else float("nan")
            # the firmware switches a pump off when it sees no flow (a fault event): still a stopped pump;
            # one held off by the sump interlock or the keeper is not
            fault = now_ms <= self.event_until_ms.get("device_fault", -1)
            # (and a pump restarting after its interlock cleared has two minutes to get the water moving)
            held = now_ms <= self.event_until_ms.get("pump_interlock", -1) + 2 * MIN_MS
            stopped = bool(flow < p.flow_stopped_lpm and (pump_on == 1.0 or fault) and not held)
            out += self._rule("pump_stopped", stopped, now_ms, flow,
                              f"Pump stopped: filter flow {flow:.1f} l/min although the pump is switched on. Water "
                              "is not circulating or being filtered or heated evenly; check the pump's power and "
                              "impeller.")
            low = p.flow_lpm.low
            blocked = bool(low is not None and p.flow_stopped_lpm <= flow < low * (1.1 if self.firing("flow_low")
                                                                                   else 1.0))
            out += self._rule("flow_low", blocked, now_ms, flow,
                              f"Filter flow low: {flow:.1f} l/min (at least {low:g} expected). The filter is "
                              "probably clogged: rinse the sponge in tank water.")
        if "level_cm" in frame:
            level = self._last(frame["level_cm"][-1:]) if recent_row else float("nan")
            low = p.level_cm.low
            margin = 1.0 if self.firing("sump_low") else 0.0
            tl, lv = self._recent(t_ms, frame["level_cm"], now_ms, 30)
            fall = -theil_sen_per_hour(tl[::2] / 1000.0, lv[::2]) if np.isfinite(lv).sum() >= 18 else float("nan")
            score["level_fall_cm_per_h"] = fall
            limit = p.level_fall_cm_per_h * (0.5 if self.firing("level_falling") else 1.0)
            changing = now_ms - self.last_water_change_ms < WATER_CHANGE_SETTLE_MS or self._tds_dropping(
                now_ms, t_ms, frame)
            out += self._rule("level_falling", bool(fall > limit) and not changing, now_ms, fall,
                              f"Sump level falling {fall:.1f} cm/h (now {self._last(lv):.1f} cm): a leak, a siphon "
                              "or an overflow. Look under the tank and the sump now, and switch off the return "
                              "pump if water is on the floor.")
            out += self._rule("sump_low", bool(low is not None and level < low + margin), now_ms, level,
                              f"Sump level low: {level:.1f} cm (at least {low:g} cm needed). The return pump will "
                              "run dry: top up with dechlorinated water and look for a leak.")
        return out

    def _cooling(self, now_ms: int, t_ms: Array, frame: dict[str, Array]) -> tuple[float, float]:
        """The temperature's slope over the last hour (°C/h) and how far it is below usual.

        Usual is the day/night baseline's value now when fitted, else the median of the last six hours;
        a tank cooling back after a heater stuck on is above usual, not a dead heater.
        """
        tt, temp = self._recent(t_ms, frame["temp_c"], now_ms, 60)
        if np.isfinite(temp).sum() < 36:
            return float("nan"), float("nan")
        slope = theil_sen_per_hour(tt[::2] / 1000.0, temp[::2])  # every other minute: a quarter of the pairs
        present = [n for n in self.settings.drift_sensors if n in frame]
        if self.baseline is not None and "temp_c" in present and self.baseline.coef.shape[1] == len(present) \
                and not self.relevel_pending:
            usual = float(self._usual(now_ms)[present.index("temp_c")])
        else:
            _, hist = self._recent(t_ms, frame["temp_c"], now_ms, 360)
            usual = float(np.nanmedian(hist))
        return slope, usual - float(np.nanmedian(temp[-10:]))

    def _tds_dropping(self, now_ms: int, t_ms: Array, frame: dict[str, Array]) -> bool:
        """TDS is stepping down now (fresh water going in): the start of a water change."""
        if "tds_ppm" not in frame:
            return False
        _, now = self._recent(t_ms, frame["tds_ppm"], now_ms, 3)
        w = (t_ms >= now_ms - 90 * MIN_MS) & (t_ms < now_ms - 60 * MIN_MS)
        before = frame["tds_ppm"][w]
        if not np.isfinite(now).any() or np.isfinite(before).sum() < 10:
            return False
        return bool(0.3 * np.nanmedian(before) < np.nanmedian(now) < 0.95 * np.nanmedian(before))

    def _quality_step(self, now_ms: int, t_ms: Array, frame: dict[str, Array],
                      score: dict[str, Any]) -> list[Transition]:
        """The quality watch decides the new rows; ``water_quality`` follows its latest decision."""
        s = self.settings
        if not s.quality:
            return []
        if self.quality is None:
            channels = tuple(c for c in s.quality_channels() if c in frame and np.isfinite(frame[c]).any())
            if not channels:
                return []
            rate = s.quality_false_alarms_per_day or s.false_alarms_per_30_days / 30.0
            self.quality = QualityWatch(channels, rate)
        q = self.quality
        if not q.fitted and self.in_maintenance(now_ms):
            return []
        # a probe known to be faulty, or wobbling far beyond its usual noise right now, says nothing about
        # the water: its channel is left out (NaN) of the new rows, as the drift window leaves it out
        bad = self._stuck_or_noisy() | self._ageing_sensors()
        for name, usual in self.noise.items():
            if name in frame and usual > 0 and len(frame[name]) >= 6:
                spread = step_spread(frame[name][-15:])
                if np.isfinite(spread) and spread > 3.0 * usual:
                    bad.add(name)
        if bad & set(q.channels):
            new = t_ms > q.last_ms
            frame = {k: (np.where(new, np.nan, v) if k in bad else v) for k, v in frame.items()}
        firing = q.advance(t_ms, frame, self._learnable(t_ms))
        if not q.fitted:
            return []
        score["quality"] = q.score
        return self._rule("water_quality", firing, now_ms, q.score, self._quality_text(t_ms, frame))

    def _quality_text(self, t_ms: Array, frame: dict[str, Array]) -> str:
        q = self.quality
        if q is None or q.detector is None or q.detector.state.level is None or not q.firing:
            return ""
        det = q.detector
        level = det.state.level
        std = np.sqrt(np.diag(np.linalg.inv(det.whiten.T @ det.whiten))) if det.whiten is not None \
            else np.ones(len(level))
        parts = []
        moved = []
        for j, c in enumerate(q.channels):
            y = frame[c][-10:] if c in frame else np.array([np.nan])
            now = float(np.nanmedian(y)) if np.isfinite(y).any() else float("nan")
            z = (now - level[j]) / std[j] if std[j] > 0 else 0.0
            if np.isfinite(z):
                moved.append((abs(z), c, now, float(level[j])))
        moved.sort(reverse=True)
        for z, c, now, usual in moved[:3]:
            if z >= 3 or not parts:
                label = LABELS.get(c, (c, "", 2))[0]
                parts.append(f"{label} {_fmt(c, now)} (usual {_fmt(c, usual)})")
        return ("Water quality changed: " + "; ".join(parts) +
                ". Check the tank and test the water; if it was planned (a water change, a dose), it will be "
                "learned as the new normal.")

    def _range(self, key: str, sensor: str, value: float, now_ms: int, advice: str, margin: float) -> list[Transition]:
        lim = self.profile.limit(sensor)
        m = margin if self.firing(key) else 0.0
        lo = lim.low is not None and value < lim.low + m
        hi = lim.high is not None and value > lim.high - m
        label = LABELS[sensor][0]
        text = (f"{label.capitalize()} {_fmt(sensor, value)} is {'below' if lo else 'above'} the safe range "
                f"{lim.low:g}–{lim.high:g}. {advice}") if (lo or hi) else ""
        return self._rule(key, bool(lo or hi), now_ms, value, text)

    def _events(self, now_ms: int, events: Iterable[tuple[int, str, str]]) -> list[Transition]:
        keys = {"interlock": "pump_interlock", "lockout": "pump_lockout", "fault": "device_fault"}
        held = {"pump_interlock", "pump_lockout"}  # these hold until the firmware says they are cleared
        for t, kind, detail in events:
            if kind in ("interlock_clear", "lockout_clear"):
                self.event_until_ms[keys[kind.split("_")[0]]] = t
                continue
            key = keys.get(kind)
            if key is None:
                if kind == "mode":
                    self.day_notes.append(f"the device changed mode ({detail})")
                continue
            # a fault holds its alert for two minutes (its for_minutes is 1), then the clear period; interlock and lockout until cleared
            until = 2**62 if key in held else max(self.event_until_ms.get(key, 0), t + 2 * MIN_MS)
            self.event_until_ms[key] = until
            self.event_detail[key] = detail
        text = {"pump_interlock": "The controller stopped the pump to protect it: {d}. It restarts by itself "
                                  "when the cause is gone; check the sump level and the flow sensor.",
                "pump_lockout": "The controller locked the pump out after repeated faults: {d}. It will not "
                                "restart by itself: fix the cause, then reset the controller.",
                "device_fault": "The controller reported a fault: {d}. Check the device and its log."}
        out: list[Transition] = []
        for key in keys.values():
            active = now_ms <= self.event_until_ms.get(key, -1)
            if active or self.alerts.get(key, AlertState()).state != "ok":
                out += self._rule(key, active, now_ms, 1.0, text[key].format(d=self.event_detail.get(key, "")))
        return out

    def device_status(self, device: str, online: bool, now_ms: int) -> list[Transition]:
        """A device's retained status (its last will says ``online: false``)."""
        self.device_online[device] = online
        down = sorted(d for d, up in self.device_online.items() if not up)
        return self._rule("device_offline", bool(down), now_ms, float(len(down)),
                          f"Device {', '.join(down)} is offline: its connection dropped (power, Wi-Fi or a crash). "
                          "The tank is not being watched; check the controller's power and network.")

    def check_stale(self, now_ms: int, last_reading_ms: int) -> list[Transition]:
        """No telemetry for ``no_data_minutes`` (a device that froze without its last will)."""
        gap = (now_ms - last_reading_ms) / MIN_MS
        return self._rule("no_telemetry", gap >= self.settings.no_data_minutes, now_ms, gap,
                          f"No readings from the tank for {gap:.0f} minutes. Check the controller: it may be "
                          "frozen or its sensors unplugged.")

    # ------------------------------------------------------------------ probe health
    def _probes(self, now_ms: int, t_ms: Array, frame: dict[str, Array], score: dict[str, Any]) -> list[Transition]:
        # the probes' usual wobble needs only 12 h of readings (not the drift's two-day warm-up)
        if (not self.noise or now_ms - self.noise_at_ms >= self.settings.refit_minutes * MIN_MS) \
                and not self.in_maintenance(now_ms) and not self._stuck_or_noisy():
            self._learn_noise(t_ms, frame, now_ms)
            self.noise_at_ms = now_ms
        stuck, noisy = [], []
        for name, usual in self.noise.items():
            if name not in frame or usual <= 0:
                continue
            _, y = self._recent(t_ms, frame[name], now_ms, 20)
            spread = step_spread(y)
            if not np.isfinite(spread):
                continue
            score[f"wobble_{name}"] = spread / usual
            if spread < 0.1 * usual:
                stuck.append(name)
            # a probe's noise grows with its reading (turbidity, TDS): a bloom that quadruples the turbidity
            # also quadruples its wobble, and that is the water, not the probe
            level = self.noise_level.get(name, 0.0)
            grown = abs(float(np.nanmedian(y))) / abs(level) if level and np.isfinite(y).any() else 1.0
            if spread > 5.0 * usual * max(1.0, grown):
                noisy.append(name)
        for key, names in (("probe_stuck", stuck), ("probe_noisy", noisy)):
            if names:
                self._alert(key).sensors = list(names)
        out = self._rule("probe_stuck", bool(stuck), now_ms, float(len(stuck)),
                         f"The {', '.join(LABELS[n][0] for n in stuck)} probe is stuck: it has repeated the same "
                         f"value ({', '.join(_fmt(n, self._last(frame[n])) for n in stuck)}) for 20 minutes. "
                         "This is the probe, not the water: clean it, check its cable, recalibrate or replace it.")
        out += self._rule("probe_noisy", bool(noisy), now_ms, float(len(noisy)),
                          f"The {', '.join(LABELS[n][0] for n in noisy)} probe is failing: its readings jump "
                          "far more than usual. This is the probe, not the water: check its cable and "
                          "connector, clean or replace it.")
        return out

    # ------------------------------------------------------------------ drift
    def _drift_window(self, now_ms: int, t_ms: Array, frame: dict[str, Array]) -> DriftWindow | None:
        """The recent window's residual moments against the baseline, or None if no drift score is due."""
        s = self.settings
        all_sensors = [n for n in s.drift_sensors if n in frame]
        if not all_sensors:
            return None
        X = np.stack([frame[n] for n in all_sensors], axis=1)
        self._maybe_refit(now_ms, t_ms, X)
        b = self.baseline
        if b is None or b.coef.shape[1] != len(all_sensors) or self.relevel_pending:
            return None
        # a faulty probe says nothing about the water: score the others (the marginal of a Gaussian)
        bad = self._stuck_or_noisy() | self._ageing_sensors()
        idx = [i for i, n in enumerate(all_sensors) if n not in bad]
        if not idx:
            return None
        sensors = [all_sensors[i] for i in idx]
        win = t_ms >= now_ms - s.window_minutes * MIN_MS
        Xw = X[win]
        ok = np.all(np.isfinite(Xw), axis=1)
        if ok.sum() < s.window_minutes // 2:
            return None
        R = self._residuals(t_ms[win][ok], Xw[ok])[:, idx]
        full_cov = self.cov if self.cov is not None else b.cov
        cov = full_cov[np.ix_(idx, idx)]
        m, S = window_moments(R, cov)  # S gets a ridge: a stuck channel has zero variance, S must stay PD
        d = len(sensors)
        n_eff = effective_sample_size(len(R), b.lag1)
        # the larger of the Gaussian-theory bound and the healthy history's own tail
        thr = _kl_threshold(d, round(n_eff, 1), s.false_alarms_per_30_days, s.window_minutes)
        if not bad:
            thr = max(thr, self.healthy_threshold)
        elif self.healthy_threshold > 0:
            # fewer channels: the history's tail was measured on all of them; carry over how far it sat
            # beyond the Gaussian bound (real residuals are heavier-tailed than the theory says)
            full = _kl_threshold(len(all_sensors), round(n_eff, 1), s.false_alarms_per_30_days, s.window_minutes)
            thr = max(thr, thr * self.healthy_threshold / full)
        recent = Xw[ok][-min(10, len(R)):][:, idx].mean(axis=0)
        return DriftWindow(sensors, m, S, cov, thr, n_eff, self._usual(now_ms)[idx], recent,
                           distances=(now_ms // MIN_MS) % 15 == 0)  # for the dashboards: quarter-hourly

    def _drift_decide(self, pending: PendingEvaluation, w: DriftWindow, kl: WindowScore) -> list[Transition]:
        """Threshold, hysteresis, attribution and acceptance of a scored drift window."""
        s = self.settings
        now_ms, t_ms, frame, score = pending.now_ms, pending.t_ms, pending.frame, pending.score
        sensors, thr, usual, recent = w.sensors, w.threshold, w.usual, w.recent
        std = np.sqrt(np.diag(w.ref_cov))
        z = w.mean / std
        score.update(kl=kl.kl, kl_mean=kl.kl_mean, kl_cov=kl.kl_cov, threshold=thr, n_eff=w.n_eff)
        if w.distances:
            score.update(bhattacharyya=kl.bhattacharyya, w2=kl.w2)
        for name, zi in zip(sensors, z):
            score[f"z_{name}"] = float(zi)
        drifting = self.firing("drift")
        d = len(sensors)
        z_recent = (recent - usual) / std
        relevant = np.array([self.profile.relevant_change.get(n, 0.0) for n in sensors])
        significant = [i for i in range(d) if abs(z_recent[i]) >= 3]
        moved = [i for i in significant if abs(recent[i] - usual[i]) >= relevant[i]]
        # hysteresis: fire above the threshold, stay firing until below half of it.  A keeper is told only
        # of a change they could see: some reading 3σ from usual and beyond what a test kit resolves (a
        # top-up's 1 % less TDS is 3σ for a good probe, and no news), or the wobble itself changed.
        over = kl.kl > (thr if not drifting else 0.5 * thr)
        if over:
            self._exclude(now_ms - s.window_minutes * MIN_MS, now_ms)
        cond = over and (drifting or bool(moved) or kl.kl_cov > kl.kl_mean)
        out: list[Transition] = []
        if self.firing("probe_drift"):
            # the ageing probe is left out of the window (the others are still watched); it resolves once
            # its reading is back near usual (recalibrated), judged on its own residual
            name = self._alert("probe_drift").sensors[0]
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
        summary = self._attribution(sensors, recent, usual, std, z_recent, kl.kl_mean, kl.kl_cov)
        out += self._rule("drift", cond, now_ms, kl.kl, summary)
        out += self._maybe_accept(now_ms)
        return out

    def _ageing_sensors(self) -> set[str]:
        st = self.alerts.get("probe_drift")
        return set(st.sensors) if st is not None and st.state == "firing" else set()

    def _channel_off(self, name: str, t_ms: Array, frame: dict[str, Array], now_ms: int) -> bool:
        """The last 30 minutes of one channel are 3 standard deviations or more from usual."""
        present = [n for n in self.settings.drift_sensors if n in frame]
        if name not in present or self.baseline is None or self.baseline.coef.shape[1] != len(present):
            return False
        w = (t_ms >= now_ms - 30 * MIN_MS) & np.isfinite(frame[name])
        if w.sum() < 10:
            return True  # cannot tell: keep it
        X = np.stack([frame[n][w] for n in present], axis=1)
        col = present.index(name)
        r = float(np.nanmean(self._residuals(t_ms[w], X)[:, col]))
        cov = self.cov if self.cov is not None else self.baseline.cov
        return abs(r) >= 3.0 * math.sqrt(cov[col, col])

    def _stuck_or_noisy(self) -> set[str]:
        bad: set[str] = set()
        for key in ("probe_stuck", "probe_noisy"):
            st = self.alerts.get(key)
            if st is not None and st.state != "ok":
                bad |= set(st.sensors)
        return bad

    def _ageing_probe(self, cond: bool, moved: list[int], sensors: list[str], t_ms: Array,
                      frame: dict[str, Array], now_ms: int) -> str | None:
        """One probe-prone channel moved alone, and gradually (hours, not minutes): the probe, not the water."""
        if not cond or len(moved) != 1 or self.firing("drift"):
            return None
        name = sensors[moved[0]]
        if name not in self.profile.probe_drift_per_day or self.baseline is None:
            return None
        # the reading's departure from its usual value now, 3 h ago and 6 h ago: a line, not a step
        present = [n for n in self.settings.drift_sensors if n in frame]  # a tank may lack a probe
        col = present.index(name)
        dev = []
        for hours_ago in (0, 3, 6):
            end = now_ms - hours_ago * 3_600_000
            w = (t_ms >= end - 30 * MIN_MS) & (t_ms < end) & np.isfinite(frame[name])
            if w.sum() < 10:
                return None
            X = np.stack([frame[n][w] for n in present], axis=1)
            dev.append(float(np.nanmean(self._residuals(t_ms[w], X)[:, col])))
        now, mid, old = dev
        gradual = now * mid > 0 and 0.25 < mid / now < 0.85 and abs(old) < abs(mid)
        per_day = abs(now - old) * 4.0
        return name if gradual and per_day < 24 * self.profile.ph_fall_per_h / 4 else None

    def _maybe_accept(self, now_ms: int) -> list[Transition]:
        """A drift that has lasted ``accept_after_hours`` with no rule alert is the new normal."""
        st = self.alerts.get("drift")
        if st is None or st.state != "firing":
            return []
        if (now_ms - st.since_ms) < self.settings.accept_after_hours * 3_600_000:
            return []
        if any(a.state == "firing" and k not in ("drift", "water_change_due") for k, a in self.alerts.items()):
            return []
        self.accept_change(now_ms)
        st.state, st.since_ms, st.clear_since_ms = "ok", now_ms, 0
        self.day_notes.append("a lasting change was accepted as the new normal")
        return [Transition("drift", "warning", "resolved",
                           f"Accepted as the new normal after {self.settings.accept_after_hours:g} h: "
                           f"{st.summary} Learning the tank's pattern again.", now_ms, 0.0)]

    @staticmethod
    def _attribution(sensors: list[str], recent: Array, usual: Array, std: Array, z: Array,
                     mean_part: float, cov_part: float) -> str:
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

    # ------------------------------------------------------------------ days, forecast, water changes
    def _accumulate_day(self, now_ms: int, t_ms: Array, frame: dict[str, Array]) -> None:
        new = t_ms > self.last_row_ms
        if not new.any():
            return
        for i in np.flatnonzero(new):
            t = int(t_ms[i])
            day = t - t % DAY_MS
            if self.day_start_ms is None:
                self.day_start_ms = day
            if day != self.day_start_ms:
                self._close_day(day)
            for name in LABELS:
                if name in frame and np.isfinite(frame[name][i]):
                    self.day_rows.setdefault(name, []).append(float(frame[name][i]))
        self.last_row_ms = int(t_ms[-1])

    def _close_day(self, next_day_ms: int) -> None:
        assert self.day_start_ms is not None
        day = self.day_start_ms
        stats = {n: (min(v), float(np.mean(v)), max(v)) for n, v in self.day_rows.items() if len(v) >= 60}
        points: list[ForecastPoint] = []
        complete = all(len(v) >= 0.8 * 1440 for v in self.day_rows.values()) and self.day_rows
        for name in FORECAST_SENSORS:
            lim = self.profile.limit(name)
            limit, upper = (lim.high, True) if lim.high is not None else (lim.low, False)
            if limit is None or name not in stats or not complete:
                continue
            f = self.forecasts.setdefault(name, LocalLinearTrend())
            f.update(day / DAY_MS, stats[name][1])
            est, low, high = f.days_until(limit, upper=upper)
            if np.isfinite(est) or est == math.inf:
                # the day's mean stands for its middle: count from the end of the day
                shift = 0.5 if math.isfinite(est) and est > 0 else 0.0
                pt = ForecastPoint(name, next_day_ms, f.rate_per_day, max(est - shift, 0.0),
                                   max(low - shift, 0.0), max(high - shift, 0.0), limit)
                self.last_forecast[name] = pt
                points.append(pt)
        self.finished_days.append(DayRecord(day, stats, list(self.day_fired), points, list(self.day_notes)))
        self.day_rows, self.day_fired, self.day_notes = {}, [], []
        self.day_start_ms = next_day_ms

    def due_transitions(self, now_ms: int) -> list[Transition]:
        """``water_change_due`` from the latest forecast (info: it goes to the daily summary)."""
        pt = self.last_forecast.get("tds_ppm")
        due = pt is not None and math.isfinite(pt.days_to_limit) and pt.days_to_limit <= self.settings.due_days
        return self._rule("water_change_due", bool(due), now_ms, pt.days_to_limit if pt else float("nan"),
                          f"Water change due: {pt.text() if pt else ''}; TDS rising {pt.rate_per_day:+.1f} ppm "
                          "a day." if pt else "")

    def _water_change(self, now_ms: int, t_ms: Array, frame: dict[str, Array]) -> list[Transition]:
        """A step down in TDS (fresh water dilutes): a water change.  Re-learn, reset the forecast."""
        if "tds_ppm" not in frame or now_ms - self.last_water_change_ms < 6 * 3_600_000:
            return []
        w_now = t_ms >= now_ms - 10 * MIN_MS
        w_before = (t_ms >= now_ms - 90 * MIN_MS) & (t_ms < now_ms - 60 * MIN_MS)
        tds_now = np.nanmedian(frame["tds_ppm"][w_now]) if w_now.sum() >= 5 else float("nan")
        tds_before = np.nanmedian(frame["tds_ppm"][w_before]) if w_before.sum() >= 15 else float("nan")
        # fresh water dilutes: TDS steps down by a tenth or more; a probe reading near nothing has died
        # (probe_stuck), it is not a water change.  The sump level need not move: a display-tank refill
        if not (0.3 * tds_before < tds_now < 0.9 * tds_before):
            return []
        self.last_water_change_ms = now_ms
        start = now_ms - 90 * MIN_MS
        # the new normal is the water once the heater has caught up (cooler new water is not the level)
        self.accept_change(now_ms + WATER_CHANGE_SETTLE_MS)
        self._exclude(start, now_ms)
        for f in self.forecasts.values():
            f.reset()
        self.last_forecast.clear()
        self.day_notes.append(f"water change detected: TDS {tds_before:.0f} → {tds_now:.0f} ppm; forecast reset")
        out: list[Transition] = []
        # what the change itself moved is not a fault: close the drift episode it opened
        st = self.alerts.get("drift")
        if st is not None and st.state != "ok":
            was = st.state
            st.state, st.since_ms, st.clear_since_ms = "ok", now_ms, 0
            if was == "firing":
                out.append(Transition("drift", "warning", "resolved", "Resolved: it was a water change "
                                      f"(TDS {tds_before:.0f} → {tds_now:.0f} ppm).", now_ms, 0.0))
        return out
