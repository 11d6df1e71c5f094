"""The web app's pure parts: accounts, login throttle, the buttons' forms, the live state."""

from __future__ import annotations

import json
import stat
from pathlib import Path

import pytest
from hypothesis import given
from hypothesis import strategies as st
from typer.testing import CliRunner

from aquamon.auth import AuthError
from aquamon.cli import app
from aquamon.web.accounts import LoginThrottle, WebAccounts
from aquamon.web.controls import ControlError, Keys, alert_command, device_command
from aquamon.web.live import FleetState


def test_accounts_are_private_hashed_and_need_a_real_password(tmp_path: Path) -> None:
    users = WebAccounts(tmp_path / "web-users")
    with pytest.raises(AuthError, match="at least 10"):
        users.add("ann", "operator", "short")
    with pytest.raises(AuthError, match="viewer or operator"):
        users.add("ann", "admin", "long enough password")
    users.add("ann", "operator", "long enough password")
    assert stat.S_IMODE(users.path.stat().st_mode) == 0o600
    assert "long enough password" not in users.path.read_text()
    assert users.check("ann", "long enough password") == "operator"
    users.add("ann", "viewer", "another long password")  # a new password and role replace the old
    assert users.check("ann", "long enough password") is None and users.names() == {"ann": "viewer"}
    users.remove("ann")
    assert users.names() == {}


def test_a_broken_accounts_file_is_named_with_what_to_do(tmp_path: Path) -> None:
    path = tmp_path / "web-users"
    path.write_text("ann:root:xyz\n")
    with pytest.raises(AuthError, match="line 1.*aquamon web user add"):
        WebAccounts(path).check("ann", "x")


def test_user_add_from_the_command_line(tmp_path: Path) -> None:
    path = tmp_path / "users"
    r = CliRunner().invoke(app, ["web", "user", "add", "kim", "--role", "operator", "--file", str(path),
                                 "--password-stdin"], input="kims-long-password\n")
    assert r.exit_code == 0, r.output
    assert WebAccounts(path).check("kim", "kims-long-password") == "operator"
    r = CliRunner().invoke(app, ["web", "user", "add", "kim", "--role", "operator", "--file", str(path),
                                 "--password-stdin"], input="short\n")
    assert r.exit_code == 1 and "at least 10 characters" in r.output


def test_the_app_refuses_to_start_without_a_session_secret(tmp_path: Path) -> None:
    cfg = tmp_path / "aquamon.toml"
    cfg.write_text("[web]\nport = 8089\n")
    r = CliRunner().invoke(app, ["web", "--config", str(cfg)])
    assert r.exit_code == 2 and "session_secret is empty" in r.output


@given(st.lists(st.tuples(st.sampled_from(["1.1.1.1", "2.2.2.2"]), st.sampled_from(["ann", "bob"]),
                          st.floats(0, 1000)), max_size=40))
def test_the_throttle_never_lets_more_than_the_limit_through_a_window(tries: list[tuple[str, str, float]]) -> None:
    t = LoginThrottle(limit=3, window_s=100)
    heard: list[tuple[str, str, float]] = []
    for address, name, now in sorted(tries, key=lambda x: x[2]):
        if t.retry_after(address, name, now) == 0:
            heard.append((address, name, now))
            t.failed(address, name, now)
    for who in {a for a, _, _ in heard} | {n for _, n, _ in heard}:
        times = [now for a, n, now in heard if who in (a, n)]
        for i, now in enumerate(times):
            assert len([x for x in times[:i + 1] if now - x < 100]) <= 3


@pytest.mark.parametrize("form, message", [
    ({"action": "feed", "minutes": "0"}, "from 1 to 120"),
    ({"action": "feed", "minutes": "9999"}, "from 1 to 120"),
    ({"action": "feed", "minutes": "1e3"}, "whole number"),
    ({"action": "pump", "mode": "feed"}, "choose auto, maintenance or off"),
    ({"action": "reboot"}, "unknown pump action"),
])
def test_a_bad_pump_form_says_what_to_choose(form: dict[str, str], message: str) -> None:
    with pytest.raises(ControlError, match=message):
        device_command(form)


