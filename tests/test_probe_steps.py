"""Steps no water can make (analytics/probe_steps.py): pure functions on a few minutes of synthetic readings,
and the monitor's use of them (analytics/probes.py) on a few hours."""

from __future__ import annotations

import numpy as np

from analytics.monitor import MonitorSettings, TankMonitor
from analytics.probe_steps import (
    AFTER_MINUTES,
    BEFORE_MINUTES,
    LOOK_MINUTES,
    STEP_NOISES,
    lasting_step,
    repeats_for_stuck,
    trailing_repeats,
    water_moved,
)
from analytics.probes import RENEWED_HOURS

MIN = 60_000
NOISE = 0.005  # a pH probe's reading noise (its minute steps spread by about 0.007)
SPREAD = NOISE * np.sqrt(2)


def _water(n: int, seed: int = 1, level: float = 7.4) -> np.ndarray:
    return level + np.random.default_rng(seed).normal(0.0, NOISE, n)


def test_a_recalibration_offset_is_a_step_as_soon_as_it_stayed() -> None:
    y = _water(BEFORE_MINUTES + LOOK_MINUTES)
    jump = len(y) - AFTER_MINUTES
    y[jump:] += 0.5
    s = lasting_step(y, SPREAD)
    assert s is not None and s.index == jump and abs(s.size - 0.5) < 0.02 and abs(s.before - 7.4) < 0.01
    assert lasting_step(y[:-1], SPREAD) is None  # two readings after it: not yet shown to stay
    gap = np.arange(len(y)) * MIN + np.where(np.arange(len(y)) >= jump, 120 * MIN, 0)  # a 2 h power cut before it
    assert lasting_step(y, SPREAD, t_ms=gap) is None  # the water had two hours, not a minute


def test_water_events_are_ramps_not_steps() -> None:
    n = BEFORE_MINUTES + LOOK_MINUTES
    k = np.arange(n, dtype=float)
    crash = _water(n) - np.clip(k - 5, 0, None) * 2.0 / 60  # a CO2 overdose: -2 pH per hour
    dose = _water(n) + np.clip((k - 5) / 10, 0, 1) * 0.3  # a buffer dose mixing over ten minutes
    heater = _water(n, level=25.0) + np.clip(k - 5, 0, None) * 3.0 / 60  # a heater stuck on, +3 °C/h
    for y in (crash, dose, heater):
        assert lasting_step(y, SPREAD) is None


def test_small_steps_glitches_and_gaps_are_not_probe_steps() -> None:
    n = BEFORE_MINUTES + LOOK_MINUTES
    small = _water(n)
    small[-4:] += 0.8 * STEP_NOISES * SPREAD  # within what the probe's noise and the water do
    glitch = _water(n)
    glitch[-3:-1] += 0.5  # two wild readings, then back
    assert lasting_step(small, SPREAD) is None and lasting_step(glitch, SPREAD) is None
    fast_tank = _water(n)
    fast_tank[-4:] += 0.5
    assert lasting_step(fast_tank, SPREAD, least=0.6) is None  # this tank's water does move 0.6 in a minute
    assert lasting_step(np.full(n, np.nan), SPREAD) is None and lasting_step(fast_tank, 0.0) is None


def test_a_top_up_or_a_water_change_moved_the_water_a_feeding_did_not() -> None:
    rng = np.random.default_rng(2)
    level = 20 + rng.normal(0, 0.05, 18)
    assert not water_moved(level, 14)
    level[14:] += 1.0  # a top-up poured in
    assert water_moved(level, 14)
    tds = 380 + rng.normal(0, 1.0, 18)
    fed, changed = tds.copy(), tds.copy()
    fed[14:] += 15  # a feeding: +4 %
    changed[14:] *= 0.8  # new water: a fifth less
    assert not water_moved(fed, 14, 0.1, any_fall=True) and water_moved(changed, 14, 0.1)
    diluted = tds.copy()
    diluted[14:] -= 10  # a small change of softer water: under a tenth, but TDS never falls in a minute by itself
    assert water_moved(diluted, 14, 0.1, any_fall=True) and not water_moved(diluted, 14, 0.1)


