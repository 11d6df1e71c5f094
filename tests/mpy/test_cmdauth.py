from binascii import hexlify

import cmdauth
import mpytest

KEY = b"0123456789abcdef0123456789abcdef"
T0 = 1700000000000


def signed(cmd_id="c1", ts=T0, action="pump", args=None, tank="tank1", device="esp32-1", key=KEY):
    args = {"mode": "off"} if args is None else args
    sig = hexlify(cmdauth.hmac_sha256(key, cmdauth.canonical(tank, device, cmd_id, ts, action, args))).decode()
    return {"id": cmd_id, "ts": ts, "action": action, "args": args, "sig": sig}


class Device:
    # what app.Device keeps between commands: the key and the seen-id cache (cmdauth holds nothing)
    def __init__(self, cache_size=32, window_ms=120000, key=KEY):
        self.key, self.seen = key, bytearray(8 + cmdauth.ENTRY * cache_size)
        self.window_ms = window_ms
        self.refused = 0

    def verify(self, doc, now=T0, synced=True):
        return cmdauth.verify(doc, self.key, "tank1", "esp32-1", self.window_ms, self.seen, now, synced)

    def reason(self, doc, now=T0):
        try:
            self.verify(doc, now)
        except cmdauth.CommandError as e:
            self.refused += 1
            return str(e)
        return ""


def test_rfc4231_case_2():
    d = cmdauth.hmac_sha256(b"Jefe", b"what do ya want for nothing?")
    assert hexlify(d) == b"5bdcc146bf60754e6a042426089575c75a003f089d2739839dec58b964ec3843"


def test_long_key_is_hashed_first():
    # RFC 4231 case 6: 131-byte key
    d = cmdauth.hmac_sha256(b"\xaa" * 131, b"Test Using Larger Than Block-Size Key - Hash Key First")
    assert hexlify(d) == b"60e431591ee0b67f0d8a26aacbf5b77f8e0bc6213728c5140546040f0ee37f54"


def test_good_command_passes_once():
    v = Device()
    assert v.verify(signed()) == ("c1", "pump", {"mode": "off"})
    assert v.reason(signed()) == "replay: id already seen"
    d = signed()
    d["sig"] = d["sig"].upper()  # hex in either case
    assert v.reason(d) == "replay: id already seen"


def test_altered_or_redirected_command_is_refused():
    v = Device()
    doc = signed()
    doc["args"] = {"mode": "auto"}
    assert v.reason(doc).startswith("bad signature")
    assert v.reason(signed(device="esp32-2")).startswith("bad signature")
    assert v.reason(signed(tank="tank2")).startswith("bad signature")
    assert v.reason(signed(key=b"another key of 32 bytes........")).startswith("bad signature")
    assert v.refused == 4
    assert v.seen == bytearray(len(v.seen))  # nothing refused was remembered


def test_timestamp_window():
    v = Device(window_ms=120000)
    assert v.reason(signed("old", T0 - 120001)).startswith("timestamp outside")
    assert v.reason(signed("future", T0 + 120001)).startswith("timestamp outside")
    assert v.reason(signed("edge", T0 - 120000)) == ""


def test_unsynced_clock_refuses():
    v = Device()
    mpytest.raises(cmdauth.CommandError, v.verify, signed(), T0, False)


def test_bounded_cache_never_reopens_a_replay():
    v = Device(cache_size=4)
    assert len(v.seen) == 8 + 4 * cmdauth.ENTRY  # fixed size: a floor and four entries
    docs = [signed("c%d" % i, T0 + i) for i in range(10)]
    for d in docs:
        assert v.reason(d, T0 + 10) == ""
    assert len(v.seen) == 8 + 4 * cmdauth.ENTRY
    for d in docs[:6]:  # forgotten: below the floor
        assert v.reason(d, T0 + 10).startswith("replay: signed before the device last booted or before commands")
    for d in docs[6:]:  # remembered
        assert v.reason(d, T0 + 10) == "replay: id already seen"


def test_a_full_cache_forgets_the_oldest_timestamp_not_the_first_arrived():
    v = Device(cache_size=3)
    for cmd_id, ts in (("b", T0 + 5), ("a", T0 + 1), ("c", T0 + 9)):  # arrive out of order
        assert v.reason(signed(cmd_id, ts)) == ""
    assert v.reason(signed("d", T0 + 3)) == ""  # forgets "a" (T0 + 1): the floor
    assert v.reason(signed("a", T0 + 1)).startswith("replay: signed before")
    assert v.reason(signed("b", T0 + 5)) == "replay: id already seen"  # "b" arrived first, still kept
    assert v.reason(signed("e", T0 + 2)) == ""  # above the floor: new commands still pass
    assert v.reason(signed("e2", T0 + 1)).startswith("replay: signed before")


def test_the_cache_survives_many_wraps():
    v = Device(cache_size=5)
    for i in range(200):
        ts = T0 + 1000 * i
        assert v.reason(signed("w%d" % i, ts), ts) == ""
        assert v.reason(signed("w%d" % i, ts), ts).startswith("replay")
        if i >= 7:
            old = T0 + 1000 * (i - 7)
            assert v.reason(signed("w%d" % (i - 7), old), ts).startswith("replay")
    assert len(v.seen) == 8 + 5 * cmdauth.ENTRY


def test_malformed_commands_say_why():
    v = Device()
    assert v.reason([]).startswith("malformed")
    assert v.reason({"id": "x", "ts": T0, "action": "pump", "args": {}, "sig": "zz"}).startswith("malformed")
    assert v.reason({"id": "x", "ts": T0, "action": "pump", "args": {}, "sig": "z" * 64}).startswith("malformed")
    d = signed()
    d["ts"] = 1.5
    assert v.reason(d).startswith("malformed")
    mpytest.raises(cmdauth.CommandError, cmdauth.canonical, "t", "d", "a\nb", T0, "pump", {})
    mpytest.raises(cmdauth.CommandError, cmdauth.canonical, "t", "d", "a", T0, "pump", {"x": 1.5})
    mpytest.raises(cmdauth.CommandError, cmdauth.canonical, "t", "d", "a", T0, "pump", {"x": ["a\x7f"]})
    mpytest.raises(cmdauth.CommandError, cmdauth.canonical, "t", "d", "a", T0, "pump", {"x": "\u00e9\x01"})
    assert cmdauth.canonical("t", "d", "a", T0, "pump", {"x": "\u00e9\U0001f422"}).endswith(
        '{"x":"\u00e9\U0001f422"}'.encode())  # characters beyond ASCII are not control characters


def test_canonical_form():
    c = cmdauth.canonical("tank1", "esp32-1", "c1", T0, "pump", {"mode": "feed", "minutes": 10})
    assert c == b'aquamon-cmd/1\ntank1\nesp32-1\nc1\n1700000000000\npump\n{"minutes":10,"mode":"feed"}'
    c = cmdauth.canonical("t", "d", "i", 1, "a", {"k\"": [None, True, False, -3, 'x\\"y'], "a": {}})
    assert c == b'aquamon-cmd/1\nt\nd\ni\n1\na\n{"a":{},"k\\"":[null,true,false,-3,"x\\\\\\"y"]}'


mpytest.run(globals())
