"""How the detector's label-dependent settings were chosen: rolling-origin cross-validation inside TRAIN.

GECCO 2018's TRAIN part (the first 60 % of the shared file) is cut into three
rolling-origin folds (fit on rows before the origin, score the next block;
:func:`aquamon.evaluate.cross_validate`).  The test part (last 40 %) is never
read here.  Prints mean and pooled F1 and false alarms per day for each
setting compared; the default is the best mean F1.

Not part of ``make bench`` (it takes about 2 minutes on 2 cores):
``.venv/bin/python -m benchmarks.cv_detection``.
"""

from __future__ import annotations

import time
from concurrent.futures import ProcessPoolExecutor

from benchmarks.bench_detection import GECCO

#: (label, DetectorSettings keyword arguments); None relearn = calibrated (3 × median TRAIN event length)
GRID: list[tuple[str, dict]] = [
    ("level statistic only (no drift CUSUM)", {"evidence": ("short",)}),
    ("drift CUSUM allowance k = 1", {"drift_allowance": 1.0}),
    ("drift CUSUM allowance k = 2 (default)", {}),
    ("drift CUSUM allowance k = 3", {"drift_allowance": 3.0}),
    ("relearn after 60 min", {"relearn_after_minutes": 60.0}),
    ("relearn after 120 min", {"relearn_after_minutes": 120.0}),
    ("relearn after 240 min", {"relearn_after_minutes": 240.0}),
    ("relearn after 360 min", {"relearn_after_minutes": 360.0}),
    ("relearned level not learned afresh", {"relearn_afresh": False}),
]


def _one(item: tuple[str, dict]) -> tuple[str, dict]:
    from analytics.detector import DetectorSettings, WaterQualityDetector
    from aquamon.evaluate import cross_validate, read_labelled_csv

    label, kwargs = item
    data = read_labelled_csv(GECCO)
    train = data.slice(0, int(0.6 * len(data)))
    return label, cross_validate(train, lambda: WaterQualityDetector(DetectorSettings(**kwargs)))


def main() -> None:
    if not GECCO.is_file():
        print(f"skipped: {GECCO} not found (the shared data folder sits beside the project, see its README)")
        return
    t0 = time.perf_counter()
    print("GECCO 2018 TRAIN part only (first 60 %), rolling-origin CV, 3 folds")
    print(f"{'setting':<42} {'F1 mean':>8} {'pooled':>7} {'folds':>22} {'FA/day':>7}")
    with ProcessPoolExecutor(2) as pool:
        for label, r in pool.map(_one, GRID):
            folds = " ".join(f"{f:.3f}" for f in r["f1_folds"])
            print(f"{label:<42} {r['f1_mean']:>8.3f} {r['f1_pooled']:>7.3f} {folds:>22} "
                  f"{r['false_alarms_per_day']:>7.2f}", flush=True)
    print(f"\ntotal {time.perf_counter() - t0:.0f} s")


if __name__ == "__main__":
    main()
