"""Round 15: a failing probe's readings are not learnt as the water (analytics/drift.py, ``_drift_window``).

A child's nano: the pH probe's bulb hung above the water for a day (a drying glass: a wandering reading,
told as ``probe_noisy``).  The baseline went on learning it; wet again, the probe read the true pH 7.23 and the
drift told "pH 7.23, usual 7.97" three times that evening.
"""

from __future__ import annotations

import numpy as np
from test_drift_round13 import MIN_MS, START_MS, _tank

from analytics.alerts import AlertState
from analytics.monitor import MonitorSettings, TankMonitor


def _window_with(alert: str | None) -> TankMonitor:
    v = _tank(7)
    mon = TankMonitor("nano", MonitorSettings(profile="tropical"))
    if alert:
        mon.alerts[alert] = AlertState(state="firing", sensors=["ph"])
    t = START_MS + np.arange(len(v["ph"]), dtype=np.int64) * MIN_MS
    now = int(t[-1]) + MIN_MS
    mon._drift_window(now, t, {k: x for k, x in v.items() if k in mon.settings.drift_sensors})
    return mon


def test_the_hour_of_a_noisy_or_stuck_probe_is_kept_out_of_learning() -> None:
    for alert in ("probe_noisy", "probe_stuck"):
        mon = _window_with(alert)
        assert mon.excluded, alert
        start, end = mon.excluded[-1]
        assert end - start == mon.settings.window_minutes * MIN_MS


def test_a_healthy_probe_leaves_learning_alone() -> None:
    assert _window_with(None).excluded == []
