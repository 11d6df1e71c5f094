"""A stranger's own files for ``aquamon evaluate`` and ``aquamon replay``: layouts, times, awkward rows, units.

Fast: the reader, the grid and the replay's bookkeeping as pure functions; the commands only where they stop
before any server starts.  That replay and evaluate agree through the real stack is tests/test_replay.py.
"""

from __future__ import annotations

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from typer.testing import CliRunner

from aquamon.cli import app
from aquamon.evaluate import EngineDetector, evaluate, minute_means, step_times
from aquamon.labelled_csv import EvaluationInputError, LabelledData, read_labelled_csv
from aquamon.replay import MARKER, ReplayError, chunks, fresh_folder, judged_until, publish_plan, read_readings

runner = CliRunner()
T0 = 1_767_225_600  # 2026-01-01 00:00 UTC


def iso(t: float, zone: str = "Z") -> str:
    return str(np.datetime64(int(t), "s")) + zone


def tank_rows(n: int = 120, step_s: int = 60, seed: int = 0) -> list[list[str]]:
    rng = np.random.default_rng(seed)
    return [[iso(T0 + i * step_s), f"{25 + 0.05 * rng.normal():.2f}", f"{7.4 + 0.01 * rng.normal():.2f}",
             f"{30 - (8 if 60 <= i < 75 else 0):.1f}", "1" if 60 <= i < 75 else "0"] for i in range(n)]


def write(path, header, rows, sep=",", bom=False, crlf=False, tail=""):
    end = "\r\n" if crlf else "\n"
    text = end.join(sep.join(r) for r in [header, *rows]) + end + tail
    path.write_bytes(("\ufeff" if bom else "").encode() + text.encode())
    return path


def test_a_controller_export_is_read_with_its_own_names_separator_and_times(tmp_path):
    """';', a BOM, CRLF, a trailing empty line, times with an offset, a decimal comma, yes/no labels, extra
    columns in another order: each column given the product's name with --columns name=header."""
    rows = [[iso(T0 + 3600 + i * 60, "+01:00"), r[3], r[2].replace(".", ","), "ok", r[1].replace(".", ","),
             "yes" if r[4] == "1" else "no"] for i, r in enumerate(tank_rows())]
    p = write(tmp_path / "apex.csv", ["Date/Time", "Water level", "pH", "Notes", "Temperature (°C)", "Alarm"], rows,
              sep=";", bom=True, crlf=True, tail="\r\n")
    d = read_labelled_csv(p, time_column="Date/Time", label_column="Alarm", sep=";",
                          columns=[("temp_c", "Temperature (°C)"), ("ph", "pH"), ("level_cm", "Water level")])
    assert d.names == ["temp_c", "ph", "level_cm"] and len(d) == 120
    assert d.t_s[0] == T0 and np.all(np.diff(d.t_s) == 60)  # +01:00 is an hour ahead of UTC
    assert 24 < d.X[0, 0] < 26 and 7.3 < d.X[0, 1] < 7.5 and d.labels.sum() == 15
    assert read_readings(p, "Alarm", "Date/Time", ";", [("temp_c", "Temperature (°C)")]).names == ["temp_c"]


@pytest.mark.parametrize("stamp", [
    lambda t: iso(t), lambda t: iso(t, "+00:00"), lambda t: iso(t, "").replace("T", " "),
    lambda t: str(int(t)), lambda t: str(int(t) * 1000),  # epoch seconds, epoch milliseconds
])
def test_every_time_layout_gives_the_same_clock(tmp_path, stamp):
    rows = [[stamp(T0 + 60 * i), "25.0", "0"] for i in range(5)]
    d = read_labelled_csv(write(tmp_path / "t.csv", ["Time", "temp_c", "EVENT"], rows))
    assert d.t_s.tolist() == [T0 + 60.0 * i for i in range(5)]


def test_an_unknown_time_layout_says_what_to_pass_and_time_format_reads_it(tmp_path):
    rows = [[f"0{1 + i // 60}/01/2026 00:{i % 60:02d}", "25.0", "0"] for i in range(5)]
    p = write(tmp_path / "dmy.csv", ["Time", "temp_c", "EVENT"], rows)
    with pytest.raises(EvaluationInputError, match="--time-format"):
        read_labelled_csv(p)
    assert read_labelled_csv(p, time_format="%d/%m/%Y %H:%M").t_s[0] == T0


