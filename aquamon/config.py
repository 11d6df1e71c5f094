"""Configuration: one TOML file, validated before any I/O.

The reference for every option is ``aquamon.example.toml`` (Telegraf style:
each option commented, with its default).  This module holds the schema the
file is checked against: a wrong section, key, type or value stops start-up
with a :class:`ConfigError` whose message names the key and what is allowed.

>>> cfg = load_config_text('[mqtt]\\nport = 1884\\n')
>>> cfg.mqtt.port, cfg.mqtt.topic_prefix
(1884, 'aquamon')
>>> load_config_text('[mqtt]\\nprot = 1')
Traceback (most recent call last):
...
aquamon.config.ConfigError: [mqtt] prot: unknown key; allowed keys: ca_file, certfile, client_id, host, keepalive_s, keyfile, password, port, qos, tls, topic_prefix, username
"""

from __future__ import annotations

import math
import os
import re
import sys
from contextlib import contextmanager
from contextvars import ContextVar
from dataclasses import dataclass, field, fields, is_dataclass
from pathlib import Path
from typing import Any, Callable, Iterator, Sequence, get_type_hints

from aquamon.ids import RULE as ID_RULE
from aquamon.ids import is_id

if sys.version_info >= (3, 11):
    import tomllib
else:  # pragma: no cover
    import tomli as tomllib


class ConfigError(ValueError):
    """A configuration value is wrong; the message names the key and what is allowed.

    ``problems`` lists every problem found (the message joins them): a file is
    checked as a whole, so a keeper fixes all of its mistakes in one go.
    """

    def __init__(self, message: str, problems: list[str] | None = None) -> None:
        super().__init__(message)
        self.problems = list(problems) if problems else [message]


# Environment variables override the file: AQUAMON_<SECTION>_<KEY>, e.g. AQUAMON_MQTT_PASSWORD.
ENV_PREFIX = "AQUAMON_"
# A signed-command key: random bytes, written as hex; 32 bytes (256 bits) is HMAC-SHA256's own key size.
COMMAND_KEY_MIN_HEX = 64
# Where a section's check() reports a problem without stopping (set while a whole config is checked).
_problem_sink: ContextVar[list[str] | None] = ContextVar("aquamon_config_problems", default=None)


_TOPIC_PART = re.compile(r"^[A-Za-z0-9_.-]+$")


@dataclass
class MqttConfig:
    host: str = "127.0.0.1"
    port: int = 1883
    username: str = ""
    password: str = ""
    topic_prefix: str = "aquamon"
    client_id: str = ""
    keepalive_s: int = 30
    qos: int = 1
    tls: bool = False
    ca_file: str = ""
    certfile: str = ""
    keyfile: str = ""

    def check(self) -> None:
        _range("mqtt", "port", self.port, 1, 65535)
        if (self.ca_file or self.certfile or self.keyfile) and not self.tls:
            raise ConfigError("[mqtt] ca_file/certfile/keyfile: set tls = true to use them "
                              "(without it the connection is plain MQTT)")
        if bool(self.certfile) != bool(self.keyfile):
            raise ConfigError("[mqtt] certfile, keyfile: give both (a client certificate and its key) or neither")
        _range("mqtt", "keepalive_s", self.keepalive_s, 5, 3600)
        _choice("mqtt", "qos", self.qos, (1,))
        for part in self.topic_prefix.split("/"):
            if not _TOPIC_PART.match(part):
                raise ConfigError(f"[mqtt] topic_prefix: {self.topic_prefix!r} must be words of letters, digits, "
                                  "'_', '.', '-' separated by '/', with no MQTT wildcards")


@dataclass
class InfluxConfig:
    version: int = 1
    url: str = "http://127.0.0.1:8086"
    database: str = "aquamon"
    username: str = ""
    password: str = ""
    org: str = ""
    bucket: str = ""
    token: str = ""
    timeout_s: float = 10.0

    def check(self) -> None:
        _choice("influxdb", "version", self.version, (1, 2, 3))
        if not re.match(r"^https?://[^/\s]+", self.url):
            raise ConfigError(f"[influxdb] url: {self.url!r} must be an http:// or https:// URL")
        _range("influxdb", "timeout_s", self.timeout_s, 0.5, 300)
        if self.version == 1 and not self.database:
            raise ConfigError("[influxdb] database: required for InfluxDB 1.x (version = 1)")
        if self.version in (2, 3):
            for key in ("org", "bucket", "token"):
                if not getattr(self, key) and not (self.version == 3 and key == "org"):
                    raise ConfigError(f"[influxdb] {key}: required for InfluxDB {self.version}.x "
                                      f"(or set version = 1 for the v1 /write endpoint)")


