"""Alert commands: a keeper's signed silence, ack and maintenance, sent by the CLI and checked by the analytics.

A command is published on ``{prefix}/{tank}/analytics/cmd`` (the analytics
are the pseudo-device ``analytics``), signed as in :mod:`aquamon.commands`
with ``[alerts] command_key``.  The sending side is :func:`send_alert_command`
(``aquamon silence``, ``ack``, ``maintenance``); the receiving side is
:class:`AlertCommands`: :meth:`~AlertCommands.refusal` says why a command is
refused (no key configured, a bad signature, a clock too far off, a replay)
and counts it; :meth:`~AlertCommands.apply` does an accepted one to the
tank's pager and monitor.

Examples
--------
>>> from aquamon import commands
>>> key = bytes(32)
>>> gate = AlertCommands(key)
>>> doc = commands.sign_command(key, "t1", COMMAND_DEVICE, "ack", {"for_s": 0}, ts_ms=1_000_000)
>>> gate.refusal("t1", doc, wall_ms=1_000_000)
''
>>> gate.refusal("t1", doc, wall_ms=1_000_000)
'refused: already applied (a replay)'
>>> gate.refused
1
"""

from __future__ import annotations

import logging
from typing import Any, Protocol

from analytics.catalogue import ALERTS
from analytics.notify_text import title
from aquamon import commands
from aquamon.config import Config

log = logging.getLogger("aquamon.analytics")
#: how an answer begins when the command was taken but there was nothing to act on (clients say so as such)
NOTHING_TO_DO = "nothing to "
COMMAND_DEVICE = "analytics"  # alert commands are signed for this pseudo-device
COMMAND_WINDOW_MS = 300_000  # a command older or newer than this (wall clock) is refused
MIN_MS = 60_000


class CommandError(RuntimeError):
    """An alert command could not be sent; the message says what to do."""


class CommandedPager(Protocol):
    """What a command changes in who hears about alerts (:class:`analytics.pager.Pager`)."""

    def silence(self, tank: str, key: str | None, until_ms: int) -> None: ...

    def acknowledge(self, tank: str, key: str | None) -> int: ...

    def maintenance(self, tank: str, until_ms: int) -> None: ...


class CommandedMonitor(Protocol):
    """What a maintenance command changes in the tank's engine (:class:`analytics.monitor.TankMonitor`)."""

    def set_maintenance(self, now_ms: int, until_ms: int) -> None: ...


class AlertCommands:
    """Check signed alert commands and apply the accepted ones.

    Parameters
    ----------
    key
        The ``[alerts] command_key`` bytes; empty refuses every command.
    """

    def __init__(self, key: bytes) -> None:
        self.key = key
        self.seen: dict[str, int] = {}  # command id -> wall ms it was applied (replays are refused)
        self.refused = 0

    def refusal(self, tank: str, doc: dict[str, Any], wall_ms: int) -> str:
        """Why ``doc`` is refused (``"refused: …"``, logged and counted), or ``""`` when it may be applied.

        An accepted command's id is remembered for twice the clock window, so a replay is refused.
        """
        why = ""
        if not self.key:
            why = "no [alerts] command_key is configured"
        elif not commands.verify_signature(self.key, tank, COMMAND_DEVICE, doc):
            why = "bad signature (a different command_key, or the command was altered)"
        elif not isinstance(doc.get("ts"), int) or abs(wall_ms - doc["ts"]) > COMMAND_WINDOW_MS:
            why = "too old or from the future: check the clocks"
        elif doc.get("id") in self.seen:
            why = "already applied (a replay)"
        if why:
            self.refused += 1
            log.warning("refused an alert command for %s: %s", tank, why)
            return f"refused: {why}"
        self.seen[str(doc["id"])] = wall_ms
        self.seen = {k: v for k, v in self.seen.items() if wall_ms - v < 2 * COMMAND_WINDOW_MS}
        return ""

    def apply(self, tank: str, doc: dict[str, Any], pager: CommandedPager, monitor: CommandedMonitor,
              now_ms: int) -> str:
        """Do an accepted command at the tank's ``now_ms`` (its data clock); return what was done.

        An unknown action is refused (and counted) here: its signature was good, its meaning is not.
        """
        action, args = doc.get("action"), doc.get("args") or {}
        key = args.get("key") or None
        for_ms = int(args.get("for_s", 0)) * 1000
        if action == "silence":
            pager.silence(tank, key, now_ms + for_ms)
            done = f"silenced {tank} {key or '(all alerts)'} for {for_ms // MIN_MS} min"
        elif action == "ack":
            n = pager.acknowledge(tank, key)
            done = (f"acknowledged {n} alert(s) of {tank}" if n else f"{NOTHING_TO_DO}acknowledge: no open "
                    f"{'alert' if key is None else title(key) + ' alert'} of {tank} waits for it "
                    "(it may be over already, or acknowledged)")
        elif action == "maintenance":
            monitor.set_maintenance(now_ms, now_ms + for_ms)
            pager.maintenance(tank, now_ms + for_ms)  # water alerts held; a device going offline still pages
            done = f"{tank} in maintenance for {for_ms // MIN_MS} min: silenced, baseline learning paused"
        else:
            self.refused += 1
            return f"refused: unknown action {action!r}; use silence, ack or maintenance"
        log.warning("%s", done)
        return done


