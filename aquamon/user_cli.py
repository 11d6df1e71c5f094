"""``aquamon user ...``: the broker's accounts from the command line (the Mosquitto password and ACL files).

The accounts themselves (roles, topics, the password and ACL files) are :mod:`aquamon.auth`, part of the
base every service imports; this is the command-line face of it, a shell module.
"""

from __future__ import annotations

import sys
from pathlib import Path

import typer
from rich.console import Console

from aquamon.auth import ROLES, Account, AccountStore, AuthError


def user_app() -> typer.Typer:
    """The ``aquamon user`` commands: add (or rotate), remove and list broker accounts."""
    app = typer.Typer(no_args_is_help=True, help="Broker accounts: the Mosquitto password and ACL files.")
    err = Console(stderr=True)
    dir_opt = typer.Option(Path("deploy/mosquitto"), "--dir",
                           help="Folder of the broker's 'passwd' and 'acl' files "
                                "(deploy/mosquitto for docker-compose).")

    @app.command("add")
    def add(role: str = typer.Option(..., help=f"One of {', '.join(ROLES)}."),
            tank: str = typer.Option("", help="Tank id (role device)."),
            device: str = typer.Option("", help="Device id (role device)."),
            name: str = typer.Option("", help="Username (other roles; default: the role)."),
            prefix: str = typer.Option("aquamon", help="Topic prefix ([mqtt] topic_prefix)."),
            discovery_prefix: str = typer.Option("homeassistant", help="Home Assistant's discovery prefix "
                                                 "(role homeassistant; [homeassistant] discovery_prefix)."),
            password_stdin: bool = typer.Option(False, "--password-stdin",
                                                help="Read the password from stdin instead of generating one."),
            directory: Path = dir_opt) -> None:
        """Create an account, or give an existing one a new password (rotation).

        Without --password-stdin a random password is generated and printed once:
        put it in the part's config (device: secrets.py, server: [mqtt] password or
        AQUAMON_MQTT_PASSWORD).  Then make the broker reload: kill -HUP <mosquitto pid>
        (docker-compose restart mosquitto).
        """
        if role == "device" and not (tank and device):  # ("device id '': use 1 to 32 of ..." named no option)
            err.print("[bold red]error:[/] role device needs --tank and --device, e.g. --tank tank1 --device esp32-1",
                      soft_wrap=True)
            raise typer.Exit(2)
        try:
            account = (Account.for_device(tank, device, prefix) if role == "device"
                       else Account.for_service(role, name or None, prefix, discovery_prefix))
            given = sys.stdin.readline().rstrip("\r\n") if password_stdin else None
            if password_stdin and not given:
                raise AuthError("--password-stdin: stdin gave an empty password")
            password = AccountStore(directory).add(account, given)
        except (AuthError, OSError) as e:
            err.print(f"[bold red]error:[/] {e}", soft_wrap=True, markup=True, highlight=False)
            raise typer.Exit(2) from None
        out = Console(highlight=False)
        out.print(f"account {account.username} ({account.describe()}) written to {directory}", soft_wrap=True)
        if given is None:
            out.print(f"password: {password}", soft_wrap=True, markup=False)
            out.print("It is shown only now. Reload the broker: kill -HUP <mosquitto pid>.", soft_wrap=True)
        # (a reload before a restored gateway session reconnects loses its queue: docs/reliability.md)
        out.print("If the broker has just restarted, reload only once the gateway is connected again "
                  "(docs/security.md).", soft_wrap=True)

    @app.command("remove")
    def remove(username: str, directory: Path = dir_opt) -> None:
        """Delete an account (a lost or stolen device); then reload the broker (kill -HUP)."""
        try:
            AccountStore(directory).remove(username)
        except (AuthError, OSError) as e:
            err.print(f"[bold red]error:[/] {e}", soft_wrap=True, highlight=False)
            raise typer.Exit(2) from None
        Console(highlight=False).print(f"account {username} removed from {directory}; reload the broker (kill -HUP)")

    @app.command("list")
    def list_(directory: Path = dir_opt) -> None:
        """Show the accounts and their roles (never passwords)."""
        for a in AccountStore(directory).accounts():
            Console(highlight=False).print(f"{a.username}  {a.describe()}", soft_wrap=True, markup=False)

    return app
