"""SKAB (Skoltech Anomaly Benchmark): the service's engine on a pump testbed with a 400-row healthy start.

SKAB (github.com/waico/SKAB, GPL-3.0) records a water-circulation testbed
once a second: 8 sensors (two accelerometers, motor current, pressure, motor
and fluid temperature, voltage, volume flow), 34 labelled experiments in
``valve1/``, ``valve2/`` and ``other/``, one anomaly each.  Its protocol
(SKAB ``core/utils.py``) fits each file on its first 400 rows and scores the
rest; its outlier-detection leaderboard pools the confusion counts of every
file's scored rows and reports F1 = TP / (TP + (FP + FN) / 2),
FAR = FP / (FP + TN) and MAR = FN / (FN + TP) (``core/metrics.py``,
``metric="binary"``) against the ``anomaly`` label.  The ``changepoint``
label belongs to SKAB's other problem (changepoint detection, scored with
NAB windows); it is not used here.

"ours" is :class:`aquamon.evaluate.EngineDetector` built exactly as
``aquamon evaluate`` builds it (``settings_from`` the default configuration,
the stated 0.5 false alarms a day, the operational channels from
:data:`SKAB_MAPPING`), so the figure is the one
``aquamon evaluate --test FILE --train-rows 400 ...`` prints for each file.
Nothing here was tuned on SKAB: ``valve1`` is the part a setting would be
tuned on, ``valve2`` + ``other`` are reported apart as the unseen part.

Below the figures it prints where the F1 is lost, per file group: the missed label rows (late, in an
anomaly never alarmed, dropped after an alarm inside it ended, or in a file whose TRAIN could not be
fitted) and the false ones (before the anomaly, lingering past its end, after it), with the pooled F1
had each cause's rows been right (:func:`losses`, :func:`loss_table`).

Reads ``../shared/data/skab`` (or ``$AQUAMON_SKAB_DIR``; a clone of the SKAB
repository works too); prints how to get it and returns when it is absent.
"""

from __future__ import annotations

import os
import time
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np

from aquamon.evaluate import LabelledData, evaluate, read_labelled_csv
from aquamon.scoring import event_runs

ROOT = Path(__file__).resolve().parents[1]
DEFAULT_DIR = ROOT.parent / "shared" / "data" / "skab"
GROUPS = ("valve1", "valve2", "other")
TRAIN_ROWS = 400  # SKAB's protocol: train_test_split(train_size=400, shuffle=False)
TARGET_F1 = 0.85  # issue 16

#: how SKAB's files map onto `aquamon evaluate`'s inputs (the same as its command-line options).
#: No channel is operational: nobody changes the pump's settings on purpose during an experiment.
SKAB_MAPPING: dict[str, Any] = {
    "time_column": "datetime",
    "label_column": "anomaly",
    "sep": ";",
    "columns": ("Accelerometer1RMS", "Accelerometer2RMS", "Current", "Pressure", "Temperature",
                "Thermocouple", "Voltage", "Volume Flow RateRMS"),
    "operational": (),
}
#: the stated false-alarm rate (`aquamon evaluate --false-alarms-per-day`): 0.5 per 1,440 readings, the same chance
#: per reading as `aquamon evaluate`'s default 0.5 a day on the one-minute grid; SKAB's readings are a second apart
STATED_FALSE_ALARMS_PER_DAY = 0.5 * 86400 / 1440
DEFAULT_FALSE_ALARMS_PER_DAY = 0.5  # `aquamon evaluate`'s default, printed beside for comparison

#: SKAB README, "Proposed Leaderboard", outlier detection problem: (F1, FAR %, MAR %)
LEADERBOARD_OUTLIER = {
    "Conv-AE": (0.78, 13.55, 28.02), "MSET": (0.78, 39.73, 14.13), "T-squared+Q (PCA-based)": (0.76, 26.62, 24.92),
    "LSTM-AE": (0.74, 29.96, 25.92), "T-squared": (0.66, 19.21, 42.6), "LSTM-VAE": (0.56, 9.13, 55.03),
    "Vanilla LSTM": (0.54, 12.54, 59.53), "Vanilla AE": (0.39, 2.59, 75.15), "MSCRED": (0.36, 49.94, 69.88),
    "Isolation forest": (0.29, 2.56, 82.89),
}


