"""The temperature against its usual course (analytics/tank_rules.py, round 8).

Round 7 left two temperature faults told late: a heatwave on an unheated
conservatory tank (+1 °C/h) hid inside its ±2.5 °C day (told after an hour),
and the heater rules were held for 3 h after every water change, so a heater
dying soon after one was told after three hours (or not at all in a tank
changed every evening).  Now a steady course turning steep is judged against
the usual one, and after a water change the water is expected back along the
tank's own recovery.
"""

from __future__ import annotations

import copy

import numpy as np
import pytest

from analytics.monitor import MonitorSettings, TankMonitor
from analytics.rules import minutes_since_fall, recovery_time_constant
from benchmarks.keeper_month_heat import daily_change_month

MIN_MS = 60_000
START_MS = 1_767_225_600_000  # 2026-01-01 00:00 UTC
HEAT = 3 * 1440 + 9 * 60  # day 3, 09:00: the sun is warming the room, the water rises 0.65 °C/h by itself


def test_a_pour_is_a_fall_beyond_the_probes_wobble() -> None:
    """Soft water of 40 ppm wobbles by 2 % from minute to minute: only a fall beyond the wobble is fresh water."""
    rng = np.random.default_rng(4)
    t = np.arange(90) * MIN_MS * 1.0
    soft = 40.0 + rng.normal(0, 1.0, 90)
    assert minutes_since_fall(t, soft, 90 * MIN_MS, least=7.0) == float("inf")
    assert minutes_since_fall(t, soft, 90 * MIN_MS) < 90  # a 2 % rule alone takes the wobble for a pour
    soft[60:] -= 12.0  # 30 % of the water changed at minute 60
    assert 25 <= minutes_since_fall(t, soft, 90 * MIN_MS, least=7.0) <= 30


def test_the_recovery_time_constant_is_the_tanks_own() -> None:
    t = np.arange(150) * MIN_MS * 1.0
    rng = np.random.default_rng(5)
    for tau in (1.0, 2.5):
        back = -1.5 * np.exp(-t / 3_600_000 / tau) + rng.normal(0, 0.02, len(t))
        assert recovery_time_constant(t, back, 0.1) == pytest.approx(tau, rel=0.15)
    assert np.isnan(recovery_time_constant(t, np.full(len(t), -1.0), 0.1))  # not coming back: no constant


@pytest.fixture(scope="module")
def conservatory() -> tuple[TankMonitor, np.ndarray, dict]:
    """Three healthy days of an unheated tank following a glass room: 16 °C, ±2.5 °C a day."""
    rng = np.random.default_rng(90)
    m = np.arange(HEAT + 60)
    day = 2 * np.pi * (m / 1440.0)
    v = {"temp_c": 16.0 + 2.5 * np.sin(day - 2 * np.pi * 9 / 24) + rng.normal(0, 0.02, len(m)),
         "ph": 7.5 + 0.07 * np.sin(day - 2.6) + rng.normal(0, 0.008, len(m)),
         "tds_ppm": 280.0 + 3.5 * m / 1440.0 + rng.normal(0, 1.0, len(m)),
         "turb_ntu": 1.0 + rng.normal(0, 0.05, len(m))}
    t = START_MS + m.astype(np.int64) * MIN_MS
    mon = TankMonitor("pond", MonitorSettings(profile="cold-water"))
    for i in range(2 * 1440, HEAT - 60, 5):
        mon.evaluate(START_MS + i * MIN_MS, t[:i], {k: x[:i] for k, x in v.items()})
    return mon, t, v


def _warming(conservatory: tuple, per_h: float, transitions: list | None = None) -> dict[str, int]:
    """Minutes from HEAT to each alert, the room warming the water ``per_h`` °C/h beyond its usual day
    (every transition, with its summary, appended to ``transitions``)."""
    mon0, t, v0 = conservatory
    mon, v = copy.deepcopy(mon0), {k: x.copy() for k, x in v0.items()}
    v["temp_c"][HEAT:] += per_h * np.arange(len(t) - HEAT) / 60.0
    fired: dict[str, int] = {}
    for i in range(HEAT - 60, HEAT + 45):
        for tr in mon.evaluate(START_MS + i * MIN_MS, t[:i], {k: x[:i] for k, x in v.items()})[1]:
            if transitions is not None:
                transitions.append((tr.t_ms, tr.key, tr.state, tr.value, tr.summary))
            if tr.state == "firing":
                fired.setdefault(tr.key, i - HEAT)
    return fired


def test_a_heatwave_inside_the_daily_swing_is_told_within_15_minutes(conservatory: tuple) -> None:
    """+0.9 °C/h on top of the morning's own +0.65 °C/h: 1.55 °C/h raw, under the unheated profile's 3 °C/h,
    and under its stopped-heater rate (1 °C/h) that the departure's trend had to beat."""
    fired = _warming(conservatory, 0.9)
    assert "heater_stuck" in fired and fired["heater_stuck"] <= 15, fired
    assert _warming(conservatory, 0.0) == {}  # the same morning without it: its usual rise is no alert


