"""The water-quality watch of a tank's engine: calibrated tails, CUSUM onset and relearn, one reading at a time.

A thin online wrapper around :class:`analytics.detector.WaterQualityDetector`
for :class:`analytics.monitor.TankMonitor`: it fits itself on the tank's own
learnable history once there is enough of it (no labels: the history the
monitor would learn from is taken as healthy), then decides every new reading
in order.  Which channels it scores is configuration
(``MonitorSettings.quality_sensors`` minus ``operational``), so the same
engine watches an aquarium's probes and a water plant's.

Examples
--------
>>> import numpy as np
>>> rng = np.random.default_rng(0)
>>> t_ms = np.arange(0, 3 * 86_400_000, 60_000)
>>> frame = {"ph": 7.2 + 0.01 * rng.normal(size=len(t_ms))}
>>> frame["ph"][-30:] += 0.2                      # the last half hour moved
>>> w = QualityWatch(("ph",), false_alarms_per_day=0.1)
>>> w.advance(t_ms[:-30], {"ph": frame["ph"][:-30]}, np.ones(len(t_ms) - 30, bool))
False
>>> w.advance(t_ms, frame, np.ones(len(t_ms), bool))
True
"""

from __future__ import annotations

import logging
from dataclasses import dataclass, field
from typing import Any, cast

import numpy as np
from numpy.typing import NDArray

from analytics.catalogue import LABELS, Transition, _fmt
from analytics.detector import DetectorSettings, WaterQualityDetector
from analytics.medians import flat_nanmedian
from analytics.monitor_host import HostBase
from analytics.rules import step_spread

log = logging.getLogger("aquamon.analytics")
Array = NDArray[np.float64]


@dataclass
class QualityWatch:
    """Decide each new reading of ``channels`` with a calibrated :class:`WaterQualityDetector`.

    Parameters
    ----------
    channels
        The frame keys scored, in order (those absent from a frame are NaN).
    false_alarms_per_day
        The stated false-alarm rate of the calibrated threshold.
    min_rows
        Minutes of history needed before the first fit online (one day); an
        explicit :meth:`fit` on a shorter history widens the threshold.
    """

    channels: tuple[str, ...]
    false_alarms_per_day: float = 1.0 / 30.0
    min_rows: int = 1440
    #: None: three median lengths of the unhealthy runs in the history (3 or more), else 6 h
    relearn_minutes: float | None = None
    detector: WaterQualityDetector | None = None
    last_ms: int = -(2**62)
    score: float = 0.0
    firing: bool = False
    notes: list[str] = field(default_factory=list)
    #: a fit on fewer healthy rows than this is redone when the history has doubled (and nothing fires)
    settled_rows: int = 2880
    fit_rows: int = 0

    @property
    def fitted(self) -> bool:
        return self.detector is not None

    def fit(self, t_ms: Array, X: Array, healthy: NDArray[np.bool_]) -> bool:
        """Fit on the history ``X`` (rows of ``channels``); False when too little of it is healthy.

        With fewer healthy rows than ``min_rows`` the stated rate is divided by
        ``min_rows / rows``: the tails of a short sample are poorly known, so
        the threshold sits further out (a note says so).
        """
        ok = healthy & np.isfinite(X).any(axis=1)
        n = int(ok.sum())
        if n < 200:
            return False
        rate = self.false_alarms_per_day * min(1.0, n / self.min_rows)
        s = DetectorSettings(false_alarms_per_day=rate, relearn_after_minutes=self.relearn_minutes, operational=())
        det = WaterQualityDetector(s)
        try:
            det.fit(t_ms / 1000.0, X, ~healthy, list(self.channels))
        except (ValueError, np.linalg.LinAlgError) as e:
            log.debug("quality watch not fitted yet: %s", e)
            return False
        self.detector = det
        self.last_ms = int(t_ms[-1])
        self.fit_rows = n
        if n < self.min_rows:
            self.notes.append(f"only {n} healthy rows to calibrate on (want {self.min_rows}): threshold widened "
                              f"to {rate:.3g} false alarms a day")
            log.warning("quality watch: %s", self.notes[-1])
        return True

    def advance(self, t_ms: Array, frame: dict[str, Array], healthy: NDArray[np.bool_]) -> bool:
        """Decide the rows of ``frame`` newer than the last one decided; return the latest decision.

        Before the first fit, the rows (``healthy`` marks the learnable ones)
        are the history it is fitted on.
        """
        X = np.stack([frame.get(c, np.full(len(t_ms), np.nan)) for c in self.channels], axis=1) \
            if len(t_ms) else np.zeros((0, len(self.channels)))
        if self.detector is None:
            ok = healthy & np.isfinite(X).any(axis=1)
            # a whole day first: a tank's day/night rhythm must be in the history its tails are fitted on
            if ok.sum() >= 200 and (t_ms[ok][-1] - t_ms[ok][0]) >= self.min_rows * 60_000:
                self.fit(t_ms, X, healthy)
            return False
        if self.fit_rows < self.settled_rows and not self.firing \
                and int((healthy & np.isfinite(X).any(axis=1)).sum()) >= 2 * self.fit_rows:
            # a short first history: calibrate again on the longer one (its state ends where it ends)
            old = self.detector
            if self.fit(t_ms, X, healthy):
                return False
            self.detector = old
        new = np.flatnonzero(t_ms > self.last_ms)
        det = self.detector
        with np.errstate(over="ignore", invalid="ignore"):
            for i in new:
                self.score, self.firing = det.decide_one(float(t_ms[i]) / 1000.0, X[i])
        if len(new):
            self.last_ms = int(t_ms[new[-1]])
        return self.firing

    def relearn(self) -> None:
        """Take the recent readings as the new normal (a water change, an accepted change)."""
        if self.detector is not None:
            self.detector.relearn()
            self.firing = False

    def describe(self) -> str:
        return "not fitted yet" if self.detector is None else (
            f"{'+'.join(self.detector.evidence)}, {self.detector.settings.false_alarms_per_day:.3g} false alarms/day "
            f"stated, relearn after {self.detector.relearn_after_minutes:.0f} min")