@dataclass
class SpoolConfig:
    dir: str = "/var/lib/aquamon/spool"
    max_bytes: int = 256 * 1024 * 1024
    full_policy: str = "block"

    def check(self) -> None:
        _range("spool", "max_bytes", self.max_bytes, 1024 * 1024, 1 << 40)
        _choice("spool", "full_policy", self.full_policy, ("block", "drop_oldest"))


@dataclass
class GatewayConfig:
    batch_size: int = 10000
    flush_interval_s: float = 0.5
    stats_interval_s: float = 10.0
    max_payload_bytes: int = 16384
    max_future_s: float = 300.0
    max_age_days: float = 30.0
    instance: str = ""
    shared_subscription: bool = False
    share_group: str = "aquamon"
    session_expiry_s: int = 7 * 86400
    retry_max_s: float = 30.0
    retry_after_max_s: float = 300.0
    reject_log_interval_s: float = 60.0
    metrics_host: str = "127.0.0.1"
    metrics_port: int = 0
    receive_maximum: int = 0
    write_concurrency: int = 2

    def check(self) -> None:
        if not _TOPIC_PART.match(self.share_group):
            raise ConfigError(f"[gateway] share_group: {self.share_group!r} must be letters, digits, '_', '.', '-'")
        _range("gateway", "session_expiry_s", self.session_expiry_s, 60, 0xFFFFFFFE)
        _range("gateway", "retry_max_s", self.retry_max_s, 0.1, 3600)
        _range("gateway", "retry_after_max_s", self.retry_after_max_s, 0, 86400)
        _range("gateway", "reject_log_interval_s", self.reject_log_interval_s, 0, 86400)
        _range("gateway", "metrics_port", self.metrics_port, 0, 65535)
        _range("gateway", "batch_size", self.batch_size, 1, 100000)
        _range("gateway", "receive_maximum", self.receive_maximum, 0, 65535)
        _range("gateway", "write_concurrency", self.write_concurrency, 1, 16)
        _range("gateway", "flush_interval_s", self.flush_interval_s, 0.01, 60)
        _range("gateway", "stats_interval_s", self.stats_interval_s, 0.1, 3600)
        _range("gateway", "max_payload_bytes", self.max_payload_bytes, 256, 1 << 20)
        _range("gateway", "max_future_s", self.max_future_s, 0, 86400)
        _range("gateway", "max_age_days", self.max_age_days, 0.01, 3650)


