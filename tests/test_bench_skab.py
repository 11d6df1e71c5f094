"""The SKAB benchmark's path: SKAB's file format, rows a second apart, a 400-row TRAIN, SKAB's pooled figures.

A small synthetic file in SKAB's exact format (``;``-separated, ``datetime``,
the 8 sensor columns, ``anomaly`` and ``changepoint``) stands in for the real
data, which the tests never need.
"""

from __future__ import annotations

import json

import numpy as np
import pytest
from typer.testing import CliRunner

from aquamon.cli import app
from aquamon.scoring import pointwise_scores
from benchmarks import bench_skab

SENSORS = bench_skab.SKAB_MAPPING["columns"]
#: healthy level and noise per sensor, about SKAB's own (valve1/0.csv)
LEVEL = (0.0265, 0.040, 1.0, 0.08, 79.0, 26.0, 232.0, 32.0)
NOISE = (0.0003, 0.0008, 0.28, 0.26, 0.1, 0.02, 10.0, 0.4)


def write_skab(path, n=1100, event=(650, 950), seed=0):
    """A SKAB-format experiment: healthy rows, then the valve closes (flow down, current up) and reopens."""
    rng = np.random.default_rng(seed)
    t0 = np.datetime64("2020-03-09T10:14:33")
    lines = ["datetime;" + ";".join(SENSORS) + ";anomaly;changepoint"]
    for i in range(n):
        x = np.array(LEVEL) + np.array(NOISE) * rng.normal(size=len(LEVEL))
        inside = event[0] <= i < event[1]
        if inside:
            x[7] -= 3.0  # volume flow, l/min
            x[2] += 0.8  # motor current, A
        stamp = str(t0 + np.timedelta64(i, "s")).replace("T", " ")
        cp = float(i in event)
        lines.append(f"{stamp};" + ";".join(f"{v:.6g}" for v in x) + f";{float(inside)};{cp}")
    path.write_text("\n".join(lines) + "\n")
    return path


@pytest.fixture
def skab_dir(tmp_path):
    root = tmp_path / "skab"
    for g in bench_skab.GROUPS:
        (root / g).mkdir(parents=True)
    write_skab(root / "valve1" / "0.csv")
    return root


def test_engine_on_a_skab_file_fits_400_rows_a_second_apart_and_catches_the_valve(skab_dir):
    d = bench_skab.read_skab(skab_dir / "valve1" / "0.csv")
    assert d.names == list(SENSORS)  # the changepoint column is a label, not a sensor
    assert np.all(np.diff(d.t_s) == 1.0)
    y, a = bench_skab.run_file(skab_dir / "valve1" / "0.csv")
    assert len(y) == len(a) == 1100 - bench_skab.TRAIN_ROWS
    lo, hi = 650 - 400, 950 - 400
    assert a[lo + 5:hi].all()  # the 400-row TRAIN was fitted (not refused) and the event is caught within seconds
    # ... and the alarm ends within seconds of it: the short average spans readings, not 3 minutes (180 readings),
    # and the alarm outlasts its last loud reading by nine readings (three time constants of that average)
    assert not a[:lo].any() and not a[hi + 15:].any()
    assert pointwise_scores(y, a)["f1"] >= 0.95


def test_the_short_average_spans_three_readings_of_the_trains_interval():
    from analytics.detector import WaterQualityDetector

    rng = np.random.default_rng(0)
    for step_s, expected in ((1.0, 1 / 60), (60.0, 1.0), (300.0, 1.0)):  # never longer than on the minute grid
        t = np.arange(400) * step_s
        det = WaterQualityDetector().fit(t, rng.normal(size=(400, 2)), names=["a", "b"])
        assert det.reading_minutes == pytest.approx(expected)


def test_the_command_with_train_rows_gives_the_bench_alarms(skab_dir, tmp_path):
    f = skab_dir / "valve1" / "0.csv"
    m = bench_skab.SKAB_MAPPING
    out = tmp_path / "pred.csv"
    r = CliRunner().invoke(app, ["evaluate", "--test", str(f), "--train-rows", "400", "--sep", m["sep"],
                                 "--time-column", m["time_column"], "--label-column", m["label_column"],
                                 "--columns", ",".join(m["columns"]), "--operational", ",".join(m["operational"]),
                                 "--false-alarms-per-day", str(bench_skab.STATED_FALSE_ALARMS_PER_DAY),
                                 "--json", "--predictions", str(out)])
    assert r.exit_code == 0, r.output
    summary = json.loads(r.stdout.strip().splitlines()[-1])
    alarms = np.array([int(line.split(",")[2]) for line in out.read_text().splitlines()[1:]], dtype=bool)
    y, a = bench_skab.run_file(f)
    assert summary["rows"] == 700 and np.array_equal(alarms, a)
    r = CliRunner().invoke(app, ["evaluate", "--test", str(f), "--train-rows", "1100", "--sep", ";",
                                 "--time-column", "datetime", "--label-column", "anomaly"])
    assert r.exit_code == 2 and "leaves no row to score" in r.output


def test_counts_are_pooled_and_scored_as_skab_scores_them():
    rng = np.random.default_rng(3)
    y1, a1, y2, a2 = (rng.random(300) < 0.4 for _ in range(4))
    c = bench_skab.Counts()
    c.add(y1, a1)
    c.add(y2, a2)
    f1, far, mar = c.skab()
    y, a = np.concatenate([y1, y2]), np.concatenate([a1, a2])
    m = pointwise_scores(y, a)  # SKAB's F1 = TP / (TP + (FP + FN) / 2) is the usual F1 of the pooled rows
    assert f1 == pytest.approx(m["f1"])
    assert far == pytest.approx(100 * m["fp"] / (~y).sum()) and mar == pytest.approx(100 * (1 - m["recall"]))


