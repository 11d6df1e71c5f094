"""Which alerts make one incident: an alert the open incident explains joins it (a stopped pump explains the
low flow), and when the cause ends, a critical effect still open carries the incident on with its budget
(methods of :class:`~analytics.pager.Pager`; its state lives there).
"""

from __future__ import annotations

import logging
from dataclasses import asdict
from typing import Protocol

from analytics.incident import Episode
from analytics.notify_policy import clock_text
from analytics.notify_text import title
from analytics.pager_state import PagerHeld

log = logging.getLogger("aquamon.notify")
DIGEST_MAX = 40  # lines kept for the morning message of one tank (the oldest are dropped, counted)


class TransitionLike(Protocol):
    key: str
    severity: str
    state: str
    summary: str
    t_ms: int


class IncidentGrouping(PagerHeld):
    """Open, join, end and hand on incidents."""


    def _root_of(self, tank: str, key: str) -> str | None:
        for (t, k), ep in self.episodes.items():
            if t == tank and ep.explained_by is None and key in self.explains.get(k, ()):
                return k
        return None

    def _fired(self, tank: str, tr: TransitionLike) -> None:
        if (tank, tr.key) in self.episodes:
            return  # already open: a restarted monitor firing again is the same incident
        root = self._root_of(tank, tr.key)
        self._numbered += 1
        ep = Episode(tr.key, tr.severity, tr.summary, tr.t_ms, explained_by=root, number=self._numbered)
        self.episodes[(tank, tr.key)] = ep
        if root is not None:
            self.episodes[(tank, root)].grouped.append(tr.key)
            return
        self.stats.incidents += 1
        if any(self.silences.get((tank, k), -1) > tr.t_ms for k in (tr.key, "*")):
            ep.silenced = ep.acked = True  # a silenced incident does not nag when the silence ends

    def _ended(self, tank: str, key: str, t_ms: int) -> None:
        ep = self.episodes.pop((tank, key), None)
        if ep is None or ep.explained_by is not None:
            return
        if self._adopt_orphans(tank, ep):
            return  # the incident goes on: its all-clear comes when its last alert ends
        span = f"{clock_text(ep.since_ms, self.policy.zone)}–{clock_text(t_ms, self.policy.zone)}"
        if ep.announced_ms is not None or ep.continues:  # the keeper was told of the incident: all clear
            self.resolved.setdefault(tank, []).append({**asdict(ep), "end_ms": t_ms})
            return
        if ep.silenced:
            why = "silenced"
        elif ep.held and not ep.held.startswith("waited"):
            why, self.stats.suppressed = f"not sent: {ep.held}", self.stats.suppressed + 1
        elif ep.severity == "critical" or not self.policy.quiet(ep.since_ms):
            why, self.stats.folded = "over before it could be sent", self.stats.folded + 1
            log.warning("notify: %s %s resolved before it could be sent", tank, title(key))
        else:
            why = "overnight"
        self._note(tank, f"{title(key)} {span} ({why})")

    def _adopt_orphans(self, tank: str, root: Episode) -> bool:
        """Effects still open when their cause ends; True if a critical one carries the incident on.

        Another open cause adopts an effect silently.  A critical effect left alone (the temperature
        still unsafe after the heater stopped rising it, a pump locked out after the flow came back)
        carries the incident on, with its budget: it is news, told once, at critical priority only
        if the budget allows; one the incident named already (in a page, or an alert that ended and fired
        again inside it) goes on quietly, and no message of the incident names an alert twice.  A warning
        ends quietly with its cause.
        """
        heirs: list[Episode] = []
        open_ = [k for k in root.grouped if (tank, k) in self.episodes
                 and self.episodes[(tank, k)].explained_by == root.key]
        others = set(open_)
        open_.sort(key=lambda k: -len(others & set(self.explains.get(k, ()))))
        for k in open_:
            child = self.episodes[(tank, k)]
            child.explained_by = None
            parent = self._root_of(tank, k)
            if parent is None and heirs:  # one heir carries the incident on, with its one budget: the others
                parent = heirs[0].key     # go with it (two heirs would remind twice)
            if parent is not None and parent != k:
                child.explained_by = parent
                self.episodes[(tank, parent)].grouped.append(k)
            elif child.severity == "critical" and not root.silenced:
                child.continues, child.earlier = root.incident, [*root.earlier, root.key]
                child.began_ms = root.began_ms if root.began_ms is not None else root.since_ms
                child.critical_pushes, child.reminders, child.acked = root.critical_pushes, root.reminders, root.acked
                child.held = "" if root.announced_ms is not None else root.held
                if root.announced_ms is None:  # nothing was told yet: the effect's page is the incident's first
                    child.continues, child.earlier, child.began_ms = "", [], None
                else:  # what the incident named already is not named again (an alert that ended and fired again)
                    child.told = list(root.told)
                    if k in root.told or k in root.earlier:  # named already: it goes on quietly, reminded as due
                        child.announced_ms, child.last_push_ms = root.announced_ms, root.last_push_ms
                heirs.append(child)
            else:
                child.explained_by = root.key  # a warning ends quietly with its cause
        return bool(heirs) and root.announced_ms is not None


    def note(self, tank: str, line: str) -> None:
        """Tell the keeper ``line`` in ``tank``'s next morning message ("Since the last message: ...")."""
        self._note(tank, line)

    def _note(self, tank: str, line: str) -> None:
        lines = self.digest.setdefault(tank, [])
        lines.append(line)
        del lines[:-DIGEST_MAX]
        self._dirty.add(tank)
