"""What a tank's evaluation tells the world: alert transitions and finished days, as points, topics and pages.

For each step of a tank the service hands over the monitor's transitions
(:meth:`Notifying.transitions`) and each day the monitor closed
(:meth:`Notifying.day`).  Here they become

- the points to write: ``alert`` (one per transition), ``forecast`` (one per
  sensor forecast of the day) and ``summary`` (the day's paragraph, with the
  count of readings that never arrived);
- the retained MQTT topics ``…/alert/{key}`` and ``…/summary``;
- the pager's input (:class:`analytics.pager.Pager`): transitions to decide
  on, and the summary to send in the keeper's morning.

Nothing is written or sent here: the service writes the points with the
cycle's others, and the pager decides and sends once per cycle.
"""

from __future__ import annotations

import logging
from typing import Any, Callable, Iterable, Mapping, Protocol

import numpy as np

from analytics.catalogue import Transition
from analytics.days import DayRecord, ForecastPoint
from analytics.pager import Pager
from analytics.summary import daily_summary, minutes_seen
from aquamon.lineproto import encode_point

log = logging.getLogger("aquamon.analytics")

#: how many readings of each device never arrived in ``[since, until)`` (None when they cannot be counted)
MissingReadings = Callable[[str, int, int], Mapping[str, int] | None]


class Publisher(Protocol):
    """The retained topics (:class:`analytics.broker_link.BrokerLink`)."""

    def publish_alert(self, tank: str, tr: Transition) -> None: ...

    def publish_summary(self, tank: str, end_ms: int, text: str) -> None: ...


def alert_point(tank: str, tr: Transition) -> str:
    """The ``alert`` point of one transition (a value that is not finite is written as 0).

    >>> alert_point("t1", Transition("sump_low", "critical", "firing", "Sump low.", 60_000, float("nan")))
    'alert,key=sump_low,severity=critical,tank=t1 state="firing",summary="Sump low.",value=0.0 60000'
    """
    return encode_point("alert", {"tank": tank, "key": tr.key, "severity": tr.severity},
                        {"state": tr.state, "summary": tr.summary,
                         "value": float(tr.value) if np.isfinite(tr.value) else 0.0}, tr.t_ms)


def forecast_point(tank: str, p: ForecastPoint) -> str:
    """The ``forecast`` point of one sensor's forecast (fields that are not finite are left out)."""
    fields: dict[str, Any] = {k: float(v) for k, v in (("rate_per_day", p.rate_per_day),
                                                       ("days_to_limit", p.days_to_limit), ("low", p.low),
                                                       ("high", p.high), ("limit", p.limit)) if np.isfinite(v)}
    fields["text"] = p.text()
    return encode_point("forecast", {"tank": tank, "sensor": p.sensor}, fields, p.t_ms)


class Notifying:
    """Turn transitions and finished days into points, retained topics and the pager's input.

    Parameters
    ----------
    pager
        Who hears about what (it decides and sends once per cycle).
    publisher
        The retained MQTT topics.
    missing
        Counts the readings that never arrived, for the daily summary.
    """

    def __init__(self, pager: Pager, publisher: Publisher, missing: MissingReadings) -> None:
        self.pager = pager
        self.publisher = publisher
        self.missing = missing

    def transitions(self, tank: str, transitions: list[Transition]) -> list[str]:
        """Publish each transition and hand them to the pager; return their ``alert`` points to write."""
        if not transitions:
            return []
        for tr in transitions:
            self.publisher.publish_alert(tank, tr)
            log.warning("%s %s %s: %s", tank, tr.key, tr.state, tr.summary)
        self.pager.handle(tank, transitions, transitions[-1].t_ms)
        return [alert_point(tank, tr) for tr in transitions]

    def day(self, tank: str, day: DayRecord, t_ms: Iterable[int] | None,
            tds_forecast: ForecastPoint | None = None) -> list[str]:
        """One finished day: its forecasts and summary as points; the summary published and queued for the morning.

        ``t_ms`` are the tank's reading minutes kept (how much of the day was
        seen; None when unknown); ``tds_forecast`` is the latest TDS forecast,
        for a day that made none of its own.
        """
        lines = [forecast_point(tank, p) for p in day.forecasts]
        info = self.pager.take_info(tank)  # a water change due: said in the summary
        end = day.day_start_ms + day.length_ms()
        missing = self.missing(tank, day.day_start_ms, end)
        seen = minutes_seen(t_ms, day.day_start_ms, day.length_ms()) if t_ms is not None else None
        text = daily_summary(tank, day, info, tds_forecast, missing, seen, self.pager.policy.zone)
        fields: dict[str, Any] = {"text": text}
        if missing is not None:
            fields["readings_missing"] = sum(missing.values())
        lines.append(encode_point("summary", {"tank": tank}, fields, end))
        self.publisher.publish_summary(tank, end, text)
        log.warning("%s daily summary: %s", tank, text)
        self.pager.summary(tank, text, end)  # sent in the keeper's morning
        return lines
