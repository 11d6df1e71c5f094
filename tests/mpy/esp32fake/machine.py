# Stand-ins for the ESP32's machine module: enough for board_esp32.Esp32Board to be built on the unix port
# (tests/mpy/test_board_esp32.py puts this folder first on sys.path).


class Pin:
    OUT = 1
    IN = 0
    PULL_UP = 2
    IRQ_FALLING = 4

    def __init__(self, n, mode=0, pull=None, value=None):
        self.n = n
        self.v = value or 0

    def value(self, v=None):
        if v is None:
            return self.v
        self.v = v

    def irq(self, handler=None, trigger=None):
        pass


class ADC:
    ATTN_11DB = 3

    def __init__(self, pin):
        pass

    def atten(self, a):
        pass

    def read_uv(self):
        return 1500000


def time_pulse_us(pin, level, timeout):
    return 1166


def reset():
    raise SystemExit
