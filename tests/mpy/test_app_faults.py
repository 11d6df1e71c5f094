# The device loop on a bad day (issue 21): a full flash, a command replayed after a
# reboot, a flood of malformed commands; and the heater relay in every exit path.
import json
import os

import app
import mpytest
import spool
import store
from boards import Board, acks_of, signer

DIR = "/tmp/aquamon-mpy-faults-%d" % (os.getpid() if hasattr(os, "getpid") else 0)
KEY = "cd" * 32


def cfg(cycles, key=""):
    return {"tank": "t", "device": "d", "state_dir": DIR, "max_cycles": cycles, "drain_timeout_s": 0,
            "mqtt": {"port": 1}, "pump": {"min_off_s": 0}, "cmd": {"key": key, "cache": 4}}


class FullFlash:
    """open() for store and spool: writes succeed ``room`` times, then fail as a full flash does."""

    def __init__(self, room):
        self.room = room
        self.refused = 0

    def __call__(self, path, mode="r"):
        if "w" in mode or "a" in mode or "+" in mode:
            if self.room <= 0:
                self.refused += 1
                raise OSError(28)  # ENOSPC
            self.room -= 1
        return open(path, mode)


def with_full_flash(room, fn):
    flash = FullFlash(room)
    store.open = spool.open = flash
    try:
        fn()
    finally:
        del store.open, spool.open
    return flash


def test_a_full_flash_degrades_persistence_never_the_pump():
    mpytest.fresh_dir(DIR)
    levels = [30.0, 30.0, 5.0, 5.0, 30.0, 30.0, 5.0, 30.0] * 5
    out = {}

    def run():
        b = Board(levels)
        d = app.Device(cfg(len(levels)), b)
        kinds = []
        event = d.event
        d.event = lambda kind, detail: (kinds.append(kind), event(kind, detail))
        out["result"] = d.run()
        out["pump"] = b.pump_calls
        out["kinds"] = kinds
        d2 = app.Device(cfg(3), Board([30.0]))  # a reboot on the still-full flash: no exception, no reset loop
        out["after_reboot"] = d2.run()

    flash = with_full_flash(6, run)  # boot's writes pass, then the flash is full
    assert flash.refused > 0
    assert out["result"]["cycles"] == len(levels) and out["after_reboot"]["cycles"] == 3
    # the pump invariant, cycle by cycle: off in the cycle the sump is low, on otherwise (min_off 0)
    assert out["pump"][:-1] == [lv >= 10.0 for lv in levels] and out["pump"][-1] is False
    assert out["kinds"].count("storage") == 1
    assert out["result"]["seq"] == len(levels)  # counted on in RAM


def test_a_command_is_refused_when_replayed_after_a_reboot():
    mpytest.fresh_dir(DIR)
    signed = signer()
    t0 = 1700000000000
    d = app.Device(cfg(1, KEY), Board([30.0], epoch0=t0))
    d.board.t = 5000
    sent = acks_of(d)
    feed = signed("f1", "feed", {"minutes": 10}, t0 + 5000)
    # signed by a keeper whose clock runs 60 s ahead: newer than the next boot
    ahead = signed("f2", "feed", {"minutes": 10}, t0 + 65000)
    d._on_message(d.t_cmd, feed)
    d._on_message(d.t_cmd, ahead)
    d.handle_commands()
    assert [a["ok"] for a in sent] == [True, True]
    d2 = app.Device(cfg(1, KEY), Board([30.0], epoch0=t0 + 9000))  # rebooted 4 s later
    d2.board.t = 1000
    sent = acks_of(d2)
    d2._on_message(d2.t_cmd, feed)
    d2._on_message(d2.t_cmd, ahead)
    d2.handle_commands()
    assert [a["ok"] for a in sent] == [False, False], sent
    assert sent[0]["reason"].startswith("replay: signed before the device last booted")
    assert sent[1]["reason"] == "replay: id already seen"  # the cache came back from flash
    assert d2.pump.mode == "auto"


