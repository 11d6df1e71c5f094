# Local time from a POSIX TZ rule ("CET-1CEST,M3.5.0,M10.5.0/3"), in integer arithmetic:
# MicroPython has no zoneinfo and the device no time zone database.  devconfig parses the
# rule at boot into (std, dst, start, end): the offsets in minutes east of UTC and the
# daylight-saving start and end as (month, week, weekday, minute) -- month 0 for the day-of-
# year forms, week 1 for "Jn" (1-365, 29 February never counted) and 0 for "n" (0-365).
# A zone without daylight saving needs no rule: devconfig gives the timers a plain offset,
# and this module is imported by outlets only for a zone with one (and dropped with it).
#
# Memory (a 64 KB heap): two functions, no tables; every value is a small integer
# (minutes since 1970 fit in 31 bits until the year 4011).


def days(y, m, d):
    """Days from 1970-01-01 to the civil date ``y``-``m``-``d`` (proleptic Gregorian calendar;
    H. Hinnant's days_from_civil)."""
    if m <= 2:
        y -= 1
        m += 9
    else:
        m -= 3
    era = y // 400
    yoe = y - era * 400
    return era * 146097 + yoe * 365 + yoe // 4 - yoe // 100 + (153 * m + 2) // 5 + d - 719469


def local_minute(utc_min, tz):
    """The local time at UTC minute ``utc_min`` (minutes since 1970), as minutes since 1970, under
    ``tz`` = (std, dst, start, end) from devconfig.tz_rule.  A rule's time is local: the start's in
    standard time, the end's in daylight-saving time, as POSIX says."""
    std, dst, start, end = tz
    day = (utc_min + std) // 1440
    y = 1970 + day * 400 // 146097  # the year of that day, or the one before or after it
    if days(y + 1, 1, 1) <= day:
        y += 1
    elif days(y, 1, 1) > day:
        y -= 1
    a = b = 0
    for r in (start, end):
        m, w, d, t = r
        if m:  # Mm.w.d: weekday d (0 Sunday) of week w (5: the last) of month m
            first = days(y, m, 1)
            day = first + (d - (first + 4) % 7) % 7 + 7 * (w - 1)  # (1970-01-01 was a Thursday)
            last = days(y + m // 12, m % 12 + 1, 1)
            while day >= last:
                day -= 7
        else:
            day = days(y, 1, 1) + d
            if w:  # Jn: day n counted from 1, never counting 29 February
                day -= 1
                if d >= 60 and days(y, 3, 1) - days(y, 2, 1) == 29:
                    day += 1
        a, b = b, day * 1440 + t
    a -= std  # the start, in UTC
    b -= dst  # the end, in UTC
    if a < b:
        summer = a <= utc_min < b
    else:  # southern hemisphere: daylight saving across the new year
        summer = not b <= utc_min < a
    return utc_min + (dst if summer else std)
