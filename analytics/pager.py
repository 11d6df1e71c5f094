"""Who hears about an alert, when, and how often: one page per incident at the moment it matters.

The :class:`Pager` takes the monitor's transitions (:meth:`Pager.handle`),
the current readings (:meth:`Pager.observe`) and the keeper's commands, and
once per cycle :meth:`Pager.deliver` decides what goes out, **saves its state,
then sends**.  Deciding once per cycle, not per transition, is what keeps a
page from going out for an alert that is already over: an analytics catching
up on 35 minutes of readings sees the firing and the resolution together and
sends neither (the morning message says it happened).

The policy (:class:`~analytics.notify_policy.NotifyPolicy`), enforced here:

- an incident is one alert episode with the alerts it explains (a stopped pump
  explains the low flow); its first message names them all;
- critical: pushed at once, day or night; at most ``critical_per_incident``
  critical pushes (the first page, then critical reminders); after that at most
  ``reminders_per_incident`` reminders at warning priority, outside quiet hours;
  reminders stop when acknowledged and carry the current numbers;
- warning: pushed at once outside quiet hours; at night it waits for the
  morning and, if it ended meanwhile, is only in the morning message;
- the all-clear is quiet: info priority, held for the morning during quiet
  hours (``all_clear``); one per incident;
- info (water change due) and the daily summary go out in the keeper's
  morning, with what happened overnight;
- silences, acknowledgements, maintenance and probe calibration are state
  (:mod:`analytics.suppression`); all of it is saved before anything is sent
  (:mod:`analytics.notify_store`), so a crash neither repeats a page nor loses
  an ack.

Which alerts make one incident is :mod:`analytics.pager_incidents`; the saved state, read back and
written, is :mod:`analytics.pager_state` (both mixins of :class:`Pager`, as the engine's parts are of
:class:`~analytics.monitor.TankMonitor`).
"""

from __future__ import annotations

import logging
from typing import Any, Callable, Iterable, Mapping

from analytics.incident import Episode, Message, PagerStats, Sender, all_clear, morning_message, page
from analytics.notify_policy import NotifyPolicy
from analytics.notify_text import KEY_READING, worse_is
from analytics.pager_incidents import IncidentGrouping, TransitionLike
from analytics.pager_state import PagerSavedState
from analytics.suppression import Suppressions

log = logging.getLogger("aquamon.notify")
MIN_MS = 60_000
MAINTENANCE_MAX_MS = 24 * 60 * MIN_MS  # a maintenance forgotten does not hold the water alerts for ever
SEND_ATTEMPTS = 3  # a first page is tried this many times (once per cycle) before it counts as sent


