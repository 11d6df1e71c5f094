"""Who hears about an alert: one page per incident at the moment it matters, through Apprise to a local
HTTP endpoint; grouping, quiet hours, the push budget, quiet all-clears, reminders with current numbers,
silences, maintenance, calibration and per-tank routing."""

from __future__ import annotations

import json
import re
import threading
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any, Iterator

import numpy as np
import pytest
from hypothesis import example, given, settings
from hypothesis import strategies as st
from test_alerts_monitor import START_MS, WARM, fork, simulate, warm  # noqa: F401 - warm is a fixture

from analytics.monitor import ALERTS, Transition
from analytics.notify import AppriseSender
from analytics.notify_policy import NotifyPolicy, zone_named
from analytics.notify_text import title
from analytics.pager import Message, Pager

HOUR = 3_600_000
MIN = 60_000
EXPLAINS = {k: s.explains for k, s in ALERTS.items()}
KEY_WORD = re.compile(r"\b(" + "|".join(sorted(ALERTS, key=len, reverse=True)) + r")\b")


class Inbox:
    """A local HTTP endpoint that records every JSON notification Apprise posts to it."""

    def __init__(self) -> None:
        self.posts: list[dict[str, Any]] = []
        inbox = self

        class Handler(BaseHTTPRequestHandler):
            def do_POST(self) -> None:  # http.server's name
                body = self.rfile.read(int(self.headers.get("Content-Length", 0)))
                inbox.posts.append({"path": self.path, **json.loads(body)})
                self.send_response(200)
                self.end_headers()

            def log_message(self, *args: Any) -> None:
                pass

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.url = f"json://127.0.0.1:{self.server.server_address[1]}"
        self.thread = threading.Thread(target=self.server.serve_forever, daemon=True)
        self.thread.start()

    def close(self) -> None:
        self.server.shutdown()
        self.server.server_close()


@pytest.fixture
def inbox() -> Iterator[Inbox]:
    box = Inbox()
    yield box
    box.close()


class Recorder:
    """A sender that keeps what it was given."""

    def __init__(self) -> None:
        self.sent: list[Message] = []

    def send(self, msg: Message) -> bool:
        self.sent.append(msg)
        return True


def tr(key: str, state: str, t_ms: int, summary: str = "") -> Transition:
    return Transition(key, ALERTS[key].severity, state, summary or f"Something about the {title(key)}.", t_ms, 0.0)


def pager(quiet: str = "", **kw: Any) -> tuple[Pager, Recorder]:
    rec = Recorder()
    policy = NotifyPolicy(quiet, **{k: v for k, v in kw.items() if k != "ack_hint"})
    return Pager(policy, EXPLAINS, rec, ack_hint=kw.get("ack_hint", False)), rec


def step(p: Pager, tank: str, now: int, transitions: list[Transition] = (), readings: dict | None = None,
         events: list = ()) -> list[Message]:
    """One evaluated minute as the service runs it: observe, handle, deliver."""
    p.observe(tank, now, readings or {}, events)
    p.handle(tank, list(transitions), now)
    p.tick(now, tank)
    return p.deliver()


# --------------------------------------------------------------------------- real faults, real Apprise
def test_pump_stopped_is_one_message_through_apprise(warm: Any, inbox: Inbox) -> None:  # noqa: F811
    def no_circulation(t: np.ndarray, v: dict) -> None:
        # the heater sits in the sump: without circulation the tank cools fast and turbidity settles
        v["temp_c"][WARM:] -= 3.0 * np.arange(len(t) - WARM) / 60.0
        v["turb_ntu"][WARM:] *= 0.5

    mon, alerts = fork(warm, 60, [{"kind": "pump_stopped", "start_min": WARM}], edit=no_circulation)
    fired = [tr for _, tr in alerts if tr.state == "firing"]
    assert {"pump_stopped", "heater_dead"} <= {t.key for t in fired}, fired  # several alerts, one cause
    sender = AppriseSender({"critical": [f"{inbox.url}/critical"], "warning": [f"{inbox.url}/warning"]})
    n = Pager(NotifyPolicy(quiet_hours=""), EXPLAINS, sender)
    for _, t in alerts:
        step(n, "tank1", t.t_ms, [t])
    assert [p["title"] for p in inbox.posts] == ["tank1: pump stopped"]
    assert inbox.posts[0]["path"] == "/critical" and inbox.posts[0]["type"] == "failure"
    # what followed from the stopped pump joined its incident instead of paging again
    assert "heater_dead" in n.episodes[("tank1", "pump_stopped")].grouped


