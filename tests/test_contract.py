"""aquamon/contract.py is the one table: the firmware's own tables agree with it, and a sensor added
there is validated, stored, reported and announced to Home Assistant without another edit."""

from __future__ import annotations

import importlib.util
import json
import sys
import time
from pathlib import Path
from types import ModuleType
from unittest import mock

import numpy as np
import pytest

from aquamon import contract
from aquamon.config import Config
from aquamon.contract import RANGES, SENSORS, Sensor, shown_sensors
from gateway.service import Gateway
from harness.services import InfluxDB1

ROOT = Path(__file__).resolve().parents[1]
NITRATE = Sensor("nitrate_ppm", "nitrate", "Nitrate", "ppm", 1, 0.0, 500.0,
                 "a nitrate probe's scale; above 500 ppm no fish lives")


def _firmware(name: str) -> ModuleType:
    # the firmware's modules are MicroPython but these two are pure: load them by path (no sys.path edit).
    # Their `micropython.const` (a compile-time constant on the device) is the value itself under CPython.
    spec = importlib.util.spec_from_file_location(f"_firmware_{name}", ROOT / "firmware" / f"{name}.py")
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    micropython = ModuleType("micropython")
    micropython.const = lambda value: value  # type: ignore[attr-defined]
    with mock.patch.dict(sys.modules, {"micropython": micropython}):
        spec.loader.exec_module(module)
    return module


def test_the_firmware_tables_agree_with_the_contract() -> None:
    payload, sensors = _firmware("payload"), _firmware("sensors")
    shown = [s.key for s in shown_sensors()]
    assert [name for name, _, _ in payload.FIELDS] == shown  # the firmware sends every sensor, in this order
    assert sensors.RANGES == {k: RANGES[k] for k in shown}  # one range table: the firmware's copy of it
    for name, member, _ in payload.FIELDS:
        assert member.startswith(f'"{name}":%.')


def test_every_sensor_has_its_reason_words_and_a_safe_key() -> None:
    for key, s in SENSORS.items():
        assert s.key == key and s.lo < s.hi and len(s.why) > 20 and s.label and s.title
        assert key.replace("_", "").isalnum() and key.islower() and key not in contract.TELEMETRY_FIELDS


@pytest.fixture
def nitrate(monkeypatch: pytest.MonkeyPatch) -> Sensor:
    """The contract with one more sensor, as a change to aquamon/contract.py would make it."""
    monkeypatch.setitem(SENSORS, NITRATE.key, NITRATE)
    return NITRATE


def _gateway(tmp_path: Path) -> Gateway:
    cfg = Config()
    cfg.spool.dir = str(tmp_path / "spool")
    return Gateway(cfg)  # no I/O until run()


def _reading(seq: int, r: dict[str, float], **extra: object) -> tuple[bytes, bytes, int, int]:
    doc = {"v": 1, "seq": seq, "ts": int(time.time() * 1000), "r": r, **extra}
    return b"aquamon/t1/esp1/telemetry", json.dumps(doc).encode(), 0, 0


def test_a_sensor_added_to_the_contract_is_accepted_by_both_gateway_paths(nitrate: Sensor, tmp_path: Path) -> None:
    gw = _gateway(tmp_path)
    lines = gw.parser.to_lines([_reading(1, {"temp_c": 25.0, "nitrate_ppm": 12.5}),  # the fast path
                                _reading(2, {"nitrate_ppm": 20.0}, note="x"),  # an unknown member: the validator
                                _reading(3, {"nitrate_ppm": 900.0, "ph": 7.0})])  # out of its range: dropped alone
    assert "nitrate_ppm=12.5" in lines[0] and "temp_c=25.0" in lines[0]
    assert "nitrate_ppm=20.0" in lines[1]
    assert "nitrate_ppm" not in lines[2] and "ph=7.0" in lines[2]
    assert gw.rejects["value_out_of_range"] == 1, gw.rejects


def test_without_it_the_same_reading_keeps_only_the_known_sensors(tmp_path: Path) -> None:
    # (the test above could not fail if the gateway stored every member it is sent)
    lines = _gateway(tmp_path).parser.to_lines([_reading(1, {"temp_c": 25.0, "nitrate_ppm": 12.5})])
    assert "nitrate_ppm" not in lines[0] and "temp_c=25.0" in lines[0]


