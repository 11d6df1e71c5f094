"""The Grafana dashboards, proven without Grafana: each is checked against Grafana's own
dashboard model (grafana-foundation-sdk, generated from Grafana 11.3) and a structural
check, its template variables are substituted as Grafana would, and every variable,
panel and annotation query is executed on a real InfluxDB 1.6 filled by the real
pipeline (firmware on MicroPython → Mosquitto → gateway → InfluxDB → analytics).
Any query error or empty result fails."""

from __future__ import annotations

import copy
import json
import re
import sys
import time
from pathlib import Path
from typing import Any

import pytest
import yaml

from aquamon.influx import InfluxV1, QueryError
from aquamon.lineproto import encode_point
from harness.services import InfluxDB1, Mosquitto
from harness.stack import Stack, firmware_config, wait_for

ROOT = Path(__file__).resolve().parents[1]
GRAFANA = ROOT / "deploy" / "grafana"
DASHBOARDS = sorted((GRAFANA / "dashboards").glob("*.json"))
sys.path.insert(0, str(GRAFANA))
import generate  # noqa: E402  (deploy/grafana/generate.py)
from preview import render, substitute, variable_values  # noqa: E402  (deploy/grafana/preview.py)

pytestmark = pytest.mark.services

# --------------------------------------------------------------------------- the real pipeline

TANKS = ("tank1", "tank2")
MINUTES = 27 * 60
FAULT_MIN = 25 * 60
FAULTS = {  # tank1: heater stuck on to the end (its alert stays firing); tank2: for half an hour (resolved)
    "tank1": {"kind": "heater_stuck", "start_min": FAULT_MIN, "rate_c_per_h": 3.0},
    "tank2": {"kind": "heater_stuck", "start_min": FAULT_MIN, "end_min": FAULT_MIN + 30, "rate_c_per_h": 3.0},
}
_RUNS: dict[int, tuple[InfluxV1, list[str]]] = {}


def simulate(stack: Stack, database: str) -> tuple[InfluxV1, int]:
    """Two tanks through the real pipeline; tank1 gets a stuck heater.  Returns (db, start ms)."""
    # warm-up 24 h (the analytics' minimum for a day/night baseline) so that 27 simulated
    # hours give drift scores for the last three
    cfg = stack.config(database=database, topic_prefix=database, tanks=list(TANKS), warmup_hours=24.0)
    db = stack.db(cfg)
    gateway = stack.start_gateway(cfg)
    analytics = stack.start_analytics(cfg)
    start = int(time.time() * 1000) - MINUTES * 60_000
    fws = [stack.start_firmware(firmware_config(
        tank=tank, device=f"esp-{tank}", mqtt_port=cfg.mqtt.port, prefix=database,
        state_dir=stack.workdir / f"dev-{tank}", minutes=MINUTES, start_epoch_ms=start, speed=0, seed=i + 1,
        faults=[FAULTS[tank]]),
        name=f"firmware-{tank}") for i, tank in enumerate(TANKS)]
    assert wait_for(lambda: not any(fw.alive() for fw in fws), 120), "firmware did not finish"
    for fw in fws:
        assert fw.proc.returncode == 0, f"the firmware failed:\n{fw.log_tail()}"
    for part in (gateway, analytics):
        assert part.alive(), f"{part.name} exited:\n{part.log_tail()}"
    last_minute = (start + (MINUTES - 1) * 60_000) // 60_000 * 60_000

    def scored_until(tank: str) -> int:
        s = db.query(f"SELECT last(\"temp_rate_c_per_h\") FROM \"score\" WHERE \"tank\" = '{tank}'")
        return int(s[0]["values"][0][0]) if s else 0

    wait_for(lambda: all(scored_until(t) >= last_minute for t in TANKS) or not analytics.alive(), 90)
    assert all(scored_until(t) >= last_minute for t in TANKS), \
        f"the analytics did not catch up:\n{analytics.log_tail()}"
    assert wait_for(lambda: bool(db.query('SELECT last("received") FROM "gateway"')), 10)
    for proc in list(stack.processes):
        proc.stop()
    return db, start


