"""A probe replaced or recalibrated (a lasting step no water made) is another instrument: its wobble is
learned from its own readings, not judged against the old probe's (analytics/probes.py, round 16)."""

from __future__ import annotations

import numpy as np

from analytics.monitor import MonitorSettings, TankMonitor
from analytics.probes import RENEWED_HOURS

MIN = 60_000


def _tank(hours: int, step_at: int, old_noise: float, new_noise: float) -> tuple[np.ndarray, dict]:
    """A quiet tank whose cracked pH probe (wobble ``old_noise``, read pulled to 7.0) is replaced at minute
    ``step_at`` by a new one (wobble ``new_noise``) reading the water's 7.6; readings to 0.01 pH."""
    n = hours * 60
    rng = np.random.default_rng(7)
    t = 1_767_225_600_000 + np.arange(n, dtype=np.int64) * MIN
    ph = np.where(np.arange(n) < step_at, 7.0 + rng.normal(0, old_noise, n), 7.6 + rng.normal(0, new_noise, n))
    frame = {"temp_c": 25 + rng.normal(0, 0.02, n), "ph": np.round(ph, 2), "tds_ppm": 380 + rng.normal(0, 1.0, n),
             "turb_ntu": 1 + rng.normal(0, 0.02, n), "level_cm": 20 + rng.normal(0, 0.05, n),
             "flow_lpm": 5 + rng.normal(0, 0.05, n), "pump": np.ones(n)}
    return t, frame


def _run(mon: TankMonitor, t: np.ndarray, frame: dict, first: int, last: int) -> list:
    out = []
    for i in range(first, last):
        out += mon.evaluate(int(t[i]), t[:i], {k: v[:i] for k, v in frame.items()})[1]
    return out


def test_a_new_probe_with_a_smaller_wobble_is_not_stuck_and_its_own_wobble_is_learned() -> None:
    mon = TankMonitor("t", MonitorSettings())
    start = 14 * 60
    t, frame = _tank(14 + RENEWED_HOURS + 2, start, 0.03, 0.01)
    mon._learn_noise(t[:start], {k: v[:start] for k, v in frame.items()}, int(t[start]))  # the old probe's
    old = mon.noise["ph"]
    out = _run(mon, t, frame, start - 5, start + 90)
    fired = [tr.key for tr in out if tr.state == "firing"]
    assert "probe_step" in fired, fired  # the step itself is told: the probe was recalibrated or replaced
    assert "probe_stuck" not in fired, fired  # its smaller wobble is not the old probe's gone
    assert mon._renewing("ph", int(t[start + 90]))
    end = start + RENEWED_HOURS * 60 + 30
    mon._learn_noise(t[:end], {k: v[:end] for k, v in frame.items()}, int(t[end]))
    mon.noise_at_ms = int(t[end])
    assert not mon._renewing("ph", int(t[end]))
    assert mon.noise["ph"] < old / 2  # the new probe's own wobble, learned from its readings since the step


def test_a_renewed_probe_that_then_sticks_is_told() -> None:
    mon = TankMonitor("t", MonitorSettings())
    start = 14 * 60
    t, frame = _tank(14 + RENEWED_HOURS + 2, start, 0.03, 0.01)
    end = start + RENEWED_HOURS * 60 + 30
    frame["ph"][end:] = 7.61  # after its wobble was learned, the new probe freezes
    mon._learn_noise(t[:start], {k: v[:start] for k, v in frame.items()}, int(t[start]))
    _run(mon, t, frame, start - 5, start + 20)  # the step is seen
    mon._learn_noise(t[:end], {k: v[:end] for k, v in frame.items()}, int(t[end]))
    mon.noise_at_ms = int(t[end])
    out = _run(mon, t, frame, end + 1, end + 40)
    assert [tr for tr in out if tr.key == "probe_stuck" and tr.state == "firing"]
