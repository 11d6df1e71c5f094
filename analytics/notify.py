"""Deliver notifications through Apprise: one URL list per severity.

Apprise speaks to ~100 services (ntfy, Telegram, e-mail, Matrix, a plain
``json://`` webhook ...) from one URL each, so the keeper picks where critical
alerts wake them and where warnings and the daily summary go, without any of
that living in aquamon.

Examples
--------
>>> s = AppriseSender({"critical": ["json://127.0.0.1:9/"]})
>>> s.urls("critical"), s.urls("warning")
(['json://127.0.0.1:9/'], [])
>>> AppriseSender({"critical": ["nonsense"]})
Traceback (most recent call last):
...
ValueError: [notify] critical: 'nonsense' is not a notification URL Apprise understands (see https://github.com/caronc/apprise/wiki)
"""

from __future__ import annotations

import logging
from dataclasses import dataclass, field
from typing import Mapping, Sequence

import apprise

from analytics.incident import Message

log = logging.getLogger("aquamon.notify")
SEVERITIES = ("critical", "warning", "info")


@dataclass
class AppriseSender:
    """Send :class:`~analytics.incident.Message` s to the URLs configured for their severity.

    ``urls_by_severity`` maps critical / warning / info to URL lists; the daily
    summary goes to the ``info`` list.  Counts what was sent and what failed.
    """

    urls_by_severity: Mapping[str, Sequence[str]]
    sent: int = 0
    failed: int = 0
    _targets: dict[str, apprise.Apprise] = field(default_factory=dict, repr=False)

    def __post_init__(self) -> None:
        for severity, urls in self.urls_by_severity.items():
            if severity not in SEVERITIES:
                raise ValueError(f"[notify] {severity}: unknown severity; use one of {', '.join(SEVERITIES)}")
            a = apprise.Apprise()
            for url in urls:
                if not a.add(url):
                    raise ValueError(f"[notify] {severity}: {url!r} is not a notification URL Apprise understands "
                                     "(see https://github.com/caronc/apprise/wiki)")
            self._targets[severity] = a

    def urls(self, severity: str) -> list[str]:
        return list(self.urls_by_severity.get(severity, ()))

    def send(self, msg: Message) -> bool:
        """Deliver one message; False (logged, counted) if any target refused it or none is configured."""
        target = self._targets.get(msg.severity)
        if target is None or len(target) == 0:
            return False
        kind = {"critical": apprise.NotifyType.FAILURE, "warning": apprise.NotifyType.WARNING}.get(
            msg.severity, apprise.NotifyType.INFO)
        if msg.kind == "resolved":
            kind = apprise.NotifyType.SUCCESS
        ok = bool(target.notify(body=msg.body, title=msg.title, notify_type=kind))
        if ok:
            self.sent += 1
        else:
            self.failed += 1
            log.warning("could not deliver the %s notification %r to every %s URL; check the [notify] URLs "
                        "and that the services are reachable", msg.severity, msg.title, msg.severity)
        return ok
