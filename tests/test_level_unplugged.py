"""Round 17: the first water change, before any is learned, with the filter unplugged (its relay still on).

child_nano_month's father and office_nano_month's keeper pull the filter's plug, siphon a third of the tank
within minutes and pour it back by the jug: before a change was learned that paged ``pump_stopped`` and
``level_falling`` (critical) at the first water change.  The order is the physics: the keeper stops the filter,
then siphons; a siphon, a leak or an overflow leaves the filter running until the water is below its intake.
"""

from __future__ import annotations

from typing import Any

import numpy as np

from analytics import level_dips
from analytics.level_dips import LevelHold
from analytics.water_change import RESTART_MINUTES, filter_unplugged, still_pouring
from tests.test_water_change_level import CHANGE, START_MS, _run, _tank

MIN_MS = 60_000
DEPTH, DRAIN_MIN, JUGS = 7.5, 8, 6  # 7.5 cm in 8 minutes, back in six jugs poured two minutes apart
ABOVE = 1.5  # the jugs fill to the line the week's evaporation had left the mark under (child_nano: 23.4 -> 25 cm)


def _unplugged_change(v: dict[str, np.ndarray], plug_back_after_last_jug: int | None) -> int:
    """The filter unplugged at ``CHANGE`` (no flow, relay on), the siphon from the same minute (as child_nano's), jugs of cooler
    water, the filter plugged back in that many minutes after the last jug (None: never).  The last jug's minute."""
    k = np.arange(len(v["level_cm"])) - CHANGE
    fall = np.clip((k + 1) / DRAIN_MIN, 0.0, 1.0) * DEPTH  # (the siphon's first minute shows with the quiet)
    poured = np.clip((k - DRAIN_MIN) // 2 + 1, 0, JUGS) * (DEPTH + ABOVE) / JUGS
    v["level_cm"] -= np.where(k >= 0, fall - poured, 0.0)
    v["temp_c"] -= np.where(k >= DRAIN_MIN, 0.5, 0.0)
    v["tds_ppm"] -= np.where(k >= DRAIN_MIN, 15.0 * np.minimum((k - DRAIN_MIN) / (2 * JUGS), 1.0), 0.0)
    last_jug = CHANGE + DRAIN_MIN + 2 * (JUGS - 1)
    end = len(v["flow_lpm"]) if plug_back_after_last_jug is None else last_jug + plug_back_after_last_jug
    v["flow_lpm"][CHANGE:end] = 0.0
    return last_jug


def test_the_filter_stopped_before_the_fall_is_unplugged_and_one_stopped_by_it_is_not() -> None:
    t = np.arange(40, dtype=np.float64) * MIN_MS
    assert filter_unplugged(t, np.where(np.arange(40) >= 30, 0.0, 1.0), 30 * MIN_MS)  # the same minute
    assert not filter_unplugged(t, np.where(np.arange(40) >= 34, 0.0, 1.0), 30 * MIN_MS)  # dry minutes later
    assert not filter_unplugged(t, np.where(np.arange(40) >= 5, 0.0, 1.0), 30 * MIN_MS)  # a pump long failed
    assert not filter_unplugged(t, None, 30 * MIN_MS)


def test_the_refill_still_pours_until_the_last_jug() -> None:
    v = _tank(CHANGE + 60, 11)
    last = _unplugged_change(v, 4)
    t = START_MS + np.arange(len(v["level_cm"]), dtype=np.int64) * MIN_MS
    back = START_MS + (last - 4) * MIN_MS  # near the mark two jugs before the last
    assert still_pouring(t, v["level_cm"], START_MS + (last + 2) * MIN_MS, back)
    assert not still_pouring(t, v["level_cm"], START_MS + (last + RESTART_MINUTES + 3) * MIN_MS, back)


def test_the_first_change_with_the_filter_unplugged_pages_nothing() -> None:
    """child_nano_month d03: no ``pump_stopped`` while the filter is unplugged for the change, no
    ``level_falling`` for the siphon, no ``pump_stopped`` while the last jugs go in."""
    v = _tank(CHANGE + 60, 12)
    _unplugged_change(v, 4)
    _, fired = _run(v, level_cm_low=10.0)
    assert not fired, [tr.summary for tr in fired]


def test_a_filter_left_unplugged_after_the_first_change_is_told() -> None:
    v = _tank(CHANGE + 60, 13)
    last = _unplugged_change(v, None)
    _, fired = _run(v, level_cm_low=10.0)
    stopped = [tr for tr in fired if tr.key == "pump_stopped"]
    assert stopped and (stopped[0].t_ms - START_MS) // MIN_MS <= last + RESTART_MINUTES + 5, \
        [(tr.key, (tr.t_ms - START_MS) // MIN_MS) for tr in fired]


def test_a_siphon_on_the_first_day_with_the_filter_running_is_still_told() -> None:
    """office_nano_month's siphon restarted onto the carpet, before any change is learned: the filter runs
    until the water is below its intake, so nobody unplugged it: the fall is told while it falls."""
    v = _tank(CHANGE + 40, 14)
    k = np.arange(len(v["level_cm"])) - CHANGE
    v["level_cm"] -= np.clip(k, 0, None) * 1.3  # 1.3 cm a minute, down to the gravel
    v["level_cm"] = np.maximum(v["level_cm"], 4.0)
    v["flow_lpm"][v["level_cm"] < 18.0] = 0.0  # the intake 18 cm up runs dry 9 minutes into the fall
    _, fired = _run(v, level_cm_low=10.0)
    falls = [tr for tr in fired if tr.key in ("level_falling", "sump_low")]
    assert falls and (falls[0].t_ms - START_MS) // MIN_MS - CHANGE <= 15, \
        [(tr.key, (tr.t_ms - START_MS) // MIN_MS) for tr in fired]


def test_a_float_valve_answering_a_spill_with_the_pump_running_is_no_water_change(monkeypatch: Any) -> None:
    """shop_rack_month's fish bag on tank 7's overflow: the rack spills 4 l/min onto the floor with the return
    running, the float valve opens and its cold mains cool the sump minutes into the fall.  That new water is
    the holder answering a loss, not the keeper's refill: it must not make the spill a water change that holds
    ``level_falling`` (the keeper switches the return off for their changes)."""
    held = LevelHold(True, 35.0, 0.3)  # the sump a float valve holds at 35 cm (learned over days: given here)
    monkeypatch.setattr(level_dips, "learn_hold", lambda *a, **k: held)
    v = _tank(CHANGE + 45, 15)
    k = np.arange(len(v["level_cm"])) - CHANGE
    v["level_cm"] += 5.0 - np.clip(k, 0, None) * 0.15  # 9 cm/h the valve cannot keep up with
    v["temp_c"] -= np.clip(k - 3, 0, None) * 0.03  # the valve's mains at 11 °C from minute 3
    v["tds_ppm"] -= np.clip(k - 3, 0, None) * 0.2  # (its TDS near the system's)
    mon, fired = _run(v, level_cm_low=20.0)
    falls = [tr for tr in fired if tr.key in ("level_falling", "sump_low")]
    assert falls and (falls[0].t_ms - START_MS) // MIN_MS - CHANGE <= 30, \
        [(tr.key, (tr.t_ms - START_MS) // MIN_MS) for tr in fired]
