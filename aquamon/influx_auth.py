"""InfluxDB accounts for a site ``aquamon init`` sets up: no anonymous access, each user only its rights.

Debian's InfluxDB 1.6 starts with authentication off and listens on every
interface: anyone on the keeper's network could read or delete the tanks'
data.  When the keeper gives no InfluxDB account and the server accepts
anonymous requests, ``aquamon init`` makes three users, named after the
database (so two sites on one server do not collide):

- ``<db>-admin`` with every privilege (retention set-up, later reruns);
- ``<db>`` with ALL on the database (the gateway and the analytics);
- ``<db>-grafana`` with READ on it (the dashboards);

saves each password in its own environment file under ``/etc/aquamon``
(0600), and turns authentication on with a systemd drop-in for Debian's
``influxdb.service`` (InfluxDB reads ``INFLUXDB_HTTP_AUTH_ENABLED`` over its
config file), so ``/etc/influxdb/influxdb.conf`` stays the package's.

>>> account_names("aquamon")
('aquamon-admin', 'aquamon', 'aquamon-grafana')
>>> env_text("aquamon", "pw").splitlines()[1:]
['AQUAMON_INFLUXDB_USERNAME=aquamon', 'AQUAMON_INFLUXDB_PASSWORD=pw']
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING

from aquamon.auth import new_password

if TYPE_CHECKING:
    from aquamon.influx import InfluxV1

#: the drop-in that turns InfluxDB's authentication on (Debian's unit reads no other file of ours)
DROP_IN = "/etc/systemd/system/influxdb.service.d/aquamon.conf"
DROP_IN_TEXT = """# Written by `aquamon init` (docs/install.md, step 4): InfluxDB asks every client for an account.
# Its users and their passwords: /etc/aquamon/influxdb*.env.  Remove this file to turn it off again.
[Service]
Environment=INFLUXDB_HTTP_AUTH_ENABLED=true
"""
#: the environment files, under /etc/aquamon: the parts', the admin's, Grafana's
FILES = {"parts": "influxdb.env", "admin": "influxdb-admin.env", "grafana": "influxdb-grafana.env"}


class AccountsError(RuntimeError):
    """The accounts cannot be made; the message says what to do."""


@dataclass(frozen=True)
class SiteAccounts:
    """(username, password) of each InfluxDB user of the site."""

    admin: tuple[str, str]
    parts: tuple[str, str]
    grafana: tuple[str, str]

    def files(self) -> dict[str, str]:
        """Each environment file's name and its text."""
        return {FILES[k]: env_text(*getattr(self, k)) for k in FILES}


def account_names(database: str) -> tuple[str, str, str]:
    """The admin's, the parts' and Grafana's usernames for ``database``."""
    return f"{database}-admin", database, f"{database}-grafana"


def env_text(user: str, password: str) -> str:
    """An environment file systemd reads (``EnvironmentFile``); the variables override aquamon.toml."""
    return (f"# InfluxDB account {user}, written by aquamon init\n"
            f"AQUAMON_INFLUXDB_USERNAME={user}\nAQUAMON_INFLUXDB_PASSWORD={password}\n")


def _read_env(path: Path) -> tuple[str, str] | None:
    try:
        pairs = dict(ln.split("=", 1) for ln in path.read_text().splitlines() if "=" in ln and not ln.startswith("#"))
    except OSError:
        return None
    user, password = pairs.get("AQUAMON_INFLUXDB_USERNAME"), pairs.get("AQUAMON_INFLUXDB_PASSWORD")
    return (user, password) if user and password else None


def saved_accounts(etc: Path) -> SiteAccounts | None:
    """The accounts an earlier run saved in ``etc`` (None unless all three are there)."""
    found = {k: _read_env(etc / name) for k, name in FILES.items()}
    if any(v is None for v in found.values()):
        return None
    return SiteAccounts(**found)  # type: ignore[arg-type]


def open_to_anyone(anonymous: InfluxV1) -> bool:
    """Whether the server answers an anonymous ``SHOW USERS`` (authentication off)."""
    from aquamon.influx import QueryError

    try:
        anonymous.query("SHOW USERS")
    except QueryError:
        return False
    return True


def create_admin(anonymous: InfluxV1, database: str) -> SiteAccounts:
    """Make the admin (while authentication is off); the other two are made by :func:`grant`.

    Raises
    ------
    AccountsError
        A user of one of these names exists already: its password is not ours to know.
    """
    names = account_names(database)
    have = {row[0] for s in anonymous.query("SHOW USERS") for row in s.get("values", [])}
    taken = sorted(set(names) & have)
    if taken:
        raise AccountsError(f"InfluxDB already has the user(s) {', '.join(taken)}, whose passwords aquamon does not "
                            "have: give the accounts (--influx-admin-username, --influx-admin-password, "
                            "--influx-username, --influx-password; docs/install.md step 4), or drop those users")
    accounts = SiteAccounts(*((name, new_password()) for name in names))
    anonymous.query(f"CREATE USER \"{accounts.admin[0]}\" WITH PASSWORD '{accounts.admin[1]}' WITH ALL PRIVILEGES")
    return accounts


def grant(admin: InfluxV1, database: str, accounts: SiteAccounts) -> None:
    """Make the parts' user (ALL on ``database``) and Grafana's (READ), once the database exists."""
    for (user, password), privilege in ((accounts.parts, "ALL"), (accounts.grafana, "READ")):
        admin.query(f"CREATE USER \"{user}\" WITH PASSWORD '{password}'")
        admin.query(f'GRANT {privilege} ON "{database}" TO "{user}"')
