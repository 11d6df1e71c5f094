"""aquamon.web.app: what the web app refuses to start without."""

from __future__ import annotations

from pathlib import Path

from typer.testing import CliRunner

from aquamon.cli import app


def test_the_app_refuses_to_start_without_a_session_secret(tmp_path: Path) -> None:
    cfg = tmp_path / "aquamon.toml"
    cfg.write_text("[web]\nport = 8089\n")
    r = CliRunner().invoke(app, ["web", "--config", str(cfg)])
    assert r.exit_code == 2 and "session_secret is empty" in r.output
