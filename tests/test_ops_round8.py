"""Operator holes found in round 8: what a keeper on a Pi or an operator of many tanks would trip over.

Each test failed before its fix (docs/decisions.md, "Operator holes (round 8)").
"""

from __future__ import annotations

import logging
import os
import re
import signal
import stat
import subprocess
import sys
import time
from dataclasses import replace
from pathlib import Path

import pytest
from influx2_standin import InfluxV2StandIn
from test_analytics_storage_errors import one_tank_config
from typer.testing import CliRunner

from analytics.config_check import CHECKS
from analytics.incident import Message
from analytics.service import Analytics
from analytics.tankdata import MIN_MS
from aquamon import influx_auth
from aquamon.config import Config, ConfigError, load_config_text
from aquamon.influx import InfluxV1, InfluxV2, QueryError, WriteError
from aquamon.init import Installer, Site
from aquamon.lineproto import encode_point
from harness.services import InfluxDB1, ServiceError
from harness.stack import Stack


def _alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    # a zombie (ended, not yet reaped by its parent) is not running
    try:
        return Path(f"/proc/{pid}/stat").read_text().split(") ")[-1][0] != "Z"
    except OSError:
        return False


@pytest.mark.services
@pytest.mark.parametrize("failure", [QueryError("InfluxDB at the test's port refused: user creation is not allowed"),
                                     KeyboardInterrupt()], ids=["admin refused", "Ctrl-C"])
def test_a_failed_start_stops_every_server_it_started(tmp_path: Path, monkeypatch: pytest.MonkeyPatch,
                                                      failure: BaseException) -> None:
    """InfluxDB's admin user cannot be made (or Ctrl-C then): the broker and influxd must not outlive it."""
    started: list[int] = []

    def refuse(self: InfluxDB1) -> None:
        assert self.process is not None
        started.append(self.process.pid)
        raise failure

    monkeypatch.setattr(InfluxDB1, "_create_admin", refuse)
    stack = Stack(tmp_path)
    try:
        with pytest.raises(ServiceError if isinstance(failure, Exception) else KeyboardInterrupt) as e:
            stack.start_services()
        assert stack.mosquitto is not None and stack.mosquitto.process is not None
        started.append(stack.mosquitto.process.pid)
        if isinstance(failure, Exception):
            said = str(e.value)
            assert "InfluxDB did not start" in said and "user creation is not allowed" in said
            assert "Every server started here was stopped" in said and "influxd.log" in said
        assert len(started) == 2 and not any(_alive(pid) for pid in started), started
    finally:
        for pid in started:  # before the fix both were left running: stop them here, by PID
            if _alive(pid):
                os.kill(pid, signal.SIGKILL)


def _reading(seq: int, t_ms: int, level_cm: float = 30.0) -> str:
    return encode_point("water", {"tank": "tank1", "device": "d1"},
                        {"seq": seq, "temp_c": 25.0, "level_cm": level_cm, "ph": 7.5, "flow_lpm": 8.0, "pump": 1}, t_ms)


def _half_hour_ten_hours_ago(influx_url: str, unique: str) -> tuple[Config, InfluxV1, int]:
    """Tank ``tank1``'s config, its database holding 30 one-minute readings from 10 h ago, and their start."""
    cfg = one_tank_config(influx_url, unique)
    db = InfluxV1(influx_url, unique)
    db.create_database()
    t0 = (int(time.time() * 1000) - 10 * 3_600_000) // MIN_MS * MIN_MS
    db.write_lines([_reading(i, t0 + i * MIN_MS) for i in range(30)])
    return cfg, db, t0


def _not_watched(a: Analytics, sent: list[Message]) -> list[str]:
    """What the keeper is told of a hole: sent now by day, waiting for the morning in quiet hours."""
    return [text for text in [m.body for m in sent] + a.notifier.digest.get("tank1", []) if "not watched" in text]


