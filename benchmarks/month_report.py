"""One keeper month, fault by fault: which alert told each fault and when, and what each false alert said.

``make bench`` prints each month's figures (faults told, false alerts a day, median delay); this says where
they come from, through the same engine and the same scoring (:func:`benchmarks.bench_detection.measure_month`):

    .venv/bin/python -m benchmarks.month_report hatchling_tub_month   # about 3 minutes
    .venv/bin/python -m benchmarks.month_report --list                # the months, in make bench's order

A fault is told by an alert that *began* during its label (``+minutes`` from the label's start); a false alert
is a warning or critical alert that began outside every label (its onset and its first words).

Examples
--------
>>> when(0), when(1440 + 9 * 60 + 5)
('d0 00:00', 'd1 09:05')
>>> [m.__name__ for m in months()][:2]
['turtle_month', 'held_out_month']
"""

from __future__ import annotations

import sys
from typing import Any, Callable, Sequence

import numpy as np

#: how many of a fault's alerts are listed
SHOWN = 6


def months() -> list[Callable[..., Any]]:
    """Every keeper month ``make bench`` runs, in its order (each a function making a
    :class:`benchmarks.keeper_month.Scenario`)."""
    from benchmarks.keeper_month import SCENARIOS
    from benchmarks.keeper_month_blind import BLIND
    from benchmarks.keeper_month_drain import DRAIN
    from benchmarks.keeper_month_drift import DRIFT_MONTHS
    from benchmarks.keeper_month_heat import daily_change_month
    from benchmarks.keeper_month_strangers import STRANGERS
    from benchmarks.keeper_month_strangers11 import STRANGERS11
    from benchmarks.keeper_month_strangers12 import STRANGERS12
    from benchmarks.keeper_month_strangers13 import STRANGERS13
    from benchmarks.keeper_month_strangers14 import STRANGERS14
    from benchmarks.keeper_month_strangers15 import STRANGERS15
    from benchmarks.keeper_month_strangers16 import STRANGERS16
    from benchmarks.keeper_month_strangers17 import STRANGERS17
    from benchmarks.keeper_month_strangers18 import STRANGERS18
    from benchmarks.keeper_month_strangers19 import STRANGERS19
    from benchmarks.keeper_month_strangers20 import STRANGERS20
    from benchmarks.keeper_month_thermostat import THERMOSTAT
    from benchmarks.keeper_month_unseen import UNSEEN

    return [*SCENARIOS, daily_change_month, *DRIFT_MONTHS, *THERMOSTAT, *DRAIN, *UNSEEN, *BLIND, *STRANGERS,
            *STRANGERS11, *STRANGERS12, *STRANGERS13, *STRANGERS14, *STRANGERS15, *STRANGERS16, *STRANGERS17,
            *STRANGERS18, *STRANGERS19, *STRANGERS20]


def when(minute: int) -> str:
    """A minute of the month as ``d<day> HH:MM``."""
    day, rest = divmod(int(minute), 1440)
    return f"d{day} {rest // 60:02d}:{rest % 60:02d}"


def report(s: Any, metrics: dict, transitions: Sequence[Any], minutes: np.ndarray, labels: np.ndarray,
           alerts: dict[str, np.ndarray], severity: Callable[[str], str]) -> list[str]:
    """The lines of a month's report.

    ``minutes`` and ``labels`` are the scored rows' minutes of the month and labels, ``alerts`` each alert
    key's firing rows on them, ``transitions`` the engine's (``t_ms``, ``key``, ``state``, ``severity``,
    ``summary``) and ``severity(key)`` an alert's severity.
    """
    from aquamon.scoring import event_runs

    m = metrics
    t0 = int(s.t_ms[0])
    out = [f"{s.name}: {m['events']} faults, {m['events_told']} told, {m['false_alarms_per_day']:.2f} false "
           f"alerts a day, median delay {m['median_told_delay_minutes']} min (with the lead-in: "
           f"{m['events_told_lead_in']} told, {m['false_alarms_per_day_lead_in']:.2f} a day, "
           f"{m['median_told_delay_lead_in_minutes']} min)"]
    for f in s.faults:
        out.append(f"  fault {f['kind']} from {when(f['start'])}")
    firing = [tr for tr in transitions if tr.state == "firing"]
    for lo, hi in event_runs(labels):
        a, b = minutes[lo], minutes[hi - 1]
        told = [tr for tr in firing if a <= (tr.t_ms - t0) // 60_000 <= b]
        words = ", ".join(f"{tr.key} ({tr.severity}) +{(tr.t_ms - t0) // 60_000 - a}" for tr in told[:SHOWN])
        out.append(f"  label {when(a)} .. {when(b)}: {words or 'untold'}")
    on = np.zeros(len(labels), dtype=bool)
    for key, rows in alerts.items():
        if severity(key) in ("warning", "critical"):
            on |= rows
    began = on & ~np.concatenate([[False], on[:-1]]) & ~labels.astype(bool)
    for i in np.flatnonzero(began):
        keys = [k for k, rows in alerts.items() if rows[i] and severity(k) in ("warning", "critical")]
        said = next((tr.summary for tr in firing if tr.key in keys and abs((tr.t_ms - t0) // 60_000 - minutes[i]) <= 2),
                    "")
        out.append(f"  false {when(minutes[i])} {', '.join(keys)}: {said[:160]}")
    return out


def main(argv: list[str]) -> int:
    from analytics.catalogue import ALERTS
    from benchmarks.bench_detection import measure_month

    by_name = {m.__name__: m for m in months()}
    if argv == ["--list"]:
        print("\n".join(by_name))
        return 0
    if len(argv) != 1 or argv[0] not in by_name:
        print("usage: python -m benchmarks.month_report NAME (one of --list's)", file=sys.stderr)
        return 2
    s = by_name[argv[0]]()
    metrics, det, test = measure_month(s)
    minutes = (np.round(np.asarray(test.t_s) * 1000).astype(np.int64) - int(s.t_ms[0])) // 60_000
    print("\n".join(report(s, metrics, det.transitions, minutes, np.asarray(test.labels, dtype=bool), det.alerts,
                           lambda key: ALERTS[key].severity)))
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
