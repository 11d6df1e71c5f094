"""A fault is *told* only by an alert that begins while it lasts, not by one already on when it started.

Fast: synthetic decisions through the pure figures, a stand-in detector through ``evaluate``, and the replay's
alert list turned into the same per-key columns.
"""

from __future__ import annotations

import numpy as np

from aquamon.evaluate import evaluate, summary_dict
from aquamon.labelled_csv import LabelledData
from aquamon.replay import alert_columns
from aquamon.scoring import detection_metrics, told_delays

N = 60
T = np.arange(N) * 60.0  # one row a minute
FAULT = (30, 45)  # labelled rows [30, 45)


def labels() -> np.ndarray:
    y = np.zeros(N, dtype=bool)
    y[FAULT[0]:FAULT[1]] = True
    return y


def on(lo: int, hi: int) -> np.ndarray:
    a = np.zeros(N, dtype=bool)
    a[lo:hi] = True
    return a


def test_an_alert_firing_since_before_the_fault_is_a_hit_but_tells_nothing():
    drift = on(10, N)  # a false drift from minute 10, still firing through the fault
    m = detection_metrics(T, labels(), drift, {"drift": drift})
    assert m["events_hit"] == 1 and m["median_delay_minutes"] == 0.0  # the old figure credits it
    assert m["events_told"] == 0 and m["median_told_delay_minutes"] is None
    assert told_delays(T, labels(), drift) == [None]


def test_a_new_alert_key_during_the_fault_is_told_at_its_onset():
    drift = on(10, N)
    heater = on(37, 50)  # the fault's own alert, 7 minutes in, while the drift still fires
    alarm = drift | heater  # the alarm never goes 0 -> 1 in the fault: only the key's start tells
    m = detection_metrics(T, labels(), alarm, {"drift": drift, "heater_dead": heater})
    assert m["events_told"] == 1 and m["median_told_delay_minutes"] == 7.0
    assert m["events_hit"] == 1 and m["median_delay_minutes"] == 0.0
    # without the per-key columns the same alarm tells nothing
    assert detection_metrics(T, labels(), alarm)["events_told"] == 0


def test_an_alarm_going_on_inside_the_fault_is_told_and_one_after_it_is_not():
    y = labels()
    assert detection_metrics(T, y, on(34, 40))["median_told_delay_minutes"] == 4.0
    late = detection_metrics(T, y, on(45, 50))
    assert late["events_told"] == 0 and late["events_hit"] == 0 and late["false_alarm_onsets"] == 1
    # a key that went quiet and fires again inside the fault is a new page: told
    again = on(10, 20) | on(41, 44)
    assert told_delays(T, y, again, {"ph_crash": again}) == [11.0]


class StandIn:
    """A detector whose alerts are given: a drift on since before the fault, an info alert starting in it."""

    def __init__(self, own_alert: bool) -> None:
        self.own_alert = own_alert

    def fit(self, t_s, X, labels=None, names=None):
        return self

    def run(self, t_s, X):
        drift = on(10, N)
        self.alerts = {"drift": drift, "water_change_due": on(33, 40)}  # info: wakes nobody
        if self.own_alert:
            self.alerts["heater_dead"] = on(42, 50)
        alarm = drift | self.alerts.get("heater_dead", np.zeros(N, dtype=bool))
        return alarm.astype(float), alarm


def data() -> LabelledData:
    X = np.full((N, 1), 25.0)
    return LabelledData("synthetic", ["temp_c"], T.copy(), [str(t) for t in T], X, labels())


def test_evaluate_counts_only_warning_and_critical_keys_as_telling():
    m = evaluate(data(), data(), lambda: StandIn(own_alert=False)).metrics
    assert m["events_hit"] == 1 and m["events_told"] == 0  # the info alert's start is not a page
    m = evaluate(data(), data(), lambda: StandIn(own_alert=True)).metrics
    assert m["events_told"] == 1 and m["median_told_delay_minutes"] == 12.0
    assert {"events", "events_told", "median_told_delay_minutes"} <= set(summary_dict({**m, "seconds": 0.0}))


def test_replay_alert_list_gives_the_same_told_figures_as_the_engine_columns():
    """What replay reads back from InfluxDB (alert transitions) makes the columns evaluate's engine gives."""
    row_ms = np.round(T * 1000).astype(np.int64)
    # judged at the end of a row's minute: a transition stamped at minute k's end is on row k
    alerts = [{"time": 11 * 60_000, "key": "drift", "severity": "warning", "state": "firing"},
              {"time": 34 * 60_000, "key": "water_change_due", "severity": "info", "state": "firing"},
              {"time": 43 * 60_000, "key": "heater_dead", "severity": "critical", "state": "firing"},
              {"time": 51 * 60_000, "key": "heater_dead", "severity": "critical", "state": "resolved"}]
    cols = alert_columns(alerts, row_ms)
    assert set(cols) == {"drift", "heater_dead"}
    np.testing.assert_array_equal(cols["drift"], on(10, N))
    np.testing.assert_array_equal(cols["heater_dead"], on(42, 50))
    alarm = cols["drift"] | cols["heater_dead"]
    m = detection_metrics(T, labels(), alarm, cols)
    assert (m["events_told"], m["median_told_delay_minutes"]) == (1, 12.0)
