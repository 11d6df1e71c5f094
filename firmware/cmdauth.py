# Signed commands: HMAC-SHA256 (RFC 2104) over a canonical text form, a
# timestamp window and a bounded cache of seen ids.  MicroPython has
# hashlib.sha256 but no hmac module, so HMAC is built here; tests check it
# against CPython's hmac.  aquamon/commands.py is the signing side and must
# produce exactly the same canonical text (docs/hardware.md documents it).
#
# Canonical form (UTF-8, lines joined by "\n", no trailing newline):
#     aquamon-cmd/1
#     <tank>
#     <device>
#     <id>
#     <ts as a decimal integer, epoch ms>
#     <action>
#     <args in canonical JSON>
# Canonical JSON: objects with keys sorted, no spaces, strings with only "\\"
# and '"' escaped; values are strings, integers, true/false/null, lists and
# objects of those.  Floats are refused (their text differs between ports):
# send decimals as strings ("6.86").  Control characters are refused anywhere,
# so no field can forge a line break.  Tank and device are in the signed text:
# a command captured for one device is refused by every other.

import hashlib

from binascii import hexlify, unhexlify

BLOCK = 64
PREFIX = "aquamon-cmd/1"


class CommandError(Exception):
    """A command that is refused; str(e) is the reason sent on cmd/ack."""


def hmac_sha256(key, msg):
    """HMAC-SHA256 digest (32 bytes) of bytes ``msg`` under bytes ``key``."""
    if len(key) > BLOCK:
        key = hashlib.sha256(key).digest()
    key = key + b"\x00" * (BLOCK - len(key))
    inner = hashlib.sha256(bytes(b ^ 0x36 for b in key))
    inner.update(msg)
    outer = hashlib.sha256(bytes(b ^ 0x5C for b in key))
    outer.update(inner.digest())
    return outer.digest()


def key_from_text(text):
    """A key as written in secrets.py or the sim config: 64 hex characters, or text of >= 16 bytes."""
    text = text.strip()
    if len(text) >= 32 and len(text) % 2 == 0:
        try:
            return unhexlify(text)
        except ValueError:
            pass
    return text.encode()


def to_hex(b):
    return hexlify(b).decode()


def equal_constant_time(a, b):
    """Compare two byte strings without an early exit (no timing oracle)."""
    if len(a) != len(b):
        return False
    diff = 0
    for i in range(len(a)):
        diff |= a[i] ^ b[i]
    return diff == 0


def _check_text(s, what):
    if not isinstance(s, str):
        raise CommandError("malformed: %s must be a string" % what)
    for ch in s:
        if ord(ch) < 32 or ord(ch) == 127:
            raise CommandError("malformed: control character in %s" % what)
    return s


def canonical_json(v):
    if v is None:
        return "null"
    if v is True:
        return "true"
    if v is False:
        return "false"
    if isinstance(v, int):
        return "%d" % v
    if isinstance(v, str):
        return '"' + _check_text(v, "a string").replace("\\", "\\\\").replace('"', '\\"') + '"'
    if isinstance(v, (list, tuple)):
        return "[" + ",".join(canonical_json(x) for x in v) + "]"
    if isinstance(v, dict):
        keys = sorted(v.keys())
        return "{" + ",".join(canonical_json(_check_text(k, "a key")) + ":" + canonical_json(v[k]) for k in keys) + "}"
    raise CommandError("malformed: args may hold strings, integers, booleans, null, lists and objects "
                       "(send decimals as strings)")


def canonical(tank, device, cmd_id, ts, action, args):
    """The exact bytes that are signed."""
    if not isinstance(ts, int) or isinstance(ts, bool):
        raise CommandError("malformed: ts must be an integer (epoch ms)")
    return "\n".join((PREFIX, _check_text(tank, "tank"), _check_text(device, "device"),
                      _check_text(cmd_id, "id"), "%d" % ts, _check_text(action, "action"),
                      canonical_json(args))).encode()


class Verifier:
    """Checks signature, freshness and uniqueness of command documents.

    Ids are remembered with their timestamps.  When the cache is full the
    oldest entry is forgotten and its timestamp becomes a floor: any command
    at or below the floor is refused, so forgetting never re-opens a replay.
    """

    def __init__(self, key, tank, device, window_ms=120000, cache_size=32):
        if not key or len(key) < 16:
            raise ValueError("the command key must be at least 16 bytes (see firmware/secrets.example.py)")
        if cache_size < 1:
            raise ValueError("cache_size must be at least 1")
        self.key = key
        self.tank = tank
        self.device = device
        self.window_ms = window_ms
        self.cache_size = cache_size
        self.seen = []  # [(ts, id)], oldest first by insertion
        self.floor = 0
        self.refused = 0

    def verify(self, doc, now_epoch_ms, clock_synced=True):
        """Return the verified (id, action, args) or raise CommandError with the reason."""
        try:
            return self._verify(doc, now_epoch_ms, clock_synced)
        except CommandError:
            self.refused += 1
            raise

    def _verify(self, doc, now_epoch_ms, clock_synced):
        if not isinstance(doc, dict):
            raise CommandError("malformed: a command is a JSON object")
        cmd_id = doc.get("id")
        ts = doc.get("ts")
        action = doc.get("action")
        args = doc.get("args", {})
        sig = doc.get("sig")
        if not isinstance(cmd_id, str) or not cmd_id or len(cmd_id) > 64:
            raise CommandError("malformed: id must be a string of 1-64 characters")
        if not isinstance(action, str) or not action:
            raise CommandError("malformed: action must be a string")
        if not isinstance(args, dict):
            raise CommandError("malformed: args must be an object")
        if not isinstance(ts, int) or isinstance(ts, bool):
            raise CommandError("malformed: ts must be an integer (epoch ms)")
        if not isinstance(sig, str) or len(sig) != 64:
            raise CommandError("malformed: sig must be 64 hex characters (HMAC-SHA256)")
        expected = to_hex(hmac_sha256(self.key, canonical(self.tank, self.device, cmd_id, ts, action, args)))
        if not equal_constant_time(expected.encode(), sig.lower().encode()):
            raise CommandError("bad signature: wrong key, or signed for another tank/device, or altered")
        if not clock_synced:
            raise CommandError("device clock not synced yet: retry once it has NTP time")
        if ts - now_epoch_ms > self.window_ms or now_epoch_ms - ts > self.window_ms:
            raise CommandError("timestamp outside the window of %d s (device time %d)" % (self.window_ms // 1000,
                                                                                         now_epoch_ms))
        if ts <= self.floor:
            raise CommandError("replay: timestamp not newer than forgotten commands")
        for _, seen_id in self.seen:
            if seen_id == cmd_id:
                raise CommandError("replay: id already seen")
        if len(self.seen) >= self.cache_size:
            oldest = 0
            for i in range(1, len(self.seen)):
                if self.seen[i][0] < self.seen[oldest][0]:
                    oldest = i
            self.floor = max(self.floor, self.seen.pop(oldest)[0])
        self.seen.append((ts, cmd_id))
        return cmd_id, action, args
