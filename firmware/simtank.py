# A simulated tank: the board layer on the MicroPython unix port, standing in
# for pins and ADCs.  It models a 60x40 cm tank with a sump: a day/night
# rhythm (lights 8:00-20:00 raise pH by photosynthesis, temperature follows
# the room), feeding at 8:00 and 18:00 (turbidity), slow TDS rise and
# evaporation, noise on every probe, and injected faults.
#
# The clock is simulated: sleep_ms() advances simulated time and sleeps only
# ms / speed of wall time, so a day runs in seconds while the firmware uses
# the same ticks arithmetic as on the device.

import math
import random
import time

from ticks import ticks_add

HOUR_MS = 3600000
DAY_MS = 24 * HOUR_MS


def _gauss(sigma):
    # Box-Muller: MicroPython's random has no gauss().
    u1 = (random.getrandbits(24) + 1) / 16777217.0
    u2 = random.getrandbits(24) / 16777216.0
    return sigma * math.sqrt(-2.0 * math.log(u1)) * math.cos(2.0 * math.pi * u2)


class SimClock:
    def __init__(self, start_epoch_ms, speed):
        self.epoch0 = start_epoch_ms
        self.elapsed = 0  # simulated ms since start
        self._ticks = 0  # advanced with ticks_add: the wrap period is the port's own
        self.speed = speed  # simulated ms per wall ms; 0 = as fast as possible
        self.synced = True

    def ticks_ms(self):
        return self._ticks

    def epoch_ms(self):
        return self.epoch0 + self.elapsed

    def sleep_ms(self, ms):
        self.elapsed += ms
        self._ticks = ticks_add(self._ticks, ms)
        if self.speed > 0:
            wall = ms / self.speed
            if wall >= 1:
                time.sleep_ms(int(wall))


class SimTank:
    """Water state as a function of simulated time; faults are dicts from the config."""

    def __init__(self, clock, faults=(), seed=1):
        random.seed(seed)
        self.clock = clock
        self.faults = list(faults)
        self.pump_on = True

    def _fault(self, kind, t_ms):
        for f in self.faults:
            if f.get("kind") == kind:
                start = int(f.get("start_min", 0)) * 60000
                end = f.get("end_min")
                if t_ms >= start and (end is None or t_ms < int(end) * 60000):
                    return f, t_ms - start
        return None, 0

    def _heater_offset(self, t_ms):
        # stuck on: warms at rate_c_per_h; once fixed, the excess heat leaves slowly
        # (time constant 4 h), as a tank cools toward the room, not in a step
        for f in self.faults:
            if f.get("kind") != "heater_stuck":
                continue
            start = int(f.get("start_min", 0)) * 60000
            if t_ms < start:
                continue
            end = f.get("end_min")
            rate = float(f.get("rate_c_per_h", 3.0))
            if end is None or t_ms < int(end) * 60000:
                return rate * (t_ms - start) / HOUR_MS
            peak = rate * (int(end) * 60000 - start) / HOUR_MS
            return peak * math.exp(-(t_ms - int(end) * 60000) / (4.0 * HOUR_MS))
        return 0.0

    def true_values(self):
        t = self.clock.elapsed
        epoch = self.clock.epoch_ms()
        hour = (epoch % DAY_MS) / HOUR_MS
        day_phase = 2.0 * math.pi * hour / 24.0
        light = 1.0 if 8.0 <= hour < 20.0 else 0.0
        temp = 25.0 + 0.35 * math.sin(day_phase - 2.0 * math.pi * 9.0 / 24.0)
        ph = 7.20 + 0.06 * math.sin(day_phase - 2.0 * math.pi * 10.0 / 24.0) + 0.01 * light
        tds = 300.0 + 2.0 * t / DAY_MS
        since_feed = min((hour - 8.0) % 24.0, (hour - 18.0) % 24.0)
        turb = 1.0 + 0.6 * math.exp(-since_feed / 0.75)
        level = 30.0 - 0.25 * t / DAY_MS
        flow = 8.0 if self.pump_on else 0.0
        temp += self._heater_offset(t)
        f, dt = self._fault("ph_crash", t)
        if f:
            ph -= min(float(f.get("drop", 0.5)), float(f.get("drop", 0.5)) * dt / HOUR_MS)
        f, dt = self._fault("sump_low", t)
        if f:
            level = min(level, float(f.get("level_cm", 5.0)))
        f, dt = self._fault("pump_stopped", t)
        if f:
            flow = 0.0
        return {"temp_c": temp, "ph": ph, "tds_ppm": tds, "turb_ntu": turb, "level_cm": level, "flow_lpm": flow}

    def read_all(self):
        """One noisy sample of every probe; a stuck probe repeats its value."""
        v = self.true_values()
        noisy = {
            "temp_c": v["temp_c"] + _gauss(0.02),
            "ph": v["ph"] + _gauss(0.008),
            "tds_ppm": v["tds_ppm"] + _gauss(1.0),
            "turb_ntu": max(0.0, v["turb_ntu"] + _gauss(0.05)),
            "level_cm": v["level_cm"] + _gauss(0.05),
            "flow_lpm": max(0.0, v["flow_lpm"] + (_gauss(0.08) if v["flow_lpm"] > 0 else 0.0)),
        }
        return noisy


class SimBoard:
    """What app.py needs from a board: clock, sensors, pump output, persistent storage."""

    fw = "aquamon-fw-sim"

    def __init__(self, cfg):
        sim = cfg.get("sim", {})
        self.clock = SimClock(int(sim.get("start_epoch_ms", 0)) or int(time.time() * 1000), float(sim.get("speed", 0)))
        self.tank = SimTank(self.clock, sim.get("faults", ()), int(sim.get("seed", 1)))
        self.state_dir = cfg.get("state_dir", ".")

    def ticks_ms(self):
        return self.clock.ticks_ms()

    def epoch_ms(self):
        return self.clock.epoch_ms()

    def time_synced(self):
        return self.clock.synced

    def sleep_ms(self, ms):
        self.clock.sleep_ms(ms)

    def read_sensors(self):
        return self.tank.read_all(), []

    def set_pump(self, on):
        self.tank.pump_on = bool(on)

    def rssi(self):
        return -55

    def mem_free(self):
        try:
            import gc

            return gc.mem_free()
        except Exception:  # noqa: BLE001
            return 0

    def feed_watchdog(self):
        pass
