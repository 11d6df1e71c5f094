"""Secrets never in the repository or in logs, and the demo runs with authentication on."""

from __future__ import annotations

import json
import re
import subprocess
import sys
from pathlib import Path
from typing import Any, Iterator

import pytest

from aquamon.config import load_config

if sys.version_info >= (3, 11):
    import tomllib
else:  # pragma: no cover
    import tomli as tomllib

pytestmark = pytest.mark.services
ROOT = Path(__file__).resolve().parents[1]
SECRET_KEY = re.compile(r"pass|key|secret|token", re.I)
# the only files that may hold a secret: each part's own config, readable by its owner only
CONFIG_FILES = {"gateway.toml", "analytics.toml", "firmware.json", "web.toml", "keeper.toml",
                "gateway-serve.toml", "analytics-serve.toml", "firmware-serve.json"}  # (--serve: the tank goes on)
# the web app's copies of the devices' command keys (aquamon.demo.start_demo_web): private like the configs
KEY_DIRS = {"web-keys"}


def secret_values(doc: Any, key: str = "") -> Iterator[str]:
    """Every non-empty string under a key that names a secret (password, key, token ...)."""
    if isinstance(doc, dict):
        for k, v in doc.items():
            yield from secret_values(v, str(k))
    elif isinstance(doc, list):
        for v in doc:
            yield from secret_values(v, key)
    elif isinstance(doc, str) and doc and SECRET_KEY.search(key):
        yield doc


@pytest.fixture(scope="module")
def demo_run(short_demo: tuple[Path, subprocess.CompletedProcess[str]]) -> tuple[Path, subprocess.CompletedProcess[str]]:
    return short_demo  # one demo run for the session (tests/conftest.py)


def test_the_demo_runs_with_authentication_on(demo_run: tuple[Path, subprocess.CompletedProcess[str]]) -> None:
    out, r = demo_run
    assert r.returncode == 0, r.stdout[-3000:] + r.stderr[-3000:]
    conf = (out / "mosquitto" / "mosquitto.conf").read_text()
    assert "allow_anonymous false" in conf and "password_file" in conf and "acl_file" in conf
    users = {ln.split(":", 1)[0] for ln in (out / "mosquitto" / "auth" / "passwd").read_text().splitlines()}
    # each part had its own account
    assert {"gateway", "analytics", "viewer", "aquamon/demo-tank/esp32-sim"} <= users
    assert "use_username_as_clientid true" in conf  # client ids bound to accounts
    assert load_config(out / "gateway.toml").mqtt.username == "gateway"
    assert load_config(out / "analytics.toml").mqtt.username == "analytics"
    # InfluxDB asks for a login too, and each part has its own, not the admin's
    assert "auth-enabled = true" in (out / "influxdb" / "influxdb.conf").read_text()
    assert load_config(out / "gateway.toml").influxdb.username == "gateway"
    assert load_config(out / "analytics.toml").influxdb.username == "analytics"
    assert json.loads((out / "firmware.json").read_text())["mqtt"]["user"] == "aquamon/demo-tank/esp32-sim"
    # and each connected to the broker under its own name
    log = (out / "mosquitto" / "mosquitto.log").read_text()
    for user in ("gateway", "analytics", "viewer", "aquamon/demo-tank/esp32-sim"):
        assert re.search(rf"New client connected from .* u'{re.escape(user)}'\)", log), user


def test_no_secret_of_the_demo_is_in_any_log_or_its_console_output(
        demo_run: tuple[Path, subprocess.CompletedProcess[str]]) -> None:
    out, r = demo_run
    secrets: set[str] = set()
    for name in ("gateway.toml", "analytics.toml", "web.toml", "keeper.toml", "gateway-serve.toml",
                 "analytics-serve.toml"):  # every password, key and token in them
        secrets |= set(secret_values(tomllib.loads((out / name).read_text())))
    for name in ("firmware.json", "firmware-serve.json"):
        secrets |= set(secret_values(json.loads((out / name).read_text())))
    assert len(secrets) >= 3, f"expected the gateway, analytics and device passwords, found {len(secrets)}"
    files = [p for p in out.rglob("*") if p.is_file()]
    logs = [p for p in files if p.suffix == ".log"]
    assert {"mosquitto.log", "gateway.log", "analytics.log", "firmware.log"} <= {p.name for p in logs}
    leaks = []
    for p in files:
        if (p.name in CONFIG_FILES and p.parent == out) or (p.parent.name in KEY_DIRS and p.parent.parent == out):
            assert p.stat().st_mode & 0o077 == 0, f"{p} is readable by others"
            continue
        data = p.read_bytes()
        leaks += [(str(p.relative_to(out)), s[:4] + "…") for s in secrets if s.encode() in data]
    for stream, text in (("stdout", r.stdout), ("stderr", r.stderr)):
        leaks += [(stream, s[:4] + "…") for s in secrets if s in text]
    assert leaks == []


def test_no_secret_is_tracked_in_the_repository() -> None:
    tracked = subprocess.run(["git", "ls-files"], cwd=ROOT, capture_output=True, text=True, check=True).stdout.split()
    for path in ("deploy/mosquitto/passwd", "deploy/mosquitto/acl", "firmware/secrets.py"):
        assert path not in tracked, f"{path} holds site secrets and must not be committed"
        ignored = subprocess.run(["git", "check-ignore", "-q", path], cwd=ROOT).returncode == 0
        assert ignored, f"{path} is not in .gitignore"
    hash_line = re.compile(r"^[^:\s]+:\$[67]\$", re.M)  # a mosquitto password file entry
    filled = re.compile(r"^\s*(password|token)\s*=\s*\"[^\"]+\"", re.M)  # a TOML secret with a value
    for path in tracked:
        p = ROOT / path
        if not p.is_file() or p.stat().st_size > 1_000_000:
            continue
        text = p.read_text(errors="replace")
        assert not hash_line.search(text), f"{path} contains a password hash"
        if p.suffix == ".toml":
            assert not filled.search(text), f"{path} contains a password or token"