def test_rows_out_of_order_repeated_or_with_an_unreadable_time_are_counted_not_lost(tmp_path):
    rows = tank_rows(20)
    rows[5], rows[6] = rows[6], rows[5]  # out of order
    rows.insert(9, list(rows[8]))  # the same row twice
    rows[12][0] = "yesterday"  # one unreadable time
    d = read_labelled_csv(write(tmp_path / "m.csv", ["Time", "temp_c", "ph", "level_cm", "EVENT"], rows))
    assert len(d) == 19 and np.all(np.diff(d.t_s) > 0)
    said = " ".join(d.notes)
    assert "1 row(s) out of time order" in said and "1 repeated row(s)" in said
    assert "1 row(s) left out: their time is not readable (first 'yesterday' on data row 13)" in said


def test_a_bad_cell_is_missing_and_counted_its_column_kept(tmp_path):
    """Before, one 'err' in a column dropped the whole column (every valid temperature lost)."""
    rows = tank_rows(50)
    rows[10][1], rows[11][2], rows[12][1] = "err", "n/a", "NaN"
    d = read_labelled_csv(write(tmp_path / "b.csv", ["Time", "temp_c", "ph", "level_cm", "EVENT"], rows))
    assert d.names == ["temp_c", "ph", "level_cm"]
    assert np.isnan(d.X[10, 0]) and np.isnan(d.X[11, 1]) and np.isfinite(d.X[:10, 0]).all()
    assert any("1 value(s) not a number (first 'err' on data row 11)" in n for n in d.notes)


def test_a_column_in_another_unit_is_refused_saying_the_unit_and_stray_values_are_dropped(tmp_path):
    rows = tank_rows(50)
    fahrenheit = [[r[0], f"{float(r[1]) * 9 / 5 + 32:.1f}", *r[2:]] for r in rows]
    with pytest.raises(EvaluationInputError, match="must be in °C .Fahrenheit"):
        read_labelled_csv(write(tmp_path / "f.csv", ["Time", "temp_c", "ph", "level_cm", "EVENT"], fahrenheit))
    rows[7][1] = "85.0"  # a DS18B20's power-on value: the gateway drops it
    d = read_labelled_csv(write(tmp_path / "g.csv", ["Time", "temp_c", "ph", "level_cm", "EVENT"], rows))
    assert np.isnan(d.X[7, 0]) and any("outside 0–45 °C (first 85 on data row 8)" in n for n in d.notes)


def test_replay_says_which_columns_it_can_publish(tmp_path):
    p = write(tmp_path / "x.csv", ["Time", "Temperature (°C)", "pH value", "EVENT"],
              [[r[0], r[1], r[2], r[4]] for r in tank_rows(10)])
    with pytest.raises(EvaluationInputError, match=r"no column is a tank reading.*--columns"):
        read_readings(p)
    with pytest.raises(EvaluationInputError, match="'temperature', which the product does not read"):
        read_readings(p, columns=[("temperature", "Temperature (°C)")])
    d = read_readings(write(tmp_path / "y.csv", ["Time", "temp_c", "temp_f", "EVENT"],
                            [[r[0], r[1], "77.0", r[4]] for r in tank_rows(10)]))
    assert d.names == ["temp_c"] and any("not published" in n and "temp_f" in n for n in d.notes)
    r = runner.invoke(app, ["replay", "--csv", str(p), "--out", str(tmp_path / "out")])
    assert r.exit_code == 2 and "no column is a tank reading" in r.output and "Traceback" not in r.output


def test_on_the_minute_grid_rows_are_minute_means_judged_every_minute():
    t, m = minute_means(np.array([0.0, 20.0, 40.0, 190.0]), np.array([[1.0, np.nan], [2.0, 4.0], [3.0, np.nan],
                                                                     [np.nan, np.nan]]))
    assert t.tolist() == [0.0] and m.tolist() == [[2.0, 4.0]]  # a minute with no value is no row
    assert step_times(np.array([0, 20_000, 190_000]), True).tolist() == [60_000, 120_000, 180_000, 240_000]


def test_one_minute_rows_get_the_same_alarms_on_the_grid_as_row_by_row():
    """A keeper's one-minute file: the grid changes nothing (the figures measured before stay)."""
    from benchmarks.keeper_month import COLUMNS, turtle_month

    s = turtle_month(days=1, seed=3, faults=({"kind": "pump_stopped", "start": 60, "end": 80, "recovery": 10},))
    n = 180
    d = LabelledData("k", list(COLUMNS), np.asarray(s.t_ms[:n]) / 1000.0, [""] * n,
                     np.stack([s.values[c][:n] for c in COLUMNS], axis=1), s.labels[:n])
    grid = evaluate(d, d, lambda: EngineDetector(grid="minute")).alarms
    rows = evaluate(d, d, lambda: EngineDetector(grid="rows")).alarms
    assert grid.any() and np.array_equal(grid, rows)


