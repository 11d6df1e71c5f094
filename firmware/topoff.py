# Auto top-off (ATO) as a pure function of (state, config, inputs, now), as pump.py: a
# top-off pump or valve refills the sump from a reservoir as water evaporates.
#
# Two independent sensors: the ultrasonic level (fill below fill_below_cm, stop at
# fill_to_cm) and, when fitted, a float switch at the fill mark.  Both must allow a
# start; either one stops it.  It never runs while the sump interlock says the level
# reading cannot be trusted (pump.py: "sump level unknown").
# Limits, each with an event:
#   - max_run_ms per fill, and no rise of min_rise_cm within rise_ms of running (the
#     reservoir is empty, or the top-off pump or its hose failed) -> "topoff_lockout":
#     off until a signed clear_lockout or the button ("topoff_clear");
#   - daily_cap_ml pumped in 24 h (counted from the run time and the pump's rate) ->
#     "topoff_cap": off until the 24 h are over.  A stuck float or a leak cannot empty
#     the reservoir onto the floor.
# Memory: imported per control cycle and dropped after it, as heater.py: the state is a
# list of small integers (levels in mm), the configuration a tuple.

from micropython import const

from ticks import ticks_diff

DAY_MS = const(86400000)
# the configuration tuple (config())
BELOW = const(0)
FULL = const(1)
MAX_RUN = const(2)
ML_PER_MIN = const(3)
CAP = const(4)
RISE_MS = const(5)
MIN_RISE = const(6)
FLOAT = const(7)
# the state list (new())
ON = const(0)
ON_SINCE = const(1)
LAST = const(2)  # ticks of the last step while on (the pumped volume)
START = const(3)  # the level when this fill started (mm)
RISE_CHECKED = const(4)
LOCKOUT = const(5)  # "": none, else why
CAPPED = const(6)
DAY_START = const(7)
DAY_KNOWN = const(8)
USED = const(9)  # ml pumped since DAY_START


def config(fill_below_cm=27.0, fill_to_cm=29.0, max_run_ms=300000, lpm=1.0, daily_cap_ml=5000, rise_ms=120000,
           min_rise_cm=0.3, float_fitted=False):
    """The top-off's configuration as the tuple step() takes; ValueError if it cannot work."""
    if not 0.0 < fill_below_cm < fill_to_cm or max_run_ms <= 0 or lpm <= 0.0 or daily_cap_ml <= 0:
        raise ValueError("topoff: need 0 < fill_below_cm < fill_to_cm and positive run time, rate and cap")
    return (round(fill_below_cm * 10), round(fill_to_cm * 10), max_run_ms, round(lpm * 1000), daily_cap_ml,
            rise_ms, round(min_rise_cm * 10), bool(float_fitted))


def new():
    return [False, 0, 0, 0, False, "", False, 0, False, 0]


def step(s, c, level, float_full, trusted, now):
    """One control period.  ``level``: the ultrasonic level in mm (None: failed); ``float_full``:
    the float switch at the fill mark (True: full; None: not fitted or failed); ``trusted``:
    False when the sump interlock distrusts the level.  Returns [(kind, detail)]."""
    events = []
    if s[ON]:
        s[USED] += ticks_diff(now, s[LAST]) * c[ML_PER_MIN] // 60000
        s[LAST] = now
    if not s[DAY_KNOWN] or ticks_diff(now, s[DAY_START]) >= DAY_MS:
        s[DAY_START] = now
        s[DAY_KNOWN] = True
        s[USED] = 0
        s[CAPPED] = False
    if s[ON]:
        ran = ticks_diff(now, s[ON_SINCE])
        why = ""
        if level is not None and not s[RISE_CHECKED] and ran >= c[RISE_MS]:
            s[RISE_CHECKED] = True
            if level - s[START] < c[MIN_RISE]:
                why = ("the level rose %.1f cm in %d s of topping off: the reservoir is empty or the "
                       "top-off pump failed" % ((level - s[START]) / 10, ran // 1000))
        if not why and ran >= c[MAX_RUN] and not (level is not None and level >= c[FULL]):
            why = "the sump did not fill in %d min of topping off" % (c[MAX_RUN] // 60000)
        if why:
            s[LOCKOUT] = why
            events.append(("topoff_lockout", why + ": top-off locked out until cleared by a signed command "
                                                   "or the button"))
        if s[USED] >= c[CAP] and not s[CAPPED]:
            s[CAPPED] = True
            events.append(("topoff_cap", "%.1f l topped off today, the daily cap: top-off paused for the rest "
                                         "of the day (look for a leak)" % (s[USED] / 1000)))
    allowed = trusted and level is not None and not s[LOCKOUT] and not s[CAPPED]
    allowed = allowed and float_full is not True and not (c[FLOAT] and float_full is None)
    if s[ON]:
        if not allowed or level >= c[FULL]:
            s[ON] = False
    elif allowed and level < c[BELOW]:
        s[ON] = True
        s[ON_SINCE] = s[LAST] = now
        s[START] = level
        s[RISE_CHECKED] = False
    return events


def clear_lockout(s):
    if not s[LOCKOUT]:
        return []
    s[LOCKOUT] = ""
    return [("topoff_clear", "top-off lockout cleared")]
