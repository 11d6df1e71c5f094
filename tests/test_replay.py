"""``aquamon replay`` through the real stack gives the alarms ``aquamon evaluate`` gives on the same labelled file."""

from __future__ import annotations

import numpy as np
import pytest

from aquamon.evaluate import evaluate
from aquamon.replay import read_readings, replay
from benchmarks.keeper_month import turtle_month, write_csv

HOURS = 4


def short_file(tmp_path):
    """Four hours of a turtle tank: the pump stops for 20 minutes, then the sump runs low for 15."""
    s = turtle_month(days=1, seed=3, faults=(
        {"kind": "pump_stopped", "start": 60, "end": 80, "recovery": 10},
        {"kind": "leak", "start": 150, "end": 165, "cm_per_h": 80.0, "recovery": 20}))
    n = HOURS * 60
    s.t_ms, s.labels = s.t_ms[:n], s.labels[:n]
    s.values = {k: v[:n] for k, v in s.values.items()}
    return write_csv(s, tmp_path / "short.csv")


@pytest.mark.services
def test_replay_and_evaluate_give_the_same_alarms(tmp_path) -> None:
    path = short_file(tmp_path)
    data = read_readings(path)
    ev = evaluate(data, data)  # the engine from the file's start, as the service meets the tank
    result = replay(path, "tank1", tmp_path / "stack", timeout_s=60)
    assert result.published == len(data)
    fired = {a["key"] for a in result.alerts if a["state"] == "firing"}
    assert {"pump_stopped", "sump_low"} <= fired, result.alerts
    assert any(route == "critical" for route, _ in result.notifications)
    # row by row, the last minute aside (no later reading closes it in the service)
    np.testing.assert_array_equal(result.alarms[:-1], ev.alarms[:-1])
    assert result.metrics is not None and result.metrics["events_hit"] == 2
