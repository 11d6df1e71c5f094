"""Broker accounts: who may connect to Mosquitto, and which topics each may use.

Every part of aquamon has its own broker account, and each role gets only the
topics it needs (see ``docs/security.md``):

============= ==============================================================
role          rights (``{p}`` is the topic prefix)
============= ==============================================================
device        publish ``{p}/{tank}/{device}/telemetry|status|event|cmd/ack``;
              subscribe ``{p}/{tank}/{device}/cmd`` -- its own topics only
gateway       subscribe ``{p}/+/+/telemetry|status|event``;
              ``{p}/_gateway/#`` for its presence
analytics     publish and read back ``{p}/+/alert/#``; publish ``{p}/+/summary``;
              read ``{p}/+/+/status`` and its commands ``{p}/+/analytics/cmd``,
              answer them on ``{p}/+/analytics/cmd/ack``
operator      publish ``{p}/+/+/cmd``; read acks, status and alerts
viewer        read telemetry, status, events, alerts, summaries, gateway presence
homeassistant read telemetry, status, alerts; ``homeassistant/#`` (discovery)
web           what a viewer reads, plus an operator's commands and their acks
              (``aquamon web`` signs its users' commands; see docs/web.md)
admin         everything (tests and maintenance; never a running part)
============= ==============================================================

Mosquitto reads two files, both written here: the password file (the format
of ``mosquitto_passwd``: ``user:$7$iterations$salt$hash``, PBKDF2-SHA512) and
the ACL file.  The ACL file is also our record of the accounts: each ``user``
block starts with a ``# aquamon-account`` comment naming its role, so
``aquamon user add`` can regenerate the file without a second database.

>>> a = Account.for_device("tank1", "esp32-1")
>>> a.username
'aquamon/tank1/esp32-1'
>>> for access, topic in a.rules():
...     print(access, topic)
write aquamon/tank1/esp32-1/telemetry
write aquamon/tank1/esp32-1/status
write aquamon/tank1/esp32-1/event
write aquamon/tank1/esp32-1/cmd/ack
read aquamon/tank1/esp32-1/cmd
>>> verify_password("s3cret", hash_password("s3cret"))
True
>>> verify_password("s3cret!", hash_password("s3cret"))
False
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import os
import re
import secrets
import tempfile
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any

from aquamon.ids import RULE as ID_RULE
from aquamon.ids import is_id

if TYPE_CHECKING:
    import ssl

    import paho.mqtt.client as mqtt

    from aquamon.config import MqttConfig

ROLES = ("device", "gateway", "analytics", "operator", "viewer", "homeassistant", "web", "admin")
# What a device publishes under its own {prefix}/{tank}/{device}/.  Listed, not
# "{base}/#": a device must not publish to its own cmd topic (that is the
# operator's) and anything new is a deliberate change here.
DEVICE_PUBLISHES = ("telemetry", "status", "event", "cmd/ack")
# Topic levels that carry meaning at the device position: a device called
# "alert" would publish where analytics' alerts live, one called "analytics"
# would read the alert commands addressed to the analytics.
RESERVED_DEVICE_NAMES = ("alert", "analytics")
ACCOUNT_MARK = "# aquamon-account"
PBKDF2_ITERATIONS = 101  # what mosquitto_passwd writes; our passwords are random, see docs/decisions.md

_PREFIX = re.compile(r"^[A-Za-z0-9_.-]+(/[A-Za-z0-9_.-]+)*$")
_USERNAME = re.compile(r"^[A-Za-z0-9_.@/-]+$")


class AuthError(ValueError):
    """An account or an auth file is wrong; the message says what to do."""


@dataclass(frozen=True)
class Account:
    """One broker account: a username, its role, and for a device its tank and device id.

    Construct with :meth:`device` or :meth:`service`; both check every name, so no
    account can carry an MQTT wildcard or a line break into the ACL file.
    """

    username: str
    role: str
    prefix: str = "aquamon"
    tank: str = ""
    device: str = ""
    discovery_prefix: str = "homeassistant"  # role homeassistant: [homeassistant] discovery_prefix

    def __post_init__(self) -> None:
        if self.role not in ROLES:
            raise AuthError(f"unknown role {self.role!r}; use one of {', '.join(ROLES)}")
        if not _PREFIX.match(self.prefix):
            raise AuthError(f"topic prefix {self.prefix!r}: words of letters, digits, _ . - separated by /")
        if self.role == "device":
            for what, value in (("tank", self.tank), ("device", self.device)):
                if not is_id(value):  # the one id alphabet (aquamon/ids.py): no wildcards, no look-alikes
                    raise AuthError(f"{what} id {value!r}: {ID_RULE}")
            if self.device in RESERVED_DEVICE_NAMES:
                raise AuthError(f"device id {self.device!r} is reserved (it is a topic level of its own)")
        elif self.tank or self.device:
            raise AuthError(f"only a device account has a tank and a device, not a {self.role} account")
        if self.role == "homeassistant":
            if not _PREFIX.match(self.discovery_prefix):
                raise AuthError(f"discovery prefix {self.discovery_prefix!r}: words of letters, digits, _ . - "
                                "separated by / (as [homeassistant] discovery_prefix)")
        elif self.discovery_prefix != "homeassistant":
            raise AuthError(f"only a homeassistant account has a discovery prefix, not a {self.role} account")
        if not _USERNAME.match(self.username):
            raise AuthError(f"username {self.username!r}: use letters, digits and _ . @ / - only")

    @classmethod
    def for_device(cls, tank: str, device: str, prefix: str = "aquamon") -> "Account":
        """The account of one device; its username is its topic root, ``{prefix}/{tank}/{device}``.

        ``analytics`` is not a device name: it is the pseudo-device the alert commands are addressed
        to, and a device of that name could read them and answer for the analytics.

        >>> Account.for_device("t1", "analytics")
        Traceback (most recent call last):
        ...
        aquamon.auth.AuthError: 'analytics' is reserved for the analytics' alert commands: give the device another name
        """
        if device == "analytics":
            raise AuthError("'analytics' is reserved for the analytics' alert commands: give the device another name")
        return cls(f"{prefix}/{tank}/{device}", "device", prefix, tank, device)

    @classmethod
    def for_service(cls, role: str, username: str | None = None, prefix: str = "aquamon",
                    discovery_prefix: str = "homeassistant") -> "Account":
        """The account of a server part (gateway, analytics, operator, viewer, homeassistant, admin).

        ``discovery_prefix`` (role homeassistant) is where its discovery configs go:
        Home Assistant's ``discovery_prefix``, ``homeassistant`` unless changed there.
        """
        if role == "device":
            raise AuthError("a device account needs its tank and device: use Account.for_device(tank, device)")
        return cls(username or role, role, prefix, discovery_prefix=discovery_prefix)

    def rules(self) -> list[tuple[str, str]]:
        """The ACL lines of this account as (access, topic filter), least rights for the role."""
        p = self.prefix
        if self.role == "device":
            base = f"{p}/{self.tank}/{self.device}"
            return [("write", f"{base}/{t}") for t in DEVICE_PUBLISHES] + [("read", f"{base}/cmd")]
        if self.role == "gateway":
            return [("read", f"{p}/+/+/{t}") for t in ("telemetry", "status", "event")] + \
                   [("readwrite", f"{p}/_gateway/#")]
        if self.role == "analytics":
            # alerts (read back after a restart), the daily summary, device presence,
            # and the signed alert commands addressed to the pseudo-device "analytics"
            return [("readwrite", f"{p}/+/alert/#"), ("write", f"{p}/+/summary"), ("read", f"{p}/+/+/status"),
                    ("read", f"{p}/+/analytics/cmd"), ("write", f"{p}/+/analytics/cmd/ack")]
        if self.role == "operator":
            return [("write", f"{p}/+/+/cmd"), ("read", f"{p}/+/+/cmd/ack"), ("read", f"{p}/+/+/status"),
                    ("read", f"{p}/+/alert/#")]
        if self.role == "viewer":
            return [("read", f"{p}/+/+/{t}") for t in ("telemetry", "status", "event")] + \
                   [("read", f"{p}/+/alert/#"), ("read", f"{p}/+/summary"), ("read", f"{p}/_gateway/#")]
        if self.role == "web":
            return Account(self.username, "viewer", p).rules() + \
                [("write", f"{p}/+/+/cmd"), ("read", f"{p}/+/+/cmd/ack")]
        if self.role == "homeassistant":
            # `aquamon homeassistant` (and Home Assistant itself, which reads the same topics):
            # discovery configs under Home Assistant's discovery prefix
            # and its relay of Home Assistant's buttons as signed commands (HA holds no key)
            return [("read", f"{p}/+/+/{t}") for t in ("telemetry", "status")] + \
                   [("read", f"{p}/+/alert/#"), ("readwrite", f"{self.discovery_prefix}/#"),
                    ("write", f"{p}/+/+/cmd"), ("read", f"{p}/+/+/cmd/ack")]
        return [("readwrite", "#")]  # admin

    def describe(self) -> str:
        extra = f" tank={self.tank} device={self.device}" if self.role == "device" else ""
        extra += f" discovery={self.discovery_prefix}" if self.role == "homeassistant" else ""
        return f"role={self.role} prefix={self.prefix}{extra}"


# --- passwords (the mosquitto_passwd format) -------------------------------------------

def hash_password(password: str, salt: bytes | None = None, iterations: int = PBKDF2_ITERATIONS) -> str:
    """Mosquitto's ``$7$`` hash of ``password``: PBKDF2-HMAC-SHA512 with a 12-byte random salt."""
    if not password:
        raise AuthError("an empty password is not allowed")
    salt = os.urandom(12) if salt is None else salt
    digest = hashlib.pbkdf2_hmac("sha512", password.encode(), salt, iterations)
    return f"$7${iterations}${base64.b64encode(salt).decode()}${base64.b64encode(digest).decode()}"