def test_alert_forms() -> None:
    assert alert_command({"action": "ack", "key": "sump_low"}).args == {"key": "sump_low", "for_s": 0}
    assert alert_command({"action": "silence"}).args == {"for_s": 7200}
    with pytest.raises(ControlError, match="unknown alert"):
        alert_command({"action": "ack", "key": "nonsense"})


def test_keys_stay_on_the_server_and_missing_ones_say_where_to_put_them(tmp_path: Path) -> None:
    with pytest.raises(ControlError, match="device_keys_dir"):
        Keys("", "").device("t1", "esp1")
    with pytest.raises(ControlError, match="t1.esp1.key"):
        Keys(str(tmp_path), "").device("t1", "esp1")
    with pytest.raises(ControlError, match="not a valid id"):
        Keys(str(tmp_path), "").device("../etc", "passwd")
    (tmp_path / "t1.esp1.key").write_text("ab" * 32)
    assert Keys(str(tmp_path), "").device("t1", "esp1") == bytes.fromhex("ab" * 32)
    with pytest.raises(ControlError, match="command_key"):
        Keys("", "").analytics()


def test_the_live_state_keeps_what_a_last_will_does_not_say() -> None:
    s = FleetState("p")
    s.apply("p/t1/esp1/status", json.dumps({"online": True, "mode": "feed", "lockout": True}).encode())
    _, data = s.apply("p/t1/esp1/status", b'{"online": false}')  # type: ignore[misc]
    assert data["mode"] == "feed" and data["lockout"] is True and data["online"] is False
    assert s.tanks["t1"].status() == "offline"


def test_alerts_rank_by_severity_and_an_acknowledgement_belongs_to_its_episode() -> None:
    s = FleetState("p")
    s.apply("p/t1/alert/drift", b'{"severity": "warning", "state": "firing", "summary": "d", "ts": 1}')
    s.apply("p/t1/alert/sump_low", b'{"severity": "critical", "state": "firing", "summary": "s", "ts": 2}')
    assert [a["key"] for a in s.tanks["t1"].open_alerts()] == ["sump_low", "drift"]
    assert s.note_ack("t1", "sump_low", "ann") == ["sump_low"]
    assert s.tanks["t1"].open_alerts()[0]["acked_by"] == "ann"
    # it resolves and fires again: a new episode, not acknowledged
    s.apply("p/t1/alert/sump_low", b'{"severity": "critical", "state": "resolved", "summary": "s", "ts": 3}')
    s.apply("p/t1/alert/sump_low", b'{"severity": "critical", "state": "firing", "summary": "s", "ts": 4}')
    assert s.tanks["t1"].open_alerts()[0]["acked_by"] == ""
    s.apply("p/t1/alert/sump_low", b"")  # a cleared retained topic
    assert [a["key"] for a in s.tanks["t1"].open_alerts()] == ["drift"]
    assert s.tanks["t1"].status() == "warning"


def test_messages_that_are_not_json_objects_are_counted_not_kept() -> None:
    s = FleetState("p")
    assert s.apply("p/t1/esp1/telemetry", b"[1, 2]") is None
    assert s.apply("p/t1/esp1/telemetry", b"\xff") is None
    assert s.apply("p/_gateway/g1", b"{}") is None and s.apply("other/t1/esp1/status", b"{}") is None
    assert s.ignored == 2 and s.tanks == {}


def test_history_says_what_to_check_when_influxdb_does_not_answer() -> None:
    from aquamon.influx import InfluxV1
    from aquamon.web.history import History, HistoryUnavailable
    from harness.services import free_port

    h = History(InfluxV1(f"http://127.0.0.1:{free_port()}", "aquamon", timeout=2))
    with pytest.raises(HistoryUnavailable, match=r"live readings go on.*\[influxdb\] url"):
        h.usual("t1")