def test_a_stuck_heater_is_one_page_reminders_carry_the_numbers_now(warm: Any) -> None:  # noqa: F811
    faults = [{"kind": "heater_stuck", "start_min": WARM, "end_min": WARM + 100, "rate_c_per_h": 3.0}]
    mon, alerts = fork(warm, 5 * 60, faults)
    t, v = simulate(WARM + 5 * 60, faults)
    p, rec = pager("", renotify_minutes=30, reminders_per_incident=2)
    by_minute: dict[int, list[Transition]] = {}
    for i, x in alerts:
        by_minute.setdefault(i, []).append(x)
    for i in range(WARM + 1, WARM + 5 * 60 + 1):
        step(p, "tank1", START_MS + i * MIN, by_minute.get(i, []), {"temp_c": float(v["temp_c"][i - 1])})
    kinds = [(m.kind, m.severity) for m in rec.sent]
    # the temperature is still unsafe when the heater stops rising it: the incident goes on, told once
    # (its critical budget is spent: at warning priority), and ends with one all-clear
    assert kinds == [("firing", "critical"), ("reminder", "warning"), ("reminder", "warning"),
                     ("firing", "warning"), ("resolved", "info")], [(m.kind, m.title, m.body) for m in rec.sent]
    assert "It follows the heater stuck on alert, now over." in rec.sent[3].body
    first, second = rec.sent[1], rec.sent[2]
    # each reminder quotes the temperature at its own minute, and the peak so far with its time
    for m in (first, second):
        i = (m.t_ms - START_MS) // MIN
        assert f"now {v['temp_c'][i - 1]:.1f} °C" in m.body, m.body
        assert ", peak " in m.body and " at " in m.body
    assert first.body != second.body
    assert rec.sent[-1].title == "tank1: all clear: temperature unsafe"
    # the times are the engine's (its glitch filter may move them by a minute); the wording is the point
    assert re.match(r"All clear: heater stuck on, temperature unsafe from 10:\d\d to 13:\d\d; now ", rec.sent[-1].body)
    assert "Unplug" not in rec.sent[-1].body  # an all-clear gives no orders
    for m in rec.sent:
        assert not KEY_WORD.search(m.title + " " + m.body), m


# --------------------------------------------------------------------------- the policy, exactly
def test_an_alert_over_before_its_page_would_go_out_is_not_paged() -> None:
    """The demo's 02:18 temperature, seen by an analytics catching up together with its resolution."""
    p, rec = pager("22:00-07:00")
    p.handle("t", [tr("temp_out_of_range", "firing", 26 * HOUR + 18 * MIN)], 26 * HOUR + 18 * MIN)
    p.handle("t", [tr("temp_out_of_range", "resolved", 26 * HOUR + 53 * MIN)], 26 * HOUR + 53 * MIN)
    assert p.deliver() == [] and p.stats.folded == 1
    morning = step(p, "t", 31 * HOUR)
    assert [(m.severity, m.kind) for m in morning] == [("info", "digest")]
    assert "temperature unsafe 02:18–02:53 (over before it could be sent)" in morning[0].body


