"""The gateway's Prometheus metrics, and its ``/healthz`` and ``/metrics`` server.

The gateway's counters stay plain integers in its ``Counter`` (they also go to the ``gateway``
measurement in InfluxDB); :class:`GatewayCollector` turns a snapshot of them into metric families at
scrape time, by the Prometheus rules: counters end in one ``_total``, times are in seconds, every
family has a ``HELP`` line, and the reject reasons are one family with a ``reason`` label.  The write
latency is a histogram observed by the writer (:meth:`GatewayMetrics.observe_write`).
"""

from __future__ import annotations

from typing import Callable, Iterator, Mapping

from prometheus_client import CollectorRegistry, Histogram
from prometheus_client.core import CounterMetricFamily, GaugeMetricFamily, InfoMetricFamily, Metric
from prometheus_client.registry import Collector

from aquamon import __version__
from aquamon.metrics import Health, MetricsServer, new_registry, render

PREFIX = "aquamon_gateway"
Snapshot = Callable[[], Mapping[str, "int | float"]]

# snapshot key -> (type, help).  Keys not listed are exported as counters with a generic HELP line,
# so a counter added to the gateway is never lost from /metrics.
SERIES: dict[str, tuple[str, str]] = {
    "received": ("counter", "MQTT messages received."),
    "written": ("counter", "Points written to InfluxDB."),
    "rejected": ("counter", "Messages rejected by validation (every reason; see rejected_by_reason)."),
    "values_rejected": ("counter", "Single sensor values dropped from otherwise valid readings."),
    "seq_gaps": ("counter", "Gaps in a device's sequence numbers (readings that never arrived)."),
    "seq_repeats": ("counter", "Readings whose sequence number was seen before (redeliveries)."),
    "write_retries": ("counter", "InfluxDB writes that failed and will be retried."),
    "write_requests": ("counter", "HTTP write requests sent to InfluxDB."),
    "dropped_by_server": ("counter", "Lines InfluxDB refused as invalid (dropped, logged)."),
    "spooled": ("counter", "Lines written to the local spool while InfluxDB could not take them."),
    "replayed": ("counter", "Spooled lines written to InfluxDB later."),
    "spool_full": ("counter", "Times the spool was full when data had to be kept."),
    "spool_dropped": ("counter", "Spooled lines deleted to make room (full_policy = drop_oldest)."),
    "spool_lines": ("gauge", "Lines waiting in the spool."),
    "spool_bytes": ("gauge", "Bytes in the spool."),
    "spool_files": ("gauge", "Files in the spool."),
    "inbox": ("gauge", "Messages received and not yet written or spooled."),
    "mqtt_connected": ("gauge", "1 while connected to the broker."),
    "influx_ok": ("gauge", "1 while InfluxDB takes writes (0 during an outage or a throttle)."),
}
# Millisecond figures are covered by the write-duration histogram (seconds) and are not exported.
NOT_EXPORTED = frozenset({"write_ms_total", "write_latency_ms_last"})
# From 5 ms (a batch on a idle local server) to 60 s (timeouts and retries)
WRITE_BUCKETS = (0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 2.5, 5.0, 10.0, 30.0, 60.0)


class GatewayCollector(Collector):
    """Metric families from a snapshot of the gateway's counters, read at each scrape."""

    def __init__(self, snapshot: Snapshot, name: str) -> None:
        self.snapshot = snapshot
        self.name = name

    def collect(self) -> Iterator[Metric]:
        yield InfoMetricFamily(PREFIX, "This gateway: its [gateway] instance name and aquamon version.",
                               value={"name": self.name, "version": __version__})
        values = self.snapshot()
        reasons = CounterMetricFamily(f"{PREFIX}_rejected_by_reason", "Messages rejected by validation, by reason.",
                                      labels=["reason"])
        for key in sorted(values):
            value = float(values[key])
            if key.startswith("rejected_"):
                reasons.add_metric([key[len("rejected_"):]], value)
                continue
            if key in NOT_EXPORTED:
                continue
            kind, text = SERIES.get(key, ("counter", f"Gateway counter {key}."))
            family = GaugeMetricFamily if kind == "gauge" else CounterMetricFamily
            yield family(f"{PREFIX}_{key}", text, value=value)
        yield reasons


class GatewayMetrics:
    """The gateway's registry: its counters, the write-latency histogram and the process metrics.

    Examples
    --------
    >>> m = GatewayMetrics(lambda: {"received": 3, "rejected_oversized": 1, "spool_bytes": 0}, "gw1")
    >>> m.observe_write(0.02)
    >>> text = m.text()
    >>> print("\\n".join(l for l in text.splitlines() if l.startswith("aquamon_gateway_r")))
    aquamon_gateway_received_total 3.0
    aquamon_gateway_rejected_by_reason_total{reason="oversized"} 1.0
    >>> 'aquamon_gateway_write_duration_seconds_bucket{le="0.025"} 1.0' in text
    True
    """

    def __init__(self, snapshot: Snapshot, name: str, registry: CollectorRegistry | None = None) -> None:
        self.registry = registry if registry is not None else new_registry()
        self.registry.register(GatewayCollector(snapshot, name))
        self._write_seconds = Histogram(f"{PREFIX}_write_duration_seconds",
                                        "Time to write one batch to InfluxDB (every slice; writes that succeeded), seconds.",
                                        buckets=WRITE_BUCKETS, registry=self.registry)

    def observe_write(self, seconds: float) -> None:
        """Record one batch write (successful or not) that took ``seconds``."""
        self._write_seconds.observe(seconds)

    def text(self) -> str:
        """The Prometheus text exposition (what a scraper that asks for plain text gets)."""
        return render(self.registry)[0].decode()

    def serve(self, host: str, port: int, health: Health) -> MetricsServer:
        """Start ``/metrics`` and ``/healthz`` on ``host:port``; raises OSError if it cannot bind."""
        return MetricsServer(host, port, self.registry, health, name="gateway-metrics").start()
