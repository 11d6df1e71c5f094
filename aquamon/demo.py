"""``aquamon demo``: a simulated tank end to end on real services.

Starts Mosquitto and InfluxDB 1.x on free loopback ports, the gateway and the
analytics as child processes, and the firmware on the MicroPython unix port
against a simulated tank with injected faults; shows readings and alerts live;
stops everything it started by PID (also on Ctrl-C); leaves the data, logs and
a report in the output folder.
"""

from __future__ import annotations

import json
import os
import re
import signal
import threading
import time
from dataclasses import dataclass, field, replace
from datetime import datetime, timezone
from pathlib import Path
from typing import TYPE_CHECKING, Any

import paho.mqtt.client as mqtt
from paho.mqtt.enums import CallbackAPIVersion
from rich.console import Console, Group
from rich.live import Live
from rich.markup import escape
from rich.table import Table

from analytics.notify_text import keeper_words, title
from analytics.pager import policy_from
from aquamon.checkout import harness
from aquamon.contract import shown_sensors

if TYPE_CHECKING:
    from harness.services import ServiceError, free_port
    from harness.stack import Stack, firmware_config, wait_for
else:  # the harness is in the source checkout only: aquamon.checkout finds it there, or says what to do
    ServiceError, free_port = harness("services").ServiceError, harness("services").free_port
    Stack, firmware_config, wait_for = harness("stack").Stack, harness("stack").firmware_config, harness("stack").wait_for

TANK, DEVICE = "demo-tank", "esp32-sim"
# The drift detector scores only after 48 h of history and the stuck heater starts 6 h before the end,
# so from 56 h on (2 h of margin) the demo must show a drift alert; shorter demos show rules and probes only.
DRIFT_SHOWN_FROM_H = 56.0
# the contract's sensors (a sensor added there gets a column): key, unit (pH: its name), decimals
SENSOR_COLS = tuple((s.key, s.unit or s.label, s.decimals) for s in shown_sensors())


# The heater is plugged into the controller's relay as a guard (its own thermostat regulates): when that
# thermostat sticks, the device cuts the heater off at 27 °C, long before the water is in danger.
#: the simulated tank goes on this long after quiet hours end: the morning message is shown
MORNING_SHOWN_MIN = 30

DEMO_HEATER = {"enabled": True, "set_c": 0.0, "cutoff_c": 27.0, "rearm_c": 1.0, "min_off_s": 600}
STOP_SIGNALS = (signal.SIGINT, signal.SIGTERM, signal.SIGHUP)  # Ctrl-C, kill, a closed terminal
SERVE_MINUTES = 7 * 24 * 60  # with --serve the tank goes on in real time, a week at most


def demo_faults(hours: float) -> list[dict[str, Any]]:
    """The injected faults, in the last hours, after enough healthy history to learn the probes' noise.

    The simulated tank ends half an hour after the keeper's night (:func:`demo_end_ms`), so these fall in it:
    with quiet hours 22:00-07:00, the stuck probe at 22:30, the heater at 01:30, the sump at 03:30, the pump at
    04:30 and the pH crash from 05:00 to 07:00, and the morning message goes out at 07:00.
    """
    total = int(hours * 60)
    return [
        {"kind": "ph_stuck", "start_min": total - 9 * 60, "end_min": total - 8 * 60},
        {"kind": "heater_stuck", "start_min": total - 6 * 60, "end_min": total - 6 * 60 + 90, "rate_c_per_h": 3.0},
        {"kind": "sump_low", "start_min": total - 4 * 60, "end_min": total - 4 * 60 + 15},
        {"kind": "pump_stopped", "start_min": total - 3 * 60, "end_min": total - 3 * 60 + 20},
        {"kind": "ph_crash", "start_min": total - 150, "end_min": total - 30, "drop": 0.5},
    ]