def test_quiet_hours_warning_waits_for_morning_critical_does_not(inbox: Inbox) -> None:
    sender = AppriseSender({"critical": [f"{inbox.url}/critical"], "warning": [f"{inbox.url}/warning"],
                            "info": [f"{inbox.url}/info"]})
    n = Pager(NotifyPolicy(quiet_hours="22:00-07:00"), EXPLAINS, sender)
    night = 23 * HOUR
    step(n, "t", night, [tr("drift", "firing", night, "Water is drifting: pH 6.71.")])
    step(n, "t", night + MIN, [tr("heater_stuck", "firing", night + MIN)])
    assert [(p["path"], p["title"]) for p in inbox.posts] == [("/critical", "t: heater stuck on")]  # wakes
    for minute in range(23 * 60 + 2, 24 * 60 + 9 * 60):  # the night passes, minute by minute
        step(n, "t", minute * MIN)
    warnings = [p for p in inbox.posts if p["path"] == "/warning"]
    assert [p["title"] for p in warnings if "drifting" in p["title"]] == ["t: water drifting"]  # once, at 07:00
    assert "pH 6.71" in warnings[0]["message"] and warnings[0]["message"].startswith("Since 23:00")
    assert n.episodes[("t", "drift")].announced_ms == 24 * HOUR + 7 * HOUR
    # the stuck heater nobody acknowledged is reminded, at warning priority, from the morning on
    assert [p["title"] for p in warnings if "heater" in p["title"]] == ["t: still heater stuck on"] * 2


def test_a_warning_that_resolves_overnight_is_only_in_the_morning_message() -> None:
    p, rec = pager("22:00-07:00")
    assert step(p, "t", 23 * HOUR, [tr("flow_low", "firing", 23 * HOUR)]) == []
    assert step(p, "t", 25 * HOUR, [tr("flow_low", "resolved", 25 * HOUR)]) == []
    out = step(p, "t", 31 * HOUR)
    assert [(m.severity, m.kind) for m in out] == [("info", "digest")]
    assert "filter flow low 23:00–01:00 (overnight)" in out[0].body
    # the title says "since the last message"; the body does not say it again
    told = f"{out[0].title} {out[0].body}".lower()
    assert told.count("since the last message") == 1, told


def test_the_all_clear_is_quiet_and_waits_for_the_morning() -> None:
    p, rec = pager("22:00-07:00")
    step(p, "t", 23 * HOUR, [tr("sump_low", "firing", 23 * HOUR)], {"level_cm": 5.0})
    assert step(p, "t", 25 * HOUR, [tr("sump_low", "resolved", 25 * HOUR)], {"level_cm": 16.0}) == []  # not at 01:00
    out = step(p, "t", 31 * HOUR, readings={"level_cm": 29.5})
    assert [(m.severity, m.kind) for m in out] == [("info", "digest")]
    # told in the morning message with the morning's numbers, not those of 01:00
    assert "All clear: sump level low from 23:00 to 01:00; now 29.5 cm, lowest 5.0 cm at 23:00" in out[0].body
    # asked otherwise, the all-clear goes at once, still at low priority
    p, rec = pager("22:00-07:00", all_clear="send")
    step(p, "t", 23 * HOUR, [tr("sump_low", "firing", 23 * HOUR)])
    assert [(m.severity, m.kind) for m in step(p, "t", 25 * HOUR, [tr("sump_low", "resolved", 25 * HOUR)])] == \
        [("info", "resolved")]


def test_the_daily_summary_waits_for_the_keepers_morning() -> None:
    p, rec = pager("22:00-07:00", zone=zone_named("Europe/Berlin"))
    midnight = 24 * HOUR  # 1970-01-02 00:00 UTC = 01:00 in Berlin
    p.summary("t", "t, Thu 01 Jan 1970: water normal all day.", midnight)
    sent = [(minute, m) for minute in range(24 * 60, 32 * 60) for m in step(p, "t", minute * MIN)]
    assert [(minute * MIN - midnight, m.kind) for minute, m in sent] == [(6 * HOUR, "summary")]  # 07:00 Berlin
    p, rec = pager("22:00-07:00", summary_time="08:30")
    p.summary("t", "t: a day.", midnight)
    sent = [minute for minute in range(24 * 60, 34 * 60) for m in step(p, "t", minute * MIN)]
    assert [minute * MIN - midnight for minute in sent] == [8 * HOUR + 30 * MIN]


def test_info_goes_to_the_daily_summary_only() -> None:
    p, rec = pager()
    assert step(p, "t", 12 * HOUR, [tr("water_change_due", "firing", 12 * HOUR)]) == []
    assert [t.key for _, t in p.info] == ["water_change_due"]


