"""The keeper's window in a real browser (Debian's Chromium, driven by Playwright) on the real
pipeline: firmware on the MicroPython unix port -> Mosquitto -> gateway -> InfluxDB -> analytics,
and ``aquamon web`` as its own process."""

from __future__ import annotations

import re
import uuid
from pathlib import Path
from typing import Any, Iterator

import pytest
from web_pipeline import FORECAST, PASSWORDS, WebPipeline, start_pipeline

from harness.services import InfluxDB1, Mosquitto
from harness.stack import Stack, wait_for

pytestmark = [pytest.mark.services, pytest.mark.micropython]
CHROMIUM = Path("/usr/bin/chromium")
LAUNCH_ARGS = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
               "--disable-background-networking", "--disable-component-update", "--disable-sync"]
PHONE, DESKTOP = {"width": 390, "height": 844}, {"width": 1440, "height": 900}
# every element's right edge, against the viewport: what sticks out makes a phone scroll sideways
OVERFLOW_JS = """() => {
  const w = document.documentElement.clientWidth;
  const out = [];
  for (const e of document.querySelectorAll('body *')) {
    const r = e.getBoundingClientRect();
    if (r.width > 0 && (r.right > w + 1 || r.width > w + 1) && !e.closest('.scroll'))
      out.push(e.tagName + (e.id ? '#' + e.id : '') + '.' + e.className + ' right=' + Math.round(r.right));
  }
  if (document.documentElement.scrollWidth > w + 1) out.push('page scrollWidth ' + document.documentElement.scrollWidth);
  return out;
}"""


@pytest.fixture(scope="module")
def pipeline(tmp_path_factory: pytest.TempPathFactory, mosquitto: Mosquitto,
             influxdb: InfluxDB1) -> Iterator[WebPipeline]:
    workdir = tmp_path_factory.mktemp("web")
    stack = Stack(workdir, mosquitto=mosquitto, influx=influxdb)
    try:
        yield start_pipeline(stack, workdir, "w" + uuid.uuid4().hex[:10])
    finally:
        stack.stop_all()


@pytest.fixture(scope="module")
def browser() -> Iterator[Any]:
    if not CHROMIUM.exists():
        pytest.fail("Debian's chromium is not installed: apt-get install chromium (tools/install-system-deps.sh)")
    from playwright.sync_api import sync_playwright

    with sync_playwright() as p:
        b = p.chromium.launch(executable_path=str(CHROMIUM), headless=True, args=LAUNCH_ARGS)
        yield b
        b.close()


def login(browser: Any, pipeline: WebPipeline, name: str, viewport: dict[str, int] = PHONE) -> Any:
    page = browser.new_page(viewport=viewport)
    page.set_default_timeout(30_000)
    page.goto(pipeline.url + "/login")
    page.fill("input[name=name]", name)
    page.fill("input[name=password]", PASSWORDS[name])
    page.click("#login button")
    page.wait_for_url(re.compile(r".*/(fleet|tank/.*)$"))
    return page


def test_a_live_reading_arrives_and_feed_pause_is_acknowledged_by_the_device(browser: Any,
                                                                              pipeline: WebPipeline) -> None:
    page = login(browser, pipeline, "alice")
    page.goto(pipeline.url + "/tank/reef")
    when = page.locator("#reading-time")
    page.wait_for_function("() => /esp1/.test(document.getElementById('reading-time').textContent)")
    first = when.text_content()
    # the next reading, pushed by the server (the page never reloads)
    page.wait_for_function("(t) => document.getElementById('reading-time').textContent !== t", arg=first)
    assert page.locator("#forecast").text_content() == FORECAST
    temp = page.locator('.card[data-sensor="temp_c"] .v').text_content()
    assert temp is not None and 20 < float(temp) < 30
    page.wait_for_selector('.device[data-device="esp1"] #feed-esp1')
    page.click("#feed-esp1")
    page.wait_for_function("() => /done|refused|no answer/.test(document.getElementById('flash').textContent)")
    assert page.locator("#flash").text_content().startswith("esp1: pause the pump for feeding for 10 min: done")
    # the device's own status then says so (its next status message)
    page.wait_for_function(
        "() => document.querySelector('.device[data-device=\"esp1\"] .mode').textContent === 'feed'")
    # and back to automatic with the mode selector
    page.select_option('.device[data-device="esp1"] select[name=mode]', "auto")
    page.click('.device[data-device="esp1"] form:has(select[name=mode]) button')
    page.wait_for_function("() => /set the pump to auto: (done|refused)/.test(document.getElementById('flash').textContent)")
    assert page.locator("#flash").text_content().startswith("esp1: set the pump to auto: done")
    page.wait_for_function(
        "() => document.querySelector('.device[data-device=\"esp1\"] .mode').textContent === 'auto'")
    page.close()


def test_an_alert_is_acknowledged_from_the_page(browser: Any, pipeline: WebPipeline) -> None:
    page = login(browser, pipeline, "alice")
    page.goto(pipeline.url + "/tank/sump")
    alert = page.locator('#alerts li[data-key="sump_low"]')
    alert.wait_for(timeout=90_000)
    assert "Sump level low" in alert.text_content()  # the keeper's words, not the key
    alert.locator("button[value=ack]").click()
    alert = page.locator('#alerts li[data-key="sump_low"]')
    page.wait_for_function(
        "() => { const a = document.querySelector('#alerts li[data-key=\"sump_low\"] .acked');"
        " return a && !a.hidden && a.textContent.includes('alice'); }")
    assert alert.locator("button[value=ack]").is_disabled()
    # the analytics received the signed command and applied it
    assert wait_for(lambda: "acknowledged" in pipeline.analytics.log_path.read_text() and
                    "of sump" in pipeline.analytics.log_path.read_text(), 20), pipeline.analytics.log_tail()
    page.reload()  # the server remembers who acknowledged it
    assert "acknowledged by alice" in page.locator('#alerts li[data-key="sump_low"]').text_content()
    page.close()


