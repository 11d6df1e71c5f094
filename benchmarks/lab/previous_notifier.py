"""The notifier aquamon shipped before round 4 (one message per transition, critical reminders every
``renotify_minutes``): kept only as the baseline ``benchmarks/bench_notify.py`` compares the pager with.
The product uses :mod:`analytics.pager`.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any, Iterable, Mapping, Sequence

from analytics.incident import Message
from analytics.pager_incidents import TransitionLike


@dataclass
class Episode:
    key: str
    severity: str
    summary: str
    since_ms: int
    sent_ms: int | None = None  # when the firing message went out
    last_sent_ms: int | None = None
    acked: bool = False
    explained_by: str | None = None  # grouped under this episode's message
    grouped: list[str] = field(default_factory=list)
    deferred: bool = False  # a warning waiting for the end of quiet hours


@dataclass
class NotifyPolicy:
    """When to send.  ``quiet_hours`` is "HH:MM-HH:MM" in ``utc_offset_minutes`` local time ("" = none).

    >>> p = NotifyPolicy(quiet_hours="22:00-07:00")
    >>> [p.quiet(h * 3_600_000) for h in (21, 22, 3, 7)]
    [False, True, True, False]
    >>> p.quiet_ends(3 * 3_600_000) // 3_600_000
    7
    """

    quiet_hours: str = "22:00-07:00"
    utc_offset_minutes: int = 0
    renotify_minutes: int = 60

    def _bounds(self) -> tuple[int, int] | None:
        if not self.quiet_hours:
            return None
        try:
            a, b = self.quiet_hours.split("-")
            start = int(a.split(":")[0]) * 60 + int(a.split(":")[1])
            end = int(b.split(":")[0]) * 60 + int(b.split(":")[1])
        except (ValueError, IndexError):
            raise ValueError(f"quiet_hours {self.quiet_hours!r} must look like 22:00-07:00") from None
        if not (0 <= start < 1440 and 0 <= end < 1440):
            raise ValueError(f"quiet_hours {self.quiet_hours!r}: hours 00-23, minutes 00-59")
        return start, end

    def _local_minute(self, t_ms: int) -> int:
        return int(((t_ms // 60_000) + self.utc_offset_minutes) % 1440)

    def quiet(self, t_ms: int) -> bool:
        b = self._bounds()
        if b is None or b[0] == b[1]:
            return False
        m, (start, end) = self._local_minute(t_ms), b
        return start <= m < end if start < end else (m >= start or m < end)

    def quiet_ends(self, t_ms: int) -> int:
        """The first time at or after ``t_ms`` outside quiet hours."""
        b = self._bounds()
        if b is None or not self.quiet(t_ms):
            return t_ms
        m = self._local_minute(t_ms)
        wait = (b[1] - m) % 1440
        return (t_ms // 60_000 + wait) * 60_000


TITLES = {
    "heater_stuck": "heater stuck on", "heater_dead": "heater failed", "temp_out_of_range": "temperature unsafe",
    "ph_crash": "pH crashing", "ph_out_of_range": "pH unsafe", "pump_stopped": "pump stopped",
    "flow_low": "filter flow low", "sump_low": "sump level low", "device_offline": "controller offline",
    "no_telemetry": "no readings", "pump_interlock": "pump stopped by the interlock",
    "pump_lockout": "pump locked out", "device_fault": "controller fault", "drift": "water drifting",
    "probe_stuck": "probe stuck", "probe_noisy": "probe failing", "probe_drift": "probe needs recalibrating",
    "water_change_due": "water change due", "level_falling": "sump level falling (a leak?)",
    "water_quality": "water quality changed",
}


class Notifier:
    """Decides which transitions become messages (pure: no I/O; the service sends what it returns).

    ``explains`` maps an alert key to the keys its message covers
    (see :data:`analytics.monitor.ALERTS`).

    Examples
    --------
    >>> from types import SimpleNamespace as T
    >>> n = Notifier(NotifyPolicy(quiet_hours=""), {"pump_stopped": ("flow_low",)})
    >>> msgs = n.handle("t1", [T(key="flow_low", severity="warning", state="firing", summary="Flow low.", t_ms=0),
    ...                        T(key="pump_stopped", severity="critical", state="firing", summary="Pump stopped.",
    ...                          t_ms=0)], 0)
    >>> [(m.kind, m.keys) for m in msgs]
    [('firing', ['pump_stopped', 'flow_low'])]
    """

    def __init__(self, policy: NotifyPolicy, explains: Mapping[str, Iterable[str]] | None = None) -> None:
        self.policy = policy
        self.explains = {k: tuple(v) for k, v in (explains or {}).items()}
        self.episodes: dict[tuple[str, str], Episode] = {}
        self.silences: dict[tuple[str, str], int] = {}  # (tank, key or "*") -> until ms
        self.info: list[tuple[str, Any]] = []  # (tank, transition) for the daily summary
        self.quiet_log: list[tuple[str, Any]] = []  # warnings that resolved before morning, silenced ones

    # ------------------------------------------------------------------ commands
    def silence(self, tank: str, key: str | None, until_ms: int) -> None:
        """Silence one alert (or the whole tank with ``key=None``) until ``until_ms``."""
        self.silences[(tank, key or "*")] = until_ms

    def acknowledge(self, tank: str, key: str | None) -> int:
        """Stop reminders of the firing episode(s) of ``key`` (all of the tank's if None); return how many."""
        n = 0
        for (t, k), ep in self.episodes.items():
            if t == tank and (key is None or k == key) and not ep.acked:
                ep.acked, n = True, n + 1
        return n

    def silenced(self, tank: str, key: str, now_ms: int) -> bool:
        return any(self.silences.get((tank, k), -1) > now_ms for k in (key, "*"))

    # ------------------------------------------------------------------ saved state
    def tank_state(self, tank: str) -> dict[str, Any]:
        """What this notifier holds about ``tank``, to be saved with the tank's analytics state.

        Without it a restarted analytics forgets acknowledgements (and nags again), silences (and
        wakes the keeper it promised to leave alone) and the day's notes for the daily summary.

        >>> n = Notifier(NotifyPolicy(quiet_hours=""))
        >>> n.silence("t1", "drift", 5_000)
        >>> again = Notifier(NotifyPolicy(quiet_hours=""))
        >>> again.restore_tank("t1", n.tank_state("t1"))
        >>> again.silenced("t1", "drift", 4_000), again.silenced("t1", "drift", 6_000)
        (True, False)
        """
        return {
            "episodes": {k: ep for (t, k), ep in self.episodes.items() if t == tank},
            "silences": {k: until for (t, k), until in self.silences.items() if t == tank},
            "info": [tr for t, tr in self.info if t == tank],
            "quiet_log": [tr for t, tr in self.quiet_log if t == tank],
        }

    def restore_tank(self, tank: str, saved: Mapping[str, Any]) -> None:
        """Take back :meth:`tank_state`'s document; what this notifier already holds for ``tank`` is replaced."""
        self.forget_tank(tank)
        for key, ep in dict(saved.get("episodes") or {}).items():
            if isinstance(ep, Episode):
                self.episodes[(tank, str(key))] = ep
        for key, until in dict(saved.get("silences") or {}).items():
            self.silences[(tank, str(key))] = int(until)
        self.info += [(tank, tr) for tr in saved.get("info") or ()]
        self.quiet_log += [(tank, tr) for tr in saved.get("quiet_log") or ()]

    def forget_tank(self, tank: str) -> None:
        """Drop everything held about ``tank`` (it moved to another instance, or is being restored)."""
        self.episodes = {i: ep for i, ep in self.episodes.items() if i[0] != tank}
        self.silences = {i: u for i, u in self.silences.items() if i[0] != tank}
        self.info = [(t, tr) for t, tr in self.info if t != tank]
        self.quiet_log = [(t, tr) for t, tr in self.quiet_log if t != tank]

    # ------------------------------------------------------------------ transitions
    def _root_of(self, tank: str, key: str) -> str | None:
        for (t, k), ep in self.episodes.items():
            if t == tank and ep.explained_by is None and key in self.explains.get(k, ()):
                return k
        return None

    def handle(self, tank: str, transitions: Iterable[TransitionLike], now_ms: int) -> list[Message]:
        out: list[Message] = []
        batch = list(transitions)
        # causes before their effects: an alert that explains another in the batch goes first
        keys = {tr.key for tr in batch}
        batch.sort(key=lambda tr: -len(keys & set(self.explains.get(tr.key, ()))))
        for tr in batch:
            if tr.severity == "info":
                self.info.append((tank, tr))
                continue
            ident = (tank, tr.key)
            if tr.state == "firing":
                root = self._root_of(tank, tr.key)
                ep = Episode(tr.key, tr.severity, tr.summary, tr.t_ms, explained_by=root)
                self.episodes[ident] = ep
                if root is not None:
                    self.episodes[(tank, root)].grouped.append(tr.key)
                    continue
                msg = self._firing_message(tank, ep, tr.t_ms, batch)
                if msg is not None:
                    out.append(msg)
            elif tr.state == "resolved":
                if ident not in self.episodes:
                    continue
                ep = self.episodes.pop(ident)
                if ep.explained_by is not None:
                    continue
                out += self._orphans(tank, ep, tr.t_ms)
                if ep.sent_ms is None:
                    self.quiet_log.append((tank, tr))
                    continue
                if ep.severity == "warning" and self.policy.quiet(now_ms):
                    self.quiet_log.append((tank, tr))
                    continue
                out.append(Message(tank, ep.severity, "resolved", f"{tank}: resolved: {TITLES.get(ep.key, ep.key)}",
                                   tr.summary, [ep.key] + ep.grouped, tr.t_ms))
        return out

    def _orphans(self, tank: str, root: Episode, now_ms: int) -> list[Message]:
        """Effects still open when their cause resolved.

        Another open cause that explains one adopts it silently; a critical one left alone is news (a
        pump that stays locked out after the flow fault that caused the lockout) and gets its own
        message now; a warning ends quietly (the daily summary has it).
        """
        out: list[Message] = []
        open_ = [k for k in root.grouped if (tank, k) in self.episodes
                 and self.episodes[(tank, k)].explained_by == root.key]
        # a cause among the orphans goes first, so it can adopt the others
        others = set(open_)  # (not the list itself: it is empty while being sorted)
        open_.sort(key=lambda k: -len(others & set(self.explains.get(k, ()))))
        for k in open_:
            child = self.episodes[(tank, k)]
            child.explained_by = None
            parent = self._root_of(tank, k)
            if parent is not None and parent != k:
                child.explained_by = parent
                self.episodes[(tank, parent)].grouped.append(k)
            elif child.severity == "critical":
                msg = self._firing_message(tank, child, now_ms, [])
                if msg is not None:
                    out.append(msg)
            else:
                child.explained_by = root.key  # ends with its cause's episode, silently
        return out

    def _firing_message(self, tank: str, ep: Episode, now_ms: int, batch: list[Any]) -> Message | None:
        if self.silenced(tank, ep.key, now_ms):
            self.quiet_log.append((tank, ep))
            ep.acked = True  # a silenced episode does not nag when the silence ends
            return None
        if ep.severity == "warning" and self.policy.quiet(now_ms):
            ep.deferred = True
            return None
        ep.sent_ms = ep.last_sent_ms = now_ms
        return self._message(tank, ep, "firing", now_ms, batch)

    def _message(self, tank: str, ep: Episode, kind: str, now_ms: int, batch: Sequence[Any] = ()) -> Message:
        title = TITLES.get(ep.key, ep.key)
        head = {"firing": "", "reminder": "still: ", "morning": "overnight: "}[kind]
        body = ep.summary
        also = [k for k in self.explains.get(ep.key, ()) if any(tr.key == k and tr.state == "firing" for tr in batch)]
        also = list(dict.fromkeys(also + ep.grouped))
        if also:
            body += " (This also explains: " + ", ".join(TITLES.get(k, k) for k in also) + ".)"
        if kind == "reminder":
            body += " Acknowledge with: aquamon silence " + tank + " " + ep.key + " --ack"
        return Message(tank, ep.severity, kind, f"{tank}: {head}{title}", body, [ep.key] + also, now_ms)

    def tick(self, now_ms: int, tank: str | None = None) -> list[Message]:
        """Reminders for critical episodes, and deferred warnings when quiet hours end (of ``tank``, or all)."""
        out: list[Message] = []
        every = self.policy.renotify_minutes * 60_000
        for (t, key), ep in list(self.episodes.items()):
            if ep.explained_by is not None or (tank is not None and t != tank):
                continue
            tank_of = t
            if ep.deferred and not self.policy.quiet(now_ms):
                ep.deferred = False
                if self.silenced(tank_of, key, now_ms):
                    continue
                ep.sent_ms = ep.last_sent_ms = now_ms
                out.append(self._message(tank_of, ep, "morning", now_ms))
            elif (ep.severity == "critical" and every > 0 and not ep.acked and ep.last_sent_ms is not None
                  and now_ms - ep.last_sent_ms >= every and not self.silenced(tank_of, key, now_ms)):
                ep.last_sent_ms = now_ms
                out.append(self._message(tank_of, ep, "reminder", now_ms))
        return out

