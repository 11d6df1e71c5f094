"""The real pipeline behind the web app, for the web tests and the web benchmark.

Mosquitto, InfluxDB, gateway, analytics, ``aquamon web`` and two simulated
devices on the MicroPython unix port:

- ``reef/esp1`` runs on the wall clock, a reading a second, and accepts signed
  commands (its key in the web app's key folder);
- ``sump/esp2`` replays 90 simulated minutes at once with the sump running low
  from minute 60, so the analytics raise ``sump_low`` within seconds.
"""

from __future__ import annotations

import secrets
import time
from dataclasses import dataclass, replace
from pathlib import Path

from aquamon.config import Config
from aquamon.lineproto import encode_point
from aquamon.web.accounts import WebAccounts
from harness.services import ManagedProcess, free_port
from harness.stack import Stack, firmware_config

KEY_HEX = "5e" * 32
ALERT_KEY_HEX = "a1" * 32
FORECAST = "water change due in about 6 days (4–8)"
PASSWORDS = {"alice": "alice-operator-pw", "victor": "victor-viewer-pw"}


@dataclass
class WebPipeline:
    stack: Stack
    cfg: Config
    url: str
    web: ManagedProcess
    analytics: ManagedProcess


def web_config(stack: Stack, workdir: Path, prefix: str, port: int | None = None) -> Config:
    cfg = stack.config(database=prefix, topic_prefix=prefix)
    keys = workdir / "keys"
    keys.mkdir(parents=True, exist_ok=True)
    (keys / "reef.esp1.key").write_text(KEY_HEX + "\n")
    accounts = WebAccounts(workdir / "web-users")
    accounts.add("alice", "operator", PASSWORDS["alice"])
    accounts.add("victor", "viewer", PASSWORDS["victor"])
    cfg.alerts = replace(cfg.alerts, command_key=ALERT_KEY_HEX)
    # plain http on loopback in tests: the cookie's Secure flag is tested on its own
    cfg.web = replace(cfg.web, port=port or free_port(), accounts_file=str(accounts.path),
                      session_secret=secrets.token_urlsafe(32), secure_cookies=False, device_keys_dir=str(keys))
    return cfg


def start_pipeline(stack: Stack, workdir: Path, prefix: str, live_minutes: int = 30) -> WebPipeline:
    cfg = web_config(stack, workdir, prefix)
    # the analytics need 3 days of readings for a forecast: this one stands for theirs (same measurement)
    db = stack.db(cfg)
    db.create_database()
    db.write_lines([encode_point("forecast", {"tank": "reef", "sensor": "tds_ppm"},
                                 {"text": FORECAST, "days_to_limit": 6.0, "low": 4.0, "high": 8.0},
                                 int(time.time() * 1000) - 3_600_000)])
    stack.start_gateway(cfg)
    analytics = stack.start_analytics(cfg)
    web = stack.start_web(cfg)
    now = int(time.time() * 1000)
    stack.start_firmware(firmware_config(
        tank="reef", device="esp1", mqtt_port=cfg.mqtt.port, prefix=prefix, state_dir=workdir / "esp1",
        minutes=live_minutes, interval_s=1, speed=1, start_epoch_ms=now, cmd_key=KEY_HEX,
        extra={"poll_ms": 50, "status_every": 5}), name="esp1")
    stack.start_firmware(firmware_config(
        tank="sump", device="esp2", mqtt_port=cfg.mqtt.port, prefix=prefix, state_dir=workdir / "esp2",
        minutes=90, speed=0, start_epoch_ms=now - 90 * 60_000,
        faults=[{"kind": "sump_low", "start_min": 60, "end_min": 95}]), name="esp2")
    return WebPipeline(stack, cfg, f"http://127.0.0.1:{cfg.web.port}", web, analytics)
