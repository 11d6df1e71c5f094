"""analytics/stepping.py: tanks due at the same minute are scored in one batch; one tank's failure is its own."""

from __future__ import annotations

from typing import Any

import numpy as np

import analytics.batch
from analytics.batch import score_window
from analytics.drift import DriftWindow
from analytics.metrics import ScoringStats
from analytics.monitor import PendingEvaluation, Transition
from analytics.stepping import TankRun, step_together
from analytics.tankdata import TankData

MIN_MS = 60_000


class FakeMonitor:
    """Prepares a 2-channel window whose mean grows with the minute; fails where told."""

    def __init__(self, tank: str, fail_prepare_at: int | None = None) -> None:
        self.tank, self.fail_prepare_at = tank, fail_prepare_at
        self.scored: list[tuple[int, Any]] = []

    def prepare(self, t: int, t_ms: Any, frame: Any, events: Any) -> PendingEvaluation:
        if t == self.fail_prepare_at:
            raise RuntimeError("a broken tank")
        m = np.array([t / MIN_MS / 100, 0.1])
        window = DriftWindow(["ph", "temp_c"], m, np.eye(2) * 1.1, np.eye(2), threshold=1.0, n_eff=60.0,
                             usual=np.zeros(2), recent=np.zeros(2), distances=True)
        return PendingEvaluation(t, t_ms, frame, window=window)

    def conclude(self, pending: PendingEvaluation, scores: Any) -> tuple[dict[str, Any], list[Transition]]:
        self.scored.append((pending.now_ms, scores))
        return {"kl": scores.kl}, []


def _run(tank: str, times: list[int], **kw: Any) -> TankRun:
    return TankRun(tank, TankData(), FakeMonitor(tank, **kw), {}, MIN_MS, times[-1], times, [])  # type: ignore[arg-type]


def test_tanks_step_in_time_order_and_share_a_batch_when_due_together(monkeypatch) -> None:  # type: ignore[no-untyped-def]
    batches: list[int] = []
    batched = analytics.batch.score_windows

    def counting(means, covs, refs, *, distances=True):  # type: ignore[no-untyped-def]
        batches.append(len(means))
        return batched(means, covs, refs, distances=distances)

    monkeypatch.setattr(analytics.batch, "score_windows", counting)
    a, b = _run("a", [1 * MIN_MS, 2 * MIN_MS, 3 * MIN_MS]), _run("b", [2 * MIN_MS, 3 * MIN_MS])
    order: list[tuple[str, int]] = []
    stats = ScoringStats()
    step_together([a, b], lambda run, t, score, trs: order.append((run.tank, t)), stats)
    assert order == [("a", MIN_MS), ("a", 2 * MIN_MS), ("b", 2 * MIN_MS), ("a", 3 * MIN_MS), ("b", 3 * MIN_MS)]
    assert batches == [1, 2, 2] and (stats.batches, stats.windows) == (3, 5)
    for run in (a, b):  # the batch changes nothing of a window's score
        for t, scores in run.mon.scored:  # type: ignore[attr-defined]
            alone = score_window(np.array([t / MIN_MS / 100, 0.1]), np.eye(2) * 1.1, np.eye(2))
            assert scores == alone


def test_a_failing_tank_stops_alone() -> None:
    broken, fine = _run("broken", [MIN_MS, 2 * MIN_MS, 3 * MIN_MS], fail_prepare_at=2 * MIN_MS), \
        _run("fine", [MIN_MS, 2 * MIN_MS, 3 * MIN_MS])
    late = _run("late", [MIN_MS, 2 * MIN_MS])

    def after(run: TankRun, t: int, score: dict[str, Any], trs: list[Transition]) -> None:
        if run.tank == "late" and t == MIN_MS:
            raise OSError("the notification service is down")

    step_together([broken, fine, late], after, ScoringStats())
    assert broken.failed and broken.next == 1  # its first step done, the second failed, no third
    assert late.failed and late.next == 1
    assert not fine.failed and fine.next == 3


def test_between_runs_when_every_tank_is_between_two_steps_never_after_the_last() -> None:
    # the service answers a keeper's command there: a catch-up of hours must not hold it to the end
    a, b = _run("a", [1 * MIN_MS, 2 * MIN_MS, 3 * MIN_MS]), _run("b", [2 * MIN_MS, 3 * MIN_MS])
    seen: list[tuple[int, int]] = []
    step_together([a, b], lambda run, t, score, trs: None, ScoringStats(),
                  between=lambda: seen.append((a.next, b.next)))
    assert seen == [(1, 0), (2, 1)]  # after minute 1 (a alone) and minute 2 (both); none after minute 3
