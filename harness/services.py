"""Start and stop our own Mosquitto and InfluxDB 1.x on free loopback ports.

Used by ``aquamon demo`` and by the test fixtures.  Each server gets its own
configuration and data directory under a folder we own, is waited for until it
answers, and is stopped by the PID we started, never by name, so services
already running on the default ports are neither used nor disturbed.
"""

from __future__ import annotations

import os
import pwd
import re
import shutil
import signal
import socket
import subprocess
import time
import urllib.error
import urllib.request
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Iterator

if TYPE_CHECKING:
    import ssl

    from aquamon.auth import Account, AccountStore
    from aquamon.influx import InfluxV1


class ServiceError(RuntimeError):
    """A server could not be found or did not come up; the message says what to do."""


def free_port() -> int:
    """A TCP port on 127.0.0.1 that nothing listens on right now."""
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def find_binary(name: str) -> str:
    for candidate in (shutil.which(name), f"/usr/sbin/{name}", f"/usr/bin/{name}"):
        if candidate and os.access(candidate, os.X_OK):
            return candidate
    raise ServiceError(
        f"'{name}' is not installed. Run 'make demo' or 'make test' as root (they install it), "
        f"or install the Debian package yourself (apt-get install mosquitto influxdb)."
    )


@dataclass
class ManagedProcess:
    """A child process we started; ``stop`` ends it by PID, politely then firmly."""

    name: str
    proc: subprocess.Popen[bytes]
    log_path: Path
    _terminated: bool = False  # SIGTERM sent (a second one makes uvicorn quit without its shutdown)

    @property
    def pid(self) -> int:
        return self.proc.pid

    def alive(self) -> bool:
        return self.proc.poll() is None

    def terminate(self) -> None:
        """Ask it to stop (SIGTERM) without waiting; :meth:`stop` then waits (without asking twice)."""
        if self.proc.poll() is None and not self._terminated:
            self._terminated = True
            try:
                self.proc.send_signal(signal.SIGTERM)
            except ProcessLookupError:
                pass

    def stop(self, timeout: float = 10.0) -> int | None:
        if self.proc.poll() is None:
            try:
                self.terminate()
                self.proc.wait(timeout)
            except subprocess.TimeoutExpired:
                self.proc.kill()
                self.proc.wait(5)
            except ProcessLookupError:
                pass
        return self.proc.returncode

    def kill(self) -> None:
        if self.proc.poll() is None:
            self.proc.kill()
            self.proc.wait(5)

    def log_tail(self, lines: int = 20) -> str:
        try:
            return "\n".join(self.log_path.read_text(errors="replace").splitlines()[-lines:])
        except OSError:
            return ""


def spawn(name: str, argv: list[str], log_path: Path, env: dict[str, str] | None = None,
          cwd: Path | None = None) -> ManagedProcess:
    """Start ``argv`` in its own session (so a terminal's Ctrl-C reaches only us, and we stop it)."""
    log_path.parent.mkdir(parents=True, exist_ok=True)
    log = open(log_path, "ab")
    try:
        proc = subprocess.Popen(argv, stdout=log, stderr=subprocess.STDOUT, stdin=subprocess.DEVNULL,
                                env=env, cwd=cwd, start_new_session=True)
    finally:
        log.close()
    return ManagedProcess(name, proc, log_path)


def wait_until(check, timeout: float, what: str, proc: ManagedProcess | None = None) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if proc is not None and not proc.alive():
            raise ServiceError(f"{what} exited during start-up (code {proc.proc.returncode}):\n{proc.log_tail()}")
        try:
            if check():
                return
        except OSError:
            pass
        time.sleep(0.05)
    raise ServiceError(f"{what} did not answer within {timeout:.0f} s" + (f":\n{proc.log_tail()}" if proc else ""))


@contextmanager
def _stopped_on_failure(proc: ManagedProcess) -> Iterator[None]:
    """Stop ``proc`` (by its PID) if the block raises: a server that did not come up is not left running."""
    try:
        yield
    except BaseException:
        proc.stop()
        raise


def port_open(port: int, host: str = "127.0.0.1") -> bool:
    with socket.socket() as s:
        s.settimeout(0.2)
        return s.connect_ex((host, port)) == 0


# Admin accounts written before a test broker starts (Mosquitto.admin_credentials hands
# them out, one per observer); more are made, with a reload, only when these run out.
ADMIN_POOL = 200

# The broker saves after this many changes at farm scale: at most this many acknowledged
# readings are at risk in a broker crash, for ~10x the throughput of saving every change
# (benchmarks/bench_broker.py; docs/reliability.md).  Also used by the shared test broker
# and the throughput benchmarks, which measure other parts than the broker's disk.
FARM_AUTOSAVE_CHANGES = 100


