"""``aquamon replay``: would aquamon have caught it?  A CSV of readings through the running product.

The readings are published as a device publishes them (the wire contract:
``{prefix}/{tank}/{device}/telemetry``, ``{"v": 1, "seq", "ts", "r", "pump"}``,
QoS 1, the device's own broker account) to a real Mosquitto, gateway,
InfluxDB and analytics started as ``make demo`` starts them
(:class:`harness.stack.Stack`).  The file's times are shifted so that its
last row is now (the gateway accepts readings up to 30 days old), and the
analytics follow the data's own clock, as in the demo, so a day replays in
seconds.  Then every alert and every notification the keeper would have
received is printed, and with a label column the figures of ``aquamon
evaluate``.

The rows are published in chunks of at most ``CHUNK`` minutes, each waited
for until the analytics have judged it: the analytics judge at most the last
six hours of a backlog (``analytics.service.MAX_CATCHUP_MS``).
"""

from __future__ import annotations

import json
import time
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import TYPE_CHECKING, Any

import numpy as np
import paho.mqtt.client as mqtt
from paho.mqtt.enums import CallbackAPIVersion

from aquamon.auth import Account
from aquamon.checkout import harness
from aquamon.evaluate import LabelledData, detection_metrics, read_labelled_csv

if TYPE_CHECKING:
    from harness.stack import Stack, wait_for
else:  # the harness is in the source checkout only: aquamon.checkout finds it there, or says what to do
    Stack, wait_for = harness("stack").Stack, harness("stack").wait_for

CHANNELS = ("temp_c", "ph", "tds_ppm", "turb_ntu", "level_cm", "flow_lpm", "pump")
CHUNK = 240
DEVICE = "replay"
MIN_MS = 60_000


@dataclass
class ReplayResult:
    alerts: list[dict[str, Any]]  # the alert measurement: time, key, severity, state, summary
    notifications: list[tuple[str, dict[str, Any]]]  # (route, Apprise JSON body)
    alarms: np.ndarray  # per CSV row: a warning or critical alert firing when that minute was judged
    metrics: dict[str, Any] | None = None
    published: int = 0
    notes: list[str] = field(default_factory=list)


def read_readings(path: Path, label_column: str = "EVENT", time_column: str = "Time") -> LabelledData:
    """The CSV's tank channels (those of ``CHANNELS`` it has) and its labels, if any."""
    probe = read_labelled_csv(path, time_column=time_column, label_column=label_column, require_label=False)
    cols = [c for c in CHANNELS if c in probe.names]
    return read_labelled_csv(path, time_column=time_column, label_column=label_column, columns=cols or None,
                             require_label=False)


def payloads(data: LabelledData, shift_ms: int) -> list[bytes]:
    """One telemetry message per row, as the firmware writes it."""
    out = []
    for i in range(len(data)):
        r = {n: round(float(v), 6) for n, v in zip(data.names, data.X[i]) if n != "pump" and np.isfinite(v)}
        doc: dict[str, Any] = {"v": 1, "seq": i + 1, "ts": int(round(data.t_s[i] * 1000)) + shift_ms, "r": r}
        if "pump" in data.names and np.isfinite(data.X[i, data.names.index("pump")]):
            doc["pump"] = int(data.X[i, data.names.index("pump")])
        out.append(json.dumps(doc, separators=(",", ":")).encode())
    return out


def alarms_from(alerts: list[dict[str, Any]], row_ms: np.ndarray) -> np.ndarray:
    """Per row: some warning or critical alert is firing once the row's minute was judged (at row + 1 min)."""
    firing: set[str] = set()
    out = np.zeros(len(row_ms), dtype=bool)
    events = sorted(alerts, key=lambda a: a["time"])
    j = 0
    for i, t in enumerate(row_ms):
        while j < len(events) and events[j]["time"] <= t + MIN_MS:
            a = events[j]
            if a.get("severity") in ("warning", "critical"):
                (firing.add if a["state"] == "firing" else firing.discard)(a["key"])
            j += 1
        out[i] = bool(firing)
    return out


