"""InfluxDB 1.x writes over one kept-alive HTTP connection per thread.

``urllib`` (behind :meth:`aquamon.influx.InfluxV1.write_lines`) opens a new
connection for every request: about 300 µs of CPU for a one-line write against
170 µs over a kept connection (measured on loopback), and a quiet gateway writes
every reading on its own.  Replies are sorted exactly as ``InfluxV1`` sorts
them (:func:`aquamon.influx.classify_status`).  A connection the server closed
while idle is replaced once, at once; rewriting points is harmless because they
carry the device's timestamp.
"""

from __future__ import annotations

import http.client
import threading
import urllib.parse
from typing import Any, Sequence

from aquamon.influx import InfluxV1, RetryableWriteError, classify_status, parse_retry_after

# The server closed a connection we kept: try once more on a new one.
_CLOSED_WHILE_IDLE = (http.client.RemoteDisconnected, ConnectionResetError, BrokenPipeError)


class KeepAliveWrites:
    """``write_lines`` for an :class:`InfluxV1` on a plain ``http://`` URL, one connection per thread."""

    def __init__(self, db: InfluxV1) -> None:
        parts = urllib.parse.urlsplit(db.url)
        self.url = db.url
        self.host, self.port = parts.hostname or "127.0.0.1", parts.port or 80
        self.path = f"{parts.path.rstrip('/')}/write?{db._params(precision='ms')}"
        self.timeout = db.timeout
        self._local = threading.local()

    @staticmethod
    def suits(db: Any) -> bool:
        """True for a 1.x client on plain HTTP (TLS and 2.x keep their own clients)."""
        return isinstance(db, InfluxV1) and db.url.startswith("http://")

    def _connection(self, new: bool) -> tuple[http.client.HTTPConnection, bool]:
        conn = getattr(self._local, "conn", None)
        if conn is not None and not new:
            return conn, True
        if conn is not None:
            conn.close()
        conn = self._local.conn = http.client.HTTPConnection(self.host, self.port, timeout=self.timeout)
        return conn, False

    def write_lines(self, lines: Sequence[str]) -> None:
        """Write lines; raise a :class:`aquamon.influx.WriteError` subclass on anything but 2xx."""
        body = ("\n".join(lines) + "\n").encode()
        new = False
        while True:
            conn, reused = self._connection(new)
            try:
                conn.request("POST", self.path, body, {"Content-Type": "text/plain; charset=utf-8"})
                reply = conn.getresponse()
                text = reply.read().decode(errors="replace")
                break
            except (OSError, http.client.HTTPException) as e:
                conn.close()
                self._local.conn = None
                if reused and isinstance(e, _CLOSED_WHILE_IDLE):
                    new = True
                    continue
                # No reply (refused, reset, timed out): a timed-out write may still have landed.
                raise RetryableWriteError(f"no reply from InfluxDB at {self.url}: {e}") from e
        err = classify_status(reply.status, text, parse_retry_after(reply.getheader("Retry-After")))
        if err is not None:
            raise err
