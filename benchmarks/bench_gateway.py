"""Gateway throughput and latency on real Mosquitto and InfluxDB 1.6 (started here, on loopback).

1. Sustained QoS 1 throughput with ack-after-write into InfluxDB, against
   ``mosquitto_sub`` draining the same stream from the same broker, and against
   a naive gateway that writes (and acks) one message at a time.  Every
   consumer has a persistent session created before the stream is published, so
   each drains the same N queued messages from the broker, one after the other
   (no two consumers compete for the two cores).  ``mosquitto_sub`` and the
   gateway run REPEATS times, alternating, each time on a session of its own (the
   gateway into a database of its own): the medians and the ratio of medians
   come from this one run, and alternating spreads the load of whatever else the
   machine runs over both.  Two ack-only ceilings are measured once: a bare paho
   MQTT 5 subscriber (the ceiling of a gateway built on paho, which the gateway
   was until it got its own client) and the gateway's own client
   (:mod:`gateway.mqtt_link`) acking each read at once, doing nothing else.
2. Publish-to-durable latency at 1,000 tanks x 1 reading per 10 s, accelerated
   10x (1,000 readings/s for 10 s): the publisher (a separate process) stamps
   each payload with its wall-clock publish time; the gateway's ``on_durable``
   hook stamps the moment the batch is in InfluxDB (and so acknowledged).
"""

from __future__ import annotations

import statistics
import subprocess
import sys
import tempfile
import threading
import time
from dataclasses import replace
from pathlib import Path

from aquamon.config import Config
from aquamon.services import FARM_AUTOSAVE_CHANGES, InfluxDB1, Mosquitto
from aquamon.stack import Stack, wait_gateway_online
from gateway.loadgen import Publisher, readings
from gateway.service import Gateway, Incoming

N = 100_000  # 0.5-1 s of draining each: long enough to call the rate sustained
REPEATS = 3
NAIVE_N = 2_000
TANKS = 1000
ACCEL = 10
LATENCY_S = 10


def _run_gateway(cfg: Config, until_written: int, timeout: float = 120.0,
                 on_durable=None) -> tuple[Gateway, float]:
    """Run a gateway in this process until it has written ``until_written`` points; return it and seconds taken."""
    gw = Gateway(cfg, on_durable=on_durable)
    t0 = time.perf_counter()
    runner = threading.Thread(target=gw.run, daemon=True)
    runner.start()
    deadline = time.monotonic() + timeout
    while gw.counters["written"] < until_written and time.monotonic() < deadline:
        time.sleep(0.005)
    took = time.perf_counter() - t0
    gw.stop()
    runner.join(30)
    if gw.counters["written"] < until_written:
        raise RuntimeError(f"gateway wrote only {gw.counters['written']} of {until_written} in {timeout} s")
    return gw, took


def _make_session(cfg: Config, observer: tuple[str, str]) -> None:
    """Connect once so the broker keeps a session (and queues QoS 1 messages) for this client id."""
    gw = Gateway(cfg)
    runner = threading.Thread(target=gw.run, daemon=True)
    runner.start()
    wait_gateway_online(cfg, cfg.gateway.instance, observer=observer)
    gw.stop()
    runner.join(30)


def _paho_session(m: Mosquitto, prefix: str, drain: int = 0) -> float:
    """A bare paho MQTT 5 subscriber that acks on receipt: the ceiling of any paho-based gateway.

    With ``drain == 0`` it only creates its session; otherwise returns messages/s draining ``drain``.
    """
    import paho.mqtt.client as mqtt
    from paho.mqtt.enums import CallbackAPIVersion
    from paho.mqtt.packettypes import PacketTypes
    from paho.mqtt.properties import Properties

    c = mqtt.Client(CallbackAPIVersion.VERSION2, client_id="bench-bare-paho", protocol=mqtt.MQTTv5, manual_ack=True)
    c.username_pw_set(*m.admin_credentials("bench-bare-paho"))
    got, done = [0], threading.Event()

    def on_message(cl: mqtt.Client, userdata: object, msg: mqtt.MQTTMessage) -> None:
        cl.ack(msg.mid, 1)
        got[0] += 1
        if got[0] >= drain:
            done.set()

    c.on_message = on_message
    c.on_connect = lambda cl, u, f, r, p: cl.subscribe(f"{prefix}/+/+/telemetry", 1)
    props = Properties(PacketTypes.CONNECT)
    props.SessionExpiryInterval = 3600
    t0 = time.perf_counter()
    c.connect("127.0.0.1", m.port, clean_start=False, properties=props)
    c.loop_start()
    ok = done.wait(120) if drain else (time.sleep(0.5) or True)
    took = time.perf_counter() - t0
    c.loop_stop()
    c.disconnect()
    if not ok:
        raise RuntimeError(f"bare paho subscriber got {got[0]} of {drain}")
    return drain / took if drain else 0.0


