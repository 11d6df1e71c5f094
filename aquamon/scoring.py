"""Scores of a detector's alarms against labels: point-wise F1 (the GECCO 2018 rule), events hit and told,
false alarms per day, detection delays, and NAB's standard-profile score.

:mod:`aquamon.evaluate` runs the engine over a labelled file and scores its alarms here; ``aquamon replay``
scores the alerts read back from the running service with the same functions, so both print the same figures.

Examples
--------
>>> import numpy as np
>>> y = np.array([0, 1, 1, 1, 0, 0, 0, 1, 1, 0], dtype=bool)
>>> a = np.array([0, 0, 1, 1, 1, 0, 1, 0, 0, 0], dtype=bool)
>>> m = pointwise_scores(y, a)
>>> round(m["precision"], 3), round(m["recall"], 3), round(m["f1"], 3)
(0.5, 0.4, 0.444)
>>> event_runs(y)
[(1, 4), (7, 9)]
"""

from __future__ import annotations

import json
import math
from pathlib import Path
from typing import Any, Mapping, Sequence

import numpy as np

from aquamon.labelled_csv import Array, BoolArray, EvaluationInputError, parse_time


def nab_labels(t_s: Array, windows_json: str | Path, data_path: str | Path) -> tuple[BoolArray, list[tuple[float, float]]]:
    """Labels from NAB's ``combined_windows.json``: rows inside a window are positive."""
    wp = Path(windows_json)
    if not wp.is_file():
        raise EvaluationInputError(f"{wp}: no such file; pass --nab-windows with NAB's combined_windows.json")
    table = json.loads(wp.read_text())
    name = Path(data_path).name
    keys = [k for k in table if k == name or k.endswith("/" + name)]
    if not keys:
        raise EvaluationInputError(f"{wp}: no windows for {name!r}; NAB names files like "
                                   "'realKnownCause/machine_temperature_system_failure.csv'")
    windows = [(float(parse_time([a], "window", str(wp))[0][0]), float(parse_time([b], "window", str(wp))[0][0]))
               for a, b in table[keys[0]]]
    y = np.zeros(len(t_s), dtype=bool)
    for a, b in windows:
        y |= (t_s >= a) & (t_s <= b)
    return y, windows


# --------------------------------------------------------------------------- scores

def event_runs(labels: BoolArray) -> list[tuple[int, int]]:
    """Runs of consecutive true labels as half-open ``(start, stop)`` row ranges."""
    y = np.asarray(labels, dtype=np.int8)
    d = np.diff(np.concatenate([[0], y, [0]]))
    return list(zip(np.flatnonzero(d == 1).tolist(), np.flatnonzero(d == -1).tolist()))


def pointwise_scores(labels: BoolArray, alarms: BoolArray) -> dict[str, float]:
    """Point-wise precision, recall and F1 of the positive class (0.0 when undefined)."""
    y = np.asarray(labels, dtype=bool)
    a = np.asarray(alarms, dtype=bool)
    tp = int(np.sum(y & a))
    fp = int(np.sum(~y & a))
    fn = int(np.sum(y & ~a))
    precision = tp / (tp + fp) if tp + fp else 0.0
    recall = tp / (tp + fn) if tp + fn else 0.0
    f1 = 2 * precision * recall / (precision + recall) if precision + recall else 0.0
    return {"f1": f1, "precision": precision, "recall": recall, "tp": tp, "fp": fp, "fn": fn}


def onsets(on: BoolArray) -> BoolArray:
    """Rows where ``on`` begins: on, and the row before off (the first row counts when on).

    >>> onsets(np.array([1, 1, 0, 1, 0], dtype=bool)).astype(int).tolist()
    [1, 0, 0, 1, 0]
    """
    a = np.asarray(on, dtype=bool)
    return a & ~np.concatenate([[False], a[:-1]])


def alert_onsets(alarms: BoolArray, alerts: Mapping[str, BoolArray] | None = None) -> BoolArray:
    """Rows where the alarm begins, or (with ``alerts``, one column per alert key) any key starts firing."""
    begins = onsets(alarms)
    for column in (alerts or {}).values():
        begins = begins | onsets(column)
    return begins


def days_spanned(t_s: Array) -> float:
    """The days the rows span (a minute at least; 1 for no rows): what false alarms are counted per."""
    return max((float(t_s[-1]) - float(t_s[0])) / 86400.0, 1.0 / 1440.0) if len(t_s) else 1.0


