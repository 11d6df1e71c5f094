"""What a new user sees first: the version, the licence, the change log, help texts as written."""

from __future__ import annotations

import re
import subprocess
import sys
from pathlib import Path
from typing import Any, Iterator

import pytest

from aquamon import __version__

ROOT = Path(__file__).resolve().parents[1]


def aquamon(*args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run([sys.executable, "-m", "aquamon", *args], capture_output=True, text=True, timeout=60,
                          env={"COLUMNS": "200", "PATH": "/usr/bin:/bin", "TERM": "dumb"})


def test_version_is_the_packages() -> None:
    from importlib.metadata import version

    r = aquamon("--version")
    assert r.returncode == 0 and r.stdout.strip() == f"aquamon {__version__}"
    assert version("aquamon") == __version__  # one source: pyproject reads aquamon.__version__


def test_the_licence_is_the_one_pyproject_names_and_the_changelog_is_there() -> None:
    from aquamon.config import tomllib

    meta = tomllib.loads((ROOT / "pyproject.toml").read_text())["project"]
    assert meta["license"] == {"text": "MIT"}
    assert (ROOT / "LICENSE").read_text().startswith("MIT License")
    log = (ROOT / "CHANGELOG.md").read_text()
    assert "## [Unreleased]" in log and re.search(rf"^## \[{re.escape(__version__)}\]", log, flags=re.M)


@pytest.mark.parametrize("args, text", [
    (["--help"], "(needs [homeassistant] enabled)"),
    (["homeassistant", "--help"], "(needs [homeassistant] enabled)"),
    (["user", "add", "--help"], "server: [mqtt] password"),
    (["user", "add", "--help"], "Topic prefix ([mqtt] topic_prefix)"),
])
def test_help_texts_keep_their_brackets(args: list[str], text: str) -> None:
    r = aquamon(*args)
    assert r.returncode == 0
    flat = " ".join(re.sub(r"[│╭╮╰╯─]", " ", r.stdout).split())
    assert text in flat, flat


def _commands(command: Any, path: tuple[str, ...] = ()) -> Iterator[tuple[tuple[str, ...], Any]]:
    yield path, command
    for name, sub in getattr(command, "commands", {}).items():
        yield from _commands(sub, (*path, name))


def test_no_help_text_of_any_command_loses_a_bracket() -> None:
    # rich markup reads "[mqtt]" as a style and drops it: every bracketed word of every command's and
    # option's help must reach the screen as written
    import typer
    from typer.testing import CliRunner

    from aquamon.cli import app

    runner, checked = CliRunner(), 0
    for path, command in _commands(typer.main.get_command(app)):
        texts = [command.help or ""] + [getattr(p, "help", None) or "" for p in command.params]
        wanted = [" ".join(m.split()) for t in texts for m in re.findall(r"\[[^\][]*\]", t)]
        if not wanted:
            continue
        r = runner.invoke(app, [*path, "--help"], env={"COLUMNS": "200", "TERM": "dumb"})
        flat = " ".join(re.sub(r"[│╭╮╰╯─]", " ", r.output).split())
        assert r.exit_code == 0 and [w for w in wanted if w not in flat] == [], (path, flat)
        checked += len(wanted)
    assert checked >= 5  # the walk reached the sub-commands (homeassistant, user add, web user ...)
