"""Round 21: after a power cut the heater catching up is the outage's aftermath, not a drift (analytics/outage.py).

The eighth keeper's cichlid tank lost power for two hours one evening: no readings from any probe, the water
1 °C cooler when they came back and warming at the heater's rate.  The drift told "temperature 24.74 °C, usual
25.52" 40 minutes after the return although nothing was wrong.  A departure that closes is now left to the
heater; one that stays or widens (a heater that died in the cut) is still told.
"""

from __future__ import annotations

import numpy as np

from analytics.catalogue import ALERTS
from analytics.outage import closing
from benchmarks.keeper_month import DAY_MIN, Scenario, Tank, _power_cut, build

MIN_MS = 60_000
CUT = 4 * DAY_MIN + 18 * 60  # day 4, 18:00
CUT_MINUTES = 120


def _cut_tank(reheat_per_h: float, days: int = 5, seed: int = 300) -> Scenario:
    """The cichlid month's 300 l tank and limits (a 3 h heater, no faults), a 2 h power cut on day 4 at 18:00 (the water
    1 °C cooler after it), then warming back at ``reheat_per_h`` (°C/h; below zero: the heater died in it)."""
    tank = Tank(temp=25.5, temp_swing=0.2, ph=8.2, ph_swing=0.03, tds=420.0, tds_per_day=6.0, turb=1.2,
                feed_turb=0.7, feed_hours=(9.0,), level=24.0, evap_cm_per_day=1.0, flow=30.0, heat_tau_h=3.0,
                noise={"temp_c": 0.02, "ph": 0.01, "tds_ppm": 2.0, "turb_ntu": 0.06, "level_cm": 0.06,
                       "flow_lpm": 0.4})
    s = build("a power cut", "tropical", tank, days, [], lambda v, rng: ["feeding 9:00"], 0.0, seed)
    _power_cut(s, CUT, CUT_MINUTES, reheat_per_h=reheat_per_h)
    s.limits = {"ph_low": 7.4, "ph_high": 8.8, "tds_ppm_high": 900.0}  # the cichlid keeper's hard water
    return s


def _told_after_cut(s: Scenario) -> list[tuple[int, str]]:
    """(minutes after the power came back, key) of each warning or critical alert told after the cut."""
    from benchmarks.bench_detection import measure_month

    _, det, _ = measure_month(s)
    t0 = int(s.t_ms[0])
    back = CUT + CUT_MINUTES
    return [((int(tr.t_ms) - t0) // MIN_MS - back, tr.key) for tr in det.transitions
            if tr.state == "firing" and ALERTS[tr.key].severity in ("warning", "critical")
            and (int(tr.t_ms) - t0) // MIN_MS >= CUT]


def test_the_heater_catching_up_after_a_power_cut_is_no_drift() -> None:
    """Through the engine the service runs: the water warming back at the heater's 0.4 °C/h after the cut is
    told as nothing (before: drift 40 minutes after the return)."""
    assert _told_after_cut(_cut_tank(0.4)) == []


def test_a_heater_that_died_in_the_power_cut_is_still_told() -> None:
    """The water still cooling after the power is back (the heater died in the cut) is told within the hour."""
    told = _told_after_cut(_cut_tank(-0.5))
    assert any(0 <= m <= 60 and key in ("drift", "heater_dead") for m, key in told), told


def test_closing_needs_the_departure_shrinking_and_not_widening_lately() -> None:
    t = np.arange(0, 90) * MIN_MS
    sd = 0.03
    warming = -1.0 + 0.4 * t / 3_600_000
    assert closing(t, warming, 0, 90 * MIN_MS, sd)
    # the first minutes after the return: nothing closed yet
    assert not closing(t[:12], warming[:12], 0, 12 * MIN_MS, sd)
    # warming, then the heater dies half-way: the departure widens again
    stalled = np.where(t < 45 * MIN_MS, warming, warming[45] - 0.6 * (t - 45 * MIN_MS) / 3_600_000)
    assert not closing(t, stalled, 0, 90 * MIN_MS, sd)
    # overshooting past usual is no departure of the same kind
    assert not closing(t, -1.0 + 2.0 * t / 3_600_000, 0, 90 * MIN_MS, sd)
