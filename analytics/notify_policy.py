"""When a keeper may be woken: named time zones, quiet hours, the morning, and the push budget.

Time is the data's own (ms since the epoch, UTC); what a keeper calls "night"
and "morning" is local time in a named zone (``Europe/Berlin``), so quiet hours
follow the clock change twice a year.  The older fixed ``utc_offset_minutes``
still works and says it is deprecated.

Examples
--------
>>> p = NotifyPolicy(quiet_hours="22:00-07:00", zone=zone_named("Europe/Berlin"))
>>> JAN, JUL = 1_767_225_600_000, 1_782_864_000_000  # 2026-01-01 and 2026-07-01, 00:00 UTC
>>> [p.quiet(JAN + h * 3_600_000) for h in (5, 6, 21)]  # 06:00, 07:00 and 22:00 in Berlin (UTC+1)
[True, False, True]
>>> (p.quiet_ends(JUL) - JUL) // 3_600_000  # summer (UTC+2): 07:00 in Berlin is 05:00 UTC
5
>>> (p.morning(JAN) - JAN) // 3_600_000  # the summary waits for the end of quiet hours
6
"""

from __future__ import annotations

import logging
import warnings
from dataclasses import dataclass, field
from datetime import datetime, timedelta, timezone, tzinfo
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

log = logging.getLogger("aquamon.notify")
MIN_MS = 60_000
ALL_CLEAR = ("quiet", "send", "none")


def zone_named(name: str) -> tzinfo:
    """The IANA time zone ``name`` ("Europe/Berlin", "UTC"); ValueError with what to do if unknown.

    >>> zone_named("UTC").key
    'UTC'
    >>> zone_named("Europe/Berlinn")
    Traceback (most recent call last):
    ...
    ValueError: time_zone 'Europe/Berlinn' is not a time zone name; use one like "Europe/Berlin" or "America/New_York" (the IANA names; install the tzdata package if none is found)
    """
    try:
        return ZoneInfo(name)
    except (ZoneInfoNotFoundError, ValueError):
        raise ValueError(f"time_zone {name!r} is not a time zone name; use one like \"Europe/Berlin\" or "
                         "\"America/New_York\" (the IANA names; install the tzdata package if none is found)") from None


def keeper_zone(time_zone: str = "", utc_offset_minutes: int = 0) -> tzinfo:
    """The keeper's zone from the ``[alerts]`` options: ``time_zone`` by name, else the deprecated fixed offset.

    Reports and summaries use it too (``datetime.fromtimestamp(t, keeper_zone(...))``).

    >>> keeper_zone("Europe/Paris").key, keeper_zone().tzname(None)
    ('Europe/Paris', 'UTC')
    """
    if time_zone:
        return zone_named(time_zone)
    if utc_offset_minutes:
        text = ("[alerts] utc_offset_minutes is deprecated: a fixed offset is an hour off for half the year "
                "wherever clocks change; set time_zone = \"Region/City\" instead")
        warnings.warn(text, DeprecationWarning, stacklevel=2)
        log.warning("%s", text)
        return timezone(timedelta(minutes=utc_offset_minutes))
    return timezone.utc


def local_time(t_ms: int, zone: tzinfo) -> datetime:
    """``t_ms`` as an aware local datetime in ``zone``.

    >>> local_time(0, zone_named("Asia/Tokyo")).strftime("%H:%M")
    '09:00'
    """
    return datetime.fromtimestamp(t_ms / 1000, tz=zone)


def clock_text(t_ms: int, zone: tzinfo) -> str:
    """"02:18": a time as the keeper's clock shows it."""
    return local_time(t_ms, zone).strftime("%H:%M")


def parse_hhmm(text: str, what: str) -> int:
    """Minutes after midnight of "HH:MM"; ValueError naming ``what`` otherwise.

    >>> parse_hhmm("07:30", "summary_time")
    450
    """
    try:
        h, m = text.strip().split(":")
        minutes = int(h) * 60 + int(m)
        if not (0 <= int(h) < 24 and 0 <= int(m) < 60):
            raise ValueError
    except ValueError:
        raise ValueError(f"{what} {text!r} must be a time like 07:30 (hours 00-23, minutes 00-59)") from None
    return minutes


