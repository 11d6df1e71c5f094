"""``aquamon init``: set up a server (a Raspberry Pi, a shop's machine) from Debian's packages.

One run, as root, after ``apt install mosquitto influxdb`` and ``pip install aquamon``:

1. the system user ``aquamon`` (no login, home ``/var/lib/aquamon``);
2. ``/etc/aquamon/aquamon.toml`` (0640, group aquamon) for the site's tanks, profile, time zone and
   notification URL, with a fresh ``[alerts] command_key``;
3. broker accounts (``aquamon.auth``) in ``/etc/mosquitto/aquamon/`` (readable by the broker's user
   ``mosquitto``) and a listener in ``/etc/mosquitto/conf.d/aquamon.conf``; each server part's
   password in its own ``/etc/aquamon/<part>.env`` (0600), each device's in
   ``/etc/aquamon/devices/<tank>/<device>.secrets.py`` with its command key;
4. the InfluxDB database with its retention policies and continuous queries (:mod:`aquamon.retention`);
5. systemd units for the gateway, the analytics and, if asked, the Home Assistant bridge
   (:mod:`aquamon.systemd`), enabled so they start at boot.

It is idempotent: what exists is kept (a password is never rotated behind a flashed device's back,
a config the keeper edited is not overwritten) and reported as unchanged.  ``dry_run`` only says
what it would do.  ``root`` is a prefix for every path (a staged image, or the tests): the files
then name paths under it, and systemd is only told through ``systemctl --root``.
"""

from __future__ import annotations

import grp
import os
import pwd
import re
import secrets
import shutil
import socket
import subprocess
import urllib.parse
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Callable, Collection
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from analytics.config_check import CHECKS
from aquamon import influx_auth, retention, systemd
from aquamon.auth import Account, AccountStore
from aquamon.config import ConfigError, _toml_value, load_config_text

if TYPE_CHECKING:
    from aquamon.influx import InfluxV1

SERVICE_ROLES = ("gateway", "analytics")
# in order; `aquamon init --only influxdb` runs one (e.g. against InfluxDB in docker-compose)
STEPS = ("system_user", "config_file", "broker", "influxdb", "units")
BROKER_USER = "mosquitto"


class InitError(RuntimeError):
    """The set-up cannot go on; the message says what to do."""


@dataclass
class Site:
    """The keeper's answers, and where things go."""

    tanks: list[str]
    notify_url: str
    profile: str = "tropical"
    timezone: str = "UTC"
    device: str = "esp32"
    homeassistant: bool = False
    mqtt_host: str = "127.0.0.1"
    mqtt_port: int = 1883
    # devices reach the broker over WiFi: listen on the LAN (accounts required, see docs/security.md)
    mqtt_listen: str = "0.0.0.0"
    influx_url: str = "http://127.0.0.1:8086"
    influx_database: str = "aquamon"
    influx_username: str = ""
    influx_password: str = ""
    influx_admin_username: str = ""
    influx_admin_password: str = ""
    keep: retention.Retention = field(default_factory=retention.Retention)
    exe: str = ""
    root: Path = Path("/")

    def path(self, p: str) -> Path:
        """``p`` (absolute) under :attr:`root`."""
        return self.root / p.lstrip("/")

    @property
    def etc(self) -> Path:
        return self.path("/etc/aquamon")

    def check_timezone(self) -> None:
        """Raise :class:`InitError` unless :attr:`timezone` names a zone (``[alerts] time_zone``)."""
        try:
            ZoneInfo(self.timezone)
        except (ZoneInfoNotFoundError, ValueError):
            raise InitError(f"unknown time zone {self.timezone!r}: use a name such as Europe/Berlin "
                            "(timedatectl list-timezones)") from None


