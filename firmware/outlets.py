# The outlets the firmware switches itself besides the pump, as pure functions of
# (state, configuration, inputs, now) like pump.py -- no hardware, no clock of their own:
#
# Heater guard (heater_step).  Two ways to wire it (device.json "heater"):
#   set_c > 0   the controller is the thermostat: on below set_c - hyst_c, off at set_c;
#   set_c == 0  guard only: the heater's own thermostat regulates and the relay stays
#               on unless something below switches it off.
# Whatever the mode, in this order:
#   1. fallback OFF without a trusted reading: the probe is missing, its reading is
#      stuck (exactly the same value stuck_n more times in a row: a live probe's last
#      digit wobbles, as the analytics' wobble test assumes) or a second probe
#      disagrees by more than disagree_c.  Event "heater_fallback".
#   2. hard cut-off at cutoff_c, on the hotter of the two probes, trusted or not: the
#      heater stays off until the water is back below cutoff_c - rearm_c.  Event
#      "heater_cutoff".  Independent of the thermostat: a wrong set point or a stuck
#      thermostat inside the heater cannot pass it.
#   3. (thermostat mode) on continuously for max_on_s -> off ("heater_fallback"): a
#      heater that cannot warm the water is broken or out of the water.
#   4. after any stop the relay stays off for min_off_s (no short-cycling).
#   "heater_resume" says when the relay may run again after 1 or 2.
#
# Auto top-off (topoff_step): a pump or valve refills the sump from a reservoir.  Two
# independent sensors: the ultrasonic level (fill below fill_below_cm, stop at
# fill_to_cm) and, when fitted, a float switch at the fill mark.  Both must allow a
# start; either one stops it.  It never runs while the sump interlock says the level
# reading cannot be trusted (pump.py: LEVEL_UNKNOWN).  Limits, each with an event:
#   - max_run_s per fill, and no rise of min_rise_cm within rise_s of running (the
#     reservoir is empty, or the top-off pump or its hose failed) -> "topoff_lockout":
#     off until a signed clear_lockout or the button ("topoff_clear");
#   - daily_cap_l pumped in 24 h (from the run time and the pump's rate) -> "topoff_cap":
#     off until the 24 h are over.  A stuck float or a leak cannot empty the reservoir
#     onto the floor.
#
# Timer outlets (timers_step): lights, a turtle's basking and UVB lamps on daily
# schedules in local time (device.json "tz", a POSIX TZ rule with its daylight-saving dates,
# computed by tzrule.py; or a fixed utc_offset_min).  They run on the device's own clock: after
# one NTP sync the ESP32's RTC keeps the time, so the lamps keep their hours through a
# network or broker outage; before the first sync they are off (the time of day is not
# known).  A signed "outlet" command overrides one for a set time ("outlet" event).
#
# Memory (a 64 KB heap): every function here costs heap while the module is loaded, so
# there are few; the state is lists of small integers (temperatures in hundredths of a
# degree, levels in mm) kept by the device, the configurations tuples made by devconfig
# at boot.  The module holds nothing itself: the app drops it while it verifies and runs
# a command and the next cycle imports it again.  Deadlines carry a flag cleared in the
# step that passes them, so no stale ticks value is compared (see pump.py).

from micropython import const

from ticks import ticks_add, ticks_diff

# the heater configuration tuple (devconfig); temperatures in hundredths of a degree C
_H_SET = const(0)
_H_HYST = const(1)
_H_CUTOFF = const(2)
_H_REARM = const(3)
_H_MAX_ON = const(4)
_H_MIN_OFF = const(5)
_H_STUCK_N = const(6)
_H_DISAGREE = const(7)
# the heater state list (HEATER_STATE)
_H_ON = const(0)
_H_ON_SINCE = const(1)
_H_RESTING = const(2)
_H_REST_UNTIL = const(3)
_H_CUT = const(4)
_H_FALLBACK = const(5)  # 0: trusted; else why not (_H_MISSING, _H_STUCK, _H_DISAGREES)
_H_LAST = const(6)  # the last reading (None after a missing one) and how often it repeated since
_H_SAME = const(7)
_H_MISSING = const(1)
_H_STUCK = const(2)
_H_DISAGREES = const(3)
_H_MAX_ON_REST = const(4)  # (set by a maximum on-time stop for one step)