def test_sub_minute_rows_meet_the_engine_as_the_service_reads_them():
    """Ten-second rows with the probes' noise: each row gets the decision the service makes on its minute's
    mean (judged row by row, one row of the leak's got another decision)."""
    from benchmarks.keeper_month import COLUMNS, turtle_month

    s = turtle_month(days=1, seed=3, faults=({"kind": "leak", "start": 60, "end": 75, "cm_per_h": 80.0,
                                              "recovery": 20},))
    n = 150
    rng = np.random.default_rng(0)
    t = np.arange(n * 6) * 10.0 + s.t_ms[0] / 1000.0
    X = np.stack([np.repeat(s.values[c][:n], 6) + (0.02 * rng.normal(size=n * 6) if c in ("temp_c", "ph") else 0)
                  for c in COLUMNS], axis=1)
    d = LabelledData("k", list(COLUMNS), t, [""] * len(t), X, np.repeat(s.labels[:n], 6))
    t_min, X_min = minute_means(t, X)  # what InfluxDB hands the service
    service = LabelledData("k", list(COLUMNS), t_min, [""] * n, X_min, s.labels[:n])
    fine = evaluate(d, d).alarms
    assert np.array_equal(fine, np.repeat(evaluate(service, service).alarms, 6)) and fine.any()


def test_replay_waits_for_what_the_analytics_can_judge():
    m = 60_000
    assert judged_until(np.array([0, 1, 2, 3]) * m) == 3 * m  # the last minute is closed by no later reading
    assert judged_until(np.array([0, 5, 10, 15]) * m) == 11 * m  # every 5 min: judged to the 10th's end
    assert judged_until(np.array([0])) == 0
    assert chunks(np.array([0, 1, 2, 400, 401]) * m, 240 * m) == [(0, 3), (3, 5)]  # by time, not rows


@settings(max_examples=80, deadline=None)
@given(st.lists(st.integers(1, 600), min_size=1, max_size=60))
def test_replay_never_lets_the_analytics_fall_six_hours_behind(gaps_min):
    """Whatever the spacing (gaps of hours included), what is published and not yet judged spans < 5 h, and
    every chunk is published once, in order, and waited for after it was published."""
    m = 60_000
    row_ms = np.cumsum([0, *gaps_min]) * m
    plan = publish_plan(row_ms, 150 * m)
    published = [part for act, part in plan if act == "publish"]
    assert published == chunks(row_ms, 150 * m)
    waiting: list[tuple[int, int]] = []
    for act, part in plan:
        if act == "publish":
            waiting.append(part)
            assert row_ms[part[1] - 1] - row_ms[waiting[0][0]] < 300 * m
        else:
            assert waiting.pop(0) == part
    assert not waiting


def test_replay_empties_only_its_own_folder(tmp_path):
    mine = fresh_folder(tmp_path / "out")
    (mine / "influxdb").mkdir()
    assert (fresh_folder(mine) / MARKER).is_file() and not (mine / "influxdb").exists()
    other = tmp_path / "docs"
    other.mkdir()
    (other / "thesis.txt").write_text("keep me")
    with pytest.raises(ReplayError, match="not empty and not an earlier replay's folder"):
        fresh_folder(other)
    assert (other / "thesis.txt").read_text() == "keep me"


def test_evaluate_reads_a_foreign_file_through_its_options(tmp_path):
    rows = [[f"{1 + i // 1440:02d}/01/2026 {i // 60 % 24:02d}:{i % 60:02d}", r[1].replace(".", ","),
             r[3].replace(".", ","), r[4]] for i, r in enumerate(tank_rows(120))]
    p = write(tmp_path / "sheet.csv", ["Zeit", "Temperatur", "Pegel", "Alarm"], rows, sep=";")
    r = runner.invoke(app, ["evaluate", "--test", str(p), "--sep", ";", "--time-column", "Zeit", "--label-column",
                            "Alarm", "--time-format", "%d/%m/%Y %H:%M", "--columns",
                            "temp_c=Temperatur,level_cm=Pegel", "--json"])
    assert r.exit_code == 0, r.output
    r = runner.invoke(app, ["evaluate", "--test", str(p), "--sep", ";", "--time-column", "Zeit", "--label-column", "Alarm"])
    assert r.exit_code == 2 and "--time-format" in r.output and "Traceback" not in r.output
