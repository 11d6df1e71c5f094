"""The whole system at farm scale: 1,000 tanks through Mosquitto, N gateways, InfluxDB, N analytics.

Each run starts its own Mosquitto and InfluxDB (``harness.stack.Stack``), N
gateway instances behind a shared subscription and N analytics instances each
owning a shard of the tanks, and a simulated farm (``harness.farm``) of 1,000
tanks × 6 sensors, one reading per tank every 10 s of simulated time.

Phase 1 (throughput): ``HISTORY_MIN`` simulated minutes are published as fast
as the broker takes them; readings/s end to end = readings published / wall
time from the first publish until InfluxDB holds them all.

Phase 2 (latency): the farm publishes in paced simulated time (the same offered
load for every run: half the single-instance throughput) and a stuck heater
(+10 °C/h) starts in 2 % of the tanks.  For each faulty tank: publish of its
first faulty reading → arrival of its ``heater_stuck`` alert on MQTT (wall
time; includes the detector's own delay, reported apart in simulated minutes),
and the pipeline latency: publish of the reading that completed the alerting
minute → the alert.

Resources: CPU seconds (utime + stime from /proc/PID/stat) and peak resident
memory (VmHWM from /proc/PID/status) of every process the Stack started, per
part, scaled to 1,000 tanks.  The same run with one instance of each part gives
the scaling ratio.  ``AQUAMON_BENCH_TANKS`` and ``AQUAMON_BENCH_INSTANCES``
override the size (defaults 1000 and 2).

Drift scoring (in this process, after the runs): the farm runs are too short
for a baseline (the warm-up is two days), so the analytics' drift scoring is
measured apart, on the same number of tanks: one monitor fitted on 50 hours
of simulated water, copied per tank, each copy given its own last hour (2 %
drifting, 10 % with a stuck turbidity probe: windows of 4 and 3 channels).
For one drift minute of every tank: the windows scored in one
``WindowBatch`` (what the service does) against one ``score_window`` call
per tank (what ``TankMonitor.evaluate`` does alone), best of
``SCORE_REPEATS`` each, interleaved, and the whole drift step (prepare, batch,
conclude) for scale.
"""

from __future__ import annotations

import json
import os
import resource
import shutil
import statistics
import tempfile
import threading
import time
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import Any

import numpy as np
import paho.mqtt.client as mqtt
from paho.mqtt.enums import CallbackAPIVersion

from aquamon.config import Config
from aquamon.influx import InfluxV1, QueryError
from harness.farm import Farm, FarmModel
from harness.services import FARM_AUTOSAVE_CHANGES
from harness.stack import Stack

INTERVAL_S = 10.0
HISTORY_MIN = 20  # phase 1, published flat out: enough for the rules' rate windows
FAULT_AFTER_MIN = 1  # phase 2 starts healthy for this long, then the heaters stick
LIVE_MIN = 16  # phase 2 length in simulated minutes
FAULT_RATE_C_PER_H = 10.0
FAULT_EVERY = 50  # every 50th tank: 2 %
ALERT_WAIT_S = 60.0
MIN_MS = 60_000


@dataclass
class RunResult:
    instances: int
    tanks: int
    readings: int = 0
    phase1_readings: int = 0
    phase1_s: float = 0.0
    speed: float = 0.0
    offered_per_s: float = 0.0
    latencies_s: list[float] = field(default_factory=list)
    pipeline_s: list[float] = field(default_factory=list)
    detect_min: list[float] = field(default_factory=list)
    missed: int = 0
    false_alarms: int = 0
    cpu_s: dict[str, float] = field(default_factory=dict)
    rss_mb: dict[str, float] = field(default_factory=dict)
    sim_hours: float = 0.0
    written: int = 0

    @property
    def throughput(self) -> float:
        return self.phase1_readings / self.phase1_s if self.phase1_s else 0.0


def _proc_cpu_s(pid: int) -> float:
    with open(f"/proc/{pid}/stat") as f:
        # the command name may hold spaces: fields are counted after its closing ')'
        rest = f.read().rsplit(")", 1)[1].split()
    return (int(rest[11]) + int(rest[12])) / os.sysconf("SC_CLK_TCK")