def demo_end_ms(now_ms: int, quiet_hours: str, zone: Any) -> int:
    """The simulated tank's end: the last time at or before ``now_ms`` that is half an hour after quiet hours end.

    The demo shows a keeper's night (critical pages only, the rest held for the morning), whatever the hour it
    runs.  Without quiet hours, the tank ends now.

    >>> from datetime import timezone
    >>> now = 1_796_428_800_000 + 14 * 3_600_000  # Sat 2026-12-05 14:00 UTC
    >>> (now - demo_end_ms(now, "22:00-07:00", timezone.utc)) / 3_600_000  # 07:30 this morning
    6.5
    >>> (now - demo_end_ms(now, "23:00-05:00", timezone.utc)) / 3_600_000
    8.5
    >>> demo_end_ms(now, "", timezone.utc) == now
    True
    """
    from analytics.notify_policy import next_local, parse_hhmm

    if not quiet_hours:
        return now_ms
    minute = (parse_hhmm(quiet_hours.partition("-")[2], "quiet_hours end") + MORNING_SHOWN_MIN) % 1440
    end = next_local(now_ms - 86_400_000, minute, zone)
    return end if end <= now_ms else end - 86_400_000


class NotificationInbox:
    """A local HTTP endpoint for Apprise's ``json://``: the demo shows what a keeper's phone would get."""

    def __init__(self, show: Any) -> None:
        from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

        self.received: list[dict[str, Any]] = []

        inbox = self

        class Handler(BaseHTTPRequestHandler):
            def do_POST(self) -> None:  # http.server's name
                try:
                    doc = json.loads(self.rfile.read(int(self.headers.get("Content-Length", 0))))
                except ValueError:
                    doc = {}
                inbox.received.append(doc)
                show(self.path.strip("/"), doc)
                self.send_response(200)
                self.end_headers()

            def log_message(self, *args: Any) -> None:
                pass

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.url = f"json://127.0.0.1:{self.server.server_address[1]}"
        threading.Thread(target=self.server.serve_forever, daemon=True).start()

    def close(self) -> None:
        self.server.shutdown()
        self.server.server_close()


@dataclass
class LiveState:
    last: dict[str, Any] = field(default_factory=dict)
    received: int = 0
    alerts: list[dict[str, Any]] = field(default_factory=list)
    lock: threading.Lock = field(default_factory=threading.Lock)


def _zone_name(zone: Any) -> str:
    return str(getattr(zone, "key", None) or zone.tzname(None) or zone)


def _fmt_time(ts_ms: int) -> str:
    return datetime.fromtimestamp(ts_ms / 1000, tz=timezone.utc).strftime("%a %H:%M")


def _view(state: LiveState, fw_minutes: int) -> Group:
    t = Table(title="Simulated tank (live from MQTT)", expand=False)
    t.add_column("sim time (UTC)")
    for name, unit, _ in SENSOR_COLS:
        t.add_column(f"{name.split('_')[0]} {unit}", justify="right")
    t.add_column("pump")
    t.add_column("readings", justify="right")
    with state.lock:
        last = dict(state.last)
        n = state.received
    if last:
        r = last.get("r", {})
        t.add_row(_fmt_time(last["ts"]), *[f"{r[c]:.{d}f}" if c in r else "-" for c, _, d in SENSOR_COLS],
                  "on" if last.get("pump") else "OFF", f"{n}/{fw_minutes}")
    return Group(t)


def start_demo_web(stack: Stack, cfg: Any, out: Path, console: Console) -> tuple[Any, dict[str, Any]]:
    """The keeper's window for the demo: a fresh operator login (random password, printed), the device's
    command key in the app's key folder, the app on a free loopback port.  Returns (config, firmware cmd)."""
    import secrets

    from aquamon.web.accounts import WebAccounts

    keys = out / "web-keys"
    keys.mkdir(mode=0o700, parents=True, exist_ok=True)
    device_key = secrets.token_hex(32)
    key_file = keys / f"{TANK}.{DEVICE}.key"
    key_file.touch(mode=0o600)  # private before the key is in it
    key_file.write_text(device_key + "\n")
    password = secrets.token_urlsafe(12)
    accounts = WebAccounts(out / "web-users")
    accounts.add("keeper", "operator", password)
    cfg = replace(cfg, alerts=replace(cfg.alerts, command_key=secrets.token_hex(32)),
                  web=replace(cfg.web, port=free_port(), accounts_file=str(accounts.path), device_keys_dir=str(keys),
                              session_secret=secrets.token_urlsafe(32), secure_cookies=False))
    stack.start_web(cfg)
    console.print(f"[bold]Web app:[/] http://127.0.0.1:{cfg.web.port}/  (log in as [bold]keeper[/], password "
                  f"[bold]{password}[/]; open it on this machine, or through an SSH tunnel)")
    return cfg, {"cmd_key": device_key}


