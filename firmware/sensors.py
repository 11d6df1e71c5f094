# Probe drivers in the micropython-lib style: the bus, pin or ADC object is
# passed in (machine.ADC/Pin, onewire.OneWire on the ESP32; simulated ones in
# tests), a reading is started and then fetched, failures raise typed errors
# (never assert), and nothing here imports `machine`.
#
# The conversions (pH, conductivity, turbidity) are pure and live here too, so
# the same code runs on the board and under the unix port's tests.  Fitting a
# calibration is calib.py's: it is loaded only when a keeper calibrates.
#
# Whole numbers are written as integers (25, not 25.0): on a port with boxed floats (the
# 64-bit unix port; an ESP32 build without MICROPY_OBJ_REPR_C) every float constant is a
# heap object for as long as the module is loaded, and this module always is.  Arithmetic
# with them is the same: "/" divides as floats.

from micropython import const


class SensorError(Exception):
    """A probe gave no usable reading; str(e) says why."""


class CrcError(SensorError):
    pass


class PowerOnValue(SensorError):
    """A DS18B20 returned 85.0 °C: its power-on value, not a temperature."""


class CalibrationError(ValueError):
    """A calibration that must not be stored; str(e) tells the keeper what to do."""


# -- DS18B20 on a 1-Wire bus ------------------------------------------------------

# its command bytes (const() with a leading underscore: folded into the code, nothing in the heap)
_CONVERT = const(0x44)
_READ_SCRATCH = const(0xBE)
_SKIP_ROM = const(0xCC)

def crc8(data):
    """Dallas/Maxim CRC-8 (polynomial x^8 + x^5 + x^4 + 1, reflected)."""
    crc = 0
    for byte in data:
        for _ in range(8):
            mix = (crc ^ byte) & 1
            crc >>= 1
            if mix:
                crc ^= 0x8C
            byte >>= 1
    return crc


class DS18B20:
    """One DS18B20 on ``bus`` (an onewire.OneWire): start() converts, read() fetches (>= 750 ms later)."""

    def __init__(self, bus, rom=None):
        self.bus = bus
        self.rom = rom

    def _select(self):
        if not self.bus.reset():
            raise SensorError("DS18B20: no presence pulse: check the wiring and the 4.7 kOhm pull-up")
        if self.rom is None:
            self.bus.writebyte(_SKIP_ROM)
        else:
            self.bus.select_rom(self.rom)

    def start(self):
        self._select()
        self.bus.writebyte(_CONVERT)

    def read(self):
        self._select()
        self.bus.writebyte(_READ_SCRATCH)
        buf = bytearray(9)
        self.bus.readinto(buf)
        if crc8(buf) != 0:
            raise CrcError("DS18B20: CRC error (noise on a long cable? add or lower the pull-up)")
        raw = buf[0] | (buf[1] << 8)
        if raw & 0x8000:
            raw -= 0x10000
        if raw == 0x0550:
            raise PowerOnValue("DS18B20: 85.0 C power-on value: the conversion did not run (power or timing)")
        return raw / 16


# -- pH --------------------------------------------------------------------------

NERNST_MV_PER_K = 0.198416  # R ln(10) / F in mV/K: 59.16 mV per pH at 25 C


def nernst_mv_per_ph(temp_c):
    return NERNST_MV_PER_K * (temp_c + 273.15)


def ph_calibration(values):
    """(mv_at_ph7, slope_pct) from the stored calibration document, or the ideal probe's."""
    p = values.get("ph") or {}
    return float(p.get("mv_at_ph7", 0)), float(p.get("slope_pct", 100))


def ph_from_mv(mv, temp_c, mv_at_ph7=0, slope_pct=100):
    """pH from the probe potential with Nernst temperature compensation."""
    return 7 - (mv - mv_at_ph7) / (nernst_mv_per_ph(temp_c) * slope_pct / 100)


class PhProbe:
    """An analog pH board on an ADC: mV at the ADC -> probe mV via the board's offset and gain."""

    def __init__(self, adc, board_offset_mv=0, board_gain=1, mv_at_ph7=0, slope_pct=100):
        if board_gain == 0:
            raise ValueError("pH board_gain must not be 0")
        self.adc = adc
        self.board_offset_mv = board_offset_mv
        self.board_gain = board_gain
        self.mv_at_ph7 = mv_at_ph7
        self.slope_pct = slope_pct

    def probe_mv(self, uv=None):
        if uv is None:
            uv = self.adc.read_uv()
        return (uv / 1000 - self.board_offset_mv) / self.board_gain

    def read(self, temp_c, uv=None):
        """pH now, or from ``uv`` (e.g. the median of raw samples: one conversion, not N)."""
        return ph_from_mv(self.probe_mv(uv), temp_c, self.mv_at_ph7, self.slope_pct)


