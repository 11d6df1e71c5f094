# Pump control as a pure function of (state, inputs, now): no hardware, no
# clock of its own, so every reachable case can be tested on a PC.
#
# Spine version: auto mode with the dry-run interlock.  Modes, flow-loss
# faults, backoff and lockout extend this state machine (firmware issue).

from ticks import ticks_diff

AUTO = "auto"
OFF = "off"


class PumpState:
    def __init__(self):
        self.mode = AUTO
        self.on = False
        self.interlock = ""  # non-empty: why the pump is held off
        self.changed_at = 0


def step(state, level_low, now_ms):
    """Advance the pump state; return a list of (kind, detail) events to publish."""
    events = []
    want_on = state.mode == AUTO
    reason = ""
    if level_low:
        want_on = False
        reason = "sump level low"
    if reason != state.interlock:
        if reason:
            events.append(("interlock", reason))
        else:
            events.append(("interlock_clear", state.interlock))
        state.interlock = reason
    if want_on != state.on:
        state.on = want_on
        state.changed_at = now_ms
    return events


def held_for(state, now_ms):
    return ticks_diff(now_ms, state.changed_at)
