"""The alert rules on a simulated tank (firmware/simtank.py under CPython, simulated time).

One healthy two-day warm-up is evaluated once and copied for every fault: each
fault then runs on the same tank from the same minute, so deadlines are
measured from the fault's own first reading.  Every key in ALERTS must fire in
some test here (no dead alerts): the fired keys are collected and checked last.
"""

from __future__ import annotations

import copy
import functools
import sys
from pathlib import Path
from typing import Any, Callable

import numpy as np
import pytest

from analytics.monitor import ALERTS, LABELS, TankMonitor, Transition
from analytics.profiles import get_profile

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "firmware"))
import simtank

DAY_MIN = 1440
START_MS = 1_767_225_600_000  # 2026-01-01 00:00 UTC: minute m of the run is m minutes after midnight
WARM = 2 * DAY_MIN + 10 * 60  # the fork: day 3, 10:00
FIRED: set[str] = set()  # the keys that fired in the test running now
SHOWN: set[str] = set()  # the keys some test in this module shows firing (filled as the module is read)


def fires(*keys: str) -> Callable[[Callable[..., None]], Callable[..., None]]:
    """The decorated test shows each of ``keys`` firing: checked when it runs, alone or in any order."""
    def mark(test: Callable[..., None]) -> Callable[..., None]:
        SHOWN.update(keys)

        @functools.wraps(test)
        def checked(*args: Any, **kwargs: Any) -> None:
            FIRED.clear()
            test(*args, **kwargs)
            missing = set(keys) - FIRED
            assert not missing, f"{test.__name__} did not fire {sorted(missing)}"
        return checked
    return mark


def simulate(minutes: int, faults: list[dict[str, Any]] = (), seed: int = 7) -> tuple[np.ndarray, dict]:
    clock = simtank.SimClock(START_MS, 0)
    tank = simtank.SimTank(clock, list(faults), seed)
    t = np.empty(minutes, np.int64)
    vals = {k: np.empty(minutes) for k in [*LABELS, "pump"]}
    for i in range(minutes):
        t[i] = clock.epoch_ms()
        r = tank.read_all()
        for k in LABELS:
            vals[k][i] = r[k]
        vals["pump"][i] = 1.0 if tank.pump_on else 0.0
        clock.sleep_ms(60_000)
    return t, vals


def run(mon: TankMonitor, t: np.ndarray, vals: dict, first: int, last: int,
        events: list[tuple[int, str, str]] = ()) -> list[tuple[int, Transition]]:
    """Evaluate at minutes first..last (each sees readings before it); return (minute, transition)."""
    out = []
    keep = int(mon.settings.reference_hours * 60) + 120  # what the service keeps in memory
    for i in range(first, last + 1):
        now = START_MS + i * 60_000
        lo = max(0, i - keep)
        ev = [e for e in events if now - 60_000 <= e[0] < now]
        _, trs = mon.evaluate(now, t[lo:i], {k: v[lo:i] for k, v in vals.items()}, ev)
        out += [(i, tr) for tr in trs]
    FIRED.update(tr.key for _, tr in out if tr.state == "firing")
    return out


@pytest.fixture(scope="module")
def warm() -> tuple[TankMonitor, np.ndarray, dict]:
    t, v = simulate(WARM)
    mon = TankMonitor("tank1")
    alerts = run(mon, t, v, 1, WARM)
    assert alerts == [], f"alerts during the healthy warm-up: {alerts}"
    assert mon.baseline is not None and mon.daily_shape is not None
    return mon, t, v


def fork(warm: Any, minutes: int, faults: list[dict[str, Any]], edit: Any = None) -> tuple[TankMonitor, list]:
    mon0, t0, v0 = warm
    t, v = simulate(WARM + minutes, faults)
    for k in v0:  # the healthy prefix is the very tank the monitor learned
        np.testing.assert_array_equal(v[k][:WARM], v0[k])
    if edit is not None:
        edit(t, v)
    mon = copy.deepcopy(mon0)
    return mon, run(mon, t, v, WARM + 1, WARM + minutes)


def first_firing(alerts: list, key: str) -> tuple[int, Transition]:
    hits = [(i, tr) for i, tr in alerts if tr.key == key and tr.state == "firing"]
    assert hits, f"{key} did not fire; fired: {[(i - WARM, tr.key) for i, tr in alerts]}"
    return hits[0][0] - WARM, hits[0][1]


def keys_fired(alerts: list) -> set[str]:
    return {tr.key for _, tr in alerts if tr.state == "firing"}