@dataclass
class AnalyticsConfig:
    interval_s: float = 60.0
    step_minutes: int = 1
    window_minutes: int = 60
    reference_hours: float = 72.0
    warmup_hours: float = 48.0
    harmonics: int = 2
    false_alarms_per_30_days: float = 1.0
    # the quality watch's stated false alarms a day (a plant's or a lab's channels; aquamon evaluate's
    # --false-alarms-per-day): one figure for the service and evaluate (analytics.settings.settings_from)
    quality_false_alarms_per_day: float = 0.5
    temp_rise_c_per_h: float = 2.0
    temp_fall_c_per_h: float = 2.0
    rate_window_minutes: int = 10
    tanks: list[str] = field(default_factory=list)
    poll_s: float = 5.0
    # sharding (issue 9): this instance scores the tanks with shard_of(tank, instance_count) == instance_index
    instance_index: int = 0
    instance_count: int = 1
    # Prometheus /metrics and /healthz (analytics/metrics.py); port 0 = off
    metrics_host: str = "127.0.0.1"
    metrics_port: int = 0
    # notifications decided after each evaluated minute, as if live (aquamon replay); off, a service
    # catching up after an outage folds what ended meanwhile into one message instead of paging it
    notify_each_step: bool = False
    # saved analytics states (one point per tank per day) older than this are deleted; 0 = keep all
    state_keep_days: float = 14.0

    def check(self) -> None:
        _range("analytics", "interval_s", self.interval_s, 0.01, 86400)
        _range("analytics", "step_minutes", self.step_minutes, 1, 1440)
        _range("analytics", "window_minutes", self.window_minutes, 10, 24 * 60)
        _range("analytics", "reference_hours", self.reference_hours, 6, 24 * 90)
        _range("analytics", "warmup_hours", self.warmup_hours, 1, 24 * 30)
        _range("analytics", "harmonics", self.harmonics, 0, 6)
        _range("analytics", "false_alarms_per_30_days", self.false_alarms_per_30_days, 1e-3, 1000)
        _range("analytics", "quality_false_alarms_per_day", self.quality_false_alarms_per_day, 1e-4, 100_000)
        _range("analytics", "temp_rise_c_per_h", self.temp_rise_c_per_h, 0.1, 50)
        _range("analytics", "temp_fall_c_per_h", self.temp_fall_c_per_h, 0.1, 50)
        _range("analytics", "rate_window_minutes", self.rate_window_minutes, 5, 240)
        _range("analytics", "state_keep_days", self.state_keep_days, 0, 3650)
        _range("analytics", "poll_s", self.poll_s, 0.01, 3600)
        _range("analytics", "instance_count", self.instance_count, 1, 4096)
        _range("analytics", "metrics_port", self.metrics_port, 0, 65535)
        if not 0 <= self.instance_index < self.instance_count:
            raise ConfigError(f"[analytics] instance_index: {self.instance_index} must be from 0 to instance_count - 1 "
                              f"({self.instance_count - 1}); give each analytics instance its own index")
        if self.warmup_hours > self.reference_hours:
            raise ConfigError("[analytics] warmup_hours: must not exceed reference_hours "
                              f"({self.warmup_hours} > {self.reference_hours})")
        for t in self.tanks:
            if not is_id(t):
                raise ConfigError(f"[analytics] tanks: {t!r} is not a valid tank id ({ID_RULE})")


@dataclass
class HomeAssistantConfig:
    enabled: bool = False
    discovery_prefix: str = "homeassistant"
    expire_after_s: int = 0

    def check(self) -> None:
        for part in self.discovery_prefix.split("/"):
            if not _TOPIC_PART.match(part):
                raise ConfigError(f"[homeassistant] discovery_prefix: {self.discovery_prefix!r} must be words of "
                                  "letters, digits, '_', '.', '-' separated by '/' (Home Assistant's default is "
                                  "'homeassistant')")
        _range("homeassistant", "expire_after_s", self.expire_after_s, 0, 86400)


@dataclass
class AlertsConfig:
    profile: str = "tropical"
    limits: list[str] = field(default_factory=list)
    quiet_hours: str = "22:00-07:00"
    time_zone: str = ""
    utc_offset_minutes: int = 0
    renotify_minutes: int = 60
    no_data_minutes: int = 10
    accept_after_hours: float = 24.0
    due_days: float = 2.0
    command_key: str = ""
    # per tank or group of tanks by pattern: {"cold-*": {"profile": "coldwater", "limits": [...]}}
    tanks: dict[str, Any] = field(default_factory=dict)

    def limit_overrides(self, limits: list[str] | None = None) -> dict[str, float]:
        out = {}
        for item in self.limits if limits is None else limits:
            name, sep, value = item.partition("=")
            try:
                out[name.strip()] = float(value)
            except ValueError:
                raise ConfigError(f"[alerts] limits: {item!r} must look like \"tds_ppm_high = 350\"") from None
            if not sep:
                raise ConfigError(f"[alerts] limits: {item!r} must look like \"tds_ppm_high = 350\"")
            if not math.isfinite(out[name.strip()]):  # a NaN limit would never fire (every comparison false)
                raise ConfigError(f"[alerts] limits: {item!r} must be a finite number, like \"tds_ppm_high = 350\"")
        return out

    def check(self) -> None:
        # profiles, quiet hours, time zones and the per-tank tables are the analytics' words:
        # analytics.config_check checks them (the base imports nothing above it)
        self.limit_overrides()
        _range("alerts", "utc_offset_minutes", self.utc_offset_minutes, -14 * 60, 14 * 60)
        if self.utc_offset_minutes and self.time_zone:
            raise ConfigError("[alerts] utc_offset_minutes: set time_zone or utc_offset_minutes, not both "
                              "(utc_offset_minutes is deprecated: keep time_zone)")
        _range("alerts", "renotify_minutes", self.renotify_minutes, 0, 7 * 1440)
        _range("alerts", "no_data_minutes", self.no_data_minutes, 1, 1440)
        _range("alerts", "accept_after_hours", self.accept_after_hours, 1, 24 * 30)
        _range("alerts", "due_days", self.due_days, 0, 60)
        _check_command_key(self.command_key)