@pytest.fixture(scope="module")
def evenings() -> tuple[TankMonitor, object, int, int]:
    """The own month's first 8 days (a 30 % change every evening), stepped up to the evening of day 5."""
    s = daily_change_month(days=8)
    death = int(s.faults[0]["start"])  # the heater dies 50 minutes after day 6's change
    mon = TankMonitor("t", MonitorSettings(profile="tropical"))
    return mon, s, death, 5 * 1440 + 17 * 60


def _step(mon: TankMonitor, s, minutes: range) -> dict[str, int]:
    fired: dict[str, int] = {}
    frame_all = {k: s.values[k] for k in ("temp_c", "ph", "tds_ppm", "turb_ntu", "level_cm", "flow_lpm", "pump")}
    keep = 73 * 60
    for i in minutes:
        lo = max(0, i - keep)
        for tr in mon.evaluate(int(s.t_ms[0]) + i * MIN_MS, s.t_ms[lo:i], {k: x[lo:i] for k, x in
                                                                          frame_all.items()})[1]:
            if tr.state == "firing":
                fired.setdefault(tr.key, i)
    return fired


def test_a_heater_dying_soon_after_a_water_change_is_told_and_ordinary_changes_are_silent(evenings) -> None:
    """Before, the heater rules waited 3 h after each change: a heater dying 50 minutes after the evening's
    change was never told in a tank changed every evening.  Now the water is expected back along the tank's
    own recovery (learned from the earlier evenings), and falling short of it is told."""
    mon, s, death, start = evenings
    healthy = _step(mon, s, range(2 * 1440, start, 5))  # warm-up and four evenings' changes, every 5 min
    evening = _step(mon, s, range(start, 6 * 1440 + 12 * 60))  # day 5's change, each minute: ordinary
    assert not {"heater_dead", "heater_stuck"} & (set(healthy) | set(evening)), (healthy, evening)
    fired = _step(mon, s, range(6 * 1440 + 12 * 60, death + 60))
    assert "heater_dead" in fired and death < fired["heater_dead"] <= death + 30, (fired, death)
    assert mon.heat_recovery_h, "the earlier evenings' recoveries were learned"


def test_the_small_median_is_numpys() -> None:
    """The rules' median (``small_median``) is numpy's, to the last bit, on odd and even lengths."""
    from analytics.rules import small_median

    rng = np.random.default_rng(8)
    for n in (1, 2, 3, 14, 15, 44, 45, 104, 105):
        for _ in range(50):
            x = rng.normal(size=n) * rng.choice([1e-3, 1.0, 1e3])
            assert small_median(x) == float(np.median(x))


def test_the_faster_median_changes_no_decision(conservatory: tuple, monkeypatch: pytest.MonkeyPatch) -> None:
    """The same readings give the same transitions with numpy's median in the rules' place."""
    import analytics.heater_rules
    import analytics.rules

    fast: list = []
    _warming(conservatory, 0.9, fast)
    for module in (analytics.rules, analytics.heater_rules):
        monkeypatch.setattr(module, "small_median", lambda x: float(np.median(x)) if len(x) else float("nan"))
        monkeypatch.setattr(module, "small_nanmedian", lambda x: float(np.nanmedian(x)) if np.isfinite(x).any()
                            else float("nan"))
    numpys: list = []
    _warming(conservatory, 0.9, numpys)
    assert numpys == fast and fast


def _course(trend: float, z: float, expected: float = 0.0, before: float = 0.0, moved: float = 0.0,
            moved_sd: float = 0.0):
    from analytics.heater_rules import TempCourse

    return TempCourse(trend, z, z, before, moved, moved_sd, z * 0.1, expected)


def test_a_slow_recovery_is_not_a_heater_that_stopped() -> None:
    """After a water change the water is 1 °C below where it was and the tank usually recovers +0.6 °C/h:
    still warming at +0.2 °C/h is a slow recovery (an evening's change in the own month paged twice), not
    warming at all is the heater."""
    from analytics.heater_rules import HeaterRulesMixin as RulesMixin

    assert not RulesMixin._falling(_course(0.2, -10.0, expected=0.6), 0.8, 0.3, 0.2, True)
    assert RulesMixin._falling(_course(-0.05, -10.0, expected=0.6), 0.8, 0.3, -0.05, True)
    assert not RulesMixin._falling(_course(-0.05, -10.0), 0.8, 0.3, -0.05, True)  # no recovery learned yet


def test_a_usual_course_turning_while_the_water_stays_put_is_not_the_heater() -> None:
    """The departure from usual turns steep (+0.9 °C/h) because the usual course dips (a dip learned from
    other evenings' water changes) while the water itself is flat: no heater stuck on.  The same departure
    with the water itself warming (the sun on a conservatory) is told."""
    from analytics.heater_rules import HeaterRulesMixin as RulesMixin

    turned = _course(0.9, 0.5, before=0.05, moved=0.3, moved_sd=6.0)
    assert not RulesMixin._rising(turned, 0.5, 0.0, False)
    assert RulesMixin._rising(turned, 0.5, 1.5, False)
    assert not RulesMixin._rising(turned, 0.5, 1.5, True)  # the water coming back from a water change