def data_dir() -> Path | None:
    """SKAB's data folder (``valve1/`` ... inside), from ``$AQUAMON_SKAB_DIR`` or ``../shared/data/skab``."""
    base = Path(os.environ.get("AQUAMON_SKAB_DIR") or DEFAULT_DIR)
    for d in (base, base / "data"):  # our extracted copy, or a clone of the repository
        if all((d / g).is_dir() for g in GROUPS):
            return d
    return None


@dataclass
class Counts:
    """Pooled confusion counts over scored rows, reported as SKAB reports them."""

    tp: int = 0
    fp: int = 0
    fn: int = 0
    tn: int = 0

    def add(self, labels: np.ndarray, alarms: np.ndarray) -> None:
        y, a = np.asarray(labels, dtype=bool), np.asarray(alarms, dtype=bool)
        self.tp += int(np.sum(y & a))
        self.fp += int(np.sum(~y & a))
        self.fn += int(np.sum(y & ~a))
        self.tn += int(np.sum(~y & ~a))

    def __add__(self, other: "Counts") -> "Counts":
        return Counts(self.tp + other.tp, self.fp + other.fp, self.fn + other.fn, self.tn + other.tn)

    def skab(self) -> tuple[float, float, float]:
        """(F1, FAR %, MAR %) as SKAB's ``chp_score(metric="binary")`` (unrounded).

        >>> [round(v, 2) for v in Counts(tp=6, fp=2, fn=2, tn=10).skab()]
        [0.75, 16.67, 25.0]
        """
        f1 = self.tp / (self.tp + (self.fn + self.fp) / 2) if self.tp else 0.0
        far = 100.0 * self.fp / (self.fp + self.tn) if self.fp + self.tn else 0.0
        mar = 100.0 * self.fn / (self.fn + self.tp) if self.fn + self.tp else 0.0
        return f1, far, mar


def read_skab(path: Path) -> LabelledData:
    m = SKAB_MAPPING
    return read_labelled_csv(path, time_column=m["time_column"], label_column=m["label_column"],
                             columns=list(m["columns"]), sep=m["sep"])


def engine_factory(operational: tuple[str, ...] = SKAB_MAPPING["operational"],
                   false_alarms_per_day: float = STATED_FALSE_ALARMS_PER_DAY):
    """The engine as ``aquamon evaluate`` builds it: default configuration, stated rate, operational channels."""
    import dataclasses

    from analytics.config_check import CHECKS
    from analytics.settings import settings_from
    from aquamon.config import load_config
    from aquamon.evaluate import EngineDetector

    settings = dataclasses.replace(settings_from(load_config(None, CHECKS)),
                                   quality_false_alarms_per_day=false_alarms_per_day)
    return lambda: EngineDetector(settings, list(operational))


def run_file(path: Path, make: Any = None, train_rows: int = TRAIN_ROWS) -> tuple[np.ndarray, np.ndarray]:
    """The engine fitted on the first ``train_rows`` rows and run online over the rest: (labels, alarms)."""
    y, a, _ = run_file_fitted(path, make, train_rows)
    return y, a


def run_file_fitted(path: Path, make: Any = None, train_rows: int = TRAIN_ROWS) -> tuple[np.ndarray, np.ndarray, bool]:
    """:func:`run_file`, and whether the quality watch could be fitted on the TRAIN's healthy rows."""
    d = read_skab(path)
    ev = evaluate(d.slice(0, train_rows), d.slice(train_rows, len(d)), make or engine_factory())
    if d.labels is None:  # read_labelled_csv with a label column always gives labels
        raise ValueError(f"{path}: no labels")
    return d.labels[train_rows:], ev.alarms, bool(ev.calibration)


#: where the F1 is lost, row by row (the columns of the bench's loss table)
MISSED = ("late", "missed", "dropped")  # label rows not alarmed: before the first alarm inside the anomaly, in an
#: anomaly never alarmed, after an alarm inside it ended early
FALSE = ("before", "linger", "after")  # healthy rows alarmed: before the anomaly began, an alarm of the anomaly
#: lasting past its end, a separate alarm after it
UNFITTED = "no fit"  # the missed label rows of a file whose TRAIN holds too few healthy rows to calibrate on