def test_a_replay_after_a_reboot_is_refused_even_when_the_cache_could_not_be_saved():
    mpytest.fresh_dir(DIR)
    signed = signer()
    t0 = 1700000000000
    feed = signed("f1", "feed", {"minutes": 10}, t0 + 5000)
    acks = []

    def run():
        d = app.Device(cfg(1, KEY), Board([30.0], epoch0=t0))
        d.board.t = 5000
        sent = acks_of(d)
        d._on_message(d.t_cmd, feed)
        d.handle_commands()
        d2 = app.Device(cfg(1, KEY), Board([30.0], epoch0=t0 + 9000))
        d2.board.t = 1000
        acks.extend(sent)
        sent = acks_of(d2)
        d2._on_message(d2.t_cmd, feed)
        d2.handle_commands()
        acks.extend(sent)

    with_full_flash(3, run)
    assert [a["ok"] for a in acks] == [True, False]


def test_a_flood_of_malformed_commands_does_not_starve_a_signed_one():
    mpytest.fresh_dir(DIR)
    signed = signer()
    d = app.Device(cfg(1, KEY), Board([30.0]))
    d.board.t = 2000
    sent = acks_of(d)
    junk = (b"x" * 50, b"{}", b'{"id":"a"}', b"{" + b"a" * 2000, b"", b'{"ts":1}')
    for i in range(1000):
        d._on_message(d.t_cmd, junk[i % len(junk)])
        if i == 500:
            d._on_message(d.t_cmd, signed("legit", "feed", {"minutes": 5}, d.board.epoch_ms()))
    d.handle_commands()
    assert [(a["id"], a["ok"]) for a in sent] == [("legit", True)]
    assert d.commands_malformed == 1000 and d.pump.mode == "feed"


def test_well_formed_forgeries_are_verified_within_a_per_cycle_budget():
    mpytest.fresh_dir(DIR)
    signed = signer()
    d = app.Device(cfg(1, KEY), Board([30.0]))
    d.board.t = 2000
    sent = acks_of(d)
    forged = signed("x", "feed", {"minutes": 5}, d.board.epoch_ms(), b"not the device's key, 16+ bytes")
    for i in range(12):
        d._on_message(d.t_cmd, forged)
    d.handle_commands()
    assert len(sent) == app.COMMANDS_PER_CYCLE and len(d.pending) == 12 - app.COMMANDS_PER_CYCLE
    assert not any(a["ok"] for a in sent)
    d.cycle()  # the next cycle's budget
    d.handle_commands()
    assert len(sent) == 12 and not d.pending


def heater_cfg(cycles):
    c = cfg(cycles)
    c["heater"] = {"enabled": True, "set_c": 25.0, "hyst_c": 0.3, "cutoff_c": 28.0, "rearm_c": 2.0,
                   "min_off_s": 0, "stuck_n": 3}
    return c


def test_the_heater_follows_the_guard_and_telemetry_says_so():
    mpytest.fresh_dir(DIR)
    b = Board([30.0], temps=[24.0, 24.3, 28.5, 26.0, None, 24.1])
    d = app.Device(heater_cfg(6), b)
    kinds = []
    event = d.event
    d.event = lambda kind, detail, cause="": (kinds.append(kind), event(kind, detail, cause))
    d.run()
    assert b.outlets["heater"] == [True, True, False, False, False, True, False]  # last: the finally
    assert kinds == ["heater_cutoff", "heater_fallback", "heater_resume"]
    heaters = []
    while len(d.ring):
        topic, msg = d.ring.pop()
        if topic == d.t_telemetry:
            heaters.append(json.loads(msg)["heater"])
    while d.spool.peek() is not None:
        rec = d.spool.peek()
        if rec[0] == "t":
            heaters.append(json.loads(rec[1])["heater"])
        d.spool.pop()
    assert sorted(heaters) == sorted([1, 1, 0, 0, 0, 1])


def test_the_heater_is_off_after_an_unhandled_exception():
    mpytest.fresh_dir(DIR)
    b = Board([30.0], fail_at=2, temps=[24.0])
    try:
        app.Device(heater_cfg(10), b).run()
    except RuntimeError:
        pass
    else:
        raise AssertionError("the exception was swallowed")
    assert b.outlets["heater"] == [True, True, False]


