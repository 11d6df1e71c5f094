"""A small fault-injecting HTTP proxy in front of a real InfluxDB.

InfluxDB 1.6 will not answer 413, 429 or 503 on demand, so tests put this proxy
between the gateway and the real server and script the faults:

* ``fail(status, times, retry_after)``: the next ``times`` writes get ``status``
  (with ``Retry-After`` if given) and never reach the server;
* ``max_body``: writes with a larger body get 413 (what InfluxDB answers above
  ``max-body-size``);
* ``delay_s``: every write waits this long before being forwarded (timeouts).

Everything else is forwarded unchanged, so accepted data really is in InfluxDB.
``requests`` records (monotonic arrival time, monotonic answer time, status, lines) of every write.
"""

from __future__ import annotations

import time
import urllib.error
import urllib.request
from http.server import BaseHTTPRequestHandler

from scripted_http import ScriptedFaults


class FaultProxy(ScriptedFaults):
    def __init__(self, upstream: str) -> None:
        super().__init__()
        self.upstream = upstream.rstrip("/")
        self.max_body = 0
        self.delay_s = 0.0
        self.requests: list[tuple[float, float, int, int]] = []
        proxy = self

        class Handler(BaseHTTPRequestHandler):
            protocol_version = "HTTP/1.1"

            def _forward(self, method: str) -> None:
                arrived = time.monotonic()
                length = int(self.headers.get("Content-Length") or 0)
                body = self.rfile.read(length) if length else None
                is_write = self.path.startswith(("/write", "/api/v2/write"))
                status, headers, data = proxy._decide(is_write, body)
                if status == 0:
                    req = urllib.request.Request(proxy.upstream + self.path, data=body, method=method)
                    for h in ("Content-Type", "Authorization"):
                        if self.headers.get(h):
                            req.add_header(h, self.headers[h])
                    try:
                        with urllib.request.urlopen(req, timeout=30) as r:
                            status, data, headers = r.status, r.read(), {}
                    except urllib.error.HTTPError as e:
                        status, data, headers = e.code, e.read(), {}
                if is_write:
                    with proxy._lock:
                        proxy.requests.append((arrived, time.monotonic(), status, (body or b"").count(b"\n") + 1))
                self.send_response(status)
                for k, v in headers.items():
                    self.send_header(k, v)
                self.send_header("Content-Type", "application/json")
                self.send_header("Content-Length", str(len(data)))
                self.end_headers()
                self.wfile.write(data)

            def do_GET(self) -> None:
                self._forward("GET")

            def do_POST(self) -> None:
                self._forward("POST")

            def log_message(self, *args: object) -> None:
                pass

        self._serve(Handler)

    def _decide(self, is_write: bool, body: bytes | None) -> tuple[int, dict[str, str], bytes]:
        if not is_write:
            return 0, {}, b""
        if self.delay_s:
            time.sleep(self.delay_s)
        planned = self._next_fault()
        if planned is not None:
            status, retry_after = planned
            headers = {"Retry-After": retry_after} if retry_after is not None else {}
            return status, headers, b'{"error":"injected by the test proxy"}'
        if self.max_body and body is not None and len(body) > self.max_body:
            return 413, {}, b'{"error":"Request Entity Too Large"}'
        return 0, {}, b""

    def statuses(self) -> list[int]:
        with self._lock:
            return [s for _, _, s, _ in self.requests]

    def close(self) -> None:
        self.httpd.shutdown()
        self.httpd.server_close()
