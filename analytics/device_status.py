"""Device status heard over MQTT, judged in the order of the data: a last will after the readings before it.

A device's retained ``…/status`` (``online: false`` is its last will) reaches
the analytics at once, while its last readings are still on their way through
the gateway's batches into InfluxDB.  Judged at once, the will would say
"offline" at a minute whose readings the analytics have not read yet.  So an
offline status waits until the tank's readings have settled (none new for a
few polls) and every minute up to its latest reading is evaluated; an online
status is judged at once.  A status waiting for a device keeps the statuses
heard after it waiting too, so they are judged in the order they were heard.
Why this stays on MQTT rather than reading the gateway's ``device``
measurement is in docs/decisions.md ("Analytics service split (round 5)").

Examples
--------
>>> queue = StatusQueue(poll_s=1.0)
>>> clocks = {"t1": TankClock(last_eval_ms=120_000, last_reading_ms=180_000, quiet_s=60.0)}
>>> queue.due([StatusHeard("t1", "esp", False)], clocks.get)  # a minute left to evaluate: it waits
[]
>>> clocks["t1"] = TankClock(180_000, 180_000, 60.0)
>>> queue.due([], clocks.get)
[(StatusHeard(tank='t1', device='esp', online=False), 180000)]
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Callable, Iterable

MIN_MS = 60_000
#: an offline status waits at least this long (wall clock) after the tank's last new reading: longer than a
#: busy machine stalls the gateway's batches into InfluxDB (2 s was not: on a loaded CI machine a clean close was
#: judged 58 minutes of readings early, tests/test_alerts_e2e.py); an offline alert 10 s later costs a keeper nothing
SETTLE_MIN_S = 10.0


@dataclass(frozen=True)
class StatusHeard:
    """One ``…/status`` message: ``online`` false is the device's last will (or a clean close)."""

    tank: str
    device: str
    online: bool


@dataclass(frozen=True)
class TankClock:
    """Where the analytics are with a tank: the minute evaluated last, its latest reading, how long it is quiet."""

    last_eval_ms: int
    last_reading_ms: int | None  # None: nothing read since a restart resumed it
    quiet_s: float  # wall seconds since new readings of the tank last arrived


def ready(status: StatusHeard, clock: TankClock, poll_s: float) -> bool:
    """True when ``status`` may be judged now (see the module docstring).

    >>> quiet = TankClock(last_eval_ms=180_000, last_reading_ms=180_500, quiet_s=10.0)
    >>> ready(StatusHeard("t", "d", False), quiet, 1.0), ready(StatusHeard("t", "d", False), quiet, 5.0)
    (True, False)
    """
    if status.online:
        return True
    settled = clock.quiet_s >= max(SETTLE_MIN_S, 3 * poll_s)
    caught_up = clock.last_reading_ms is None or clock.last_eval_ms >= clock.last_reading_ms // MIN_MS * MIN_MS
    return settled and caught_up


class StatusQueue:
    """Statuses heard and not judged yet, in the order heard.

    Parameters
    ----------
    poll_s
        The analytics' ``[analytics] poll_s``: the readings have settled after three polls without new ones.
    """

    def __init__(self, poll_s: float) -> None:
        self.poll_s = poll_s
        self.waiting: list[StatusHeard] = []

    def due(self, heard: Iterable[StatusHeard], clock_of: Callable[[str], TankClock | None]
            ) -> list[tuple[StatusHeard, int | None]]:
        """The statuses to judge now, each with the minute to judge it at (None: the tank has no data yet).

        A status of a tank without evaluated data is returned with None: there
        is nothing to report yet, only to remember.  The others wait (see
        :func:`ready`), behind any earlier status of the same device.
        """
        out: list[tuple[StatusHeard, int | None]] = []
        waiting: list[StatusHeard] = []
        blocked: set[tuple[str, str]] = set()
        for status in [*self.waiting, *heard]:
            clock = clock_of(status.tank)
            who = (status.tank, status.device)
            if who in blocked or (clock is not None and not ready(status, clock, self.poll_s)):
                blocked.add(who)
                waiting.append(status)
            else:
                out.append((status, None if clock is None else clock.last_eval_ms))
        self.waiting = waiting
        return out
