# The device loop: read sensors -> pump control -> encode -> queue -> MQTT.
#
# Hardware-free: the board object (ESP32 pins or the simulated tank) is passed
# in, and all interval arithmetic uses ticks_diff so it survives wrap-around.
# The pump is switched OFF in the finally, whatever ended the loop.
#
# Outgoing messages go to a RAM ring first.  While the link is down the ring
# is spilled to the flash spool at the end of every cycle, so at most one
# cycle's messages live only in RAM.  When the link is up, each cycle sends
# the live ring first (fresh readings are never starved by a backlog), then
# up to `backlog_per_cycle` spooled messages, oldest first.
#
# Telemetry and events have separate persistent sequence numbers, so the
# gateway's gap count on telemetry `seq` is not disturbed by events.

import gc
import json
import sys

# mqtt_link, pumpstate, ringbuf and spool (the classes of the device's lasting objects) are used
# by devboot: imported here, with this module, so boot imports only devboot (an import from
# ROMFS leaves ~0.9 KB of garbage until a collect)
import mqtt_link
import payload
import pumpstate
import ringbuf
import spool
import store
from ticks import ticks_add, ticks_diff

MAX_PENDING_COMMANDS = 16  # a burst beyond this is dropped and counted
MAX_COMMAND_BYTES = 1024
COMMANDS_PER_CYCLE = 8  # signatures verified per control cycle; the rest wait (a flood cannot hog the loop)
TYPE_CHECKING = False  # (mypy takes it as True: the annotations' names, never imported on the device)
if TYPE_CHECKING:
    from typing import Any


def _drop(*names):
    # modules needed in one phase only (the pump's logic, the outlets): out of the heap after it;
    # the next phase that needs one imports it again (from ROMFS: its code is not copied)
    for name in names:
        sys.modules.pop(name, None)