def test_repeats_needed_follow_the_probes_resolution() -> None:
    assert repeats_for_stuck(1e-4, 1.0) == 5  # a fine probe: five in a row say it
    assert repeats_for_stuck(0.5, 1.0) > repeats_for_stuck(0.2, 1.0) > 5  # a coarse one needs more
    assert repeats_for_stuck(0.5, 1.0) < repeats_for_stuck(0.5, 0.1)  # a stricter rate needs more
    assert repeats_for_stuck(1.0, 1.0) >= 10**9  # a probe that always repeats: never by repeats
    assert trailing_repeats(np.array([1.0, 2.0, 2.0, np.nan, 2.0])) == 3 and trailing_repeats(np.array([])) == 0


def _tank(hours: int, offset_from: int, offset: float, back_at: int | None = None) -> tuple[np.ndarray, dict]:
    """A quiet tank, one row a minute, whose pH probe reads ``offset`` more from minute ``offset_from``."""
    n = hours * 60
    rng = np.random.default_rng(4)
    t = 1_767_225_600_000 + np.arange(n, dtype=np.int64) * MIN
    ph = 7.4 + 0.05 * np.sin(2 * np.pi * np.arange(n) / 1440) + rng.normal(0, NOISE, n)
    ph[offset_from:back_at] += offset
    frame = {"temp_c": 25 + rng.normal(0, 0.02, n), "ph": ph, "tds_ppm": 380 + rng.normal(0, 1.0, n),
             "turb_ntu": 1 + rng.normal(0, 0.02, n), "level_cm": 20 + rng.normal(0, 0.05, n),
             "flow_lpm": 5 + rng.normal(0, 0.05, n), "pump": np.ones(n)}
    return t, frame


def _run(mon: TankMonitor, t: np.ndarray, frame: dict, first: int, last: int) -> list:
    out = []
    for i in range(first, last):
        out += mon.evaluate(int(t[i]), t[:i], {k: v[:i] for k, v in frame.items()})[1]
    return out


def test_a_ph_offset_is_told_as_the_probe_holds_ph_crash_and_is_not_learned() -> None:
    mon = TankMonitor("t", MonitorSettings())
    start = 14 * 60
    t, frame = _tank(17, start, -0.5, back_at=start + 90)
    mon._learn_noise(t[:start], {k: v[:start] for k, v in frame.items()}, int(t[start]))  # its noise, as after 12 h
    out = _run(mon, t, frame, start - 5, start + 110)
    fired = [tr for tr in out if tr.state == "firing"]
    told = [tr for tr in fired if tr.key == "probe_step"]
    assert told and (told[0].t_ms - t[start]) <= 8 * MIN, [(tr.key, tr.summary) for tr in fired]
    assert "pH reading jumped -0.50 in one minute" in told[0].summary and "drop test" in told[0].summary
    assert not [tr for tr in fired if tr.key == "ph_crash"], [(tr.key, tr.summary) for tr in fired]
    resolved = [tr for tr in out if tr.key == "probe_step" and tr.state == "resolved"]
    assert len(told) == 1 and resolved and t[start + 90] < resolved[0].t_ms <= t[start + 90] + 16 * MIN
    assert mon.probe_steps["ph"][3]  # the step back is known as one: the rules waited for it too
    (name, a, b, size), = mon.offset_spans  # the offset is known, and kept out of the usual daily course
    assert name == "ph" and a == t[start - 1] and b == t[start + 89] and abs(size + 0.5) < 0.02
    assert not mon._learnable(t[start:start + 90]).any() and mon._read_off(t[start:start + 90]).all()
    assert mon._learnable(t[: start - 2]).all() and not mon._read_off(t[: start - 2]).any()


def test_a_stuck_fine_probe_is_told_in_minutes_not_half_an_hour() -> None:
    mon = TankMonitor("t", MonitorSettings())
    start = 13 * 60
    t, frame = _tank(14, start, 0.0)
    frame["tds_ppm"][start:] = frame["tds_ppm"][start]  # the TDS probe repeats one value
    mon._learn_noise(t[:start], {k: v[:start] for k, v in frame.items()}, int(t[start]))
    out = _run(mon, t, frame, start + 1, start + 40)
    stuck = [tr for tr in out if tr.key == "probe_stuck" and tr.state == "firing"]
    assert stuck and stuck[0].t_ms - t[start] <= 11 * MIN and "TDS probe is stuck" in stuck[0].summary


