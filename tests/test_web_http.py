"""``aquamon web`` as its own process, over plain HTTP: cookies, headers, redirects, who may do what."""

from __future__ import annotations

import http.client
import re
import secrets
import urllib.parse
from dataclasses import replace
from pathlib import Path
from typing import Iterator

import pytest

from aquamon.web.accounts import WebAccounts
from harness.services import InfluxDB1, Mosquitto, free_port
from harness.stack import Stack

pytestmark = pytest.mark.services


class Web:
    def __init__(self, port: int, users: WebAccounts) -> None:
        self.port, self.users = port, users
        self.mqtt: tuple[int, tuple[str, str]] = (0, ("", ""))  # the broker's port, an admin's login

    def request(self, method: str, path: str, body: dict[str, str] | None = None,
                cookie: str = "", headers: dict[str, str] | None = None) -> http.client.HTTPResponse:
        c = http.client.HTTPConnection("127.0.0.1", self.port, timeout=10)
        h = dict(headers or {})
        if cookie:
            h["Cookie"] = cookie
        data = None
        if body is not None:
            data = urllib.parse.urlencode(body)
            h["Content-Type"] = "application/x-www-form-urlencoded"
        c.request(method, path, data, h)
        r = c.getresponse()
        r.read()
        return r

    def login(self, name: str, password: str) -> str:
        c = http.client.HTTPConnection("127.0.0.1", self.port, timeout=10)
        c.request("GET", "/login")
        r = c.getresponse()
        page = r.read().decode()
        cookie = r.getheader("Set-Cookie", "").split(";")[0]
        token = re.search(r'name="csrf" value="([^"]+)"', page).group(1)  # type: ignore[union-attr]
        r2 = self.request("POST", "/login", {"csrf": token, "name": name, "password": password}, cookie)
        assert r2.status == 303, r2.status
        return set_cookie(r2, "aquamon_session")


def set_cookie(r: http.client.HTTPResponse, name: str) -> str:
    """``name=value`` of the cookie ``name`` the response sets ('' if none)."""
    for header, value in r.getheaders():
        if header.lower() == "set-cookie" and value.startswith(name + "="):
            return value.split(";")[0]
    return ""


@pytest.fixture(scope="module")
def web(tmp_path_factory: pytest.TempPathFactory, mosquitto: Mosquitto, influxdb: InfluxDB1) -> Iterator[Web]:
    workdir = tmp_path_factory.mktemp("webhttp")
    stack = Stack(workdir, mosquitto=mosquitto, influx=influxdb)
    users = WebAccounts(workdir / "web-users")
    users.add("ann", "operator", "ann-long-password")
    users.add("vic", "viewer", "vic-long-password")
    cfg = stack.config(database="webhttp", topic_prefix="webhttp")
    cfg.web = replace(cfg.web, port=free_port(), accounts_file=str(users.path),
                      session_secret=secrets.token_urlsafe(32))  # secure_cookies stays true: the product default
    try:
        stack.start_web(cfg)
        web = Web(cfg.web.port, users)
        web.mqtt = (cfg.mqtt.port, stack.service_credentials("admin", "webhttp"))
        yield web
    finally:
        stack.stop_all()


def test_session_cookies_are_secure_http_only_and_same_site(web: Web) -> None:
    r = web.request("GET", "/login")
    cookie = r.getheader("Set-Cookie", "").lower()
    assert "aquamon_session=" in cookie and "secure" in cookie and "httponly" in cookie and "samesite=lax" in cookie
    csp = r.getheader("Content-Security-Policy", "")
    assert "default-src 'self'" in csp and "frame-ancestors 'none'" in csp
    assert r.getheader("X-Frame-Options") == "DENY"


def test_pages_need_a_login(web: Web) -> None:
    r = web.request("GET", "/tank/reef")
    assert r.status == 303 and r.getheader("Location") == "/login?next=/tank/reef"
    assert web.request("GET", "/tank/reef/events").status == 401
    assert web.request("GET", "/fleet", headers={"Accept": "application/json"}).status == 401
    assert web.request("POST", "/tank/reef/pump", {"action": "feed"}).status == 401


