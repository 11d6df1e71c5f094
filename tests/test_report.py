"""The HTML report: pure parts with property tests, then the page made by
``aquamon report`` from a real pipeline run, rendered in headless Chromium."""

from __future__ import annotations

import html
import json
import re
import shutil
import subprocess
import sys
import time
from datetime import datetime, timedelta
from pathlib import Path

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from typer.testing import CliRunner

from aquamon.cli import app
from aquamon.config import Config, to_toml
from aquamon.influx import InfluxV1
from aquamon.lineproto import encode_point
from aquamon.report import (
    DAY_MS,
    AlertSpan,
    ReportError,
    _figure_with_lane,
    alert_spans,
    band_at,
    hour_of_day_baseline,
    label_extent,
    label_rows,
    load_alert_state,
    outside_spans,
    parse_since,
    write_report,
)
from harness.services import InfluxDB1, Mosquitto

sys.path.insert(0, str(Path(__file__).resolve().parent))
from test_grafana_dashboards import pipeline_run  # the same simulated run

# --------------------------------------------------------------------------- pure parts


def test_since_accepts_units_and_refuses_the_rest() -> None:
    assert parse_since("7d") == 168 and parse_since("1.5h") == 1.5
    for bad in ("7", "0d", "-1d", "7 days", ""):
        with pytest.raises(ReportError, match="e.g. 7d"):
            parse_since(bad)


transitions = st.lists(st.tuples(st.integers(0, 10_000), st.sampled_from(["drift", "heater_stuck", "ph_crash"]),
                                 st.sampled_from(["firing", "resolved"])), max_size=40)


@given(transitions)
@settings(max_examples=200, deadline=None)
def test_alert_spans_pair_firing_with_resolved(rows: list[tuple[int, str, str]]) -> None:
    alerts = [{"time": t, "key": k, "severity": "warning", "state": s} for t, k, s in rows]
    end = 20_000
    spans = alert_spans(alerts, end)
    for s in spans:
        assert s.start_ms <= s.end_ms <= end
    for key in {k for _, k, _ in rows}:
        mine = sorted((s for s in spans if s.key == key), key=lambda s: s.start_ms)
        assert all(a.end_ms <= b.start_ms for a, b in zip(mine, mine[1:])), "spans of one alert overlap"
        # still open exactly when the key's last transition (in time order) is a firing
        ordered = sorted((a for a in alerts if a["key"] == key), key=lambda a: a["time"])
        assert [s.open for s in mine].count(True) == (ordered[-1]["state"] == "firing")
        # every firing that follows a resolved (or starts the log) opens a span
        starts = sum(1 for prev, a in zip([None] + ordered, ordered)
                     if a["state"] == "firing" and (prev is None or prev["state"] == "resolved"))
        assert len(mine) == starts


@given(st.floats(-50, 50), st.floats(0.01, 5), st.integers(0, 2**31))
@settings(max_examples=50, deadline=None)
def test_the_band_covers_healthy_noise_and_ignores_a_fault_under_an_alert(level: float, sigma: float,
                                                                          seed: int) -> None:
    rng = np.random.default_rng(seed)
    t = np.arange(0, 3 * DAY_MS, 60_000)
    daily = level + 3 * sigma * np.sin(2 * np.pi * (t % DAY_MS) / DAY_MS)
    x = daily + rng.normal(0, sigma, len(t))
    fault = (t >= 2 * DAY_MS + 3_600_000 * 5) & (t < 2 * DAY_MS + 3_600_000 * 8)
    x[fault] += 40 * sigma
    spans = [AlertSpan("drift", "warning", int(t[fault][0]), int(t[fault][-1]), False)]
    mean, std = hour_of_day_baseline(t, x, outside_spans(t, spans))
    low, high = band_at(t, mean, std)
    inside = (x >= low) & (x <= high)
    assert 0.90 < inside[~fault].mean() < 0.99  # ±2σ of Gaussian noise: ~95 %
    assert not inside[fault].any()  # the fault is outside the band it was kept out of
    assert float(np.nanmax(std)) < 2 * sigma