def replay(csv_path: Path, tank: str = "replay", out: Path = Path("replay-output"),
           label_column: str = "EVENT", time_column: str = "Time", timeout_s: float = 120.0) -> ReplayResult:
    """Publish the CSV through a fresh stack and collect what the keeper would have got."""
    from aquamon.demo import NotificationInbox

    data = read_readings(csv_path, label_column, time_column)
    if len(data) == 0:
        raise ValueError(f"{csv_path}: no rows to replay")
    now_ms = int(time.time() * 1000) // MIN_MS * MIN_MS
    shift = now_ms - MIN_MS - int(round(data.t_s[-1] * 1000)) // MIN_MS * MIN_MS
    stack = Stack(out.resolve())
    notes: list[tuple[str, dict[str, Any]]] = []
    inbox = NotificationInbox(lambda route, doc: notes.append((route, doc)))
    client = None
    try:
        stack.start_services()
        cfg = stack.config()
        cfg.notify = replace(cfg.notify, critical=[f"{inbox.url}/critical"], warning=[f"{inbox.url}/warning"],
                             info=[f"{inbox.url}/info"])
        cfg.analytics = replace(cfg.analytics, tanks=[tank], notify_each_step=True)  # pages as if live
        stack.start_gateway(cfg)
        stack.start_analytics(cfg)
        assert stack.mosquitto is not None
        user, password = stack.mosquitto.ensure_account(Account.for_device(tank, DEVICE, cfg.mqtt.topic_prefix))
        client = mqtt.Client(CallbackAPIVersion.VERSION2, client_id=f"aq-{tank}-{DEVICE}")
        client.username_pw_set(user, password)
        client.connect(cfg.mqtt.host, cfg.mqtt.port)
        client.loop_start()
        db = stack.db(cfg)
        topic = f"{cfg.mqtt.topic_prefix}/{tank}/{DEVICE}/telemetry"
        messages = payloads(data, shift)
        for lo in range(0, len(messages), CHUNK):
            infos = [client.publish(topic, m, qos=1) for m in messages[lo:lo + CHUNK]]
            for info in infos:
                info.wait_for_publish(timeout_s)
            last = int(round(data.t_s[min(lo + CHUNK, len(messages)) - 1] * 1000)) + shift
            # judged up to the last whole minute (the analytics judge a minute once a later reading exists)
            target = last // MIN_MS * MIN_MS
            if not wait_for(lambda target=target: _last_evaluated(db, tank) >= target, timeout_s):
                raise TimeoutError(f"the analytics did not judge the readings up to {target} within "
                                   f"{timeout_s:g} s: see {out}/analytics.log")
        time.sleep(1.0)  # the last notifications
        alerts = _alerts(db, tank)
        row_ms = np.round(data.t_s * 1000).astype(np.int64) + shift
        alarms = alarms_from(alerts, row_ms)
        # the last row's minute is never judged (no later reading closes it)
        metrics = detection_metrics(data.t_s[:-1], data.labels[:-1], alarms[:-1]) if data.labels is not None \
            else None
        return ReplayResult(alerts, list(notes), alarms, metrics, len(messages))
    finally:
        if client is not None:
            client.loop_stop()
            client.disconnect()
        inbox.close()
        stack.stop_all()


def _last_evaluated(db: Any, tank: str) -> int:
    """Time of the tank's latest score point: the last minute the analytics judged (0 before any)."""
    s = db.query(f'SELECT * FROM "score" WHERE "tank" = \'{tank}\' ORDER BY time DESC LIMIT 1')
    return int(s[0]["values"][0][0]) if s and s[0].get("values") else 0


def _alerts(db: Any, tank: str) -> list[dict[str, Any]]:
    out = []
    for s in db.query(f'SELECT "key", "severity", "state", "summary" FROM "alert" WHERE "tank" = \'{tank}\''):
        for row in s.get("values") or []:
            out.append(dict(zip(s["columns"], row)))
    return out