class Pager(IncidentGrouping, PagerSavedState):
    """Decide, save, send.  Pure apart from ``store`` and ``sender`` (both optional)."""

    def __init__(self, policy: NotifyPolicy, explains: Mapping[str, Iterable[str]] | None = None,
                 sender: Sender | None = None, store: Any = None, ack_hint: bool = False) -> None:
        self.policy = policy
        self.explains = {k: tuple(v) for k, v in (explains or {}).items()}
        self.sender = sender
        # told of every send (severity, delivered): the analytics' /metrics counts them
        self.on_delivery: Callable[[str, bool], None] | None = None
        self.store = store  # analytics.notify_store: save(docs), load(tanks)
        self.ack_hint = ack_hint  # a command_key is configured: acknowledging is possible
        self.episodes: dict[tuple[str, str], Episode] = {}
        self.silences: dict[tuple[str, str], int] = {}  # (tank, key or "*") -> until ms
        self.suppressions = Suppressions()
        self.info: list[tuple[str, Any]] = []  # (tank, transition) for the daily summary
        self.digest: dict[str, list[str]] = {}  # tank -> lines for its next morning message
        self.summaries: dict[str, list[tuple[int, str]]] = {}  # tank -> (due ms, text)
        self.resolved: dict[str, list[dict[str, Any]]] = {}  # tank -> all-clears not yet sent
        self.readings: dict[str, dict[str, float]] = {}  # tank -> the latest reading of each sensor
        self.now: dict[str, int] = {}  # tank -> its data clock
        self.stats = PagerStats()
        self._rev: dict[str, int] = {}
        self._dirty: set[str] = set()
        self._loaded: set[str] = set()
        self._load_failed_at: dict[str, float] = {}
        self._numbered = 0

    # ------------------------------------------------------------------ inputs
    def observe(self, tank: str, now_ms: int, readings: Mapping[str, float],
                events: Iterable[tuple[int, str, str]] = ()) -> None:
        """The tank's latest readings at ``now_ms`` and its firmware events (calibration start/end)."""
        self._touch(tank, now_ms)
        self.readings[tank] = dict(readings)
        for t, kind, detail in events:
            if kind.startswith("calibration_"):
                self.suppressions.event(tank, t, kind, detail)
                self._dirty.add(tank)
        self._track_worst(tank, now_ms)

    def _track_worst(self, tank: str, now_ms: int) -> None:
        """The worst reading of each open episode so far (a new one starts from the latest reading)."""
        readings = self.readings.get(tank, {})
        for key, (sensor, _) in KEY_READING.items():  # (a few keys: not a scan of every tank's episodes)
            ep = self.episodes.get((tank, key))
            if ep is None or sensor not in readings:
                continue
            v = float(readings[sensor])
            way = worse_is(key, ep.summary)
            if ep.worst is None or (v > ep.worst if way == "max" else v < ep.worst):
                ep.worst, ep.worst_ms = v, now_ms

    def handle(self, tank: str, transitions: Iterable[TransitionLike], now_ms: int) -> list[Message]:
        """Take transitions; nothing is sent here (see :meth:`deliver`).  Returns [] (the old interface)."""
        self._touch(tank, now_ms)
        batch = list(transitions)
        keys = {tr.key for tr in batch}
        batch.sort(key=lambda tr: -len(keys & set(self.explains.get(tr.key, ()))))  # causes first
        for tr in batch:
            self._dirty.add(tank)
            if tr.severity == "info":
                self.info.append((tank, tr))
            elif tr.state == "firing":
                self._fired(tank, tr)
            elif tr.state == "resolved":
                self._ended(tank, tr.key, tr.t_ms)
        self._track_worst(tank, now_ms)
        return []

    def tick(self, now_ms: int, tank: str | None = None) -> list[Message]:
        """Advance the clock of ``tank`` (reminders are decided by :meth:`deliver`).  Returns []."""
        if tank is not None:
            self._touch(tank, now_ms)
        return []

    def summary(self, tank: str, text: str, made_ms: int) -> None:
        """Queue a daily summary made at ``made_ms``: it goes out in the keeper's morning."""
        self._touch(tank, made_ms)
        self.summaries.setdefault(tank, []).append((self.policy.morning(made_ms), text))
        self._dirty.add(tank)

    def take_info(self, tank: str) -> list[Any]:
        """The info transitions (a water change due) held for ``tank``'s daily summary, handed over once."""
        mine = [tr for t, tr in self.info if t == tank]
        self.info = [(t, tr) for t, tr in self.info if t != tank]
        return mine

    # ------------------------------------------------------------------ commands
    def silence(self, tank: str, key: str | None, until_ms: int) -> None:
        """Silence one alert (or the whole tank with ``key=None``) until ``until_ms``; saved at once."""
        self._touch(tank)
        self.silences[(tank, key or "*")] = until_ms
        self._save([tank])

    def acknowledge(self, tank: str, key: str | None) -> int:
        """Stop the reminders of ``key``'s open incident (all of the tank's if None); saved at once.

        The incident of ``key`` also when another of its alerts carries it on (the page named the stopped
        pump, the lockout outlasts it) or when ``key`` is one the incident explains.
        """
        self._touch(tank)
        n = 0
        for (t, k), ep in self.episodes.items():
            if t == tank and (key is None or key == k or key in ep.earlier or key in ep.grouped) and not ep.acked:
                ep.acked, n = True, n + 1
        self._save([tank])
        return n

    def maintenance(self, tank: str, until_ms: int) -> None:
        """Hold the tank's water alerts until ``until_ms`` (a water change), at most a day; device alerts page."""
        self._touch(tank)
        now = self.now.get(tank, until_ms)
        self.suppressions.set_maintenance(tank, min(until_ms, now + MAINTENANCE_MAX_MS))
        self._save([tank])

    def silenced(self, tank: str, key: str, now_ms: int) -> bool:
        return (any(self.silences.get((tank, k), -1) > now_ms for k in (key, "*"))
                or self.suppressions.reason(tank, key, now_ms) is not None)


    # ------------------------------------------------------------------ deliver
    def deliver(self) -> list[Message]:
        """Decide what goes out now, save the state, then send; return what was sent (or attempted)."""
        out: list[Message] = []
        by_tank: dict[str, list[Episode]] = {}
        for (t, _), ep in self.episodes.items():
            by_tank.setdefault(t, []).append(ep)
        busy = set(by_tank) | {t for queued in (self.resolved, self.digest, self.summaries) for t, v in queued.items() if v}
        for tank in sorted(busy & set(self.now)):  # a tank with nothing open or queued has nothing to decide
            out += self._decide(tank, self.now[tank], by_tank.get(tank, []))
        if out:
            self._dirty.update(m.tank for m in out)
        if self._dirty:
            self._save(sorted(self._dirty))
        for m in out:
            self._count(m)
            log.warning("notify %s %s: %s%s", m.severity, m.title, m.body, f" [incident {m.incident}]" * bool(m.incident))
            if self.sender is None:
                continue
            try:
                ok = self.sender.send(m)
            except Exception:  # a notification service down must not stop the monitoring
                log.exception("notification %r failed", m.title)
                ok = False
            if self.on_delivery is not None:
                self.on_delivery(m.severity, bool(ok))
            if not ok:
                self.stats.failed += 1
                self._retry_later(m)
        return out

    def _retry_later(self, m: Message) -> None:
        """A first page that did not get through (the push service down) is tried again next cycle.

        It does not spend the incident's budget; after ``SEND_ATTEMPTS`` tries it counts as sent (the
        reminders, if the budget allows them, and the morning message still come).
        """
        ep = self.episodes.get((m.tank, m.keys[0])) if m.keys else None
        if ep is None or m.kind not in ("firing", "morning") or ep.announced_ms != m.t_ms:
            return
        ep.send_failures += 1
        if ep.send_failures >= SEND_ATTEMPTS:
            log.warning("gave up sending %r after %d tries: check the [notify] URLs and the services", m.title,
                        ep.send_failures)
            return
        ep.announced_ms = ep.last_push_ms = None
        ep.told = [k for k in ep.told if k not in m.keys[1:]]  # what it named was not told: the next try names it
        ep.critical_pushes -= 1 if m.severity == "critical" else 0
        self._dirty.add(m.tank)

    def _count(self, m: Message) -> None:
        self.stats.pushes[m.severity] = self.stats.pushes.get(m.severity, 0) + 1
        if self.policy.quiet(m.t_ms):
            self.stats.quiet_pushes[m.severity] = self.stats.quiet_pushes.get(m.severity, 0) + 1

    def _decide(self, tank: str, now: int, episodes: list[Episode]) -> list[Message]:
        p, out = self.policy, []
        quiet = p.quiet(now)
        for ep in episodes:
            if ep.explained_by is not None or ep.silenced:
                continue
            if ep.announced_ms is None:
                out += self._announce(tank, ep, now, quiet)
            elif self._reminder_due(tank, ep, now):
                if ep.critical_pushes < p.critical_per_incident:
                    ep.critical_pushes += 1
                    out.append(self._message(tank, ep, "reminder", "critical", now))
                elif ep.reminders < p.reminders_per_incident and not quiet:
                    ep.reminders += 1
                    out.append(self._message(tank, ep, "reminder", "warning", now))
                else:
                    continue
                ep.last_push_ms = now
        overnight = []
        for ep_doc in self.resolved.pop(tank, []):
            if p.all_clear == "send" or (p.all_clear == "quiet" and not quiet and not ep_doc.get("overnight")):
                out.append(self._all_clear(tank, ep_doc, now))
            elif quiet:  # told in the morning message, with the numbers of the morning
                overnight.append({**ep_doc, "overnight": True})
            else:
                self._note(tank, self._all_clear(tank, ep_doc, now).body)
        if overnight:
            self.resolved[tank] = overnight
        if not quiet:
            out += self._morning(tank, now)
        return out

    def _reminder_due(self, tank: str, ep: Episode, now: int) -> bool:
        every = self.policy.renotify_minutes * MIN_MS
        return (ep.severity == "critical" and every > 0 and not ep.acked and ep.last_push_ms is not None
                and now - ep.last_push_ms >= every and not self.silenced(tank, ep.key, now))

    def _announce(self, tank: str, ep: Episode, now: int, quiet: bool) -> list[Message]:
        if any(self.silences.get((tank, k), -1) > now for k in (ep.key, "*")):
            ep.silenced = ep.acked = True
            return []
        why = self.suppressions.reason(tank, ep.key, now)
        if why is not None:
            ep.held = why
            return []
        priority = ep.severity
        if priority == "critical" and ep.critical_pushes >= self.policy.critical_per_incident:
            priority = "warning"  # an incident whose critical budget is spent goes on at warning priority
        if priority != "critical" and quiet:
            ep.held = "waited for the morning"
            return []
        kind = "morning" if ep.held.startswith("waited") else "firing"
        ep.announced_ms = ep.last_push_ms = now
        if priority == "critical":
            ep.critical_pushes += 1
        return [self._message(tank, ep, kind, priority, now)]

    def _message(self, tank: str, ep: Episode, kind: str, priority: str, now: int) -> Message:
        p = self.policy  # the hint is "to stop the reminders": only where there can be some
        reminds = p.renotify_minutes > 0 and (p.critical_per_incident > 1 or p.reminders_per_incident > 0)
        again = [k for k in ep.earlier if (tank, k) in self.episodes]  # ended, then fired again inside the incident
        return page(tank, ep, kind, priority, now, self.readings.get(tank, {}), p.zone, self.ack_hint and reminds,
                    again)

    def _all_clear(self, tank: str, ep: Mapping[str, Any], now: int) -> Message:
        return all_clear(tank, ep, now, self.readings.get(tank, {}), self.policy.zone)

    def _morning(self, tank: str, now: int) -> list[Message]:
        due = [text for at, text in self.summaries.get(tank, []) if at <= now]
        self.summaries[tank] = [(at, text) for at, text in self.summaries.get(tank, []) if at > now]
        lines = self.digest.pop(tank, [])
        if not due and not lines:
            return []
        return [morning_message(tank, now, due, lines)]