def test_hours_without_enough_healthy_readings_have_no_band() -> None:
    t = np.arange(0, DAY_MS, 600_000)  # one day, 6 readings an hour
    mean, std = hour_of_day_baseline(t, np.ones(len(t)), np.ones(len(t), dtype=bool))
    assert np.isnan(mean).all() and np.isnan(std).all()


# --------------------------------------------------------------------------- the page, in Chromium

CHROMIUM_FLAGS = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
                  "--disable-background-networking", "--disable-component-update", "--disable-sync",
                  "--hide-scrollbars", "--window-size=1100,2600"]
# Appended to a copy of the page: after load, record for every image whether it decoded.
CHECKER = """<script>
window.addEventListener('load', () => {
  const imgs = Array.from(document.images).map(i => ({id: i.id, ok: i.complete && i.naturalWidth > 0,
                                                      w: i.naturalWidth, h: i.naturalHeight}));
  document.body.setAttribute('data-images', JSON.stringify(imgs));
});
</script>"""


def chromium() -> str:
    exe = shutil.which("chromium")
    if exe is None:
        pytest.fail("chromium is not installed: run 'make test' (tools/install-system-deps.sh installs it)")
    return exe


def run_chromium(args: list[str], tmp: Path) -> subprocess.CompletedProcess[str]:
    profile = tmp / f"profile-{time.monotonic_ns()}"
    profile.mkdir()
    return subprocess.run([chromium(), *CHROMIUM_FLAGS, f"--user-data-dir={profile}", *args],
                          capture_output=True, text=True, timeout=60)


def images_in_chromium(page: Path, tmp: Path) -> list[dict[str, object]]:
    probe = tmp / f"probe-{page.name}"
    probe.write_text(page.read_text().replace("</body>", CHECKER + "</body>"))
    r = run_chromium(["--virtual-time-budget=5000", "--dump-dom", probe.as_uri()], tmp)
    m = re.search(r'data-images="([^"]*)"', r.stdout)
    assert m, f"Chromium did not run the page's checker:\n{r.stderr[-2000:]}"
    return list(json.loads(html.unescape(m.group(1))))


@pytest.fixture(scope="module")
def pipeline_db(tmp_path_factory: pytest.TempPathFactory, mosquitto: Mosquitto,
                influxdb: InfluxDB1) -> tuple[InfluxV1, list[str]]:
    return pipeline_run(tmp_path_factory, influxdb, mosquitto)


def cli_config(tmp: Path, db: InfluxV1) -> Path:
    cfg = Config()
    cfg.influxdb.url, cfg.influxdb.database = db.url, db.database
    path = tmp / "aquamon.toml"
    path.write_text(to_toml(cfg))
    return path


@pytest.mark.services
def test_report_from_the_real_pipeline_renders_in_chromium(pipeline_db: tuple[InfluxV1, list[str]],
                                                          tmp_path: Path) -> None:
    db, _ = pipeline_db
    out = tmp_path / "out"
    r = CliRunner().invoke(app, ["report", "--tank", "tank1", "--since", "2d", "--out", str(out),
                                 "--config", str(cli_config(tmp_path, db))])
    assert r.exit_code == 0, r.output
    page = out / "report.html"
    assert f"report: {page}" in r.stdout
    text = page.read_text()
    # self-contained: no fetch of anything, nothing that needs a server
    assert not re.search(r"""(src|href)=['"](?!data:)""", text)
    # the alert log holds the stuck heater, still firing, in the keeper's words; the status line says so
    assert re.search(r"<tr class='firing' data-key='heater_stuck'><td>[^<]+</td><td>heater stuck on</td>"
                     r"<td>critical</td>", text)
    assert re.search(r"<p class='bad'>(1 alert|\d+ alerts) still firing: [^<]*heater stuck on", text)
    assert '<meta name="viewport" content="width=device-width, initial-scale=1">' in text

    images = images_in_chromium(page, tmp_path)
    assert [i["id"] for i in images] == ["sensor-temp_c", "sensor-ph", "sensor-tds_ppm", "sensor-turb_ntu",
                                         "sensor-level_cm", "sensor-flow_lpm", "drift", "forecast"]
    broken = [i for i in images if not i["ok"]]
    assert broken == [], f"figures that did not load: {broken}"
    assert all(int(str(i["w"])) > 500 for i in images)

    shot = tmp_path / "report.png"
    r2 = run_chromium([f"--screenshot={shot}", page.as_uri()], tmp_path)
    assert shot.exists(), r2.stderr[-2000:]
    from matplotlib.image import imread

    pixels = imread(shot)
    assert pixels.shape[:2] == (2600, 1100)
    assert pixels[..., :3].std() > 0.05, "the screenshot is blank"


