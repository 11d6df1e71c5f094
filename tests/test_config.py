"""Configuration is validated before any I/O, with messages that name the key."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest

from aquamon.config import ConfigError, load_config, load_config_text

ROOT = Path(__file__).resolve().parents[1]


def test_the_sample_config_is_valid_and_documents_every_option() -> None:
    text = (ROOT / "aquamon.example.toml").read_text()
    load_config(ROOT / "aquamon.example.toml")
    from dataclasses import fields

    from aquamon.config import Config

    for section in fields(Config):
        assert f"[{section.name}]" in text
        for f in fields(section.type if isinstance(section.type, type) else getattr(Config(), section.name)):
            assert f"# {f.name} = " in text, f"[{section.name}] {f.name} is not documented in the sample"


@pytest.mark.parametrize("text, message", [
    ("[mqtt]\nprot = 1", "[mqtt] prot: unknown key"),
    ("[mqqt]\nport = 1", "[mqqt]: unknown section"),
    ("[mqtt]\nport = 70000", "[mqtt] port: 70000 is out of range; allowed 1 to 65535"),
    ("[mqtt]\nport = 'x'", "[mqtt] port: must be a whole number"),
    ("[mqtt]\ntopic_prefix = 'a/#'", "[mqtt] topic_prefix"),
    ("[influxdb]\nurl = 'localhost:8086'", "[influxdb] url"),
    ("[influxdb]\nversion = 2", "[influxdb] org: required for InfluxDB 2.x"),
    ("[analytics]\nwarmup_hours = 100\nreference_hours = 50", "[analytics] warmup_hours"),
    ("[analytics]\nfalse_alarms_per_30_days = nan", "not a finite number"),
    ("[gateway]\nbatch_size = true", "[gateway] batch_size: must be a whole number"),
    ("[mqtt", "not valid TOML"),
])
def test_wrong_values_are_refused_with_the_key_named(text: str, message: str) -> None:
    with pytest.raises(ConfigError) as e:
        load_config_text(text)
    assert message in str(e.value)


def test_the_environment_overrides_the_file(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("AQUAMON_MQTT_PASSWORD", "from-env")
    assert load_config_text("[mqtt]\nusername = 'gw'").mqtt.password == "from-env"
    assert load_config_text("[mqtt]\nusername = 'gw'\npassword = 'file'").mqtt.password == "from-env"
    monkeypatch.setenv("AQUAMON_MQTT_PORT", "1884")
    monkeypatch.setenv("AQUAMON_NOTIFY_CRITICAL", "ntfy://ntfy.sh/a json://localhost:1/b")
    monkeypatch.setenv("AQUAMON_GATEWAY_SHARED_SUBSCRIPTION", "true")
    cfg = load_config_text("[mqtt]\nport = 1883\n[notify]\ncritical = ['mailto://x:y@example.com']")
    assert cfg.mqtt.port == 1884
    assert cfg.notify.critical == ["ntfy://ntfy.sh/a", "json://localhost:1/b"]
    assert cfg.gateway.shared_subscription is True
    # an empty variable does not blank the file's value
    monkeypatch.setenv("AQUAMON_MQTT_PASSWORD", "")
    assert load_config_text("[mqtt]\npassword = 'file'").mqtt.password == "file"


def test_a_bad_environment_value_names_the_variable(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("AQUAMON_MQTT_PORT", "eighty")
    with pytest.raises(ConfigError, match="environment AQUAMON_MQTT_PORT: 'eighty' is not a valid value"):
        load_config_text("")
    monkeypatch.setenv("AQUAMON_MQTT_PORT", "70000")
    with pytest.raises(ConfigError, match=r"\[mqtt\] port: 70000 is out of range"):
        load_config_text("")


def test_every_problem_is_reported_at_once() -> None:
    text = ("[mqtt]\nport = 70000\nprot = 1\n[gateway]\nbatch_size = true\nretry_max_s = 0\n"
            "[mqqt]\n[alerts]\ncommand_key = 'short'\n")
    with pytest.raises(ConfigError) as e:
        load_config_text(text)
    assert len(e.value.problems) == 6, e.value.problems
    for part in ("[mqtt] port: 70000 is out of range", "[mqtt] prot: unknown key",
                 "[gateway] batch_size: must be a whole number", "[gateway] retry_max_s: 0.0 is out of range",
                 "[mqqt]: unknown section", "[alerts] command_key: too weak"):
        assert part in str(e.value)
    assert str(e.value).startswith("6 problems:")


@pytest.mark.parametrize("key", ["short", "x" * 64, "ab" * 31, "a" * 65])
def test_a_weak_command_key_is_refused_with_the_minimum_stated(key: str) -> None:
    with pytest.raises(ConfigError, match="command_key: too weak; use at least 64 hex characters"):
        load_config_text(f"[alerts]\ncommand_key = '{key}'")


def test_a_strong_command_key_or_none_is_accepted() -> None:
    assert load_config_text("[alerts]\ncommand_key = '" + "3f" * 32 + "'").alerts.command_key == "3f" * 32
    assert load_config_text("[alerts]\ncommand_key = ''").alerts.command_key == ""


def test_the_sample_documents_the_environment_precedence() -> None:
    text = (ROOT / "aquamon.example.toml").read_text()
    assert "AQUAMON_<SECTION>_<KEY>" in text and "override" in text
    assert "64 hex characters" in text


def _check(path: Path, *args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run([sys.executable, "-m", "aquamon", "check-config", str(path), *args],
                          capture_output=True, text=True, timeout=60)


def test_check_config_warns_when_nobody_would_be_notified(tmp_path: Path) -> None:
    empty = tmp_path / "empty.toml"
    empty.write_text("")
    r = _check(empty)
    assert r.returncode == 0
    assert "alerts would reach nobody" in r.stderr and "the file sets nothing" in r.stderr
    assert "OK" not in r.stdout and "warning" in r.stdout
    assert _check(empty, "--strict").returncode == 1
    no_critical = tmp_path / "info-only.toml"
    no_critical.write_text("[mqtt]\nusername = 'a'\npassword = 'b'\n[notify]\ninfo = ['json://localhost:1/x']\n")
    r = _check(no_critical)
    assert "[notify] critical: empty" in r.stderr
    good = tmp_path / "good.toml"
    good.write_text("[mqtt]\nusername = 'a'\npassword = 'b'\n[notify]\ncritical = ['json://localhost:1/x']\n")
    r = _check(good)
    assert r.returncode == 0 and "OK" in r.stdout and "warning" not in r.stderr, r.stderr


def test_a_weak_key_stops_check_config_and_the_analytics_with_every_problem(tmp_path: Path) -> None:
    bad = tmp_path / "weak.toml"
    bad.write_text("[alerts]\ncommand_key = 'short'\n[gateway]\nbatch_size = 0\n")
    r = _check(bad)
    assert r.returncode == 2, r.stdout
    assert "command_key: too weak" in r.stderr and "[gateway] batch_size" in r.stderr
    r = subprocess.run([sys.executable, "-m", "aquamon", "analytics", "--config", str(bad)],
                       capture_output=True, text=True, timeout=60)
    assert r.returncode == 2 and "command_key: too weak" in r.stderr and "Traceback" not in r.stderr


def test_cli_exits_2_with_the_message_and_no_traceback(tmp_path: Path) -> None:
    bad = tmp_path / "bad.toml"
    bad.write_text("[gateway]\nbatch_size = 0\n")
    for part in ("gateway", "analytics"):
        r = subprocess.run([sys.executable, "-m", "aquamon", part, "--config", str(bad)],
                           capture_output=True, text=True, timeout=60)
        assert r.returncode == 2
        assert "[gateway] batch_size: 0 is out of range" in r.stderr
        assert "Traceback" not in r.stderr
    r = subprocess.run([sys.executable, "-m", "aquamon", "gateway", "--config", str(tmp_path / "missing.toml")],
                       capture_output=True, text=True, timeout=60)
    assert r.returncode == 2 and "cannot read the configuration file" in r.stderr


def test_stack_config_lets_the_caller_choose_every_analytics_option(tmp_path: Path) -> None:
    from harness.services import InfluxDB1, Mosquitto
    from harness.stack import Stack

    # no servers are started: config() only needs their ports
    s = Stack(tmp_path, mosquitto=Mosquitto(tmp_path / "m"), influx=InfluxDB1(tmp_path / "i"))
    assert s.config().analytics.poll_s == 0.2
    assert s.config(poll_s=3.0, window_minutes=30).analytics.poll_s == 3.0


def test_config_checks_instance_index() -> None:
    cfg = load_config_text("[analytics]\ninstance_index = 2\ninstance_count = 3\n")
    assert (cfg.analytics.instance_index, cfg.analytics.instance_count) == (2, 3)
    with pytest.raises(ConfigError, match="instance_index: 3 must be from 0 to instance_count - 1"):
        load_config_text("[analytics]\ninstance_index = 3\ninstance_count = 3\n")
    with pytest.raises(ConfigError, match="instance_count"):
        load_config_text("[analytics]\ninstance_count = 0\n")