def test_a_login_never_redirects_elsewhere(web: Web) -> None:
    c = http.client.HTTPConnection("127.0.0.1", web.port, timeout=10)
    c.request("GET", "/login?next=//evil.example/")
    r = c.getresponse()
    assert 'action="/login?next=/"' in r.read().decode().replace("%2F", "/")


def test_a_removed_login_loses_its_rights_at_its_next_request(web: Web) -> None:
    web.users.add("tmp", "operator", "tmp-long-password")
    cookie = web.login("tmp", "tmp-long-password")
    assert web.request("GET", "/fleet", cookie=cookie).status == 200
    web.users.add("tmp", "viewer", "tmp-long-password")  # demoted
    r = web.request("POST", "/tank/reef/pump", {"action": "feed"}, cookie, {"Accept": "application/json"})
    assert r.status == 403
    web.users.remove("tmp")
    assert web.request("GET", "/fleet", cookie=cookie).status == 303


def test_visiting_a_tank_that_does_not_exist_adds_nothing(web: Web) -> None:
    import json

    cookie = web.login("vic", "vic-long-password")

    def tanks() -> int:
        c = http.client.HTTPConnection("127.0.0.1", web.port, timeout=10)
        c.request("GET", "/healthz")
        return int(json.loads(c.getresponse().read())["tanks"])

    before = tanks()
    for n in range(5):
        assert web.request("GET", f"/tank/ghost{n}", cookie=cookie).status == 200
    assert tanks() == before


def test_bad_input_is_refused_with_a_reason(web: Web) -> None:
    cookie = web.login("ann", "ann-long-password")
    assert web.request("GET", "/tank/a%20b", cookie=cookie).status == 404
    assert web.request("GET", "/tank/reef/series.json?range=1y", cookie=cookie).status == 400
    assert web.request("GET", "/history?severity=<script>", cookie=cookie).status == 200  # the page says why
    assert web.request("GET", "/static/../app.py").status == 404


def test_the_static_assets_are_local_and_licensed(web: Web) -> None:
    root = Path(__file__).resolve().parents[1] / "aquamon" / "web"
    for t in (root / "templates").glob("*.html"):
        assert not re.search(r"""(src|href)=["']https?:""", t.read_text()), t
        assert "javascript:" not in t.read_text(), t  # the CSP (script-src 'self') blocks such links
    assert "MIT License" in (root / "static" / "uPlot.LICENSE").read_text()
    assert web.request("GET", "/static/uPlot.iife.min.js").status == 200


def test_buttons_work_without_javascript_and_say_why_they_cannot(web: Web) -> None:
    cookie = web.login("ann", "ann-long-password")
    c = http.client.HTTPConnection("127.0.0.1", web.port, timeout=10)
    c.request("GET", "/tank/reef", headers={"Cookie": cookie})
    page = c.getresponse().read().decode()
    token = re.search(r'<meta name="csrf" content="([^"]+)"', page).group(1)  # type: ignore[union-attr]
    # a plain form post (no Accept: application/json) comes back to the page with the answer on it
    r = web.request("POST", "/tank/reef/alerts", {"csrf": token, "action": "ack", "key": "sump_low"}, cookie)
    assert r.status == 303
    where = r.getheader("Location", "")
    assert where.startswith("/tank/reef?done=")
    c = http.client.HTTPConnection("127.0.0.1", web.port, timeout=10)
    c.request("GET", where, headers={"Cookie": cookie})
    shown = c.getresponse().read().decode()
    assert "alert buttons are off: set [alerts] command_key" in shown  # this server has no command key
    r = web.request("POST", "/tank/reef/pump", {"csrf": token, "action": "feed", "device": "esp1"}, cookie,
                    {"Accept": "application/json"})
    assert r.status == 400  # and no device key folder either