def add_missing_measurements(db: InfluxV1, start: int) -> list[str]:
    """Write sample points for measurements the pipeline does not produce yet.

    ``forecast`` is being added to the analytics and pump ``event``s need a low water
    level; until the pipeline writes them, representative points stand in, so their
    panels' queries are still executed.  Returns the names supplemented (reported)."""
    added = []
    if not db.query('SHOW MEASUREMENTS WITH MEASUREMENT = "forecast"'):
        db.write_lines([encode_point("forecast", {"tank": t, "sensor": s},
                                     {"rate_per_day": r, "days_to_limit": d, "low": d * 0.7, "high": d * 1.4},
                                     start + h * 3_600_000)
                        for t in TANKS for s, r, d in (("tds_ppm", 6.0, 30.0), ("level_cm", -0.3, 12.0))
                        for h in range(24, 27)])
        added.append("forecast")
    if not db.query('SHOW MEASUREMENTS WITH MEASUREMENT = "event"'):
        db.write_lines([encode_point("event", {"tank": t, "device": f"esp-{t}", "kind": "pump_off"},
                                     {"detail": "water level low", "seq": 5}, start + 26 * 3_600_000)
                        for t in TANKS])
        added.append("event")
    return added


def pipeline_run(tmp_path_factory: pytest.TempPathFactory, influxdb: InfluxDB1,
                 mosquitto: Mosquitto) -> tuple[InfluxV1, list[str]]:
    """One simulated run per test session (this file and test_report.py share it): the
    data stays in the session's InfluxDB, every process the run started is stopped."""
    if influxdb.port not in _RUNS:
        stack = Stack(tmp_path_factory.mktemp("pipeline"), mosquitto=mosquitto, influx=influxdb)
        try:
            db, start = simulate(stack, "pipeline" + str(time.time_ns() % 10**9))
            _RUNS[influxdb.port] = (db, add_missing_measurements(db, start))
        finally:
            stack.stop_all()
    return _RUNS[influxdb.port]


@pytest.fixture(scope="module")
def filled(tmp_path_factory: pytest.TempPathFactory, mosquitto: Mosquitto,
           influxdb: InfluxDB1) -> tuple[InfluxV1, list[str]]:
    return pipeline_run(tmp_path_factory, influxdb, mosquitto)


# --------------------------------------------------------------------------- the dashboard model


def model_roundtrip_losses(doc: dict[str, Any]) -> list[str]:
    """Paths in ``doc`` that Grafana's dashboard model does not know (dropped by a round trip)."""
    from grafana_foundation_sdk.cog import plugins
    from grafana_foundation_sdk.cog.encoder import JSONEncoder
    from grafana_foundation_sdk.models.dashboard import Dashboard

    plugins.register_default_plugins()
    back = json.loads(json.dumps(Dashboard.from_json(copy.deepcopy(doc)), cls=JSONEncoder))
    losses: list[str] = []

    def walk(a: Any, b: Any, path: str) -> None:
        if isinstance(a, dict):
            if not isinstance(b, dict):
                losses.append(f"{path}: became {type(b).__name__}")
                return
            for k, v in a.items():
                if k not in b:
                    losses.append(f"{path}.{k}")
                else:
                    walk(v, b[k], f"{path}.{k}")
        elif isinstance(a, list):
            if not isinstance(b, list) or len(a) != len(b):
                losses.append(f"{path}: list changed")
                return
            for i, (x, y) in enumerate(zip(a, b)):
                walk(x, y, f"{path}[{i}]")
        elif a != b:
            losses.append(f"{path}: {a!r} became {b!r}")

    walk(doc, back, "")
    # The InfluxDB data source keeps its annotation query in `target`, which the
    # generic dashboard schema types as the built-in Grafana annotation target.
    return [p for p in losses if not re.fullmatch(
        r"\.annotations\.list\[\d+\]\.target\.(refId|query|rawQuery|fromAnnotations|textColumn|tagsColumn)", p)]


def all_panels(doc: dict[str, Any]) -> list[dict[str, Any]]:
    out = []
    for p in doc.get("panels", []):
        out.append(p)
        out.extend(p.get("panels", []))  # panels inside collapsed rows
    return out