def _proc_peak_rss_mb(pid: int) -> float:
    with open(f"/proc/{pid}/status") as f:
        for line in f:
            if line.startswith("VmHWM:"):
                return int(line.split()[1]) / 1024.0
    return 0.0


class AlertListener:
    """Records every alert message with its wall arrival time."""

    def __init__(self, cfg: Config, username: str, password: str) -> None:
        self.events: list[tuple[float, dict[str, Any]]] = []
        self._lock = threading.Lock()
        self.client = mqtt.Client(CallbackAPIVersion.VERSION2, client_id=f"bench-alerts-{time.time_ns() % 10**9}")
        if username:
            self.client.username_pw_set(username, password)
        topic = f"{cfg.mqtt.topic_prefix}/+/alert/#"
        self.subscribed = threading.Event()
        self.client.on_connect = lambda c, u, f, r, p: c.subscribe(topic, 1)
        self.client.on_subscribe = lambda c, u, m, r, p: self.subscribed.set()
        self.client.on_message = self._on_message
        self.client.connect(cfg.mqtt.host, cfg.mqtt.port)
        self.client.loop_start()
        if not self.subscribed.wait(10):
            raise RuntimeError("the benchmark's alert listener could not subscribe")

    def _on_message(self, client: mqtt.Client, userdata: object, msg: mqtt.MQTTMessage) -> None:
        now = time.monotonic()
        try:
            doc = json.loads(msg.payload)
        except ValueError:
            return
        if isinstance(doc, dict):
            with self._lock:
                self.events.append((now, doc))

    def firings(self) -> list[tuple[float, dict[str, Any]]]:
        with self._lock:
            return [(t, d) for t, d in self.events if d.get("state") == "firing"]

    def close(self) -> None:
        self.client.disconnect()
        self.client.loop_stop()


def _count_water(db: InfluxV1) -> int:
    try:
        series = db.query('SELECT count("seq") FROM "water"')
    except QueryError:
        return 0
    return int(series[0]["values"][0][1]) if series else 0


def _credentials(stack: Stack, prefix: str, name: str) -> tuple[str, str]:
    # The farm stands in for 1,000 devices on a few connections, so it cannot use
    # per-device accounts; admin accounts of this private broker are the stand-in, one per
    # connection (the broker binds client ids to usernames: one connection per account)
    if hasattr(stack, "service_credentials"):
        return stack.service_credentials("admin", prefix, name=name)
    return "", ""