class Installer:
    """Runs (or, with ``dry_run``, describes) each step; ``say`` gets one line per action."""

    def __init__(self, site: Site, dry_run: bool = False, say: Callable[[str], None] = print) -> None:
        self.site = site
        self.dry_run = dry_run
        self.say = say
        self.as_root = os.geteuid() == 0
        self.system_root = site.root.resolve() == Path("/")
        self._would = "would " if dry_run else ""

    def run(self, only: Collection[str] = ()) -> None:
        """Every step, or only those named in ``only`` (see :data:`STEPS`)."""
        unknown = set(only) - set(STEPS)
        if unknown:
            raise InitError(f"unknown step {', '.join(sorted(unknown))}; choose from {', '.join(STEPS)}")
        self.site.check_timezone()  # a wrong time zone stops us before anything is written
        for step in STEPS:
            if not only or step in only:
                try:
                    getattr(self, step)()
                except OSError as e:  # above all: not run as root
                    hint = "" if self.as_root else "; run it as root (sudo aquamon init), or give --root a folder of yours"
                    raise InitError(f"{step.replace('_', ' ')}: {e.strerror or e}: {e.filename or ''}{hint}") from None

    # --- steps -------------------------------------------------------------------------
    def system_user(self) -> None:
        if user_exists(systemd.USER):
            self.say(f"unchanged: system user {systemd.USER}")
        elif not self.system_root:
            self.say(f"skipped: system user {systemd.USER} (only with --root /)")
        else:
            self._run(["useradd", "--system", "--user-group", "--home-dir", systemd.STATE_DIR, "--no-create-home",
                       "--shell", "/usr/sbin/nologin", systemd.USER], f"create system user {systemd.USER}")

    def config_file(self) -> None:
        path = self.site.etc / "aquamon.toml"
        if path.exists():
            self.say(f"unchanged: {path} (kept as it is; check it with: aquamon check-config {path})")
            return
        text = render_config(self.site)
        try:
            load_config_text(text, environ={}, checks=CHECKS)
        except ConfigError as e:
            raise InitError(f"these answers do not make a valid configuration: {e}") from None
        self._write(path, text, 0o640, group=systemd.USER)

    def broker(self) -> None:
        s = self.site
        store = AccountStore(s.path("/etc/mosquitto/aquamon"))
        have = {a.username for a in store.accounts()}  # read in a dry run too: it says what a run would do
        roles = SERVICE_ROLES + (("homeassistant",) if s.homeassistant else ())
        for role in roles:
            env = s.etc / f"{role}.env"
            if role in have and env.exists():
                self.say(f"unchanged: broker account {role} ({env})")
                continue
            self.say(f"{self._would}create broker account {role}; its password in {env}")
            if not self.dry_run:
                password = store.add(Account.for_service(role))
                self._write(env, env_file(role, password, s), 0o600, quiet=True)
        for tank in s.tanks:
            account = Account.for_device(tank, s.device)
            secret = s.etc / "devices" / tank / f"{s.device}.secrets.py"
            if account.username in have and secret.exists():
                self.say(f"unchanged: device account {account.username} ({secret})")
                continue
            self.say(f"{self._would}create device account {account.username}; its secrets.py in {secret}")
            if not self.dry_run:
                key = secrets.token_hex(32)
                password = store.add(account)
                self._write(secret, device_secrets(password, key), 0o600, quiet=True)
                self._write(secret.with_suffix("").with_suffix(".key"), key + "\n", 0o600, quiet=True)
        for f in (store.passwd_path, store.acl_path):
            if not self.dry_run:
                _chown(f, BROKER_USER, BROKER_USER, 0o640)  # Mosquitto 2 reads them as its own user
        self._write(s.path("/etc/mosquitto/conf.d/aquamon.conf"), mosquitto_conf(s, store), 0o644)
        if self.system_root:
            self._run(["systemctl", "reload-or-restart", "mosquitto"], "make the broker read its accounts")

    def influxdb(self) -> None:
        s = self.site
        from aquamon.influx import InfluxV1, QueryError

        # no account given: the ones an earlier run made, or (InfluxDB open to anyone) new ones (aquamon.influx_auth)
        ours = not (s.influx_username or s.influx_admin_username)
        saved = influx_auth.saved_accounts(s.etc) if ours else None
        if saved is not None:
            s.influx_admin_username, s.influx_admin_password = saved.admin
        # an admin sets up retention and continuous queries; the parts get their own, lesser account
        client = InfluxV1(s.influx_url, s.influx_database, s.influx_admin_username or s.influx_username,
                          s.influx_admin_password or s.influx_password, 30.0)
        anonymous = InfluxV1(s.influx_url, s.influx_database, timeout=30.0)
        if self.dry_run:
            self._influxdb_dry_run(client)
            if ours and saved is None and influx_auth.open_to_anyone(anonymous):
                self.say(f"would create InfluxDB accounts {', '.join(influx_auth.account_names(s.influx_database))} "
                         f"and turn its authentication on (InfluxDB at {s.influx_url} accepts anyone)")
            return
        if not client.ping():
            raise InitError(f"InfluxDB at {s.influx_url} does not answer: is it running (systemctl status "
                            "influxdb)? Or give --influx-url")
        new = None
        if ours and saved is None and influx_auth.open_to_anyone(anonymous):
            try:
                new = influx_auth.create_admin(anonymous, s.influx_database)
            except influx_auth.AccountsError as e:
                raise InitError(str(e)) from None
            client = InfluxV1(s.influx_url, s.influx_database, *new.admin, 30.0)
        try:
            done = retention.apply(client, s.influx_database, s.keep)
            if new is not None:
                influx_auth.grant(client, s.influx_database, new)
        except QueryError as e:
            raise InitError(f"InfluxDB refused the set-up of {s.influx_database!r}: {e} (with authentication "
                            "on, give an admin's --influx-admin-username and --influx-admin-password)") from None
        for q in done:
            self.say(f"InfluxDB: {q}")
        self.say(f"InfluxDB: {s.influx_database}: minute data {s.keep.minute_days} d, hourly means "
                 f"{s.keep.hourly_days} d")
        if new is not None:
            for name, text in new.files().items():
                self._write(s.etc / name, text, 0o600, quiet=True)
            self.say(f"InfluxDB: accounts {new.admin[0]} (admin), {new.parts[0]} (gateway and analytics) and "
                     f"{new.grafana[0]} (Grafana, read only); their passwords in {s.etc}/influxdb*.env")
        if new is not None or saved is not None:
            self._influxdb_auth_on(restart=new is not None)

    def _influxdb_auth_on(self, restart: bool) -> None:
        """Turn the local InfluxDB's authentication on (a systemd drop-in), or say where to do it."""
        s = self.site
        host = urllib.parse.urlparse(s.influx_url).hostname or ""
        if host not in ("127.0.0.1", "localhost", "::1"):
            self.say(f"warning: InfluxDB at {s.influx_url} runs elsewhere: turn its authentication on there "
                     "([http] auth-enabled = true, or INFLUXDB_HTTP_AUTH_ENABLED=true); the accounts are made")
            return
        drop_in = s.path(influx_auth.DROP_IN)
        changed = not (drop_in.exists() and drop_in.read_text() == influx_auth.DROP_IN_TEXT)
        self._write(drop_in, influx_auth.DROP_IN_TEXT, 0o644)
        if self.system_root and (changed or restart):
            self._run(["systemctl", "daemon-reload"], "read InfluxDB's drop-in")
            self._run(["systemctl", "restart", "influxdb"], "turn InfluxDB's authentication on")
        elif changed:
            self.say("InfluxDB asks for accounts once restarted (systemctl restart influxdb)")
        if restart:
            self.say(f"InfluxDB: Grafana's data source takes the account in {s.etc}/{influx_auth.FILES['grafana']}; "
                     f"commands you run yourself take the parts' (set -a; . {s.etc}/{influx_auth.FILES['parts']}); "
                     "parts already running get theirs at a restart (systemctl restart aquamon-gateway "
                     "aquamon-analytics)")

    def _influxdb_dry_run(self, client: InfluxV1) -> None:
        """Say what :meth:`influxdb` would run, given what the database has (read only)."""
        from aquamon.influx import QueryError

        s = self.site
        rps: dict[str, tuple[str, bool]] = {}
        cqs: set[str] = set()
        try:
            if client.ping():
                rps, cqs = retention.existing(client, s.influx_database)
            else:
                self.say(f"InfluxDB at {s.influx_url} does not answer: what a first run would do")
        except QueryError as e:
            self.say(f"InfluxDB at {s.influx_url} refused to show {s.influx_database!r} ({e}): what a first run "
                     "would do")
        todo = retention.statements(s.influx_database, s.keep, rps, cqs)
        for q in todo:
            self.say(f"would run on {s.influx_url}: {q}")
        if not todo:
            self.say(f"unchanged: InfluxDB {s.influx_database}: minute data {s.keep.minute_days} d, hourly means "
                     f"{s.keep.hourly_days} d")

    def units(self) -> None:
        s = self.site
        parts = SERVICE_ROLES + (("homeassistant",) if s.homeassistant else ())
        unit_dir = s.path("/etc/systemd/system")
        names = []
        for part in parts:
            names.append(systemd.unit_name(part))
            self._write(unit_dir / names[-1], systemd.unit_text(part, s.exe, str(s.etc)), 0o644)
        if self.system_root:
            self._run(["systemctl", "daemon-reload"], "reload systemd")
            self._run(["systemctl", "enable", "--now", *names], "start them, and at every boot")
        else:
            self._run(["systemctl", "--root", str(s.root), "enable", *names], "enable them at boot")

    # --- helpers -----------------------------------------------------------------------
    def _write(self, path: Path, text: str, mode: int, group: str = "", quiet: bool = False) -> None:
        if path.exists() and path.read_text() == text:
            self.say(f"unchanged: {path}")
            return
        if not quiet:
            self.say(f"{'would write' if self.dry_run else 'write'} {path} ({mode:o})")
        if self.dry_run:
            return
        path.parent.mkdir(parents=True, exist_ok=True)
        tmp = path.with_name(f".{path.name}.tmp")
        fd = os.open(tmp, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, mode)
        with os.fdopen(fd, "w") as f:
            f.write(text)
        os.chmod(tmp, mode)
        if group:
            _chown(tmp, "root", group, mode)
        os.replace(tmp, path)

    def _run(self, argv: list[str], what: str) -> None:
        self.say(f"{'would run' if self.dry_run else 'run'}: {' '.join(argv)}  ({what})")
        if self.dry_run:
            return
        try:
            r = subprocess.run(argv, capture_output=True, text=True, timeout=120)
        except FileNotFoundError:
            raise InitError(f"{argv[0]} is not installed: {what} by hand, then run aquamon init again") from None
        if r.returncode != 0:
            raise InitError(f"{' '.join(argv)} failed ({what}): {(r.stderr or r.stdout).strip()[-500:]}")