def latest_readings(t_ms: Any, frame: Mapping[str, Any], now_ms: int) -> dict[str, float]:
    """The last finite reading of each sensor of ``frame`` at or before ``now_ms`` (for :meth:`Pager.observe`).

    >>> import numpy as np
    >>> latest_readings(np.array([0, 60_000, 120_000]), {"temp_c": np.array([25.0, np.nan, 26.0])}, 60_000)
    {'temp_c': 25.0}
    """
    import numpy as np

    end = int(np.searchsorted(t_ms, now_ms, side="right"))
    out = {}
    for name, values in frame.items():
        tail = values[max(0, end - 10):end]
        finite = tail[np.isfinite(tail)]
        if len(finite):
            out[name] = float(finite[-1])
    return out


def policy_from(cfg: Any) -> NotifyPolicy:
    """The :class:`NotifyPolicy` of a :class:`~aquamon.config.Config` (``[alerts]`` times, ``[notify]`` budget)."""
    from analytics.notify_policy import keeper_zone

    al, n = cfg.alerts, cfg.notify
    return NotifyPolicy(al.quiet_hours, keeper_zone(al.time_zone, al.utc_offset_minutes), al.renotify_minutes,
                        n.critical_per_incident, n.reminders_per_incident, n.all_clear, n.summary_time)


def pager_from(cfg: Any, explains: Mapping[str, Iterable[str]]) -> Pager:
    """A :class:`Pager` sending to each tank's ``[notify]`` URLs (no store: the service gives it one)."""
    from analytics.routing import RoutedSender, Routes

    n = cfg.notify
    sender = RoutedSender(Routes({"critical": n.critical, "warning": n.warning, "info": n.info}, n.tanks))
    return Pager(policy_from(cfg), explains, sender, ack_hint=bool(cfg.alerts.command_key))
