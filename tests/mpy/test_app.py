# The device loop with a scripted board (no broker: port 1 refuses at once).
import json
import os

import app
import mpytest
from boards import Board

DIR = "/tmp/aquamon-mpy-app-%d" % (os.getpid() if hasattr(os, "getpid") else 0)


def fresh():
    mpytest.fresh_dir(DIR)


def cfg(cycles):
    return {"tank": "t", "device": "d", "state_dir": DIR, "max_cycles": cycles, "drain_timeout_s": 0,
            "mqtt": {"port": 1}, "pump": {"min_off_s": 0}}


def test_pump_is_off_after_an_unhandled_exception():
    fresh()
    b = Board([30.0], fail_at=3)
    try:
        app.Device(cfg(10), b).run()
    except RuntimeError:
        pass
    else:
        raise AssertionError("the exception was swallowed")
    assert b.pump_calls[:3] == [True, True, True] and b.pump_calls[-1] is False


def test_low_sump_switches_the_pump_off_in_the_same_cycle():
    fresh()
    b = Board([30.0, 30.0, 5.0, 5.0, 30.0])
    app.Device(cfg(5), b).run()
    assert b.pump_calls == [True, True, False, False, True, False]  # last: the finally


def test_offline_readings_are_spooled_and_seq_survives_a_reboot():
    fresh()
    r1 = app.Device(cfg(4), Board([30.0])).run()
    assert r1["seq"] == 4 and r1["backlog"] == 4 and r1["published"] == 0
    d = app.Device(cfg(3), Board([5.0]))
    r2 = d.run()
    assert r2["seq"] == 7 and r2["backlog"] == 7 + 1  # + the interlock event
    assert d.boots.value == 2
    topics = []
    while True:
        rec = d.spool.peek()
        if rec is None:
            break
        topics.append((rec[0], json.loads(rec[1])["seq"]))
        d.spool.pop()
    assert [s for k, s in topics if k == "t"] == list(range(1, 8))
    assert ("e", 1) in topics



def test_a_config_validated_before_boot_is_used_as_it_is():
    # main.py validates before importing the firmware, then passes the result on
    import sys

    import devconfig

    fresh()
    checked, errors = devconfig.validate(dict(cfg(2), interval_s=-5))
    del sys.modules["devconfig"]
    d = app.Device(checked, Board([30.0]), boot_errors=errors, validated_cfg=True)
    assert "devconfig" not in sys.modules  # not validated (loaded) a second time
    assert d.interval_ms == 60000 and any("interval_s" in e for e in d.config_errors)
    assert d.run()["seq"] == 2
    assert "devconfig" not in sys.modules  # nor by the loop


def test_the_validator_is_unloaded_after_boot():
    import sys

    fresh()
    app.Device(cfg(1), Board([30.0]))
    assert "devconfig" not in sys.modules


def test_commands_load_cmdauth_only_while_verifying_and_say_why_they_are_refused():
    import sys

    from binascii import hexlify

    fresh()
    c = cfg(1)
    c["cmd"] = {"key": "ab" * 32, "cache": 4}
    d = app.Device(c, Board([30.0]))
    d.board.t = 1000  # commands are signed after the device booted (those signed before are refused)
    assert "cmdauth" not in sys.modules and d.cmd_key == b"\xab" * 32 and len(d.cmd_seen) == 8 + 4 * 16
    import cmdauth  # the keeper's side: sign, then leave sys.modules as the device had it

    del sys.modules["cmdauth"]

    def signed(cmd_id, action, args, key=d.cmd_key):
        ts = d.board.epoch_ms()
        mac = cmdauth.hmac_sha256(key, cmdauth.canonical("t", "d", cmd_id, ts, action, args))
        return json.dumps({"id": cmd_id, "ts": ts, "action": action, "args": args,
                           "sig": hexlify(mac).decode()}).encode()

    sent = []
    d.link.publish = lambda topic, msg, now, retain=False: sent.append((topic, json.loads(msg)))
    feed = signed("c1", "feed", {"minutes": 5})
    for msg in (feed, feed, signed("c2", "feed", {"minutes": 5}, b"another key, 16+ bytes"), b'{"ts":1,"sig":x',
                signed("c3", "feed", {"minutes": 0}), signed("c4", "interval", {"seconds": 30}),
                signed("c5", "calibrate", {"sensor": "ph", "step": "save"})):
        d._on_message(d.t_cmd, msg)
    d.handle_commands()
    assert "cmdauth" not in sys.modules and "calib" not in sys.modules
    assert all(t == d.t_cmd + "/ack" for t, _ in sent)
    acks = [(a["id"], a["ok"], a["reason"]) for t, a in sent]
    assert [a[:2] for a in acks] == [("c1", True), ("c1", False), ("c2", False), (None, False), ("c3", False),
                                     ("c4", True), ("c5", False)]
    assert acks[1][2] == "replay: id already seen" and acks[2][2].startswith("bad signature")
    assert acks[3][2].startswith("refused: ") and "minutes must be an integer" in acks[4][2]
    assert acks[6][2] == "refused: no probe"  # the board's reason
    assert d.pump.mode == "feed" and d.interval_ms == 30000 and d.commands_refused == 5
    d._on_message(d.t_cmd, b"{not json")  # not even shaped like a command: dropped unanswered, counted
    d.handle_commands()
    assert len(sent) == 7 and d.commands_malformed == 2  # (and the unparsable one above, answered)


mpytest.run(globals())
