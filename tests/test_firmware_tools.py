"""Deployment tooling: `aquamon flash` validates the device files and builds what mpremote uploads."""

from __future__ import annotations

import json
import shutil
from pathlib import Path

import pytest

from aquamon.flash import FlashError, flash
from aquamon.stack import FIRMWARE_DIR


@pytest.fixture
def fw_copy(tmp_path: Path) -> Path:
    d = tmp_path / "firmware"
    shutil.copytree(FIRMWARE_DIR, d, ignore=shutil.ignore_patterns("device.json", "secrets.py", "__pycache__"))
    return d


def test_flash_builds_and_plans_the_upload(fw_copy: Path, tmp_path: Path) -> None:
    shutil.copy(fw_copy / "device.example.json", fw_copy / "device.json")
    shutil.copy(fw_copy / "secrets.example.py", fw_copy / "secrets.py")
    out = tmp_path / "out"
    plan = flash("/dev/ttyUSB7", out, dry_run=True, firmware_dir=fw_copy)
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
    shutil.copy(fw_copy / "secrets.example.py", fw_copy / "secrets.py")
    with pytest.raises(FlashError) as e:
        flash(dry_run=True, firmware_dir=fw_copy, out=tmp_path / "o")
    assert "pump.max_faults_per_hour must be between 1 and 60" in str(e.value)
    assert "unknown key intervall_s" in str(e.value)


def test_the_example_config_is_valid_and_documents_every_default() -> None:
    import sys

    sys.path.insert(0, str(FIRMWARE_DIR))
    import devconfig

    example = json.loads((FIRMWARE_DIR / "device.example.json").read_text())
    cfg, errors = devconfig.validate(example)
    assert errors == []
    for key, default in devconfig.DEFAULTS.items():
        if key in ("max_cycles", "drain_timeout_s", "poll_ms"):  # simulator-only
            continue
        assert key in example, f"device.example.json lacks {key}"
        if isinstance(default, dict) and key not in ("wifi", "cmd", "mqtt"):
            assert set(default) <= set(example[key]), f"device.example.json lacks {key}.{set(default) - set(example[key])}"