# -- conductivity / TDS -------------------------------------------------------------

def tds_from_volts(volts, temp_c, k_factor=1, alpha=0.02, ppm_factor=0.5):
    """TDS in ppm from a DFRobot-style conductivity board, compensated to 25 C.

    The cubic is the board's EC (uS/cm) transfer curve at K = 1; ``alpha`` is
    the temperature coefficient (2 %/C for most aquarium water).
    """
    ec = (133.42 * volts ** 3 - 255.86 * volts ** 2 + 857.39 * volts) * k_factor
    ec25 = ec / (1 + alpha * (temp_c - 25))
    return ec25 * ppm_factor


class TdsProbe:
    def __init__(self, adc, k_factor=1, alpha=0.02, ppm_factor=0.5):
        self.adc = adc
        self.k_factor = k_factor
        self.alpha = alpha
        self.ppm_factor = ppm_factor

    def read(self, temp_c, uv=None):
        if uv is None:
            uv = self.adc.read_uv()
        return tds_from_volts(uv / 1000000, temp_c, self.k_factor, self.alpha, self.ppm_factor)


# -- turbidity -------------------------------------------------------------------------

DEFAULT_TURBIDITY_CURVE = ((2.5, 3000), (3, 1500), (3.5, 700), (4, 150), (4.2, 0))


def interpolate(curve, x):
    """Piecewise-linear y(x) through (x, y) points sorted by x; clamped at both ends."""
    if x <= curve[0][0]:
        return curve[0][1]
    for i in range(1, len(curve)):
        x1, y1 = curve[i]
        if x <= x1:
            x0, y0 = curve[i - 1]
            return y0 + (y1 - y0) * (x - x0) / (x1 - x0)
    return curve[-1][1]


def check_curve(curve):
    if len(curve) < 2:
        raise CalibrationError("a turbidity curve needs at least 2 (volts, NTU) points")
    for i in range(1, len(curve)):
        if curve[i][0] <= curve[i - 1][0]:
            raise CalibrationError("turbidity curve volts must increase strictly")
    return curve


class TurbidityProbe:
    def __init__(self, adc, curve=DEFAULT_TURBIDITY_CURVE, divider=1):
        self.adc = adc
        self.curve = check_curve(curve)
        self.divider = divider  # the 5 V sensor output through a divider into the 3.3 V ADC

    def read(self, uv=None):
        if uv is None:
            uv = self.adc.read_uv()
        return interpolate(self.curve, uv / 1000000 * self.divider)


# -- sump level -------------------------------------------------------------------------

SOUND_CM_PER_US = 0.0343


class Ultrasonic:
    """JSN-SR04T: a 10 us trigger, then the echo pulse width via ``time_pulse_us`` (machine.time_pulse_us)."""

    def __init__(self, trig, echo, time_pulse_us, sleep_us, mount_cm, timeout_us=30000):
        self.trig = trig
        self.echo = echo
        self.time_pulse_us = time_pulse_us
        self.sleep_us = sleep_us
        self.mount_cm = mount_cm  # sensor face to sump floor
        self.timeout_us = timeout_us

    def echo_us(self):
        """One echo's width in us (an integer)."""
        self.trig.value(0)
        self.sleep_us(5)
        self.trig.value(1)
        self.sleep_us(10)
        self.trig.value(0)
        t = self.time_pulse_us(self.echo, 1, self.timeout_us)
        if t < 0:
            raise SensorError("ultrasonic: no echo (%d): check the wiring, or the water is inside the "
                              "sensor's 20 cm blind zone" % t)
        return t

    def read(self, echo_us=None):
        """Water level in cm above the sump floor, from one echo or the given width (e.g. a median)."""
        t = self.echo_us() if echo_us is None else echo_us
        return self.mount_cm - t * SOUND_CM_PER_US / 2


class FloatSwitch:
    """A float switch: reads True when the sump is low."""

    def __init__(self, pin, low_value=0):
        self.pin = pin
        self.low_value = low_value

    def read(self):
        return self.pin.value() == self.low_value


# -- filter flow ---------------------------------------------------------------------------

