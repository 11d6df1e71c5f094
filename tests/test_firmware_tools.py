"""Deployment tooling: `aquamon flash` validates the device files and builds what mpremote uploads."""

from __future__ import annotations

import json
import shutil
from pathlib import Path

import pytest

from aquamon.flash import FlashError, flash
from harness.stack import FIRMWARE_DIR


@pytest.fixture
def fw_copy(tmp_path: Path) -> Path:
    d = tmp_path / "firmware"
    shutil.copytree(FIRMWARE_DIR, d, ignore=shutil.ignore_patterns("device.json", "secrets.py", "__pycache__"))
    return d


SECRETS = 'WIFI_SSID = "aquarium-room"\nWIFI_PASSWORD = "s3cret-wlan"\nMQTT_PASSWORD = "dev-pass"\nCOMMAND_KEY = ""\n'


def test_flash_builds_and_plans_the_upload(fw_copy: Path, tmp_path: Path) -> None:
    shutil.copy(fw_copy / "device.example.json", fw_copy / "device.json")
    (fw_copy / "secrets.py").write_text(SECRETS)
    out = tmp_path / "out"
    plan = flash("/dev/ttyUSB7", out, dry_run=True, firmware_dir=fw_copy)
    assert (out / "secrets.py").stat().st_mode & 0o777 == 0o600  # not 0644: the Wi-Fi and MQTT passwords
    assert (out / "secrets.py").read_text() == SECRETS
    assert all(cmd[:3] == ["mpremote", "connect", "/dev/ttyUSB7"] for cmd in plan)
    uploaded = {Path(p).name for p in plan[1][5:-1]}
    assert {"app.mpy", "pump.mpy", "board_esp32.mpy", "main.py", "device.json", "secrets.py"} <= uploaded
    assert not any(name in uploaded for name in ("simtank.mpy", "run_sim.py", "secrets.example.py"))
    assert (out / "umqtt" / "simple.mpy").read_bytes()[:1] == b"M"  # an .mpy file
    assert plan[-1][-1] == "reset" and "'data'" in plan[0][-1]


def test_flash_refuses_a_wrong_device_file_and_says_what_to_do(fw_copy: Path, tmp_path: Path) -> None:
    with pytest.raises(FlashError, match="device.json is missing: copy device.example.json"):
        flash(dry_run=True, firmware_dir=fw_copy, out=tmp_path / "o")
    cfg = json.loads((fw_copy / "device.example.json").read_text())
    cfg["pump"]["max_faults_per_hour"] = 0
    cfg["intervall_s"] = 30
    (fw_copy / "device.json").write_text(json.dumps(cfg))
    with pytest.raises(FlashError, match="secrets.py is missing"):
        flash(dry_run=True, firmware_dir=fw_copy, out=tmp_path / "o")
    (fw_copy / "secrets.py").write_text(SECRETS)
    with pytest.raises(FlashError) as e:
        flash(dry_run=True, firmware_dir=fw_copy, out=tmp_path / "o")
    assert "pump.max_faults_per_hour must be between 1 and 60" in str(e.value)
    assert "unknown key intervall_s" in str(e.value)


def test_flash_refuses_placeholder_secrets_and_wifi_in_device_json_even_in_a_dry_run(
        fw_copy: Path, tmp_path: Path) -> None:
    shutil.copy(fw_copy / "device.example.json", fw_copy / "device.json")
    shutil.copy(fw_copy / "secrets.example.py", fw_copy / "secrets.py")  # "my-wifi", "change me"
    with pytest.raises(FlashError, match="placeholder: MQTT_PASSWORD, WIFI_PASSWORD, WIFI_SSID") as e:
        flash(dry_run=True, firmware_dir=fw_copy, out=tmp_path / "o")
    assert "then flash again" in str(e.value) and not (tmp_path / "o").exists()  # nothing built
    (fw_copy / "secrets.py").write_text(SECRETS.replace('"dev-pass"', '""'))
    with pytest.raises(FlashError, match="empty or missing: MQTT_PASSWORD"):
        flash(dry_run=True, firmware_dir=fw_copy, out=tmp_path / "o")
    (fw_copy / "secrets.py").write_text(SECRETS)
    cfg = json.loads((fw_copy / "device.json").read_text())
    (fw_copy / "device.json").write_text(json.dumps({**cfg, "wifi": {"ssid": "my-wifi"}}))
    with pytest.raises(FlashError, match="secrets.py only"):
        flash(dry_run=True, firmware_dir=fw_copy, out=tmp_path / "o")