def test_data_folder_from_the_environment_or_a_clone_and_a_clear_skip(skab_dir, tmp_path, monkeypatch, capsys):
    monkeypatch.setenv("AQUAMON_SKAB_DIR", str(skab_dir))
    assert bench_skab.data_dir() == skab_dir
    clone = tmp_path / "clone"
    for g in bench_skab.GROUPS:
        (clone / "data" / g).mkdir(parents=True)
    monkeypatch.setenv("AQUAMON_SKAB_DIR", str(clone))  # `git clone https://github.com/waico/SKAB` puts data/ inside
    assert bench_skab.data_dir() == clone / "data"
    monkeypatch.setenv("AQUAMON_SKAB_DIR", str(tmp_path / "absent"))
    assert bench_skab.data_dir() is None
    bench_skab.main()
    out = capsys.readouterr().out
    assert out.startswith("skipped: SKAB data not found") and "git clone https://github.com/waico/SKAB" in out


def test_losses_name_each_wrong_row_by_its_cause():
    #      before  late  caught dropped caught  linger  quiet  after
    y = np.array([0, 0, 1, 1, 1, 1, 1, 1, 0, 0, 0, 0, 0], bool)
    a = np.array([1, 0, 0, 1, 0, 0, 1, 1, 1, 1, 0, 1, 0], bool)
    lost = bench_skab.losses(y, a)
    assert lost == {"late": 1, "missed": 0, "dropped": 2, "before": 1, "linger": 2, "after": 1, "no fit": 0}
    c = bench_skab.Counts()
    c.add(y, a)
    assert c.fn == sum(lost[k] for k in bench_skab.MISSED) and c.fp == sum(lost[k] for k in bench_skab.FALSE)
    # an anomaly never alarmed is missed whole; a file that could not be fitted is counted apart
    y2 = np.array([0, 1, 1, 0], bool)
    assert bench_skab.losses(y2, np.zeros(4, bool))["missed"] == 2
    assert bench_skab.losses(y2, np.zeros(4, bool), fitted=False)["no fit"] == 2
    # had the late row been caught: TP 4, FP 4, FN 2
    assert bench_skab.f1_without(c, lost, "late") == pytest.approx(8 / 14)


def test_loss_table_adds_up_per_group_and_in_all(skab_dir):
    y, a, fitted = bench_skab.run_file_fitted(skab_dir / "valve1" / "0.csv")
    assert fitted
    c = bench_skab.Counts()
    c.add(y, a)
    lost = bench_skab.losses(y, a)
    lines = bench_skab.loss_table({"valve1": c, "valve2": bench_skab.Counts()}, {"valve1": lost, "valve2": lost})
    head, v1, v2, everything, without = lines[1:]
    assert head.split()[5:] == ["late", "missed", "dropped", "no", "fit", "before", "linger", "after"]
    assert v1.split()[1:4] == [str(c.tp), str(c.fp), str(c.fn)] and v2.split()[1:4] == ["0", "0", "0"]
    assert everything.split()[5:] == [str(2 * lost[k]) for k in ("late", "missed", "dropped", "no fit", "before",
                                                                  "linger", "after")]
    assert without.startswith("F1 without it")


@pytest.mark.parametrize("step_s, held", [(1.0, 8), (60.0, 0)])
def test_an_alarm_on_readings_a_second_apart_outlasts_a_quiet_reading_by_three_short_time_constants(step_s, held):
    """At 1 Hz one reading under the threshold amid a noisy event no longer ends the alarm (nine quiet readings do);
    on the one-minute grid the first quiet reading still ends it (GECCO and the keeper months untouched)."""
    from analytics.detector import WaterQualityDetector

    rng = np.random.default_rng(0)
    t = np.arange(400) * step_s
    det = WaterQualityDetector().fit(t, rng.normal(size=(400, 2)), names=["a", "b"])
    loud = det.threshold + 1.0
    script = iter([loud, 0.0, loud] + [0.0] * 12)  # an event whose score dips once, then quiet
    det._combine = lambda stats, n: next(script)  # type: ignore[method-assign]
    firing = [det.decide_one(t[-1] + step_s * (i + 1), np.zeros(2))[1] for i in range(15)]
    if held:
        assert firing == [True] * (3 + held) + [False] * (12 - held)  # one alarm through the dip
    else:
        assert firing == [True, False, True] + [False] * 12


def test_anomaly_free_recording_is_scored_in_slices_as_an_experiment_is(skab_dir):
    """Healthy water fitted on 400 rows and scored on the next 800 alarms about as stated (0.5 per 1,440)."""
    assert bench_skab.anomaly_free(skab_dir) is None  # no recording: the bench line is left out
    (skab_dir / "anomaly-free").mkdir()
    f = skab_dir / "anomaly-free" / "anomaly-free.csv"
    write_skab(f, n=1300, event=(0, 0), seed=3)
    lines = f.read_text().splitlines()  # the real recording has no label columns
    f.write_text("\n".join(";".join(x.split(";")[:-2]) for x in lines) + "\n")
    shares = bench_skab.anomaly_free(skab_dir)
    assert shares is not None and len(shares) == 1  # 1,300 rows hold one slice of 400 + 800
    assert shares[0] < 0.02
