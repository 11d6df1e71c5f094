"""Round 9: water the keeper moves is a water change, recognised by the level (with or without a TDS step).

A drain and refill (the level falls fast and comes back to its mark) or a top-up of different water (the
level steps up while the temperature steps) is the keeper's water change: the heater, level and flow rules
hold while it is under way, for a bounded time; a leak, a level not back, a filter not restarted are told.
"""

from __future__ import annotations

from typing import Any

import numpy as np

from analytics.monitor import MonitorSettings, TankMonitor
from analytics.water_change import (
    MOVE_MINUTES,
    RESTART_MINUTES,
    DrainUnderWay,
    PastDrain,
    back_at_mark,
    filter_switched_off,
    level_moved,
    stepped_at,
    unlike_habit,
)

MIN_MS = 60_000
START_MS = 1_767_225_600_000  # 2026-01-01 00:00 UTC
CHANGE = 90  # the keeper starts the change at this minute


def _tank(minutes: int, seed: int) -> dict[str, np.ndarray]:
    """A quiet 30 cm tank (no sump), its filter running, its heater holding 25 °C."""
    rng = np.random.default_rng(seed)
    return {"temp_c": 25.0 + rng.normal(0, 0.02, minutes), "ph": 7.2 + rng.normal(0, 0.01, minutes),
            "tds_ppm": 300.0 + rng.normal(0, 1.0, minutes), "turb_ntu": 0.8 + rng.normal(0, 0.04, minutes),
            "level_cm": 30.0 + rng.normal(0, 0.05, minutes), "flow_lpm": 6.0 + rng.normal(0, 0.08, minutes),
            "pump": np.ones(minutes)}


def _drain_refill(v: dict[str, np.ndarray], cm: float, drain_min: int, refill_min: int | None,
                  filter_off_min: int, cooler_c: float) -> None:
    """The keeper drains ``cm`` (the filter unplugged), refills (None: never) with water ``cooler_c`` colder."""
    k = np.arange(len(v["level_cm"])) - CHANGE
    dip = np.where((k >= 0) & (k < drain_min), cm * k / drain_min, 0.0)
    if refill_min is None:
        dip = np.where(k >= drain_min, cm, dip)
    else:
        dip = np.where((k >= drain_min) & (k < drain_min + refill_min), cm * (1 - (k - drain_min) / refill_min),
                       dip)
    v["level_cm"] -= dip
    v["flow_lpm"][CHANGE:CHANGE + filter_off_min] = 0.0
    v["temp_c"] -= np.where(k >= 0, cooler_c * np.exp(-np.maximum(k, 0) / 120.0), 0.0)


def _run(v: dict[str, np.ndarray], first: int = 60, **limits: float) -> tuple[TankMonitor, list[Any]]:
    mon = TankMonitor("qt", MonitorSettings(limits={"level_cm_low": 20.0, **limits}))
    n = len(v["ph"])
    t = START_MS + np.arange(n, dtype=np.int64) * MIN_MS
    fired = []
    for i in range(first, n):
        fired += [tr for tr in mon.evaluate(START_MS + i * MIN_MS, t[:i], {k: x[:i] for k, x in v.items()})[1]
                  if tr.state == "firing"]
    return mon, fired


def test_a_siphon_is_water_moved_and_a_leak_is_not() -> None:
    t = np.arange(40, dtype=np.float64) * MIN_MS
    level = np.full(40, 20.0)
    level[36:] = [19.4, 18.8, 18.2, 17.6]
    move = level_moved(t, level, 40 * MIN_MS, leak_cm_per_h=1.0)
    assert move is not None and move.kind == "drain" and move.mark_cm == 20.0
    # a leak five times the keeper's leak rate is still a leak (hours, not minutes)
    assert level_moved(t, 20.0 - 5.0 * t / 3_600_000, 40 * MIN_MS, leak_cm_per_h=1.0) is None
    # the return pump switched on lowers the sump fast: no keeper moved that water
    pump = np.where(np.arange(40) >= 35, 1.0, 0.0)
    assert level_moved(t, level, 40 * MIN_MS, leak_cm_per_h=1.0, pump=pump) is None
    up = level_moved(t, np.where(np.arange(40) >= 38, 25.0, 20.0), 40 * MIN_MS, leak_cm_per_h=1.0)
    assert up is not None and up.kind == "top_up"
    assert back_at_mark(19.9, 20.0, 14.0, move.threshold_cm) and not back_at_mark(16.0, 20.0, 14.0, 1.0)