@dataclass(frozen=True)
class TlsFiles:
    """The broker's TLS certificate and key (PEM); ``cafile`` is what clients verify it with."""

    certfile: Path
    keyfile: Path
    cafile: Path


@dataclass
class Mosquitto:
    """A Mosquitto broker of our own, with authentication on.

    Every client needs an account (``aquamon.auth``): the broker has a password
    file and an ACL file, refuses anonymous clients, and :meth:`ensure_account`
    adds accounts while it runs (written, reloaded with SIGHUP, and waited for).
    ``allow_anonymous`` exists only for the shared test fixture, so test code
    written before authentication keeps working; the demo never sets it.  With
    ``tls`` the listener speaks only TLS (one switch, as in deploy/mosquitto).

    ``use_username_as_clientid`` binds each connection's client id to its
    username, so an account has one connection at a time: every call of
    :meth:`admin_credentials` therefore makes a new admin account, and each
    observer in a test gets its own.

    ``autosave_changes`` is how many changes (messages queued, subscriptions,
    retained messages) the broker saves after: 1 (the product's setting) loses
    no acknowledged reading in a crash; :data:`FARM_AUTOSAVE_CHANGES` trades at
    most that many for throughput (benchmarks/bench_broker.py, docs/reliability.md).

    ``max_inflight_messages`` and ``max_queued_messages`` are raised from the
    defaults (20 / 1000) because the gateway acknowledges only after a batch is
    durable: with 20 in flight it would be throttled to 20 messages per write.
    """

    workdir: Path
    port: int = 0
    extra_conf: str = ""
    allow_anonymous: bool = False
    autosave_changes: int = 1
    tls: TlsFiles | None = None
    process: ManagedProcess | None = None
    conf_path: Path = field(init=False)
    accounts: "AccountStore" = field(init=False)
    _passwords: dict[str, str] = field(init=False, default_factory=dict, repr=False)
    _admins: int = field(init=False, default=0)
    _admin_pool: list[str] = field(init=False, default_factory=list)

    def __post_init__(self) -> None:
        from aquamon.auth import AccountStore

        self.workdir.mkdir(parents=True, exist_ok=True)
        if not self.port:
            self.port = free_port()
        self.conf_path = self.workdir / "mosquitto.conf"
        # Anonymous clients (test fixture only) keep the rights they had before auth existed.
        self.accounts = AccountStore(self.workdir / "auth",
                                     anonymous_rules=[("readwrite", "#")] if self.allow_anonymous else None)

    def write_config(self) -> None:
        data = self.workdir / "data"
        data.mkdir(exist_ok=True)
        tls = ""
        if self.tls is not None:
            tls = f"certfile {self.tls.certfile}\nkeyfile {self.tls.keyfile}\ntls_version tlsv1.2\n"
        self.conf_path.write_text(
            f"""# written by aquamon for a private broker on loopback
per_listener_settings false
# run as whoever started us (Mosquitto started as root would switch to the user
# 'mosquitto', which cannot read our private password file)
user {pwd.getpwuid(os.getuid()).pw_name}
listener {self.port} 127.0.0.1
# a connection's client id is its username: no account can take over another
# client's session or kick it off (docs/security.md; off only with anonymous
# clients, which Mosquitto would then refuse)
use_username_as_clientid {'false' if self.allow_anonymous else 'true'}
{tls}allow_anonymous {'true' if self.allow_anonymous else 'false'}
password_file {self.accounts.passwd_path}
acl_file {self.accounts.acl_path}
persistence true
persistence_location {data}/
# save after every {self.autosave_changes} change(s), not every 30 s: a crash loses
# no more acknowledged readings than that (docs/reliability.md)
autosave_on_changes true
autosave_interval {self.autosave_changes}
max_inflight_messages 1000
max_queued_messages 200000
max_packet_size 1048576
log_dest stdout
log_type error
log_type warning
log_type notice
{self.extra_conf}
"""
        )

    def start(self, timeout: float = 15.0) -> "Mosquitto":
        self.ensure_account(_admin_account())  # also writes the files Mosquitto needs to start
        if not self._admins:
            self._fill_admin_pool()
        self.write_config()
        argv = [find_binary("mosquitto"), "-c", str(self.conf_path)]
        self.process = spawn("mosquitto", argv, self.workdir / "mosquitto.log")
        with _stopped_on_failure(self.process):
            wait_until(lambda: port_open(self.port), timeout, f"mosquitto on port {self.port}", self.process)
        return self

    def ensure_account(self, account: "Account") -> tuple[str, str]:
        """(username, password) of ``account``, created (and live on the running broker) if new."""
        if account.username in self._passwords:
            known = {a.username: a for a in self.accounts.accounts()}
            if known.get(account.username) != account:
                raise ServiceError(f"broker account {account.username!r} already exists with other rights "
                                   f"({known.get(account.username)}); choose another name")
            return account.username, self._passwords[account.username]
        self._passwords[account.username] = self.accounts.add(account)
        if self.process is not None and self.process.alive():
            self.reload()
            wait_until(lambda: connack_code(self.port, account.username, self._passwords[account.username],
                                            self.ssl_context()) == 0,
                       10, f"mosquitto to accept the new account {account.username!r}", self.process)
        return account.username, self._passwords[account.username]

    def admin_credentials(self, session: str = "") -> tuple[str, str]:
        """(username, password) of an account with every right: for tests and tools observing the broker.

        The broker binds client ids to usernames, so two connections of one
        account would take each other's place: without ``session`` every call
        makes a new account; with it, calls naming the same ``session`` share one
        (a persistent session resumed later is found under its username).
        """
        if session:
            return self.ensure_account(_admin_account("aquamon-admin-" + re.sub(r"[^A-Za-z0-9_.-]", "_", session)))
        if self._admin_pool:
            user = self._admin_pool.pop(0)
            return user, self._passwords[user]
        self._admins += 1
        return self.ensure_account(_admin_account(f"aquamon-admin-{self._admins}"))

    def _fill_admin_pool(self, size: int = ADMIN_POOL) -> None:
        # Written before the broker starts, so handing one out needs no reload: Mosquitto
        # 2.0.11 drops what it would queue for a session restored from disk if it is
        # reloaded before that client reconnects (docs/reliability.md), and a test that
        # restarts a broker must not have that done to it by its own observers.
        accounts = [_admin_account(f"aquamon-admin-{self._admins + i + 1}") for i in range(size)]
        self._passwords.update(self.accounts.add_many(accounts))
        self._admin_pool = [a.username for a in accounts]
        self._admins += size

    def client_kwargs(self, role: str = "admin") -> dict[str, str]:
        """``username``/``password`` keyword arguments for a service-role account (admin: a new one)."""
        from aquamon.auth import Account

        user, password = (self.admin_credentials() if role == "admin"
                          else self.ensure_account(Account.for_service(role)))
        return {"username": user, "password": password}

    def ssl_context(self) -> "ssl.SSLContext | None":
        """A client context trusting this broker's CA, or None without TLS."""
        if self.tls is None:
            return None
        import ssl

        return ssl.create_default_context(cafile=str(self.tls.cafile))

    def reload(self) -> None:
        """Make the running broker re-read its password and ACL files (SIGHUP)."""
        if self.process is None or not self.process.alive():
            raise ServiceError("mosquitto is not running")
        self.process.proc.send_signal(signal.SIGHUP)

    def stop(self) -> None:
        if self.process:
            self.process.stop()

    @property
    def pid(self) -> int:
        if self.process is None:
            raise ServiceError("mosquitto was not started")
        return self.process.pid


