"""analytics.pager.Pager: what it holds for a tank's daily summary is handed over once."""

from __future__ import annotations

from analytics.monitor import ALERTS, Transition
from analytics.notify_policy import NotifyPolicy
from analytics.pager import Pager


def test_info_for_the_daily_summary_is_handed_over_once_per_tank() -> None:
    p = Pager(NotifyPolicy(quiet_hours=""), {k: s.explains for k, s in ALERTS.items()})
    due = Transition("water_change_due", "info", "firing", "Water change due in 2 days.", 0, 0.0)
    p.handle("t1", [due], 0)
    p.handle("t2", [due], 0)
    assert p.take_info("t1") == [due]
    assert p.take_info("t1") == []  # handed over: the next summary does not repeat it
    assert [t for t, _ in p.info] == ["t2"]  # another tank's is kept for its own summary
