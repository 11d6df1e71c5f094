# Signed commands on the device: refusals counted by cause in the status, and the replay guard's
# boot floor across the ESP32's ticks wrap (the real MicroPython binary runs this).
import json
import os

import app
import mpytest
from boards import Board, acks_of, signer

DIR = "/tmp/aquamon-mpy-commands-%d" % (os.getpid() if hasattr(os, "getpid") else 0)
KEY = "cd" * 32
WRAP = 1 << 30  # the ESP32's ticks_ms period


def cfg():
    return {"tank": "t", "device": "d", "state_dir": DIR, "max_cycles": 1, "drain_timeout_s": 0,
            "mqtt": {"port": 1}, "cmd": {"key": KEY, "cache": 4}}


def test_refusals_are_counted_by_cause_in_the_status():
    mpytest.fresh_dir(DIR)
    signed = signer()
    d = app.Device(cfg(), Board([30.0]))
    d.board.t = 2000
    sent = acks_of(d)
    now = d.board.epoch_ms()
    ok = signed("c1", "interval", {"seconds": 60}, now)
    for msg in (signed("c0", "feed", {"minutes": 5}, now, b"not the device's key, 16+ bytes"), ok, ok,
                signed("c2", "interval", {"seconds": 60}, now - 600000), signed("c3", "dance", {}, now),
                b'{"sig":"x","ts":1,', b"junk", signed("c4", "interval", {"seconds": 60}, now + 1)):
        d._on_message(d.t_cmd, msg)
    d.handle_commands()
    assert [a["ok"] for a in sent] == [False, True, False, False, False, False, True], sent
    status = json.loads(d.status_payload())
    got = dict((k, status[k]) for k in status if k.startswith("cmd_"))
    assert got == {"cmd_bad_sig": 1, "cmd_replay": 1, "cmd_stale": 1, "cmd_unknown": 1, "cmd_malformed": 2,
                   "cmd_flood": 0}, got
    for i in range(app.MAX_PENDING_COMMANDS + 3):  # a flood: the queue holds 16, the rest are dropped
        d._on_message(d.t_cmd, ok)
    assert json.loads(d.status_payload())["cmd_flood"] == 3
    assert "cmd_replay" not in json.loads(app.Device(dict(cfg(), cmd={}), Board([30.0])).status_payload())


class RawTicksBoard(Board):
    """A board whose uptime is its raw ticks, as the ESP32's was: they wrap every 2**30 ms."""

    def uptime_ms(self):
        return self.t % WRAP


def test_the_replay_floor_holds_across_the_ticks_wrap():
    mpytest.fresh_dir(DIR)
    signed = signer()
    d = app.Device(cfg(), RawTicksBoard([30.0]))
    b = d.board
    b.t = 5000
    sent = acks_of(d)
    d._on_message(d.t_cmd, signed("c1", "interval", {"seconds": 60}, b.epoch_ms()))
    d.handle_commands()  # the first synced command sets the floor to this boot's start
    b.t = WRAP - 30000  # 12.4 days on: 30 s before the ticks wrap
    late = signed("c2", "interval", {"seconds": 120}, b.epoch_ms())
    b.t = WRAP + 30000  # it arrives 30 s after the wrap, well within the 2-minute window
    d._on_message(d.t_cmd, late)
    d.handle_commands()
    assert [a["ok"] for a in sent] == [True, True], sent
    d._on_message(d.t_cmd, late)  # and a replay of it is still refused
    d.handle_commands()
    assert sent[-1]["reason"].startswith("replay: id already seen"), sent[-1]




def test_a_replay_at_speed_checks_commands_against_the_wall_clock_when_asked():
    # the demo replays two days in a minute: its readings are on the simulated clock, the keeper's
    # web buttons sign on the real one; without the option such a command is stale on the device
    import time

    import simtank

    answers = []
    for on_wall in (False, True):
        mpytest.fresh_dir(DIR)
        sim = {"start_epoch_ms": time.time_ns() // 1000000 - 2 * 86400000, "speed": 0, "seed": 1,
               "faults": [{"kind": "offline"}], "commands_on_wall_clock": on_wall}
        board = simtank.SimBoard(dict(cfg(), sim=sim))
        d = app.Device(dict(cfg(), sim=sim), board)
        board.sleep_ms(3600000)  # an hour into the replay: still two days behind the wall clock
        sent = acks_of(d)
        d._on_message(d.t_cmd, signer()("w%d" % on_wall, "interval", {"seconds": 60}, time.time_ns() // 1000000))
        d.handle_commands()
        answers.append((sent[0]["ok"], sent[0]["reason"]))
    assert answers[0][0] is False and "window" in answers[0][1], answers
    assert answers[1][0] is True, answers


mpytest.run(globals())
