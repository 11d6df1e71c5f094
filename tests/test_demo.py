"""``aquamon demo`` as a user runs it: it finishes, exits 0, says what happened,
and Ctrl-C leaves no process behind."""

from __future__ import annotations

import os
import re
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest

from aquamon.config import load_config

pytestmark = pytest.mark.services


def processes_under(path: Path) -> list[str]:
    out = []
    for pid in os.listdir("/proc"):
        if not pid.isdigit():
            continue
        try:
            cmd = (Path("/proc") / pid / "cmdline").read_bytes().replace(b"\0", b" ").decode(errors="replace")
        except OSError:
            continue
        if str(path) in cmd:
            out.append(f"{pid}: {cmd}")
    return out


def test_demo_runs_to_the_end_and_reports(short_demo: tuple[Path, "subprocess.CompletedProcess[str]"]) -> None:
    out, r = short_demo  # one run for the session, shared with tests/test_security_secrets.py
    assert r.returncode == 0, r.stdout[-3000:] + r.stderr[-3000:]
    assert "FIRING" in r.stdout and "heater_stuck" in r.stdout
    rows: dict[str, str] = {}
    key = ""
    for line in r.stdout.splitlines():  # a long value wraps onto rows with an empty label
        if line.count("│") >= 3:
            label, value = line.split("│")[1].strip(), line.split("│")[2].strip()
            key = label or key
            rows[key] = f"{rows[key]} {value}" if not label and key in rows else value
    assert rows["readings published (firmware)"] == "1620"
    assert rows["readings written (InfluxDB)"] == "1620"
    assert rows["messages rejected"] == "0"
    assert "heater_stuck" in rows["alerts fired"]
    # the demo's tank ends at 07:30 whatever the hour it runs, so its faults fall in the keeper's night: the
    # stuck heater (01:30) pages at once, the only push of its incident at critical priority, and nothing
    # else buzzes before 07:00; every push is shown with its simulated time and priority
    assert "The keeper's night is 22:00-07:00 (UTC)" in r.stdout
    night = re.fullmatch(r"critical (\d+), other (\d+)", rows["pushes in quiet hours (22:00-07:00)"])
    assert night and int(night[1]) >= 1 and night[2] == "0", rows
    assert re.match(r"1 \(\d+ incidents? paged", rows["critical pushes per incident (most)"]), rows
    assert re.search(r"NOTIFY   \w{3} 0[1-6]:\d\d critical: demo-tank: heater stuck on", r.stdout), r.stdout[-3000:]
    # the morning message tells the night: its all-clears and what ended unannounced
    morning = re.search(r"NOTIFY   \w{3} 07:\d\d info    : demo-tank: daily summary — (.*)", r.stdout)
    assert morning and "All clear: heater stuck on" in morning[1], r.stdout[-3000:]
    # the messages' ack hint works against the running demo with the keeper settings it prints
    keeper = load_config(out / "keeper.toml")
    assert f"aquamon silence demo-tank KEY --ack --config {out / 'keeper.toml'}" in r.stdout.replace("\n", "")
    assert keeper.alerts.command_key == load_config(out / "analytics.toml").alerts.command_key != ""
    assert keeper.mqtt.username == "operator" and (out / "keeper.toml").stat().st_mode & 0o077 == 0
    assert (out / "report" / "report.html").exists()
    # with --serve the tank goes on in real time: the device answers a keeper's command; Ctrl-C ends it all
    assert "--serve: the web app stays up" in r.stdout
    assert (out.parent / "serve-command.out").read_text().startswith("0\nok: feed for 5 min")
    assert processes_under(out) == []


@pytest.mark.parametrize("sig", [signal.SIGINT, signal.SIGTERM], ids=["ctrl-c", "kill"])
def test_ctrl_c_or_kill_stops_everything(tmp_path: Path, sig: signal.Signals) -> None:
    # SIGTERM (kill, a service manager) left Mosquitto, InfluxDB and the parts running before
    out = tmp_path / "demo"
    p = subprocess.Popen([sys.executable, "-m", "aquamon", "demo", "--hours", "30", "--speed", "600", "--out",
                          str(out)], stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True)
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline and not (out / "firmware.log").exists():
        time.sleep(0.2)
    time.sleep(2)
    assert len(processes_under(out)) >= 4  # mosquitto, influxd, gateway, analytics, firmware
    p.send_signal(sig)
    stdout, _ = p.communicate(timeout=60)
    assert p.returncode == 130, stdout[-2000:]
    assert "Interrupted" in stdout
    assert processes_under(out) == []
