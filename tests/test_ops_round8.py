"""Operator holes found in round 8: what a keeper on a Pi or an operator of many tanks would trip over.

Each test failed before its fix (docs/decisions.md, "Operator holes (round 8)").
"""

from __future__ import annotations

import os
import signal
from pathlib import Path

import pytest

from aquamon.influx import QueryError
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
def test_a_failed_start_stops_every_server_it_started(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """InfluxDB's admin user cannot be made: the broker and influxd started before must not outlive the error."""
    started: list[int] = []

    def refuse(self: InfluxDB1) -> None:
        assert self.process is not None
        started.append(self.process.pid)
        raise QueryError("InfluxDB at the test's port refused: user creation is not allowed")

    monkeypatch.setattr(InfluxDB1, "_create_admin", refuse)
    stack = Stack(tmp_path)
    try:
        with pytest.raises(ServiceError) as e:
            stack.start_services()
        assert stack.mosquitto is not None and stack.mosquitto.process is not None
        started.append(stack.mosquitto.process.pid)
        said = str(e.value)
        assert "InfluxDB did not start" in said and "user creation is not allowed" in said
        assert "were stopped" in said.replace("was stopped", "were stopped") and "influxd.log" in said
        assert len(started) == 2 and not any(_alive(pid) for pid in started), started
    finally:
        for pid in started:  # before the fix both were left running: stop them here, by PID
            if _alive(pid):
                os.kill(pid, signal.SIGKILL)
