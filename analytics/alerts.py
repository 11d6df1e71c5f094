"""One alert's life: ok → pending → firing → resolved.

:func:`step` is a pure function of (state, condition, now).  A condition must hold for ``for_ms``
before the alert fires (no alert for one noisy reading), and must be clear for ``clear_ms`` before
it resolves (hysteresis: no flapping, one episode).  Who hears about an alert, and when, is
:mod:`analytics.pager`'s.

>>> s = AlertState()
>>> [step(s, c, t, for_ms=2, clear_ms=2) for c, t in [(1, 0), (1, 1), (1, 2), (0, 3), (1, 4), (0, 5), (0, 7)]]
[None, None, 'firing', None, None, None, 'resolved']

Time is the data's own (ms since the epoch), so a simulated tank keeps its simulated nights.
"""

from __future__ import annotations

from dataclasses import dataclass, field


@dataclass
class AlertState:
    state: str = "ok"  # ok | pending | firing
    since_ms: int = 0  # when the current state began
    cond_since_ms: int = 0  # when the condition last became true
    clear_since_ms: int = 0  # when the condition last became false while firing
    summary: str = ""
    episodes: int = 0
    sensors: list[str] = field(default_factory=list)  # the channels a probe alert is about


def step(s: AlertState, condition: bool, now_ms: int, for_ms: int, clear_ms: int) -> str | None:
    """Advance ``s``; return 'firing' or 'resolved' on a transition, else None."""
    if s.state == "ok":
        if condition:
            s.state, s.since_ms, s.cond_since_ms = "pending", now_ms, now_ms
            if for_ms <= 0:
                return _fire(s, now_ms)
        return None
    if s.state == "pending":
        if not condition:
            s.state, s.since_ms = "ok", now_ms
            return None
        if now_ms - s.cond_since_ms >= for_ms:
            return _fire(s, now_ms)
        return None
    # firing
    if condition:
        s.clear_since_ms = 0
        return None
    if not s.clear_since_ms:
        s.clear_since_ms = now_ms
    if now_ms - s.clear_since_ms >= clear_ms:
        s.state, s.since_ms, s.clear_since_ms = "ok", now_ms, 0
        return "resolved"
    return None


def _fire(s: AlertState, now_ms: int) -> str:
    s.state, s.since_ms, s.clear_since_ms = "firing", now_ms, 0
    s.episodes += 1
    return "firing"
