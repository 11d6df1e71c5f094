"""The analytics' Prometheus metrics: what a keeper's monitoring asks of the thing that watches the tanks.

- ``aquamon_analytics_cycles_total``, ``aquamon_analytics_cycle_duration_seconds`` (histogram): is it
  running, and keeping up?
- ``aquamon_analytics_tanks_evaluated_total`` and ``aquamon_analytics_tanks`` (the last cycle's count).
- ``aquamon_analytics_alerts_firing{alert}``: alerts firing now, over every tank, read at scrape time.
- ``aquamon_analytics_notifications_sent_total{severity}`` and ``..._failed_total{severity}``: did the
  keeper get told?

The service calls :meth:`AnalyticsMetrics.cycle_done` once a cycle and
:meth:`AnalyticsMetrics.notification` once a message; :meth:`AnalyticsMetrics.serve` starts the HTTP
server (``[analytics] metrics_host``, ``metrics_port``).
"""

from __future__ import annotations

import logging
from collections import Counter as Tally
from dataclasses import dataclass
from typing import Any, Callable, Iterator, Mapping

from prometheus_client import CollectorRegistry, Counter, Gauge, Histogram
from prometheus_client.core import CounterMetricFamily, GaugeMetricFamily, InfoMetricFamily, Metric
from prometheus_client.registry import Collector

from aquamon import __version__
from aquamon.metrics import MetricsServer, new_registry, render

log = logging.getLogger("aquamon.analytics.metrics")

PREFIX = "aquamon_analytics"
SEVERITIES = ("critical", "warning", "info")
# a cycle of one tank takes milliseconds; a thousand tanks on a Pi take tens of seconds
CYCLE_BUCKETS = (0.01, 0.05, 0.1, 0.25, 0.5, 1.0, 2.5, 5.0, 10.0, 30.0, 60.0, 120.0, 300.0)


@dataclass
class ScoringStats:
    """Batched drift scoring since start: batches, windows scored, seconds spent (logged on stop)."""

    batches: int = 0
    windows: int = 0
    seconds: float = 0.0

    def add(self, windows: int, seconds: float) -> None:
        self.batches += 1
        self.windows += windows
        self.seconds += seconds

    def text(self) -> str:
        """
        >>> ScoringStats(2, 8, 0.004).text()
        'scored 8 drift windows in 2 batches, 4.0 ms (500 µs a window)'
        """
        return (f"scored {self.windows} drift windows in {self.batches} batches, {self.seconds * 1e3:.1f} ms "
                f"({self.seconds * 1e6 / max(self.windows, 1):.0f} µs a window)")


class _FiringCollector(Collector):
    """Alerts firing now, by alert key, counted over the monitors at scrape time."""

    def __init__(self, monitors: Callable[[], Mapping[str, Any]]) -> None:
        self.monitors = monitors

    def collect(self) -> Iterator[Metric]:
        family = GaugeMetricFamily(f"{PREFIX}_alerts_firing", "Alerts firing now over every tank, by alert.",
                                   labels=["alert"])
        for key, n in sorted(self._count().items()):
            family.add_metric([key], n)
        yield family

    def _count(self) -> Tally[str]:
        # the analytics thread may add a tank while we read: copy, and try again if it did
        for _ in range(5):
            try:
                tally: Tally[str] = Tally()
                for mon in list(self.monitors().values()):
                    for key, st in list(getattr(mon, "alerts", {}).items()):
                        if st.state == "firing":
                            tally[key] += 1
                return tally
            except RuntimeError:
                continue
        return Tally()


#: what the service counts itself (name -> help), exported as counters read at scrape time
LOSS_COUNTS = {
    "late_data_seconds": "Seconds of readings that arrived after their minute was evaluated (never judged again).",
    "skipped_seconds": "Seconds of readings never evaluated: more than the catch-up limit behind.",
    "writes_failed": "Writes of the analytics' own points InfluxDB refused for now (kept, written later).",
    "writes_rejected": "Writes InfluxDB refused for their content (a field-type conflict): logged, not retried.",
}


class _CountsCollector(Collector):
    """The service's own tallies of what it skipped or could not write (:data:`LOSS_COUNTS`)."""

    def __init__(self, counts: Callable[[], Mapping[str, int]]) -> None:
        self.counts = counts

    def collect(self) -> Iterator[Metric]:
        now = self.counts()
        for name, doc in LOSS_COUNTS.items():
            yield CounterMetricFamily(f"{PREFIX}_{name}", doc, value=now.get(name, 0))