@pytest.mark.services
def test_a_short_window_shows_the_alerts_still_firing_from_before_it(pipeline_db: tuple[InfluxV1, list[str]],
                                                                      tmp_path: Path) -> None:
    db, _ = pipeline_db
    rows = load_alert_state(db, "tank1", 0, int(time.time() * 1000) + DAY_MS)
    heater = [r for r in rows if r["key"] == "heater_stuck"]
    assert heater[-1]["state"] == "firing"
    last = int(db.query("SELECT last(\"seq\") FROM \"water\" WHERE \"tank\" = 'tank1'")[0]["values"][0][0])
    fired = int(heater[-1]["time"])
    hours = (last - fired) / 3_600_000 / 2  # the window starts after the heater fired
    text = write_report(db, "tank1", tmp_path, hours=hours, now_ms=last).read_text()
    assert re.search(r"<p class='bad'>(1 alert|\d+ alerts) still firing: [^<]*heater stuck on", text)
    assert "firing (before this period)" in text


@pytest.mark.services
def test_alert_state_leads_with_what_fired_before_the_window(influxdb: InfluxDB1, unique: str) -> None:
    db = InfluxV1(influxdb.url, unique)
    db.create_database()
    pts = [("pump_lockout", "critical", "firing", 0), ("drift", "warning", "firing", 10),
           ("drift", "warning", "resolved", 20), ("sump_low", "critical", "firing", 35)]
    db.write_lines([encode_point("alert", {"tank": "t1", "key": k, "severity": sev}, {"state": st_, "summary": k},
                                 t * 60_000) for k, sev, st_, t in pts]
                   + [encode_point("alert", {"tank": "t2", "key": "drift", "severity": "warning"},
                                   {"state": "firing", "summary": "other tank"}, 0)])
    rows = load_alert_state(db, "t1", 30 * 60_000, 40 * 60_000)
    assert [(r["key"], r["state"], r["time"]) for r in rows] == [("pump_lockout", "firing", 0),
                                                                  ("sump_low", "firing", 35 * 60_000)]
    assert [(s.key, s.open) for s in alert_spans(rows, 40 * 60_000)] == [("pump_lockout", True), ("sump_low", True)]


@given(st.lists(st.tuples(st.integers(0, 1000), st.integers(0, 300)), max_size=12))
def test_overlapping_labels_never_share_a_row(raw: list[tuple[int, int]]) -> None:
    spans = sorted((AlertSpan("drift", "warning", a, a + d, False) for a, d in raw), key=lambda s: s.start_ms)
    rows = label_rows(spans, 0, 1300)
    extents = [label_extent(s, 0, 1300) for s in spans]
    for i in range(len(spans)):
        assert 0 <= extents[i][0] and extents[i][0] + len("water drifting") / 60 * 1300 <= 1300 + 1e-6
        for j in range(i):
            if rows[i] == rows[j]:
                assert extents[j][1] <= extents[i][0] or extents[i][1] <= extents[j][0]