@pytest.mark.services
def test_readings_too_far_behind_are_logged_counted_and_told_to_the_keeper(
        influxdb: InfluxDB1, unique: str, caplog: pytest.LogCaptureFixture) -> None:
    """Issue 16: readings more than 6 h behind are never evaluated; that hole must not be silent."""
    cfg, db, t0 = _half_hour_ten_hours_ago(influxdb.url, unique)
    a = Analytics(cfg)
    sent: list[Message] = []
    a.notifier.sender.send = sent.append  # type: ignore[method-assign,union-attr]
    a.cycle()  # evaluated up to the end of minute 30
    assert a._loss_counts()["skipped_seconds"] == 0
    # the controller comes back after 9 h away, with nothing stored in between
    back = t0 + 30 * MIN_MS + 9 * 3_600_000
    db.write_lines([_reading(100 + i, back + i * MIN_MS) for i in range(5)])
    with caplog.at_level(logging.WARNING, logger="aquamon.analytics"):
        a.cycle()
    hole = 9 * 60 + 5 - 6 * 60  # from minute 30 to the end of the fifth reading back, less the 6 h still judged
    assert any("were not evaluated" in r.getMessage() for r in caplog.records), caplog.text
    assert a._loss_counts()["skipped_seconds"] == hole * 60
    assert f"aquamon_analytics_skipped_seconds_total {hole * 60}.0" in a.metrics.text()
    told = _not_watched(a, sent)  # in the keeper's next "since the last message"
    assert told and "did not check that time" in told[0], [m.body for m in sent]


@pytest.mark.services
def test_the_analytics_read_readings_written_through_the_v2_api_and_alert(influxdb: InfluxDB1, unique: str) -> None:
    """``[influxdb] version = 2``: the analytics' read path (InfluxQL on the v1-compatible ``/query``, a token),
    not only the gateway's write path, against the v2 stand-in with a real InfluxDB 1.6 engine behind its bucket."""
    InfluxV1(influxdb.url, unique).create_database()
    standin = InfluxV2StandIn(org="farm", bucket="tanks", token="tok", engine=(influxdb.url, unique))
    try:
        cfg = one_tank_config(influxdb.url, unique)
        cfg.influxdb = replace(cfg.influxdb, version=2, url=standin.url, org="farm", bucket="tanks", token="tok")
        cfg.check()
        v2 = InfluxV2(standin.url, "tanks", "farm", "tok", timeout=10)  # the v2 write API (influxdb-client)
        t0 = (int(time.time() * 1000) - 120 * MIN_MS) // MIN_MS * MIN_MS
        v2.write_lines([_reading(i, t0 + i * MIN_MS) for i in range(60)])
        a = Analytics(cfg)
        assert isinstance(a.db, InfluxV2)
        sent: list[Message] = []
        a.notifier.sender.send = sent.append  # type: ignore[method-assign,union-attr]
        a.cycle()
        assert len(a.data["tank1"].t_ms) >= 59  # read back through /query (the last minute may still be open)
        v2.write_lines([_reading(i, t0 + i * MIN_MS, level_cm=5.0) for i in range(60, 66)])  # the sump runs low
        a.cycle()
        assert any("sump level low" in m.body.lower() for m in sent), [m.body for m in sent]
        # the analytics' own points went back through the v2 write API
        assert any(series.startswith("alert,") and "key=sump_low" in series for series, _ in standin.points)
        v2.close()
    finally:
        standin.close()


@pytest.mark.parametrize("limits, said", [
    ('["temp_c_high = nan"]', "must be a finite number"),  # before: valid, and the high-temperature rule never fired
    ('["temp_c_low = 30", "temp_c_high = 20"]', "temp_c_low = 30 is not below temp_c_high = 20"),
    ('["temp_c_low = 30"]', "temp_c_low = 30 is not below temp_c_high = 29 (with the tropical profile)"),
    ('["ph_fall_per_h = -0.2"]', "ph_fall_per_h = -0.2 must be above 0"),
])
def test_a_limit_that_would_never_fire_or_always_fire_is_refused(limits: str, said: str) -> None:
    cfg = f"[alerts]\nlimits = {limits}\n"
    with pytest.raises(ConfigError, match=re.escape(said)):
        load_config_text(cfg, environ={}, checks=CHECKS)
    with pytest.raises(ConfigError, match=re.escape(said)):  # in a tank's own table too
        load_config_text(f'[alerts.tanks."reef*"]\nlimits = {limits}\n', environ={}, checks=CHECKS)


def test_check_config_says_what_is_wrong_with_a_limit_and_exits_2(tmp_path: Path) -> None:
    bad = tmp_path / "aquamon.toml"
    bad.write_text('[alerts]\nlimits = ["temp_c_low = 30", "temp_c_high = 20"]\n')
    r = subprocess.run([sys.executable, "-m", "aquamon", "check-config", str(bad)], capture_output=True, text=True,
                       timeout=60)
    assert r.returncode == 2 and "Traceback" not in r.stderr + r.stdout
    assert "temp_c_low = 30 is not below temp_c_high = 20" in r.stderr + r.stdout


