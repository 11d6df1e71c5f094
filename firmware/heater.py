# Heater guard as a pure function of (state, config, inputs, now), as pump.py: no
# hardware, no clock of its own; the app switches the relay to state[ON].
#
# Two ways to wire it (device.json "heater"):
#   set_c > 0   the controller is the thermostat: on below set_c - hyst_c, off at set_c;
#   set_c == 0  guard only: the heater's own thermostat regulates and the relay stays
#               on unless something below switches it off.
# Whatever the mode, in the order step() applies it:
#   1. fallback OFF without a trusted reading: the probe is missing, its reading is
#      stuck (exactly the same value stuck_n more times in a row: a live probe's last
#      digit wobbles, as the analytics' wobble test assumes) or a second probe
#      disagrees by more than disagree_c.  Event "heater_fallback".
#   2. hard cut-off at cutoff_c, on the hotter of the two probes, trusted or not: the
#      heater stays off until the water is back below cutoff_c - rearm_c.  Event
#      "heater_cutoff".  Independent of the thermostat: a wrong set point or a stuck
#      thermostat inside the heater cannot pass it.
#   3. (thermostat mode) on continuously for max_on_ms -> off ("heater_fallback"): a
#      heater that cannot warm the water is broken or out of the water.
#   4. after any stop the relay stays off for min_off_ms (no short-cycling).
# "heater_resume" says when the relay may run again after 1 or 2.
#
# Memory (a 64 KB heap): the app imports this module for each control cycle and drops
# it after, as it does cmdauth per command; so the state is a list of small integers
# (temperatures in hundredths of a degree) and the configuration a tuple, not objects
# whose class would keep the module's code in the heap.  Deadlines carry a flag cleared
# in the step that passes them, so no stale ticks value is compared (see pump.py).

from micropython import const

from ticks import ticks_add, ticks_diff

# the configuration tuple (config()); temperatures in hundredths of a degree C
SET = const(0)
HYST = const(1)
CUTOFF = const(2)
REARM = const(3)
MAX_ON = const(4)
MIN_OFF = const(5)
STUCK_N = const(6)
DISAGREE = const(7)
# the state list (new())
ON = const(0)
ON_SINCE = const(1)
RESTING = const(2)
REST_UNTIL = const(3)
CUT = const(4)
FALLBACK = const(5)  # 0: trusted; else why not (MISSING, STUCK, DISAGREE)
LAST = const(6)  # the last reading (None after a missing one) and how often it repeated since
SAME = const(7)
MISSING = const(1)
STUCK = const(2)
DISAGREES = const(3)


def config(set_c=0.0, hyst_c=0.3, cutoff_c=29.0, rearm_c=1.0, max_on_ms=0, min_off_ms=60000, stuck_n=30,
           disagree_c=1.0):
    """The guard's configuration (degrees C, ms) as the tuple step() takes; ValueError if unsafe."""
    if not 0.0 < cutoff_c <= 40.0 or set_c >= cutoff_c or set_c < 0.0:
        raise ValueError("heater: need 0 <= set_c < cutoff_c <= 40")
    if hyst_c < 0.0 or rearm_c < 0.0 or disagree_c <= 0.0 or max_on_ms < 0 or min_off_ms < 0 or stuck_n < 0:
        raise ValueError("heater: hysteresis, re-arm, disagreement, times and stuck_n must not be negative")
    return (round(set_c * 100), round(hyst_c * 100), round(cutoff_c * 100), round(rearm_c * 100),
            max_on_ms if set_c > 0.0 else 0, min_off_ms, stuck_n, round(disagree_c * 100))


def new():
    return [False, 0, False, 0, False, 0, None, 0]


def step(s, c, t, t2, now):
    """Advance one control period; return [(kind, detail)].  ``t`` is the thermostat's probe,
    ``t2`` the second one, in hundredths of a degree C (round(temp_c * 100)); None when missing."""
    events = []
    if s[RESTING] and ticks_diff(now, s[REST_UNTIL]) >= 0:
        s[RESTING] = False
    blocked = s[CUT] or s[FALLBACK]
    why = 0
    if t is None:
        why = MISSING
        s[LAST] = None
    else:
        if t == s[LAST]:
            s[SAME] += 1
        else:
            s[LAST] = t
            s[SAME] = 0
        if c[STUCK_N] and s[SAME] >= c[STUCK_N]:
            why = STUCK
        elif t2 is not None and abs(t - t2) > c[DISAGREE]:
            why = DISAGREES
    if why and why != s[FALLBACK]:
        if why == MISSING:
            text = "temperature probe missing or failing"
        elif why == STUCK:
            text = "temperature reading stuck at %.2f C" % (t / 100)
        else:
            text = "temperature probes disagree (%.2f and %.2f C)" % (t / 100, t2 / 100)
        events.append(("heater_fallback", text + ": heater off until the probe is trusted again"))
    s[FALLBACK] = why
    hot = t
    if hot is None or (t2 is not None and t2 > hot):
        hot = t2
    if hot is not None:
        if hot >= c[CUTOFF]:
            if not s[CUT]:
                events.append(("heater_cutoff", "heater switched off at %.1f C (cut-off %.1f C)"
                               % (hot / 100, c[CUTOFF] / 100)))
            s[CUT] = True
        elif s[CUT] and hot < c[CUTOFF] - c[REARM]:
            s[CUT] = False
    if blocked and not (s[CUT] or s[FALLBACK]):
        events.append(("heater_resume", "temperature %.1f C and trusted: heater control resumed" % (t / 100)))
    want = not (s[CUT] or s[FALLBACK])
    if want and c[SET]:
        want = t < (c[SET] if s[ON] else c[SET] - c[HYST])
    if want and s[ON] and c[MAX_ON] and ticks_diff(now, s[ON_SINCE]) >= c[MAX_ON]:
        events.append(("heater_fallback", "heater on for %d min without reaching %.1f C: off for a rest "
                                          "(is it broken or out of the water?)" % (c[MAX_ON] // 60000, c[SET] / 100)))
        want = False
    if s[ON] and not want:
        s[ON] = False
        s[RESTING] = True
        s[REST_UNTIL] = ticks_add(now, c[MIN_OFF])
    elif want and not s[ON] and not s[RESTING]:
        s[ON] = True
        s[ON_SINCE] = now
    return events
