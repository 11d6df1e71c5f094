"""Who hears about an alert: Apprise to a local HTTP endpoint, one message per episode, grouping,
severity, quiet hours, reminders until acknowledged, silences and maintenance."""

from __future__ import annotations

import json
import threading
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any, Iterator

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from analytics.alerts import Message, Notifier, NotifyPolicy
from analytics.monitor import ALERTS, Transition
from analytics.notify import AppriseSender
from test_alerts_monitor import START_MS, WARM, first_firing, fork, warm  # noqa: F401 - warm is a fixture

HOUR = 3_600_000
EXPLAINS = {k: s.explains for k, s in ALERTS.items()}


class Inbox:
    """A local HTTP endpoint that records every JSON notification Apprise posts to it."""

    def __init__(self) -> None:
        self.posts: list[dict[str, Any]] = []
        inbox = self

        class Handler(BaseHTTPRequestHandler):
            def do_POST(self) -> None:  # noqa: N802 - http.server's name
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


def tr(key: str, state: str, t_ms: int, summary: str = "") -> Transition:
    return Transition(key, ALERTS[key].severity, state, summary or f"{key} {state}", t_ms, 0.0)


def deliver(sender: AppriseSender, messages: list[Message]) -> None:
    for m in messages:
        assert sender.send(m), m


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
    n = Notifier(NotifyPolicy(quiet_hours=""), EXPLAINS)
    for i, t in alerts:
        deliver(sender, n.handle("tank1", [t], t.t_ms))
    assert [p["title"] for p in inbox.posts] == ["tank1: pump stopped"]
    assert inbox.posts[0]["path"] == "/critical" and inbox.posts[0]["type"] == "failure"
    # what followed from the stopped pump joined its episode instead of paging again
    assert "heater_dead" in n.episodes[("tank1", "pump_stopped")].grouped


def test_one_message_per_episode_reminders_until_acknowledged(warm: Any, inbox: Inbox) -> None:  # noqa: F811
    mon, alerts = fork(warm, 5 * 60, [{"kind": "sump_low", "start_min": WARM, "end_min": WARM + 200}])
    sender = AppriseSender({"critical": [inbox.url]})
    n = Notifier(NotifyPolicy(quiet_hours="", renotify_minutes=60), EXPLAINS)
    by_minute: dict[int, list[Transition]] = {}
    for i, t in alerts:
        by_minute.setdefault(i, []).append(t)
    acked_at = WARM + 150
    for i in range(WARM + 1, WARM + 5 * 60 + 1):
        now = START_MS + i * 60_000
        deliver(sender, n.handle("tank1", by_minute.get(i, []), now))
        if i == acked_at:
            assert n.acknowledge("tank1", "sump_low") == 1
        deliver(sender, n.tick(now, "tank1"))
    titles = [p["title"] for p in inbox.posts]
    # fired at +1, reminded at +61 and +121, acknowledged at +150, resolved at +205
    assert titles == ["tank1: sump level low", "tank1: still: sump level low", "tank1: still: sump level low",
                      "tank1: resolved: sump level low"], titles
    assert "aquamon silence tank1 sump_low --ack" in inbox.posts[1]["message"]
    assert inbox.posts[-1]["type"] == "success"


# --------------------------------------------------------------------------- the policy, exactly
def test_quiet_hours_warning_waits_for_morning_critical_does_not(inbox: Inbox) -> None:
    sender = AppriseSender({"critical": [f"{inbox.url}/critical"], "warning": [f"{inbox.url}/warning"]})
    n = Notifier(NotifyPolicy(quiet_hours="22:00-07:00"), EXPLAINS)
    night = 23 * HOUR
    deliver(sender, n.handle("t", [tr("drift", "firing", night, "Water is drifting: pH 6.71.")], night))
    deliver(sender, n.handle("t", [tr("heater_stuck", "firing", night + 60_000)], night + 60_000))
    assert [(p["path"], p["title"]) for p in inbox.posts] == [("/critical", "t: heater stuck on")]  # wakes
    for minute in range(23 * 60 + 2, 24 * 60 + 9 * 60):  # the night passes, minute by minute
        deliver(sender, [m for m in n.tick(minute * 60_000, "t") if m.severity == "warning"])
    warnings = [p for p in inbox.posts if p["path"] == "/warning"]
    assert [p["title"] for p in warnings] == ["t: overnight: water drifting"]  # once, at 07:00
    assert "pH 6.71" in warnings[0]["message"]
    morning = n.episodes[("t", "drift")].sent_ms
    assert morning == 24 * HOUR + 7 * HOUR


def test_a_warning_that_resolves_overnight_is_only_in_the_summary() -> None:
    n = Notifier(NotifyPolicy(quiet_hours="22:00-07:00"), EXPLAINS)
    assert n.handle("t", [tr("flow_low", "firing", 23 * HOUR)], 23 * HOUR) == []
    assert n.handle("t", [tr("flow_low", "resolved", 25 * HOUR)], 25 * HOUR) == []
    assert n.tick(31 * HOUR, "t") == []
    assert [t.key for _, t in n.quiet_log] == ["flow_low"]


def test_info_goes_to_the_daily_summary_only() -> None:
    n = Notifier(NotifyPolicy(quiet_hours=""), EXPLAINS)
    assert n.handle("t", [tr("water_change_due", "firing", 12 * HOUR)], 12 * HOUR) == []
    assert [t.key for _, t in n.info] == ["water_change_due"]