def test_silence_and_maintenance() -> None:
    p, rec = pager()
    p.silence("t", "drift", 2 * HOUR)
    assert step(p, "t", HOUR, [tr("drift", "firing", HOUR)]) == []
    assert [m.keys[0] for m in step(p, "t", HOUR, [tr("pump_stopped", "firing", HOUR)])] == ["pump_stopped"]
    p.maintenance("t", 10 * HOUR)  # a water change: the tank's water alerts are held ...
    assert step(p, "t", 3 * HOUR, [tr("sump_low", "firing", 3 * HOUR)]) == []
    assert step(p, "t", 5 * HOUR) == []  # no reminders either
    # ... but a controller going offline still pages, and another tank is not in maintenance
    assert [m.keys[0] for m in step(p, "t", 6 * HOUR, [tr("device_offline", "firing", 6 * HOUR)])] == \
        ["device_offline"]
    assert [m.keys[0] for m in step(p, "u", 3 * HOUR, [tr("sump_low", "firing", 3 * HOUR)])] == ["sump_low"]
    # a water alert still firing when the maintenance ends is real: it pages then
    after = [(m.kind, m.keys[0]) for m in step(p, "t", 10 * HOUR)]
    assert ("firing", "sump_low") in after and ("reminder", "pump_stopped") in after, after
    # a maintenance has an end: one asked for a week holds the water alerts for a day at most
    p.maintenance("u", 7 * 24 * HOUR)
    assert p.silenced("u", "ph_crash", 3 * HOUR + 23 * HOUR) and not p.silenced("u", "ph_crash", 3 * HOUR + 25 * HOUR)


def test_a_calibration_session_cannot_page() -> None:
    p, rec = pager()
    start, end = 10 * HOUR, 10 * HOUR + 20 * MIN
    step(p, "t", start, events=[(start, "calibration_start", json.dumps({"probe": "ph"}))])
    # buffer solutions: pH 4.01 looks like a crash, 9.18 like a spike
    assert step(p, "t", start + 5 * MIN, [tr("ph_crash", "firing", start + 5 * MIN)], {"ph": 4.01}) == []
    assert step(p, "t", start + 8 * MIN, [tr("ph_out_of_range", "firing", start + 8 * MIN)], {"ph": 9.18}) == []
    # the heater is not the pH probe: it still pages
    assert [m.keys[0] for m in step(p, "t", start + 9 * MIN, [tr("heater_stuck", "firing", start + 9 * MIN)])] == \
        ["heater_stuck"]
    step(p, "t", end, events=[(end, "calibration_end", "ph")])
    step(p, "t", end + 5 * MIN, [tr("ph_crash", "resolved", end + 5 * MIN)], {"ph": 7.1})
    step(p, "t", end + 10 * MIN, [tr("ph_out_of_range", "resolved", end + 10 * MIN)], {"ph": 7.1})
    assert [m.keys[0] for m in rec.sent if m.kind != "digest"] == ["heater_stuck"]
    notes = " ".join(m.body for m in rec.sent if m.kind == "digest")
    assert "pH crashing 10:05–10:25 (not sent: the pH probe is being calibrated)" in notes
    assert "pH unsafe 10:08–10:30 (not sent: the pH probe is being calibrated)" in notes


def test_the_ack_hint_only_where_acknowledging_is_possible() -> None:
    for hint in (False, True):
        p, rec = pager("", renotify_minutes=60, critical_per_incident=2, ack_hint=hint)
        step(p, "t", HOUR, [tr("sump_low", "firing", HOUR)])
        step(p, "t", 2 * HOUR)
        assert [m.kind for m in rec.sent] == ["firing", "reminder"]
        said = ["aquamon silence t sump_low --ack" in m.body for m in rec.sent]
        assert said == [hint, hint]
        assert p.acknowledge("t", "sump_low") == 1
        step(p, "t", 4 * HOUR)
        assert len(rec.sent) == 2  # acknowledged: no more reminders
    # without reminders there is nothing to stop: no hint
    p, rec = pager("", renotify_minutes=0, ack_hint=True)
    assert "--ack" not in step(p, "t", HOUR, [tr("sump_low", "firing", HOUR)])[0].body


