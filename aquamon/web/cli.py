"""``aquamon web``: serve the app; ``aquamon web user add|remove|list``: its logins."""

from __future__ import annotations

import getpass
import sys
from pathlib import Path
from typing import Any, Callable, Optional

import typer
from rich.console import Console
from rich.markup import escape

from aquamon.web.accounts import WEB_ROLES, WebAccounts

err = Console(stderr=True)


def web_app(load: Callable[[Optional[Path]], Any], setup_logging: Callable[[bool], None]) -> typer.Typer:
    """The ``web`` command group; ``load(path)`` reads the config as the other commands do."""
    app = typer.Typer(add_completion=False, invoke_without_command=True,
                      subcommand_metavar="[COMMAND [ARGS]...]",  # on its own it serves: no command is needed
                      help="The keeper's window: a web app for the phone (docs/web.md).")
    config_opt = typer.Option(None, "--config", "-c", help="TOML config file (see aquamon.example.toml).")

    @app.callback()
    def serve(ctx: typer.Context, config: Optional[Path] = config_opt,
              verbose: bool = typer.Option(False, "--verbose", "-v", help="Log debug messages too.")) -> None:
        """Serve the web app ([web] bind and port) until stopped."""
        ctx.obj = config
        if ctx.invoked_subcommand is not None:
            return
        cfg = load(config)
        setup_logging(verbose)
        from aquamon.web.app import WebConfigError, main

        try:
            main(cfg)
        except WebConfigError as e:
            err.print(f"[bold red]configuration error:[/] {escape(str(e))}", soft_wrap=True)
            raise typer.Exit(2) from None

    user = typer.Typer(add_completion=False, no_args_is_help=True, help="Web logins: add, remove, list.")
    app.add_typer(user, name="user")

    def _accounts(ctx: typer.Context, file: Optional[Path], config: Optional[Path] = None) -> WebAccounts:
        if file is None:  # --config after the subcommand, else the group's (click hands its ctx.obj down)
            file = Path(load(config or ctx.obj).web.accounts_file)
        return WebAccounts(file)

    file_opt = typer.Option(None, "--file", help="Accounts file (default: \\[web] accounts_file of --config).")

    @user.command("add")
    def add(ctx: typer.Context, name: str = typer.Argument(..., help="Login name."),
            role: str = typer.Option(..., "--role", help="viewer (sees) or operator (also presses buttons)."),
            file: Optional[Path] = file_opt, config: Optional[Path] = config_opt,
            password_stdin: bool = typer.Option(False, "--password-stdin",
                                                help="Read the password from standard input (scripts).")) -> None:
        """Add a login (or change its password and role); asks for the password."""
        from aquamon.auth import AuthError

        accounts = _accounts(ctx, file, config)  # a wrong --config or --role is said before a password is typed
        if role not in WEB_ROLES:
            err.print(f"[bold red]not added:[/] role {escape(repr(role))}: use viewer or operator", soft_wrap=True)
            raise typer.Exit(1)
        if password_stdin:
            password = sys.stdin.readline().rstrip("\n")
        else:
            password = getpass.getpass(f"password for {name}: ")
            if getpass.getpass("again: ") != password:
                err.print("[bold red]the two passwords differ[/]; nothing changed")
                raise typer.Exit(1)
        try:
            accounts.add(name, role, password)
        except (AuthError, OSError) as e:
            err.print(f"[bold red]not added:[/] {escape(str(e))}", soft_wrap=True)
            raise typer.Exit(1) from None
        Console().print(f"{name} ({role}) in {accounts.path}")

    @user.command("remove")
    def remove(ctx: typer.Context, name: str, file: Optional[Path] = file_opt,
               config: Optional[Path] = config_opt) -> None:
        """Remove a login (its open sessions end at their next request)."""
        from aquamon.auth import AuthError

        try:
            _accounts(ctx, file, config).remove(name)
        except AuthError as e:
            err.print(f"[bold red]{escape(str(e))}[/]", soft_wrap=True)
            raise typer.Exit(1) from None

    @user.command("list")
    def list_(ctx: typer.Context, file: Optional[Path] = file_opt, config: Optional[Path] = config_opt) -> None:
        """List the logins and their roles."""
        for name, role in sorted(_accounts(ctx, file, config).names().items()):
            print(f"{name}\t{role}")

    return app
