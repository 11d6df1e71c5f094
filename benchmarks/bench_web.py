"""The keeper's window: page weight, time to first paint, server CPU per open page.

On real Mosquitto and InfluxDB 1.6 (started here, on loopback) with ``aquamon web``
as its own process, and 500 synthetic tanks on the broker: each has a retained
status, one in ten an alert firing, and each sends a reading every 10 s (50
messages/s into the server's one MQTT subscription).

1. Page weight: bytes over the wire (``transferSize``: gzip on) and decoded,
   of the tank page and the fleet page with 500 rows, each with every asset,
   measured by Debian's Chromium (Resource Timing).
2. Time to first paint and first contentful paint (Chromium's Paint Timing),
   median of 5 cold loads each.
3. Server CPU per open page: the web process's CPU time (``/proc/PID/stat``)
   over 20 s with no page open, then with 50 open on the fleet view's event
   stream (each a logged-in session); per page = (with - without) / 50, in % of
   one core.  The 50 pages are plain HTTP clients reading the event stream (what
   the server sees of a page): 50 Chromium tabs would measure Chromium on the
   same 2 cores instead.
"""

from __future__ import annotations

import http.client
import http.cookiejar
import json
import os
import re
import secrets
import statistics
import sys
import tempfile
import threading
import time
import urllib.parse
import urllib.request
from dataclasses import replace
from pathlib import Path

import paho.mqtt.client as mqtt
from paho.mqtt.enums import CallbackAPIVersion

from aquamon.web.accounts import WebAccounts
from harness.services import free_port
from harness.stack import Stack

TANKS = 500
PAGES = 50
WINDOW_S = 20.0
READING_EVERY_S = 10.0
PASSWORD = "bench-operator-pw"
CHROMIUM_ARGS = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
                 "--disable-background-networking", "--disable-component-update", "--disable-sync"]


class SyntheticTanks:
    """500 tanks on the broker: retained status and alerts, then a reading per tank every 10 s."""

    def __init__(self, stack: Stack, prefix: str) -> None:
        assert stack.mosquitto is not None
        self.prefix = prefix
        self.client = mqtt.Client(CallbackAPIVersion.VERSION2)
        self.client.username_pw_set(*stack.mosquitto.admin_credentials())
        self.client.connect("127.0.0.1", stack.mosquitto.port)
        self.client.loop_start()
        self.stop = threading.Event()
        self.sent = 0
        for i in range(TANKS):
            tank = f"shop-{i:03d}"
            self.client.publish(f"{prefix}/{tank}/esp/status", json.dumps(
                {"online": True, "fw": "1.0", "mode": "auto", "lockout": False}), qos=1, retain=True)
            if i % 10 == 0:
                self.client.publish(f"{prefix}/{tank}/alert/flow_low", json.dumps(
                    {"tank": tank, "key": "flow_low", "severity": "warning", "state": "firing",
                     "summary": "Filter flow low: 2.1 l/min.", "ts": int(time.time() * 1000)}), qos=1, retain=True)
        self.thread = threading.Thread(target=self._run, daemon=True)
        self.thread.start()

    def _run(self) -> None:
        step = READING_EVERY_S / TANKS
        i = 0
        next_at = time.monotonic()
        while not self.stop.is_set():
            tank = f"shop-{i % TANKS:03d}"
            self.client.publish(f"{self.prefix}/{tank}/esp/telemetry", json.dumps(
                {"ts": int(time.time() * 1000), "seq": i, "pump": 1,
                 "r": {"temp_c": 25 + (i % 7) / 10, "ph": 7.2, "tds_ppm": 300, "turb_ntu": 1.1, "level_cm": 30,
                       "flow_lpm": 8}}), qos=0)
            self.sent += 1
            i += 1
            next_at += step
            self.stop.wait(max(0.0, next_at - time.monotonic()))

    def close(self) -> None:
        self.stop.set()
        self.thread.join(5)
        self.client.loop_stop()
        self.client.disconnect()


def login_cookie(url: str) -> str:
    """A logged-in session cookie, through the login form (with its CSRF token)."""
    jar = http.cookiejar.CookieJar()
    opener = urllib.request.build_opener(urllib.request.HTTPCookieProcessor(jar))
    page = opener.open(url + "/login").read().decode()
    token = re.search(r'name="csrf" value="([^"]+)"', page).group(1)  # type: ignore[union-attr]
    form = urllib.parse.urlencode({"csrf": token, "name": "bench", "password": PASSWORD}).encode()
    opener.open(url + "/login?next=/fleet", form).read()
    cookie = next(c for c in jar if c.name == "aquamon_session")
    return f"{cookie.name}={cookie.value}"


def cpu_seconds(pid: int) -> float:
    fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