def _own_client_session(m: Mosquitto, prefix: str, drain: int = 0) -> float:
    """The gateway's own MQTT client acking every read at once: the ceiling of the gateway's receive path."""
    from gateway.mqtt_link import MqttLink

    got, done = [0], threading.Event()
    link: MqttLink

    def on_messages(generation: int, pubs: list[tuple[bytes, bytes, int, int]]) -> None:
        link.ack(generation, [p[2] for p in pubs])
        got[0] += len(pubs)
        if got[0] >= drain:
            done.set()

    user, password = m.admin_credentials("bench-own-client")
    link = MqttLink("127.0.0.1", m.port, "bench-own-client", [f"{prefix}/+/+/telemetry"], on_messages=on_messages,
                    session_expiry_s=3600, receive_maximum=10_000, username=user, password=password)
    t0 = time.perf_counter()
    link.start()
    ok = done.wait(120) if drain else (link.connected.wait(10) and (time.sleep(0.5) or True))
    took = time.perf_counter() - t0
    link.stop()
    if not ok:
        raise RuntimeError(f"the gateway's own client got {got[0]} of {drain}")
    return drain / took if drain else 0.0


def _sub_argv(m: Mosquitto, cfg: Config, *extra: str, client_id: str = "bench-sub") -> list[str]:
    user, password = m.admin_credentials(client_id)
    return ["mosquitto_sub", "-h", "127.0.0.1", "-p", str(m.port), "-u", user, "-P", password, "-i", client_id,
            "-c", "-q", "1", "-t", f"{cfg.mqtt.topic_prefix}/+/+/telemetry", *extra]


def _publish(m: Mosquitto, prefix: str, n: int) -> None:
    pub = Publisher(m.port, **m.client_kwargs())
    for i, (topic, payload) in enumerate(readings(prefix, n, tanks=100), start=1):
        pub.publish(topic, payload)
        if i % 20_000 == 0:  # paho refuses a 65,536th message in flight (its message ids would wrap)
            pub.wait_acked(120)
    if pub.wait_acked(120) != n:
        raise RuntimeError("the broker did not acknowledge every published message")
    pub.close()


PACED_PUBLISHER = """
import sys, time
from gateway.loadgen import Publisher
port, prefix, tanks, rate, seconds, user, password = sys.argv[1:8]
tanks, rate, seconds = int(tanks), float(rate), float(seconds)
pub = Publisher(int(port), username=user, password=password)
t0 = time.monotonic()
for i in range(int(rate * seconds)):
    ahead = t0 + i / rate - time.monotonic()
    if ahead > 0:
        time.sleep(ahead)
    tank, seq = i % tanks, i // tanks + 1
    ts = int(time.time() * 1000)
    pub.publish(f"{prefix}/tank{tank}/dev{tank}/telemetry",
                ('{"v":1,"seq":%d,"ts":%d,"r":{"temp_c":25.0,"ph":7.2},"bad":[],"pump":1}' % (seq, ts)).encode())
pub.wait_acked(60)
pub.close()
"""


def main() -> None:
    with tempfile.TemporaryDirectory(prefix="aquamon-bench-gw-") as tmp:
        m = Mosquitto(Path(tmp) / "mosquitto", autosave_changes=FARM_AUTOSAVE_CHANGES).start()
        influx = InfluxDB1(Path(tmp) / "influxdb").start()
        try:
            _bench(Stack(Path(tmp), mosquitto=m, influx=influx), m)
        finally:
            influx.stop()
            m.stop()


