"""What saving after every change costs the broker: QoS 1 publish throughput, three persistence settings.

``autosave_on_changes true`` + ``autosave_interval 1`` (what we ship: a crash
loses no acknowledged reading), the farm setting (save after every
``FARM_AUTOSAVE_CHANGES`` changes: at most that many lost) and
``autosave_interval 30`` (the old setting: up to 30 s of acknowledged readings
lost).  Each save writes the whole database and fsyncs it.  Each setting is
measured on a fresh real Mosquitto in two cases:

- *gateway online*: a persistent subscriber reads and acknowledges as it goes
  (the everyday case: the queue stays short);
- *gateway away*: its persistent session queues everything (an outage: each
  save writes the whole growing queue).

Figures are messages per second acknowledged to the publisher, the median of
``REPEATS`` runs, and the ratio of the two settings within this one run.
Run: ``python -m benchmarks broker``.
"""

from __future__ import annotations

import statistics
import tempfile
import threading
import time
from pathlib import Path
from typing import Any

from harness.loadgen import Publisher, readings
from harness.services import FARM_AUTOSAVE_CHANGES, Mosquitto

PREFIX = "bench"
REPEATS = 3
SETTINGS = {
    "every change (shipped)": "autosave_on_changes true\nautosave_interval 1\n",
    f"every {FARM_AUTOSAVE_CHANGES} changes (farm)":
        f"autosave_on_changes true\nautosave_interval {FARM_AUTOSAVE_CHANGES}\n",
    "every 30 s (before)": "autosave_on_changes false\nautosave_interval 30\n",
}


def _subscriber(m: Mosquitto, stay: bool) -> Any:
    """A persistent MQTT 5 session on the telemetry; left connected (reading) if ``stay``, else closed."""
    import paho.mqtt.client as mqtt
    from paho.mqtt.enums import CallbackAPIVersion
    from paho.mqtt.packettypes import PacketTypes
    from paho.mqtt.properties import Properties

    c = mqtt.Client(CallbackAPIVersion.VERSION2, client_id="gw", protocol=mqtt.MQTTv5)
    c.username_pw_set(*m.admin_credentials("bench-gateway"))
    subscribed = threading.Event()
    c.on_connect = lambda cl, u, f, r, p: cl.subscribe(f"{PREFIX}/+/+/telemetry", 1)
    c.on_subscribe = lambda *a: subscribed.set()
    props = Properties(PacketTypes.CONNECT)
    props.SessionExpiryInterval = 3600
    c.connect("127.0.0.1", m.port, clean_start=False, properties=props)
    c.loop_start()
    if not subscribed.wait(10):
        raise RuntimeError("the bench subscriber got no SUBACK")
    if not stay:
        c.disconnect()
        c.loop_stop()
    return c


def _rate(extra_conf: str, n: int, gateway_online: bool) -> float:
    with tempfile.TemporaryDirectory(prefix="bench-broker-") as d:
        m = Mosquitto(Path(d), extra_conf=extra_conf).start()
        sub = None
        try:
            sub = _subscriber(m, stay=gateway_online)
            pub = Publisher(m.port, **m.client_kwargs())
            t0 = time.perf_counter()
            for topic, payload in readings(PREFIX, n, tanks=50):
                pub.publish(topic, payload)
            acked = pub.wait_acked(300)
            took = time.perf_counter() - t0
            pub.close()
            if acked != n:
                raise RuntimeError(f"the broker acknowledged {acked} of {n}")
            return n / took
        finally:
            if sub is not None and gateway_online:
                sub.disconnect()
                sub.loop_stop()
            m.stop()


def main(n: int = 5_000) -> None:
    print(f"QoS 1 publish, {n} readings acknowledged by a real Mosquitto (median of {REPEATS})")
    for case, online in (("gateway online", True), ("gateway away (all queued)", False)):
        rates = {name: statistics.median(_rate(conf, n, online) for _ in range(REPEATS))
                 for name, conf in SETTINGS.items()}
        before = rates["every 30 s (before)"]
        for name, rate in rates.items():
            print(f"  {case:26s} {name:28s} {rate:9.0f} msg/s  {rate / before:5.2f}x")


if __name__ == "__main__":
    main()
