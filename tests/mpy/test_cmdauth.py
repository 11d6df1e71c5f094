import cmdauth
import mpytest

KEY = b"0123456789abcdef0123456789abcdef"
T0 = 1700000000000


def signed(cmd_id="c1", ts=T0, action="pump", args=None, tank="tank1", device="esp32-1", key=KEY):
    args = {"mode": "off"} if args is None else args
    sig = cmdauth.to_hex(cmdauth.hmac_sha256(key, cmdauth.canonical(tank, device, cmd_id, ts, action, args)))
    return {"id": cmd_id, "ts": ts, "action": action, "args": args, "sig": sig}


def reason(v, doc, now=T0):
    try:
        v.verify(doc, now)
    except cmdauth.CommandError as e:
        return str(e)
    return ""


def test_rfc4231_case_2():
    d = cmdauth.hmac_sha256(b"Jefe", b"what do ya want for nothing?")
    assert cmdauth.to_hex(d) == "5bdcc146bf60754e6a042426089575c75a003f089d2739839dec58b964ec3843"


def test_long_key_is_hashed_first():
    # RFC 4231 case 6: 131-byte key
    d = cmdauth.hmac_sha256(b"\xaa" * 131, b"Test Using Larger Than Block-Size Key - Hash Key First")
    assert cmdauth.to_hex(d) == "60e431591ee0b67f0d8a26aacbf5b77f8e0bc6213728c5140546040f0ee37f54"


def test_good_command_passes_once():
    v = cmdauth.Verifier(KEY, "tank1", "esp32-1")
    assert v.verify(signed(), T0) == ("c1", "pump", {"mode": "off"})
    assert reason(v, signed()) == "replay: id already seen"


def test_altered_or_redirected_command_is_refused():
    v = cmdauth.Verifier(KEY, "tank1", "esp32-1")
    doc = signed()
    doc["args"] = {"mode": "auto"}
    assert reason(v, doc).startswith("bad signature")
    assert reason(v, signed(device="esp32-2")).startswith("bad signature")
    assert reason(v, signed(tank="tank2")).startswith("bad signature")
    assert reason(v, signed(key=b"another key of 32 bytes........")).startswith("bad signature")
    assert v.refused == 4


def test_timestamp_window():
    v = cmdauth.Verifier(KEY, "tank1", "esp32-1", window_ms=120000)
    assert reason(v, signed("old", T0 - 120001)).startswith("timestamp outside")
    assert reason(v, signed("future", T0 + 120001)).startswith("timestamp outside")
    assert reason(v, signed("edge", T0 - 120000)) == ""


def test_unsynced_clock_refuses():
    v = cmdauth.Verifier(KEY, "tank1", "esp32-1")
    mpytest.raises(cmdauth.CommandError, v.verify, signed(), T0, False)


def test_bounded_cache_never_reopens_a_replay():
    v = cmdauth.Verifier(KEY, "tank1", "esp32-1", cache_size=4)
    docs = [signed("c%d" % i, T0 + i) for i in range(10)]
    for d in docs:
        assert reason(v, d, T0 + 10) == ""
    assert len(v.seen) == 4
    for d in docs:
        assert reason(v, d, T0 + 10).startswith("replay")


def test_malformed_commands_say_why():
    v = cmdauth.Verifier(KEY, "tank1", "esp32-1")
    assert reason(v, []).startswith("malformed")
    assert reason(v, {"id": "x", "ts": T0, "action": "pump", "args": {}, "sig": "zz"}).startswith("malformed")
    d = signed()
    d["ts"] = 1.5
    assert reason(v, d).startswith("malformed")
    mpytest.raises(cmdauth.CommandError, cmdauth.canonical, "t", "d", "a\nb", T0, "pump", {})
    mpytest.raises(cmdauth.CommandError, cmdauth.canonical_json, {"x": 1.5})


def test_short_key_is_refused():
    mpytest.raises(ValueError, cmdauth.Verifier, b"short", "t", "d")


def test_canonical_form():
    c = cmdauth.canonical("tank1", "esp32-1", "c1", T0, "pump", {"mode": "feed", "minutes": 10})
    assert c == b'aquamon-cmd/1\ntank1\nesp32-1\nc1\n1700000000000\npump\n{"minutes":10,"mode":"feed"}'


mpytest.run(globals())
