"""The :class:`~analytics.pager.Pager`'s saved state: what it holds about a tank, as plain JSON, read back
once per tank (on its first use, or in one batch at a restart) and written before anything is sent.

A store that cannot be read leaves the tank to try again 30 s later; one that cannot be written is counted
(``stats.unsaved``) and the pages go out anyway (a crash then could repeat them: logged).
"""

from __future__ import annotations

import logging
import time
from dataclasses import asdict
from typing import Any, Iterable, Mapping

from analytics.incident import Episode, PagerStats
from analytics.notify_policy import NotifyPolicy
from analytics.suppression import Suppressions

log = logging.getLogger("aquamon.notify")


class PagerHeld:
    """What the :class:`~analytics.pager.Pager` holds (set in its ``__init__``), declared for its mixins."""

    policy: NotifyPolicy
    explains: dict[str, tuple[str, ...]]
    store: Any
    stats: PagerStats
    episodes: dict[tuple[str, str], Episode]
    silences: dict[tuple[str, str], int]
    suppressions: Suppressions
    info: list[tuple[str, Any]]
    digest: dict[str, list[str]]
    summaries: dict[str, list[tuple[int, str]]]
    resolved: dict[str, list[dict[str, Any]]]
    readings: dict[str, dict[str, float]]
    now: dict[str, int]
    _rev: dict[str, int]
    _dirty: set[str]
    _loaded: set[str]
    _load_failed_at: dict[str, float]
    _numbered: int


class PagerSavedState(PagerHeld):
    """Load, save, restore and forget a tank's notification state (methods of :class:`~analytics.pager.Pager`;
    its state lives there)."""

    def load(self, tanks: Iterable[str]) -> None:
        """Read the saved state of ``tanks`` in one batch (a restart; otherwise each tank on its first use)."""
        todo = [t for t in tanks if t not in self._loaded]
        if self.store is None or not todo:
            return
        try:
            saved = self.store.load(todo)
        except Exception as e:  # noqa: BLE001 - each tank tries again on its first use
            log.warning("cannot read the saved notification state yet: %s", e)
            return
        self._loaded.update(todo)
        for tank, doc in saved.items():
            self.restore_tank(tank, doc)

    def _touch(self, tank: str, now_ms: int | None = None) -> None:
        retry = time.monotonic() - self._load_failed_at.get(tank, -1e9) >= 30.0
        if tank not in self._loaded and self.store is not None and retry:
            try:
                saved = self.store.load([tank]).get(tank)
            except Exception as e:  # noqa: BLE001 - go on without it; retried at the next touch
                log.warning("tank %s: cannot read the saved notification state yet: %s", tank, e)
                self._load_failed_at[tank], saved = time.monotonic(), None
            else:
                self._loaded.add(tank)
            if saved is not None:
                self.restore_tank(tank, saved)
        elif self.store is None:
            self._loaded.add(tank)
        if now_ms is not None:
            self.now[tank] = max(self.now.get(tank, now_ms), now_ms)

    def _save(self, tanks: list[str]) -> None:
        """Write the state of ``tanks`` (before anything is sent: no duplicate page after a crash)."""
        self._dirty.difference_update(tanks)
        if self.store is None or not tanks:
            return
        docs = {}
        for tank in tanks:
            self._rev[tank] = max(int(time.time() * 1000), self._rev.get(tank, 0) + 1)
            docs[tank] = self.tank_state(tank)
        try:
            self.store.save(docs)
        except Exception as e:  # noqa: BLE001 - each tank tries again on its first use
            self.stats.unsaved += 1
            self._dirty.update(tanks)
            log.warning("could not save the notification state before sending (sending anyway; a crash now "
                        "could repeat these notifications): %s", e)

    def tank_state(self, tank: str) -> dict[str, Any]:
        """Everything held about ``tank``, as plain JSON (also saved with the analytics state)."""
        return {
            "rev": self._rev.get(tank, 0), "now": self.now.get(tank),
            "episodes": [asdict(ep) for (t, _), ep in self.episodes.items() if t == tank],
            "silences": {k: until for (t, k), until in self.silences.items() if t == tank},
            "suppressions": self.suppressions.tank_state(tank),
            "info": [_plain(tr) for t, tr in self.info if t == tank],
            "digest": list(self.digest.get(tank, [])),
            "summaries": [list(s) for s in self.summaries.get(tank, [])],
            "resolved": list(self.resolved.get(tank, [])),
        }

    def restore_tank(self, tank: str, saved: Mapping[str, Any]) -> None:
        """Take back :meth:`tank_state`'s document, unless what is held for ``tank`` is newer."""
        rev = int(saved.get("rev") or 0)
        if tank in self._rev and rev <= self._rev[tank]:
            return
        from analytics.monitor import Transition

        self.forget_tank(tank)
        self._rev[tank] = rev
        eps = saved.get("episodes") or []
        if isinstance(eps, Mapping):  # saved by the older notifier: {key: episode}
            eps = [ep if isinstance(ep, Mapping) else {**vars(ep), "key": k} for k, ep in eps.items()]
        names = set(Episode.__dataclass_fields__)
        for doc in eps:
            ep = Episode(**{k: v for k, v in dict(doc).items() if k in names})
            if ep.announced_ms is None and dict(doc).get("sent_ms") is not None:
                ep.announced_ms = ep.last_push_ms = int(dict(doc)["sent_ms"])
            self.episodes[(tank, ep.key)] = ep
        for key, until in dict(saved.get("silences") or {}).items():
            self.silences[(tank, str(key))] = int(until)
        self.suppressions.restore_tank(tank, dict(saved.get("suppressions") or {}))
        for tr in saved.get("info") or ():
            self.info.append((tank, Transition(**tr) if isinstance(tr, Mapping) else tr))
        if saved.get("digest"):
            self.digest[tank] = [str(x) for x in saved["digest"]]
        if saved.get("summaries"):
            self.summaries[tank] = [(int(a), str(b)) for a, b in saved["summaries"]]
        if saved.get("resolved"):
            self.resolved[tank] = [dict(d) for d in saved["resolved"]]
        if saved.get("now") is not None:
            self.now[tank] = max(self.now.get(tank, 0), int(saved["now"]))

    def forget_tank(self, tank: str) -> None:
        """Drop everything held about ``tank`` (it moved to another instance, or is being restored)."""
        self.episodes = {i: ep for i, ep in self.episodes.items() if i[0] != tank}
        self.silences = {i: u for i, u in self.silences.items() if i[0] != tank}
        self.info = [(t, tr) for t, tr in self.info if t != tank]
        self.suppressions.forget_tank(tank)
        for held in (self.digest, self.summaries, self.resolved, self.readings):
            held.pop(tank, None)


def _plain(tr: Any) -> dict[str, Any]:
    return {k: getattr(tr, k) for k in ("key", "severity", "state", "summary", "t_ms", "value") if hasattr(tr, k)}
