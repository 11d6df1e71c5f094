"""analytics/notifying.py: transitions and finished days become points, retained topics and the pager's input."""

from __future__ import annotations

from typing import Any, Mapping

from analytics.catalogue import Transition
from analytics.days import DayRecord, ForecastPoint
from analytics.notify_policy import NotifyPolicy
from analytics.notifying import Notifying
from analytics.pager import Pager

DAY_MS = 86_400_000
DAY0 = 20_000 * DAY_MS


class Topics:
    def __init__(self) -> None:
        self.alerts: list[tuple[str, str, str]] = []
        self.summaries: list[tuple[str, int, str]] = []

    def publish_alert(self, tank: str, tr: Transition) -> None:
        self.alerts.append((tank, tr.key, tr.state))

    def publish_summary(self, tank: str, end_ms: int, text: str) -> None:
        self.summaries.append((tank, end_ms, text))


def _notifying(missing: Mapping[str, int] | None = None) -> tuple[Notifying, Pager, Topics, list[Any]]:
    pager = Pager(NotifyPolicy(quiet_hours=""))
    topics, asked = Topics(), []

    def count(tank: str, since: int, until: int) -> Mapping[str, int] | None:
        asked.append((tank, since, until))
        return missing

    return Notifying(pager, topics, count), pager, topics, asked


def test_transitions_are_published_pointed_and_handed_to_the_pager() -> None:
    n, pager, topics, _ = _notifying()
    assert n.transitions("t1", []) == [] and topics.alerts == []
    trs = [Transition("sump_low", "critical", "firing", "Sump low.", DAY0, 4.0),
           Transition("drift", "warning", "resolved", "Resolved: drift.", DAY0, float("inf"))]
    lines = n.transitions("t1", trs)
    assert topics.alerts == [("t1", "sump_low", "firing"), ("t1", "drift", "resolved")]
    assert lines[0].startswith("alert,key=sump_low,severity=critical,tank=t1 ") and "value=4.0" in lines[0]
    assert "value=0.0" in lines[1]  # an infinite deciding number is not written as such
    assert ("t1", "sump_low") in pager.episodes and pager.now["t1"] == DAY0


def test_a_finished_day_becomes_forecast_and_summary_points_and_a_morning_message() -> None:
    n, pager, topics, asked = _notifying(missing={"esp": 3, "esp2": 0})
    due = Transition("water_change_due", "info", "firing", "Water change due in 2 days.", DAY0 + 3600_000, 2.0)
    pager.handle("t1", [due], due.t_ms)  # info: kept for the day's summary
    pager.handle("t2", [due], due.t_ms)
    fc = ForecastPoint("tds_ppm", DAY0 + DAY_MS, 2.0, 6.2, 4.1, 8.3, 400.0)
    day = DayRecord(DAY0, {"tds_ppm": (310.0, 311.0, 312.0)}, [], [fc], [], DAY0 + DAY_MS)
    minutes = [DAY0 + i * 60_000 for i in range(1440)]
    lines = n.day("t1", day, minutes)
    assert asked == [("t1", DAY0, DAY0 + DAY_MS)]
    assert [ln.split(",", 1)[0] for ln in lines] == ["forecast", "summary"]
    assert "sensor=tds_ppm" in lines[0] and "days_to_limit=6.2" in lines[0]
    assert "readings_missing=3i" in lines[1]
    (tank, end, text), = topics.summaries
    assert (tank, end) == ("t1", DAY0 + DAY_MS)
    assert "water normal all day" in text and "Water change due in 2 days." in text and "3 from esp" in text
    assert pager.summaries["t1"] == [(pager.policy.morning(end), text)]
    assert pager.take_info("t1") == [] and len(pager.take_info("t2")) == 1  # handed over once, only t1's


def test_a_summary_goes_out_without_the_counts_it_could_not_make() -> None:
    n, _, topics, _ = _notifying(missing=None)
    day = DayRecord(DAY0, {}, [], [], [], DAY0 + DAY_MS)
    lines = n.day("t1", day, None)
    assert "readings_missing" not in lines[-1] and "Missing" not in topics.summaries[0][2]
