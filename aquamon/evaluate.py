"""Detection quality on labelled sensor files, scored the way the GECCO 2018 challenge and NAB score.

``aquamon evaluate`` reads a TRAIN and a TEST CSV (a time column, numeric
sensor columns, a boolean label column), fits a detector on TRAIN, runs it
strictly online over TEST and prints point-wise F1, precision and recall of the
positive class (the GECCO rule), the share of labelled events hit, false alarms
per day, the median detection delay, and, for NAB files, NAB's standard-profile
score.

What files are accepted and how awkward rows are handled (times, order,
repeats, missing and bad cells, units, labels) is :mod:`aquamon.labelled_csv`,
the reader ``aquamon replay`` shares.  A row with no sensor value at all cannot
be judged: it keeps the previous row's score and decision (the monitor's state
does not change when nothing is measured) and its label still counts.

The scores themselves (F1, events told, delays, NAB) are :mod:`aquamon.scoring`.
"""

from __future__ import annotations

import csv
import logging
import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Callable, Mapping, Sequence

import numpy as np
from numpy.typing import NDArray

from aquamon.labelled_csv import (  # noqa: F401  (the reader's names, where callers know them)
    TANK_RANGES,
    Array,
    BoolArray,
    EvaluationInputError,
    LabelledData,
    monotone_time,
    parse_columns,
    parse_time,
    read_labelled_csv,
)
from aquamon.scoring import detection_metrics, event_runs, nab_raw_score, onsets

log = logging.getLogger("aquamon.evaluate")


# --------------------------------------------------------------------------- running a detector

@dataclass
class Evaluation:
    metrics: dict[str, Any]
    scores: Array
    alarms: BoolArray
    threshold: float
    #: what the detector calibrated on TRAIN (deciding statistics, relearn delay), for the user to see
    calibration: dict[str, Any] = field(default_factory=dict)
    #: per alert key, rows while it was firing (the engine's; empty for other detectors)
    alerts: dict[str, BoolArray] = field(default_factory=dict)
    notes: list[str] = field(default_factory=list)


def carry_forward_empty_rows(X: Array, scores: Array, alarms: BoolArray) -> tuple[Array, BoolArray]:
    """Rows with no sensor value keep the previous row's score and decision (0 / no alarm at the start).

    >>> X = np.array([[1.0], [np.nan], [np.nan], [2.0]])
    >>> carry_forward_empty_rows(X, np.array([5.0, 0.0, 0.0, 1.0]), np.array([True, False, False, False]))
    (array([5., 5., 5., 1.]), array([ True,  True,  True, False]))
    """
    empty = ~np.isfinite(X).any(axis=1)
    s = np.asarray(scores, dtype=np.float64).copy()
    al = np.asarray(alarms, dtype=bool).copy()
    for i in np.flatnonzero(empty):
        s[i] = s[i - 1] if i else 0.0
        al[i] = al[i - 1] if i else False
    return s, al


