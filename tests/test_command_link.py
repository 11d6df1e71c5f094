"""analytics/command_link.py: signed alert commands, checked and applied without a broker."""

from __future__ import annotations

from dataclasses import dataclass, field

import pytest

from analytics.command_link import (
    COMMAND_DEVICE,
    COMMAND_WINDOW_MS,
    AlertCommands,
    CommandError,
    sign_alert_command,
)
from aquamon import commands
from aquamon.config import Config

KEY_HEX = "cd" * 32
KEY = commands.load_key(KEY_HEX)
WALL = 1_800_000_000_000


@dataclass
class FakePager:
    calls: list[tuple[str, ...]] = field(default_factory=list)

    def silence(self, tank: str, key: str | None, until_ms: int) -> None:
        self.calls.append(("silence", tank, str(key), str(until_ms)))

    def acknowledge(self, tank: str, key: str | None) -> int:
        self.calls.append(("ack", tank, str(key)))
        return 2

    def maintenance(self, tank: str, until_ms: int) -> None:
        self.calls.append(("maintenance", tank, str(until_ms)))


@dataclass
class FakeMonitor:
    spans: list[tuple[int, int]] = field(default_factory=list)

    def set_maintenance(self, now_ms: int, until_ms: int) -> None:
        self.spans.append((now_ms, until_ms))


def _cfg() -> Config:
    cfg = Config()
    cfg.alerts.command_key = KEY_HEX
    return cfg


def test_a_command_signed_by_the_cli_is_accepted_once() -> None:
    gate = AlertCommands(KEY)
    doc = sign_alert_command(_cfg(), "t1", "silence", "drift", 3600, ts_ms=WALL)
    assert gate.refusal("t1", doc, WALL) == ""
    assert gate.refusal("t1", doc, WALL + 1000) == "refused: already applied (a replay)"
    assert gate.refused == 1


@pytest.mark.parametrize("case, reason", [
    ("no key", "no [alerts] command_key is configured"),
    ("other key", "bad signature"),
    ("other tank", "bad signature"),
    ("altered", "bad signature"),
    ("old", "too old or from the future"),
    ("future", "too old or from the future"),
])
def test_refusals_say_why_and_are_counted(case: str, reason: str) -> None:
    gate = AlertCommands(b"" if case == "no key" else KEY)
    key = b"another key, long enough to sign" if case == "other key" else KEY
    ts = {"old": WALL - COMMAND_WINDOW_MS - 1, "future": WALL + COMMAND_WINDOW_MS + 1}.get(case, WALL)
    doc = commands.sign_command(key, "other" if case == "other tank" else "t1", COMMAND_DEVICE, "ack",
                                {"for_s": 0}, ts_ms=ts)
    if case == "altered":
        doc["action"] = "maintenance"
    assert gate.refusal("t1", doc, WALL).startswith(f"refused: {reason}")
    assert gate.refused == 1 and gate.seen == {}


def test_replays_are_remembered_for_twice_the_window_only() -> None:
    gate = AlertCommands(KEY)
    first = commands.sign_command(KEY, "t1", COMMAND_DEVICE, "ack", {}, ts_ms=WALL)
    assert gate.refusal("t1", first, WALL) == ""
    later = WALL + 2 * COMMAND_WINDOW_MS
    second = commands.sign_command(KEY, "t1", COMMAND_DEVICE, "ack", {}, ts_ms=later)
    assert gate.refusal("t1", second, later) == ""
    assert set(gate.seen) == {second["id"]}  # the first one can no longer pass the clock window anyway


def test_apply_silence_ack_and_maintenance_at_the_tanks_clock() -> None:
    gate, pager, mon = AlertCommands(KEY), FakePager(), FakeMonitor()
    now = 5_000_000
    done = gate.apply("t1", {"action": "silence", "args": {"key": "drift", "for_s": 7200}}, pager, mon, now)
    assert done == "silenced t1 drift for 120 min"
    assert gate.apply("t1", {"action": "silence", "args": {"for_s": 60}}, pager, mon, now) == \
        "silenced t1 (all alerts) for 1 min"
    assert gate.apply("t1", {"action": "ack", "args": {}}, pager, mon, now) == "acknowledged 2 alert(s) of t1"
    assert "in maintenance for 60 min" in gate.apply("t1", {"action": "maintenance", "args": {"for_s": 3600}},
                                                     pager, mon, now)
    assert pager.calls == [("silence", "t1", "drift", str(now + 7_200_000)), ("silence", "t1", "None", str(now + 60_000)),
                           ("ack", "t1", "None"), ("maintenance", "t1", str(now + 3_600_000))]
    assert mon.spans == [(now, now + 3_600_000)] and gate.refused == 0


def test_an_unknown_action_is_refused_even_when_signed() -> None:
    gate, pager, mon = AlertCommands(KEY), FakePager(), FakeMonitor()
    assert gate.apply("t1", {"action": "reboot", "args": {}}, pager, mon, 0) == \
        "refused: unknown action 'reboot'; use silence, ack or maintenance"
    assert gate.refused == 1 and pager.calls == [] and mon.spans == []


def test_the_cli_side_refuses_what_it_cannot_sign() -> None:
    with pytest.raises(CommandError, match="no \\[alerts\\] command_key"):
        sign_alert_command(Config(), "t1", "ack", None, 0)
    with pytest.raises(CommandError, match="unknown alert key 'pump_stoped'"):
        sign_alert_command(_cfg(), "t1", "silence", "pump_stoped", 60)
    doc = sign_alert_command(_cfg(), "t1", "silence", None, 60, ts_ms=WALL)
    assert doc["args"] == {"for_s": 60} and commands.verify_signature(KEY, "t1", COMMAND_DEVICE, doc)
