"""Thin InfluxDB clients: write line protocol, read with InfluxQL.

Writes go to InfluxDB 1.x through the v1 ``/write`` endpoint (Debian ships 1.6),
or to 2.x/3.x through ``influxdb-client``'s write API.  Reads use InfluxQL on
``/query``, which 1.x, 2.x (DBRP mapping) and 3.x all answer.

Every write reply is sorted into a typed outcome so callers decide by type,
never by matching strings (Telegraf's ``APIError{Retryable}`` idea):
2xx accepted, 413 too large (split), 429/5xx/connection errors retryable,
other 4xx rejected (the batch holds bad lines).
"""

from __future__ import annotations

import email.utils
import json
import time
import urllib.error
import urllib.parse
import urllib.request
from dataclasses import dataclass
from typing import Any, Sequence


class WriteError(Exception):
    """Base of write failures; ``status`` is the HTTP status or 0 for no reply."""

    retryable = False

    def __init__(self, message: str, status: int = 0, retry_after: float | None = None) -> None:
        super().__init__(message)
        self.status = status
        self.retry_after = retry_after


class RetryableWriteError(WriteError):
    """Server busy, down, throttling or unreachable: keep the data and try again later."""

    retryable = True


class TooLargeError(WriteError):
    """413: the body was over the server's limit; split the batch and resend."""


class RejectedWriteError(WriteError):
    """4xx: the server refused the content (bad lines, field-type conflict, unknown database)."""


class QueryError(RuntimeError):
    """An InfluxQL query failed; the message carries the server's words."""


def parse_retry_after(value: str | None, now: float | None = None) -> float | None:
    """Seconds to wait from a ``Retry-After`` header: delta-seconds or an HTTP date.

    >>> parse_retry_after("7")
    7.0
    >>> parse_retry_after("Wed, 21 Oct 2015 07:28:10 GMT", now=1445412480.0)
    10.0
    >>> parse_retry_after("soon") is None
    True
    """
    if not value:
        return None
    try:
        return max(0.0, float(value))
    except ValueError:
        pass
    try:
        when = email.utils.parsedate_to_datetime(value)
    except (TypeError, ValueError, IndexError):
        return None
    if when is None:
        return None
    return max(0.0, when.timestamp() - (time.time() if now is None else now))


def _retry_after(headers: Any) -> float | None:
    value = headers.get("Retry-After") if headers is not None else None
    return parse_retry_after(value)


def classify_status(status: int, body: str, retry_after: float | None) -> WriteError | None:
    """Map a write reply to None (accepted) or the typed error that says what to do.

    >>> classify_status(204, "", None) is None
    True
    >>> type(classify_status(413, "too large", None)).__name__
    'TooLargeError'
    >>> classify_status(503, "", 2.0).retryable
    True
    >>> type(classify_status(400, "partial write", None)).__name__
    'RejectedWriteError'
    >>> classify_status(404, "database not found", None).retryable
    True
    """
    if 200 <= status < 300:
        return None
    msg = f"HTTP {status}: {body.strip()[:500]}"
    if status == 413:
        return TooLargeError(msg, status)
    if status == 429 or status >= 500 or status in (408,):
        return RetryableWriteError(msg, status, retry_after)
    if status == 404:
        # The database (1.x) or bucket (2.x) does not exist: the data is fine, keep
        # it; the gateway tries to create a 1.x database, a bucket needs an operator.
        return RetryableWriteError(msg + " (create the database/bucket or fix [influxdb] database/bucket)",
                                   status, retry_after)
    if status in (401, 403):
        # Credentials are wrong: the data is fine, keep it (spool) until an operator fixes them.
        return RetryableWriteError(msg + " (check the InfluxDB credentials in the config)", status, retry_after)
    return RejectedWriteError(msg, status)


#: what a keeper checks when InfluxDB does not answer (a report, a rerun of init)
UNREACHABLE_HINT = "; is it running? Check [influxdb] url in the configuration (--config)"


def run_influxql(req: urllib.request.Request, q: str, url: str, timeout: float) -> list[dict[str, Any]]:
    """Send an InfluxQL request; return its series, or raise :class:`QueryError` with the server's words."""
    try:
        with urllib.request.urlopen(req, timeout=timeout) as r:
            doc = json.loads(r.read())
    except urllib.error.HTTPError as e:
        hint = ("; InfluxDB asks for an account: set [influxdb] username and password, or AQUAMON_INFLUXDB_USERNAME "
                "and AQUAMON_INFLUXDB_PASSWORD (on a site aquamon init set up: set -a; . /etc/aquamon/influxdb.env)"
                if e.code in (401, 403) else "")
        raise QueryError(f"InfluxDB query failed (HTTP {e.code}): {e.read().decode(errors='replace')[:300]}{hint}") \
            from e
    except (urllib.error.URLError, OSError) as e:
        raise QueryError(f"InfluxDB at {url} is not reachable: {e}{UNREACHABLE_HINT}") from e
    series: list[dict[str, Any]] = []
    for result in doc.get("results", []):
        if "error" in result:
            raise QueryError(f"InfluxQL error: {result['error']} (query: {q})")
        series.extend(result.get("series", []))
    return series