def run_once(instances: int, tanks: int, speed: float | None, workdir: Path) -> RunResult:
    res = RunResult(instances, tanks)
    usage0 = resource.getrusage(resource.RUSAGE_SELF)
    stack = Stack(workdir).start_services(autosave_changes=FARM_AUTOSAVE_CHANGES)
    farm = listener = None
    try:
        prefix = "farm"
        cfg = stack.config(database="farm", topic_prefix=prefix)
        cfg = replace(cfg, gateway=replace(cfg.gateway, batch_size=5000, flush_interval_s=0.2, stats_interval_s=5.0),
                      analytics=replace(cfg.analytics, poll_s=0.5))
        stack.start_gateways(cfg, instances)
        stack.start_analytics_shards(cfg, instances)
        listener = AlertListener(cfg, *_credentials(stack, prefix, "alerts"))
        db = stack.db(cfg)

        now_ms = int(time.time() * 1000)
        total_min = HISTORY_MIN + LIVE_MIN
        start_ms = (now_ms - (total_min + 30) * MIN_MS) // MIN_MS * MIN_MS  # all in the past: the gateway
        live_ms = start_ms + HISTORY_MIN * MIN_MS                           # refuses readings from the future
        fault_ms = live_ms + FAULT_AFTER_MIN * MIN_MS
        faults = {i: (fault_ms, FAULT_RATE_C_PER_H) for i in range(0, tanks, FAULT_EVERY)}
        model = FarmModel(tanks, start_ms, seed=instances, faults=faults, farm=prefix)
        farm = Farm(model, cfg.mqtt, connections=4,
                    accounts=[_credentials(stack, prefix, f"farm{k}") for k in range(4)])
        farm.connect()

        # --- phase 1: throughput ---------------------------------------------------------
        t0 = time.monotonic()
        farm.run(start_ms, live_ms, INTERVAL_S, speed=0)
        res.phase1_readings = farm.published
        deadline = time.monotonic() + 300
        while _count_water(db) < res.phase1_readings:
            if time.monotonic() > deadline:
                raise RuntimeError(f"only {_count_water(db)} of {res.phase1_readings} readings reached InfluxDB "
                                   f"in 300 s; see the logs under {workdir}")
            time.sleep(0.1)
        res.phase1_s = time.monotonic() - t0

        # --- phase 2: paced, faults, latency --------------------------------------------
        res.speed = speed if speed is not None else max(1.0, 0.5 * res.throughput * INTERVAL_S / tanks)
        res.offered_per_s = tanks / INTERVAL_S * res.speed
        faulty = {model.tanks[i] for i in faults}

        def all_alerted() -> bool:
            got = {d.get("tank") for _, d in listener.firings() if d.get("key") == "heater_stuck"}
            return faulty <= got

        farm.run(live_ms, live_ms + LIVE_MIN * MIN_MS, INTERVAL_S, speed=res.speed, stop=all_alerted)
        deadline = time.monotonic() + ALERT_WAIT_S
        while not all_alerted() and time.monotonic() < deadline:
            time.sleep(0.1)
        res.readings = farm.published
        res.sim_hours = res.readings / tanks * INTERVAL_S / 3600.0  # phase 2 stops once every fault alerted

        first: dict[str, tuple[float, dict[str, Any]]] = {}
        for t, d in listener.firings():
            tank = d.get("tank")
            if tank in faulty and d.get("key") == "heater_stuck" and tank not in first:
                first[tank] = (t, d)
            elif tank not in faulty:
                res.false_alarms += 1
        res.missed = len(faulty) - len(first)
        for tank, (arrived, d) in first.items():
            published = farm.publish_wall.get((tank, fault_ms))
            if published is not None:
                res.latencies_s.append(arrived - published)
            completing = farm.publish_wall.get((tank, int(d.get("ts", 0))))
            if completing is not None:
                res.pipeline_s.append(arrived - completing)
            res.detect_min.append((int(d.get("ts", 0)) - fault_ms) / MIN_MS)

        # --- resources ------------------------------------------------------------------
        assert stack.mosquitto is not None and stack.influx is not None
        parts: dict[str, list[int]] = {"mosquitto": [stack.mosquitto.pid], "influxd": [stack.influx.pid]}
        for p in stack.processes:
            parts.setdefault(p.name.rstrip("0123456789"), []).append(p.pid)
        for part, pids in parts.items():
            res.cpu_s[part] = sum(_proc_cpu_s(pid) for pid in pids)
            res.rss_mb[part] = sum(_proc_peak_rss_mb(pid) for pid in pids)
        usage = resource.getrusage(resource.RUSAGE_SELF)
        res.cpu_s["farm simulator"] = usage.ru_utime + usage.ru_stime - usage0.ru_utime - usage0.ru_stime
        res.rss_mb["farm simulator"] = usage.ru_maxrss / 1024.0
        res.written = _count_water(db)
        return res
    finally:
        if farm is not None:
            farm.close()
        if listener is not None:
            listener.close()
        stack.stop_all()


def _pct(xs: list[float], q: float) -> float:
    if not xs:
        return float("nan")
    xs = sorted(xs)
    return xs[min(len(xs) - 1, max(0, round(q * (len(xs) - 1))))]


