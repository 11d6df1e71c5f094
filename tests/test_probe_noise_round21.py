"""Round 21: a probe's usual wobble is not learned from the hours the failing test calls failing.

The 20 l betta's air bubble on the conductivity cell (benchmarks/keeper_month_blind.py: the reading 35 % low
and wobbling for 22.5 h) filled most of the reference when ``probe_noisy`` resolved and the wobble was learned
again: the TDS probe's usual wobble became the bubble's (8.8 ppm for 1.3), the healthy probe after it read as
one with "none of its usual wobble", ``probe_stuck`` fired 65 minutes after the bubble left, and, the stuck
alert stopping the learning that would have cured it, stood for the rest of the month (17 days).
"""

from __future__ import annotations

import numpy as np

from analytics.probes import healthy_hours

MIN_MS = 60_000
DAY_MIN = 1440


def test_the_failing_hours_are_not_the_usual_wobble() -> None:
    """Hours far noisier than the wobble learned before are cut; the healthy ones are kept."""
    rng = np.random.default_rng(0)
    healthy, bubble = 200.0 + rng.normal(0, 1.0, 120), 130.0 + rng.normal(0, 8.0, 120)
    kept = healthy_hours(np.r_[healthy, bubble], 1.3, 200.0)
    assert np.isfinite(kept[:120]).all() and np.isnan(kept[120:]).all()


def test_a_bubble_on_the_cell_leaves_no_stuck_probe_behind_through_the_engine() -> None:
    """Through the engine the service runs (:class:`aquamon.evaluate.EngineDetector`): the betta's bubble is
    told as a failing probe, and the healthy probe after it is not called stuck."""
    from benchmarks.bench_detection import measure_month
    from benchmarks.keeper_month_blind import betta_desk_month

    start, end = 3 * DAY_MIN + 19 * 60 + 30, 4 * DAY_MIN + 18 * 60
    s = betta_desk_month(days=6, faults=({"kind": "tds_bubble", "start": start, "end": end},))
    _, det, _ = measure_month(s)
    t0 = int(s.t_ms[0])
    fired = [(tr.key, (int(tr.t_ms) - t0) // MIN_MS) for tr in det.transitions if tr.state == "firing"]
    assert any(k == "probe_noisy" and start <= m < end for k, m in fired), fired
    assert not any(k == "probe_stuck" and m >= end for k, m in fired), fired
