"""How long to wait before the next InfluxDB write attempt.

Telegraf's rule, made a pure function so it can be table-tested: the wait is
the larger of a capped exponential backoff (with jitter) and the server's
``Retry-After`` (capped too, so a confused server cannot park us for a day).
"""

from __future__ import annotations

import random
from typing import Callable


def retry_wait(attempt: int, retry_after: float | None = None, *, base_s: float = 0.5, cap_s: float = 30.0,
               retry_after_cap_s: float = 300.0, jitter: float = 0.2,
               rand: Callable[[], float] = random.random) -> float:
    """Seconds to wait before retry number ``attempt`` (0 = the first retry).

    Parameters
    ----------
    attempt : int
        Failed attempts so far, minus one; the backoff doubles with each.
    retry_after : float or None
        The server's ``Retry-After`` in seconds, if it sent one.
    base_s, cap_s : float
        First backoff and its ceiling.
    retry_after_cap_s : float
        Ceiling on ``retry_after``.
    jitter : float
        Relative spread of the backoff (0.2 = ±20 %), so instances that failed
        together do not retry together.
    rand : callable
        Source of uniform [0, 1) numbers (a constant in tests).

    Examples
    --------
    >>> retry_wait(0, rand=lambda: 0.5)
    0.5
    >>> retry_wait(10, rand=lambda: 0.5)
    30.0
    >>> retry_wait(0, retry_after=12, rand=lambda: 0.5)
    12.0
    """
    backoff = min(cap_s, base_s * 2.0 ** min(max(attempt, 0), 60))
    backoff = min(cap_s, backoff * (1.0 - jitter + 2.0 * jitter * rand()))
    server = float(min(retry_after_cap_s, retry_after)) if retry_after else 0.0
    return max(backoff, server)
