# A keeper's actions on the pumps (a signed command or the button): the pump's mode changes, and
# clearing the pump's lockout and the top-off's.  Apart from pump.py's step so such a command brings
# ~0.8 KB into the heap, not the step's ~2.4 KB, nor outlets.py's ~1.6 KB (devcmd.py and app.py import
# this for the command or the button and drop it after).

from pumpstate import AUTO, FEED, MODES
from ticks import ticks_add

# outlets.py's _T_LOCKOUT: where the top-off's state list keeps why it is locked out ("": not); a
# plain int, not a const(): this module runs under CPython's tests too
_T_LOCKOUT = 5


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


def clear_lockout(state, source, now_ms, topoff=None):
    """Clear the pump's lockout and, given ``topoff`` (the top-off's state list, outlets.py), the top-off's;
    only a verified command or the physical button may.  Returns the events."""
    if source not in ("command", "button"):
        raise ValueError("a lockout is cleared only by a signed command or the button")
    events = []
    if state.lockout:
        state.lockout = False
        state.fault_times = []
        events.append(("lockout_clear", "cleared by " + source))
    if topoff is not None and topoff[_T_LOCKOUT]:
        topoff[_T_LOCKOUT] = ""
        events.append(("topoff_clear", "top-off lockout cleared"))
    return events

