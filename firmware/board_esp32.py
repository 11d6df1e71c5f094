# The ESP32 board layer: maps app.Device's board interface to machine.Pin,
# machine.ADC, onewire, network.WLAN, ntptime and machine.WDT.  The pin
# numbers come from device.json ("pins"); docs/hardware.md has the wiring.
#
# Safety first: the pump relay pin is driven OFF before anything else is set
# up, and the watchdog is started last, once the loop is about to run.

import gc
import sys
import time

import machine
import network
import onewire

import sensors
from store import read_json
from ticks import ticks_add, ticks_diff, ticks_ms

FW = "aquamon-fw-0.2"
PINS = {"pump": 26, "pump_on_level": 1, "button": 0, "onewire": 4, "ph_adc": 34, "tds_adc": 35,
        "turb_adc": 32, "trig": 5, "echo": 18, "float": -1, "flow": 27, "heater": -1, "topoff": -1,
        "topoff_float": -1}
# outlets (heater, topoff, timer outlets by their name in device.json "timers"): relay pins
# switched at the pump's on level, driven OFF at boot before anything else
UNIX_2000 = 946684800  # seconds from 1970 to 2000: older ESP32 ports count from 2000


class Esp32Board:
    fw = FW

    def __init__(self, cfg):
        pins = dict(PINS)
        pins.update(cfg.get("pins", {}))
        self.on_level = pins["pump_on_level"]
        self.pump = machine.Pin(pins["pump"], machine.Pin.OUT, value=1 - self.on_level)
        self.outlets = {}
        for t in cfg.get("timers", ()):
            pins.setdefault(t[0], -1)
        for name in ["heater", "topoff"] + [t[0] for t in cfg.get("timers", ())]:
            if pins[name] >= 0:
                self.outlets[name] = machine.Pin(pins[name], machine.Pin.OUT, value=1 - self.on_level)
        self.topoff_float = None
        if pins["topoff_float"] >= 0:  # closed (reads 0 with the pull-up) at the fill mark
            self.topoff_float = machine.Pin(pins["topoff_float"], machine.Pin.IN, machine.Pin.PULL_UP)
        self.button = machine.Pin(pins["button"], machine.Pin.IN, machine.Pin.PULL_UP)
        # the Wi-Fi credentials only, not the whole config: the loop has no use for the rest (~1.5 KB)
        self.wifi = cfg.get("wifi", {})
        self.state_dir = cfg.get("state_dir", ".")
        self.wlan = network.WLAN(network.WLAN.IF_STA)
        self.wlan.active(True)
        self.wifi_next_try = ticks_ms()
        self.synced = False
        self.ntp_next_try = ticks_ms()
        self.epoch_offset = UNIX_2000 if time.gmtime(0)[0] == 2000 else 0
        self.calibration_path = self.state_dir + "/calibration.json"
        self.ph_points: list = []  # the calibration session's points; calib is imported per command
        self.wdt = None
        s = cfg.get("sensors", {})
        self.probes = self._probes(pins, s, int(cfg.get("samples", 5)))
        self.last_read = ticks_ms()
        self.uptime = 0  # ms up to last_read, added up by ticks_diff (uptime_ms)

    def _adc(self, pin):
        adc = machine.ADC(machine.Pin(pin))
        adc.atten(machine.ADC.ATTN_11DB)  # 0-3.3 V full scale (read_uv is factory-calibrated)
        return adc

    def _probes(self, pins, s, samples):
        stored = read_json(self.calibration_path)
        mv7, slope = sensors.ph_calibration(stored)
        k = stored.get("tds", {}).get("k_factor")  # a TDS calibration by command wins over device.json
        ph = sensors.PhProbe(self._adc(pins["ph_adc"]), float(s.get("ph_board_offset_mv", 0)),
                             float(s.get("ph_board_gain", 1)), mv7, slope)
        tds = sensors.TdsProbe(self._adc(pins["tds_adc"]), float(k or s.get("tds_k_factor", 1)),
                               float(s.get("tds_alpha", 0.02)), float(s.get("tds_ppm_factor", 0.5)))
        curve = tuple(tuple(p) for p in s.get("turbidity_curve", sensors.DEFAULT_TURBIDITY_CURVE))
        turb = sensors.TurbidityProbe(self._adc(pins["turb_adc"]), curve, float(s.get("turbidity_divider", 1.5)))
        level = None
        float_switch = None
        if pins["float"] >= 0:
            float_switch = sensors.FloatSwitch(machine.Pin(pins["float"], machine.Pin.IN, machine.Pin.PULL_UP),
                                               int(s.get("float_low_value", 0)))
        else:
            level = sensors.Ultrasonic(machine.Pin(pins["trig"], machine.Pin.OUT, value=0),
                                       machine.Pin(pins["echo"], machine.Pin.IN), machine.time_pulse_us,
                                       time.sleep_us, float(s.get("level_mount_cm", 50)))
        flow = sensors.FlowMeter(machine.Pin(pins["flow"], machine.Pin.IN, machine.Pin.PULL_UP),
                                 float(s.get("flow_pulses_per_litre", 450)), machine.Pin.IRQ_FALLING)
        therm = sensors.DS18B20(onewire.OneWire(machine.Pin(pins["onewire"])))
        return sensors.ProbeSet(therm, ph, tds, turb, level, float_switch, flow, samples,
                                time.sleep_ms)

    # -- the board interface used by app.Device -------------------------------------
    def ticks_ms(self):
        return ticks_ms()

    def epoch_ms(self):
        if not self.synced:
            return self.uptime_ms()  # uptime-relative; telemetry says "unsynced"
        return time.time_ns() // 1000000 + self.epoch_offset * 1000

    command_epoch_ms = epoch_ms  # commands are checked against the same wall clock (see simtank)

    def time_synced(self):
        return self.synced

    def uptime_ms(self):
        # not ticks_ms() itself: it wraps every 2**30 ms (12.4 days), and the boot's start (wall time
        # less the uptime) is the floor of the command replay guard (app.py); read_sensors adds the
        # ticks up every control cycle, well within ticks_diff's half period
        return self.uptime + ticks_diff(ticks_ms(), self.last_read)

    def sleep_ms(self, ms):
        time.sleep_ms(ms)

    def read_sensors(self):
        now = ticks_ms()
        elapsed = ticks_diff(now, self.last_read)
        self.last_read = now
        self.uptime += elapsed
        readings, bad = self.probes.read_all(now, elapsed)
        if self.topoff_float is not None:
            readings["topoff_full"] = self.topoff_float.value() == 0
        return readings, bad

    def set_pump(self, on):
        self.pump.value(self.on_level if on else 1 - self.on_level)

    def set_outlet(self, name, on):
        pin = self.outlets.get(name)
        if pin is not None:
            pin.value(self.on_level if on else 1 - self.on_level)

    def all_off(self):
        """Every relay off (main.py's finally, before a reset)."""
        self.set_pump(False)
        for name in self.outlets:
            self.set_outlet(name, False)

    def button_pressed(self):
        return self.button.value() == 0

    def rssi(self):
        try:
            return int(self.wlan.status("rssi"))
        except Exception:  # noqa: BLE001 - not connected
            return 0

    def mem_free(self):
        return gc.mem_free()

    def start_watchdog(self, timeout_ms):
        self.wdt = machine.WDT(timeout=timeout_ms)

    def feed_watchdog(self):
        if self.wdt is not None:
            self.wdt.feed()

    def network_up(self):
        now = ticks_ms()
        if not self.wlan.isconnected():
            if ticks_diff(now, self.wifi_next_try) >= 0:
                w = self.wifi
                try:
                    self.wlan.connect(w.get("ssid", ""), w.get("password", ""))
                except OSError:
                    pass
                self.wifi_next_try = ticks_add(now, 30000)
            return False
        if not self.synced or ticks_diff(now, self.ntp_next_try) >= 0:
            self._ntp(now)
        return True

    def _ntp(self, now):
        import ntptime

        try:
            ntptime.settime()
            self.synced = True
            self.ntp_next_try = ticks_add(now, 6 * 3600000)  # the RTC drifts a few s/day
        except Exception:  # noqa: BLE001 - no answer: keep the old time, try again soon
            self.ntp_next_try = ticks_add(now, 60000)

    def calibrate(self, args):
        temp = self.probes.thermometer
        t = 25
        if temp is not None:
            try:
                temp.start()
                time.sleep_ms(750)
                t = temp.read()
            except sensors.SensorError:
                pass
        probe = self.probes.tds if args.get("sensor") == "tds" else self.probes.ph
        if probe is None:
            raise ValueError("that probe is not fitted")
        if probe is self.probes.tds:
            def measure():
                return probe.read(t, sensors.sample(probe.adc.read_uv, 15))
        else:
            def measure():
                return probe.probe_mv(sensors.sample(probe.adc.read_uv, 15))
        import calib

        try:
            msg, fit = calib.command(self.ph_points, args, self.calibration_path, measure, t,
                                     getattr(probe, "k_factor", 1))
        finally:
            del calib
            sys.modules.pop("calib", None)
        if fit and probe is self.probes.tds:
            probe.k_factor = fit
        elif fit:
            probe.mv_at_ph7, probe.slope_pct = fit
        return msg