@dataclass
class InfluxV1:
    """InfluxDB 1.x over HTTP: ``/write`` (line protocol, ms precision) and ``/query``."""

    url: str
    database: str
    username: str = ""
    password: str = ""
    timeout: float = 10.0

    def _params(self, **extra: str) -> str:
        p = {"db": self.database, **extra}
        if self.username:
            p["u"] = self.username
            p["p"] = self.password
        return urllib.parse.urlencode(p)

    def write_lines(self, lines: Sequence[str]) -> None:
        """Write lines; raise a :class:`WriteError` subclass on anything but 2xx."""
        body = ("\n".join(lines) + "\n").encode()
        req = urllib.request.Request(f"{self.url}/write?{self._params(precision='ms')}", data=body, method="POST")
        req.add_header("Content-Type", "text/plain; charset=utf-8")
        try:
            with urllib.request.urlopen(req, timeout=self.timeout) as r:
                status, text, headers = r.status, r.read().decode(errors="replace"), r.headers
        except urllib.error.HTTPError as e:
            status, text, headers = e.code, e.read().decode(errors="replace"), e.headers
        except (urllib.error.URLError, OSError, TimeoutError) as e:
            # No reply (refused, reset, timed out): a timed-out write may still have
            # landed, which is harmless because points carry client timestamps.
            raise RetryableWriteError(f"no reply from InfluxDB at {self.url}: {e}") from e
        err = classify_status(status, text, _retry_after(headers))
        if err is not None:
            raise err

    def query(self, q: str, epoch: str = "ms") -> list[dict[str, Any]]:
        """Run InfluxQL; return the list of series dicts (name, tags, columns, values)."""
        method = "POST" if q.lstrip().upper().startswith(("CREATE", "DROP", "ALTER", "DELETE")) else "GET"
        url = f"{self.url}/query?{self._params(q=q, epoch=epoch)}"
        req = urllib.request.Request(url, method=method, data=b"" if method == "POST" else None)
        return run_influxql(req, q, self.url, self.timeout)

    def create_database(self) -> None:
        self.query(f'CREATE DATABASE "{self.database}"')

    def ping(self) -> bool:
        try:
            with urllib.request.urlopen(f"{self.url}/ping", timeout=2) as r:
                return r.status == 204
        except (urllib.error.URLError, OSError):
            return False


@dataclass
class InfluxV2:
    """InfluxDB 2.x/3.x: writes through ``influxdb-client``'s v2 write API, reads through InfluxQL.

    The client is created lazily (importing it costs ~0.3 s).  Replies are sorted
    into the same typed errors as :class:`InfluxV1`, so the gateway does not care
    which server it writes to.  ``query`` uses the v1-compatible ``/query``
    endpoint with the token (2.x maps the bucket through DBRP, 3.x answers it
    natively).  ``create_database`` only checks that the bucket answers: buckets
    are created by an operator, with a retention policy, not by the gateway.
    """

    url: str
    bucket: str
    org: str = ""
    token: str = ""
    timeout: float = 10.0

    def __post_init__(self) -> None:
        self._client: Any = None
        self._write_api: Any = None

    @property
    def database(self) -> str:
        return self.bucket

    def _api(self) -> Any:
        if self._write_api is None:
            from influxdb_client import InfluxDBClient
            from influxdb_client.client.write_api import SYNCHRONOUS

            # retries=False: the gateway owns retrying (spool, backoff, Retry-After).
            self._client = InfluxDBClient(url=self.url, token=self.token, org=self.org or "-",
                                          timeout=int(self.timeout * 1000), retries=False)
            self._write_api = self._client.write_api(write_options=SYNCHRONOUS)
        return self._write_api

    def write_lines(self, lines: Sequence[str]) -> None:
        """Write lines (ms precision); raise a :class:`WriteError` subclass on anything but 2xx."""
        from influxdb_client.domain.write_precision import WritePrecision
        from influxdb_client.rest import ApiException
        from urllib3.exceptions import HTTPError as Urllib3Error

        body = ("\n".join(lines)).encode()
        try:
            self._api().write(bucket=self.bucket, org=self.org or None, record=body,
                              write_precision=WritePrecision.MS)
        except ApiException as e:
            text = e.body.decode(errors="replace") if isinstance(e.body, bytes) else str(e.body or e.reason)
            err = classify_status(int(e.status or 0), text, _retry_after(e.headers))
            if err is not None:
                raise err from None
        except (Urllib3Error, OSError, TimeoutError) as e:
            raise RetryableWriteError(f"no reply from InfluxDB at {self.url}: {e}") from e

    def query(self, q: str, epoch: str = "ms") -> list[dict[str, Any]]:
        """InfluxQL through the v1-compatible ``/query`` endpoint, authorised by the token."""
        params = urllib.parse.urlencode({"db": self.bucket, "q": q, "epoch": epoch})
        req = urllib.request.Request(f"{self.url}/query?{params}")
        req.add_header("Authorization", f"Token {self.token}")
        return run_influxql(req, q, self.url, self.timeout)

    def create_database(self) -> None:
        if not self.ping():
            raise QueryError(f"InfluxDB at {self.url} is not reachable{UNREACHABLE_HINT}")

    def ping(self) -> bool:
        try:
            with urllib.request.urlopen(f"{self.url}/ping", timeout=2) as r:
                return 200 <= r.status < 300
        except (urllib.error.URLError, OSError):
            return False

    def close(self) -> None:
        if self._client is not None:
            self._client.close()
            self._client = self._write_api = None


def connect(cfg: Any) -> "InfluxV1 | InfluxV2":
    """The client for ``[influxdb]``: :class:`InfluxV1` for ``version = 1``, else :class:`InfluxV2`.

    >>> from aquamon.config import InfluxConfig
    >>> type(connect(InfluxConfig())).__name__
    'InfluxV1'
    >>> type(connect(InfluxConfig(version=2, org="o", bucket="b", token="t"))).__name__
    'InfluxV2'
    """
    if cfg.version == 1:
        return InfluxV1(cfg.url, cfg.database, cfg.username, cfg.password, cfg.timeout_s)
    return InfluxV2(cfg.url, cfg.bucket, cfg.org, cfg.token, cfg.timeout_s)