class Device:
    # set by devboot.setup (annotations only: MicroPython stores nothing for them)
    cfg: dict
    config_errors: list
    board: "Any"
    t_telemetry: str
    t_status: str
    t_event: str
    t_cmd: str
    seq: "store.Counter"
    event_seq: "store.Counter"
    boots: "store.Counter"
    flash_failed: bool
    ring: "ringbuf.Ring"
    spool: "spool.Spool | None"
    spool_failures: int
    pump_cfg: "pumpstate.PumpConfig"
    pump: "pumpstate.PumpState"
    interval_ms: int
    published: int
    cycles: int
    pending: list
    commands_dropped: int
    cmd_key: "bytes | None"
    cmd_seen: "bytearray | None"
    commands_malformed: int
    cmd_floor_due: bool
    refusals: list
    cal: dict
    cmd_budget: int
    outlets: "list | None"
    cmd_where: "tuple[str, str, int]"
    commands_refused: int
    link: "mqtt_link.Link"

    def __init__(self, cfg, board, key=None, boot_errors=(), validated_cfg=False):
        # validated_cfg: cfg is devconfig.validate()'s output and its errors are in boot_errors
        # (main.py validates before importing the firmware).  What boot does is devboot.py's,
        # imported for it and dropped after: its code and its words (the config's keys, boot's
        # messages: ~1 KB on the 64-bit port) are not in a 64 KB heap while the loop runs
        import devboot

        devboot.setup(self, cfg, board, key, boot_errors, validated_cfg)
        del devboot
        _drop("devboot")
        # boot garbage (the config validator, file reads) goes before the loop adds its own:
        # the heap's peak is then the loop's, not boot's plus the first cycle's
        gc.collect()

    # -- outgoing --------------------------------------------------------------
    def backlog(self):
        return len(self.ring) + (len(self.spool) if self.spool is not None else 0)

    def dropped(self):
        return self.ring.dropped + (self.spool.dropped if self.spool is not None else 0)

    def status_payload(self):
        extra = ',"mode":"%s","lockout":%s' % (self.pump.mode, "true" if self.pump.lockout else "false")
        tm: "tuple | None" = self.outlets[2] if self.outlets else None
        if tm:  # the timer outlets' states (telemetry carries the heater's and the top-off's)
            extra += ',"outlets":{%s}' % ",".join('"%s":%d' % (tm[0][i][0], tm[1][i][0]) for i in range(len(tm[0])))
        if self.cmd_key is not None:  # commands dropped or refused, by cause (STATUS_COMMAND_COUNTERS)
            r = self.refusals
            extra += (',"cmd_bad_sig":%d,"cmd_replay":%d,"cmd_stale":%d,"cmd_unknown":%d,"cmd_malformed":%d,'
                      '"cmd_flood":%d' % (r[0], r[1], r[2], r[3], self.commands_malformed, self.commands_dropped))
        if self.config_errors:
            extra += ',"config_errors":' + json.dumps(self.config_errors)
        return payload.encode_status(True, self.board.fw, self.boots.value, self.board.rssi(),
                                     self.board.mem_free(), self.backlog(), self.dropped(), extra)

    def _save(self, counter, value=0):
        # a full or failing flash degrades persistence, never the control loop (one event per boot);
        # counter None: a write that already failed
        if (counter is None or not counter.set(value)) and not self.flash_failed:
            self.flash_failed = True
            self.event("storage", "flash full or failing: counters and the replay cache are kept in RAM only "
                                  "until it is freed (see docs/hardware.md); control goes on")

    def event(self, kind, detail, cause=""):
        self._save(self.event_seq, self.event_seq.value + 1)
        gc.collect()  # the counter's write (a file object, its path) goes before encoding (events are rare)
        b = self.board
        self.ring.push((self.t_event, payload.encode_event(self.event_seq.value, b.epoch_ms(), kind, detail,
                                                           b.time_synced(), self.boots.value, cause)))
    def spill(self):
        """Move the RAM ring to the flash spool (the link is down)."""
        if self.spool is None:
            return
        while len(self.ring):
            topic, msg = self.ring.peek()
            try:
                self.spool.append("e" if topic == self.t_event else "t", msg)
            except OSError:
                self.spool_failures += 1  # flash full or failing: keep it in RAM, the ring bounds it
                return
            self.ring.pop()

    def _timed(self, msg):
        # readings taken before NTP time carry uptime: correct those of this boot once synced
        b = self.board
        if b.time_synced() and b'"unsynced"' in msg:
            return payload.fix_time(msg, self.boots.value, b.epoch_ms() - b.uptime_ms())
        return msg

    def drain(self, backlog_budget):
        """Send the live ring, then up to ``backlog_budget`` spooled messages; False if the link is down."""
        b = self.board
        now = b.ticks_ms()
        if not b.network_up():
            self.link.drop(now)
            return False
        # the status is built only to (re)connect: not every cycle while up (its garbage)
        if not self.link.up and not self.link.ensure(now, self.status_payload()):
            return False
        while len(self.ring):
            topic, msg = self.ring.peek()
            if not self.link.publish(topic, self._timed(msg), now):
                return False
            self.ring.pop()
            if topic == self.t_telemetry:
                self.published += 1
        sp = self.spool
        if sp is None or not len(sp):
            return True
        sent = 0
        ok = True
        while sent < backlog_budget:
            rec = sp.peek()
            if rec is None:
                break
            topic = self.t_event if rec[0] == "e" else self.t_telemetry
            if not self.link.publish(topic, self._timed(rec[1]), now):
                ok = False
                break
            sp.pop()
            sent += 1
            if topic == self.t_telemetry:
                self.published += 1
        try:
            sp.commit()
        except OSError:
            self.spool_failures += 1
        return ok

    # -- commands --------------------------------------------------------------
    def _on_message(self, topic, msg):
        # called from inside umqtt while we wait for the broker: cheap rejects first (no parsing,
        # no answer: answering a flood would amplify it), so junk never takes a signed command's place
        self.link.received += 1  # (Link.service reads on while messages come)
        if len(msg) > MAX_COMMAND_BYTES or msg[:1] != b"{" or b'"sig"' not in msg or b'"ts"' not in msg:
            self.commands_malformed += 1
        elif len(self.pending) < MAX_PENDING_COMMANDS:
            self.pending.append(msg)
        else:
            self.commands_dropped += 1

    def _ack(self, cmd_id, ok, reason):
        if not ok:
            self.commands_refused += 1
            r = self.refusals
            if reason.startswith("bad signature"):
                r[0] += 1
            elif reason.startswith("replay"):
                r[1] += 1
            elif reason.startswith("timestamp outside") or reason.startswith("device clock not synced"):
                r[2] += 1
            elif reason.startswith("refused: unknown action"):
                r[3] += 1
            elif reason.startswith("malformed"):
                self.commands_malformed += 1
        doc = {"id": cmd_id, "ok": ok, "reason": reason}
        self.link.publish(self.t_cmd + "/ack", json.dumps(doc).encode(), self.board.ticks_ms())

    def handle_commands(self):
        # One phase at a time, each on a collected heap (a 64 KB heap): the message and
        # cmdauth while verifying, then the command's own work, then the answer.
        b = self.board
        if self.pending and self.cmd_floor_due and self.cmd_seen is not None and b.time_synced():
            # commands signed before this boot are refused: the floor (cmdauth: the cache's first 8
            # bytes, big-endian) rises to the boot's start, whether or not the cache was saved.  Once
            # a boot, at its first synced command: the boot's start is wall time less the uptime, and
            # a board whose uptime is its raw ticks (the ESP32's wrap every 2**30 ms, 12.4 days) would
            # otherwise move the "boot" to the wrap and refuse what was signed just before it
            self.cmd_floor_due = False
            boot = b.command_epoch_ms() - b.uptime_ms()
            seen = self.cmd_seen
            floor = 0
            for i in range(8):
                floor = floor << 8 | seen[i]
            if boot > floor:
                for i in range(8):
                    seen[7 - i] = boot >> 8 * i & 255
        while self.pending and self.cmd_budget > 0:
            self.cmd_budget -= 1
            gc.collect()
            try:
                doc = json.loads(self.pending.pop(0))
            except ValueError as e:
                self.commands_malformed += 1
                self._ack(None, False, "refused: %s" % e)
                continue
            gc.collect()  # the message's bytes and the parser's garbage go before cmdauth comes in
            cmd_id = doc.get("id") if isinstance(doc, dict) and isinstance(doc.get("id"), str) else None
            if self.cmd_key is None:
                self._ack(cmd_id, False, "refused: commands are disabled: no key in secrets.py")
                continue
            import cmdauth

            gc.collect()  # the import's garbage (paths, the reader) goes before verifying
            ok = False
            try:
                cmd_id, action, args = cmdauth.verify(doc, self.cmd_key, *self.cmd_where, self.cmd_seen,
                                                      b.command_epoch_ms(), b.time_synced())
                ok = True
            except ValueError as e:
                reason = str(e)  # the verifier's reason, as it is
            del cmdauth
            sys.modules.pop("cmdauth", None)
            doc = None
            gc.collect()  # cmdauth and its garbage go before the command's own
            if ok:
                try:
                    store.atomic_write(self.boots.path[:-5] + "cmdseen", self.cmd_seen, "wb")  # (state_dir)
                except OSError:
                    self._save(None)  # the boot floor still refuses what was signed before a reboot
                gc.collect()  # the write's garbage goes before the command's
                import devcmd

                gc.collect()  # the import's garbage goes before the command's
                try:
                    reason = devcmd.execute(self, action, args)
                    if reason is None:  # a calibration step: the board's, with devcmd out of the heap (calib comes in)
                        del devcmd
                        _drop("devcmd")
                        gc.collect()
                        ok = False
                        try:
                            reason = self.board.calibrate(args)
                            ok = True
                        finally:
                            gc.collect()  # calib (dropped by the board) and its garbage go before the end event
                            import devcmd

                            devcmd.calibrated(self, args, ok)
                except (ValueError, OSError) as e:  # bad arguments, cannot be done now, flash full
                    reason = "refused: %s" % e
                    ok = False
                del devcmd
                # (a command may load them; the next cycle loads those it needs again)
                _drop("devcmd", "outlets", "pumpmode")
                gc.collect()
            self._ack(cmd_id, ok, reason)

    # -- the loop --------------------------------------------------------------
    def cycle(self):
        # Collects between the phases keep the heap's peak at live + one phase's garbage (a
        # 64 KB heap): the last cycle's waiting goes before the probes make theirs (sample
        # lists, and on a 64-bit port boxed floats), which go before encoding, which goes
        # before sending (run() collects after sending, before the wait and its commands).
        # The pump's logic (pump.py, ~2.4 KB) is in the heap from here to its step only: not
        # with the outlets' nor while a command is verified or a calibration fitted.
        gc.collect()
        b = self.board
        now = b.ticks_ms()
        readings, bad = b.read_sensors()
        gc.collect()
        import pump

        gc.collect()  # the import's garbage (~0.9 KB: the file's reader) goes before the step's
        if b.button_pressed():  # (rare: its module is loaded for it and dropped after)
            import pumpmode

            t = self.outlets[1] if self.outlets is not None else None  # the top-off's (configuration, state)
            for kind, detail in pumpmode.clear_lockout(self.pump, "button", now, t[1] if t is not None else None):
                self.event(kind, detail)
            del pumpmode
            _drop("pumpmode")
        if self.cal:  # probes under calibration: their readings are buffer solutions, not water
            for p in ("ph", "tds_ppm"):  # (not a comprehension: that is one more function object)
                if p in self.cal and ticks_diff(now, self.cal[p]) >= 0:
                    import devcmd

                    devcmd.calibrating(self, p, False, "timed out after an hour without a step")
                    _drop("devcmd")
            for p in self.cal:
                readings.pop(p, None)
                if p in bad:
                    bad.remove(p)
        if "sump_low" in readings:  # float switch
            level_low = readings.pop("sump_low")
        elif "level_cm" in readings and "level_cm" not in bad and readings["level_cm"] is not None:
            level_low = readings["level_cm"] < self.cfg["level_low_cm"]
        else:
            level_low = None
        flow = readings.get("flow_lpm") if "flow_lpm" not in bad else None
        for kind, detail in pump.step(self.pump, self.pump_cfg, level_low, flow, now):
            self.event(kind, detail)
        b.set_pump(self.pump.on)
        level_trusted = self.pump.interlock != pump.LEVEL_UNKNOWN
        del pump
        _drop("pump")
        gc.collect()  # the pump's code and garbage go before the outlets' and encoding's
        extra = ""
        if self.outlets is not None:
            import outlets

            gc.collect()  # the import's garbage (the file's reader) goes before the outlets' step
            extra, events = outlets.cycle(self, readings, bad, level_trusted, now)
            del outlets
            # not in the heap between cycles (~1.5 KB: commands come then); tzrule: loaded by outlets
            # for a daylight-saving zone
            _drop("outlets", "tzrule")
            gc.collect()  # it and its garbage go before its events' and encoding's
            for e in events:  # (kind, detail) or (kind, detail, cause)
                self.event(*e)
        if self.cal:
            extra += ',"cal":["%s"]' % '","'.join(self.cal)
        self.cmd_budget = COMMANDS_PER_CYCLE
        self._save(self.seq, self.seq.value + 1)
        gc.collect()  # the events' and the counter's writes (their garbage) go before encoding's
        self.ring.push((self.t_telemetry, payload.encode_telemetry(self.seq.value, b.epoch_ms(), readings, bad,
                                                                   self.pump.on, b.time_synced(),
                                                                   self.boots.value, extra)))
        self.cycles += 1
        gc.collect()  # encoding's garbage goes before sending's

    def wait_until(self, deadline):
        """Sleep until ``deadline`` (ticks), answering commands and pings every poll_ms."""
        b = self.board
        poll = self.cfg["poll_ms"]
        while True:
            more = self.link.service(b.ticks_ms())
            if self.pending:
                self.handle_commands()
            wait = ticks_diff(deadline, b.ticks_ms())
            if wait <= 0:
                return
            b.feed_watchdog()
            if not more:  # a flood is read on at once, cheaply rejected, until the cycle is due
                b.sleep_ms(min(wait, poll))

    def run(self):
        c = self.cfg
        max_cycles = c["max_cycles"]
        b = self.board
        next_at = b.ticks_ms()
        try:
            while max_cycles == 0 or self.cycles < max_cycles:
                b.feed_watchdog()
                self.cycle()
                if not self.drain(c["backlog_per_cycle"]):
                    self.spill()
                if self.cycles % c["status_every"] == 0 and self.link.up:
                    self.link.publish(self.t_status, self.status_payload(), b.ticks_ms(), True)
                gc.collect()  # sending's garbage goes before the wait's and a command's
                next_at = ticks_add(next_at, self.interval_ms)
                self.wait_until(next_at)
            # simulator end: give the backlog a bounded chance to go out
            gc.collect()
            deadline = ticks_add(b.ticks_ms(), c["drain_timeout_s"] * 1000)
            while self.backlog() and ticks_diff(deadline, b.ticks_ms()) > 0:
                if not self.drain(1000):
                    b.sleep_ms(500)
                b.feed_watchdog()
            if self.link.up:
                self.link.publish(self.t_status, self.status_payload(), b.ticks_ms(), True)
        finally:
            b.set_pump(False)
            o = self.outlets
            if o is not None:  # every outlet's relay off: heater, top-off, timer outlets
                for name in ("heater", "topoff"):
                    b.set_outlet(name, False)
                for s in o[2][0] if o[2] else ():
                    b.set_outlet(s[0], False)
            self.link.close(self.t_status)
        return {"published": self.published, "cycles": self.cycles, "backlog": self.backlog(),
                "dropped": self.dropped(), "seq": self.seq.value}
