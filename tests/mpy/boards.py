# A scripted board for the device loop's tests (no broker: port 1 refuses at once).


class Board:
    fw = "test"

    def __init__(self, levels, fail_at=-1, epoch0=1700000000000, temps=None):
        self.t = 0
        self.epoch0 = epoch0  # a reboot: a new board whose uptime starts again, later in epoch time
        self.temps = temps  # temp_c per read (the last repeats); None: 25.0
        self.outlets = {}  # name -> the switchings, in order
        self.levels = levels
        self.fail_at = fail_at
        self.reads = 0
        self.pump_calls = []

    def ticks_ms(self):
        return self.t

    def epoch_ms(self):
        return self.epoch0 + self.t

    command_epoch_ms = epoch_ms

    def time_synced(self):
        return True

    def uptime_ms(self):
        return self.t

    def sleep_ms(self, ms):
        self.t += ms

    def read_sensors(self):
        i = self.reads
        self.reads += 1
        if i == self.fail_at:
            raise RuntimeError("a driver bug")
        level = self.levels[min(i, len(self.levels) - 1)]
        temp = 25.0 if self.temps is None else self.temps[min(i, len(self.temps) - 1)]
        if temp is None:
            return {"level_cm": level, "flow_lpm": 8.0}, ["temp_c"]
        return {"temp_c": temp, "level_cm": level, "flow_lpm": 8.0}, []

    def set_pump(self, on):
        self.pump_calls.append(on)

    def set_outlet(self, name, on):
        self.outlets.setdefault(name, []).append(on)

    def rssi(self):
        return -50

    def mem_free(self):
        return 0

    def feed_watchdog(self):
        pass

    def network_up(self):
        return True

    def button_pressed(self):
        return False

    def calibrate(self, args):
        if args.get("step") in ("start", "cancel"):
            return "pH calibration: " + args["step"]
        raise ValueError("no probe")


def signer(tank="t", device="d"):
    """The keeper's side: signed(cmd_id, action, args, ts, key) -> a command's bytes, as aquamon.commands
    sends them.  cmdauth is left out of sys.modules, as the device has it."""
    import json
    import sys
    from binascii import hexlify

    import cmdauth

    del sys.modules["cmdauth"]

    def signed(cmd_id, action, args, ts, key=b"\xcd" * 32):
        mac = cmdauth.hmac_sha256(key, cmdauth.canonical(tank, device, cmd_id, ts, action, args))
        return json.dumps({"id": cmd_id, "ts": ts, "action": action, "args": args,
                           "sig": hexlify(mac).decode()}).encode()

    return signed


def acks_of(d):
    """The device's command answers, parsed, as it publishes them (no broker)."""
    import json

    sent = []
    d.link.publish = lambda topic, msg, now, retain=False: sent.append(json.loads(msg))
    return sent
