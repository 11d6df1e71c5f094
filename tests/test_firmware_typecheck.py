"""mypy over firmware/ against micropython-esp32-stubs (not CPython's typeshed).

The stubs ship as top-level .pyi files (machine, time, network, ...) plus a
MicroPython stdlib; mypy is given a typeshed built from exactly those, so a
call that exists on CPython but not on the ESP32 (time.monotonic) is an error.
"""

from __future__ import annotations

import shutil
import subprocess
import sys
from importlib import metadata
from pathlib import Path

import pytest

from harness.stack import FIRMWARE_DIR


def _stub_typeshed(root: Path) -> tuple[Path, Path]:
    """(typeshed dir, extra MYPYPATH dir) assembled from the installed stub distributions."""
    try:
        esp32 = metadata.distribution("micropython-esp32-stubs")
        stdlib = metadata.distribution("micropython-stdlib-stubs")
    except metadata.PackageNotFoundError:
        pytest.fail("micropython-esp32-stubs is not installed: run `make test` (it installs .[test])")
    site = Path(str(stdlib.locate_file("")))
    typeshed = root / "typeshed"
    extra = root / "path"
    stdlib_dir = typeshed / "stdlib"
    shutil.copytree(site / "stdlib", stdlib_dir)
    shutil.copytree(site / "_mpy_shed", stdlib_dir / "_mpy_shed")  # stub internals: errors in them are not ours
    shutil.copytree(site / "stubs" / "mypy-extensions", typeshed / "stubs" / "mypy-extensions")
    versions = ["_mpy_shed: 3.0-"]
    for f in esp32.files or []:
        if not str(f).endswith(".pyi"):
            continue
        src = Path(str(esp32.locate_file(f)))
        if len(f.parts) > 1:  # packages (umqtt, requests, mip) go on MYPYPATH
            (extra / f.parent).mkdir(parents=True, exist_ok=True)
            shutil.copy(src, extra / f)
        elif not (stdlib_dir / f.name).exists():  # the port's modules: machine, time, gc, network ...
            shutil.copy(src, stdlib_dir / f.name)
            versions.append(f"{f.name[:-4]}: 3.0-")
    with open(stdlib_dir / "VERSIONS", "a") as out:
        out.write("\n".join(versions) + "\n")
    return typeshed, extra


def _mypy(files: list[Path], typeshed: Path, extra: Path) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "mypy", "--custom-typeshed-dir", str(typeshed), "--no-site-packages",
         "--check-untyped-defs", "--no-incremental", "--cache-dir", "/dev/null", "--python-version", "3.11",
         *map(str, files)],
        capture_output=True, text=True, cwd=FIRMWARE_DIR, env={"MYPYPATH": str(extra), "PATH": "/usr/bin:/bin"},
        timeout=120)


def test_firmware_typechecks_against_the_esp32_stubs(tmp_path: Path) -> None:
    typeshed, extra = _stub_typeshed(tmp_path)
    files = sorted(FIRMWARE_DIR.glob("*.py"))
    assert {"app.py", "board_esp32.py", "main.py", "pump.py", "sensors.py"} <= {f.name for f in files}
    r = _mypy(files, typeshed, extra)
    assert r.returncode == 0, r.stdout + r.stderr
    # the check has teeth: CPython-only and misused ESP32 APIs are errors against these stubs
    bad = tmp_path / "bad.py"
    bad.write_text("import time\nimport machine\n"
                   "time.monotonic()\n"
                   "machine.Pin(4, machine.Pin.OUT).value('on', 2)\n")
    r = _mypy([bad], typeshed, extra)
    assert r.returncode == 1
    assert 'Module has no attribute "monotonic"' in r.stdout and "bad.py:4" in r.stdout, r.stdout