class FlowMeter:
    """Hall-effect pulse counter (YF-S201: 450 pulses per litre) on a pin interrupt.

    start(now_ms) zeroes the count; read(now_ms) returns litres per minute since then.
    """

    def __init__(self, pin, pulses_per_litre=450, trigger=None):
        if pulses_per_litre <= 0:
            raise ValueError("pulses_per_litre must be positive")
        self.pulses_per_litre = pulses_per_litre
        self.count = 0
        self.since = 0
        if trigger is None:
            pin.irq(handler=self._pulse)
        else:
            pin.irq(handler=self._pulse, trigger=trigger)

    def _pulse(self, pin):
        # an ISR: no allocation, just count
        self.count += 1

    def start(self, now_ms):
        self.count = 0
        self.since = now_ms

    def read(self, now_ms, elapsed_ms):
        if elapsed_ms <= 0:
            raise SensorError("flow: no time has passed since start()")
        pulses = self.count
        self.start(now_ms)
        return pulses / self.pulses_per_litre * 60000 / elapsed_ms


# -- physical ranges: a value outside goes to `bad`, never to `r` --------------------------

RANGES = {
    "temp_c": (0, 45),
    "ph": (3, 11),
    "tds_ppm": (0, 5000),
    "turb_ntu": (0, 3000),
    "level_cm": (0, 200),
    "flow_lpm": (0, 200),
}


def in_range(name, value):
    r = RANGES.get(name)  # no default tuple: this runs for every reading of every cycle
    if r is None:
        return value == value and value - value == 0  # finite
    return value == value and r[0] <= value <= r[1]


def sample(read, n):
    """Median of ``n`` calls of ``read()``; failed samples are skipped, all failing raises the last error."""
    values = []
    err = None
    for _ in range(n):
        try:
            values.append(read())
        except SensorError as e:
            err = e
    if not values:
        raise err if err is not None else SensorError("no samples")
    values.sort()  # our own list: sorted in place, not copied
    n = len(values)
    return values[n // 2] if n % 2 else (values[n // 2 - 1] + values[n // 2]) / 2


class ProbeSet:
    """All probes of one board; read_all() -> (readings, bad) as app.Device expects.

    Each argument is a driver or None when not fitted.  The DS18B20 conversion
    is started first and fetched last, so the ADC samples fill its 750 ms.
    A probe that fails or reads outside its physical range is put in ``bad``
    (with its reason in ``errors``), never in the readings.
    """

    def __init__(self, thermometer=None, ph=None, tds=None, turbidity=None, level=None, float_switch=None,
                 flow=None, samples=5, sleep_ms=None, default_temp_c=25):
        self.thermometer = thermometer
        self.ph = ph
        self.tds = tds
        self.turbidity = turbidity
        self.level = level
        self.float_switch = float_switch
        self.flow = flow
        self.samples = samples
        self.sleep_ms = sleep_ms
        self.default_temp_c = default_temp_c
        self.errors = {}
        self.last_flow_ms = None

    def _put(self, readings, bad, name, read):
        try:
            v = read()
        except SensorError as e:
            self.errors[name] = str(e)
            bad.append(name)
            return None
        if not in_range(name, v):
            self.errors[name] = "%s=%r is outside its physical range %r" % (name, v, RANGES[name])
            bad.append(name)
            return None
        self.errors.pop(name, None)
        readings[name] = v
        return v

    def read_all(self, now_ms, elapsed_ms=0):
        readings: dict = {}
        bad: list = []
        if self.thermometer is not None:
            try:
                self.thermometer.start()
            except SensorError as e:
                self.errors["temp_c"] = str(e)
        # ADC probes: the median of the raw (integer) samples, converted once; every
        # conversion is monotonic, so that is the median of the converted samples (for
        # an odd count) without N float conversions' garbage on a 64-bit port
        if self.turbidity is not None:
            self._put(readings, bad, "turb_ntu",
                      lambda: self.turbidity.read(sample(self.turbidity.adc.read_uv, self.samples)))
        if self.level is not None:
            self._put(readings, bad, "level_cm", lambda: self.level.read(sample(self.level.echo_us, self.samples)))
        if self.float_switch is not None:
            readings["sump_low"] = self.float_switch.read()
        if self.flow is not None and elapsed_ms > 0:
            self._put(readings, bad, "flow_lpm", lambda: self.flow.read(now_ms, elapsed_ms))
        temp = None
        if self.thermometer is not None:
            if self.sleep_ms is not None:
                self.sleep_ms(750)
            temp = self._put(readings, bad, "temp_c", self.thermometer.read)
        # pH and conductivity need the water temperature; without it, 25 C (and say so)
        t = temp if temp is not None else self.default_temp_c
        if self.ph is not None:
            self._put(readings, bad, "ph", lambda: self.ph.read(t, sample(self.ph.adc.read_uv, self.samples)))
        if self.tds is not None:
            self._put(readings, bad, "tds_ppm",
                      lambda: self.tds.read(t, sample(self.tds.adc.read_uv, self.samples)))
        return readings, bad
