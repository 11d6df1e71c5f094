"""The daily summary: one paragraph a keeper reads with their coffee.

Examples
--------
>>> from analytics.monitor import DayRecord, ForecastPoint
>>> day = DayRecord(0, {"temp_c": (24.7, 25.0, 25.4), "ph": (7.1, 7.2, 7.3), "tds_ppm": (310, 311, 312)},
...                 [], [ForecastPoint("tds_ppm", 86_400_000, 2.0, 6.2, 4.1, 8.3, 400.0)], [])
>>> print(daily_summary("tank1", day, info=[]))
tank1, Thu 01 Jan 1970: water normal all day (temperature 24.70–25.40 °C, pH 7.10–7.30, TDS 310–312 ppm). No alerts. Forecast: water change due in about 6 days (4–8).
"""

from __future__ import annotations

from datetime import datetime, timezone
from typing import Any, Iterable, Mapping

from analytics.monitor import LABELS, DayRecord, ForecastPoint


def _range_text(name: str, lo: float, hi: float) -> str:
    label, unit, dec = LABELS.get(name, (name, "", 2))
    return f"{label} {lo:.{dec}f}–{hi:.{dec}f}{unit}"


def daily_summary(tank: str, day: DayRecord, info: Iterable[Any] = (), forecast: ForecastPoint | None = None,
                  missing: Mapping[str, int] | None = None) -> str:
    """One paragraph: how the water was, what fired or drifted, what is coming.

    ``missing`` counts, per device, the readings that never arrived
    (:func:`analytics.batch.read_missing_readings`); the keeper is told, because a
    quiet day with holes in it is not the same as a quiet day.
    """
    date = datetime.fromtimestamp(day.day_start_ms / 1000, tz=timezone.utc).strftime("%a %d %b %Y")
    ranges = ", ".join(_range_text(n, lo, hi) for n, (lo, _, hi) in day.stats.items()
                       if n in ("temp_c", "ph", "tds_ppm"))
    fired = [tr for tr in day.fired if tr.severity != "info"]
    drifted = [tr for tr in fired if tr.key in ("drift", "probe_drift")]
    rules = [tr for tr in fired if tr not in drifted]
    quality = "water normal all day" if not fired else "an eventful day"
    parts = [f"{tank}, {date}: {quality}" + (f" ({ranges})" if ranges else "") + "."]
    if rules:
        parts.append("Alerts: " + "; ".join(f"{tr.key} at {_hhmm(tr.t_ms)}" for tr in rules) + ".")
    if drifted:
        parts.append("Drift: " + " ".join(tr.summary for tr in drifted))
    if not fired:
        parts.append("No alerts.")
    for tr in info:
        parts.append(tr.summary)
    for note in day.notes:
        parts.append(note[0].upper() + note[1:] + ".")
    lost = {device: n for device, n in sorted((missing or {}).items()) if n > 0}
    if lost:
        parts.append("Missing readings: " + ", ".join(f"{n} from {device}" for device, n in lost.items())
                     + " (never arrived: check the device's WiFi signal and backlog, and the gateway).")
    points = list(day.forecasts) or ([forecast] if forecast else [])
    tds = [p for p in points if p.sensor == "tds_ppm"]
    if tds:
        parts.append(f"Forecast: {tds[-1].text()}.")
    return " ".join(parts)


def _hhmm(t_ms: int) -> str:
    return datetime.fromtimestamp(t_ms / 1000, tz=timezone.utc).strftime("%H:%M")
