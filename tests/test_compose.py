"""docker-compose.yml is for users; no Docker engine runs here, so it is validated."""

from __future__ import annotations

import shutil
import subprocess
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]


def test_compose_file_is_valid_and_has_every_part() -> None:
    exe = shutil.which("docker-compose")
    if exe is None:
        pytest.fail("docker-compose is not installed: run 'make test' (it installs the Debian package)")
    r = subprocess.run([exe, "-f", str(ROOT / "docker-compose.yml"), "config", "--services"],
                       capture_output=True, text=True, timeout=60, cwd=ROOT)
    assert r.returncode == 0, r.stderr
    assert set(r.stdout.split()) == {"mosquitto", "influxdb", "grafana", "gateway", "analytics"}


def test_the_container_config_is_valid() -> None:
    from aquamon.config import load_config

    cfg = load_config(ROOT / "deploy" / "docker" / "aquamon.toml")
    assert cfg.mqtt.host == "mosquitto"
