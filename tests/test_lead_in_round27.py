"""Round 27: the keeper months' told figures with each fault's lead-in credited, beside the strict ones.

A simulated fault's label often begins after the fault did (when the water has left its healthy range); an
alert in between told the fault early.  The strict figures call it a false alert and the fault untold; the
lead-in figures (``aquamon.scoring.lead_in_figures``) credit it.  These tests pin both: the lead-in is the
fault's unlabelled start only, and the strict figures are not changed by it.
"""

from __future__ import annotations

from types import SimpleNamespace

import numpy as np

from aquamon.scoring import detection_metrics, lead_in_figures
from benchmarks.bench_detection import fault_lead_in


def _month(labels: list[int], faults: list[dict]) -> SimpleNamespace:
    return SimpleNamespace(labels=np.array(labels, dtype=bool), faults=faults)


def test_the_lead_in_is_the_faults_unlabelled_start_only():
    s = _month([0, 0, 0, 0, 1, 1, 1, 0, 0, 0, 1, 1, 0],
               [{"kind": "leak", "start": 1, "end": 7}, {"kind": "pump", "start": 10, "end": 12}])
    assert fault_lead_in(s).astype(int).tolist() == [0, 1, 1, 1, 0, 0, 0, 0, 0, 0, 0, 0, 0]


def test_a_fault_never_labelled_has_no_lead_in():
    s = _month([0] * 6, [{"kind": "leak", "start": 1, "end": 5}])
    assert not fault_lead_in(s).any()


def test_an_alert_before_the_label_is_false_strictly_and_the_fault_told_with_its_lead_in():
    t = np.arange(12) * 60.0
    y = np.array([0, 0, 0, 0, 1, 1, 1, 1, 0, 0, 0, 0], dtype=bool)
    lead = np.array([0, 0, 1, 1, 0, 0, 0, 0, 0, 0, 0, 0], dtype=bool)
    early = np.array([0, 0, 0, 1, 1, 1, 1, 1, 0, 0, 0, 0], dtype=bool)  # a minute before the label
    strict = detection_metrics(t, y, early)
    assert (strict["false_alarm_onsets"], strict["events_told"]) == (1, 0)
    m = lead_in_figures(t, y, early, lead)
    assert (m["false_alarm_onsets_lead_in"], m["events_told_lead_in"]) == (0, 1)
    assert m["median_told_delay_lead_in_minutes"] == 0.0


def test_an_alert_before_the_fault_began_stays_false_with_the_lead_in():
    t = np.arange(12) * 60.0
    y = np.array([0, 0, 0, 0, 1, 1, 1, 1, 0, 0, 0, 0], dtype=bool)
    lead = np.array([0, 0, 1, 1, 0, 0, 0, 0, 0, 0, 0, 0], dtype=bool)
    before = np.array([0, 1, 1, 1, 1, 1, 1, 1, 0, 0, 0, 0], dtype=bool)  # on before the fault began
    m = lead_in_figures(t, y, before, lead)
    assert (m["false_alarm_onsets_lead_in"], m["events_told_lead_in"]) == (1, 0)


def test_a_late_alert_keeps_its_delay_from_the_label():
    t = np.arange(12) * 60.0
    y = np.array([0, 0, 0, 0, 1, 1, 1, 1, 0, 0, 0, 0], dtype=bool)
    lead = np.array([0, 0, 1, 1, 0, 0, 0, 0, 0, 0, 0, 0], dtype=bool)
    late = np.array([0, 0, 0, 0, 0, 0, 1, 1, 0, 0, 0, 0], dtype=bool)
    m = lead_in_figures(t, y, late, lead)
    assert m["median_told_delay_lead_in_minutes"] == detection_metrics(t, y, late)["median_told_delay_minutes"] == 2.0