def existing_answers(root: Path) -> dict[str, str]:
    """The site's answers from the ``aquamon.toml`` a first run wrote under ``root`` (empty without one):
    a rerun (an upgrade, a restore, new InfluxDB accounts) neither asks again nor invents a tank.

    >>> existing_answers(Path("/nonexistent"))
    {}
    """
    try:
        cfg = load_config_text((root / "etc/aquamon/aquamon.toml").read_text(), environ={})
    except (OSError, ConfigError):
        return {}
    answers = {"tanks": ",".join(cfg.analytics.tanks), "profile": cfg.alerts.profile,
               "timezone": cfg.alerts.time_zone or "UTC", "notify": next(iter(cfg.notify.critical), ""),
               "mqtt_port": str(cfg.mqtt.port), "influx_url": cfg.influxdb.url,
               "influx_database": cfg.influxdb.database}
    try:  # the listener's address too: a rerun must not reopen a broker kept to this machine
        listener = re.search(r"^listener (\d+) (\S+)", (root / "etc/mosquitto/conf.d/aquamon.conf").read_text(), re.M)
    except OSError:
        listener = None
    if listener:
        answers["mqtt_listen"] = listener.group(2)
    return answers


def render_config(site: Site) -> str:
    """The ``aquamon.toml`` for ``site``: what differs from the defaults, each part commented."""
    v = _toml_value
    urls = [site.notify_url] if site.notify_url else []
    return f"""# Written by `aquamon init`.  Every option and its default: aquamon.example.toml.
# Check after editing:  aquamon check-config {site.etc}/aquamon.toml
# The broker and InfluxDB credentials are not here: each part reads its own from
# {site.etc}/<part>.env (AQUAMON_MQTT_USERNAME, AQUAMON_MQTT_PASSWORD, ...), which override this file.

[mqtt]
host = {v(site.mqtt_host)}
port = {site.mqtt_port}

[influxdb]
url = {v(site.influx_url)}
database = {v(site.influx_database)}

[spool]
dir = {v(str(site.path(systemd.STATE_DIR + "/spool")))}

[gateway]
instance = {v(socket.gethostname().split(".")[0] or "gateway")}

[analytics]
tanks = {v(site.tanks)}

[homeassistant]
enabled = {v(site.homeassistant)}

[alerts]
profile = {v(site.profile)}
# quiet hours, the daily summary and the times in messages follow this zone's clock changes
time_zone = {v(site.timezone)}
# signs `aquamon silence` commands; keep it secret
command_key = {v(secrets.token_hex(32))}

[notify]
critical = {v(urls)}
warning = {v(urls)}
info = {v(urls)}
"""


