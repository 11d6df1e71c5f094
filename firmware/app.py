# The device loop: read sensors -> pump control -> encode -> ring -> MQTT.
#
# Hardware-free: the board object (ESP32 pins or the simulated tank) is passed
# in, and all interval arithmetic uses ticks_diff so it survives wrap-around.
# The pump is switched OFF in the finally, whatever ended the loop.

import gc

import payload
import pump
from mqtt_link import Link
from ringbuf import Ring
from store import Counter
from ticks import ticks_add, ticks_diff

DEFAULTS = {
    "tank": "tank1",
    "device": "esp32-1",
    "mqtt": {"host": "127.0.0.1", "port": 1883, "user": "", "password": "", "prefix": "aquamon",
             "keepalive_s": 30},
    "interval_s": 60,
    "ring_capacity": 500,
    "level_low_cm": 10.0,
    "max_cycles": 0,  # 0 = run forever (device); the simulator sets a count
    "drain_timeout_s": 120,
    "status_every": 10,
}


def merged(cfg):
    out = {}
    for k, v in DEFAULTS.items():
        if isinstance(v, dict):
            d = dict(v)
            d.update(cfg.get(k, {}))
            out[k] = d
        else:
            out[k] = cfg.get(k, v)
    for k, v in cfg.items():
        if k not in out:
            out[k] = v
    return out


class Device:
    def __init__(self, cfg, board):
        self.cfg = merged(cfg)
        self.board = board
        c = self.cfg
        base = "%s/%s/%s/" % (c["mqtt"]["prefix"], c["tank"], c["device"])
        self.t_telemetry = base + "telemetry"
        self.t_status = base + "status"
        self.t_event = base + "event"
        sd = c.get("state_dir", ".")
        self.seq = Counter(sd + "/seq")
        self.boots = Counter(sd + "/boots")
        self.boots.set(self.boots.value + 1)
        self.ring = Ring(int(c["ring_capacity"]))
        self.pump = pump.PumpState()
        self.published = 0
        self.cycles = 0
        m = c["mqtt"]
        self.link = Link("aq-%s-%s" % (c["tank"], c["device"]), m["host"], int(m["port"]), m["user"],
                         m["password"], int(m["keepalive_s"]), will_topic=self.t_status)

    def status_payload(self):
        return payload.encode_status(True, self.board.fw, self.boots.value, self.board.rssi(),
                                     self.board.mem_free(), len(self.ring), self.ring.dropped)

    def next_seq(self):
        self.seq.set(self.seq.value + 1)
        return self.seq.value

    def cycle(self):
        b = self.board
        now = b.ticks_ms()
        readings, bad = b.read_sensors()
        level = readings.get("level_cm")
        level_low = level is not None and level < float(self.cfg["level_low_cm"])
        for kind, detail in pump.step(self.pump, level_low, now):
            self.ring.push((self.t_event, payload.encode_event(self.next_seq(), b.epoch_ms(), kind, detail)))
        b.set_pump(self.pump.on)
        msg = payload.encode_telemetry(self.next_seq(), b.epoch_ms(), readings, bad, self.pump.on,
                                       b.time_synced())
        self.ring.push((self.t_telemetry, msg))
        self.cycles += 1

    def drain(self, budget):
        """Send up to ``budget`` buffered messages, oldest first; stop at the first failure."""
        now = self.board.ticks_ms()
        if not self.link.ensure(now, self.status_payload()):
            return 0
        sent = 0
        while sent < budget and len(self.ring):
            topic, msg = self.ring.peek()
            if not self.link.publish(topic, msg, now):
                break
            self.ring.pop()
            sent += 1
            if topic == self.t_telemetry:
                self.published += 1
        return sent

    def run(self):
        c = self.cfg
        period = int(c["interval_s"]) * 1000
        max_cycles = int(c["max_cycles"])
        b = self.board
        next_at = b.ticks_ms()
        try:
            while max_cycles == 0 or self.cycles < max_cycles:
                b.feed_watchdog()
                self.cycle()
                self.drain(len(self.ring))
                if self.cycles % int(c["status_every"]) == 0 and self.link.up:
                    self.link.publish(self.t_status, self.status_payload(), b.ticks_ms(), True)
                self.link.service(b.ticks_ms())
                gc.collect()
                next_at = ticks_add(next_at, period)
                wait = ticks_diff(next_at, b.ticks_ms())
                if wait > 0:
                    b.sleep_ms(wait)
            # simulator end: give the backlog a bounded chance to go out
            deadline = ticks_add(b.ticks_ms(), int(c["drain_timeout_s"]) * 1000)
            while len(self.ring) and ticks_diff(deadline, b.ticks_ms()) > 0:
                if not self.drain(len(self.ring)):
                    b.sleep_ms(500)
        finally:
            b.set_pump(False)
            self.link.close(self.t_status)
        return {"published": self.published, "cycles": self.cycles, "backlog": len(self.ring),
                "dropped": self.ring.dropped, "seq": self.seq.value}