def test_a_water_change_puts_the_tank_in_maintenance(browser: Any, pipeline: WebPipeline) -> None:
    page = login(browser, pipeline, "alice")
    page.goto(pipeline.url + "/tank/sump")
    page.select_option("form:has(#water-change) select[name=minutes]", "30")
    page.click("#water-change")
    page.wait_for_function("() => /maintenance/.test(document.getElementById('flash').textContent)")
    assert page.locator("#flash").text_content().startswith("water change: maintenance for 30 min")
    assert wait_for(lambda: "sump in maintenance for 30 min" in pipeline.analytics.log_path.read_text(), 20), \
        pipeline.analytics.log_tail()
    page.close()


@pytest.mark.parametrize("viewport", [PHONE, DESKTOP], ids=["390x844", "1440x900"])
def test_no_page_is_wider_than_the_screen(browser: Any, pipeline: WebPipeline, viewport: dict[str, int],
                                          tmp_path: Path) -> None:
    page = login(browser, pipeline, "alice", viewport)
    page.goto(pipeline.url + "/tank/sump")
    page.locator('#alerts li[data-key="sump_low"]').wait_for(timeout=90_000)
    for path in ("/tank/reef", "/tank/sump", "/fleet", "/history?days=1", "/history?days=1&tank=sump"):
        page.goto(pipeline.url + path)
        if path.startswith("/tank"):
            page.wait_for_selector("#charts .uplot, #charts p", timeout=30_000)
        shot = tmp_path / f"{path.strip('/').replace('/', '-').split('?')[0]}-{viewport['width']}.png"
        page.screenshot(path=str(shot), full_page=True)
        assert shot.stat().st_size > 5000
        assert page.evaluate(OVERFLOW_JS) == [], f"{path} at {viewport['width']} px"
        size = page.evaluate("() => parseFloat(getComputedStyle(document.body).fontSize)")
        assert size >= 16, f"body text {size}px on {path}"
    page.close()


def test_a_viewer_sees_no_buttons_and_cannot_post_them(browser: Any, pipeline: WebPipeline) -> None:
    page = login(browser, pipeline, "victor")
    page.goto(pipeline.url + "/tank/reef")
    page.wait_for_function("() => /esp1/.test(document.getElementById('reading-time').textContent)")
    assert page.locator("form[action$='/pump'], form[action$='/alerts']").count() == 0
    csrf = page.locator("meta[name=csrf]").get_attribute("content")
    r = page.request.post(pipeline.url + "/tank/reef/pump", headers={"Accept": "application/json"},
                          form={"csrf": csrf, "device": "esp1", "action": "feed", "minutes": "10"})
    assert r.status == 403 and "only an operator" in r.json()["message"]
    page.close()


def test_a_post_without_its_csrf_token_is_refused(browser: Any, pipeline: WebPipeline) -> None:
    page = login(browser, pipeline, "alice")
    for form in ({"device": "esp1", "action": "feed"}, {"csrf": "forged", "device": "esp1", "action": "feed"}):
        r = page.request.post(pipeline.url + "/tank/reef/pump", form=form, headers={"Accept": "application/json"})
        assert r.status == 403 and "security token" in r.json()["message"]
    page.close()


def test_wrong_passwords_are_rate_limited(browser: Any, pipeline: WebPipeline) -> None:
    # from an address of its own (the app trusts X-Forwarded-For from its loopback proxy), so
    # the other tests' logins from 127.0.0.1 are not held back
    page = browser.new_page(extra_http_headers={"X-Forwarded-For": "192.0.2.7"})
    page.goto(pipeline.url + "/login")
    statuses = []
    for _ in range(pipeline.cfg.web.login_attempts + 1):
        page.fill("input[name=name]", "mallory")
        page.fill("input[name=password]", "guess-guess")
        with page.expect_response(lambda r: r.request.method == "POST") as resp:
            page.click("#login button")
        statuses.append(resp.value.status)
    assert statuses == [401] * pipeline.cfg.web.login_attempts + [429]
    assert "Too many failed logins" in page.locator("#login-error").text_content()
    page.close()


def test_the_fleet_table_filters_sorts_and_stays_current(browser: Any, pipeline: WebPipeline) -> None:
    page = login(browser, pipeline, "victor", DESKTOP)
    page.goto(pipeline.url + "/fleet")
    page.wait_for_selector('#fleet tr[data-tank="reef"]')
    page.wait_for_selector('#fleet tr[data-tank="sump"]')
    assert page.locator('#fleet tr[data-tank="reef"] td.forecast').text_content() == FORECAST
    page.fill("#filter", "sump level")  # an alert's words find its tank
    assert page.locator("#fleet tbody tr:not([hidden])").evaluate_all("rs => rs.map(r => r.dataset.tank)") == ["sump"]
    page.fill("#filter", "")
    page.click("button[data-sort=tank]")
    tanks = page.locator("#fleet tbody tr").evaluate_all("rs => rs.map(r => r.dataset.tank)")
    assert tanks == sorted(tanks)
    page.click("button[data-sort=tank]")
    assert page.locator("#fleet tbody tr").evaluate_all("rs => rs.map(r => r.dataset.tank)") == sorted(tanks)[::-1]
    # the live device's row is brought up to date by the event stream, not by reloading
    cell = '#fleet tr[data-tank="reef"] td.last'
    before = page.locator(cell).get_attribute("data-ts")
    page.wait_for_function("([sel, ts]) => document.querySelector(sel).dataset.ts !== ts", arg=[cell, before],
                           timeout=15_000)
    page.close()
