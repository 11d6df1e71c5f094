"""Deploy the firmware to an ESP32 with ``mpremote`` (``make flash`` / ``aquamon flash``).

The device configuration is validated here first, with the firmware's own
validator, so a typo is caught at the desk rather than reported by the board.
Modules are precompiled with ``mpy-cross`` (compiling source on the board needs
more RAM than running it); ``main.py``, ``device.json`` and ``secrets.py``
are copied as they are.  With ``romfs=True`` the modules go into the board's
ROMFS partition instead (``mpremote romfs deploy``): MicroPython then runs their
bytecode in place from flash, and the heap keeps only their function and class
tables (see docs/hardware.md, "Memory"); this needs a MicroPython build with a
ROMFS partition.

Examples
--------
>>> plan = deploy_plan(Path("build/flash"), port="/dev/ttyUSB0")
>>> plan[0][:3]
['mpremote', 'connect', '/dev/ttyUSB0']
>>> "reset" in plan[-1]
True
>>> [cmd[3] for cmd in deploy_plan(Path("build/flash"), romfs=True)]
['exec', 'romfs', 'fs', 'reset']
"""

from __future__ import annotations

import ast
import importlib.util
import json
import os
import shutil
import subprocess
import sys
from pathlib import Path
from typing import Any

from aquamon.checkout import FIRMWARE_DIR, MPY_LIB_DIR

COMPILED = ["ticks", "payload", "pump", "ringbuf", "store", "spool", "cmdauth", "devconfig", "mqtt_link", "app",
            "sensors", "calib", "tdscal", "outlets", "board_esp32", "pumpstate", "pumpmode", "devcmd", "tzrule",
            "devboot"]
AS_SOURCE = ["main.py", "device.json", "secrets.py"]
ROMFS_IMAGE = "firmware.romfs"
# secrets.example.py's placeholder values: a device flashed with them cannot join the network
PLACEHOLDERS = ("change me", "my-wifi", "the device account's password")
SECRET_NAMES = ("WIFI_SSID", "WIFI_PASSWORD", "MQTT_PASSWORD")  # mpremote romfs deploy takes an image file by this extension


class FlashError(RuntimeError):
    """Deployment cannot go ahead; the message says what to do."""


def _tool(name: str) -> str:
    here = Path(sys.executable).parent / name
    found = str(here) if here.exists() else shutil.which(name)
    if not found:
        raise FlashError(f"{name} is not installed: run `make flash` or `pip install 'aquamon[flash]'`")
    return found


def check_device_files(firmware_dir: Path = FIRMWARE_DIR) -> dict[str, Any]:
    """Load and validate device.json; require secrets.py.  Returns the validated config."""
    cfg_path = firmware_dir / "device.json"
    if not cfg_path.exists():
        raise FlashError(f"{cfg_path} is missing: copy device.example.json to device.json and edit it")
    if not (firmware_dir / "secrets.py").exists():
        raise FlashError(f"{firmware_dir / 'secrets.py'} is missing: copy secrets.example.py to secrets.py "
                         "and fill in the WiFi, MQTT password and command key")
    try:
        cfg = json.loads(cfg_path.read_text())
    except ValueError as e:
        raise FlashError(f"{cfg_path} is not valid JSON: {e}") from None
    check_secrets(firmware_dir / "secrets.py")
    if isinstance(cfg, dict) and ("wifi" in cfg or "password" in (cfg.get("mqtt") or {})):
        raise FlashError(f"{cfg_path} has wifi or mqtt.password settings: Wi-Fi and passwords are set in "
                         "secrets.py only (one source of truth); remove them from device.json")
    spec = importlib.util.spec_from_file_location("aquamon_fw_devconfig", firmware_dir / "devconfig.py")
    assert spec is not None and spec.loader is not None  # a file we ship
    devconfig = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(devconfig)
    validated, errors = devconfig.validate(cfg)
    if errors:
        raise FlashError(f"{cfg_path} has errors:\n  " + "\n  ".join(errors))
    return dict(validated)


def check_secrets(path: Path) -> None:
    """Refuse a secrets.py still holding secrets.example.py's placeholders or lacking a setting.

    It is read as Python syntax, never run: only ``NAME = "text"`` lines count.
    """
    try:
        tree = ast.parse(path.read_text(), str(path))
    except SyntaxError as e:
        raise FlashError(f"{path} is not valid Python ({e.msg}, line {e.lineno}): fix it") from None
    values = {t.id: node.value.value for node in tree.body if isinstance(node, ast.Assign)
              and isinstance(node.value, ast.Constant) and isinstance(node.value.value, str)
              for t in node.targets if isinstance(t, ast.Name)}
    placeholders = sorted(n for n, v in values.items() if v.strip().lower() in PLACEHOLDERS)
    missing = [n for n in SECRET_NAMES if not values.get(n, "").strip()]
    if placeholders or missing:
        what = "; ".join(x for x in (f"still the example's placeholder: {', '.join(placeholders)}" if placeholders
                                     else "", f"empty or missing: {', '.join(missing)}" if missing else "") if x)
        raise FlashError(f"{path}: {what}. Put your network's name and password and the device account's "
                         "MQTT password there (see docs/hardware.md, \"Settings\"), then flash again")