class AnalyticsMetrics:
    """The analytics' registry: cycles, tanks, alerts firing, notifications, process metrics.

    Parameters
    ----------
    monitors
        Returns the tank monitors (``{tank: TankMonitor}``), each with ``alerts: {key: AlertState}``.
    name
        This instance (in ``aquamon_analytics_info``), e.g. ``"0/1"`` for shard 0 of 1.

    Examples
    --------
    >>> from types import SimpleNamespace as NS
    >>> mons = {"t1": NS(alerts={"sump_low": NS(state="firing"), "drift": NS(state="ok")})}
    >>> m = AnalyticsMetrics(lambda: mons)
    >>> m.cycle_done(0.3, tanks=1)
    >>> m.notification("critical", delivered=True)
    >>> m.notification("warning", delivered=False)
    >>> text = m.text()
    >>> 'aquamon_analytics_alerts_firing{alert="sump_low"} 1.0' in text
    True
    >>> 'aquamon_analytics_notifications_failed_total{severity="warning"} 1.0' in text
    True
    >>> 'aquamon_analytics_late_data_seconds_total 0.0' in text
    True
    """

    def __init__(self, monitors: Callable[[], Mapping[str, Any]], name: str = "0/1",
                 registry: CollectorRegistry | None = None,
                 counts: Callable[[], Mapping[str, int]] = dict) -> None:
        self.registry = registry if registry is not None else new_registry()
        r = self.registry
        info = InfoMetricFamily(PREFIX, "This analytics instance: its shard and aquamon version.",
                                value={"shard": name, "version": __version__})
        r.register(_Constant(info))
        r.register(_FiringCollector(monitors))
        r.register(_CountsCollector(counts))
        self.cycles = Counter(f"{PREFIX}_cycles", "Evaluation cycles completed.", registry=r)
        self.cycle_seconds = Histogram(f"{PREFIX}_cycle_duration_seconds", "Time of one evaluation cycle "
                                       "over every tank, seconds.", buckets=CYCLE_BUCKETS, registry=r)
        self.tanks_evaluated = Counter(f"{PREFIX}_tanks_evaluated", "Tanks evaluated, summed over cycles.",
                                       registry=r)
        self.tanks = Gauge(f"{PREFIX}_tanks", "Tanks evaluated in the last cycle.", registry=r)
        self.sent = Counter(f"{PREFIX}_notifications_sent", "Notifications delivered to every URL of their "
                            "severity.", ["severity"], registry=r)
        self.failed = Counter(f"{PREFIX}_notifications_failed", "Notifications not delivered (a URL refused, "
                              "or none is configured for the severity).", ["severity"], registry=r)
        for sev in SEVERITIES:  # show zeros from the start: a rate() needs them
            self.sent.labels(sev)
            self.failed.labels(sev)

    def cycle_done(self, seconds: float, tanks: int) -> None:
        """One evaluation cycle took ``seconds`` over ``tanks`` tanks."""
        self.cycles.inc()
        self.cycle_seconds.observe(seconds)
        self.tanks_evaluated.inc(tanks)
        self.tanks.set(tanks)

    def notification(self, severity: str, delivered: bool) -> None:
        """One message of ``severity`` was delivered, or not."""
        (self.sent if delivered else self.failed).labels(severity).inc()

    def text(self) -> str:
        """The Prometheus text exposition."""
        return render(self.registry)[0].decode()

    def serve(self, host: str, port: int) -> MetricsServer | None:
        """Start ``/metrics`` and ``/healthz`` on ``host:port``; None when ``port`` is 0 (off) or taken
        (logged: the analytics go on without it)."""
        if not port:
            return None
        try:
            server = MetricsServer(host, port, self.registry, name="analytics-metrics").start()
        except OSError as e:
            log.error("cannot serve metrics on %s:%d (%s); the analytics go on without them. "
                      "Choose a free [analytics] metrics_port.", host, port, e)
            return None
        log.info("serving /healthz and /metrics on http://%s:%d", host, server.port)
        return server


class _Constant(Collector):
    def __init__(self, family: Metric) -> None:
        self.family = family

    def collect(self) -> Iterator[Metric]:
        yield self.family
