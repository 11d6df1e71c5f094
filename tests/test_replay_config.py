"""``aquamon replay --config`` and ``aquamon evaluate --config`` build the keeper's engine: their own limits.

One replay through the real stack (the session's broker and InfluxDB, three hours of readings); the rest is
the command line stopping before any server starts.
"""

from __future__ import annotations

import csv

import numpy as np
import pytest
from typer.testing import CliRunner

from aquamon.cli import app
from aquamon.replay import MIN_MS, judged_until, read_readings, replay

runner = CliRunner()
T0 = 1_767_261_600  # 2026-01-01 10:00 UTC
MINUTES = 180
LIMIT = 26.5  # the keeper's own temp_c_high (the tropical profile's is 29)


def warming_file(tmp_path):
    """Three hours of a tank at 26 °C warming by 1.2 °C an hour from minute 80 to 27 °C (too slow for the rate
    rules): above the keeper's 26.5 °C from about minute 105, labelled from then."""
    rng = np.random.default_rng(7)
    path = tmp_path / "warming.csv"
    with path.open("w", newline="") as fh:
        w = csv.writer(fh)
        w.writerow(["Time", "temp_c", "ph", "tds_ppm", "EVENT"])
        for i in range(MINUTES):
            temp = 26.0 + min(max(i - 80, 0) * 0.02, 1.0)
            w.writerow([str(np.datetime64(T0 + 60 * i, "s")) + "Z", f"{temp + 0.01 * rng.normal():.3f}",
                        f"{7.0 + 0.01 * rng.normal():.3f}", f"{200 + rng.normal():.1f}", int(temp > LIMIT)])
    return path


def keeper_config(tmp_path):
    path = tmp_path / "keeper.toml"
    path.write_text(f'[alerts]\nprofile = "tropical"\nlimits = ["temp_c_high = {LIMIT}"]\n'
                    "[mqtt]\nport = 1\n[influxdb]\nurl = \"http://127.0.0.1:1\"\n")  # the replay's stack overrides
    return path


def evaluate_alarms(tmp_path, path, *config: str) -> np.ndarray:
    out = tmp_path / f"pred{len(config)}.csv"
    r = runner.invoke(app, ["evaluate", "--train", str(path), "--test", str(path), "--predictions", str(out),
                            *config])
    assert r.exit_code == 0, r.output
    return np.array([int(row["alarm"]) for row in csv.DictReader(out.open())], dtype=bool)


@pytest.mark.services
def test_a_limit_in_the_keepers_config_changes_replay_and_evaluate_alike(tmp_path, stack, unique):
    path, cfg = warming_file(tmp_path), keeper_config(tmp_path)
    assert not evaluate_alarms(tmp_path, path).any()  # the profile's own limit: nothing to tell
    ours = evaluate_alarms(tmp_path, path, "--config", str(cfg))
    assert ours.any() and not ours[:100].any()  # the keeper's limit: told once the water passes it

    result = replay(path, "tank1", timeout_s=60, config=cfg, services=stack, namespace=unique)
    assert {a["key"] for a in result.alerts if a["state"] == "firing"} == {"temp_out_of_range"}, result.alerts
    data = read_readings(path)
    row_ms = np.round(data.t_s * 1000).astype(np.int64)
    judged = row_ms // MIN_MS * MIN_MS + MIN_MS <= judged_until(row_ms)  # the last minute aside
    assert judged.sum() == len(data) - 1
    np.testing.assert_array_equal(result.alarms[judged], ours[judged])
    assert result.metrics is not None and result.metrics["events_told"] == 1


def test_replay_refuses_a_bad_config_before_anything_starts(tmp_path):
    bad = tmp_path / "bad.toml"
    bad.write_text('[alerts]\nlimits = ["temp_c_high = 10", "temp_c_low = 20"]\n')
    r = runner.invoke(app, ["replay", "--csv", str(warming_file(tmp_path)), "--config", str(bad),
                            "--out", str(tmp_path / "out")])
    assert r.exit_code == 2 and "bad.toml" in r.output and "temp_c" in r.output, r.output
    assert not (tmp_path / "out").exists()  # no broker, no database: nothing was started
    r = runner.invoke(app, ["replay", "--help"])
    assert "--config" in r.output and "profile" in r.output


def test_evaluate_tank_takes_that_tanks_own_table_as_the_service_does(tmp_path):
    path = warming_file(tmp_path)
    cfg = tmp_path / "tanks.toml"
    cfg.write_text(f'[alerts.tanks."warm-*"]\nlimits = ["temp_c_high = {LIMIT}"]\n')
    assert not evaluate_alarms(tmp_path, path, "--config", str(cfg)).any()  # the global settings
    assert not evaluate_alarms(tmp_path, path, "--config", str(cfg), "--tank", "cold-1").any()
    assert evaluate_alarms(tmp_path, path, "--config", str(cfg), "--tank", "warm-1").any()
