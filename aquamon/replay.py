"""``aquamon replay``: would aquamon have caught it?  A CSV of readings through the running product.

The readings are published as a device publishes them (the wire contract:
``{prefix}/{tank}/{device}/telemetry``, ``{"v": 1, "seq", "ts", "r", "pump"}``,
QoS 1, the device's own broker account) to a real Mosquitto, gateway,
InfluxDB and analytics started as ``make demo`` starts them
(:class:`harness.stack.Stack`).  The file's times are shifted so that its
last row is now (the gateway accepts readings up to 30 days old), and the
analytics follow the data's own clock, as in the demo, so a day replays in
seconds.  Then every alert and every notification the keeper would have
received is printed, with its time on the file's clock, and with a label
column the figures of ``aquamon evaluate``.

The file is read by the reader ``aquamon evaluate`` uses
(:mod:`aquamon.labelled_csv`: separators, time layouts, row order, bad cells,
units); its columns must be the tank's readings the product knows (``temp_c``
... ``pump``), or be named so with ``--columns temp_c='Temperature (°C)',...``.
The times are shifted by whole days, so each reading keeps its time of day
(the day/night baseline and the notifications' clock times are the file's),
until the last row is in the past; the gateway started here accepts readings
as old as the file's first.

The rows are published in chunks spanning less than ``CHUNK`` minutes of the
file's time; before a chunk is published, the analytics must have judged the
chunks before it far enough that the readings not yet judged span less than
two chunks (a gap in the file counts), less than the six hours the analytics
judge of a backlog (``analytics.tankdata.MAX_CATCHUP_MS``), while the
analytics judge one chunk as the next is published.  The broker saves its persistence
every ``FARM_AUTOSAVE_CHANGES`` changes, not after each: a replay needs
throughput, not a crash-safe broker (a month of one-minute rows: 4 ms a
reading less); the analytics poll every 0.05 s, so a cycle starts soon after
a chunk lands.
"""

from __future__ import annotations

import json
import math
import os
import time
import urllib.request
from dataclasses import dataclass, field, replace
from datetime import timezone
from pathlib import Path
from typing import TYPE_CHECKING, Any

import numpy as np
import paho.mqtt.client as mqtt
from paho.mqtt.enums import CallbackAPIVersion

from aquamon.auth import Account
from aquamon.checkout import harness
from aquamon.config import Config
from aquamon.evaluate import carry_forward_empty_rows
from aquamon.labelled_csv import TANK_RANGES, EvaluationInputError, LabelledData, read_labelled_csv
from aquamon.replay_folder import (  # noqa: F401  (the folder's names, where callers know them)
    MARKER,
    OutFolderError,
    ReplayError,
    fresh_folder,
    hold_folder,
)
from aquamon.scoring import detection_metrics

if TYPE_CHECKING:
    from harness.services import FARM_AUTOSAVE_CHANGES, free_port
    from harness.stack import Stack
else:  # the harness is in the source checkout only: aquamon.checkout finds it there, or says what to do
    Stack = harness("stack").Stack
    free_port, FARM_AUTOSAVE_CHANGES = harness("services").free_port, harness("services").FARM_AUTOSAVE_CHANGES

CHANNELS = ("temp_c", "ph", "tds_ppm", "turb_ntu", "level_cm", "flow_lpm", "pump")
CHUNK = 150  # two chunks, the most not yet judged, are 5 h: less than the analytics' 6 h of backlog
DEVICE = "replay"
MIN_MS = 60_000
DAY_MS = 86_400_000
#: [analytics] options the replay's own stack sets (its tank, its pace, its metrics, one instance): a keeper's
#: configuration file gives the rest
REPLAY_OWNS = ("tanks", "poll_s", "metrics_host", "metrics_port", "instance_index", "instance_count",
               "notify_each_step")