# --------------------------------------------------------------------------- the deadlines
@fires("heater_stuck", "temp_out_of_range")
def test_heater_stuck_on_within_15_minutes_and_resolves(warm: Any) -> None:
    mon, alerts = fork(warm, 8 * 60, [{"kind": "heater_stuck", "start_min": WARM, "end_min": WARM + 100,
                                       "rate_c_per_h": 3.0}])
    delay, tr = first_firing(alerts, "heater_stuck")
    assert 0 < delay <= 15 and tr.severity == "critical"
    assert "heater may be stuck on" in tr.summary and "°C/h" in tr.summary
    # 100 minutes at 3 °C/h: 30 °C, above the tropical limit of 29 °C
    assert first_firing(alerts, "temp_out_of_range")[1].summary.startswith("Temperature 29.")
    resolved = [i for i, tr in alerts if tr.key == "heater_stuck" and tr.state == "resolved"]
    assert resolved and resolved[0] - WARM > 100  # not before the heater was fixed
    # the numbers a notification can quote: "now 26.2 °C, peak 30.0 °C"
    assert tr.sensor == "temp_c" and 25.0 < tr.now < 27.0 and tr.peak == tr.now
    end = [t for _, t in alerts if t.key == "heater_stuck" and t.state == "resolved"][0]
    assert end.peak > 29.5 and end.now < end.peak
    assert keys_fired(alerts) <= {"heater_stuck", "temp_out_of_range", "drift", "water_quality"}


@fires("pump_stopped")
def test_pump_stopped_within_2_minutes(warm: Any) -> None:
    mon, alerts = fork(warm, 30, [{"kind": "pump_stopped", "start_min": WARM}])
    delay, tr = first_firing(alerts, "pump_stopped")
    assert 0 < delay <= 2 and "Pump stopped" in tr.summary
    assert "flow_low" not in keys_fired(alerts)  # no flow at all is the pump, not a clogged filter


@fires("sump_low")
def test_sump_low_within_1_minute(warm: Any) -> None:
    mon, alerts = fork(warm, 20, [{"kind": "sump_low", "start_min": WARM, "end_min": WARM + 10}])
    delay, tr = first_firing(alerts, "sump_low")
    assert 0 < delay <= 1 and "Sump level low: 5." in tr.summary
    assert [tr.key for _, tr in alerts if tr.state == "resolved"] == ["sump_low"]


@fires("ph_crash")
def test_ph_crash_half_a_unit_per_hour_within_20_minutes(warm: Any) -> None:
    mon, alerts = fork(warm, 3 * 60, [{"kind": "ph_crash", "start_min": WARM, "drop": 0.5}])
    delay, tr = first_firing(alerts, "ph_crash")
    assert 0 < delay <= 20 and "pH falling" in tr.summary and "per hour" in tr.summary
    drift = [tr for _, tr in alerts if tr.key == "drift" and tr.state == "firing"]
    # the lasting drop shows up as drift in the keeper's words (round 13: once the whole drift window shows it,
    # the pH by then under 7)
    assert drift and drift[0].summary.startswith("Water is drifting: pH 6.") and "usual 7.2" in drift[0].summary
    assert drift[0].summary.endswith("; temperature, TDS, turbidity normal.")


@fires("ph_rising")
def test_ph_rising_a_unit_per_hour_within_20_minutes(warm: Any) -> None:
    def soda(t: np.ndarray, v: dict) -> None:  # a doser siphoning its buffer: +1 pH an hour, then held
        v["ph"][WARM:] += np.minimum(0.6, np.arange(len(t) - WARM) / 60.0)

    mon, alerts = fork(warm, 3 * 60, [], soda)
    delay, tr = first_firing(alerts, "ph_rising")
    assert 0 < delay <= 20 and "pH rising +" in tr.summary and "per hour" in tr.summary
    assert not [tr for _, tr in alerts if tr.key == "ph_rising" and tr.state == "resolved"]  # the pH not back


@fires("ph_out_of_range")
def test_ph_far_out_of_range(warm: Any) -> None:
    mon, alerts = fork(warm, 3 * 60, [{"kind": "ph_crash", "start_min": WARM, "drop": 1.0}])
    assert "below the safe range 6.4–8" in first_firing(alerts, "ph_out_of_range")[1].summary


@fires("heater_dead")
def test_heater_dead(warm: Any) -> None:
    def cool(t: np.ndarray, v: dict) -> None:  # the heater fails in a cold room: −3 °C/h
        v["temp_c"][WARM:] -= 3.0 * np.arange(len(t) - WARM) / 60.0

    mon, alerts = fork(warm, 90, [], edit=cool)
    delay, tr = first_firing(alerts, "heater_dead")
    assert delay <= 15 and "heater may have failed" in tr.summary


