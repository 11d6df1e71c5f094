"""A recorded-protocol stand-in for the InfluxDB 2.x/3.x write API.

InfluxDB 2 and 3 cannot run on our machines (no packages, no Docker engine),
so the v2 write path is tested against this server, which answers as the v2
HTTP API documents (https://docs.influxdata.com/influxdb/v2/api/#operation/PostWrite):

* ``POST /api/v2/write?org=&bucket=&precision=ms`` with ``Authorization: Token …``
  -> 204; a wrong token -> 401 ``{"code":"unauthorized","message":"unauthorized access"}``;
  an unknown bucket -> 404 ``{"code":"not found","message":"bucket \\"x\\" not found"}``;
  a line it cannot parse -> 400 ``{"code":"invalid","message":"unable to parse '…': …"}``
  (nothing of that request is written, as in 2.x);
* ``GET /ping`` -> 204 with ``X-Influxdb-Version``; ``GET /health`` -> 200 JSON.

Scripted faults (``fail``) answer 413/429/503 with an optional ``Retry-After``.
Points are kept as InfluxDB keys them (series + timestamp), so a rewrite
overwrites, as on the real server.  It does not implement Flux.  With an
``engine`` (a database of a real InfluxDB 1.x, which speaks the same InfluxQL)
accepted points are also stored there and ``GET /query`` (the v1-compatible
endpoint 2.x serves through its DBRP mapping: ``db`` = the bucket, ``Token``
auth) is answered by it, so a reader of the v2 API is tested too.
"""

from __future__ import annotations

import json
import re
import urllib.error
import urllib.parse
import urllib.request
from http.server import BaseHTTPRequestHandler

from scripted_http import ScriptedFaults

# measurement[,tags] fields timestamp; enough to tell a line from garbage.
_LINE = re.compile(r"^(?P<series>(?:[^ ,\\]|\\.)+(?:,(?:[^ \\]|\\.)+)?) (?P<fields>(?:[^ \\\"]|\\.|\"(?:[^\"\\]|\\.)*\")+) (?P<ts>-?\d+)$")


class InfluxV2StandIn(ScriptedFaults):
    def __init__(self, org: str = "aquamon", bucket: str = "aquamon", token: str = "test-token",
                 engine: tuple[str, str] | None = None) -> None:
        super().__init__()
        self.org, self.bucket, self.token = org, bucket, token
        self.engine = engine  # (url, database) of a real InfluxDB 1.x behind the bucket
        self.points: dict[tuple[str, int], str] = {}
        self.requests: list[tuple[int, int]] = []  # (status, lines)
        standin = self

        class Handler(BaseHTTPRequestHandler):
            protocol_version = "HTTP/1.1"

            def _reply(self, status: int, doc: dict[str, str] | None = None, headers: dict[str, str] | None = None) -> None:
                body = json.dumps(doc).encode() if doc is not None else b""
                self.send_response(status)
                for k, v in (headers or {}).items():
                    self.send_header(k, v)
                if body:
                    self.send_header("Content-Type", "application/json; charset=utf-8")
                self.send_header("Content-Length", str(len(body)))
                self.end_headers()
                self.wfile.write(body)

            def do_GET(self) -> None:
                if self.path.startswith("/query") and standin.engine is not None:
                    status, body = standin._query(self.path, self.headers.get("Authorization", ""))
                    self.send_response(status)
                    self.send_header("Content-Type", "application/json")
                    self.send_header("Content-Length", str(len(body)))
                    self.end_headers()
                    self.wfile.write(body)
                elif self.path.startswith("/ping"):
                    self._reply(204, headers={"X-Influxdb-Version": "v2.7.10", "X-Influxdb-Build": "OSS"})
                elif self.path.startswith("/health"):
                    self._reply(200, {"name": "influxdb", "status": "pass", "version": "v2.7.10"})
                else:
                    self._reply(404, {"code": "not found", "message": "path not found"})

            def do_POST(self) -> None:
                length = int(self.headers.get("Content-Length") or 0)
                body = self.rfile.read(length).decode("utf-8", errors="replace")
                url = urllib.parse.urlparse(self.path)
                if url.path != "/api/v2/write":
                    return self._reply(404, {"code": "not found", "message": "path not found"})
                status, doc, headers = standin._write(dict(urllib.parse.parse_qsl(url.query)),
                                                      self.headers.get("Authorization", ""), body)
                self._reply(status, doc, headers)

            def log_message(self, *args: object) -> None:
                pass

        self._serve(Handler)

    def _write(self, q: dict[str, str], auth: str, body: str) -> tuple[int, dict[str, str] | None, dict[str, str]]:
        lines = [ln for ln in body.split("\n") if ln.strip()]
        planned = self._next_fault()
        with self._lock:
            result = self._decide(q, auth, lines, planned)
            self.requests.append((result[0], len(lines)))
            return result

    def _decide(self, q: dict[str, str], auth: str, lines: list[str],
                planned: tuple[int, str | None] | None) -> tuple[int, dict[str, str] | None, dict[str, str]]:
        if auth != f"Token {self.token}":
            return 401, {"code": "unauthorized", "message": "unauthorized access"}, {}
        if q.get("bucket") != self.bucket or q.get("org") not in (self.org, None):
            return 404, {"code": "not found", "message": f'bucket "{q.get("bucket")}" not found'}, {}
        if q.get("precision", "ns") != "ms":
            return 400, {"code": "invalid", "message": "this stand-in records ms precision only"}, {}
        if planned is not None:
            status, retry_after = planned
            codes = {413: "request too large", 429: "too many requests", 503: "unavailable"}
            return status, {"code": codes.get(status, "internal error"), "message": "injected by the test"}, \
                ({"Retry-After": retry_after} if retry_after else {})
        parsed = []
        for ln in lines:
            m = _LINE.match(ln)
            if m is None:
                return 400, {"code": "invalid", "message": f"unable to parse '{ln[:100]}': bad timestamp"}, {}
            parsed.append((m["series"], int(m["ts"]), ln))
        if self.engine is not None:  # stored by the real engine, as 2.x stores them in the bucket
            body = "\n".join(ln for _, _, ln in parsed).encode()
            url = f"{self.engine[0]}/write?" + urllib.parse.urlencode({"db": self.engine[1], "precision": "ms"})
            with urllib.request.urlopen(urllib.request.Request(url, body, method="POST"), timeout=10):
                pass
        for series, ts, ln in parsed:
            self.points[(series, ts)] = ln
        return 204, None, {}

    def _query(self, path: str, auth: str) -> tuple[int, bytes]:
        """``/query`` as 2.x's v1-compatible endpoint answers it: the token, the bucket as ``db``, InfluxQL."""
        assert self.engine is not None
        q = dict(urllib.parse.parse_qsl(urllib.parse.urlparse(path).query))
        if auth != f"Token {self.token}":
            return 401, json.dumps({"code": "unauthorized", "message": "Unauthorized"}).encode()
        if q.get("db") != self.bucket:
            return 404, json.dumps({"code": "not found", "message": f'database "{q.get("db")}" not found'}).encode()
        url = f"{self.engine[0]}/query?" + urllib.parse.urlencode({**q, "db": self.engine[1]})
        try:
            with urllib.request.urlopen(url, timeout=10) as r:
                return int(r.status), r.read()
        except urllib.error.HTTPError as e:
            return int(e.code), e.read()

    def close(self) -> None:
        self.httpd.shutdown()
        self.httpd.server_close()
