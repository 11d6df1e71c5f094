# A simulated tank: the board layer on the MicroPython unix port, standing in
# for pins and ADCs.  It models a 60x40 cm tank with a sump: a day/night
# rhythm (lights 8:00-20:00 raise pH by photosynthesis, temperature follows
# the room), feeding at 8:00 and 18:00 (turbidity), slow TDS rise and
# evaporation, noise on every probe, and injected faults.
#
# The clock is simulated: sleep_ms() advances simulated time and sleeps only
# ms / speed of wall time, so a day runs in seconds while the firmware uses
# the same ticks arithmetic as on the device.  The module also imports under
# CPython (analytics tests generate data with it):
#     clock = SimClock(start_epoch_ms, 0); tank = SimTank(clock, faults, seed)
#     sample = tank.read_all(); clock.sleep_ms(60000)
#
# Faults: cfg["sim"]["faults"] is a list of dicts {"kind", "start_min",
# optional "end_min" (absent = until the end), kind-specific parameters}.
# Minutes count from the start of the simulation.
#   heater_stuck  rate_c_per_h (3.0): the water warms at that rate; after
#                 end_min the excess heat decays with a 4 h time constant.
#   ph_crash      drop (0.5): true pH falls by `drop` over one hour, stays down.
#   sump_low      level_cm (5.0): the sump level is at most level_cm.
#   pump_stopped  the pump does not move water: flow reads 0.
#   flow_blocked  flow_lpm (0.8): a clogged filter: while the pump runs the
#                 flow is only flow_lpm (0 when the pump is off).
#   ph_stuck      value (optional; default: the first reading in the span):
#                 the pH probe repeats one constant value, no noise at all.
#   ph_ageing     rate_per_day (-0.1): the pH *reading* drifts by
#                 rate_per_day per day since start_min; the water is fine.
#   water_change  fraction (0.3), dip_cm (4.0), refill_min (20): at start_min
#                 TDS steps down by `fraction`; the sump level drops by
#                 dip_cm and refills linearly over refill_min.  end_min unused.
#   reservoir_empty  the top-off reservoir is empty from start_min: topping off
#                 moves no water (the firmware's top-off must notice and lock out).
#   offline       the device's network is down for the span: it keeps
#                 measuring, controlling and buffering; nothing reaches the
#                 broker (SimBoard.network_up() is False).  Use this for a
#                 broker outage too.
#
# Outlets the firmware switches (SimBoard.set_outlet): once the firmware drives the
# heater relay, the water's heat is integrated from it: powered, the heater's own
# thermostat holds the water (a heater_stuck fault warms it at rate_c_per_h instead);
# unpowered, the water cools toward the room (ROOM_C) with a 4 h time constant.  The
# top-off pump moves sim "topoff_lpm" (1.0) from a reservoir of "reservoir_l" (20) into
# the sump ("sump_cm_per_l", 0.5 cm a litre); the sump loses "evap_cm_per_day" (0.25).
# A board whose heater and top-off are never switched sees the water as before.

import math
import random
import sys
import time

from ticks import ticks_add

HOUR_MS = 3600000
DAY_MS = 24 * HOUR_MS
ROOM_C = 22.0
HEAT_TAU_MS = 4 * HOUR_MS


def _gauss(sigma):
    # Box-Muller: MicroPython's random has no gauss().
    u1 = (random.getrandbits(24) + 1) / 16777217.0
    u2 = random.getrandbits(24) / 16777216.0
    return sigma * math.sqrt(-2.0 * math.log(u1)) * math.cos(2.0 * math.pi * u2)


def _wall_ms():
    if hasattr(time, "ticks_ms"):
        return time.ticks_ms()  # a 64-bit unix port: no wrap in a test's lifetime
    return int(getattr(time, "monotonic")() * 1000)  # CPython only


class SimClock:
    def __init__(self, start_epoch_ms, speed):
        self.epoch0 = start_epoch_ms
        self.elapsed = 0  # simulated ms since start
        self._ticks = 0  # advanced with ticks_add: the wrap period is the port's own
        self.speed = speed  # simulated ms per wall ms; 0 = as fast as possible
        self.synced = True
        self._wall0 = None

    def ticks_ms(self):
        return self._ticks

    def epoch_ms(self):
        if not self.synced:
            return self.elapsed  # before NTP: uptime, as on the device
        return self.epoch0 + self.elapsed

    def sleep_ms(self, ms):
        self.elapsed += ms
        self._ticks = ticks_add(self._ticks, ms)
        if self.speed > 0:
            # pace against the wall clock since start, so many short sleeps
            # (each under a wall millisecond) still run at `speed`
            if self._wall0 is None:
                self._wall0 = _wall_ms()
            ahead = int(self.elapsed / self.speed) - (_wall_ms() - self._wall0)
            if ahead >= 1:
                if hasattr(time, "sleep_ms"):
                    time.sleep_ms(ahead)
                else:  # CPython
                    time.sleep(ahead / 1000.0)


