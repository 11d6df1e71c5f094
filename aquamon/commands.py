"""Signed device commands: the server/CLI side of ``firmware/cmdauth.py``.

A command is published on ``{prefix}/{tank}/{device}/cmd`` as JSON
``{"id", "ts", "action", "args", "sig"}``; the device answers on
``…/cmd/ack`` with ``{"id": …, "ok": true|false, "reason": "…"}``.  ``sig`` is
the hex HMAC-SHA256, under the device's own key, of the canonical text::

    aquamon-cmd/1
    <tank>
    <device>
    <id>
    <ts, epoch ms, decimal>
    <action>
    <args as canonical JSON: sorted keys, no spaces, only \\ and " escaped>

(lines joined by a single newline, no trailing newline, UTF-8).  Args hold
strings, integers, booleans, null, lists and objects; floats are refused
because their text differs between Python ports: send ``"6.86"``.  Control
characters are refused everywhere.  The device refuses a bad signature, a
``ts`` further than its window (120 s by default) from its clock, and an id it
has already seen.

Examples
--------
>>> key = b"0123456789abcdef0123456789abcdef"
>>> cmd = sign_command(key, "tank1", "esp32-1", "pump", {"mode": "feed", "minutes": 10},
...                    cmd_id="c1", ts_ms=1700000000000)
>>> canonical("tank1", "esp32-1", "c1", 1700000000000, "pump", {"mode": "feed", "minutes": 10})
b'aquamon-cmd/1\\ntank1\\nesp32-1\\nc1\\n1700000000000\\npump\\n{"minutes":10,"mode":"feed"}'
>>> verify_signature(key, "tank1", "esp32-1", cmd)
True
>>> verify_signature(key, "tank1", "esp32-2", cmd)  # signed for another device
False
"""

from __future__ import annotations

import hashlib
import hmac
import json
import time
import uuid
from typing import Any

PREFIX = "aquamon-cmd/1"
ACTIONS = ("pump", "feed", "clear_lockout", "calibrate", "interval")


class CommandFormatError(ValueError):
    """The command cannot be put in canonical form (a float, a control character, a bad type)."""


def _text(s: Any, what: str) -> str:
    if not isinstance(s, str):
        raise CommandFormatError(f"{what} must be a string, not {type(s).__name__}")
    if any(ord(ch) < 32 or ord(ch) == 127 for ch in s):
        raise CommandFormatError(f"{what} contains a control character")
    return s


def canonical_json(value: Any) -> str:
    """Canonical JSON of command args (see the module docstring).

    >>> canonical_json({"b": [1, "x\\"y"], "a": None})
    '{"a":null,"b":[1,"x\\\\"y"]}'
    """
    if value is None:
        return "null"
    if value is True:
        return "true"
    if value is False:
        return "false"
    if isinstance(value, int):
        return str(value)
    if isinstance(value, str):
        return '"' + _text(value, "a string").replace("\\", "\\\\").replace('"', '\\"') + '"'
    if isinstance(value, (list, tuple)):
        return "[" + ",".join(canonical_json(v) for v in value) + "]"
    if isinstance(value, dict):
        return "{" + ",".join(canonical_json(_text(k, "a key")) + ":" + canonical_json(value[k])
                              for k in sorted(value)) + "}"
    raise CommandFormatError(f"args may not hold {type(value).__name__} values (send decimals as strings)")


def canonical(tank: str, device: str, cmd_id: str, ts_ms: int, action: str, args: dict[str, Any]) -> bytes:
    """The exact bytes the device verifies."""
    if not isinstance(ts_ms, int) or isinstance(ts_ms, bool):
        raise CommandFormatError("ts must be an integer number of epoch milliseconds")
    lines = [PREFIX, _text(tank, "tank"), _text(device, "device"), _text(cmd_id, "id"), str(ts_ms),
             _text(action, "action"), canonical_json(args)]
    return "\n".join(lines).encode()


def signature(key: bytes, tank: str, device: str, cmd_id: str, ts_ms: int, action: str,
              args: dict[str, Any]) -> str:
    return hmac.new(key, canonical(tank, device, cmd_id, ts_ms, action, args), hashlib.sha256).hexdigest()


def sign_command(key: bytes, tank: str, device: str, action: str, args: dict[str, Any] | None = None, *,
                 cmd_id: str | None = None, ts_ms: int | None = None) -> dict[str, Any]:
    """Build a signed command document ready to publish as JSON on ``…/cmd``."""
    args = dict(args or {})
    cmd_id = cmd_id or uuid.uuid4().hex[:16]
    ts_ms = int(time.time() * 1000) if ts_ms is None else ts_ms
    return {"id": cmd_id, "ts": ts_ms, "action": action, "args": args,
            "sig": signature(key, tank, device, cmd_id, ts_ms, action, args)}