def test_an_effect_that_outlasts_its_cause_gets_its_own_message() -> None:
    p, rec = pager()
    assert [m.title for m in step(p, "t", HOUR, [tr("pump_stopped", "firing", HOUR)])] == ["t: pump stopped"]
    assert step(p, "t", HOUR + MIN, [tr("device_fault", "firing", HOUR + MIN)]) == []  # grouped
    assert step(p, "t", HOUR + 2 * MIN, [tr("pump_lockout", "firing", HOUR + 2 * MIN)]) == []  # grouped
    out = step(p, "t", 2 * HOUR, [tr("pump_stopped", "resolved", 2 * HOUR)])
    # the lockout outlives the stopped pump: news, within the incident's budget (its one critical push was
    # spent on the stopped pump); the fault that caused it now belongs to the lockout; no all-clear yet
    assert [(m.kind, m.severity, m.title) for m in out] == [("firing", "warning", "t: pump locked out")]
    assert "It follows the pump stopped alert, now over." in out[0].body
    assert p.episodes[("t", "device_fault")].explained_by == "pump_lockout"
    assert step(p, "t", 2 * HOUR + MIN, [tr("device_fault", "resolved", 2 * HOUR + MIN)]) == []
    end = step(p, "t", 3 * HOUR, [tr("pump_lockout", "resolved", 3 * HOUR)])
    assert [(m.severity, m.title) for m in end] == [("info", "t: all clear: pump locked out")]
    assert end[0].body.startswith("All clear: pump stopped, pump locked out from 01:00 to 03:00")


def test_two_effects_that_outlast_their_cause_share_the_incidents_budget() -> None:
    """Found by the property test below: each critical heir had its own copy of the budget."""
    p, rec = pager(renotify_minutes=60, critical_per_incident=1, reminders_per_incident=1)
    step(p, "t", 0, [tr("pump_stopped", "firing", 0), tr("pump_lockout", "firing", 0),
                     tr("heater_dead", "firing", 0)])
    step(p, "t", 10 * MIN, [tr("pump_stopped", "resolved", 10 * MIN)])
    for hour in range(1, 6):
        step(p, "t", hour * HOUR)
    assert [(m.kind, m.severity) for m in rec.sent] == [("firing", "critical"), ("reminder", "warning")]
    assert {m.incident for m in rec.sent} == {"pump_stopped@0#1"}
    # the incident ends when its last alert does, with one all-clear
    step(p, "t", 6 * HOUR, [tr("pump_lockout", "resolved", 6 * HOUR)])
    end = step(p, "t", 7 * HOUR, [tr("heater_dead", "resolved", 7 * HOUR)])
    assert [m.kind for m in rec.sent[2:]] == ["resolved"] and end[0].kind == "resolved"


def test_the_first_pages_hint_acknowledges_the_incident_when_another_alert_carries_it_on() -> None:
    p, rec = pager(renotify_minutes=60, reminders_per_incident=2, ack_hint=True)
    first = step(p, "t", 0, [tr("pump_stopped", "firing", 0)])
    assert first[0].body.endswith("aquamon silence t pump_stopped --ack")
    step(p, "t", 2 * MIN, [tr("pump_lockout", "firing", 2 * MIN)])  # grouped under the stopped pump
    step(p, "t", 10 * MIN, [tr("pump_stopped", "resolved", 10 * MIN)])  # the lockout carries the incident on
    assert p.acknowledge("t", "pump_stopped") == 1  # as the page said
    for hour in range(1, 5):
        step(p, "t", hour * HOUR)
    # the lockout is news (told once: "It follows the pump stopped alert"), but nothing reminds any more
    assert [(m.kind, m.title) for m in rec.sent] == [("firing", "t: pump stopped"), ("firing", "t: pump locked out")]