@dataclass
class NotifyConfig:
    critical: list[str] = field(default_factory=list)
    warning: list[str] = field(default_factory=list)
    info: list[str] = field(default_factory=list)
    critical_per_incident: int = 1
    reminders_per_incident: int = 2
    all_clear: str = "quiet"
    summary_time: str = ""
    # per tank or group of tanks by pattern: {"turtle-*": {"critical": [...], "warning": [...]}}
    tanks: dict[str, Any] = field(default_factory=dict)

    def check(self) -> None:
        # the URLs, routes and notification policy are checked by analytics.config_check
        _range("notify", "critical_per_incident", self.critical_per_incident, 1, 100)
        _range("notify", "reminders_per_incident", self.reminders_per_incident, 0, 100)


@dataclass
class WebConfig:
    bind: str = "127.0.0.1"
    port: int = 8080
    accounts_file: str = "/etc/aquamon/web-users"
    session_secret: str = ""
    secure_cookies: bool = True
    session_hours: float = 12.0
    device_keys_dir: str = ""
    login_attempts: int = 5
    login_window_s: float = 300.0
    trusted_proxies: str = "127.0.0.1"

    def check(self) -> None:
        _range("web", "port", self.port, 1, 65535)
        _range("web", "session_hours", self.session_hours, 0.1, 24 * 90)
        _range("web", "login_attempts", self.login_attempts, 1, 1000)
        _range("web", "login_window_s", self.login_window_s, 1, 86400)
        if self.session_secret and len(self.session_secret) < 32:
            raise ConfigError("[web] session_secret: at least 32 characters (e.g. the output of "
                              "'python3 -c \"import secrets; print(secrets.token_urlsafe(32))\"')")


@dataclass
class Config:
    mqtt: MqttConfig = field(default_factory=MqttConfig)
    influxdb: InfluxConfig = field(default_factory=InfluxConfig)
    spool: SpoolConfig = field(default_factory=SpoolConfig)
    gateway: GatewayConfig = field(default_factory=GatewayConfig)
    analytics: AnalyticsConfig = field(default_factory=AnalyticsConfig)
    homeassistant: HomeAssistantConfig = field(default_factory=HomeAssistantConfig)
    alerts: AlertsConfig = field(default_factory=AlertsConfig)
    notify: NotifyConfig = field(default_factory=NotifyConfig)
    web: WebConfig = field(default_factory=WebConfig)

    def check(self) -> None:
        """Check every section; raise one :class:`ConfigError` listing every problem found."""
        problems = _Problems()
        for f in fields(self):
            with problems.collecting():
                getattr(self, f.name).check()
        problems.raise_if_any()


class _Problems:
    """Collects configuration problems so that all of them are reported at once."""

    def __init__(self) -> None:
        self.items: list[str] = []

    @contextmanager
    def collecting(self) -> Iterator[None]:
        # _range/_choice report into the sink and go on; any other ConfigError ends the block
        token = _problem_sink.set(self.items)
        try:
            yield
        except ConfigError as e:
            self.items.extend(p for p in e.problems if p not in self.items)
        finally:
            _problem_sink.reset(token)

    def raise_if_any(self, where: str = "") -> None:
        if not self.items:
            return
        if len(self.items) == 1:
            raise ConfigError(f"{where}{self.items[0]}", [f"{where}{self.items[0]}"])
        raise ConfigError(f"{where}{len(self.items)} problems:\n  " + "\n  ".join(self.items), self.items)


def _report(message: str) -> None:
    sink = _problem_sink.get()
    if sink is None:
        raise ConfigError(message)
    if message not in sink:
        sink.append(message)


def _range(section: str, key: str, value: float, lo: float, hi: float) -> None:
    if isinstance(value, float) and not math.isfinite(value):
        _report(f"[{section}] {key}: {value} is not a finite number")
    elif not lo <= value <= hi:
        _report(f"[{section}] {key}: {value} is out of range; allowed {lo} to {hi}")


