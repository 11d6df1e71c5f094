"""The daily summary: one paragraph a keeper reads with their coffee.

It says how much of the day it saw (a "normal" day with 74 minutes of
readings is not a normal day), names alerts in words with the keeper's local
times, and never uses an alert key.

Examples
--------
>>> from analytics.monitor import DayRecord, ForecastPoint, Transition
>>> day = DayRecord(0, {"temp_c": (24.7, 25.0, 25.4), "ph": (7.1, 7.2, 7.3), "tds_ppm": (310, 311, 312)},
...                 [], [ForecastPoint("tds_ppm", 86_400_000, 2.0, 6.2, 4.1, 8.3, 400.0)], [])
>>> print(daily_summary("tank1", day, info=[], minutes_seen=1440))
tank1, Thu 01 Jan 1970: water normal all day (temperature 24.70–25.40 °C, pH 7.10–7.30, TDS 310–312 ppm). No alerts. Forecast: water change due in about 6 days (4–8).
>>> day.fired = [Transition("probe_stuck", "warning", "firing", "The pH probe is stuck.", 80_400_000, 0.0)]
>>> print(daily_summary("tank1", day, minutes_seen=74))
tank1, Thu 01 Jan 1970: readings for only 1 h 14 min of the day (5%) (temperature 24.70–25.40 °C, pH 7.10–7.30, TDS 310–312 ppm). Alerts: probe stuck at 22:20. Forecast: water change due in about 6 days (4–8).
"""

from __future__ import annotations

from datetime import datetime, timezone, tzinfo
from typing import Any, Iterable, Mapping

from analytics.monitor import LABELS, DayRecord, ForecastPoint
from analytics.notify_text import keeper_words, title

FULL_DAY_MINUTES = 1440
#: a day with at least this share of its minutes read counts as seen "all day"
ALL_DAY_SHARE = 0.95


def _range_text(name: str, lo: float, hi: float) -> str:
    label, unit, dec = LABELS.get(name, (name, "", 2))
    return f"{label} {lo:.{dec}f}–{hi:.{dec}f}{unit}"


def coverage_text(minutes_seen: int | None, quiet: bool) -> str:
    """"water normal all day", or how much of the day the readings cover.

    >>> coverage_text(1400, True), coverage_text(600, True), coverage_text(0, False)
    ('water normal all day', 'water normal in the 10 h 0 min of readings (42% of the day)', 'no readings all day')
    """
    if minutes_seen is None:
        return "water normal" if quiet else "an eventful day"
    if minutes_seen <= 0:
        return "no readings all day"
    if minutes_seen >= ALL_DAY_SHARE * FULL_DAY_MINUTES:
        return "water normal all day" if quiet else "an eventful day"
    share = f"{100 * minutes_seen / FULL_DAY_MINUTES:.0f}%"
    span = f"{minutes_seen // 60} h {minutes_seen % 60} min"
    if quiet:
        return f"water normal in the {span} of readings ({share} of the day)"
    return f"readings for only {span} of the day ({share})"


def daily_summary(tank: str, day: DayRecord, info: Iterable[Any] = (), forecast: ForecastPoint | None = None,
                  missing: Mapping[str, int] | None = None, minutes_seen: int | None = None,
                  zone: tzinfo = timezone.utc) -> str:
    """One paragraph: how much of the day was seen, how the water was, what fired or drifted, what is coming.

    ``missing`` counts, per device, the readings that never arrived
    (:func:`analytics.batch.read_missing_readings`); ``minutes_seen`` is how
    many minutes of the day have readings; times are shown in ``zone`` (the
    keeper's, :func:`analytics.notify_policy.keeper_zone`).
    """
    # the day's middle names it: its start is local midnight, in the keeper's zone
    date = datetime.fromtimestamp((day.day_start_ms + 43_200_000) / 1000, tz=zone).strftime("%a %d %b %Y")
    ranges = ", ".join(_range_text(n, lo, hi) for n, (lo, _, hi) in day.stats.items()
                       if n in ("temp_c", "ph", "tds_ppm"))
    fired = [tr for tr in day.fired if tr.severity != "info"]
    drifted = [tr for tr in fired if tr.key in ("drift", "probe_drift")]
    rules = [tr for tr in fired if tr not in drifted]
    quality = coverage_text(minutes_seen, not fired)
    parts = [f"{tank}, {date}: {quality}" + (f" ({ranges})" if ranges else "") + "."]
    if rules:
        parts.append("Alerts: " + "; ".join(f"{title(tr.key)} at {_hhmm(tr.t_ms, zone)}" for tr in rules) + ".")
    if drifted:
        parts.append("Drift: " + " ".join(keeper_words(tr.summary) for tr in drifted))
    if not fired:
        parts.append("No alerts.")
    for tr in info:
        parts.append(keeper_words(tr.summary))
    for note in day.notes:
        parts.append(keeper_words(note[0].upper() + note[1:]) + ".")
    lost = {device: n for device, n in sorted((missing or {}).items()) if n > 0}
    if lost:
        parts.append("Missing readings: " + ", ".join(f"{n} from {device}" for device, n in lost.items())
                     + " (never arrived: check the device's WiFi signal and backlog, and the gateway).")
    points = list(day.forecasts) or ([forecast] if forecast else [])
    tds = [p for p in points if p.sensor == "tds_ppm"]
    if tds:
        parts.append(f"Forecast: {tds[-1].text()}.")
    return " ".join(parts)


def minutes_seen(t_ms: Any, day_start_ms: int, day_ms: int = 86_400_000) -> int:
    """How many 1-minute rows of ``t_ms`` (ms, a numpy array or a list) fall in the day.

    >>> minutes_seen([0, 60_000, 86_400_000], 0)
    2
    """
    return sum(1 for t in t_ms if day_start_ms <= int(t) < day_start_ms + day_ms)


def _hhmm(t_ms: int, zone: tzinfo) -> str:
    return datetime.fromtimestamp(t_ms / 1000, tz=zone).strftime("%H:%M")