def _bench(stack: Stack, m: Mosquitto) -> None:
    cfg = stack.config(database="bench", topic_prefix="bench")
    cfg.mqtt.username, cfg.mqtt.password = stack.service_credentials("gateway", "bench")
    cfg.gateway = replace(cfg.gateway, instance="bench-batched", flush_interval_s=0.05, stats_interval_s=10)
    runs = [replace(cfg, gateway=replace(cfg.gateway, instance=f"bench-batched-{r}"),
                    influxdb=replace(cfg.influxdb, database=f"bench{r}")) for r in range(REPEATS)]
    naive = replace(cfg, gateway=replace(cfg.gateway, instance="bench-naive", batch_size=1))
    naive.influxdb = replace(cfg.influxdb, database="bench_naive")
    for c in (*runs, naive):  # one account each: the broker binds client ids to usernames
        c.mqtt.username, c.mqtt.password = stack.service_credentials("gateway", "bench", c.gateway.instance)
        _make_session(c, m.admin_credentials("bench-watch"))
    for r in range(REPEATS):
        subprocess.run(_sub_argv(m, cfg, "-E", client_id=f"bench-sub-{r}"), check=True, timeout=30,
                       stdout=subprocess.DEVNULL)
    _paho_session(m, "bench")
    _own_client_session(m, "bench")

    t0 = time.perf_counter()
    _publish(m, "bench", N)
    publish_s = time.perf_counter() - t0

    sub_rates, gw_rates = [], []
    for r in range(REPEATS):
        t0 = time.perf_counter()
        subprocess.run(_sub_argv(m, cfg, "-C", str(N), client_id=f"bench-sub-{r}"), check=True, timeout=120,
                       stdout=subprocess.DEVNULL)
        sub_rates.append(N / (time.perf_counter() - t0))
        _, took = _run_gateway(runs[r], N)
        gw_rates.append(N / took)
    sub_rate, gw_rate = statistics.median(sub_rates), statistics.median(gw_rates)
    paho_rate = _paho_session(m, "bench", N)
    own_rate = _own_client_session(m, "bench", N)
    _, naive_took = _run_gateway(naive, NAIVE_N)
    naive_rate = NAIVE_N / naive_took

    # latency: a fresh gateway, default batching (flush_interval_s = 0.5) and a short one
    rows = []
    for flush in (0.5, 0.05):
        lat_cfg = replace(cfg, gateway=replace(cfg.gateway, instance=f"bench-latency-{flush}", flush_interval_s=flush),
                          mqtt=replace(cfg.mqtt, topic_prefix=f"lat{int(flush * 100)}"))
        lat_cfg.mqtt.username, lat_cfg.mqtt.password = stack.service_credentials(
            "gateway", lat_cfg.mqtt.topic_prefix, lat_cfg.gateway.instance)
        latencies: list[float] = []

        def on_durable(batch: list[Incoming], t: float) -> None:
            for it in batch:
                ts = int(it[1].split(b'"ts":', 1)[1].split(b",", 1)[0])
                latencies.append(t * 1000 - ts)

        _make_session(lat_cfg, m.admin_credentials("bench-watch"))
        user, password = m.admin_credentials()
        total = TANKS // 10 * ACCEL * LATENCY_S
        pub = subprocess.Popen([sys.executable, "-c", PACED_PUBLISHER, str(m.port), lat_cfg.mqtt.topic_prefix,
                                str(TANKS), str(TANKS / 10 * ACCEL), str(LATENCY_S), user, password])
        _run_gateway(lat_cfg, total, timeout=LATENCY_S + 60, on_durable=on_durable)
        pub.wait(30)
        latencies.sort()
        rows.append((flush, latencies[len(latencies) // 2], latencies[int(len(latencies) * 0.99)], len(latencies)))

    def runs_text(rates: list[float]) -> str:
        return "runs " + ", ".join(f"{x / 1000:.0f}k" for x in rates)

    print(f"published {N} QoS 1 readings in {publish_s:.1f} s ({N / publish_s:,.0f}/s); each consumer drains them")
    print(f"{'measure':<58} {'value':>14} {'target':>10}  verdict")
    print(f"{'mosquitto_sub -q 1 (same broker, same stream), median':<58} {sub_rate:>12,.0f}/s {'':>10}  "
          f"({runs_text(sub_rates)})")
    print(f"{'gateway, ack after write into InfluxDB (batched), median':<58} {gw_rate:>12,.0f}/s {'':>10}  "
          f"({runs_text(gw_rates)})")
    print(f"{'ceiling: gateway MQTT client, ack on receipt (no InfluxDB)':<58} {own_rate:>12,.0f}/s {'':>10}")
    print(f"{'reference: bare paho MQTT 5 subscriber, ack on receipt':<58} {paho_rate:>12,.0f}/s {'':>10}")
    print(f"{'naive gateway, one write + ack per message':<58} {naive_rate:>12,.0f}/s {'':>10}")
    r1, r2, r3 = gw_rate / sub_rate, gw_rate / naive_rate, gw_rate / paho_rate
    print(f"{'gateway / mosquitto_sub':<58} {r1:>13.2f}x {'>= 0.5x':>10}  {'met' if r1 >= 0.5 else 'NOT MET'}"
          f"  (per run {', '.join(f'{g / s:.2f}' for g, s in zip(gw_rates, sub_rates))})")
    print(f"{'gateway / naive gateway':<58} {r2:>13.1f}x {'>= 10x':>10}  {'met' if r2 >= 10 else 'NOT MET'}")
    print(f"{'gateway / bare paho subscriber':<58} {r3:>13.2f}x {'':>10}")
    for flush, p50, p99, n in rows:
        label = f"publish->durable, {TANKS} tanks/10 s x{ACCEL}, flush {flush} s: p50 / p99"
        print(f"{label:<58} {p50:>6.0f}/{p99:>5.0f} ms {'':>10}  ({n} readings)")


if __name__ == "__main__":
    main()