def _choice(section: str, key: str, value: object, allowed: tuple[object, ...]) -> None:
    if value not in allowed:
        _report(f"[{section}] {key}: {value!r} is not allowed; use one of {', '.join(map(str, allowed))}")


def _check_command_key(key: str) -> None:
    """Refuse a guessable signed-command key (empty is allowed: remote commands are then off).

    >>> _check_command_key("short")
    Traceback (most recent call last):
    ...
    aquamon.config.ConfigError: [alerts] command_key: too weak; use at least 64 hex characters (32 random bytes), e.g. the output of: python3 -c "import secrets; print(secrets.token_hex(32))"
    """
    key = key.strip()
    if not key:
        return
    if len(key) < COMMAND_KEY_MIN_HEX or len(key) % 2 or not re.fullmatch(r"[0-9A-Fa-f]+", key):
        _report(f"[alerts] command_key: too weak; use at least {COMMAND_KEY_MIN_HEX} hex characters "
                f"({COMMAND_KEY_MIN_HEX // 2} random bytes), e.g. the output of: "
                'python3 -c "import secrets; print(secrets.token_hex(32))"')


def _coerce(section: str, key: str, value: Any, typ: Any) -> Any:
    origin = getattr(typ, "__origin__", None)
    if origin is dict:  # per-tank tables ([alerts.tanks."pattern"]): checked by the section's check()
        if not isinstance(value, dict):
            raise ConfigError(f"[{section}] {key}: must be a table, got {value!r}")
        return dict(value)
    if origin is list:
        if not isinstance(value, list) or not all(isinstance(v, str) for v in value):
            raise ConfigError(f"[{section}] {key}: must be a list of strings, got {value!r}")
        return list(value)
    if typ is bool:
        if not isinstance(value, bool):
            raise ConfigError(f"[{section}] {key}: must be true or false, got {value!r}")
        return value
    if typ is int:
        if isinstance(value, bool) or not isinstance(value, int):
            raise ConfigError(f"[{section}] {key}: must be a whole number, got {value!r}")
        return value
    if typ is float:
        if isinstance(value, bool) or not isinstance(value, (int, float)):
            raise ConfigError(f"[{section}] {key}: must be a number, got {value!r}")
        return float(value)
    if typ is str:
        if not isinstance(value, str):
            raise ConfigError(f"[{section}] {key}: must be a string, got {value!r}")
        return value
    raise ConfigError(f"[{section}] {key}: unsupported type")  # pragma: no cover


def _build(section_cls: type, section: str, raw: Any, problems: _Problems) -> Any:
    if not isinstance(raw, dict):
        raise ConfigError(f"[{section}] must be a table of keys, got {raw!r}")
    hints = get_type_hints(section_cls)
    allowed = sorted(f.name for f in fields(section_cls))
    kwargs = {}
    for key, value in raw.items():
        with problems.collecting():
            if key not in allowed:
                raise ConfigError(f"[{section}] {key}: unknown key; allowed keys: {', '.join(allowed)}")
            kwargs[key] = _coerce(section, key, value, hints[key])
    return section_cls(**kwargs)


SectionCheck = Callable[["Config"], None]


def config_from_dict(raw: dict[str, Any], environ: dict[str, str] | None = None,
                     checks: Sequence[SectionCheck] = ()) -> Config:
    """Build and check a :class:`Config` from a parsed TOML document and the environment.

    Every problem is collected before raising: the :class:`ConfigError` lists them all.
    ``environ`` defaults to ``os.environ``; see :func:`environment_overrides`.  ``checks``
    are the parts' own checks of their sections (e.g. ``analytics.config_check.CHECKS``):
    the base knows the schema, each part what its values mean.
    """
    hints = get_type_hints(Config)
    problems = _Problems()
    sections = {}
    for name, value in raw.items():
        with problems.collecting():
            if name not in hints:
                raise ConfigError(f"[{name}]: unknown section; allowed sections: {', '.join(sorted(hints))}")
            sections[name] = _build(hints[name], name, value, problems)
    cfg = Config(**sections)
    with problems.collecting():
        _apply_environment(cfg, os.environ if environ is None else environ, problems)
    with problems.collecting():
        cfg.check()
    for check in checks:
        with problems.collecting():
            check(cfg)
    problems.raise_if_any()
    return cfg