class SimTank:
    """Water state as a function of simulated time; faults are dicts from the config."""

    def __init__(self, clock, faults=(), seed=1, sim=None):
        random.seed(seed)
        self.clock = clock
        self.faults = list(faults)
        self.pump_on = True
        sim = sim or {}
        self.heater_on = None  # None: no heater relay (the heater's own thermostat, as before)
        self.heat_c = 0.0  # the water's temperature above (below) the heater's set point, integrated
        self.topoff_on = False
        self.topoff_cm = 0.0  # what the top-off has added to the sump
        self.reservoir_l = float(sim.get("reservoir_l", 20.0))
        self.topoff_lpm = float(sim.get("topoff_lpm", 1.0))
        self.cm_per_l = float(sim.get("sump_cm_per_l", 0.5))
        self.evap_cm_per_day = float(sim.get("evap_cm_per_day", 0.25))
        self._t_last = 0  # simulated ms the outlets' effects are integrated to
        self._stuck_ph = None  # ph_stuck without a value: the first reading in the span

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

    def _water_change(self, t_ms, tds, level):
        # in start order: TDS falls by `fraction` of what it was at that moment and
        # keeps rising at the usual rate afterwards; the sump dips, then refills
        changes = [f for f in self.faults if f.get("kind") == "water_change"]
        changes.sort(key=lambda f: int(f.get("start_min", 0)))
        base_rate = 2.0 / DAY_MS
        for f in changes:
            start = int(f.get("start_min", 0)) * 60000
            if t_ms < start:
                break
            at_change = tds - base_rate * (t_ms - start)
            tds = at_change * (1.0 - float(f.get("fraction", 0.3))) + base_rate * (t_ms - start)
            refill = max(1, int(f.get("refill_min", 20))) * 60000
            if t_ms - start < refill:
                level -= float(f.get("dip_cm", 4.0)) * (1.0 - (t_ms - start) / refill)
        return tds, level

    def _integrate(self, t):
        # the outlets' effects from the last call to simulated time t (Euler steps of <= 1 min)
        while self._t_last < t:
            dt = min(60000, t - self._t_last)
            self._t_last += dt
            if self.heater_on is not None:
                stuck, _ = self._fault("heater_stuck", self._t_last)
                if not self.heater_on:  # unpowered: the water cools toward the room
                    self.heat_c += (ROOM_C - 25.0 - self.heat_c) * dt / HEAT_TAU_MS
                elif stuck:
                    self.heat_c += float(stuck.get("rate_c_per_h", 3.0)) * dt / HOUR_MS
                elif self.heat_c > 0.0:  # excess heat leaves as the tank cools
                    self.heat_c -= self.heat_c * dt / HEAT_TAU_MS
                else:  # the heater's thermostat makes up a deficit at about 1 C an hour
                    self.heat_c = min(0.0, self.heat_c + dt / HOUR_MS)
            if self.topoff_on:
                empty, _ = self._fault("reservoir_empty", self._t_last)
                litres = 0.0 if empty else min(self.reservoir_l, self.topoff_lpm * dt / 60000.0)
                self.reservoir_l -= litres
                self.topoff_cm += litres * self.cm_per_l

    def true_values(self):
        t = self.clock.elapsed
        self._integrate(t)
        epoch = self.clock.epoch0 + self.clock.elapsed  # the world's time, whatever the device believes
        hour = (epoch % DAY_MS) / HOUR_MS
        day_phase = 2.0 * math.pi * hour / 24.0
        light = 1.0 if 8.0 <= hour < 20.0 else 0.0
        temp = 25.0 + 0.35 * math.sin(day_phase - 2.0 * math.pi * 9.0 / 24.0)
        ph = 7.20 + 0.06 * math.sin(day_phase - 2.0 * math.pi * 10.0 / 24.0) + 0.01 * light
        tds = 300.0 + 2.0 * t / DAY_MS
        since_feed = min((hour - 8.0) % 24.0, (hour - 18.0) % 24.0)
        turb = 1.0 + 0.6 * math.exp(-since_feed / 0.75)
        level = 30.0 - self.evap_cm_per_day * t / DAY_MS + self.topoff_cm
        flow = 8.0 if self.pump_on else 0.0
        temp += self._heater_offset(t) if self.heater_on is None else self.heat_c
        tds, level = self._water_change(t, tds, level)
        f, dt = self._fault("ph_crash", t)
        if f:
            ph -= min(float(f.get("drop", 0.5)), float(f.get("drop", 0.5)) * dt / HOUR_MS)
        f, dt = self._fault("sump_low", t)
        if f:
            level = min(level, float(f.get("level_cm", 5.0)))
        f, dt = self._fault("flow_blocked", t)
        if f and self.pump_on:
            flow = float(f.get("flow_lpm", 0.8))
        f, dt = self._fault("pump_stopped", t)
        if f:
            flow = 0.0
        return {"temp_c": temp, "ph": ph, "tds_ppm": tds, "turb_ntu": turb, "level_cm": level, "flow_lpm": flow}

    def network_up(self):
        f, dt = self._fault("offline", self.clock.elapsed)
        return f is None

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
        t = self.clock.elapsed
        f, dt = self._fault("ph_ageing", t)
        if f:
            noisy["ph"] += float(f.get("rate_per_day", -0.1)) * dt / DAY_MS
        f, dt = self._fault("ph_stuck", t)
        if f:
            if "value" in f:
                noisy["ph"] = float(f["value"])
            else:
                if self._stuck_ph is None:
                    self._stuck_ph = round(noisy["ph"], 3)
                noisy["ph"] = self._stuck_ph
        else:
            self._stuck_ph = None
        return noisy