@dataclass
class ReplayResult:
    alerts: list[dict[str, Any]]  # the alert measurement: time, key, severity, state, summary
    notifications: list[tuple[str, dict[str, Any]]]  # (route, Apprise JSON body)
    alarms: np.ndarray  # per CSV row: a warning or critical alert firing when that minute was judged
    metrics: dict[str, Any] | None = None
    published: int = 0
    notes: list[str] = field(default_factory=list)
    #: per notification, when the analytics sent it: the tank's data clock, as published (ms; 0: unknown)
    notification_ms: list[int] = field(default_factory=list)
    #: the keeper's time zone ([alerts] time_zone), in which a phone shows the notifications' times
    zone: Any = None
    #: how much later than in the file the readings were published (whole days)
    shift_ms: int = 0

    def zone_name(self) -> str:
        """The keeper's time zone as a keeper names it ("Europe/Berlin", "UTC")."""
        zone = self.zone or timezone.utc
        return str(getattr(zone, "key", None) or zone.tzname(None) or zone)

    def notification_time(self, i: int) -> str:
        """Notification ``i``'s time as the keeper's phone showed it, dated on the file's calendar ("?": unknown).

        The clock time is the sending minute's in the keeper's zone, the one the quiet hours were judged in
        (a file from summer replayed in winter keeps its UTC times of day, not its local ones); the date is
        the file's, the publishing shift taken back off the calendar.

        >>> from analytics.notify_policy import keeper_zone
        >>> r = ReplayResult([], [], np.zeros(0, bool), notification_ms=[DAY_MS * 20_060 + 6 * 3_600_000],
        ...                  zone=keeper_zone("Europe/Berlin"), shift_ms=150 * DAY_MS)
        >>> r.notification_time(0)  # sent 07:00 in Berlin (winter): the file's summer date
        'Sat 2024-07-06 07:00'
        """
        from datetime import timedelta

        from analytics.notify_policy import local_time

        ms = self.notification_ms[i] if i < len(self.notification_ms) else 0
        if not ms:
            return "?"
        sent = local_time(ms, self.zone or timezone.utc)
        return (sent - timedelta(days=self.shift_ms // DAY_MS)).strftime("%a %Y-%m-%d %H:%M")


def read_readings(path: Path, label_column: str = "EVENT", time_column: str = "Time", sep: str = ",",
                  columns: list[tuple[str, str]] | None = None, time_format: str | None = None) -> LabelledData:
    """The CSV's tank channels (those of ``CHANNELS`` it has, or ``columns`` as ``(channel, header)``) and its
    labels, if any; the columns left out are said in the notes.

    Raises
    ------
    EvaluationInputError
        A column named for a channel the product does not know, or no tank channel in the file.
    """
    known = ", ".join(f"{c} ({TANK_RANGES[c][2] or 'pH'})" for c in CHANNELS)
    if columns:
        unknown = [n for n, _ in columns if n not in CHANNELS]
        if unknown:
            raise EvaluationInputError(f"{path}: --columns names {', '.join(map(repr, unknown))}, which the product "
                                       f"does not read; the tank's readings are {known} (name=header)")
    probe = read_labelled_csv(path, time_column=time_column, label_column=label_column, require_label=False,
                              sep=sep, columns=columns, time_format=time_format)
    if columns:
        return _with_readings(probe)
    cols = [c for c in CHANNELS if c in probe.names]
    if not cols:
        raise EvaluationInputError(
            f"{path}: no column is a tank reading the product knows: {known}. Name the file's columns with "
            "--columns, e.g. --columns \"temp_c=Temperature (°C),ph=pH\"")
    data = read_labelled_csv(path, time_column=time_column, label_column=label_column, columns=cols,
                             require_label=False, sep=sep, time_format=time_format)
    data.notes += [n for n in probe.notes if "skipped: not numeric" in n]  # (the second read sees only cols)
    left = [n for n in probe.names if n not in cols]
    if left:
        data.notes.append(f"not published (not a tank reading; name one with --columns): {', '.join(left)}")
    return _with_readings(data)


def _with_readings(data: LabelledData) -> LabelledData:
    """``data``, refused when no row has a reading (nothing to publish: the analytics would judge nothing)."""
    if not np.isfinite(data.X).any():
        raise EvaluationInputError(f"{data.path}: no row has a reading ({len(data)} row(s), every cell of "
                                   f"{', '.join(data.names)} missing); give a file with readings")
    return data


def day_shift_ms(first_ms: int, last_ms: int, now_ms: int, step_minutes: int = 1) -> int:
    """Whole days to add so the last reading is at least a minute in the past (times of day kept).

    ``step_minutes``: the analytics step a tank at the multiples of ``[analytics] step_minutes`` since the
    epoch; the shift is also a whole number of steps, so the shifted readings are stepped on the minutes
    ``aquamon evaluate`` steps the file's own (whole weeks for a 7-minute step).

    >>> day_shift_ms(0, 3_600_000, 10 * DAY_MS + 1_800_000) // DAY_MS
    9
    >>> day_shift_ms(0, 3_600_000, 20 * DAY_MS, step_minutes=7) // DAY_MS
    14
    """
    unit = math.lcm(DAY_MS, step_minutes * MIN_MS)
    return (now_ms - MIN_MS - last_ms) // unit * unit


def judged_until(row_ms: np.ndarray, step_minutes: int = 1) -> int:
    """The last minute the analytics judge once the readings at ``row_ms`` (sorted, ms) are stored (0: none).

    ``step_minutes``: the analytics step a tank at the multiples of ``[analytics] step_minutes`` only.

    Their rules (:mod:`analytics.readings`, :meth:`analytics.tankdata.TankData.due_until`): a minute's mean is
    read once a reading of a later minute exists, and judging goes on to the end of the last minute that
    follows on from the ones before it.

    >>> judged_until(np.array([0, 60_000, 120_000, 150_000]))  # 2 min: judged up to its end, once 2:30 exists
    120000
    >>> judged_until(np.array([0, 300_000, 600_000, 900_000]))  # every 5 min: to the minute after the 10th
    660000
    >>> judged_until(np.array([0, 300_000, 600_000, 900_000]), step_minutes=5)  # stepped every 5 min: the 10th
    600000
    """
    from analytics.tankdata import TankData

    if not len(row_ms):
        return 0
    latest = int(row_ms[-1])
    minutes = np.unique(row_ms[row_ms < latest // MIN_MS * MIN_MS] // MIN_MS * MIN_MS).astype(np.int64)
    if not len(minutes):
        return 0
    settled = TankData(minutes).settled_until() or latest
    return min(latest, settled) // (step_minutes * MIN_MS) * (step_minutes * MIN_MS)


def chunks(row_ms: np.ndarray, span_ms: int = CHUNK * MIN_MS) -> list[tuple[int, int]]:
    """``(lo, hi)`` row ranges, each spanning less than ``span_ms`` of the file's time.

    >>> chunks(np.array([0, 1, 2, 10, 11]) * MIN_MS, 5 * MIN_MS)
    [(0, 3), (3, 5)]
    """
    out = []
    lo = 0
    while lo < len(row_ms):
        hi = int(np.searchsorted(row_ms, row_ms[lo] + span_ms, side="left"))
        out.append((lo, max(hi, lo + 1)))
        lo = out[-1][1]
    return out


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


def alert_columns(alerts: list[dict[str, Any]], row_ms: np.ndarray) -> dict[str, np.ndarray]:
    """Per warning or critical alert key, per row: that alert is firing once the row's minute was judged (at its
    end) -- the columns ``aquamon evaluate --predictions`` writes.

    >>> a = [{"time": 120_000, "key": "drift", "severity": "warning", "state": "firing"},
    ...      {"time": 180_000, "key": "drift", "severity": "warning", "state": "resolved"}]
    >>> alert_columns(a, np.array([0, 60_000, 120_000]))["drift"].astype(int).tolist()
    [0, 1, 0]
    """
    firing: set[str] = set()
    events = sorted((a for a in alerts if a.get("severity") in ("warning", "critical")), key=lambda a: a["time"])
    out = {key: np.zeros(len(row_ms), dtype=bool) for key in dict.fromkeys(a["key"] for a in events)}
    j = 0
    for i, t in enumerate(row_ms):
        while j < len(events) and events[j]["time"] <= t // MIN_MS * MIN_MS + MIN_MS:
            a = events[j]
            (firing.add if a["state"] == "firing" else firing.discard)(a["key"])
            j += 1
        for key in firing:
            out[key][i] = True
    return out


def alarms_from(alerts: list[dict[str, Any]], row_ms: np.ndarray) -> np.ndarray:
    """Per row: some warning or critical alert is firing once the row's minute was judged (at its end)."""
    return np.any(np.stack([np.zeros(len(row_ms), dtype=bool), *alert_columns(alerts, row_ms).values()]), axis=0)


def publish_plan(row_ms: np.ndarray, span_ms: int = CHUNK * MIN_MS) -> list[tuple[str, tuple[int, int]]]:
    """In what order to publish the chunks and wait for them to be judged: ``("publish" | "wait", (lo, hi))``.

    One chunk is judged while the next is published; before a chunk goes out, the chunks published before it
    are waited for until what is not yet judged, with it, spans less than two chunks (a gap in the file
    counts): the analytics judge at most six hours behind the latest reading.

    >>> publish_plan(np.array([0, 1, 2, 3]) * MIN_MS, 2 * MIN_MS)
    [('publish', (0, 2)), ('publish', (2, 4)), ('wait', (0, 2)), ('wait', (2, 4))]
    >>> publish_plan(np.array([0, 1, 9, 10]) * MIN_MS, 2 * MIN_MS)  # a gap: no second chunk in flight
    [('publish', (0, 2)), ('wait', (0, 2)), ('publish', (2, 4)), ('wait', (2, 4))]
    """
    plan: list[tuple[str, tuple[int, int]]] = []
    pending: list[tuple[int, int]] = []  # published, not yet waited for
    for lo, hi in chunks(row_ms, span_ms):
        while pending and row_ms[hi - 1] - row_ms[pending[0][0]] >= 2 * span_ms:
            plan.append(("wait", pending.pop(0)))
        plan.append(("publish", (lo, hi)))
        pending.append((lo, hi))
        if len(pending) > 1:
            plan.append(("wait", pending.pop(0)))
    return plan + [("wait", p) for p in pending]


def with_keeper_settings(stack_cfg: Config, keeper: Config) -> Config:
    """The replay stack's config with the keeper's own detection settings.

    The keeper's ``[alerts]`` (profile, limits, per-tank tables, quiet hours,
    time zone ...) and ``[analytics]`` (window, baseline, warm-up, rates ...)
    are used whole, but for what the replay's own stack sets (:data:`REPLAY_OWNS`);
    every other section (broker and InfluxDB addresses, spool, gateway,
    notification URLs) is the replay's.

    >>> from aquamon.config import load_config_text
    >>> keeper = load_config_text('[alerts]\\nprofile = "turtle"\\n[analytics]\\nwindow_minutes = 30\\n'
    ...                           'tanks = ["a"]\\n')
    >>> cfg = with_keeper_settings(Config(), keeper)
    >>> cfg.alerts.profile, cfg.analytics.window_minutes, cfg.analytics.tanks
    ('turtle', 30, [])
    """
    own = {name: getattr(stack_cfg.analytics, name) for name in REPLAY_OWNS}
    return replace(stack_cfg, analytics=replace(keeper.analytics, **own), alerts=keeper.alerts)


def replay(csv_path: Path, tank: str = "replay", out: Path = Path("replay-output"),
           label_column: str = "EVENT", time_column: str = "Time", timeout_s: float = 120.0, sep: str = ",",
           columns: list[tuple[str, str]] | None = None, time_format: str | None = None,
           config: Path | None = None, services: Stack | None = None, namespace: str = "aquamon") -> ReplayResult:
    """Publish the CSV through a fresh stack and collect what the keeper would have got.

    ``config``: the keeper's configuration file (:func:`with_keeper_settings`: its profile, limits and
    analytics settings; the default configuration when None).  ``services``: a stack whose broker and
    InfluxDB already run (tests share theirs; the replay then uses database and topic prefix
    ``namespace`` and stops only what it started), else the replay starts its own in ``out``.

    Raises
    ------
    EvaluationInputError
        The file cannot be read (the message says what to do).
    aquamon.config.ConfigError
        The configuration file cannot be read or is invalid (before anything starts).
    TimeoutError
        The analytics did not judge a chunk in ``timeout_s``.
    """
    from analytics.config_check import CHECKS
    from aquamon.config import load_config
    from aquamon.demo import NotificationInbox

    keeper = load_config(config, CHECKS)
    data = read_readings(csv_path, label_column, time_column, sep, columns, time_format)
    file_ms = np.round(data.t_s * 1000).astype(np.int64)
    shift = day_shift_ms(int(file_ms[0]), int(file_ms[-1]), int(time.time() * 1000), keeper.analytics.step_minutes)
    row_ms = file_ms + shift
    held: int | None = None
    if services is None:
        folder = fresh_folder(out)
        held = hold_folder(folder)  # released when this replay ends: a second one into it is refused meanwhile
        stack = Stack(folder)
    else:
        stack = services
    notes: list[tuple[str, dict[str, Any]]] = []
    sent_ms: list[int] = []
    db_ref: list[Any] = []  # the stack's database, once it runs: the pager's saved clock says when it sent

    def heard(route: str, doc: dict[str, Any]) -> None:
        notes.append((route, doc))
        sent_ms.append(_data_clock_of_send(db_ref, tank))

    inbox = NotificationInbox(heard)
    client = None
    try:
        try:
            if services is None:
                stack.start_services(autosave_changes=FARM_AUTOSAVE_CHANGES)
            # a cycle soon after each chunk lands (replay waits on cycles)
            cfg = with_keeper_settings(stack.config(namespace, namespace, poll_s=0.05), keeper)
        except Exception as e:  # the harness's ServiceError, a query refused: said, not a traceback
            if services is None and stack.mosquitto is not None and not stack.owns_services:  # (stop_all: a pair)
                stack.mosquitto.stop()
            raise ReplayError(f"could not start the broker and InfluxDB: {e}; see the logs in {out}") from e
        cfg.notify = replace(cfg.notify, critical=[f"{inbox.url}/critical"], warning=[f"{inbox.url}/warning"],
                             info=[f"{inbox.url}/info"])
        cfg.analytics = replace(cfg.analytics, tanks=[tank], notify_each_step=True)  # pages as if live
        # the file's first reading must not be too old for the gateway (a device back after a long outage)
        cfg.gateway = replace(cfg.gateway, max_age_days=max(cfg.gateway.max_age_days,
                                                            (time.time() * 1000 - int(row_ms[0])) / DAY_MS + 1.0))
        # the analytics' metrics say when a cycle has ended (_wait_judged)
        cfg.analytics = replace(cfg.analytics, metrics_port=free_port())
        metrics_url = f"http://{cfg.analytics.metrics_host}:{cfg.analytics.metrics_port}/metrics"
        stack.start_gateway(cfg)
        stack.start_analytics(cfg)
        if stack.mosquitto is None:
            raise RuntimeError("the broker did not start")
        user, password = stack.mosquitto.ensure_account(Account.for_device(tank, DEVICE, cfg.mqtt.topic_prefix))
        client = mqtt.Client(CallbackAPIVersion.VERSION2, client_id=f"aq-{tank}-{DEVICE}")
        client.username_pw_set(user, password)
        client.connect(cfg.mqtt.host, cfg.mqtt.port)
        client.loop_start()
        db = stack.db(cfg)
        db_ref.append(db)
        topic = f"{cfg.mqtt.topic_prefix}/{tank}/{DEVICE}/telemetry"
        messages = payloads(data, shift)
        for action, (lo, hi) in publish_plan(row_ms):
            if action == "publish":
                for info in [client.publish(topic, m, qos=1) for m in messages[lo:hi]]:
                    info.wait_for_publish(timeout_s)
            elif not _wait_judged(db, tank, hi, metrics_url, timeout_s):  # (reading i has seq i + 1)
                raise TimeoutError(f"the analytics did not judge the readings up to "
                                   f"{_file_time(int(file_ms[hi - 1]))} within {timeout_s:g} s: see "
                                   f"{out}/analytics.log")
        time.sleep(1.0)  # the last notifications
        alerts = _alerts(db, tank)
        for a in alerts:
            a["file_time"] = _file_time(int(a["time"]) - shift)
        keys = {k: carry_forward_empty_rows(data.X, np.zeros(len(data)), v)[1]
                for k, v in alert_columns(alerts, row_ms).items()}
        _, alarms = carry_forward_empty_rows(data.X, np.zeros(len(data)), alarms_from(alerts, row_ms))
        # the rows of the last minute(s) are never judged: no later reading closes their minute (nor, stepped
        # every [analytics] step_minutes, the minutes after the last step)
        judged = row_ms // MIN_MS * MIN_MS + MIN_MS <= judged_until(row_ms, cfg.analytics.step_minutes)
        said = list(data.notes)
        said.append(f"the readings were published {shift // DAY_MS} day(s) after their time in the file, as a device "
                    "would send them now: dates in the notifications are that much later, times of day the file's")
        log_path = stack.workdir.resolve() / "analytics.log"
        if log_path.is_file() and "were not evaluated" in log_path.read_text(errors="replace"):
            said.append(f"the analytics skipped minutes more than 6 h behind the readings (a gap of more than 6 h "
                        f"in the file): see {log_path}")
        if not judged.all():
            after = "" if cfg.analytics.step_minutes == 1 else \
                f", or they come after the last {cfg.analytics.step_minutes}-minute step ([analytics] step_minutes)"
            said.append(f"{int((~judged).sum())} row(s) of the last minute(s) not judged (no later reading closes "
                        f"them{after}): left out of the figures")
        metrics = detection_metrics(data.t_s[judged], data.labels[judged], alarms[judged],
                                    {k: v[judged] for k, v in keys.items()}) if data.labels is not None else None
        from analytics.notify_policy import keeper_zone

        return ReplayResult(alerts, list(notes), alarms, metrics, len(messages), said,
                            list(sent_ms), keeper_zone(cfg.alerts.time_zone, cfg.alerts.utc_offset_minutes), shift)
    finally:
        if client is not None:
            client.loop_stop()
            client.disconnect()
        inbox.close()
        stack.stop_all()
        if held is not None:
            os.close(held)


def _file_time(ms: int) -> str:
    """A time on the file's clock, as a keeper reads it (UTC)."""
    return time.strftime("%Y-%m-%d %H:%M", time.gmtime(ms / 1000))


def _data_clock_of_send(db_ref: list[Any], tank: str) -> int:
    """The tank's data clock when the analytics sent a notification (0: unknown).

    The pager saves its state, with the tank's clock (``now``), just before it sends
    (:mod:`analytics.notify_store`), so the latest saved document is the sending one's.
    """
    if not db_ref:
        return 0
    try:
        series = db_ref[0].query(f'SELECT last("doc") FROM "notify_state" WHERE "tank" = \'{tank}\'')
        return int(json.loads(series[0]["values"][0][1]).get("now") or 0) if series else 0
    except (OSError, ValueError, KeyError, IndexError, TypeError):  # a line without its time, not a failure
        return 0


def _wait_judged(db: Any, tank: str, seq: int, metrics_url: str, timeout_s: float) -> bool:
    """Wait until the analytics judged every minute the readings up to ``seq`` let them judge.

    Once the gateway has stored reading ``seq``, the second analytics cycle to end after that started after it:
    a cycle reads what is stored and judges every minute due (``analytics/service.py``), so by then all is
    judged.  No guess from what a step writes (a step may write no score: a tank read every few minutes has
    no rates to score), and no waiting for quiet.
    """
    deadline = time.monotonic() + timeout_s

    def stored() -> bool:
        s = db.query(f'SELECT last("seq") FROM "water" WHERE "tank" = \'{tank}\'')
        return bool(s) and bool(s[0].get("values")) and int(s[0]["values"][0][1]) >= seq

    while not stored():
        if time.monotonic() > deadline:
            return False
        time.sleep(0.1)
    first = None
    while first is None or (now := _cycles(metrics_url)) is None or now < first + 2:
        if first is None:
            first = _cycles(metrics_url)
        if time.monotonic() > deadline:
            return False
        time.sleep(0.1)
    return True


def _cycles(metrics_url: str) -> int | None:
    """The analytics' ``aquamon_analytics_cycles_total`` (their Prometheus metrics; None before they serve)."""
    try:
        with urllib.request.urlopen(metrics_url, timeout=10) as r:
            text = r.read().decode()
    except OSError:  # (URLError is one) the analytics are starting
        return None
    for line in text.splitlines():
        if line.startswith("aquamon_analytics_cycles_total "):
            return int(float(line.split()[1]))
    return 0


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