def verify_password(password: str, encoded: str) -> bool:
    """True when ``password`` matches a ``$7$`` hash (as written by us or ``mosquitto_passwd``)."""
    parts = encoded.split("$")
    if len(parts) != 5 or parts[1] != "7":
        raise AuthError("not a mosquitto $7$ (PBKDF2-SHA512) password hash")
    salt, want = base64.b64decode(parts[3]), base64.b64decode(parts[4])
    got = hashlib.pbkdf2_hmac("sha512", password.encode(), salt, int(parts[2]))
    return hmac.compare_digest(got, want)


def new_password() -> str:
    """A random password with 144 bits of entropy, safe in TOML, JSON and shell."""
    return secrets.token_urlsafe(18)


# --- the two files ---------------------------------------------------------------------

def acl_text(accounts: list[Account], anonymous_rules: list[tuple[str, str]] | None = None) -> str:
    """The Mosquitto ACL file for ``accounts``.

    ``anonymous_rules`` are written before the first ``user`` line, where Mosquitto
    applies them to clients without a username; they matter only on a broker with
    ``allow_anonymous true`` (the test fixture's), never on the product's.
    """
    out = ["# Written by aquamon (aquamon user add): edit with that command, not by hand.",
           "# Only the topics listed are allowed; everything else is denied."]
    for access, topic in anonymous_rules or []:
        out.append(f"topic {access} {topic}")
    for a in sorted(accounts, key=lambda a: a.username):
        out += ["", f"{ACCOUNT_MARK} {a.describe()}", f"user {a.username}"]
        out += [f"topic {access} {topic}" for access, topic in a.rules()]
    return "\n".join(out) + "\n"