def test_home_assistant_and_the_report_list_a_sensor_added_to_the_contract(nitrate: Sensor) -> None:
    from aquamon.homeassistant import device_entities
    from aquamon.report import TankData, sensor_columns, sensor_figures

    entity = {d.topic.split("/")[-2]: d for d in device_entities("homeassistant", "aquamon", "t1", "esp1")}
    assert entity["nitrate_ppm"].config["name"] == "Nitrate"
    assert entity["nitrate_ppm"].config["unit_of_measurement"] == "ppm"
    assert ("nitrate_ppm", "Nitrate", "ppm") in sensor_columns()
    t = np.arange(0, 48 * 3_600_000, 600_000, dtype=float)
    data = TankData("t1", 0, int(t[-1]), water={"time": t, "nitrate_ppm": 10 + np.sin(t / 3.6e6)})
    assert [f[:2] for f in sensor_figures(data, [])] == [("sensor-nitrate_ppm", "Nitrate (ppm)")]


@pytest.mark.services
def test_a_sensor_added_to_the_contract_is_stored_and_read_back_by_the_report(
        nitrate: Sensor, influxdb: InfluxDB1, unique: str, tmp_path: Path) -> None:
    from aquamon.influx import InfluxV1
    from aquamon.report import load_tank

    db = InfluxV1(influxdb.url, unique)
    db.create_database()
    db.write_lines(_gateway(tmp_path).parser.to_lines([_reading(1, {"temp_c": 25.0, "nitrate_ppm": 12.5})]))
    data = load_tank(db, "t1", hours=1.0)
    assert list(data.water["nitrate_ppm"]) == [12.5]


@pytest.mark.parametrize("key", ["ammonia_ppm", "nitrate_ppm", "salinity_ppt", "zinc_ppb"])
def test_the_fast_path_writes_a_new_sensor_where_the_validator_does(monkeypatch: pytest.MonkeyPatch,
                                                                    key: str) -> None:
    # sorted before "bad", between "bad" and "pump", between "pump" and "seq", after "seq"
    from aquamon.lineproto import encode_point
    from gateway.fastpath import FastTelemetry
    from gateway.validate import validate_message

    monkeypatch.setitem(SENSORS, key, Sensor(key, key, key, "", 1, 0.0, 100.0, "a test sensor in every place"))
    now = 1_700_000_000_000
    payload = json.dumps({"v": 1, "seq": 4, "ts": now, "r": {"temp_c": 25.0, key: 1.5}, "bad": ["ph"],
                          "pump": 1}).encode()
    fast = FastTelemetry(16384, 300_000, 86_400_000)
    v = validate_message("aquamon/t/d/telemetry", payload, now)
    p = v.points[0]
    assert f"{key}=1.5" in fast.fields_and_time(payload, now)[0]
    assert fast.line_prefix("t", "d") + fast.fields_and_time(payload, now)[0] == encode_point(
        p.measurement, p.tags, p.fields, p.ts_ms)


def _firmware_event_kinds() -> set[str]:
    """The kind literals the firmware sends: ``x.event("kind", ...)`` and ``events.append(("kind", ...))``."""
    import ast

    kinds = set()
    for path in (ROOT / "firmware").glob("*.py"):
        for node in ast.walk(ast.parse(path.read_text())):
            if not isinstance(node, ast.Call) or not isinstance(node.func, ast.Attribute) or not node.args:
                continue
            first = node.args[0]
            if node.func.attr == "append" and isinstance(first, ast.Tuple) and first.elts:
                first = first.elts[0]
            elif node.func.attr != "event":
                continue
            if isinstance(first, ast.Constant) and isinstance(first.value, str):
                kinds.add(first.value)
    return kinds


def test_every_event_kind_the_firmware_sends_is_in_the_contract() -> None:
    sent = _firmware_event_kinds()
    assert {"fault", "lockout", "heater_cutoff"} <= sent  # the scan finds both forms
    assert sent - contract.EVENT_KINDS == set(), "stored as 'other' and counted as unknown: add them to EVENT_KINDS"
