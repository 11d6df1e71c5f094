# Pump control as a pure function of (state, inputs, now): no hardware, no
# clock of its own, so every reachable case can be tested on a PC (hypothesis
# stateful tests under CPython, unit tests under the MicroPython unix port).
#
# Modes: auto (run unless something forbids it), feed (a timed pause that
# always ends, then back to the mode before it), maintenance (off until a
# keeper releases it), off.
#
# Safety, in the order step() applies it:
#   1. sump level low or unknown -> off in the same step (dry-run protection);
#   2. flow below flow_min_lpm for flow_grace_ms while on -> off, a "fault",
#      a retry after an exponential backoff; the Nth fault within an hour
#      -> "lockout": off until clear_lockout() by a signed command or the button;
#   3. on continuously for max_on_ms (when > 0) -> off for rest_ms;
#   4. after any stop the pump stays off for at least min_off_ms, so a level
#      reading flickering at the threshold cannot short-cycle the motor.
#
# Every deadline is stored with a flag and the flag is cleared in the step
# that passes it, so no ticks value is compared after it has gone stale (the
# ESP32's ticks_ms wraps every 12.4 days; ticks_diff is valid for half that).

from ticks import ticks_diff

# the state and configuration classes live in pumpstate.py, which stays in the heap: an instance
# keeps its class's module (all of its code) alive, so with them here this module could not be
# dropped between control cycles (app.py imports it for a cycle's step only); a keeper's mode
# change and lockout clear are pumpmode.py's (a pump command loads that small module, not this)
from pumpstate import AUTO, FEED, HOUR_MS, LEVEL_UNKNOWN, MAINTENANCE, MODES, OFF, PumpConfig, PumpState  # noqa: F401


def _prune_faults(state, now_ms):
    keep = []
    for t in state.fault_times:
        if ticks_diff(now_ms, t) < HOUR_MS:
            keep.append(t)
    state.fault_times = keep


def step(state, cfg, level_low, flow_lpm, now_ms):
    """Advance the pump one control period; return a list of (kind, detail) events.

    ``level_low`` is True, False, or None when the level sensor failed (treated
    as low: the pump must not run dry on a broken sensor).  ``flow_lpm`` is the
    measured flow or None when the flow sensor failed.
    """
    events = []
    _prune_faults(state, now_ms)
    if state.mode == FEED and ticks_diff(now_ms, state.feed_until) >= 0:
        state.mode = state.mode_before_feed
        events.append(("mode", "feed ended, back to " + state.mode))
    if state.resting and ticks_diff(now_ms, state.rest_until) >= 0:
        state.resting = False

    reason = ""
    if level_low is None:
        reason = LEVEL_UNKNOWN
    elif level_low:
        reason = "sump level low"
    if reason != state.interlock:
        if reason:
            events.append(("interlock", reason))
        else:
            events.append(("interlock_clear", state.interlock))
        state.interlock = reason

    if state.on and cfg.check_flow:
        if flow_lpm is None or flow_lpm < cfg.flow_min_lpm:
            if not state.flow_low:
                state.flow_low = True
                state.flow_low_since = now_ms
            elif ticks_diff(now_ms, state.flow_low_since) >= cfg.flow_grace_ms:
                state.stop(cfg, now_ms)
                state.fault_times.append(now_ms)
                n = len(state.fault_times)
                what = "no flow" if flow_lpm is None else "flow %.2f l/min" % flow_lpm
                if n >= cfg.max_faults_per_hour:
                    state.lockout = True
                    events.append(("fault", what + " with the pump on"))
                    events.append(("lockout", "%d flow faults within an hour: pump locked out until cleared "
                                              "by a signed command or the button" % n))
                else:
                    backoff = min(cfg.retry_max_ms, cfg.retry_base_ms << (n - 1))
                    state.hold_off(now_ms, backoff)
                    events.append(("fault", "%s with the pump on: off, retry in %d s" % (what, backoff // 1000)))
        else:
            state.flow_low = False

    if state.on and cfg.max_on_ms > 0 and ticks_diff(now_ms, state.on_since) >= cfg.max_on_ms:
        state.stop(cfg, now_ms)
        state.hold_off(now_ms, cfg.rest_ms)
        events.append(("fault", "maximum on-time reached: resting %d s" % (cfg.rest_ms // 1000)))

    want_on = state.mode == AUTO and not state.interlock and not state.lockout
    if state.on and not want_on:
        state.stop(cfg, now_ms)
    elif not state.on and want_on and not state.resting:
        state.on = True
        state.on_since = now_ms
        state.flow_low = False
        state.starts += 1
    return events