@fires("flow_low")
def test_flow_blocked_is_flow_low(warm: Any) -> None:
    mon, alerts = fork(warm, 30, [{"kind": "flow_blocked", "start_min": WARM, "flow_lpm": 1.5}])
    delay, tr = first_firing(alerts, "flow_low")
    assert delay <= 10 and "clogged" in tr.summary
    assert "pump_stopped" not in keys_fired(alerts)


# --------------------------------------------------------------------------- probes, not water
@fires("probe_stuck")
def test_stuck_ph_probe_is_a_probe_problem(warm: Any) -> None:
    mon, alerts = fork(warm, 4 * 60, [{"kind": "ph_stuck", "start_min": WARM}])
    delay, tr = first_firing(alerts, "probe_stuck")
    assert "pH probe is stuck" in tr.summary and "not the water" in tr.summary
    assert keys_fired(alerts) == {"probe_stuck"}, [(i - WARM, tr.key, tr.summary) for i, tr in alerts]


@fires("probe_step")
def test_an_unplugged_ph_probe_reading_its_offset_is_told_by_its_step(warm: Any) -> None:
    def unplugged(t: np.ndarray, v: dict) -> None:  # the open input: the amplifier's offset, a fifth of the noise
        rng = np.random.default_rng(5)
        v["ph"][WARM:] = 6.98 + rng.normal(scale=0.002, size=len(t) - WARM)

    mon, alerts = fork(warm, 2 * 60, [], edit=unplugged)
    # round 16: its step is told as the probe's within minutes ("recalibrated, moved or is failing"); after a
    # step the probe is another instrument whose wobble is learned anew (analytics/probes.py), so its stuck
    # test waits for that and the step is what tells it
    delay, tr = first_firing(alerts, "probe_step")
    assert delay <= 10 and "pH reading jumped" in tr.summary and "failing" in tr.summary
    assert mon._renewing("ph", mon.noise_at_ms + 1)
    # its 0.2 lower pH as a drift at most: no crash, no range alarm
    assert keys_fired(alerts) <= {"probe_stuck", "probe_step", "drift"}, [(i - WARM, tr.key) for i, tr in alerts]


def test_a_frozen_level_probe_is_stuck(warm: Any) -> None:
    def frozen(t: np.ndarray, v: dict) -> None:  # the float's reed switch sticks: one value, repeated
        v["level_cm"][WARM:] = round(float(v["level_cm"][WARM]), 2)

    mon, alerts = fork(warm, 60, [], edit=frozen)
    delay, tr = first_firing(alerts, "probe_stuck")
    assert delay <= 15 and tr.summary.startswith("The sump level probe is stuck"), (delay, tr.summary)
    assert keys_fired(alerts) == {"probe_stuck"}, [(i - WARM, tr.key) for i, tr in alerts]


@fires("probe_silent")
def test_a_thermometer_cable_corroding_is_told_before_it_goes_silent(warm: Any) -> None:
    def corroding(t: np.ndarray, v: dict) -> None:  # a DS18B20 answering -127 one reading in ten, then more
        rng = np.random.default_rng(9)
        odds = np.clip(0.1 + np.arange(len(t) - WARM) / 600.0, 0.0, 0.6)
        v["temp_c"][WARM:] = np.where(rng.uniform(size=len(t) - WARM) < odds, -127.0, v["temp_c"][WARM:])

    mon, alerts = fork(warm, 2 * 60, [], edit=corroding)
    delay, tr = first_firing(alerts, "probe_silent")
    assert delay <= 45 and "temperature probe is losing readings" in tr.summary, (delay, tr.summary)
    assert keys_fired(alerts) == {"probe_silent"}, [(i - WARM, tr.key) for i, tr in alerts]


@fires("probe_silent")
def test_a_tds_probe_lifted_out_of_the_water_is_told_at_once(warm: Any) -> None:
    """Round 20: the cell in the air reads 0 ppm within minutes, in range and quiet; it was told by the drift at
    +36 (the school holiday month); the probe checks run every five minutes and the alert waits five."""
    def lifted(t: np.ndarray, v: dict) -> None:  # the film of water drying off the cell, then nothing
        v["tds_ppm"][WARM:] = v["tds_ppm"][WARM] * np.exp(-np.arange(len(t) - WARM) / 3.0)

    mon, alerts = fork(warm, 60, [], edit=lifted)
    delay, tr = first_firing(alerts, "probe_silent")
    assert delay <= 15 and "TDS probe reads" in tr.summary and "out of the water" in tr.summary, (delay, tr.summary)
    assert keys_fired(alerts) <= {"probe_silent", "probe_stuck", "drift"}, [(i - WARM, tr.key) for i, tr in alerts]