@pytest.mark.parametrize("args", [["--hours", "-3"], ["--hours", "nan"], ["--hours", "inf"], ["--speed", "-1"]])
def test_demo_refuses_hours_and_speeds_it_cannot_run(args: list[str], monkeypatch: pytest.MonkeyPatch) -> None:
    """Before: `aquamon demo --hours -3` (or --speed -1) started the servers and ran until killed."""
    import aquamon.demo
    from aquamon.cli import app

    ran: list[dict[str, object]] = []

    def run_demo(**kw: object) -> int:
        ran.append(kw)
        return 0

    monkeypatch.setattr(aquamon.demo, "run_demo", run_demo)
    r = CliRunner().invoke(app, ["demo", *args])
    assert not ran and r.exit_code == 2, r.output
    assert "--hours must be from 10" in " ".join(r.output.split())


@pytest.mark.services
def test_init_turns_influxdb_authentication_on_and_the_accounts_work(tmp_path: Path,
                                                                     monkeypatch: pytest.MonkeyPatch) -> None:
    """Debian's InfluxDB accepts anyone on the network: init makes the site's accounts and turns accounts on.

    The drop-in init writes under ``--root`` is applied to a real influxd of our own (its
    ``Environment=`` lines), as systemd would; nothing of this machine is changed.
    """
    influx = InfluxDB1(tmp_path / "influxdb").start()  # authentication off, as Debian ships it
    said: list[str] = []
    site = Site(tanks=["reef"], notify_url="", root=tmp_path / "root", influx_url=influx.url, exe="/bin/true")
    try:
        Installer(site, say=said.append).run(only=["influxdb"])
        etc = site.etc
        accounts = influx_auth.saved_accounts(etc)
        assert accounts is not None and accounts.parts[0] == "aquamon"
        for name in influx_auth.FILES.values():
            assert stat.S_IMODE((etc / name).stat().st_mode) == 0o600
        drop_in = site.path(influx_auth.DROP_IN).read_text()
        assert any("Grafana" in line for line in said), said
        # influxd restarted as systemd would start it with the drop-in
        influx.stop()
        for key, value in re.findall(r"^Environment=(\w+)=(\S+)$", drop_in, flags=re.M):
            monkeypatch.setenv(key, value)
        influx.start()
        with pytest.raises(QueryError, match=r"asks for an account.*influxdb\.env"):  # anyone: refused, and told
            InfluxV1(influx.url, "aquamon").query("SHOW MEASUREMENTS")
        parts = InfluxV1(influx.url, "aquamon", *accounts.parts)
        now_ms = int(time.time() * 1000)  # (inside the 180 days init keeps)
        parts.write_lines([f"water,tank=reef,device=esp32 temp_c=25.0 {now_ms}"])
        assert parts.query('SELECT count("temp_c") FROM "water"')[0]["values"][0][1] == 1
        grafana = InfluxV1(influx.url, "aquamon", *accounts.grafana)
        assert grafana.query('SELECT count("temp_c") FROM "water"')
        with pytest.raises(WriteError):
            grafana.write_lines([f"water,tank=reef,device=esp32 temp_c=26.0 {now_ms + 1}"])  # read only
        # a rerun (an upgrade) finds its accounts and changes nothing
        said.clear()
        Installer(site, say=said.append).run(only=["influxdb"])
        assert influx_auth.saved_accounts(etc) == accounts
        assert not any(line.startswith("write") for line in said), said
    finally:
        influx.stop()


@pytest.mark.services
def test_a_long_stop_is_told_also_when_the_saved_state_is_refitted(influxdb: InfluxDB1, unique: str) -> None:
    """The analytics stopped for 9 h and came back with another setting (or version): the state is re-fitted, and
    before, the tank counted as new: the hours before the latest 6 were skipped with no line, count or message."""
    cfg, db, t0 = _half_hour_ten_hours_ago(influxdb.url, unique)
    first = Analytics(cfg)
    first.cycle()  # evaluated and saved
    assert first.state.saved == 1
    db.write_lines([_reading(100 + i, t0 + 30 * MIN_MS + 9 * 3_600_000 + i * MIN_MS) for i in range(5)])
    cfg.alerts = replace(cfg.alerts, limits=["temp_c_high = 31"])  # the keeper changed a limit meanwhile
    again = Analytics(cfg)
    sent: list[Message] = []
    again.notifier.sender.send = sent.append  # type: ignore[method-assign,union-attr]
    again.cycle()
    assert again.state.refused == 1  # re-fitted ...
    assert again._loss_counts()["skipped_seconds"] == (9 * 60 + 5 - 6 * 60) * 60  # ... and the hole counted, told
    assert _not_watched(again, sent)