def _print(results: list[RunResult]) -> None:
    print(f"{'instances':>9} {'tanks':>6} {'readings/s':>10} {'offered/s':>9} {'alert p50 s':>11} "
          f"{'p99 s':>6} {'pipeline p50':>12} {'p99':>6} {'detect min':>10} {'missed':>6} {'false':>5}")
    for r in results:
        print(f"{r.instances:>9} {r.tanks:>6} {r.throughput:>10,.0f} {r.offered_per_s:>9,.0f} "
              f"{_pct(r.latencies_s, .5):>11.1f} {_pct(r.latencies_s, .99):>6.1f} {_pct(r.pipeline_s, .5):>12.1f} "
              f"{_pct(r.pipeline_s, .99):>6.1f} {statistics.median(r.detect_min) if r.detect_min else float('nan'):>10.1f}"
              f" {r.missed:>6} {r.false_alarms:>5}")
    print()
    print("CPU seconds per 1,000 tanks per simulated hour, and peak resident memory per 1,000 tanks (MB):")
    parts = sorted({p for r in results for p in r.cpu_s}, key=lambda p: (p == "farm simulator", p))
    print(f"{'part':>16} " + " ".join(f"{f'cpu s ({r.instances})':>11} {f'MB ({r.instances})':>8}" for r in results))
    for part in parts:
        cells = []
        for r in results:
            scale = 1000.0 / r.tanks
            cells.append(f"{r.cpu_s.get(part, 0) * scale / r.sim_hours:>11.1f} {r.rss_mb.get(part, 0) * scale:>8.0f}")
        print(f"{part:>16} " + " ".join(cells))
    if len(results) == 2 and results[0].throughput:
        one, many = results
        print(f"\nscaling ratio ({many.instances} instances / 1): readings/s x{many.throughput / one.throughput:.2f}, "
              f"pipeline latency p50 x{_pct(many.pipeline_s, .5) / _pct(one.pipeline_s, .5):.2f} "
              f"(machine: {os.cpu_count()} cores)")


SCORE_REPEATS = 5


@dataclass
class ScoringCost:
    tanks: int
    windows: int  # drift windows prepared (tanks ready for a score)
    dims: dict[int, int]  # channels -> windows
    batched_ms: dict[str, float] = field(default_factory=dict)  # per variant: KL only, KL + distances
    lone_ms: dict[str, float] = field(default_factory=dict)
    prepare_ms: float = 0.0
    conclude_ms: float = 0.0