def _renewed_tank(step_at: int) -> tuple[np.ndarray, dict]:
    """A tank whose cracked pH probe (wobble 0.03, read pulled to 7.0) is replaced at minute ``step_at`` by a
    new one (wobble 0.01) reading the water's 7.6; readings to 0.01 pH (round 16)."""
    t, frame = _tank(14 + RENEWED_HOURS + 2, step_at, 0.0)
    rng = np.random.default_rng(7)
    n = len(t)
    ph = np.where(np.arange(n) < step_at, 7.0 + rng.normal(0, 0.03, n), 7.6 + rng.normal(0, 0.01, n))
    frame["ph"] = np.round(ph, 2)
    return t, frame


def test_a_new_probe_with_a_smaller_wobble_is_not_stuck_and_its_own_wobble_is_learned() -> None:
    mon = TankMonitor("t", MonitorSettings())
    start = 14 * 60
    t, frame = _renewed_tank(start)
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
    t, frame = _renewed_tank(start)
    end = start + RENEWED_HOURS * 60 + 30
    frame["ph"][end:] = 7.61  # after its wobble was learned, the new probe freezes
    mon._learn_noise(t[:start], {k: v[:start] for k, v in frame.items()}, int(t[start]))
    _run(mon, t, frame, start - 5, start + 20)  # the step is seen
    mon._learn_noise(t[:end], {k: v[:end] for k, v in frame.items()}, int(t[end]))
    mon.noise_at_ms = int(t[end])
    out = _run(mon, t, frame, end + 1, end + 40)
    assert [tr for tr in out if tr.key == "probe_stuck" and tr.state == "firing"]


def test_a_probe_that_steps_as_it_begins_to_fail_is_not_learned_by_its_failing_hours() -> None:
    """The third keeper's nano: a pH probe turning noisy (±0.15) reads as a step; fifteen hours later it is
    well again, and its healthy wobble is the one learned, not the failing hours after the step."""
    mon = TankMonitor("t", MonitorSettings())
    start = 14 * 60
    t, frame = _tank(14 + 30, start, 0.0)
    rng = np.random.default_rng(3)
    frame["ph"][start] += 0.6  # the first failing reading lands far off: a step
    frame["ph"][start + 1:start + 15 * 60] += rng.normal(0, 0.15, 15 * 60 - 1)
    mon._learn_noise(t[:start], {k: v[:start] for k, v in frame.items()}, int(t[start]))
    healthy = mon.noise["ph"]
    mon.probe_steps["ph"] = (int(t[start]), 0.6, 7.4, False)  # the step as _probe_stepped keeps it
    end = start + 28 * 60
    mon._learn_noise(t[:end], {k: v[:end] for k, v in frame.items()}, int(t[end]))
    assert mon.noise_renewed.get("ph") == int(t[start]) and not mon._renewing("ph", int(t[end]))
    assert mon.noise["ph"] < 2 * healthy  # its thirteen well hours, not the fifteen failing ones


def test_a_crashed_ph_coming_back_while_the_usual_waits_to_be_relevelled_is_no_probe_going_off() -> None:
    """Round 19 (desk thermostat, day 12): a pH crash ended by a water change.  The water change leaves the
    baseline waiting to be re-levelled (no usual now); the pH stepping back up from the crash was judged
    against where it read before the step (the crash), read as a probe going off, and kept the whole tank out
    of learning for a whole reference (72 h: the drift's usual was days old after it).  The usual course
    before the water change still says where the water belongs: the step back is the end of something."""
    from analytics.baseline import DayNightBaseline

    mon = TankMonitor("t", MonitorSettings())
    learned, crash, back = 12 * 60, 13 * 60, 15 * 60
    t, frame = _tank(16, 0, 0.0)
    frame["ph"][crash:back] -= np.minimum(1.0, (np.arange(back - crash) + 1) / 60.0) * 0.5  # an hour's fall
    present = [n for n in mon.settings.drift_sensors if n in frame]
    X = np.stack([frame[n][:learned] for n in present], axis=1)
    mon.baseline = DayNightBaseline.fit(t[:learned] / 1000.0, X, mon.settings.harmonics)
    mon._learn_noise(t[:learned], {k: v[:learned] for k, v in frame.items()}, int(t[learned]))
    mon.relevel_pending = True  # a water change at the crash's end: the usual waits for the new water
    for i in range(back - 5, back + 30):
        mon._probe_stepped("ph", t[:i], {k: v[:i] for k, v in frame.items()}, int(t[i]))
    assert "ph" in mon.probe_steps and mon.probe_steps["ph"][3]  # a step back, not a probe reading off
    assert not mon._step_stands("ph", int(t[back + 30]))
    assert mon._learnable(t[back + 20:back + 30]).all() and not mon.offset_spans
