"""Round 20: pH rising fast, the mirror of ph_crash (:mod:`analytics.ph_rise`).

The engine told a pH crash but nothing for a pH climbing fast: the zebrafish rack's doser siphoning its soda ash
(+1 pH an hour on top of the nightly dose) was told only by ``ph_out_of_range`` an hour later.  The rise told is
the one beyond the tank's usual daily course, steeper than its own healthy 15-minute rises (learned at each
refit), so a planted tank's evening climb when its CO2 switches off is no alert.
"""

from __future__ import annotations

import math

import numpy as np

from analytics.catalogue import ALERT_READING, ALERTS
from analytics.notify_text import KEY_READING, TITLES
from analytics.ph_rise import rising, rising_limit
from analytics.suppression import CHANNEL_ALERTS

MIN_MS = 60_000
DAY_MIN = 1440
T0 = 1_767_225_600_000  # 2026-01-01 00:00 UTC


def test_the_limit_is_the_larger_of_the_profile_and_the_learned_tail() -> None:
    assert rising_limit(0.3, 0.8, firing=False) == 0.8
    assert rising_limit(0.3, 0.1, firing=False) == 0.3
    assert rising_limit(0.3, 0.8, firing=True) == 0.4  # a rise that slows a little is the same rise
    assert rising_limit(0.3, 0.0, firing=False) == 0.0  # nothing learned: nothing told


def test_a_rise_must_be_beyond_the_usual_course_and_the_water_itself_climbing() -> None:
    assert rising(1.0, 0.9, 0.5)
    assert not rising(1.0, 0.2, 0.5)   # the usual evening climb (CO2 off)
    assert not rising(0.2, 0.9, 0.5)   # below its usual course, coming back flat: not climbing
    assert not rising(1.0, 0.9, 0.0)   # no tail learned
    assert not rising(1.0, math.nan, 0.5)


def test_ph_rising_is_in_the_catalogue_the_notifier_and_the_calibration_hold() -> None:
    assert ALERTS["ph_rising"].severity == ALERTS["ph_crash"].severity
    assert ALERT_READING["ph_rising"] == ("ph", "high") and KEY_READING["ph_rising"] == ("ph", "max")
    assert "ph_rising" in TITLES and "ph_rising" in CHANNEL_ALERTS["ph"]


def test_the_ph_trend_tail_is_learned_from_the_healthy_reference() -> None:
    """The refit learns the pH's healthy 15-minute tails as it learns the temperature's."""
    from analytics.monitor import MonitorSettings, TankMonitor

    mon = TankMonitor("t", MonitorSettings())
    rng = np.random.default_rng(3)
    n = 3 * DAY_MIN
    t = np.arange(n) * float(MIN_MS)
    names = ["temp_c", "ph"]
    X = np.stack([25.0 + rng.normal(0, 0.02, n), 7.0 + rng.normal(0, 0.01, n)], axis=1)
    from analytics.baseline import DayNightBaseline

    mon.baseline = DayNightBaseline.fit(t / 1000.0, X, mon.settings.harmonics, trend=False)
    fall, rise = mon._calibrate_trend("ph", t, X, names)
    assert 0.0 < rise < 0.5 and 0.0 < fall < 0.5
    assert mon._calibrate_trend("ph", t, X[:, :1], names[:1]) == (0.0, 0.0)  # no pH probe


def _planted(days: int, seed: int = 11) -> dict[str, np.ndarray]:
    """A planted tank whose CO2 (on 7:00-19:00) holds the pH 0.6 down; off, the pH climbs back with a 40-minute
    time constant: +0.9 an hour at 19:00 every evening, by design."""
    from benchmarks.keeper_heat import lowpass

    rng = np.random.default_rng(seed)
    n = days * DAY_MIN
    hour = (np.arange(n) / 60.0) % 24.0
    co2 = lowpass(((hour >= 7.0) & (hour < 19.0)).astype(float), 40.0)
    return {"temp_c": 25.0 + rng.normal(0, 0.02, n), "ph": 7.2 - 0.6 * co2 + rng.normal(0, 0.01, n),
            "tds_ppm": 250.0 + rng.normal(0, 1.0, n), "turb_ntu": 0.8 + rng.normal(0, 0.04, n),
            "level_cm": 30.0 - np.arange(n) / DAY_MIN * 0.5 + rng.normal(0, 0.05, n),
            "flow_lpm": 12.0 + rng.normal(0, 0.1, n), "pump": np.ones(n)}