def _fitted_template() -> tuple[Any, np.ndarray, dict[str, np.ndarray]]:
    from analytics.monitor import TankMonitor

    rng = np.random.default_rng(11)
    t_ms = (1_700_000_000_000 // 86_400_000 * 86_400_000) + np.arange(50 * 60, dtype=np.int64) * MIN_MS
    n = len(t_ms)
    day = 2 * np.pi * (t_ms % 86_400_000) / 86_400_000
    frame = {"temp_c": 25 + 0.3 * np.sin(day) + rng.normal(0, 0.02, n),
             "ph": 7.2 + 0.05 * np.sin(day - 1) + rng.normal(0, 0.008, n),
             "tds_ppm": 300 + 2 * np.sin(day) + rng.normal(0, 1.0, n), "turb_ntu": 1 + np.abs(rng.normal(0, 0.05, n)),
             "level_cm": 30 + rng.normal(0, 0.05, n), "flow_lpm": 8 + rng.normal(0, 0.08, n)}
    mon = TankMonitor("template")
    now = int(t_ms[-1]) // (5 * MIN_MS) * (5 * MIN_MS)  # a drift minute: fits the baseline and the noise
    mon.evaluate(now, t_ms, frame)
    assert mon.baseline is not None, "the benchmark's template monitor did not fit a baseline"
    mon.day_rows, mon.finished_days = {}, []  # not copied a thousand times
    return mon, t_ms, frame


def scoring_cost(tanks: int) -> ScoringCost:
    """Cost of scoring one drift minute of ``tanks`` tanks, batched and one window at a time."""
    import copy

    from analytics.alerts import AlertState
    from analytics.batch import WindowBatch, score_window

    template, t_ms, frame = _fitted_template()
    keep = t_ms >= t_ms[-1] - 7 * 3_600_000  # what a drift step reads: rules, probes, window, ageing
    t_recent = t_ms[keep]
    rng = np.random.default_rng(12)
    monitors, frames = [], []
    for i in range(tanks):
        mon = copy.deepcopy(template)
        mon.tank = f"tank-{i:04d}"
        f = {k: v[keep].copy() for k, v in frame.items()}
        f["temp_c"][-60:] += rng.normal(0, 0.02, 60)  # each tank its own last hour
        f["ph"][-60:] += rng.normal(0, 0.008, 60)
        f["tds_ppm"][-60:] += rng.normal(0, 1.0, 60) + (30.0 if i % 50 == 0 else 0.0)  # 2 % drifting
        if i % 10 == 5:  # 10 %: a stuck turbidity probe, scored on the other three channels
            mon.alerts["probe_stuck"] = AlertState("firing", sensors=["turb_ntu"])
        monitors.append(mon)
        frames.append(f)
    now = int(t_ms[-1]) // (5 * MIN_MS) * (5 * MIN_MS) + 5 * MIN_MS  # the next drift minute
    t0 = time.perf_counter()
    pending = [mon.prepare(now, t_recent, f) for mon, f in zip(monitors, frames)]
    prepare_ms = (time.perf_counter() - t0) * 1e3
    windows = [(mon.tank, p.window) for mon, p in zip(monitors, pending) if p.window is not None]
    dims: dict[int, int] = {}
    for _, w in windows:
        dims[len(w.sensors)] = dims.get(len(w.sensors), 0) + 1
    res = ScoringCost(tanks, len(windows), dims, prepare_ms=prepare_ms)
    for variant, distances in (("KL", False), ("KL+B+W2", True)):
        best_batch, best_lone = float("inf"), float("inf")
        for _ in range(SCORE_REPEATS):
            t0 = time.perf_counter()
            batch = WindowBatch()
            for key, w in windows:
                batch.add(key, w.mean, w.cov, w.ref_cov, distances=distances)
            scores = batch.score()
            best_batch = min(best_batch, time.perf_counter() - t0)
            t0 = time.perf_counter()
            for _, w in windows:
                score_window(w.mean, w.cov, w.ref_cov, distances=distances)
            best_lone = min(best_lone, time.perf_counter() - t0)
        res.batched_ms[variant], res.lone_ms[variant] = best_batch * 1e3, best_lone * 1e3
    t0 = time.perf_counter()
    for mon, p in zip(monitors, pending):
        mon.conclude(p, scores.get(mon.tank) if p.window is not None else None)
    res.conclude_ms = (time.perf_counter() - t0) * 1e3
    return res


def _print_scoring(c: ScoringCost) -> None:
    scale = 1000.0 / c.tanks
    dims = ", ".join(f"{n} of {d} channels" for d, n in sorted(c.dims.items(), reverse=True))
    print(f"\nAnalytics drift scoring per 1,000 tanks per cycle (one drift minute; {c.windows} windows: {dims}; "
          f"best of {SCORE_REPEATS}):")
    print(f"{'scores':>28} {'batched ms':>10} {'one by one ms':>13} {'ratio':>6}")
    for variant, label in (("KL", "KL (every 5 min)"), ("KL+B+W2", "KL + Bhattacharyya + W2 (15)")):
        b, lone = c.batched_ms[variant] * scale, c.lone_ms[variant] * scale
        print(f"{label:>28} {b:>10.1f} {lone:>13.1f} {f'x{lone / b:.0f}':>6}")
    b = c.batched_ms["KL"] * scale
    total = (c.prepare_ms + c.conclude_ms) * scale + b
    print(f"whole drift step, batched (prepare {c.prepare_ms * scale:.0f} + score {b:.1f} + conclude "
          f"{c.conclude_ms * scale:.0f} ms): {total:.0f} ms per 1,000 tanks, scoring {100 * b / total:.1f} % of it")


def main() -> None:
    tanks = int(os.environ.get("AQUAMON_BENCH_TANKS", "1000"))
    instances = int(os.environ.get("AQUAMON_BENCH_INSTANCES", "2"))
    root = Path(tempfile.mkdtemp(prefix="aquamon-bench-farm-"))
    keep = bool(os.environ.get("AQUAMON_BENCH_KEEP"))
    try:
        results = []
        single = run_once(1, tanks, None, root / "one")
        results.append(single)
        if instances > 1:
            results.append(run_once(instances, tanks, single.speed, root / "many"))
        _print(results)
        _print_scoring(scoring_cost(tanks))
    except Exception:
        keep = True
        raise
    finally:
        if keep:
            print(f"(logs under {root})")
        else:
            shutil.rmtree(root, ignore_errors=True)


if __name__ == "__main__":
    main()