def parse_accounts(text: str) -> list[Account]:
    """The accounts recorded in an ACL file written by :func:`acl_text`."""
    accounts = []
    lines = text.splitlines()
    for i, line in enumerate(lines):
        if not line.startswith(ACCOUNT_MARK):
            continue
        attrs = dict(kv.split("=", 1) for kv in line[len(ACCOUNT_MARK):].split())
        if i + 1 >= len(lines) or not lines[i + 1].startswith("user "):
            raise AuthError(f"ACL file line {i + 2}: expected 'user NAME' after the account comment")
        accounts.append(Account(lines[i + 1][5:].strip(), attrs.get("role", ""), attrs.get("prefix", "aquamon"),
                                attrs.get("tank", ""), attrs.get("device", ""),
                                attrs.get("discovery", "homeassistant")))
    return accounts


def _write_private(path: Path, text: str) -> None:
    # Atomic (a broker reloading mid-write sees the old or the new file, never half),
    # and never readable by others, even for an instant.  A file being replaced keeps its
    # owner, group and group-read bit: `aquamon init` gives them to the broker's user, which reads them
    # at a reload, and a later `aquamon user add` as root must not take them away.
    path.parent.mkdir(parents=True, exist_ok=True)
    old = path.stat() if path.exists() else None
    fd, tmp = tempfile.mkstemp(dir=path.parent, prefix=f".{path.name}.")
    try:
        os.fchmod(fd, 0o600 if old is None else old.st_mode & 0o640)
        if old is not None and os.geteuid() == 0:
            os.fchown(fd, old.st_uid, old.st_gid)
        with os.fdopen(fd, "w") as f:
            f.write(text)
        os.replace(tmp, path)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise


