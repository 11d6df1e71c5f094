"""The gateway on a bad day for its own disk, on real Mosquitto and InfluxDB (issue 21 item 5).

* The spool on a full filesystem while InfluxDB is down: the gateway stays up,
  holds its acks (the readings wait in the broker, as ``full_policy = block``
  promises: a gateway killed meanwhile loses none) and stores every one once
  space or InfluxDB returns.  The full
  filesystem is a real one: a 64 KiB tmpfs, which needs root to mount.
* A writer that dies (a bug, injected here) ends the process with a non-zero
  status and a line saying so, so a supervisor with ``Restart=on-failure``
  restarts it; nothing it had not made durable is lost.
"""

from __future__ import annotations

import errno
import os
import subprocess
import sys
from dataclasses import replace
from pathlib import Path
from typing import Iterator

import pytest
from test_gateway_faults import count, gateway_cfg, healthz, metrics, publisher

from aquamon.config import to_toml
from harness.loadgen import publish_readings
from harness.services import InfluxDB1, Mosquitto, spawn
from harness.stack import Stack, wait_for

pytestmark = pytest.mark.services


@pytest.fixture
def tiny_filesystem(tmp_path: Path) -> Iterator[Path]:
    """A 64 KiB tmpfs, filled to the last byte by ``filler`` (delete it to give the space back)."""
    mount = tmp_path / "tiny"
    mount.mkdir()
    r = subprocess.run(["mount", "-t", "tmpfs", "-o", "size=64k", "tmpfs", str(mount)], capture_output=True)
    if r.returncode != 0:
        pytest.skip(f"cannot mount a tmpfs here (needs root): {r.stderr.decode().strip()}")
    try:
        yield mount
    finally:
        subprocess.run(["umount", "-l", str(mount)], check=False)


def fill(directory: Path) -> Path:
    filler = directory / "filler"
    with open(filler, "wb", buffering=0) as f:
        try:
            while True:
                f.write(b"\0" * 1024)
        except OSError as e:
            if e.errno != errno.ENOSPC:
                raise
    return filler


def test_full_spool_filesystem_with_influxdb_down_holds_acks_and_loses_nothing(
        tmp_path: Path, mosquitto: Mosquitto, tiny_filesystem: Path, unique: str) -> None:
    influx = InfluxDB1(tmp_path / "own-influxdb").start()
    stack = Stack(tmp_path, mosquitto=mosquitto, influx=influx)
    try:
        cfg = gateway_cfg(stack, unique, instance=unique, retry_max_s=1.0)
        cfg.spool = replace(cfg.spool, dir=str(tiny_filesystem))
        db = stack.db(cfg)
        gw = stack.start_gateway(cfg)
        assert wait_for(lambda: count(db) == 0, 10)
        filler = fill(tiny_filesystem)
        influx.stop()
        n = 500
        assert publish_readings(mosquitto.port, unique, n, tanks=5, timeout=60, **publisher(stack)) == n
        # The gateway meets ENOSPC (far below [spool] max_bytes) and holds on: alive, nothing acknowledged.
        assert wait_for(lambda: metrics(cfg).get("spool_write_errors", 0) >= 2, 20), (gw.alive(), gw.log_tail())
        assert gw.alive(), gw.log_tail()
        m = metrics(cfg)
        assert m["spooled"] == 0 and m["written"] == 0 and m["spool_lines"] == 0
        assert "No space left on device" in gw.log_path.read_text()
        status, health = healthz(cfg)
        assert status == 503 and health["influxdb_ok"] is False  # a supervisor's probe sees it cannot store
        # Held means unacknowledged: killed now, the gateway loses nothing; the broker gives
        # the readings to the next one, which holds them the same way.
        gw.proc.kill()
        gw.proc.wait(10)
        gw = stack.start_gateway(cfg, name="restarted")
        assert wait_for(lambda: metrics(cfg).get("received", 0) >= n, 20), metrics(cfg)
        assert metrics(cfg)["spooled"] == 0 and gw.alive()
        # Space returns: the held readings go to the spool, then to InfluxDB once it is back.
        filler.unlink()
        assert wait_for(lambda: metrics(cfg).get("spool_lines") == n, 20), metrics(cfg)
        influx.start()
        assert wait_for(lambda: count(db) == n, 60), (count(db), metrics(cfg))
        assert gw.alive()
    finally:
        stack.stop_all()
        influx.stop()


# Runs the gateway as `aquamon gateway` does, with a bug planted in its writer: the
# first acknowledgement raises, after the batch was written (so it is redelivered).
WRITER_BUG = """
import sys
import gateway.service as service

def broken_ack(self, chunks):
    raise RuntimeError("planted writer bug")

service.Gateway._ack = broken_ack
sys.argv = ["aquamon", "gateway", "--config", sys.argv[1]]
from aquamon.cli import app
app()
"""


def test_a_dead_writer_exits_non_zero_and_loses_nothing(stack: Stack, unique: str) -> None:
    cfg = gateway_cfg(stack, unique, instance=unique)
    cfg.mqtt.username, cfg.mqtt.password = stack.service_credentials("gateway", unique)
    db = stack.db(cfg)
    n = 300
    conf = stack.workdir / "broken.toml"
    conf.write_text(to_toml(cfg))
    os.chmod(conf, 0o600)
    broken = spawn("broken-gateway", [sys.executable, "-c", WRITER_BUG, str(conf)], stack.workdir / "broken.log",
                   env=dict(os.environ, PYTHONUNBUFFERED="1"))
    stack.processes.append(broken)
    stack.wait_gateway_online(cfg, broken)
    assert publish_readings(stack.mosquitto.port, unique, n, tanks=3, **publisher(stack)) == n
    assert broken.proc.wait(30) == 1, broken.log_tail()
    text = broken.log_path.read_text()
    assert "planted writer bug" in text and "exiting with status 1 so a supervisor restarts it" in text
    # The supervisor's restart: every reading arrives, once.
    stack.start_gateway(cfg, name="restarted")
    assert wait_for(lambda: count(db) == n, 30), count(db)
