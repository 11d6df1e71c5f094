"""Round 28: `python -m benchmarks.month_report NAME` says which alert told each of a month's faults and what
each false alert said (the figures `make bench` prints, fault by fault)."""

from __future__ import annotations

from types import SimpleNamespace

import numpy as np

from benchmarks.month_report import main, months, report

T0 = 1_767_225_600_000  # (any start: minutes are counted from the month's first reading)


def _tr(minute: int, key: str, state: str = "firing", summary: str = "") -> SimpleNamespace:
    return SimpleNamespace(t_ms=T0 + minute * 60_000, key=key, state=state, severity="critical", summary=summary)


def test_each_label_names_the_alerts_begun_in_it_and_each_false_alert_its_words() -> None:
    s = SimpleNamespace(name="a tank", t_ms=np.array([T0]), faults=[{"kind": "pump_jammed", "start": 3000}])
    minutes = np.arange(2880, 2880 + 600)
    labels = np.zeros(len(minutes), dtype=bool)
    labels[120:300] = True  # d2 02:00 .. d2 04:59, told at +2
    labels[400:450] = True  # d2 06:40 .. d2 07:29, untold
    pump = np.zeros(len(minutes), dtype=bool)
    pump[122:300] = True
    pump[20:30] = True  # d2 00:20: a false alert
    metrics = {"events": 2, "events_told": 1, "false_alarms_per_day": 1.0, "median_told_delay_minutes": 2.0,
               "events_told_lead_in": 1, "false_alarms_per_day_lead_in": 1.0, "median_told_delay_lead_in_minutes": 2.0}
    transitions = [_tr(2900, "pump_stopped", summary="Pump stopped: the filter rinse"), _tr(2910, "pump_stopped", "resolved"),
                   _tr(3002, "pump_stopped", summary="Pump stopped: jammed")]
    lines = report(s, metrics, transitions, minutes, labels, {"pump_stopped": pump, "water_change_due": ~pump},
                   lambda key: "critical" if key == "pump_stopped" else "info")
    assert lines[0].startswith("a tank: 2 faults, 1 told, 1.00 false alerts a day, median delay 2.0 min")
    assert "  fault pump_jammed from d2 02:00" in lines
    assert "  label d2 02:00 .. d2 04:59: pump_stopped (critical) +2" in lines
    assert "  label d2 06:40 .. d2 07:29: untold" in lines
    assert "  false d2 00:20 pump_stopped: Pump stopped: the filter rinse" in lines
    assert len([x for x in lines if x.startswith("  false")]) == 1, lines  # (an info alert is no false alert)


def test_every_month_has_its_own_name_and_an_unknown_one_is_refused(capsys) -> None:  # type: ignore[no-untyped-def]
    names = [m.__name__ for m in months()]
    assert len(names) == len(set(names)) and "hatchling_tub_month" in names
    assert main(["no_such_month"]) == 2
    assert "--list" in capsys.readouterr().err