def parse_duration(text: str) -> int:
    """Seconds in "2h", "90m", "1d", "45s".

    >>> parse_duration("2h"), parse_duration("90m"), parse_duration("1d")
    (7200, 5400, 86400)
    >>> parse_duration("soon")
    Traceback (most recent call last):
    ...
    ValueError: duration 'soon' must be a number followed by s, m, h or d (e.g. 2h)
    """
    units = {"s": 1, "m": 60, "h": 3600, "d": 86400}
    t = text.strip().lower()
    try:
        value = float(t[:-1])
        if t[-1:] not in units or value < 0:
            raise ValueError
    except ValueError:
        raise ValueError(f"duration {text!r} must be a number followed by s, m, h or d (e.g. 2h)") from None
    return int(value * units[t[-1]])


def sign_alert_command(cfg: Config, tank: str, action: str, key: str | None, for_s: int,
                       ts_ms: int | None = None) -> dict[str, Any]:
    """The signed document of one alert command; :class:`CommandError` says what is wrong with the request."""
    if not cfg.alerts.command_key:
        raise CommandError("no [alerts] command_key in the configuration: set the same key for the analytics "
                           "and this command (see aquamon.example.toml)")
    if key is not None and key not in ALERTS:
        raise CommandError(f"unknown alert key {key!r}; the keys are: {', '.join(sorted(ALERTS))}")
    args: dict[str, Any] = {"for_s": int(for_s)}
    if key:
        args["key"] = key
    return commands.sign_command(commands.load_key(cfg.alerts.command_key), tank, COMMAND_DEVICE, action, args,
                                 ts_ms=ts_ms)


def send_alert_command(cfg: Config, tank: str, action: str, key: str | None, for_s: int,
                       timeout_s: float = 10.0) -> dict[str, Any]:
    """Sign and publish one alert command (silence, ack, maintenance) and return the analytics' answer.

    The answer is ``{"id", "ok", "done"}`` or ``{"id", "ok": false, "reason"}``; :class:`CommandError`
    says what to do when the broker cannot be reached or the analytics do not answer in time.
    """
    doc = sign_alert_command(cfg, tank, action, key, for_s)
    try:
        answer = commands.send_signed(cfg.mqtt, tank, COMMAND_DEVICE, doc, timeout_s)
    except OSError as e:  # unreachable, no answer, or the login refused: each says what to do
        raise CommandError(str(e)) from None
    if answer is None:
        raise CommandError(f"the analytics did not answer within {timeout_s:g} s: is `aquamon analytics` running "
                           "and connected to this broker? The command is applied only by a running analytics.")
    return answer
