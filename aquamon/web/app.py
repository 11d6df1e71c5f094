"""``aquamon web``: the keeper's window, a small Starlette app served by uvicorn.

Pages are rendered on the server and work without JavaScript (forms post and
redirect back); the scripts in ``static/`` add the live readings (server-sent
events from :class:`~aquamon.web.live.LiveHub`), the charts (uPlot, served
from here) and buttons that answer in place.  See docs/web.md.
"""

from __future__ import annotations

import asyncio
import json
import logging
import re
import time
from contextlib import asynccontextmanager
from pathlib import Path
from typing import Any, AsyncIterator

from itsdangerous import BadSignature, TimestampSigner
from starlette.applications import Starlette
from starlette.datastructures import MutableHeaders
from starlette.exceptions import HTTPException
from starlette.middleware import Middleware
from starlette.middleware.gzip import GZipMiddleware
from starlette.middleware.sessions import SessionMiddleware
from starlette.requests import Request
from starlette.responses import JSONResponse, PlainTextResponse, RedirectResponse, Response, StreamingResponse
from starlette.routing import Mount, Route
from starlette.staticfiles import StaticFiles
from starlette.templating import Jinja2Templates

from analytics.command_link import NOTHING_TO_DO
from analytics.notify_text import TITLES
from aquamon import commands
from aquamon.auth import AuthError
from aquamon.contract import SENSORS
from aquamon.report import sensor_columns
from aquamon.web.accounts import LoginThrottle, WebAccounts, new_csrf_token
from aquamon.web.controls import ControlError, Keys, alert_command, check_id, device_command, refusal_words
from aquamon.web.history import RANGES_H, History, HistoryUnavailable
from aquamon.web.live import LiveHub, alert_title
from aquamon.web.security import HEADERS, LoginRequired, checked_form, csrf_token, login_redirect, user_of, wants_json

log = logging.getLogger("aquamon.web")
HERE = Path(__file__).resolve().parent
FLEET_PUSH_S = 2.0  # the fleet page gets every tank's changes coalesced, this often
HEARTBEAT_S = 15.0
COMMAND_TIMEOUT_S = 10.0
ANALYTICS = "analytics"  # the pseudo-device the analytics take their commands on (analytics.service)
KNOWN_COOKIE = "aquamon_known"  # the name this browser logged in as, signed: its own login throttle
KNOWN_COOKIE_S = 180 * 86400


def _fmt(v: Any, key: str) -> str:
    return "–" if v is None else f"{float(v):.{SENSORS[key].decimals if key in SENSORS else 2}f}"