def test_a_refused_action_says_why_and_links_back_to_its_tank(web: Web) -> None:
    cookie = web.login("vic", "vic-long-password")
    c = http.client.HTTPConnection("127.0.0.1", web.port, timeout=10)
    c.request("GET", "/tank/reef", headers={"Cookie": cookie})
    token = re.search(r'<meta name="csrf" content="([^"]+)"', c.getresponse().read().decode()).group(1)  # type: ignore[union-attr]
    c.request("POST", "/tank/reef/pump", urllib.parse.urlencode({"csrf": token, "action": "feed", "device": "esp1"}),
              {"Cookie": cookie, "Content-Type": "application/x-www-form-urlencoded"})
    r = c.getresponse()
    page = r.read().decode()
    assert r.status == 403 and "vic is a viewer: only an operator may do this" in page
    assert '<a href="/tank/reef" id="back">' in page


def test_a_button_for_an_offline_device_answers_at_once(web: Web) -> None:
    import json

    import paho.mqtt.publish as publish

    from harness.stack import wait_for

    port, (user, password) = web.mqtt
    publish.single("webhttp/reef/esp7/status", json.dumps({"online": False}), qos=1, retain=True,
                   hostname="127.0.0.1", port=port, auth={"username": user, "password": password})
    cookie = web.login("ann", "ann-long-password")

    def offline_answer() -> tuple[int, str]:
        c = http.client.HTTPConnection("127.0.0.1", web.port, timeout=20)
        c.request("GET", "/tank/reef", headers={"Cookie": cookie})
        token = re.search(r'<meta name="csrf" content="([^"]+)"', c.getresponse().read().decode()).group(1)  # type: ignore[union-attr]
        c.request("POST", "/tank/reef/pump", urllib.parse.urlencode({"csrf": token, "action": "feed", "device": "esp7"}),
                  {"Cookie": cookie, "Content-Type": "application/x-www-form-urlencoded", "Accept": "application/json"})
        r = c.getresponse()
        return r.status, json.loads(r.read())["message"]

    assert wait_for(lambda: "OFFLINE" in _page(web, "/tank/reef", cookie), 10)  # the app heard its status
    status, message = offline_answer()  # at once, not after waiting 10 s for an answer that cannot come
    assert status == 409 and message.startswith("esp7 is offline: it cannot pause the pump for feeding"), message


def _page(web: Web, path: str, cookie: str) -> str:
    c = http.client.HTTPConnection("127.0.0.1", web.port, timeout=10)
    c.request("GET", path, headers={"Cookie": cookie})
    return c.getresponse().read().decode()


def test_a_strangers_wrong_guesses_do_not_lock_the_keeper_out_of_their_own_browser(web: Web) -> None:
    web.users.add("kim", "operator", "kim-long-password")

    def try_login(address: str, password: str, known: str = "") -> http.client.HTTPResponse:
        seen = {"X-Forwarded-For": address}  # the app trusts its local reverse proxy's word on the address
        c = http.client.HTTPConnection("127.0.0.1", web.port, timeout=10)
        c.request("GET", "/login", headers=seen)
        r = c.getresponse()
        token = re.search(r'name="csrf" value="([^"]+)"', r.read().decode()).group(1)  # type: ignore[union-attr]
        session = set_cookie(r, "aquamon_session")
        return web.request("POST", "/login", {"csrf": token, "name": "kim", "password": password},
                           "; ".join(c for c in (session, known) if c), seen)

    first = try_login("10.0.0.2", "kim-long-password")  # the keeper's phone, once
    known = set_cookie(first, "aquamon_known")
    assert first.status == 303 and known
    for _ in range(5):  # a stranger elsewhere guesses until the name is locked ([web] login_attempts = 5)
        assert try_login("10.9.9.9", "guess").status == 401
    assert try_login("10.0.0.3", "kim-long-password").status == 429  # a new browser waits, as it should
    assert try_login("10.0.0.2", "kim-long-password", known).status == 303  # the keeper's own does not
    forged = known.split("=", 1)[0] + "=kim.AAAAAA.forged"
    assert try_login("10.0.0.4", "kim-long-password", forged).status == 429
