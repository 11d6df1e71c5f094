"""Log a reason at most once per interval; counters carry the totals."""

from __future__ import annotations

import logging
import time
from typing import Callable

log = logging.getLogger("aquamon.gateway")


class RateLimitedLog:
    """Log a reason at most once per interval; the counters carry the totals.

    A flood of bad messages (or a long outage) must not fill the disk with the
    same line: the first occurrence of a reason is logged, the rest of the
    interval is only counted.

    >>> rl = RateLimitedLog(60.0, clock=iter([0.0, 1.0, 61.0]).__next__)
    >>> [rl.warn("oversized", "a message was too big") for _ in range(3)]
    [True, False, True]
    """

    def __init__(self, interval_s: float = 60.0, clock: Callable[[], float] = time.monotonic) -> None:
        self.interval_s = interval_s
        self.clock = clock
        self._last: dict[str, float] = {}

    def warn(self, reason: str, message: str) -> bool:
        now = self.clock()
        if now - self._last.get(reason, -1e18) >= self.interval_s:
            self._last[reason] = now
            log.warning("%s (further '%s' events in the next %.0f s are only counted)",
                        message, reason, self.interval_s)
            return True
        return False
