"""What the test HTTP servers share: a loopback server thread and a script of faults.

``fail(status, times, retry_after)`` queues answers that replace the next
``times`` writes (None = every write until ``heal()``); subclasses ask
``_next_fault()`` on each write and serve their own ``Handler`` through ``_serve``.
"""

from __future__ import annotations

import threading
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer


class ScriptedFaults:
    def __init__(self) -> None:
        self._plan: list[list] = []  # [status, retry_after, remaining or None]
        self._lock = threading.Lock()

    def _serve(self, handler: type[BaseHTTPRequestHandler]) -> None:
        self.httpd = ThreadingHTTPServer(("127.0.0.1", 0), handler)
        self.httpd.daemon_threads = True
        self.port = int(self.httpd.server_address[1])
        self.url = f"http://127.0.0.1:{self.port}"
        threading.Thread(target=self.httpd.serve_forever, daemon=True).start()

    def fail(self, status: int, times: int | None = 1, retry_after: str | None = None) -> None:
        """Answer the next ``times`` writes (None = every write until ``heal()``) with ``status``."""
        with self._lock:
            self._plan.append([status, retry_after, times])

    def heal(self) -> None:
        with self._lock:
            self._plan.clear()

    def _next_fault(self) -> tuple[int, str | None] | None:
        with self._lock:
            if not self._plan:
                return None
            fault = self._plan[0]
            if fault[2] is not None:
                fault[2] -= 1
                if fault[2] <= 0:
                    self._plan.pop(0)
            return fault[0], fault[1]
