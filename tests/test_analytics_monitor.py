"""analytics.monitor.TankMonitor: an evaluation in two halves, prepare and conclude (issue 9)."""

from __future__ import annotations

import pytest

from analytics.batch import score_window
from analytics.monitor import TankMonitor
from tests.tank_frames import WARM, tank_frame


def test_prepare_and_conclude_pair_up_and_a_failed_prepare_leaves_nothing_open(
        monkeypatch: pytest.MonkeyPatch) -> None:
    t_ms, frame = tank_frame(3, 27)
    every = WARM.drift_every_minutes * 60_000
    now = (int(t_ms[-1]) // every + 1) * every
    mon = TankMonitor("t3", WARM)
    pending = mon.prepare(now, t_ms, frame)
    assert pending.window is not None
    with pytest.raises(RuntimeError, match="prepared and never concluded"):
        mon.prepare(now + 60_000, t_ms, frame)  # the half-updated state must not be prepared on
    stray = TankMonitor("t3", WARM).prepare(now, t_ms, frame)
    stray.now_ms += 60_000
    with pytest.raises(RuntimeError, match="not the one open here"):
        mon.conclude(stray, None)
    mon.conclude(pending, score_window(pending.window.mean, pending.window.cov, pending.window.ref_cov))
    # unscored (the batch failed): the step is refused with a reason, and the monitor goes on
    pending = mon.prepare(now + every, t_ms, frame)
    with pytest.raises(ValueError, match="could not be scored"):
        mon.conclude(pending, None)
    # a prepare that raises part-way leaves no evaluation open: the next one works
    def broken(*args: object) -> None:
        raise ZeroDivisionError("a bug in the drift window")

    with monkeypatch.context() as m:
        m.setattr(mon, "_drift_window", broken)
        with pytest.raises(ZeroDivisionError):
            mon.prepare(now + 2 * every, t_ms, frame)
    score, _ = mon.conclude(*_scored(mon.prepare(now + 2 * every, t_ms, frame)))
    assert "kl" in score


def _scored(pending):  # type: ignore[no-untyped-def]
    w = pending.window
    return pending, (score_window(w.mean, w.cov, w.ref_cov, distances=w.distances) if w is not None else None)


def test_finished_days_are_handed_over_once() -> None:
    from analytics.days import DayRecord

    mon = TankMonitor("t1", WARM)
    day = DayRecord(0, {}, [], [], ["a note"])
    mon.finished_days.append(day)
    assert mon.take_finished_days() == [day]
    assert mon.finished_days == [] and mon.take_finished_days() == []


def test_the_parts_host_declares_every_field_of_the_monitor() -> None:
    # the mixins see TankMonitor through analytics/monitor_host.MonitorHost (for mypy): a field added to
    # the monitor and not declared there would be invisible, then an error, in every part that reads it
    import dataclasses

    from analytics.monitor_host import MonitorHost

    fields = {f.name for f in dataclasses.fields(TankMonitor)}
    assert fields <= set(MonitorHost.__annotations__), sorted(fields - set(MonitorHost.__annotations__))