def test_timer_outlets_follow_their_schedule_and_a_signed_override():
    mpytest.fresh_dir(DIR)
    signed = signer()
    c = cfg(1, KEY)
    c["timers"] = [{"name": "light", "on": "00:00", "off": "23:59"}]
    b = Board([30.0], epoch0=1700006400000)  # 00:00 UTC
    d = app.Device(c, b)
    d.board.t = 60000
    d.cycle()
    assert b.outlets["light"] == [True] and '"outlets":{"light":1}' in d.status_payload().decode()
    sent = acks_of(d)
    d._on_message(d.t_cmd, signed("o1", "outlet", {"name": "light", "on": False, "minutes": 30}, b.epoch_ms()))
    d._on_message(d.t_cmd, signed("o2", "outlet", {"name": "lamp", "on": False, "minutes": 30}, b.epoch_ms()))
    d.handle_commands()
    assert [(a["ok"], a["reason"]) for a in sent] == [
        (True, "light off for 30 min, then back to its schedule"),
        (False, "refused: no timer outlet named 'lamp': see device.json timers")]
    d.cycle()
    assert b.outlets["light"] == [True, False]
    b.t += 31 * 60000
    d.cycle()
    assert b.outlets["light"] == [True, False, True]


def telemetry(d):
    out = []
    while len(d.ring):
        topic, msg = d.ring.pop()
        if topic == d.t_telemetry:
            out.append(json.loads(msg))
    return out


def test_a_probe_under_calibration_is_not_reported_as_water():
    mpytest.fresh_dir(DIR)
    signed = signer()
    b = Board([30.0])
    b.read_sensors = lambda: ({"temp_c": 25.0, "ph": 4.01, "tds_ppm": 300.0, "level_cm": 30.0, "flow_lpm": 8.0}, [])
    d = app.Device(cfg(1, KEY), b)
    d.board.t = 2000
    kinds = []
    event = d.event
    d.event = lambda kind, detail: (kinds.append((kind, detail)), event(kind, detail))
    sent = acks_of(d)
    d._on_message(d.t_cmd, signed("k1", "calibrate", {"sensor": "ph", "step": "start"}, b.epoch_ms()))
    d.handle_commands()
    assert sent[0]["ok"] and kinds == [("calibration_start", "pH probe under calibration: its readings are not "
                                                             "the water's until the session ends")]
    d.cycle()
    t = telemetry(d)[-1]
    assert "ph" not in t["r"] and t["cal"] == ["ph"] and t["r"]["temp_c"] == 25.0
    d._on_message(d.t_cmd, signed("k2", "calibrate", {"sensor": "ph", "step": "cancel"}, b.epoch_ms()))
    d.handle_commands()
    assert kinds[-1] == ("calibration_end", "pH calibration cancelled: its readings are the water's again")
    d.cycle()
    t = telemetry(d)[-1]
    assert t["r"]["ph"] == 4.01 and "cal" not in t
    # a session left open ends by itself after an hour without a step
    d._on_message(d.t_cmd, signed("k3", "calibrate", {"sensor": "ph", "step": "start"}, b.epoch_ms()))
    d.handle_commands()
    b.t += 3600000
    d.cycle()
    assert kinds[-1][0] == "calibration_end" and "timed out" in kinds[-1][1] and "cal" not in telemetry(d)[-1]
    d._on_message(d.t_cmd, signed("k4", "calibrate", {"sensor": "tds", "step": "start"}, b.epoch_ms()))
    d.handle_commands()
    d.cycle()
    t = telemetry(d)[-1]  # the wire names the field, as "bad" does: the gateway keeps only sensor fields
    assert t["cal"] == ["tds_ppm"] and "tds_ppm" not in t["r"] and t["r"]["ph"] == 4.01
    assert kinds[-1] == ("calibration_start", "TDS/EC probe under calibration: its readings are not the water's "
                                              "until the session ends")


mpytest.run(globals())