def verify_signature(key: bytes, tank: str, device: str, cmd: dict[str, Any]) -> bool:
    """Check only the signature (the device also checks time and replays)."""
    try:
        want = signature(key, tank, device, cmd["id"], cmd["ts"], cmd["action"], cmd.get("args", {}))
    except (KeyError, CommandFormatError):
        return False
    return hmac.compare_digest(want, str(cmd.get("sig", "")))


def encode(cmd: dict[str, Any]) -> bytes:
    """JSON bytes for the wire, as raw UTF-8.

    Not ``\\uXXXX`` escapes: MicroPython's json decodes an escaped surrogate pair
    (any character beyond U+FFFF, e.g. an emoji) into two wrong characters, so
    the device would compute another canonical text and refuse the signature.

    >>> encode({"id": "a", "args": {"note": "🐟"}})
    b'{"id":"a","args":{"note":"\\xf0\\x9f\\x90\\x9f"}}'
    """
    return json.dumps(cmd, separators=(",", ":"), ensure_ascii=False).encode()


def command_topic(prefix: str, tank: str, device: str) -> str:
    return f"{prefix}/{tank}/{device}/cmd"


def ack_topic(prefix: str, tank: str, device: str) -> str:
    return f"{prefix}/{tank}/{device}/cmd/ack"


def load_key(text: str) -> bytes:
    """A key as written in secrets.py/device config: hex (64 chars) or plain text of ≥ 16 bytes.

    >>> len(load_key("00" * 32))
    32
    """
    text = text.strip()
    try:
        if len(text) % 2 == 0 and len(text) >= 32:
            return bytes.fromhex(text)
    except ValueError:
        pass
    key = text.encode()
    if len(key) < 16:
        raise CommandFormatError("a command key must be at least 16 bytes")
    return key


def parse_args(pairs: list[str]) -> dict[str, Any]:
    """``["mode=feed", "minutes=10"]`` -> ``{"mode": "feed", "minutes": 10}`` (integers stay integers).

    >>> parse_args(["sensor=ph", "step=point", "buffer=6.86", "minutes=10"])
    {'sensor': 'ph', 'step': 'point', 'buffer': '6.86', 'minutes': 10}
    """
    out: dict[str, Any] = {}
    for pair in pairs:
        name, sep, value = pair.partition("=")
        if not sep or not name:
            raise CommandFormatError(f"argument {pair!r} must be name=value")
        out[name] = int(value) if value.lstrip("-").isdigit() else value
    return out


def send_command(mqtt_cfg: Any, tank: str, device: str, key: bytes, action: str, args: dict[str, Any],
                 timeout_s: float = 10.0) -> dict[str, Any] | None:
    """Sign, publish on ``…/cmd`` and wait for the device's answer on ``…/cmd/ack``; None on timeout.

    Raises :class:`OSError` (:class:`aquamon.auth.LoginRefused` for a refused login) when the
    broker cannot be reached or will not let this account in.

    ``mqtt_cfg`` is an :class:`aquamon.config.MqttConfig` (host, port, credentials, topic prefix).
    """
    return send_signed(mqtt_cfg, tank, device, sign_command(key, tank, device, action, args), timeout_s)


def send_signed(mqtt_cfg: Any, tank: str, device: str, doc: dict[str, Any],
                timeout_s: float = 10.0) -> dict[str, Any] | None:
    """Publish a signed command on ``…/cmd`` and wait for its answer on ``…/cmd/ack``; None on timeout.

    The answer is the device's (or the analytics', for the pseudo-device ``analytics``):
    ``{"id": …, "ok": true|false, "reason": "…"}``.  Raises :class:`OSError` as :func:`send_command`.
    """
    import threading

    import paho.mqtt.client as mqtt
    from paho.mqtt.enums import CallbackAPIVersion

    from aquamon.auth import configure_client, connect_checked

    prefix = mqtt_cfg.topic_prefix
    answer: dict[str, Any] = {}
    got = threading.Event()
    subscribed = threading.Event()

    def on_message(client: Any, userdata: Any, msg: Any) -> None:
        try:
            ack = json.loads(msg.payload)
        except ValueError:
            return
        if isinstance(ack, dict) and ack.get("id") == doc["id"]:
            answer.update(ack)
            got.set()

    c = mqtt.Client(CallbackAPIVersion.VERSION2)
    configure_client(c, mqtt_cfg)
    c.on_connect = lambda cl, u, f, r, p: cl.subscribe(ack_topic(prefix, tank, device), 1)
    c.on_subscribe = lambda *a: subscribed.set()
    c.on_message = on_message
    try:
        connect_checked(c, mqtt_cfg, "operator", timeout_s)  # a refused login raises, saying what to set
        if not subscribed.wait(timeout_s):
            return None
        c.publish(command_topic(prefix, tank, device), encode(doc), qos=1).wait_for_publish(timeout_s)
        return dict(answer) if got.wait(timeout_s) else None
    finally:
        c.loop_stop()
        c.disconnect()
