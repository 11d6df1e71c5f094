# A keeper's pump actions (a signed command or the button): mode changes and clearing a lockout.
# Apart from pump.py's step so a pump command brings ~0.8 KB into the heap, not the step's ~2.4 KB
# (app.py imports this for the command and drops it after).

from pumpstate import AUTO, FEED, MODES
from ticks import ticks_add


def set_mode(state, cfg, mode, now_ms, minutes=0):
    """A keeper's mode change (command or button); returns events.  Never clears a lockout."""
    if mode not in MODES:
        raise ValueError("unknown pump mode %r: use auto, feed, maintenance or off" % (mode,))
    if mode == FEED:
        ms = int(minutes) * 60000
        if ms <= 0:
            raise ValueError("feed needs a positive number of minutes")
        ms = min(ms, cfg.feed_max_ms)
        if state.mode != FEED:
            state.mode_before_feed = state.mode
        state.mode = FEED
        state.feed_until = ticks_add(now_ms, ms)
        detail = "feed for %d min" % (ms // 60000)
    else:
        state.mode = mode
        detail = mode
    if state.on and mode != AUTO:
        state.stop(cfg, now_ms)
    return [("mode", detail)]


def clear_lockout(state, source, now_ms):
    """Clear a lockout; only a verified command or the physical button may."""
    if source not in ("command", "button"):
        raise ValueError("a lockout is cleared only by a signed command or the button")
    if not state.lockout:
        return []
    state.lockout = False
    state.fault_times = []
    return [("lockout_clear", "cleared by " + source)]