def told_delays(t_s: Array, labels: BoolArray, alarms: BoolArray,
                alerts: Mapping[str, BoolArray] | None = None) -> list[float | None]:
    """Per labelled run, minutes from its first row to the first alert *onset* inside it (None: not told).

    A keeper is told of a fault by an alert that begins while it lasts: the
    alarm going from off to on, or, with ``alerts`` (one column per warning or
    critical alert key, as ``--predictions`` writes them), a key that starts
    firing while another alert is already on.  An alarm that was on before
    the run began and stays on, with no new key, tells nothing about it.

    >>> t = np.arange(8) * 60.0
    >>> y = np.array([0, 0, 1, 1, 1, 0, 1, 1], dtype=bool)
    >>> drift = np.array([0, 1, 1, 1, 1, 1, 1, 1], dtype=bool)  # on since before both runs
    >>> told_delays(t, y, drift)
    [None, None]
    >>> heater = np.array([0, 0, 0, 1, 1, 0, 0, 0], dtype=bool)  # its own alert, a minute in
    >>> told_delays(t, y, drift, {"drift": drift, "heater_dead": heater})
    [1.0, None]
    """
    y = np.asarray(labels, dtype=bool)
    begins = alert_onsets(alarms, alerts)
    out: list[float | None] = []
    for lo, hi in event_runs(y):
        hit = np.flatnonzero(begins[lo:hi])
        out.append((float(t_s[lo + hit[0]]) - float(t_s[lo])) / 60.0 if len(hit) else None)
    return out


def detection_metrics(t_s: Array, labels: BoolArray, alarms: BoolArray,
                      alerts: Mapping[str, BoolArray] | None = None) -> dict[str, Any]:
    """Every figure ``aquamon evaluate`` prints, from labels and decisions.

    ``false_alarms_per_day`` counts alarm onsets (a row alarmed, the previous
    not) on rows outside every labelled run, per day spanned by the rows.
    ``median_delay_minutes`` is over the events hit: time from the first
    labelled row to the first alarmed row of the run (None if none is hit);
    an alarm already on when the run began counts as a hit at delay 0.
    ``events_told`` and ``median_told_delay_minutes`` count only an alert
    that began inside the run (:func:`told_delays`; ``alerts``: one column
    per warning or critical alert key, when the detector has them).

    >>> t = np.arange(10) * 60.0
    >>> y = np.array([0, 1, 1, 1, 0, 0, 0, 1, 1, 0], dtype=bool)
    >>> a = np.array([0, 0, 1, 1, 1, 0, 1, 0, 0, 0], dtype=bool)
    >>> m = detection_metrics(t, y, a)
    >>> m["event_recall"], m["median_delay_minutes"], m["false_alarm_onsets"]
    (0.5, 1.0, 1)
    """
    y = np.asarray(labels, dtype=bool)
    a = np.asarray(alarms, dtype=bool)
    out: dict[str, Any] = pointwise_scores(y, a)
    runs = event_runs(y)
    delays = []
    for lo, hi in runs:
        hit = np.flatnonzero(a[lo:hi])
        if len(hit):
            delays.append((t_s[lo + hit[0]] - t_s[lo]) / 60.0)
    false_onsets = int(np.sum(onsets(a) & ~y))
    days = days_spanned(t_s)
    out.update(events=len(runs), events_hit=len(delays),
               event_recall=len(delays) / len(runs) if runs else 0.0,
               false_alarm_onsets=false_onsets, false_alarms_per_day=false_onsets / days,
               median_delay_minutes=float(np.median(delays)) if delays else None,
               rows=int(len(y)), days=days)
    told = [d for d in told_delays(t_s, y, a, alerts) if d is not None]
    out.update(events_told=len(told), median_told_delay_minutes=float(np.median(told)) if told else None)
    return out