@fires("probe_noisy")
def test_failing_ph_probe_is_a_probe_problem(warm: Any) -> None:
    def noisy(t: np.ndarray, v: dict) -> None:
        rng = np.random.default_rng(3)
        v["ph"][WARM:] += rng.normal(scale=0.15, size=len(t) - WARM)

    mon, alerts = fork(warm, 2 * 60, [], edit=noisy)
    delay, tr = first_firing(alerts, "probe_noisy")
    assert "pH probe is failing" in tr.summary
    # (round 22: the 20-minute robust wobble moves once half its steps are wide, the statistic's own
    # persistence; the alert no longer waits ten minutes more: a probe failing from one minute is told at the
    # first five-minute check after that, within a quarter of an hour, not at +25)
    assert delay <= 16, delay
    assert keys_fired(alerts) == {"probe_noisy"}, [(i - WARM, tr.key, tr.summary) for i, tr in alerts]


def test_salt_dissolving_is_the_water_not_a_failing_probe(warm: Any) -> None:
    # (round 23: a treatment's salt, 500 ppm mixing in over 15 minutes, steps the TDS reading from one ramp to
    # another; the 20-minute window straddling its start reads two sizes of step as a wide wobble, but their
    # second differences are flat but at the kink: analytics/rules.py jumps_beyond)
    def salted(t: np.ndarray, v: dict) -> None:
        v["tds_ppm"][WARM + 30:] += np.minimum(np.arange(len(t) - WARM - 30) + 1, 15) * 500.0 / 15

    mon, alerts = fork(warm, 90, [], edit=salted)
    assert "probe_noisy" not in keys_fired(alerts), [(i - WARM, tr.key, tr.summary) for i, tr in alerts]


def test_a_failing_thermometer_is_not_told_as_the_heater(warm: Any) -> None:
    def noisy(t: np.ndarray, v: dict) -> None:  # a thermometer whose readings jump (a wet connector)
        rng = np.random.default_rng(5)
        v["temp_c"][WARM:] += rng.normal(scale=0.5, size=len(t) - WARM)

    mon, alerts = fork(warm, 3 * 60, [], edit=noisy)
    assert "temperature probe is failing" in first_firing(alerts, "probe_noisy")[1].summary
    assert not keys_fired(alerts) & {"heater_stuck", "heater_dead"}, \
        [(i - WARM, tr.key, tr.summary) for i, tr in alerts]


@fires("probe_step")
def test_a_recalibrated_ph_probe_is_a_probe_step_not_a_crash(warm: Any) -> None:
    def offset(t: np.ndarray, v: dict) -> None:  # recalibrated with a bad buffer, put right 90 minutes later
        v["ph"][WARM + 10:WARM + 100] -= 0.5

    mon, alerts = fork(warm, 3 * 60, [], edit=offset)
    delay, tr = first_firing(alerts, "probe_step")
    assert delay <= 10 + 8 and "pH reading jumped -0.50" in tr.summary, tr.summary
    assert "ph_crash" not in keys_fired(alerts), [(i - WARM, tr.key, tr.summary) for i, tr in alerts]


@fires("probe_drift")
def test_ageing_ph_probe_says_recalibrate(warm: Any) -> None:
    mon, alerts = fork(warm, 2 * DAY_MIN, [{"kind": "ph_ageing", "start_min": WARM, "rate_per_day": -0.1}])
    delay, tr = first_firing(alerts, "probe_drift")
    assert "recalibrate" in tr.summary and "other readings are normal" in tr.summary
    # the quality watch may see the ramp first; probe_drift explains it (its message joins the probe's)
    assert keys_fired(alerts) <= {"probe_drift", "water_quality"}, [(i - WARM, tr.key, tr.summary)
                                                                    for i, tr in alerts]


def test_a_leaf_s_tannins_are_no_ageing_probe(warm: Any) -> None:
    """Round 12: an almond leaf's tannins lower the pH as slowly as an ageing probe drifts (0.2 a day at first,
    0.13 at most after two days: benchmarks/keeper_month_blind.py, the betta's days 5 and 19) but they tint the
    water too: its turbidity leaves its past days with the pH, by a few hundredths of an NTU, steadily.  The
    pH probe is not ageing (analytics/probe_ageing.py, ``_others_moving``); "the other readings are normal"
    would be false."""
    def leaf(t: np.ndarray, v: dict) -> None:
        k = np.maximum(np.arange(len(t)) - WARM, 0) / DAY_MIN
        shape = np.where(np.arange(len(t)) >= WARM, np.exp(-k / 6.0) - np.exp(-k / 0.8), 0.0)
        v["ph"] = v["ph"] - 0.2 * shape
        v["turb_ntu"] = v["turb_ntu"] + 0.15 * shape

    mon, alerts = fork(warm, 16 * 60, [], edit=leaf)
    assert "probe_drift" not in keys_fired(alerts), [(i - WARM, tr.key, tr.summary) for i, tr in alerts]


