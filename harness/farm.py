"""A simulated fish farm: N tanks × 6 sensors, published per the wire contract through paho.

For the scale benchmark (``benchmarks/bench_farm.py``) and the scale tests.  One
process stands in for N ESP32 controllers: a vectorised numpy model of the
same water as :mod:`firmware.simtank` (day/night rhythm, feeding peaks, slow
TDS rise and evaporation, probe noise), with each tank's own level, phase and
noise, and an injected ``heater_stuck`` fault in chosen tanks.  Each reading is
encoded by the firmware's own :func:`payload.encode_telemetry` (so the bytes
are exactly what a device sends) and published QoS 1 on
``{prefix}/{tank}/{device}/telemetry`` over a few MQTT connections.

Time is simulated: :meth:`Farm.run` publishes one reading per tank every
``interval_s`` of simulated time, ``speed`` simulated seconds per wall second
(``speed=0``: as fast as the broker takes them).  The publish wall time of each
faulty tank's readings is kept, so the benchmark can time publish → alert.

Examples
--------
>>> model = FarmModel(n_tanks=3, start_epoch_ms=1_700_000_000_000, seed=1)
>>> v = model.sample(1_700_000_000_000)
>>> sorted(v), v["temp_c"].shape
(['flow_lpm', 'level_cm', 'ph', 'tds_ppm', 'temp_c', 'turb_ntu'], (3,))
>>> bool(abs(v["temp_c"] - 25).max() < 1.5)
True
>>> payloads = model.payloads(1_700_000_000_000, v)
>>> payloads[0][:26]
b'{"v":1,"seq":1,"ts":170000'
"""

from __future__ import annotations

import importlib.util
import threading
import time
from dataclasses import dataclass, field
from types import ModuleType
from typing import Callable

import numpy as np
import paho.mqtt.client as mqtt
from paho.mqtt.enums import CallbackAPIVersion

from aquamon.checkout import FIRMWARE_DIR
from aquamon.config import MqttConfig


def _firmware_module(name: str) -> ModuleType:
    """A pure firmware module (it imports nothing), loaded from ``firmware/`` by its path.

    Not through ``sys.path``: appending ``firmware/`` there would make every firmware module importable
    in the process that imported this one, and a test could then pass only after another had run.
    """
    spec = importlib.util.spec_from_file_location(f"firmware_{name}", FIRMWARE_DIR / f"{name}.py")
    if spec is None or spec.loader is None:
        raise ImportError(f"{FIRMWARE_DIR / name}.py could not be loaded")
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


#: the firmware's own encoder, run unchanged under CPython: the bytes are exactly what a device sends
encode_telemetry = _firmware_module("payload").encode_telemetry

HOUR_MS = 3_600_000
DAY_MS = 24 * HOUR_MS
SENSORS = ("temp_c", "ph", "tds_ppm", "turb_ntu", "level_cm", "flow_lpm")


def tank_ids(n: int, farm: str = "farm") -> list[str]:
    """``farm-0000`` ... : ids as a farm numbers its tanks.

    >>> tank_ids(2)
    ['farm-0000', 'farm-0001']
    """
    return [f"{farm}-{i:04d}" for i in range(n)]


@dataclass
class FarmModel:
    """N tanks' water as arrays; ``faults`` maps tank index → (start epoch ms, heater rate °C/h)."""

    n_tanks: int
    start_epoch_ms: int
    seed: int = 1
    faults: dict[int, tuple[int, float]] = field(default_factory=dict)
    farm: str = "farm"

    def __post_init__(self) -> None:
        rng = np.random.default_rng(self.seed)
        n = self.n_tanks
        self.rng = rng
        self.tanks = tank_ids(n, self.farm)
        self.devices = [f"ctl-{t}" for t in self.tanks]
        # each tank its own water: level, daily swing and phase, noise
        self.temp0 = rng.normal(25.0, 0.3, n)
        self.ph0 = rng.normal(7.2, 0.05, n)
        self.tds0 = rng.normal(300.0, 15.0, n)
        self.phase = rng.uniform(-0.5, 0.5, n)  # hours
        self.seq = np.zeros(n, dtype=np.int64)
        self._fault_idx = np.array(sorted(self.faults), dtype=np.int64)
        self._fault_start = np.array([self.faults[i][0] for i in self._fault_idx], dtype=np.int64)
        self._fault_rate = np.array([self.faults[i][1] for i in self._fault_idx], dtype=np.float64)

    def sample(self, t_ms: int) -> dict[str, np.ndarray]:
        """One noisy reading of every probe of every tank at epoch ``t_ms``."""
        n = self.n_tanks
        rng = self.rng
        hour = ((t_ms % DAY_MS) / HOUR_MS + self.phase) % 24.0
        day = 2.0 * np.pi * hour / 24.0
        elapsed_days = (t_ms - self.start_epoch_ms) / DAY_MS
        light = ((hour >= 8.0) & (hour < 20.0)).astype(np.float64)
        since_feed = np.minimum((hour - 8.0) % 24.0, (hour - 18.0) % 24.0)
        temp = self.temp0 + 0.35 * np.sin(day - 2.0 * np.pi * 9.0 / 24.0)
        if len(self._fault_idx):
            dt_h = np.maximum(0, t_ms - self._fault_start) / HOUR_MS
            temp[self._fault_idx] += self._fault_rate * dt_h
        ph = self.ph0 + 0.06 * np.sin(day - 2.0 * np.pi * 10.0 / 24.0) + 0.01 * light
        return {
            "temp_c": temp + rng.normal(0, 0.02, n),
            "ph": ph + rng.normal(0, 0.008, n),
            "tds_ppm": self.tds0 + 2.0 * elapsed_days + rng.normal(0, 1.0, n),
            "turb_ntu": np.maximum(0.0, 1.0 + 0.6 * np.exp(-since_feed / 0.75) + rng.normal(0, 0.05, n)),
            "level_cm": 30.0 - 0.25 * elapsed_days + rng.normal(0, 0.05, n),
            "flow_lpm": np.maximum(0.0, 8.0 + rng.normal(0, 0.08, n)),
        }

    def payloads(self, t_ms: int, values: dict[str, np.ndarray]) -> list[bytes]:
        """The telemetry message of every tank for this reading (advances each device's ``seq``)."""
        self.seq += 1
        cols = [values[s].tolist() for s in SENSORS]
        out = []
        for i, seq in enumerate(self.seq.tolist()):
            readings = {s: cols[k][i] for k, s in enumerate(SENSORS)}
            out.append(encode_telemetry(seq, t_ms, readings, [], 1))
        return out

    def topic(self, prefix: str, i: int) -> str:
        return f"{prefix}/{self.tanks[i]}/{self.devices[i]}/telemetry"


