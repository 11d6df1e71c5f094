"""Notifications a keeper trusts at 3 a.m.: pushes per incident and at night, on a simulated month.

A month of one tank's alert transitions (:func:`month_of_transitions`): stuck
heaters whose temperature stays unsafe after the heater settles, sump and
pump faults with their effects, pH crashes, a controller dropping off,
short glitches, weekly water changes (a maintenance command, with the sump,
flow and temperature alerts a water change causes), a monthly pH
calibration (buffer readings look like a pH crash), night-time drift and
probe warnings, and analytics outages after which an hour or more of
readings is evaluated in one cycle.  The same stream drives the previous
notifier (``benchmarks.lab.previous_notifier.Notifier``, sending as each transition comes)
and the :class:`~analytics.pager.Pager` (deciding once per cycle).  So does the demo's night as
``aquamon demo`` ran it (:data:`DEMO_NIGHT`: five incidents between 23:00 and 05:12).

Printed per notifier: pushes by priority, critical pushes per incident (most
and mean), pushes in quiet hours (non-critical ones are the target: 0),
pages for alerts already over when they went out (target 0), pages during a
water change or calibration (target 0).  Run with ``make bench`` or
``python -m benchmarks notify``.
"""

from __future__ import annotations

import random
from dataclasses import dataclass, field
from typing import Any

MIN = 60_000
HOUR = 60 * MIN
DAY = 24 * HOUR
START = 1_767_225_600_000  # 2026-01-01 00:00 UTC
QUIET = "22:00-07:00"


@dataclass
class Incident:
    number: int
    keys: list[tuple[str, int, int]]  # (alert key, fires, resolves), data time
    held: bool = False  # during a water change or a calibration: should not page


@dataclass
class Month:
    transitions: dict[int, list[Any]] = field(default_factory=dict)  # minute -> transitions
    incidents: list[Incident] = field(default_factory=list)
    maintenance: list[tuple[int, int]] = field(default_factory=list)  # (from, until)
    calibrations: list[tuple[int, int]] = field(default_factory=list)
    cycle_ends: set[int] = field(default_factory=set)  # minutes at which a cycle ends (outages: fewer)


def _add(month: Month, severities: dict[str, str], number: int, keys: list[tuple[str, int, int]],
         held: bool = False) -> None:
    from analytics.monitor import Transition

    month.incidents.append(Incident(number, keys, held))
    for key, a, b in keys:
        sev = severities[key]
        month.transitions.setdefault(a, []).append(Transition(key, sev, "firing", "It began.", START + a * MIN, 0.0))
        month.transitions.setdefault(b, []).append(Transition(key, sev, "resolved", "It ended.", START + b * MIN, 0.0))


