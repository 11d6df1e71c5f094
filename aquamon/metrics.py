"""``/metrics`` (Prometheus) and ``/healthz`` over plain HTTP, shared by the gateway and the analytics.

The exposition is the Prometheus client's own (:mod:`prometheus_client`), so names, ``HELP``/``TYPE``
lines, escaping and content negotiation (text 0.0.4 or OpenMetrics) follow the ecosystem's rules.
Each part has its own :class:`~prometheus_client.CollectorRegistry` holding its metrics and the
process collectors (``process_*``, ``python_*``): no global state, so several parts can live in one
process (the tests do).  The server is a daemon thread of the standard library's
``ThreadingHTTPServer`` that only reads: a scrape never stalls the work.

Prometheus adds ``instance`` and ``job`` to every series it scrapes, so no metric carries an
``instance`` label of its own; a part's name is in its ``*_info`` metric.
"""

from __future__ import annotations

import json
import logging
import threading
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Callable

from prometheus_client import CollectorRegistry, GCCollector, PlatformCollector, ProcessCollector
from prometheus_client.exposition import choose_encoder

log = logging.getLogger("aquamon.metrics")

Health = Callable[[], "tuple[bool, dict[str, object]]"]


def new_registry() -> CollectorRegistry:
    """A registry with the process, platform and garbage-collector metrics of this process."""
    registry = CollectorRegistry()  # collectors are read at scrape time only, never at registration
    ProcessCollector(registry=registry)
    PlatformCollector(registry=registry)
    GCCollector(registry=registry)
    return registry


def render(registry: CollectorRegistry, accept: str = "") -> tuple[bytes, str]:
    """The exposition of ``registry`` in the format the scraper asked for; returns (body, content type)."""
    encoder, content_type = choose_encoder(accept)
    return encoder(registry), content_type


class MetricsServer:
    """Serve ``/metrics`` from ``registry`` and, when ``health`` is given, ``/healthz``
    (200 when healthy, else 503; JSON either way).

    Parameters
    ----------
    host, port
        Bind address (``[gateway]``/``[analytics]`` ``metrics_host``, ``metrics_port``); port 0 picks a
        free one (see :attr:`port`).
    registry
        What ``/metrics`` shows.
    health
        Returns ``(ok, detail)`` for ``/healthz``; None answers 200 while the process serves.
    name
        Thread name, for the logs.
    """

    def __init__(self, host: str, port: int, registry: CollectorRegistry, health: Health | None = None,
                 name: str = "metrics") -> None:
        outer = self

        class Handler(BaseHTTPRequestHandler):
            def do_GET(self) -> None:  # http.server's name
                path = self.path.split("?")[0]
                if path == "/metrics":
                    body, ctype = render(outer.registry, self.headers.get("Accept", ""))
                    self._send(200, ctype, body)
                elif path == "/healthz":
                    ok, detail = outer.health() if outer.health is not None else (True, {"serving": True})
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

        self.registry = registry
        self.health = health
        self.httpd = ThreadingHTTPServer((host, port), Handler)
        self.httpd.daemon_threads = True
        self.port = int(self.httpd.server_address[1])
        self._thread = threading.Thread(target=self.httpd.serve_forever, name=name, daemon=True)

    def start(self) -> "MetricsServer":
        self._thread.start()
        return self

    def stop(self) -> None:
        self.httpd.shutdown()
        self.httpd.server_close()
