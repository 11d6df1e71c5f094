"""Write a batch of line-protocol lines, isolating the lines the server refuses.

Decides by the typed outcome of each write (see :mod:`aquamon.influx`):

* accepted            -> all lines durable;
* ``TooLargeError``   -> split in halves and write each (413);
* ``RejectedWriteError`` -> bisect to find the offending lines, drop and
  count only them with the server's message (Telegraf drops the whole batch);
* ``RetryableWriteError`` -> propagated: the caller keeps the data and retries.
"""

from __future__ import annotations

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
