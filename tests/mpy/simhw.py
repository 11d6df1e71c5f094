# Simulated hardware for driver tests: ADCs, pins, a 1-Wire bus with one DS18B20,
# time_pulse_us.  Shaped like machine.ADC / machine.Pin / onewire.OneWire.
import sensors


class SimADC:
    def __init__(self, uv=0):
        self.uv = uv
        self.reads = 0

    def read_uv(self):
        self.reads += 1
        if isinstance(self.uv, list):
            return self.uv[(self.reads - 1) % len(self.uv)]
        return self.uv


class SimPin:
    def __init__(self, v=0):
        self.v = v
        self.writes = []
        self.handler = None

    def value(self, v=None):
        if v is None:
            return self.v
        self.v = v
        self.writes.append(v)

    def irq(self, handler=None, trigger=None):
        self.handler = handler

    def pulse(self, n):
        for _ in range(n):
            self.handler(self)


def scratchpad(temp_c, corrupt=False, raw=None):
    r = int(round(temp_c * 16)) if raw is None else raw
    r &= 0xFFFF
    b = bytearray([r & 0xFF, r >> 8, 0x4B, 0x46, 0x7F, 0xFF, 0x0C, 0x10, 0])
    b[8] = sensors.crc8(b[:8])
    if corrupt:
        b[0] ^= 0x01
    return b


class SimOneWire:
    def __init__(self, pad=None, present=True):
        self.pad = pad
        self.present = present
        self.written = []

    def reset(self, required=False):
        return self.present

    def writebyte(self, b):
        self.written.append(b)

    def select_rom(self, rom):
        self.written.append(("rom", bytes(rom)))

    def readinto(self, buf):
        for i in range(len(buf)):
            buf[i] = self.pad[i]