def build(out: Path, firmware_dir: Path = FIRMWARE_DIR) -> list[Path]:
    """Compile the modules to ``out`` and copy the rest; return the files to upload."""
    if out.exists():
        shutil.rmtree(out)
    (out / "umqtt").mkdir(parents=True)
    files = []
    for name in COMPILED:
        dst = out / f"{name}.mpy"
        subprocess.run([_tool("mpy-cross"), "-march=xtensawin", "-o", str(dst), str(firmware_dir / f"{name}.py")],
                       check=True, capture_output=True)
        files.append(dst)
    umqtt = out / "umqtt" / "simple.mpy"
    subprocess.run([_tool("mpy-cross"), "-march=xtensawin", "-o", str(umqtt), str(MPY_LIB_DIR / "umqtt" / "simple.py")],
                   check=True, capture_output=True)
    for name in AS_SOURCE:
        if (firmware_dir / name).exists():
            if name == "secrets.py":  # readable by its owner only, from the moment it exists
                fd = os.open(out / name, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
                with os.fdopen(fd, "wb") as f:
                    f.write((firmware_dir / name).read_bytes())
                os.chmod(out / name, 0o600)  # (whatever the umask)
            else:
                shutil.copy(firmware_dir / name, out / name)
            files.append(out / name)
    return files


def romfs_image(modules: Path) -> bytes:
    """A ROMFS image of the folder ``modules`` (its .mpy files and subfolders), as
    ``mpremote romfs build`` makes it but without printing the tree."""
    from mpremote.romfs import VfsRomWriter

    writer = VfsRomWriter()

    def add(folder: Path) -> None:
        for p in sorted(folder.iterdir()):
            if p.is_dir():
                writer.opendir(p.name)
                add(p)
                writer.closedir()
            else:
                writer.mkfile(p.name, p.read_bytes())

    add(modules)
    return bytes(writer.finalise())


def deploy_plan(out: Path, port: str = "auto", state_dir: str = "/data", romfs: bool = False) -> list[list[str]]:
    """The mpremote commands that upload ``out`` and restart the board."""
    base = ["mpremote", "connect", port]
    mkdirs = ("import os\nfor d in ('umqtt', %r):\n try: os.mkdir(d)\n except OSError: pass" % state_dir.strip("/"))
    if romfs:
        # "/rom" comes after "" in sys.path: modules left on the filesystem by an earlier
        # upload would shadow the ROMFS ones, so they are removed
        stale = tuple(sorted(f"{n}.mpy" for n in COMPILED if n != "board_esp32")) + ("board_esp32.mpy",
                                                                                       "umqtt/simple.mpy")
        clean = mkdirs + "\nfor f in %r:\n try: os.remove(f)\n except OSError: pass" % (stale,)
        return [base + ["exec", clean],
                base + ["romfs", "deploy", str(out / ROMFS_IMAGE)],
                base + ["fs", "cp", *[str(out / n) for n in AS_SOURCE if (out / n).exists()], ":"],
                base + ["reset"]]
    uploads = [str(p) for p in sorted(out.glob("*")) if p.is_file() and p.name != ROMFS_IMAGE]
    return [base + ["exec", mkdirs],
            base + ["fs", "cp", *uploads, ":"],
            base + ["fs", "cp", str(out / "umqtt" / "simple.mpy"), ":umqtt/simple.mpy"],
            base + ["reset"]]


def flash(port: str = "auto", out: Path = Path("build/flash"), dry_run: bool = False,
          firmware_dir: Path = FIRMWARE_DIR, romfs: bool = False) -> list[list[str]]:
    """Validate, build and (unless ``dry_run``) upload; returns the mpremote commands."""
    cfg = check_device_files(firmware_dir)
    files = build(out, firmware_dir)
    if romfs:
        modules = out / "romfs"
        (modules / "umqtt").mkdir(parents=True)
        for f in files:
            if f.suffix == ".mpy":
                shutil.copy(f, modules / f.name)
        shutil.copy(out / "umqtt" / "simple.mpy", modules / "umqtt" / "simple.mpy")
        (out / ROMFS_IMAGE).write_bytes(romfs_image(modules))
    plan = deploy_plan(out, port, str(cfg.get("state_dir", "/data")), romfs)
    if not dry_run:
        tool = _tool("mpremote")
        for cmd in plan:
            r = subprocess.run([tool, *cmd[1:]])
            if r.returncode != 0 and cmd[3] == "romfs":
                raise FlashError("mpremote romfs deploy failed: the board's MicroPython needs a ROMFS partition "
                                 "(a build with MICROPY_VFS_ROM and a 'romfs' partition, see docs/hardware.md); "
                                 "or deploy without --romfs")
            if r.returncode != 0:
                raise FlashError(f"mpremote failed ({' '.join(cmd[:4])} ...): is the board plugged in and no "
                                 "other program (a serial monitor) using the port? Try --port /dev/ttyUSB0")
    return plan
