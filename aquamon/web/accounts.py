"""The web app's logins: who may open the keeper's window, and whether they may press buttons.

Two roles, named as the broker's (:mod:`aquamon.auth`): ``viewer`` sees the
tanks; ``operator`` also sends commands (feed pause, pump mode, clear lockout,
acknowledge, silence, maintenance).  There is no default account and no default
password: ``aquamon web user add NAME --role operator`` creates one.

The accounts file has one line per login, ``name:role:hash``, where ``hash``
is ``scrypt$n$r$p$salt$digest`` (``hashlib.scrypt``, base64 salt and digest).
It is written atomically and readable by its owner only.

>>> import tempfile
>>> users = WebAccounts(Path(tempfile.mkdtemp()) / "web-users")
>>> users.add("ann", "operator", "correct horse battery")
>>> users.check("ann", "correct horse battery"), users.check("ann", "wrong"), users.check("bob", "x")
('operator', None, None)
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import os
import re
import secrets
import time
from collections import deque
from pathlib import Path

from aquamon.auth import AuthError, _write_private

WEB_ROLES = ("viewer", "operator")
MIN_PASSWORD_LENGTH = 10
# scrypt cost: 16 MiB of memory and ~50 ms a login on a Raspberry Pi 4 class machine
SCRYPT_N, SCRYPT_R, SCRYPT_P = 2 ** 14, 8, 1
_NAME = re.compile(r"^[A-Za-z0-9_.@-]{1,64}$")
# a hash to compare against when the name is unknown, so a wrong name costs as long as a wrong password
_DUMMY_SALT = b"aquamon-unknown-user"


def hash_password(password: str, salt: bytes | None = None) -> str:
    """``scrypt$n$r$p$salt$digest`` of ``password``.

    >>> verify_password("s3cret-enough", hash_password("s3cret-enough"))
    True
    """
    if not password:
        raise AuthError("an empty password is not allowed")
    salt = os.urandom(16) if salt is None else salt
    digest = hashlib.scrypt(password.encode(), salt=salt, n=SCRYPT_N, r=SCRYPT_R, p=SCRYPT_P, dklen=32)
    return (f"scrypt${SCRYPT_N}${SCRYPT_R}${SCRYPT_P}${base64.b64encode(salt).decode()}$"
            f"{base64.b64encode(digest).decode()}")


def verify_password(password: str, encoded: str) -> bool:
    """True when ``password`` matches ``encoded`` (as written by :func:`hash_password`)."""
    parts = encoded.split("$")
    if len(parts) != 6 or parts[0] != "scrypt":
        raise AuthError("not an aquamon scrypt password hash")
    n, r, p = (int(x) for x in parts[1:4])
    salt, want = base64.b64decode(parts[4]), base64.b64decode(parts[5])
    got = hashlib.scrypt(password.encode(), salt=salt, n=n, r=r, p=p, dklen=len(want), maxmem=256 * 1024 * 1024)
    return hmac.compare_digest(got, want)


class WebAccounts:
    """The accounts file of the web app (see the module docstring)."""

    def __init__(self, path: Path) -> None:
        self.path = Path(path)

    def _read(self) -> dict[str, tuple[str, str]]:
        try:
            text = self.path.read_text()
        except FileNotFoundError:
            return {}
        out = {}
        for n, line in enumerate(text.splitlines(), 1):
            if not line.strip() or line.startswith("#"):
                continue
            name, role, encoded = (line.split(":", 2) + ["", ""])[:3]
            if role not in WEB_ROLES or not encoded:
                raise AuthError(f"{self.path} line {n}: expected name:role:hash with role viewer or operator; "
                                "recreate the account with 'aquamon web user add'")
            out[name] = (role, encoded)
        return out

    def names(self) -> dict[str, str]:
        """name → role."""
        return {name: role for name, (role, _) in self._read().items()}

    def add(self, name: str, role: str, password: str) -> None:
        """Add or replace ``name`` (its password and role)."""
        if not _NAME.match(name):
            raise AuthError(f"login name {name!r}: 1 to 64 letters, digits and _ . @ -")
        if role not in WEB_ROLES:
            raise AuthError(f"role {role!r}: use viewer or operator")
        if len(password) < MIN_PASSWORD_LENGTH:
            raise AuthError(f"the password must have at least {MIN_PASSWORD_LENGTH} characters")
        users = self._read()
        users[name] = (role, hash_password(password))
        self._save(users)

    def remove(self, name: str) -> None:
        users = self._read()
        if name not in users:
            raise AuthError(f"no web account {name!r} in {self.path}")
        del users[name]
        self._save(users)

    def _save(self, users: dict[str, tuple[str, str]]) -> None:
        lines = ["# aquamon web accounts (aquamon web user add): name:role:scrypt hash"]
        lines += [f"{name}:{role}:{encoded}" for name, (role, encoded) in sorted(users.items())]
        _write_private(self.path, "\n".join(lines) + "\n")

    def check(self, name: str, password: str) -> str | None:
        """The role of ``name`` when ``password`` is right, else None."""
        found = self._read().get(name)
        if found is None:
            verify_password(password, hash_password("x", _DUMMY_SALT))  # same cost as a wrong password
            return None
        role, encoded = found
        return role if verify_password(password, encoded) else None


class LoginThrottle:
    """At most ``limit`` failed logins per ``window_s`` for one address and for one name.

    Counting per name too stops a guesser who changes address; counting per
    address stops one who tries many names.  A browser that logged in as the
    name before (``known``: it shows the signed cookie that login left) is
    counted apart from the name's other tries, so a stranger's wrong guesses
    cannot lock the keeper out of their own phone (OWASP's device cookies).

    >>> t = LoginThrottle(limit=2, window_s=60)
    >>> t.failed("1.2.3.4", "ann", now=0); t.failed("1.2.3.4", "ann", now=1)
    >>> t.retry_after("1.2.3.4", "bob", now=2), t.retry_after("5.6.7.8", "ann", now=2)
    (58, 58)
    >>> t.retry_after("5.6.7.8", "bob", now=2), t.retry_after("1.2.3.4", "ann", now=61)
    (0, 0)
    >>> t.retry_after("5.6.7.8", "ann", now=2, known=True)  # the keeper's phone, elsewhere
    0
    """

    def __init__(self, limit: int = 5, window_s: float = 300.0) -> None:
        self.limit = limit
        self.window_s = window_s
        self._fails: dict[str, deque[float]] = {}
        self.refused = 0

    def _recent(self, who: str, now: float) -> deque[float]:
        q = self._fails.setdefault(who, deque())
        while q and now - q[0] >= self.window_s:
            q.popleft()
        if not q:
            del self._fails[who]
        return q

    @staticmethod
    def _buckets(address: str, name: str, known: bool) -> tuple[str, str]:
        return f"ip:{address}", f"known:{name}" if known else f"name:{name}"

    def retry_after(self, address: str, name: str, now: float | None = None, known: bool = False) -> int:
        """Seconds to wait before another try is heard; 0 when one may try now."""
        now = time.monotonic() if now is None else now
        wait = 0.0
        for who in self._buckets(address, name, known):
            q = self._recent(who, now)
            if len(q) >= self.limit:
                wait = max(wait, self.window_s - (now - q[0]))
        return int(wait + 0.999)

    def failed(self, address: str, name: str, now: float | None = None, known: bool = False) -> None:
        now = time.monotonic() if now is None else now
        for who in self._buckets(address, name, known):
            self._fails.setdefault(who, deque()).append(now)
        if len(self._fails) > 100_000:  # a flood of names: forget the oldest rather than grow without bound
            for who in list(self._fails)[:50_000]:
                del self._fails[who]


def new_csrf_token() -> str:
    return secrets.token_urlsafe(24)
