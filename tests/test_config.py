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


def test_secrets_may_come_from_the_environment(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("AQUAMON_MQTT_PASSWORD", "from-env")
    assert load_config_text("[mqtt]\nusername = 'gw'").mqtt.password == "from-env"
    assert load_config_text("[mqtt]\nusername = 'gw'\npassword = 'file'").mqtt.password == "file"


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
    from aquamon.services import InfluxDB1, Mosquitto
    from aquamon.stack import Stack

    # no servers are started: config() only needs their ports
    s = Stack(tmp_path, mosquitto=Mosquitto(tmp_path / "m"), influx=InfluxDB1(tmp_path / "i"))
    assert s.config().analytics.poll_s == 0.2
    assert s.config(poll_s=3.0, window_minutes=30).analytics.poll_s == 3.0