def structural_problems(doc: dict[str, Any]) -> list[str]:
    """What the model's round trip cannot see: types, layout, references between parts."""
    from grafana_foundation_sdk.cog import runtime

    problems: list[str] = []
    variables = {v["name"]: v for v in doc["templating"]["list"]}
    ids = [p.get("id") for p in all_panels(doc)]
    if len(set(ids)) != len(ids) or not all(isinstance(i, int) for i in ids):
        problems.append(f"panel ids must be unique integers: {ids}")
    for p in all_panels(doc):
        name = f"panel {p.get('id')} {p.get('title')!r}"
        g = p.get("gridPos", {})
        if not all(isinstance(g.get(k), int) for k in ("x", "y", "w", "h")) or g["x"] + g["w"] > 24 or g["w"] < 1:
            problems.append(f"{name}: gridPos {g} is not inside the 24-column grid")
        if p["type"] != "row":
            if runtime.panelcfg_config(p["type"]) is None:
                problems.append(f"{name}: unknown panel type {p['type']!r}")
            if p.get("datasource") != generate.DS:
                problems.append(f"{name}: datasource {p.get('datasource')} is not the provisioned one")
            if not p.get("targets"):
                problems.append(f"{name}: no queries")
            for t in p.get("targets", []):
                if not (t.get("rawQuery") is True and isinstance(t.get("query"), str) and t.get("refId")):
                    problems.append(f"{name}: target {t.get('refId')} is not a raw InfluxQL query")
        if p.get("repeat") and p["repeat"] not in variables:
            problems.append(f"{name}: repeats over an unknown variable ${p['repeat']}")
    text = json.dumps(doc)
    for used in set(re.findall(r"\$([a-z_]+)\b", text)) - {"timeFilter", "__interval", "__all", "tag_device",
                                                           "tag_instance", "tag_sensor", "__url_time_range"}:
        if used not in variables and not used.startswith("__"):
            problems.append(f"${used} is used but not defined as a template variable")
    return problems


# --------------------------------------------------------------------------- Grafana's substitution


def queries(doc: dict[str, Any]) -> list[tuple[str, str, str]]:
    """(where, InfluxQL, repeat variable or "") for every panel target and annotation."""
    out = []
    for p in doc.get("panels", []):
        for q in [p] + p.get("panels", []):
            repeat = q.get("repeat") or p.get("repeat") or ""  # a panel inside a repeated row repeats too
            for t in q.get("targets", []):
                out.append((f"panel {q['title']!r} target {t['refId']}", t["query"], repeat))
    for a in doc["annotations"]["list"]:
        if "target" in a and "query" in a["target"]:
            out.append((f"annotation {a['name']!r}", a["target"]["query"], ""))
    return out


def resolve_variables(db: InfluxV1, doc: dict[str, Any]) -> dict[str, list[str]]:
    """Every variable's values (query variables run on the database); none may be empty."""
    values = variable_values(db, doc)
    empty = [name for name, v in values.items() if not v]
    assert not empty, f"variables without values: {empty}"
    return values


def default_values(doc: dict[str, Any], values: dict[str, list[str]]) -> dict[str, str]:
    """What a dashboard opens with: "All" (its allValue) where allowed, else the first value."""
    out = {}
    for v in doc["templating"]["list"]:
        out[v["name"]] = v["allValue"] if v.get("includeAll") and "allValue" in v else values[v["name"]][0]
    return out


def run_all(db: InfluxV1, doc: dict[str, Any]) -> tuple[list[str], int]:
    """Execute every query as the dashboard opens, and repeated panels once per value;
    return (failures, queries executed)."""
    values = resolve_variables(db, doc)
    defaults = default_values(doc, values)
    failures: list[str] = []
    executed = 0
    for where, query, repeat in queries(doc):
        combos = [defaults] if not repeat else [dict(defaults, **{repeat: x}) for x in values[repeat]]
        for combo in combos:
            q = substitute(query, combo, doc["time"]["from"])
            executed += 1
            try:
                series = db.query(q)
            except QueryError as e:
                failures.append(f"{where}: {e}")
                continue
            if not any(s.get("values") for s in series):
                failures.append(f"{where}: empty result for {q}")
    return failures, executed


# --------------------------------------------------------------------------- tests


