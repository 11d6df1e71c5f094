"""Probe health: each probe's usual wobble, and a wobble that collapses (stuck) or explodes (failing).
"""

from __future__ import annotations

from typing import Any

import numpy as np
from numpy.typing import NDArray

from analytics.alerts import AlertState
from analytics.catalogue import LABELS, MIN_MS, PROBE_SENSORS, Transition, _fmt
from analytics.level_probe import MARK_GAP_MINUTES, MARK_MINUTES, level_probe_failing, sensor_told_failing
from analytics.level_trend import steady_tails
from analytics.medians import flat_nanmedian
from analytics.monitor_host import HostBase
from analytics.probe_dry import DRY_READINGS, DRY_SENSORS, reads_dry
from analytics.probe_gaps import GAP_MINUTES, gaps_unlikely, missed_rate
from analytics.probe_quiet import QUIET_MINUTES, learn_quiet
from analytics.probe_steps import (
    BEFORE_MINUTES,
    INERT_CHANNELS,
    LOOK_MINUTES,
    NEW_WATER_TDS_FRACTION,
    lasting_step,
    repeats_for_stuck,
    trailing_repeats,
    water_moved,
)
from analytics.rules import FAILING_WOBBLE, WOBBLE_MINUTES, despike, jumps_beyond, step_spread, usual_wobble
from analytics.threshold import per_test_probability, pot_threshold
from analytics.trends import trend_tails, window_slopes_per_hour
from analytics.water_change import RESTART_MINUTES

Array = NDArray[np.float64]
#: a probe with no usable reading for this long, while the others read, is silent (dead or unplugged)
SILENT_MINUTES = 5
#: the channels watched for silence (the water's probes and the rules' level and flow)
SILENT_WATCHED = PROBE_SENSORS + ("level_cm", "flow_lpm")
#: a probe whose wobble collapsed (spread under a tenth of its usual) this long is stuck, however it repeats
STUCK_MINUTES = 20
#: channels watched only for being stuck (a frozen level probe hides a leak); their wobble is the water's
STUCK_ONLY = ("level_cm",)
#: a probe's step holds its rate rules this long: the longest rate window (the 60-minute cooling slope) has
#: it in its readings until then
STEP_HOLD_MINUTES = 60
#: the hours of a probe's own readings its wobble is learned from (:meth:`ProbesMixin._learn_noise`'s least);
#: after a step the probe is another instrument, and its stuck test waits this long for them (its failing test
#: stays on the old wobble: a probe that steps as it begins to fail is still told)
RENEWED_HOURS = 12


def healthy_hours(y: Array, usual: float, level: float = 0.0) -> Array:
    """A probe's readings ``y`` (one a minute) without the hours the failing test would call failing (a step
    spread over :data:`analytics.rules.FAILING_WOBBLE` times ``usual``, the wobble learned before, grown as
    the reading has from ``level``, the reading it was learned at, as the failing test grows it): a probe
    that stepped because it began to fail (a noisy pH probe reads as a step) is not learned as a new probe by
    its failing hours, nor a bubble on a conductivity cell as the probe's usual wobble.  The hours are cut
    from the start, as ``_learn_noise`` cuts them; ``usual`` 0: all kept.

    >>> y = np.concatenate([np.random.default_rng(0).normal(7.0, 0.3, 60), np.full(60, 7.0)])
    >>> bool(np.isnan(healthy_hours(y, 0.01)[:60]).all()), bool(np.isfinite(healthy_hours(y, 0.01)[60:]).all())
    (True, True)
    >>> z = np.random.default_rng(1).normal(70.0, 0.1, 60)  # the reading ten times as high, its wobble grown
    >>> bool(np.isnan(healthy_hours(z, 0.01)).all()), bool(np.isfinite(healthy_hours(z, 0.01, 7.0)).all())
    (True, True)
    """
    out = np.array(y, dtype=np.float64)
    if not usual > 0:
        return out
    for k in range(0, len(out) - len(out) % 60, 60):
        hour = out[k:k + 60]
        grown = abs(float(flat_nanmedian(hour))) / abs(level) if level and np.isfinite(hour).any() else 1.0
        if step_spread(hour) > FAILING_WOBBLE * usual * max(1.0, grown):
            out[k:k + 60] = np.nan
    return out