def evaluate(train: LabelledData, test: LabelledData,
             make_detector: Callable[[], Any] | None = None,
             nab_windows: Sequence[tuple[float, float]] | None = None) -> Evaluation:
    """Fit a detector on ``train`` and run it online over ``test``; return the figures.

    ``make_detector`` returns an object with ``fit(t_s, X, labels, names)`` and
    ``run(t_s, X) -> (scores, alarms)`` (default: :class:`EngineDetector`, the service's engine).
    """
    if test.labels is None:
        raise EvaluationInputError(f"{test.path}: no labels to score against")
    if train.names != test.names:
        raise EvaluationInputError(f"TRAIN has columns {train.names}, TEST has {test.names}; pass --columns "
                                   "so both use the same sensors")
    if not len(test) or not np.isfinite(test.X).any():
        raise EvaluationInputError(f"{test.path}: no row of TEST has a sensor value ({len(test)} row(s), every "
                                   f"cell of {', '.join(test.names)} missing); give a file with readings")
    if make_detector is None:
        make_detector = EngineDetector
    t0 = time.perf_counter()
    det: Any = make_detector()  # duck-typed: fit/run, and whatever of evidence/holdout/alerts it has
    det.fit(train.t_s, train.X, train.labels, train.names)
    scores, alarms = det.run(test.t_s, test.X)
    scores, alarms = carry_forward_empty_rows(test.X, scores, alarms)
    seconds = time.perf_counter() - t0
    alerts = {k: carry_forward_empty_rows(test.X, np.zeros(len(test.X)), v)[1]
              for k, v in (getattr(det, "alerts", {}) or {}).items()}
    metrics = detection_metrics(test.t_s, test.labels, alarms, alarm_columns(alerts))
    metrics["seconds"] = seconds
    if nab_windows is not None:
        # NAB counts every flagged row as a detection; ours reports an alert once, when it starts
        metrics["nab_standard_raw"] = nab_raw_score(test.t_s, onsets(alarms), nab_windows)["score"]
    calibration: dict[str, Any] = {}
    mon = getattr(det, "monitor", None)
    if mon is not None and mon.quality is not None and mon.quality.detector is not None:
        q = mon.quality.detector
        calibration = {"evidence": list(q.evidence), "relearn_after_minutes": q.relearn_after_minutes,
                       "holdout_false_alarm_ratio": {k: round(float(v), 3) for k, v in q.holdout.items()}}
    elif getattr(det, "evidence", None):
        calibration = {"evidence": list(det.evidence), "relearn_after_minutes": det.relearn_after_minutes,
                       "holdout_false_alarm_ratio": {k: round(float(v), 3) for k, v in det.holdout.items()}}
    ev = Evaluation(metrics, scores, alarms, float(getattr(det, "threshold", float("nan"))), calibration)
    ev.alerts = alerts
    ev.notes = list(getattr(det, "notes", []) or [])
    return ev


def alarm_columns(alerts: Mapping[str, BoolArray]) -> dict[str, BoolArray]:
    """The columns of ``alerts`` (per alert key) that make an alarm: the engine's warning and critical keys.

    An info alert (a water change due) wakes nobody, so its start tells no fault.

    >>> sorted(alarm_columns({"heater_dead": np.ones(2, bool), "water_change_due": np.ones(2, bool)}))
    ['heater_dead']
    """
    from analytics.monitor import ALERTS

    return {k: v for k, v in alerts.items() if k in ALERTS and ALERTS[k].severity in ("warning", "critical")}


#: GECCO 2018: changes of these are operational (the operator's), not water-quality events
OPERATIONAL = ("Tp", "Fm", "Fm_2")
#: how rows meet the engine: "minute" as the service reads them (one-minute means, a step every minute),
#: "rows" one step per row (a lab file's own rate, SKAB's protocol), "auto" minute for a tank's channels
GRIDS = ("auto", "minute", "rows")
#: channels the tank rules read, never scored as water quality
RULE_ONLY = ("level_cm", "flow_lpm", "pump")


def engine_settings(cfg: Any = None, tank: str | None = None) -> Any:
    """The :class:`~analytics.monitor.MonitorSettings` the service gives ``tank``'s engine under ``cfg``.

    ``cfg``: a :class:`~aquamon.config.Config` (None: the default one); ``tank``: its own
    ``[alerts.tanks]`` table, if it has one (None: the global ``[alerts]``).  Made by the service's own
    :class:`analytics.settings.TankSettings`, so ``aquamon evaluate`` and the service cannot drift apart.

    >>> engine_settings().quality_false_alarms_per_day
    0.5
    """
    from analytics.settings import TankSettings
    from aquamon.config import Config

    per_tank = TankSettings(cfg if cfg is not None else Config())
    return per_tank.base if tank is None else per_tank.of(tank)