def test_the_committed_dashboards_are_what_the_generator_writes() -> None:
    rendered = generate.render()
    assert sorted(rendered) == [p.name for p in DASHBOARDS]
    for path in DASHBOARDS:
        assert path.read_text() == rendered[path.name], \
            f"{path.name} differs from deploy/grafana/generate.py: run 'python deploy/grafana/generate.py'"


@pytest.mark.parametrize("path", DASHBOARDS, ids=lambda p: p.name)
def test_dashboard_fits_grafanas_model(path: Path) -> None:
    doc = json.loads(path.read_text())
    assert model_roundtrip_losses(doc) == []
    assert structural_problems(doc) == []


def test_the_model_check_catches_mistakes() -> None:
    doc = json.loads((GRAFANA / "dashboards" / "tank.json").read_text())
    bad = copy.deepcopy(doc)
    bad["panels"][1]["gridpos"] = bad["panels"][1].pop("gridPos")  # misspelt key
    bad["templating"]["list"][0]["multiple"] = True
    losses = model_roundtrip_losses(bad)
    assert ".panels[1].gridpos" in losses and ".templating.list[0].multiple" in losses
    bad = copy.deepcopy(doc)
    bad["panels"][1]["type"] = "timeseriess"
    bad["panels"][1]["gridPos"]["w"] = 30
    bad["panels"][1]["repeat"] = "sensors"
    problems = " ".join(structural_problems(bad))
    assert "unknown panel type 'timeseriess'" in problems and "24-column grid" in problems
    assert "unknown variable $sensors" in problems


def test_provisioning_points_grafana_at_influxql_and_the_dashboards() -> None:
    ds = yaml.safe_load((GRAFANA / "provisioning" / "datasources" / "aquamon.yml").read_text())
    (source,) = ds["datasources"]
    assert source["type"] == "influxdb" and source["uid"] == generate.DS["uid"]
    assert source["jsonData"]["version"] == "InfluxQL" and source["jsonData"]["dbName"] == "aquamon"
    prov = yaml.safe_load((GRAFANA / "provisioning" / "dashboards" / "aquamon.yml").read_text())
    (provider,) = prov["providers"]
    compose = yaml.safe_load((ROOT / "docker-compose.yml").read_text())
    mounts = compose["services"]["grafana"]["volumes"]
    assert "./deploy/grafana/provisioning:/etc/grafana/provisioning:ro" in mounts
    assert f"./deploy/grafana/dashboards:{provider['options']['path']}:ro" in mounts


def test_every_query_runs_and_returns_data_from_the_real_pipeline(filled: tuple[InfluxV1, list[str]]) -> None:
    db, supplemented = filled
    assert set(supplemented) <= {"forecast", "event"}, supplemented  # everything else came from the pipeline
    report = {}
    for path in DASHBOARDS:
        failures, executed = run_all(db, json.loads(path.read_text()))
        assert failures == [], f"{path.name}:\n" + "\n".join(failures)
        report[path.name] = executed
    assert report["tank.json"] > 20 and report["fleet.json"] > 10 and report["gateway.json"] > 8


def test_fleet_variables_see_every_tank_and_the_table_has_one_row_per_tank(
        filled: tuple[InfluxV1, list[str]]) -> None:
    db, _ = filled
    doc = json.loads((GRAFANA / "dashboards" / "fleet.json").read_text())
    assert resolve_variables(db, doc)["tank"] == sorted(TANKS)
    (table,) = [p for p in all_panels(doc) if p["type"] == "table"]
    every = {"tank": ".*", "filter": ".*"}
    for t in table["targets"]:
        tanks = {s["tags"]["tank"] for s in db.query(substitute(t["query"], every))}
        if t["refId"] == "D":  # active alerts: the tanks with an alert whose last transition is a firing
            rows = db.query('SELECT last("state") FROM "alert" GROUP BY "tank", "key"')
            firing = {s["tags"]["tank"] for s in rows if s["values"][0][1] == "firing"}
            assert "tank1" in firing and tanks == firing, t["query"]
        else:
            assert tanks == set(TANKS), t["query"]
    # the name filter narrows the tank list (how hundreds of tanks stay usable)
    tank_var = doc["templating"]["list"][1]
    only = db.query(substitute(tank_var["query"], {"filter": "2$"}))
    assert [r[1] for r in only[0]["values"]] == ["tank2"]