class AccountStore:
    """The password file and ACL file of one broker, in one folder.

    >>> import tempfile
    >>> store = AccountStore(Path(tempfile.mkdtemp()))
    >>> pw = store.add(Account.for_device("tank1", "esp32-1"))
    >>> [a.username for a in store.accounts()], store.check("aquamon/tank1/esp32-1", pw)
    (['aquamon/tank1/esp32-1'], True)
    >>> store.remove("aquamon/tank1/esp32-1"); store.accounts()
    []
    """

    def __init__(self, directory: Path, anonymous_rules: list[tuple[str, str]] | None = None,
                 passwd_name: str = "passwd", acl_name: str = "acl") -> None:
        self.dir = Path(directory)
        self.passwd_path = self.dir / passwd_name
        self.acl_path = self.dir / acl_name
        self.anonymous_rules = anonymous_rules

    def _hashes(self) -> dict[str, str]:
        if not self.passwd_path.exists():
            return {}
        out = {}
        for n, line in enumerate(self.passwd_path.read_text().splitlines(), 1):
            if line.strip() and not line.startswith("#"):
                if ":" not in line:
                    raise AuthError(f"{self.passwd_path} line {n}: expected 'user:hash'")
                user, h = line.split(":", 1)
                out[user] = h
        return out

    def accounts(self) -> list[Account]:
        return parse_accounts(self.acl_path.read_text()) if self.acl_path.exists() else []

    def check(self, username: str, password: str) -> bool:
        h = self._hashes().get(username)
        return h is not None and verify_password(password, h)

    def add(self, account: Account, password: str | None = None) -> str:
        """Create ``account`` or replace its password and rights (key rotation); return the password."""
        return self.add_many([account], [password] if password else None)[account.username]

    def add_many(self, accounts: list[Account], passwords: list[str] | None = None) -> dict[str, str]:
        """:meth:`add` for several accounts in one write of each file; return {username: password}."""
        chosen = passwords or [new_password() for _ in accounts]
        if any(any(c in pw for c in "\n\r") for pw in chosen):
            raise AuthError("a password must be a single line")
        hashes = self._hashes()
        names = {a.username for a in accounts}
        for a, pw in zip(accounts, chosen):
            hashes[a.username] = hash_password(pw)
        self._save(hashes, [a for a in self.accounts() if a.username not in names] + list(accounts))
        return {a.username: pw for a, pw in zip(accounts, chosen)}

    def remove(self, username: str) -> None:
        """Delete an account (a stolen device): it can no longer connect once the broker reloads."""
        accounts = self.accounts()
        if username not in {a.username for a in accounts}:
            raise AuthError(f"no account {username!r} in {self.acl_path}")
        hashes = self._hashes()
        hashes.pop(username, None)
        self._save(hashes, [a for a in accounts if a.username != username])

    def _save(self, hashes: dict[str, str], accounts: list[Account]) -> None:
        _write_private(self.passwd_path, "".join(f"{u}:{h}\n" for u, h in sorted(hashes.items())))
        _write_private(self.acl_path, acl_text(accounts, self.anonymous_rules))


