"""The engine's cost per tank-minute, with its medians against numpy's, in one run.

One tank (the keeper's simulated month, ``benchmarks.keeper_month.turtle_month``)
is stepped through the engine the service runs (``aquamon.evaluate.EngineDetector``,
as ``make bench``'s detection figures are) over ``ENGINE_DAYS`` days: once as
shipped, once with the engine's :mod:`analytics.medians` swapped back for
``np.median``/``np.nanmedian`` (the naive way), interleaved ``ENGINE_REPEATS``
times, best of each.  Both runs must raise the same alerts at the same minutes
(the medians are numpy's to the last bit: tests/test_medians.py); the figure is
milliseconds of CPU per tank-minute stepped (the warm-up's fit included), and
how many tanks one core keeps up with on the engine alone (a tank-minute every
minute per tank; the service's reads and writes come on top: bench_farm).
"""

from __future__ import annotations

import dataclasses
import sys
import time
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

import numpy as np

import analytics
from analytics import medians

ENGINE_DAYS = 8
ENGINE_REPEATS = 2


@contextmanager
def numpy_medians() -> Iterator[None]:
    """Every analytics module that imported the engine's medians calls numpy's instead, while inside."""
    swapped: list[tuple[Any, str, Any]] = []
    naive = {"flat_median": lambda v: np.median(v), "flat_nanmedian": lambda v: np.nanmedian(v)}
    for name, module in list(sys.modules.items()):
        if not name.startswith(f"{analytics.__name__}.") or module is medians:
            continue
        for attr, replacement in naive.items():
            if getattr(module, attr, None) is getattr(medians, attr):
                swapped.append((module, attr, getattr(module, attr)))
                setattr(module, attr, replacement)
    try:
        yield
    finally:
        for module, attr, original in swapped:
            setattr(module, attr, original)


def _month_start(days: int) -> Any:
    from benchmarks.keeper_month import turtle_month

    s = turtle_month()
    n = days * 1440
    return dataclasses.replace(s, t_ms=s.t_ms[:n], values={k: v[:n] for k, v in s.values.items()},
                               labels=s.labels[:n])


def _step(s: Any) -> tuple[float, list[tuple[int, str, str]]]:
    from benchmarks.bench_detection import measure_month

    t0 = time.process_time()
    _, det, _ = measure_month(s)
    return time.process_time() - t0, [(tr.t_ms, tr.key, tr.state) for tr in det.transitions]


def main() -> None:
    s = _month_start(ENGINE_DAYS)
    ours: list[float] = []
    naive: list[float] = []
    alerts: dict[str, list[tuple[int, str, str]]] = {}
    for _ in range(ENGINE_REPEATS):
        cpu, alerts["ours"] = _step(s)
        ours.append(cpu)
        with numpy_medians():
            cpu, alerts["numpy"] = _step(s)
        naive.append(cpu)
    minutes = len(s.t_ms) - 2 * 1440  # the minutes stepped after the 2-day warm-up (whose fit is in the cost)
    same = "the same alerts" if alerts["ours"] == alerts["numpy"] else "DIFFERENT ALERTS (a defect)"
    print(f"engine, one tank, {ENGINE_DAYS} days ({minutes} minutes stepped after a 2-day warm-up), best of "
          f"{ENGINE_REPEATS}: {same}")
    print(f"{'medians':>16} {'CPU ms per tank-minute':>23} {'tanks one core keeps up with':>29}")
    for label, runs in (("engine's", ours), ("numpy's", naive)):
        per_minute_ms = 1000 * min(runs) / minutes
        print(f"{label:>16} {per_minute_ms:>23.2f} {60_000 / per_minute_ms:>29,.0f}")
    print(f"ratio numpy's / engine's: x{min(naive) / min(ours):.2f}")
