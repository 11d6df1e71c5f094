"""Per-tank profiles, limits and notification URLs: a tank or a group of tanks by pattern.

A shop with tropical, turtle and cold-water tanks, or staff per room, says
which tanks are which and who hears about them::

    [alerts.tanks."cold-*"]
    profile = "cold-water"
    limits = ["temp_c_high = 20"]

    [notify.tanks."turtle-*"]
    critical = ["ntfy://ntfy.sh/reptile-room"]

A tank takes the first table whose pattern matches it (its exact name before
any pattern, then patterns in file order; ``*``, ``?`` and ``[ab]`` as in file
names); what that table leaves out comes from the global ``[alerts]`` /
``[notify]`` settings.

>>> r = Routes({"critical": ["json://a/"]}, {"turtle-*": {"critical": ["json://b/"]}})
>>> r.urls("turtle-3"), r.urls("reef-1")
({'critical': ['json://b/'], 'warning': [], 'info': []}, {'critical': ['json://a/'], 'warning': [], 'info': []})
"""

from __future__ import annotations

import fnmatch
from dataclasses import replace
from typing import Any, Mapping, Sequence

from analytics.notify import SEVERITIES, AppriseSender

ALERT_KEYS = ("profile", "limits")


def match_table(tank: str, tables: Mapping[str, Any]) -> Any | None:
    """The table for ``tank``: its exact name first, then the first pattern that matches, else None.

    >>> match_table("reef-1", {"*": 1, "reef-*": 2, "reef-1": 3}), match_table("x", {"reef-*": 2})
    (3, None)
    """
    if tank in tables:
        return tables[tank]
    for pattern, table in tables.items():
        if fnmatch.fnmatchcase(tank, pattern):
            return table
    return None


def check_tables(section: str, tables: Mapping[str, Any], allowed: Sequence[str]) -> None:
    """ValueError naming the table and key when a per-tank table has a wrong key or type."""
    for pattern, table in tables.items():
        if not isinstance(table, Mapping):
            raise ValueError(f"[{section}.tanks.\"{pattern}\"] must be a table of keys")
        for key, value in table.items():
            if key not in allowed:
                raise ValueError(f"[{section}.tanks.\"{pattern}\"] {key}: unknown key; allowed keys: "
                                 f"{', '.join(allowed)}")
            if key == "profile" and not isinstance(value, str):
                raise ValueError(f"[{section}.tanks.\"{pattern}\"] profile: must be a string")
            if key != "profile" and not (isinstance(value, list) and all(isinstance(v, str) for v in value)):
                raise ValueError(f"[{section}.tanks.\"{pattern}\"] {key}: must be a list of strings")


class Routes:
    """Notification URLs per severity for each tank: its table's lists, else the global ones."""

    def __init__(self, default: Mapping[str, Sequence[str]], tables: Mapping[str, Mapping[str, Any]]) -> None:
        check_tables("notify", tables, SEVERITIES)
        self.default = {s: list(default.get(s, ())) for s in SEVERITIES}
        self.tables = dict(tables)

    def urls(self, tank: str) -> dict[str, list[str]]:
        table = match_table(tank, self.tables) or {}
        return {s: list(table.get(s, self.default[s])) for s in SEVERITIES}


class RoutedSender:
    """Sends each message to its tank's URLs (one :class:`AppriseSender` per distinct URL set, made once).

    Every URL of every table is checked when this is made, so a typo stops start-up, not a 3 a.m. page.
    """

    def __init__(self, routes: Routes) -> None:
        self.routes = routes
        self._senders: dict[str, AppriseSender] = {}
        self._by_tank: dict[str, AppriseSender] = {}
        for urls in [routes.default, *({**routes.default, **t} for t in routes.tables.values())]:
            self._sender_for(urls)

    def _sender_for(self, urls: Mapping[str, Sequence[str]]) -> AppriseSender:
        ident = repr(sorted((s, tuple(u)) for s, u in urls.items()))
        if ident not in self._senders:
            self._senders[ident] = AppriseSender({s: list(u) for s, u in urls.items()})
        return self._senders[ident]

    def sender(self, tank: str) -> AppriseSender:
        if tank not in self._by_tank:
            self._by_tank[tank] = self._sender_for(self.routes.urls(tank))
        return self._by_tank[tank]

    def send(self, msg: Any) -> bool:
        return self.sender(msg.tank).send(msg)

    @property
    def sent(self) -> int:
        return sum(s.sent for s in self._senders.values())

    @property
    def failed(self) -> int:
        return sum(s.failed for s in self._senders.values())


def tank_alert_settings(tank: str, profile: str, limits: Sequence[str],
                        tables: Mapping[str, Mapping[str, Any]]) -> tuple[str, list[str]]:
    """The profile and limit overrides of ``tank``: its ``[alerts.tanks]`` table's, else the global ones.

    A table's limits add to (and win over) the global limits.

    >>> tank_alert_settings("cold-2", "tropical", ["ph_low = 6.5"],
    ...                     {"cold-*": {"profile": "cold-water", "limits": ["temp_c_high = 20"]}})
    ('cold-water', ['ph_low = 6.5', 'temp_c_high = 20'])
    """
    table = match_table(tank, tables) or {}
    return str(table.get("profile", profile)), [*limits, *table.get("limits", [])]


def settings_for(cfg: Any, tank: str, base: Any = None) -> Any:
    """The :class:`~analytics.monitor.MonitorSettings` of ``tank`` (``base``: the global ones, made if None)."""
    from analytics.settings import settings_from

    al = cfg.alerts
    if not al.tanks or match_table(tank, al.tanks) is None:
        return base if base is not None else settings_from(cfg)
    profile, limits = tank_alert_settings(tank, al.profile, al.limits, al.tanks)
    return settings_from(replace(cfg, alerts=replace(al, profile=profile, limits=limits, tanks={})))