class EventReader(threading.Thread):
    """One open page: reads the fleet's event stream until told to stop."""

    def __init__(self, port: int, cookie: str) -> None:
        super().__init__(daemon=True)
        self.port, self.cookie = port, cookie
        self.events = 0
        self.conn: http.client.HTTPConnection | None = None

    def run(self) -> None:
        self.conn = http.client.HTTPConnection("127.0.0.1", self.port, timeout=60)
        self.conn.request("GET", "/fleet/events", headers={"Cookie": self.cookie, "Accept": "text/event-stream"})
        resp = self.conn.getresponse()
        try:
            for line in resp:
                if line.startswith(b"event:"):
                    self.events += 1
        except (OSError, ValueError):
            pass

    def close(self) -> None:
        if self.conn is not None and self.conn.sock is not None:
            self.conn.sock.close()


def page_figures(url: str, cookie: str, path: str) -> dict[str, float]:
    from playwright.sync_api import sync_playwright

    name, value = cookie.split("=", 1)
    loads = []
    with sync_playwright() as p:
        browser = p.chromium.launch(executable_path="/usr/bin/chromium", headless=True, args=CHROMIUM_ARGS)
        for _ in range(5):
            ctx = browser.new_context(viewport={"width": 390, "height": 844})  # cold cache each time
            ctx.add_cookies([{"name": name, "value": value, "url": url}])
            page = ctx.new_page()
            page.goto(url + path, wait_until="load")
            page.wait_for_timeout(300)
            loads.append(page.evaluate("""() => {
              const nav = performance.getEntriesByType('navigation')[0];
              const res = performance.getEntriesByType('resource').filter(r => !r.name.includes('/events')
                                                                            && !r.name.includes('series.json'));
              const paint = Object.fromEntries(performance.getEntriesByType('paint').map(p => [p.name, p.startTime]));
              return {wire: nav.transferSize + res.reduce((a, r) => a + r.transferSize, 0),
                      decoded: nav.decodedBodySize + res.reduce((a, r) => a + r.decodedBodySize, 0),
                      fp: paint['first-paint'], fcp: paint['first-contentful-paint'], files: 1 + res.length};
            }"""))
            ctx.close()
        browser.close()
    return {k: statistics.median(x[k] for x in loads) for k in loads[0]}


def main() -> None:
    with tempfile.TemporaryDirectory(prefix="aquamon-bench-web-") as tmp:
        stack = Stack(Path(tmp))
        tanks = None
        readers: list[EventReader] = []
        try:
            stack.start_services()
            cfg = stack.config()
            accounts = WebAccounts(Path(tmp) / "web-users")
            accounts.add("bench", "operator", PASSWORD)
            cfg.web = replace(cfg.web, port=free_port(), accounts_file=str(accounts.path), secure_cookies=False,
                              session_secret=secrets.token_urlsafe(32))
            web = stack.start_web(cfg)
            url = f"http://127.0.0.1:{cfg.web.port}"
            tanks = SyntheticTanks(stack, cfg.mqtt.topic_prefix)
            cookie = login_cookie(url)
            deadline = time.monotonic() + 30
            while time.monotonic() < deadline:
                with urllib.request.urlopen(url + "/healthz") as r:
                    if json.loads(r.read())["tanks"] >= TANKS:
                        break
                time.sleep(0.5)
            print(f"{TANKS} synthetic tanks, {TANKS / READING_EVERY_S:.0f} readings/s into the server's one MQTT "
                  "subscription")
            print("page (390 px, cold, median of 5)      wire kB  decoded kB  files  first paint  first contentful")
            for label, path in (("tank page", "/tank/shop-000"), (f"fleet page, {TANKS} tanks", "/fleet")):
                f = page_figures(url, cookie, path)
                print(f"  {label:<35} {f['wire'] / 1024:7.1f}  {f['decoded'] / 1024:10.1f}  {f['files']:5.0f}"
                      f"  {f['fp']:8.0f} ms  {f['fcp']:10.0f} ms")
            time.sleep(2)
            c0, t0 = cpu_seconds(web.pid), time.monotonic()
            time.sleep(WINDOW_S)
            idle = (cpu_seconds(web.pid) - c0) / (time.monotonic() - t0)
            readers = [EventReader(cfg.web.port, cookie) for _ in range(PAGES)]
            for r in readers:
                r.start()
            time.sleep(3)
            c0, t0 = cpu_seconds(web.pid), time.monotonic()
            e0 = sum(r.events for r in readers)
            time.sleep(WINDOW_S)
            busy = (cpu_seconds(web.pid) - c0) / (time.monotonic() - t0)
            events = (sum(r.events for r in readers) - e0) / WINDOW_S / PAGES
            print(f"server CPU, 0 pages open:        {idle * 100:5.1f} % of a core (the MQTT subscription)")
            print(f"server CPU, {PAGES} fleet pages open: {busy * 100:5.1f} % of a core "
                  f"({events:.2f} updates/s per page)")
            print(f"server CPU per open page:        {(busy - idle) / PAGES * 100:5.2f} % of a core")
        finally:
            for r in readers:
                r.close()
            if tanks is not None:
                tanks.close()
            stack.stop_all()


if __name__ == "__main__":
    main()
    sys.exit(0)