def losses(labels: np.ndarray, alarms: np.ndarray, fitted: bool = True) -> dict[str, int]:
    """The missed and false rows of one scored file, by cause (keys :data:`MISSED`, :data:`FALSE`, "no fit").

    >>> y = np.array([0, 0, 1, 1, 1, 1, 0, 0, 0, 0], bool)
    >>> a = np.array([1, 0, 0, 1, 0, 1, 1, 0, 0, 1], bool)
    >>> {k: v for k, v in losses(y, a).items() if v}
    {'late': 1, 'dropped': 1, 'before': 1, 'linger': 1, 'after': 1}
    """
    y, a = np.asarray(labels, dtype=bool), np.asarray(alarms, dtype=bool)
    out = dict.fromkeys(MISSED + FALSE + (UNFITTED,), 0)
    if not fitted:
        out[UNFITTED] = int(np.sum(y & ~a))  # (an unfitted watch raises nothing; any false rows count below)
        y = y & a
    events = event_runs(y)
    for lo, hi in events:
        hit = np.flatnonzero(a[lo:hi])
        if not len(hit):
            out["missed"] += hi - lo
        else:
            out["late"] += int(hit[0])
            out["dropped"] += int(np.sum(~a[lo + hit[0]:hi]))
    first = events[0][0] if events else len(y)
    for lo, hi in event_runs(a):
        false = np.flatnonzero(~y[lo:hi]) + lo
        caught = bool(y[lo:hi].any())
        for i in false:
            if i < first:
                out["before"] += 1
            elif caught and any(e_lo < i and a[e_hi - 1:i + 1].all() for e_lo, e_hi in events if e_hi <= i):
                out["linger"] += 1
            else:
                out["after"] += 1
    return out


def anomaly_free(root: Path, make: Any = None, train_rows: int = TRAIN_ROWS, scored_rows: int = 800
                 ) -> list[float] | None:
    """The share of healthy time alarmed on SKAB's anomaly-free recording, per slice: each slice fitted on its
    first ``train_rows`` rows and its next ``scored_rows`` scored, as an experiment's file is (None: no file).

    The stated rate is 0.5 false alarms per 1,440 readings, so an honest calibration alarms a few readings
    per slice at most; what it alarms beyond that is the testbed's slow wander (motor and water warming and
    cooling over minutes) that a 400-second healthy start cannot show.
    """
    path = root / "anomaly-free" / "anomaly-free.csv"
    if not path.is_file():
        return None
    m = SKAB_MAPPING
    d = read_labelled_csv(path, time_column=m["time_column"], label_column=None, require_label=False,
                          columns=list(m["columns"]), sep=m["sep"])
    d.labels = np.zeros(len(d), dtype=bool)
    shares = []
    for lo in range(0, len(d) - train_rows - scored_rows + 1, train_rows + scored_rows):
        ev = evaluate(d.slice(lo, lo + train_rows), d.slice(lo + train_rows, lo + train_rows + scored_rows),
                      make or engine_factory())
        shares.append(float(np.mean(ev.alarms)))
    return shares


def _line(name: str, f1: float, far: float | None, mar: float | None, note: str = "") -> str:
    def pct(v: float | None) -> str:
        return f"{'-':>7}" if v is None else f"{v:>7.2f}"

    return f"{name:<40} {f1:>6.3f} {pct(far)} {pct(mar)}  {note}".rstrip()


def run_groups(root: Path, make: Any, label: str, quiet: bool = False
               ) -> tuple[dict[str, Counts], Counts, dict[str, dict[str, int]]]:
    """Every file of every group through ``make``'s engine: pooled counts per group, those of alarming always,
    and the missed and false rows per group by cause (:func:`losses`)."""
    per_group: dict[str, Counts] = {}
    lost: dict[str, dict[str, int]] = {}
    trivial = Counts()
    for g in GROUPS:
        c = Counts()
        lost[g] = dict.fromkeys(MISSED + FALSE + (UNFITTED,), 0)
        files = sorted((root / g).glob("*.csv"), key=lambda p: int(p.stem) if p.stem.isdigit() else 0)
        for f in files:
            y, a, fitted = run_file_fitted(f, make)
            c.add(y, a)
            for k, v in losses(y, a, fitted).items():
                lost[g][k] += v
            trivial.add(y, np.ones(len(y), dtype=bool))
        per_group[g] = c
        if not quiet:
            print(_line(f"{label}, {g} ({len(files)} files)", *c.skab()), flush=True)
    return per_group, trivial, lost


def f1_without(c: Counts, lost: dict[str, int], cause: str) -> float:
    """The pooled F1 had the rows of one cause been right (a missed row caught, a false one quiet).

    >>> round(f1_without(Counts(tp=6, fp=2, fn=2, tn=10), {"late": 2}, "late"), 3)
    0.889
    """
    n = lost.get(cause, 0)
    if cause in FALSE:
        return Counts(c.tp, c.fp - n, c.fn, c.tn + n).skab()[0]
    return Counts(c.tp + n, c.fp, c.fn - n, c.tn).skab()[0]  # missed, or a file that could not be fitted


