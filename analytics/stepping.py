"""Step many tanks' engines through their due minutes together, scoring their drift windows in one batch a step.

Each tank of a cycle has a :class:`TankRun`: its monitor, its readings and
the step times due.  :func:`step_together` advances the tanks due at the
earliest time: every one is prepared (:meth:`TankMonitor.prepare`), the drift
windows of all of them are scored in one :class:`~analytics.batch.WindowBatch`
(one batched call per divergence and window dimension), then each is
concluded and handed to ``after`` (the service writes, publishes and
notifies).  A tank's own steps run in order, and a window's score does not
depend on the batch it is in (:func:`analytics.batch.score_windows`), so
each tank gets exactly the alerts that :meth:`TankMonitor.evaluate` gives it
alone.  One tank's failure stops only that tank.

Examples
--------
>>> import numpy as np
>>> from analytics.monitor import TankMonitor
>>> from analytics.tankdata import TankData
>>> data = TankData(np.arange(5, dtype=np.int64) * 60_000, {"temp_c": np.full(5, 25.0)})
>>> run = TankRun("t1", data, TankMonitor("t1"), data.values, 60_000, 300_000, [120_000, 180_000], [])
>>> seen = []
>>> step_together([run], lambda r, t, score, trs: seen.append(t), ScoringStats())
>>> seen, run.next, run.failed
([120000, 180000], 2, False)
"""

from __future__ import annotations

import logging
import time
from dataclasses import dataclass, field
from typing import Any, Callable, Hashable

import numpy as np

from analytics.batch import WindowBatch, WindowScore
from analytics.metrics import ScoringStats
from analytics.monitor import PendingEvaluation, TankMonitor, Transition
from analytics.tankdata import TankData

log = logging.getLogger("aquamon.analytics")


@dataclass
class TankRun:
    """One tank's steps due in this cycle, and what they produced so far."""

    tank: str
    data: TankData
    mon: TankMonitor
    frame: dict[str, np.ndarray]  # what the monitor sees of ``data`` (:func:`analytics.tankdata.monitor_frame`)
    step: int
    end: int
    times: list[int]  # the step times to evaluate, in order
    events: list[tuple[int, str, str]]
    next: int = 0  # index of the next step in ``times``
    out: list[Transition] = field(default_factory=list)
    lines: list[str] = field(default_factory=list)
    failed: bool = False

    def events_before(self, t: int) -> list[tuple[int, str, str]]:
        """The firmware events of the step ending at ``t``."""
        return [e for e in self.events if t - self.step <= e[0] < t]


#: called after each concluded step: (run, step time, score fields, transitions)
AfterStep = Callable[[TankRun, int, dict[str, Any], list[Transition]], None]


def step_together(runs: list[TankRun], after: AfterStep, stats: ScoringStats,
                  between: Callable[[], None] | None = None) -> None:
    """Every due step of ``runs``; the tanks due at the same time are prepared, scored and concluded together.

    ``between`` is called after each step time, when every tank is between two steps (the service
    answers a keeper's commands there, not only after a long catch-up).
    """
    active = [r for r in runs if r.times]
    while active:
        # tanks step through the same times together: their drift minutes coincide, so do their batches
        t = min(r.times[r.next] for r in active)
        _step_all([r for r in active if r.times[r.next] == t], after, stats)
        active = [r for r in active if not r.failed and r.next < len(r.times)]
        if between is not None and active:
            between()


def _step_all(runs: list[TankRun], after: AfterStep, stats: ScoringStats) -> None:
    """The next step of each of ``runs``: prepare all, score their drift windows together, conclude each."""
    batch = WindowBatch()
    prepared: list[tuple[TankRun, PendingEvaluation]] = []
    for run in runs:
        t = run.times[run.next]
        try:
            pending = run.mon.prepare(t, run.data.t_ms, run.frame, run.events_before(t))
        except Exception:  # one tank's failure must not stop the others
            log.exception("tank %s: evaluation failed", run.tank)
            run.failed = True
            continue
        prepared.append((run, pending))
        w = pending.window
        if w is not None:
            batch.add(run.tank, w.mean, w.cov, w.ref_cov, distances=w.distances)
    scores: dict[Hashable, WindowScore | None] = {}
    if len(batch):
        started = time.perf_counter()
        try:
            scores = batch.score()
        except Exception:  # the tanks whose windows are unscored skip this step (conclude says so)
            log.exception("scoring %d drift windows failed", len(batch))
        stats.add(len(batch), time.perf_counter() - started)
    for run, pending in prepared:
        try:
            score, transitions = run.mon.conclude(pending, scores.get(run.tank))
            after(run, pending.now_ms, score, transitions)
        except Exception:  # a notification service down must not stop the monitoring
            log.exception("tank %s: evaluation failed", run.tank)
            run.failed = True
        run.next += 1
