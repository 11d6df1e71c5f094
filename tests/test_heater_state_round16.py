"""Round 16: the heater rules' memory of the tank's water changes survives a restart.

``change_steps`` (how far each recent water change moved the temperature, learned by
:meth:`analytics.heater_rules.RecoveryMixin._hot_change`) and ``recovery_tau_h`` (how fast the heater
brought the water back) are learned over weeks of the keeper's changes; a restart that lost them would
leave the "new water far too warm" test and the recovery tests blind until two changes are learned again.
"""

from __future__ import annotations

import json

from analytics.monitor import MonitorSettings, TankMonitor
from analytics.state import monitor_state, restore_monitor
from tests.test_heater_round15 import DAY, MIN_MS, START_MS


def test_the_learned_water_change_steps_and_recoveries_round_trip_through_the_saved_state() -> None:
    mon = TankMonitor("heat16", MonitorSettings())
    mon.change_steps = [(START_MS - 3 * DAY * MIN_MS, 0.3), (START_MS - 6 * DAY * MIN_MS, -0.5)]
    mon.recovery_tau_h = [2.0, 2.1]
    doc = json.loads(json.dumps(monitor_state(mon, last_eval_ms=START_MS)))  # (as stored: JSON)
    again, last = restore_monitor(doc, "heat16", MonitorSettings())
    assert last == START_MS
    assert again.change_steps == mon.change_steps and all(isinstance(s, tuple) for s in again.change_steps)
    assert again.recovery_tau_h == mon.recovery_tau_h