def lead_in_figures(t_s: Array, labels: BoolArray, alarms: BoolArray, lead_in: BoolArray,
                    alerts: Mapping[str, BoolArray] | None = None) -> dict[str, Any]:
    """The told figures when a fault's *lead-in* counts as the fault: rows where it already runs, unlabelled.

    A simulated month knows when each fault physically began; its label often starts later, when the
    water has left the healthy range (a heater of two dying, a slow leak).  An alert that begins in
    between is the fault told early, not a false alert: here it tells its run at delay 0 and its onset
    is not counted false.  Everything else is as in :func:`detection_metrics` (whose strict figures
    stand beside these, unchanged).

    >>> t = np.arange(8) * 60.0
    >>> y = np.array([0, 0, 0, 1, 1, 1, 0, 0], dtype=bool)
    >>> lead = np.array([0, 1, 1, 0, 0, 0, 0, 0], dtype=bool)  # the fault began two minutes before its label
    >>> a = np.array([0, 0, 1, 1, 1, 1, 0, 0], dtype=bool)  # told a minute before the label
    >>> m = lead_in_figures(t, y, a, lead)
    >>> m["events_told_lead_in"], m["median_told_delay_lead_in_minutes"], m["false_alarm_onsets_lead_in"]
    (1, 0.0, 0)
    >>> detection_metrics(t, y, a)["false_alarm_onsets"], detection_metrics(t, y, a)["events_told"]
    (1, 0)
    """
    y = np.asarray(labels, dtype=bool)
    a = np.asarray(alarms, dtype=bool)
    early = np.asarray(lead_in, dtype=bool) & ~y
    begins = alert_onsets(a, alerts)
    told: list[float] = []
    for lo, hi in event_runs(y):
        first = lo
        while first > 0 and early[first - 1]:  # back over the fault's unlabelled start
            first -= 1
        hit = np.flatnonzero(begins[first:hi])
        if len(hit):
            told.append(max(0.0, (float(t_s[first + hit[0]]) - float(t_s[lo])) / 60.0))
    false_onsets = int(np.sum(onsets(a) & ~y & ~early))
    days = days_spanned(t_s)
    return {"events_told_lead_in": len(told),
            "median_told_delay_lead_in_minutes": float(np.median(told)) if told else None,
            "false_alarm_onsets_lead_in": false_onsets, "false_alarms_per_day_lead_in": false_onsets / days}


# --------------------------------------------------------------------------- NAB scoring

NAB_STANDARD = {"tp": 1.0, "fp": 0.11, "fn": 1.0}


def _scaled_sigmoid(position: float) -> float:
    # NAB: 2·sigmoid(−5y) − 1, and −1 for detections 3 or more window lengths after a window
    if position >= 3.0:
        return -1.0
    return 2.0 / (1.0 + math.exp(5.0 * position)) - 1.0


def nab_probationary_rows(n: int, probation_percent: float = 0.15) -> int:
    """NAB's probationary period: detections in the first min(15 %, 750) rows are ignored."""
    return int(min(math.floor(probation_percent * n), probation_percent * 5000))


def nab_raw_score(t_s: Array, detections: BoolArray, windows: Sequence[tuple[float, float]],
                  profile: dict[str, float] = NAB_STANDARD) -> dict[str, float]:
    """NAB's raw score of one file (the figure NAB's per-file results list as ``Score``).

    Follows NAB's sweeper: every detected row inside a window scores
    ``A_tp·σ(y)/σ(−1)`` with ``y = −(right − i + 1)/width`` and the window keeps
    its best (earliest) detection; a window without one costs ``−A_fn``; every
    detected row outside the windows costs ``A_fp·σ(y)`` with ``y`` its distance
    past the previous window in window widths (σ = −1 when there is none, or
    three widths on).  σ(y) = 2/(1 + e^{5y}) − 1.  Rows in the probationary
    period are ignored, and so are windows lying wholly inside it.

    >>> t = np.arange(100.0)
    >>> a = np.zeros(100, dtype=bool); a[40] = True
    >>> round(nab_raw_score(t, a, [(40.0, 49.0)])["score"], 4)  # at the window's start
    1.0
    >>> round(nab_raw_score(t, np.zeros(100, dtype=bool), [(40.0, 49.0)])["score"], 1)
    -1.0
    """
    a = np.asarray(detections, dtype=bool)
    n = len(a)
    probation = nab_probationary_rows(n)
    spans = []
    for lo_t, hi_t in windows:
        idx = np.flatnonzero((t_s >= lo_t) & (t_s <= hi_t))
        if len(idx):
            spans.append((int(idx[0]), int(idx[-1])))
    window_of = np.full(n, -1)
    for k, (lo, hi) in enumerate(spans):
        window_of[lo:hi + 1] = k
    max_tp = _scaled_sigmoid(-1.0)
    best: dict[int, float] = {int(k): -profile["fn"] for k in np.unique(window_of[probation:]) if k >= 0}
    fp_score = 0.0
    tp = fp = 0
    prev: tuple[int, int] | None = None
    for i in range(n):
        k = int(window_of[i])
        if a[i] and i >= probation:
            if k >= 0:
                lo, hi = spans[k]
                y = -(hi - i + 1) / (hi - lo + 1)
                best[k] = max(best[k], profile["tp"] * _scaled_sigmoid(y) / max_tp)
                tp += 1
            else:
                y = 3.0 if prev is None else abs(prev[1] - i) / max(prev[1] - prev[0], 1)
                fp_score += profile["fp"] * _scaled_sigmoid(y)
                fp += 1
        if k >= 0 and i == spans[k][1]:
            prev = spans[k]
    missed = sum(1 for v in best.values() if v == -profile["fn"])
    return {"score": sum(best.values()) + fp_score, "tp": tp, "fp": fp, "fn": missed, "windows": len(best)}