class ProbesMixin(HostBase):
    """Methods of :class:`analytics.monitor.TankMonitor` (its state lives there)."""

    def _learn_noise(self, t_ms: Array, frame: dict[str, Array], now_ms: int) -> None:
        # the usual wobble: median of hourly step spreads over the learnable reference
        lo = now_ms - self.settings.reference_hours * 3_600_000
        sel = (t_ms >= lo) & self._learnable(t_ms)
        for name in PROBE_SENSORS:
            if name not in frame:
                continue
            since = self._renewed_since(name, now_ms)
            # a probe that stepped (recalibrated, replaced, moved) is learned from its own readings since,
            # the offset it may stand at included: its wobble is the new probe's, whatever its level
            # (and never from the hours the failing test calls failing, judged against the wobble learned
            # before: a bubble on the cell for most of a day is no new usual wobble, and a healthy probe
            # after it would read as stuck with none of that wobble -- and a stuck alert stops this learning)
            y = healthy_hours(frame[name][sel] if since is None else
                              frame[name][t_ms >= max(lo, since, self.learn_from_ms)],
                              self.noise.get(name, 0.0), self.noise_level.get(name, 0.0))
            wobble = usual_wobble(y)
            if not np.isfinite(wobble):
                continue
            self.noise[name] = wobble
            if since is not None:
                self.noise_renewed[name] = since
            self.noise_level[name] = float(flat_nanmedian(y))
            self._learn_inertia(name, y)
            floor = learn_quiet(y, self.settings.false_alarms_per_30_days)
            if floor is not None:
                self.quiet[name] = floor
        for name in STUCK_ONLY:
            if name in frame and sel.sum() >= 12 * 60:
                self._learn_inertia(name, frame[name][sel])
                floor = learn_quiet(frame[name][sel], self.settings.false_alarms_per_30_days)
                if floor is not None:
                    self.quiet[name] = floor
        if "level_cm" in frame and sel.sum() >= 12 * 60:  # the level's usual wobble, for a knocked sensor
            wobble = usual_wobble(frame["level_cm"][sel])
            if np.isfinite(wobble):
                self.level_wobble = wobble
        for name in SILENT_WATCHED:  # how often each probe misses a reading the others make
            if name in frame and sel.sum() >= 12 * 60:
                self.missed[name] = missed_rate(np.isfinite(frame[name][sel]), self._others_read(frame, name, sel))
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
        if (not self.noise or now_ms - self.noise_at_ms >= self.settings.refit_minutes * MIN_MS
                or self._renewal_due(now_ms)) and not self.in_maintenance(now_ms) and not self._stuck_or_noisy():
            self._learn_noise(t_ms, frame, now_ms)
            self.noise_at_ms = now_ms
        stuck, noisy = [], []
        minutes: dict[str, int] = {}  # how long each stuck probe has repeated its reading
        for name, usual in self.noise.items():
            if name not in frame or usual <= 0:
                continue
            _, y = self._recent(t_ms, frame[name], now_ms, WOBBLE_MINUTES)
            spread = step_spread(y)
            if not np.isfinite(spread):
                continue
            score[f"wobble_{name}"] = spread / usual
            # a probe's noise grows with its reading (turbidity, TDS): a bloom that quadruples the turbidity
            # also quadruples its wobble, and that is the water, not the probe
            level = self.noise_level.get(name, 0.0)
            grown = abs(float(flat_nanmedian(y))) / abs(level) if level and np.isfinite(y).any() else 1.0
            renewing = self._renewing(name, now_ms)
            if renewing:  # a new probe quieter than the old is no stuck one (a collapse seen before was the old's)
                self.wobble_gone_ms.pop(name, None)
            held = None if renewing else \
                self._stuck_minutes(name, t_ms, frame[name], now_ms, spread < 0.1 * usual, grown)
            if held is not None:
                stuck.append(name)
                minutes[name] = held
            # (the water stepping from one ramp to another, a dose or a drain, widens the steps but not their
            # second differences: analytics/rules.py jumps_beyond)
            if jumps_beyond(y, FAILING_WOBBLE * usual * max(1.0, grown)):
                noisy.append(name)
        for name in STUCK_ONLY:  # the level probe: only stuck is its own (waves and top-ups are its wobble)
            if name in frame and name in self.repeat_chance:
                held = self._stuck_minutes(name, t_ms, frame[name], now_ms, False, 1.0)
                if held is not None:
                    stuck.append(name)
                    minutes[name] = held
        if self._level_probe_failing(now_ms, t_ms, frame):
            noisy.append("level_cm")
        silent = self._silent_probes(now_ms, t_ms, frame)
        losing = [n for n in self._losing_probes(now_ms, t_ms, frame) if n not in silent]
        # (a conductivity cell out of the water reads its floor, in range and quiet: analytics/probe_dry.py)
        dry = [n for n in DRY_SENSORS if n in frame and n not in silent and reads_dry(
            self._recent(t_ms, frame[n], now_ms, DRY_READINGS)[1], self.noise_level.get(n, 0.0))]
        losing = [n for n in losing if n not in dry]
        # a probe that reads nothing of the water (silent, or out of it) is told so; the jumps of its readings
        # on the way (a cell's film drying off) are no second fault of the probe's
        noisy = [n for n in noisy if n not in silent and n not in dry]
        for key, names in (("probe_stuck", stuck), ("probe_noisy", noisy)):
            if names:
                self._alert(key).sensors = list(names)
        out = self._rule("probe_stuck", bool(stuck), now_ms, float(len(stuck)),
                         f"The {', '.join(LABELS[n][0] for n in stuck)} probe is stuck: it has read the same value "
                         f"({', '.join(_fmt(n, self._last(frame[n])) for n in stuck)}), with none of its usual "
                         f"wobble, for {max(minutes.values(), default=0)} minutes. This is the probe, not the "
                         "water: check that it is plugged in and its cable, clean it, recalibrate or replace it.")
        water_probes = [n for n in noisy if n != "level_cm"]
        words = (f"The {', '.join(LABELS[n][0] for n in water_probes)} probe is failing: its readings jump far "
                 "more than usual. This is the probe, not the water: check its cable and connector, clean or "
                 "replace it. " if water_probes else "")
        if "level_cm" in noisy:  # (analytics/level_probe.py)
            words += (f"The {LABELS['level_cm'][0]} sensor reads {self._last(frame['level_cm']):.1f} cm, away from "
                      "where it stood before, and jumps far more than usual: water does neither, so the sensor "
                      "was knocked askew, is fogged or has something in its beam. Look at the water's real "
                      "level, set the sensor straight over the water and wipe it; until then the leak and "
                      "top-off checks read a wrong level.")
        out += self._rule("probe_noisy", bool(noisy), now_ms, float(len(noisy)), words.strip())
        out += self._probe_step_rule(now_ms)
        if silent:
            self._alert("probe_silent").sensors = silent + dry + losing
            words = (f"The {', '.join(LABELS[n][0] for n in silent)} probe sends no readings (or only "
                     f"impossible ones) while the others do: it is unplugged, its cable is broken or it "
                     f"has died. The {', '.join(LABELS[n][0] for n in silent)} of the water is not being "
                     "watched: check the probe and its connector.")
        elif dry:
            self._alert("probe_silent").sensors = dry + losing
            words = (f"The {', '.join(LABELS[n][0] for n in dry)} probe reads "
                     f"{', '.join(_fmt(n, self._last(frame[n])) for n in dry)}, nothing the water could (it "
                     f"usually reads {', '.join(_fmt(n, self.noise_level[n]) for n in dry)}): it is out of the "
                     "water (knocked off its clip or lifted out) or its cable is off. The "
                     f"{', '.join(LABELS[n][0] for n in dry)} of the water is not being watched: put the probe "
                     "back in the water.")
        else:
            if losing:
                self._alert("probe_silent").sensors = losing
            words = (f"The {', '.join(LABELS[n][0] for n in losing)} probe is losing readings: "
                     f"{self._missed_now(t_ms, frame, now_ms, losing)} of its last {GAP_MINUTES} readings "
                     "missing or impossible while the others read. Its cable or connector is failing (a "
                     "corroded or wet contact): check it now, before the probe stops reading altogether.")
        out += self._rule("probe_silent", bool(silent or dry or losing), now_ms,
                          float(len(silent) + len(dry) + len(losing)), words)
        return out

    def _level_probe_failing(self, now_ms: int, t_ms: Array, frame: dict[str, Array]) -> bool:
        """The level sensor reads a wrong level and jumps there (knocked askew, fogged: analytics/level_probe.py),
        judged while the pump ran steadily through the mark and the window and no water was being moved."""
        if "level_cm" not in frame or not self.level_wobble > 0:
            return False
        held = sensor_told_failing(self)
        span = WOBBLE_MINUTES + (0 if held else MARK_GAP_MINUTES + MARK_MINUTES)
        tw, y = self._recent(t_ms, frame["level_cm"], now_ms, span)
        if not held:
            # (the keeper's hands in the tank, or a refill's last jugs, move the level; a drain under way is
            # judged: its ramp moves through the window, and a sensor knocked 4 cm low reads as one -- and as
            # a water change, its jumps stepping "with" the other readings)
            if self.in_maintenance(now_ms) or now_ms - self.drain_end_ms < RESTART_MINUTES * MIN_MS:
                return False
            for name in ("pump", "flow_lpm"):
                if name in frame:
                    v = self._recent(t_ms, frame[name], now_ms, span)[1]
                    v = v[np.isfinite(v)]
                    if bool(np.any(v != 1.0) if name == "pump" else np.any(v < self.profile.flow_stopped_lpm)):
                        return False
        window = y[tw >= now_ms - WOBBLE_MINUTES * MIN_MS]
        mark = y[tw < now_ms - (WOBBLE_MINUTES + MARK_GAP_MINUTES) * MIN_MS]
        return level_probe_failing(mark, window, self.level_wobble, held)

    def _renewed_since(self, name: str, now_ms: int) -> int | None:
        """When ``name``'s probe last made a lasting step no water made (:meth:`_probe_stepped`), if within
        ``reference_hours``: what was learned of its wobble before it is another probe's (a new or
        recalibrated pH probe wobbles less than the cracked one it replaced), so it is learned from the
        readings since.  None: no step within the reference."""
        last = self.probe_steps.get(name)
        if last is None or now_ms - last[0] > self.settings.reference_hours * 3_600_000:
            return None
        return last[0]

    def _renewing(self, name: str, now_ms: int) -> bool:
        """``name``'s probe stepped and its wobble has not been learned since from :data:`RENEWED_HOURS` of
        its own readings: its stuck test waits (the step is told by ``probe_step`` while it
        stands), rather than judge the new probe against the old one's wobble."""
        since = self._renewed_since(name, now_ms)
        return since is not None and self.noise_renewed.get(name) != since

    def _renewal_due(self, now_ms: int) -> bool:
        """A renewed probe has had :data:`RENEWED_HOURS` since its step and an hour since the last try: its
        wobble is learned now, not at the next refit hours later."""
        return now_ms - self.noise_at_ms >= 60 * MIN_MS and any(
            self._renewing(n, now_ms) and now_ms - at >= RENEWED_HOURS * 3_600_000
            for n, (at, *_) in self.probe_steps.items())

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

    def _stuck_minutes(self, name: str, t_ms: Array, x: Array, now_ms: int, collapsed: bool,
                       grown: float) -> int | None:
        """How long probe ``name`` has been stuck, or None: the same reading repeated more times in a row than
        the healthy probe does once in the stated false-alarm rate (a fine probe: five minutes), or its wobble
        gone (``collapsed``) or far quieter than its healthy windows ever were (an open input,
        :mod:`analytics.probe_quiet`; ``grown`` scales its usual wobble) for :data:`STUCK_MINUTES`."""
        floor = self.quiet.get(name)
        quiet = floor is not None and floor.is_quiet(self._recent(t_ms, x, now_ms, QUIET_MINUTES)[1], grown)
        since = self.wobble_gone_ms.setdefault(name, now_ms) if collapsed or quiet else \
            self.wobble_gone_ms.pop(name, None)
        repeated = trailing_repeats(self._recent(t_ms, x, now_ms, WOBBLE_MINUTES)[1])
        if (since is not None and now_ms - since >= STUCK_MINUTES * MIN_MS) or repeated >= repeats_for_stuck(
                self.repeat_chance.get(name, 1.0), self.settings.false_alarms_per_30_days):
            return max(repeated, (now_ms - since) // MIN_MS if since is not None else 0)
        return None

    @staticmethod
    def _others_read(frame: dict[str, Array], name: str, rows: NDArray[np.bool_]) -> NDArray[np.bool_]:
        """The rows in which some other watched channel than ``name`` has a reading."""
        others = [np.isfinite(frame[n][rows]) for n in SILENT_WATCHED if n in frame and n != name]
        return np.logical_or.reduce(others) if others else np.zeros(0, dtype=bool)

    def _losing_probes(self, now_ms: int, t_ms: Array, frame: dict[str, Array]) -> list[str]:
        """Channels missing more of the last :data:`GAP_MINUTES` rows the others read than their healthy
        rate explains (:mod:`analytics.probe_gaps`): a failing cable, before it goes silent."""
        recent = t_ms >= now_ms - GAP_MINUTES * MIN_MS
        out = []
        for name, rate in self.missed.items():
            if name in frame and gaps_unlikely(np.isfinite(frame[name][recent]),
                                               self._others_read(frame, name, recent), rate,
                                               self.settings.false_alarms_per_30_days):
                out.append(name)
        return out

    def _missed_now(self, t_ms: Array, frame: dict[str, Array], now_ms: int, names: list[str]) -> str:
        recent = t_ms >= now_ms - GAP_MINUTES * MIN_MS
        return ", ".join(str(int(np.sum(self._others_read(frame, n, recent) & ~np.isfinite(frame[n][recent]))))
                         for n in names)

    def _learn_inertia(self, name: str, y: Array) -> None:
        """From a probe's healthy readings: how often one repeats the one before exactly (its resolution
        against its noise), and, for the inert channels, the water's fastest healthy change in a minute (the
        tail of the minute steps of the median of three, at the stated false-alarm rate)."""
        d = np.diff(y)
        d = d[np.isfinite(d)]
        if len(d) < 60:
            return
        self.repeat_chance[name] = (float(np.sum(d == 0.0)) + 1.0) / (len(d) + 2.0)
        if name in INERT_CHANNELS:
            steps = np.abs(np.diff(despike(y)))
            steps = steps[np.isfinite(steps)]
            p = per_test_probability(self.settings.false_alarms_per_30_days, 1)
            self.fastest_minute[name] = max(0.0, pot_threshold(steps, p)) if len(steps) >= 60 else 0.0

    def _probe_stepped(self, name: str, t_ms: Array, raw: dict[str, Array], now_ms: int) -> bool:
        """Whether ``name``'s probe stepped in the last :data:`STEP_HOLD_MINUTES` (its rate rules wait).

        Run every minute by the rules: a lasting step found now
        (:func:`analytics.probe_steps.lasting_step`, while the level and the TDS
        did not move) is kept in ``probe_steps``.  It stands (the probe reads
        off) when it took the reading away from its usual course, and until the
        reading is back within half the step of it (a step back: the probe put
        right), at most ``reference_hours``; a step that brings the reading back
        to its usual course (the end of something) held the rates, and stands
        for nothing.  While a step stands the tank's readings are kept out of
        learning (its span in ``excluded``, and in ``offset_spans`` for the
        usual daily course, which otherwise votes on alert time too): the
        baseline, the daily shape and the probes' noise learn the water, not
        the probe's offset.
        """
        if name not in INERT_CHANNELS or name not in raw:
            return False
        last = self.probe_steps.get(name)
        w = t_ms >= now_ms - (BEFORE_MINUTES + LOOK_MINUTES) * MIN_MS
        step = lasting_step(raw[name][w], self.noise.get(name, 0.0), self.fastest_minute.get(name, 0.0), t_ms[w])
        usual_now = self._usual_series(name, np.array([now_ms]), raw) \
            if step is not None or self._step_stands(name, now_ms) else None
        if step is not None:
            at = int(t_ms[w][step.index])
            moved = any(water_moved(raw[g][w], step.index, least, fall) for g, least, fall in
                        (("level_cm", 0.0, False), ("tds_ppm", NEW_WATER_TDS_FRACTION, True)) if g in raw)
            if not moved and (last is None or at > last[0] + 2 * MIN_MS):
                standing = self._step_stands(name, now_ms)
                # without a usual course, where the probe read before it went off (or before this step)
                usual = float(usual_now[0]) if usual_now is not None else \
                    last[2] if standing and last is not None else self._usual_before(name, now_ms, raw, step.before)
                away = abs(step.before + step.size - usual) > abs(step.before - usual)
                if standing:  # the offset read so far ends where this step begins
                    self._offset_span(name, at - MIN_MS, 0.0, None)
                if not away:  # the minutes around a step back shaped no rate the water made
                    self._exclude(at - STEP_HOLD_MINUTES * MIN_MS, now_ms)
                last = self.probe_steps[name] = (at, step.size, step.before, not away)
        if last is None:
            return False
        if self._step_stands(name, now_ms):
            at, size, before, _ = last
            recent = raw[name][t_ms >= max(at, now_ms - BEFORE_MINUTES * MIN_MS)]  # read since the step
            usual = before if usual_now is None else float(usual_now[0])
            if np.isfinite(recent).any() and np.sign(size) * (float(flat_nanmedian(recent)) - usual) < abs(size) / 2:
                self.probe_steps[name] = (at, size, before, True)  # back near its usual course: put right
            else:  # the offset stands: nothing of it is learned
                self._exclude(at - MIN_MS, now_ms)
                self._offset_span(name, now_ms, size, at - MIN_MS)
        return now_ms - last[0] <= STEP_HOLD_MINUTES * MIN_MS

    def _usual_before(self, name: str, now_ms: int, raw: dict[str, Array], read_before: float) -> float:
        """Where ``name`` belongs now when no step stands and the usual waits to be re-levelled (after a water
        change): the usual course learned before it, else ``read_before`` (the reading before the step).

        Round 19: judged against the reading before it, a crashed pH coming back up after the keeper's water
        change read as a probe going off and kept the tank out of learning for a whole reference.
        """
        old = self._usual_series(name, np.array([now_ms]), raw, shape_only=True)
        return read_before if old is None else float(old[0])

    def _step_stands(self, name: str, now_ms: int) -> bool:
        """``name``'s probe reads off since its last step: not back near its usual course, not yet for a whole
        reference (after ``reference_hours`` its reading is what the tank has, and learning resumes on it)."""
        last = self.probe_steps.get(name)
        return last is not None and not last[3] and now_ms - last[0] <= self.settings.reference_hours * 3_600_000

    def _offset_span(self, name: str, end: int, size: float, start: int | None = None) -> None:
        """``name`` read ``size`` off from ``start`` (its step) to ``end``: a standing step's span, extended
        each minute; ``start`` None: the last span of ``name`` ends at ``end`` (where its step back began)."""
        spans = self.offset_spans
        i = next((k for k in range(len(spans) - 1, -1, -1) if spans[k][0] == name), None)
        if start is None or (i is not None and spans[i][1] == start):
            if i is not None:
                spans[i] = (name, spans[i][1], end, spans[i][3])
        else:
            spans.append((name, start, end, size))
        horizon = end - self.settings.reference_hours * 3_600_000
        self.offset_spans = [sp for sp in spans if sp[2] >= horizon]

    def _read_off(self, t_ms: Array) -> NDArray[np.bool_]:
        """Rows read while a probe stood off after a step (:meth:`_probe_stepped`): no day of the usual
        daily course, whatever else is learned from the time (its readings are the probe's, not the water's)."""
        off = np.zeros(len(t_ms), dtype=bool)
        for _, a, b, _ in self.offset_spans:
            off |= (t_ms >= a) & (t_ms <= b)
        return off

    def _probe_step_rule(self, now_ms: int) -> list[Transition]:
        """``probe_step``: an inert probe's step stands (:meth:`_step_stands`), in keeper words."""
        # firing while the step stands; its step back (the probe put right) resolves it
        recent = {n: s for n, s in self.probe_steps.items() if self._step_stands(n, now_ms)}
        texts = []
        for name, (_, size, before, _) in recent.items():
            label, unit, dec = LABELS[name]
            check = "check it with a drop test" if name == "ph" else "check it with a second thermometer"
            texts.append(f"The {label} reading jumped {size:+.{dec}f}{unit} in one minute (from "
                         f"{_fmt(name, before)} to {_fmt(name, before + size)}) and stayed. Water cannot change "
                         f"that fast: the probe was recalibrated, moved or is failing. Until it is checked its "
                         f"readings are not the water's: {check}.")
        if recent:
            self._alert("probe_step").sensors = list(recent)
        return self._rule("probe_step", bool(recent), now_ms, float(len(recent)), " ".join(texts))