def env_file(role: str, password: str, site: Site) -> str:
    lines = [f"# {role}'s credentials, read by systemd (EnvironmentFile); they override aquamon.toml",
             f"AQUAMON_MQTT_USERNAME={role}", f"AQUAMON_MQTT_PASSWORD={password}"]
    if site.influx_username:
        lines += [f"AQUAMON_INFLUXDB_USERNAME={site.influx_username}",
                  f"AQUAMON_INFLUXDB_PASSWORD={site.influx_password}"]
    return "\n".join(lines) + "\n"


def device_secrets(password: str, key: str) -> str:
    return f"""# Copy to firmware/secrets.py of this device, fill in the WiFi, then: aquamon flash
# (docs/hardware.md).  The same COMMAND_KEY is in the .key file beside this one, for
# `aquamon command --key-file`.
WIFI_SSID = ""
WIFI_PASSWORD = ""
MQTT_PASSWORD = {password!r}
COMMAND_KEY = {key!r}
"""


def mosquitto_conf(site: Site, store: AccountStore) -> str:
    return f"""# Written by `aquamon init`: aquamon's listener and accounts (docs/security.md).
# Debian's /etc/mosquitto/mosquitto.conf includes this folder and turns persistence on.
# Accounts: aquamon user add --dir {store.dir} ...; then: systemctl reload mosquitto
per_listener_settings false
listener {site.mqtt_port} {site.mqtt_listen}
# a connection's client id is its username: no account can take over another client's
# persistent session or kick it off (a listener option: keep it under its listener line)
use_username_as_clientid true
allow_anonymous false
password_file {store.passwd_path}
acl_file {store.acl_path}
# save the persistence file (Debian's main file turns it on) after every change, not every
# 30 min: a broker crash or power cut then loses no reading it acknowledged (docs/reliability.md)
autosave_on_changes true
autosave_interval 1
# the gateway acknowledges a reading only once it is stored: allow a batch in flight
max_inflight_messages 1000
max_queued_messages 200000
max_packet_size 1048576
"""


def user_exists(name: str) -> bool:
    try:
        pwd.getpwnam(name)
        return True
    except KeyError:
        return False


def _chown(path: Path, user: str, group: str, mode: int) -> None:
    """Give ``path`` to ``user:group`` when we may and they exist (else leave it to root)."""
    os.chmod(path, mode)
    if os.geteuid() != 0:
        return
    try:
        uid = pwd.getpwnam(user).pw_uid
        gid = grp.getgrnam(group).gr_gid
    except KeyError:
        return
    os.chown(path, uid, gid)


def default_exe() -> str:
    """The ``aquamon`` command of this installation (the venv's, beside the running Python)."""
    import sys

    here = Path(sys.executable).parent / "aquamon"
    return str(here) if here.exists() else (shutil.which("aquamon") or str(here))