def month_of_transitions(days: int = 30, seed: int = 11) -> Month:
    """One tank's month of alert transitions with known incidents (minute offsets from ``START``)."""
    from analytics.monitor import ALERTS

    sev = {k: s.severity for k, s in ALERTS.items()}
    rng = random.Random(seed)
    month, n = Month(), 0
    busy: list[tuple[int, int]] = []

    def free(a: int, b: int) -> bool:  # incidents of this generator do not overlap (so each is one truth)
        return all(b + 60 < x or a > y + 60 for x, y in busy)

    def place(length: int, at: int | None = None) -> int | None:
        for _ in range(200):
            a = at if at is not None else rng.randrange(60, days * 1440 - length - 60)
            if free(a, a + length):
                busy.append((a, a + length))
                return a
            if at is not None:
                return None
        return None

    for week in range(days // 7):  # a water change every Saturday at 10:00, under a maintenance command
        a = place(90, week * 7 * 1440 + 5 * 1440 + 600)
        if a is None:
            continue
        n += 1
        month.maintenance.append((a, a + 90))
        _add(month, sev, n, [("sump_low", a + 5, a + 50), ("flow_low", a + 6, a + 49),
                             ("temp_out_of_range", a + 40, a + 80)], held=True)
    a = place(60, 14 * 1440 + 1140)  # a pH calibration one evening: buffers 4.01 and 9.18
    if a is not None:
        n += 1
        month.calibrations.append((a, a + 30))
        _add(month, sev, n, [("ph_crash", a + 5, a + 40), ("ph_out_of_range", a + 8, a + 42)], held=True)
    kinds = ["heater", "sump", "pump", "ph", "offline", "glitch", "glitch", "glitch", "warning", "warning"]
    for _ in range(3 * days // 2):  # about 1.5 incidents a day, of every kind
        kind = rng.choice(kinds)
        length = {"heater": 200, "sump": 20, "pump": 90, "ph": 150, "offline": 40, "glitch": 8,
                  "warning": 240}[kind]
        a = place(length)
        if a is None:
            continue
        n += 1
        if kind == "heater":  # the temperature stays unsafe after the heater stops rising it
            keys = [("heater_stuck", a, a + rng.randrange(60, 130)), ("temp_out_of_range", a + 40, a + 190)]
        elif kind == "sump":
            keys = [("sump_low", a, a + 15), ("pump_interlock", a, a + 16)]
        elif kind == "pump":  # stopped, faulted, sometimes locked out beyond the stop
            keys = [("pump_stopped", a, a + 20), ("flow_low", a + 1, a + 19), ("device_fault", a + 2, a + 60)]
            if rng.random() < 0.5:
                keys.append(("pump_lockout", a + 10, a + 85))
        elif kind == "ph":
            keys = [("ph_crash", a, a + 120), ("ph_out_of_range", a + 30, a + 140)]
        elif kind == "offline":
            keys = [("device_offline", a, a + 30), ("no_telemetry", a + 10, a + 30)]
        elif kind == "glitch":  # a few minutes over a limit, then over
            keys = [(rng.choice(["temp_out_of_range", "ph_out_of_range", "sump_low"]), a, a + rng.randrange(3, 8))]
        else:
            keys = [(rng.choice(["drift", "probe_stuck", "flow_low", "probe_noisy"]), a, a + rng.randrange(60, 230))]
        _add(month, sev, n, keys)
    # the analytics run every minute, except during outages: then one cycle evaluates the missed hours
    outage_ends = {rng.randrange(0, days * 1440) for _ in range(days // 3)}
    skip: set[int] = set()
    for end in outage_ends:
        skip.update(range(end - rng.randrange(60, 180), end))
    month.cycle_ends = {m for m in range(days * 1440 + 1) if m not in skip}
    return month


#: ``aquamon demo``'s night as it ran on 2026-12-05 (its FIRING/RESOLVED lines): per incident, each alert with
#: when it fired and resolved on the keeper's clock (day 0 is the evening; None: still firing at the end, 07:30)
DEMO_NIGHT: list[list[tuple[str, tuple[int, str], tuple[int, str] | None]]] = [
    [("probe_stuck", (0, "23:00"), (0, "23:50"))],
    [("heater_stuck", (1, "01:38"), (1, "02:56")), ("drift", (1, "01:50"), None),
     ("heater_cutoff", (1, "02:17"), (1, "03:38"))],
    [("sump_low", (1, "03:31"), (1, "03:51")), ("pump_interlock", (1, "03:31"), (1, "04:16")),
     ("level_falling", (1, "03:43"), (1, "04:19"))],
    [("pump_stopped", (1, "04:32"), (1, "04:46")), ("device_fault", (1, "04:33"), (1, "05:41")),
     ("pump_lockout", (1, "04:39"), None)],
    [("ph_crash", (1, "05:12"), None)],
]
DEMO_END = 1440 + 7 * 60 + 30  # the demo's tank ends at 07:30
DEMO_CYCLE_MIN = 6  # at 3000x the demo's analytics evaluate about six simulated minutes per cycle


def demo_night() -> Month:
    """The demo's night (:data:`DEMO_NIGHT`) as a :class:`Month` of two days, evaluated every few minutes."""
    from analytics.monitor import ALERTS, Transition

    def minute(at: tuple[int, str]) -> int:
        h, m = at[1].split(":")
        return at[0] * 1440 + int(h) * 60 + int(m)

    month = Month()
    for n, alerts in enumerate(DEMO_NIGHT, 1):
        keys = []
        for key, fired, ended in alerts:
            a, b = minute(fired), minute(ended) if ended else 2 * 1440 + 1
            keys.append((key, a, b))
            for state, at in (("firing", a), ("resolved", b)):
                if at <= 2 * 1440:
                    month.transitions.setdefault(at, []).append(
                        Transition(key, ALERTS[key].severity, state, "It began.", START + at * MIN, 0.0))
        month.incidents.append(Incident(n, keys))
    month.cycle_ends = {m for m in range(2 * 1440 + 1) if m % DEMO_CYCLE_MIN == 0 and m <= DEMO_END}
    return month


def _incident_of(month: Month, key: str, t_ms: int) -> Incident | None:
    minute = (t_ms - START) // MIN
    best = None
    for inc in month.incidents:
        for k, a, _b in inc.keys:
            if a <= minute and (best is None or a > best[1]) and (k == key or key in ("", None)):
                best = (inc, a)
    return best[0] if best else None


def _run(month: Month, pager: bool, days: int) -> dict[str, Any]:
    from analytics.monitor import ALERTS
    from analytics.notify_policy import NotifyPolicy
    from analytics.pager import Pager
    from benchmarks.lab.previous_notifier import Notifier
    from benchmarks.lab.previous_notifier import NotifyPolicy as OldPolicy

    explains = {k: s.explains for k, s in ALERTS.items()}
    if pager:
        n: Any = Pager(NotifyPolicy(QUIET), explains)
    else:
        n = Notifier(OldPolicy(QUIET), explains)
    sent: list[tuple[int, Any]] = []  # (minute it went out, message)
    cycle: list[Any] = []
    maint = {a: b for a, b in month.maintenance}
    calib = {a: b for a, b in month.calibrations}
    for minute in range(1, days * 1440 + 1):
        now = START + minute * MIN
        if minute in maint:
            if pager:
                n.maintenance("t", START + maint[minute] * MIN)
            else:
                n.silence("t", None, START + maint[minute] * MIN)  # what maintenance did before
        if pager:
            events = [(now, "calibration_start", '{"probe": "ph"}')] if minute in calib else []
            events += [(now, "calibration_end", "ph")] if minute in calib.values() else []
            n.observe("t", now, {}, events)
        cycle += n.handle("t", month.transitions.get(minute, []), now)
        cycle += n.tick(now, "t")
        if minute % 1440 == 0:
            if pager:
                n.summary("t", "The daily summary.", now)
            else:
                from analytics.incident import Message

                cycle.append(Message("t", "info", "summary", "t: daily summary", "The daily summary.", [], now))
        if minute in month.cycle_ends:
            if pager:
                cycle += n.deliver()
            sent += [(minute, m) for m in cycle]
            cycle = []
    return _measure(month, sent, NotifyPolicy(QUIET))


def _measure(month: Month, sent: list[tuple[int, Any]], policy: Any) -> dict[str, Any]:
    by_priority = {"critical": 0, "warning": 0, "info": 0}
    quiet = {"critical": 0, "warning": 0, "info": 0}
    critical_per: dict[int, int] = {}
    over, held_pages = 0, 0
    for minute, m in sent:
        at = START + minute * MIN
        by_priority[m.severity] += 1
        if policy.quiet(at):
            quiet[m.severity] += 1
        if not m.keys:
            continue
        inc = _incident_of(month, m.keys[0], m.t_ms if m.kind in ("firing", "resolved") else at)
        if inc is None:
            continue
        if m.severity == "critical":
            critical_per[inc.number] = critical_per.get(inc.number, 0) + 1
        if m.kind in ("firing", "reminder", "morning"):
            ends = [b for k, a, b in inc.keys if k == m.keys[0]]
            if ends and minute >= max(ends):
                over += 1
            if inc.held and m.severity in ("critical", "warning"):
                held_pages += 1
    criticals = [critical_per.get(i.number, 0) for i in month.incidents
                 if any(k in ("heater_stuck", "sump_low", "pump_stopped", "ph_crash", "device_offline",
                              "temp_out_of_range", "ph_out_of_range", "pump_lockout") for k, _, _ in i.keys)
                 and not i.held]
    return {"pushes": by_priority, "quiet": quiet, "critical_max": max(critical_per.values(), default=0),
            "critical_mean": sum(criticals) / max(len(criticals), 1), "over": over, "held": held_pages,
            "incidents": len(month.incidents)}


def main(days: int = 30) -> None:
    import logging

    logging.getLogger("aquamon.notify").setLevel(logging.ERROR)  # each message is logged: not here
    month = month_of_transitions(days)
    print(f"a simulated month: {days} days, {len(month.incidents)} incidents ({sum(i.held for i in month.incidents)} "
          f"during water changes or a calibration), {days * 1440 - len(month.cycle_ends) + 1} minutes evaluated "
          f"late after analytics outages; quiet hours {QUIET}")
    _compare(month, days)
    night = demo_night()
    print(f"\nthe demo's night (aquamon demo, recorded): {len(night.incidents)} incidents from 23:00 to 05:12, the "
          f"tank ending at 07:30, evaluated every {DEMO_CYCLE_MIN} simulated minutes")
    _compare(night, 2)
    print(f"a farm of 1000 tanks (200 with an open incident): {farm_cost():.1f} ms of notifier work per "
          "one-minute cycle")


def _compare(month: Month, days: int) -> None:
    """The previous notifier and the pager on ``month``: one row each, then the targets."""
    rows = [("previous notifier (sends per transition)", _run(month, False, days)),
            ("pager (decides once per cycle)", _run(month, True, days))]
    print(f"{'':44} {'critical':>8} {'warning':>8} {'info':>6} {'crit/incident max':>17} {'mean':>5} "
          f"{'night non-crit':>14} {'night crit':>10} {'page for over':>13} {'page held':>9}")
    for name, r in rows:
        p, q = r["pushes"], r["quiet"]
        print(f"{name:44} {p['critical']:>8} {p['warning']:>8} {p['info']:>6} {r['critical_max']:>17} "
              f"{r['critical_mean']:>5.2f} {q['warning'] + q['info']:>14} {q['critical']:>10} {r['over']:>13} "
              f"{r['held']:>9}")
    before, after = rows[0][1], rows[1][1]
    total_b, total_a = sum(before["pushes"].values()), sum(after["pushes"].values())
    met = (after["critical_max"] <= 1 and after["quiet"]["warning"] + after["quiet"]["info"] == 0
           and after["over"] == 0 and after["held"] == 0)
    print(f"pushes: {total_a} instead of {total_b} ({total_a / max(total_b, 1):.2f}x); targets "
          f"{'met' if met else 'MISSED'}: at most 1 critical push per incident ({after['critical_max']}), no "
          f"non-critical push at night ({after['quiet']['warning'] + after['quiet']['info']}), no page for an alert "
          f"already over ({after['over']}), none during a water change or calibration ({after['held']})")


def farm_cost(tanks: int = 1000, open_incidents: int = 200, minutes: int = 60) -> float:
    """Milliseconds of pager work per one-minute cycle of a farm (observe, handle, tick each tank; one deliver)."""
    import time

    from analytics.monitor import ALERTS, Transition
    from analytics.notify_policy import NotifyPolicy
    from analytics.pager import Pager

    p = Pager(NotifyPolicy(QUIET), {k: s.explains for k, s in ALERTS.items()})
    names = [f"t{i}" for i in range(tanks)]
    for t in names[:open_incidents]:
        p.handle(t, [Transition("sump_low", "critical", "firing", "Sump low.", START, 3.0)], START)
    started = time.perf_counter()
    for minute in range(1, minutes + 1):
        now = START + minute * MIN
        for t in names:
            p.observe(t, now, {"temp_c": 25.0, "level_cm": 3.0})
            p.handle(t, [], now)
            p.tick(now, t)
        p.deliver()
    return (time.perf_counter() - started) * 1000 / minutes


if __name__ == "__main__":
    main()
