# The pump's state and configuration (pump.py has the logic that advances them).  A module of
# its own because an object keeps its class's module in the heap: the device keeps these two
# objects for good, and imports pump.py only for a control cycle's step or a pump command, so
# the logic (~2.4 KB on the 64-bit port) is not in a 64 KB heap while a command is verified,
# a calibration fitted or the outlets stepped.

from ticks import ticks_add, ticks_diff

AUTO = "auto"
FEED = "feed"
MAINTENANCE = "maintenance"
OFF = "off"
MODES = (AUTO, FEED, MAINTENANCE, OFF)
HOUR_MS = 3600000
LEVEL_UNKNOWN = "sump level unknown"  # the interlock's reason when the level reading cannot be trusted


class PumpConfig:
    def __init__(self, flow_min_lpm=1, flow_grace_ms=20000, retry_base_ms=60000, retry_max_ms=900000,
                 max_faults_per_hour=3, max_on_ms=0, rest_ms=300000, min_off_ms=10000,
                 feed_max_ms=3600000, check_flow=True):
        if max_faults_per_hour < 1:
            raise ValueError("pump max_faults_per_hour must be at least 1")
        if flow_grace_ms < 0 or retry_base_ms < 0 or min_off_ms < 0 or rest_ms < 0 or max_on_ms < 0:
            raise ValueError("pump times must not be negative")
        if feed_max_ms < 1 or feed_max_ms > 86400000:
            raise ValueError("pump feed_max_ms must be between 1 ms and one day")
        self.flow_min_lpm = float(flow_min_lpm)
        self.flow_grace_ms = int(flow_grace_ms)
        self.retry_base_ms = int(retry_base_ms)
        self.retry_max_ms = int(max(retry_max_ms, retry_base_ms))
        self.max_faults_per_hour = int(max_faults_per_hour)
        self.max_on_ms = int(max_on_ms)
        self.rest_ms = int(rest_ms)
        self.min_off_ms = int(min_off_ms)
        self.feed_max_ms = int(feed_max_ms)
        self.check_flow = bool(check_flow)


class PumpState:
    def __init__(self, mode=AUTO):
        if mode not in MODES or mode == FEED:
            raise ValueError("pump start mode must be auto, maintenance or off")
        self.mode = mode
        self.mode_before_feed = AUTO
        self.feed_until = 0
        self.on = False
        self.on_since = 0
        self.interlock = ""  # non-empty: why the pump is held off by the water
        self.flow_low = False
        self.flow_low_since = 0
        self.resting = False  # min_off / max-on rest / fault retry wait
        self.rest_until = 0
        self.fault_times = []  # ticks of faults within the last hour (at most max_faults_per_hour)
        self.lockout = False
        self.starts = 0

    def hold_off(self, now_ms, ms):
        """Keep the pump off for at least ``ms`` from ``now_ms`` (the later of this and any hold already set)."""
        until = ticks_add(now_ms, ms)
        if not self.resting or ticks_diff(until, self.rest_until) > 0:
            self.rest_until = until
        self.resting = True

    def stop(self, cfg, now_ms):
        """Switch off, then rest at least min_off_ms (no short-cycling)."""
        self.on = False
        self.flow_low = False
        self.hold_off(now_ms, cfg.min_off_ms)