def write_keeper_config(stack: Stack, cfg: Any, out: Path) -> Path:
    """The keeper's settings for commands to the running demo: an operator account and the alert command key.

    ``aquamon silence demo-tank KEY --ack --config`` this file acknowledges a page (the analytics check the
    signature with the same ``[alerts] command_key``).  Private to its owner: it holds a password and the key.
    """
    from aquamon.config import Config, to_toml

    user, password = stack.service_credentials("operator", cfg.mqtt.topic_prefix)
    keeper = Config()
    keeper.mqtt = replace(cfg.mqtt, username=user, password=password)
    keeper.alerts = replace(keeper.alerts, command_key=cfg.alerts.command_key, quiet_hours=cfg.alerts.quiet_hours,
                            time_zone=cfg.alerts.time_zone)
    path = out / "keeper.toml"
    path.touch(mode=0o600)  # private before the secrets are in it
    path.write_text(to_toml(keeper))
    return path


#: what a demo leaves in its folder (before it marked the folder as its own: those folders are emptied too)
DEMO_FILES = frozenset({"analytics.log", "analytics.toml", "device-state", "firmware.json", "firmware.log",
                        "gateway.log", "gateway.toml", "influxdb", "keeper.toml", "mosquitto", "report", "spool",
                        "web-keys", "web-users", "web.log", "web.toml"})


