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
#
# Memory (a 64 KB heap): the device imports this module for each command and
# drops it afterwards, so it holds no state and has few functions (each costs
# ~160 bytes of heap even run in place from ROMFS).  The device keeps the key
# (bytes; devconfig turns the secrets.py text into them at boot) and the
# seen-id cache, one bytearray of 8 + ENTRY * size bytes: an 8-byte floor,
# then per entry an 8-byte timestamp and the first 8 bytes of the id's SHA-256
# (two ids sharing them is a false "replay", never a false accept).  The
# canonical text is hashed piece by piece, never joined; the cache is read
# byte by byte: no per-entry objects.

import gc
import hashlib

from binascii import unhexlify
from micropython import const

ENTRY = const(16)  # bytes per seen id: timestamp, id digest (a const: range() over it allocates nothing)
CommandError = ValueError  # a refusal; str(e) is the reason sent on cmd/ack


def hmac_sha256(key, msg, fields=None):
    """HMAC-SHA256 digest (32 bytes) of bytes ``msg`` under bytes ``key``; or, given ``fields``
    (tank, device, id, ts, action, args), of their canonical text, hashed piece by piece."""
    if len(key) > 64:
        key = hashlib.sha256(key).digest()
    pad = bytearray(64)
    pad[:len(key)] = key
    for i in range(64):
        pad[i] ^= 0x36  # ipad
    inner = hashlib.sha256(pad)
    if fields is None:
        inner.update(msg)
    else:
        tank, device, cmd_id, ts, action, args = fields
        canonical(tank, device, cmd_id, ts, action, args, inner.update)
    digest = inner.digest()
    del inner
    gc.collect()  # the canonical text's pieces (~0.5 KB) go before the outer hash's (a 64 KB heap)
    for i in range(64):
        pad[i] ^= 0x36 ^ 0x5C  # opad
    outer = hashlib.sha256(pad)
    outer.update(digest)
    return outer.digest()


def _json(put, v, what=None):
    # canonical JSON of v, piece by piece; with ``what``, v is a str put as it is (a field)
    if isinstance(v, str):
        # character by character: an ASCII character is an interned string on MicroPython, so
        # the loop allocates nothing (a memoryview per string was ~0.35 KB of a command's garbage)
        for c in v:
            if c < " " or c == "\x7f":
                raise CommandError("malformed: control character in %s" % (what or "a string"))
        if what:
            put(v)
        else:
            put('"')
            put(v.replace("\\", "\\\\").replace('"', '\\"'))
            put('"')
    elif what:
        raise CommandError("malformed: %s must be a string" % what)
    elif v is None or v is True or v is False:
        put("null" if v is None else "true" if v else "false")
    elif isinstance(v, int):
        put("%d" % v)
    elif isinstance(v, (list, tuple)):
        put("[")
        sep = ""
        for x in v:
            put(sep)
            _json(put, x)
            sep = ","
        put("]")
    elif isinstance(v, dict):
        put("{")
        sep = ""
        for k in sorted(v):
            put(sep)
            if not isinstance(k, str):
                raise CommandError("malformed: a key must be a string")
            _json(put, k)
            put(":")
            _json(put, v[k])
            sep = ","
        put("}")
    else:
        raise CommandError("malformed: args may hold strings, integers, booleans, null, lists and objects "
                           "(send decimals as strings)")


def canonical(tank, device, cmd_id, ts, action, args, put=None):
    """The exact bytes that are signed (a bytearray); or, given ``put``, passed to it piece by piece."""
    out = None
    if put is None:
        out = bytearray()
        put = out.extend
    if not isinstance(ts, int) or isinstance(ts, bool):
        raise CommandError("malformed: ts must be an integer (epoch ms)")
    put("aquamon-cmd/1\n")
    _json(put, tank, "tank")
    put("\n")
    _json(put, device, "device")
    put("\n")
    _json(put, cmd_id, "id")
    put("\n%d\n" % ts)
    _json(put, action, "action")
    put("\n")
    _json(put, args)
    return out


def verify(doc, key, tank, device, window_ms, seen, now_epoch_ms, clock_synced=True):
    """Return the verified (id, action, args) of command ``doc`` (parsed JSON) and record its id
    in ``seen``, or raise CommandError with the reason.

    A full cache forgets its oldest entry and its timestamp becomes the floor: any command at or
    below the floor is refused, so forgetting never re-opens a replay.
    """
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
    try:
        if not isinstance(sig, str) or len(sig) != 64:
            raise ValueError
        sig = unhexlify(sig)
    except ValueError:
        raise CommandError("malformed: sig must be 64 hex characters (HMAC-SHA256)")
    mac = hmac_sha256(key, None, (tank, device, cmd_id, ts, action, args))
    diff = 0
    for i in range(32):  # no early exit: no timing oracle
        diff |= mac[i] ^ sig[i]
    if diff:
        raise CommandError("bad signature: wrong key, or signed for another tank/device, or altered")
    mac = sig = None
    gc.collect()  # the hashing's garbage (~1 KB) goes before the cache scan's (a 64 KB heap)
    if not clock_synced:
        raise CommandError("device clock not synced yet: retry once it has NTP time")
    if ts - now_epoch_ms > window_ms or now_epoch_ms - ts > window_ms:
        raise CommandError("timestamp outside the window of %d s (device time %d)" % (window_ms // 1000,
                                                                                     now_epoch_ms))
    # the cache, read in place: entry timestamps as big-endian integers (0: an empty entry)
    floor = 0
    for i in range(8):
        floor = floor << 8 | seen[i]
    if ts <= floor:
        raise CommandError("replay: signed before the device last booted or before commands it has forgotten: sign it again")
    digest = hashlib.sha256(cmd_id).digest()
    oldest = 8
    forgotten = -1
    for at in range(8, len(seen), ENTRY):
        t = same = 0
        for i in range(8):
            t = t << 8 | seen[at + i]
            same |= seen[at + 8 + i] ^ digest[i]
        if t and not same:
            raise CommandError("replay: id already seen")
        if forgotten < 0 or t < forgotten:
            oldest, forgotten = at, t  # the oldest entry; an empty one first
    for i in range(8):
        if forgotten > floor:
            seen[7 - i] = forgotten >> 8 * i & 255
        seen[oldest + 7 - i] = ts >> 8 * i & 255
        seen[oldest + 8 + i] = digest[i]
    return cmd_id, action, args
