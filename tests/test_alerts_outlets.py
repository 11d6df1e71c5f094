"""The outlets the firmware drives itself (heater guard, top-off) become alerts in the keeper's words."""

from __future__ import annotations

from analytics.monitor import MonitorSettings, TankMonitor

MIN = 60_000
T0 = 1_767_225_600_000


def _fire(mon: TankMonitor, t: int, events: list[tuple[int, str, str]]) -> list:
    return mon._events(t, events)


def _minutes(mon: TankMonitor, start: int, end: int) -> list:
    """Step the event rules minute by minute (as the engine does) from ``start`` to ``end``."""
    return [tr for t in range(start, end + 1, MIN) for tr in mon._events(t, [])]


def test_a_heater_cut_off_is_told_in_words_and_ends_when_the_controller_resumes() -> None:
    mon = TankMonitor("t1", MonitorSettings())
    out = _fire(mon, T0, [(T0, "heater_cutoff", "heater switched off at 27.1 C (cut-off 27.0 C)")])
    assert [(tr.key, tr.state, tr.severity) for tr in out] == [("heater_cutoff", "firing", "warning")]
    assert "The controller switched the heater off: heater switched off at 27.1 °C (cut-off 27.0 °C)" in out[0].summary
    assert _fire(mon, T0 + 10 * MIN, []) == []  # held: the controller keeps it off
    _fire(mon, T0 + 20 * MIN, [(T0 + 20 * MIN, "heater_resume", "temperature 26.5 C and trusted")])
    done = _minutes(mon, T0 + 21 * MIN, T0 + 60 * MIN)  # after its 30-minute clear period
    assert [(tr.key, tr.state) for tr in done] == [("heater_cutoff", "resolved")]


def test_a_probe_fallback_and_a_top_off_lockout_fire_their_own_alerts() -> None:
    mon = TankMonitor("t1", MonitorSettings())
    out = _fire(mon, T0, [(T0, "heater_fallback", "probes disagree by 1.5 C: heater off until the probe is trusted"),
                          (T0, "topoff_lockout", "no level rise in 120 s: the reservoir may be empty")])
    fired = {tr.key: tr for tr in out if tr.state == "firing"}
    assert set(fired) == {"heater_fallback", "topoff_lockout"}
    assert "Refill the reservoir" in fired["topoff_lockout"].summary
    _fire(mon, T0 + MIN, [(T0 + MIN, "topoff_clear", "top-off lockout cleared")])
    done = _minutes(mon, T0 + 2 * MIN, T0 + 40 * MIN)
    assert [(tr.key, tr.state) for tr in done] == [("topoff_lockout", "resolved")]  # the heater's still held
