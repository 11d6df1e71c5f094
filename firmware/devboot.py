# Boot of app.Device: the state files, the RAM ring and the flash spool, the pump's state, the
# command key and its seen-id cache, the outlets' state and the MQTT link, from the validated
# config.  A module of its own, imported by Device.__init__ and dropped after it: its code and
# its words (the config's keys, boot's messages: ~1 KB on the 64-bit port) are not in a 64 KB
# heap while the loop runs.

import gc
import sys

import pumpstate
from app import COMMANDS_PER_CYCLE
from mqtt_link import Link
from ringbuf import Ring
from spool import Spool
from store import Counter

# what the loop reads from the config after boot; the rest of it (~1.5 KB) is dropped
LOOP_KEYS = ("level_low_cm", "poll_ms", "max_cycles", "backlog_per_cycle", "status_every", "drain_timeout_s")


def setup(dev, cfg, board, key=None, boot_errors=(), validated_cfg=False):
    """Set up ``dev`` (an app.Device) on ``board`` from ``cfg``; see Device.__init__."""
    # validated_cfg: cfg is devconfig.validate()'s output and its errors are in boot_errors
    # (main.py validates before importing the firmware: the validator's ~6 KB of tables
    # and the firmware are then never in the heap together)
    if validated_cfg:
        dev.cfg, dev.config_errors = cfg, []
    else:
        # devconfig is unloaded afterwards: its tables cost ~6-9 KB of a 64 KB heap and are
        # needed only at boot.  Collected before and after, so boot's peak is the loaded
        # firmware plus the validator, not plus the garbage of everything else boot does.
        gc.collect()
        import devconfig

        try:
            dev.cfg, dev.config_errors = devconfig.validate(cfg)
        finally:
            del devconfig
            sys.modules.pop("devconfig", None)
            gc.collect()
    dev.config_errors = list(boot_errors) + dev.config_errors
    dev.board = board
    c = dev.cfg
    base = "%s/%s/%s/" % (c["mqtt"]["prefix"], c["tank"], c["device"])
    dev.t_telemetry = base + "telemetry"
    dev.t_status = base + "status"
    dev.t_event = base + "event"
    dev.t_cmd = base + "cmd"
    sd = c["state_dir"]
    dev.seq = Counter(sd + "/seq")
    dev.event_seq = Counter(sd + "/evseq")
    dev.boots = Counter(sd + "/boots")
    dev.flash_failed = False
    dev.ring = Ring(c["ring_capacity"])
    dev._save(dev.boots, dev.boots.value + 1)  # (after the ring: a full flash is reported in it)
    dev.spool = None
    try:
        dev.spool = Spool(sd, c["spool"]["segment_bytes"], c["spool"]["max_segments"])
    except (OSError, ValueError) as e:
        dev.config_errors.append("flash spool unavailable (%s): offline readings are kept in RAM only" % e)
    dev.spool_failures = 0
    gc.collect()  # the state files' reads (garbage) go before the rest of boot adds its own
    p = c["pump"]
    dev.pump_cfg = pumpstate.PumpConfig(
        flow_min_lpm=p["flow_min_lpm"], flow_grace_ms=p["flow_grace_s"] * 1000,
        retry_base_ms=p["retry_base_s"] * 1000, retry_max_ms=p["retry_max_s"] * 1000,
        max_faults_per_hour=p["max_faults_per_hour"], max_on_ms=p["max_on_s"] * 1000, rest_ms=p["rest_s"] * 1000,
        min_off_ms=p["min_off_s"] * 1000, feed_max_ms=p["feed_max_min"] * 60000, check_flow=p["check_flow"])
    dev.pump = pumpstate.PumpState(c["pump"]["start_mode"])
    dev.interval_ms = c["interval_s"] * 1000
    dev.published = 0
    dev.cycles = 0
    dev.pending = []
    dev.commands_dropped = 0
    # commands: the key (bytes, from devconfig) and the seen-id cache (one bytearray, see
    # cmdauth) stay here; cmdauth itself is imported per command and dropped after it
    # (~2 KB of a 64 KB heap not held between commands)
    key = key or c["cmd"]["key"]
    dev.cmd_key = key or None
    dev.cmd_seen = bytearray(8 + 16 * c["cmd"]["cache"]) if key else None  # 16: cmdauth.ENTRY
    # the seen-id cache survives a reboot (a captured command must not run again after one);
    # and the synced clock raises its floor to this boot's start (handle_commands)
    if key:
        try:
            with open(sd + "/cmdseen", "rb") as f:
                f.readinto(dev.cmd_seen)
        except OSError:
            pass
    dev.commands_malformed = 0
    dev.cmd_floor_due = dev.cmd_seen is not None  # (handle_commands)
    # refused commands by cause, reported in the status: bad signature, replay, stale (outside the
    # time window or before NTP time), unknown action (STATUS_COMMAND_COUNTERS in aquamon/contract.py)
    dev.refusals = [0, 0, 0, 0]
    dev.cal = {}  # probes under calibration -> until when (ticks): a session ends by itself after an hour
    dev.cmd_budget = COMMANDS_PER_CYCLE
    # outlets (firmware/outlets.py): their configuration tuples from devconfig, their state here
    h, t, tm = c["heater"], c["topoff"], c["timers"]
    dev.outlets = None
    if h or t or tm:
        dev.outlets = [(h, [False, 0, False, 0, False, 0, None, 0]) if h else None,
                        (t, [False, 0, 0, 0, False, "", False, 0, False, 0]) if t else None,
                        (tm, [[False, False, 0, False] for _ in tm], c["tz"]) if tm else None]
    dev.cmd_where = (c["tank"], c["device"], c["cmd"]["window_s"] * 1000)
    dev.commands_refused = 0
    m = c["mqtt"]
    dev.link = Link("aq-%s-%s" % (c["tank"], c["device"]), m["host"], m["port"], m["user"],
                     m["password"], m["keepalive_s"], will_topic=dev.t_status)
    if dev.cmd_key is not None:
        dev.link.subscriptions.append(dev.t_cmd)
        dev.link.cb = dev._on_message
    dev.cfg = {k: c[k] for k in LOOP_KEYS}
    for msg in dev.config_errors:
        dev.event("config", msg)