def loss_table(per_group: dict[str, Counts], lost: dict[str, dict[str, int]]) -> list[str]:
    """Where the F1 is lost, per file group: TP/FP/FN rows, the missed and false rows by cause, and the
    pooled F1 had each cause's rows been right (the last line: all 34 files)."""
    causes = MISSED + (UNFITTED,) + FALSE
    head = f"{'part':<14} {'TP':>5} {'FP':>5} {'FN':>5} | " + " ".join(f"{k:>7}" for k in causes)
    lines = ["where the F1 is lost (rows; FN = late + missed + dropped + no fit, FP = before + linger + after):",
             head]
    total, all_lost = Counts(), dict.fromkeys(causes, 0)
    for g, c in per_group.items():
        lines.append(f"{g:<14} {c.tp:>5} {c.fp:>5} {c.fn:>5} | " + " ".join(f"{lost[g][k]:>7}" for k in causes))
        total = total + c
        for k in causes:
            all_lost[k] += lost[g].get(k, 0)
    lines.append(f"{'all':<14} {total.tp:>5} {total.fp:>5} {total.fn:>5} | "
                 + " ".join(f"{all_lost[k]:>7}" for k in causes))
    lines.append(f"{'F1 without it':<14} {total.skab()[0]:>17.3f} | "
                 + " ".join(f"{f1_without(total, all_lost, k):>7.3f}" for k in causes))
    return lines


def main() -> None:
    root = data_dir()
    if root is None:
        print("skipped: SKAB data not found; get it with `git clone https://github.com/waico/SKAB "
              f"{DEFAULT_DIR}` (or set AQUAMON_SKAB_DIR to its data folder)")
        return
    import logging

    logging.getLogger("aquamon").setLevel(logging.ERROR)  # one "TRAIN is short" warning per file otherwise
    t0 = time.perf_counter()
    print(f"SKAB ({root}): each file fitted on its first {TRAIN_ROWS} rows (1 s apart), the rest scored "
          "point-wise against `anomaly`, counts pooled as SKAB's leaderboard pools them; stated "
          f"{STATED_FALSE_ALARMS_PER_DAY:g} false alarms a day (0.5 per 1,440 readings)")
    print(f"{'detector, part':<40} {'F1':>6} {'FAR %':>7} {'MAR %':>7}")
    per_group, trivial, lost = run_groups(root, engine_factory(), "ours")
    unseen = per_group["valve2"] + per_group["other"]
    total = per_group["valve1"] + unseen
    print(_line("ours, valve2 + other (never tuned on)", *unseen.skab()))
    f1, far, mar = total.skab()
    print(_line("ours, all 34 files", f1, far, mar, "<- the figure"))
    print(_line("target (issue 16)", TARGET_F1, None, None, "met" if f1 >= TARGET_F1 else "NOT met"))
    default, _, _ = run_groups(root, engine_factory(false_alarms_per_day=DEFAULT_FALSE_ALARMS_PER_DAY), "", quiet=True)
    print(_line(f"ours stating {DEFAULT_FALSE_ALARMS_PER_DAY:g}/day (evaluate's default), all",
                *sum(default.values(), Counts()).skab()))
    print(_line("every scored row alarmed (trivial)", *trivial.skab()))
    print("SKAB leaderboard, outlier detection problem (published; same protocol and counts):")
    for name, (pf1, pfar, pmar) in LEADERBOARD_OUTLIER.items():
        print(_line(f"  {name}", pf1, pfar, pmar))
    print("(SKAB's changepoint leaderboard scores another problem, NAB windows of 60 s after each "
          "`changepoint`: MSCRED 32.42 ... Conv-AE 23.61 NAB standard; not comparable with these F1s)")
    print("\n".join(loss_table(per_group, lost)))
    free = anomaly_free(root)
    if free is not None:
        print(f"SKAB's anomaly-free recording, {len(free)} slices of {TRAIN_ROWS} + 800 rows: share of healthy time "
              f"alarmed {np.median(free):.0%} median ({min(free):.0%}-{max(free):.0%}); stated 0.5 per 1,440 "
              "readings (<1 %): the testbed's slow wander is beyond what a 400-second healthy start shows")
    print(f"\ntotal {time.perf_counter() - t0:.0f} s")


if __name__ == "__main__":
    main()
