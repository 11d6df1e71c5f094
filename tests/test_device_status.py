"""analytics/device_status.py: a last will is judged after the readings before it, statuses in the order heard."""

from __future__ import annotations

from analytics.device_status import MIN_MS, StatusHeard, StatusQueue, TankClock, ready

OFF = StatusHeard("t1", "esp", False)
ON = StatusHeard("t1", "esp", True)


def test_online_is_judged_at_once_offline_waits_for_settled_and_evaluated_readings() -> None:
    busy = TankClock(last_eval_ms=10 * MIN_MS, last_reading_ms=10 * MIN_MS, quiet_s=0.5)
    behind = TankClock(last_eval_ms=9 * MIN_MS, last_reading_ms=10 * MIN_MS + 5, quiet_s=60.0)
    done = TankClock(last_eval_ms=10 * MIN_MS, last_reading_ms=10 * MIN_MS + 59_999, quiet_s=60.0)
    assert ready(ON, busy, 1.0) and ready(ON, behind, 1.0)
    assert not ready(OFF, busy, 1.0)  # readings still arriving
    assert not ready(OFF, behind, 1.0)  # the last minute is not evaluated yet
    assert ready(OFF, done, 1.0)
    assert not ready(OFF, done, 30.0)  # three polls of quiet: a slow poll waits longer
    assert ready(OFF, TankClock(10 * MIN_MS, None, 60.0), 1.0)  # resumed, nothing read: nothing to wait for


def test_a_tank_without_evaluated_data_remembers_the_status_only() -> None:
    queue = StatusQueue(poll_s=1.0)
    assert queue.due([OFF, ON], lambda tank: None) == [(OFF, None), (ON, None)]
    assert queue.waiting == []


def test_a_waiting_will_keeps_what_the_device_said_after_it_waiting() -> None:
    """The device went offline, then came back: judged in that order, it ends online."""
    queue = StatusQueue(poll_s=1.0)
    clock = {"t1": TankClock(9 * MIN_MS, 10 * MIN_MS, 60.0)}
    other = StatusHeard("t1", "esp2", True)
    assert queue.due([OFF, ON, other], clock.get) == [(other, 9 * MIN_MS)]  # another device is not held up
    assert queue.waiting == [OFF, ON]
    assert queue.due([], clock.get) == []
    clock["t1"] = TankClock(10 * MIN_MS, 10 * MIN_MS, 60.0)
    assert queue.due([], clock.get) == [(OFF, 10 * MIN_MS), (ON, 10 * MIN_MS)]
    assert queue.waiting == []