def _admin_account(username: str = "aquamon-admin") -> "Account":
    from aquamon.auth import Account

    return Account.for_service("admin", username)


def connack_code(port: int, username: str | None, password: str | None, ssl_context: "ssl.SSLContext | None" = None,
                 host: str = "127.0.0.1", timeout: float = 2.0) -> int:
    """The broker's answer to an MQTT 3.1.1 CONNECT: 0 accepted, 4 bad username or password, 5 not authorised.

    A few bytes on a socket rather than a client library, so checking an account
    needs no threads; the tests use a real client (paho) for the same properties.
    """
    def utf8(s: str) -> bytes:
        b = s.encode()
        return len(b).to_bytes(2, "big") + b

    flags = 0x02  # clean session
    payload = utf8(f"aquamon-probe-{os.getpid()}-{time.monotonic_ns() % 10**9}")
    if username is not None:
        flags |= 0x80
        payload += utf8(username)
        if password is not None:
            flags |= 0x40
            payload += utf8(password)
    body = utf8("MQTT") + bytes([4, flags]) + (10).to_bytes(2, "big") + payload
    length, n = b"", len(body)
    while True:
        byte, n = n % 128, n // 128
        length += bytes([byte | (0x80 if n else 0)])
        if not n:
            break
    with socket.create_connection((host, port), timeout) as raw:
        sock = ssl_context.wrap_socket(raw, server_hostname=host) if ssl_context else raw
        sock.sendall(b"\x10" + length + body)
        answer = b""
        while len(answer) < 4:
            chunk = sock.recv(4 - len(answer))
            if not chunk:
                raise ConnectionError("the broker closed the connection without a CONNACK")
            answer += chunk
        if answer[0] != 0x20:
            raise ConnectionError(f"expected a CONNACK, got packet type {answer[0] >> 4}")
        return answer[3]


# What each part may do in its database (InfluxDB 1.x privileges, granted per database).
INFLUX_PRIVILEGES = {"gateway": "WRITE", "analytics": "ALL", "reader": "READ"}