# --------------------------------------------------------------------------- drift in words
@fires("drift")
def test_drift_names_what_moved(warm: Any) -> None:
    def cloudy(t: np.ndarray, v: dict) -> None:  # a bacterial bloom: turbidity creeps up over two hours
        v["turb_ntu"][WARM:] += np.minimum(1.0, np.arange(len(t) - WARM) / 120.0)

    mon, alerts = fork(warm, 3 * 60, [], edit=cloudy)
    delay, tr = first_firing(alerts, "drift")
    assert tr.summary.startswith("Water is drifting: turbidity ") and "at this hour" in tr.summary
    assert tr.summary.endswith("temperature, pH, TDS normal.")
    assert keys_fired(alerts) <= {"drift", "water_quality"} and "drift" in keys_fired(alerts)


def test_maintenance_pauses_learning(warm: Any) -> None:
    mon0, t0, v0 = warm
    mon0 = copy.deepcopy(mon0)
    start = START_MS + WARM * 60_000
    mon0.set_maintenance(start, start + 5 * 3_600_000)  # the keeper cleans the tank for five hours
    fitted = mon0.fitted_at_ms
    mon, alerts = fork((mon0, t0, v0), 6 * 60, [], edit=lambda t, v: v["turb_ntu"].__setitem__(
        slice(WARM, WARM + 300), v["turb_ntu"][WARM:WARM + 300] + 3.0))  # stirred-up gravel
    assert mon.fitted_at_ms > fitted  # learning resumed after the maintenance ...
    span = [sp for sp in mon.excluded if sp[0] <= start < sp[1]]
    assert span and span[0][1] >= start + 5 * 3_600_000  # ... but nothing from it was learned
    sel = mon._learnable(np.arange(start, start + 5 * 3_600_000, 60_000))
    assert not sel.any()


# --------------------------------------------------------------------------- device and firmware
@fires("device_offline", "no_telemetry")
def test_device_offline_and_silence(warm: Any) -> None:
    mon = copy.deepcopy(warm[0])
    now = START_MS + WARM * 60_000
    assert mon.device_status("esp1", True, now) == []
    fired = mon.device_status("esp1", False, now + 1000)
    assert [(tr.key, tr.state) for tr in fired] == [("device_offline", "firing")]
    assert "esp1 is offline" in fired[0].summary
    assert [tr.state for tr in mon.device_status("esp1", True, now + 120_000)] == ["resolved"]
    assert mon.check_stale(now + 9 * 60_000, now) == []
    stale = mon.check_stale(now + 10 * 60_000, now)  # no_data_minutes = 10
    assert [(tr.key, tr.state) for tr in stale] == [("no_telemetry", "firing")]
    FIRED.update(["device_offline", "no_telemetry"])


@fires("device_fault", "pump_interlock", "pump_lockout", "heater_cutoff", "heater_fallback", "topoff_lockout")
def test_firmware_events(warm: Any) -> None:
    at = START_MS + (WARM + 5) * 60_000
    events = [(at, "interlock", "sump level low"), (at, "lockout", "3 flow faults within an hour"),
              (at, "fault", "no flow with the pump on"), (at, "mode", "manual"),
              (at, "heater_cutoff", "heater switched off at 27.1 C (cut-off 27.0 C)"),
              (at, "heater_fallback", "probe stuck: heater off"), (at, "topoff_lockout", "reservoir empty"),
              (at + 60_000, "interlock_clear", "sump level low")]
    mon0, t, v = warm
    t2, v2 = simulate(WARM + 50)
    mon = copy.deepcopy(mon0)
    alerts = run(mon, t2, v2, WARM + 1, WARM + 50, events)
    fired = {tr.key: tr for _, tr in alerts if tr.state == "firing"}
    assert set(fired) == {"pump_interlock", "pump_lockout", "device_fault", "heater_cutoff", "heater_fallback",
                          "topoff_lockout"}
    assert "3 flow faults within an hour" in fired["pump_lockout"].summary
    # the interlock cleared (and stayed clear for its 30-minute clear period); the lockout holds until cleared
    assert {tr.key for _, tr in alerts if tr.state == "resolved"} == {"pump_interlock"}
    assert "the device changed mode (manual)" in mon.day_notes


