"""``aquamon replay`` through the real stack gives the alarms ``aquamon evaluate`` gives on the same labelled file."""

from __future__ import annotations

import csv

import numpy as np
import pytest

from aquamon.evaluate import evaluate
from aquamon.replay import MIN_MS, judged_until, read_readings, replay
from benchmarks.keeper_month import COLUMNS, turtle_month

MINUTES = 420


def awkward_file(tmp_path):
    """Seven hours of a turtle tank as a stranger's logger writes them: the pump stops for 20 minutes, then the
    sump runs low for 15.  Rows at jittered times for an hour, every 10 s with the probes' own noise for the
    next (the pump stop), every minute for the next (the leak), none for two hours, then every 5 minutes."""
    s = turtle_month(days=1, seed=3, faults=(
        {"kind": "pump_stopped", "start": 60, "end": 80, "recovery": 10},
        {"kind": "leak", "start": 150, "end": 165, "cm_per_h": 80.0, "recovery": 20}))
    rng = np.random.default_rng(4)
    rows = []
    for i in range(MINUTES):
        if i < 60:
            offsets = [int(rng.integers(0, 40))]
        elif i < 120:
            offsets = list(range(0, 60, 10))
        elif i < 200:
            offsets = [0]
        elif i < 320:
            offsets = []
        else:
            offsets = [0] if i % 5 == 0 else []
        for o in offsets:
            t = np.datetime64(int(s.t_ms[i]) + 1000 * o, "ms")
            noise = {"temp_c": 0.02, "ph": 0.02} if len(offsets) > 1 else {}
            rows.append([str(t), *(f"{s.values[c][i] + noise.get(c, 0.0) * rng.normal():.4g}" for c in COLUMNS),
                         int(s.labels[i])])
    path = tmp_path / "awkward.csv"
    with path.open("w", newline="") as fh:
        w = csv.writer(fh)
        w.writerow(["Time", *COLUMNS, "EVENT"])
        w.writerows(rows)
    return path


@pytest.mark.services
def test_replay_and_evaluate_give_the_same_alarms(tmp_path) -> None:
    path = awkward_file(tmp_path)
    data = read_readings(path)
    ev = evaluate(data, data)  # the engine from the file's start, as the service meets the tank
    result = replay(path, "tank1", tmp_path / "stack", timeout_s=60)
    assert result.published == len(data)
    fired = {a["key"] for a in result.alerts if a["state"] == "firing"}
    assert {"pump_stopped", "sump_low"} <= fired, result.alerts
    assert any(route == "critical" for route, _ in result.notifications)
    # row by row, the last minute aside (no later reading closes it in the service)
    row_ms = np.round(data.t_s * 1000).astype(np.int64)
    judged = row_ms // MIN_MS * MIN_MS + MIN_MS <= judged_until(row_ms)
    assert judged.sum() == len(data) - 1
    np.testing.assert_array_equal(result.alarms[judged], ev.alarms[judged])
    assert result.metrics is not None and result.metrics["events_hit"] == 2
