"""aquamon.web.accounts: the web app's accounts (on file and from the command line) and the login throttle."""

from __future__ import annotations

import stat
from pathlib import Path

import pytest
from hypothesis import given
from hypothesis import strategies as st
from typer.testing import CliRunner

from aquamon.auth import AuthError
from aquamon.cli import app
from aquamon.web.accounts import LoginThrottle, WebAccounts


def test_accounts_are_private_hashed_and_need_a_real_password(tmp_path: Path) -> None:
    users = WebAccounts(tmp_path / "web-users")
    with pytest.raises(AuthError, match="at least 10"):
        users.add("ann", "operator", "short")
    with pytest.raises(AuthError, match="viewer or operator"):
        users.add("ann", "admin", "long enough password")
    users.add("ann", "operator", "long enough password")
    assert stat.S_IMODE(users.path.stat().st_mode) == 0o600
    assert "long enough password" not in users.path.read_text()
    assert users.check("ann", "long enough password") == "operator"
    users.add("ann", "viewer", "another long password")  # a new password and role replace the old
    assert users.check("ann", "long enough password") is None and users.names() == {"ann": "viewer"}
    users.remove("ann")
    assert users.names() == {}


def test_a_broken_accounts_file_is_named_with_what_to_do(tmp_path: Path) -> None:
    path = tmp_path / "web-users"
    path.write_text("ann:root:xyz\n")
    with pytest.raises(AuthError, match="line 1.*aquamon web user add"):
        WebAccounts(path).check("ann", "x")


def test_user_add_from_the_command_line(tmp_path: Path) -> None:
    path = tmp_path / "users"
    r = CliRunner().invoke(app, ["web", "user", "add", "kim", "--role", "operator", "--file", str(path),
                                 "--password-stdin"], input="kims-long-password\n")
    assert r.exit_code == 0, r.output
    assert WebAccounts(path).check("kim", "kims-long-password") == "operator"
    r = CliRunner().invoke(app, ["web", "user", "add", "kim", "--role", "operator", "--file", str(path),
                                 "--password-stdin"], input="short\n")
    assert r.exit_code == 1 and "at least 10 characters" in r.output


@given(st.lists(st.tuples(st.sampled_from(["1.1.1.1", "2.2.2.2"]), st.sampled_from(["ann", "bob"]),
                          st.floats(0, 1000)), max_size=40))
def test_the_throttle_never_lets_more_than_the_limit_through_a_window(tries: list[tuple[str, str, float]]) -> None:
    t = LoginThrottle(limit=3, window_s=100)
    heard: list[tuple[str, str, float]] = []
    for address, name, now in sorted(tries, key=lambda x: x[2]):
        if t.retry_after(address, name, now) == 0:
            heard.append((address, name, now))
            t.failed(address, name, now)
    for who in {a for a, _, _ in heard} | {n for _, n, _ in heard}:
        times = [now for a, n, now in heard if who in (a, n)]
        for i, now in enumerate(times):
            assert len([x for x in times[:i + 1] if now - x < 100]) <= 3


def test_user_commands_take_config_after_the_subcommand_as_the_docs_write_them(tmp_path: Path) -> None:
    # docs/web.md: "aquamon web user add ann --role operator --config /etc/aquamon/aquamon.toml"
    users = tmp_path / "web-users"
    config = tmp_path / "aquamon.toml"
    config.write_text(f'[web]\naccounts_file = "{users}"\n')
    r = CliRunner().invoke(app, ["web", "user", "add", "ann", "--role", "viewer", "--config", str(config),
                                 "--password-stdin"], input="anns-long-password\n")
    assert r.exit_code == 0, r.output
    assert WebAccounts(users).check("ann", "anns-long-password") == "viewer"
    r = CliRunner().invoke(app, ["web", "user", "list", "--config", str(config)])
    assert r.exit_code == 0 and r.output == "ann\tviewer\n", r.output
    r = CliRunner().invoke(app, ["web", "--config", str(config), "user", "remove", "ann"])  # before it, too
    assert r.exit_code == 0, r.output
    assert WebAccounts(users).names() == {}
