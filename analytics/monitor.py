"""One tank's engine: rules, probe health, drift, the quality watch, days and water changes, alert states.

The one per-tank engine: the analytics service runs it, ``aquamon evaluate``
and ``aquamon replay`` measure it.  Its parts are mixins, one module each
(their state lives on :class:`TankMonitor`, which the analytics state saves
and restores): :mod:`analytics.tank_rules`, :mod:`analytics.probes`,
:mod:`analytics.drift`, :mod:`analytics.quality`, :mod:`analytics.days`; the
alert catalogue is :mod:`analytics.catalogue`.

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
- the quality watch (configured channels only): calibrated tails, CUSUM onset, relearn;
- device and firmware: last will, silence, interlock/lockout/fault events.

Learning: the baseline is refitted hourly on the reference period excluding
time under a drift alert or in maintenance, from ``learn_from_ms`` on.  A
lasting genuine change (a water change, or a drift that stays for
``accept_after_hours`` without any rule alert) moves ``learn_from_ms``: the old
day/night shape is kept with its level re-estimated from the new water until a
full warm-up of new data exists.
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field
from typing import Any, Iterable

import numpy as np
from numpy.typing import NDArray

from analytics.alerts import AlertState, step
from analytics.baseline import DayNightBaseline
from analytics.batch import WindowScore, score_window
from analytics.catalogue import (  # the catalogue's names, re-exported: callers import them from here
    ALERT_READING,
    ALERT_READING_SENSORS,
    ALERTS,
    DAY_MS,
    DRIFT_SENSORS,
    FORECAST_SENSORS,
    LABELS,
    MIN_MS,
    PROBE_SENSORS,
    SLOT_MS,
    SLOTS,
    WATER_CHANGE_SETTLE_MS,
    WATER_CHANNELS,
    AlertSpec,
    Transition,
    _fmt,
)
from analytics.days import DayRecord, DaysMixin, ForecastPoint
from analytics.drift import DriftMixin, DriftWindow, _kl_threshold
from analytics.drift_fortnight import FortnightMemory
from analytics.drift_weekly import WeekMemory
from analytics.flow_trend import FlowWatch
from analytics.forecast import LocalLinearTrend
from analytics.level_dips import LevelDips
from analytics.level_hinge import HingeTails
from analytics.outage import OutageMixin
from analytics.probe_quiet import QuietFloor
from analytics.probes import ProbesMixin
from analytics.profiles import Profile, get_profile
from analytics.pump_watch import PumpOffWatch
from analytics.quality import QualityMixin, QualityWatch
from analytics.routine_stop import RoutineStops
from analytics.rules import despike
from analytics.tank_rules import RulesMixin
from analytics.top_off_watch import TopOffWatch
from analytics.top_ups import LOOK_MINUTES, LevelStep, explained_ratio, level_step_up, undo_dilution
from analytics.water_change import DrainUnderWay, PastDrain
from aquamon.contract import RANGES

Array = NDArray[np.float64]


def outside_range_dropped(name: str, y: Array) -> Array:
    """``y`` with the readings outside the contract's range for ``name`` made NaN (none: ``y`` itself).

    >>> outside_range_dropped("temp_c", np.array([25.1, -127.0, 85.5, 25.2]))
    array([25.1,  nan,  nan, 25.2])
    """
    lo, hi = RANGES[name]
    with np.errstate(invalid="ignore"):
        out = (y < lo) | (y > hi)
    return np.where(out, np.nan, y) if out.any() else y


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
    # the keeper's day for the daily records and summaries: [alerts] time_zone (or the deprecated fixed
    # offset); neither set = UTC days
    time_zone: str = ""
    utc_offset_minutes: int = 0
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


@dataclass
class TankMonitor(RulesMixin, ProbesMixin, DriftMixin, DaysMixin, QualityMixin, OutageMixin):
    tank: str
    settings: MonitorSettings = field(default_factory=MonitorSettings)
    baseline: DayNightBaseline | None = None
    fitted_at_ms: int = 0
    alerts: dict[str, AlertState] = field(default_factory=dict)
    excluded: list[tuple[int, int]] = field(default_factory=list)  # drift and maintenance: not learned
    healthy_threshold: float = 0.0
    temp_trend_tail: tuple[float, float] = (0.0, 0.0)  # healthy 15-min temperature trends, falling / rising (°C/h)
    ph_trend_tail: tuple[float, float] = (0.0, 0.0)  # healthy 15-min pH trends away from usual, falling / rising (/h)
    level_fall_tail: float = 0.0  # the sump level's healthy 15-minute falls (cm/h), at the stated rate
    #: the level's healthy steady falls and rises and its usual fall, cm/h (analytics.level_trend.steady_tails)
    level_steady: tuple[float, float, float] = (0.0, 0.0, 0.0)
    level_wobble: float = 0.0  # the level's usual minute-to-minute wobble (cm), for a knocked sensor
    usual_flow: float = 0.0  # the filter's usual flow while the pump runs (l/min; 0: not learned yet)
    flow_watch: FlowWatch = field(default_factory=FlowWatch)  # its clean flow and spread (analytics/flow_trend.py)
    top_off: TopOffWatch = field(default_factory=TopOffWatch)  # the band a top-off holds (analytics/top_off_watch.py)
    pump_off: PumpOffWatch = field(default_factory=PumpOffWatch)  # the keeper's pump-off spans (analytics/pump_watch.py)
    routine_stops: RoutineStops = field(default_factory=RoutineStops)  # the keeper's routine stops (routine_stop.py)
    level_dips: LevelDips = field(default_factory=LevelDips)  # its everyday dip (analytics/level_dips.py)
    level_hinge: HingeTails = field(default_factory=HingeTails)  # a leak's first minutes (analytics/level_hinge.py)
    #: the heater's (or chiller's) thermostat cycle learned from the healthy temperature: the fields of
    #: analytics.thermostat.Cycle, () while none is found; and the baseline fit it was learned at
    thermostat: tuple[float, ...] = ()
    thermostat_at_ms: int = -1
    #: how far the baseline's level moved since its last full fit (re-levelled on new water), per drift channel
    relevelled_by: Array | None = None
    daily_shape: Array | None = None  # (1440, d) residual per minute of the day (median over days): feeding, lights
    cov: Array | None = None  # residual covariance after the daily shape
    day_to_day_var: Array | None = None  # (24, d) how much each hour's mean residual varies from day to day
    noise: dict[str, float] = field(default_factory=dict)  # usual minute-to-minute wobble per probe
    noise_at_ms: int = 0
    noise_level: dict[str, float] = field(default_factory=dict)  # each probe's usual reading while its noise was learned
    #: each inert probe's latest lasting step (analytics.probe_steps): (ms, size, level before, a step back?)
    probe_steps: dict[str, tuple[int, float, float, bool]] = field(default_factory=dict)
    fastest_minute: dict[str, float] = field(default_factory=dict)  # the water's fastest healthy minute change
    repeat_chance: dict[str, float] = field(default_factory=dict)  # how often a healthy reading repeats exactly
    wobble_gone_ms: dict[str, int] = field(default_factory=dict)  # since when each probe's wobble collapsed
    noise_renewed: dict[str, int] = field(default_factory=dict)  # the step each probe's wobble was learned after
    missed: dict[str, float] = field(default_factory=dict)  # how often each healthy probe misses a reading (probe_gaps)
    quiet: dict[str, QuietFloor] = field(default_factory=dict)  # how quiet each healthy probe gets (probe_quiet)
    #: a probe's standing offsets after a step: (channel, from ms, to ms, size), kept out of the usual course
    offset_spans: list[tuple[str, int, int, float]] = field(default_factory=list)
    learn_from_ms: int = 0
    relevel_pending: bool = False  # after a lasting change: no drift score until re-levelled on new water
    #: after a water change: channels (the temperature) that keep their level and stay out of the drift
    #: until back near usual (the heater or the room brings them back)
    settling: list[str] = field(default_factory=list)
    outage_end_ms: int = -DAY_MS  # readings came back after the device was offline (analytics.outage)
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
    last_tds_change_ms: int = -DAY_MS  # the last water change told by a TDS step (it resets the forecast)
    drain: DrainUnderWay | None = None  # the keeper's drain under way (analytics.water_change)
    drain_end_ms: int = -DAY_MS  # when the last drain was refilled (or a top-up seen): the filter's grace
    water_moved_ms: int = -DAY_MS  # the last water change recognised by the level (the rules hold after it)
    level_lost_below_cm: float = float("nan")  # a fast fall not refilled in time: water still missing below this
    last_refill_ms: int = -DAY_MS  # the keeper's last refill after a drain (a fall soon after is no water change)
    level_lost_why: str = ""  # why that fall was no water change of the keeper's (their words), "" for the default
    keeper_drains: list[PastDrain] = field(default_factory=list)  # the keeper's water changes, drained and refilled
    drift_held_until: dict[str, int] = field(default_factory=dict)  # new water's readings out of the drift till then
    #: departures a drift told the keeper of: reading -> [departure, told at ms, back near usual since ms (0: away)]
    told_departures: dict[str, list[float]] = field(default_factory=dict)

    recovery_tau_h: list[float] = field(default_factory=list)  # the heater's recoveries after recent changes (h)
    recovery_fit_ms: int = -DAY_MS  # the water change whose recovery was last fitted
    #: the recent water changes (recognised at ms) and how far their new water moved the temperature (°C)
    change_steps: list[tuple[int, float]] = field(default_factory=list)
    event_until_ms: dict[str, int] = field(default_factory=dict)
    event_detail: dict[str, str] = field(default_factory=dict)
    open_evaluation_ms: int | None = None  # a prepare() not yet concluded (the state is half-updated)
    quality: QualityWatch | None = None
    ph_before_crash: float = float("nan")  # the pH before a crash: ph_crash resolves only when it is back
    ph_before_rise: float = float("nan")  # the pH before a fast rise: ph_rising resolves only when it is back
    #: recognised sump top-ups (start ms, TDS ratio after/before it explains (1.0: nothing), rise cm, level cm)
    top_ups: list[tuple[int, float, float, float]] = field(default_factory=list)
    week_memory: WeekMemory | None = None  # the drift's departures of the last two weeks (analytics.drift_weekly)
    #: the water's temperature of the last fifteen healthy days (analytics.drift_fortnight)
    fortnight_memory: FortnightMemory | None = None
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

    # --- for the service (analytics/service.py), so it edits none of the fields (round 5, service split)
    def note_device(self, device: str, online: bool) -> None:
        """Remember a device's status heard before the tank has data: nothing to judge yet."""
        self.device_online[device] = online

    def take_finished_days(self) -> list[DayRecord]:
        """The days closed since the last call, oldest first (their forecasts and summaries are written)."""
        days, self.finished_days = self.finished_days, []
        return days

    def accept_change(self, at_ms: int) -> None:
        """Take the water from ``at_ms`` on as the new normal (a water change, or an accepted drift)."""
        self.learn_from_ms = at_ms
        self.fitted_at_ms = 0  # refit at the next evaluation
        self.relevel_pending = True
        self.excluded = [sp for sp in self.excluded if sp[1] < at_ms]
        if self.quality is not None:
            self.quality.relearn()

    def _top_up(self, now_ms: int, t_ms: Array, frame: dict[str, Array]) -> None:
        """Recognise a sump top-up (the level stepped up) and the TDS dilution it explains.

        The baseline fitted before it is put in today's water (scaled by the
        ratio); the ratio is measured again each minute of the top-up's first
        window (more readings of the new water each time).
        """
        if "level_cm" not in frame or "tds_ppm" not in frame:
            return
        if self.top_ups and self.top_ups[-1][0] > now_ms - 3 * LOOK_MINUTES * MIN_MS:
            start, old, rise, level = self.top_ups[-1]
            if now_ms - start <= self.settings.window_minutes * MIN_MS:  # still in the drift window
                ratio = explained_ratio(t_ms, frame["tds_ppm"], LevelStep(int(start), rise, level))
                if ratio is not None:
                    self._rescale_tds(ratio / old, frame)
                    self.top_ups[-1] = (start, ratio, rise, level)
            return  # this step is already recognised (it stays in the level's windows for an hour)
        step_up = level_step_up(t_ms, frame["level_cm"], now_ms, frame.get("pump"))
        ratio = None if step_up is None else explained_ratio(t_ms, frame["tds_ppm"], step_up)
        if step_up is None or ratio is None:
            return
        horizon = now_ms - (self.settings.reference_hours + 2) * 3_600_000
        self.top_ups = [tu for tu in self.top_ups if tu[0] >= horizon] + \
            [(step_up.start_ms, ratio, step_up.rise_cm, step_up.level_cm)]
        self._rescale_tds(ratio, frame)

    def _rescale_tds(self, factor: float, frame: dict[str, Array]) -> None:
        """Scale the fitted TDS (baseline, daily shape, covariance) by ``factor``: a linear fit of readings
        scaled by ``factor`` (every fitted reading is older than the top-up: fits end an hour back)."""
        present = [n for n in self.settings.drift_sensors if n in frame]
        if factor == 1.0 or "tds_ppm" not in present:
            return
        col = present.index("tds_ppm")
        if self.baseline is not None and self.baseline.coef.shape[1] == len(present):
            self.baseline.coef[:, col] *= factor
            self.baseline.cov[col, :] *= factor
            self.baseline.cov[:, col] *= factor
        if self.cov is not None and self.cov.shape[0] == len(present):
            self.cov[col, :] *= factor
            self.cov[:, col] *= factor
        if self.daily_shape is not None and self.daily_shape.shape[1] == len(present):
            self.daily_shape[:, col] *= factor

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
        # a reading outside the contract's range is a faulty probe, not water: the gateway drops it
        # (out_of_range), so the engine does too, whoever hands it the readings (evaluate, replay, the service)
        raw = {k: (outside_range_dropped(k, v) if k in RANGES else v) for k, v in frame.items()}
        # one wild reading is a glitch, not the water: the water's statistics see the causal median of three
        # (the probe checks see the raw readings: a failing probe's jumps are their evidence)
        frame = {k: (despike(v) if k in WATER_CHANNELS or k in self.settings.quality_channels() else v)
                 for k, v in raw.items()}
        self._top_up(now_ms, t_ms, frame)
        # the drift's statistics see the TDS as if the top-ups had not diluted it (analytics.top_ups);
        # the rules, the days and the water-change check see the readings as they are
        watched = frame if not self.top_ups or "tds_ppm" not in frame else \
            {**frame, "tds_ppm": undo_dilution(t_ms, frame["tds_ppm"], self.top_ups)}
        pending = PendingEvaluation(now_ms, t_ms, watched)
        self._current = {k: self._last(v[-3:]) for k, v in frame.items() if k in ALERT_READING_SENSORS}
        self._note_outage(t_ms)
        self._accumulate_day(now_ms, t_ms, frame)
        pending.out += self._events(now_ms, events)  # first: a firmware fault explains what the readings show
        pending.out += self._water_change(now_ms, t_ms, frame)  # before the rules: it explains a cooler tank
        pending.out += self._rules(now_ms, t_ms, frame, pending.score, raw)
        pending.out += self._quality_step(now_ms, t_ms, frame, pending.score)
        if (now_ms // MIN_MS) % self.settings.drift_every_minutes == 0:
            pending.drift_step = True
            pending.out += self._probes(now_ms, t_ms, raw, pending.score)
            pending.window = self._drift_window(now_ms, t_ms, watched)
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