def run_demo(hours: float = 56.0, speed: float = 3000.0, out: Path = Path("demo-output"), serve: bool = False) -> int:
    console = Console()
    from aquamon.replay import fresh_folder, hold_folder

    out = fresh_folder(out, "demo", DEMO_FILES)  # a keeper's own folder is refused, never deleted
    held = hold_folder(out, "demo")  # a second demo into it is refused while this one runs
    stack = Stack(out)
    state = LiveState()
    minutes = int(hours * 60)
    client: mqtt.Client | None = None
    inbox: NotificationInbox | None = None
    live: Any = None
    db_ref: list[Any] = []  # the demo's database, once started: when each push went out (simulated time)
    t_start = time.monotonic()
    # `kill` or a closed terminal stops the demo as Ctrl-C does: everything it started stops too (they
    # outlived it, Mosquitto and InfluxDB included, before).  Ctrl-C too is set here, not left to Python:
    # started where SIGINT is ignored (a background job, a test runner's worker) Python installs no handler
    # for it, and `--serve` then ran on through every Ctrl-C
    stop_handlers = {sig: signal.signal(sig, signal.default_int_handler) for sig in STOP_SIGNALS}

    pushes: list[Push] = []

    def show_notification(path: str, doc: dict[str, Any]) -> None:
        push = Push(path, _sim_time_of_send(db_ref), str(doc.get("title")), str(doc.get("message")))
        pushes.append(push)
        colour = {"critical": "bold red", "warning": "yellow", "info": "cyan"}.get(path, "white")
        when = _fmt_time(push.sim_ms) if push.sim_ms else "?"
        (live.console if live is not None else console).print(
            f"[{colour}]NOTIFY   {when} {path:8}: {escape(push.title)}[/] — {escape(push.body)}", soft_wrap=True)
    try:
        console.rule("[bold]aquamon demo")
        console.print(f"Starting Mosquitto and InfluxDB on free loopback ports under {out} ...")
        stack.start_services()
        assert stack.mosquitto and stack.influx
        console.print(f"  mosquitto pid {stack.mosquitto.pid} port {stack.mosquitto.port}; "
                      f"influxd pid {stack.influx.pid} port {stack.influx.port}")
        cfg = stack.config()
        db_ref.append(stack.db(cfg))
        inbox = NotificationInbox(show_notification)
        # night in the simulated tank is night for the demo too: warnings then wait for 07:00
        cfg.notify = replace(cfg.notify, critical=[f"{inbox.url}/critical"], warning=[f"{inbox.url}/warning"],
                             info=[f"{inbox.url}/info"])
        cfg, fw_cmd = start_demo_web(stack, cfg, out, console)  # first: it sets the alert command key
        keeper_toml = write_keeper_config(stack, cfg, out)
        stack.start_gateway(cfg)
        stack.start_analytics(cfg)

        client = mqtt.Client(CallbackAPIVersion.VERSION2, client_id="aquamon-demo-viewer")
        client.username_pw_set(*stack.service_credentials("viewer"))  # read-only account

        device_acts: list[dict[str, Any]] = []  # what the device did on its own (heater guard)

        def on_message(c: Any, u: Any, msg: mqtt.MQTTMessage) -> None:
            try:
                doc = json.loads(msg.payload)
            except ValueError:
                return
            if msg.topic.endswith("/event") and str(doc.get("kind", "")).startswith("heater_"):
                device_acts.append(doc)
                live.console.print(f"[yellow][bold]DEVICE  [/] {_fmt_time(doc['ts'])} "
                                   f"{escape(str(doc.get('detail')))}[/]", soft_wrap=True)
            elif msg.topic.endswith("/telemetry"):
                with state.lock:
                    state.last = doc
                    state.received += 1
            elif "/alert/" in msg.topic and msg.payload:
                with state.lock:
                    state.alerts.append(doc)
                firing = doc.get("state") == "firing"
                # the alert topic, for machines; shown in words (an ended alert without its advice)
                said = escape(keeper_words(str(doc.get("summary")))) if firing else "over"
                live.console.print(f"[{'red' if firing else 'green'}][bold]{doc.get('state', '').upper():8}[/] "
                                   f"{_fmt_time(doc['ts'])} {doc.get('severity')} {title(str(doc.get('key')))} "
                                   f"({doc.get('key')}): {said}[/]", soft_wrap=True)

        client.on_message = on_message
        client.on_connect = lambda c, u, f, r, p: c.subscribe([(f"aquamon/{TANK}/+/telemetry", 0),
                                                              (f"aquamon/{TANK}/alert/#", 1),
                                                              (f"aquamon/{TANK}/+/event", 1)])
        client.connect(cfg.mqtt.host, cfg.mqtt.port)
        client.loop_start()

        policy = policy_from(cfg)
        end_ms = demo_end_ms(int(time.time() * 1000), cfg.alerts.quiet_hours, policy.zone)
        fw_cfg = firmware_config(tank=TANK, device=DEVICE, mqtt_port=cfg.mqtt.port, state_dir=out / "device-state",
                                 minutes=minutes, start_epoch_ms=end_ms - minutes * 60_000, speed=speed,
                                 faults=demo_faults(hours), **fw_cmd,
                                 # the keeper signs on the real clock (web buttons, aquamon command)
                                 extra={"heater": DEMO_HEATER, "sim": {"commands_on_wall_clock": True}})
        start_ms = end_ms - minutes * 60_000
        faults = ", ".join(f"{f['kind']} at {_fmt_time(start_ms + f['start_min'] * 60_000)}"
                           for f in fw_cfg["sim"]["faults"])
        console.print(f"Firmware on the MicroPython unix port: {hours:g} simulated hours at {speed:g}x, "
                      f"{_fmt_time(start_ms)} to {_fmt_time(end_ms)}; faults injected: {faults}")
        console.print(f"The keeper's night is {cfg.alerts.quiet_hours or 'not set'} ({_zone_name(policy.zone)}): "
                      "critical alerts page at once, once per incident; warnings, reminders and all-clears wait "
                      "for the morning message.")
        console.print(f"To acknowledge a page while the demo runs (the messages' hint, with the demo's keeper "
                      f"settings): aquamon silence {TANK} KEY --ack --config {keeper_toml}", soft_wrap=True)
        fw = stack.start_firmware(fw_cfg)
        # Ctrl-C during the live view ends the view at a safe point: a KeyboardInterrupt raised inside rich's
        # locks could leave its refresh thread waiting for ever, and the demo with it.
        interrupted = threading.Event()
        previous = {sig: signal.signal(sig, lambda signum, frame: interrupted.set()) for sig in STOP_SIGNALS}
        try:
            with Live(_view(state, minutes), console=console, refresh_per_second=4, transient=False) as live:
                while fw.alive() and not interrupted.is_set():
                    live.update(_view(state, minutes))
                    interrupted.wait(0.25)
                live.update(_view(state, minutes))
        finally:
            for sig, handler in previous.items():
                signal.signal(sig, handler)
        if interrupted.is_set():
            raise KeyboardInterrupt
        console.print()  # off a terminal, Live leaves its last frame without a newline
        result = stack.firmware_result(fw) or {}
        if fw.proc.returncode != 0 or not result:
            console.print(f"[red]The firmware ended with code {fw.proc.returncode}:[/]\n{fw.log_tail()}")
            return 1
        published = int(result.get("published", 0))
        db = stack.db(cfg)

        def count_written() -> int:
            s = db.query('SELECT count("seq") FROM "water"')
            return int(s[0]["values"][0][1]) if s else 0

        wait_for(lambda: count_written() >= published, 60)
        last_ts = db.query('SELECT last("seq") FROM "water"')[0]["values"][0][0]
        wait_for(lambda: _last_score(db) >= (last_ts // 60000) * 60000, 60)
        for proc in list(stack.processes):
            if proc.name != "web":  # the keeper's window stays up until the end (or with --serve, after)
                proc.stop()
        stats = db.query('SELECT last(*) FROM "gateway"')
        gw = dict(zip(stats[0]["columns"], stats[0]["values"][0])) if stats else {}
        from analytics.notify_policy import keeper_zone
        from aquamon.report import write_report

        # the run's own hours: the simulated tank ended at end_ms (this morning), not now
        report = write_report(db, TANK, out / "report", hours=hours, now_ms=end_ms,
                              zone=keeper_zone(cfg.alerts.time_zone, cfg.alerts.utc_offset_minutes))
        fired = [a for a in state.alerts if a.get("state") == "firing"]
        summary = Table(title="Summary", show_header=False)
        summary.add_row("readings published (firmware)", str(published))
        summary.add_row("messages received (gateway)", str(int(gw.get("last_received") or 0)))
        summary.add_row("readings written (InfluxDB)", str(count_written()))
        summary.add_row("messages rejected", str(int(gw.get("last_rejected") or 0)))
        summary.add_row("alerts fired", ", ".join(sorted({a['key'] for a in fired})) or "none")
        summary.add_row("notifications (Apprise)", str(len(inbox.received)))
        for label, value in notification_rows(pushes, policy_from(cfg), out / "analytics.log"):
            summary.add_row(label, value)

        cutoffs = [a for a in device_acts if a.get("kind") == "heater_cutoff"]
        summary.add_row("heater guard (device)", "; ".join(str(a.get("detail")) for a in cutoffs) or "no cut-off")
        summary.add_row("data, logs", str(out))
        summary.add_row("report", str(report))
        summary.add_row("web app", f"http://127.0.0.1:{cfg.web.port}/" + ("" if serve else " (stops now; --serve keeps it)"))
        summary.add_row("wall time", f"{time.monotonic() - t_start:.0f} s")
        console.print(summary)
        if not any(a.get("key") == "heater_stuck" for a in fired):
            console.print("[red]The stuck-heater alert did not fire: see analytics.log in the output folder.[/]")
            return 1
        if not cutoffs:
            console.print("[red]The device did not cut the stuck heater off: see firmware.log in the output folder.[/]")
            return 1
        if hours >= DRIFT_SHOWN_FROM_H and not any(a.get("key") == "drift" for a in fired):
            console.print("[red]No drift alert although the drift detector had its warm-up: "
                          "see analytics.log in the output folder.[/]")
            return 1
        if serve:
            # the tank goes on in real time from where the replay ended (a reading a minute), with its
            # gateway and analytics, so every button of the web app still gets an answer
            stack.start_gateway(cfg, name="gateway-serve")
            stack.start_analytics(cfg, name="analytics-serve")
            stack.start_firmware(firmware_config(
                tank=TANK, device=DEVICE, mqtt_port=cfg.mqtt.port, state_dir=out / "device-state",
                minutes=SERVE_MINUTES, start_epoch_ms=end_ms, speed=1.0, faults=[], **fw_cmd,
                extra={"heater": DEMO_HEATER, "sim": {"commands_on_wall_clock": True}}), name="firmware-serve")
            console.print(f"--serve: the web app stays up at http://127.0.0.1:{cfg.web.port}/ with the demo's data, "
                          "and the tank goes on in real time (a reading a minute; its buttons answer); "
                          "Ctrl-C stops it and everything else.")
            try:
                while any(p.alive() for p in stack.processes if p.name == "web"):
                    time.sleep(1)
            except KeyboardInterrupt:
                console.print("Stopping ...")
        return 0
    except ServiceError as e:
        console.print(f"[red]{e}[/]")
        return 1
    except KeyboardInterrupt:
        console.print("[yellow]Interrupted: stopping everything the demo started ...[/]")
        return 130
    finally:
        if client is not None:
            client.loop_stop()
            client.disconnect()
        if inbox is not None:
            inbox.close()
        stack.stop_all()
        os.close(held)
        for sig, handler in stop_handlers.items():
            signal.signal(sig, handler)


@dataclass
class Push:
    """One notification the demo's inbox received, with the simulated time it went out (0 if unknown)."""

    priority: str
    sim_ms: int
    title: str
    body: str


def _sim_time_of_send(db_ref: list[Any]) -> int:
    """The tank's data clock when the analytics sent: saved with its notification state just before sending."""
    if not db_ref:
        return 0
    try:
        series = db_ref[0].query(f'SELECT last("doc") FROM "notify_state" WHERE "tank" = \'{TANK}\'')
        return int(json.loads(series[0]["values"][0][1]).get("now") or 0) if series else 0
    except (OSError, ValueError, KeyError, IndexError, TypeError):  # a demo line without its time, not a failure
        return 0


def notification_rows(pushes: list[Push], policy: Any, analytics_log: Path) -> list[tuple[str, str]]:
    """The summary's notification figures: pushes by priority, in quiet hours, per incident, and folded ones.

    Critical pushes per incident are counted from the analytics' log, where each sent message names its
    incident (an incident is one alert with those it explains, so two alerts' pages can be one incident's).

    >>> import tempfile
    >>> from analytics.notify_policy import NotifyPolicy
    >>> log = Path(tempfile.mkdtemp()) / "analytics.log"
    >>> _ = log.write_text("W notify critical t: pump stopped: Pump stopped. [incident pump_stopped@60000#1]\\n"
    ...                    "W notify warning t: pump locked out: Locked. [incident pump_stopped@60000#1]\\n")
    >>> rows = notification_rows([Push("critical", 3_600_000, "t: pump stopped", ""),
    ...                           Push("info", 8 * 3_600_000, "t: all clear: pump stopped", "")],
    ...                          NotifyPolicy("22:00-07:00"), log)
    >>> for row in rows: print(row)
    ('pushes by priority', 'critical 1, warning 0, info 1')
    ('pushes in quiet hours (22:00-07:00)', 'critical 1, other 0')
    ('critical pushes per incident (most)', '1 (1 incident paged: pump stopped)')
    ('alerts over before a page could go out', '0')
    """
    by = {"critical": 0, "warning": 0, "info": 0}
    night = {"critical": 0, "other": 0}
    for p in pushes:
        by[p.priority] = by.get(p.priority, 0) + 1
        if p.sim_ms and policy.quiet(p.sim_ms):
            night["critical" if p.priority == "critical" else "other"] += 1
    try:
        log = analytics_log.read_text(errors="replace")
    except OSError:
        log = ""
    per_incident: dict[str, list[str]] = {}  # incident -> the titles of its critical pushes
    for line in log.splitlines():
        found = CRITICAL_LOGGED.search(line)
        if found:
            per_incident.setdefault(found[2], []).append(found[1].split(": ", 1)[-1].removeprefix("still "))
    most = max(per_incident.values(), key=len, default=[])
    names = ", ".join(dict.fromkeys(t[0] for t in per_incident.values()))
    paged = f"{len(per_incident)} incident{'s' * (len(per_incident) != 1)} paged" + (f": {names}" if names else "")
    return [("pushes by priority", ", ".join(f"{k} {v}" for k, v in by.items())),
            (f"pushes in quiet hours ({policy.quiet_hours or 'none'})",
             f"critical {night['critical']}, other {night['other']}"),
            ("critical pushes per incident (most)", f"{len(most)} ({paged})"),
            ("alerts over before a page could go out", str(log.count("resolved before it could be sent")))]


#: a critical push as the analytics log it (analytics.pager.Pager.deliver): its title and its incident
CRITICAL_LOGGED = re.compile(r"notify critical (\S+: [^:]+): .*\[incident ([^\]]+)\]$")


def _last_score(db: Any) -> int:
    s = db.query('SELECT last("temp_rate_c_per_h") FROM "score"')
    return int(s[0]["values"][0][0]) if s else 0
