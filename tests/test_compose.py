"""docker-compose.yml is for users; no Docker engine runs here, so it is validated with
`docker-compose config`, and what it would run is checked: no empty password, nothing published on
every interface, InfluxDB and Grafana with authentication, a configuration that notifies."""

from __future__ import annotations

import os
import re
import shutil
import subprocess
import sys
from pathlib import Path

import pytest
import yaml

ROOT = Path(__file__).resolve().parents[1]


def example_variables() -> list[str]:
    """The variables .env.example asks for (uncommented, empty)."""
    return re.findall(r"^([A-Z0-9_]+)=$", (ROOT / ".env.example").read_text(), flags=re.M)


def filled_env_file(tmp_path: Path) -> Path:
    """.env.example with every value filled in (a valid command key, an Apprise URL, passwords)."""
    values = {"AQUAMON_COMMAND_KEY": "5a1f09c3e7b2d4" * 4 + "5a1f09c3", "AQUAMON_NOTIFY_URL": "ntfy://ntfy.sh/aquamon-test"}
    path = tmp_path / "filled.env"
    path.write_text("".join(f"{v}={values.get(v, 'pw-' + v.lower())}\n" for v in example_variables()))
    return path


def compose_config(env_file: Path, *args: str) -> subprocess.CompletedProcess[str]:
    """`docker-compose config` of our file with only ``env_file`` as the environment's source."""
    exe = shutil.which("docker-compose")
    if exe is None:
        pytest.fail("docker-compose is not installed: run 'make test' (it installs the Debian package)")
    env = {k: v for k, v in os.environ.items() if not re.match(r"(AQUAMON|INFLUXDB|GRAFANA)_", k)}
    return subprocess.run([exe, "-f", str(ROOT / "docker-compose.yml"), "--env-file", str(env_file), "config", *args],
                          capture_output=True, text=True, timeout=60, cwd=ROOT, env=env)


@pytest.fixture
def resolved(tmp_path: Path) -> dict:
    r = compose_config(filled_env_file(tmp_path))
    assert r.returncode == 0, r.stderr
    return yaml.safe_load(r.stdout)


def test_compose_file_is_valid_and_has_every_part(tmp_path: Path) -> None:
    r = compose_config(filled_env_file(tmp_path), "--services")
    assert r.returncode == 0, r.stderr
    assert set(r.stdout.split()) == {"mosquitto", "influxdb", "grafana", "gateway", "analytics"}


def test_compose_refuses_to_start_with_an_empty_password(tmp_path: Path) -> None:
    # .env.example as it is shipped: every value empty
    r = compose_config(ROOT / ".env.example")
    assert r.returncode != 0
    assert "set " in r.stderr and "in .env" in r.stderr, r.stderr
    # and one value left empty is named
    filled = filled_env_file(tmp_path)
    filled.write_text(filled.read_text().replace("GRAFANA_ADMIN_PASSWORD=pw-grafana_admin_password",
                                                 "GRAFANA_ADMIN_PASSWORD="))
    r = compose_config(filled)
    assert r.returncode != 0 and "GRAFANA_ADMIN_PASSWORD" in r.stderr, r.stderr


def test_nothing_is_published_on_every_interface(resolved: dict) -> None:
    # docker-compose 1.29 writes "host_ip:published:target/protocol"; without host_ip it is every interface
    published = [(name, re.fullmatch(r"(?:(?P<ip>[0-9.]+):)?(?P<pub>\d+):(?P<target>\d+)(?:/\w+)?", str(p)))
                 for name, svc in resolved["services"].items() for p in svc.get("ports", [])]
    assert all(m for _, m in published), published
    assert {m["target"] for _, m in published} == {"1883", "3000"}
    for name, m in published:
        assert m["ip"] == "127.0.0.1", (name, m.group(0))


def test_influxdb_and_grafana_require_passwords(resolved: dict) -> None:
    svc = resolved["services"]
    influx = svc["influxdb"]["environment"]
    assert influx["INFLUXDB_HTTP_AUTH_ENABLED"] == "true"
    assert influx["INFLUXDB_ADMIN_PASSWORD"] == "pw-influxdb_admin_password"
    grafana = svc["grafana"]["environment"]
    assert grafana["GF_SECURITY_ADMIN_PASSWORD"] == "pw-grafana_admin_password"
    assert grafana["GF_AUTH_ANONYMOUS_ENABLED"] == "false"
    for part in ("gateway", "analytics"):
        env = svc[part]["environment"]
        assert env["AQUAMON_INFLUXDB_USERNAME"] == "aquamon"
        assert env["AQUAMON_INFLUXDB_PASSWORD"] == influx["INFLUXDB_USER_PASSWORD"]
    ds = (ROOT / "deploy/grafana/provisioning/datasources/aquamon.yml").read_text()
    assert "user: $INFLUXDB_READ_USER" in ds and "password: $INFLUXDB_READ_USER_PASSWORD" in ds


def test_the_broker_files_are_copied_in_for_the_brokers_own_user(resolved: dict) -> None:
    mosq = resolved["services"]["mosquitto"]
    script = " ".join(mosq["command"])
    assert "install -o mosquitto -g mosquitto -m 0600 /aquamon/mosquitto/passwd /aquamon/mosquitto/acl" in script
    assert script.rstrip().endswith("exec mosquitto -c /mosquitto/config/mosquitto.conf")
    assert f"{ROOT}/deploy/mosquitto:/aquamon/mosquitto:ro" in mosq["volumes"]


@pytest.mark.parametrize("part", ["gateway", "analytics"])
def test_the_container_config_checks_clean_and_notifies(resolved: dict, part: str) -> None:
    env = {k: str(v) for k, v in resolved["services"][part]["environment"].items()}
    r = subprocess.run([sys.executable, "-m", "aquamon", "check-config", "--strict",
                        str(ROOT / "deploy" / "docker" / "aquamon.toml")],
                       capture_output=True, text=True, timeout=60, env={**os.environ, **env})
    if part == "analytics":
        assert r.returncode == 0, r.stdout + r.stderr
        assert "AQUAMON_NOTIFY_CRITICAL overrides [notify] critical" in r.stderr
        assert "AQUAMON_ALERTS_COMMAND_KEY overrides [alerts] command_key" in r.stderr
        # the zone by name (the fixed offset is deprecated: an hour off for half the year)
        assert "AQUAMON_ALERTS_TIME_ZONE overrides [alerts] time_zone" in r.stderr and "UTC_OFFSET" not in r.stderr
    else:  # the gateway sends no notifications: the only warning is that one
        assert "alerts would reach nobody" in r.stderr and r.stderr.count("warning:") == 1, r.stderr


def test_the_image_is_slim_and_has_a_healthcheck() -> None:
    text = (ROOT / "deploy" / "docker" / "Dockerfile").read_text()
    assert "HEALTHCHECK" in text and "/healthz" in text
    assert re.search(r"^USER aquamon$", text, flags=re.M)
    installs = [line for line in text.splitlines() if "pip " in line]
    assert installs and not any("[" in line for line in installs), installs  # no extras: no firmware tools