class WebApp:
    """The app's state: configuration, the live hub, history, accounts, keys."""

    def __init__(self, cfg: Any, hub: LiveHub | None = None, history: History | None = None) -> None:
        from aquamon.influx import connect

        self.cfg = cfg
        self.hub = hub or LiveHub(cfg.mqtt)
        from analytics.notify_policy import keeper_zone

        self.zone = keeper_zone(cfg.alerts.time_zone, cfg.alerts.utc_offset_minutes)
        self.history = history or History(connect(cfg.influxdb), zone=self.zone)
        self.accounts = WebAccounts(Path(cfg.web.accounts_file))
        self.throttle = LoginThrottle(cfg.web.login_attempts, cfg.web.login_window_s)
        self._known_signer = TimestampSigner(cfg.web.session_secret, salt="aquamon-known-browser")
        self._roles: dict[str, str] = {}
        self._roles_mtime = -1
        self.keys = Keys(cfg.web.device_keys_dir, cfg.alerts.command_key)
        self.templates = Jinja2Templates(directory=str(HERE / "templates"))
        self.templates.env.globals.update(fmt=_fmt, sensors=sensor_columns(), title=alert_title)

    # ------------------------------------------------------------------ helpers
    def role_of(self, name: str) -> str | None:
        """``name``'s role now (the accounts file re-read when it changed), None when it is gone."""
        try:
            mtime = self.accounts.path.stat().st_mtime_ns
        except OSError:
            return None
        if mtime != self._roles_mtime:
            self._roles, self._roles_mtime = self.accounts.names(), mtime
        return self._roles.get(name)

    def render(self, request: Request, name: str, status_code: int = 200, **ctx: Any) -> Response:
        ctx.setdefault("user", request.session.get("user"))
        ctx.setdefault("role", request.session.get("role"))
        ctx["csrf"] = csrf_token(request)
        return self.templates.TemplateResponse(request, name, ctx, status_code=status_code)

    def _tank(self, request: Request) -> str:
        try:
            return check_id(request.path_params["tank"], "tank")
        except ControlError:
            raise HTTPException(404, "no such tank") from None

    # ------------------------------------------------------------------ login
    async def login(self, request: Request) -> Response:
        nxt = request.query_params.get("next", "/")
        nxt = nxt if re.fullmatch(r"/[A-Za-z0-9_./-]*", nxt) and not nxt.startswith("//") else "/"
        if request.method == "GET":
            return self.render(request, "login.html", next=nxt, error="")
        form = await checked_form(request)
        name, password = str(form.get("name", ""))[:64], str(form.get("password", ""))[:256]
        address = request.client.host if request.client else "?"
        known = self._known_browser(request) == name
        wait = self.throttle.retry_after(address, name, known=known)
        if wait:
            self.throttle.refused += 1
            log.warning("login refused for %r from %s: too many failed tries (%d refused so far)", name, address,
                        self.throttle.refused)
            resp = self.render(request, "login.html", status_code=429, next=nxt,
                               error=f"Too many failed logins. Try again in {wait} s.")
            resp.headers["Retry-After"] = str(wait)
            return resp
        try:
            role = await asyncio.to_thread(self.accounts.check, name, password)
        except AuthError as e:
            log.error("cannot check a login: %s", e)
            return self.render(request, "login.html", status_code=503, next=nxt,
                               error="Logins cannot be checked now: the server's accounts file is broken "
                                     "(its log says how to mend it).")
        if role is None:
            self.throttle.failed(address, name, known=known)
            log.warning("failed login for %r from %s", name, address)
            return self.render(request, "login.html", status_code=401, next=nxt,
                               error="Wrong name or password.")
        request.session.clear()  # a new session (and CSRF token) at each login
        request.session.update(user=name, role=role, since=int(time.time()), csrf=new_csrf_token())
        log.info("%s logged in (%s) from %s", name, role, address)
        resp = RedirectResponse(nxt, status_code=303)
        # this browser now counts its failed logins apart from strangers' (LoginThrottle); it survives logout
        resp.set_cookie(KNOWN_COOKIE, self._known_signer.sign(name).decode(), max_age=KNOWN_COOKIE_S,
                        httponly=True, samesite="strict", secure=self.cfg.web.secure_cookies)
        return resp

    def _known_browser(self, request: Request) -> str:
        """The name this browser last logged in as (its signed cookie), or ''."""
        value = request.cookies.get(KNOWN_COOKIE, "")
        try:
            return self._known_signer.unsign(value, max_age=KNOWN_COOKIE_S).decode() if value else ""
        except BadSignature:
            return ""

    async def logout(self, request: Request) -> Response:
        await checked_form(request)
        request.session.clear()
        return RedirectResponse("/login", status_code=303)

    # ------------------------------------------------------------------ pages
    async def home(self, request: Request) -> Response:
        user_of(request)
        tanks = sorted(self.hub.state.tanks)
        return RedirectResponse(f"/tank/{tanks[0]}" if len(tanks) == 1 else "/fleet", status_code=303)

    async def tank_page(self, request: Request) -> Response:
        user = user_of(request)
        tank = self._tank(request)
        with self.hub.lock:
            t = self.hub.state.peek(tank)
            readings, devices = dict(t.readings), dict(t.devices)
            alerts, summary, status = t.open_alerts(), t.summary, t.status()
        error, usual, forecast = "", {}, ""
        try:
            usual = await asyncio.to_thread(self.history.usual, tank)
            forecast = (await asyncio.to_thread(self.history.forecasts)).get(tank, "")
        except HistoryUnavailable as e:
            error = str(e)
        last = max(readings.values(), key=lambda r: r.get("ts") or 0, default={})
        at_ms = int(last.get("ts") or time.time() * 1000)
        offset_min = self.history.offset_ms(at_ms) // 60_000
        hour = (at_ms // 60_000 + offset_min) // 60 % 24  # offsets of half an hour (India, Newfoundland) too
        return self.render(request, "tank.html", tank=tank, last=last, devices=devices, alerts=alerts,
                           summary=summary, status=status, usual=usual, hour=hour, forecast=forecast,
                           error=error, can_act=user["role"] == "operator", flash=request.query_params.get("done", ""),
                           config=json.dumps({"tank": tank, "usual": usual, "can_act": user["role"] == "operator",
                                              "titles": TITLES,
                                              "offset_min": offset_min}))

    async def fleet_page(self, request: Request) -> Response:
        user_of(request)
        with self.hub.lock:
            rows = [t.row() for t in self.hub.state.tanks.values()]
            version = self.hub.state.version
        try:
            forecasts = await asyncio.to_thread(self.history.forecasts)
            error = ""
        except HistoryUnavailable as e:
            forecasts, error = {}, str(e)
        order = {"critical": 0, "offline": 1, "warning": 2, "info": 3, "ok": 4}
        rows.sort(key=lambda r: (order.get(r["status"], 5), r["tank"]))
        return self.render(request, "fleet.html", rows=rows, forecasts=forecasts, error=error, version=version)

    async def history_page(self, request: Request) -> Response:
        user_of(request)
        q = request.query_params
        tank, key, severity, state = (q.get(k, "") for k in ("tank", "key", "severity", "state"))
        days = q.get("days", "7")
        ok = (not tank or re.fullmatch(r"[A-Za-z0-9_.-]+", tank)) and (not key or re.fullmatch(r"[a-z_]+", key)) \
            and severity in ("", "critical", "warning", "info") and state in ("", "firing", "resolved") \
            and days in ("1", "7", "30", "90")
        rows, error = [], ""
        if not ok:
            error = "Unknown filter: choose from the lists."
        else:
            try:
                rows = await asyncio.to_thread(self.history.alert_log, tank, key, severity, state, float(days))
            except HistoryUnavailable as e:
                error = str(e)
        from analytics.monitor import ALERTS

        return self.render(request, "history.html", rows=rows, error=error, keys=sorted(ALERTS),
                           f={"tank": tank, "key": key, "severity": severity, "state": state, "days": days},
                           tanks=sorted(self.hub.state.tanks))

    async def report_page(self, request: Request) -> Response:
        user_of(request)
        tank = self._tank(request)
        from aquamon.report import ReportError, build_report, load_tank, parse_since

        try:
            hours = parse_since(request.query_params.get("since", "7d"))
            data = await asyncio.to_thread(load_tank, self.history.db, tank, hours)
            data.zone = self.history.zone  # times on the keeper's clock, as the CLI's report
            page = await asyncio.to_thread(build_report, data, hours)
        except ReportError as e:
            return PlainTextResponse(str(e), status_code=404)
        except (OSError, RuntimeError) as e:
            return PlainTextResponse(f"no report: InfluxDB did not answer ({e})", status_code=503)
        return Response(page, media_type="text/html")

    async def series(self, request: Request) -> Response:
        user_of(request)
        tank = self._tank(request)
        rng = request.query_params.get("range", "1d")
        if rng not in RANGES_H:
            raise HTTPException(400, f"range: one of {', '.join(RANGES_H)}")
        try:
            return JSONResponse(await asyncio.to_thread(self.history.series, tank, rng))
        except HistoryUnavailable as e:
            return JSONResponse({"error": str(e)}, status_code=503)

    # ------------------------------------------------------------------ live
    async def tank_events(self, request: Request) -> Response:
        user = user_of(request)
        tank = self._tank(request)
        queue = self.hub.subscribe(tank)
        with self.hub.lock:
            t = self.hub.state.peek(tank)
            snapshot = {"readings": list(t.readings.values()), "devices": list(t.devices.values()),
                        "alerts": t.open_alerts(), "status": t.status()}

        async def stream() -> AsyncIterator[str]:
            try:
                yield _sse("snapshot", snapshot)
                while True:
                    try:
                        event, data = await asyncio.wait_for(queue.get(), HEARTBEAT_S)
                    except asyncio.TimeoutError:
                        if self.role_of(user["name"]) is None:  # the login was removed: the stream ends
                            return
                        yield ": keep-alive\n\n"
                        continue
                    if event == "alert":
                        with self.hub.lock:
                            data = dict(data, alerts=self.hub.state.peek(tank).open_alerts())
                    yield _sse(event, data)
            finally:
                self.hub.unsubscribe(tank, queue)
        return _event_stream(stream())

    async def fleet_events(self, request: Request) -> Response:
        user = user_of(request)
        try:
            seen = int(request.query_params.get("v", "0"))
        except ValueError:
            seen = 0

        async def stream() -> AsyncIterator[str]:
            nonlocal seen
            quiet = 0.0
            while True:
                await asyncio.sleep(FLEET_PUSH_S)
                with self.hub.lock:
                    changed = [t.row() for t in self.hub.state.changed_since(seen)]
                    seen = self.hub.state.version
                if changed:
                    quiet = 0.0
                    yield _sse("rows", {"v": seen, "rows": changed})
                else:
                    quiet += FLEET_PUSH_S
                    if quiet >= HEARTBEAT_S:
                        quiet = 0.0
                        if self.role_of(user["name"]) is None:  # the login was removed: the stream ends
                            return
                        yield ": keep-alive\n\n"
        return _event_stream(stream())

    # ------------------------------------------------------------------ buttons
    async def pump(self, request: Request) -> Response:
        user = user_of(request, "operator")
        form = await checked_form(request)
        tank = self._tank(request)
        try:
            device = check_id(str(form.get("device", "")), "device")
            plan = device_command(form)
        except ControlError as e:
            return self._answer(request, tank, False, str(e), 400)
        with self.hub.lock:
            offline = self.hub.state.offline(tank, device)
        if offline:  # it would not answer; a command queued for it would be stale when it is back
            return self._answer(request, tank, False, f"{device} is offline: it cannot {plan.words} now. Check its "
                                "power and Wi-Fi; the page shows when it is back online.", 409)
        try:
            doc = commands.sign_command(self.keys.device(tank, device), tank, device, plan.action, plan.args)
        except (ControlError, commands.CommandFormatError) as e:
            return self._answer(request, tank, False, str(e), 400)
        log.warning("%s asks %s/%s to %s", user["name"], tank, device, plan.words)
        ack = await self.hub.command(commands.command_topic(self.hub.prefix, tank, device), doc, COMMAND_TIMEOUT_S)
        if ack is None:
            return self._answer(request, tank, False, f"no answer from {device} within {COMMAND_TIMEOUT_S:.0f} s: "
                                "is it online?", 504)
        reason = str(ack.get("reason") or "")
        words = f"{device}: {plan.words}: " + ("done" if ack.get("ok") else "refused") + \
            (f" ({reason if ack.get('ok') else refusal_words(reason)})" if reason else "")
        return self._answer(request, tank, bool(ack.get("ok")), words, 200 if ack.get("ok") else 409)

    async def alerts(self, request: Request) -> Response:
        user = user_of(request, "operator")
        form = await checked_form(request)
        tank = self._tank(request)
        try:
            plan = alert_command(form)
            doc = commands.sign_command(self.keys.analytics(), tank, ANALYTICS, plan.action, plan.args)
        except (ControlError, commands.CommandFormatError) as e:
            return self._answer(request, tank, False, str(e), 400)
        key = plan.args.get("key")
        what = alert_title(key) if key else "every alert"
        log.warning("%s asks to %s %s of %s", user["name"], plan.words, what, tank)
        # shown as done only when the analytics answer that they did it (analytics/broker_link.py)
        ack = await self.hub.command(commands.command_topic(self.hub.prefix, tank, ANALYTICS), doc, COMMAND_TIMEOUT_S)
        if ack is None:
            return self._answer(request, tank, False, f"the analytics did not answer within {COMMAND_TIMEOUT_S:.0f} s: "
                                "is `aquamon analytics` running? If it is only busy, it applies the command when it gets to it.", 504)
        if not ack.get("ok"):
            return self._answer(request, tank, False, f"{plan.words}: refused by the analytics "
                                f"({ack.get('reason', 'no reason given')})", 409)
        done = str(ack.get("done", ""))
        if done.startswith(NOTHING_TO_DO):  # taken, but nothing was open to act on: say so, mark nothing
            return self._answer(request, tank, True, f"{plan.words}: {done}", 200)
        if plan.action == "ack":
            with self.hub.lock:
                self.hub.state.note_ack(tank, key, user["name"])
        return self._answer(request, tank, True, f"{plan.words}: {what}: done", 200)

    def _answer(self, request: Request, tank: str, ok: bool, words: str, status: int) -> Response:
        if wants_json(request):
            with self.hub.lock:
                alerts = self.hub.state.peek(tank).open_alerts()
            return JSONResponse({"ok": ok, "message": words, "alerts": alerts}, status_code=status)
        from urllib.parse import quote

        return RedirectResponse(f"/tank/{tank}?done={quote(words)}", status_code=303)

    async def healthz(self, request: Request) -> Response:
        up = self.hub.connected.is_set()
        return JSONResponse({"mqtt": up, "tanks": len(self.hub.state.tanks), "pages": self.hub.pages_open()},
                            status_code=200 if up else 503)


def _sse(event: str, data: Any) -> str:
    return f"event: {event}\ndata: {json.dumps(data, separators=(',', ':'))}\n\n"


def _event_stream(gen: AsyncIterator[str]) -> StreamingResponse:
    return StreamingResponse(gen, media_type="text/event-stream",
                             headers={"Cache-Control": "no-store", "X-Accel-Buffering": "no"})


def create_app(cfg: Any, hub: LiveHub | None = None, history: History | None = None) -> Starlette:
    """The ASGI app for ``cfg`` (raises :class:`WebConfigError` when it cannot serve safely)."""
    if not cfg.web.session_secret:
        raise WebConfigError("[web] session_secret is empty: set 32+ random characters (or the environment "
                             "variable AQUAMON_WEB_SESSION_SECRET); it signs the login cookies")
    web = WebApp(cfg, hub, history)
    try:
        if not web.accounts.names():
            log.warning("no web logins in %s yet: add one with 'aquamon web user add NAME --role operator'",
                        web.accounts.path)
    except AuthError as e:
        raise WebConfigError(str(e)) from None

    def seed() -> None:  # each device's last stored reading, until it speaks again
        try:
            readings = web.history.last_readings()
        except HistoryUnavailable as e:
            log.warning("no last readings to show until the devices speak: %s", e)
            return
        with web.hub.lock:
            for tank, device, reading in readings:
                web.hub.state.seed_reading(tank, device, reading)
        log.info("last stored readings of %d devices", len(readings))

    @asynccontextmanager
    async def lifespan(app: Starlette) -> AsyncIterator[None]:
        web.hub.start(asyncio.get_running_loop())
        seeding = asyncio.create_task(asyncio.to_thread(seed))
        try:
            yield
        finally:
            await seeding
            web.hub.stop()

    async def on_login_required(request: Request, exc: Exception) -> Response:
        if request.method != "GET" or wants_json(request) or request.url.path.endswith("/events"):
            return PlainTextResponse("log in first", status_code=401)
        return login_redirect(request)

    async def on_http_error(request: Request, exc: Exception) -> Response:
        status, detail = getattr(exc, "status_code", 500), getattr(exc, "detail", "error")
        if wants_json(request):
            return JSONResponse({"ok": False, "message": detail}, status_code=status)
        # back to the page the action was on (a javascript: link would be blocked by the CSP)
        tank = re.match(r"/tank/[A-Za-z0-9_.-]+", request.url.path)
        return web.render(request, "error.html", status_code=status, message=detail,
                          back=tank.group(0) if tank else "/")

    routes = [
        Route("/", web.home), Route("/login", web.login, methods=["GET", "POST"]),
        Route("/logout", web.logout, methods=["POST"]), Route("/fleet", web.fleet_page),
        Route("/fleet/events", web.fleet_events), Route("/history", web.history_page),
        Route("/tank/{tank}", web.tank_page), Route("/tank/{tank}/events", web.tank_events),
        Route("/tank/{tank}/series.json", web.series), Route("/tank/{tank}/report", web.report_page),
        Route("/tank/{tank}/pump", web.pump, methods=["POST"]),
        Route("/tank/{tank}/alerts", web.alerts, methods=["POST"]), Route("/healthz", web.healthz),
        Mount("/static", StaticFiles(directory=str(HERE / "static")), name="static"),
    ]
    middleware = [
        Middleware(SessionMiddleware, secret_key=cfg.web.session_secret, session_cookie="aquamon_session",
                   max_age=int(cfg.web.session_hours * 3600), same_site="lax", https_only=cfg.web.secure_cookies),
        Middleware(SecurityHeaders),
        # pages and scripts shrink 3-5x; Starlette's GZip leaves text/event-stream alone (events go out at once)
        Middleware(GZipMiddleware, minimum_size=1024),
    ]
    app = Starlette(routes=routes, middleware=middleware, lifespan=lifespan,
                    exception_handlers={LoginRequired: on_login_required, HTTPException: on_http_error})
    app.state.web = web
    app.state.roles = web.role_of
    return app


class SecurityHeaders:
    """Pure ASGI middleware adding :data:`~aquamon.web.security.HEADERS` to every response (streams too)."""

    def __init__(self, app: Any) -> None:
        self.app = app

    async def __call__(self, scope: Any, receive: Any, send: Any) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return

        async def send_with_headers(message: Any) -> None:
            if message["type"] == "http.response.start":
                headers = MutableHeaders(scope=message)
                for k, v in HEADERS.items():
                    headers.setdefault(k, v)
            await send(message)
        await self.app(scope, receive, send_with_headers)


class WebConfigError(ValueError):
    """The web app cannot start with this configuration; the message says what to set."""


def main(cfg: Any) -> None:
    """``aquamon web``: serve until SIGTERM/SIGINT."""
    import uvicorn

    app = create_app(cfg)
    log.info("aquamon web on http://%s:%d/ (put it behind an HTTPS reverse proxy: docs/web.md)",
             cfg.web.bind, cfg.web.port)
    uvicorn.run(app, host=cfg.web.bind, port=cfg.web.port, log_level="warning", proxy_headers=True,
                forwarded_allow_ips=cfg.web.trusted_proxies)
