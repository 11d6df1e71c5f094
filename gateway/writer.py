"""Write a batch of line-protocol lines, isolating the lines the server refuses.

Decides by the typed outcome of each write (see :mod:`aquamon.influx`):

* accepted            -> all lines durable;
* ``TooLargeError``   -> split in halves and write each (413);
* ``RejectedWriteError`` -> bisect to find the offending lines, drop and
  count only them with the server's message (Telegraf drops the whole batch);
* ``RetryableWriteError`` -> propagated: the caller keeps the data and retries.

:class:`Pipeline` keeps a few batches in flight at once and hands them back in order.
"""

from __future__ import annotations

import time
from collections import deque
from concurrent.futures import Future, ThreadPoolExecutor
from concurrent.futures import wait as wait_for
from dataclasses import dataclass, field
from typing import Any, Callable, Sequence

from aquamon.influx import RejectedWriteError, TooLargeError

WriteFn = Callable[[Sequence[str]], None]


@dataclass
class WriteOutcome:
    written: int = 0
    dropped: list[tuple[str, str]] = field(default_factory=list)  # (line, server message)
    requests: int = 0
    seconds: float = 0.0  # how long the write took (set by whoever timed it)
    started: float = 0.0  # when it was sent (time.monotonic(), set by whoever timed it)


def write_isolating(write: WriteFn, lines: Sequence[str], outcome: WriteOutcome | None = None) -> WriteOutcome:
    """Write ``lines``; drop only lines the server rejects; raise on retryable errors.

    >>> seen = []
    >>> def fake(lines):
    ...     seen.append(len(lines))
    ...     if any("bad" in l for l in lines):
    ...         raise RejectedWriteError("HTTP 400: partial write", 400)
    >>> out = write_isolating(fake, ["a 1", "bad 2", "c 3", "d 4"])
    >>> out.written, [l for l, _ in out.dropped]
    (3, ['bad 2'])
    """
    out = outcome if outcome is not None else WriteOutcome()
    if not lines:
        return out
    out.requests += 1
    try:
        write(lines)
        out.written += len(lines)
    except TooLargeError:
        if len(lines) == 1:
            out.dropped.append((lines[0], "a single point is larger than the server accepts (413)"))
            return out
        mid = len(lines) // 2
        write_isolating(write, lines[:mid], out)
        write_isolating(write, lines[mid:], out)
    except RejectedWriteError as e:
        if len(lines) == 1:
            out.dropped.append((lines[0], str(e)))
            return out
        mid = len(lines) // 2
        write_isolating(write, lines[:mid], out)
        write_isolating(write, lines[mid:], out)
    return out


# While another batch is being written, the next one waits to grow to this many lines (or for
# that write to finish, or for its oldest message to reach the flush interval): smaller
# requests in parallel would cost InfluxDB more per point than they save in latency.
MIN_BATCH_IN_FLIGHT = 1000


@dataclass
class InFlight:
    """One batch handed to the pipeline: its lines, the caller's token, and the write's future."""

    lines: Sequence[str]
    token: Any
    future: "Future[WriteOutcome]"


class Pipeline:
    """Up to ``depth`` batches written at once, handed back in the order they were submitted.

    The caller acknowledges a batch's messages only once :meth:`pop_done` returns
    it (in order, so acknowledgements keep the order messages arrived in).  A
    batch's future raises what :func:`write_isolating` raised (a retryable error:
    the caller spools the batch).  ``on_done`` runs in the pool's thread when a
    write ends, to wake the caller.

    >>> import threading
    >>> woken = threading.Event()
    >>> p = Pipeline(lambda ls: None, depth=2, on_done=woken.set)
    >>> p.submit(["m v=1 1"], "first"); p.submit(["m v=2 2", "m v=3 3"], "second")
    >>> p.busy(), p.full()
    (2, True)
    >>> [(b.token, b.future.result().written) for b in (p.pop_done(wait=True), p.pop_done(wait=True))]
    [('first', 1), ('second', 2)]
    >>> p.shutdown()
    """

    def __init__(self, write: WriteFn, depth: int, on_done: Callable[[], None] = lambda: None) -> None:
        self.write = write
        self.depth = depth
        self.on_done = on_done
        self._pool = ThreadPoolExecutor(depth, thread_name_prefix="gateway-write")
        self._inflight: deque[InFlight] = deque()

    def busy(self) -> int:
        """Batches submitted and not yet popped."""
        return len(self._inflight)

    def full(self) -> bool:
        return len(self._inflight) >= self.depth

    def submit(self, lines: Sequence[str], token: Any) -> None:
        future = self._pool.submit(self._timed, lines)
        future.add_done_callback(lambda _: self.on_done())
        self._inflight.append(InFlight(lines, token, future))

    def _timed(self, lines: Sequence[str]) -> WriteOutcome:
        t0 = time.monotonic()
        out = write_isolating(self.write, lines)
        out.seconds, out.started = time.monotonic() - t0, t0
        return out

    def pop_done(self, wait: bool = False) -> InFlight | None:
        """The oldest batch once its write has ended (waiting for it with ``wait``), else None."""
        if not self._inflight or not (wait or self._inflight[0].future.done()):
            return None
        head = self._inflight.popleft()
        wait_for([head.future])
        return head

    def shutdown(self) -> None:
        self._pool.shutdown(wait=False, cancel_futures=True)