class EngineDetector:
    """The analytics service's per-tank engine (:class:`analytics.monitor.TankMonitor`) behind ``fit``/``run``.

    The same class and settings the service runs (``settings`` as made by
    :func:`engine_settings` from the configuration, the service's own
    :class:`analytics.settings.TankSettings`; :meth:`from_config` builds it
    whole, as ``aquamon evaluate --config FILE [--tank T]`` does); the CSV's
    columns are the frame's channels (a tank CSV names them ``temp_c``, ``ph``
    ... and gets every rule; other files get the quality watch and, for tank
    channels, the day/night drift).  TRAIN is the history the engine starts
    from (its learnable past, labelled event rows excluded as the service
    excludes time under an alert).  On the one-minute grid (``grid="minute"``,
    and ``"auto"`` for a file of a tank's channels) the rows are read as the
    service reads them from InfluxDB, one-minute means, and the engine is
    stepped at the end of every ``step_minutes`` (``[analytics]
    step_minutes``, 1 by default: every minute) from the first to the last,
    readings or not, as the service steps a tank; each row gets the decision
    in force at the end of its minute.  The settings add to the service's
    only what the file's own columns ask for: channels that are no tank
    reading are the quality watch's (``quality_sensors``), less the
    ``operational`` ones the file has.
    With ``grid="rows"`` (other files: a lab's own rate, SKAB's protocol) every
    TEST row is evaluated one minute after it was read, or when the next row
    arrives.  A row's alarm is 1 while any warning or critical alert is
    firing; :attr:`alerts` holds one such column per alert key.
    """

    def __init__(self, settings: Any = None, operational: Sequence[str] = OPERATIONAL, grid: str = "auto",
                 step_minutes: int = 1) -> None:
        if grid not in GRIDS:
            raise ValueError(f"grid must be one of {', '.join(GRIDS)}, not {grid!r}")
        if step_minutes < 1:
            raise ValueError(f"step_minutes must be 1 or more, not {step_minutes}")
        # (None: the default configuration's, as the service builds them: analytics.settings.settings_from)
        self.settings = settings if settings is not None else engine_settings(None)
        self.operational = tuple(operational)
        self.grid = grid
        self.step_minutes = int(step_minutes)
        self.alerts: dict[str, BoolArray] = {}
        self.transitions: list[Any] = []
        self.notes: list[str] = []
        self.threshold = float("nan")

    @classmethod
    def from_config(cls, cfg: Any, tank: str | None = None, operational: Sequence[str] = OPERATIONAL,
                    grid: str = "auto", false_alarms_per_day: float | None = None) -> "EngineDetector":
        """The engine the service runs for ``tank`` under the configuration ``cfg``, stepped as it steps.

        Its settings are :func:`engine_settings` (the service's, field for field), its step the
        configuration's ``[analytics] step_minutes``; ``false_alarms_per_day`` (``--false-alarms-per-day``)
        replaces the configuration's ``quality_false_alarms_per_day`` when given.
        """
        settings = engine_settings(cfg, tank)
        if false_alarms_per_day is not None:
            import dataclasses

            settings = dataclasses.replace(settings, quality_false_alarms_per_day=false_alarms_per_day)
        return cls(settings, operational, grid, step_minutes=cfg.analytics.step_minutes)

    def fit(self, t_s: Array, X: Array, labels: BoolArray | None = None,
            names: Sequence[str] | None = None) -> "EngineDetector":
        import dataclasses

        from analytics.monitor import DRIFT_SENSORS

        self.names = list(names) if names is not None else [f"x{j}" for j in range(X.shape[1])]
        # a tank's channels get the day/night drift (the settings' drift_sensors, as in the service: a channel
        # the file lacks is simply absent from the frame); every other non-operational channel the quality
        # watch.  Only what the file's own columns ask for is added to the service's settings.
        quality = tuple(n for n in self.names if n not in self.operational and n not in RULE_ONLY
                        and n not in DRIFT_SENSORS)
        if quality:
            self.settings = dataclasses.replace(
                self.settings, quality_sensors=tuple(self.settings.quality_sensors) + quality,
                operational=tuple(self.settings.operational) + tuple(
                    n for n in self.operational if n in self.names and n not in self.settings.operational))
        self.train = (np.asarray(t_s, dtype=np.float64), np.asarray(X, dtype=np.float64),
                      None if labels is None else np.asarray(labels, dtype=bool))
        span_days = (float(t_s[-1]) - float(t_s[0])) / 86400.0 if len(t_s) > 1 else 0.0
        if len(t_s) < 1440 and span_days < 1.0:
            self.notes.append(f"TRAIN is short ({len(t_s)} rows over {span_days * 24:.1f} h): the engine fits what "
                              "it can and widens its thresholds for the small sample; expect a less sensitive start")
            log.info("%s", self.notes[-1])  # (the command prints the notes: a warning here said it twice)
        return self

    def run(self, t_s: Array, X: Array) -> tuple[Array, BoolArray]:
        from analytics.monitor import ALERTS, MIN_MS, TankMonitor
        from analytics.tankdata import monitor_frame

        mon = TankMonitor("evaluate", self.settings)
        self.monitor = mon
        t_tr, X_tr, y_tr = self.train
        t_s = np.asarray(t_s, dtype=np.float64)
        X = np.asarray(X, dtype=np.float64)
        same = len(t_tr) == len(t_s) and np.array_equal(t_tr, t_s)
        if same or not len(t_tr) or t_tr[-1] >= t_s[0]:
            hist_t, hist_X = np.zeros(0), np.zeros((0, X.shape[1]))  # in-sample: no separate past
        else:
            hist_t, hist_X = t_tr, X_tr
            if y_tr is not None and y_tr.any():  # labelled events are not learned (as time under an alert)
                for lo, hi in event_runs(y_tr):
                    mon._exclude(int(t_tr[lo] * 1000), int(t_tr[hi - 1] * 1000))
        grid = self.on_minute_grid()
        row_ms = np.round(t_s * 1000).astype(np.int64)
        if grid:  # as the service reads them: one-minute means, stamped at the minute's start
            hist_t, hist_X = minute_means(hist_t, hist_X)
            t_s, X = minute_means(t_s, X)
        all_t = np.concatenate([hist_t, t_s])
        all_ms: NDArray[Any] = np.round(all_t * 1000).astype(np.int64)  # int64 ms (the monitor's arrays say float)
        # equal timestamps (kept as separate rows by the reader) must still be strictly ordered on the grid
        bump = np.concatenate([[False], np.diff(all_ms) <= 0]) if len(all_ms) else np.zeros(0, bool)
        if bump.any():
            all_ms = all_ms + np.cumsum(bump)  # a millisecond apart
        all_X = np.concatenate([hist_X, X])
        if len(hist_t) >= 200:  # TRAIN is the history the quality watch is calibrated on, however short
            mon._quality_step(int(all_ms[len(hist_t) - 1]) + 1, all_ms[:len(hist_t)],
                              {n: hist_X[:, j] for j, n in enumerate(self.names)}, {})
            if mon.quality is not None and not mon.quality.fitted:
                mon.quality.fit(all_ms[:len(hist_t)], hist_X[:, [self.names.index(c) for c in mon.quality.channels]],
                                mon._learnable(all_ms[:len(hist_t)]))
        off = len(hist_t)
        steps = step_times(row_ms if grid else all_ms[off:], grid)  # (rows: equal times a millisecond apart)
        # on the grid the service steps a tank at every multiple of [analytics] step_minutes: between them a
        # minute keeps the state of the last step (replay reads the alerts back so, at each minute's end)
        step_ms = self.step_minutes * MIN_MS if grid else 1
        frame_all = {n: all_X[:, j] for j, n in enumerate(self.names)}
        keep_ms = int((self.settings.reference_hours + 1) * 3_600_000)
        scores = np.zeros(len(steps))
        alarms = np.zeros(len(steps), dtype=bool)
        self.alerts = {k: np.zeros(len(steps), dtype=bool) for k in ALERTS}
        self.transitions = []
        lo = 0
        firing: set[str] = set()
        score: dict[str, Any] = {}
        first = True
        for k, now in enumerate(steps):
            if now % step_ms == 0:
                hi = int(np.searchsorted(all_ms, now, side="left"))  # the rows before now, as the service hands them
                if not first:  # the first evaluation sees all of TRAIN (the quality watch's first fit), later a window
                    while lo < hi and all_ms[lo] < now - keep_ms:
                        lo += 1
                first = False
                # a drift channel with no reading in the window is left out, as the service leaves it out
                frame = monitor_frame({c: v[lo:hi] for c, v in frame_all.items()}, self.settings.drift_sensors)
                score, out = mon.evaluate(int(now), all_ms[lo:hi], frame)
                for tr in out:
                    self.transitions.append(tr)
                    if tr.state == "firing":
                        firing.add(tr.key)
                    else:
                        firing.discard(tr.key)
            for key in firing:
                self.alerts[key][k] = True
            alarms[k] = any(ALERTS[key].severity in ("warning", "critical") for key in firing)
            scores[k] = float(score.get("quality", 0.0))
        if mon.quality is not None:
            self.notes += mon.quality.notes
            if mon.quality.detector is not None:
                self.threshold = mon.quality.detector.threshold
        if grid:  # each row gets the decision of the minute it is in, judged when that minute ended
            step_of_row = (row_ms // MIN_MS - row_ms[0] // MIN_MS) if len(row_ms) else row_ms
            self.alerts = {key: v[step_of_row] for key, v in self.alerts.items()}
            return scores[step_of_row], alarms[step_of_row]
        return scores, alarms

    def on_minute_grid(self) -> bool:
        """Whether rows are judged as the service judges them, on the one-minute grid (see ``grid``)."""
        if self.grid == "auto":
            return any(n in TANK_RANGES for n in self.names)
        return self.grid == "minute"


def minute_means(t_s: Array, X: Array) -> tuple[Array, Array]:
    """Rows to one-minute means stamped at the minute's start, as the service reads them from InfluxDB
    (``GROUP BY time(1m)``, ``mean``, ``fill(none)``): a minute without any value is not a row.

    >>> t, m = minute_means(np.array([0.0, 30.0, 65.0, 200.0]), np.array([[1.0], [3.0], [np.nan], [5.0]]))
    >>> t.tolist(), m[:, 0].tolist()
    ([0.0, 180.0], [2.0, 5.0])
    """
    minute = np.floor(np.asarray(t_s, dtype=np.float64) / 60.0) * 60.0
    t_min, bucket = np.unique(minute, return_inverse=True)
    present = np.isfinite(X)
    sums = np.zeros((len(t_min), X.shape[1]))
    counts = np.zeros((len(t_min), X.shape[1]))
    np.add.at(sums, bucket, np.where(present, X, 0.0))
    np.add.at(counts, bucket, present)
    with np.errstate(invalid="ignore", divide="ignore"):
        means = np.where(counts > 0, sums / counts, np.nan)
    some = counts.sum(axis=1) > 0
    return t_min[some], means[some]


def step_times(row_ms: NDArray[Any], grid: bool) -> NDArray[np.int64]:
    """When the engine is stepped over rows at ``row_ms`` (sorted).

    On the grid every minute from the first row's to the last row's is a step
    at its end, as the service steps a tank each minute, readings or not.
    Otherwise each row is judged one minute after it was read, or when the next
    row arrives if that is sooner.

    >>> step_times(np.array([0, 60_000, 200_000]), True)
    array([ 60000, 120000, 180000, 240000])
    >>> step_times(np.array([0, 1_000, 2_000]), False)
    array([ 1000,  2000, 62000])
    """
    from analytics.monitor import MIN_MS

    if not len(row_ms):
        return np.zeros(0, np.int64)
    if grid:
        first = int(row_ms[0]) // MIN_MS * MIN_MS
        return np.arange(first + MIN_MS, int(row_ms[-1]) // MIN_MS * MIN_MS + MIN_MS + 1, MIN_MS, dtype=np.int64)
    nxt = np.concatenate([row_ms[1:], [row_ms[-1] + MIN_MS]])
    return np.maximum(np.minimum(row_ms + MIN_MS, nxt), row_ms + 1).astype(np.int64)


def rolling_origin_folds(n: int, folds: int = 3, first: float = 0.5) -> list[tuple[int, int]]:
    """Rolling-origin folds inside one labelled stretch: ``(origin, end)`` row pairs.

    Fold *k* fits on rows ``[0, origin)`` and is scored on ``[origin, end)``; the
    origins are evenly spaced from ``first`` of the rows to the end, so every
    fold is scored on data later than everything it was fitted on, as the
    detector will be in use.

    >>> rolling_origin_folds(1200)
    [(600, 800), (800, 1000), (1000, 1200)]
    """
    edges = [int(round(n * (first + (1 - first) * k / folds))) for k in range(folds + 1)]
    return list(zip(edges[:-1], edges[1:]))


def cross_validate(train: LabelledData, make_detector: Callable[[], Any] | None = None, folds: int = 3,
                   first: float = 0.5) -> dict[str, Any]:
    """Rolling-origin cross-validation inside TRAIN: how a setting would have done on TRAIN's later parts.

    Choices that need labels (a setting compared by F1) are made with this,
    on TRAIN alone, never on the test data.  Returns the mean F1 over folds,
    the F1 of all folds' rows pooled, each fold's F1 and false alarms per day.
    """
    if train.labels is None:
        raise EvaluationInputError(f"{train.path}: cross-validation needs labels in TRAIN")
    f1s, fas = [], []
    tp = fp = fn = 0
    for origin, end in rolling_origin_folds(len(train), folds, first):
        m = evaluate(train.slice(0, origin), train.slice(origin, end), make_detector).metrics
        f1s.append(m["f1"])
        fas.append(m["false_alarms_per_day"])
        tp, fp, fn = tp + m["tp"], fp + m["fp"], fn + m["fn"]
    pooled = 2 * tp / (2 * tp + fp + fn) if tp else 0.0
    return {"f1_mean": float(np.mean(f1s)), "f1_pooled": pooled, "f1_folds": f1s,
            "false_alarms_per_day": float(np.mean(fas))}


def write_predictions(path: str | Path, data: LabelledData, ev: Evaluation) -> None:
    """One row per test row: ``Time`` (as written in the file), ``score``, ``alarm`` (0/1), then one 0/1
    column per alert key of the engine that fired at least once (which alert made the alarm)."""
    keys = [k for k, v in ev.alerts.items() if v.any()]
    with Path(path).open("w", newline="") as fh:
        w = csv.writer(fh)
        w.writerow(["Time", "score", "alarm", *keys])
        for i, (t, s, a) in enumerate(zip(data.time_text, ev.scores, ev.alarms)):
            w.writerow([t, f"{s:.6g}", int(a), *(int(ev.alerts[k][i]) for k in keys)])


HEADLINE = ("f1", "precision", "recall", "event_recall", "false_alarms_per_day", "median_delay_minutes",
            "events", "events_told", "median_told_delay_minutes", "rows", "seconds")


def summary_dict(metrics: dict[str, Any]) -> dict[str, Any]:
    keys = HEADLINE + tuple(k for k in ("nab_standard_raw",) if k in metrics)
    return {k: metrics[k] for k in keys}
