"""aquamon.checkout: the one door from the installed product to the checkout's harness.

Each case runs in a fresh interpreter started outside the checkout, as the ``aquamon`` command of
an editable install is (its path has the installed packages, not the checkout's ``harness/``).
"""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]


def _run(code: str, cwd: Path) -> subprocess.CompletedProcess[str]:
    return subprocess.run([sys.executable, "-c", code], cwd=cwd, capture_output=True, text=True, timeout=120,
                          env={"PATH": "/usr/bin:/bin"})


def test_the_harness_is_found_beside_the_package_outside_the_checkout(tmp_path: Path) -> None:
    r = _run("import importlib.util; from pathlib import Path; from aquamon.checkout import harness\n"
             "print(importlib.util.find_spec('harness') is None)\n"  # not on this interpreter's path
             f"m = harness('stack', root=Path({str(ROOT)!r}))\n"
             "print(m.__name__, m.__file__)\n", tmp_path)
    assert r.returncode == 0, r.stderr
    not_on_path, name, path = r.stdout.split()
    assert not_on_path == "True"
    assert name == "harness.stack" and Path(path) == ROOT / "harness" / "stack.py"


def test_an_installed_copy_without_the_harness_says_what_to_do(tmp_path: Path) -> None:
    r = _run("from aquamon.checkout import harness, HarnessMissing; from pathlib import Path\n"
             "try:\n"
             f"    harness('stack', root=Path({str(tmp_path)!r}))\n"
             "except HarnessMissing as e:\n"
             "    print(e)\n", tmp_path)
    assert r.returncode == 0, r.stderr
    assert "installed copy" in r.stdout and "make deps" in r.stdout and str(tmp_path / "harness") in r.stdout


def test_the_checkouts_harness_comes_before_another_on_the_path(tmp_path: Path) -> None:
    # an unrelated `harness` package where the interpreter starts (its path's first entry)
    (tmp_path / "harness").mkdir()
    (tmp_path / "harness" / "__init__.py").write_text("")
    (tmp_path / "harness" / "stack.py").write_text("raise SystemExit('the wrong harness')\n")
    r = _run("from pathlib import Path; from aquamon.checkout import harness\n"
             f"print(harness('stack', root=Path({str(ROOT)!r})).__file__)\n", tmp_path)
    assert r.returncode == 0, r.stderr
    assert Path(r.stdout.strip()) == ROOT / "harness" / "stack.py"
