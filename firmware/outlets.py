# The outlets the firmware switches itself besides the pump: the heater guard
# (heater.py), the auto top-off (topoff.py) and timer outlets (timers.py).  The device
# keeps their state (lists of small integers) and configuration (tuples); this module
# and theirs are imported for each control cycle and each outlet command and dropped
# after it, so their code is not in a 64 KB heap while commands are verified, nor
# between cycles.  Every outlet is switched OFF by the app's finally and by main.py.

import sys

HEATER = 0
TOPOFF = 1
TIMERS = 2


def _drop(name):
    sys.modules.pop(name, None)


def setup(c):
    """(outlets, names) from the validated config: outlets is [heater, topoff, timers], each None
    or its (config, state); names are every relay to switch off on the way out."""
    out = [None, None, None]
    names = []
    h = c["heater"]
    if h["enabled"]:
        import heater

        out[HEATER] = (heater.config(h["set_c"], h["hyst_c"], h["cutoff_c"], h["rearm_c"], h["max_on_s"] * 1000,
                                     h["min_off_s"] * 1000, h["stuck_n"], h["disagree_c"]), heater.new())
        names.append("heater")
        _drop("heater")
    t = c["topoff"]
    if t["enabled"]:
        import topoff

        out[TOPOFF] = (topoff.config(t["fill_below_cm"], t["fill_to_cm"], t["max_run_s"] * 1000, t["lpm"],
                                     t["daily_cap_l"] * 1000, t["rise_s"] * 1000, t["min_rise_cm"],
                                     t["float_fitted"]), topoff.new())
        names.append("topoff")
        _drop("topoff")
    if c["timers"]:
        out[TIMERS] = (c["timers"], [[False, False, 0, False] for _ in c["timers"]], c["utc_offset_min"])
        names.extend(s[0] for s in c["timers"])
    return (out, names) if names else (None, names)


def cycle(dev, readings, bad, level_trusted, now):
    """Step every outlet, switch its relay, report its events; returns the telemetry members."""
    b = dev.board
    out = dev.outlets
    extra = ""
    h = out[HEATER]
    if h is not None:
        import heater

        t = readings.get("temp_c") if "temp_c" not in bad else None
        t2 = readings.pop("temp2_c", None)
        events = heater.step(h[1], h[0], None if t is None else round(t * 100),
                             None if t2 is None else round(t2 * 100), now)
        _drop("heater")
        on = h[1][0]
        b.set_outlet("heater", on)
        extra = ',"heater":%d' % on
        for kind, detail in events:
            dev.event(kind, detail)
    t = out[TOPOFF]
    if t is not None:
        import topoff

        level = readings.get("level_cm") if "level_cm" not in bad else None
        events = topoff.step(t[1], t[0], None if level is None else round(level * 10),
                             readings.pop("topoff_full", None), level_trusted, now)
        _drop("topoff")
        on = t[1][0]
        b.set_outlet("topoff", on)
        extra += ',"topoff":%d' % on
        for kind, detail in events:
            dev.event(kind, detail)
    tm = out[TIMERS]
    if tm is not None:
        import timers

        switched = timers.step(tm[0], tm[1], b.epoch_ms(), b.time_synced(), tm[2], now)
        _drop("timers")
        for i in range(len(tm[0])):
            if tm[0][i][0] in switched:
                b.set_outlet(tm[0][i][0], tm[1][i][0])
    return extra


def states(dev):
    """The timer outlets' states for the status message (',"outlets":{...}'), or ""."""
    tm = dev.outlets[TIMERS] if dev.outlets else None
    if tm is None:
        return ""
    return ',"outlets":{%s}' % ",".join('"%s":%d' % (tm[0][i][0], tm[1][i][0]) for i in range(len(tm[0])))


def command(dev, action, args, now):
    """An outlet command: "outlet" (a timer override) or the top-off part of "clear_lockout"."""
    out = dev.outlets
    if action == "outlet":
        tm = out[TIMERS] if out else None
        if tm is None:
            raise ValueError("no timer outlets configured (device.json timers)")
        import timers

        try:
            done = timers.override(tm[0], tm[1], args, now)
        finally:
            _drop("timers")
        dev.event("outlet", done)
        return done
    t = out[TOPOFF] if out else None  # clear_lockout
    if t is None:
        return ""
    import topoff

    events = topoff.clear_lockout(t[1])
    _drop("topoff")
    for kind, detail in events:
        dev.event(kind, detail)
    return ", ".join(d for _, d in events)
