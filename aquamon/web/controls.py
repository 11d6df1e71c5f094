"""The buttons: form fields in, a signed command out.  Keys stay on the server.

Device commands (feed pause, pump mode, clear lockout) are signed with the
device's own key, read from ``[web] device_keys_dir/{tank}.{device}.key``;
alert commands (acknowledge, silence, maintenance) with ``[alerts]
command_key``, addressed to the analytics as ``aquamon silence`` does.  The
browser sends only what to do; it never sees a key.

>>> plan = device_command({"action": "feed", "minutes": "10"})
>>> plan.action, plan.args, plan.words
('feed', {'minutes': 10}, 'pause the pump for feeding for 10 min')
>>> device_command({"action": "pump", "mode": "turbo"})
Traceback (most recent call last):
...
aquamon.web.controls.ControlError: pump mode 'turbo': choose auto, maintenance or off
>>> alert_command({"action": "maintenance", "minutes": "45"}).args
{'for_s': 2700}
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from aquamon import commands

PUMP_MODES = ("auto", "maintenance", "off")  # feed has its own button, with a time limit
_ID = re.compile(r"^[A-Za-z0-9_.-]{1,64}$")


class ControlError(ValueError):
    """The form asked for something that cannot be sent; the message says what to choose."""


@dataclass(frozen=True)
class Plan:
    """One command to sign: its action and args, and what it does in the keeper's words."""

    action: str
    args: dict[str, Any]
    words: str


def _minutes(form: Any, default: int, lo: int, hi: int) -> int:
    text = str(form.get("minutes") or default)
    if not text.isdigit() or not lo <= int(text) <= hi:
        raise ControlError(f"minutes {text!r}: a whole number from {lo} to {hi}")
    return int(text)


def check_id(value: str, what: str) -> str:
    if not _ID.match(value or ""):
        raise ControlError(f"{what} {value!r} is not a valid id")
    return value


def device_command(form: Any) -> Plan:
    """The device command a pump form asks for."""
    action = form.get("action")
    if action == "feed":
        m = _minutes(form, 10, 1, 120)
        return Plan("feed", {"minutes": m}, f"pause the pump for feeding for {m} min")
    if action == "pump":
        mode = str(form.get("mode", ""))
        if mode not in PUMP_MODES:
            raise ControlError(f"pump mode {mode!r}: choose {', '.join(PUMP_MODES[:-1])} or {PUMP_MODES[-1]}")
        return Plan("pump", {"mode": mode}, f"set the pump to {mode}")
    if action == "clear_lockout":
        return Plan("clear_lockout", {}, "clear the pump's lockout")
    raise ControlError(f"unknown pump action {action!r}: use feed, pump or clear_lockout")


def alert_command(form: Any) -> Plan:
    """The analytics command an alert form asks for (acknowledge, silence, maintenance)."""
    from analytics.monitor import ALERTS

    action = form.get("action")
    key = str(form.get("key") or "")
    if key and key not in ALERTS:
        raise ControlError(f"unknown alert {key!r}")
    args: dict[str, Any] = {"key": key} if key else {}
    if action == "ack":
        return Plan("ack", dict(args, for_s=0), "acknowledge")
    if action == "silence":
        m = _minutes(form, 120, 5, 7 * 1440)
        return Plan("silence", dict(args, for_s=m * 60), f"silence for {m} min")
    if action == "maintenance":
        m = _minutes(form, 60, 5, 12 * 60)
        return Plan("maintenance", {"for_s": m * 60}, f"water change: maintenance for {m} min")
    raise ControlError(f"unknown alert action {action!r}: use ack, silence or maintenance")


class Keys:
    """Command keys, read when needed (a rotated key file takes effect at the next press)."""

    def __init__(self, device_keys_dir: str, alert_key: str) -> None:
        self.dir = Path(device_keys_dir) if device_keys_dir else None
        self.alert_key = alert_key

    def device(self, tank: str, device: str) -> bytes:
        if self.dir is None:
            raise ControlError("pump buttons are off: set [web] device_keys_dir to the folder of the devices' "
                               "command keys (see docs/web.md)")
        path = self.dir / f"{check_id(tank, 'tank')}.{check_id(device, 'device')}.key"
        try:
            return commands.load_key(path.read_text())
        except FileNotFoundError:
            raise ControlError(f"no command key for {tank}/{device}: put it in {path}") from None
        except (OSError, commands.CommandFormatError) as e:
            raise ControlError(f"the command key {path} cannot be used: {e}") from None

    def analytics(self) -> bytes:
        if not self.alert_key:
            raise ControlError("alert buttons are off: set [alerts] command_key (the same as the analytics')")
        return commands.load_key(self.alert_key)


# what a device's refusal (firmware/cmdauth.py) means for the keeper, and what to do; the device's own
# words follow in brackets for whoever looks further
_REFUSALS = (
    ("timestamp outside the window", "the device's clock and this server's differ by more than the device "
                                     "allows: check that both have the right time (NTP)"),
    ("device clock not synced", "the device has no network time yet: try again in a minute"),
    ("bad signature", "the device does not hold the key this server signs with: compare "
                      "[web] device_keys_dir/TANK.DEVICE.key with the device's command key"),
    ("replay", "the device saw this command before, or restarted since it was signed: press again"),
)


def refusal_words(reason: str) -> str:
    """A device's refusal in the keeper's words, with the device's reason after it.

    >>> refusal_words("timestamp outside the window of 120 s (device time 1796281614433)")[:45]
    "the device's clock and this server's differ b"
    >>> refusal_words("lockout active")
    'lockout active'
    """
    for start, words in _REFUSALS:
        if start in reason:
            return f"{words} [device: {reason}]"
    return reason