def test_a_warning_that_outlasts_its_cause_ends_quietly() -> None:
    p, rec = pager()
    first = step(p, "t", HOUR, [tr("pump_interlock", "firing", HOUR), tr("sump_low", "firing", HOUR)])
    assert [(m.title, m.keys) for m in first] == [("t: sump level low", ["sump_low", "pump_interlock"])]
    assert "This also explains: pump stopped by the controller." in first[0].body
    assert [m.title for m in step(p, "t", 2 * HOUR, [tr("sump_low", "resolved", 2 * HOUR)])] == \
        ["t: all clear: sump level low"]
    assert step(p, "t", 3 * HOUR, [tr("pump_interlock", "resolved", 3 * HOUR)]) == []


def test_an_effect_named_in_the_first_page_goes_on_quietly_and_ends_the_incident() -> None:
    p, rec = pager()
    first = step(p, "t", HOUR, [tr("sump_low", "firing", HOUR), tr("pump_stopped", "firing", HOUR)])
    assert [(m.title, m.keys) for m in first] == [("t: sump level low", ["sump_low", "pump_stopped"])]
    t1, t2 = HOUR + 30 * MIN, HOUR + 50 * MIN
    assert step(p, "t", t1, [tr("sump_low", "resolved", t1)]) == []  # the stopped pump was told already
    end = step(p, "t", t2, [tr("pump_stopped", "resolved", t2)])
    assert [m.body for m in end] == ["All clear: sump level low, pump stopped from 01:00 to 01:50."]


def test_an_alert_named_in_the_incident_that_fires_again_inside_it_goes_on_quietly() -> None:
    """Found by the property test: the stopped pump carrying the incident on named the lockout a second time."""
    p, rec = pager()
    assert [m.keys for m in step(p, "t", 0, [tr("pump_lockout", "firing", 0)])] == [["pump_lockout"]]
    step(p, "t", MIN, [tr("pump_stopped", "firing", MIN)])  # grouped under the lockout
    p.handle("t", [tr("pump_lockout", "resolved", 2 * MIN)], 2 * MIN)  # the stopped pump carries it on
    out = step(p, "t", 3 * MIN, [tr("pump_lockout", "firing", 3 * MIN)])  # the lockout again, under the pump
    assert [(m.keys, m.incident) for m in out] == [(["pump_stopped"], "pump_lockout@0#1")]
    assert "This also explains" not in out[0].body
    assert out[0].body.endswith("(It follows the pump locked out alert; the pump locked out alert ended and is "
                                "on again.)")  # not "now over"
    assert step(p, "t", 4 * MIN, [tr("pump_stopped", "resolved", 4 * MIN)]) == []  # the lockout: told already
    end = step(p, "t", 5 * MIN, [tr("pump_lockout", "resolved", 5 * MIN)])
    assert [m.body for m in end] == ["All clear: pump locked out, pump stopped from 00:00 to 00:05."]


def test_an_alert_the_first_page_named_is_not_named_again_by_the_alert_carrying_the_incident_on() -> None:
    p, rec = pager()
    first = step(p, "t", 0, [tr("pump_stopped", "firing", 0), tr("device_fault", "firing", 0)])
    assert [m.keys for m in first] == [["pump_stopped", "device_fault"]]
    step(p, "t", MIN, [tr("pump_lockout", "firing", MIN)])  # grouped after the page: not told
    out = step(p, "t", 2 * MIN, [tr("pump_stopped", "resolved", 2 * MIN)])  # the lockout is news, the fault not
    assert [(m.keys, m.incident) for m in out] == [(["pump_lockout"], "pump_stopped@0#1")]
    assert p.episodes[("t", "device_fault")].explained_by == "pump_lockout"


def test_an_incident_whose_last_alert_ends_unannounced_still_gets_its_all_clear() -> None:
    p, rec = pager()
    step(p, "t", HOUR, [tr("heater_stuck", "firing", HOUR)])
    p.handle("t", [tr("temp_out_of_range", "firing", HOUR + 40 * MIN)], HOUR + 40 * MIN)  # grouped, not told
    p.handle("t", [tr("heater_stuck", "resolved", 2 * HOUR)], 2 * HOUR)
    p.handle("t", [tr("temp_out_of_range", "resolved", 2 * HOUR + 5 * MIN)], 2 * HOUR + 5 * MIN)
    out = step(p, "t", 2 * HOUR + 6 * MIN)
    assert [(m.kind, m.body) for m in out] == [
        ("resolved", "All clear: heater stuck on, temperature unsafe from 01:00 to 02:05.")]