class QualityMixin(HostBase):
    """Methods of :class:`analytics.monitor.TankMonitor` that run its quality watch (state lives there)."""

    def _quality_step(self, now_ms: int, t_ms: Array, frame: dict[str, Array],
                      score: dict[str, Any]) -> list[Transition]:
        """The quality watch decides the new rows; ``water_quality`` follows its latest decision."""
        s = self.settings
        if not s.quality:
            return []
        if self.quality is None:
            channels = tuple(c for c in s.quality_channels() if c in frame and np.isfinite(frame[c]).any())
            if not channels:
                return []
            rate = s.quality_false_alarms_per_day or s.false_alarms_per_30_days / 30.0
            self.quality = QualityWatch(channels, rate)
        q = self.quality
        if not q.fitted and self.in_maintenance(now_ms):
            return []
        # a probe known to be faulty, or wobbling far beyond its usual noise right now, says nothing about
        # the water: its channel is left out (NaN) of the new rows, as the drift window leaves it out
        bad = self._stuck_or_noisy() | self._ageing_sensors()
        for name, usual in self.noise.items():
            if name in frame and usual > 0 and len(frame[name]) >= 6:
                spread = step_spread(frame[name][-15:])
                if np.isfinite(spread) and spread > 3.0 * usual:
                    bad.add(name)
        if bad & set(q.channels):
            new = t_ms > q.last_ms
            frame = {k: (np.where(new, np.nan, v) if k in bad else v) for k, v in frame.items()}
        firing = q.advance(t_ms, frame, self._learnable(t_ms))
        if not q.fitted:
            return []
        score["quality"] = q.score
        return self._rule("water_quality", firing, now_ms, q.score, self._quality_text(t_ms, frame))

    def _quality_text(self, t_ms: Array, frame: dict[str, Array]) -> str:
        q = self.quality
        if q is None or q.detector is None or q.detector.state.level is None or not q.firing:
            return ""
        det = q.detector
        level = cast(Array, det.state.level)  # not None: checked above
        std = det.residual_std()
        parts: list[str] = []
        moved = []
        for j, c in enumerate(q.channels):
            y = frame[c][-10:] if c in frame else np.array([np.nan])
            now = float(flat_nanmedian(y)) if np.isfinite(y).any() else float("nan")
            z = (now - level[j]) / std[j] if std[j] > 0 else 0.0
            if np.isfinite(z):
                moved.append((abs(z), c, now, float(level[j])))
        moved.sort(reverse=True)
        for z, c, now, usual in moved[:3]:
            if z >= 3 or not parts:
                label = LABELS.get(c, (c, "", 2))[0]
                parts.append(f"{label} {_fmt(c, now)} (usual {_fmt(c, usual)})")
        return ("Water quality changed: " + "; ".join(parts) +
                ". Check the tank and test the water; if it was planned (a water change, a dose), it will be "
                "learned as the new normal.")