def configure_client(client: "mqtt.Client", mqtt_cfg: "MqttConfig") -> None:
    """Give a paho client this part's credentials and, with ``[mqtt] tls``, TLS.

    Raises :class:`AuthError` naming the option when a certificate file is missing,
    instead of an SSL error from deep inside the first connection attempt.
    """
    if mqtt_cfg.username:
        client.username_pw_set(mqtt_cfg.username, mqtt_cfg.password or None)
    ctx = tls_context(mqtt_cfg)
    if ctx is not None:
        client.tls_set_context(ctx)


class LoginRefused(ConnectionError):
    """The broker answered the login with a refusal (bad or missing credentials, or not authorised)."""


def connect_checked(client: "mqtt.Client", mqtt_cfg: "MqttConfig", role: str, timeout_s: float = 10.0) -> None:
    """Connect a configured paho client, start its loop and wait for the broker's answer to the login.

    A refused login raises :class:`LoginRefused` saying which account to set up
    (``role`` names the kind, e.g. ``operator``) instead of a silent timeout later;
    no answer at all raises :class:`TimeoutError`, an unreachable broker :class:`OSError`.
    The caller stops the loop (``loop_stop``) when done, also after an error.
    """
    import threading

    answered = threading.Event()
    refused: list[str] = []
    chained: Any = client.on_connect  # paho types it for one API version; a client has either

    def on_connect(c: "mqtt.Client", userdata: Any, flags: Any, reason: Any, props: Any) -> None:
        if getattr(reason, "is_failure", False):
            refused.append(str(reason))
        elif chained is not None:
            chained(c, userdata, flags, reason, props)
        answered.set()

    client.on_connect = on_connect
    where = f"{mqtt_cfg.host}:{mqtt_cfg.port}"
    try:
        client.connect(mqtt_cfg.host, mqtt_cfg.port, keepalive=mqtt_cfg.keepalive_s)
    except OSError as e:
        raise OSError(f"cannot reach the broker at {where}: {e}; is it running? Check [mqtt] host and port in the "
                      "configuration") from None
    client.loop_start()
    if not answered.wait(timeout_s):
        raise TimeoutError(f"the broker at {where} did not answer the login within {timeout_s:g} s")
    if refused:
        who = f"as {mqtt_cfg.username!r}" if mqtt_cfg.username else "without a username"
        raise LoginRefused(f"the broker at {where} refused the login {who} ({refused[0]}): set [mqtt] "
                           f"username and password to the account of a {role} (aquamon user add --role {role}, "
                           "see docs/security.md)")


def tls_context(mqtt_cfg: "MqttConfig") -> "ssl.SSLContext | None":
    """The TLS context ``[mqtt] tls, ca_file, certfile, keyfile`` ask for, or None without ``tls``.

    Used by :func:`configure_client` and by the gateway's own MQTT client.  Raises
    :class:`AuthError` naming the option when a certificate file is missing.
    """
    if not mqtt_cfg.tls:
        return None
    for key in ("ca_file", "certfile", "keyfile"):
        value = getattr(mqtt_cfg, key)
        if value and not Path(value).is_file():
            raise AuthError(f"[mqtt] {key}: {value} does not exist or is not a file")
    import ssl

    ctx = ssl.create_default_context(cafile=mqtt_cfg.ca_file or None)
    if mqtt_cfg.certfile:
        ctx.load_cert_chain(mqtt_cfg.certfile, mqtt_cfg.keyfile)
    return ctx