def test_a_query_error_or_empty_result_is_reported(filled: tuple[InfluxV1, list[str]]) -> None:
    db, _ = filled
    doc = json.loads((GRAFANA / "dashboards" / "gateway.json").read_text())
    broken = copy.deepcopy(doc)
    broken["panels"][0]["targets"][0]["query"] = "SELECT last(\"received\" FROM \"gateway\""
    broken["panels"][1]["targets"][0]["query"] = "SELECT last(\"nope\") FROM \"gateway\" WHERE $timeFilter"
    failures, _ = run_all(db, broken)
    assert len(failures) == 2 and "error parsing query" in failures[0] and "empty result" in failures[1]


def test_the_preview_draws_a_dashboard_from_the_real_pipeline(filled: tuple[InfluxV1, list[str]],
                                                              tmp_path: Path) -> None:
    db, _ = filled
    from matplotlib.image import imread

    out = render(db, json.loads((GRAFANA / "dashboards" / "tank.json").read_text()), tmp_path / "tank.png",
                 {"tank": "tank1"})
    pixels = imread(out)
    assert pixels.shape[0] > 800 and pixels[..., :3].std() > 0.05


def test_the_preview_helpers_examples() -> None:
    import doctest

    import preview

    result = doctest.testmod(preview)
    assert result.attempted >= 2 and result.failed == 0


def test_the_fleet_view_stays_five_queries_at_three_hundred_tanks(influxdb: InfluxDB1, unique: str) -> None:
    """Hundreds of tanks: the table's queries do not multiply with the tanks, and every
    tank gets its row.  Representative points, written directly, for 300 tanks."""
    db = InfluxV1(influxdb.url, unique)
    db.create_database()
    now = int(time.time() * 1000)
    lines = []
    for i in range(300):
        tank = f"site{i // 100}-tank{i:03d}"
        for k in range(3):
            t = now - (3 - k) * 60_000
            lines.append(encode_point("water", {"tank": tank, "device": "esp"}, {"temp_c": 25.0, "seq": k}, t))
            lines.append(encode_point("score", {"tank": tank}, {"kl": 0.5 + i / 100, "threshold": 2.0}, t))
        lines.append(encode_point("device", {"tank": tank, "device": "esp"}, {"online": i % 7 != 0}, now))
        lines.append(encode_point("forecast", {"tank": tank, "sensor": "tds_ppm"}, {"days_to_limit": 10.0 + i},
                                  now))
        if i % 10 == 0:
            lines.append(encode_point("alert", {"tank": tank, "key": "drift", "severity": "warning"},
                                      {"state": "firing", "summary": "drift", "value": 3.0}, now))
    db.write_lines(lines)
    doc = json.loads((GRAFANA / "dashboards" / "fleet.json").read_text())
    (table,) = [p for p in all_panels(doc) if p["type"] == "table"]
    assert len(table["targets"]) == 5
    every = {"tank": ".*", "filter": ".*"}
    rows = {t["refId"]: {s["tags"]["tank"]: s["values"][0] for s in db.query(substitute(t["query"], every))}
            for t in table["targets"]}
    assert len(rows["A"]) == len(rows["B"]) == len(rows["C"]) == len(rows["E"]) == 300
    assert len(rows["D"]) == 30 and all(v[1] == 1 for v in rows["D"].values())  # 1 active alert each
    assert rows["C"]["site2-tank299"][1] == pytest.approx((0.5 + 2.99) / 2.0)  # worst score / threshold
    # the summary stats answer in one row for the whole fleet
    stats = {p["title"]: db.query(substitute(p["targets"][0]["query"], every))[0]["values"][0][1]
             for p in all_panels(doc) if p["type"] == "stat" and p["gridPos"]["y"] == 0}
    assert stats["Tanks reporting"] == 300 and stats["Tanks with active alerts"] == 30
    assert stats["Devices offline"] == len([i for i in range(300) if i % 7 == 0])
    # the name filter narrows the variable to one site
    tank_var = doc["templating"]["list"][1]
    site = db.query(substitute(tank_var["query"], {"filter": "^site1-"}))
    assert len(site[0]["values"]) == 100