def test_alert_names_sit_in_a_lane_above_the_plot_never_over_the_data() -> None:
    import matplotlib.pyplot as plt

    h = 3_600_000
    spans = [AlertSpan("drift", "warning", 0, 2 * h, True), AlertSpan("pump_lockout", "critical", h // 2, 2 * h, True),
             AlertSpan("ph_crash", "critical", h, 2 * h, True),
             AlertSpan("heater_cutoff", "warning", 2 * h - 60_000, 2 * h, False)]  # its name ends at the plot's end
    fig, ax = _figure_with_lane(2.6, spans, 0, 2 * h)
    try:
        fig.canvas.draw()
        names = [t for a in fig.axes for t in a.texts]
        assert sorted(t.get_text() for t in names) == ["heater switched off by the controller", "pH crashing",
                                                       "pump locked out", "water drifting"]
        assert not ax.texts  # the plot itself carries no names
        plot = ax.get_window_extent()
        width = fig.bbox.width
        for t in names:
            box = t.get_window_extent()
            assert box.y0 >= plot.y1 - 1, t.get_text()  # above the data
            assert 0 <= box.x0 and box.x1 <= width + 1, t.get_text()  # whole, not cut at the edge
        boxes = [t.get_window_extent() for t in names]
        assert not any(a.overlaps(b) for i, a in enumerate(boxes) for b in boxes[:i])
    finally:
        plt.close(fig)
    fig, ax = _figure_with_lane(2.6, [], 0, 2 * h)  # no alerts: no lane
    assert fig.axes == [ax]
    plt.close(fig)


def test_the_checker_sees_a_broken_figure(tmp_path: Path) -> None:
    page = tmp_path / "broken.html"
    page.write_text("<!doctype html><html><body><img id='ok' src='data:image/png;base64,"
                    "iVBORw0KGgoAAAANSUhEUgAAAAEAAAABCAYAAAAfFcSJAAAADUlEQVR42mNk+M9QDwADhgGAWjR9awAAAABJRU5ErkJggg=='>"
                    "<img id='bad' src='data:image/png;base64,iVBORw0KGgoAAAANSUhEUgAAAAEAAAAB'></body></html>")
    images = {i["id"]: i["ok"] for i in images_in_chromium(page, tmp_path)}
    assert images == {"ok": True, "bad": False}


@pytest.mark.services
def test_report_for_an_unknown_tank_names_the_tanks_with_data(pipeline_db: tuple[InfluxV1, list[str]],
                                                             tmp_path: Path) -> None:
    db, _ = pipeline_db
    r = CliRunner().invoke(app, ["report", "--tank", "tank9", "--since", "2d", "--out", str(tmp_path),
                                 "--config", str(cli_config(tmp_path, db))])
    assert r.exit_code == 1, r.output
    assert isinstance(r.exception, SystemExit)  # a clean exit with the message, not a crash
    assert "no readings from tank 'tank9'" in r.stderr and "tank1, tank2" in r.stderr
    assert not (tmp_path / "report.html").exists()


@pytest.mark.services
def test_times_are_on_the_keepers_clock(pipeline_db: tuple[InfluxV1, list[str]], tmp_path: Path) -> None:
    from zoneinfo import ZoneInfo

    db, _ = pipeline_db
    last = int(db.query("SELECT last(\"seq\") FROM \"water\" WHERE \"tank\" = 'tank1'")[0]["values"][0][0])
    utc = write_report(db, "tank1", tmp_path / "utc", hours=6, now_ms=last).read_text()
    tokyo = write_report(db, "tank1", tmp_path / "tokyo", hours=6, now_ms=last, zone=ZoneInfo("Asia/Tokyo")).read_text()
    span = re.compile(r"From (\d{4}-\d\d-\d\d \d\d:\d\d) to (\d{4}-\d\d-\d\d \d\d:\d\d) (\S+) ")
    (_, b, z1), (_, d, z2) = span.search(utc).groups(), span.search(tokyo).groups()  # type: ignore[union-attr]
    assert (z1, z2) == ("UTC", "Asia/Tokyo") and "<th>time (Asia/Tokyo)</th>" in tokyo
    shift = datetime.strptime(d, "%Y-%m-%d %H:%M") - datetime.strptime(b, "%Y-%m-%d %H:%M")
    assert shift == timedelta(hours=9)  # Tokyo keeps no summer time