def test_a_page_that_did_not_get_through_is_tried_again_next_cycle() -> None:
    class Flaky(Recorder):
        def send(self, msg: Message) -> bool:
            super().send(msg)
            return len(self.sent) > 2  # the push service is down for two tries

    flaky = Flaky()
    p = Pager(NotifyPolicy(""), EXPLAINS, flaky)
    for minute in range(4):
        step(p, "t", HOUR + minute * MIN, [tr("sump_low", "firing", HOUR)] if minute == 0 else [])
    assert [(m.kind, m.severity, (m.t_ms - HOUR) // MIN) for m in flaky.sent] == [
        ("firing", "critical", 0), ("firing", "critical", 1), ("firing", "critical", 2)]
    assert p.episodes[("t", "sump_low")].critical_pushes == 1 and p.stats.failed == 2


def test_firmware_strings_are_told_in_words() -> None:
    p, rec = pager()
    summary = ("The controller reported a fault: flow 0.00 l/min with the pump on: off, retry in 60 s. "
               "Check the device and its log.")
    out = step(p, "t", HOUR, [tr("device_fault", "firing", HOUR, summary)])
    assert "with the pump on: off" not in out[0].body and "tries again in 1 min" in out[0].body


NON_INFO = sorted(k for k in ALERTS if ALERTS[k].severity != "info")
# causes and their effects, so that grouping, adoption and carried-on incidents are exercised often
RELATED = ["pump_stopped", "flow_low", "pump_lockout", "device_fault", "sump_low", "pump_interlock", "heater_stuck",
           "temp_out_of_range", "drift", "device_offline", "no_telemetry"]


@settings(max_examples=200, deadline=None)
@given(st.lists(st.tuples(st.integers(0, 3 * 24 * 60), st.sampled_from(["flip", "flip", "flip", "ack", "deliver"]),
                          st.sampled_from(RELATED) | st.sampled_from(NON_INFO)), max_size=60),
       st.sampled_from(["", "22:00-07:00", "13:00-14:30"]), st.integers(1, 3), st.integers(0, 3),
       st.sampled_from([15, 60]))
# a lockout named by the first page ends, the stopped pump carries the incident on, the lockout fires again
# under it: the stopped pump's page named the lockout a second time
@example([(0, "flip", "pump_lockout"), (0, "deliver", "pump_stopped"), (0, "flip", "pump_stopped"),
          (0, "flip", "pump_lockout"), (0, "flip", "pump_lockout")], "", 1, 0, 15)
def test_the_budget_holds_over_any_order_of_transitions(events: list, quiet: str, budget: int, reminders: int,
                                                        renotify: int) -> None:
    """Whatever the transitions, acks and delivery times: the stated budget, never a page for what is over,
    no non-critical push in quiet hours, no alert key in any message."""
    p, rec = pager(quiet, critical_per_incident=budget, reminders_per_incident=reminders,
                   renotify_minutes=renotify)
    open_: dict[str, bool] = {}
    per_incident: dict[str, dict[str, int]] = {}
    for minute, action, key in sorted(events, key=lambda e: e[0]) + [(4 * 24 * 60, "deliver", "drift")]:
        now = minute * MIN
        if action == "flip":
            open_[key] = not open_.get(key, False)
            p.handle("t", [tr(key, "firing" if open_[key] else "resolved", now)], now)
            continue
        if action == "ack":
            p.acknowledge("t", key)
            continue
        p.tick(now, "t")
        for m in p.deliver():
            assert not KEY_WORD.search(m.title + " " + m.body), m
            if m.severity != "critical":
                assert not p.policy.quiet(m.t_ms), m
            if m.kind in ("firing", "morning", "reminder"):
                assert open_.get(m.keys[0]), f"a page for {m.keys[0]}, which is over"
            if m.incident:
                count = per_incident.setdefault(m.incident, {})
                kind = m.kind + "/" + (m.severity if m.kind != "firing" and m.kind != "morning" else m.keys[0])
                count[kind] = count.get(kind, 0) + 1
                for named in m.keys if m.kind in ("firing", "morning") else ():  # its own and those it explains
                    count["told/" + named] = count.get("told/" + named, 0) + 1
                count["priority/" + m.severity] = count.get("priority/" + m.severity, 0) + 1
    for incident, count in per_incident.items():
        assert count.get("priority/critical", 0) <= budget, (incident, count)
        assert count.get("reminder/warning", 0) <= reminders, (incident, count)
        assert count.get("resolved/info", 0) <= 1, (incident, count)
        # each alert of the incident is told at most once (its first page, or its morning message)
        for key in NON_INFO:
            assert count.get(f"firing/{key}", 0) + count.get(f"morning/{key}", 0) <= 1, (incident, count)
            assert count.get(f"told/{key}", 0) <= 1, (incident, count)  # named once, by whichever message


def test_two_tanks_are_routed_to_two_endpoints(inbox: Inbox) -> None:
    from analytics.pager import pager_from
    from aquamon.config import load_config_text

    cfg = load_config_text(f"""
[alerts]
quiet_hours = ""
[notify]
critical = ["{inbox.url}/shop"]
[notify.tanks."turtle-*"]
critical = ["{inbox.url}/reptile-room"]
""")
    p = pager_from(cfg, EXPLAINS)
    step(p, "turtle-1", HOUR, [tr("heater_dead", "firing", HOUR)])
    step(p, "reef-1", HOUR, [tr("ph_crash", "firing", HOUR)])
    assert sorted((x["path"], x["title"]) for x in inbox.posts) == [
        ("/reptile-room", "turtle-1: heater failed"), ("/shop", "reef-1: pH crashing")]


# --------------------------------------------------------------------------- signed commands
def test_signed_commands_ack_silence_maintenance_and_refusals() -> None:
    from analytics.service import Analytics
    from aquamon import commands
    from aquamon.config import Config

    cfg = Config()
    cfg.alerts.command_key = "ab" * 32
    a = Analytics(cfg)  # no I/O until run(): the command handling is tested on its own
    key = commands.load_key(cfg.alerts.command_key)
    wall = 1_800_000_000_000
    a.notifier.handle("t", [tr("sump_low", "firing", wall)], wall)
    a.notifier.deliver()
    ack = commands.sign_command(key, "t", "analytics", "ack", {"key": "sump_low", "for_s": 0}, ts_ms=wall)
    assert a.command("t", ack, wall) == "acknowledged 1 alert(s) of t"
    assert a.command("t", ack, wall).startswith("refused: already applied")  # a replay
    again = commands.sign_command(key, "t", "analytics", "ack", {"key": "sump_low", "for_s": 0}, ts_ms=wall)
    assert a.command("t", again, wall) == ("nothing to acknowledge: no open sump level low alert of t waits for it "
                                           "(it may be over already, or acknowledged)")
    old = commands.sign_command(key, "t", "analytics", "silence", {"for_s": 60}, ts_ms=wall - 600_000)
    assert a.command("t", old, wall).startswith("refused: too old")
    forged = dict(commands.sign_command(key, "t", "analytics", "silence", {"for_s": 60}, ts_ms=wall), action="ack")
    assert a.command("t", forged, wall).startswith("refused: bad signature")
    other_tank = commands.sign_command(key, "u", "analytics", "silence", {"for_s": 60}, ts_ms=wall)
    assert a.command("t", other_tank, wall).startswith("refused: bad signature")
    mnt = commands.sign_command(key, "t", "analytics", "maintenance", {"for_s": 3600}, ts_ms=wall)
    assert "maintenance for 60 min" in a.command("t", mnt, wall)
    assert a.monitors["t"].in_maintenance(wall + 1000) and a.notifier.silenced("t", "heater_stuck", wall + 1000)
    assert a.commands.refused == 4