def test_the_example_config_is_valid_and_documents_every_default() -> None:
    import sys

    sys.path.insert(0, str(FIRMWARE_DIR))
    import devconfig

    example = json.loads((FIRMWARE_DIR / "device.example.json").read_text())
    cfg, errors = devconfig.validate(example)
    assert errors == []
    for key, default in devconfig.DEFAULTS.items():
        if key in ("max_cycles", "drain_timeout_s", "poll_ms", "wifi"):  # simulator-only; wifi: secrets.py
            continue
        assert key in example, f"device.example.json lacks {key}"
        if isinstance(default, dict) and key not in ("wifi", "cmd", "mqtt"):
            assert set(default) <= set(example[key]), f"device.example.json lacks {key}.{set(default) - set(example[key])}"


ROMFS_RUN = """
import sys, vfs
with open(sys.argv[1], "rb") as f:
    image = f.read()  # a test: in the heap; on the board it is the mapped flash partition
vfs.mount(vfs.VfsRom(image), "/rom")
sys.path.insert(0, "/rom")  # as on the board, where main.py on the filesystem is all that is left there
import app, sensors, simtank
assert app.__file__ == "/rom/app.mpy" and sensors.__file__ == "/rom/sensors.mpy", app.__file__
cfg = {"tank": "t", "device": "d", "state_dir": sys.argv[2], "max_cycles": 5, "drain_timeout_s": 0,
       "mqtt": {"port": 1}, "sim": {"start_epoch_ms": 1700000000000, "faults": [{"kind": "offline"}]}}
print(app.Device(cfg, simtank.SimBoard(cfg)).run())
"""


def test_flash_romfs_builds_an_image_the_firmware_runs_from(fw_copy: Path, tmp_path: Path) -> None:
    import subprocess

    from harness.stack import micropython_binary

    shutil.copy(fw_copy / "device.example.json", fw_copy / "device.json")
    (fw_copy / "secrets.py").write_text(SECRETS)
    out = tmp_path / "out"
    plan = flash("/dev/ttyUSB7", out, dry_run=True, firmware_dir=fw_copy, romfs=True)
    assert [cmd[3] for cmd in plan] == ["exec", "romfs", "fs", "reset"]
    assert plan[1][4:] == ["deploy", str(out / "firmware.romfs")]
    assert "app.mpy" in plan[0][-1] and "umqtt/simple.mpy" in plan[0][-1]  # stale copies would shadow /rom
    assert {Path(p).name for p in plan[2][5:-1]} == {"main.py", "device.json", "secrets.py"}
    script = tmp_path / "romfs_run.py"
    script.write_text(ROMFS_RUN)
    (tmp_path / "state").mkdir()
    # simtank (the simulated board) comes from the firmware folder; everything else from the image
    r = subprocess.run([micropython_binary(), str(script), str(out / "firmware.romfs"), str(tmp_path / "state")],
                       capture_output=True, text=True, timeout=60,
                       env={"MICROPYPATH": f"{fw_copy}", "PATH": "/usr/bin:/bin"})
    assert r.returncode == 0, r.stdout + r.stderr
    assert "'seq': 5" in r.stdout and "'cycles': 5" in r.stdout, r.stdout


def test_every_module_the_device_imports_is_flashed() -> None:
    """A firmware module left out of aquamon.flash's list is missing on the board: an ImportError at boot
    or in the middle of a control cycle.  Read from the firmware's own imports, so a new module fails here."""
    import re

    from aquamon.flash import COMPILED

    local = {p.stem for p in FIRMWARE_DIR.glob("*.py")}
    imported = set()
    for p in FIRMWARE_DIR.glob("*.py"):
        if p.stem in ("simtank", "run_sim"):  # the simulator's, never on the board
            continue
        imported |= set(re.findall(r"^\s*(?:import|from) (\w+)", p.read_text(), re.M)) & local
    assert {"pump", "pumpstate", "outlets", "tzrule"} <= imported  # the scan finds them
    assert imported - set(COMPILED) - {"secrets"} == set()
