# Timer outlets (lights, a turtle's basking and UVB lamps) on daily schedules, as a pure
# function of (state, schedule, clock): no hardware.  The schedule runs on the device's
# own clock: after one NTP sync the ESP32's RTC keeps the time, so the lamps keep their
# hours through a network or broker outage.  Before the first sync the outlets are off
# (the time of day is not known yet).  A signed "outlet" command overrides one outlet
# on or off for a set time; the schedule takes over again when it ends.
# Memory: imported per control cycle and dropped after it, as heater.py; a schedule is a
# tuple (name, on minute, off minute) and a state a list [on, override on, until, overriding].

from ticks import ticks_add, ticks_diff


def minutes(text):
    """"HH:MM" -> minutes after midnight; ValueError otherwise."""
    h, m = text.split(":")
    h, m = int(h), int(m)
    if not (0 <= h < 24 and 0 <= m < 60):
        raise ValueError
    return h * 60 + m


def scheduled(on_min, off_min, minute):
    """Is ``minute`` (after local midnight) inside the on-period?  An on-period may cross midnight."""
    if on_min <= off_min:
        return on_min <= minute < off_min
    return minute >= on_min or minute < off_min


def step(schedules, states, epoch_ms, synced, offset_min, now):
    """Set every state's on flag for this period; returns the names that switched."""
    minute = (epoch_ms // 60000 + offset_min) % 1440
    switched = []
    for i in range(len(schedules)):
        name, on_min, off_min = schedules[i]
        s = states[i]
        if s[3] and ticks_diff(now, s[2]) >= 0:
            s[3] = False
        on = s[1] if s[3] else synced and scheduled(on_min, off_min, minute)
        if on != s[0]:
            s[0] = on
            switched.append(name)
    return switched


def override(schedules, states, args, now):
    """A keeper's signed override {"name", "on": true/false, "minutes"}; returns what was done."""
    name = args.get("name")
    on = args.get("on")
    mins = args.get("minutes")
    if on is not True and on is not False:
        raise ValueError("on must be true or false")
    if not isinstance(mins, int) or isinstance(mins, bool) or not 1 <= mins <= 1440:
        raise ValueError("minutes must be an integer between 1 and 1440")
    for i in range(len(schedules)):
        if schedules[i][0] == name:
            s = states[i]
            s[1], s[2], s[3] = on, ticks_add(now, mins * 60000), True
            return "%s %s for %d min, then back to its schedule" % (name, "on" if on else "off", mins)
    raise ValueError("no timer outlet named %r: see device.json timers" % (name,))
