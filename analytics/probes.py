"""Probe health: each probe's usual wobble, and a wobble that collapses (stuck) or explodes (failing).
"""

from __future__ import annotations

from typing import Any

import numpy as np
from numpy.typing import NDArray

from analytics.alerts import AlertState
from analytics.catalogue import LABELS, MIN_MS, PROBE_SENSORS, Transition, _fmt
from analytics.level_trend import steady_tails
from analytics.monitor_host import HostBase
from analytics.rules import FAILING_WOBBLE, WOBBLE_MINUTES, step_spread
from analytics.tank_rules import trend_tails, window_slopes_per_hour

Array = NDArray[np.float64]
#: a probe with no usable reading for this long, while the others read, is silent (dead or unplugged)
SILENT_MINUTES = 5
#: the channels watched for silence (the water's probes and the rules' level and flow)
SILENT_WATCHED = PROBE_SENSORS + ("level_cm", "flow_lpm")


class ProbesMixin(HostBase):
    """Methods of :class:`analytics.monitor.TankMonitor` (its state lives there)."""

    def _learn_noise(self, t_ms: Array, frame: dict[str, Array], now_ms: int) -> None:
        # the usual wobble: median of hourly step spreads over the learnable reference
        lo = now_ms - self.settings.reference_hours * 3_600_000
        sel = (t_ms >= lo) & self._learnable(t_ms)
        for name in PROBE_SENSORS:
            if name not in frame:
                continue
            y = frame[name][sel]
            n = len(y) // 60 * 60
            if n < 12 * 60:
                continue
            D = np.diff(y[:n].reshape(-1, 60), axis=1)  # each hour's minute-to-minute steps (as step_spread)
            enough = np.isfinite(D).sum(axis=1) >= 5
            if enough.sum() < 12:
                continue
            D = D[enough]
            with np.errstate(all="ignore"):
                hours = 1.4826 * np.nanmedian(np.abs(D - np.nanmedian(D, axis=1, keepdims=True)), axis=1)
            self.noise[name] = float(np.median(hours))
            self.noise_level[name] = float(np.nanmedian(y))
        if "level_cm" in frame and sel.sum() >= 12 * 60:
            # the sump's own healthy 15-minute falls (evaporation, waves), for the steady leak test
            slopes = window_slopes_per_hour(t_ms[sel], frame["level_cm"][sel])
            self.level_fall_tail = trend_tails(slopes, self.settings.false_alarms_per_30_days)[0]
            self.level_steady = steady_tails(t_ms[sel], frame["level_cm"][sel], self.settings.false_alarms_per_30_days)
        if "flow_lpm" in frame and sel.sum() >= 12 * 60 and self.alerts.get("flow_low", AlertState()).state == "ok":
            # the filter's usual flow, what a clog is judged against: its flow when clean, the 90th percentile
            # of the reference's hourly medians while the pump runs (a clog only lowers it, over days, and the
            # median of a clogging filter's week would follow it down)
            flow = np.where(frame["pump"][sel] == 1.0, frame["flow_lpm"][sel], np.nan) if "pump" in frame \
                else frame["flow_lpm"][sel]
            flow = np.where(flow >= self.profile.flow_stopped_lpm, flow, np.nan)
            m = len(flow) // 60 * 60
            hours = flow[len(flow) - m:].reshape(-1, 60)
            hours = hours[np.isfinite(hours).sum(axis=1) >= 30]
            if len(hours) >= 12:
                self.usual_flow = float(np.quantile(np.nanmedian(hours, axis=1), 0.9))

    def _probes(self, now_ms: int, t_ms: Array, frame: dict[str, Array], score: dict[str, Any]) -> list[Transition]:
        # the probes' usual wobble needs only 12 h of readings (not the drift's two-day warm-up)
        if (not self.noise or now_ms - self.noise_at_ms >= self.settings.refit_minutes * MIN_MS) \
                and not self.in_maintenance(now_ms) and not self._stuck_or_noisy():
            self._learn_noise(t_ms, frame, now_ms)
            self.noise_at_ms = now_ms
        stuck, noisy = [], []
        for name, usual in self.noise.items():
            if name not in frame or usual <= 0:
                continue
            _, y = self._recent(t_ms, frame[name], now_ms, WOBBLE_MINUTES)
            spread = step_spread(y)
            if not np.isfinite(spread):
                continue
            score[f"wobble_{name}"] = spread / usual
            if spread < 0.1 * usual:
                stuck.append(name)
            # a probe's noise grows with its reading (turbidity, TDS): a bloom that quadruples the turbidity
            # also quadruples its wobble, and that is the water, not the probe
            level = self.noise_level.get(name, 0.0)
            grown = abs(float(np.nanmedian(y))) / abs(level) if level and np.isfinite(y).any() else 1.0
            if spread > FAILING_WOBBLE * usual * max(1.0, grown):
                noisy.append(name)
        silent = self._silent_probes(now_ms, t_ms, frame)
        for key, names in (("probe_stuck", stuck), ("probe_noisy", noisy), ("probe_silent", silent)):
            if names:
                self._alert(key).sensors = list(names)
        out = self._rule("probe_stuck", bool(stuck), now_ms, float(len(stuck)),
                         f"The {', '.join(LABELS[n][0] for n in stuck)} probe is stuck: it has repeated the same "
                         f"value ({', '.join(_fmt(n, self._last(frame[n])) for n in stuck)}) for 20 minutes. "
                         "This is the probe, not the water: clean it, check its cable, recalibrate or replace it.")
        out += self._rule("probe_noisy", bool(noisy), now_ms, float(len(noisy)),
                          f"The {', '.join(LABELS[n][0] for n in noisy)} probe is failing: its readings jump "
                          "far more than usual. This is the probe, not the water: check its cable and "
                          "connector, clean or replace it.")
        out += self._rule("probe_silent", bool(silent), now_ms, float(len(silent)),
                          f"The {', '.join(LABELS[n][0] for n in silent)} probe sends no readings (or only "
                          f"impossible ones) while the others do: it is unplugged, its cable is broken or it "
                          f"has died. The {', '.join(LABELS[n][0] for n in silent)} of the water is not being "
                          "watched: check the probe and its connector.")
        return out

    def _silent_probes(self, now_ms: int, t_ms: Array, frame: dict[str, Array]) -> list[str]:
        """Channels that have read the water (in most of the rows held) but gave no usable reading in the
        last ``SILENT_MINUTES`` while another channel did (the controller reports; this probe does not)."""
        recent = t_ms >= now_ms - SILENT_MINUTES * MIN_MS
        if recent.sum() < SILENT_MINUTES // 2:
            return []  # the controller itself is silent: no_telemetry / device_offline tell that
        names = [n for n in SILENT_WATCHED if n in frame]
        alive = [n for n in names if np.isfinite(frame[n][recent]).any()]
        if not alive:
            return []
        return [n for n in names if n not in alive and np.isfinite(frame[n]).mean() >= 0.5]