def test_a_step_is_measured_against_the_readings_own_noise() -> None:
    t = np.arange(30, dtype=np.float64) * MIN_MS
    y = 25.0 + np.random.default_rng(3).normal(0, 0.02, 30)
    assert stepped_at(t, y, 27 * MIN_MS) < 6
    y[27:] -= 0.6
    assert stepped_at(t, y, 27 * MIN_MS) > 6


def test_a_reading_that_turns_long_after_a_fall_began_did_not_step_with_it() -> None:
    """shop_rack_month's fish bag on the overflow: the sump spilled, and 10 minutes on the float valve's cold
    mains began cooling the water; that later turn, read as new water "stepped with the drain", made the spill
    a water change of the keeper's and hushed the leak."""
    t = np.arange(60, dtype=np.float64) * MIN_MS
    y = 25.2 + np.random.default_rng(6).normal(0, 0.02, 60)
    y[32:] -= 0.035 * (np.arange(28) + 1)  # cold mains from minute 32, the fall began at 20
    assert stepped_at(t, y, 20 * MIN_MS) < 6
    y[20:] -= 0.5  # water of another temperature poured in with the fall itself
    assert stepped_at(t, y, 20 * MIN_MS) > 6


def test_a_drain_and_refill_with_the_filter_unplugged_is_a_water_change() -> None:
    """quarantine_month's change: 14 cm drained below the filter's intake and the keeper's 20 cm sump limit,
    the filter off 30 min (relay on), cooler water: no pump, level, sump or heater alert."""
    v = _tank(CHANGE + 150, 1)
    _drain_refill(v, 14.0, 10, 20, 30, cooler_c=0.6)
    mon, fired = _run(v)
    assert not [tr.key for tr in fired], [tr.summary for tr in fired]
    # one water change: the refill's last centimetres are no top-up of their own
    assert sum("water change detected" in note for note in mon.day_notes) == 1, mon.day_notes


def test_a_filter_not_restarted_after_the_refill_is_told_in_the_keepers_words() -> None:
    v = _tank(CHANGE + 90, 2)
    _drain_refill(v, 14.0, 10, 20, 90, cooler_c=0.6)  # (the new water shows: it is the keeper's change)
    _, fired = _run(v)
    stopped = [tr for tr in fired if tr.key == "pump_stopped"]
    assert stopped and "has not restarted since the water change" in stopped[0].summary
    refilled = CHANGE + 30
    assert (stopped[0].t_ms - START_MS) // MIN_MS <= refilled + RESTART_MINUTES + 3


