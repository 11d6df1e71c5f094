"""``/healthz`` and Prometheus ``/metrics`` for one gateway, over plain HTTP.

The text format is produced by a pure function (:func:`prometheus_text`); the
server is a daemon thread of the standard library's ``ThreadingHTTPServer``
that only reads a snapshot, so a scrape can never stall ingest.
"""

from __future__ import annotations

import json
import logging
import threading
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Callable, Mapping

log = logging.getLogger("aquamon.gateway.metrics")

# Counters only ever grow (Prometheus `_total`); everything else is a gauge.
GAUGES = frozenset({"spool_bytes", "spool_lines", "spool_files", "inbox", "mqtt_connected", "influx_ok",
                    "write_latency_ms_last"})


def _escape_label(value: str) -> str:
    return value.replace("\\", "\\\\").replace("\n", "\\n").replace('"', '\\"')


def prometheus_text(values: Mapping[str, int | float], instance: str, prefix: str = "aquamon_gateway") -> str:
    """Prometheus exposition text (version 0.0.4) for the gateway's counters.

    ``rejected_<reason>`` counters become one family with a ``reason`` label.

    Examples
    --------
    >>> print(prometheus_text({"received": 3, "rejected_oversized": 1, "spool_bytes": 0}, "gw1"), end="")
    # TYPE aquamon_gateway_received_total counter
    aquamon_gateway_received_total{instance="gw1"} 3
    # TYPE aquamon_gateway_spool_bytes gauge
    aquamon_gateway_spool_bytes{instance="gw1"} 0
    # TYPE aquamon_gateway_rejected_by_reason_total counter
    aquamon_gateway_rejected_by_reason_total{instance="gw1",reason="oversized"} 1
    """
    inst = f'instance="{_escape_label(instance)}"'
    out: list[str] = []
    reasons = sorted((k[len("rejected_"):], v) for k, v in values.items() if k.startswith("rejected_"))
    for name in sorted(k for k in values if not k.startswith("rejected_")):
        if name in GAUGES:
            out.append(f"# TYPE {prefix}_{name} gauge")
            out.append(f"{prefix}_{name}{{{inst}}} {values[name]}")
        else:
            out.append(f"# TYPE {prefix}_{name}_total counter")
            out.append(f"{prefix}_{name}_total{{{inst}}} {values[name]}")
    if reasons:
        out.append(f"# TYPE {prefix}_rejected_by_reason_total counter")
        for reason, n in reasons:
            out.append(f'{prefix}_rejected_by_reason_total{{{inst},reason="{_escape_label(reason)}"}} {n}')
    return "\n".join(out) + "\n"


class MetricsServer:
    """Serve ``/healthz`` (200 when healthy, else 503, JSON either way) and ``/metrics``."""

    def __init__(self, host: str, port: int, snapshot: Callable[[], dict[str, int | float]],
                 health: Callable[[], tuple[bool, dict[str, object]]], instance: str) -> None:
        outer = self

        class Handler(BaseHTTPRequestHandler):
            def do_GET(self) -> None:  # noqa: N802 - http.server's name
                if self.path.split("?")[0] == "/metrics":
                    body = prometheus_text(outer.snapshot(), outer.instance).encode()
                    self._send(200, "text/plain; version=0.0.4; charset=utf-8", body)
                elif self.path.split("?")[0] == "/healthz":
                    ok, detail = outer.health()
                    self._send(200 if ok else 503, "application/json", json.dumps(detail).encode())
                else:
                    self._send(404, "text/plain", b"try /healthz or /metrics\n")

            def _send(self, status: int, ctype: str, body: bytes) -> None:
                self.send_response(status)
                self.send_header("Content-Type", ctype)
                self.send_header("Content-Length", str(len(body)))
                self.end_headers()
                self.wfile.write(body)

            def log_message(self, *args: object) -> None:
                pass  # scrapes every few seconds would flood the log

        self.snapshot = snapshot
        self.health = health
        self.instance = instance
        self.httpd = ThreadingHTTPServer((host, port), Handler)
        self.httpd.daemon_threads = True
        self.port = int(self.httpd.server_address[1])
        self._thread = threading.Thread(target=self.httpd.serve_forever, name="gateway-metrics", daemon=True)

    def start(self) -> "MetricsServer":
        self._thread.start()
        return self

    def stop(self) -> None:
        self.httpd.shutdown()
        self.httpd.server_close()
