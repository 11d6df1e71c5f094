"""The quality watch inside the engine: configured per channel, saved and restored with the tank's state."""

from __future__ import annotations

import json

import numpy as np

from analytics.monitor import MonitorSettings, TankMonitor
from analytics.state import monitor_state, restore_monitor

MIN_MS = 60_000
START_MS = 1_767_225_600_000


def plant(n: int, seed: int = 5) -> tuple[np.ndarray, dict[str, np.ndarray]]:
    rng = np.random.default_rng(seed)
    t = START_MS + np.arange(n, dtype=np.int64) * MIN_MS
    return t, {"redox": 750 + 2.0 * rng.normal(size=n), "Tp": 12 + rng.normal(size=n)}


def step(mon: TankMonitor, t: np.ndarray, v: dict, first: int, last: int) -> list:
    out = []
    for i in range(first, last):
        _, trs = mon.evaluate(int(t[i]) + MIN_MS, t[: i + 1], {k: x[: i + 1] for k, x in v.items()})
        out += [(i, tr.key, tr.state) for tr in trs]
    return out


def test_a_restored_quality_watch_decides_as_the_one_that_never_stopped() -> None:
    n = 1440 + 240
    t, v = plant(n)
    v["redox"][-60:] += 25.0  # the last hour moved
    settings = MonitorSettings(drift_sensors=(), quality_sensors=("redox", "Tp"), operational=("Tp",))
    mon = TankMonitor("plant", settings)
    assert step(mon, t, v, 0, 1500) == []
    assert mon.quality is not None and mon.quality.fitted and mon.quality.channels == ("redox",)
    doc = json.loads(json.dumps(monitor_state(mon, int(t[1499]) + MIN_MS)))  # through JSON, as stored
    restored, last_eval = restore_monitor(doc, "plant", settings)
    assert last_eval == int(t[1499]) + MIN_MS and restored.quality is not None and restored.quality.fitted
    ours, theirs = step(mon, t, v, 1500, n), step(restored, t, v, 1500, n)
    assert ours == theirs and ("water_quality" in {k for _, k, s in ours if s == "firing"}), ours