@dataclass
class InfluxDB1:
    """An InfluxDB 1.x server of our own (``influxd`` from Debian's ``influxdb``).

    With ``auth`` (what the launcher, :meth:`harness.stack.Stack.start_services`,
    uses) the server has ``auth-enabled = true``: anonymous requests are refused,
    the admin user ``aquamon-admin`` (random password) is created at start, and
    :meth:`ensure_user` gives each part a user with only its privilege on one
    database (``INFLUX_PRIVILEGES``: the gateway WRITE, the analytics ALL, i.e.
    read and write, readers READ), none of them admin.
    """

    workdir: Path
    port: int = 0
    rpc_port: int = 0
    auth: bool = False
    process: ManagedProcess | None = None
    admin_user: str = "aquamon-admin"
    admin_password: str = field(init=False, default="", repr=False)
    _users: dict[str, str] = field(init=False, default_factory=dict, repr=False)
    _grants: set[tuple[str, str]] = field(init=False, default_factory=set)

    def __post_init__(self) -> None:
        from aquamon.auth import new_password

        self.workdir.mkdir(parents=True, exist_ok=True)
        self.port = self.port or free_port()
        self.rpc_port = self.rpc_port or free_port()
        self.admin_password = new_password()

    def admin_client(self, database: str = "") -> "InfluxV1":
        """A client with every right (creating databases and users; tests reading back)."""
        from aquamon.influx import InfluxV1

        return InfluxV1(self.url, database, *((self.admin_user, self.admin_password) if self.auth else ("", "")))

    def ensure_user(self, role: str, database: str) -> tuple[str, str]:
        """(username, password) of the user of ``role`` (a key of ``INFLUX_PRIVILEGES``) on ``database``.

        Created on first use, then granted its privilege on each database it is asked for.
        Without ``auth`` there are no users: ("", "").
        """
        if not self.auth:
            return "", ""
        if role not in INFLUX_PRIVILEGES:
            raise ServiceError(f"no InfluxDB role {role!r}; use one of {', '.join(INFLUX_PRIVILEGES)}")
        from aquamon.auth import new_password

        admin = self.admin_client()
        if role not in self._users:
            password = new_password()
            admin.query(f"CREATE USER \"{role}\" WITH PASSWORD '{password}'")
            self._users[role] = password
        if (role, database) not in self._grants:
            admin.query(f'GRANT {INFLUX_PRIVILEGES[role]} ON "{database}" TO "{role}"')
            self._grants.add((role, database))
        return role, self._users[role]

    def _create_admin(self) -> None:
        # InfluxDB lets an anonymous request create the first user, and only while
        # there is none; a restart over the same data finds ours already there.
        from aquamon.influx import QueryError

        try:
            self.admin_client().query("SHOW USERS")
        except QueryError:
            from aquamon.influx import InfluxV1

            InfluxV1(self.url, "").query(
                f"CREATE USER \"{self.admin_user}\" WITH PASSWORD '{self.admin_password}' WITH ALL PRIVILEGES")

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    def write_config(self) -> Path:
        d = self.workdir
        conf = d / "influxdb.conf"
        conf.write_text(
            f"""# written by aquamon for a private InfluxDB on loopback
reporting-disabled = true
bind-address = "127.0.0.1:{self.rpc_port}"
[meta]
  dir = "{d}/meta"
[data]
  dir = "{d}/data"
  wal-dir = "{d}/wal"
  query-log-enabled = false
  wal-fsync-delay = "0s"
[coordinator]
  write-timeout = "10s"
[retention]
  enabled = false
[monitor]
  store-enabled = false
[http]
  enabled = true
  bind-address = "127.0.0.1:{self.port}"
  log-enabled = false
  auth-enabled = {'true' if self.auth else 'false'}
  max-body-size = 25000000
[continuous_queries]
  enabled = false
[logging]
  level = "warn"
"""
        )
        return conf

    def ping(self) -> bool:
        try:
            with urllib.request.urlopen(f"{self.url}/ping", timeout=1) as r:
                return r.status == 204
        except (urllib.error.URLError, ConnectionError):
            return False

    def start(self, timeout: float = 30.0) -> "InfluxDB1":
        conf = self.write_config()
        argv = [find_binary("influxd"), "-config", str(conf)]
        env = dict(os.environ, INFLUXDB_DATA_QUERY_LOG_ENABLED="false")
        self.process = spawn("influxd", argv, self.workdir / "influxd.log", env=env)
        with _stopped_on_failure(self.process):
            wait_until(self.ping, timeout, f"influxd on port {self.port}", self.process)
            if self.auth:
                self._create_admin()
        return self

    def stop(self) -> None:
        if self.process:
            self.process.stop(timeout=20)

    @property
    def pid(self) -> int:
        if self.process is None:
            raise ServiceError("influxd was not started")
        return self.process.pid