def _fired(v: dict[str, np.ndarray], first: int, last: int) -> list[tuple[int, str, str]]:
    """(minute, key, summary) of each alert fired evaluating every minute of ``first``..``last`` (the engine
    learns the three days before ``first`` at its first evaluation)."""
    from analytics.monitor import TankMonitor

    mon = TankMonitor("planted")
    t = T0 + np.arange(len(v["ph"]), dtype=np.int64) * MIN_MS
    out = []
    for i in range(first, last):
        lo = max(0, i - 4 * DAY_MIN)
        out += [(i, tr.key, tr.summary) for tr in mon.evaluate(T0 + i * MIN_MS, t[lo:i],
                                                                {k: x[lo:i] for k, x in v.items()})[1]
                if tr.state == "firing"]
    return out


def test_a_planted_tanks_evening_rise_when_its_co2_stops_is_no_ph_rising() -> None:
    """+0.9 pH an hour at 19:00 is three times the profile's floor, and every evening's course."""
    v = _planted(4)
    fired = _fired(v, 3 * DAY_MIN + 18 * 60, 3 * DAY_MIN + 20 * 60 + 30)
    assert not [f for f in fired if f[1] in ("ph_rising", "ph_crash")], fired


def test_a_ph_climbing_at_night_beyond_its_usual_course_is_ph_rising_within_a_quarter_hour() -> None:
    """A doser siphoning its buffer at 02:00 (+1 pH an hour) on the same tank: told, and as the rise it is."""
    v = _planted(4)
    start = 3 * DAY_MIN + 2 * 60
    v["ph"][start:] += np.minimum(1.0, np.arange(len(v["ph"]) - start) / 60.0)
    fired = [f for f in _fired(v, 3 * DAY_MIN + 60, start + 40) if f[1] == "ph_rising"]
    assert fired and fired[0][0] - start <= 15, fired
    assert "pH rising +" in fired[0][2] and "Stop any doser" in fired[0][2]


def _onsets(det, t0: int, key: str, start: int) -> list[int]:
    return [(int(tr.t_ms - t0) // MIN_MS) - start for tr in det.transitions if tr.state == "firing" and tr.key == key]


def test_the_zebrafish_racks_siphoning_doser_is_told_within_a_quarter_hour() -> None:
    """Its soda ash siphoning at the nightly dose (d11 02:30): told by ph_out_of_range at +59 before; the nightly
    healthy doses (+0.1 to +0.3 in twenty minutes, every night at 02:30) never page."""
    from benchmarks.bench_detection import measure_month
    from benchmarks.keeper_month_strangers18_lab import zebrafish_rack_month

    start = 11 * DAY_MIN + 2 * 60 + 30
    s = zebrafish_rack_month(days=13, faults=({"kind": "ph_doser_siphoned", "start": start,
                                                "end": start + 6 * 60 + 40},))
    label_from = int(s.faults[0]["label_from"]) - start  # the pH 0.1 over the healthy dose, minutes in
    _, det, _ = measure_month(s)
    told = _onsets(det, int(s.t_ms[0]), "ph_rising", start)
    assert told and 0 <= told[0] <= label_from + 15, told
    assert all(0 <= m <= 8 * 60 for m in told), told


def test_a_planted_tanks_evening_rise_when_its_co2_stops_is_no_alert() -> None:
    """co2_planted_month's CO2 off at 19:00 lifts the pH 0.6 every evening: its usual course, never ph_rising."""
    from benchmarks.bench_detection import measure_month
    from benchmarks.keeper_month import co2_planted_month

    s = co2_planted_month(days=6)
    _, det, _ = measure_month(s)
    assert not _onsets(det, int(s.t_ms[0]), "ph_rising", 0)
