"""Write a batch of line-protocol lines, isolating the lines the server refuses.

Decides by the typed outcome of each write (see :mod:`aquamon.influx`):

* accepted            -> all lines durable;
* ``TooLargeError``   -> split in halves and write each (413);
* ``RejectedWriteError`` -> bisect to find the offending lines, drop and
  count only them with the server's message (Telegraf drops the whole batch);
* ``RetryableWriteError`` -> propagated: the caller keeps the data and retries.

:func:`write_parallel` sends one batch as a few concurrent requests.
"""

from __future__ import annotations

from concurrent.futures import Future
from dataclasses import dataclass, field
from typing import Callable, Sequence

from aquamon.influx import RejectedWriteError, TooLargeError

WriteFn = Callable[[Sequence[str]], None]


@dataclass
class WriteOutcome:
    written: int = 0
    dropped: list[tuple[str, str]] = field(default_factory=list)  # (line, server message)
    requests: int = 0


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


# Below this many lines a batch is written in one request: splitting would only add requests.
MIN_PARALLEL_SLICE = 1000


def write_parallel(write: WriteFn, lines: Sequence[str], parts: int,
                   submit: Callable[..., "Future[WriteOutcome]"] | None) -> WriteOutcome:
    """Write ``lines`` as up to ``parts`` concurrent requests (InfluxDB ingests them on several cores).

    The batch counts as written only when every slice is: if any slice meets a
    retryable error, that error is raised after all slices have finished, and the
    caller keeps (spools) the whole batch; the slices that did land are written
    again later, which overwrites the same points.  Lines the server refuses are
    isolated within their slice, as :func:`write_isolating` does.

    >>> from concurrent.futures import ThreadPoolExecutor
    >>> sizes = []
    >>> with ThreadPoolExecutor(1) as pool:
    ...     out = write_parallel(lambda ls: sizes.append(len(ls)), [f"m v={i}" for i in range(3000)], 2, pool.submit)
    >>> out.written, out.requests, sorted(sizes)
    (3000, 2, [1500, 1500])
    """
    n = min(parts, len(lines) // MIN_PARALLEL_SLICE)
    if n <= 1 or submit is None:
        return write_isolating(write, lines)
    step = -(-len(lines) // n)
    slices = [lines[i:i + step] for i in range(0, len(lines), step)]
    futures = [submit(write_isolating, write, s) for s in slices[1:]]
    outcomes: list[WriteOutcome] = []
    error: BaseException | None = None
    try:
        outcomes.append(write_isolating(write, slices[0]))
    except BaseException as e:  # noqa: BLE001 - re-raised below, once the other slices are done
        error = e
    for f in futures:
        try:
            outcomes.append(f.result())
        except BaseException as e:  # noqa: BLE001
            error = error or e
    if error is not None:
        raise error
    total = WriteOutcome()
    for o in outcomes:
        total.written += o.written
        total.requests += o.requests
        total.dropped.extend(o.dropped)
    return total