def test_silence_and_maintenance() -> None:
    n = Notifier(NotifyPolicy(quiet_hours=""), EXPLAINS)
    n.silence("t", "drift", 2 * HOUR)
    assert n.handle("t", [tr("drift", "firing", HOUR)], HOUR) == []
    assert [m.keys[0] for m in n.handle("t", [tr("pump_stopped", "firing", HOUR)], HOUR)] == ["pump_stopped"]
    n.silence("t", None, 10 * HOUR)  # maintenance: the whole tank
    assert n.handle("t", [tr("sump_low", "firing", 3 * HOUR)], 3 * HOUR) == []
    assert n.tick(5 * HOUR, "t") == []  # no reminders either
    assert [m.keys[0] for m in n.handle("u", [tr("sump_low", "firing", 3 * HOUR)], 3 * HOUR)] == ["sump_low"]


@settings(max_examples=60, deadline=None)
@given(st.lists(st.tuples(st.sampled_from(sorted(k for k in ALERTS if ALERTS[k].severity != "info")),
                          st.booleans(), st.integers(0, 48 * 60)), max_size=40),
       st.sampled_from(["", "22:00-07:00", "13:00-14:30"]))
def test_never_more_than_one_firing_message_per_episode(events: list, quiet: str) -> None:
    """Whatever the order of transitions and ticks: one firing/morning message per episode."""
    n = Notifier(NotifyPolicy(quiet_hours=quiet), EXPLAINS)
    state: dict[str, bool] = {}
    opened: dict[str, int] = {}
    first_messages: dict[str, int] = {}
    for key, firing, minute in sorted(events, key=lambda e: e[2]):
        now = minute * 60_000
        if state.get(key, False) == firing:
            continue  # the monitor never repeats a transition
        state[key] = firing
        if firing:
            opened[key] = opened.get(key, 0) + 1
        msgs = n.handle("t", [tr(key, "firing" if firing else "resolved", now)], now) + n.tick(now, "t")
        for m in msgs:
            if m.kind in ("firing", "morning"):
                first_messages[m.keys[0]] = first_messages.get(m.keys[0], 0) + 1
    for key, count in first_messages.items():
        assert count <= opened[key], (key, count, opened[key])


def test_an_effect_that_outlasts_its_cause_gets_its_own_message() -> None:
    n = Notifier(NotifyPolicy(quiet_hours=""), EXPLAINS)
    assert [m.title for m in n.handle("t", [tr("pump_stopped", "firing", HOUR)], HOUR)] == ["t: pump stopped"]
    assert n.handle("t", [tr("device_fault", "firing", HOUR + 60_000)], HOUR + 60_000) == []  # grouped
    assert n.handle("t", [tr("pump_lockout", "firing", HOUR + 120_000)], HOUR + 120_000) == []  # grouped
    out = n.handle("t", [tr("pump_stopped", "resolved", 2 * HOUR)], 2 * HOUR)
    # the lockout outlives the stopped pump: news; the fault that caused it now belongs to the lockout
    assert [(m.kind, m.title) for m in out] == [("firing", "t: pump locked out"),
                                                ("resolved", "t: resolved: pump stopped")]
    assert n.episodes[("t", "device_fault")].explained_by == "pump_lockout"
    assert n.handle("t", [tr("device_fault", "resolved", 2 * HOUR + 60_000)], 2 * HOUR + 60_000) == []


def test_a_warning_that_outlasts_its_cause_ends_quietly() -> None:
    n = Notifier(NotifyPolicy(quiet_hours=""), EXPLAINS)
    first = n.handle("t", [tr("pump_interlock", "firing", HOUR), tr("sump_low", "firing", HOUR)], HOUR)
    assert [(m.title, m.keys) for m in first] == [("t: sump level low", ["sump_low", "pump_interlock"])]
    assert [m.title for m in n.handle("t", [tr("sump_low", "resolved", 2 * HOUR)], 2 * HOUR)] == \
        ["t: resolved: sump level low"]
    assert n.handle("t", [tr("pump_interlock", "resolved", 3 * HOUR)], 3 * HOUR) == []


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
    ack = commands.sign_command(key, "t", "analytics", "ack", {"key": "sump_low", "for_s": 0}, ts_ms=wall)
    assert a.command("t", ack, wall) == "acknowledged 1 alert(s) of t"
    assert a.command("t", ack, wall).startswith("refused: already applied")  # a replay
    old = commands.sign_command(key, "t", "analytics", "silence", {"for_s": 60}, ts_ms=wall - 600_000)
    assert a.command("t", old, wall).startswith("refused: too old")
    forged = dict(commands.sign_command(key, "t", "analytics", "silence", {"for_s": 60}, ts_ms=wall), action="ack")
    assert a.command("t", forged, wall).startswith("refused: bad signature")
    other_tank = commands.sign_command(key, "u", "analytics", "silence", {"for_s": 60}, ts_ms=wall)
    assert a.command("t", other_tank, wall).startswith("refused: bad signature")
    mnt = commands.sign_command(key, "t", "analytics", "maintenance", {"for_s": 3600}, ts_ms=wall)
    assert "maintenance for 60 min" in a.command("t", mnt, wall)
    assert a.monitors["t"].in_maintenance(wall + 1000) and a.notifier.silenced("t", "heater_stuck", wall + 1000)
    assert a.commands_refused == 4