# --------------------------------------------------------------------------- forecast and water change
@fires("water_change_due")
def test_water_change_resets_the_forecast_and_is_not_an_alarm(warm: Any) -> None:
    change = 3 * DAY_MIN + 60  # day 4, 01:00: the first forecast (three daily means) came at midnight
    minutes = change + 180 - WARM
    mon0 = copy.deepcopy(warm[0])
    mon0.profile = get_profile("tropical", {"tds_ppm_high": 307.0})  # the keeper's limit: due soon
    warm2 = (mon0, warm[1], warm[2])
    mon, alerts = fork(warm2, minutes, [{"kind": "water_change", "start_min": change, "fraction": 0.3}])
    days = {d.day_start_ms: d for d in mon.finished_days}
    forecasts = [p for d in mon.finished_days for p in d.forecasts if p.sensor == "tds_ppm"]
    before = [p for p in forecasts if p.t_ms <= START_MS + change * 60_000]
    assert before, "no TDS forecast before the water change"
    p = before[-1]
    assert 1.0 < p.rate_per_day < 3.0  # the simulated tank gains 2 ppm a day
    assert p.text().startswith("water change due in about ")
    notes = [n for d in days.values() for n in d.notes] + mon.day_notes
    assert any(n.startswith("water change detected: TDS 3") for n in notes), notes
    assert "tds_ppm" not in mon.last_forecast or mon.forecasts["tds_ppm"].n <= 1  # reset by itself
    assert not [tr for _, tr in alerts if tr.key == "drift" and tr.state == "firing"
                and tr.t_ms > START_MS + change * 60_000 + 2 * 3_600_000]
    mon_due = copy.deepcopy(mon)
    mon_due.last_forecast["tds_ppm"] = p
    fired = mon_due.due_transitions(START_MS + change * 60_000)
    assert [tr.key for tr in fired] == ["water_change_due"] and fired[0].severity == "info"
    FIRED.add("water_change_due")


# --------------------------------------------------------------------------- a month of healthy water
# 43,200 minutes stepped one by one, as the service steps: the suite's longest test (about 90 s alone), kept whole --
# three weeks were tried in round 28 to save time, but a late false alert (the chi-squared threshold's, day 22:
# docs/decisions.md) would then go unseen. The limit guards against hangs, not speed.
@pytest.mark.timeout(900)
def test_thirty_healthy_days_at_most_one_drift_alert_and_no_rule_alert() -> None:
    days = 30
    t, v = simulate(days * DAY_MIN, seed=11)
    mon = TankMonitor("healthy")
    alerts = run(mon, t, v, 1, days * DAY_MIN)
    fired = [(i / DAY_MIN, tr.key) for i, tr in alerts if tr.state == "firing"]
    assert [k for _, k in fired if k != "drift"] == [], fired
    assert len([k for _, k in fired if k == "drift"]) <= 1, fired
    # the forecast followed the slow TDS rise all month: 2 ppm a day toward the 400 ppm limit
    p = mon.last_forecast["tds_ppm"]
    assert abs(p.rate_per_day - 2.0) < 0.3
    day_of_forecast = (p.t_ms - START_MS) / 86_400_000  # made at the midnight ending that many days
    truth = (400 - (300 + 2 * day_of_forecast)) / 2.0
    assert p.low <= truth <= p.high, p


# --------------------------------------------------------------------------- a keeper's month (issue 16)
def test_single_reading_glitches_raise_nothing(warm: Any) -> None:
    def glitches(t: np.ndarray, v: dict) -> None:
        for k, (key, jump) in enumerate([("ph", 1.2), ("temp_c", 3.0), ("tds_ppm", 150.0), ("turb_ntu", 6.0)]):
            v[key][WARM + 30 + 90 * k] += jump  # one wild reading each, a loose connector

    mon, alerts = fork(warm, 8 * 60, [], edit=glitches)
    assert keys_fired(alerts) == set(), [(i - WARM, tr.key, tr.summary) for i, tr in alerts]
    # and the day's ranges leave them out (the daily summary's "pH 7.11–8.71" came from a glitch)
    assert max(mon.day_rows["ph"]) < 7.5 and max(mon.day_rows["temp_c"]) < 27.0


def test_display_tank_water_change_is_not_the_heater(warm: Any) -> None:
    def water_change(t: np.ndarray, v: dict) -> None:  # 30 % of new water 2 °C cooler; the sump does not move
        after = np.arange(len(t)) >= WARM + 20
        dt_h = np.maximum(np.arange(len(t)) - WARM - 20, 0) / 60.0
        v["tds_ppm"][after] *= 0.7
        v["temp_c"] += np.where(after, -2.0 * np.exp(-dt_h / 1.5), 0.0)

    mon, alerts = fork(warm, 8 * 60, [], edit=water_change)
    assert not keys_fired(alerts) & {"heater_dead", "heater_stuck", "drift"}, \
        [(i - WARM, tr.key, tr.summary) for i, tr in alerts]
    assert any("water change detected" in n for n in mon.day_notes)