def heater_step(s, c, t, t2, now):
    """Advance the heater guard one control period; return [(kind, detail)] and, for "heater_fallback",
    [(kind, detail, cause)].  ``t`` is the thermostat's probe,
    ``t2`` the second one, in hundredths of a degree C (round(temp_c * 100)); None when missing."""
    events: list = []  # (kind, detail) and (kind, detail, cause)
    if s[_H_RESTING] and ticks_diff(now, s[_H_REST_UNTIL]) >= 0:
        s[_H_RESTING] = False
    blocked = s[_H_CUT] or s[_H_FALLBACK]
    why = 0
    if t is None:
        why = _H_MISSING
        s[_H_LAST] = None
    else:
        if t == s[_H_LAST]:
            s[_H_SAME] += 1
        else:
            s[_H_LAST] = t
            s[_H_SAME] = 0
        if c[_H_STUCK_N] and s[_H_SAME] >= c[_H_STUCK_N]:
            why = _H_STUCK
        elif t2 is not None and abs(t - t2) > c[_H_DISAGREE]:
            why = _H_DISAGREES
    if why and why != s[_H_FALLBACK]:
        # the cause (the event's "cause" member, one of aquamon/contract.py's EVENT_CAUSES): the
        # analytics and the keeper tell a probe to check from a heater to check
        if why == _H_MISSING:
            cause, text = "probe_missing", "the temperature probe is missing or failing"
        elif why == _H_STUCK:
            cause, text = "probe_stuck", "the temperature probe is stuck at %.2f C" % (t / 100)
        else:
            cause = "probes_disagree"
            text = "the two temperature probes disagree (%.2f and %.2f C)" % (t / 100, t2 / 100)
        events.append(("heater_fallback", text + " (heater off until the reading is trusted again)", cause))
    s[_H_FALLBACK] = why
    hot = t
    if hot is None or (t2 is not None and t2 > hot):
        hot = t2
    if hot is not None:
        if hot >= c[_H_CUTOFF]:
            if not s[_H_CUT]:
                events.append(("heater_cutoff", "heater switched off at %.1f C (cut-off %.1f C)"
                               % (hot / 100, c[_H_CUTOFF] / 100)))
            s[_H_CUT] = True
        elif s[_H_CUT] and hot < c[_H_CUTOFF] - c[_H_REARM]:
            s[_H_CUT] = False
    if blocked and not (s[_H_CUT] or s[_H_FALLBACK]):
        events.append(("heater_resume", "temperature %.1f C and trusted: heater control resumed" % (t / 100)))
    want = not (s[_H_CUT] or s[_H_FALLBACK])
    if want and c[_H_SET]:
        want = t < (c[_H_SET] if s[_H_ON] else c[_H_SET] - c[_H_HYST])
    if want and s[_H_ON] and c[_H_MAX_ON] and ticks_diff(now, s[_H_ON_SINCE]) >= c[_H_MAX_ON]:
        events.append(("heater_fallback", "the heater ran %d min without reaching %.1f C (off for a rest: is it "
                       "broken or out of the water?)" % (c[_H_MAX_ON] // 60000, c[_H_SET] / 100), "max_on"))
        # the next step says "heater_resume" (its rest is min_off_s): the alert is not held for good
        s[_H_FALLBACK] = _H_MAX_ON_REST
        want = False
    if s[_H_ON] and not want:
        s[_H_ON] = False
        s[_H_RESTING] = True
        s[_H_REST_UNTIL] = ticks_add(now, c[_H_MIN_OFF])
    elif want and not s[_H_ON] and not s[_H_RESTING]:
        s[_H_ON] = True
        s[_H_ON_SINCE] = now
    return events


_DAY_MS = const(86400000)
# the top-off configuration tuple (devconfig)
_T_BELOW = const(0)
_T_FULL = const(1)
_T_MAX_RUN = const(2)
_T_ML_PER_MIN = const(3)
_T_CAP = const(4)
_T_RISE_MS = const(5)
_T_MIN_RISE = const(6)
_T_FLOAT = const(7)
# the top-off state list (TOPOFF_STATE)
_T_ON = const(0)
_T_ON_SINCE = const(1)
_T_LAST = const(2)  # ticks of the last step while on (the pumped volume)
_T_START = const(3)  # the level when this fill started (mm)
_T_RISE_CHECKED = const(4)
_T_LOCKOUT = const(5)  # "": none, else why
_T_CAPPED = const(6)
_T_DAY_START = const(7)
_T_DAY_KNOWN = const(8)
_T_USED = const(9)  # ml pumped since _T_DAY_START



def topoff_step(s, c, level, float_full, trusted, now):
    """Advance the top-off one control period.  ``level``: the ultrasonic level in mm (None: failed); ``float_full``:
    the float switch at the fill mark (True: full; None: not fitted or failed); ``trusted``:
    False when the sump interlock distrusts the level.  Returns [(kind, detail)]."""
    events = []
    if s[_T_ON]:
        s[_T_USED] += ticks_diff(now, s[_T_LAST]) * c[_T_ML_PER_MIN] // 60000
        s[_T_LAST] = now
    if not s[_T_DAY_KNOWN] or ticks_diff(now, s[_T_DAY_START]) >= _DAY_MS:
        s[_T_DAY_START] = now
        s[_T_DAY_KNOWN] = True
        s[_T_USED] = 0
        s[_T_CAPPED] = False
    if s[_T_ON]:
        ran = ticks_diff(now, s[_T_ON_SINCE])
        why = ""
        if level is not None and not s[_T_RISE_CHECKED] and ran >= c[_T_RISE_MS]:
            s[_T_RISE_CHECKED] = True
            if level - s[_T_START] < c[_T_MIN_RISE]:
                why = ("the level rose %.1f cm in %d s of topping off: the reservoir is empty or the "
                       "top-off pump failed" % ((level - s[_T_START]) / 10, ran // 1000))
        if not why and ran >= c[_T_MAX_RUN] and not (level is not None and level >= c[_T_FULL]):
            why = "the sump did not fill in %d min of topping off" % (c[_T_MAX_RUN] // 60000)
        if why:
            s[_T_LOCKOUT] = why
            events.append(("topoff_lockout", why + ": top-off locked out until cleared by a signed command "
                                                   "or the button"))
        if s[_T_USED] >= c[_T_CAP] and not s[_T_CAPPED]:
            s[_T_CAPPED] = True
            events.append(("topoff_cap", "%.1f l topped off today, the daily cap: top-off paused for the rest "
                                         "of the day (look for a leak)" % (s[_T_USED] / 1000)))
    allowed = trusted and level is not None and not s[_T_LOCKOUT] and not s[_T_CAPPED]
    allowed = allowed and float_full is not True and not (c[_T_FLOAT] and float_full is None)
    if s[_T_ON]:
        if not allowed or level >= c[_T_FULL]:
            s[_T_ON] = False
    elif allowed and level < c[_T_BELOW]:
        s[_T_ON] = True
        s[_T_ON_SINCE] = s[_T_LAST] = now
        s[_T_START] = level
        s[_T_RISE_CHECKED] = False
    return events


def timers_step(schedules, states, epoch_ms, synced, tz, now):
    """Set each timer outlet's state[0] (on) for this period; True if any switched.  A schedule
    is (name, on minute, off minute) after local midnight (an on-period may cross midnight), a
    state [on, override on, override until, overriding]; ``tz`` the local time's offset from UTC
    in minutes, or a daylight-saving rule (devconfig.tz_rule, computed by tzrule)."""
    minute = epoch_ms // 60000
    if isinstance(tz, int):
        minute += tz
    else:
        import tzrule  # (only a zone with daylight saving needs it; the app drops it with this module)

        minute = tzrule.local_minute(minute, tz)
    minute %= 1440
    switched = False
    for i in range(len(schedules)):
        on_min, off_min = schedules[i][1], schedules[i][2]
        s = states[i]
        if s[3] and ticks_diff(now, s[2]) >= 0:
            s[3] = False
        if s[3]:
            on = s[1]
        elif on_min <= off_min:
            on = synced and on_min <= minute < off_min
        else:
            on = synced and (minute >= on_min or minute < off_min)
        if on != s[0]:
            s[0] = on
            switched = True
    return switched


def cycle(dev, readings, bad, level_trusted, now):
    """Step every configured outlet and switch its relay; returns (the telemetry members,
    e.g. ',"heater":1,"topoff":0', and the events [(kind, detail)] for the device to send
    once this module is out of the heap)."""
    b = dev.board
    out = dev.outlets  # [heater (config, state) or None, topoff (config, state) or None, timers or None]
    extra = ""
    events = []
    h = out[0]
    if h is not None:
        t = readings.get("temp_c") if "temp_c" not in bad else None
        t2 = readings.pop("temp2_c", None)
        events = heater_step(h[1], h[0], None if t is None else round(t * 100),
                             None if t2 is None else round(t2 * 100), now)
        b.set_outlet("heater", h[1][0])
        extra = ',"heater":%d' % h[1][0]
    t = out[1]
    if t is not None:
        level = readings.get("level_cm") if "level_cm" not in bad else None
        events += topoff_step(t[1], t[0], None if level is None else round(level * 10),
                              readings.pop("topoff_full", None), level_trusted, now)
        b.set_outlet("topoff", t[1][0])
        extra += ',"topoff":%d' % t[1][0]
    tm = out[2]
    if tm is not None and timers_step(tm[0], tm[1], b.epoch_ms(), b.time_synced(), tm[2], now):
        for i in range(len(tm[0])):
            b.set_outlet(tm[0][i][0], tm[1][i][0])
    return extra, events


def command(dev, action, args, now):
    """The "outlet" command {"name", "on": true/false, "minutes"}: overrides a timer outlet for a while.
    Returns what was done.  (A top-off lockout is cleared by pumpmode.clear_lockout, with the pump's.)"""
    tm = dev.outlets[2]
    name = args.get("name")
    on = args.get("on")
    mins = args.get("minutes")
    if on is not True and on is not False:
        raise ValueError("on must be true or false")
    if not isinstance(mins, int) or isinstance(mins, bool) or not 1 <= mins <= 1440:
        raise ValueError("minutes must be an integer between 1 and 1440")
    for i in range(len(tm[0]) if tm else 0):
        if tm[0][i][0] == name:
            s = tm[1][i]
            s[1], s[2], s[3] = on, ticks_add(now, mins * 60000), True
            done = "%s %s for %d min, then back to its schedule" % (name, "on" if on else "off", mins)
            dev.event("outlet", done)
            return done
    raise ValueError("no timer outlet named %r: see device.json timers" % (name,))