def check_sections(cfg: Config, checks: Sequence[SectionCheck]) -> None:
    """Run parts' own ``checks`` on a built config; raise one :class:`ConfigError` listing every problem."""
    problems = _Problems()
    for check in checks:
        with problems.collecting():
            check(cfg)
    problems.raise_if_any()


def env_name(section: str, key: str) -> str:
    """The environment variable that overrides ``[section] key``.

    >>> env_name("mqtt", "password")
    'AQUAMON_MQTT_PASSWORD'
    """
    return f"{ENV_PREFIX}{section}_{key}".upper()


def environment_overrides(environ: dict[str, str] | None = None) -> dict[str, str]:
    """``{variable: "[section] key"}`` for every set (non-empty) variable that overrides the file."""
    env = os.environ if environ is None else environ
    out = {}
    for sf in fields(Config):
        for kf in fields(get_type_hints(Config)[sf.name]):
            name = env_name(sf.name, kf.name)
            if env.get(name):
                out[name] = f"[{sf.name}] {kf.name}"
    return out


def _apply_environment(cfg: Config, environ: Any, problems: _Problems) -> None:
    # The usual precedence: a variable that is set and not empty wins over the file (secrets need not
    # sit in a file; a container changes one option without its own file).  Strings are taken as they
    # are; numbers and booleans as TOML values; lists as a TOML array or words separated by spaces.
    for sf in fields(cfg):
        section = getattr(cfg, sf.name)
        hints = get_type_hints(type(section))
        for kf in fields(section):
            name = env_name(sf.name, kf.name)
            text = environ.get(name, "")
            if not text:
                continue
            try:
                setattr(section, kf.name, _coerce(sf.name, kf.name, _env_value(name, text, hints[kf.name]),
                                                  hints[kf.name]))
            except ConfigError as e:
                problems.items.append(f"environment {name}: {e}")


def _env_value(name: str, text: str, typ: Any) -> Any:
    if typ is str:
        return text
    if getattr(typ, "__origin__", None) is list and not text.lstrip().startswith("["):
        return text.split()
    try:
        return tomllib.loads(f"v = {text}")["v"]
    except tomllib.TOMLDecodeError:
        raise ConfigError(f"{text!r} is not a valid value "
                          "(a number, true/false, or a [\"list\", \"of strings\"])") from None


def load_config_text(text: str, environ: dict[str, str] | None = None,
                     checks: Sequence[SectionCheck] = ()) -> Config:
    try:
        raw = tomllib.loads(text)
    except tomllib.TOMLDecodeError as e:
        raise ConfigError(f"the configuration is not valid TOML: {e}") from e
    return config_from_dict(raw, environ, checks)


def load_config(path: str | os.PathLike[str] | None, checks: Sequence[SectionCheck] = ()) -> Config:
    """Load ``path`` (or defaults when None); raise :class:`ConfigError` with a clear message.

    ``checks``: the parts' own checks of their sections, see :func:`config_from_dict`.
    """
    if path is None:
        return config_from_dict({}, checks=checks)
    p = Path(path)
    try:
        text = p.read_text()
    except OSError as e:
        raise ConfigError(f"cannot read the configuration file {p}: {e.strerror}. "
                          "Copy aquamon.example.toml and edit it.") from e
    try:
        return load_config_text(text, checks=checks)
    except ConfigError as e:
        problems = _Problems()
        problems.items = e.problems
        problems.raise_if_any(f"{p}: ")
        raise  # pragma: no cover - raise_if_any raised


def to_toml(cfg: Config) -> str:
    """Serialise a config back to TOML (used to hand child services their config file)."""
    out: list[str] = []
    for f in fields(cfg):
        section = getattr(cfg, f.name)
        assert is_dataclass(section)
        out.append(f"[{f.name}]")
        for sf in fields(section):
            v = getattr(section, sf.name)
            out.append(f"{sf.name} = {_toml_value(v)}")
        out.append("")
    return "\n".join(out)


def _toml_value(v: Any) -> str:
    if isinstance(v, bool):
        return "true" if v else "false"
    if isinstance(v, (int, float)):
        return repr(v)
    if isinstance(v, list):
        return "[" + ", ".join(_toml_value(x) for x in v) + "]"
    if isinstance(v, dict):  # an inline table
        return "{" + ", ".join(f"{_toml_value(str(k))} = {_toml_value(x)}" for k, x in v.items()) + "}"
    return '"' + str(v).replace("\\", "\\\\").replace('"', '\\"') + '"'