class Farm:
    """Publishes a :class:`FarmModel` through ``connections`` paho clients (QoS 1).

    ``accounts``: one (username, password) per connection; a broker that binds client ids to
    usernames (ours) lets only one connection of an account stay up. Without it, every connection
    logs in with ``mqtt_cfg``'s account.
    """

    def __init__(self, model: FarmModel, mqtt_cfg: MqttConfig, connections: int = 4,
                 client_prefix: str = "farm", accounts: list[tuple[str, str]] | None = None) -> None:
        self.model = model
        self.cfg = mqtt_cfg
        self.clients: list[mqtt.Client] = []
        self.published = 0
        self.acked = 0
        self._lock = threading.Lock()
        self.publish_wall: dict[tuple[str, int], float] = {}  # (faulty tank, ts) → wall time
        self._watch = {model.tanks[i] for i in model.faults}
        self._topics = [model.topic(mqtt_cfg.topic_prefix, i) for i in range(model.n_tanks)]
        for k in range(connections):
            c = mqtt.Client(CallbackAPIVersion.VERSION2, client_id=f"{client_prefix}-{k}-{time.time_ns() % 10**9}")
            user, password = accounts[k] if accounts else (mqtt_cfg.username, mqtt_cfg.password)
            if user:
                c.username_pw_set(user, password)
            c.max_inflight_messages_set(1000)
            c.max_queued_messages_set(0)
            c.on_publish = self._on_publish
            self.clients.append(c)

    def _on_publish(self, client: mqtt.Client, userdata: object, mid: int, reason: object, props: object) -> None:
        with self._lock:
            self.acked += 1

    def connect(self, timeout: float = 10.0) -> None:
        for c in self.clients:
            c.connect(self.cfg.host, self.cfg.port, keepalive=self.cfg.keepalive_s)
            c.loop_start()
        deadline = time.monotonic() + timeout
        while not all(c.is_connected() for c in self.clients):
            if time.monotonic() > deadline:
                raise ConnectionError(f"the farm could not connect to MQTT {self.cfg.host}:{self.cfg.port}")
            time.sleep(0.02)

    def publish_reading(self, t_ms: int) -> None:
        """One reading of every tank at simulated epoch ``t_ms``."""
        m = self.model
        payloads = m.payloads(t_ms, m.sample(t_ms))
        n_clients = len(self.clients)
        now = time.monotonic()
        for i, payload in enumerate(payloads):
            self.clients[i % n_clients].publish(self._topics[i], payload, qos=1)
            tank = m.tanks[i]
            if tank in self._watch:
                self.publish_wall[(tank, t_ms)] = now
        self.published += len(payloads)

    def run(self, start_ms: int, end_ms: int, interval_s: float = 10.0, speed: float = 0.0,
            stop: Callable[[], bool] | None = None) -> int:
        """Publish readings at ``start_ms``, ``start_ms + interval``, ... before ``end_ms``; return the last ts.

        ``speed`` is simulated seconds per wall second (0 = as fast as possible).
        """
        step_ms = int(interval_s * 1000)
        wall0 = time.monotonic()
        t = start_ms
        last = start_ms
        while t < end_ms:
            if speed > 0:
                due = wall0 + (t - start_ms) / 1000.0 / speed
                delay = due - time.monotonic()
                if delay > 0:
                    time.sleep(delay)
            self.publish_reading(t)
            last = t
            t += step_ms
            if stop is not None and stop():
                break
        return last

    def wait_acked(self, timeout: float = 60.0) -> bool:
        """Wait until the broker acknowledged every message published so far."""
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            with self._lock:
                if self.acked >= self.published:
                    return True
            time.sleep(0.02)
        return False

    def close(self) -> None:
        for c in self.clients:
            c.disconnect()
            c.loop_stop()