def test_dead_heater_cooling_slowly_is_caught(warm: Any) -> None:
    def dead(t: np.ndarray, v: dict) -> None:  # −0.6 °C/h for four hours
        v["temp_c"][WARM:] -= 0.6 * np.minimum(np.arange(len(t) - WARM), 240) / 60.0

    mon, alerts = fork(warm, 5 * 60, [], edit=dead)
    delay, tr = first_firing(alerts, "heater_dead")
    assert delay <= 90 and "heater may have failed" in tr.summary


def test_ph_crash_resolves_only_when_the_ph_is_back(warm: Any) -> None:
    mon, alerts = fork(warm, 4 * 60, [{"kind": "ph_crash", "start_min": WARM, "drop": 0.6}])
    first_firing(alerts, "ph_crash")
    # the rate stops after an hour, the pH stays 0.6 down: still firing at the end
    assert not [tr for _, tr in alerts if tr.key == "ph_crash" and tr.state == "resolved"]


@fires("level_falling")
def test_a_leak_is_told_before_the_sump_runs_low(warm: Any) -> None:
    def leak(t: np.ndarray, v: dict) -> None:
        v["level_cm"][WARM:] -= 3.0 * np.arange(len(t) - WARM) / 60.0

    mon, alerts = fork(warm, 6 * 60, [], edit=leak)
    delay, tr = first_firing(alerts, "level_falling")
    assert delay <= 20 and tr.severity == "critical" and "leak" in tr.summary
    assert delay < first_firing(alerts, "sump_low")[0]


@fires("water_quality")
def test_quality_watch_is_configuration() -> None:
    """A channel without a day/night model (a plant's, a lab's) is watched by the quality watch when configured."""
    from analytics.monitor import MonitorSettings

    rng = np.random.default_rng(5)
    n = 2 * DAY_MIN
    t = START_MS + np.arange(n, dtype=np.int64) * 60_000
    v = {"redox": 750 + 2.0 * rng.normal(size=n)}
    v["redox"][-40:] += 25.0
    mon = TankMonitor("plant", MonitorSettings(drift_sensors=(), quality_sensors=("redox",)))
    alerts = run(mon, t, v, DAY_MIN + 60, n)
    delay, tr = (lambda h: (h[0][0] - (n - 40), h[0][1]))([(i, tr) for i, tr in alerts if tr.state == "firing"])
    assert tr.key == "water_quality" and 0 < delay <= 5 and "redox" in tr.summary
    ignored = TankMonitor("plant", MonitorSettings(drift_sensors=(), quality_sensors=("redox",),
                                                    operational=("redox",)))
    assert run(ignored, t, v, DAY_MIN + 60, n) == []


def test_a_bloom_is_the_water_not_the_probe(warm: Any) -> None:
    def bloom(t: np.ndarray, v: dict) -> None:  # turbidity ×10 over six hours; its noise grows with it
        factor = 1.0 + 9.0 * np.minimum(1.0, np.arange(len(t) - WARM) / 360.0)
        v["turb_ntu"][WARM:] *= factor

    mon, alerts = fork(warm, 7 * 60, [], edit=bloom)
    assert "probe_noisy" not in keys_fired(alerts), [(i - WARM, tr.key, tr.summary) for i, tr in alerts]
    delay, tr = first_firing(alerts, "drift")
    assert "turbidity" in tr.summary and delay <= 120


@fires("probe_silent")
def test_a_probe_that_stops_reading_is_silent(warm: Any) -> None:
    def unplug(t: np.ndarray, v: dict) -> None:
        v["ph"][WARM:] = np.nan

    mon, alerts = fork(warm, 30, [], unplug)
    delay, tr = first_firing(alerts, "probe_silent")
    assert delay <= 15 and "pH probe sends no readings" in tr.summary
    assert keys_fired(alerts) == {"probe_silent"}


@fires("level_rising")
def test_water_coming_in_is_level_rising(warm: Any) -> None:
    def top_off_stuck(t: np.ndarray, v: dict) -> None:
        v["level_cm"][WARM:] += 4.0 * np.arange(len(t) - WARM) / 60.0

    mon, alerts = fork(warm, 45, [], top_off_stuck)
    delay, tr = first_firing(alerts, "level_rising")
    assert delay <= 35 and "overflow" in tr.summary and tr.severity == "critical"