def next_local(t_ms: int, minute_of_day: int, zone: tzinfo) -> int:
    """The first time at or after ``t_ms`` when the keeper's clock shows ``minute_of_day``.

    On a day the clock skips that time (spring forward), the moment the clock jumps is taken.
    """
    here = local_time(t_ms, zone)
    for days in range(0, 3):
        day = (here + timedelta(days=days)).date()
        naive = datetime(day.year, day.month, day.day, minute_of_day // 60, minute_of_day % 60)
        at = int(naive.replace(tzinfo=zone).timestamp() * 1000)
        if at >= t_ms:
            return at
    return t_ms  # pragma: no cover - a day always has the time or the jump over it


@dataclass
class NotifyPolicy:
    """Who may be woken when, and how many pushes an incident may cost.

    Parameters
    ----------
    quiet_hours
        "HH:MM-HH:MM" in the keeper's ``zone`` ("" = none): only critical alerts push then.
    zone
        The keeper's time zone (:func:`keeper_zone`).
    renotify_minutes
        Spacing of reminders of an open, unacknowledged critical incident (0 = none).
    critical_per_incident
        Pushes at critical priority one incident may cost: the first page, then critical reminders.
    reminders_per_incident
        Further reminders, at warning priority and only outside quiet hours.
    all_clear
        "quiet": the all-clear goes at info priority, held for the morning during quiet hours;
        "send": at info priority at once, also at night; "none": only in the morning summary.
    summary_time
        "HH:MM" for the daily summary; "" = when quiet hours end (at once without quiet hours).
    """

    quiet_hours: str = "22:00-07:00"
    zone: tzinfo = field(default=timezone.utc)
    renotify_minutes: int = 60
    critical_per_incident: int = 1
    reminders_per_incident: int = 2
    all_clear: str = "quiet"
    summary_time: str = ""

    def __post_init__(self) -> None:
        self._bounds = None
        if self.quiet_hours:
            a, sep, b = self.quiet_hours.partition("-")
            if not sep:
                raise ValueError(f"quiet_hours {self.quiet_hours!r} must look like 22:00-07:00")
            self._bounds = (parse_hhmm(a, "quiet_hours start"), parse_hhmm(b, "quiet_hours end"))
        self._summary_minute = parse_hhmm(self.summary_time, "summary_time") if self.summary_time else None
        if self.all_clear not in ALL_CLEAR:
            raise ValueError(f"all_clear {self.all_clear!r}: use one of {', '.join(ALL_CLEAR)}")
        if self.critical_per_incident < 1:
            raise ValueError("critical_per_incident must be at least 1 (the first page of a critical incident)")
        if self.reminders_per_incident < 0 or self.renotify_minutes < 0:
            raise ValueError("reminders_per_incident and renotify_minutes must not be negative")

    def _minute(self, t_ms: int) -> int:
        here = local_time(t_ms, self.zone)
        return here.hour * 60 + here.minute

    def quiet(self, t_ms: int) -> bool:
        """True inside quiet hours (the keeper's local clock)."""
        if self._bounds is None or self._bounds[0] == self._bounds[1]:
            return False
        m, (start, end) = self._minute(t_ms), self._bounds
        return start <= m < end if start < end else (m >= start or m < end)

    def quiet_ends(self, t_ms: int) -> int:
        """The first time at or after ``t_ms`` outside quiet hours."""
        if self._bounds is None or not self.quiet(t_ms):
            return t_ms
        return next_local(t_ms, self._bounds[1], self.zone)

    def morning(self, t_ms: int) -> int:
        """When a daily summary made at ``t_ms`` goes out: ``summary_time``, else the end of quiet hours."""
        if self._summary_minute is not None:
            at = next_local(t_ms, self._summary_minute, self.zone)
            return self.quiet_ends(at)  # a summary_time inside quiet hours waits for their end
        return self.quiet_ends(t_ms)
