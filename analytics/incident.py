"""An incident as the pager tracks it, and the messages a keeper reads about it.

Pure: the :class:`~analytics.pager.Pager` decides *when* and at which
priority; these functions say *what*, in the keeper's words, with the
numbers now (:mod:`analytics.notify_text`) and the keeper's clock.

>>> from datetime import timezone
>>> ep = Episode("sump_low", "critical", "Sump level low: 5.0 cm.", 3_600_000, worst=4.9, worst_ms=3_900_000)
>>> m = page("t1", ep, "reminder", "warning", 7_200_000, {"level_cm": 6.2}, timezone.utc, ack_hint=True)
>>> m.title, m.body
('t1: still sump level low', 'Since 01:00; now 6.2 cm, lowest 4.9 cm at 01:05. To stop the reminders, acknowledge it: aquamon silence t1 sump_low --ack')
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import tzinfo
from typing import Any, Collection, Mapping, Protocol, Sequence

from analytics.notify_policy import clock_text
from analytics.notify_text import keeper_words, now_and_worst, title


class Sender(Protocol):
    def send(self, msg: "Message") -> bool: ...


@dataclass
class Message:
    """One push: ``severity`` is its priority, i.e. the URL list it goes to (critical, warning, info)."""

    tank: str
    severity: str
    kind: str  # firing | morning (a warning held overnight) | reminder | resolved | summary | digest
    title: str
    body: str
    keys: list[str]
    t_ms: int
    incident: str = ""  # "key@since_ms" of the incident it belongs to ("" for summaries)


@dataclass
class Episode:
    """One alert's open episode, as the pager tracks it."""

    key: str
    severity: str
    summary: str
    since_ms: int
    explained_by: str | None = None
    grouped: list[str] = field(default_factory=list)
    announced_ms: int | None = None  # when its first message went out
    last_push_ms: int | None = None
    critical_pushes: int = 0
    reminders: int = 0
    acked: bool = False
    silenced: bool = False  # began while silenced: never announced
    held: str = ""  # why it has not been announced yet (keeper's words), for the morning message
    worst: float | None = None
    worst_ms: int = 0
    number: int = 0  # tells apart two episodes of one alert that began in the same minute
    continues: str = ""  # the incident this effect carries on after its cause ended ("" = its own)
    earlier: list[str] = field(default_factory=list)  # the alerts of that incident that already ended
    began_ms: int | None = None  # when that incident began
    told: list[str] = field(default_factory=list)  # the explained alerts its incident's messages named so far
    send_failures: int = 0  # tries of its first message that did not get through

    @property
    def incident(self) -> str:
        return self.continues or f"{self.key}@{self.since_ms}#{self.number}"


@dataclass
class PagerStats:
    """What the pager did since start (the demo and the benchmark print it)."""

    pushes: dict[str, int] = field(default_factory=lambda: {"critical": 0, "warning": 0, "info": 0})
    quiet_pushes: dict[str, int] = field(default_factory=lambda: {"critical": 0, "warning": 0, "info": 0})
    incidents: int = 0
    folded: int = 0  # episodes over before their first message could go out
    suppressed: int = 0  # held by maintenance or calibration and over before it ended
    unsaved: int = 0  # sends whose state could not be saved first (sent anyway)
    failed: int = 0


def page(tank: str, ep: Episode, kind: str, priority: str, now: int, readings: Mapping[str, float], zone: tzinfo,
         ack_hint: bool, on_again: Collection[str] = ()) -> Message:
    """A first page ("firing"), a warning held overnight ("morning") or a reminder of ``ep``.

    ``on_again``: the ``ep.earlier`` alerts that fired again since (a first page says so, not "now over").

    A first message names the explained alerts its incident has not named yet (not those in ``ep.told``,
    nor the ``ep.earlier`` alerts an earlier page was about), and adds them to ``ep.told``.
    """
    clock = lambda t: clock_text(t, zone)  # noqa: E731 - a short local alias
    name = title(ep.key)
    values = now_and_worst(ep.key, ep.summary, readings, (ep.worst, ep.worst_ms) if ep.worst is not None else None,
                           clock)
    named = {*ep.told, *ep.earlier}
    also = [k for k in dict.fromkeys(ep.grouped) if k not in named] if kind != "reminder" else []
    if kind in ("firing", "morning"):
        ep.told = [*ep.told, *also]
    if kind == "firing":
        head, body = f"{tank}: {name}", keeper_words(ep.summary)
        if ep.earlier:
            again = [title(k) for k in ep.earlier if k in on_again]
            body += (f" (It follows the {', '.join(title(k) for k in ep.earlier)} alert"
                     + (f"; the {', '.join(again)} alert ended and is on again.)" if again else ", now over.)"))
    else:
        head = f"{tank}: {'still ' if kind == 'reminder' else ''}{name}"
        body = f"Since {clock(ep.since_ms)}" + (f"; {values}." if values else ".")
        if kind == "morning":
            body += " " + keeper_words(ep.summary)
    if also:
        body += " This also explains: " + ", ".join(title(k) for k in also) + "."
    if ack_hint and ep.severity == "critical" and not ep.acked:
        body += f" To stop the reminders, acknowledge it: aquamon silence {tank} {ep.key} --ack"
    return Message(tank, priority, kind, head, body, [ep.key] + also, now, ep.incident)


def all_clear(tank: str, ep: Mapping[str, Any], now: int, readings: Mapping[str, float], zone: tzinfo) -> Message:
    """The one all-clear of an incident (``ep``: its last episode, as saved, with ``end_ms``); gives no orders."""
    clock = lambda t: clock_text(t, zone)  # noqa: E731 - a short local alias
    values = now_and_worst(ep["key"], ep["summary"], readings,
                           (ep["worst"], ep["worst_ms"]) if ep.get("worst") is not None else None, clock)
    names = ", ".join(title(k) for k in dict.fromkeys([*ep.get("earlier", []), ep["key"]]))  # one that fired again: once
    began = ep["since_ms"] if ep.get("began_ms") is None else ep["began_ms"]  # (0 is a time)
    body = (f"All clear: {names} from {clock(began)} to {clock(ep['end_ms'])}"
            + (f"; {values}." if values else "."))
    return Message(tank, "info", "resolved", f"{tank}: all clear: {title(ep['key'])}", body,
                   [ep["key"]] + list(ep["grouped"]), now,
                   ep.get("continues") or f"{ep['key']}@{ep['since_ms']}#{ep.get('number', 0)}")


def morning_message(tank: str, now: int, summaries: Sequence[str], lines: Sequence[str]) -> Message:
    """The daily summary (if due) with what happened since the last message, in one info push."""
    body = " ".join(summaries)
    if lines:  # the title already says "since the last message" when there is no summary to lead
        told = "; ".join(x.rstrip(".") for x in lines) + "."
        body += (" Since the last message: " + told) if body else told
    kind = "summary" if summaries else "digest"
    return Message(tank, "info", kind, f"{tank}: {'daily summary' if summaries else 'since the last message'}",
                   body, [], now)