def test_a_stuck_top_off_is_told_within_22_minutes_and_a_poured_top_up_is_not(warm: Any) -> None:
    # (round 23: three 7-minute parts, was three 10-minute parts: a top-off stuck open at 3 cm/h was told at
    # +25 in the conservatory and auto top-off months; a top-up poured over 5 minutes lies in two parts at most)
    def top_off_stuck(t: np.ndarray, v: dict) -> None:
        v["level_cm"][WARM:] += 3.0 * np.arange(len(t) - WARM) / 60.0

    mon, alerts = fork(warm, 45, [], top_off_stuck)
    delay, _ = first_firing(alerts, "level_rising")
    assert delay <= 22, delay  # (+27 with three 10-minute parts)

    def poured(t: np.ndarray, v: dict) -> None:
        v["level_cm"][WARM + 10:] += np.minimum(np.arange(len(t) - WARM - 10) + 1, 5) * 0.4

    mon, alerts = fork(warm, 60, [], poured)
    assert "level_rising" not in keys_fired(alerts), [(i - WARM, tr.key, tr.summary) for i, tr in alerts]


def test_every_alert_can_fire() -> None:
    """Every key the system defines is shown firing by a test of this module (each checks its own keys)."""
    assert set(ALERTS) - SHOWN == set(), f"no test fires: {sorted(set(ALERTS) - SHOWN)}"
    assert SHOWN <= set(ALERTS), sorted(SHOWN - set(ALERTS))


def test_docs_list_every_alert() -> None:
    text = (Path(__file__).resolve().parents[1] / "docs" / "alerts.md").read_text()
    assert [k for k in ALERTS if f"| `{k}` |" not in text] == []


@fires("pump_left_off")
def test_a_pump_forgotten_after_a_water_change_is_told() -> None:
    """A new tank's pump switched off at the controller and not back on: told after two hours (more in
    tests/test_pump_left_off.py: a keeper's own maintenance sets how long is too long)."""
    n = DAY_MIN
    rng = np.random.default_rng(12)
    v = {"temp_c": 25.0 + rng.normal(0, 0.02, n), "ph": 7.2 + rng.normal(0, 0.01, n),
         "tds_ppm": 250.0 + rng.normal(0, 1.0, n), "turb_ntu": 0.8 + rng.normal(0, 0.04, n),
         "level_cm": 30.0 + rng.normal(0, 0.05, n), "flow_lpm": 20.0 + rng.normal(0, 0.2, n), "pump": np.ones(n)}
    v["pump"][n - 180:] = v["flow_lpm"][n - 180:] = 0.0
    t = START_MS + np.arange(n, dtype=np.int64) * 60_000
    fired = {tr.key: tr.summary for _, tr in run(TankMonitor("forgot"), t, v, n - 70, n - 1) if tr.state == "firing"}
    assert "switch it back on" in fired.get("pump_left_off", ""), fired


@fires("flow_reduced", "top_off_behind")
def test_a_clogging_filter_and_a_top_off_run_dry_are_told() -> None:
    """The slow faults (more in tests/test_slow_faults.py): a filter 35 % down on its clean flow for the
    last two hours, and a top-off (1.2 cm a day, 0.3 cm at a time) whose reservoir ran dry 40 hours ago."""
    n = 4 * DAY_MIN
    rng = np.random.default_rng(11)
    v = {"temp_c": 25.0 + rng.normal(0, 0.02, n), "ph": 7.2 + rng.normal(0, 0.01, n),
         "tds_ppm": 250.0 + rng.normal(0, 1.0, n), "turb_ntu": 0.8 + rng.normal(0, 0.04, n),
         "flow_lpm": 20.0 + rng.normal(0, 0.2, n), "pump": np.ones(n)}
    v["flow_lpm"][n - 120:] *= 0.65
    fall = 1.2 * np.arange(n) / DAY_MIN
    stop = n - 40 * 60
    v["level_cm"] = np.where(np.arange(n) < stop, 30.0 - fall % 0.3, 30.0 - (fall - fall[stop])) + \
        rng.normal(0, 0.05, n)
    t = START_MS + np.arange(n, dtype=np.int64) * 60_000
    mon = TankMonitor("slow")
    run(mon, t, v, stop + 60, stop + 60)  # the top-off's band learned while it worked
    fired = {tr.key: tr.summary for _, tr in run(mon, t, v, n - 40, n - 1) if tr.state == "firing"}
    assert "35 % down" in fired.get("flow_reduced", "") and "reservoir" in fired.get("top_off_behind", ""), fired