class SimBoard:
    """What app.py needs from a board: clock, sensors, pump output, persistent storage."""

    fw = "aquamon-fw-sim"

    def __init__(self, cfg):
        sim = cfg.get("sim", {})
        self.clock = SimClock(int(sim.get("start_epoch_ms", 0)) or int(time.time() * 1000), float(sim.get("speed", 0)))
        self.tank = SimTank(self.clock, sim.get("faults", ()), int(sim.get("seed", 1)), sim)
        self.state_dir = cfg.get("state_dir", ".")
        self.sim = sim
        # sim option unsynced_min: no NTP time for the first minutes (readings carry uptime)
        self.unsynced_ms = int(sim.get("unsynced_min", 0)) * 60000
        self.clock.synced = self.unsynced_ms == 0
        self.ph_points: list = []  # the calibration session's points; calib is imported per command
        self.tds_k = 1.0  # the simulated TDS probe's factor (a calibrate command fits it)
        self.outlets: dict = {}  # name -> on, as the firmware last switched it
        # sim option commands_on_wall_clock: a replay at N x speed keeps its readings on the simulated
        # clock, but a keeper signs commands on the real one (the demo's web buttons): check those
        # against real time, as a device on NTP time would
        self.commands_on_wall_clock = bool(sim.get("commands_on_wall_clock", False))

    def ticks_ms(self):
        return self.clock.ticks_ms()

    def epoch_ms(self):
        self.time_synced()  # the sync state first: a time and its flag must agree
        return self.clock.epoch_ms()

    def command_epoch_ms(self):
        if self.commands_on_wall_clock and self.time_synced():
            return time.time_ns() // 1000000
        return self.epoch_ms()

    def time_synced(self):
        if not self.clock.synced and self.clock.elapsed >= self.unsynced_ms:
            self.clock.synced = True  # "NTP" answers
        return self.clock.synced

    def uptime_ms(self):
        return self.clock.elapsed

    def sleep_ms(self, ms):
        self.clock.sleep_ms(ms)

    def read_sensors(self):
        return self.tank.read_all(), []

    def set_pump(self, on):
        self.tank.pump_on = bool(on)

    def set_outlet(self, name, on):
        tank = self.tank
        tank._integrate(self.clock.elapsed)  # a relay's state changes now, not back to the last read
        if name == "heater":
            if tank.heater_on is None:  # from now on the relay decides: start from the heat so far
                tank.heat_c = tank._heater_offset(self.clock.elapsed)
            tank.heater_on = bool(on)
        elif name == "topoff":
            tank.topoff_on = bool(on)
        self.outlets[name] = bool(on)

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

    def network_up(self):
        return self.tank.network_up()

    def button_pressed(self):
        return False

    def calibrate(self, args):
        # the keeper has put the simulated probe into the buffer named in the command:
        # it reads that buffer through the probe's (imperfect) slope and offset
        import calib
        import sensors

        sim = self.sim
        slope = float(sim.get("ph_slope_pct", 97.0))
        offset = float(sim.get("ph_offset_mv", 5.0))
        temp = self.tank.true_values()["temp_c"]
        buffer_ph = args.get("buffer")

        def probe_mv():
            return offset - (float(buffer_ph) - 7.0) * sensors.nernst_mv_per_ph(temp) * slope / 100.0

        def measure():
            if args.get("sensor") == "tds":  # the probe in a standard solution, read with its factor
                return float(args.get("ppm", 0)) * float(sim.get("tds_error", 0.95)) * self.tds_k
            return probe_mv()

        try:
            msg, fit = calib.command(self.ph_points, args, self.state_dir + "/calibration.json", measure, temp,
                                     self.tds_k)
            if fit and args.get("sensor") == "tds":
                self.tds_k = fit
            return msg
        finally:
            sys.modules.pop("calib", None)  # as board_esp32: calib leaves the heap after each command
