# What a verified command does (app.Device.handle_commands imports this once cmdauth is out of the
# heap, and drops it after the command): the pump's modes, the reporting interval, outlet overrides
# and lockout clears, and calibration sessions.  A module of its own so its code and its words
# (~1.2 KB on the 64-bit port) are not in a 64 KB heap while the loop runs or a signature is checked.

import gc
import sys

import pumpstate
from ticks import ticks_add


def _int_arg(args, name, lo, hi):
    v = args.get(name)
    if not isinstance(v, int) or isinstance(v, bool) or not lo <= v <= hi:
        raise ValueError("%s must be an integer between %d and %d" % (name, lo, hi))
    return v


def execute(dev, action, args):
    """Run a verified command; return what was done, or raise ValueError with why not; None for a
    calibration step, which the caller hands to the board, then to calibrated()."""
    now = dev.board.ticks_ms()
    st, cfg = dev.pump, dev.pump_cfg
    if action in ("pump", "feed", "clear_lockout"):
        import pumpmode  # (only for these: handle_commands drops it after the command)

        gc.collect()  # the import's garbage goes before the command's
    if action == "pump":
        mode = args.get("mode")
        minutes = _int_arg(args, "minutes", 1, 1440) if mode == pumpstate.FEED else 0
        events = pumpmode.set_mode(st, cfg, mode, now, minutes)
        del pumpmode
    elif action == "feed":
        events = pumpmode.set_mode(st, cfg, pumpstate.FEED, now, _int_arg(args, "minutes", 1, 1440))
        del pumpmode
    elif action == "clear_lockout":
        t = dev.outlets[1] if dev.outlets is not None else None  # the top-off's (configuration, state)
        events = pumpmode.clear_lockout(st, "command", now, t[1] if t is not None else None)
        del pumpmode
        if not events:
            return "no lockout to clear"
    elif action == "interval":
        dev.interval_ms = _int_arg(args, "seconds", 10, 3600) * 1000
        return "reporting interval %d s" % (dev.interval_ms // 1000)
    elif action == "outlet":
        if dev.outlets is None:
            raise ValueError("no timer outlets configured (device.json timers)")
        import outlets

        return outlets.command(dev, action, args, now)
    elif action == "calibrate":
        # a probe under calibration sits in buffer or standard solutions: from "start" or a
        # "point" to "save", "cancel" or an hour without a step, its readings are not the water's
        probe, step = args.get("sensor"), args.get("step")
        probe = "tds_ppm" if probe == "tds" else probe  # by its telemetry field (the wire's "cal")
        if step in ("start", "point") and probe in ("ph", "tds_ppm"):
            # marked before the board's step (the probe is in a buffer now, whatever the step
            # answers), and before calib is in the heap: the event's garbage is not on top of it
            calibrating(dev, probe, True, "")
            dev.cal[probe] = ticks_add(now, 3600000)  # calib.SESSION_MS
            dev.drain(0)  # the event goes out now (when online), not on top of calib in the ring
            gc.collect()
        return None  # the board's step is next: app.py runs it with this module out of the heap
    else:
        raise ValueError("unknown action %r: use pump, feed, clear_lockout, calibrate, outlet or interval"
                         % (action,))
    sys.modules.pop("pumpmode", None)
    gc.collect()  # the pump's actions (their module and garbage) go before their events'
    for kind, detail in events:
        dev.event(kind, detail)
    dev.board.set_pump(st.on)
    return ", ".join(d for _, d in events)


def calibrating(dev, probe, on, why):
    """Mark ``probe`` ("ph", "tds_ppm"; None: every probe) under calibration or not, with its event."""
    for p in ("ph", "tds_ppm"):
        if probe is not None and p != probe or on == (p in dev.cal):
            continue
        name = "pH" if p == "ph" else "TDS/EC"
        if on:
            dev.cal[p] = 0  # (its deadline is set by the caller)
            dev.event("calibration_start", "%s probe under calibration: its readings are not the water's "
                                            "until the session ends" % name)
        else:
            del dev.cal[p]
            dev.event("calibration_end", "%s calibration %s: its readings are the water's again" % (name, why))


def calibrated(dev, args, ok):
    """After the board's calibration step (``ok``: it was done): a save or a cancel ends the session,
    a refused one too (its points are gone)."""
    probe, step = args.get("sensor"), args.get("step")
    if step in ("save", "cancel"):
        calibrating(dev, "tds_ppm" if probe == "tds" else probe, False,
                    ("saved" if step == "save" else "cancelled") if ok else "ended without a new calibration")