def test_a_level_not_back_is_told_once_the_change_had_its_time() -> None:
    """A fast fall that never comes back (a burst hose, water taken out for good): sump_low waits at most
    the bound, and the flow stopping with it is told as a stopped pump."""
    v = _tank(CHANGE + MOVE_MINUTES + 30, 3)
    _drain_refill(v, 14.0, 10, None, MOVE_MINUTES + 30, cooler_c=0.0)
    _, fired = _run(v)
    keys = {tr.key: (tr.t_ms - START_MS) // MIN_MS - CHANGE for tr in fired}
    assert "sump_low" in keys and keys["sump_low"] <= MOVE_MINUTES + 3
    assert "pump_stopped" in keys


def test_a_fast_leak_that_stopped_stays_told_while_the_water_is_missing() -> None:
    """shrimp_nano_month's burst hose: 4 cm out at 10 cm/h for 25 minutes, then the leak stops. No new water
    showed, so it is told while it falls; once the drain's hour has passed without a refill the missing water
    keeps it told (a fall that stopped has no rate left to tell) until the level is back."""
    v = _tank(CHANGE + MOVE_MINUTES + 40, 6)
    _drain_refill(v, 4.2, 25, None, 0, cooler_c=0.0)
    mon, fired = _run(v, level_cm_low=10.0)
    told = [tr for tr in fired if tr.key == "level_falling"]
    assert told and (told[0].t_ms - START_MS) // MIN_MS - CHANGE <= 25, [tr.summary for tr in fired]
    # long after the fall stopped (no rate left), the missing water keeps it told
    assert mon.firing("level_falling")
    assert mon.level_lost_below_cm < 30.0


def test_a_fast_leak_refilled_within_the_hour_is_told_while_it_falls() -> None:
    """The same burst hose found and refilled after 25 minutes: no reading stepped with the fall (no new water
    went in), so it is no water change of the keeper's and the level rules tell it while it falls."""
    v = _tank(CHANGE + 60, 7)
    _drain_refill(v, 4.2, 25, 1, 0, cooler_c=0.0)
    mon, fired = _run(v, level_cm_low=10.0)
    told = [tr for tr in fired if tr.key == "level_falling"]
    assert told and (told[0].t_ms - START_MS) // MIN_MS - CHANGE <= 25, [tr.summary for tr in fired]
    assert mon.water_moved_ms < START_MS


def test_a_cold_top_up_is_a_water_change_and_a_plain_one_is_not() -> None:
    """patio_tub_month's hose: 5 cm of cold tap water (the level steps up, the temperature steps down) is not
    a dead heater; a top-up of the tank's own kind of water stays a top-up."""
    v = _tank(CHANGE + 60, 4)
    v["level_cm"][CHANGE:] += 5.0
    v["temp_c"][CHANGE:] -= 0.6 * np.exp(-np.arange(60) / 300.0)
    mon, fired = _run(v)
    assert "heater_dead" not in {tr.key for tr in fired}, [tr.summary for tr in fired]
    assert mon.water_moved_ms >= START_MS + CHANGE * MIN_MS
    plain = _tank(CHANGE + 30, 5)
    plain["level_cm"][CHANGE:] += 2.0
    mon, _ = _run(plain)
    assert mon.water_moved_ms < START_MS


def test_a_changes_second_round_with_the_pump_still_off_is_the_same_change() -> None:
    """The weekly change in two rounds: the second drain 35 minutes after the first refill, the pump off since
    the first; a drain soon after a change with the pump running is still a siphon left running."""
    t = np.arange(120, dtype=np.float64) * MIN_MS
    pump = np.where(np.arange(120) >= 10, 0.0, 1.0)
    assert filter_switched_off(t, pump, 60 * MIN_MS)
    assert not filter_switched_off(t, np.ones(120), 60 * MIN_MS)
    past = [PastDrain(START_MS - 7 * 86_400_000, 19.0, 70.0, 15.0, 32.0)]
    second = DrainUnderWay(START_MS + 40 * MIN_MS, 35.0, 0.6, 30.0, filter_off=True,
                           fell_until_ms=START_MS + 45 * MIN_MS)
    assert unlike_habit(past, second, START_MS + 46 * MIN_MS, START_MS + 37 * MIN_MS) == ""
    left = DrainUnderWay(START_MS + 40 * MIN_MS, 35.0, 0.6, 30.0, fell_until_ms=START_MS + 45 * MIN_MS)
    assert unlike_habit(past, left, START_MS + 46 * MIN_MS, START_MS + 37 * MIN_MS).startswith("it began soon")
    # the keeper at the tank drains with another pump this week: faster than the habit, still theirs
    fast = DrainUnderWay(START_MS + 86_400_000, 35.0, 0.6, 20.0, filter_off=True,
                         fell_until_ms=START_MS + 86_400_000 + 6 * MIN_MS)
    assert unlike_habit(past, fast, START_MS + 86_400_000 + 7 * MIN_MS, START_MS) == ""
