"""One tank's monitor: baseline, window drift score, rules and alert states.

Pure: it is handed the tank's readings on a 1-minute grid and an evaluation
time, and returns the score and the alert transitions.  The service
(:mod:`analytics.service`) does the reading and writing around it.

The drift score is KL(N(m, S) ‖ N(0, Σ)) of the last ``window_minutes`` of
residuals against the healthy baseline, with Bhattacharyya and W2 beside it.
The baseline is refitted every hour on the reference period *excluding* time
under a drift alert, so the detector does not learn the fault it reports.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

import numpy as np
from numpy.typing import NDArray

from analytics.alerts import AlertState, step
from analytics.baseline import DayNightBaseline, ledoit_wolf
from analytics.divergence import bhattacharyya_distance, kl_divergence, wasserstein2_distance
from analytics.rules import slope_per_hour
from analytics.threshold import effective_sample_size, kl_threshold, per_test_probability, pot_threshold

Array = NDArray[np.float64]
MIN_MS = 60_000

DRIFT_SENSORS = ("temp_c", "ph", "tds_ppm", "turb_ntu")
LABELS = {"temp_c": ("temperature", " °C", 2), "ph": ("pH", "", 2), "tds_ppm": ("TDS", " ppm", 0),
          "turb_ntu": ("turbidity", " NTU", 2), "level_cm": ("sump level", " cm", 1),
          "flow_lpm": ("filter flow", " l/min", 1)}


@dataclass
class Transition:
    key: str
    severity: str
    state: str  # firing | resolved
    summary: str
    t_ms: int
    value: float


@dataclass
class MonitorSettings:
    window_minutes: int = 60
    reference_hours: float = 72.0
    warmup_hours: float = 24.0  # one whole day/night cycle before the harmonics mean anything
    refit_minutes: int = 60
    harmonics: int = 2
    false_alarms_per_30_days: float = 1.0
    temp_rise_c_per_h: float = 2.0
    temp_fall_c_per_h: float = 2.0
    rate_window_minutes: int = 30
    rule_for_minutes: int = 5
    drift_for_minutes: int = 10
    clear_minutes: int = 30
    drift_sensors: tuple[str, ...] = DRIFT_SENSORS
    trend: bool = True


@dataclass
class TankMonitor:
    tank: str
    settings: MonitorSettings = field(default_factory=MonitorSettings)
    baseline: DayNightBaseline | None = None
    fitted_at_ms: int = 0
    alerts: dict[str, AlertState] = field(default_factory=dict)
    drift_spans: list[tuple[int, int]] = field(default_factory=list)  # excluded from learning
    healthy_threshold: float = 0.0

    def _alert(self, key: str) -> AlertState:
        return self.alerts.setdefault(key, AlertState())

    def _learnable(self, t_ms: Array) -> NDArray[np.bool_]:
        ok = np.ones(len(t_ms), dtype=bool)
        for a, b in self.drift_spans:
            ok &= ~((t_ms >= a) & (t_ms <= b))
        return ok

    def _maybe_refit(self, now_ms: int, t_ms: Array, X: Array) -> None:
        s = self.settings
        if self.baseline is not None and now_ms - self.fitted_at_ms < s.refit_minutes * MIN_MS:
            return
        lo = now_ms - s.reference_hours * 3_600_000
        hi = now_ms - s.window_minutes * MIN_MS
        sel = (t_ms >= lo) & (t_ms < hi) & self._learnable(t_ms)
        if not sel.any():
            return
        span_h = (t_ms[sel].max() - t_ms[sel].min()) / 3_600_000
        if span_h < s.warmup_hours:
            return  # explicit warm-up: no drift score until enough healthy history
        try:
            # a trend is only identifiable apart from the daily cycle over two days or more
            trend = s.trend and span_h >= 48
            self.baseline = DayNightBaseline.fit(t_ms[sel] / 1000.0, X[sel], s.harmonics, trend=trend)
            self.fitted_at_ms = now_ms
            self.healthy_threshold = self._calibrate(t_ms[sel], X[sel])
        except ValueError:
            pass

    def _calibrate(self, t_ms: Array, X: Array) -> float:
        """Empirical threshold: KL of every healthy window in the reference, tail extrapolated."""
        s = self.settings
        b = self.baseline
        assert b is not None
        W = s.window_minutes
        ok = np.all(np.isfinite(X), axis=1)
        R = b.residuals(t_ms[ok] / 1000.0, X[ok])
        starts = np.arange(0, len(R) - W + 1, max(1, W // 6))
        if len(starts) < 10:
            return 0.0
        windows = R[starts[:, None] + np.arange(W)]  # (k, W, d)
        m = windows.mean(axis=1)
        S, _ = ledoit_wolf(windows)
        S = S + np.diag(1e-6 * np.diag(b.cov))
        scores = kl_divergence(m, S, np.zeros_like(m), b.cov)
        return pot_threshold(scores, per_test_probability(s.false_alarms_per_30_days, W))

    def evaluate(self, now_ms: int, t_ms: Array, frame: dict[str, Array]) -> tuple[dict[str, Any], list[Transition]]:
        """Score the window ending at ``now_ms`` from rows with ``t_ms < now_ms``.

        ``frame`` maps sensor name to values aligned with ``t_ms``; rows after
        ``now_ms`` are ignored (decisions use the past only).
        """
        s = self.settings
        past = t_ms < now_ms
        t_ms = t_ms[past]
        frame = {k: v[past] for k, v in frame.items()}
        transitions: list[Transition] = []
        score: dict[str, Any] = {}

        # --- rule: temperature rate of change ------------------------------------------
        if "temp_c" in frame:
            rw = t_ms >= now_ms - s.rate_window_minutes * MIN_MS
            temp = frame["temp_c"][rw]
            enough = np.isfinite(temp).sum() >= 0.6 * s.rate_window_minutes
            rate = slope_per_hour(t_ms[rw] / 1000.0, temp) if enough else float("nan")
            last_temp = float(temp[np.isfinite(temp)][-1]) if np.isfinite(temp).any() else float("nan")
            score["temp_rate_c_per_h"] = rate
            transitions += self._rule("heater_stuck", "critical", bool(rate > s.temp_rise_c_per_h), now_ms, rate,
                                      f"Temperature rising {rate:+.1f} °C/h (now {last_temp:.1f} °C): the heater "
                                      "may be stuck on. Check the heater and unplug it if the water keeps warming.")
            transitions += self._rule("heater_dead", "critical", bool(rate < -s.temp_fall_c_per_h), now_ms, rate,
                                      f"Temperature falling {rate:+.1f} °C/h (now {last_temp:.1f} °C): the heater "
                                      "may have failed. Check that it is powered and its light is on.")

        # --- drift: window divergence against the baseline -----------------------------
        sensors = [n for n in s.drift_sensors if n in frame]
        if not sensors:
            return score, transitions
        X = np.stack([frame[n] for n in sensors], axis=1)
        self._maybe_refit(now_ms, t_ms, X)
        b = self.baseline
        if b is None or b.coef.shape[1] != len(sensors):
            return score, transitions
        win = t_ms >= now_ms - s.window_minutes * MIN_MS
        Xw = X[win]
        ok = np.all(np.isfinite(Xw), axis=1)
        if ok.sum() < s.window_minutes // 2:
            return score, transitions
        tw = t_ms[win][ok] / 1000.0
        R = b.residuals(tw, Xw[ok])
        m = R.mean(axis=0)
        S, _ = ledoit_wolf(R)
        S = S + np.diag(1e-6 * np.diag(b.cov))  # a stuck channel has zero variance: keep S PD
        d = len(sensors)
        zero = np.zeros(d)
        kl = kl_divergence(m, S, zero, b.cov, return_parts=True)
        bh = bhattacharyya_distance(m, S, zero, b.cov)
        w2 = wasserstein2_distance(m, S, zero, b.cov)
        n_eff = effective_sample_size(len(R), b.lag1)
        # the larger of the Gaussian-theory bound and the healthy history's own tail
        thr = max(kl_threshold(d, n_eff, s.false_alarms_per_30_days, s.window_minutes), self.healthy_threshold)
        z = m / b.std
        score.update(kl=float(kl.total), kl_mean=float(kl.mean), kl_cov=float(kl.cov), bhattacharyya=float(bh),
                     w2=float(w2), threshold=thr, n_eff=n_eff)
        for name, zi in zip(sensors, z):
            score[f"z_{name}"] = float(zi)
        st = self._alert("drift")
        # hysteresis: fire above the threshold, stay firing until below half of it
        cond = float(kl.total) > (thr if st.state != "firing" else 0.5 * thr)
        if cond:
            self._mark_drift(now_ms)
        now_mean = b.mean_at(np.array([now_ms / 1000.0]))[0]
        summary = self._attribution(sensors, Xw[ok][-min(10, len(R)):].mean(axis=0), now_mean, b.std, z,
                                    float(kl.mean), float(kl.cov))
        transitions += self._rule("drift", "warning", cond, now_ms, float(kl.total), summary,
                                  for_minutes=s.drift_for_minutes)
        return score, transitions

    def _mark_drift(self, now_ms: int) -> None:
        # extend or open an exclusion span: the fault (and the window before it) is not learned
        start = now_ms - self.settings.window_minutes * MIN_MS
        if self.drift_spans and self.drift_spans[-1][1] >= start:
            self.drift_spans[-1] = (self.drift_spans[-1][0], now_ms)
        else:
            self.drift_spans.append((start, now_ms))
        horizon = now_ms - self.settings.reference_hours * 3_600_000
        self.drift_spans = [sp for sp in self.drift_spans if sp[1] >= horizon]

    @staticmethod
    def _attribution(sensors: list[str], recent: Array, usual: Array, std: Array, z: Array,
                     mean_part: float, cov_part: float) -> str:
        moved, normal = [], []
        order = np.argsort(-np.abs(z))
        for i in order:
            label, unit, dec = LABELS.get(sensors[i], (sensors[i], "", 2))
            if abs(z[i]) >= 3:
                moved.append(f"{label} {recent[i]:.{dec}f}{unit}, usual {usual[i]:.{dec}f} ± {std[i]:.{dec}f}"
                             f"{unit} at this hour")
            else:
                normal.append(label)
        if not moved:
            kind = "the readings are noisier or steadier than usual (a probe may be failing or stuck)" \
                if cov_part > mean_part else "several readings moved a little together"
            return f"Water differs from its usual pattern: {kind}."
        text = "Water is drifting: " + "; ".join(moved)
        if normal:
            text += "; " + ", ".join(normal) + " normal"
        return text + "."

    def _rule(self, key: str, severity: str, condition: bool, now_ms: int, value: float, summary: str,
              for_minutes: int | None = None) -> list[Transition]:
        s = self.settings
        st = self._alert(key)
        fm = s.rule_for_minutes if for_minutes is None else for_minutes
        change = step(st, condition, now_ms, fm * MIN_MS, s.clear_minutes * MIN_MS)
        if change == "firing":
            st.summary = summary
            return [Transition(key, severity, "firing", summary, now_ms, value)]
        if change == "resolved":
            return [Transition(key, severity, "resolved", f"Resolved: {st.summary}", now_ms, value)]
        return []
